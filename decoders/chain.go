package decoders

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Chain reads several capture files that continue each other — the files of
// a ring buffer — as one capture. Frames are numbered across the files in
// order, as `mergecap -a` numbers the concatenated file, so evidence can be
// checked in Wireshark on that file. Files are opened one at a time.
type Chain struct {
	paths  []string
	cur    *Capture
	next   int
	frames int
	format Format
	err    error
}

// NewChain returns a Chain over paths, in the order given. The first file is
// opened at once so that a bad one is reported before analysis starts.
func NewChain(paths []string) (*Chain, error) {
	if len(paths) == 0 {
		return nil, errors.New("no capture to join")
	}
	ch := &Chain{paths: paths}
	if err := ch.open(); err != nil {
		return nil, err
	}
	ch.format = ch.cur.Format()
	return ch, nil
}

func (ch *Chain) open() error {
	c, err := Open(ch.paths[ch.next])
	if err != nil {
		return err
	}
	ch.cur = c
	ch.next++
	return nil
}

// Name lists the joined files.
func (ch *Chain) Name() string {
	if len(ch.paths) == 1 {
		return ch.paths[0]
	}
	return strings.Join(ch.paths, " + ")
}

// Format is the first file's format.
func (ch *Chain) Format() Format { return ch.format }

// Frames returns how many frames were read so far, across the files.
func (ch *Chain) Frames() int { return ch.frames }

// Next reads the next frame, moving to the next file at the end of one. A
// damaged file ends the chain there, with the error naming that file and its
// own frame number; every frame before it has been delivered.
func (ch *Chain) Next(f *Frame) error {
	if ch.err != nil {
		return ch.err
	}
	for {
		err := ch.cur.Next(f)
		if err == nil {
			ch.frames++
			f.Number = ch.frames
			return nil
		}
		ch.cur.Close()
		if err != io.EOF {
			ch.err = fmt.Errorf("joined frame %d: %w", ch.frames+1, err)
			return ch.err
		}
		if ch.next == len(ch.paths) {
			ch.err = io.EOF
			return io.EOF
		}
		if err := ch.open(); err != nil {
			ch.err = fmt.Errorf("joined frame %d: %w", ch.frames+1, err)
			return ch.err
		}
	}
}

// Close closes the file being read.
func (ch *Chain) Close() error {
	if ch.cur != nil {
		return ch.cur.Close()
	}
	return nil
}

package capture

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

	// A held chain keeps the files it has read to the end open until the
	// holder releases the frames read from them.
	held    bool
	retired []retiredCapture
}

// retiredCapture is a file read to its end whose frames may still be in use.
type retiredCapture struct {
	file int // index in paths
	c    *Capture
}

// fileShift places the file's index above its byte offset in a chain's mark.
const fileShift = 40

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
	if ch.held {
		c.Hold()
	}
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
		if ch.held {
			ch.retired = append(ch.retired, retiredCapture{ch.next - 1, ch.cur})
		} else {
			ch.cur.Close()
		}
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

// Hold keeps frames valid until they are released, as Capture.Hold.
func (ch *Chain) Hold() {
	ch.held = true
	ch.cur.Hold()
}

// Mark is where the next frame starts: the file's index and the offset in
// it.
func (ch *Chain) Mark() int64 {
	return int64(ch.next-1)<<fileShift | min(ch.cur.Mark(), 1<<fileShift-1)
}

// Release closes the files whose frames are all before mark (a value of
// Mark) and passes the rest on to the file being read.
func (ch *Chain) Release(mark int64) {
	file := int(mark >> fileShift)
	kept := ch.retired[:0]
	for _, r := range ch.retired {
		if r.file < file {
			r.c.Close()
			continue
		}
		if r.file == file {
			r.c.Release(mark & (1<<fileShift - 1))
		}
		kept = append(kept, r)
	}
	clear(ch.retired[len(kept):])
	ch.retired = kept
	if file == ch.next-1 {
		ch.cur.Release(mark & (1<<fileShift - 1))
	}
}

// Close closes the file being read and those kept for a holder.
func (ch *Chain) Close() error {
	var err error
	for _, r := range ch.retired {
		if r.c != ch.cur { // the last file is retired at its end
			err = errors.Join(err, r.c.Close())
		}
	}
	ch.retired = nil
	if ch.cur != nil {
		err = errors.Join(err, ch.cur.Close())
	}
	return err
}

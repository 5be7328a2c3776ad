package main

import (
	"io"
	"os"

	"golang.org/x/term"
)

// ioStreams is where a command writes: its report or dump on out; notes,
// errors and the progress bar on err. main builds it once from the process's
// streams, so the commands never reach for os.Stdout or ask the system what
// a stream is; tests build one over buffers and say what it pretends to be.
type ioStreams struct {
	in          io.Reader // what the input "-" reads
	out, err    io.Writer
	outTerminal bool // out is a terminal: the text report may have colour
	errTerminal bool // err is a terminal: a progress bar is worth drawing
	noColor     bool // the environment refuses colour (NO_COLOR, TERM=dumb)
	outWidth    int  // out's terminal's width in columns; 0 when unknown
}

// newIOStreams describes the process's stdout and stderr. On a Windows
// console colour needs virtual-terminal processing: when the console
// refuses it, the report has no colour (enableVT).
func newIOStreams(stdin, stdout, stderr *os.File) ioStreams {
	s := ioStreams{
		in:          stdin,
		out:         stdout,
		err:         stderr,
		outTerminal: isTerminal(stdout),
		errTerminal: isTerminal(stderr),
		noColor:     os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb",
	}
	if s.outTerminal {
		if w, _, err := term.GetSize(int(stdout.Fd())); err == nil && w > 0 {
			s.outWidth = w
		}
	}
	if s.outTerminal && !s.noColor && !enableVT(stdout) {
		s.noColor = true
	}
	if s.errTerminal {
		enableVT(stderr) // the progress bar redraws its line with escape codes
	}
	return s
}

// color reports whether a report written to out may have colour.
func (s ioStreams) color() bool {
	return s.outTerminal && !s.noColor
}

// isTerminal reports whether f is a character device. That is what a
// terminal is to the file system, without an ioctl; /dev/null passes too,
// which costs nothing since no one sees what is written there.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

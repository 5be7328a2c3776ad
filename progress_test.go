package main

import (
	"bytes"
	"strings"
	"testing"

	"softsa/batch"
)

// TestProgressLeavesNoRemnant: the bar drawn on a terminal's stderr is
// wiped when the batch ends, finished or interrupted, so the notes and the
// report after it start on a clean line; on a pipe nothing is drawn.
func TestProgressLeavesNoRemnant(t *testing.T) {
	inputs := []batch.Input{{Path: "a", Size: 1000}, {Path: "b", Size: 2000}, {Path: "c", Size: 3000}}
	for _, n := range []int{len(inputs), 1} { // all done; interrupted after one
		var stderr bytes.Buffer
		p := newProgress(ioStreams{err: &stderr, errTerminal: true}, inputs, false)
		for _, in := range inputs[:n] {
			p.add(in)
		}
		p.finish()
		out := stderr.String()
		if !strings.Contains(out, "captures") {
			t.Fatalf("no bar drawn: %q", out)
		}
		if i := strings.LastIndexByte(out, '\r'); i < 0 || strings.TrimSpace(strings.ReplaceAll(out[i:], "\x1b[2K", "")) != "" {
			t.Errorf("%d of %d done: the bar's line is not wiped: %q", n, len(inputs), out[max(0, len(out)-80):])
		}
	}
	var stderr bytes.Buffer
	p := newProgress(ioStreams{err: &stderr}, inputs, false)
	p.add(inputs[0])
	p.finish()
	if stderr.Len() != 0 {
		t.Errorf("bar drawn on a pipe: %q", stderr.String())
	}
}

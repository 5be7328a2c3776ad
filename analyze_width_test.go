package main

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestAnalyzeWidth: --width N holds every line of the text report to N
// columns; without it a report to a pipe is 120 columns and one to a
// terminal is the terminal's width.
func TestAnalyzeWidth(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		outWidth int // the terminal's width; 0: not a terminal
		limit    int
	}{
		{[]string{"--width", "80"}, 0, 80},
		{nil, 0, 120},
		{nil, 90, 90},
		{[]string{"--width", "100"}, 90, 100},
	} {
		s, stdout, _ := bufStreams()
		if tc.outWidth > 0 {
			s.outTerminal, s.noColor, s.outWidth = true, true, tc.outWidth
		}
		run(append(tc.args, "-q", "samples/busy-office.pcapng"), s)
		longest := 0
		for _, l := range strings.Split(stdout.String(), "\n") {
			longest = max(longest, utf8.RuneCountInString(l))
		}
		if longest > tc.limit || longest < tc.limit-30 {
			t.Errorf("%v, terminal %d: longest line %d columns, want at most %d (and near it)", tc.args, tc.outWidth, longest, tc.limit)
		}
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestColourOnlyToTerminal: the text report has colour only on a stdout
// that is a terminal, and not when the environment refuses it or the
// report goes to a file.
func TestColourOnlyToTerminal(t *testing.T) {
	kb := filepath.Join("samples", "kb977526-vista-to-xp.pcapng")
	file := filepath.Join(t.TempDir(), "report.txt")
	for _, tc := range []struct {
		name              string
		terminal, noColor bool
		output            string
		want              bool
	}{
		{"pipe", false, false, "", false},
		{"terminal", true, false, "", true},
		{"terminal, -o -", true, false, "-", true},
		{"terminal, NO_COLOR", true, true, "", false},
		{"terminal, -o file", true, false, file, false},
	} {
		s, stdout, stderr := bufStreams()
		s.outTerminal, s.noColor = tc.terminal, tc.noColor
		if code := runAnalyze(withDefaults(analyzeOptions{Inputs: []string{kb}, Format: "text", Output: tc.output, Quiet: true}), s); code != exitFindings {
			t.Fatalf("%s: exit %d: %s", tc.name, code, stderr.String())
		}
		out := stdout.String()
		if tc.output == file {
			b, _ := os.ReadFile(file)
			out = string(b)
		}
		if out == "" {
			t.Fatalf("%s: no report", tc.name)
		}
		if got := strings.Contains(out, "\x1b["); got != tc.want {
			t.Errorf("%s: colour %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestProgressOnlyToTerminal: a batch draws its progress bar on a stderr
// that is a terminal, unless --quiet, and writes nothing there otherwise.
func TestProgressOnlyToTerminal(t *testing.T) {
	dir := writeManyCaptures(t, 3)
	for _, tc := range []struct {
		name            string
		terminal, quiet bool
		want            bool
	}{
		{"pipe", false, false, false},
		{"terminal", true, false, true},
		{"terminal, quiet", true, true, false},
	} {
		s, _, stderr := bufStreams()
		s.errTerminal = tc.terminal
		if code := runAnalyze(withDefaults(analyzeOptions{Inputs: []string{dir}, Format: "json", Quiet: tc.quiet}), s); code != exitFindings {
			t.Fatalf("%s: exit %d: %s", tc.name, code, stderr.String())
		}
		if got := strings.Contains(stderr.String(), "/3 captures"); got != tc.want || !tc.want && stderr.Len() != 0 {
			t.Errorf("%s: stderr %q, want a progress bar: %v", tc.name, stderr.String(), tc.want)
		}
	}
}

// TestNewIOStreams: a file is not a terminal, and NO_COLOR or TERM=dumb
// refuse colour.
func TestNewIOStreams(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "xterm")
	s := newIOStreams(f, f, f)
	if s.outTerminal || s.errTerminal || s.noColor || s.out != f || s.err != f {
		t.Errorf("over a file: %+v", s)
	}
	t.Setenv("NO_COLOR", "1")
	if s := newIOStreams(f, f, f); !s.noColor {
		t.Error("NO_COLOR=1 does not refuse colour")
	}
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "dumb")
	if s := newIOStreams(f, f, f); !s.noColor {
		t.Error("TERM=dumb does not refuse colour")
	}
}

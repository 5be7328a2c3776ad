package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sample copies a sample capture into dir and returns its path and bytes.
func sample(t *testing.T, dir, name string) (string, []byte) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("samples", "kb977526-vista-to-xp.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	writeFile(t, p, b, 0o644)
	return p, b
}

// runArgs runs a command line over buffers and returns its exit code and
// stderr.
func runArgs(t *testing.T, args ...string) (int, string) {
	t.Helper()
	s, _, stderr := bufStreams()
	return run(args, s), stderr.String()
}

// TestNeverOverwriteInput: an -o that is one of the inputs, however it is
// spelled or linked, or any file that holds a capture, is a usage error:
// exit 2, the capture byte-identical, nothing else written.
func TestNeverOverwriteInput(t *testing.T) {
	dir := t.TempDir()
	in, orig := sample(t, dir, "same.pcapng")
	if err := os.Symlink("same.pcapng", filepath.Join(dir, "link.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(in, filepath.Join(dir, "hard.txt")); err != nil {
		t.Fatal(err)
	}
	other, _ := sample(t, dir, "other.pcapng")
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-o", in, in}, "is the input"},
		{[]string{"-o", in, "--format", "json", in}, "is the input"},
		{[]string{"-o", filepath.Join(sub, "..", "same.pcapng"), in}, "is the input"},
		{[]string{"-o", filepath.Join(dir, "link.json"), in}, "is the input"},
		{[]string{"-o", filepath.Join(dir, "hard.txt"), in}, "is the input"},
		{[]string{"-o", in, dir}, "is the input"},      // found by the folder walk
		{[]string{"-o", other, in}, "holds a capture"}, // not an input, but evidence
		{[]string{"--merge", "-o", in, in, other}, "is the input"},
	} {
		code, stderr := runArgs(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, exitUsage, tc.want)
		}
		for _, p := range []string{in, other} {
			if b, _ := os.ReadFile(p); !bytes.Equal(b, orig) {
				t.Fatalf("%v: %s changed", tc.args, p)
			}
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*tmp*")); len(m) > 0 {
		t.Errorf("left behind: %v", m)
	}
}

// TestNeverOverwriteInputDir: a report folder in which a report would
// replace an input is refused.
func TestNeverOverwriteInputDir(t *testing.T) {
	dir := t.TempDir()
	in, orig := sample(t, dir, "index.html") // a capture under an unlucky name
	code, stderr := runArgs(t, "-o", dir, in)
	if code != exitUsage || !strings.Contains(stderr, "would replace the input") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if b, _ := os.ReadFile(in); !bytes.Equal(b, orig) {
		t.Fatal("the input changed")
	}
	// The same capture under its own name in the folder is fine: its
	// report is name.pcapng.html.
	in2, orig2 := sample(t, dir, "x.pcapng")
	if code, stderr := runArgs(t, "-q", "-o", dir, in2); code != exitFindings {
		t.Errorf("exit %d: %s", code, stderr)
	}
	if b, _ := os.ReadFile(in2); !bytes.Equal(b, orig2) {
		t.Fatal("the input changed")
	}
}

// TestReportReplacedAtomically: a report replaces the previous one in one
// rename, leaves no temporary file, and is readable by others.
func TestReportReplacedAtomically(t *testing.T) {
	dir := t.TempDir()
	in, _ := sample(t, dir, "a.pcapng")
	rep := filepath.Join(dir, "r.json")
	writeFile(t, rep, []byte("old report"), 0o600)
	if code, stderr := runArgs(t, "-q", "-o", rep, in); code != exitFindings {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, _ := os.ReadFile(rep)
	st, _ := os.Stat(rep)
	if !bytes.HasPrefix(b, []byte("{")) || st.Mode().Perm() != 0o644 {
		t.Errorf("report %q… mode %v", b[:min(len(b), 20)], st.Mode())
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".*")); len(m) > 0 {
		t.Errorf("left behind: %v", m)
	}
}

// TestBadOutputFailsFirst: a destination that cannot be written fails with
// exit 2 and a message naming it, before any capture is analysed (the
// analysis of the unreadable input would otherwise add its note).
func TestBadOutputFailsFirst(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "x.pcap")
	writeFile(t, bad, []byte("not a capture"), 0o644)
	ro := filepath.Join(dir, "ro")
	os.Mkdir(ro, 0o555)
	roTarget := filepath.Join(ro, "r.json")
	if os.Geteuid() == 0 {
		roTarget = "/proc/r.json" // root writes in any folder of a writable file system
	}
	for _, tc := range []struct {
		out, want string
	}{
		{filepath.Join(dir, "missing", "r.json"), "does not exist"},
		{roTarget, "cannot write"},
		{"/dev/full", "no space"},
		{filepath.Join(bad, "r.json"), "not a directory"},
	} {
		code, stderr := runArgs(t, "-o", tc.out, bad)
		if code != exitUsage || !strings.Contains(stderr, tc.out) || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "magic") {
			t.Errorf("-o %s: exit %d, stderr %q; want %d and %q only", tc.out, code, stderr, exitUsage, tc.want)
		}
	}
	// A device that takes writes is written as it is.
	if code, stderr := runArgs(t, "-q", "-o", "/dev/null", filepath.Join("samples", "kb977526-vista-to-xp.pcapng")); code != exitFindings {
		t.Errorf("-o /dev/null: exit %d: %s", code, stderr)
	}
}

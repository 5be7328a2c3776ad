package report

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"softsa/analyzer/result"
)

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestWriteHTMLDirReplacesPreviousRun: a second run into the folder removes
// the first run's reports it does not rewrite, and only those: a file the
// user put there stays, and so does a report of a run before manifests.
func TestWriteHTMLDirReplacesPreviousRun(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.html"), []byte("mine"), 0o644)
	one := result.NewResult("t", result.CaptureResult{File: "a.pcap", Pairs: []result.Pair{}}, result.CaptureResult{File: "b.pcap", Pairs: []result.Pair{}})
	if err := WriteHTMLDir(dir, &one); err != nil {
		t.Fatal(err)
	}
	want := []string{manifestName, "a.pcap.html", "b.pcap.html", "index.html", "notes.html"}
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Fatalf("first run: %v, want %v", got, want)
	}
	two := result.NewResult("t", result.CaptureResult{File: "b.pcap", Pairs: []result.Pair{}}, result.CaptureResult{File: "c.pcap", Error: "empty file"})
	if err := WriteHTMLDir(dir, &two); err != nil {
		t.Fatal(err)
	}
	want = []string{manifestName, "b.pcap.html", "index.html", "notes.html"}
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Fatalf("second run: %v, want %v", got, want)
	}
	// A doctored manifest cannot make a run delete outside the folder or
	// anything that is not a report.
	outside := filepath.Join(t.TempDir(), "x.html")
	os.WriteFile(outside, nil, 0o644)
	os.WriteFile(filepath.Join(dir, manifestName), []byte("../x.html\n"+outside+"\nnotes.html.bak\nnotes.html\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.html.bak"), nil, 0o644)
	if err := WriteHTMLDir(dir, &two); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(outside); err != nil {
		t.Errorf("a manifest entry outside the folder was removed")
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.html.bak")); err != nil {
		t.Errorf("a manifest entry that is no report was removed")
	}
}

// TestLockDir: a folder is taken by one run at a time; a lock whose process
// is gone is taken over; unlocking frees it.
func TestLockDir(t *testing.T) {
	dir := t.TempDir()
	unlock, err := LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LockDir(dir); err == nil || !strings.Contains(err.Error(), "another softsa run") || !strings.Contains(err.Error(), fmt.Sprint(os.Getpid())) {
		t.Errorf("second lock: %v", err)
	}
	unlock()
	if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) > 0 {
		t.Errorf("unlock left %v", m)
	}
	// A lock left by a process that no longer exists.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true(1) to make a dead process id")
	}
	os.WriteFile(filepath.Join(dir, lockName), fmt.Appendf(nil, "%d\n", cmd.Process.Pid), 0o644)
	unlock, err = LockDir(dir)
	if err != nil {
		t.Fatalf("stale lock not taken over: %v", err)
	}
	unlock()
}

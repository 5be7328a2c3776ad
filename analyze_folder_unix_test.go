//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// checkBadFolderUnprivileged runs TestBatchBadFolder's check again as the
// unprivileged user nobody, for whom the unreadable files really are
// unreadable. The child needs nothing from the package folder, which may
// sit in a private folder (a clone in /root, mode 0700): its binary and
// working folder are in a world-readable temporary folder of their own,
// and the bad folder is opened up to it.
func checkBadFolderUnprivileged(t *testing.T, dir string) {
	t.Helper()
	pub := publicTempDir(t)
	// Open the way to dir for the child: dir, and its parents up to (not
	// including) the system's temporary folder, whose mode is not ours.
	for d := dir; d != "/" && d != "." && d != filepath.Clean(os.TempDir()); d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	if !searchable(filepath.Dir(dir)) {
		// dir is not under a folder nobody can enter: move it to pub.
		moved := filepath.Join(pub, "bad")
		if err := os.Rename(dir, moved); err != nil {
			t.Fatalf("moving the bad folder where nobody can read it: %v", err)
		}
		defer os.Rename(moved, dir)
		dir = moved
	}
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(pub, "softsa.test")
	if err := os.WriteFile(bin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run", "^TestBatchBadFolder$", "-test.v")
	cmd.Env = append(os.Environ(), "SOFTSA_BADFOLDER="+dir)
	cmd.Dir = pub
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("as an unprivileged user: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("locked.pcap failed as it should")) {
		t.Errorf("the unprivileged run did not report the unreadable file:\n%s", out)
	}
}

// publicTempDir is a temporary folder every user can enter and read,
// removed at the end of the test: under the system's temporary folder when
// others can enter it, else under /tmp.
func publicTempDir(t *testing.T) string {
	t.Helper()
	base := os.TempDir()
	if !searchable(base) {
		base = "/tmp"
	}
	d, err := os.MkdirTemp(base, "softsa-public-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	if err := os.Chmod(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// searchable reports whether others can enter dir and every folder above it.
func searchable(dir string) bool {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil || st.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"softsa/internal/testenv"
)

// TestWiresharkWritersExitZero is what a support engineer sees with the
// files Wireshark's tools write: a capture dumpcap took on loopback, and
// the same packets written by tshark, editcap (pcap, pcapng, nanosecond
// pcap, NetMon 2.x), mergecap and cat. softsa reads each to its end, says
// so without a warning, and exits 0 (there is no IPsec traffic to find);
// then the folder holding them all, as a batch.
func TestWiresharkWritersExitZero(t *testing.T) {
	const n = 6
	dir := t.TempDir()
	files := testenv.WiresharkFiles(t, dir, n)
	for _, wf := range files {
		frames := strings.Count(string(testenv.Run(t, "tshark", "-r", wf.Path, "-T", "fields", "-e", "frame.number")), "\n")
		s, stdout, stderr := bufStreams()
		if code := run([]string{wf.Path}, s); code != exitOK || stderr.Len() != 0 {
			t.Errorf("softsa %s (written by %s): exit %d, stderr:\n%s", filepath.Base(wf.Path), wf.Command, code, stderr)
		}
		if want := fmt.Sprintf(", %d frames,", frames); !strings.Contains(stdout.String(), want) {
			t.Errorf("softsa %s (written by %s) does not say %q:\n%s", filepath.Base(wf.Path), wf.Command, want, stdout)
		}
	}
	s, stdout, stderr := bufStreams()
	if code := run([]string{"-q", dir}, s); code != exitOK || stderr.Len() != 0 {
		t.Errorf("softsa on the folder: exit %d, stderr:\n%s\nstdout:\n%s", code, stderr, stdout)
	}
	// Every file is a capture, editcap's empty one included.
	if want := fmt.Sprintf("%d captures", len(files)+1); !strings.Contains(stdout.String(), want) || !strings.Contains(stdout.String(), "0 failed") {
		t.Errorf("softsa on the folder does not say %q and 0 failed:\n%s", want, stdout)
	}
}

// TestDumpcapRingBufferJoin: a ring buffer dumpcap wrote is joined and read
// to its end as one capture, without a warning. (dumpcap 4.0 writes no
// interface statistics block in ring-buffer files, so this is the joining
// of real files, not the statistics block again.)
func TestDumpcapRingBufferJoin(t *testing.T) {
	const n, per = 9, 3
	dir := t.TempDir()
	files := testenv.LoopbackRing(t, dir, n, per)
	if len(files) != n/per {
		t.Fatalf("dumpcap wrote %d files, not %d", len(files), n/per)
	}
	s, stdout, stderr := bufStreams()
	if code := run([]string{"--join", "-q", dir}, s); code != exitOK || stderr.Len() != 0 {
		t.Errorf("softsa --join on dumpcap's ring buffer: exit %d, stderr:\n%s\nstdout:\n%s", code, stderr, stdout)
	}
	if want := fmt.Sprintf(", %d frames,", n); !strings.Contains(stdout.String(), want) {
		t.Errorf("softsa --join does not say %q:\n%s", want, stdout)
	}
}

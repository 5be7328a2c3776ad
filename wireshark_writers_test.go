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

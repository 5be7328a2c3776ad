package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDumpExitCodes checks the exit codes and error messages of dump over
// good, damaged and unreadable inputs.
func TestDumpExitCodes(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.pcap")
	os.WriteFile(text, []byte("not a capture"), 0o644)
	good := filepath.Join(dir, "good.pcap")
	// A pcap header and one 60-byte Ethernet frame (hand-built: zeros).
	hdr := []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0}
	rec := []byte{1, 0, 0, 0, 0, 0, 0, 0, 60, 0, 0, 0, 60, 0, 0, 0}
	data := append(append(append([]byte(nil), hdr...), rec...), make([]byte, 60)...)
	os.WriteFile(good, data, 0o644)
	cut := filepath.Join(dir, "cut.pcap")
	os.WriteFile(cut, append(append([]byte(nil), data...), rec[:10]...), 0o644)

	for _, tc := range []struct {
		inputs []string
		code   int
		stderr string
	}{
		{[]string{good}, exitOK, ""},
		{[]string{text}, exitUsage, "notes.pcap: not a capture file"},
		{[]string{good, text}, exitPartial, "not a capture file"},
		{[]string{cut}, exitPartial, "cut.pcap: frame 2 at byte offset 100"},
		{[]string{filepath.Join(dir, "missing.pcap")}, exitUsage, "no such file"},
	} {
		s, _, errb := bufStreams()
		code := runDump(dumpOptions{Inputs: tc.inputs, Protos: []string{"isakmp", "esp", "smb"}}, s)
		if code != tc.code || !strings.Contains(errb.String(), tc.stderr) {
			t.Errorf("%v: exit %d stderr %q, want %d %q", tc.inputs, code, errb.String(), tc.code, tc.stderr)
		}
	}
}

package batch

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDiscoverSniffs checks that the folder walk takes for a capture every
// file the capture reader recognises, the ones it recognises only to
// refuse (NetMon 1.x) included, so that they are reported rather than
// silently skipped, and skips the rest with the reason.
func TestDiscoverSniffs(t *testing.T) {
	dir := t.TempDir()
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	}
	netmon1 := []byte("RTSS\x00\x01\x01\x00")
	files := map[string][]byte{
		"trace.bin":    {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0},
		"nm2.bin":      []byte("GMBU\x01\x02"),
		"nm1.bin":      netmon1,
		"nm1-gz.bin":   gz(netmon1),
		"notes.bin":    []byte("hello, this is not a capture\n"),
		"text-gz.bin":  gz([]byte("plain text inside")),
		"short.bin":    {0xd4, 0xc3},
		"empty.pcap":   nil,
		"unknown.pcap": []byte("not a capture either"),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	found, err := Discover([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string]string{}
	for _, in := range found.Inputs {
		reason := ""
		if in.Err != nil {
			reason = in.Err.Error()
		}
		inputs[filepath.Base(in.Path)] = reason
	}
	skipped := map[string]string{}
	for _, s := range found.Skipped {
		skipped[filepath.Base(s.Path)] = s.Reason
	}
	for _, name := range []string{"trace.bin", "nm2.bin", "nm1.bin", "nm1-gz.bin"} {
		if reason, ok := inputs[name]; !ok || reason != "" {
			t.Errorf("%s: input %v (%q), skipped %q: want it analysed", name, ok, reason, skipped[name])
		}
	}
	for name, want := range map[string]string{"notes.bin": "no capture magic", "text-gz.bin": "gzip file without a capture inside",
		"short.bin": "no capture magic"} {
		if !strings.Contains(skipped[name], want) {
			t.Errorf("%s: skipped %q, want %q", name, skipped[name], want)
		}
	}
	for name, want := range map[string]string{"empty.pcap": "empty file", "unknown.pcap": "no capture magic"} {
		if !strings.Contains(inputs[name], want) {
			t.Errorf("%s: input error %q, want %q (a capture's name: reported, not skipped)", name, inputs[name], want)
		}
	}
}

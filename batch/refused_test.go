package batch

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDiscoverRefusedFormats: a folder walk takes a capture in a format the
// reader recognises only to refuse (snoop, modified pcap, a Sniffer .cap)
// for a capture, so that the report lists it with the reader's reason and
// how to convert it, rather than skipping it as if it were no capture; the
// longest magic (Observer's) is seen whole.
func TestDiscoverRefusedFormats(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"trace.snoop":    "snoop\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x04",
		"kuznetsov.pcap": "\x34\xcd\xb2\xa1\x02\x00\x04\x00",
		"sniffer.cap":    "XCP\x00002.001\x00",
		"observer.bfr":   "ObserverPktBufferVersion=15.00",
		"almost.bfr":     "ObserverPktBufferVersion-15.00",
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	found, err := Discover([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string]bool{}
	for _, in := range found.Inputs {
		inputs[filepath.Base(in.Path)] = in.Err == nil
	}
	for name := range files {
		if want := name != "almost.bfr"; inputs[name] != want {
			t.Errorf("%s: taken for a capture %v, want %v", name, inputs[name], want)
		}
	}
}

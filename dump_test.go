package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"softsa/analyzer/result"
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

// TestStdinAndDumpInputs: "-" reads standard input (gzip included) for
// analyze and dump; dump of a folder says it is one; dump of several files
// names the capture on every line, and of one file leaves lines as they
// were.
func TestStdinAndDumpInputs(t *testing.T) {
	kb := filepath.Join("samples", "kb977526-vista-to-xp.pcapng")
	raw, err := os.ReadFile(kb)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()

	s, stdout, stderr := bufStreams()
	s.in = bytes.NewReader(gz.Bytes())
	if code := run([]string{"-q", "--format", "json", "-"}, s); code != exitFindings {
		t.Fatalf("softsa - (gzip): exit %d: %s", code, stderr.String())
	}
	var r result.Result
	json.Unmarshal(stdout.Bytes(), &r)
	if len(r.Captures) != 1 || r.Captures[0].File != "-" || r.Captures[0].Format != "pcapng+gzip" || r.Captures[0].Pairs[0].Verdict != result.VerdictKB977526 {
		t.Errorf("softsa -: %+v", r.Captures)
	}

	s, _, stderr = bufStreams()
	s.in = bytes.NewReader([]byte("no capture here"))
	if code := run([]string{"dump", "-"}, s); code != exitUsage || !strings.Contains(stderr.String(), "standard input") || strings.Contains(stderr.String(), "softsa-stdin") {
		t.Errorf("dump - of text: exit %d: %q", code, stderr.String())
	}

	s, _, stderr = bufStreams()
	if code := run([]string{"dump", "samples/"}, s); code != exitUsage || !strings.Contains(stderr.String(), "is a folder") {
		t.Errorf("dump samples/: exit %d: %q", code, stderr.String())
	}

	one := func(args ...string) []map[string]any {
		t.Helper()
		s, stdout, stderr := bufStreams()
		s.in = bytes.NewReader(raw)
		if code := run(append([]string{"dump", "--proto", "isakmp"}, args...), s); code != exitOK {
			t.Fatalf("dump %v: exit %d: %s", args, code, stderr.String())
		}
		var recs []map[string]any
		for _, l := range bytes.Split(bytes.TrimSpace(stdout.Bytes()), []byte("\n")) {
			var m map[string]any
			if err := json.Unmarshal(l, &m); err != nil {
				t.Fatal(err)
			}
			recs = append(recs, m)
		}
		return recs
	}
	single, both := one(kb), one(kb, "-")
	if len(both) != 2*len(single) || len(single) == 0 {
		t.Fatalf("dump of two: %d lines, of one: %d", len(both), len(single))
	}
	if _, ok := single[0]["capture"]; ok {
		t.Error("dump of one file names its capture")
	}
	if both[0]["capture"] != kb || both[len(both)-1]["capture"] != "-" {
		t.Errorf("dump of two: capture fields %v, %v", both[0]["capture"], both[len(both)-1]["capture"])
	}
}

// TestDumpOutput: dump -o writes the lines to the file (and nothing to
// stdout), refuses an input, a file holding a capture and a folder before
// reading anything, and leaves the refused file as it was.
func TestDumpOutput(t *testing.T) {
	dir := t.TempDir()
	const sample = "samples/healthy-authip.pcapng"
	s, stdout, stderr := bufStreams()
	if code := run([]string{"dump", sample}, s); code != exitOK {
		t.Fatalf("dump to stdout: exit %d: %s", code, stderr.String())
	}
	want := stdout.String()
	out := filepath.Join(dir, "d.jsonl")
	s, stdout, stderr = bufStreams()
	if code := run([]string{"dump", "-o", out, sample}, s); code != exitOK || stdout.Len() != 0 {
		t.Fatalf("dump -o: exit %d, stdout %d bytes: %s", code, stdout.Len(), stderr.String())
	}
	if got, err := os.ReadFile(out); err != nil || string(got) != want || want == "" {
		t.Fatalf("dump -o wrote %d bytes (err %v), stdout had %d", len(got), err, len(want))
	}
	capCopy := filepath.Join(dir, "c.pcapng")
	data, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(capCopy, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"dump", "-o", capCopy, capCopy}, "is the input"},
		{[]string{"dump", "-o", capCopy, sample}, "holds a capture"},
		{[]string{"dump", "-o", dir, sample}, "is a folder"},
		{[]string{"dump", "-o", filepath.Join(dir, "missing", "d.jsonl"), sample}, "does not exist"},
	} {
		s, stdout, stderr := bufStreams()
		if code := run(tc.args, s); code != exitUsage || !strings.Contains(stderr.String(), tc.msg) || stdout.Len() != 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d saying %q", tc.args, code, stderr.String(), exitUsage, tc.msg)
		}
	}
	if got, _ := os.ReadFile(capCopy); !bytes.Equal(got, data) {
		t.Error("a refused dump -o changed the capture")
	}
}

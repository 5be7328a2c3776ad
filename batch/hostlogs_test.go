package batch

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"softsa/decoders/hostlog"
)

// fakeHostSniff stands in for hostlog.Sniff until its readers land: a file
// starting "<Events" is a Security log export, "MSCF" a wfpdiag.cab, and
// (to show that a capture stays a capture whatever the host log sniffer
// says) anything else too.
func fakeHostSniff(t *testing.T) {
	t.Helper()
	old := sniffHostLog
	sniffHostLog = func(head []byte) hostlog.Format {
		switch {
		case bytes.HasPrefix(head, []byte("<Events")):
			return hostlog.FormatSecurity
		case bytes.HasPrefix(head, []byte("MSCF")):
			return hostlog.FormatCAB
		case bytes.HasPrefix(head, []byte{0xd4, 0xc3, 0xb2, 0xa1}):
			return hostlog.FormatWFPDiag // wrong on purpose: a capture wins
		}
		return hostlog.FormatNone
	}
	t.Cleanup(func() { sniffHostLog = old })
}

// TestDiscoverHostLogs: host logs are recognised by content, named or
// found in a folder, and kept apart from the captures; a capture stays a
// capture.
func TestDiscoverHostLogs(t *testing.T) {
	fakeHostSniff(t)
	dir := t.TempDir()
	pcap := []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0}
	files := map[string][]byte{
		"a/one.pcap":     pcap,
		"a/security.xml": []byte("<Events><Event/></Events>"),
		"b/wfpdiag.cab":  []byte("MSCF\x00\x00\x00\x00"),
		"c/two.pcap":     pcap,
		"named.xml":      []byte("<Events/>"),
		"notes.txt":      []byte("nothing"),
	}
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	found, err := Discover([]string{filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c"), filepath.Join(dir, "named.xml"), filepath.Join(dir, "c/two.pcap")})
	if err != nil {
		t.Fatal(err)
	}
	var logs []string
	for _, l := range found.HostLogs {
		rel, _ := filepath.Rel(dir, l.Path)
		logs = append(logs, rel+map[bool]string{true: " named", false: ""}[l.Named])
	}
	if want := []string{"a/security.xml", "b/wfpdiag.cab", "named.xml named"}; !slices.Equal(logs, want) {
		t.Errorf("host logs %v, want %v", logs, want)
	}
	var ins []string
	for _, in := range found.Inputs {
		rel, _ := filepath.Rel(dir, in.Path)
		if in.Err != nil {
			t.Errorf("%s: %v", rel, in.Err)
		}
		ins = append(ins, rel)
	}
	if want := []string{"a/one.pcap", "c/two.pcap"}; !slices.Equal(ins, want) {
		t.Errorf("inputs %v, want %v", ins, want)
	}
	if len(found.Skipped) != 0 {
		t.Errorf("skipped %+v", found.Skipped)
	}
}

// TestAttachHostLogs: a named host log goes with every named capture, one
// found in a folder with the captures of its folder; one that goes with
// none is returned.
func TestAttachHostLogs(t *testing.T) {
	for _, c := range []struct {
		name    string
		inputs  []Input
		logs    []HostLog
		want    map[string][]string
		orphans []string
	}{
		{"named-to-named",
			[]Input{{Path: "x/a.pcap", Named: true}, {Path: "y/b.pcap", Named: true}, {Path: "z/c.pcap"}},
			[]HostLog{{Path: "logs/s.xml", Named: true}},
			map[string][]string{"x/a.pcap": {"logs/s.xml"}, "y/b.pcap": {"logs/s.xml"}}, nil},
		{"folder-to-folder",
			[]Input{{Path: "d1/a.pcap"}, {Path: "d1/b.etl"}, {Path: "d2/c.pcap"}, {Path: "d1/sub/e.pcap"}},
			[]HostLog{{Path: "d1/wfpdiag.cab"}, {Path: "d2/security.xml"}, {Path: "d2/wfpdiag.xml"}},
			map[string][]string{"d1/a.pcap": {"d1/wfpdiag.cab"}, "d1/b.etl": {"d1/wfpdiag.cab"}, "d2/c.pcap": {"d2/security.xml", "d2/wfpdiag.xml"}}, nil},
		{"stdin",
			[]Input{{Path: "-", Named: true}},
			[]HostLog{{Path: "s.xml", Named: true}},
			map[string][]string{"-": {"s.xml"}}, nil},
		{"orphans",
			[]Input{{Path: "d1/a.pcap"}, {Path: "bad.pcap", Named: true, Err: os.ErrNotExist}},
			[]HostLog{{Path: "s.xml", Named: true}, {Path: "d3/w.xml"}},
			map[string][]string{}, []string{"s.xml", "d3/w.xml"}},
	} {
		orphans := AttachHostLogs(c.inputs, c.logs)
		got := map[string][]string{}
		for _, in := range c.inputs {
			if len(in.HostLogs) > 0 {
				got[in.Path] = in.HostLogs
			}
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		for k, v := range c.want {
			if !slices.Equal(got[k], v) {
				t.Errorf("%s: %s gets %v, want %v", c.name, k, got[k], v)
			}
		}
		var op []string
		for _, o := range orphans {
			op = append(op, o.Path)
		}
		if !slices.Equal(op, c.orphans) {
			t.Errorf("%s: orphans %v, want %v", c.name, op, c.orphans)
		}
	}
}

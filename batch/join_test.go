package batch

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"softsa/analyzer/result"
)

// writePcap writes a capture of one frame per time given.
func writePcap(t *testing.T, path string, times ...time.Time) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeRaw); err != nil {
		t.Fatal(err)
	}
	frame := []byte{0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2}
	for _, ts := range times {
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(frame), Length: len(frame)}, frame); err != nil {
			t.Fatal(err)
		}
	}
}

// TestJoin: the files of a ring-buffer set become one input, in order, with
// their sizes added; other files, unreadable ones included, stay as they are.
func TestJoin(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2010, 1, 1, 12, 0, 0, 0, time.UTC)
	path := func(name string) string { return filepath.Join(dir, name) }
	writePcap(t, path("ring_00002_20100101120500.pcap"), t0.Add(5*time.Minute))
	writePcap(t, path("ring_00001_20100101120000.pcap"), t0)
	writePcap(t, path("ring_00003_20100101121000.pcap"), t0.Add(10*time.Minute))
	writePcap(t, path("other.pcap"), t0)
	bad := Input{Path: path("ring_00004_20100101121500.pcap"), Err: os.ErrPermission}
	inputs := []Input{
		{Path: path("ring_00002_20100101120500.pcap"), Size: 2},
		{Path: path("other.pcap"), Size: 10},
		{Path: path("ring_00001_20100101120000.pcap"), Size: 1},
		bad,
		{Path: path("ring_00003_20100101121000.pcap"), Size: 3},
	}
	// The host logs of the members go with the set, each once.
	AttachHostLogs(inputs, []HostLog{{Path: path("security.xml")}, {Path: path("wfpdiag.xml")}})
	var notes []string
	out := Join(inputs, func(format string, args ...any) { notes = append(notes, format) })
	if len(out) != 3 {
		t.Fatalf("got %d inputs, want the set, other.pcap and the unreadable file: %+v", len(out), out)
	}
	var set *Input
	for i := range out {
		if out[i].Join != nil {
			set = &out[i]
		}
	}
	want := []string{path("ring_00001_20100101120000.pcap"), path("ring_00002_20100101120500.pcap"), path("ring_00003_20100101121000.pcap")}
	if set == nil || !slices.Equal(set.Join, want) || set.Size != 6 || set.Path != strings.Join(want, " + ") ||
		!slices.Equal(set.HostLogs, []string{path("security.xml"), path("wfpdiag.xml")}) {
		t.Errorf("joined input %+v, want %v of 6 bytes", set, want)
	}
	if !slices.ContainsFunc(out, func(in Input) bool { return in.Path == bad.Path && in.Err != nil }) {
		t.Errorf("the unreadable file was lost: %+v", out)
	}
	if len(notes) != 1 {
		t.Errorf("notes %q, want one", notes)
	}
	if !slices.IsSortedFunc(out, func(a, b Input) int { return strings.Compare(a.Path, b.Path) }) {
		t.Errorf("not ordered by path: %+v", out)
	}
}

// TestMarkRingSets: each capture of a set analysed file by file is told
// about --join; a capture outside it, or without frames, is not.
func TestMarkRingSets(t *testing.T) {
	t0 := time.Date(2010, 1, 1, 12, 0, 0, 0, time.UTC)
	c := func(name string, from, to time.Duration, frames int) result.CaptureResult {
		return result.CaptureResult{File: "/caps/" + name, Frames: frames, First: result.At(t0.Add(from)), Last: result.At(t0.Add(to))}
	}
	caps := []result.CaptureResult{
		c("trace1.pcap", 0, 5*time.Minute, 10),
		c("trace2.pcap", 5*time.Minute, 10*time.Minute, 10),
		c("trace3.pcap", time.Hour, 2*time.Hour, 0),
		c("alone.pcap", 0, time.Minute, 10),
	}
	MarkRingSets(caps)
	for i, want := range []bool{true, true, false, false} {
		got := len(caps[i].Warnings) == 1 && strings.Contains(caps[i].Warnings[0], "trace1.pcap, trace2.pcap") &&
			strings.Contains(caps[i].Warnings[0], "--join")
		if got != want || (!want && len(caps[i].Warnings) > 0) {
			t.Errorf("%s: warnings %q", caps[i].File, caps[i].Warnings)
		}
	}
}

// TestRingGroups: paths that share a ring name are grouped; the rest, and
// a name alone in its folder, are not.
func TestRingGroups(t *testing.T) {
	got := RingGroups([]string{
		"d/trace_00001_20240101120000.pcapng", "d/other.pcap", "d/trace_00002_20240101121000.pcapng",
		"e/trace_00003_20240101122000.pcapng", "d/x1.pcap", "d/x2.pcap", "d/x3.pcapng",
	})
	want := []int{0, -1, 0, -1, 1, 1, -1}
	if !slices.Equal(got, want) {
		t.Errorf("RingGroups: %v, want %v", got, want)
	}
}

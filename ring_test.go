package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"

	"softsa/analyzer"
	"softsa/decoders/capture"
	"softsa/merge/mergetest"
)

// splitRing writes the KB sample as three ring-buffer files named the way
// dumpcap names them, cut so that outages and soft SAs span the files.
func splitRing(t *testing.T) (dir string, frames int) {
	t.Helper()
	c, err := capture.Open(filepath.Join("samples", "kb977526-vista-to-xp.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	type rec struct {
		ci   gopacket.CaptureInfo
		data []byte
	}
	var all []rec
	var f capture.Frame
	for c.Next(&f) == nil {
		all = append(all, rec{gopacket.CaptureInfo{Timestamp: f.Time, CaptureLength: len(f.Data), Length: f.WireLen}, append([]byte(nil), f.Data...)})
	}
	dir = t.TempDir()
	per := (len(all) + 2) / 3
	for part := 0; part < 3; part++ {
		chunk := all[part*per : min((part+1)*per, len(all))]
		name := fmt.Sprintf("ring_%05d_%s.pcapng", part+1, chunk[0].ci.Timestamp.UTC().Format("20060102150405"))
		var buf bytes.Buffer
		w, err := pcapgo.NewNgWriter(&buf, f.Link)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range chunk {
			if err := w.WritePacket(r.ci, r.data); err != nil {
				t.Fatal(err)
			}
		}
		w.Flush()
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, len(all)
}

func analyzeJSON(t *testing.T, o Options) analyzer.Result {
	t.Helper()
	o.Command, o.Format, o.Quiet = "analyze", "json", true
	o.ExpectedOutage, o.OutageMin, o.OutageMax, o.MinCycles = time.Minute, 45*time.Second, 90*time.Second, 2
	var stdout, stderr bytes.Buffer
	if code := run(o, &stdout, &stderr); code != exitFindings {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var r analyzer.Result
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRingJoin: a KB loop split across three ring-buffer files is found
// whole with --join, and flagged as a likely ring buffer without it.
func TestRingJoin(t *testing.T) {
	dir, frames := splitRing(t)

	joined := analyzeJSON(t, Options{Inputs: []string{dir}, Join: true})
	if len(joined.Captures) != 1 {
		t.Fatalf("--join: %d captures, want the three files as one", len(joined.Captures))
	}
	c := joined.Captures[0]
	if c.Frames != frames || len(c.Pairs) != 1 || c.Pairs[0].Verdict != analyzer.VerdictKB977526 {
		t.Fatalf("--join: %d frames (want %d), pairs %+v", c.Frames, frames, c.Pairs)
	}
	if n := len(c.Pairs[0].Findings[0].Cycles); n != 4 {
		t.Errorf("--join: %d cycles, want the sample's 4", n)
	}

	apart := analyzeJSON(t, Options{Inputs: []string{dir}})
	if len(apart.Captures) != 3 {
		t.Fatalf("without --join: %d captures, want 3", len(apart.Captures))
	}
	cycles := 0
	for _, c := range apart.Captures {
		if !strings.Contains(strings.Join(c.Warnings, " "), "ring-buffer set") {
			t.Errorf("%s: no ring-buffer warning: %v", c.File, c.Warnings)
		}
		for _, p := range c.Pairs {
			for _, f := range p.Findings {
				cycles += len(f.Cycles)
			}
		}
	}
	t.Logf("apart: %d cycles found in the three files; joined: 4", cycles)
}

// TestMerge: the same KB loop captured on both hosts, clocks 3.7 s apart, is
// merged with the offset found within 50 ms, and the report says the
// unanswered packets reached the XP host, which dropped them.
func TestMerge(t *testing.T) {
	vista := netip.MustParseAddr("10.10.1.57")
	a, b := mergetest.Views(t, filepath.Join("samples", "kb977526-vista-to-xp.pcapng"), vista, 3700*time.Millisecond, 300*time.Microsecond, nil)
	r := analyzeJSON(t, Options{Inputs: []string{a, b}, Merge: true})
	c := r.Captures[0]
	m := c.Merge
	if m == nil {
		t.Fatal("no merge section in the report")
	}
	if d := m.OffsetSeconds - 3.7; d > 0.05 || d < -0.05 {
		t.Errorf("offset %.4f s, want 3.7 ± 0.05", m.OffsetSeconds)
	}
	if c.Frames != 2433 || len(c.Pairs) != 1 || c.Pairs[0].Verdict != analyzer.VerdictKB977526 {
		t.Fatalf("merged: %d frames, pairs %+v", c.Frames, c.Pairs)
	}
	if len(m.Outages) != 4 {
		t.Fatalf("%d outages attributed, want 4", len(m.Outages))
	}
	for i, o := range m.Outages {
		if o.DroppedBy != "receiver" || o.To != "10.10.1.20" || !strings.Contains(o.What, "dropped by 10.10.1.20") {
			t.Errorf("outage %d: %+v", i+1, o)
		}
	}
	var text bytes.Buffer
	run(Options{Command: "analyze", Inputs: []string{a, b}, Merge: true, Format: "text", Quiet: true,
		ExpectedOutage: time.Minute, OutageMin: 45 * time.Second, OutageMax: 90 * time.Second, MinCycles: 2}, &text, &bytes.Buffer{})
	t.Logf("text report:\n%s", text.String())
	if !strings.Contains(text.String(), "clock offset +3.7") {
		t.Errorf("text report does not give the offset:\n%s", text.String())
	}
}

// TestMergeHTML: the HTML report of a merge says which side dropped.
func TestMergeHTML(t *testing.T) {
	vista := netip.MustParseAddr("10.10.1.57")
	a, b := mergetest.Views(t, filepath.Join("samples", "kb977526-vista-to-xp.pcapng"), vista, 3700*time.Millisecond, 300*time.Microsecond, nil)
	out := filepath.Join(t.TempDir(), "merged.html")
	var stderr bytes.Buffer
	code := run(Options{Command: "analyze", Inputs: []string{a, b}, Merge: true, Format: "html", Output: out, Quiet: true,
		ExpectedOutage: time.Minute, OutageMin: 45 * time.Second, OutageMax: 90 * time.Second, MinCycles: 2}, &bytes.Buffer{}, &stderr)
	page, _ := os.ReadFile(out)
	if code != exitFindings || !bytes.Contains(page, []byte("Two captures merged")) || !bytes.Contains(page, []byte("dropped by 10.10.1.20 itself")) {
		t.Errorf("exit %d, stderr %s; page lacks the merge section", code, stderr.String())
	}
}

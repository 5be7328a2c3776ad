package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"

	"softsa/analyzer/result"
	"softsa/decoders/capture"
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

// TestRingJoin: a KB loop split across three ring-buffer files is found
// whole with --join, and flagged as a likely ring buffer without it.
func TestRingJoin(t *testing.T) {
	dir, frames := splitRing(t)

	joined := analyzeJSON(t, analyzeOptions{Inputs: []string{dir}, Join: true})
	if len(joined.Captures) != 1 {
		t.Fatalf("--join: %d captures, want the three files as one", len(joined.Captures))
	}
	c := joined.Captures[0]
	if c.Frames != frames || len(c.Pairs) != 1 || c.Pairs[0].Verdict != result.VerdictKB977526 {
		t.Fatalf("--join: %d frames (want %d), pairs %+v", c.Frames, frames, c.Pairs)
	}
	if n := len(c.Pairs[0].Findings[0].Cycles); n != 4 {
		t.Errorf("--join: %d cycles, want the sample's 4", n)
	}

	apart := analyzeJSON(t, analyzeOptions{Inputs: []string{dir}})
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

package capture_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"softsa/decoders"
	"softsa/decoders/capture"
	"softsa/decoders/internal/capturetest"
	"softsa/internal/testenv"
)

// These tests check the readers by what the frame decoder makes of their
// frames, so they stand outside the package: decoders imports capture.

// readFrames reads every frame of data, copied, or fails with the error
// that stopped the reading.
func readFrames(name string, data []byte) ([]capture.Frame, error) {
	c, err := capture.NewCapture(name, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var frames []capture.Frame
	var f capture.Frame
	for {
		if err := c.Next(&f); err != nil {
			if err == io.EOF {
				return frames, nil
			}
			return frames, err
		}
		g := f
		g.Data = bytes.Clone(f.Data)
		frames = append(frames, g)
	}
}

// TestMixedLinkPcapNG checks that a pcapng with an Ethernet and a raw-IP
// interface yields every packet with its own link type, decoded to UDP.
func TestMixedLinkPcapNG(t *testing.T) {
	data, frames := capturetest.MixedPcapNG(t)
	c, err := capture.NewCapture("mixed.pcapng", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	d := decoders.NewDecoder()
	var f capture.Frame
	var m decoders.Message
	n := 0
	for ; c.Next(&f) == nil; n++ {
		wantLink := layers.LinkTypeEthernet
		if n%2 == 1 {
			wantLink = layers.LinkTypeRaw
		}
		if f.Link != wantLink || !bytes.Equal(f.Data, frames[n]) {
			t.Errorf("frame %d: link %v, want %v (or data differs)", f.Number, f.Link, wantLink)
		}
		d.Decode(&f, &m)
		if m.App != decoders.AppISAKMP || m.Dst.As4()[3] != byte(2+n) || len(m.AppData) != 36 {
			t.Errorf("frame %d: decoded app %v dst %v len %d", f.Number, m.App, m.Dst, len(m.AppData))
		}
	}
	if n != len(frames) || c.Format() != capture.FormatPcapNG {
		t.Errorf("read %d frames as %s, want %d as pcapng", n, c.Format(), len(frames))
	}
}

// TestNetMonTwin converts public pcaps to NetMon 2.x with editcap and checks
// that both decode to the same messages.
func TestNetMonTwin(t *testing.T) {
	testenv.Tool(t, "editcap")
	dir := t.TempDir()
	done := 0
	for _, path := range testenv.CorpusFiles(t) {
		data, _ := os.ReadFile(path)
		pc, err := readFrames(path, data)
		if err != nil || len(pc) == 0 {
			continue
		}
		if l := pc[0].Link; l != layers.LinkTypeEthernet {
			continue // editcap writes NetMon 2.x for Ethernet only
		}
		out := filepath.Join(dir, filepath.Base(path)+".cap")
		if _, err := testenv.Output(t, "editcap", "-F", "netmon2", path, out); err != nil {
			t.Logf("%s: %v", path, err)
			continue
		}
		nm, _ := os.ReadFile(out)
		if !bytes.HasPrefix(nm, []byte("GMBU")) {
			t.Fatalf("%s: editcap did not write a NetMon file", out)
		}
		got, err := readFrames(out, nm)
		if err != nil {
			t.Errorf("%s: %v", out, err)
			continue
		}
		if len(got) != len(pc) {
			t.Errorf("%s: %d frames, pcap twin has %d", out, len(got), len(pc))
			continue
		}
		d1, d2 := decoders.NewDecoder(), decoders.NewDecoder()
		for i := range got {
			var m1, m2 decoders.Message
			d1.Decode(&pc[i], &m1)
			d2.Decode(&got[i], &m2)
			if m1.Src != m2.Src || m1.Dst != m2.Dst || m1.App != m2.App || !bytes.Equal(m1.AppData, m2.AppData) ||
				m1.SrcPort != m2.SrcPort || m1.ESP != m2.ESP {
				t.Errorf("%s frame %d: NetMon decodes %v→%v %v, pcap %v→%v %v", out, i+1, m2.Src, m2.Dst, m2.App, m1.Src, m1.Dst, m1.App)
			}
			if d := got[i].Time.Sub(pc[i].Time); d > time.Millisecond || d < -time.Millisecond {
				t.Errorf("%s frame %d: time %v, pcap %v", out, i+1, got[i].Time, pc[i].Time)
			}
		}
		done++
	}
	if done == 0 {
		t.Skip("no Ethernet pcap in the corpus to convert")
	}
	t.Logf("%d NetMon twins compared", done)
}

package decoders

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"softsa/decoders/capture"
	"softsa/decoders/internal/capturetest"
)

// TestReadAhead reads and decodes captures directly and through ReadAhead:
// the same messages in the same order, the same final error, frames larger
// than a batch included, and Close in the middle stops the reading
// goroutine.
func TestReadAhead(t *testing.T) {
	big := make([]byte, 300<<10) // larger than a batch's arena
	for i := range big {
		big[i] = byte(i)
	}
	inputs := map[string][]byte{
		"big frames": capturetest.PcapngFile(capturetest.EPB(big[:100], 0, 0), capturetest.EPB(big, 0, 0), capturetest.EPB(big[:60], 0, 0), capturetest.EPB(big, 0, 0)),
		"cut":        capturetest.PcapngFile(capturetest.EPB(big[:100], 0, 0), capturetest.EPB(big[:60], 0xffffffe0, 0xfffffffc)),
	}
	for _, path := range capturetest.Files(t)[:4] {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		inputs[filepath.Base(path)] = data
	}
	describe := func(next func() (*Message, error)) string {
		var out bytes.Buffer
		for {
			m, err := next()
			if err != nil {
				fmt.Fprintf(&out, "end: %v\n", err)
				return out.String()
			}
			fmt.Fprintf(&out, "%d %v %d %d %d %v>%v %d %d>%d %d %x %x %v\n", m.Frame, m.Time, m.Link, m.WireLen,
				m.IPVersion, m.Src, m.Dst, m.Proto, m.SrcPort, m.DstPort, m.App,
				sha256.Sum256(m.Payload), sha256.Sum256(m.AppData), m.Err)
		}
	}
	for name, data := range inputs {
		c1, err := capture.NewCapture(name, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		d := NewDecoder()
		var f capture.Frame
		var m Message
		direct := describe(func() (*Message, error) {
			if err := c1.Next(&f); err != nil {
				return nil, err
			}
			d.Decode(&f, &m)
			return &m, nil
		})
		c2, _ := capture.NewCapture(name, bytes.NewReader(data))
		ra := NewReadAhead(c2)
		ahead := describe(ra.Next)
		ra.Close()
		c2.Close()
		if direct != ahead {
			t.Errorf("%s: through ReadAhead:\n%s", name, capturetest.FirstDiff(ahead, direct))
		}
		// Stop after two frames: Close must return, and the source be
		// free to use again.
		c3, _ := capture.NewCapture(name, bytes.NewReader(data))
		ra = NewReadAhead(c3)
		ra.Next()
		ra.Next()
		ra.Close()
		ra.Close()
		c3.Next(&f)
		c3.Close()
	}
}

// TestKeepReassembled decodes two fragmented datagrams with a keeper: the
// first message's bytes must survive the second reassembly, which reuses
// the decoder's buffer.
func TestKeepReassembled(t *testing.T) {
	d := NewDecoder()
	b := &batch{}
	d.keeper = b
	var msgs [2]Message
	for i := range msgs {
		ike := append(ikeHeader(), bytes.Repeat([]byte{byte('a' + i)}, 3000)...)
		frags := fragments(t, uint16(100+i), udpBytes(t, ike), 1480)
		for j, fr := range frags {
			f := capture.Frame{Number: j + 1, Time: t0, Link: 1, Data: fr, WireLen: len(fr)}
			d.Decode(&f, &msgs[i])
		}
		if !msgs[i].Reassembled || msgs[i].App != AppISAKMP {
			t.Fatalf("datagram %d: %+v", i, msgs[i])
		}
	}
	for i, m := range msgs {
		if got := m.AppData[len(m.AppData)-1]; got != byte('a'+i) {
			t.Errorf("datagram %d ends in %q after the next reassembly", i, got)
		}
	}
}

// FuzzCapture reads and decodes arbitrary bytes as a capture file: it must
// end in EOF or an error, never panic, hang or allocate without bound.
func FuzzCapture(f *testing.F) {
	data, _ := capturetest.MixedPcapNG(f)
	f.Add(data)
	f.Add(capturetest.Gzip(f, data))
	f.Add(capturetest.NetmonHeader(3, 1, 128, 4))
	for lt, cases := range allDot11Cases(f) {
		f.Add(dot11Pcap(f, lt, cases))
	}
	for _, blocks := range capturetest.TrailingBlocks() {
		f.Add(append(append([]byte(nil), data...), bytes.Join(blocks, nil)...))
	}
	if files, err := os.ReadDir("testdata/capture"); err == nil {
		for _, e := range files {
			if b, err := os.ReadFile("testdata/capture/" + e.Name()); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := capture.NewCapture("fuzz", bytes.NewReader(b))
		if err != nil {
			return
		}
		// As softsa reads a capture: held (through a window of chunks)
		// and decoded by a ReadAhead, reassembled datagrams copied into
		// its batches. FuzzFastRead compares the ways of reading frames.
		defer c.Close()
		ra := NewReadAhead(c)
		defer ra.Close()
		for i := 0; i < 100000; i++ {
			m, err := ra.Next()
			if err != nil {
				return
			}
			if m.Frame != i+1 {
				t.Fatalf("message %d is of frame %d", i+1, m.Frame)
			}
		}
	})
}

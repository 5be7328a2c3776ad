package capture

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"softsa/decoders/internal/capturetest"
	"softsa/internal/testenv"
)

// The fast record readers (fastread.go) must deliver exactly what pcapgo
// delivers: the same frames, times, link types and lengths, and the same
// error at the same frame and offset. These tests read every capture both
// ways, whole, gzip-compressed, cut at many offsets and with bytes of their
// record headers changed.

// How readBothWays reads: with pcapgo alone, with the fast readers on the
// 1 MiB buffer, or with the fast readers on a window of chunks (a held
// capture, as a ReadAhead reads it).
const (
	readPcapgo = iota
	readFast
	readHeld
)

// heldTestSize is the buffer and chunk size of the held reader in these
// tests: bufio's smallest.
const heldTestSize = 4096

// newReader opens data for reading the given way; it returns the fast
// readers' hit count.
func newReader(name string, data []byte, how int) (*Capture, func() int, error) {
	size := 0
	if how == readHeld {
		// Small chunks, so that records cross their ends, and bufio
		// refills and gives back, all the time.
		size = heldTestSize
	}
	r := bytes.NewReader(data)
	c, err := newCapture(name, r, r, size)
	if err != nil {
		return nil, nil, err
	}
	hits := func() int { return 0 }
	switch s := c.src.(type) {
	case *pcapSource:
		if how == readPcapgo {
			s.fast = nil
		} else if s.fast != nil {
			hits = func() int { return s.fast.hits }
		}
	case *ngSource:
		if how == readPcapgo {
			s.fast = nil
		} else if s.fast != nil {
			hits = func() int { return s.fast.hits }
		}
	}
	if how == readHeld {
		c.Hold()
	}
	return c, hits, nil
}

// readBothWays reads every frame of data the given way and describes them
// and the final error in one string; it also returns how many frames the
// fast readers took.
func readBothWays(name string, data []byte, how int) (string, int) {
	c, hits, err := newReader(name, data, how)
	if err != nil {
		return "open: " + err.Error(), 0
	}
	defer c.Close()
	var out bytes.Buffer
	var f Frame
	for {
		err := c.Next(&f)
		if err != nil {
			var ce *CaptureError
			if errors.As(err, &ce) {
				fmt.Fprintf(&out, "error frame %d offset %d: %v\n", ce.Frame, ce.Offset, ce.Err)
			} else {
				fmt.Fprintf(&out, "end: %v\n", err)
			}
			break
		}
		fmt.Fprintf(&out, "%d %s %d %d %d %x layer %d\n", f.Number, f.Time.Format("2006-01-02T15:04:05.999999999Z07:00"),
			f.Link, f.WireLen, len(f.Data), sha256.Sum256(f.Data), f.Layer)
	}
	return out.String(), hits()
}

func TestFastReadMatchesPcapgo(t *testing.T) {
	frames, hits := 0, 0
	for _, path := range capturetest.Files(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(path)
		compare := func(what string, data []byte) {
			t.Helper()
			fast, n := readBothWays(name, data, readFast)
			slow, _ := readBothWays(name, data, readPcapgo)
			if fast != slow {
				t.Errorf("%s %s: fast and pcapgo readers differ:\n%s", name, what, capturetest.FirstDiff(fast, slow))
			}
			if held, _ := readBothWays(name, data, readHeld); held != slow {
				t.Errorf("%s %s: held and pcapgo readers differ:\n%s", name, what, capturetest.FirstDiff(held, slow))
			}
			frames += strings.Count(slow, "\n") - 1
			hits += n
		}
		compare("whole", data)
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(data)
		zw.Close()
		compare("gzip", gz.Bytes())
		// Damaged copies of the first 64 KiB (itself a cut file): cut
		// anywhere in the first records and at random further on.
		data = data[:min(len(data), 64<<10)]
		rng := rand.New(rand.NewPCG(uint64(len(data)), 7))
		for cut := 20; cut < min(len(data), 400); cut += 3 {
			compare(fmt.Sprintf("cut at %d", cut), data[:cut])
		}
		for range 20 {
			cut := rng.IntN(len(data) + 1)
			compare(fmt.Sprintf("cut at %d", cut), data[:cut])
		}
		// Bytes changed in the first kilobyte (headers, lengths,
		// options) and anywhere.
		for range 60 {
			mut := append([]byte(nil), data...)
			lim := len(mut)
			if rng.IntN(2) == 0 {
				lim = min(lim, 1024)
			}
			for range 1 + rng.IntN(3) {
				i := rng.IntN(lim)
				mut[i] = []byte{0, 1, 3, 4, 0x20, 0x80, 0xff, byte(rng.Uint32())}[rng.IntN(8)]
			}
			compare("mutated", mut)
		}
	}
	t.Logf("%d frames read both ways, %d by the fast readers", frames, hits)
	if hits*2 < frames {
		t.Errorf("the fast readers took only %d of %d frames", hits, frames)
	}
}

// TestFastReadResolutions reads pcapng files whose interface has each kind
// of timestamp resolution (the fast path divides by the common ones as
// constants, by any other as pcapgo does) and an offset, with timestamps
// spread over the whole 64-bit range: the same times both ways.
func TestFastReadResolutions(t *testing.T) {
	le := binary.LittleEndian
	for _, res := range []byte{6, 9, 0, 3, 12, 19, 0x80 | 20, 0x80 | 30, 0x80 | 63} {
		for _, offset := range []uint64{0, 1 << 33} {
			shb := []byte{0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
			idb := []byte{1, 0, 0, 0, 0, 0, 4, 0}
			if res != 0 { // 0: no if_tsresol option, 10^-6 by default
				idb = append(idb, 9, 0, 1, 0, res, 0, 0, 0)
			}
			if offset != 0 {
				idb = le.AppendUint64(append(idb, 14, 0, 8, 0), offset)
			}
			idb = append(idb, 0, 0, 0, 0) // opt_endofopt
			data := append(capturetest.PcapngBlock(0x0a0d0d0a, shb, 0), capturetest.PcapngBlock(1, idb, 0)...)
			rng := rand.New(rand.NewPCG(uint64(res), offset))
			for i := range 200 {
				ts := rng.Uint64()
				if i%2 == 0 {
					ts >>= rng.IntN(64)
				}
				body := le.AppendUint32(nil, 0)
				body = le.AppendUint32(body, uint32(ts>>32))
				body = le.AppendUint32(body, uint32(ts))
				body = le.AppendUint32(body, 60)
				body = le.AppendUint32(body, 60)
				data = append(data, capturetest.PcapngBlock(6, append(body, make([]byte, 60)...), 0)...)
			}
			name := fmt.Sprintf("resolution %#x offset %d", res, offset)
			slow, _ := readBothWays(name, data, readPcapgo)
			if strings.Count(slow, "\n") != 201 {
				t.Fatalf("%s: pcapgo read:\n%.500s", name, slow)
			}
			for _, how := range []int{readFast, readHeld} {
				fast, hits := readBothWays(name, data, how)
				if fast != slow {
					t.Errorf("%s: fast (%d) and pcapgo readers differ:\n%s", name, how, capturetest.FirstDiff(fast, slow))
				}
				// pcapgo reads the headers and the first packet.
				if hits != 199 {
					t.Errorf("%s: the fast path read %d of 200 blocks, want 199", name, hits)
				}
			}
		}
	}
}

// FuzzFastRead reads arbitrary files both ways.
func FuzzFastRead(f *testing.F) {
	for _, name := range []string{"healthy-ikev2-natt.pcapng", "kb977526-server2008-to-2003.pcap"} {
		if data, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(), "samples", name)); err == nil {
			f.Add(data[:min(len(data), 4096)])
		}
	}
	// Files ending in each block that holds no packet, as real writers
	// end them.
	frames := capturetest.PcapngFile(capturetest.EPB([]byte("frame"), 0, 0))
	for _, blocks := range capturetest.TrailingBlocks() {
		f.Add(append(append([]byte(nil), frames...), bytes.Join(blocks, nil)...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if sameBothWays(data) {
			return
		}
		slow, _ := readBothWays("fuzz", data, readPcapgo)
		for _, how := range []int{readFast, readHeld} {
			if fast, _ := readBothWays("fuzz", data, how); fast != slow {
				t.Fatalf("fast (%d) and pcapgo readers differ:\n%s", how, capturetest.FirstDiff(fast, slow))
			}
		}
	})
}

// sameBothWays reads data with and without the fast readers in lockstep and
// reports whether they agree on every frame and on the final error. It is
// readBothWays without formatting or hashing each frame, which made the
// fuzz target several times slower; on a disagreement readBothWays, which
// compares what a test can show, decides and describes it.
func sameBothWays(data []byte) bool {
	cs, _, errs := newReader("fuzz", data, readPcapgo)
	cf, _, errf := newReader("fuzz", data, readFast)
	ch, _, errh := newReader("fuzz", data, readHeld)
	if errf != nil || errs != nil || errh != nil {
		return errf != nil && errs != nil && errh != nil && errf.Error() == errs.Error() && errh.Error() == errs.Error()
	}
	defer cs.Close()
	defer cf.Close()
	defer ch.Close()
	var ff, fs, fh Frame
	for {
		ef, es, eh := cf.Next(&ff), cs.Next(&fs), ch.Next(&fh)
		if ef != nil || es != nil || eh != nil {
			return ef != nil && es != nil && eh != nil && ef.Error() == es.Error() && eh.Error() == es.Error()
		}
		if !sameFrame(&ff, &fs) || !sameFrame(&fh, &fs) {
			return false
		}
	}
}

func sameFrame(a, b *Frame) bool {
	return a.Number == b.Number && a.Time.Equal(b.Time) && a.Time.Location() == b.Time.Location() &&
		a.Link == b.Link && a.WireLen == b.WireLen && bytes.Equal(a.Data, b.Data)
}

// BenchmarkReadPcapgoBlocks reads a file of simple packet blocks, which the
// fast readers leave to pcapgo, from the buffer and through a window. Through
// the window each byte is copied once more (into a chunk, then into the
// buffer), and no more: the window once gave the buffer's unread bytes back
// after each record and refilled them, several KiB copied per record.
func BenchmarkReadPcapgoBlocks(b *testing.B) {
	const n = 100000
	blocks := make([][]byte, n)
	for i := range blocks {
		body := binary.LittleEndian.AppendUint32(nil, 60)
		blocks[i] = capturetest.PcapngBlock(3, append(body, make([]byte, 60)...), 0)
	}
	data := capturetest.PcapngFile(blocks...)
	for _, how := range []int{readFast, readHeld} {
		b.Run([]string{"pcapgo", "buffer", "window"}[how], func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				c, _, err := newReader("spb", data, how)
				if err != nil {
					b.Fatal(err)
				}
				var f Frame
				frames := 0
				for c.Next(&f) == nil {
					frames++
					c.Release(c.Mark()) // as a ReadAhead does, a batch at a time
				}
				c.Close()
				if frames != n {
					b.Fatalf("%d frames, want %d", frames, n)
				}
			}
		})
	}
}

// TestReadWFPInterface: a pcapng whose second interface is described as
// softsa convert describes the WFP layer's gives that interface's frames
// LayerWFP, the others LayerWire, read by pcapgo, by the fast reader and
// held, alike.
func TestReadWFPInterface(t *testing.T) {
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriterInterface(&buf, pcapgo.NgInterface{Name: "softsa-0", LinkType: layers.LinkTypeEthernet, TimestampResolution: 9},
		pcapgo.NgWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wfp, err := w.AddInterface(pcapgo.NgInterface{Name: "softsa-1-wfp", Description: "frames of link type Raw (101) from the etl capture, " + WFPInterfaceNote,
		LinkType: layers.LinkTypeRaw, TimestampResolution: 9})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	onWFP := 0
	for i := range 40 {
		data := make([]byte, 60+i)
		data[0] = 0x45
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(data), Length: len(data)}
		if i%3 == 1 {
			ci.InterfaceIndex = wfp
			onWFP++
		}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	slow, _ := readBothWays("wfp.pcapng", buf.Bytes(), readPcapgo)
	if strings.Count(slow, fmt.Sprintf("layer %d\n", LayerWFP)) != onWFP || strings.Count(slow, fmt.Sprintf("layer %d\n", LayerWire)) != 40-onWFP {
		t.Errorf("pcapgo: layers wrong:\n%s", slow)
	}
	for _, how := range []int{readFast, readHeld} {
		if got, _ := readBothWays("wfp.pcapng", buf.Bytes(), how); got != slow {
			t.Errorf("read %d: differs from pcapgo:\n%s", how, capturetest.FirstDiff(got, slow))
		}
	}
}

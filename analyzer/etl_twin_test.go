package analyzer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"softsa/decoders/capture"
	"softsa/decoders/etl/etltest"
)

// TestETLTwins turns every sample capture into ETL files as Windows would
// have logged the same packets, and analyses them: each twin must give the
// very report of its sample (verdicts, cycles, findings, frame numbers and
// times), but for the file's name and format. The twins: pktmon framing
// (each packet logged at two components) and NDIS framing (each packet at
// two layers of one miniport), in blocks of packets that alternate between
// two CPUs and are written out of order, compressed or not.
func TestETLTwins(t *testing.T) {
	files, _ := filepath.Glob("../samples/*.pcap*")
	if len(files) == 0 {
		t.Fatal("no samples")
	}
	for _, path := range files {
		frames, ok := sampleFrames(t, path)
		if !ok {
			t.Logf("%s: link types other than Ethernet and raw IP: no ETL twin", filepath.Base(path))
			continue
		}
		if i := backwards(frames); i > 0 {
			// An ETL trace's clock is the performance counter, which does
			// not step back, and the reader delivers frames in time order:
			// a capture whose wall clock was set back has no ETL twin.
			t.Logf("%s: time goes backwards at frame %d: no ETL twin", filepath.Base(path), i+1)
			continue
		}
		want := analyzeJSON(t, path, nil)
		for _, ndis := range []bool{false, true} {
			for _, compressed := range []bool{false, true} {
				name := fmt.Sprintf("%s/ndis=%v,compressed=%v", filepath.Base(path), ndis, compressed)
				t.Run(name, func(t *testing.T) {
					twin := etlTwin(frames, ndis, compressed)
					if got := analyzeJSON(t, name, twin); got != want {
						t.Errorf("twin's report differs:\n got %s\nwant %s", got, want)
					}
				})
			}
		}
	}
}

// backwards returns the index of the first frame earlier than the one
// before it, or 0.
func backwards(frames []twinFrame) int {
	for i := 1; i < len(frames); i++ {
		if frames[i].t.Before(frames[i-1].t) {
			return i
		}
	}
	return 0
}

type twinFrame struct {
	t    time.Time
	link layers.LinkType
	data []byte
}

// sampleFrames reads a sample's frames; ok is false when one has a link
// type neither ETL framing carries.
func sampleFrames(t *testing.T, path string) ([]twinFrame, bool) {
	t.Helper()
	c, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out []twinFrame
	var f capture.Frame
	for {
		if err := c.Next(&f); err != nil {
			if err != io.EOF {
				t.Fatal(err)
			}
			return out, true
		}
		if f.Link != layers.LinkTypeEthernet && f.Link != layers.LinkTypeRaw {
			return nil, false
		}
		if f.WireLen != len(f.Data) {
			t.Fatalf("%s: frame %d cut by a snap length: ETL twins keep whole packets", path, f.Number)
		}
		out = append(out, twinFrame{f.Time, f.Link, append([]byte(nil), f.Data...)})
	}
}

// etlTwin writes frames as an ETL file.
func etlTwin(frames []twinFrame, ndis, compressed bool) []byte {
	file := etltest.File{Start: frames[0].t.Add(-time.Second), End: frames[len(frames)-1].t.Add(time.Second)}
	var blocks []etltest.Buffer
	for i := 0; i < len(frames); {
		buf := etltest.Buffer{CPU: uint16(len(blocks) % 2), Compressed: compressed && len(blocks)%3 != 2}
		// Blocks of about 50 packets, ending where time moves on, so
		// that no two packets of equal time are split between CPUs
		// (the order of equal times across CPUs is the arrival order).
		for n := 0; i < len(frames) && (n < 50 || frames[i].t.Equal(frames[i-1].t)); i, n = i+1, n+1 {
			f := frames[i]
			if ndis {
				kw := uint64(etltest.KwStart | etltest.KwEnd | etltest.KwSend)
				if f.link == layers.LinkTypeRaw {
					kw |= etltest.KwWirelessWAN
				}
				buf.Events = append(buf.Events,
					etltest.NDIS{Miniport: 7, Lower: 7, Fragment: f.data}.Event(f.t, kw),
					etltest.NDIS{Miniport: 7, Lower: 12, Fragment: f.data}.Event(f.t.Add(2*time.Microsecond), kw))
				continue
			}
			ptype := uint16(1)
			if f.link == layers.LinkTypeRaw {
				ptype = 3
			}
			p := etltest.Pktmon{Group: uint64(0x10000 + i), Number: 1, Appearance: 1, PacketType: ptype, Component: 59, Payload: f.data}
			buf.Events = append(buf.Events, p.Event(f.t, false))
			p.Appearance, p.Component = 2, 61
			buf.Events = append(buf.Events, p.Event(f.t.Add(2*time.Microsecond), false))
		}
		blocks = append(blocks, buf)
	}
	// Each pair of blocks is written CPU 1's first: the reader must put
	// them back in time order.
	for k := 0; k+1 < len(blocks); k += 2 {
		blocks[k], blocks[k+1] = blocks[k+1], blocks[k]
	}
	return etltest.Write(file, blocks)
}

// analyzeJSON analyses a capture (the file at name, or data) and returns
// its report as JSON, without the file's name and format and the fields
// only ETL captures have.
func analyzeJSON(t *testing.T, name string, data []byte) string {
	t.Helper()
	var c *capture.Capture
	var err error
	if data == nil {
		c, err = capture.Open(name)
	} else {
		c, err = capture.NewCapture(name, bytes.NewReader(data))
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r, err := Analyze(context.Background(), c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// What only an ETL capture has (the reader's counts, where frame
	// numbers come from) is left out with the file's name and format.
	r.File, r.Format = "", ""
	r.FrameNumbers, r.ETL, r.WFPLayer = "", nil, nil
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

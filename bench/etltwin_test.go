package bench

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"softsa/decoders/capture"
)

// TestETLTwin: the ETL twin of a mixed capture holds its frames, each at
// its time with its bytes (a Linux-cooked frame as raw IP, its cooked
// header gone), delivered in time order from the two CPUs' buffers, in
// either framing.
func TestETLTwin(t *testing.T) {
	var pc bytes.Buffer
	if _, err := WriteMixed(&pc, MixedOptions{Size: 6 << 20, Blocks: 2}); err != nil {
		t.Fatal(err)
	}
	type frame struct {
		t    time.Time
		data string
	}
	read := func(t *testing.T, b []byte, relink bool) []frame {
		t.Helper()
		c, err := capture.NewCapture("x", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		var out []frame
		var f capture.Frame
		for {
			if err := c.Next(&f); err != nil {
				if !errors.Is(err, io.EOF) {
					t.Fatal(err)
				}
				return out
			}
			d := f.Data
			if relink && f.Link == layers.LinkTypeLinuxSLL {
				_, d, _ = relinkSLL(d, nil)
			}
			out = append(out, frame{f.Time, string(d)})
		}
	}
	want := read(t, pc.Bytes(), true)
	for _, ndis := range []bool{false, true} {
		c, err := capture.NewCapture("mixed", bytes.NewReader(pc.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		var twin bytes.Buffer
		st, err := WriteETLTwin(&twin, c, ETLTwinOptions{NDIS: ndis, BufferSize: 64 << 10})
		if err != nil {
			t.Fatal(err)
		}
		got := read(t, twin.Bytes(), false)
		if st.Frames != len(want) || len(got) != len(want) || st.Buffers < 10 {
			t.Fatalf("ndis=%v: %d frames written, %d read, %d in the capture; %d buffers", ndis, st.Frames, len(got), len(want), st.Buffers)
		}
		for i := 1; i < len(got); i++ {
			if got[i].t.Before(got[i-1].t) {
				t.Fatalf("ndis=%v: frame %d before frame %d", ndis, i+1, i)
			}
		}
		// Frames of equal time may come in another order: compare sorted.
		cmp := func(a, b frame) int {
			if c := a.t.Compare(b.t); c != 0 {
				return c
			}
			return bytes.Compare([]byte(a.data), []byte(b.data))
		}
		w := slices.SortedFunc(slices.Values(want), cmp)
		g := slices.SortedFunc(slices.Values(got), cmp)
		for i := range w {
			if !w[i].t.Equal(g[i].t) || w[i].data != g[i].data {
				t.Fatalf("ndis=%v: frame %d differs: %v %d bytes, want %v %d bytes", ndis, i, g[i].t, len(g[i].data), w[i].t, len(w[i].data))
			}
		}
		t.Logf("ndis=%v: %d frames, %d buffers, %d bytes, %d relinked", ndis, st.Frames, st.Buffers, st.Bytes, st.Relinked)
	}
}

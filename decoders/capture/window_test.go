package capture

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"softsa/decoders/internal/capturetest"
)

// TestHoldKeepsFrames reads a held capture several chunks long without
// releasing anything: every frame must still hold its bytes at the end.
// Releasing as it goes, the window must reuse its chunks.
func TestHoldKeepsFrames(t *testing.T) {
	data, want := capturetest.HeldFrames(3000, 1500) // 4.5 MB: five chunks
	for _, release := range []bool{false, true} {
		c, err := NewCapture("held", bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		c.Hold()
		defer c.Close()
		var kept [][]byte
		var f Frame
		held := 0
		for c.Next(&f) == nil {
			if f.Held() {
				held++
				kept = append(kept, f.Data)
			} else {
				// from the buffer (the first, before the fast reader
				// (the first ones): valid until Next.
				kept = append(kept, bytes.Clone(f.Data))
			}
			if release {
				c.Release(c.Mark())
			}
		}
		if len(kept) != len(want) || held < len(want)*9/10 {
			t.Fatalf("release %v: %d frames, %d held, want %d", release, len(kept), held, len(want))
		}
		w := c.s.w
		chunks := 1 + len(w.inUse) + len(w.free)
		if !release {
			for i := range kept {
				if !bytes.Equal(kept[i], want[i]) {
					t.Fatalf("frame %d changed after it was read", i+1)
				}
			}
			if chunks < 5 {
				t.Errorf("%d chunks for 4.5 MB", chunks)
			}
		} else if chunks > 2 {
			t.Errorf("releasing every frame, the window used %d chunks", chunks)
		}
	}
}

// TestChainHold reads a held chain: the files read to their end stay open
// (and their frames valid) until a release past them.
func TestChainHold(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	var want [][]byte
	for i := range 3 {
		_, w := capturetest.HeldFrames(700, 1500)
		var blocks [][]byte
		for _, d := range w {
			d[0] = byte(i) // tell the files apart
			blocks = append(blocks, capturetest.EPB(d, 0, 0))
		}
		data := capturetest.PcapngFile(blocks...)
		p := filepath.Join(dir, fmt.Sprintf("ring_%d.pcapng", i))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
		want = append(want, w...)
	}
	ch, err := NewChain(paths)
	if err != nil {
		t.Fatal(err)
	}
	ch.Hold()
	var kept [][]byte
	var f Frame
	for ch.Next(&f) == nil {
		if !f.Held() {
			f.Data = bytes.Clone(f.Data)
		}
		kept = append(kept, f.Data)
	}
	if len(kept) != len(want) {
		t.Fatalf("%d frames, want %d", len(kept), len(want))
	}
	for i := range kept {
		if !bytes.Equal(kept[i], want[i]) {
			t.Fatalf("frame %d changed after it was read", i+1)
		}
	}
	if len(ch.retired) != 3 {
		t.Fatalf("%d files kept open, want all three", len(ch.retired))
	}
	ch.Release(ch.Mark())
	if len(ch.retired) != 1 {
		t.Errorf("%d files still kept after releasing every frame, want the last (closed with the chain)", len(ch.retired))
	}
	if err := ch.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// TestWindowCloseStopsFiller stops reading a held capture after two
// frames: Close must stop the filling goroutine.
func TestWindowCloseStopsFiller(t *testing.T) {
	data, _ := capturetest.HeldFrames(3000, 1500)
	before := runtime.NumGoroutine()
	for range 10 {
		c, err := NewCapture("held", bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		c.Hold()
		var f Frame
		c.Next(&f)
		c.Next(&f)
		c.Close()
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines before, %d after closing ten held captures", before, after)
	}
}

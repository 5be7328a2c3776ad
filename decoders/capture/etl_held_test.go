package capture

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"
	"unsafe"

	"softsa/decoders/etl/etltest"
)

// TestHoldETL reads a 30 MB ETL file of 64 KiB buffers (after a header
// buffer of 1 KiB, so that they do not start on the window's chunks
// unless it aligns them) as the read-ahead pipeline does: held, frames
// kept without copying in batches of 1000, a batch released when three
// newer ones have come. Every frame is intact when released, though the
// window reuses the chunks released before it; every frame but those of
// one buffer points into the window's chunks (lent, not copied), including
// after frames stamped an hour ahead, which wait to the end, made the
// reader copy out what lay too far behind; and the window stays within its
// bound of chunks.
func TestHoldETL(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	f := etltest.File{Start: t0, End: t0.Add(2 * time.Hour), BufferSize: 64 << 10}
	var bufs []etltest.Buffer
	id := 0
	for k := range 480 {
		b := etltest.Buffer{CPU: uint16(k % 2)}
		for size := 0; size < 64<<10-2048; size += 0x50 + 34 + 1000 + 6 {
			at := t0.Add(time.Duration(id) * time.Microsecond)
			if id%3000 == 11 {
				at = at.Add(time.Hour)
			}
			p := make([]byte, 1000)
			for i := range p {
				p[i] = byte(id*31 + i)
			}
			binary.BigEndian.PutUint32(p, uint32(id))
			ev := etltest.Pktmon{Group: uint64(id) + 1, Appearance: 1, PacketType: 1, Payload: p}
			b.Events = append(b.Events, ev.Event(at, false))
			id++
		}
		// As ETW writes them: every buffer its full size.
		b.Pad = 64<<10 - len(etltest.WriteBuffer(f, b))
		bufs = append(bufs, b)
	}
	data := etltest.Write(f, bufs)
	perBuffer := len(bufs[0].Events)

	plain, err := NewCapture("twin.etl", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var want [][]byte
	var fr Frame
	for plain.Next(&fr) == nil {
		want = append(want, bytes.Clone(fr.Data))
	}
	if len(want) != id {
		t.Fatalf("%d frames read, %d written", len(want), id)
	}

	c, err := NewCapture("twin.etl", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Hold()
	type batch struct {
		frames [][]byte
		first  int
		mark   int64
	}
	var kept []batch
	cur := batch{}
	n, held, inChunks, maxChunks := 0, 0, 0, 0
	for {
		err := c.Next(&fr)
		if err == nil {
			if fr.Held() {
				held++
			}
			for _, ch := range c.s.w.all {
				if within(fr.Data, ch.buf) {
					inChunks++
					break
				}
			}
			cur.frames = append(cur.frames, fr.Data)
			n++
		}
		if err != nil || len(cur.frames) == 1000 {
			cur.mark = c.Mark()
			kept = append(kept, cur)
			cur = batch{first: n}
			for len(kept) > 3 || err != nil && len(kept) > 0 {
				for i, d := range kept[0].frames {
					if !bytes.Equal(d, want[kept[0].first+i]) {
						t.Fatalf("frame %d changed while held", kept[0].first+i+1)
					}
				}
				c.Release(kept[0].mark)
				kept = kept[1:]
			}
		}
		maxChunks = max(maxChunks, len(c.s.w.all))
		if err != nil {
			break
		}
	}
	// Copied: the buffer that runs past the first chunk (what the file's
	// buffered reader held when the capture was held), and the frames an
	// hour ahead; the window's chunks start on buffers after it.
	if n != len(want) || held != n || inChunks < n-perBuffer-n/3000-1 {
		t.Errorf("%d frames of %d, %d held, %d in the window's chunks", n, len(want), held, inChunks)
	}
	if maxChunks > c.s.w.maxChunks {
		t.Errorf("%d chunks, bound %d", maxChunks, c.s.w.maxChunks)
	}
	st, _ := c.ETLStats()
	t.Logf("%d frames, %d in the window's chunks, up to %d chunks of %d KiB (bound %d); %+v",
		n, inChunks, maxChunks, c.s.w.size>>10, c.s.w.maxChunks, st)
}

// within reports whether b lies in buf.
func within(b, buf []byte) bool {
	if len(b) == 0 || len(buf) == 0 {
		return false
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	base := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	return p >= base && p+uintptr(len(b)) <= base+uintptr(len(buf))
}

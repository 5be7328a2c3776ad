package etl_test

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"softsa/decoders/etl"
	"softsa/decoders/etl/etltest"
	"softsa/decoders/internal/lz77"
	"softsa/decoders/internal/worstcase"
)

// Worst cases of the ETL reader: sizes that claim what the file does not
// hold. See package worstcase for the rules.
func TestWorstCaseETL(t *testing.T) {
	f := file()
	f.BufferSize = 16 << 20 // what pktmon declares: the largest decompressed buffer
	one := etltest.Buffer{Compressed: true, Events: []etltest.Event{
		etltest.Pktmon{Group: 1, Appearance: 1, PacketType: 1, Payload: packet(1)}.Event(t0, false)}}
	header := etltest.Write(f, nil)
	withBuffer := func(b []byte) []byte { return append(append([]byte{}, header...), b...) }
	// read reads the whole file and returns its frames, warnings and error.
	read := func(t *testing.T, data []byte) (int, []string, error) {
		r, err := etl.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		frames, err := readAll(t, r)
		return len(frames), r.Warnings(), err
	}
	// The inputs are built before the cases run: only the reading is
	// measured.
	huge := etltest.WriteBuffer(f, one)
	binary.LittleEndian.PutUint32(huge, 0xFFFFFFFF)
	huge = withBuffer(huge)
	big := etltest.WriteBuffer(f, one)
	binary.LittleEndian.PutUint32(big, 60<<20)
	big = withBuffer(big)
	lie := etltest.WriteBuffer(f, one)
	binary.LittleEndian.PutUint32(lie[0x30:], 16<<20)
	lie = withBuffer(lie)
	// A decompression bomb: 20 bytes that really decompress to 16 MiB
	// (one literal, then one match of 16 MiB - 1 at distance 1), many
	// times over: refused by the ratio bound before any work.
	bombStream := []byte{0, 0, 0, 0x40, 'A', 0x07, 0x00, 0x0f, 0xff, 0, 0, 0, 0, 0, 0}
	const bombSize = 16<<20 - 0x48 // the most a buffer of the file may fill
	binary.LittleEndian.PutUint32(bombStream[11:], bombSize-1-3)
	if out, err := lz77.Decompress(nil, bombStream, bombSize); err != nil || len(out) != bombSize {
		t.Fatalf("the bomb is no bomb: %d bytes, %v", len(out), err)
	}
	bomb := append([]byte{}, header...)
	for range 1000 {
		b := make([]byte, 0x48, 0x48+len(bombStream))
		binary.LittleEndian.PutUint32(b, uint32(0x48+len(bombStream)))
		binary.LittleEndian.PutUint32(b[0x30:], bombSize+0x48)
		binary.LittleEndian.PutUint16(b[0x34:], 0x40)
		bomb = append(append(bomb, b...), bombStream...)
	}
	pastEnd := append([]byte{}, header...)
	for i := range 1000 {
		b := one
		b.Compressed = i%2 == 0
		b.Raw = [][]byte{{0xF8, 0xFF, 0x13, 0xC0, 0, 0, 0, 0}}
		pastEnd = append(pastEnd, etltest.WriteBuffer(f, b)...)
	}
	tiny := append([]byte{}, header...)
	for b := range 100 {
		var buf etltest.Buffer
		for i := range 10000 {
			buf.Events = append(buf.Events, etltest.Event{Time: t0.Add(time.Duration(b*10000+i) * time.Microsecond), Provider: etl.GUID{9}})
		}
		tiny = append(tiny, etltest.WriteBuffer(f, buf)...)
	}
	worstcase.Run(t, []worstcase.Case{
		{Name: "buffer claiming 4 GiB", MaxAlloc: 1 << 20, Run: func(t *testing.T) {
			n, _, err := read(t, huge)
			worstcase.WantErr(t, err, etl.ErrBufferSize, "4294967295 bytes")
			if n != 0 {
				t.Errorf("%d frames", n)
			}
		}},
		{Name: "buffer claiming 60 MiB of a small file", MaxAlloc: 4 << 20, Run: func(t *testing.T) {
			_, _, err := read(t, big)
			worstcase.WantErr(t, err, etl.ErrTruncated, "62914560 bytes claimed")
		}},
		{Name: "decompressed size lie of 16 MiB", MaxAlloc: 1 << 20, Run: func(t *testing.T) {
			n, w, err := read(t, lie)
			if err != nil || n != 0 || len(w) != 1 || !strings.Contains(w[0], "more than 1000 times as many") {
				t.Errorf("%d frames, warnings %q, %v", n, w, err)
			}
		}},
		{Name: "1000 decompression bombs of 16 MiB", MaxAlloc: 1 << 20, Run: func(t *testing.T) {
			start := time.Now()
			n, w, err := read(t, bomb)
			if err != nil || n != 0 || len(w) != 21 || !strings.Contains(w[0], "more than 1000 times as many") {
				t.Errorf("%d frames, warnings %q, %v", n, w, err)
			}
			t.Logf("read in %v", time.Since(start))
		}},
		// The 1000 good frames wait in the reordering window (2 KiB
		// each): that, not the damage, is what this one allocates.
		{Name: "record size past its buffer, 1000 times", MaxAlloc: 4 << 20, Run: func(t *testing.T) {
			n, w, err := read(t, pastEnd)
			// Each buffer's good event folds into the first (same group,
			// appearance 1 starts anew: 1000 frames), each loses its rest.
			if err != nil || n != 1000 || len(w) != 21 || !strings.Contains(w[20], "980 more ETL warnings") {
				t.Errorf("%d frames, %d warnings (last %q), %v", n, len(w), w[len(w)-1], err)
			}
		}},
		{Name: "a million tiny events", MaxAlloc: 4 << 20, Run: func(t *testing.T) {
			r, err := etl.NewReader(bytes.NewReader(tiny))
			if err != nil {
				t.Fatal(err)
			}
			n, err := readAll(t, r)
			if err != nil || len(n) != 0 || r.Stats().OtherProviders != 1_000_000 {
				t.Errorf("%d frames, %+v, %v", len(n), r.Stats(), err)
			}
		}},
	})
}

// FuzzETL feeds the reader anything: it must end (io.EOF or an error)
// without a panic, with frames in time order unless it counted them out of
// order, and no frame larger than a pktmon payload can be.
// maxHeldCompare is the most frames FuzzETL reads a second time, held and
// lent: inputs that expand into more (a compressed buffer can hold a
// thousand times its size) would make each run, and the minimizing of
// each new input, hundreds of times slower for the same paths.
const maxHeldCompare = 1 << 12

func FuzzETL(f *testing.F) {
	file := file()
	var bufs []etltest.Buffer
	for b := range 3 {
		buf := etltest.Buffer{CPU: uint16(b), Compressed: b != 1, Pad: 16}
		for i := range 4 {
			p := etltest.Pktmon{Group: uint64(i), Appearance: uint16(b + 1), PacketType: uint16(1 + i%3), Payload: packet(i)}
			buf.Events = append(buf.Events, p.Event(t0.Add(time.Duration(i*3+b)*time.Millisecond), i == 3))
		}
		buf.Events[0].Ext = 2
		bufs = append(bufs, buf)
	}
	ndis := etltest.Buffer{Events: []etltest.Event{
		etltest.NDIS{Miniport: 1, Lower: 1, Fragment: packet(1)}.Event(t0, etltest.KwStart),
		etltest.NDIS{Miniport: 1, Lower: 1, Fragment: packet(2)}.Event(t0, etltest.KwEnd|etltest.KwNative80211),
		etltest.NDIS{Miniport: 1, Lower: 2, Fragment: packet(3)}.Event(t0, etltest.KwStart|etltest.KwEnd|etltest.KwSend),
	}}
	bufs = append(bufs, ndis)
	// NDIS 1003 (VMSwitch, 64- and 32-bit OOB data, in fragments) and the
	// WFP capture provider's packets (IPv4, IPv6 with flow context, and
	// event 2000 fragments of two packets interleaved).
	sw := etltest.VMSwitch{Miniport: 3, Lower: 4, Port: 5, PortName: "p", NicName: "n", NicType: "t", VLAN: 9,
		Dests: []etltest.VMSwitchDest{{Port: 6, PortName: "q", Nic: "m", Type: "u"}}, Fragment: packet(4)}
	sw32 := sw
	sw32.OOB32, sw32.Fragment = true, packet(5)
	w4 := etltest.WFP{Src: []byte{10, 0, 0, 1}, Dst: []byte{10, 0, 0, 2}, Proto: 6, Payload: packet(6)}
	w6 := etltest.WFP{Src: make([]byte, 16), Dst: make([]byte, 16), Proto: 17, Flow: true, Payload: packet(7)}
	fa, fb := w4.Fragments(t0, true, 1, 3), w6.Fragments(t0, false, 2, 2)
	more := etltest.Buffer{Compressed: true, Events: []etltest.Event{
		sw.Event(t0, etltest.KwStart|etltest.KwEnd|etltest.KwSend),
		sw32.Event(t0, etltest.KwStart),
		sw32.Event(t0, etltest.KwEnd),
		w4.Event(t0, true), w6.Event(t0, false),
		fa[0], fb[0], fa[1], fb[1], fa[2],
	}}
	f.Add(etltest.Write(file, []etltest.Buffer{more}))
	bufs = append(bufs, more)
	f.Add(etltest.Write(file, bufs))
	f.Add(etltest.Write(file, bufs[:1]))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := etl.NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		var fr etl.Frame
		var last time.Time
		late := 0
		// The frames, copied, and the error that ended them, to hold the
		// lending reader to.
		var frames []etl.Frame
		var end error
		for range 1 << 20 {
			if end = r.Next(&fr); end != nil {
				break
			}
			if len(frames) <= maxHeldCompare {
				c := fr
				c.Data = bytes.Clone(fr.Data)
				frames = append(frames, c)
			}
			// The largest packet: joined fragments (256 KiB), or an IPv6
			// header before a 64 KiB WFP payload.
			if len(fr.Data) > 256<<10 {
				t.Fatalf("frame of %d bytes", len(fr.Data))
			}
			if fr.Time.Before(last) {
				late++
			}
			if fr.Time.After(last) {
				last = fr.Time
			}
		}
		if late != r.Stats().OutOfOrder {
			t.Fatalf("%d frames out of order, %d counted", late, r.Stats().OutOfOrder)
		}
		r.Warnings()
		if end == nil || len(frames) > maxHeldCompare {
			return
		}
		// Read as a held capture reads it, borrowing the buffers (every
		// third refused in odd-sized inputs), the same frames come, and
		// each stays intact until released though what is released is
		// overwritten.
		var refuse func(int) bool
		if len(data)%2 == 1 {
			refuse = func(k int) bool { return k%3 == 0 }
		}
		if _, err := readHeld(t, data, frames, refuse); err.Error() != end.Error() {
			t.Fatalf("held reading ended with %v, reading by copying with %v", err, end)
		}
	})
}

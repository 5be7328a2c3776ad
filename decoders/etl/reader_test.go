package etl_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"softsa/decoders/etl"
	"softsa/decoders/etl/etltest"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func file() etltest.File {
	return etltest.File{Start: t0, End: t0.Add(time.Hour)}
}

// packet is a distinct payload for packet i.
func packet(i int) []byte {
	p := make([]byte, 60+i%40)
	for k := range p {
		p[k] = byte(i*7 + k)
	}
	binary.BigEndian.PutUint32(p, uint32(i))
	return p
}

func open(t testing.TB, data []byte) *etl.Reader {
	t.Helper()
	r, err := etl.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestInterleavedCPUs writes what pktmon writes on a busy machine: two
// CPUs' buffers interleaved, each CPU's events in order but the buffers
// overlapping in time, some compressed, every packet logged at two
// components (the second a few µs later). The reader must give each packet
// once, in time order, with its bytes.
func TestInterleavedCPUs(t *testing.T) {
	const n = 400
	f := file()
	var bufs []etltest.Buffer
	for b := range 8 {
		buf := etltest.Buffer{CPU: uint16(b % 2), Compressed: b%3 != 0, Pad: 24 * (b % 2)}
		for k := range n / 8 {
			// CPU 0 logs the even packets, CPU 1 the odd: each buffer
			// of one CPU overlaps the next buffer of the other.
			i := (b/2*(n/8)+k)*2 + b%2
			at := t0.Add(time.Duration(i) * time.Millisecond)
			p := etltest.Pktmon{Group: uint64(0x1000 + i), Number: 1, Appearance: 1, PacketType: 1, Component: 59, Payload: packet(i)}
			buf.Events = append(buf.Events, p.Event(at, false))
			p.Appearance, p.Component = 2, 61
			buf.Events = append(buf.Events, p.Event(at.Add(3*time.Microsecond), false))
		}
		bufs = append(bufs, buf)
	}
	r := open(t, etltest.Write(f, bufs))
	frames, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	st := r.Stats()
	if len(frames) != n || st.Packets != 2*n || st.Folded != n || st.CompressedBuffers != 5 || st.OutOfOrder != 0 || len(r.Warnings()) != 0 {
		t.Fatalf("%d frames, stats %+v, warnings %q", len(frames), st, r.Warnings())
	}
	for i, fr := range frames {
		want := t0.Add(time.Duration(i) * time.Millisecond)
		if !fr.Time.Equal(want) || !bytes.Equal(fr.Data, packet(i)) || fr.Link != layers.LinkTypeEthernet || fr.WireLen != len(fr.Data) {
			t.Fatalf("frame %d: %v, %d bytes (%x…): want %v, packet %d", i, fr.Time, len(fr.Data), fr.Data[:4], want, i)
		}
	}
}

// TestClocks converts each clock type and both pointer sizes of the
// logfile header to the same UTC times.
func TestClocks(t *testing.T) {
	for _, tc := range []struct {
		clock, ptr uint32
	}{{1, 8}, {2, 8}, {3, 8}, {1, 4}} {
		t.Run(fmt.Sprintf("clock %d pointer %d", tc.clock, tc.ptr), func(t *testing.T) {
			f := file()
			f.ClockType, f.PointerSize = tc.clock, tc.ptr
			var buf etltest.Buffer
			for i := range 5 {
				at := t0.Add(time.Duration(i)*1234567*time.Microsecond + 300*time.Nanosecond)
				buf.Events = append(buf.Events, etltest.Pktmon{Group: uint64(i), Appearance: 1, PacketType: 3, Payload: packet(i)}.Event(at, false))
			}
			r := open(t, etltest.Write(f, []etltest.Buffer{buf}))
			if h := r.Header(); !h.Start.Equal(t0) || !h.End.Equal(t0.Add(time.Hour)) || h.ClockType != tc.clock {
				t.Errorf("header %+v", h)
			}
			frames, err := readAll(t, r)
			if err != nil || len(frames) != 5 {
				t.Fatalf("%d frames, %v", len(frames), err)
			}
			for i, fr := range frames {
				want := t0.Add(time.Duration(i)*1234567*time.Microsecond + 300*time.Nanosecond)
				if !fr.Time.Equal(want) || fr.Link != layers.LinkTypeRaw {
					t.Errorf("frame %d at %v (%v), want %v", i, fr.Time, fr.Link, want)
				}
			}
		})
	}
}

// TestEventKinds: extended data items are stepped over, other providers'
// events and pktmon's non-packet events are counted and skipped, a dropped
// packet (170) is a frame flagged with its reason, a packet type that is no
// link is counted, and the session's lost events are a warning.
func TestEventKinds(t *testing.T) {
	f := file()
	f.EventsLost = 3
	other := etl.GUID{1, 2, 3}
	buf := etltest.Buffer{Events: []etltest.Event{
		{Time: t0, Provider: other, ID: 1, User: []byte("hello")},
		{Time: t0, Provider: etl.ProviderPktMon, ID: 20, User: []byte("component rundown")},
		etltest.Pktmon{Group: 1, Appearance: 1, PacketType: 1, Payload: packet(1)}.Event(t0.Add(time.Second), false),
		etltest.Pktmon{Group: 2, Appearance: 1, PacketType: 5, Payload: packet(2)}.Event(t0.Add(2*time.Second), false),
		etltest.Pktmon{Group: 3, Appearance: 1, PacketType: 2, DropReason: 25, Original: 1500, Payload: packet(3)}.Event(t0.Add(3*time.Second), true),
	}}
	withExt := etltest.Pktmon{Group: 4, Appearance: 1, PacketType: 1, Payload: packet(4)}.Event(t0.Add(4*time.Second), false)
	withExt.Ext = 3
	buf.Events = append(buf.Events, withExt)
	r := open(t, etltest.Write(f, []etltest.Buffer{buf}))
	frames, err := readAll(t, r)
	if err != nil || len(frames) != 3 {
		t.Fatalf("%d frames, %v", len(frames), err)
	}
	st := r.Stats()
	if st.OtherProviders != 1 || st.OtherPacketEvents != 1 || st.NoLink != 1 || st.Dropped != 1 || st.Packets != 4 {
		t.Errorf("stats %+v", st)
	}
	if d := frames[1]; !d.Dropped || d.DropReason != 25 || d.WireLen != 1500 || d.Link != layers.LinkTypeIEEE802_11 {
		t.Errorf("dropped frame: %+v", d)
	}
	if !bytes.Equal(frames[2].Data, packet(4)) {
		t.Errorf("event with extended data: %x", frames[2].Data)
	}
	if w := r.Warnings(); len(w) != 1 || !strings.Contains(w[0], "lost 3 events") {
		t.Errorf("warnings %q", w)
	}
}

// TestReorderWindow: a frame that comes more than the window behind later
// ones is delivered late, counted and warned about, never lost.
func TestReorderWindow(t *testing.T) {
	f := file()
	late := etltest.Buffer{CPU: 1}
	var early etltest.Buffer
	for i := range etl.MaxPendingFrames + 10 {
		early.Events = append(early.Events, etltest.Pktmon{Group: uint64(i), Appearance: 1, PacketType: 1, Payload: packet(i)}.Event(t0.Add(time.Duration(i+1)*time.Millisecond), false))
	}
	late.Events = append(late.Events, etltest.Pktmon{Group: 1 << 40, Appearance: 1, PacketType: 1, Payload: packet(0)}.Event(t0, false))
	r := open(t, etltest.Write(f, []etltest.Buffer{early, late}))
	frames, err := readAll(t, r)
	if err != nil || len(frames) != etl.MaxPendingFrames+11 {
		t.Fatalf("%d frames, %v", len(frames), err)
	}
	if st := r.Stats(); st.OutOfOrder != 1 {
		t.Errorf("stats %+v", st)
	}
	if w := r.Warnings(); len(w) != 1 || !strings.Contains(w[0], "reordering window") {
		t.Errorf("warnings %q", w)
	}
}

// TestDamage: each kind of damage inside a buffer costs that buffer (or
// its rest) and a warning naming its offset; the other buffers' frames all
// come. Damage that loses the way to the next buffer ends the reading with
// an error after every frame before it.
func TestDamage(t *testing.T) {
	f := file()
	good := func(i int, compressed bool) etltest.Buffer {
		return etltest.Buffer{Compressed: compressed, Events: []etltest.Event{
			etltest.Pktmon{Group: uint64(i), Appearance: 1, PacketType: 1, Payload: packet(i)}.Event(t0.Add(time.Duration(i)*time.Second), false)}}
	}
	pastEnd := good(1, false)
	pastEnd.Raw = [][]byte{{0xF0, 0x00, 0x13, 0xC0, 0, 0, 0, 0}} // an event of 240 bytes in 8
	noFlag := good(1, true)
	noFlag.Raw = [][]byte{{8, 0, 0x13, 0x00, 0, 0, 0, 0}}
	shortEvent := good(1, false)
	shortEvent.Raw = [][]byte{{0x10, 0, 0x13, 0xC0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}
	badPktmon := good(1, false)
	badPktmon.Events = append(badPktmon.Events, etltest.Event{Time: t0, Provider: etl.ProviderPktMon, ID: 160, User: []byte{1, 2, 3}})
	first := etltest.WriteBuffer(f, good(0, false))
	last := etltest.WriteBuffer(f, good(2, true))
	header := etltest.Write(f, nil)
	build := func(mid []byte) []byte {
		return append(append(append(append([]byte{}, header...), first...), mid...), last...)
	}
	offset := len(header) + len(first)

	lie := etltest.WriteBuffer(f, good(1, true))
	binary.LittleEndian.PutUint32(lie[0x30:], binary.LittleEndian.Uint32(lie[0x30:])+100) // decompressed size lie
	hugeFill := etltest.WriteBuffer(f, good(1, true))
	binary.LittleEndian.PutUint32(hugeFill[0x30:], 0xFFFFFFF0)
	cases := []struct {
		name   string
		mid    []byte
		frames int // of the damaged buffer
		why    string
	}{
		{"record past its buffer", etltest.WriteBuffer(f, pastEnd), 1, "record size past the end of its buffer"},
		{"no trace flag", etltest.WriteBuffer(f, noFlag), 1, "without the trace header flag"},
		{"event shorter than its header", etltest.WriteBuffer(f, shortEvent), 1, "smaller than its header"},
		{"pktmon event too short", etltest.WriteBuffer(f, badPktmon), 1, "shorter than its fixed fields"},
		{"decompressed size lie", lie, 0, "ends before the declared output size"},
		{"fill beyond the buffer size", hugeFill, 0, "fills 4294967280 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := open(t, build(tc.mid))
			frames, err := readAll(t, r)
			if err != nil || len(frames) != 2+tc.frames {
				t.Fatalf("%d frames, %v; want %d", len(frames), err, 2+tc.frames)
			}
			w := r.Warnings()
			if len(w) != 1 || !strings.Contains(w[0], fmt.Sprintf("byte offset %d", offset)) || !strings.Contains(w[0], tc.why) || r.Stats().DamagedBuffers != 1 {
				t.Errorf("warnings %q, stats %+v: want one naming offset %d and %q", w, r.Stats(), offset, tc.why)
			}
		})
	}

	// A size that places no next buffer, and a file cut inside a buffer:
	// the frames before, then an error naming the offset.
	huge := etltest.WriteBuffer(f, good(1, false))
	binary.LittleEndian.PutUint32(huge, 0xFFFFFFFF)
	cut := build(etltest.WriteBuffer(f, good(1, false)))
	for _, tc := range []struct {
		name   string
		data   []byte
		frames int
		want   error
		at     int
	}{
		{"4 GiB buffer", build(huge), 1, etl.ErrBufferSize, offset},
		{"cut", cut[:len(cut)-10], 2, etl.ErrTruncated, len(cut) - len(last)},
		{"cut in a header", cut[:len(cut)-len(last)+20], 2, etl.ErrTruncated, len(cut) - len(last)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frames, err := readAll(t, open(t, tc.data))
			var ee *etl.Error
			if len(frames) != tc.frames || !errors.Is(err, tc.want) || !errors.As(err, &ee) || ee.Offset != int64(tc.at) {
				t.Errorf("%d frames, %v: want %d frames, then %v at offset %d", len(frames), err, tc.frames, tc.want, tc.at)
			}
		})
	}
}

func TestNotETL(t *testing.T) {
	f := etltest.Write(file(), nil)
	for name, data := range map[string][]byte{
		"empty":                   nil,
		"header only":             f[:0x48],
		"logfile record cut":      f[:0x100],
		"no EventTrace header":    append(append([]byte{}, f[:0x4E]...), append([]byte{9}, f[0x4F:]...)...),
		"only a pktmon buffer":    etltest.WriteBuffer(file(), etltest.Buffer{Events: []etltest.Event{{Provider: etl.ProviderPktMon}}}),
		"pcap header and garbage": append([]byte{0xd4, 0xc3, 0xb2, 0xa1}, make([]byte, 2000)...),
	} {
		if _, err := etl.NewReader(bytes.NewReader(data)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestSteadyStateAllocs: once the reordering window and the folding table
// are warm, reading and folding packets allocates nothing per packet.
func TestSteadyStateAllocs(t *testing.T) {
	f := file()
	var bufs []etltest.Buffer
	const perBuf, nbuf = 1000, 30
	for k := range nbuf {
		buf := etltest.Buffer{CPU: uint16(k % 2), Compressed: k%2 == 0}
		for i := range perBuf {
			n := k*perBuf + i
			at := t0.Add(time.Duration(n) * time.Millisecond)
			p := etltest.Pktmon{Group: uint64(n), Appearance: 1, PacketType: 1, Payload: packet(n)}
			buf.Events = append(buf.Events, p.Event(at, false))
			p.Appearance = 2
			buf.Events = append(buf.Events, p.Event(at.Add(time.Microsecond), false))
		}
		bufs = append(bufs, buf)
	}
	r := open(t, etltest.Write(f, bufs))
	etl.SetWindow(r, 1024)
	var fr etl.Frame
	next := func() {
		if err := r.Next(&fr); err != nil {
			t.Fatal(err)
		}
	}
	// Warm up past the folding table's size (1<<14 packets) and the
	// largest buffer.
	for range 18000 {
		next()
	}
	if allocs := testing.AllocsPerRun(10000, next); allocs != 0 {
		t.Errorf("%v allocations per packet", allocs)
	}
	if st := r.Stats(); st.Folded < 28000 {
		t.Errorf("stats %+v", st)
	}
}

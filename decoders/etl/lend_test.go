package etl_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"softsa/decoders/etl"
	"softsa/decoders/etl/etltest"
)

// poisonLender lends a file's bytes in place, as a capture's window does,
// and overwrites every byte before what Release passes: a frame still
// pointing there, pending or held, then comes out wrong.
type poisonLender struct {
	t        *testing.T
	data     []byte
	pos      int
	poisoned int
	refuse   func(k int) bool // refuse the k-th lend
	asked    int
	lends    int
	maxKept  int // the most bytes between the oldest kept and the reading
}

func (l *poisonLender) Read(p []byte) (int, error) {
	if l.pos == len(l.data) {
		return 0, io.EOF
	}
	n := copy(p, l.data[l.pos:])
	l.pos += n
	return n, nil
}

func (l *poisonLender) Lend(n int) ([]byte, bool) {
	l.asked++
	if l.pos+n > len(l.data) || l.refuse != nil && l.refuse(l.asked) {
		return nil, false
	}
	b := l.data[l.pos : l.pos+n]
	l.pos += n
	l.lends++
	return b, true
}

func (l *poisonLender) Release(offset int64) {
	offset = min(offset, int64(l.pos)) // math.MaxInt64: nothing lent is in use
	if int(offset) < l.poisoned {
		l.t.Fatalf("Release(%d) after %d, with %d read", offset, l.poisoned, l.pos)
	}
	for ; l.poisoned < int(offset); l.poisoned++ {
		l.data[l.poisoned] = 0xEE
	}
	l.maxKept = max(l.maxKept, l.pos-l.poisoned)
}

// readHeld reads data through a poisonLender with a held Reader, as the
// read-ahead pipeline does: frames are kept, not copied, in batches of 50,
// and a batch is released only when three newer ones have come; before
// its release every frame of it is compared with want. It returns the
// lender and the error that ended the reading (io.EOF at a clean end).
func readHeld(t *testing.T, data []byte, want []etl.Frame, refuse func(int) bool) (*poisonLender, error) {
	t.Helper()
	l := &poisonLender{t: t, data: bytes.Clone(data), refuse: refuse}
	r, err := etl.NewReader(l)
	if err != nil {
		t.Fatal(err)
	}
	r.Hold()
	type batch struct {
		frames []etl.Frame
		first  int
		mark   int64
	}
	var kept []batch
	check := func(b batch) {
		t.Helper()
		for i, f := range b.frames {
			w := want[b.first+i]
			if !f.Time.Equal(w.Time) || !bytes.Equal(f.Data, w.Data) {
				t.Fatalf("frame %d while held: %v, % x…; read by copying: %v, % x…", b.first+i+1,
					f.Time, f.Data[:min(8, len(f.Data))], w.Time, w.Data[:min(8, len(w.Data))])
			}
		}
	}
	cur := batch{}
	n := 0
	var end error
	for {
		var f etl.Frame
		err := r.Next(&f)
		if err == nil {
			if n == len(want) {
				t.Fatalf("more than the %d frames read by copying", len(want))
			}
			cur.frames = append(cur.frames, f)
			n++
		}
		if err != nil || len(cur.frames) == 50 {
			cur.mark = r.Mark()
			kept = append(kept, cur)
			cur = batch{first: n}
			if len(kept) > 3 || err != nil {
				for len(kept) > 0 && (len(kept) > 3 || err != nil) {
					check(kept[0])
					r.Release(kept[0].mark)
					kept = kept[1:]
				}
			}
		}
		if err != nil {
			end = err
			break
		}
	}
	if n != len(want) {
		t.Fatalf("%d frames held, %d read by copying", n, len(want))
	}
	return l, end
}

// TestLentMatchesCopied: a held Reader borrowing its buffers from a
// Lender delivers the frames a Reader copying them does, and every frame
// stays intact until released, though the lender overwrites what it is
// told is free: buffers of interleaved CPUs, compressed or not (never
// lent), lent or refused, packets folded from a second component.
func TestLentMatchesCopied(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	f := file()
	var bufs []etltest.Buffer
	var clock [2]time.Duration
	for id := range 20000 {
		c := rng.IntN(2)
		if len(bufs) == 0 || bufs[len(bufs)-1].CPU != uint16(c) || len(bufs[len(bufs)-1].Events) > 200 {
			bufs = append(bufs, etltest.Buffer{CPU: uint16(c), Compressed: rng.IntN(4) == 0})
		}
		clock[c] += time.Duration(1+rng.IntN(30)) * time.Microsecond
		p := etltest.Pktmon{Group: uint64(id) + 1, Appearance: 1, PacketType: 1, Payload: twinPacket(id, 60+rng.IntN(1400))}
		b := &bufs[len(bufs)-1]
		b.Events = append(b.Events, p.Event(t0.Add(clock[c]), false))
		p.Appearance = 2
		b.Events = append(b.Events, p.Event(t0.Add(clock[c]+time.Microsecond), false))
	}
	data := etltest.Write(f, bufs)
	want, err := readAll(t, open(t, data))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		refuse func(int) bool
	}{
		{"every buffer lent", nil},
		{"every third refused", func(k int) bool { return k%3 == 0 }},
		{"every buffer refused", func(int) bool { return true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := readHeld(t, data, want, tc.refuse)
			if err != io.EOF {
				t.Fatal(err)
			}
			if tc.refuse == nil && l.lends == 0 {
				t.Error("nothing was lent")
			}
			t.Logf("%d frames, %d buffers lent of %d asked, at most %d KiB kept", len(want), l.lends, l.asked, l.maxKept>>10)
		})
	}
}

// TestLentBounded: frames that wait long (hourAheadFile: one in 5000
// stamped an hour ahead, pending to the end) do not keep the lender's bytes: past
// MaxLentBytes behind the reading their bytes are copied out and the
// lender told it may reuse what is before; they still come intact.
func TestLentBounded(t *testing.T) {
	data, _ := hourAheadFile()
	want, err := readAll(t, open(t, data))
	if err != nil {
		t.Fatal(err)
	}
	l, err := readHeld(t, data, want, nil)
	if err != io.EOF {
		t.Fatal(err)
	}
	if l.lends < 30 || l.maxKept > etl.MaxLentBytes+2<<20 {
		t.Errorf("%d buffers lent, up to %d bytes kept (bound %d and a buffer)", l.lends, l.maxKept, etl.MaxLentBytes)
	}
	t.Logf("%d frames, %d buffers lent, at most %.1f MiB kept", len(want), l.lends, float64(l.maxKept)/(1<<20))
}

// TestHeldFramesStay: without a Release, every frame a held Reader
// delivered stays as delivered to the end, though the lender overwrites
// what it is told is free; the Reader's marks count the frames.
func TestHeldFramesStay(t *testing.T) {
	var bufs []etltest.Buffer
	for id := range 3000 {
		if id%100 == 0 {
			bufs = append(bufs, etltest.Buffer{CPU: uint16(id / 100 % 2)})
		}
		p := etltest.Pktmon{Group: uint64(id) + 1, Appearance: 1, PacketType: 1, Payload: twinPacket(id, 200)}
		bufs[len(bufs)-1].Events = append(bufs[len(bufs)-1].Events, p.Event(t0.Add(time.Duration(id)*time.Millisecond), false))
	}
	data := etltest.Write(file(), bufs)
	want, err := readAll(t, open(t, data))
	if err != nil {
		t.Fatal(err)
	}
	l := &poisonLender{t: t, data: bytes.Clone(data)}
	r, err := etl.NewReader(l)
	if err != nil {
		t.Fatal(err)
	}
	etl.SetWindow(r, 10)
	r.Hold()
	var got []etl.Frame
	for {
		var f etl.Frame
		if err := r.Next(&f); err != nil {
			if err != io.EOF {
				t.Fatal(err)
			}
			break
		}
		got = append(got, f)
		if r.Mark() != int64(len(got)) {
			t.Fatalf("Mark %d after %d frames", r.Mark(), len(got))
		}
	}
	if len(got) != len(want) || l.lends != len(bufs)+1 {
		t.Fatalf("%d frames of %d, %d buffers lent of %d", len(got), len(want), l.lends, len(bufs)+1)
	}
	for i, f := range got {
		if !bytes.Equal(f.Data, want[i].Data) || binary.BigEndian.Uint32(f.Data) != uint32(i) {
			t.Fatalf("frame %d changed while held", i+1)
		}
	}
}

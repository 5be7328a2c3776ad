package etl

import (
	"io"
	"math"
)

// Reading without copying. Read through a plain io.Reader, a buffer is
// copied twice on its way to the analysis: by Read into a slab, and by the
// consumer, since a frame is valid only until the next Next. A capture's
// read-ahead window (package capture) has already read the file into
// chunks that stay until it is told they are free: a Lender lends a
// buffer's bytes in place, and a held Reader keeps the frames it delivered
// until the consumer releases them, as the window's own pcap and pcapng
// frames are kept. The file's bytes are then copied once, by read(2) into
// the window, as for a pcapng file.

// Lender is an io.Reader that can lend the bytes it would read next
// instead of copying them out.
type Lender interface {
	io.Reader
	// Lend consumes the next n bytes, as Read would, and returns them in
	// place: they stay valid until Release passes their offset. It returns
	// false, having consumed nothing, when it cannot (the bytes are not
	// in one piece, or not yet held).
	Lend(n int) ([]byte, bool)
	// Release says that no lent byte before offset is in use any more
	// (math.MaxInt64: none is); offsets count from the first byte the
	// Reader read.
	Release(offset int64)
}

// MaxLentBytes bounds how far, in bytes of the file, the oldest lent
// buffer with frames still pending may lie behind the reading: past it the
// pending frames of that buffer are copied out (as slabs are evacuated) so
// that the lender may reuse its memory. In a file in time order a frame is
// delivered once MaxPendingBytes of frames follow it, well inside this; a
// lender holds about this much of the file, plus what it reads ahead.
const MaxLentBytes = 12 << 20

// lent is the queue of lent slabs in file order, with stale items (slabs
// freed since) skipped at the front: its first live item is the oldest
// byte still in use.
type lent struct {
	q    fifo[slabUse]
	free []*slab // slab structs of lent buffers, for reuse
}

// lend reads the n-byte body of the buffer at off through the lender, into
// a slab of its own that becomes the current one; false when the lender
// cannot lend it (it is then read and copied as before).
func (r *Reader) lend(n int, off int64) bool {
	b, ok := r.lender.Lend(n)
	if !ok {
		return false
	}
	ss := &r.slabs
	if c := ss.cur; c != nil {
		ss.cur = nil
		r.unref(c)
	}
	var s *slab
	if k := len(r.lent.free); k > 0 {
		s, r.lent.free = r.lent.free[k-1], r.lent.free[:k-1]
	} else {
		s = &slab{}
	}
	// Full: nothing is ever placed after the lent bytes.
	s.b, s.lent, s.off = b[:n:n], true, off
	s.use++
	s.refs = 1
	ss.cur = s
	r.lent.q.push(slabUse{s, s.use})
	r.pend.src = s
	return true
}

// freeLent forgets a lent slab whose frames are all given back.
func (r *Reader) freeLent(s *slab) {
	s.b, s.lent = nil, false
	s.use++ // its queue item is stale now
	if r.pend.src == s {
		r.pend.src = nil
	}
	r.lent.free = append(r.lent.free, s)
}

// giveBack tells the lender, before the next buffer is read, how much of
// what it lent is still in use: from the oldest lent slab with frames on,
// or none of it. A lent slab lying more than MaxLentBytes
// behind has its pending frames copied out first.
func (r *Reader) giveBack() {
	q := &r.lent.q
	for q.len() > 0 {
		u := *q.front()
		if u.s.use == u.use {
			if r.off-u.s.off <= MaxLentBytes || u.s == r.slabs.cur {
				break
			}
			r.pend.evacuate(u.s)
			if u.s.refs > 0 {
				// Held by the consumer, which gives it back soon.
				break
			}
			r.slabs.evacuated++
			r.freeLent(u.s)
		}
		q.pop()
	}
	low := int64(math.MaxInt64)
	if q.len() > 0 {
		low = q.front().s.off
	}
	r.lender.Release(low)
}

// Offset is the file offset of the next buffer: how many bytes the
// Reader has read.
func (r *Reader) Offset() int64 { return r.off }

// Hold makes the frames Next returns stay valid until Release says they
// are no longer in use, instead of until the next Next.
func (r *Reader) Hold() { r.held = true }

// Mark counts the frames delivered so far: what Release takes.
func (r *Reader) Mark() int64 { return r.heldBase + int64(r.heldQ.len()) }

// Release gives back the data of the frames a held Reader delivered before
// mark (a value of Mark).
func (r *Reader) Release(mark int64) {
	for r.heldBase < mark && r.heldQ.len() > 0 {
		r.release(r.heldQ.front())
		r.heldQ.pop()
		r.heldBase++
	}
}

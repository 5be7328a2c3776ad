package etl

import "unsafe"

// Buffers are read (or decompressed) into slabs, and the frames the window
// holds point into them instead of being copied: a frame's bytes are
// copied once, by the read, and not again until the consumer takes them.
// A slab holds one buffer, or several small ones one after another, and
// counts the frames that point into it (the pending ones and the one Next
// handed out last); with none, and not being filled, it is free for the
// next buffers.
//
// Slabs are bounded: when the slabs in use and free would pass
// maxSlabBytes, the frames still pending in the oldest slab in use are
// copied out (pending.evacuate), as every frame was before slabs, and the
// slab is reused. In order, a frame leaves the window well before the
// slabs come round (the window is 8 MiB of frames), so copies are for the
// rare frame that waits long; a file of large buffers (pktmon's are 16 MiB
// decompressed) copies what is pending of the last one, as before. Memory
// is thus at most maxSlabBytes plus one buffer, plus the window's copies.
const (
	maxSlabBytes = 12 << 20
	// minSlab is the smallest slab once a file has shown that it is
	// large (past its first megabyte): small buffers share one, so that a
	// file of tiny buffers does not make a slab per frame. Before, a slab
	// is the size of its buffer: a small file costs what it holds.
	minSlab = 256 << 10
)

// slab is storage records are read into.
type slab struct {
	b    []byte // the bytes placed so far; cap is the storage
	refs int    // frames pointing into b, plus one while it is being filled
	use  uint32 // bumped at every reuse, to tell a stale inUse item
	// lent is set when b is a Lender's bytes (lend.go), not storage of
	// the reader's; off is then their offset in the file.
	lent bool
	off  int64
}

// holds reports whether b lies within s's storage. Frames are never
// empty when it matters: an empty frame is copied (for nothing).
func (s *slab) holds(b []byte) bool {
	if len(b) == 0 || cap(s.b) == 0 {
		return false
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	base := uintptr(unsafe.Pointer(unsafe.SliceData(s.b)))
	return p >= base && p-base < uintptr(cap(s.b))
}

// slabs are the reader's slabs: the one being filled, those in use in the
// order they were filled (the oldest is evacuated first), and the free.
type slabs struct {
	cur   *slab
	inUse []slabUse
	live  int // items of inUse that are still in use
	free  []*slab
	bytes int // storage of every slab kept
	// evacuated counts the slabs whose pending frames were copied out.
	evacuated int
}

// slabUse is one filling of a slab: stale once the slab is reused.
type slabUse struct {
	s   *slab
	use uint32
}

// place returns storage for n bytes of the next buffer: a zero-length
// slice of the current slab with room for n (no allocation), or the empty
// storage of a fresh current slab, which the caller may outgrow (it reads
// a claimed size a chunk at a time). commit records what was placed.
func (r *Reader) place(n int) []byte {
	ss := &r.slabs
	if c := ss.cur; c != nil {
		if cap(c.b)-len(c.b) >= n {
			return c.b[len(c.b):len(c.b):cap(c.b)]
		}
		ss.cur = nil
		r.unref(c)
	}
	s := r.freeSlab(n)
	for s == nil && ss.bytes+max(n, minSlab) > maxSlabBytes && ss.live > 0 && len(ss.inUse) > 0 {
		// Evacuate the oldest slabs in use until one is free and large
		// enough, or the slabs fit.
		u := ss.inUse[0]
		// Shift down rather than reslice, so the list's storage is
		// reused (it is short: the slabs in use and a few stale ones).
		k := copy(ss.inUse, ss.inUse[1:])
		ss.inUse[k] = slabUse{}
		ss.inUse = ss.inUse[:k]
		if u.s.use != u.use {
			continue // freed since
		}
		r.pend.evacuate(u.s)
		if u.s.refs != 0 {
			// Not the window's alone: a held Reader's consumer still
			// has delivered frames in it (lend.go), and gives them
			// back soon. Keep it; a new slab is made past the bound
			// meanwhile.
			ss.inUse = append(ss.inUse, u)
			break
		}
		ss.live--
		ss.evacuated++
		r.toFree(u.s)
		s = r.freeSlab(n)
	}
	if s == nil {
		s = &slab{}
		if n <= readChunk {
			// Up to a read chunk is allocated whole; a larger size is
			// grown into as it is read (readN, lz77.Decompress), so a
			// size the file does not hold costs only what it holds.
			least := 0
			if r.off > 4*minSlab {
				least = minSlab
			}
			s.b = make([]byte, 0, max(n, least))
			ss.bytes += cap(s.b)
		}
	}
	s.use++
	s.refs = 1
	ss.cur = s
	ss.inUse = append(ss.inUse, slabUse{s, s.use})
	ss.live++
	if len(ss.inUse) > 64 && len(ss.inUse) > 2*ss.live {
		// Drop the stale items, so that one long-pinned slab does not
		// make the list grow with every buffer.
		k := 0
		for _, u := range ss.inUse {
			if u.s.use == u.use {
				ss.inUse[k] = u
				k++
			}
		}
		clear(ss.inUse[k:])
		ss.inUse = ss.inUse[:k]
	}
	r.pend.src = s
	return s.b[:0]
}

// commit records the n bytes just placed at the end of the current slab;
// b is what the read returned (the placed storage, or grown storage of a
// fresh slab).
func (r *Reader) commit(b []byte) {
	c := r.slabs.cur
	if len(c.b) == 0 {
		// A fresh slab: b may have outgrown its storage.
		r.slabs.bytes += cap(b) - cap(c.b)
		c.b = b
		r.pend.src = c
		return
	}
	c.b = c.b[:len(c.b)+len(b)]
}

// freeSlab takes a free slab with room for n bytes, if any.
func (r *Reader) freeSlab(n int) *slab {
	ss := &r.slabs
	for i := len(ss.free) - 1; i >= 0; i-- {
		if s := ss.free[i]; cap(s.b) >= n {
			ss.free[i] = ss.free[len(ss.free)-1]
			ss.free[len(ss.free)-1] = nil
			ss.free = ss.free[:len(ss.free)-1]
			return s
		}
	}
	if len(ss.free) > 0 && ss.bytes+max(n, minSlab) > maxSlabBytes {
		// None is large enough: let the small ones go.
		for i, s := range ss.free {
			ss.bytes -= cap(s.b)
			ss.free[i] = nil
		}
		ss.free = ss.free[:0]
	}
	return nil
}

// unref drops one reference to s, freeing it when it was the last.
func (r *Reader) unref(s *slab) {
	if s.refs--; s.refs == 0 && s != r.slabs.cur {
		if s.lent {
			r.freeLent(s)
			return
		}
		r.slabs.live--
		r.toFree(s)
	}
}

// toFree makes s free, its bytes forgotten.
func (r *Reader) toFree(s *slab) {
	s.b = s.b[:0]
	s.use++ // its inUse item is stale now
	if r.pend.src == s {
		r.pend.src = nil
	}
	r.slabs.free = append(r.slabs.free, s)
}

package etl

import "github.com/gopacket/gopacket/layers"

// entry is a decoded frame waiting in the reordering window.
type entry struct {
	// Fields ordered large to small so that the entry packs: the window
	// holds up to 32768 of them.
	ns   int64
	wire int
	// slab holds data, or nil when data is a copy (pending.push); seq
	// and next are the frame's arrival and the next slot of its run.
	slab *slab
	seq  uint32
	next uint32
	data []byte
	key  foldKey // a pktmon packet's PktGroupId and PktNumber

	Origin
	link      layers.LinkType
	unprotect bool // clear the 802.11 Protected bit of the copy
	pktmon    bool
}

// pending is the reordering window: the frames waiting for their turn,
// delivered earliest first (by time, then arrival). ETW's buffers are per
// CPU, so frames come as runs already in time order (a CPU's buffer, or
// several): a new run starts where a frame is earlier than the one before
// it. The window merges its runs: a small binary min-heap of runs by their
// first frame (as many runs as buffers overlap in time, a handful), and
// each run a list of slots in a slab of entries, so that taking the
// earliest frame costs a step down a heap of a few runs, not sifts through
// a heap of thousands of frames whose cache lines have gone cold. The
// order is the one a heap of all the frames gives: the earliest pending
// frame is always the first of some run.
//
// A frame's data points into the slab (slab.go) its record was read into,
// which stays until the frame has been delivered; the data of a frame that
// is not in the current buffer (an NDIS packet joined from fragments) or
// whose slab must be given back early is copied into a recycled buffer
// (free), so that a steady stream of packets allocates nothing once the
// window has filled.
type pending struct {
	runs  []run
	open  int // the run the last frame joined, while it is in runs; -1 otherwise
	slots []entry
	empty []uint32 // free slots
	count int
	bytes int
	seq   uint64
	free  [][]byte
	// src is the storage the records of the current buffer are in: a
	// frame whose data lies in it is not copied, and pins it.
	src *slab
	// prog lets the earliest frame go before the window is full once no
	// earlier one can come (progress.go).
	prog progress
}

// run is a list of pending frames in time order: its first frame's time
// and arrival (the heap's key), its first and last slots and its last
// frame's time.
type run struct {
	ns         int64
	seq        uint32
	head, tail uint32
	tailNS     int64
}

// noSlot ends a run's list.
const noSlot = ^uint32(0)

func (p *pending) n() int { return p.count }

// ready reports whether the earliest frame may go: the window is full,
// nothing earlier can come (progress.go), or nothing more will come.
func (p *pending) ready(done bool, window int) bool {
	return p.count >= window || p.bytes >= MaxPendingBytes || p.count > 0 && (done || p.prog.safe(p.runs[0].ns))
}

// less orders runs by their first frame's time, then arrival; seq is
// compared modulo 2^32, which is right while fewer than 2^31 frames are
// pending.
func less(a, b *run) bool { return a.ns < b.ns || a.ns == b.ns && int32(a.seq-b.seq) < 0 }

// windowBytes is what a frame's data counts against MaxPendingBytes: its
// length rounded up to 128 bytes.
func windowBytes(n int) int { return (n + 127) &^ 127 }

// push adds the frame e: its data stays where it is when it lies in the
// current buffer's storage (src), and is copied into a recycled buffer
// otherwise.
func (p *pending) push(e entry) {
	if p.src != nil && p.src.holds(e.data) {
		e.slab = p.src
		p.src.refs++
	} else {
		e.slab = nil
		e.data = p.copyOut(e.data)
	}
	if e.unprotect && len(e.data) > 1 {
		// ndiscap logs Wi-Fi frames decrypted: the Protected bit of the
		// frame control no longer describes the bytes (etl2pcapng
		// clears it too). The record is not read again: changing it in
		// place is safe.
		e.data[1] &^= 0x40
	}
	p.seq++
	e.seq, e.next = uint32(p.seq), noSlot
	var slot uint32
	if k := len(p.empty); k > 0 {
		slot, p.empty = p.empty[k-1], p.empty[:k-1]
		p.slots[slot] = e
	} else {
		slot = uint32(len(p.slots))
		p.slots = append(p.slots, e)
	}
	p.count++
	p.bytes += windowBytes(len(e.data))
	p.prog.pushed(e.ns)
	if p.open >= 0 && e.ns >= p.runs[p.open].tailNS {
		// In order after the run's last frame: the run's first frame,
		// the heap's key, stays.
		r := &p.runs[p.open]
		p.slots[r.tail].next = slot
		r.tail, r.tailNS = slot, e.ns
		return
	}
	p.runs = append(p.runs, run{ns: e.ns, seq: e.seq, head: slot, tail: slot, tailNS: e.ns})
	p.open = p.up(len(p.runs) - 1)
}

// copyOut copies b into a recycled buffer.
func (p *pending) copyOut(b []byte) []byte {
	var buf []byte
	if k := len(p.free); k > 0 {
		buf, p.free = p.free[k-1], p.free[:k-1]
	}
	if cap(buf) < len(b) {
		// Rounded up, and never smaller than the buffer it replaces:
		// recycled buffers grow to the larger packets of the stream and
		// the allocations stop.
		buf = make([]byte, 0, max(windowBytes(len(b)), cap(buf)))
	}
	return append(buf[:0], b...)
}

// up sifts the run at i up and returns where it ends.
func (p *pending) up(i int) int {
	h := p.runs
	for i > 0 {
		parent := (i - 1) / 2
		if !less(&h[i], &h[parent]) {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		if p.open == parent {
			p.open = i
		}
		i = parent
	}
	return i
}

// down sifts the run at i down, keeping open pointing at the open run.
func (p *pending) down(i int) {
	h := p.runs
	for {
		l, s := 2*i+1, i
		if l < len(h) && less(&h[l], &h[s]) {
			s = l
		}
		if l+1 < len(h) && less(&h[l+1], &h[s]) {
			s = l + 1
		}
		if s == i {
			return
		}
		h[i], h[s] = h[s], h[i]
		switch p.open {
		case s:
			p.open = i
		case i:
			p.open = s
		}
		i = s
	}
}

// pop removes and returns the earliest frame; its data stays valid until
// it is given back (release).
func (p *pending) pop() entry {
	r := &p.runs[0]
	slot := r.head
	e := p.slots[slot]
	p.slots[slot] = entry{}
	p.empty = append(p.empty, slot)
	p.count--
	p.bytes -= windowBytes(len(e.data))
	if e.next != noSlot {
		r.head = e.next
		r.ns, r.seq = p.slots[e.next].ns, p.slots[e.next].seq
		p.down(0)
		return e
	}
	// The run is done.
	last := len(p.runs) - 1
	switch p.open {
	case 0:
		p.open = -1
	case last:
		p.open = 0
	}
	p.runs[0] = p.runs[last]
	p.runs = p.runs[:last]
	p.down(0)
	return e
}

// release gives back a delivered frame's data: its slab's reference, or
// its copy's buffer.
func (r *Reader) release(e *entry) {
	if e.slab != nil {
		r.unref(e.slab)
	} else if e.data != nil && len(r.pend.free) < MaxPendingFrames {
		r.pend.free = append(r.pend.free, e.data)
	}
	*e = entry{}
}

// evacuate copies the data of the pending frames that point into s into
// recycled buffers, so that s can be reused.
func (p *pending) evacuate(s *slab) {
	for i := range p.slots {
		e := &p.slots[i]
		if e.slab == s {
			e.data, e.slab = p.copyOut(e.data), nil
			s.refs--
		}
	}
}

// foldKeep is how many recent packets the folder remembers: a packet's
// copies are logged as it passes the components of one stack, within
// microseconds, so thousands of packets later its key is of no use.
const foldKeep = 1 << 14

// drops remembers the pktmon packets dropped at a later component than the
// one their frame comes from, until the frame leaves the window. It is
// bounded: past foldKeep entries (frames long delivered) it starts afresh.
type drops struct {
	m map[foldKey]uint32
}

func (d *drops) add(k foldKey, reason uint32) {
	if d.m == nil {
		d.m = make(map[foldKey]uint32)
	}
	if len(d.m) >= foldKeep {
		clear(d.m)
	}
	d.m[k] = reason
}

// take returns and forgets the drop of k, if any.
func (d *drops) take(k foldKey) (bool, uint32) {
	if len(d.m) == 0 {
		return false, 0
	}
	reason, ok := d.m[k]
	if ok {
		delete(d.m, k)
	}
	return ok, reason
}

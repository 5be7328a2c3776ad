package etl

import "github.com/gopacket/gopacket/layers"

// entry is a decoded frame waiting in the reordering window.
type entry struct {
	// Fields ordered large to small so that the entry packs: the window
	// holds up to 32768 of them.
	ns   int64
	wire int
	data []byte
	key  foldKey // a pktmon packet's PktGroupId and PktNumber

	reason  uint32
	adapter uint32 // NDIS MiniportIfIndex; 0 for pktmon
	port    uint32 // VMSwitch source port (NDIS 1003)
	link    layers.LinkType
	vlan    uint16 // VMSwitch 802.1Q VLAN ID
	layer   Layer

	dropped           bool
	outbound, inbound bool
	unprotect         bool // clear the 802.11 Protected bit of the copy
	pktmon            bool
}

// pending is the reordering window: a binary min-heap by time of small
// pointer-free items naming slots of a slab of entries (so that sifting
// moves 16 bytes, not a frame, and the garbage collector has no pointers
// to follow in the heap), and a free list of the payload buffers of
// delivered frames, so that a steady stream of packets allocates nothing
// once the window has filled.
type pending struct {
	heap  []hitem
	slots []entry
	empty []uint32 // free slots
	bytes int
	seq   uint64
	free  [][]byte
}

// hitem is a heap item: the frame's time, its arrival order (frames of
// equal time keep it) and its slot.
type hitem struct {
	ns   int64
	seq  uint32
	slot uint32
}

func (p *pending) n() int { return len(p.heap) }

// ready reports whether the earliest frame may go: the window is full, or
// nothing more will come.
func (p *pending) ready(done bool, window int) bool {
	return len(p.heap) >= window || p.bytes >= MaxPendingBytes || (done && len(p.heap) > 0)
}

// less orders by time, then arrival; seq is compared modulo 2^32, which is
// right while fewer than 2^31 frames are pending.
func less(a, b hitem) bool { return a.ns < b.ns || a.ns == b.ns && int32(a.seq-b.seq) < 0 }

// push adds the frame e, its data copied into a recycled buffer.
func (p *pending) push(e entry) {
	var buf []byte
	if k := len(p.free); k > 0 {
		buf, p.free = p.free[k-1], p.free[:k-1]
	}
	if cap(buf) < len(e.data) {
		// Rounded up, and never smaller than the buffer it replaces:
		// recycled buffers grow to the larger packets of the stream and
		// the allocations stop.
		buf = make([]byte, 0, max((len(e.data)+127)&^127, cap(buf)))
	}
	e.data = append(buf[:0], e.data...)
	if e.unprotect && len(e.data) > 1 {
		// ndiscap logs Wi-Fi frames decrypted: the Protected bit of the
		// frame control no longer describes the bytes (etl2pcapng
		// clears it too).
		e.data[1] &^= 0x40
	}
	p.seq++
	var slot uint32
	if k := len(p.empty); k > 0 {
		slot, p.empty = p.empty[k-1], p.empty[:k-1]
		p.slots[slot] = e
	} else {
		slot = uint32(len(p.slots))
		p.slots = append(p.slots, e)
	}
	p.bytes += cap(e.data)
	p.heap = append(p.heap, hitem{ns: e.ns, seq: uint32(p.seq), slot: slot})
	// Sift up.
	h := p.heap
	for i := len(h) - 1; i > 0; {
		parent := (i - 1) / 2
		if !less(h[i], h[parent]) {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
}

// pop removes and returns the earliest frame; its data stays valid until it
// is recycled.
func (p *pending) pop() entry {
	h := p.heap
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		l, s := 2*i+1, i
		if l < len(h) && less(h[l], h[s]) {
			s = l
		}
		if l+1 < len(h) && less(h[l+1], h[s]) {
			s = l + 1
		}
		if s == i {
			break
		}
		h[i], h[s] = h[s], h[i]
		i = s
	}
	p.heap = h
	e := p.slots[top.slot]
	p.slots[top.slot] = entry{}
	p.empty = append(p.empty, top.slot)
	p.bytes -= cap(e.data)
	return e
}

// recycle takes back a delivered frame's buffer.
func (p *pending) recycle(b []byte) {
	if len(p.free) < MaxPendingFrames {
		p.free = append(p.free, b)
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

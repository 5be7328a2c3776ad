package decoders

import (
	"net/netip"
	"time"

	"softsa/decoders/capture"
)

// IP fragment reassembly. IKE messages carrying certificates are routinely
// IP-fragmented, so softsa must put them back together to see them at all.
// The reassembler is bounded in every direction a hostile capture could push
// it: a fixed number of datagrams in flight (the oldest is dropped to make
// room), a fixed number of disjoint pieces per datagram, 64 KiB per datagram,
// and a timeout on capture time. Buffers are reused, so the steady state
// allocates nothing.
const (
	// defragMaxDatagrams is how many incomplete datagrams are kept at once.
	defragMaxDatagrams = 128
	// defragTimeout is how long, in capture time, an incomplete datagram
	// waits for its missing fragments.
	defragTimeout   = 30 * time.Second
	defragMaxPieces = 64
	defragMaxSize   = 65535
)

// DefragStats counts what the reassembler did, so that a result can warn
// when a cap was hit.
type DefragStats struct {
	Fragments   int // fragments seen
	Reassembled int // datagrams completed
	Expired     int // incomplete datagrams dropped on timeout or at the cap
	Dropped     int // fragments rejected: too large, too many pieces, inconsistent
}

type defragKey struct {
	src, dst netip.Addr
	id       uint32
	proto    uint8
	// layer keeps an ETL file's WFP-layer copy of a fragment from joining
	// its wire copy.
	layer capture.Layer
}

type defragSlot struct {
	key    defragKey
	active bool
	first  time.Time
	seq    uint64 // when the datagram was started, in datagrams
	total  int    // datagram length, -1 until the last fragment arrives
	pieces [defragMaxPieces][2]int
	n      int
	buf    []byte
}

// defragger reassembles IPv4 and IPv6 fragments.
type defragger struct {
	slots [defragMaxDatagrams]defragSlot
	stats DefragStats
	seq   uint64
}

// add stores one fragment: payload at byte offset off, more set unless it is
// the last. It returns the whole datagram when this fragment completes it;
// the slice is valid until the next call.
func (d *defragger) add(k defragKey, now time.Time, off int, more bool, payload []byte) []byte {
	d.stats.Fragments++
	end := off + len(payload)
	if off < 0 || end > defragMaxSize || (more && len(payload)%8 != 0) {
		d.stats.Dropped++
		return nil
	}
	s := d.find(k, now)
	if !more {
		if s.total >= 0 && s.total != end {
			// Two different "last" fragments: the datagram cannot be trusted.
			d.free(s)
			d.stats.Dropped++
			return nil
		}
		s.total = end
	}
	if !s.insert(off, end) {
		d.free(s)
		d.stats.Dropped++
		return nil
	}
	if cap(s.buf) < end {
		nb := make([]byte, end, defragMaxSize)
		copy(nb, s.buf)
		s.buf = nb
	}
	if len(s.buf) < end {
		s.buf = s.buf[:end]
	}
	copy(s.buf[off:end], payload)
	if s.total >= 0 && s.n == 1 && s.pieces[0][0] == 0 && s.pieces[0][1] == s.total {
		d.stats.Reassembled++
		s.active = false
		return s.buf[:s.total]
	}
	return nil
}

// find returns the slot of datagram k, starting one (and expiring old or,
// when full, the oldest ones) if it is new.
func (d *defragger) find(k defragKey, now time.Time) *defragSlot {
	var free, oldest *defragSlot
	for i := range d.slots {
		s := &d.slots[i]
		if s.active && now.Sub(s.first) > defragTimeout {
			d.free(s)
			d.stats.Expired++
		}
		if !s.active {
			if free == nil {
				free = s
			}
			continue
		}
		if s.key == k {
			return s
		}
		// Oldest by capture time, then by arrival: with equal times
		// (a flood within one timestamp tick) the first one started
		// goes first, rather than the one just started.
		if oldest == nil || s.first.Before(oldest.first) || (s.first.Equal(oldest.first) && s.seq < oldest.seq) {
			oldest = s
		}
	}
	if free == nil {
		d.free(oldest)
		d.stats.Expired++
		free = oldest
	}
	d.seq++
	free.key, free.active, free.first, free.total, free.n, free.seq = k, true, now, -1, 0, d.seq
	free.buf = free.buf[:0]
	return free
}

func (d *defragger) free(s *defragSlot) { s.active = false }

// insert merges [lo,hi) into the sorted, disjoint piece list; it fails when
// the list would grow past its bound.
func (s *defragSlot) insert(lo, hi int) bool {
	if lo >= hi {
		return true
	}
	var out [defragMaxPieces + 1][2]int
	n, placed := 0, false
	for i := 0; i < s.n; i++ {
		p := s.pieces[i]
		switch {
		case p[1] < lo:
			out[n] = p
			n++
		case p[0] > hi:
			if !placed {
				out[n] = [2]int{lo, hi}
				n++
				placed = true
			}
			out[n] = p
			n++
		default: // overlapping or touching: absorb
			lo, hi = min(lo, p[0]), max(hi, p[1])
		}
		if n > defragMaxPieces {
			return false
		}
	}
	if !placed {
		out[n] = [2]int{lo, hi}
		n++
	}
	if n > defragMaxPieces {
		return false
	}
	copy(s.pieces[:], out[:n])
	s.n = n
	return true
}

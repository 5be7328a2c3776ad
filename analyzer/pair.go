package analyzer

import (
	"net/netip"
	"time"

	"softsa/decoders"
)

// pairKey is the normalised, unordered address pair: lo < hi.
type pairKey struct{ lo, hi netip.Addr }

func keyOf(x, y netip.Addr) pairKey {
	if y.Less(x) {
		return pairKey{y, x}
	}
	return pairKey{x, y}
}

// ref points at one frame: its number and capture time, and for a ref
// taken in Add the side that sent it and what it carries (proto*), which
// evidence cites.
type ref struct {
	frame int
	t     stamp
	side  int8
	proto uint8
}

// What a frame carries, as evidence names it (Evidence.Proto).
const (
	protoNone uint8 = iota // not a frame's own ref
	protoISAKMP
	protoESP
	protoTCP
	protoUDP
	protoOther
)

// protoOf classifies m as Wireshark dissects it: an IP fragment that does
// not complete a datagram shows no transport header.
func protoOf(m *decoders.Message) uint8 {
	switch {
	case m.Fragment:
		return protoOther
	case m.App == decoders.AppISAKMP:
		return protoISAKMP
	case m.App == decoders.AppESP:
		return protoESP
	case m.TCP():
		return protoTCP
	case m.UDP():
		return protoUDP
	}
	return protoOther
}

func (r ref) valid() bool { return r.frame != 0 }

// counters are cumulative per pair. A copy taken at two moments tells what
// happened in between, which is how outages and soft SAs learn about ESP and
// IKE inside them without keeping any per-frame list.
type counters struct {
	clear       [2]int // clear packets per side
	clearBytes  int
	esp         int
	ike         [2]int
	established int // negotiations that reached an SA
}

// pair is the state of one normalised address pair. Every per-side array is
// indexed by side: 0 for addr[0] (the lower address), 1 for addr[1].
type pair struct {
	addr       [2]netip.Addr
	first      ref
	last       ref
	firstSide  int
	synSide    int // side of the first pure SYN, -1 if none
	ikeSide    int // side that started the first IKE negotiation, -1 if none
	ikeSure    bool
	ipVersion6 bool

	cnt           counters
	lastAny       ref // last packet of any kind
	lastClear     ref // last clear packet, either side
	lastClearFrom [2]ref
	lastExpect    [2]ref // last clear packet that expects an answer
	lastIKE       [2]ref
	lastUDP       [2]udpLast

	run      [2]runState
	runs     []runRec
	runsCut  int
	idleRuns int
	idleCut  int

	negs    []*negotiation
	negsCut int
	negWait [2]int // first negotiation per initiator side still awaiting a clear answer

	sas    []*espSA
	sasCut int
	lastSA [2]*espSA

	conns    []tcpConn
	connTick uint64
	lastConn int // index in conns of the last segment's connection

	frags    []ipFrag
	fragsCut int

	smb *smbState
}

func newPair(k pairKey, frame int, t time.Time) *pair {
	return &pair{
		addr:       [2]netip.Addr{k.lo, k.hi},
		first:      ref{frame: frame, t: stampOf(t)},
		synSide:    -1,
		ikeSide:    -1,
		ipVersion6: k.lo.Is6() && !k.lo.Is4In6(),
	}
}

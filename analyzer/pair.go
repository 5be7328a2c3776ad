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

// side is one end of a pair: sideLo for addr[0], the lower address, sideHi
// for addr[1]; noSide where none applies or none is known. Every per-side
// array of a pair is indexed by it.
type side int

const (
	noSide side = -1
	sideLo side = 0
	sideHi side = 1
)

// other is the opposite end of the pair from sideLo or sideHi.
func (s side) other() side { return 1 - s }

// known reports whether s is an end of the pair, not noSide.
func (s side) known() bool { return s == sideLo || s == sideHi }

// ref points at one frame: its number and capture time, and for a ref
// taken in add the side that sent it and what it carries (proto*), which
// evidence cites.
type ref struct {
	frame int
	t     stamp
	// from is the sending side in a byte: refs are most of what a long
	// capture keeps (see sender).
	from  int8
	proto uint8
}

// sender is the side that sent the frame of a ref taken in add.
func (r ref) sender() side { return side(r.from) }

// What a frame carries, as evidence names it (Evidence.Proto).
const (
	protoNone uint8 = iota // not a frame's own ref
	protoISAKMP
	protoESP
	protoTCP
	protoUDP
	protoOther
	protoICMP
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
	case m.App == decoders.AppEcho:
		return protoICMP
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
// indexed by side.
type pair struct {
	addr       [2]netip.Addr
	first      ref
	last       ref
	firstSide  side
	sent       [2]int // packets each side sent, of any kind
	synSide    side   // side of the first pure SYN, noSide if none
	ikeSide    side   // side that started the first IKE negotiation, noSide if none
	ikeSure    bool
	ipVersion6 bool

	cnt           counters
	lastAny       ref // last packet of any kind
	lastClear     ref // last clear packet, either side
	lastClearFrom [2]ref
	lastExpect    [2]ref // last clear packet that expects an answer
	lastIKE       [2]ref
	lastUDP       [2]udpLast
	echo          [2]echoTrack // each side's latest echo requests, for pairing replies

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
		synSide:    noSide,
		ikeSide:    noSide,
		ipVersion6: k.lo.Is6() && !k.lo.Is4In6(),
	}
}

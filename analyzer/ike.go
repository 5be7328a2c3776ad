package analyzer

import (
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"strconv"

	"softsa/analyzer/result"
	"softsa/decoders"
	"softsa/decoders/ike"
)

// IKE negotiations.
//
// A negotiation is every message of one (pair, family, initiator SPI): the
// IKE SA attempt with all its exchanges (main mode, quick modes,
// informational; IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA…). The initiator
// is the sender of a message whose responder SPI is zero (IKEv1, AuthIP) or
// which carries the I flag (IKEv2); when the capture starts in the middle,
// the first sender is taken.
//
// Exchanges are told apart by (exchange type, message ID). Within one,
// messages are paired by direction: IKEv1 and AuthIP have no response flag,
// so main mode is counted by message sequence: every change of direction is
// the next step (MM1 from the initiator is step 1, MM2 step 2 … MM6 step 6),
// which also keeps the several fragments of one message on one step. IKEv2
// pairs a request with the response carrying the R flag and the same message
// ID.
//
// AuthIP's first quick mode rides on the main mode exchange type (243) with
// a non-zero message ID ([MS-AIPS] §3.4.5.1) and is counted as quick mode.
//
// A retransmission is a message byte-identical (same length, same FNV-1a
// hash) to one of the last few messages sent in the same direction of the
// same negotiation: that is what IKE implementations do on a timeout, and
// what a responder does when it sees a request again. A fresh message that
// happens to have the same length is not one.
//
// Outcome, decided at the end of the capture:
//   - established: IKEv1 quick mode completed (a third QM step, that is QM1
//     QM2 QM3), AuthIP quick mode completed likewise, IKEv2 IKE_AUTH or
//     CREATE_CHILD_SA answered without a visible error notify, or a new ESP
//     SA appeared between the pair from the first message until espSlack
//     after the last (quick mode itself is encrypted: ESP is the proof);
//   - failed: an error notify (type below 8192 for IKEv1/AuthIP, 16384 for
//     IKEv2) was seen in clear;
//   - no-response: only the initiator ever sent;
//   - incomplete: the responder answered but nothing was established by the
//     end of the capture or before a new negotiation replaced it.
//
// Fragments: a set of IKE fragment payloads (IKEv1 type 132, IKEv2 type 53)
// with a hole at the end of the capture, and an IP-fragmented message
// (reassembled by the decoder) sent twice or more without the other side
// saying anything since, are lost fragments: the message was too big for
// the path (a certificate, typically) and a firewall or router dropped its
// pieces after the capture point.

const (
	negSigs      = 8 // message signatures remembered per direction
	negExchanges = 16
	negFragSets  = 8
	negNotifies  = 8
)

// negotiation is the state of one IKE SA attempt.
type negotiation struct {
	family     ike.Family
	ispi, rspi [8]byte
	init       side // side of the initiator
	first      ref
	last       ref
	firstSnap  counters // pair counters at the first message
	messages   int
	retrans    int
	dirMsgs    [2]int // 0: from the initiator, 1: from the responder
	sigs       [2][negSigs]uint64
	nsig       [2]int
	exch       [negExchanges]exchState
	nexch      int
	notifies   [negNotifies]uint16
	nnotify    int
	errFrame   ref
	// midway: the capture's first message of the negotiation is not its
	// opening one (negotiationRoles): the other side had spoken before.
	midway bool
	// IKEv2: retryAsked is the responder's last COOKIE or
	// INVALID_KE_PAYLOAD, retried whether the initiator sent again after
	// it; redirected: the responder sent REDIRECT.
	retryAsked ref
	retried    bool
	redirected bool
	failed     bool
	est        bool
	estAt      ref
	replaced   bool
	frags      []fragSet // allocated on the first fragment
	answer     ref       // first clear answer to the initiator after first
	answerSnap counters  // pair counters at the answer
	// ipFrag follows, per direction, the IP-fragmented (reassembled)
	// messages sent since the other direction last spoke: a big message
	// (a certificate) sent again and again and never answered is lost in
	// transit, typically because a firewall drops IP fragments. Allocated
	// on the first such message: most negotiations never send one.
	ipFrag *[2]fragRun
}

// fragRun counts IP-fragmented messages of one direction not answered.
type fragRun struct {
	count  int
	frames [4]ref
	n      int
}

// exchState follows one exchange (type, message ID) of a negotiation.
// Its fields are narrow because a negotiation carries sixteen of them and a
// long capture keeps thousands of negotiations.
type exchState struct {
	typ      uint8
	lastDir  int8
	response bool // IKEv2: a response was seen
	complete bool // main mode MM6 (AuthIP: 4 steps), aggressive AM3, an answered IKEv2 exchange, quick mode QM3
	msgid    uint32
	step     int32 // direction changes: MM1..MM6 are steps 1..6
}

// fragSet follows one fragmented IKE message (IKEv1 payload 132 by
// fragment ID, IKEv2 RFC 7383 by message ID).
type fragSet struct {
	dir    int
	id     uint32
	seen   uint64 // bit n-1 for fragment n (1..64)
	last   uint16 // number of the last fragment, 0 while unknown
	first  ref
	frames [4]ref
	n      int
}

func (f *fragSet) complete() bool {
	if f.last == 0 || f.last > 64 {
		return false
	}
	want := uint64(1)<<f.last - 1
	if f.last == 64 {
		want = ^uint64(0)
	}
	return f.seen&want == want
}

// addIKE handles one ISAKMP message.
func (a *analysis) addIKE(p *pair, from side, m *decoders.Message, now ref) {
	s := &a.ike
	s.Parse(m.AppData)
	if !s.HeaderOK || s.Family == ike.FamilyUnknown {
		// Not ISAKMP after all (or mangled beyond the header): it is
		// still UDP traffic on port 500, but carries no negotiation.
		return
	}
	h := &s.Header
	if a.keepIKE {
		a.noteIKE(ikeKey{icookie: cookie(h.ISPI), rcookie: cookie(h.RSPI), msgid: h.MsgID, src: m.Src, dst: m.Dst}, now.t)
	}
	p.cnt.ike[from]++
	p.lastIKE[from] = now
	p.noteIKEInRun(from, now)
	if s.NumVendorIDs > 0 {
		a.noteVendors(m.Src, s)
	}

	n := p.findNeg(s.Family, h.ISPI)
	if n == nil {
		if len(p.negs) >= maxNegotiations || !a.charge(negCost, now.frame) {
			p.negsCut++
			return
		}
		init, midway := negotiationRoles(s, from)
		n = &negotiation{family: s.Family, ispi: h.ISPI, init: init, first: now, firstSnap: p.cnt, midway: midway}
		// A new attempt by the same initiator in the same family replaces
		// an unfinished one that was still being retried (one silent for
		// longer had simply given up).
		for i := len(p.negs) - 1; i >= 0; i-- {
			o := p.negs[i]
			if o.family == n.family && o.init == n.init {
				if !o.est && now.t.Sub(o.last.t) <= inProgress {
					o.replaced = true
				}
				break
			}
		}
		p.negs = append(p.negs, n)
		// The pair's initiator is whoever started its first negotiation;
		// a negotiation picked up in the middle only counts until one seen
		// from its start comes along.
		sure := !midway
		if p.ikeSide == noSide || (!p.ikeSure && sure) {
			p.ikeSide, p.ikeSure = init, sure
		}
	}
	wasEst := n.est
	a.addToNeg(n, s, from, m, now)
	if n.est && !wasEst {
		p.cnt.established++
	}
}

func isZero(b [8]byte) bool { return b == [8]byte{} }

// negotiationRoles reads, from the first message of a negotiation the
// capture shows (sent by from), who its initiator is and whether the
// capture picked the negotiation up midway. IKEv2 says both in its flags:
// Initiator names the original initiator, Response a reply. IKEv1 and
// AuthIP open with the responder cookie (SPI) zero, in the first message
// only; a main-mode message with an SA payload and a non-zero responder
// cookie is the responder's reply to it (message 2), so its sender is
// the responder, and so is the sender of an Informational notify before
// any cookie was chosen. Other messages picked up midway do not tell, and
// the sender is taken as initiator, unsure.
func negotiationRoles(s *ike.Summary, from side) (init side, midway bool) {
	h := &s.Header
	if s.Family == ike.FamilyV2 {
		init = from
		if h.Flags&ike.FlagInitiator == 0 {
			init = from.other()
		}
		return init, h.Flags&ike.FlagResponse != 0 || h.Exchange != ike.ExchangeSAInit
	}
	opening := h.Exchange == ike.ExchangeMain || h.Exchange == ike.AuthIPExchangeMain ||
		h.Exchange == ike.ExchangeAggressive || h.Exchange == ike.ExchangeBase || h.Exchange == ike.ExchangeAuthOnly
	switch {
	case isZero(h.RSPI) && opening:
		return from, false
	case isZero(h.RSPI) && h.Exchange == ike.ExchangeInformational:
		// A notify before any cookie was chosen answers an opening
		// message: NO-PROPOSAL-CHOSEN to main mode message 1, say.
		return from.other(), true
	}
	if h.Exchange == ike.ExchangeMain || h.Exchange == ike.AuthIPExchangeMain {
		for _, t := range s.PayloadTypes() {
			if t == ike.PayloadSA {
				return from.other(), true
			}
		}
	}
	return from, true
}

// findNeg returns the negotiation of (family, ispi), newest first.
func (p *pair) findNeg(f ike.Family, ispi [8]byte) *negotiation {
	for i := len(p.negs) - 1; i >= 0; i-- {
		if n := p.negs[i]; n.ispi == ispi && n.family == f {
			return n
		}
	}
	return nil
}

// addToNeg records one message of negotiation n.
func (a *analysis) addToNeg(n *negotiation, s *ike.Summary, from side, m *decoders.Message, now ref) {
	h := &s.Header
	dir := 0
	if from != n.init {
		dir = 1
	}
	n.last = now
	n.messages++
	n.dirMsgs[dir]++
	if isZero(n.rspi) && !isZero(h.RSPI) {
		n.rspi = h.RSPI
	}
	if n.ipFrag != nil {
		n.ipFrag[1-dir] = fragRun{} // this message answers the other side
	}
	if m.Reassembled && (n.ipFrag != nil || a.charge(ipFragCost, now.frame)) {
		if n.ipFrag == nil {
			n.ipFrag = new([2]fragRun)
		}
		f := &n.ipFrag[dir]
		f.count++
		if f.n < len(f.frames) {
			f.frames[f.n] = now
			f.n++
		}
	}
	sig := msgSig(m.AppData)
	for i := 0; i < n.nsig[dir] && i < negSigs; i++ {
		if n.sigs[dir][i] == sig {
			n.retrans++
			return
		}
	}
	n.sigs[dir][n.nsig[dir]%negSigs] = sig
	n.nsig[dir]++

	if dir == 0 && n.retryAsked.valid() && now.t.After(n.retryAsked.t) {
		n.retried = true
	}
	errNow := false
	for _, t := range s.NotifyTypes() {
		if n.family == ike.FamilyV2 && dir == 1 && (t == notifyInvalidKE || t == notifyCookie || t == notifyRedirect) {
			// Not failures: the responder asks for a retry (with its
			// cookie, or another Diffie-Hellman group) within the same
			// negotiation, or sends the initiator to another gateway.
			n.addNotify(t)
			if t == notifyRedirect {
				n.redirected = true
			} else {
				n.retryAsked, n.retried = now, false
			}
			continue
		}
		if notifyIsError(n.family, t) {
			errNow = true
			n.failed = true
			if !n.errFrame.valid() {
				n.errFrame = now
			}
			n.addNotify(t)
		}
	}
	if s.HasFragment {
		n.fragment(s, dir, now)
	}

	typ := h.Exchange
	if n.family == ike.FamilyAuthIP && typ == ike.AuthIPExchangeMain && h.MsgID != 0 {
		// [MS-AIPS] §3.4.5.1: the first quick mode rides on the main
		// mode exchange type, told apart by its non-zero message ID.
		typ = ike.AuthIPExchangeQuick
	}
	ex := n.exchange(typ, h.MsgID)
	if ex.step == 0 || int(ex.lastDir) != dir {
		ex.step++
		ex.lastDir = int8(dir)
	}
	if n.family == ike.FamilyV2 && h.Flags&ike.FlagResponse != 0 {
		ex.response = true
	}
	switch n.family {
	case ike.FamilyV1:
		switch h.Exchange {
		case ike.ExchangeMain:
			ex.complete = ex.step >= 6
		case ike.ExchangeAggressive:
			ex.complete = ex.step >= 3
		case ike.ExchangeQuick:
			if ex.step >= 3 {
				ex.complete = true
				n.establish(now)
			}
		}
	case ike.FamilyAuthIP:
		switch typ {
		case ike.AuthIPExchangeMain:
			ex.complete = ex.step >= 4
		case ike.AuthIPExchangeQuick:
			if ex.step >= 3 {
				ex.complete = true
				n.establish(now)
			}
		}
	case ike.FamilyV2:
		if ex.response && !errNow {
			ex.complete = true
			if h.Exchange == ike.ExchangeAuth || h.Exchange == ike.ExchangeCreateChildSA {
				n.establish(now)
			}
		}
	}
}

// msgSig is a 64-bit signature of a message, for telling a byte-identical
// retransmission from a new message among the last few of a negotiation.
// It mixes eight bytes at a time (multiply and fold, as in MurmurHash3's
// finalizer): IKE messages carrying certificates run to kilobytes, and
// byte-at-a-time FNV-1a over them was a visible share of the analysis.
// Like FNV it is deterministic, so a result never depends on the run.
func msgSig(b []byte) uint64 {
	h := uint64(len(b)) * 0x9e3779b97f4a7c15
	for ; len(b) >= 8; b = b[8:] {
		h = (h ^ binary.LittleEndian.Uint64(b)) * 0xff51afd7ed558ccd
		h ^= h >> 32
	}
	var t uint64
	for i, c := range b {
		t |= uint64(c) << (8 * i)
	}
	h = (h ^ t) * 0xc4ceb9fe1a85ec53
	return h ^ h>>29
}

// phase1Complete reports whether the first phase finished: main mode MM6,
// aggressive mode, AuthIP main mode or an answered IKE_SA_INIT.
func (n *negotiation) phase1Complete() bool {
	for i := 0; i < n.nexch; i++ {
		if e := &n.exch[i]; e.complete && exchangeRank(n.family, e.typ) == 1 {
			return true
		}
	}
	return false
}

func (n *negotiation) establish(now ref) {
	if !n.est {
		n.est, n.estAt = true, now
	}
}

// notifyIsError applies the error ranges of RFC 2408 §3.14.1 (IKEv1, and
// AuthIP which reuses them) and RFC 7296 §3.10.1 (IKEv2). Type 0 is not a
// notify at all.
// IKEv2 notifies that ask the initiator to retry or go elsewhere
// (RFC 7296 §3.10.1, RFC 5685).
const (
	notifyInvalidKE = 17
	notifyCookie    = 16390
	notifyRedirect  = 16407
)

func notifyIsError(f ike.Family, t uint16) bool {
	if t == 0 {
		return false
	}
	if f == ike.FamilyV2 {
		return t < 16384
	}
	return t < 8192
}

func (n *negotiation) addNotify(t uint16) {
	for i := 0; i < n.nnotify; i++ {
		if n.notifies[i] == t {
			return
		}
	}
	if n.nnotify < negNotifies {
		n.notifies[n.nnotify] = t
		n.nnotify++
	}
}

// exchange finds or makes the state of (typ, msgid); when all slots are
// taken the oldest informational-style slot is reused.
func (n *negotiation) exchange(typ uint8, msgid uint32) *exchState {
	for i := 0; i < n.nexch; i++ {
		if e := &n.exch[i]; e.typ == typ && e.msgid == msgid {
			return e
		}
	}
	i := n.nexch
	if i < negExchanges {
		n.nexch++
	} else {
		i = negExchanges - 1
	}
	n.exch[i] = exchState{typ: typ, msgid: msgid}
	return &n.exch[i]
}

// fragment records an IKE fragment payload.
func (n *negotiation) fragment(s *ike.Summary, dir int, now ref) {
	id := uint32(s.FragmentID)
	if n.family == ike.FamilyV2 {
		id = s.Header.MsgID
	}
	var f *fragSet
	for i := range n.frags {
		if x := &n.frags[i]; x.dir == dir && x.id == id {
			f = x
			break
		}
	}
	if f == nil {
		if len(n.frags) >= negFragSets {
			return
		}
		n.frags = append(n.frags, fragSet{dir: dir, id: id, first: now})
		f = &n.frags[len(n.frags)-1]
	}
	if num := s.FragmentNumber; num >= 1 && num <= 64 {
		f.seen |= 1 << (num - 1)
	}
	if n.family == ike.FamilyV2 {
		f.last = s.FragmentTotal
	} else if s.FragmentLast {
		f.last = s.FragmentNumber
	}
	if f.n < len(f.frames) {
		f.frames[f.n] = now
		f.n++
	}
}

// sideOf is the side that sends in direction dir of n: 0 from the
// initiator, 1 from the responder.
func (n *negotiation) sideOf(dir int) side {
	if dir == 1 {
		return n.init.other()
	}
	return n.init
}

// lostIPFragments returns the directions whose IP-fragmented message was
// retransmitted and never answered.
func (n *negotiation) lostIPFragments() []int {
	if n.ipFrag == nil {
		return nil
	}
	var dirs []int
	for d := range n.ipFrag {
		if n.ipFrag[d].count >= 2 {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// lostFragments returns the fragment sets that never completed.
func (n *negotiation) lostFragments() []*fragSet {
	var out []*fragSet
	for i := range n.frags {
		if !n.frags[i].complete() {
			out = append(out, &n.frags[i])
		}
	}
	return out
}

// answerNegotiations is called when the run of s is answered at now; last
// is the last packet s sent in that run. A negotiation s initiated gets its
// first answer, meaning clear traffic has been admitted since it began,
// when s sent something after the negotiation began (last), or when the
// answer came heldAnswer or more after it began: a packet sent just before
// the negotiation and held until the fallback. An answer within heldAnswer
// to a packet sent before the negotiation was already on its way, and says
// nothing about it.
func (p *pair) answerNegotiations(s side, last, now ref) {
	i := p.negWait[s]
	for ; i < len(p.negs); i++ {
		n := p.negs[i]
		if n.init != s || n.answer.valid() {
			continue
		}
		if last.t.Before(n.first.t) && now.t.Sub(n.first.t) < heldAnswer {
			break
		}
		n.answer, n.answerSnap = now, p.cnt
	}
	// Advance past the settled prefix only, so a later negotiation by the
	// other side is not skipped.
	for p.negWait[s] < len(p.negs) {
		n := p.negs[p.negWait[s]]
		if n.init == s && !n.answer.valid() {
			break
		}
		p.negWait[s]++
	}
}

// outcome decides the negotiation's result at the end of the capture.
func (n *negotiation) outcome() string {
	switch {
	case n.est:
		return result.OutcomeEstablished
	case n.failed:
		return result.OutcomeFailed
	case n.redirected:
		return result.OutcomeRedirected
	case n.family == ike.FamilyV2 && n.saInitOnly() && n.dirMsgs[1] > 0 && !isZero(n.rspi) && (!n.retryAsked.valid() || n.retried):
		// IKE_SA_INIT answered with the responder's SPI (after any
		// COOKIE or INVALID_KE retry), then nothing: the initiator did
		// not go on.
		return result.OutcomeAbandoned
	case n.dirMsgs[1] == 0 && isZero(n.rspi) && !n.midway:
		// Nothing from the responder, and no message carries the
		// responder's SPI (cookie) either: only the responder chooses
		// it, so a non-zero one proves an answer the capture missed.
		return result.OutcomeNoResponse
	}
	return result.OutcomeIncomplete
}

// exchangeRank orders exchanges by how far they get: the result names the
// furthest one reached.
func exchangeRank(f ike.Family, t uint8) int {
	switch f {
	case ike.FamilyV1:
		switch t {
		case ike.ExchangeMain, ike.ExchangeAggressive, ike.ExchangeBase, ike.ExchangeAuthOnly:
			return 1
		case ike.ExchangeTransaction:
			return 2
		case ike.ExchangeQuick, ike.ExchangeNewGroup:
			return 3
		}
	case ike.FamilyAuthIP:
		switch t {
		case ike.AuthIPExchangeMain:
			return 1
		case ike.AuthIPExchangeExtended:
			return 2
		case ike.AuthIPExchangeQuick:
			return 3
		}
	case ike.FamilyV2:
		switch t {
		case ike.ExchangeSAInit:
			return 1
		case ike.ExchangeAuth, ike.ExchangeSessionResume:
			return 2
		case ike.ExchangeCreateChildSA:
			return 3
		}
	}
	return 0
}

// exchangeShort names an exchange as the JSON does: main, quick,
// aggressive, informational, extended, notify, ike_sa_init, ike_auth…
func exchangeShort(f ike.Family, t uint8) string {
	switch f {
	case ike.FamilyV1:
		switch t {
		case ike.ExchangeBase:
			return "base"
		case ike.ExchangeMain:
			return "main"
		case ike.ExchangeAuthOnly:
			return "auth-only"
		case ike.ExchangeAggressive:
			return "aggressive"
		case ike.ExchangeInformational:
			return "informational"
		case ike.ExchangeTransaction:
			return "transaction"
		case ike.ExchangeQuick:
			return "quick"
		case ike.ExchangeNewGroup:
			return "new-group"
		}
	case ike.FamilyAuthIP:
		switch t {
		case ike.AuthIPExchangeMain:
			return "main"
		case ike.AuthIPExchangeQuick:
			return "quick"
		case ike.AuthIPExchangeExtended:
			return "extended"
		case ike.AuthIPExchangeNotify:
			return "notify"
		}
	case ike.FamilyV2:
		switch t {
		case ike.ExchangeSAInit:
			return "ike_sa_init"
		case ike.ExchangeAuth:
			return "ike_auth"
		case ike.ExchangeCreateChildSA:
			return "create_child_sa"
		case ike.ExchangeInformational2:
			return "informational"
		case ike.ExchangeSessionResume:
			return "ike_session_resume"
		}
	}
	return "exchange-" + strconv.Itoa(int(t))
}

// toResult converts the negotiation for the JSON.
func (n *negotiation) toResult(p *pair) result.Negotiation {
	r := result.Negotiation{
		Protocol:        n.family.String(),
		Initiator:       p.addr[n.init].String(),
		InitiatorSPI:    hex.EncodeToString(n.ispi[:]),
		ResponderSPI:    hex.EncodeToString(n.rspi[:]),
		Start:           result.At(n.first.t.Time()),
		End:             result.At(n.last.t.Time()),
		Seconds:         seconds(n.last.t.Sub(n.first.t)),
		Messages:        n.messages,
		Retransmissions: n.retrans,
		FromInitiator:   n.dirMsgs[0],
		FromResponder:   n.dirMsgs[1],
		Outcome:         n.outcome(),
		Notify:          []string{},
		Exchanges:       []string{},
		Replaced:        n.replaced && !n.est,
		FirstFrame:      n.first.frame,
		LastFrame:       n.last.frame,
		FragmentsLost:   len(n.lostFragments()) + len(n.lostIPFragments()),
	}
	best := -1
	for i := 0; i < n.nexch; i++ {
		e := &n.exch[i]
		name := exchangeShort(n.family, e.typ)
		if rk := exchangeRank(n.family, e.typ); rk > best {
			best, r.Exchange = rk, name
		}
		dup := false
		for _, x := range r.Exchanges {
			dup = dup || x == name
		}
		if !dup {
			r.Exchanges = append(r.Exchanges, name)
		}
	}
	for i := 0; i < n.nnotify; i++ {
		r.Notify = append(r.Notify, ike.NotifyName(n.family, n.notifies[i]))
	}
	if n.est {
		r.EstablishedSeconds = seconds(n.estAt.t.Sub(n.first.t))
	}
	return r
}

// Hosts and vendor IDs.

// host is what IKE told about one address.
type host struct {
	addr   netip.Addr
	vids   []string // raw vendor IDs, as strings for comparison
	names  []string
	winVer uint32 // highest MS NT5 ISAKMPOAKLEY version seen
	win    string // its release name
	authip bool   // sent an AuthIP capability vendor ID (Vista or later)
	extra  int
}

// noteVendors records the vendor IDs of a message sent by addr. Only a new
// vendor ID allocates.
func (a *analysis) noteVendors(addr netip.Addr, s *ike.Summary) {
	h := a.hosts[addr]
	if h == nil {
		h = &host{addr: addr}
		a.hosts[addr] = h
	}
next:
	for _, vid := range s.VendorIDs() {
		for _, v := range h.vids {
			if v == string(vid) {
				continue next
			}
		}
		if len(h.vids) >= maxHostVIDs {
			h.extra++
			continue
		}
		h.vids = append(h.vids, string(vid))
		name := ike.VendorIDName(vid)
		if ver, ok := ike.VendorIDWindowsVersion(vid); ok {
			name += " version " + strconv.FormatUint(uint64(ver), 10)
			if ver > h.winVer {
				h.winVer = ver
				h.win, _ = ike.VendorIDWindows(vid)
			}
		} else if rel, ok := ike.VendorIDWindows(vid); ok && h.win == "" {
			h.win = rel
		}
		if ike.VendorIDIsAuthIP(vid) {
			h.authip = true
		}
		h.names = append(h.names, name)
	}
}

// vistaOr2008 reports whether the host announced Windows Vista or Server
// 2008 (IPsec version 5 or 6), or AuthIP without a version: the side of KB
// 977526 that needs the hotfix.
func (h *host) vistaOr2008() bool {
	return h != nil && (h.winVer == 5 || h.winVer == 6 || (h.winVer == 0 && h.authip))
}

// xpOr2003 reports whether the host announced Windows 2000, XP or Server
// 2003: the fallback-to-clear side of KB 977526.
func (h *host) xpOr2003() bool { return h != nil && h.winVer >= 2 && h.winVer <= 4 }

// toResult converts the host for the JSON.
func (h *host) toResult() result.Host {
	r := result.Host{Addr: h.addr.String(), VendorIDs: append([]string{}, h.names...), Windows: h.win}
	switch {
	case h.win != "" && h.winVer != 0:
		r.OS = h.win + " (from vendor ID MS NT5 ISAKMPOAKLEY version " + strconv.FormatUint(uint64(h.winVer), 10) + ")"
	case h.win != "":
		r.OS = h.win + " (from vendor ID MS NT5 ISAKMPOAKLEY)"
	case h.authip:
		r.OS = "Windows Vista or later (from AuthIP vendor IDs)"
	}
	return r
}

// IP fragments of UDP datagrams: IKE messages with certificates are
// fragmented, and a fragment that never completes its datagram is a lost
// IKE message the negotiation waits for in vain.

// ipFrag is one incomplete UDP datagram.
type ipFrag struct {
	side   side
	id     uint32
	first  ref
	frames [4]ref
	n      int
}

func (a *analysis) ipFragment(p *pair, from side, m *decoders.Message, now ref) {
	if m.Proto != 17 { // UDP
		return
	}
	for i := range p.frags {
		f := &p.frags[i]
		if f.side == from && f.id == m.IPID {
			if f.n < len(f.frames) {
				f.frames[f.n] = now
				f.n++
			}
			return
		}
	}
	if len(p.frags) >= maxIPFrags || a.fragsTotal >= maxIPFragsTotal {
		p.fragsCut++
		return
	}
	a.fragsTotal++
	p.frags = append(p.frags, ipFrag{side: from, id: m.IPID, first: now, frames: [4]ref{now}, n: 1})
}

func (a *analysis) ipReassembled(p *pair, from side, m *decoders.Message) {
	for i := 0; i < len(p.frags); i++ {
		if f := &p.frags[i]; f.side == from && f.id == m.IPID {
			// Completed: forget it, keeping the order of the rest.
			p.frags = append(p.frags[:i], p.frags[i+1:]...)
			a.fragsTotal--
			i--
		}
	}
}

// saInitOnly reports whether every exchange of the IKEv2 negotiation n is
// IKE_SA_INIT.
func (n *negotiation) saInitOnly() bool {
	for i := 0; i < n.nexch; i++ {
		if n.exch[i].typ != ike.ExchangeSAInit {
			return false
		}
	}
	return n.nexch > 0
}

package analyzer

import (
	"sort"

	"softsa/analyzer/result"
)

// A pair's result is decided in three steps, once the capture has ended:
// facts (this file) gathers what the pair's state shows, without judging
// it; the rules (rules.go, and kb977526.go for the KB loop) turn the facts
// into findings; verdict (verdict.go) picks the pair's one verdict from the
// facts.

// facts is what was seen between the pair.
type facts struct {
	// init is the pair's initiator: the KB loop's unanswered side when
	// there is one, else the side that began the first negotiation, else
	// that of the first TCP SYN, else that of the first packet.
	init side
	// kbSide is the KB 977526 loop's unanswered side and cycles its
	// cycles; noSide and none when the pattern is absent.
	kbSide side
	cycles []kbCycle
	// softs are the pair's soft SAs, those of the KB cycles included.
	softs []softSA
	// ipsec: some negotiation reached an SA, or ESP flowed both ways.
	ipsec bool
	// esp: some ESP SA was tracked; negotiated: some negotiation was.
	esp, negotiated bool
	// oneWayESP: some ESP SA of three packets or more had nothing coming
	// back.
	oneWayESP bool
	// noComm: the initiator cannot communicate at all (see
	// noCommunication).
	noComm bool
	// fallback: clear traffic flowed after a negotiation that reached no
	// SA, outside any KB cycle.
	fallback bool
	// failed: some negotiation failed or was answered and never
	// established.
	failed bool
	// oneWay: the capture shows the pair in one direction only
	// (oneDirection).
	oneWay bool
	// unsettled is, when none of the pair's negotiations that did not
	// establish had given up or failed by the end of the capture, the
	// last of them; nil otherwise. waiting: the initiator of one of them
	// sent clear traffic expecting an answer.
	unsettled *negotiation
	waiting   bool
	// ended is the last IKEv2 negotiation the initiator abandoned after a
	// successful IKE_SA_INIT, or the responder redirected.
	ended *negotiation
	// host is what the hosts' logs say about the pair (hostside.go); nil
	// without host events.
	host *hostFacts
}

// factsOf gathers the facts of p, after closeRuns. It first puts p's
// history in time order, whatever order the capture delivered frames in,
// and settles which negotiations ESP established: everything after reads
// p as it then is.
func (a *analysis) factsOf(p *pair) facts {
	sort.SliceStable(p.runs, func(i, j int) bool { return p.runs[i].start.t.Before(p.runs[j].start.t) })
	sort.SliceStable(p.negs, func(i, j int) bool { return p.negs[i].first.t.Before(p.negs[j].first.t) })
	sort.SliceStable(p.sas, func(i, j int) bool { return p.sas[i].first.t.Before(p.sas[j].first.t) })
	p.settleESP()

	var f facts
	prefer := p.ikeSide
	if prefer == noSide {
		prefer = p.synSide
	}
	if prefer == noSide {
		prefer = p.firstSide
	}
	f.kbSide, f.cycles = a.matchKB(p, prefer)
	f.init = prefer
	if len(f.cycles) > 0 {
		f.init = f.kbSide
	}
	var kbSoft []softSA
	for _, c := range f.cycles {
		kbSoft = append(kbSoft, c.soft)
	}
	f.softs = p.softSAs(kbSoft)
	// Lengths on the monotonic timeline: the clock steps are all known now.
	for i := range f.cycles {
		s := &f.cycles[i].soft
		s.fix = a.clock.between(s.start.frame, s.end.frame)
	}
	for i := range f.softs {
		s := &f.softs[i]
		s.fix = a.clock.between(s.start.frame, s.end.frame)
	}

	for _, n := range p.negs {
		f.ipsec = f.ipsec || n.est
		o := n.outcome()
		f.failed = f.failed || o == result.OutcomeFailed || o == result.OutcomeIncomplete
		if o == result.OutcomeAbandoned || o == result.OutcomeRedirected {
			f.ended = n
		}
	}
	f.ipsec = f.ipsec || p.twoWayESP()
	f.esp, f.negotiated = len(p.sas) > 0, len(p.negs) > 0
	for _, sa := range p.sas {
		// The ONE_WAY_ESP finding's threshold (oneWayFinding).
		f.oneWayESP = f.oneWayESP || (sa.packets >= 3 && p.oneWay(sa))
	}
	end := stampOf(a.last)
	f.noComm = p.noCommunication(f.init, f.ipsec, f.softs, end)
	f.oneWay = p.oneDirection()
	settled := false
	for _, n := range p.negs {
		switch {
		case n.est:
		case n.settled(end):
			settled = true
		default:
			f.unsettled = n
			// Its initiator's clear traffic waits on it: the KB loop
			// or no communication, which only IKE giving up tells.
			f.waiting = f.waiting || p.lastExpect[n.init].valid()
		}
	}
	if settled {
		f.unsettled, f.waiting = nil, false
	}
	for i := range f.softs {
		f.fallback = f.fallback || !f.softs[i].kb
	}
	return f
}

// settled reports whether negotiation n had its outcome by end: it
// established, failed with an error notify, went on for ikeGiveUp (IKE
// has given up by then), or fell silent for inProgress before the end.
func (n *negotiation) settled(end stamp) bool {
	return n.est || n.failed || n.redirected || end.Sub(n.first.t) >= ikeGiveUp || end.Sub(n.last.t) >= inProgress
}

// gaveUp is when the not-established negotiation n is known to have
// failed: its error notify, or ikeGiveUp after its start, or its last
// message when it fell silent before that.
func (n *negotiation) gaveUp() stamp {
	switch {
	case n.failed && n.errFrame.valid():
		return n.errFrame.t
	case n.last.t.Sub(n.first.t) < ikeGiveUp-inProgress:
		return n.last.t
	}
	return n.first.t.Add(ikeGiveUp)
}

// noCommunication reports whether init cannot communicate at all:
// negotiations by init never reach an SA, one of them has failed (gave up
// or failed with a notify, see gaveUp) and init's clear traffic went on
// after that, and after the first of them began, init's clear traffic
// (sent then or within negLead before) is never answered.
func (p *pair) noCommunication(init side, ipsec bool, softs []softSA, end stamp) bool {
	if ipsec || len(p.negs) == 0 {
		return false
	}
	for i := range softs {
		if softs[i].side == init {
			return false
		}
	}
	var n0 *negotiation
	for _, n := range p.negs {
		if n.init == init {
			n0 = n
			break
		}
	}
	if n0 == nil || !p.lastExpect[init].valid() || p.lastExpect[init].t.Before(n0.first.t.Add(-negLead)) {
		return false
	}
	if r := p.lastClearFrom[init.other()]; r.valid() && !r.t.Before(n0.first.t) {
		return false
	}
	// Without a failed negotiation, and clear traffic still unanswered
	// after it failed, nothing yet tells this from the KB 977526 loop,
	// whose fallback comes when IKE gives up.
	for _, n := range p.negs {
		if n.init == init && n.settled(end) && !p.lastExpect[init].t.Before(n.gaveUp()) {
			return true
		}
	}
	return false
}

// oneDirection reports whether the capture shows p in one direction only:
// every packet came from one side, and its IKE proves that the other side
// spoke — a message from a negotiation's responder (IKEv2's Response
// flag), or a responder SPI, which only the responder chooses (IKEv1 and
// AuthIP cookies are zero only in the very first message). An initiator
// retransmitting to a silent peer proves nothing of the kind: that is no
// IKE response, not a one-way capture.
func (p *pair) oneDirection() bool {
	if p.sent[0] > 0 && p.sent[1] > 0 {
		return false
	}
	for _, n := range p.negs {
		if n.dirMsgs[1] > 0 || !isZero(n.rspi) || n.midway {
			return true
		}
	}
	return false
}

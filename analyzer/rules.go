package analyzer

import (
	"fmt"
	"sort"
	"strings"

	"softsa/analyzer/result"
	"softsa/decoders/ike"
)

// The rules: each turns facts of a pair (facts.go) into a finding of the
// catalog, with its confidence, summary, evidence and Wireshark filter.
// The KB 977526 rule, with its matcher and confidence model, is in
// kb977526.go.

// findings applies the rules to p and its facts f, in the order the
// findings are listed.
func (a *analysis) findings(p *pair, f *facts) []result.Finding {
	out := []result.Finding{}
	if len(f.cycles) > 0 {
		out = append(out, a.kbFinding(p, f.kbSide, f.cycles, f.host))
	}
	ncSide := noSide
	if f.noComm {
		out = append(out, a.noCommFinding(p, f.init))
		ncSide = f.init
	}
	out = append(out, a.negotiationFindings(p, f.kbSide, ncSide)...)
	if fd, ok := a.fragmentFinding(p); ok {
		out = append(out, fd)
	}
	if fd, ok := a.oneWayFinding(p); ok {
		out = append(out, fd)
	}
	if len(f.cycles) == 0 {
		// On a KB pair every fallback is part of the loop (a truncated
		// first outage included): the KB finding says it all.
		out = append(out, a.fallbackFindings(p, f.softs)...)
	}
	if !f.noComm {
		if fd, ok := a.gapFinding(p, f.cycles, f.negotiated || f.esp); ok {
			out = append(out, fd)
		}
	}
	// Problems first, informational findings after them: the order
	// renderers list them in.
	sort.SliceStable(out, func(i, j int) bool { return out[i].IsProblem() && !out[j].IsProblem() })
	return out
}

// noCommFinding reports that init cannot communicate (facts.noComm): its
// negotiations and its clear packets nobody answered.
func (a *analysis) noCommFinding(p *pair, init side) result.Finding {
	ini, resp := p.addr[init], p.addr[init.other()]
	ev := newEvidence(p, a.opts.MaxEvidence)
	var frames []int
	negs := 0
	for _, n := range p.negs {
		if n.init != init {
			continue
		}
		negs++
		frames = append(frames, n.first.frame)
		if negs > a.opts.MaxEvidence/2 {
			ev.omitted++ // leave room for the unanswered clear packets
			continue
		}
		ev.add(n.first, negSender(n, n.first), result.ProtoISAKMP, fmt.Sprintf("%s starts an %s negotiation: %s", ini, familyName(n.family), n.outcome()))
	}
	unanswered := 0
	for i := range p.runs {
		r := &p.runs[i]
		if r.kind != gapUnanswered || r.side != init {
			continue
		}
		unanswered += r.packets
		for j := 0; j < r.ev.nframes; j++ {
			frames = append(frames, r.ev.frames[j].frame)
			ev.add(r.ev.frames[j].ref, init, runFrameProto(r.ev.frames[j]), fmt.Sprintf("clear packet %s → %s, never answered", ini, resp))
		}
	}
	f := result.NewFinding(result.FindingNoCommunication)
	f.Confidence = 0.9
	f.Summary = fmt.Sprintf("no communication: %d IPsec negotiations by %s reach no SA and none of its clear traffic to %s is answered after they begin (the fallback to clear is not in effect: IKEFlags is not 0x14 on the responder?)",
		negs, ini, resp)
	if unanswered < 2 {
		f.Confidence = 0.7
	}
	f.Evidence, f.EvidenceOmitted = ev.list()
	f.WiresharkFilter = pairFilter(p) + " && (isakmp || tcp.analysis.retransmission || " + frameSet(frames) + ")"
	return f
}

// negotiationFindings reports negotiations that got no response or failed,
// leaving out those explained by a broader finding, those that may still
// be in progress at the end of the capture, and those that had a sibling
// established at the same time (Windows tries AuthIP and IKEv1 in parallel;
// the one the peer does not speak goes unanswered).
func (a *analysis) negotiationFindings(p *pair, kbSide, noCommSide side) []result.Finding {
	var noResp, failed []*negotiation
	for _, n := range p.negs {
		if n.est || n.init == kbSide || n.init == noCommSide || n.answer.valid() {
			// The negotiations of a KB loop, of a pair that cannot
			// communicate, or followed by a fallback to clear are reported
			// by those findings, whose cause they are.
			continue
		}
		if stampOf(a.last).Sub(n.first.t) < inProgress && n.retrans == 0 && !n.failed {
			continue // young and never retransmitted: may still be in progress
		}
		if !n.settled(stampOf(a.last)) && p.lastExpect[n.init].valid() {
			// Still retrying when the capture ends, with clear traffic
			// waiting on it: the inconclusive verdict says why.
			continue
		}
		if p.siblingEstablished(n) {
			continue
		}
		switch n.outcome() {
		case result.OutcomeNoResponse:
			noResp = append(noResp, n)
		case result.OutcomeFailed:
			failed = append(failed, n)
		case result.OutcomeIncomplete:
			if n.dirMsgs[0] == 0 || n.dirMsgs[1] == 0 {
				// Seen from one side only (a lone reply, a one-way
				// capture): incomplete, not a failure.
				continue
			}
			failed = append(failed, n)
		}
	}
	var out []result.Finding
	if len(noResp) > 0 {
		f := result.NewFinding(result.FindingNoIKEResponse)
		f.Confidence = 0.9
		ev := newEvidence(p, a.opts.MaxEvidence)
		msgs := 0
		for _, n := range noResp {
			msgs += n.messages
			ev.add(n.first, negSender(n, n.first), result.ProtoISAKMP, fmt.Sprintf("%s %s from %s (SPI %x): %d messages, %d retransmissions, no response",
				n.family, negExchange(n), p.addr[n.init], n.ispi[:], n.messages, n.retrans))
		}
		if msgs < 2 {
			f.Confidence = 0.6 // a single message might just have been the last one captured
		}
		n0 := noResp[0]
		f.Summary = fmt.Sprintf("%d IKE negotiations from %s got no response from %s (%d messages)",
			len(noResp), p.addr[n0.init], p.addr[n0.init.other()], msgs)
		f.Evidence, f.EvidenceOmitted = ev.list()
		f.WiresharkFilter = pairFilter(p) + " && " + ispiFilter(noResp)
		out = append(out, f)
	}
	if len(failed) > 0 {
		f := result.NewFinding(result.FindingNegotiationFailed)
		f.Confidence = 0.6
		ev := newEvidence(p, a.opts.MaxEvidence)
		var names []string
		for _, n := range failed {
			var what string
			if n.failed {
				f.Confidence = 0.95
				var ns []string
				for i := 0; i < n.nnotify; i++ {
					nm := notifyName(n, i)
					ns = append(ns, nm)
					names = appendUnique(names, nm)
				}
				what = "error notify " + strings.Join(ns, ", ")
				ev.add(n.errFrame, negSender(n, n.errFrame), result.ProtoISAKMP, fmt.Sprintf("%s %s (SPI %x) fails: %s", n.family, negExchange(n), n.ispi[:], what))
			} else {
				phase := "the first phase never completed"
				if n.phase1Complete() {
					phase = "the first phase completed, no SA followed"
				}
				ev.add(n.last, negSender(n, n.last), result.ProtoISAKMP, fmt.Sprintf("%s %s (SPI %x) answered but never established: %s (%d messages)",
					n.family, negExchange(n), n.ispi[:], phase, n.messages))
			}
		}
		n0 := failed[0]
		if len(names) > 0 {
			f.Summary = fmt.Sprintf("%d IPsec negotiations between %s and %s failed: %s",
				len(failed), p.addr[n0.init], p.addr[n0.init.other()], strings.Join(names, ", "))
		} else {
			f.Summary = fmt.Sprintf("%d IPsec negotiations between %s and %s were answered but never established",
				len(failed), p.addr[n0.init], p.addr[n0.init.other()])
		}
		f.Evidence, f.EvidenceOmitted = ev.list()
		f.WiresharkFilter = pairFilter(p) + " && " + ispiFilter(failed)
		out = append(out, f)
	}
	return out
}

func notifyName(n *negotiation, i int) string {
	return ike.NotifyName(n.family, n.notifies[i])
}

// siblingEstablished reports whether another negotiation by the same
// initiator, begun within negLead of n, reached an SA.
func (p *pair) siblingEstablished(n *negotiation) bool {
	for _, o := range p.negs {
		if o == n || !o.est || o.init != n.init {
			continue
		}
		if d := o.first.t.Sub(n.first.t); d > -negLead && d < negLead {
			return true
		}
	}
	return false
}

func negExchange(n *negotiation) string {
	best, name := -1, "?"
	for i := 0; i < n.nexch; i++ {
		if rk := exchangeRank(n.family, n.exch[i].typ); rk > best {
			best, name = rk, exchangeShort(n.family, n.exch[i].typ)
		}
	}
	if name == "main" || name == "quick" || name == "aggressive" || name == "extended" {
		name += " mode"
	}
	return name
}

// fragmentFinding reports IKE messages sent in fragments that never got
// through: IKE fragment payloads (type 132, RFC 7383) whose set has a hole;
// IP fragments of UDP datagrams on a pair that speaks IKE that were never
// reassembled; and IP-fragmented IKE messages retransmitted and never
// answered (complete where captured, lost further on).
func (a *analysis) fragmentFinding(p *pair) (result.Finding, bool) {
	ev := newEvidence(p, a.opts.MaxEvidence)
	var frames []int
	sets := 0
	for _, n := range p.negs {
		for _, fs := range n.lostFragments() {
			sets++
			from := n.sideOf(fs.dir)
			for i := 0; i < fs.n; i++ {
				frames = append(frames, fs.frames[i].frame)
				ev.add(fs.frames[i], from, result.ProtoISAKMP, fmt.Sprintf("IKE fragment from %s (%s, SPI %x, fragment ID %d): the set never completes",
					p.addr[from], n.family, n.ispi[:], fs.id))
			}
		}
	}
	ipLost, sure := 0, sets > 0
	for _, n := range p.negs {
		for _, d := range n.lostIPFragments() {
			ipLost++
			sure = true
			fr := &n.ipFrag[d]
			from := n.sideOf(d)
			for j := 0; j < fr.n; j++ {
				frames = append(frames, fr.frames[j].frame)
				// The frame that completed the datagram: Wireshark
				// shows the reassembled IKE message on it.
				ev.add(fr.frames[j], from, result.ProtoISAKMP, fmt.Sprintf("IP-fragmented %s message from %s (SPI %x), sent %d times and never answered: its fragments do not arrive",
					n.family, p.addr[from], n.ispi[:], fr.count))
			}
		}
	}
	if p.cnt.ike[0]+p.cnt.ike[1] > 0 {
		for i := range p.frags {
			fr := &p.frags[i]
			ipLost++
			for j := 0; j < fr.n; j++ {
				frames = append(frames, fr.frames[j].frame)
				// Never reassembled, so no UDP header is dissected.
				ev.add(fr.frames[j], fr.side, result.ProtoOther, fmt.Sprintf("IP fragment of a UDP datagram from %s (IP ID %d), never reassembled: an IKE message lost in transit",
					p.addr[fr.side], fr.id))
			}
		}
	}
	if sets+ipLost == 0 {
		return result.Finding{}, false
	}
	f := result.NewFinding(result.FindingIKEFragmentsLost)
	f.Confidence = 0.8
	f.Summary = fmt.Sprintf("%d fragmented IKE messages between %s and %s never completed (%d IKE fragment sets, %d IP-fragmented datagrams): large messages such as certificates are lost on the path",
		sets+ipLost, p.addr[0], p.addr[1], sets, ipLost)
	if !sure {
		f.Confidence = 0.6 // fragments of some UDP datagram: only probably IKE
	}
	f.Evidence, f.EvidenceOmitted = ev.list()
	f.WiresharkFilter = pairFilter(p) + " && " + frameSet(frames)
	return f, true
}

// oneWayFinding reports ESP SAs with traffic in one direction only.
func (a *analysis) oneWayFinding(p *pair) (result.Finding, bool) {
	var one []*espSA
	for _, sa := range p.sas {
		if sa.packets >= 3 && p.oneWay(sa) {
			one = append(one, sa)
		}
	}
	if len(one) == 0 {
		return result.Finding{}, false
	}
	ev := newEvidence(p, a.opts.MaxEvidence)
	var spis []string
	pk := 0
	for _, sa := range one {
		pk += sa.packets
		spis = append(spis, fmt.Sprintf("0x%08x", sa.spi))
		ev.add(sa.first, sa.side, result.ProtoESP, fmt.Sprintf("ESP SPI 0x%08x %s → %s: %d packets, nothing in the other direction",
			sa.spi, p.addr[sa.side], p.addr[sa.side.other()], sa.packets))
		ev.add(sa.last, sa.side, result.ProtoESP, fmt.Sprintf("last packet of ESP SPI 0x%08x", sa.spi))
	}
	s0 := one[0]
	f := result.NewFinding(result.FindingOneWayESP)
	f.Confidence = 0.8
	f.Summary = fmt.Sprintf("one-way ESP: %d SAs from %s carried %d packets with no ESP coming back from %s (the peer drops or cannot decrypt them, or the return path loses them)",
		len(one), p.addr[s0.side], pk, p.addr[s0.side.other()])
	f.Evidence, f.EvidenceOmitted = ev.list()
	f.WiresharkFilter = pairFilter(p) + " && esp.spi in {" + strings.Join(spis, ", ") + "}"
	return f, true
}

// fallbackFindings reports the soft SAs outside KB cycles.
func (a *analysis) fallbackFindings(p *pair, softs []softSA) []result.Finding {
	var ok, slow []*softSA
	for i := range softs {
		s := &softs[i]
		if s.kb {
			continue
		}
		if s.delay <= a.opts.FallbackMax {
			ok = append(ok, s)
		} else {
			slow = append(slow, s)
		}
	}
	var out []result.Finding
	mk := func(id string, list []*softSA, conf float64) result.Finding {
		ev := newEvidence(p, a.opts.MaxEvidence)
		var frames []int
		var delays []float64
		for _, s := range list {
			delays = append(delays, seconds(s.delay))
			frames = append(frames, s.neg.first.frame, s.start.frame)
			ev.add(s.neg.first, negSender(s.neg, s.neg.first), result.ProtoISAKMP, fmt.Sprintf("%s starts an %s negotiation (%s)", p.addr[s.side], familyName(s.neg.family), s.neg.outcome()))
			// The answer is a clear packet from the other side (its
			// transport is not recorded).
			ev.add(s.start, s.side.other(), "", fmt.Sprintf("clear traffic answered after %.1f s: soft SA starts (lasts %s)", seconds(s.delay), fmtSeconds(seconds(s.dur()))))
		}
		lo, hi := minMax(delays)
		s0 := list[0]
		d := fmt.Sprintf("%.1f s", lo)
		if hi-lo >= 0.05 {
			d = fmt.Sprintf("%.1f–%.1f s", lo, hi)
		}
		f := result.NewFinding(id)
		f.Confidence = conf
		if id == result.FindingFallbackOK {
			f.Summary = fmt.Sprintf("fallback to clear: %s's traffic to %s flowed in clear %s after %d negotiations that reached no SA (soft SA), with no long outage",
				p.addr[s0.side], p.addr[s0.side.other()], d, len(list))
		} else {
			f.Summary = fmt.Sprintf("slow fallback to clear: %s's traffic to %s was held %s before flowing in clear after %d negotiations that reached no SA",
				p.addr[s0.side], p.addr[s0.side.other()], d, len(list))
		}
		f.Evidence, f.EvidenceOmitted = ev.list()
		f.WiresharkFilter = pairFilter(p) + " && (isakmp || " + frameSet(frames) + ")"
		return f
	}
	if len(ok) > 0 {
		out = append(out, mk(result.FindingFallbackOK, ok, 0.9))
	}
	if len(slow) > 0 {
		out = append(out, mk(result.FindingFallbackSlow, slow, 0.6))
	}
	return out
}

// gapFinding reports long unanswered periods that no IPsec pattern
// explains: no IKE from the silent side's peer around them, not a KB
// outage, and with retransmissions (or several packets on a pair that has
// talked both ways), so that one-way protocols such as syslog are not
// reported.
//
// On a pair with no IKE and no ESP at all (ipsec false) the finding is
// informational: without IPsec nothing here is softsa's business, and
// peer-to-peer traffic is often left unanswered.
func (a *analysis) gapFinding(p *pair, cycles []kbCycle, ipsec bool) (result.Finding, bool) {
	ev := newEvidence(p, a.opts.MaxEvidence)
	var frames []int
	var secs []float64
	twoWay := p.cnt.clear[0] > 0 && p.cnt.clear[1] > 0
	for i := range p.runs {
		r := &p.runs[i]
		if r.kind != gapUnanswered || r.ikeActivity() || r.end.t.Sub(r.start.t) < a.opts.GapThreshold {
			continue
		}
		used := false
		for j := range cycles {
			used = used || cycles[j].out == r
		}
		if used || (r.retrans+r.synRetries+r.echoes == 0 && (r.packets < 3 || !twoWay)) {
			continue
		}
		secs = append(secs, r.dur())
		from, to := p.addr[r.side], p.addr[r.side.other()]
		for j := 0; j < r.ev.nframes; j++ {
			frames = append(frames, r.ev.frames[j].frame)
			what := fmt.Sprintf("%s → %s unanswered", from, to)
			switch r.ev.frames[j].what {
			case evFirst:
				what = fmt.Sprintf("gap starts: %s → %s gets no answer", from, to)
			case evEchoFirst:
				what = fmt.Sprintf("gap starts: ping (echo request) %s → %s gets no reply", from, to)
			case evEcho:
				what = fmt.Sprintf("ping %s → %s, no reply", from, to)
			case evUDPFirst:
				what = fmt.Sprintf("gap starts: UDP request %s → %s gets no reply", from, to)
			case evUDP:
				what = fmt.Sprintf("UDP request %s → %s, no reply", from, to)
			}
			ev.add(r.ev.frames[j].ref, r.side, runFrameProto(r.ev.frames[j]), what)
		}
		if r.open {
			ev.add(r.lastSend, r.side, "", fmt.Sprintf("still unanswered when the capture ends (%.0f s)", r.dur()))
		} else {
			frames = append(frames, r.end.frame)
			// A clear packet or ESP: either answers a run.
			ev.add(r.end, r.side.other(), "", fmt.Sprintf("first answer from %s after %.0f s", to, r.dur()))
		}
	}
	if len(secs) == 0 {
		return result.Finding{}, false
	}
	lo, hi := minMax(secs)
	f := result.NewFinding(result.FindingTrafficGap)
	if !ipsec {
		f = result.NewFindingWithoutIPsec(result.FindingTrafficGap)
	}
	f.Confidence = 0.5
	f.Summary = fmt.Sprintf("%d periods of %.0f–%.0f s in which clear traffic between %s and %s went unanswered, with no IPsec negotiation to explain them",
		len(secs), lo, hi, p.addr[0], p.addr[1])
	if len(secs) == 1 {
		f.Summary = fmt.Sprintf("a period of %.0f s in which clear traffic between %s and %s went unanswered, with no IPsec negotiation to explain it",
			lo, p.addr[0], p.addr[1])
	}
	f.Evidence, f.EvidenceOmitted = ev.list()
	f.WiresharkFilter = pairFilter(p) + " && (tcp.analysis.retransmission || " + frameSet(frames) + ")"
	return f, true
}

// familyName is the protocol's name as people write it in a sentence.
func familyName(f ike.Family) string {
	switch f {
	case ike.FamilyV1:
		return "IKEv1"
	case ike.FamilyAuthIP:
		return "AuthIP"
	case ike.FamilyV2:
		return "IKEv2"
	}
	return "IKE"
}

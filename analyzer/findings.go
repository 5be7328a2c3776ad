package analyzer

import (
	"fmt"
	"net/netip"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"softsa/decoders/ike"
)

// The findings catalog. IDs are a public interface, like the JSON fields.
const (
	// FindingKB977526: the fallback-to-clear loop of KB 977526 (see
	// kb977526.go).
	FindingKB977526 = "KB977526"
	// FindingFallbackOK: informational; clear traffic flowed within
	// FallbackMax of a negotiation that did not establish — the designed
	// fallback to clear (about 0.5 s when the XP/2003 side starts, about
	// 3 s to a host that does not speak IPsec).
	FindingFallbackOK = "FALLBACK_OK"
	// FindingFallbackSlow: clear traffic flowed after a failed negotiation,
	// but only after more than FallbackMax, and not in a KB 977526 cycle.
	FindingFallbackSlow = "FALLBACK_SLOW"
	// FindingNoCommunication: negotiations never reach an SA and the
	// initiator's clear traffic is never answered after they begin (in the
	// KB's words, the responder's IKEFlags is not 0x14).
	FindingNoCommunication = "NO_COMMUNICATION"
	// FindingNoIKEResponse: the responder never answered a negotiation.
	FindingNoIKEResponse = "NO_IKE_RESPONSE"
	// FindingNegotiationFailed: an error notify was seen, or the responder
	// answered but nothing was established.
	FindingNegotiationFailed = "NEGOTIATION_FAILED"
	// FindingIKEFragmentsLost: an IKE message arrived in fragments (IKE
	// fragment payloads or IP fragments) and never completed.
	FindingIKEFragmentsLost = "IKE_FRAGMENTS_LOST"
	// FindingOneWayESP: ESP flowed in one direction only.
	FindingOneWayESP = "ONE_WAY_ESP"
	// FindingTrafficGap: one side's clear traffic went unanswered for at
	// least GapThreshold, with retransmissions, and no IPsec pattern
	// explains it. Idle pauses (nobody sending) are never reported.
	FindingTrafficGap = "TRAFFIC_GAP"
)

// Finish ends the analysis and returns its result. Call it once, after the
// last Add: it consumes the Analyzer's state as it builds the result.
func (a *Analyzer) Finish() *CaptureResult {
	r := &CaptureResult{
		Frames:   a.frames,
		First:    At(a.first),
		Last:     At(a.last),
		Warnings: []string{},
		Hosts:    []Host{},
		Pairs:    []Pair{},
	}
	if a.capDropped > 0 {
		a.warnf("pair cap %d reached: %d frames of further pairs ignored, from frame %d on (raise MaxPairs or filter pairs)",
			a.opts.MaxPairs, a.capDropped, a.capFirstFrame)
	}
	if a.historySpent != 0 {
		a.warnf("history budget of %d MiB reached at frame %d: later negotiations, ESP SAs and gaps are counted but not analysed",
			historyBudget>>20, a.historySpent)
	}
	// What spends the history budget or warns is done first, pair by
	// pair in order; the rest of each pair's result is its own affair, and
	// the pairs are shared out among the processors, which have nothing
	// else left to do.
	for _, p := range a.order {
		a.closeRuns(p)
		a.capWarning(p)
	}
	clear(a.pairs) // a.order has every pair
	a.lastP = nil
	r.Pairs = make([]Pair, len(a.order))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(a.order)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(a.order) {
					return
				}
				r.Pairs[i] = a.pairResult(a.order[i])
				// Finish is the analysis' last act: letting each
				// pair's state go once its result is built keeps the
				// peak memory at the larger of the two instead of
				// their sum.
				a.order[i] = nil
			}
		})
	}
	wg.Wait()
	if a.cappedPairs > maxCapWarnings {
		a.warnf("caps reached on %d more pairs", a.cappedPairs-maxCapWarnings)
	}
	r.Warnings = append(r.Warnings, a.warnings...)
	sort.SliceStable(r.Pairs, func(i, j int) bool {
		x, y := &r.Pairs[i], &r.Pairs[j]
		if x.FirstFrame != y.FirstFrame {
			return x.FirstFrame < y.FirstFrame
		}
		if x.Initiator != y.Initiator {
			return x.Initiator < y.Initiator
		}
		return x.Responder < y.Responder
	})
	addrs := make([]netip.Addr, 0, len(a.hosts))
	for ad := range a.hosts {
		addrs = append(addrs, ad)
	}
	sort.Slice(addrs, func(i, j int) bool { return addrs[i].Less(addrs[j]) })
	for _, ad := range addrs {
		r.Hosts = append(r.Hosts, a.hosts[ad].result())
	}
	return r
}

// closeRuns ends the pair's runs still open at the end of the capture:
// they were never answered. A short one is kept too when its side was
// negotiating: it ends the soft SA before it.
func (a *Analyzer) closeRuns(p *pair) {
	for side := range p.run {
		r := &p.run[side]
		if r.open && (stampOf(a.last).Sub(r.start.t) >= recordRun || r.ikeBefore || r.ikeMsgs > 0) {
			end := r.lastSend
			end.t = stampOf(a.last)
			rec := r.record(side, end, true, p.cnt)
			if p.smb != nil {
				rec.smbFlight = p.smb.inFlight(side, 4)
			}
			a.addRun(p, rec)
		}
		r.open = false
	}
}

// capWarning names the pair if it hit a cap; a capture where hundreds hit
// one gets a line for the rest (Finish).
func (a *Analyzer) capWarning(p *pair) {
	if p.negsCut+p.sasCut+p.runsCut+p.idleCut+p.fragsCut > 0 {
		if a.cappedPairs++; a.cappedPairs <= maxCapWarnings {
			a.warnf("pair %s – %s: caps reached: %d negotiations, %d ESP SAs, %d gaps, %d idle gaps, %d fragmented datagrams not tracked",
				p.addr[0], p.addr[1], p.negsCut, p.sasCut, p.runsCut, p.idleCut, p.fragsCut)
		}
	}
}

// pairResult decides everything about one pair, after closeRuns. It reads
// the Analyzer but changes nothing in it but the pair, so that Finish can
// run it for several pairs at once.
func (a *Analyzer) pairResult(p *pair) Pair {
	// Time order, whatever order the capture delivered frames in.
	sort.SliceStable(p.runs, func(i, j int) bool { return p.runs[i].start.t.Before(p.runs[j].start.t) })
	sort.SliceStable(p.negs, func(i, j int) bool { return p.negs[i].first.t.Before(p.negs[j].first.t) })
	sort.SliceStable(p.sas, func(i, j int) bool { return p.sas[i].first.t.Before(p.sas[j].first.t) })
	p.settleESP()

	prefer := p.ikeSide
	if prefer < 0 {
		prefer = p.synSide
	}
	if prefer < 0 {
		prefer = p.firstSide
	}
	kbSide, cycles := a.matchKB(p, prefer)
	init := prefer
	if len(cycles) > 0 {
		init = kbSide
	}
	var kbSoft []softSA
	for _, c := range cycles {
		kbSoft = append(kbSoft, c.soft)
	}
	softs := p.softSAs(kbSoft)

	out := Pair{
		Initiator:    p.addr[init].String(),
		Responder:    p.addr[1-init].String(),
		Findings:     []Finding{},
		Negotiations: []Negotiation{},
		SAs:          []SA{},
		Gaps:         []Gap{},
		FirstFrame:   p.first.frame,
		LastFrame:    p.last.frame,
		First:        At(p.first.t.Time()),
		Last:         At(p.last.t.Time()),
		ClearPackets: p.cnt.clear[0] + p.cnt.clear[1],
		ClearBytes:   p.cnt.clearBytes,
		ESPPackets:   p.cnt.esp,
		IKEMessages:  p.cnt.ike[0] + p.cnt.ike[1],
	}
	for _, n := range p.negs {
		out.Negotiations = append(out.Negotiations, n.result(p))
	}
	for _, sa := range p.sas {
		out.SAs = append(out.SAs, sa.result(p))
	}
	for i := range softs {
		out.SAs = append(out.SAs, softs[i].result())
	}
	sort.SliceStable(out.SAs, func(i, j int) bool { return out.SAs[i].FirstFrame < out.SAs[j].FirstFrame })
	for i := range p.runs {
		out.Gaps = append(out.Gaps, p.runs[i].result(p))
	}
	if p.smb != nil {
		out.SMB = p.smb.result()
	}

	established := false
	for _, n := range p.negs {
		established = established || n.est
	}
	twoWay := p.twoWayESP()

	// Findings.
	if len(cycles) > 0 {
		out.Findings = append(out.Findings, a.kbFinding(p, kbSide, cycles))
	}
	noComm, ncFinding := a.noCommunication(p, init, established || twoWay, softs)
	if noComm {
		out.Findings = append(out.Findings, ncFinding)
	}
	ncSide := -1
	if noComm {
		ncSide = init
	}
	if len(cycles) == 0 {
		kbSide = -1
	}
	out.Findings = append(out.Findings, a.negotiationFindings(p, kbSide, ncSide)...)
	if f, ok := a.fragmentFinding(p); ok {
		out.Findings = append(out.Findings, f)
	}
	if f, ok := a.oneWayFinding(p); ok {
		out.Findings = append(out.Findings, f)
	}
	if len(cycles) == 0 {
		// On a KB pair every fallback is part of the loop (a truncated
		// first outage included): the KB finding says it all.
		out.Findings = append(out.Findings, a.fallbackFindings(p, softs)...)
	}
	if !noComm {
		if f, ok := a.gapFinding(p, cycles); ok {
			out.Findings = append(out.Findings, f)
		}
	}

	// Verdict: exactly one, the most specific that applies.
	fallback := false
	for i := range softs {
		fallback = fallback || !softs[i].kb
	}
	anyFailed := false
	for _, n := range p.negs {
		o := n.outcome()
		anyFailed = anyFailed || o == OutcomeFailed || o == OutcomeIncomplete
	}
	switch {
	case len(cycles) > 0:
		out.Verdict = VerdictKB977526
	case established || twoWay:
		out.Verdict = VerdictHealthyIPsec
	case len(p.sas) > 0:
		// ESP one way only and no negotiation seen completing: nothing
		// comes back.
		out.Verdict = VerdictNoCommunication
	case len(p.negs) == 0:
		out.Verdict = VerdictClearOnly
	case noComm:
		out.Verdict = VerdictNoCommunication
	case fallback:
		out.Verdict = VerdictFallbackToClear
	case anyFailed:
		out.Verdict = VerdictNegotiationFail
	default:
		out.Verdict = VerdictNoIKEResponse
	}
	return out
}

// result converts a recorded gap for the JSON.
func (r *runRec) result(p *pair) Gap {
	g := Gap{
		Kind: GapUnanswered, Start: At(r.start.t.Time()), End: At(r.end.t.Time()), Seconds: r.dur(),
		OneWayFrames: r.packets, FirstFrame: r.start.frame, EndFrame: r.end.frame, Open: r.open,
		SYNRetries: r.synRetries, Retransmissions: r.retrans, IKEMessages: r.ikeMsgs, SMBInFlight: r.smbFlight,
	}
	if r.kind == gapIdle {
		g.Kind = GapIdle
	} else {
		g.Sender = p.addr[r.side].String()
	}
	return g
}

// noCommunication: negotiations by init never reach an SA, and after the
// first of them began, init's clear traffic (sent then or within negLead
// before) is never answered.
func (a *Analyzer) noCommunication(p *pair, init int, ipsec bool, softs []softSA) (bool, Finding) {
	if ipsec || len(p.negs) == 0 {
		return false, Finding{}
	}
	for i := range softs {
		if softs[i].side == init {
			return false, Finding{}
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
		return false, Finding{}
	}
	if r := p.lastClearFrom[1-init]; r.valid() && !r.t.Before(n0.first.t) {
		return false, Finding{}
	}
	ini, resp := p.addr[init], p.addr[1-init]
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
		ev.add(n.first, negSender(n, n.first), ProtoISAKMP, fmt.Sprintf("%s starts an %s negotiation: %s", ini, familyName(n.family), n.outcome()))
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
	f := Finding{
		ID:         FindingNoCommunication,
		Confidence: 0.9,
		Summary: fmt.Sprintf("no communication: %d IPsec negotiations by %s reach no SA and none of its clear traffic to %s is answered after they begin (the fallback to clear is not in effect: IKEFlags is not 0x14 on the responder?)",
			negs, ini, resp),
	}
	if unanswered < 2 {
		f.Confidence = 0.7
	}
	f.Evidence, f.EvidenceOmitted = ev.list()
	f.WiresharkFilter = pairFilter(p) + " && (isakmp || tcp.analysis.retransmission || " + frameSet(frames) + ")"
	return true, f
}

// negotiationFindings reports negotiations that got no response or failed,
// leaving out those explained by a broader finding, those that may still
// be in progress at the end of the capture, and those that had a sibling
// established at the same time (Windows tries AuthIP and IKEv1 in parallel;
// the one the peer does not speak goes unanswered).
func (a *Analyzer) negotiationFindings(p *pair, kbSide, noCommSide int) []Finding {
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
		if p.siblingEstablished(n) {
			continue
		}
		switch n.outcome() {
		case OutcomeNoResponse:
			noResp = append(noResp, n)
		case OutcomeFailed, OutcomeIncomplete:
			failed = append(failed, n)
		}
	}
	var out []Finding
	if len(noResp) > 0 {
		f := Finding{ID: FindingNoIKEResponse, Confidence: 0.9}
		ev := newEvidence(p, a.opts.MaxEvidence)
		msgs := 0
		for _, n := range noResp {
			msgs += n.messages
			ev.add(n.first, negSender(n, n.first), ProtoISAKMP, fmt.Sprintf("%s %s from %s (SPI %x): %d messages, %d retransmissions, no response",
				n.family, negExchange(n), p.addr[n.init], n.ispi[:], n.messages, n.retrans))
		}
		if msgs < 2 {
			f.Confidence = 0.6 // a single message might just have been the last one captured
		}
		n0 := noResp[0]
		f.Summary = fmt.Sprintf("%d IKE negotiations from %s got no response from %s (%d messages)",
			len(noResp), p.addr[n0.init], p.addr[1-n0.init], msgs)
		f.Evidence, f.EvidenceOmitted = ev.list()
		f.WiresharkFilter = pairFilter(p) + " && " + ispiFilter(noResp)
		out = append(out, f)
	}
	if len(failed) > 0 {
		f := Finding{ID: FindingNegotiationFailed, Confidence: 0.6}
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
				ev.add(n.errFrame, negSender(n, n.errFrame), ProtoISAKMP, fmt.Sprintf("%s %s (SPI %x) fails: %s", n.family, negExchange(n), n.ispi[:], what))
			} else {
				phase := "the first phase never completed"
				if n.phase1Complete() {
					phase = "the first phase completed, no SA followed"
				}
				ev.add(n.last, negSender(n, n.last), ProtoISAKMP, fmt.Sprintf("%s %s (SPI %x) answered but never established: %s (%d messages)",
					n.family, negExchange(n), n.ispi[:], phase, n.messages))
			}
		}
		n0 := failed[0]
		if len(names) > 0 {
			f.Summary = fmt.Sprintf("%d IPsec negotiations between %s and %s failed: %s",
				len(failed), p.addr[n0.init], p.addr[1-n0.init], strings.Join(names, ", "))
		} else {
			f.Summary = fmt.Sprintf("%d IPsec negotiations between %s and %s were answered but never established",
				len(failed), p.addr[n0.init], p.addr[1-n0.init])
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
func (a *Analyzer) fragmentFinding(p *pair) (Finding, bool) {
	ev := newEvidence(p, a.opts.MaxEvidence)
	var frames []int
	sets := 0
	for _, n := range p.negs {
		for _, fs := range n.lostFragments() {
			sets++
			dir := n.init
			if fs.dir == 1 {
				dir = 1 - n.init
			}
			for i := 0; i < fs.n; i++ {
				frames = append(frames, fs.frames[i].frame)
				ev.add(fs.frames[i], dir, ProtoISAKMP, fmt.Sprintf("IKE fragment from %s (%s, SPI %x, fragment ID %d): the set never completes",
					p.addr[dir], n.family, n.ispi[:], fs.id))
			}
		}
	}
	ipLost, sure := 0, sets > 0
	for _, n := range p.negs {
		for _, d := range n.lostIPFragments() {
			ipLost++
			sure = true
			fr := &n.ipFrag[d]
			side := n.init
			if d == 1 {
				side = 1 - n.init
			}
			for j := 0; j < fr.n; j++ {
				frames = append(frames, fr.frames[j].frame)
				// The frame that completed the datagram: Wireshark
				// shows the reassembled IKE message on it.
				ev.add(fr.frames[j], side, ProtoISAKMP, fmt.Sprintf("IP-fragmented %s message from %s (SPI %x), sent %d times and never answered: its fragments do not arrive",
					n.family, p.addr[side], n.ispi[:], fr.count))
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
				ev.add(fr.frames[j], fr.side, ProtoOther, fmt.Sprintf("IP fragment of a UDP datagram from %s (IP ID %d), never reassembled: an IKE message lost in transit",
					p.addr[fr.side], fr.id))
			}
		}
	}
	if sets+ipLost == 0 {
		return Finding{}, false
	}
	f := Finding{
		ID:         FindingIKEFragmentsLost,
		Confidence: 0.8,
		Summary: fmt.Sprintf("%d fragmented IKE messages between %s and %s never completed (%d IKE fragment sets, %d IP-fragmented datagrams): large messages such as certificates are lost on the path",
			sets+ipLost, p.addr[0], p.addr[1], sets, ipLost),
	}
	if !sure {
		f.Confidence = 0.6 // fragments of some UDP datagram: only probably IKE
	}
	f.Evidence, f.EvidenceOmitted = ev.list()
	f.WiresharkFilter = pairFilter(p) + " && " + frameSet(frames)
	return f, true
}

// oneWayFinding reports ESP SAs with traffic in one direction only.
func (a *Analyzer) oneWayFinding(p *pair) (Finding, bool) {
	var one []*espSA
	for _, sa := range p.sas {
		if sa.packets >= 3 && p.oneWay(sa) {
			one = append(one, sa)
		}
	}
	if len(one) == 0 {
		return Finding{}, false
	}
	ev := newEvidence(p, a.opts.MaxEvidence)
	var spis []string
	pk := 0
	for _, sa := range one {
		pk += sa.packets
		spis = append(spis, fmt.Sprintf("0x%08x", sa.spi))
		ev.add(sa.first, sa.side, ProtoESP, fmt.Sprintf("ESP SPI 0x%08x %s → %s: %d packets, nothing in the other direction",
			sa.spi, p.addr[sa.side], p.addr[1-sa.side], sa.packets))
		ev.add(sa.last, sa.side, ProtoESP, fmt.Sprintf("last packet of ESP SPI 0x%08x", sa.spi))
	}
	s0 := one[0]
	f := Finding{
		ID:         FindingOneWayESP,
		Confidence: 0.8,
		Summary: fmt.Sprintf("one-way ESP: %d SAs from %s carried %d packets with no ESP coming back from %s (the peer drops or cannot decrypt them, or the return path loses them)",
			len(one), p.addr[s0.side], pk, p.addr[1-s0.side]),
	}
	f.Evidence, f.EvidenceOmitted = ev.list()
	f.WiresharkFilter = pairFilter(p) + " && esp.spi in {" + strings.Join(spis, ", ") + "}"
	return f, true
}

// fallbackFindings reports the soft SAs outside KB cycles.
func (a *Analyzer) fallbackFindings(p *pair, softs []softSA) []Finding {
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
	var out []Finding
	mk := func(id string, list []*softSA, conf float64, info bool) Finding {
		ev := newEvidence(p, a.opts.MaxEvidence)
		var frames []int
		var delays []float64
		for _, s := range list {
			delays = append(delays, seconds(s.delay))
			frames = append(frames, s.neg.first.frame, s.start.frame)
			ev.add(s.neg.first, negSender(s.neg, s.neg.first), ProtoISAKMP, fmt.Sprintf("%s starts an %s negotiation (%s)", p.addr[s.side], familyName(s.neg.family), s.neg.outcome()))
			// The answer is a clear packet from the other side (its
			// transport is not recorded).
			ev.add(s.start, 1-s.side, "", fmt.Sprintf("clear traffic answered after %.1f s: soft SA starts (lasts %s)", seconds(s.delay), fmtSeconds(seconds(s.dur()))))
		}
		lo, hi := minMax(delays)
		s0 := list[0]
		d := fmt.Sprintf("%.1f s", lo)
		if hi-lo >= 0.05 {
			d = fmt.Sprintf("%.1f–%.1f s", lo, hi)
		}
		f := Finding{ID: id, Confidence: conf, Informational: info}
		if info {
			f.Summary = fmt.Sprintf("fallback to clear: %s's traffic to %s flowed in clear %s after %d negotiations that reached no SA (soft SA), with no long outage",
				p.addr[s0.side], p.addr[1-s0.side], d, len(list))
		} else {
			f.Summary = fmt.Sprintf("slow fallback to clear: %s's traffic to %s was held %s before flowing in clear after %d negotiations that reached no SA",
				p.addr[s0.side], p.addr[1-s0.side], d, len(list))
		}
		f.Evidence, f.EvidenceOmitted = ev.list()
		f.WiresharkFilter = pairFilter(p) + " && (isakmp || " + frameSet(frames) + ")"
		return f
	}
	if len(ok) > 0 {
		out = append(out, mk(FindingFallbackOK, ok, 0.9, true))
	}
	if len(slow) > 0 {
		out = append(out, mk(FindingFallbackSlow, slow, 0.6, false))
	}
	return out
}

// gapFinding reports long unanswered periods that no IPsec pattern
// explains: no IKE from the silent side's peer around them, not a KB
// outage, and with retransmissions (or several packets on a pair that has
// talked both ways), so that one-way protocols such as syslog are not
// reported.
func (a *Analyzer) gapFinding(p *pair, cycles []kbCycle) (Finding, bool) {
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
		if used || (r.retrans+r.synRetries == 0 && (r.packets < 3 || !twoWay)) {
			continue
		}
		secs = append(secs, r.dur())
		from, to := p.addr[r.side], p.addr[1-r.side]
		for j := 0; j < r.ev.nframes; j++ {
			frames = append(frames, r.ev.frames[j].frame)
			what := fmt.Sprintf("%s → %s unanswered", from, to)
			if r.ev.frames[j].what == evFirst {
				what = fmt.Sprintf("gap starts: %s → %s gets no answer", from, to)
			}
			ev.add(r.ev.frames[j].ref, r.side, runFrameProto(r.ev.frames[j]), what)
		}
		if r.open {
			ev.add(r.lastSend, r.side, "", fmt.Sprintf("still unanswered when the capture ends (%.0f s)", r.dur()))
		} else {
			frames = append(frames, r.end.frame)
			// A clear packet or ESP: either answers a run.
			ev.add(r.end, 1-r.side, "", fmt.Sprintf("first answer from %s after %.0f s", to, r.dur()))
		}
	}
	if len(secs) == 0 {
		return Finding{}, false
	}
	lo, hi := minMax(secs)
	f := Finding{
		ID:         FindingTrafficGap,
		Confidence: 0.5,
		Summary: fmt.Sprintf("%d periods of %.0f–%.0f s in which clear traffic between %s and %s went unanswered, with no IPsec negotiation to explain them",
			len(secs), lo, hi, p.addr[0], p.addr[1]),
	}
	if len(secs) == 1 {
		f.Summary = fmt.Sprintf("a period of %.0f s in which clear traffic between %s and %s went unanswered, with no IPsec negotiation to explain it",
			lo, p.addr[0], p.addr[1])
	}
	f.Evidence, f.EvidenceOmitted = ev.list()
	f.WiresharkFilter = pairFilter(p) + " && (tcp.analysis.retransmission || " + frameSet(frames) + ")"
	return f, true
}

// Evidence lists and Wireshark filters.

// evidence collects at most max entries of one pair and counts the rest.
type evidence struct {
	addr    [2]netip.Addr
	max     int
	items   []Evidence
	omitted int
}

func newEvidence(p *pair, max int) *evidence { return &evidence{addr: p.addr, max: max} }

// add lists frame r, sent by side (-1: not known) and carrying proto (one
// of the Proto* constants, "" when not known).
func (e *evidence) add(r ref, side int, proto, what string) {
	if !r.valid() {
		return
	}
	if len(e.items) >= e.max {
		e.omitted++
		return
	}
	if r.proto != protoNone {
		side, proto = int(r.side), protoNames[r.proto]
	}
	ev := Evidence{Frame: r.frame, Time: At(r.t.Time()), Proto: proto, What: what}
	if side == 0 || side == 1 {
		ev.Src = e.addr[side].String()
	}
	e.items = append(e.items, ev)
}

var protoNames = [...]string{protoISAKMP: ProtoISAKMP, protoESP: ProtoESP, protoTCP: ProtoTCP, protoUDP: ProtoUDP, protoOther: ProtoOther}

// Without a sender and protocol in the ref (a ref not taken in Add), the
// helpers below tell them where the state says so for certain.

// negSender returns the side that sent msg, one of n's messages, or -1 when
// that is not known: any message when only one side ever sent, and the
// first message in IKEv1 and AuthIP, whose sender is the initiator by
// definition (in IKEv2 the I flag says who the initiator is, and the first
// message captured may be the responder's).
func negSender(n *negotiation, msg ref) int {
	switch {
	case n.dirMsgs[1] == 0:
		return n.init
	case n.dirMsgs[0] == 0:
		return 1 - n.init
	case msg.frame == n.first.frame && n.family != ike.FamilyV2:
		return n.init
	}
	return -1
}

// runFrameProto is the protocol of a run's evidence frame: SYN retries and
// retransmissions are TCP and IKE messages ISAKMP; the first unanswered
// packet can be any clear packet, whose transport is not recorded.
func runFrameProto(e evRef) string {
	switch e.what {
	case evSYNRetry, evRetrans:
		return ProtoTCP
	case evIKE:
		return ProtoISAKMP
	}
	return ""
}

// list returns the entries in frame order.
func (e *evidence) list() ([]Evidence, int) {
	sort.SliceStable(e.items, func(i, j int) bool { return e.items[i].Frame < e.items[j].Frame })
	if e.items == nil {
		e.items = []Evidence{}
	}
	return e.items, e.omitted
}

// pairFilter selects the pair's frames in Wireshark.
func pairFilter(p *pair) string {
	f := "ip.addr"
	if p.ipVersion6 {
		f = "ipv6.addr"
	}
	return f + "==" + p.addr[0].String() + " && " + f + "==" + p.addr[1].String()
}

// maxFilterFrames bounds the frame list of one filter, which Wireshark
// must parse.
const maxFilterFrames = 200

// frameSet is "frame.number in {1, 2, 3}" (Wireshark 4 wants commas).
func frameSet(frames []int) string {
	fs := sortedUnique(frames)
	if len(fs) == 0 {
		return "frame.number in {0}"
	}
	if len(fs) > maxFilterFrames {
		fs = fs[:maxFilterFrames]
	}
	var b strings.Builder
	b.WriteString("frame.number in {")
	for i, f := range fs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(f))
	}
	b.WriteString("}")
	return b.String()
}

// ispiFilter selects negotiations by initiator cookie/SPI.
func ispiFilter(negs []*negotiation) string {
	var parts []string
	for _, n := range negs {
		var b strings.Builder
		for i, c := range n.ispi {
			if i > 0 {
				b.WriteByte(':')
			}
			fmt.Fprintf(&b, "%02x", c)
		}
		parts = appendUnique(parts, "isakmp.ispi == "+b.String())
		if len(parts) >= 32 {
			break
		}
	}
	return "(" + strings.Join(parts, " || ") + ")"
}

func sortedUnique(xs []int) []int {
	out := append([]int(nil), xs...)
	sort.Ints(out)
	j := 0
	for i, x := range out {
		if x == 0 || (i > 0 && x == out[i-1]) {
			continue
		}
		out[j] = x
		j++
	}
	return out[:j]
}

func appendUnique(xs []string, s string) []string {
	for _, x := range xs {
		if x == s {
			return xs
		}
	}
	return append(xs, s)
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

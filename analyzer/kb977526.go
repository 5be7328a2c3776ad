package analyzer

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"softsa/analyzer/result"
)

// The KB 977526 matcher.
//
// A cycle is an outage followed by a soft SA, all on the same side s (the
// initiator whose traffic is not answered):
//   - the outage is a recorded unanswered run of s, closed by a clear reply
//     from the other side, whose length (first unanswered clear packet to the
//     first clear reply) lies inside Options.OutageWindow;
//   - s sent IKE or AuthIP messages during the outage or within negLead
//     before it, and no negotiation of the pair reached an SA and no ESP
//     flowed during it;
//   - a soft SA follows: it starts at that reply and ends where sa.go says
//     (at the next outage with new IKE, a new failed negotiation or new ESP,
//     or at the capture's last clear packet), and no ESP flows and
//     no negotiation is established during it.
//
// A cycle may also be "held" (see heldCycles): no clear packet of the
// initiator is on the wire during the negotiation at all, and the outage
// runs from the negotiation's start to the first answered clear packet.
//
// Cycles are found for both sides and the side with more wins. One cycle is
// already reported, but below 0.5 confidence with a summary saying the
// capture may be too short for a second; from MinCycles on the finding is
// confident.
//
// Confidence: a base from the number of cycles (1: 0.30, 2: 0.60, 3: 0.70,
// 4 or more: 0.75); up to +0.10 as the mean outage nears ExpectedOutage
// (nothing at 15 s away); up to +0.05 when the closed soft SAs are regular
// (coefficient of variation 0, nothing from 0.5 on); +0.05 each when the
// initiator's vendor IDs say Vista/2008 and the responder's XP/2003, -0.10
// each when they say the opposite; +0.05 when every outage shows the
// initiator retransmitting clear TCP or pinging again; -0.10 when some outages are held;
// up to +0.10 for the share of outages in which the initiator's own log
// shows a main-mode authentication failure (hostside.go).
// Clamped to [0.05, 0.99], and to 0.45 below MinCycles.

// kbCycle is one matched cycle.
type kbCycle struct {
	out  *runRec
	soft softSA
}

// matchKB returns the side whose traffic goes unanswered in a KB 977526
// loop, and its cycles (none when the pattern is absent).
func (a *analysis) matchKB(p *pair, prefer side) (side, []kbCycle) {
	best, bestSide := []kbCycle(nil), noSide
	for _, s := range [2]side{prefer, prefer.other()} {
		if !s.known() {
			continue
		}
		c := a.kbCycles(p, s)
		if len(c) > len(best) {
			best, bestSide = c, s
		}
	}
	return bestSide, best
}

// kbCycles finds the cycles in which init is the side not answered.
func (a *analysis) kbCycles(p *pair, init side) []kbCycle {
	lo, hi := a.opts.OutageWindow[0], a.opts.OutageWindow[1]
	var out []kbCycle
	for i := range p.runs {
		r := &p.runs[i]
		if r.kind != gapUnanswered || r.side != init || r.open || !r.ikeActivity() {
			continue
		}
		if d := r.end.t.Sub(r.start.t); d < lo || d > hi {
			continue
		}
		if r.snapEnd.esp != r.snapStart.esp || r.snapEnd.established != r.snapStart.established {
			continue
		}
		s := softSA{side: init, start: r.end, startSnap: r.snapEnd, kb: true, delay: r.end.t.Sub(r.start.t)}
		s.end, s.endSnap, s.open = p.softEnd(init, r.end)
		if s.endSnap.esp != r.snapStart.esp || s.endSnap.established != r.snapStart.established {
			continue // IPsec took over: a slow but working negotiation
		}
		out = append(out, kbCycle{out: r, soft: s})
	}
	return a.heldCycles(p, init, out)
}

// heldCycles adds the cycles whose outage is not on the wire: when the
// initiator's IPsec layer holds its clear packets during the negotiation
// instead of sending them (a capture taken on the initiator below IPsec, or
// a stack that queues rather than sends in parallel), nothing goes
// unanswered; all the capture shows is a negotiation, no clear packet from
// the initiator, and a minute later clear traffic that flows. Such a cycle
// counts when the negotiation did not establish, was still retrying within
// heldIKEGap of the first answered clear packet, the initiator sent at most
// heldPackets clear packets in between (the one answered among them), no ESP
// flowed, and the delay lies inside OutageWindow. Its outage runs from the
// negotiation's first message to the answer.
func (a *analysis) heldCycles(p *pair, init side, regular []kbCycle) []kbCycle {
	lo, hi := a.opts.OutageWindow[0], a.opts.OutageWindow[1]
	out := regular
	lastEnd := stamp(math.MinInt64)
	for _, n := range p.negs {
		if n.init != init || n.est || !n.answer.valid() || !n.answer.t.After(lastEnd) {
			continue
		}
		d := n.answer.t.Sub(n.first.t)
		if d < lo || d > hi || n.answer.t.Sub(n.last.t) > heldIKEGap ||
			n.answerSnap.clear[init]-n.firstSnap.clear[init] > heldPackets ||
			n.answerSnap.esp != n.firstSnap.esp || n.answerSnap.established != n.firstSnap.established {
			continue
		}
		overlap := false
		for i := range regular {
			r := regular[i].out
			overlap = overlap || (!n.first.t.After(r.end.t) && !n.answer.t.Before(r.start.t))
		}
		if overlap {
			continue
		}
		r := &runRec{kind: gapUnanswered, side: init, start: n.first, end: n.answer,
			held: true, ikeMsgs: n.dirMsgs[0], snapStart: n.firstSnap, snapEnd: n.answerSnap,
			packets: n.answerSnap.clear[init] - n.firstSnap.clear[init], ev: &runEvidence{},
			fix: a.clock.between(n.first.frame, n.answer.frame)}
		r.ev.ikeFrames[0], r.ev.nike = evRef{n.first, evIKE}, 1
		s := softSA{side: init, start: n.answer, startSnap: n.answerSnap, kb: true, delay: d}
		s.end, s.endSnap, s.open = p.softEnd(init, n.answer)
		if s.endSnap.esp != n.firstSnap.esp || s.endSnap.established != n.firstSnap.established {
			continue
		}
		out = append(out, kbCycle{out: r, soft: s})
		lastEnd = s.end.t
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].out.start.t.Before(out[j].out.start.t) })
	return out
}

// kbFinding builds the KB977526 finding.
func (a *analysis) kbFinding(p *pair, init side, cycles []kbCycle, host *hostFacts) result.Finding {
	ini, resp := p.addr[init], p.addr[init.other()]
	n := len(cycles)
	var outs []float64
	var softs []float64
	allRetrans := true
	for i := range cycles {
		c := &cycles[i]
		outs = append(outs, c.out.dur())
		if !c.soft.open {
			softs = append(softs, seconds(c.soft.dur()))
		}
		if c.out.retrans+c.out.synRetries+c.out.echoes == 0 {
			allRetrans = false // pinging or querying again counts as retrying
		}
	}
	conf := 0.30
	switch {
	case n >= 4:
		conf = 0.75
	case n == 3:
		conf = 0.70
	case n == 2:
		conf = 0.60
	}
	exp := seconds(a.opts.ExpectedOutage)
	mean := 0.0
	for _, o := range outs {
		mean += math.Abs(o - exp)
	}
	mean /= float64(n)
	conf += 0.10 * (1 - math.Min(1, mean/15))
	if len(softs) >= 2 {
		conf += 0.05 * (1 - math.Min(1, cv(softs)/0.5))
	}
	hi, hr := a.hosts[ini], a.hosts[resp]
	var why []string
	switch {
	case hi.vistaOr2008():
		conf += 0.05
		why = append(why, fmt.Sprintf("%s announces %s", ini, hostRelease(hi)))
	case hi.xpOr2003():
		conf -= 0.10
	}
	switch {
	case hr.xpOr2003():
		conf += 0.05
		why = append(why, fmt.Sprintf("%s announces %s", resp, hostRelease(hr)))
	case hr.vistaOr2008():
		conf -= 0.10
	}
	held := 0
	for i := range cycles {
		if cycles[i].out.held {
			held++
		}
	}
	if allRetrans {
		conf += 0.05
	}
	if held > 0 {
		// The outage is inferred from the negotiation alone.
		conf -= 0.10
	}
	// Windows' own word for the KB precondition (hostside.go).
	if host != nil && host.authOutages > 0 {
		conf += 0.10 * float64(host.authOutages) / float64(n)
	}
	conf = math.Max(0.05, math.Min(0.99, conf))
	if n < a.opts.MinCycles {
		conf = math.Min(conf, 0.45)
	}

	var sum strings.Builder
	minO, maxO := minMax(outs)
	if n == 1 {
		fmt.Fprintf(&sum, "KB 977526 pattern, one cycle only: %s's clear traffic to %s went unanswered for %.0f s while it negotiated IPsec without reaching an SA, then flowed in clear without ESP (soft SA)",
			ini, resp, outs[0])
	} else {
		fmt.Fprintf(&sum, "KB 977526 loop: %d outages of %.0f–%.0f s while %s negotiated IPsec with %s without reaching an SA, each followed by clear traffic without ESP (soft SA)",
			n, minO, maxO, ini, resp)
	}
	if len(softs) > 0 {
		lo, hi := minMax(softs)
		if len(softs) == 1 {
			fmt.Fprintf(&sum, " lasting %s", fmtSeconds(lo))
		} else {
			fmt.Fprintf(&sum, " lasting %s–%s", fmtSeconds(lo), fmtSeconds(hi))
		}
	}
	if len(why) > 0 {
		sum.WriteString("; " + strings.Join(why, ", "))
	}
	if held > 0 {
		fmt.Fprintf(&sum, "; in %d of the outages none of %s's clear packets reached the wire (held by IPsec during the negotiation)", held, ini)
	}
	if host != nil && host.authOutages > 0 {
		fmt.Fprintf(&sum, "; Windows on %s logs main-mode authentication failures in %d of %d outages (%s), as KB 977526 expects of an initiator without a valid IPsec certificate",
			ini, host.authOutages, n, strings.Join(host.authNames, ", "))
	}
	if n < a.opts.MinCycles {
		if n == 1 {
			sum.WriteString("; the capture may be too short for a second cycle")
		} else {
			fmt.Fprintf(&sum, "; fewer than %d cycles: the capture may be too short", a.opts.MinCycles)
		}
	}

	f := result.NewFinding(result.FindingKB977526)
	f.Confidence, f.Summary = round2(conf), sum.String()
	// Evidence is shared out between the cycles so that the last ones are
	// not crowded out by the first: each cycle lists its key frames (start,
	// first IKE, reply, end of the soft SA) first, then retransmissions and
	// further IKE messages as its share allows.
	ev := newEvidence(p, a.opts.MaxEvidence)
	share := max(4, a.opts.MaxEvidence/n)
	starts := map[int]bool{}
	for i := range cycles {
		starts[cycles[i].out.start.frame] = true
	}
	var all []int
	for i := range cycles {
		c := &cycles[i]
		r := c.out
		k := i + 1
		type item struct {
			r     ref
			from  side
			proto string
			what  string
		}
		var key, more []item
		var frames []int
		for j := 0; j < r.ev.nframes; j++ {
			e := r.ev.frames[j]
			frames = append(frames, e.frame)
			switch e.what {
			case evFirst:
				key = append(key, item{e.ref, init, runFrameProto(e), fmt.Sprintf("outage %d starts: clear packet %s → %s gets no answer", k, ini, resp)})
			case evEchoFirst:
				key = append(key, item{e.ref, init, runFrameProto(e), fmt.Sprintf("outage %d starts: ping (echo request) %s → %s gets no reply", k, ini, resp)})
			case evEcho:
				more = append(more, item{e.ref, init, runFrameProto(e), fmt.Sprintf("outage %d: %s pings again, no reply", k, ini)})
			case evUDPFirst:
				key = append(key, item{e.ref, init, runFrameProto(e), fmt.Sprintf("outage %d starts: UDP request %s → %s gets no reply", k, ini, resp)})
			case evUDP:
				more = append(more, item{e.ref, init, runFrameProto(e), fmt.Sprintf("outage %d: %s asks again over UDP, no reply", k, ini)})
			case evSYNRetry:
				more = append(more, item{e.ref, init, runFrameProto(e), fmt.Sprintf("outage %d: %s retransmits its SYN, unanswered", k, ini)})
			default:
				more = append(more, item{e.ref, init, runFrameProto(e), fmt.Sprintf("outage %d: %s retransmits data, unanswered", k, ini)})
			}
		}
		for j := 0; j < r.ev.nike; j++ {
			frames = append(frames, r.ev.ikeFrames[j].frame)
			what := fmt.Sprintf("outage %d: IKE from %s, no SA is reached", k, ini)
			if r.held {
				what = fmt.Sprintf("outage %d starts: %s negotiates, and no clear packet of it appears until the soft SA", k, ini)
			}
			// The IKE frames of a run are its side's own messages;
			// a held cycle's is its negotiation's first message.
			from := init
			if r.held {
				from = heldSender(p, init, r.ev.ikeFrames[j].ref)
			}
			it := item{r.ev.ikeFrames[j].ref, from, result.ProtoISAKMP, what}
			if j == 0 {
				key = append(key, it)
			} else {
				more = append(more, it)
			}
		}
		frames = append(frames, r.end.frame)
		// A clear reply (ESP would have ruled the cycle out).
		key = append(key, item{r.end, init.other(), "", fmt.Sprintf("outage %d ends after %.1f s: first clear reply from %s; soft SA starts", k, r.dur(), resp)})
		cy := result.Cycle{
			OutageStart: result.At(r.start.t.Time()), OutageEnd: result.At(r.end.t.Time()), OutageSeconds: r.dur(),
			SoftSAStart: result.At(c.soft.start.t.Time()), SoftSAEnd: result.At(c.soft.end.t.Time()), SoftSASeconds: seconds(c.soft.dur()),
			OutageFirstFrame: r.start.frame, OutageEndFrame: r.end.frame, SoftSAEndFrame: c.soft.end.frame,
			SoftSAOpen: c.soft.open, IKEMessages: r.ikeMsgs, Retransmissions: r.retrans + r.synRetries,
		}
		if e := c.soft.end; e.valid() && e.frame != r.end.frame {
			frames = append(frames, e.frame)
			from, proto := p.softEndFrame(init, e)
			switch {
			case c.soft.open:
				key = append(key, item{e, from, proto, fmt.Sprintf("capture ends during soft SA %d (at least %s)", k, fmtSeconds(cy.SoftSASeconds))})
			case starts[e.frame]:
				// The next cycle's "outage starts" entry says it.
			default:
				key = append(key, item{e, from, proto, fmt.Sprintf("soft SA %d ends after %s: traffic stops again", k, fmtSeconds(cy.SoftSASeconds))})
			}
		}
		for j, it := range append(key, more...) {
			if j >= share {
				ev.omitted++
				continue
			}
			ev.add(it.r, it.from, it.proto, it.what)
		}
		cy.Frames = sortedUnique(frames)
		all = append(all, cy.Frames...)
		f.Cycles = append(f.Cycles, cy)
	}
	f.Evidence, f.EvidenceOmitted = ev.list()
	f.WiresharkFilter = pairFilter(p) + " && (isakmp || tcp.analysis.retransmission || " + frameSet(all) + ")"
	return f
}

// heldSender is the sender of the first message of init's negotiation that
// a held cycle cites (noSide when not known).
func heldSender(p *pair, init side, msg ref) side {
	for _, n := range p.negs {
		if n.init == init && n.first.frame == msg.frame {
			return negSender(n, msg)
		}
	}
	return noSide
}

// softEndFrame tells who sent the frame e that ends a soft SA of init, and
// its protocol, from the events softEnd chooses among: the first packet of
// init's next outage, the first message of a negotiation, the first packet
// of an ESP SA, or the pair's last clear packet. ("" and noSide when not
// known.)
func (p *pair) softEndFrame(init side, e ref) (side, string) {
	for i := range p.runs {
		if r := &p.runs[i]; r.kind == gapUnanswered && r.side == init && r.start.frame == e.frame {
			return init, ""
		}
	}
	for _, n := range p.negs {
		if n.first.frame == e.frame {
			return negSender(n, e), result.ProtoISAKMP
		}
	}
	for _, sa := range p.sas {
		if sa.first.frame == e.frame {
			return sa.side, result.ProtoESP
		}
	}
	for s := range p.lastClearFrom {
		if p.lastClearFrom[s].frame == e.frame {
			return side(s), ""
		}
	}
	return noSide, ""
}

func hostRelease(h *host) string {
	if h.win != "" {
		return h.win
	}
	return "Windows Vista or later"
}

// cv is the coefficient of variation of xs.
func cv(xs []float64) float64 {
	mean := 0.0
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if mean <= 0 {
		return 0
	}
	v := 0.0
	for _, x := range xs {
		v += (x - mean) * (x - mean)
	}
	return math.Sqrt(v/float64(len(xs))) / mean
}

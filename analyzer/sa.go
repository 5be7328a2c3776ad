package analyzer

import (
	"fmt"
	"sort"
	"time"

	"softsa/analyzer/result"
	"softsa/decoders"
)

// Security associations.
//
// A hard SA is what ESP shows: one SPI in one direction, with its first and
// last packet, packet and byte counts and what its sequence numbers did.
// Quick mode is encrypted, so which two SPIs form a pair cannot be read; an
// SA is called one-way when no ESP at all flowed in the other direction of
// the pair while it was in use (widened by oneWayOverlap on both sides).
//
// A soft SA is not on the wire: it is the state in which Windows lets clear
// traffic through after a negotiation failed or went unanswered. softsa
// infers it from the clear traffic:
//   - it starts with the first answered clear packet after a negotiation
//     that did not establish (the first packet from the other side that
//     answers clear traffic the initiator sent after the negotiation began),
//     or, in a KB 977526 cycle, with the responder's first clear reply
//     after the outage;
//   - it ends where the next "silence that coincides with new negotiation
//     activity" begins: at the first unanswered packet of the same
//     initiator's next outage (an unanswered run with IKE from it during or
//     just before the run), at the first message of another negotiation that
//     did not establish (it leads to a new soft SA, or nothing of the
//     initiator got through after it), or at the first packet of a new ESP
//     SA; failing
//     all of those, at the pair's last clear packet (the soft SA is then
//     open at the end of the capture). So consecutive cycles tile the
//     timeline: a soft SA ends where the next outage starts. The moment the
//     soft SA really expired lies somewhere in the silence before.

// espSA is one ESP SPI in one direction.
type espSA struct {
	side     side
	spi      uint32
	first    ref
	last     ref
	snap     counters // pair counters at the first packet
	packets  int
	bytes    int
	lastSeq  uint32
	gaps     int
	restarts int
	reorder  int
	udp      bool
}

// addESP handles one ESP packet.
func (a *analysis) addESP(p *pair, from side, m *decoders.Message, now ref) {
	other := from.other()
	if p.run[other].open {
		a.closeRun(p, other, now, false)
	}
	spi := m.ESP.SPI
	sa := p.lastSA[from]
	if sa == nil || sa.spi != spi {
		sa = nil
		for i := len(p.sas) - 1; i >= 0; i-- {
			if x := p.sas[i]; x.spi == spi && x.side == from {
				sa = x
				break
			}
		}
		if sa == nil {
			if len(p.sas) >= maxSAs || !a.charge(saCost, now.frame) {
				p.sasCut++
				p.cnt.esp++
				return
			}
			sa = &espSA{side: from, spi: spi, first: now, snap: p.cnt, lastSeq: m.ESP.Seq, udp: m.UDPEncap}
			p.sas = append(p.sas, sa)
		}
		p.lastSA[from] = sa
	}
	p.cnt.esp++
	seq := m.ESP.Seq
	if sa.packets > 0 {
		switch d := seq - sa.lastSeq; {
		case d == 1:
			sa.lastSeq = seq
		case d != 0 && d < 1<<31:
			// Forward jump: the packets in between were lost or not
			// captured. A jump of millions is a restart, not a loss.
			if d > 1<<20 {
				sa.restarts++
			} else {
				sa.gaps += int(d - 1)
			}
			sa.lastSeq = seq
		default:
			// Backwards (or repeated): a new SA reusing the SPI starts
			// again at 1; anything else is reordering or a duplicate.
			if seq <= 2 || sa.lastSeq-seq > 1<<16 {
				sa.restarts++
				sa.lastSeq = seq
			} else {
				sa.reorder++
			}
		}
	}
	sa.packets++
	sa.bytes += m.WireLen
	sa.last = now
}

// oneWay reports whether no ESP flowed in the other direction while sa was
// in use.
func (p *pair) oneWay(sa *espSA) bool {
	lo, hi := sa.first.t.Add(-oneWayOverlap), sa.last.t.Add(oneWayOverlap)
	for _, x := range p.sas {
		if x.side != sa.side && !x.last.t.Before(lo) && !x.first.t.After(hi) {
			return false
		}
	}
	return true
}

// twoWayESP reports whether ESP flowed in both directions at some time.
func (p *pair) twoWayESP() bool {
	for _, sa := range p.sas {
		if sa.packets > 0 && !p.oneWay(sa) {
			return true
		}
	}
	return false
}

// settleESP marks negotiations established by a new ESP SA that follows
// them (see ike.go).
func (p *pair) settleESP() {
	for _, n := range p.negs {
		if n.est {
			continue
		}
		hi := n.last.t.Add(espSlack)
		for _, sa := range p.sas {
			if !sa.first.t.Before(n.first.t) && !sa.first.t.After(hi) {
				n.est, n.estAt = true, sa.first
				break
			}
		}
	}
}

// softSA is an inferred soft SA.
type softSA struct {
	side      side // the initiator whose clear traffic is admitted
	neg       *negotiation
	start     ref
	startSnap counters
	end       ref
	endSnap   counters
	open      bool
	delay     time.Duration // from the negotiation's start to the first answer
	kb        bool          // built from a KB 977526 cycle
	fix       time.Duration // what clock steps inside it took from its length (clock.go)
}

// dur is the soft SA's length on the monotonic timeline (clock.go).
func (s *softSA) dur() time.Duration { return s.end.t.Sub(s.start.t) + s.fix }

// softEnd finds where a soft SA of init starting at start ends (see the
// file comment).
func (p *pair) softEnd(init side, start ref) (ref, counters, bool) {
	end, snap, open := p.lastClear, p.cnt, true
	better := func(r ref, c counters) {
		if r.t.Before(start.t) {
			r = start
		}
		if open || r.t.Before(end.t) {
			end, snap, open = r, c, false
		}
	}
	// Runs, negotiations and SAs are in time order (pairResult sorts
	// them): search for the first one after start.
	var next *runRec
	for i := sort.Search(len(p.runs), func(i int) bool { return p.runs[i].start.t.After(start.t) }); i < len(p.runs); i++ {
		// The IKE must come from a negotiation begun since the soft SA
		// started: the trailing retransmissions of the negotiation that
		// led to it are no new activity.
		if r := &p.runs[i]; r.kind == gapUnanswered && r.side == init && r.ikeActivity() && p.negBegun(init, start.t, r.end.t) {
			next = r
			better(r.start, r.snapStart)
			break
		}
	}
	// A new negotiation answered before that outage (a quick fallback,
	// no outage at all) ends the soft SA where it begins. One still
	// negotiating when the outage begins is the outage's own: its IKE may
	// start a little before the outage, and the outage is what counts.
	// A negotiation never answered at all ends it too: no clear traffic
	// of the initiator got through after it began.
	for i := sort.Search(len(p.negs), func(i int) bool { return p.negs[i].first.t.After(start.t) }); i < len(p.negs); i++ {
		n := p.negs[i]
		if n.init != init || n.est || (n.answer.valid() && !n.answer.t.After(start.t)) {
			continue
		}
		if next == nil || (n.last.t.Before(next.start.t) && (!n.answer.valid() || n.answer.t.Before(next.start.t))) {
			better(n.first, n.firstSnap)
			break
		}
	}
	if i := sort.Search(len(p.sas), func(i int) bool { return p.sas[i].first.t.After(start.t) }); i < len(p.sas) {
		better(p.sas[i].first, p.sas[i].snap)
	}
	if end.t.Before(start.t) {
		end = start
	}
	return end, snap, open
}

// negBegun reports whether init began a negotiation in [from, to].
func (p *pair) negBegun(init side, from, to stamp) bool {
	for i := sort.Search(len(p.negs), func(i int) bool { return !p.negs[i].first.t.Before(from) }); i < len(p.negs); i++ {
		n := p.negs[i]
		if n.first.t.After(to) {
			return false
		}
		if n.init == init {
			return true
		}
	}
	return false
}

// softSAs infers the soft SAs that follow negotiations which did not
// establish; kb are the soft SAs of KB 977526 cycles, which take precedence.
func (p *pair) softSAs(kb []softSA) []softSA {
	out := append([]softSA(nil), kb...)
	for _, n := range p.negs {
		if n.est || !n.answer.valid() {
			continue
		}
		if n.answerSnap.esp != n.firstSnap.esp {
			continue // IPsec carried traffic meanwhile: not a fallback
		}
		s := softSA{side: n.init, neg: n, start: n.answer, startSnap: n.answerSnap, delay: n.answer.t.Sub(n.first.t)}
		inside := false
		for i := range out {
			o := &out[i]
			if o.side != s.side {
				continue
			}
			if !s.start.t.Before(o.start.t) && !s.start.t.After(o.end.t) {
				inside = true
				break
			}
			// A negotiation still active when a KB outage began belongs
			// to that outage, even if some clear got through before it.
			if o.kb {
				outStart := o.start.t.Add(-o.delay)
				if !n.last.t.Before(outStart.Add(-negLead)) && !n.first.t.After(o.start.t) {
					inside = true
					break
				}
			}
		}
		if inside {
			continue
		}
		s.end, s.endSnap, s.open = p.softEnd(s.side, s.start)
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].start.frame < out[j].start.frame })
	return out
}

// toResult converts a soft SA for the JSON.
func (s *softSA) toResult() result.SA {
	r := result.SA{
		Kind:       result.SAKindSoft,
		Start:      result.At(s.start.t.Time()),
		End:        result.At(s.end.t.Time()),
		Seconds:    seconds(s.dur()),
		Packets:    s.endSnap.clear[0] + s.endSnap.clear[1] - s.startSnap.clear[0] - s.startSnap.clear[1],
		Bytes:      s.endSnap.clearBytes - s.startSnap.clearBytes,
		FirstFrame: s.start.frame,
		LastFrame:  s.end.frame,
		Open:       s.open,
	}
	if s.delay > 0 {
		r.DelaySeconds = seconds(s.delay)
	}
	// Both copies of the counters were taken just before a packet was
	// counted: the first answer at the start (so it is included), the
	// packet that ends the soft SA at the end (so it is not).
	return r
}

// toResult converts an ESP SA for the JSON.
func (sa *espSA) toResult(p *pair) result.SA {
	return result.SA{
		Kind:        result.SAKindESP,
		SPI:         fmt.Sprintf("%08x", sa.spi),
		Start:       result.At(sa.first.t.Time()),
		End:         result.At(sa.last.t.Time()),
		Seconds:     seconds(sa.last.t.Sub(sa.first.t)),
		Packets:     sa.packets,
		Bytes:       sa.bytes,
		Src:         p.addr[sa.side].String(),
		Dst:         p.addr[sa.side.other()].String(),
		FirstFrame:  sa.first.frame,
		LastFrame:   sa.last.frame,
		SeqGaps:     sa.gaps,
		SeqRestarts: sa.restarts,
		UDPEncap:    sa.udp,
		OneWay:      p.oneWay(sa),
		// RFC 4303 §2.1 reserves SPIs 0–255: no negotiated SA uses one
		// (a static or test SA, or not ESP at all).
		Reserved: decoders.ESPReservedSPI(sa.spi),
	}
}

package analyzer

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"softsa/analyzer/result"
	"softsa/decoders/hostlog"
)

// What the host logs say of one pair: its events per outage, the "Windows
// says" list, the host evidence of the KB finding, and contradictions
// between the logs and the capture.

// hostCycle is where a host event falls among a pair's KB cycles.
type hostCycle struct {
	cycle  int // 1-based; 0 outside every cycle
	during string
}

// cycleOf places capture time t among the cycles: inside an outage from
// negLead before its start (IKE begins with the traffic) to hostSlack after
// its end, or inside the soft SA after that.
func cycleOf(cycles []kbCycle, t stamp) hostCycle {
	for i := range cycles {
		c := &cycles[i]
		if !t.Before(c.out.start.t.Add(-negLead)) && !t.After(c.out.end.t.Add(hostSlack)) {
			return hostCycle{i + 1, result.DuringOutage}
		}
		if t.After(c.out.end.t.Add(hostSlack)) && !t.After(c.soft.end.t) {
			return hostCycle{i + 1, result.DuringSoftSA}
		}
	}
	return hostCycle{}
}

// hostFacts is what the hosts' logs say about a pair, gathered before
// the rules run: its events in capture time order, where each falls among
// the KB cycles, and in how many outages the initiator logs a main-mode
// authentication failure (with the errors' names).
type hostFacts struct {
	evs         []hostEv
	where       []hostCycle
	authOutages int
	authNames   []string
}

// hostFactsOf gathers the host facts of p, after factsOf; nil when no host
// event concerns p.
func (a *analysis) hostFactsOf(p *pair, f *facts) *hostFacts {
	evs := a.hostPairs[keyOf(p.addr[0], p.addr[1])]
	if len(evs) == 0 {
		return nil
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].t < evs[j].t })
	h := &hostFacts{evs: evs, where: make([]hostCycle, len(evs))}
	for i := range evs {
		h.where[i] = cycleOf(f.cycles, evs[i].t)
	}
	if len(f.cycles) == 0 {
		return h
	}
	init := p.addr[f.kbSide]
	auth := make([]bool, len(f.cycles))
	for i := range evs {
		w := h.where[i]
		if w.during != result.DuringOutage || !initiatorAuthFailure(evs[i].ev, init) {
			continue
		}
		if !auth[w.cycle-1] {
			auth[w.cycle-1] = true
			h.authOutages++
		}
		name, _, ok := hostlog.Win32Error(evs[i].ev.ErrorCode)
		if !ok {
			name = fmt.Sprint(evs[i].ev.ErrorCode)
		}
		h.authNames = appendUnique(h.authNames, name)
	}
	return h
}

// hostSide adds to the pair's result what its hosts logged: the "Windows
// says" list, the per-outage counts and host evidence of the KB finding,
// and HOST_LOG_CONTRADICTS. It runs in pairResult, after the findings
// (the KB finding's confidence already counts the host facts).
func (a *analysis) hostSide(p *pair, f *facts, out *result.Pair) {
	h := f.host
	if h == nil {
		return
	}
	for i := range h.evs {
		if isPacketEvent(h.evs[i].ev.Kind) {
			continue
		}
		if len(out.HostEvents) >= maxHostListed {
			out.HostEventsOmitted++
			continue
		}
		out.HostEvents = append(out.HostEvents, a.hostEventResult(p, &h.evs[i], h.where[i]))
	}
	if len(f.cycles) > 0 {
		for i := range out.Findings {
			if out.Findings[i].ID == result.FindingKB977526 {
				a.hostKB(p, f, &out.Findings[i])
			}
		}
	}
	if fd, ok := a.contradictions(p, f, h.evs); ok {
		out.Findings = append(out.Findings, fd)
		sort.SliceStable(out.Findings, func(i, j int) bool { return out.Findings[i].IsProblem() && !out.Findings[j].IsProblem() })
	}
}

// hostEventResult converts one event for the pair's list.
func (a *analysis) hostEventResult(p *pair, h *hostEv, w hostCycle) result.HostEvent {
	e := h.ev
	he := result.HostEvent{
		Time: result.At(h.t.Time()), HostTime: result.At(e.Time), File: h.file, Record: e.Record, Source: e.Source,
		Kind: hostKindName(e.Kind), ErrorCode: e.ErrorCode, Reason: e.Reason, FailurePoint: e.FailurePoint,
		State: e.State, Role: e.Role, KeyModule: e.KeyModule, Cycle: w.cycle, During: w.during,
	}
	if h.local.IsValid() {
		he.Host = h.local.String()
	}
	if e.Remote.IsValid() {
		he.Peer = e.Remote.Unmap().String()
	}
	if e.ErrorCode != 0 {
		if name, msg, ok := hostlog.Win32Error(e.ErrorCode); ok {
			he.ErrorName = name
			if he.Reason == "" {
				he.Reason = msg
			}
		}
	}
	if n := negOfCookie(p, e.ICookie); n != nil {
		he.InitiatorSPI = hex.EncodeToString(n.ispi[:])
	}
	return he
}

// negOfCookie is the pair's negotiation whose initiator SPI is c.
func negOfCookie(p *pair, c uint64) *negotiation {
	if c == 0 {
		return nil
	}
	for _, n := range p.negs {
		if cookie(n.ispi) == c {
			return n
		}
	}
	return nil
}

// hostWhat describes an event in one line, for evidence.
func hostWhat(h *hostEv) string {
	e := h.ev
	var b strings.Builder
	host := "the host"
	if h.local.IsValid() {
		host = h.local.String()
	}
	words := hostKindWords[e.Kind]
	if words == "" {
		words = "event"
	}
	fmt.Fprintf(&b, "%s logs %s", host, words)
	var name, msg string
	if e.ErrorCode != 0 {
		name, msg, _ = hostlog.Win32Error(e.ErrorCode)
		fmt.Fprintf(&b, " %d", e.ErrorCode)
		if name != "" {
			b.WriteString(" " + name)
		}
	}
	if e.Reason != "" {
		msg = e.Reason
	}
	if msg != "" {
		fmt.Fprintf(&b, " (%s)", msg)
	}
	var attrs []string
	if e.FailurePoint != "" {
		attrs = append(attrs, "failure point "+e.FailurePoint)
	}
	if e.State != "" {
		attrs = append(attrs, "state "+e.State)
	}
	if e.Role != "" {
		attrs = append(attrs, "as "+e.Role)
	}
	if len(attrs) > 0 {
		b.WriteString(", " + strings.Join(attrs, ", "))
	}
	fmt.Fprintf(&b, " [%s, %s record %d]", orUnknown(e.Source), orUnknown(h.file), e.Record)
	return b.String()
}

func orUnknown(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

// hostEvidence is a host event as evidence.
func hostEvidence(h *hostEv, what string) result.Evidence {
	e := h.ev
	ev := result.Evidence{Time: result.At(h.t.Time()), Proto: result.ProtoHost, What: what,
		Host: &result.HostRef{File: h.file, Record: e.Record, Source: e.Source}}
	if h.local.IsValid() {
		ev.Src = h.local.String()
	}
	return ev
}

// initiatorAuthFailure reports whether e is a main-mode authentication
// failure logged by init's host as the initiator (or without a role).
func initiatorAuthFailure(e *hostlog.Event, init netip.Addr) bool {
	return e.Kind == hostlog.KindMMFailure && authFailures[e.ErrorCode] && e.Local.Unmap() == init && e.Role != "responder"
}

// hostKB counts the host events inside each outage of the KB finding kb
// and cites them: per outage the initiator's first authentication failure
// (else the first failure) and the first driver drop with their count.
func (a *analysis) hostKB(p *pair, f *facts, kb *result.Finding) {
	h := f.host
	init := p.addr[f.kbSide]
	failures := 0
	for k := 1; k <= len(f.cycles) && k <= len(kb.Cycles); k++ {
		cy := &kb.Cycles[k-1]
		var firstAuth, firstFail, firstDrop *hostEv
		for i := range h.evs {
			if h.where[i].cycle != k || h.where[i].during != result.DuringOutage {
				continue
			}
			e := h.evs[i].ev
			switch {
			case isFailure(e.Kind):
				cy.HostFailures++
				if firstFail == nil {
					firstFail = &h.evs[i]
				}
				if firstAuth == nil && initiatorAuthFailure(e, init) {
					firstAuth = &h.evs[i]
				}
			case isDrop(e.Kind):
				cy.HostDrops++
				if firstDrop == nil {
					firstDrop = &h.evs[i]
				}
			}
		}
		failures += cy.HostFailures
		if firstAuth != nil {
			firstFail = firstAuth
		}
		cited := 0
		if firstFail != nil {
			kb.Evidence = append(kb.Evidence, hostEvidence(firstFail, fmt.Sprintf("outage %d: %s", k, hostWhat(firstFail))))
			cited++
		}
		if firstDrop != nil && cited < maxHostEvidence {
			kb.Evidence = append(kb.Evidence, hostEvidence(firstDrop, fmt.Sprintf("outage %d: the IPsec driver drops %s (first: %s)", k, packets(cy.HostDrops), hostWhat(firstDrop))))
		}
	}
	if h.authOutages == 0 && failures > 0 {
		kb.Summary += fmt.Sprintf("; the hosts log %d IKE failures inside the outages, none of them a main-mode authentication failure of %s", failures, init)
	}
}

// contradictions builds HOST_LOG_CONTRADICTS. A host log contradicts the
// capture when
//   - it logs an SA established (main or quick mode) at a time, at least
//     contradictMargin inside an outage of the pair (a KB 977526 outage, or
//     any unanswered gap), in which the capture sees no negotiation reach
//     an SA and no ESP; or
//   - it logs a main, quick or extended mode failure at a time, at least
//     contradictMargin inside the life of an ESP SA of each direction of
//     the pair, while ESP flows both ways. (A rekey that fails while the
//     old SAs still carry traffic reads the same; the summary says so.)
func (a *analysis) contradictions(p *pair, f *facts, evs []hostEv) (result.Finding, bool) {
	type item struct {
		h         *hostEv
		frame     ref
		what      string // the host event's side
		frameWhat string // the capture's side
	}
	var items []item
	count := 0
	outages := make([][2]ref, 0, len(p.runs)+len(f.cycles))
	for i := range p.runs {
		r := &p.runs[i]
		if r.kind == gapUnanswered && r.snapEnd.established == r.snapStart.established && r.snapEnd.esp == r.snapStart.esp {
			outages = append(outages, [2]ref{r.start, r.end})
		}
	}
	for i := range f.cycles {
		if r := f.cycles[i].out; r.held {
			outages = append(outages, [2]ref{r.start, r.end})
		}
	}
	for i := range evs {
		h := &evs[i]
		e := h.ev
		switch {
		case isEstablished(e.Kind):
			for _, o := range outages {
				if h.t.Sub(o[0].t) >= contradictMargin && o[1].t.Sub(h.t) >= contradictMargin {
					count++
					if len(items) < maxContradictions {
						items = append(items, item{h, o[0], fmt.Sprintf("%s inside the outage that starts at frame %d, in which the capture sees no SA reached and no ESP", hostWhat(h), o[0].frame),
							fmt.Sprintf("an outage starts: no SA is reached and no ESP flows until frame %d, yet a host log shows an SA established meanwhile", o[1].frame)})
					}
					break
				}
			}
		case isFailure(e.Kind):
			var in [2]*espSA
			for _, sa := range p.sas {
				if sa.side.known() && h.t.Sub(sa.first.t) >= contradictMargin && sa.last.t.Sub(h.t) >= contradictMargin {
					in[sa.side] = sa
				}
			}
			if in[0] != nil && in[1] != nil {
				count++
				if len(items) < maxContradictions {
					items = append(items, item{h, in[0].first, fmt.Sprintf("%s while ESP flows both ways (SPIs %08x and %08x, from frame %d)", hostWhat(h), in[0].spi, in[1].spi, min(in[0].first.frame, in[1].first.frame)),
						fmt.Sprintf("ESP SA %08x starts, and flows both ways with %08x through a failure a host log shows", in[0].spi, in[1].spi)})
				}
			}
		}
	}
	if count == 0 {
		return result.Finding{}, false
	}
	fd := result.NewFinding(result.FindingHostLogContradicts)
	fd.Confidence = 0.7
	aligned := true
	for _, it := range items {
		if m := a.hostLogs[it.h.log].res.OffsetMethod; m == result.OffsetNone {
			aligned = false
		}
	}
	fd.Summary = fmt.Sprintf("the host logs contradict the capture %s between %s and %s: an SA the log shows established inside an outage, or a failure logged while ESP flows both ways; a log of another host, a wrong clock offset or a capture point that misses traffic would explain it (a rekey that fails while the old SAs still carry traffic reads the same)",
		result.Times(count), p.addr[0], p.addr[1])
	if !aligned {
		fd.Confidence = 0.4
		fd.Summary += "; the clock offset of a log involved could not be estimated, so its times may simply be off"
	}
	ev := newEvidence(p, a.opts.MaxEvidence)
	var frames []int
	for _, it := range items {
		ev.add(it.frame, noSide, "", it.frameWhat)
		frames = append(frames, it.frame.frame)
	}
	fd.Evidence, fd.EvidenceOmitted = ev.list()
	for _, it := range items {
		fd.Evidence = append(fd.Evidence, hostEvidence(it.h, it.what))
	}
	if count > len(items) {
		fd.EvidenceOmitted += count - len(items)
	}
	fd.WiresharkFilter = pairFilter(p) + " && (isakmp || esp || " + frameSet(frames) + ")"
	return fd, true
}

// packets says a count of packets: "1 packet", "3 packets".
func packets(n int) string {
	if n == 1 {
		return "1 packet"
	}
	return fmt.Sprintf("%d packets", n)
}

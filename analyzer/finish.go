package analyzer

import (
	"fmt"
	"net/netip"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"softsa/analyzer/result"
)

// finish ends the analysis and returns its result. Call it once, after the
// last add: it consumes the analysis' state as it builds the result.
func (a *analysis) finish() *result.CaptureResult {
	r := &result.CaptureResult{
		Frames:   a.frames,
		First:    result.At(a.first),
		Last:     result.At(a.last),
		Warnings: []string{},
		Hosts:    []result.Host{},
		Pairs:    []result.Pair{},
	}
	if a.capDropped > 0 {
		a.warnf("pair cap %d reached: %d frames of further pairs ignored, from frame %d on (raise MaxPairs or filter pairs)",
			a.opts.MaxPairs, a.capDropped, a.capFirstFrame)
	}
	if w := a.clock.warning(); w != "" {
		a.warnings = append(a.warnings, w)
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
		a.oneWayWarning(p)
	}
	a.attachHostLogs()
	clear(a.pairs) // a.order has every pair
	a.lastP = nil
	r.Pairs = make([]result.Pair, len(a.order))
	var keys []pairKey
	if a.etl.wfpFrames > 0 {
		keys = make([]pairKey, len(a.order))
		for i, p := range a.order {
			keys[i] = keyOf(p.addr[0], p.addr[1])
		}
	}
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
				// finish is the analysis' last act: letting each
				// pair's state go once its result is built keeps the
				// peak memory at the larger of the two instead of
				// their sum.
				a.order[i] = nil
			}
		})
	}
	wg.Wait()
	a.wfpResult(r, keys)
	a.markDropped(r)
	if a.cappedPairs > maxCapWarnings {
		a.warnf("caps reached on %d more pairs", a.cappedPairs-maxCapWarnings)
	}
	r.Warnings = append(r.Warnings, a.warnings...)
	r.HostLogs = a.hostLogResults()
	r.FilteredOut, r.FilteredOutMore = a.out.result()
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
		r.Hosts = append(r.Hosts, a.hosts[ad].toResult())
	}
	return r
}

// closeRuns ends the pair's runs still open at the end of the capture:
// they were never answered. A short one is kept too when its side was
// negotiating: it ends the soft SA before it.
func (a *analysis) closeRuns(p *pair) {
	for i := range p.run {
		s, r := side(i), &p.run[i]
		if r.open && (stampOf(a.last).Sub(r.start.t) >= recordRun || r.ikeBefore || r.ikeMsgs > 0) {
			end := r.lastSend
			end.t = stampOf(a.last)
			rec := r.record(s, end, true, p.cnt)
			if p.smb != nil {
				rec.smbFlight = p.smb.inFlight(s, 4)
			}
			a.addRun(p, rec)
		}
		r.open = false
	}
}

// capWarning names the pair if it hit a cap; a capture where hundreds hit
// one gets a line for the rest (finish).
func (a *analysis) capWarning(p *pair) {
	if p.negsCut+p.sasCut+p.runsCut+p.idleCut+p.fragsCut > 0 {
		if a.cappedPairs++; a.cappedPairs <= maxCapWarnings {
			a.warnf("pair %s – %s: caps reached: %d negotiations, %d ESP SAs, %d gaps, %d idle gaps, %d fragmented datagrams not tracked",
				p.addr[0], p.addr[1], p.negsCut, p.sasCut, p.runsCut, p.idleCut, p.fragsCut)
		}
	}
}

// pairResult decides everything about one pair, after closeRuns: its facts,
// the findings the rules make of them, and its verdict. It reads the
// analysis but changes nothing in it but the pair, so that finish can run
// it for several pairs at once.
func (a *analysis) pairResult(p *pair) result.Pair {
	f := a.factsOf(p)
	f.host = a.hostFactsOf(p, &f)
	out := p.toResult(&f)
	out.Findings = a.findings(p, &f)
	a.hostSide(p, &f, &out)
	out.Verdict = verdict(&f)
	switch {
	case out.Verdict == result.VerdictInconclusive:
		a.inconclusive(p, &f, &out)
	case out.Verdict == result.VerdictHealthyIPsec && !f.negotiated:
		out.Reason = fmt.Sprintf("SAs negotiated before the capture started: ESP flows both ways between %s and %s and no IKE is seen", p.addr[0], p.addr[1])
	}
	return out
}

// toResult converts what the pair recorded for the JSON, its initiator from
// the facts.
func (p *pair) toResult(f *facts) result.Pair {
	out := result.Pair{
		Initiator:    p.addr[f.init].String(),
		Responder:    p.addr[f.init.other()].String(),
		Negotiations: []result.Negotiation{},
		SAs:          []result.SA{},
		Gaps:         []result.Gap{},
		FirstFrame:   p.first.frame,
		LastFrame:    p.last.frame,
		First:        result.At(p.first.t.Time()),
		Last:         result.At(p.last.t.Time()),
		ClearPackets: p.cnt.clear[0] + p.cnt.clear[1],
		ClearBytes:   p.cnt.clearBytes,
		ESPPackets:   p.cnt.esp,
		IKEMessages:  p.cnt.ike[0] + p.cnt.ike[1],
	}
	for _, n := range p.negs {
		out.Negotiations = append(out.Negotiations, n.toResult(p))
	}
	for _, sa := range p.sas {
		out.SAs = append(out.SAs, sa.toResult(p))
	}
	for i := range f.softs {
		out.SAs = append(out.SAs, f.softs[i].toResult())
	}
	sort.SliceStable(out.SAs, func(i, j int) bool { return out.SAs[i].FirstFrame < out.SAs[j].FirstFrame })
	for i := range p.runs {
		out.Gaps = append(out.Gaps, p.runs[i].toResult(p))
	}
	if p.smb != nil {
		out.SMB = p.smb.toResult()
	}
	return out
}

// toResult converts a recorded gap for the JSON.
func (r *runRec) toResult(p *pair) result.Gap {
	g := result.Gap{
		Kind: result.GapUnanswered, Start: result.At(r.start.t.Time()), End: result.At(r.end.t.Time()), Seconds: r.dur(),
		OneWayFrames: r.packets, FirstFrame: r.start.frame, EndFrame: r.end.frame, Open: r.open,
		SYNRetries: r.synRetries, Retransmissions: r.retrans, IKEMessages: r.ikeMsgs, SMBInFlight: r.smbFlight,
	}
	if r.kind == gapIdle {
		g.Kind = result.GapIdle
	} else {
		g.Sender = p.addr[r.side].String()
	}
	return g
}

// oneWayWarning warns about a pair of which the capture holds one
// direction only (pair.oneDirection): a one-way SPAN or TAP, or a filter,
// hides the answers, so the pair's diagnosis is inconclusive.
func (a *analysis) oneWayWarning(p *pair) {
	if !p.oneDirection() {
		return
	}
	s := side(0)
	if p.sent[0] == 0 {
		s = 1
	}
	a.warnf("pair %s – %s: only packets from %s to %s are in the capture (%d, IKE included): one direction only (a one-way SPAN or TAP?); the pair's diagnosis is inconclusive",
		p.addr[0], p.addr[1], p.addr[s], p.addr[s.other()], p.sent[s])
}

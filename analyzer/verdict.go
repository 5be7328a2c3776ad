package analyzer

import (
	"fmt"

	"softsa/analyzer/result"
)

// verdict is the pair's one verdict: the most specific that its facts
// allow.
func verdict(f *facts) string {
	switch {
	case len(f.cycles) > 0:
		return result.VerdictKB977526
	case f.oneWay:
		// What was not captured may be the answer (or the failure).
		return result.VerdictInconclusive
	case f.ipsec:
		return result.VerdictHealthyIPsec
	case f.esp && f.oneWayESP:
		// ESP one way only and no negotiation seen completing: nothing
		// comes back.
		return result.VerdictNoCommunication
	case f.esp && !f.negotiated:
		// A packet or two of ESP one way: too few to tell.
		return result.VerdictInconclusive
	case !f.negotiated:
		return result.VerdictClearOnly
	case f.noComm:
		return result.VerdictNoCommunication
	case f.fallback:
		return result.VerdictFallbackToClear
	case f.unsettled != nil && f.waiting:
		// IKE has not given up yet: the KB loop's fallback and no
		// communication both remain possible.
		return result.VerdictInconclusive
	case f.failed:
		return result.VerdictNegotiationFail
	case f.unsettled != nil, f.ended != nil:
		// Not answered yet, and not given up yet either; or answered
		// and then not continued (or sent elsewhere): nothing failed.
		return result.VerdictInconclusive
	}
	return result.VerdictNoIKEResponse
}

// inconclusiveCap is the highest confidence a problem finding keeps on a
// pair whose verdict is inconclusive.
const inconclusiveCap = 0.45

// inconclusive says why p's capture cannot decide (verdict inconclusive),
// caps the confidence of its problem findings, and says so in them.
func (a *analysis) inconclusive(p *pair, f *facts, out *result.Pair) {
	switch {
	case f.oneWay:
		s := side(0)
		if p.sent[0] == 0 {
			s = 1
		}
		out.Reason = fmt.Sprintf("only %s → %s is seen: the capture shows one direction only (a one-way SPAN or TAP?), so an IKE message or clear packet left unanswered cannot be told from an answer the capture missed; capture both directions",
			p.addr[s], p.addr[s.other()])
	case f.unsettled == nil && f.ended != nil:
		n := f.ended
		what := "answered IKE_SA_INIT and then abandoned by the initiator (no IKE_AUTH follows)"
		if n.outcome() == result.OutcomeRedirected {
			what = "redirected by the responder to another gateway (REDIRECT)"
		}
		out.Reason = fmt.Sprintf("the IKEv2 negotiation by %s with %s was %s: nothing failed between these two hosts, and the capture does not show what the initiator did next",
			p.addr[n.init], p.addr[n.init.other()], what)
	case f.unsettled == nil:
		sa := p.sas[0]
		out.Reason = fmt.Sprintf("only %d ESP packets from %s to %s and nothing else between them: too few to tell a one-way SA from traffic the capture cut short",
			p.cnt.esp, p.addr[sa.side], p.addr[sa.side.other()])
	default:
		n := f.unsettled
		secs := stampOf(a.last).Sub(n.first.t).Seconds()
		out.Reason = fmt.Sprintf("the capture ends %.0f s into an %s negotiation by %s with %s that has not given up yet; IKE gives up after about a minute, and a KB 977526 outage lasts about as long, so nothing yet separates the KB 977526 loop from no communication: capture at least 10 minutes, starting before the traffic (the copy) starts",
			secs, familyName(n.family), p.addr[n.init], p.addr[n.init.other()])
	}
	for i := range out.Findings {
		fd := &out.Findings[i]
		if fd.IsProblem() && fd.Confidence > inconclusiveCap {
			fd.Confidence = inconclusiveCap
		}
	}
}

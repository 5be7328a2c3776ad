package merge

import (
	"fmt"
	"net/netip"

	"softsa/analyzer/result"
)

// Annotate adds to cr, the analysis of mg's merged timeline, what only the
// two captures together tell: the clock offset found, and for every KB
// 977526 outage whether the unanswered packets reached the receiver (which
// then dropped them itself) or were lost on the way.
func (mg *Merge) Annotate(cr *result.CaptureResult) {
	est := mg.Estimate
	info := &result.MergeInfo{Files: []string{mg.A, mg.B}, Hosts: []string{addrOrEmpty(est.HostA), addrOrEmpty(est.HostB)},
		OffsetSeconds: est.Offset.Seconds(), LatencySeconds: est.Latency.Seconds(), MatchedPackets: est.Matched}
	var windows []Window
	for _, p := range cr.Pairs {
		from, _ := netip.ParseAddr(p.Initiator)
		to, _ := netip.ParseAddr(p.Responder)
		for _, f := range p.Findings {
			for _, cy := range f.Cycles {
				windows = append(windows, Window{Start: cy.OutageStart.Time, End: cy.OutageEnd.Time,
					FirstFrame: cy.OutageFirstFrame, EndFrame: cy.OutageEndFrame, From: from, To: to})
			}
		}
	}
	tallies, err := mg.Attribute(windows)
	if err != nil {
		cr.Warnings = append(cr.Warnings, "attributing the outages: "+err.Error())
	}
	for i, w := range windows {
		if i >= len(tallies) {
			break
		}
		info.Outages = append(info.Outages, Outage(w, tallies[i], est))
	}
	cr.Merge = info
	cr.Warnings = append(cr.Warnings, fmt.Sprintf("two captures merged: %s's clock was %+.3f s off %s's (from %d packets both hold); frames are numbered in the merged timeline, each packet once",
		mg.B, est.Offset.Seconds(), mg.A, est.Matched))
	if est.Truncated {
		cr.Warnings = append(cr.Warnings, fmt.Sprintf("only the first %d packets of %s were matched against %s", MaxFingerprints, mg.A, mg.B))
	}
}

// Outage says where the unanswered packets of one outage were lost, from
// the tally of where they were seen.
func Outage(w Window, t Tally, est Estimate) result.MergeOutage {
	mo := result.MergeOutage{Start: result.At(w.Start), End: result.At(w.End), From: w.From.String(), To: w.To.String(), DroppedBy: "unknown"}
	var onlySender int
	switch {
	case est.HostA == w.From && est.HostB == w.To:
		onlySender = t.OnlyA
	case est.HostB == w.From && est.HostA == w.To:
		onlySender = t.OnlyB
	default:
		mo.What = "the captures' hosts could not be told apart, so where the packets were lost is unknown"
		return mo
	}
	mo.ReachedReceiver, mo.OnlyAtSender = t.Both, onlySender
	switch {
	case t.Both > 0 && onlySender == 0:
		mo.DroppedBy = "receiver"
		mo.What = fmt.Sprintf("all %d of %s's unanswered packets reached %s, which did not answer them: dropped by %s itself (its IPsec policy discards clear traffic it expects secured, as in KB 977526), not by the network", t.Both, mo.From, mo.To, mo.To)
	case onlySender > 0 && t.Both == 0:
		mo.DroppedBy = "network"
		mo.What = fmt.Sprintf("none of %s's %d unanswered packets reached %s's capture: lost on the network (or filtered) between the two", mo.From, onlySender, mo.To)
	case onlySender > 0:
		mo.What = fmt.Sprintf("%d of %s's unanswered packets reached %s and %d did not", t.Both, mo.From, mo.To, onlySender)
	default:
		mo.What = "no clear packet of the sender fell inside the outage"
	}
	return mo
}

func addrOrEmpty(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

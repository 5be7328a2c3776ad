package report

import (
	"fmt"
	"strconv"
	"strings"

	"softsa/analyzer/result"
)

// The host-side evidence in the text report: the logs attached and their
// clock offsets under the capture's heading, a host column in the KB cycle
// table, and a "Windows says" block per pair.

// maxTextHostEvents is how many host events the text report lists per
// pair; the JSON and HTML reports have them all (up to the analyzer's cap).
const maxTextHostEvents = 20

// hostLogs lists the host logs attached to c, with their offsets.
func (p *printer) hostLogs(c *result.CaptureResult) {
	for _, l := range c.HostLogs {
		p.para("  ", "  ", "    ", hostLogLine(l))
	}
}

// hostLogLine says what a host log held and how its clock was placed.
func hostLogLine(l result.HostLog) string {
	return fmt.Sprintf("host log %s (%s): %d events, %d on the capture's pairs; %s",
		l.File, l.Format, l.Events, l.Attached, l.OffsetNote)
}

// hostCycles reports whether any cycle has host log counts.
func hostCycles(cs []result.Cycle) bool {
	for _, c := range cs {
		if c.HostFailures+c.HostDrops > 0 {
			return true
		}
	}
	return false
}

// hostCycleCell says a cycle's host counts: "1 failure, 3 drops".
func hostCycleCell(c result.Cycle) string {
	var parts []string
	if c.HostFailures > 0 {
		parts = append(parts, plural(c.HostFailures, "failure", "failures"))
	}
	if c.HostDrops > 0 {
		parts = append(parts, plural(c.HostDrops, "drop", "drops"))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// textEvidence is the evidence the text report prints: the first max
// frames, then the first max host events, which have a share of their own
// so that the frames of a long KB finding do not crowd them out.
func textEvidence(evs []result.Evidence, max int) []result.Evidence {
	var frames, host []result.Evidence
	for _, e := range evs {
		switch {
		case e.Proto == result.ProtoHost && len(host) < max:
			host = append(host, e)
		case e.Proto != result.ProtoHost && len(frames) < max:
			frames = append(frames, e)
		}
	}
	return append(frames, host...)
}

// windowsSays prints, per pair with host events, what the hosts logged.
func (p *printer) windowsSays(c *result.CaptureResult) {
	for _, i := range p.order {
		pr := &c.Pairs[i]
		if len(pr.HostEvents) == 0 {
			continue
		}
		p.line("")
		n := len(pr.HostEvents) + pr.HostEventsOmitted
		p.para(p.paint(ansiBold, "Windows says")+" ", "Windows says ", "  ",
			fmt.Sprintf("%s -> %s: %s in the hosts' logs, on the capture's timeline", pr.Initiator, pr.Responder, plural(n, "event", "events")))
		shown := min(len(pr.HostEvents), maxTextHostEvents)
		// Aligned columns: time and offset, then where in the cycles.
		ww, dw := 0, 0
		for _, e := range pr.HostEvents[:shown] {
			ww, dw = max(ww, runes(p.when(e.Time))), max(dw, runes(hostDuring(e)))
		}
		for _, e := range pr.HostEvents[:shown] {
			lead := fmt.Sprintf("  %-*s  %-*s  ", ww, p.when(e.Time), dw, hostDuring(e))
			if runes(lead)+20 > p.o.Width {
				// Too narrow for columns: the time on a line of its
				// own, the rest under it.
				p.line("  %s", p.when(e.Time))
				lead = "    " + hostDuring(e) + "  "
				p.para(lead, lead, "      ", hostEventText(e))
				continue
			}
			p.para(lead, lead, strings.Repeat(" ", runes(lead)), hostEventText(e))
		}
		if more := n - shown; more > 0 {
			p.para("  ", "  ", "    ", fmt.Sprintf("… %d more (see --format json or the HTML report)", more))
		}
	}
}

// hostDuring says where an event falls: "outage 2", "soft SA 2", or "-".
func hostDuring(e result.HostEvent) string {
	switch e.During {
	case result.DuringOutage:
		return "outage " + strconv.Itoa(e.Cycle)
	case result.DuringSoftSA:
		return "soft SA " + strconv.Itoa(e.Cycle)
	}
	return "-"
}

// hostKindText says a host event kind in words.
var hostKindText = map[string]string{
	result.HostKindMMFailure:     "main mode failed",
	result.HostKindQMFailure:     "quick mode failed",
	result.HostKindEMFailure:     "extended mode failed",
	result.HostKindMMEstablished: "main mode SA established",
	result.HostKindQMEstablished: "quick mode SA established",
	result.HostKindKernelDrop:    "IPsec driver dropped a packet",
	result.HostKindClearTextDrop: "dropped a clear text packet that should have been secured",
	result.HostKindIKESent:       "IKE packet sent",
	result.HostKindIKEReceived:   "IKE packet received",
	result.HostKindInvalidPacket: "invalid negotiation packet received",
}

// hostEventText is one host event in a sentence: who logged what, the
// error with its name and message, the negotiation's state, and where the
// event is in its log.
func hostEventText(e result.HostEvent) string {
	var b strings.Builder
	who := e.Host
	if who == "" {
		who = "host"
	}
	what := hostKindText[e.Kind]
	if what == "" {
		what = e.Kind
	}
	fmt.Fprintf(&b, "%s: %s", who, what)
	if e.ErrorCode != 0 {
		fmt.Fprintf(&b, ", error %d", e.ErrorCode)
		if e.ErrorName != "" {
			b.WriteString(" " + e.ErrorName)
		}
	}
	if e.Reason != "" {
		fmt.Fprintf(&b, " (%s)", e.Reason)
	}
	var attrs []string
	for _, a := range [][2]string{{"failure point", e.FailurePoint}, {"state", e.State}, {"role", e.Role}, {"key module", e.KeyModule}, {"initiator SPI", e.InitiatorSPI}} {
		if a[1] != "" {
			attrs = append(attrs, a[0]+" "+a[1])
		}
	}
	if len(attrs) > 0 {
		b.WriteString("; " + strings.Join(attrs, ", "))
	}
	fmt.Fprintf(&b, " [%s, %s record %d, host time %s]", e.Source, e.File, e.Record, roundMS(e.HostTime.Time).UTC().Format("15:04:05.000"))
	return b.String()
}

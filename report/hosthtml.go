package report

import (
	"fmt"
	"strconv"
	"strings"

	"softsa/analyzer/result"
)

// The host-side evidence in the HTML report: the logs under the capture's
// heading (templates/host.tmpl), a "Windows says" lane on the pair's
// timeline whose marks are drawn apart from the capture's (a diamond per
// event, in a lane of its own, with a legend saying "host log"), and the
// pair's "Windows says" table. Everything a log says is text the template
// escapes.

// htmlMaxHostEvents caps the host events listed, and drawn, per pair.
const htmlMaxHostEvents = 100

// htmlHostEvent is one row of the "Windows says" table.
type htmlHostEvent struct {
	At       htmlTime
	HostTime string
	Where    string
	Host     string
	Event    string
	Code     string
	Name     string
	Reason   string
	Details  string
	Source   string
	File     string
	Record   int
	Class    string
}

// hostClass is the timeline and table class of a host event kind.
func hostClass(kind string) string {
	switch kind {
	case result.HostKindMMFailure, result.HostKindQMFailure, result.HostKindEMFailure:
		return "host-failure"
	case result.HostKindKernelDrop, result.HostKindClearTextDrop:
		return "host-drop"
	case result.HostKindMMEstablished, result.HostKindQMEstablished:
		return "host-established"
	}
	return "host-other"
}

// newHTMLHostEvents builds the pair's "Windows says" rows.
func newHTMLHostEvents(p *result.Pair, ck clock) ([]htmlHostEvent, int) {
	var out []htmlHostEvent
	omitted := p.HostEventsOmitted
	for i, e := range p.HostEvents {
		if i == htmlMaxHostEvents {
			omitted += len(p.HostEvents) - i
			break
		}
		what := hostKindText[e.Kind]
		if what == "" {
			what = e.Kind
		}
		row := htmlHostEvent{
			At: ck.at(e.Time), HostTime: roundMS(e.HostTime.Time).UTC().Format("15:04:05.000"), Where: orDash(hostDuring(e)),
			Host: orDash(e.Host), Event: what, Name: e.ErrorName, Reason: e.Reason,
			Source: e.Source, File: e.File, Record: e.Record, Class: hostClass(e.Kind),
		}
		if e.ErrorCode != 0 {
			row.Code = strconv.FormatUint(uint64(e.ErrorCode), 10)
		}
		var details []string
		for _, a := range [][2]string{{"failure point", e.FailurePoint}, {"state", e.State}, {"role", e.Role}, {"key module", e.KeyModule}, {"initiator SPI", e.InitiatorSPI}} {
			if a[1] != "" {
				details = append(details, a[0]+" "+a[1])
			}
		}
		row.Details = orDash(strings.Join(details, ", "))
		out = append(out, row)
	}
	return out, omitted
}

// hostLane draws the pair's host events on the timeline: a lane of their
// own, a diamond per event, coloured by kind.
func (b *tlBuilder) hostLane(p *result.Pair) {
	if len(p.HostEvents) == 0 {
		return
	}
	y, h := b.lane("Windows says", "events the hosts logged themselves (host logs, not packets), on the capture's clock")
	for i, e := range p.HostEvents {
		if i == htmlMaxHostEvents {
			b.tl.Notes = append(b.tl.Notes, fmt.Sprintf("%d more host events not drawn", len(p.HostEvents)-i))
			break
		}
		s := b.ck.rel(e.Time.Time)
		cx, cy, r := b.x(s), y+h/2, h/2-1
		what := hostKindText[e.Kind]
		if what == "" {
			what = e.Kind
		}
		title := fmt.Sprintf("host log: %s: %s", orDash(e.Host), what)
		if e.ErrorCode != 0 {
			title += fmt.Sprintf(", error %d %s", e.ErrorCode, e.ErrorName)
		}
		if e.Reason != "" {
			title += " (" + e.Reason + ")"
		}
		title += fmt.Sprintf(", %s UTC (%s), %s, %s record %d", b.ck.at(e.Time).UTC, b.ck.at(e.Time).Rel, e.Source, e.File, e.Record)
		b.tl.Marks = append(b.tl.Marks, tlMark{
			Class: hostClass(e.Kind), Start: secs(s),
			D:     fmt.Sprintf("M%s %sL%s %sL%s %sL%s %sZ", num(cx), num(cy-r), num(cx+r*0.6), num(cy), num(cx), num(cy+r), num(cx-r*0.6), num(cy)),
			Title: title,
		})
	}
}

package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"softsa/analyzer/result"
)

// The timeline: an inline SVG in a viewBox tlWidth units wide (scaled to
// the page by CSS, so 1 unit is 1 px at a 1000 px wide column). Lane labels
// take the left tlX0 units; the plot runs from tlX0 to tlWidth-tlRight and
// maps capture time linearly:
//
//	x(t) = tlX0 + (t - first frame) * scale,  scale = plot width / capture duration
//
// The SVG carries data-x0 and data-scale, and every shape data-start and
// data-end in seconds since the first frame, so tests (and curious readers)
// can check x = x0 + start*scale.
const (
	tlWidth   = 1000.0
	tlX0      = 150.0
	tlRight   = 18.0
	tlTop     = 22.0 // room for the outage labels
	tlLaneH   = 30.0
	tlLaneGap = 4.0
	tlBarPad  = 6.0
	tlMinW    = 1.5 // narrowest bar drawn, so an instant stays visible
)

type htmlTimeline struct {
	Title    string
	ViewBox  string
	Height   string
	X0       string
	Scale    string
	Duration string
	PlotEnd  string
	Lanes    []tlLane
	Grid     []tlTick
	Outages  []tlShape
	Shapes   []tlShape
	Marks    []tlMark
	Labels   []tlText
	AxisY    string
	Caption  tlText
	Legend   []tlLegend
	Notes    []string
}

// tlLegend is one legend entry: a swatch class and what it means.
type tlLegend struct {
	Swatch, Text string
}

// tlLegends lists every legend entry in display order, keyed by the shape
// class that makes it appear.
var tlLegends = []struct{ class, swatch, text string }{
	{"outage", "sw-outage", "outage: connection lost"},
	{"soft-period", "sw-soft", "soft SA of a KB 977526 cycle"},
	{"soft-sa", "sw-soft-sa", "soft SA: clear traffic after a failed negotiation"},
	{"esp", "sw-esp", "ESP (encrypted)"},
	{"ike-established", "sw-ike", "IKE established"},
	{"ike-incomplete", "sw-ike-incomplete", "IKE incomplete"},
	{"ike-failed", "sw-ike-failed", "IKE failed"},
	{"ike-no-response", "sw-ike-none", "IKE without response"},
	{"ike-other", "sw-ike-other", "IKE, other outcome"},
	{"ike-fail", "sw-x", "IKE not established"},
	{"gap-unanswered", "sw-unanswered", "clear traffic unanswered"},
	{"gap-idle", "sw-idle", "idle (nobody sending)"},
	{"host-failure", "sw-host-failure", "host log: IKE failure (Windows' own word)"},
	{"host-drop", "sw-host-drop", "host log: packet dropped by the IPsec driver"},
	{"host-established", "sw-host-established", "host log: SA established"},
	{"host-other", "sw-host-other", "host log: other event"},
}

// legend keeps the entries whose shapes the timeline has.
func (tl *htmlTimeline) legend() {
	has := func(class string) bool {
		for _, list := range [][]tlShape{tl.Outages, tl.Shapes} {
			for _, s := range list {
				for _, c := range strings.Fields(s.Class) {
					if c == class {
						return true
					}
				}
			}
		}
		for _, m := range tl.Marks {
			if m.Class == class {
				return true
			}
		}
		return false
	}
	for _, l := range tlLegends {
		if has(l.class) {
			tl.Legend = append(tl.Legend, tlLegend{Swatch: l.swatch, Text: l.text})
		}
	}
}

type tlLane struct {
	Y, H, LabelY string
	Label, Title string
}

type tlShape struct {
	Class, X, Y, W, H, Start, End, Title string
}

type tlMark struct {
	Class, D, Start, Title string
}

type tlText struct {
	Class, X, Y, Text string
}

type tlTick struct {
	X, Y1, Y2, LabelY, Label string
}

func num(v float64) string {
	v = math.Round(v*100) / 100
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func secs(v float64) string {
	v = math.Round(v*1e6) / 1e6
	if v == 0 {
		v = 0
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// timelineScale is the capture's duration (at least one second, so an
// instant capture still has an axis) and the units per second.
func timelineScale(c *result.CaptureResult) (dur, scale float64) {
	dur = c.Last.Sub(c.First.Time).Seconds()
	if dur < 1 {
		dur = 1
	}
	return dur, (tlWidth - tlX0 - tlRight) / dur
}

type tlBuilder struct {
	tl    *htmlTimeline
	ck    clock
	dur   float64
	scale float64
}

// x maps a time, clamped to the capture, to its x coordinate.
func (b *tlBuilder) x(sec float64) float64 {
	return tlX0 + math.Max(0, math.Min(sec, b.dur))*b.scale
}

// bar adds a rectangle from t0 to t1 in a lane (y, h).
func (b *tlBuilder) bar(class string, t0, t1 time.Time, y, h float64, title string) tlShape {
	s0, s1 := b.ck.rel(t0), b.ck.rel(t1)
	if s1 < s0 {
		s1 = s0
	}
	x0, x1 := b.x(s0), b.x(s1)
	w := math.Max(x1-x0, tlMinW)
	if x0+w > tlWidth-tlRight+tlMinW {
		x0 = tlWidth - tlRight + tlMinW - w
	}
	return tlShape{Class: class, X: num(x0), Y: num(y), W: num(w), H: num(h), Start: secs(s0), End: secs(s1), Title: title}
}

func (b *tlBuilder) span(t0, t1 result.Time) string {
	return fmt.Sprintf("%s → %s UTC (%s → %s)", b.ck.at(t0).UTC, b.ck.at(t1).UTC, b.ck.at(t0).Rel, b.ck.at(t1).Rel)
}

func (b *tlBuilder) lane(label, title string) (y, h float64) {
	y = tlTop + float64(len(b.tl.Lanes))*(tlLaneH+tlLaneGap)
	b.tl.Lanes = append(b.tl.Lanes, tlLane{Y: num(y), H: num(tlLaneH), LabelY: num(y + tlLaneH/2 + 4), Label: label, Title: title})
	return y + tlBarPad, tlLaneH - 2*tlBarPad
}

// newTimeline draws one pair on the capture's time axis: the KB loop's
// soft-SA periods, IKE negotiations, ESP SAs (one lane per SPI), and clear
// traffic (soft SAs and gaps), with the outages shaded across all lanes.
func newTimeline(c *result.CaptureResult, p *result.Pair, ck clock) *htmlTimeline {
	dur, scale := timelineScale(c)
	tl := &htmlTimeline{
		Title: fmt.Sprintf("Timeline of %s and %s", p.Initiator, p.Responder),
		X0:    num(tlX0), Scale: strconv.FormatFloat(scale, 'f', 9, 64), Duration: secs(dur),
		PlotEnd: num(tlWidth - tlRight),
	}
	b := &tlBuilder{tl: tl, ck: ck, dur: dur, scale: scale}
	kb := p.KB()

	// Lane: the KB loop's soft-SA periods.
	if kb != nil && len(kb.Cycles) > 0 {
		y, h := b.lane("Soft SA (loop)", "soft-SA periods of the KB 977526 cycles: clear traffic admitted after a failed negotiation")
		for i, cy := range kb.Cycles {
			title := fmt.Sprintf("cycle %d soft SA: %s, %s", i+1, b.span(cy.SoftSAStart, cy.SoftSAEnd), humanSeconds(cy.SoftSASeconds))
			class := "soft-period"
			if cy.SoftSAOpen {
				class += " open"
				title += " (still open when the capture ends)"
			}
			s := b.bar(class, cy.SoftSAStart.Time, cy.SoftSAEnd.Time, y, h, title)
			tl.Shapes = append(tl.Shapes, s)
			label := "soft SA " + humanSeconds(cy.SoftSASeconds)
			if cy.SoftSAOpen {
				label = "≥ " + humanSeconds(cy.SoftSASeconds)
			}
			w, _ := strconv.ParseFloat(s.W, 64)
			if float64(len([]rune(label)))*6.2+8 < w {
				x, _ := strconv.ParseFloat(s.X, 64)
				tl.Labels = append(tl.Labels, tlText{Class: "in-bar", X: num(x + w/2), Y: num(y + h/2 + 4), Text: label})
			}
		}
	}

	// Lane: IKE negotiations, coloured by outcome; those that did not
	// establish get a cross at their end.
	if len(p.Negotiations) > 0 {
		y, h := b.lane("IKE", "IKE / AuthIP negotiations, one mark from first to last message")
		for i := range p.Negotiations {
			if i == htmlMaxMarks {
				tl.Notes = append(tl.Notes, fmt.Sprintf("%d more IKE negotiations not drawn", len(p.Negotiations)-i))
				break
			}
			n := &p.Negotiations[i]
			title := fmt.Sprintf("%s %s SPI %s: %s, %s (%d retransmitted), %s, frames %d–%d",
				n.Protocol, n.Exchange, n.InitiatorSPI, outcomeOf(n.Outcome).Label, plural(n.Messages, "message", "messages"),
				n.Retransmissions, b.span(n.Start, n.End), n.FirstFrame, n.LastFrame)
			if len(n.Notify) > 0 {
				title += ", notify " + strings.Join(n.Notify, ", ")
			}
			class := "ike ike-" + outcomeOf(n.Outcome).Code
			if outcomeOf(n.Outcome).Class == "v-neutral" {
				class = "ike ike-other"
			}
			s := b.bar(class, n.Start.Time, n.End.Time, y+2, h-4, title)
			tl.Shapes = append(tl.Shapes, s)
			if n.Outcome != result.OutcomeEstablished {
				x, _ := strconv.ParseFloat(s.X, 64)
				w, _ := strconv.ParseFloat(s.W, 64)
				cx, cy := x+w, y-1
				tl.Marks = append(tl.Marks, tlMark{
					Class: "ike-fail", Start: s.End,
					D:     fmt.Sprintf("M%s %sL%s %sM%s %sL%s %s", num(cx-3), num(cy-3), num(cx+3), num(cy+3), num(cx+3), num(cy-3), num(cx-3), num(cy+3)),
					Title: "not established: " + title,
				})
			}
		}
	}

	// Lanes: ESP, one per SPI in order of first appearance, capped.
	var spis []string
	more := 0
	for _, s := range p.SAs {
		if s.Kind != result.SAKindESP {
			continue
		}
		known := false
		for _, x := range spis {
			known = known || x == s.SPI
		}
		if known {
			continue
		}
		if len(spis) == htmlMaxESPLanes {
			more++
			continue
		}
		spis = append(spis, s.SPI)
	}
	if more > 0 {
		tl.Notes = append(tl.Notes, fmt.Sprintf("%d more ESP SPIs not drawn (see the SA table)", more))
	}
	for _, spi := range spis {
		var y, h float64
		laneDone := false
		for _, s := range p.SAs {
			if s.Kind != result.SAKindESP || s.SPI != spi {
				continue
			}
			if !laneDone {
				arrow := "→"
				if s.Src == p.Responder {
					arrow = "←"
				}
				y, h = b.lane(clip("ESP "+arrow+" "+spi, 18), fmt.Sprintf("ESP SPI %s, %s → %s", spi, s.Src, s.Dst))
				laneDone = true
			}
			title := fmt.Sprintf("ESP SPI %s %s → %s: %s, %s, %s", spi, s.Src, s.Dst,
				plural(s.Packets, "packet", "packets"), humanBytes(int64(s.Bytes)), b.span(s.Start, s.End))
			if s.OneWay {
				title += ", one way"
			}
			tl.Shapes = append(tl.Shapes, b.bar("esp", s.Start.Time, s.End.Time, y, h, title))
		}
	}

	// Lane: what the hosts logged (hosthtml.go).
	b.hostLane(p)

	// Lane: clear traffic: soft SAs, unanswered and idle gaps.
	y, h := b.lane("Clear traffic", "clear (unencrypted) traffic between the pair")
	drawn, hasSoft := 0, false
	for _, s := range p.SAs {
		if s.Kind != result.SAKindSoft {
			continue
		}
		hasSoft = true
		if drawn == htmlMaxMarks {
			tl.Notes = append(tl.Notes, "more soft SAs not drawn")
			break
		}
		drawn++
		title := fmt.Sprintf("soft SA (clear traffic after a negotiation that reached no SA): %s, %s, %s, %s",
			b.span(s.Start, s.End), humanSeconds(s.Seconds), plural(s.Packets, "packet", "packets"), humanBytes(int64(s.Bytes)))
		tl.Shapes = append(tl.Shapes, b.bar("soft-sa", s.Start.Time, s.End.Time, y, h, title))
	}
	drawn = 0
	for _, g := range p.Gaps {
		if drawn == htmlMaxMarks {
			tl.Notes = append(tl.Notes, fmt.Sprintf("%d more gaps not drawn", len(p.Gaps)-drawn))
			break
		}
		drawn++
		var title, class string
		if g.Kind == result.GapUnanswered {
			class = "gap-unanswered"
			title = fmt.Sprintf("unanswered: %s sent %s nobody answered, %s, %s",
				g.Sender, plural(g.OneWayFrames, "packet", "packets"), b.span(g.Start, g.End), humanSeconds(g.Seconds))
		} else {
			class = "gap-idle"
			title = fmt.Sprintf("idle: neither side sent anything, %s, %s", b.span(g.Start, g.End), humanSeconds(g.Seconds))
		}
		tl.Shapes = append(tl.Shapes, b.bar(class, g.Start.Time, g.End.Time, y+3, h-6, title))
	}

	if drawn == 0 && !hasSoft {
		note := "no clear traffic"
		if p.ClearPackets > 0 {
			note = "no soft SA and no gap in the clear traffic"
		}
		tl.Labels = append(tl.Labels, tlText{Class: "lane-note", X: num(tlX0 + 6), Y: num(y + h/2 + 4), Text: note})
	}

	// Outages: shaded across every lane, their length above.
	bottom := tlTop + float64(len(tl.Lanes))*(tlLaneH+tlLaneGap) - tlLaneGap
	if kb != nil {
		for i, cy := range kb.Cycles {
			title := fmt.Sprintf("outage %d: connection lost %s, %s, frames %d–%d, %d IKE messages, %d retransmissions",
				i+1, humanSeconds(cy.OutageSeconds), b.span(cy.OutageStart, cy.OutageEnd),
				cy.OutageFirstFrame, cy.OutageEndFrame, cy.IKEMessages, cy.Retransmissions)
			s := b.bar("outage", cy.OutageStart.Time, cy.OutageEnd.Time, tlTop-4, bottom-tlTop+8, title)
			tl.Outages = append(tl.Outages, s)
			x, _ := strconv.ParseFloat(s.X, 64)
			w, _ := strconv.ParseFloat(s.W, 64)
			tl.Labels = append(tl.Labels, tlText{Class: "outage-label", X: num(x + w/2), Y: num(tlTop - 8), Text: humanSeconds(cy.OutageSeconds)})
		}
	}

	// The axis: ticks at a round step, about eight of them.
	axis := bottom + 8
	tl.AxisY = num(axis)
	step := tickStep(dur)
	for i := 0; ; i++ {
		t := float64(i) * step
		if t > dur+step*1e-9 {
			break
		}
		tl.Grid = append(tl.Grid, tlTick{
			X: num(b.x(t)), Y1: num(tlTop - 4), Y2: num(axis + 4), LabelY: num(axis + 17), Label: tickLabel(t, step),
		})
	}
	tl.Caption = tlText{Class: "caption", X: num(tlX0 + (tlWidth-tlX0-tlRight)/2), Y: num(axis + 35),
		Text: "seconds since the first frame (" + ck.at(c.First).UTC + " UTC)"}
	height := axis + 44
	tl.legend()
	tl.Height = num(height)
	tl.ViewBox = "0 0 " + num(tlWidth) + " " + num(height)
	return tl
}

// clip shortens a lane label to n characters so that it stays left of the
// plot; the lane's hover text has it in full.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// tickStep is the smallest round step that gives at most ten ticks.
func tickStep(dur float64) float64 {
	for _, s := range []float64{0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400} {
		if dur/s <= 10 {
			return s
		}
	}
	return math.Ceil(dur/10/86400) * 86400
}

func tickLabel(t, step float64) string {
	if step < 1 {
		return strconv.FormatFloat(t, 'f', 1, 64) + " s"
	}
	return strconv.FormatFloat(t, 'f', 0, 64) + " s"
}

package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"softsa/analyzer/result"
)

// TextOptions controls the terminal report.
type TextOptions struct {
	// Color adds ANSI colour to headings and verdicts. The caller sets it
	// only when stdout is a terminal and NO_COLOR is unset.
	Color bool
	// MaxEvidence is how many evidence lines to print per finding (0: 8).
	MaxEvidence int
	// Width is the most runes a line may hold (0: DefaultTextWidth; at
	// least 40). The caller sets it to the terminal's width when stdout
	// is a terminal.
	Width int
}

const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiRed   = "\x1b[31m"
	ansiGreen = "\x1b[32m"
	ansiAmber = "\x1b[33m"
)

// Text writes the terminal report: per capture a summary table of its pairs,
// then for each KB 977526 pair its cycles and evidence, then the other
// findings and any warnings. Times are UTC with the offset from the first
// frame beside them, as Wireshark's "seconds since beginning of capture".
func Text(w io.Writer, r *result.Result, o TextOptions) error {
	bw := bufio.NewWriter(w)
	if o.MaxEvidence == 0 {
		o.MaxEvidence = 8
	}
	if o.Width == 0 {
		o.Width = DefaultTextWidth
	}
	o.Width = max(o.Width, minTextWidth)
	p := printer{w: bw, o: o}
	if r.Incomplete {
		p.line("INCOMPLETE REPORT: %s", r.IncompleteReason)
		p.line("")
	}
	for i := range r.Captures {
		if i > 0 {
			p.line("")
		}
		if err := p.capture(&r.Captures[i]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

type printer struct {
	w     *bufio.Writer
	o     TextOptions
	start time.Time
	order []int // c.Pairs indices, worst first
}

func (p *printer) line(format string, args ...any) {
	fmt.Fprintf(p.w, format+"\n", args...)
}

// para prints text wrapped to the width, its first line after first and
// the others after hang. Colour codes go in first only, so they are not
// counted: plain is first without them.
func (p *printer) para(first, plain, hang, text string) {
	lines := wrap(plain, hang, text, p.o.Width)
	lines[0] = first + lines[0][len(plain):]
	for _, l := range lines {
		p.line("%s", l)
	}
}

func (p *printer) paint(code, s string) string {
	if !p.o.Color {
		return s
	}
	return code + s + ansiReset
}

// when formats a capture time as UTC clock time with the offset from the
// first frame.
func (p *printer) when(t result.Time) string {
	if t.IsZero() {
		return "-"
	}
	return roundMS(t.Time).UTC().Format("15:04:05.000") + " " + p.off(t)
}

// off is t's offset from the first frame: "(+364.697s)".
func (p *printer) off(t result.Time) string {
	return fmt.Sprintf("(+%.3fs)", offsetSeconds(t.Time, p.start))
}

func (p *printer) capture(c *result.CaptureResult) error {
	p.start = c.First.Time
	p.para(p.paint(ansiBold, c.File), c.File, "  ", "")
	if c.Error != "" {
		p.para("  ", "  ", "    ", "could not be read: "+c.Error)
		return nil
	}
	span := roundMS(c.Last.Time).Sub(roundMS(c.First.Time))
	head := fmt.Sprintf("%s, %d frames, %s to %s UTC (%s)", c.Format, c.Frames,
		roundMS(c.First.Time).UTC().Format("2006-01-02 15:04:05.000"), roundMS(c.Last.Time).UTC().Format("2006-01-02 15:04:05.000"), span)
	if n := frameNumbersNote(c); n != "" {
		// Next to the first frame: every frame number below is one of
		// the converted file.
		head += "; " + n
	}
	p.para("  ", "  ", "    ", head)
	for _, s := range []string{etlCountsLine(c), wfpNote(c)} {
		if s != "" {
			p.para("  ", "  ", "    ", s)
		}
	}
	for _, h := range c.Hosts {
		if h.OS != "" {
			p.para("  ", "  ", "    ", fmt.Sprintf("host %s: %s", h.Addr, h.OS))
		}
	}
	p.hostLogs(c)
	p.line("")
	// Pairs worst first, in the order the HTML report uses.
	p.order = pairOrder(c)
	if len(c.Pairs) == 0 && wireUnseen(c) {
		p.line("  No pair judged: this capture does not show the wire (see the WFP layer line above).")
	} else if len(c.Pairs) == 0 {
		p.line("  No IKE, ESP or SMB traffic between any pair of hosts.")
	} else if err := p.summary(c); err != nil {
		return err
	}
	for _, i := range p.order {
		if pr := &c.Pairs[i]; pr.Reason != "" {
			p.line("")
			label := "Note"
			if pr.Verdict == result.VerdictInconclusive {
				label = "Inconclusive"
			}
			p.para(p.paint(ansiBold, label)+" ", label+" ", "  ", fmt.Sprintf("%s -> %s: %s", pr.Initiator, pr.Responder, pr.Reason))
		}
	}
	for _, i := range p.order {
		pr := &c.Pairs[i]
		for j := range pr.Findings {
			if f := &pr.Findings[j]; f.ID == result.FindingKB977526 {
				if err := p.kb(pr, f); err != nil {
					return err
				}
			}
		}
	}
	p.windowsSays(c)
	p.others(c)
	p.merge(c.Merge)
	for _, w := range c.Warnings {
		p.para(p.paint(ansiAmber, "warning:")+" ", "warning: ", "  ", w)
	}
	return nil
}

// summaryColumns are the pairs table's columns; when the width is short
// the OS columns go first (the host lines above name each OS), then the
// means.
var summaryColumns = []column{
	{head: "pair"}, {head: "initiator OS", drop: 6}, {head: "responder OS", drop: 7}, {head: "verdict"},
	{head: "confidence", right: true, drop: 2}, {head: "cycles", right: true, drop: 3},
	{head: "mean outage", right: true, drop: 4}, {head: "mean soft SA", right: true, drop: 5},
	{head: "first evidence", right: true, drop: 1},
}

func (p *printer) summary(c *result.CaptureResult) error {
	os := map[string]string{}
	for _, h := range c.Hosts {
		os[h.Addr] = h.Windows
	}
	var rows [][]string
	for _, i := range p.order {
		pr := &c.Pairs[i]
		f := pr.Main()
		conf, cycles, outage, soft, first := "-", "-", "-", "-", "-"
		if f != nil {
			conf = strconv.FormatFloat(f.Confidence, 'f', 2, 64)
			if n := f.FirstFrame(); n > 0 {
				first = strconv.Itoa(n)
			}
			if len(f.Cycles) > 0 {
				cycles = strconv.Itoa(len(f.Cycles))
				outage, soft = cycleMeans(f.Cycles, tenths, ">= ")
			}
		}
		rows = append(rows, []string{pr.Initiator + " -> " + pr.Responder, orDash(os[pr.Initiator]), orDash(os[pr.Responder]),
			pr.Verdict, conf, cycles, outage, soft, first})
	}
	for _, l := range fitTable(summaryColumns, rows, "  ", p.o.Width) {
		p.line("%s", l)
	}
	return nil
}

// cycleColumns is the compact cycle table: when each outage started (as
// an offset), how long it lasted, how long the soft SA that followed
// lived, and the negotiation frames, summarised to what the width leaves.
var cycleColumns = []column{
	{head: "#", right: true}, {head: "outage start", right: true}, {head: "outage", right: true},
	{head: "soft SA", right: true}, {head: "frames"},
}

func (p *printer) kb(pr *result.Pair, f *result.Finding) error {
	p.line("")
	head := fmt.Sprintf("%s -> %s: confidence %.2f, %d cycle(s)", pr.Initiator, pr.Responder, f.Confidence, len(f.Cycles))
	p.para(p.paint(ansiRed+ansiBold, "KB 977526")+" ", "KB 977526 ", "  ", head)
	p.para("  ", "  ", "    ", f.Summary)
	cols := cycleColumns
	host := hostCycles(f.Cycles)
	if host {
		// What the hosts logged inside each outage, before the frames.
		cols = append(cols[:4:4], column{head: "host log in outage"}, cols[4])
	}
	fc := len(cols) - 1 // the frames column
	rows := make([][]string, len(f.Cycles))
	for i, cy := range f.Cycles {
		soft := tenths(cy.SoftSASeconds)
		if cy.SoftSAOpen {
			soft = ">= " + soft + " (open)"
		}
		rows[i] = []string{strconv.Itoa(i + 1), fmt.Sprintf("+%.3fs", offsetSeconds(cy.OutageStart.Time, p.start)), tenths(cy.OutageSeconds), soft}
		if host {
			rows[i] = append(rows[i], hostCycleCell(cy))
		}
		rows[i] = append(rows[i], "")
	}
	// The frames get what the other columns leave of the width.
	used := 2 + 2*fc
	for c := range fc {
		w := runes(cols[c].head)
		for _, r := range rows {
			w = max(w, runes(r[c]))
		}
		used += w
	}
	for i, cy := range f.Cycles {
		rows[i][fc] = frameSummary(cy.Frames, max(p.o.Width-used, 8))
	}
	for _, l := range fitTable(cols, rows, "  ", p.o.Width) {
		p.line("%s", l)
	}
	p.evidence(f)
	return nil
}

// evidence prints the first evidence frames in aligned columns (frame,
// time, offset, what), the what wrapped under itself.
func (p *printer) evidence(f *result.Finding) {
	shown := textEvidence(f.Evidence, p.o.MaxEvidence)
	fw, ow := 0, 0
	for _, e := range shown {
		fw = max(fw, len(strconv.Itoa(e.Frame)))
		if !e.Time.IsZero() {
			ow = max(ow, len(p.off(e.Time)))
		}
	}
	for _, e := range shown {
		when := fmt.Sprintf("%-12s %*s", "-", ow, "")
		if !e.Time.IsZero() {
			when = roundMS(e.Time.Time).UTC().Format("15:04:05.000") + " " + fmt.Sprintf("%*s", ow, p.off(e.Time))
		}
		lead := fmt.Sprintf("  frame %*d  %s  ", fw, e.Frame, when)
		if e.Proto == result.ProtoHost {
			// A host log event has no frame: it says so where the
			// frame number would be.
			lead = fmt.Sprintf("  %-*s  %s  ", 6+fw, "host", when)
		}
		hang := strings.Repeat(" ", runes(lead))
		if runes(lead)+20 > p.o.Width {
			hang = "      "
		}
		p.para(lead, lead, hang, e.What)
	}
	if more := len(f.Evidence) - len(shown) + f.EvidenceOmitted; more > 0 {
		p.para("  ", "  ", "    ", fmt.Sprintf("… %d more (see --format json or the HTML report)", more))
	}
	if f.WiresharkFilter != "" {
		// Wrapped at its spaces only, where Wireshark ignores the break.
		p.para("  Wireshark filter: ", "  Wireshark filter: ", "    ", f.WiresharkFilter)
	}
}

func (p *printer) others(c *result.CaptureResult) {
	header := false
	// Problems first, then the informational findings under them.
	for _, problems := range []bool{true, false} {
		for _, i := range p.order {
			pr := &c.Pairs[i]
			for j := range pr.Findings {
				f := &pr.Findings[j]
				if f.ID == result.FindingKB977526 || f.IsProblem() != problems {
					continue
				}
				if !header {
					p.line("")
					p.line("%s", p.paint(ansiBold, "Other findings"))
					header = true
				}
				id := f.ID
				if f.IsProblem() {
					id = p.paint(ansiAmber, id)
				} else {
					id = p.paint(ansiGreen, id) + " (informational)"
				}
				plain := f.ID
				if !f.IsProblem() {
					plain += " (informational)"
				}
				p.para(id+" ", plain+" ", "  ", fmt.Sprintf("%s -> %s (confidence %.2f): %s", pr.Initiator, pr.Responder, f.Confidence, f.Summary))
				if f.IsProblem() {
					p.evidence(f)
				}
			}
		}
	}
}

// merge prints, for two merged captures, the clock offset and where each
// outage's packets were lost.
func (p *printer) merge(m *result.MergeInfo) {
	if m == nil {
		return
	}
	p.line("")
	p.para(p.paint(ansiBold, "Merged captures")+" ", "Merged captures ", "  ", fmt.Sprintf("%s (on %s) and %s (on %s): clock offset %+.3f s, one-way delay %.1f ms, %d packets in both",
		m.Files[0], orDash(m.Hosts[0]), m.Files[1], orDash(m.Hosts[1]),
		m.OffsetSeconds, m.LatencySeconds*1000, m.MatchedPackets))
	for i, o := range m.Outages {
		p.para("  ", "  ", "    ", fmt.Sprintf("outage %d at %s: %s", i+1, p.when(o.Start), o.What))
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

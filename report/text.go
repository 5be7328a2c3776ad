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
	return fmt.Sprintf("%s (+%.3fs)", t.UTC().Format("15:04:05.000"), t.Sub(p.start).Seconds())
}

func (p *printer) capture(c *result.CaptureResult) error {
	p.start = c.First.Time
	p.line("%s", p.paint(ansiBold, c.File))
	if c.Error != "" {
		p.line("  could not be read: %s", c.Error)
		return nil
	}
	span := c.Last.Sub(c.First.Time).Round(time.Millisecond)
	p.line("  %s, %d frames, %s to %s UTC (%s)", c.Format, c.Frames,
		c.First.UTC().Format("2006-01-02 15:04:05.000"), c.Last.UTC().Format("2006-01-02 15:04:05.000"), span)
	for _, h := range c.Hosts {
		if h.OS != "" {
			p.line("  host %s: %s", h.Addr, h.OS)
		}
	}
	p.line("")
	// Pairs worst first, in the order the HTML report uses.
	p.order = pairOrder(c)
	if len(c.Pairs) == 0 {
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
			p.line("%s %s -> %s: %s", p.paint(ansiBold, label), pr.Initiator, pr.Responder, pr.Reason)
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
	p.others(c)
	p.merge(c.Merge)
	for _, w := range c.Warnings {
		p.line("%s %s", p.paint(ansiAmber, "warning:"), w)
	}
	return nil
}

func (p *printer) summary(c *result.CaptureResult) error {
	os := map[string]string{}
	for _, h := range c.Hosts {
		os[h.Addr] = h.Windows
	}
	t := newTable(p.w, "pair", "initiator OS", "responder OS", "verdict", "confidence", "cycles", "mean outage", "mean soft SA", "first evidence")
	for _, i := range p.order {
		pr := &c.Pairs[i]
		f := pr.Main()
		conf, cycles, outage, soft, first := "-", "-", "-", "-", "-"
		if f != nil {
			conf = strconv.FormatFloat(f.Confidence, 'f', 2, 64)
			if len(f.Evidence) > 0 {
				first = strconv.Itoa(f.Evidence[0].Frame)
			}
			if len(f.Cycles) > 0 {
				cycles = strconv.Itoa(len(f.Cycles))
				outage, soft = cycleMeans(f.Cycles, tenths, ">= ")
			}
		}
		if err := t.row(pr.Initiator+" -> "+pr.Responder, orDash(os[pr.Initiator]), orDash(os[pr.Responder]),
			pr.Verdict, conf, cycles, outage, soft, first); err != nil {
			return err
		}
	}
	return t.render()
}

func (p *printer) kb(pr *result.Pair, f *result.Finding) error {
	p.line("")
	p.line("%s %s -> %s: confidence %.2f, %d cycle(s)", p.paint(ansiRed+ansiBold, "KB 977526"), pr.Initiator, pr.Responder, f.Confidence, len(f.Cycles))
	p.line("  %s", f.Summary)
	t := newTable(p.w, "#", "outage start", "outage end", "outage", "soft SA start", "soft SA end", "soft SA", "negotiation frames")
	for i, cy := range f.Cycles {
		soft := tenths(cy.SoftSASeconds)
		if cy.SoftSAOpen {
			soft = ">= " + soft + " (open)"
		}
		if err := t.row(strconv.Itoa(i+1), p.when(cy.OutageStart), p.when(cy.OutageEnd), tenths(cy.OutageSeconds),
			p.when(cy.SoftSAStart), p.when(cy.SoftSAEnd), soft, frameList(cy.Frames, 8)); err != nil {
			return err
		}
	}
	if err := t.render(); err != nil {
		return err
	}
	p.evidence(f)
	return nil
}

func (p *printer) evidence(f *result.Finding) {
	n := min(len(f.Evidence), p.o.MaxEvidence)
	for _, e := range f.Evidence[:n] {
		p.line("  frame %-7d %s  %s", e.Frame, p.when(e.Time), e.What)
	}
	if more := len(f.Evidence) - n + f.EvidenceOmitted; more > 0 {
		p.line("  … %d more (see --format json or the HTML report)", more)
	}
	if f.WiresharkFilter != "" {
		p.line("  Wireshark filter: %s", f.WiresharkFilter)
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
				p.line("%s %s -> %s (confidence %.2f): %s", id, pr.Initiator, pr.Responder, f.Confidence, f.Summary)
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
	p.line("%s %s (on %s) and %s (on %s): clock offset %+.3f s, one-way delay %.1f ms, %d packets in both",
		p.paint(ansiBold, "Merged captures"), m.Files[0], orDash(m.Hosts[0]), m.Files[1], orDash(m.Hosts[1]),
		m.OffsetSeconds, m.LatencySeconds*1000, m.MatchedPackets)
	for i, o := range m.Outages {
		p.line("  outage %d at %s: %s", i+1, p.when(o.Start), o.What)
	}
}

// frameList prints up to max frame numbers, then how many more.
func frameList(frames []int, max int) string {
	var b strings.Builder
	for i, f := range frames {
		if i == max {
			fmt.Fprintf(&b, " +%d", len(frames)-max)
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(f))
	}
	if b.Len() == 0 {
		return "-"
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

package report

import (
	"bufio"
	"embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"softsa/analyzer/result"
)

// The HTML report is one self-contained file a support engineer attaches to
// a ticket: inline CSS and inline SVG, no scripts, nothing loaded from
// anywhere. Everything is computed here into a view model of plain strings
// and numbers; the templates in templates/ only lay it out, and html/template
// escapes every string that came from the capture.

//go:embed templates/*.tmpl
var htmlFS embed.FS

var htmlTemplates = template.Must(template.New("softsa").Funcs(template.FuncMap{
	"ms": func(seconds float64) float64 { return seconds * 1000 },
}).ParseFS(htmlFS, "templates/*.tmpl"))

// Caps that keep the report readable and under a megabyte whatever the
// capture holds. What is left out is counted and said.
const (
	htmlMaxNegotiations = 100 // rows per pair in the negotiations table
	htmlMaxSAs          = 50  // rows per pair in the SA table
	htmlMaxESPLanes     = 6   // ESP lanes per timeline
	htmlMaxMarks        = 400 // IKE marks, SA bars or gaps per timeline lane
	htmlMaxFrames       = 12  // frame numbers listed per cycle
)

// HTML writes r as one self-contained HTML document: per capture a header
// with the verdict in one sentence, a table of its pairs, and for each pair
// with findings or IKE traffic a section with an SVG timeline (for problem
// pairs), the KB 977526 cycles, evidence, Wireshark filters and
// negotiations; then the hosts, and what KB 977526 says and how to fix it
// when it was found. The document has no scripts and loads nothing; every
// string from the capture is escaped by html/template. Output depends only
// on r.
//
// The document is written as it is rendered, not held whole: on a long
// capture it runs to tens of megabytes.
func HTML(w io.Writer, r *result.Result) error {
	doc := newHTMLDoc(r)
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := htmlTemplates.ExecuteTemplate(bw, "report", doc); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	return bw.Flush()
}

// htmlDoc is the view model of the whole document.
type htmlDoc struct {
	Title    string
	Tool     string
	Batch    bool
	Captures []*htmlCapture
	// KB is set when some capture has a KB 977526 finding: the fix section
	// is shown, else a short "about softsa".
	KB *htmlKB
}

type htmlKB struct {
	// Patch lists the Vista/Server 2008 sides (the KB initiators) to update.
	Patch []string
}

type htmlCapture struct {
	ID       string
	File     string
	Format   string
	Frames   int
	First    string
	Last     string
	Duration string
	Error    string
	// Verdict is the one-sentence answer for the customer.
	Verdict      string
	VerdictClass string
	Counts       string
	Warnings     []string
	Merge        *result.MergeInfo
	Rows         []htmlPairRow
	Pairs        []*htmlPair
	Hosts        []htmlHost
}

type htmlVerdict struct {
	Code  string
	Label string
	Class string
}

type htmlPairRow struct {
	Anchor        string
	Initiator     string
	Responder     string
	InitiatorOS   string
	ResponderOS   string
	Verdict       htmlVerdict
	Confidence    string
	Cycles        string
	MeanOutage    string
	MeanSoftSA    string
	FirstEvidence string
}

type htmlPair struct {
	ID          string
	Initiator   string
	Responder   string
	InitiatorOS string
	ResponderOS string
	Verdict     htmlVerdict
	Span        string
	Traffic     string
	Timeline    *htmlTimeline
	KB          *htmlFinding
	Cycles      []htmlCycle
	Findings    []htmlFinding
	SMB         *htmlSMB

	Negotiations        []htmlNegotiation
	NegotiationsOmitted int
	SAs                 []htmlSA
	SAsOmitted          int
}

type htmlFinding struct {
	ID              string
	Title           string
	Class           string
	Confidence      string
	Summary         string
	Informational   bool
	Evidence        []htmlEvidence
	EvidenceOmitted int
	Filter          string
}

type htmlTime struct {
	UTC string
	Rel string
}

type htmlEvidence struct {
	Frame int
	At    htmlTime
	What  string
}

type htmlCycle struct {
	N               int
	OutageStart     htmlTime
	OutageEnd       htmlTime
	Outage          string
	SoftStart       htmlTime
	SoftEnd         htmlTime
	Soft            string
	IKEMessages     int
	Retransmissions int
	Frames          string
	InFlight        []string
}

type htmlSMB struct {
	Dialect   string
	Sessions  int
	Read      string
	Written   string
	Requests  int
	Responses int
	Files     []string
	InFlight  []string
}

type htmlNegotiation struct {
	Protocol        string
	Exchange        string
	InitiatorSPI    string
	ResponderSPI    string
	Start           htmlTime
	Duration        string
	Messages        int
	Retransmissions int
	Outcome         htmlVerdict
	Notify          string
	Frames          string
}

type htmlSA struct {
	Kind     string
	SPI      string
	Dir      string
	Start    htmlTime
	End      htmlTime
	Duration string
	Packets  int
	Bytes    string
	Notes    string
}

type htmlHost struct {
	Addr      string
	Windows   string
	OS        string
	VendorIDs []string
}

// clock turns capture timestamps into what the report prints: UTC clock
// time, and seconds since the capture's first frame.
type clock struct{ t0 time.Time }

func (c clock) rel(t time.Time) float64 { return t.Sub(c.t0).Seconds() }

func (c clock) at(t result.Time) htmlTime {
	if t.IsZero() {
		return htmlTime{UTC: "-"}
	}
	layout := "15:04:05.000"
	if !sameDay(t.Time, c.t0) {
		layout = "2006-01-02 15:04:05.000"
	}
	return htmlTime{UTC: t.UTC().Format(layout), Rel: fmt.Sprintf("+%.3f s", c.rel(t.Time))}
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.UTC().Date()
	by, bm, bd := b.UTC().Date()
	return ay == by && am == bm && ad == bd
}

func fullTime(t result.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05.000") + " UTC"
}

// humanSeconds prints a duration for people: "66.3 s", "4 min 58 s",
// "1 h 2 min".
func humanSeconds(s float64) string {
	switch {
	case s < 0:
		return "-"
	case s < 100:
		return strconv.FormatFloat(s, 'f', 1, 64) + " s"
	case s < 3600:
		m := int(math.Round(s))
		return fmt.Sprintf("%d min %d s", m/60, m%60)
	default:
		m := int(math.Round(s / 60))
		return fmt.Sprintf("%d h %d min", m/60, m%60)
	}
}

// about says a duration roughly, for the one-sentence verdict.
func about(s float64) string {
	switch {
	case s >= 45 && s <= 90:
		return "about a minute"
	case s < 1.5:
		return "about a second"
	case s < 45:
		return fmt.Sprintf("about %d seconds", int(math.Round(s)))
	case s < 5400:
		return fmt.Sprintf("about %d minutes", int(math.Round(s/60)))
	default:
		return fmt.Sprintf("about %d hours", int(math.Round(s/3600)))
	}
}

func humanBytes(n int64) string {
	switch {
	case n < 10_000:
		return strconv.FormatInt(n, 10) + " bytes"
	case n < 10_000_000:
		return strconv.FormatFloat(float64(n)/1e3, 'f', 1, 64) + " kB"
	default:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
	}
}

func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return strconv.Itoa(n) + " times"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// verdictOf names a verdict for people, from the catalog, and gives it a
// badge class. Unknown verdicts are shown as they are, in the neutral
// style.
func verdictOf(code string) htmlVerdict {
	v, ok := result.VerdictOf(code)
	if !ok {
		return htmlVerdict{Code: code, Label: code, Class: "v-neutral"}
	}
	return htmlVerdict{Code: v.Code, Label: v.Label, Class: verdictClass(v)}
}

// verdictClass colours a verdict by its severity, the KB loop in its own.
func verdictClass(v result.VerdictKind) string {
	switch {
	case v.Code == result.VerdictKB977526:
		return "v-kb"
	case v.Severity == result.SeverityProblem:
		return "v-bad"
	case v.Severity == result.SeverityInfo:
		return "v-info"
	case v.Severity == result.SeverityHealthy:
		return "v-ok"
	}
	return "v-neutral"
}

var outcomes = []htmlVerdict{
	{result.OutcomeEstablished, "established", "v-ok"},
	{result.OutcomeFailed, "failed", "v-bad"},
	{result.OutcomeNoResponse, "no response", "v-bad"},
	{result.OutcomeIncomplete, "incomplete", "v-warn"},
}

func outcomeOf(code string) htmlVerdict {
	for _, v := range outcomes {
		if v.Code == code {
			return v
		}
	}
	return htmlVerdict{Code: code, Label: code, Class: "v-neutral"}
}

// findingTitle gives a finding ID its title and, for the verdict sentence,
// what it means in plain words, from the catalog; an unknown ID is named
// as it is.
func findingTitle(id string) (title, plain string) {
	if k, ok := result.FindingOf(id); ok {
		return k.Title, k.Plain
	}
	return id, "problem " + id
}

// newHTMLDoc builds the view model of r.
func newHTMLDoc(r *result.Result) *htmlDoc {
	d := &htmlDoc{Tool: r.Tool.Name + " " + r.Tool.Version, Batch: len(r.Captures) > 1}
	if r.Tool.Name == "" {
		d.Tool = "softsa " + r.Tool.Version
	}
	switch len(r.Captures) {
	case 0:
		d.Title = "softsa report"
	case 1:
		d.Title = "softsa report: " + baseName(r.Captures[0].File)
	default:
		d.Title = fmt.Sprintf("softsa report: %d captures", len(r.Captures))
	}
	for i := range r.Captures {
		c := &r.Captures[i]
		d.Captures = append(d.Captures, newHTMLCapture(c, fmt.Sprintf("c%d", i+1)))
		for j := range c.Pairs {
			p := &c.Pairs[j]
			if p.KB() == nil {
				continue
			}
			if d.KB == nil {
				d.KB = &htmlKB{}
			}
			h := p.Initiator
			if os := windowsOf(c, p.Initiator); os != "" {
				h += " (" + os + ")"
			}
			if !slices.Contains(d.KB.Patch, h) {
				d.KB.Patch = append(d.KB.Patch, h)
			}
		}
	}
	return d
}

// baseName is the last element of a slash or backslash path.
func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 && i < len(p)-1 {
		return p[i+1:]
	}
	return p
}

func windowsOf(c *result.CaptureResult, addr string) string {
	for i := range c.Hosts {
		if c.Hosts[i].Addr == addr {
			return c.Hosts[i].Windows
		}
	}
	return ""
}

// level orders pair sections: KB pairs, other problems, the rest.
func level(p *result.Pair) int {
	switch {
	case p.KB() != nil:
		return 0
	case p.HasProblem():
		return 1
	}
	return 2
}

func newHTMLCapture(c *result.CaptureResult, id string) *htmlCapture {
	hc := &htmlCapture{
		ID: id, File: c.File, Format: c.Format, Frames: c.Frames,
		First: fullTime(c.First), Last: fullTime(c.Last),
		Error: c.Error, Warnings: c.Warnings, Merge: c.Merge,
	}
	if !c.First.IsZero() && !c.Last.IsZero() {
		s := c.Last.Sub(c.First.Time).Seconds()
		hc.Duration = humanSeconds(s)
		if s >= 100 {
			hc.Duration += fmt.Sprintf(" (%.1f s)", s)
		}
	}
	hc.Verdict, hc.VerdictClass = captureVerdict(c)
	hc.Counts = verdictCounts(c)
	ck := clock{c.First.Time}

	// Sections in order of severity, stable within each level.
	anchors := make([]string, len(c.Pairs))
	for lv := 0; lv <= 2; lv++ {
		for i := range c.Pairs {
			p := &c.Pairs[i]
			if level(p) != lv || (len(p.Findings) == 0 && len(p.Negotiations) == 0) {
				continue
			}
			anchors[i] = fmt.Sprintf("%s-p%d", id, i+1)
			hc.Pairs = append(hc.Pairs, newHTMLPair(c, p, anchors[i], ck))
		}
	}
	for lv := 0; lv <= 2; lv++ {
		for i := range c.Pairs {
			if level(&c.Pairs[i]) == lv {
				hc.Rows = append(hc.Rows, newHTMLPairRow(c, &c.Pairs[i], anchors[i]))
			}
		}
	}
	for _, h := range c.Hosts {
		hh := htmlHost{Addr: h.Addr, Windows: h.Windows, VendorIDs: h.VendorIDs}
		if h.OS != "" && h.OS != h.Windows {
			hh.OS = h.OS
		}
		hc.Hosts = append(hc.Hosts, hh)
	}
	return hc
}

// captureVerdict is the one sentence a customer reads first.
func captureVerdict(c *result.CaptureResult) (sentence, class string) {
	if c.Error != "" {
		return "This capture could not be read: " + c.Error, "verdict-error"
	}
	named := func(addr string) string {
		if os := windowsOf(c, addr); os != "" {
			return addr + " (" + os + ")"
		}
		return addr
	}
	var kb []*result.Pair
	var outages []float64
	for i := range c.Pairs {
		p := &c.Pairs[i]
		if f := p.KB(); f != nil {
			kb = append(kb, p)
			for _, cy := range f.Cycles {
				outages = append(outages, cy.OutageSeconds)
			}
		}
	}
	const kbTail = ": this is the Windows IPsec fallback-to-clear problem described in Microsoft KB 977526."
	if len(kb) > 0 {
		mean := 0.0
		for _, o := range outages {
			mean += o
		}
		if len(outages) > 0 {
			mean /= float64(len(outages))
		}
		if len(kb) == 1 {
			p := kb[0]
			n := len(p.KB().Cycles)
			each := " each"
			if n == 1 {
				each = ""
			}
			return fmt.Sprintf("Between %s and %s the connection was lost %s for %s%s%s",
				named(p.Initiator), named(p.Responder), times(n), about(mean), each, kbTail), "verdict-kb"
		}
		var parts []string
		for _, p := range kb {
			parts = append(parts, fmt.Sprintf("between %s and %s %s", named(p.Initiator), named(p.Responder), times(len(p.KB().Cycles))))
		}
		return fmt.Sprintf("In %d pairs of hosts the connection was lost again and again for %s each time (%s)%s",
			len(kb), about(mean), strings.Join(parts, "; "), kbTail), "verdict-kb"
	}
	// Other problems: group the pairs by their main finding.
	type group struct {
		plain string
		n     int
	}
	var groups []group
	problems := 0
	for i := range c.Pairs {
		p := &c.Pairs[i]
		if !p.HasProblem() {
			continue
		}
		problems++
		f := p.Main()
		_, plain := findingTitle(f.ID)
		found := false
		for j := range groups {
			if groups[j].plain == plain {
				groups[j].n++
				found = true
			}
		}
		if !found {
			groups = append(groups, group{plain, 1})
		}
	}
	if problems == 0 {
		return "No IPsec problem was found in this capture.", "verdict-ok"
	}
	var parts []string
	for _, g := range groups {
		parts = append(parts, fmt.Sprintf("%s (%s)", g.plain, plural(g.n, "pair", "pairs")))
	}
	return fmt.Sprintf("No KB 977526 loop was found, but IPsec did not work between %s of hosts: %s.",
		plural(problems, "pair", "pairs"), strings.Join(parts, "; ")), "verdict-problem"
}

// verdictCounts says how many pairs got each verdict, in a fixed order.
func verdictCounts(c *result.CaptureResult) string {
	if len(c.Pairs) == 0 {
		return "No IKE, ESP or SMB traffic between any pair of hosts."
	}
	var parts []string
	seen := map[string]bool{}
	count := func(code string) int {
		n := 0
		for i := range c.Pairs {
			if c.Pairs[i].Verdict == code {
				n++
			}
		}
		return n
	}
	for _, v := range result.Verdicts() {
		seen[v.Code] = true
		if n := count(v.Code); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, v.Label))
		}
	}
	for i := range c.Pairs {
		code := c.Pairs[i].Verdict
		if !seen[code] {
			seen[code] = true
			parts = append(parts, fmt.Sprintf("%d %s", count(code), code))
		}
	}
	return plural(len(c.Pairs), "pair", "pairs") + ": " + strings.Join(parts, ", ")
}

func newHTMLPairRow(c *result.CaptureResult, p *result.Pair, anchor string) htmlPairRow {
	row := htmlPairRow{
		Anchor: anchor, Initiator: p.Initiator, Responder: p.Responder,
		InitiatorOS: orDash(windowsOf(c, p.Initiator)), ResponderOS: orDash(windowsOf(c, p.Responder)),
		Verdict:    verdictOf(p.Verdict),
		Confidence: "-", Cycles: "-", MeanOutage: "-", MeanSoftSA: "-", FirstEvidence: "-",
	}
	f := p.Main()
	if f == nil {
		return row
	}
	row.Confidence = strconv.FormatFloat(f.Confidence, 'f', 2, 64)
	if len(f.Evidence) > 0 {
		row.FirstEvidence = strconv.Itoa(f.Evidence[0].Frame)
	}
	if n := len(f.Cycles); n > 0 {
		row.Cycles = strconv.Itoa(n)
		row.MeanOutage, row.MeanSoftSA = cycleMeans(f.Cycles, humanSeconds, "≥ ")
	}
	return row
}

func newHTMLPair(c *result.CaptureResult, p *result.Pair, id string, ck clock) *htmlPair {
	hp := &htmlPair{
		ID: id, Initiator: p.Initiator, Responder: p.Responder,
		InitiatorOS: windowsOf(c, p.Initiator), ResponderOS: windowsOf(c, p.Responder),
		Verdict: verdictOf(p.Verdict),
	}
	if !p.First.IsZero() {
		hp.Span = fmt.Sprintf("frames %d–%d, %s to %s", p.FirstFrame, p.LastFrame,
			ck.at(p.First).Rel, ck.at(p.Last).Rel)
	}
	hp.Traffic = fmt.Sprintf("%s (%s), %s, %s",
		plural(p.ClearPackets, "clear packet", "clear packets"), humanBytes(int64(p.ClearBytes)),
		plural(p.ESPPackets, "ESP packet", "ESP packets"), plural(p.IKEMessages, "IKE message", "IKE messages"))

	for i := range p.Findings {
		f := &p.Findings[i]
		hf := newHTMLFinding(f, ck)
		if f.ID == result.FindingKB977526 && hp.KB == nil {
			hp.KB = &hf
			hp.Cycles = newHTMLCycles(p, f, ck)
			continue
		}
		hp.Findings = append(hp.Findings, hf)
	}
	if hp.KB != nil || p.HasProblem() {
		hp.Timeline = newTimeline(c, p, ck)
	}
	if p.SMB != nil {
		hp.SMB = &htmlSMB{
			Dialect: p.SMB.Dialect, Sessions: p.SMB.Sessions,
			Read: humanBytes(p.SMB.BytesRead), Written: humanBytes(p.SMB.BytesWritten),
			Requests: p.SMB.Requests, Responses: p.SMB.Responses,
			Files: p.SMB.Files, InFlight: p.SMB.InFlight,
		}
	}
	for i := range p.Negotiations {
		if i == htmlMaxNegotiations {
			hp.NegotiationsOmitted = len(p.Negotiations) - i
			break
		}
		n := &p.Negotiations[i]
		ex := n.Exchange
		if len(n.Exchanges) > 1 {
			ex += " (" + strings.Join(n.Exchanges, ", ") + ")"
		}
		frames := strconv.Itoa(n.FirstFrame)
		if n.LastFrame != n.FirstFrame {
			frames += "–" + strconv.Itoa(n.LastFrame)
		}
		hp.Negotiations = append(hp.Negotiations, htmlNegotiation{
			Protocol: n.Protocol, Exchange: ex,
			InitiatorSPI: orDash(n.InitiatorSPI), ResponderSPI: orDash(n.ResponderSPI),
			Start: ck.at(n.Start), Duration: humanSeconds(n.Seconds),
			Messages: n.Messages, Retransmissions: n.Retransmissions,
			Outcome: outcomeOf(n.Outcome), Notify: orDash(strings.Join(n.Notify, ", ")),
			Frames: frames,
		})
	}
	for i := range p.SAs {
		if i == htmlMaxSAs {
			hp.SAsOmitted = len(p.SAs) - i
			break
		}
		s := &p.SAs[i]
		hs := htmlSA{
			Kind: s.Kind, SPI: orDash(s.SPI), Start: ck.at(s.Start), End: ck.at(s.End),
			Duration: humanSeconds(s.Seconds), Packets: s.Packets, Bytes: humanBytes(int64(s.Bytes)),
		}
		if s.Src != "" || s.Dst != "" {
			hs.Dir = s.Src + " → " + s.Dst
		} else {
			hs.Dir = "both"
		}
		var notes []string
		if s.OneWay {
			notes = append(notes, "one way")
		}
		if s.UDPEncap {
			notes = append(notes, "UDP-encapsulated")
		}
		if s.SeqGaps > 0 {
			notes = append(notes, plural(s.SeqGaps, "sequence gap", "sequence gaps"))
		}
		if s.SeqRestarts > 0 {
			notes = append(notes, plural(s.SeqRestarts, "sequence restart", "sequence restarts"))
		}
		if s.DelaySeconds > 0 {
			notes = append(notes, "clear after "+humanSeconds(s.DelaySeconds))
		}
		if s.Open {
			notes = append(notes, "still open at the end of the capture")
		}
		hs.Notes = orDash(strings.Join(notes, ", "))
		hp.SAs = append(hp.SAs, hs)
	}
	return hp
}

func newHTMLFinding(f *result.Finding, ck clock) htmlFinding {
	title, _ := findingTitle(f.ID)
	hf := htmlFinding{
		ID: f.ID, Title: title, Confidence: strconv.FormatFloat(f.Confidence, 'f', 2, 64),
		Summary: f.Summary, Informational: f.Informational, EvidenceOmitted: f.EvidenceOmitted,
		Filter: f.WiresharkFilter, Class: "f-problem",
	}
	switch {
	case f.ID == result.FindingKB977526:
		hf.Class = "f-kb"
	case !f.IsProblem():
		hf.Class = "f-info"
	}
	for _, e := range f.Evidence {
		hf.Evidence = append(hf.Evidence, htmlEvidence{Frame: e.Frame, At: ck.at(e.Time), What: e.What})
	}
	return hf
}

func newHTMLCycles(p *result.Pair, f *result.Finding, ck clock) []htmlCycle {
	var out []htmlCycle
	for i, cy := range f.Cycles {
		soft := humanSeconds(cy.SoftSASeconds)
		if cy.SoftSAOpen {
			soft = "≥ " + soft + " (capture ends)"
		}
		hc := htmlCycle{
			N: i + 1, OutageStart: ck.at(cy.OutageStart), OutageEnd: ck.at(cy.OutageEnd),
			Outage: humanSeconds(cy.OutageSeconds), SoftStart: ck.at(cy.SoftSAStart), SoftEnd: ck.at(cy.SoftSAEnd),
			Soft: soft, IKEMessages: cy.IKEMessages, Retransmissions: cy.Retransmissions,
			Frames: frameList(cy.Frames, htmlMaxFrames),
		}
		// What the user was doing: the SMB requests outstanding when the
		// unanswered gap of this outage began.
		for _, g := range p.Gaps {
			if g.Kind == result.GapUnanswered && g.FirstFrame == cy.OutageFirstFrame {
				hc.InFlight = g.SMBInFlight
				break
			}
		}
		out = append(out, hc)
	}
	return out
}

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

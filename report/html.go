package report

import (
	"bufio"
	"embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"

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
	Title string
	// Incomplete is the reason the run stopped early, shown as a banner.
	Incomplete string
	Tool       string
	Batch      bool
	Captures   []*htmlCapture
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
	// ETL captures only: where the frame numbers come from, the ETL
	// reader's counts, the WFP layer's packets.
	FrameNumbers string
	ETLCounts    string
	WFPNote      string
	Rows         []htmlPairRow
	Pairs        []*htmlPair
	Hosts        []htmlHost
	// HostLogs are the host-side logs attached (hosthtml.go).
	HostLogs []result.HostLog
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
	Reason      string // why the verdict is inconclusive
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
	// HostEvents is the pair's "Windows says" list (hosthtml.go).
	HostEvents        []htmlHostEvent
	HostEventsOmitted int
	HostCycles        bool // the cycle table has a host column
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
	// Host is set for a host log event, which has no frame.
	Host bool
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
	Host            string // host log events inside the outage
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
	if r.Incomplete {
		d.Incomplete = r.IncompleteReason
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

func newHTMLCapture(c *result.CaptureResult, id string) *htmlCapture {
	hc := &htmlCapture{
		ID: id, File: c.File, Format: c.Format, Frames: c.Frames,
		First: fullTime(c.First), Last: fullTime(c.Last),
		Error: c.Error, Warnings: c.Warnings, Merge: c.Merge, HostLogs: c.HostLogs,
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
	if c.FrameNumbers != "" {
		hc.FrameNumbers = "softsa's frame numbers are those of the pcapng file " + c.FrameNumbers + " writes"
	}
	hc.ETLCounts = strings.TrimPrefix(etlCountsLine(c), "ETL: ")
	hc.WFPNote = c.WFPLayer.NoteOrEmpty()
	ck := clock{c.First.Time}

	// Sections and rows worst first, in the order the text report uses.
	order := pairOrder(c)
	anchors := make([]string, len(c.Pairs))
	for _, i := range order {
		p := &c.Pairs[i]
		if len(p.Findings) == 0 && len(p.Negotiations) == 0 {
			continue
		}
		anchors[i] = fmt.Sprintf("%s-p%d", id, i+1)
		hc.Pairs = append(hc.Pairs, newHTMLPair(c, p, anchors[i], ck))
	}
	for _, i := range order {
		hc.Rows = append(hc.Rows, newHTMLPairRow(c, &c.Pairs[i], anchors[i]))
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
	if len(c.Pairs) == 0 && wireUnseen(c) {
		return "This capture does not show the wire: every packet in it was logged at the WFP layer, above IPsec, so softsa cannot tell encrypted from clear traffic.", "verdict-error"
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
				named(p.Initiator), named(p.Responder), result.Times(n), about(mean), each, kbTail), "verdict-kb"
		}
		var parts []string
		for _, p := range kb {
			parts = append(parts, fmt.Sprintf("between %s and %s %s", named(p.Initiator), named(p.Responder), result.Times(len(p.KB().Cycles))))
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
	if n := f.FirstFrame(); n > 0 {
		row.FirstEvidence = strconv.Itoa(n)
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
		Verdict: verdictOf(p.Verdict), Reason: p.Reason,
	}
	if !p.First.IsZero() {
		hp.Span = fmt.Sprintf("frames %d–%d, %s to %s", p.FirstFrame, p.LastFrame,
			ck.at(p.First).Rel, ck.at(p.Last).Rel)
	}
	hp.Traffic = fmt.Sprintf("%s (%s), %s, %s",
		plural(p.ClearPackets, "clear packet", "clear packets"), humanBytes(int64(p.ClearBytes)),
		plural(p.ESPPackets, "ESP packet", "ESP packets"), plural(p.IKEMessages, "IKE message", "IKE messages"))
	if p.WFPPackets > 0 {
		// ETL captures: the WFP layer's copies, above IPsec, not analysed.
		hp.Traffic += "; " + plural(p.WFPPackets, "packet", "packets") + " seen decrypted at the WFP layer (not analysed)"
	}

	for i := range p.Findings {
		f := &p.Findings[i]
		hf := newHTMLFinding(f, ck)
		if f.ID == result.FindingKB977526 && hp.KB == nil {
			hp.KB = &hf
			hp.Cycles = newHTMLCycles(p, f, ck)
			hp.HostCycles = hostCycles(f.Cycles)
			continue
		}
		hp.Findings = append(hp.Findings, hf)
	}
	if hp.KB != nil || p.HasProblem() {
		hp.Timeline = newTimeline(c, p, ck)
	}
	hp.HostEvents, hp.HostEventsOmitted = newHTMLHostEvents(p, ck)
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
		hf.Evidence = append(hf.Evidence, htmlEvidence{Frame: e.Frame, At: ck.at(e.Time), What: e.What, Host: e.Proto == result.ProtoHost})
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
			Frames: frameList(cy.Frames, htmlMaxFrames), Host: hostCycleCell(cy),
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

package report

import (
	"bytes"
	"context"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"softsa/analyzer"
	"softsa/analyzer/result"
	"softsa/decoders/capture"
)

// The golden files under testdata/html (and the screenshot in docs/, see
// chromium_test.go) are rewritten by the package's -update flag, defined
// in report_test.go:
//
//	go test ./report -run HTML -update

// htmlMaxBytes is the size every report must stay under.
const htmlMaxBytes = 1 << 20

// sampleResult analyses one capture as the CLI does.
func sampleResult(t testing.TB, path string) *result.Result {
	t.Helper()
	c, err := capture.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer c.Close()
	cr, err := analyzer.Analyze(context.Background(), c, analyzer.DefaultOptions())
	if err != nil {
		t.Fatalf("analyze %s: %v", path, err)
	}
	// Named relative to the repository root, as the other goldens are, so
	// the files do not depend on where the tests run.
	cr.File = filepath.ToSlash(filepath.Join("samples", filepath.Base(path)))
	r := result.NewResult("test", *cr)
	return &r
}

func renderHTML(t testing.TB, r *result.Result) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := HTML(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sampleName is a capture's name without its extensions:
// kb977526-vista-to-xp.pcapng → kb977526-vista-to-xp.
func sampleName(path string) string {
	base := filepath.Base(path)
	if i := strings.Index(base, "."); i > 0 {
		return base[:i]
	}
	return base
}

func samplePaths(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob("../samples/*.pcap*")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no samples/*.pcap* (%v)", err)
	}
	return paths
}

// TestHTMLGolden renders every sample and compares it with its golden file.
func TestHTMLGolden(t *testing.T) {
	for _, path := range samplePaths(t) {
		name := sampleName(path)
		t.Run(name, func(t *testing.T) {
			r := sampleResult(t, path)
			got := renderHTML(t, r)
			if len(got) >= htmlMaxBytes {
				t.Errorf("report is %d bytes, want < %d", len(got), htmlMaxBytes)
			}
			// Rendering twice gives the same bytes: nothing depends on map
			// order or the clock.
			if again := renderHTML(t, sampleResult(t, path)); !bytes.Equal(got, again) {
				t.Fatal("two renderings of the same capture differ")
			}
			checkNoActiveContent(t, got)
			golden := filepath.Join("testdata", "html", name+".html")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./report -run HTML -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the rendering (%d vs %d bytes): first difference at line %d; run go test ./report -run HTML -update if the change is intended",
					golden, len(want), len(got), firstDiffLine(want, got))
			}
		})
	}
}

func firstDiffLine(a, b []byte) int {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := range min(len(la), len(lb)) {
		if !bytes.Equal(la[i], lb[i]) {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}

// checkNoActiveContent fails when the document could run or load anything:
// script-capable or embedding elements, event handler attributes, links
// other than to anchors inside the document, CSS that loads something. It
// reads the markup with an HTML5 tokenizer, so escaped text (which may well
// say "<img src=x onerror=…>") does not count.
func checkNoActiveContent(t *testing.T, doc []byte) {
	t.Helper()
	forbidden := map[string]bool{"script": true, "img": true, "iframe": true, "object": true, "embed": true, "link": true,
		"base": true, "frame": true, "frameset": true, "audio": true, "video": true, "source": true, "image": true,
		"use": true, "foreignobject": true, "form": true, "input": true, "button": true, "animate": true, "set": true}
	z := html.NewTokenizer(bytes.NewReader(doc))
	inStyle, styles := false, 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				t.Errorf("tokenizer: %v", z.Err())
			}
			if styles != 1 {
				t.Errorf("%d <style> elements, want 1", styles)
			}
			return
		case html.TextToken:
			if inStyle {
				css := strings.ToLower(string(z.Text()))
				for _, bad := range []string{"url(", "@import", "@font-face", "http:", "https:", "expression("} {
					if strings.Contains(css, bad) {
						t.Errorf("CSS contains %q", bad)
					}
				}
			}
		case html.EndTagToken:
			inStyle = false
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			name := strings.ToLower(tok.Data)
			if forbidden[name] {
				t.Errorf("element <%s> in the report", name)
			}
			if name == "style" {
				inStyle = true
				styles++
			}
			if name == "meta" {
				for _, a := range tok.Attr {
					if strings.EqualFold(a.Key, "http-equiv") {
						t.Errorf("<meta http-equiv=%q>", a.Val)
					}
				}
			}
			for _, a := range tok.Attr {
				key := strings.ToLower(a.Key)
				switch {
				case strings.HasPrefix(key, "on"):
					t.Errorf("event handler attribute %s on <%s>", key, name)
				case key == "style":
					t.Errorf("style attribute on <%s>", name)
				case key == "src" || key == "srcset" || key == "xlink:href" || key == "action" || key == "formaction" || key == "poster" || key == "data":
					t.Errorf("%s attribute on <%s>", key, name)
				case key == "href" && !strings.HasPrefix(a.Val, "#"):
					t.Errorf("link to %q", a.Val)
				}
			}
		}
	}
}

var (
	outageRect = regexp.MustCompile(`<rect class="outage" x="([0-9.]+)" y="[0-9.]+" width="([0-9.]+)" height="[0-9.]+" data-start="([0-9.]+)" data-end="([0-9.]+)">`)
	svgScale   = regexp.MustCompile(`<svg class="timeline"[^>]* data-x0="([0-9.]+)" data-scale="([0-9.]+)"`)
)

func atof(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestHTMLTimelinePositions checks the outage shapes of the KB sample
// against the Result: one per cycle, data-start/data-end the outage in
// seconds since the first frame, x and width from the SVG's x0 and scale.
func TestHTMLTimelinePositions(t *testing.T) {
	r := sampleResult(t, "../samples/kb977526-vista-to-xp.pcapng")
	doc := string(renderHTML(t, r))
	c := &r.Captures[0]
	kb := c.Pairs[0].KB()
	if kb == nil {
		t.Fatal("the KB sample has no KB finding")
	}
	svg := svgScale.FindStringSubmatch(doc)
	if svg == nil {
		t.Fatal("no timeline SVG with data-x0 and data-scale")
	}
	x0, scale := atof(t, svg[1]), atof(t, svg[2])
	wantScale := (tlWidth - tlX0 - tlRight) / c.Last.Sub(c.First.Time).Seconds()
	if math.Abs(scale-wantScale) > 1e-6 {
		t.Errorf("data-scale %v, want %v", scale, wantScale)
	}
	rects := outageRect.FindAllStringSubmatch(doc, -1)
	if len(rects) != len(kb.Cycles) {
		t.Fatalf("%d outage rects, want %d (one per cycle)", len(rects), len(kb.Cycles))
	}
	for i, m := range rects {
		cy := kb.Cycles[i]
		x, w, start, end := atof(t, m[1]), atof(t, m[2]), atof(t, m[3]), atof(t, m[4])
		wantStart := cy.OutageStart.Sub(c.First.Time).Seconds()
		wantEnd := cy.OutageEnd.Sub(c.First.Time).Seconds()
		if math.Abs(start-wantStart) > 1e-6 || math.Abs(end-wantEnd) > 1e-6 {
			t.Errorf("outage %d: data-start/end %v/%v, want %v/%v", i+1, start, end, wantStart, wantEnd)
		}
		if math.Abs(x-(x0+start*scale)) > 0.01 || math.Abs(w-(end-start)*scale) > 0.02 {
			t.Errorf("outage %d: x=%v width=%v, want %v and %v", i+1, x, w, x0+start*scale, (end-start)*scale)
		}
	}
	// The first outage starts at the first frame: at the plot's left edge.
	if len(rects) > 0 && rects[0][1] != "150" {
		t.Errorf("first outage at x=%s, want 150", rects[0][1])
	}
}

// TestHTMLVerdicts checks the one-sentence verdicts a customer reads.
func TestHTMLVerdicts(t *testing.T) {
	kb := string(renderHTML(t, sampleResult(t, "../samples/kb977526-vista-to-xp.pcapng")))
	want := "Between 10.10.1.57 (Windows Vista) and 10.10.1.20 (Windows XP SP1) the connection was lost 4 times for about a minute each: this is the Windows IPsec fallback-to-clear problem described in Microsoft KB 977526."
	if !strings.Contains(kb, want) {
		t.Errorf("KB sample: verdict sentence missing: %q", want)
	}
	for _, s := range []string{"What KB 977526 says and how to fix it", "6.0.6001.22563", "6.0.6002.22267", "Ikeext.dll", "Fwpkclnt.sys", `class="outage"`, "<pre class=\"filter\"><code>ip.addr==10.10.1.20"} {
		if !strings.Contains(kb, s) {
			t.Errorf("KB sample: %q missing", s)
		}
	}
	healthy := string(renderHTML(t, sampleResult(t, "../samples/healthy-ipsec-ikev1.pcapng")))
	if !strings.Contains(healthy, "No IPsec problem was found in this capture.") {
		t.Error("healthy sample: no-finding sentence missing")
	}
	if strings.Contains(healthy, "how to fix it") || !strings.Contains(healthy, "About softsa") {
		t.Error("healthy sample: the KB section must give way to \"About softsa\"")
	}
	if strings.Contains(healthy, "<svg") {
		t.Error("healthy sample: a timeline is drawn for a pair without a problem")
	}
}

// TestHTMLBatch renders several captures in one document: a section each,
// an index, unique anchors.
func TestHTMLBatch(t *testing.T) {
	a := sampleResult(t, "../samples/kb977526-vista-to-xp.pcapng")
	b := sampleResult(t, "../samples/healthy-ipsec-ikev1.pcapng")
	r := result.NewResult("test", a.Captures[0], b.Captures[0], hostileResult().Captures[0])
	doc := string(renderHTML(t, &r))
	if n := strings.Count(doc, `<section class="capture"`); n != 3 {
		t.Errorf("%d capture sections, want 3", n)
	}
	if !strings.Contains(doc, "<title>softsa report: 3 captures</title>") || !strings.Contains(doc, `<nav class="index"`) {
		t.Error("batch title or index missing")
	}
	ids := regexp.MustCompile(`id="([^"]+)"`).FindAllStringSubmatch(doc, -1)
	seen := map[string]bool{}
	for _, m := range ids {
		if seen[m[1]] {
			t.Errorf("duplicate id %q", m[1])
		}
		seen[m[1]] = true
	}
	if strings.Count(doc, "What KB 977526 says") != 1 {
		t.Error("the KB section must appear exactly once")
	}
}

// Hostile strings, as a capture could carry them in SMB file names, vendor
// ID names, notify names and addresses of a crafted file.
const (
	hostileFile   = `<script>alert(1)</script>.txt`
	hostileVID    = `"><img src=x onerror=alert(1)>`
	hostileNotify = `</title><svg onload=alert(2)>`
	hostileWhat   = `<style>body{display:none}</style><a href="javascript:alert(3)">x</a>`
)

// hostileResult is a KB 977526 pair whose every capture string is hostile.
func hostileResult() *result.Result {
	t0 := time.Date(2009, 11, 10, 9, 0, 0, 0, time.UTC)
	at := func(s float64) result.Time { return result.At(t0.Add(time.Duration(s * float64(time.Second)))) }
	ev := []result.Evidence{{Frame: 1, Time: at(0), What: hostileWhat}, {Frame: 9, Time: at(62), What: hostileFile}}
	cycles := []result.Cycle{
		{OutageStart: at(0), OutageEnd: at(62), OutageSeconds: 62, SoftSAStart: at(62), SoftSAEnd: at(362), SoftSASeconds: 300,
			Frames: []int{1, 2, 9}, OutageFirstFrame: 1, OutageEndFrame: 9, SoftSAEndFrame: 100, IKEMessages: 7, Retransmissions: 5},
		{OutageStart: at(362), OutageEnd: at(426), OutageSeconds: 64, SoftSAStart: at(426), SoftSAEnd: at(600), SoftSASeconds: 174,
			Frames: []int{100, 101, 120}, OutageFirstFrame: 100, OutageEndFrame: 120, SoftSAEndFrame: 200, SoftSAOpen: true, IKEMessages: 7, Retransmissions: 4},
	}
	cr := result.CaptureResult{
		File: "cases/evil" + hostileVID + ".pcapng", Format: "pcapng<b>", Frames: 200, First: at(0), Last: at(600),
		Warnings: []string{"warning " + hostileVID},
		Hosts: []result.Host{
			{Addr: "10.0.0.1", OS: "Windows Vista " + hostileVID, Windows: "Windows Vista", VendorIDs: []string{hostileVID, "MS NT5 ISAKMPOAKLEY version 5"}},
			{Addr: "10.0.0.2", Windows: "Windows XP " + hostileNotify, VendorIDs: []string{"MS NT5 ISAKMPOAKLEY version 3"}},
		},
		Pairs: []result.Pair{{
			Initiator: "10.0.0.1", Responder: "10.0.0.2", Verdict: result.VerdictKB977526,
			Findings: []result.Finding{
				{ID: result.FindingKB977526, Confidence: 0.9, Summary: "loop " + hostileFile, Cycles: cycles, Evidence: ev,
					WiresharkFilter: `ip.addr==10.0.0.1 && smb2.filename contains "` + hostileFile + `"`},
				{ID: "EVIL" + hostileVID, Confidence: 0.5, Summary: hostileNotify, Evidence: ev, WiresharkFilter: hostileVID},
			},
			Negotiations: []result.Negotiation{
				{Protocol: "ikev1", Exchange: "main" + hostileVID, Exchanges: []string{"main", hostileNotify}, InitiatorSPI: hostileVID,
					Start: at(0.5), End: at(61), Seconds: 60.5, Messages: 9, Retransmissions: 6, Outcome: result.OutcomeIncomplete,
					Notify: []string{hostileNotify}, FirstFrame: 2, LastFrame: 8},
				{Protocol: "ikev1", Exchange: "main", InitiatorSPI: "00112233", Start: at(362.5), End: at(424), Seconds: 61.5,
					Messages: 9, Outcome: hostileVID, FirstFrame: 101, LastFrame: 119},
			},
			SAs: []result.SA{
				{Kind: result.SAKindSoft, Start: at(62), End: at(362), Seconds: 300, Packets: 50, Bytes: 5000},
				{Kind: result.SAKindSoft, Start: at(426), End: at(600), Seconds: 174, Packets: 30, Bytes: 3000, Open: true},
				{Kind: result.SAKindESP, SPI: hostileVID, Start: at(10), End: at(11), Src: "10.0.0.1", Dst: hostileNotify, Packets: 1, Bytes: 100},
			},
			Gaps: []result.Gap{
				{Kind: result.GapUnanswered, Start: at(0), End: at(62), Seconds: 62, Sender: hostileVID, FirstFrame: 1, EndFrame: 9,
					SMBInFlight: []string{"READ of " + hostileFile}},
				{Kind: hostileVID, Start: at(300), End: at(320), Seconds: 20},
			},
			SMB:        &result.SMB{Dialect: "SMB 2.0.2" + hostileVID, Sessions: 1, Files: []string{hostileFile}, InFlight: []string{"READ of " + hostileFile}},
			FirstFrame: 1, LastFrame: 200, First: at(0), Last: at(600), ClearPackets: 150,
		}},
	}
	r := result.NewResult("test"+hostileVID, cr)
	return &r
}

// hostileTitle is the document title the hostile report must keep.
const hostileTitle = "softsa report: evil" + hostileVID + ".pcapng"

// TestHTMLEscaping renders the hostile Result: none of its strings may
// appear unescaped, and their escaped forms must be there.
func TestHTMLEscaping(t *testing.T) {
	doc := renderHTML(t, hostileResult())
	checkNoActiveContent(t, doc)
	s := string(doc)
	for _, raw := range []string{hostileFile, hostileVID, hostileNotify, hostileWhat, "<b>", "<style>body", "<svg onload"} {
		if strings.Contains(s, raw) {
			t.Errorf("unescaped %q in the report", raw)
		}
	}
	for _, escaped := range []string{
		"&lt;script&gt;alert(1)&lt;/script&gt;.txt",
		"&#34;&gt;&lt;img src=x onerror=alert(1)&gt;",
		"&lt;/title&gt;&lt;svg onload=alert(2)&gt;",
		"<title>softsa report: evil&#34;&gt;&lt;img src=x onerror=alert(1)&gt;.pcapng</title>",
	} {
		if !strings.Contains(s, escaped) {
			t.Errorf("escaped form %q missing", escaped)
		}
	}
	// Our own markup is intact: exactly one style element, in the head.
	if strings.Count(s, "<style>") != 1 || strings.Count(s, "</style>") != 1 {
		t.Error("the report must contain exactly one <style> element")
	}
}

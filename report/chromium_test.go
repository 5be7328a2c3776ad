//go:build unix

package report

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/html"

	"softsa/analyzer/result"
)

// The HTML report in a real browser: headless Chromium (Debian package
// chromium). Each report is opened twice:
//
//  1. with plain flags, --dump-dom and --screenshot in one run, with a net
//     log and logging on stderr: the DOM must be the document as written (no
//     element added by anything, no script, no <img>, the title intact), the
//     outage rectangles where data-start and the SVG's scale put them, no
//     console message, no request made by the page;
//  2. driven over --remote-debugging-pipe (the DevTools protocol, no extra
//     dependency): the outage rectangles as laid out on screen, in CSS
//     pixels, within 1 px of where their times say; every network request
//     the page made (only the document itself may appear); console messages
//     and exceptions (none).
//
// The test is skipped when Chromium is not installed, unless
// SOFTSA_REQUIRE_CHROMIUM is set (CI sets it), then it fails.

// chromiumFlags keep Chromium quiet and self-contained.
var chromiumFlags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--hide-scrollbars", "--force-device-scale-factor=1",
}

const chromiumTimeout = 25 * time.Second

func chromiumBinary(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("SOFTSA_REQUIRE_CHROMIUM") != "" {
		t.Fatal("chromium not found and SOFTSA_REQUIRE_CHROMIUM is set (apt-get install chromium)")
	}
	t.Skip("chromium not installed (set SOFTSA_REQUIRE_CHROMIUM to make this a failure)")
	return ""
}

// chromiumCommand runs Chromium in its own process group, so that a timeout
// ends the whole group (browser, zygote, renderer, GPU process) and nothing
// else.
func chromiumCommand(ctx context.Context, bin string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

type chromiumCase struct {
	name   string
	result func(t *testing.T) *result.Result
	title  string
	// screenshot, when set, is where -update keeps the screenshot.
	screenshot string
}

func TestHTMLChromium(t *testing.T) {
	bin := chromiumBinary(t)
	cases := []chromiumCase{
		{name: "kb977526-vista-to-xp", title: "softsa report: kb977526-vista-to-xp.pcapng",
			screenshot: filepath.Join("..", "docs", "report-kb977526.png"),
			result: func(t *testing.T) *result.Result {
				return sampleResult(t, "../samples/kb977526-vista-to-xp.pcapng")
			}},
		{name: "busy-office", title: "softsa report: busy-office.pcapng",
			result: func(t *testing.T) *result.Result { return sampleResult(t, "../samples/busy-office.pcapng") }},
		{name: "hostile", title: hostileTitle,
			result: func(*testing.T) *result.Result { return hostileResult() }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := tc.result(t)
			doc := renderHTML(t, r)
			dir := t.TempDir()
			page := filepath.Join(dir, "report.html")
			if err := os.WriteFile(page, doc, 0o644); err != nil {
				t.Fatal(err)
			}
			pageURL := (&url.URL{Scheme: "file", Path: page}).String()
			wantOutages := outageStarts(r)

			start := time.Now()
			dom := chromiumDumpAndShoot(t, bin, dir, pageURL, tc)
			checkBrowserDOM(t, doc, dom, tc.title, wantOutages)
			plain := time.Since(start)

			start = time.Now()
			checkDevTools(t, bin, dir, pageURL, tc.title, wantOutages)
			t.Logf("chromium: dump-dom+screenshot run %v, DevTools run %v", plain.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
		})
	}
}

// outageStarts is, sorted, the start of every KB 977526 outage of r in
// seconds since its capture's first frame: what the report must draw.
func outageStarts(r *result.Result) []float64 {
	var out []float64
	for i := range r.Captures {
		c := &r.Captures[i]
		for j := range c.Pairs {
			if f := c.Pairs[j].KB(); f != nil {
				for _, cy := range f.Cycles {
					out = append(out, cy.OutageStart.Sub(c.First.Time).Seconds())
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// chromiumDumpAndShoot opens the page with plain flags: the DOM on stdout,
// a screenshot, the net log and Chromium's log on stderr. It checks the
// screenshot, the net log and the log, and returns the DOM.
func chromiumDumpAndShoot(t *testing.T, bin, dir, pageURL string, tc chromiumCase) []byte {
	t.Helper()
	shot := filepath.Join(dir, "screenshot.png")
	netlog := filepath.Join(dir, "netlog.json")
	ctx, cancel := context.WithTimeout(context.Background(), chromiumTimeout)
	defer cancel()
	args := append(slices.Clone(chromiumFlags),
		"--user-data-dir="+filepath.Join(dir, "profile-dump"),
		"--enable-logging=stderr", "--v=0", "--log-net-log="+netlog,
		"--dump-dom", "--screenshot="+shot, "--window-size=1280,2000",
		pageURL)
	cmd := chromiumCommand(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium --dump-dom: %v\n%s", err, tail(stderr.String(), 2000))
	}
	checkChromiumLog(t, stderr.String())
	checkNetLog(t, netlog, pageURL)

	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 2000 {
		t.Errorf("screenshot is %dx%d, want 1280x2000", b.Dx(), b.Dy())
	}
	if tc.screenshot != "" && *update {
		b, err := os.ReadFile(shot)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(tc.screenshot), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(tc.screenshot, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return stdout.Bytes()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// checkChromiumLog fails on any console message or uncaught error Chromium
// logged for the page. The page has no scripts, so there must be none.
func checkChromiumLog(t *testing.T, log string) {
	t.Helper()
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, ":CONSOLE") || strings.Contains(line, "Uncaught") {
			t.Errorf("console output: %s", line)
		}
	}
}

// checkNetLog reads Chromium's net log: no request may come from the page
// (Chromium's own background requests, made with no origin and another
// network isolation key, are not the page's). file:// loads do not go
// through the network stack; the DevTools run sees those.
func checkNetLog(t *testing.T, path, pageURL string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("net log: %v", err)
	}
	var nl struct {
		Constants struct {
			LogEventTypes map[string]int `json:"logEventTypes"`
		} `json:"constants"`
		Events []struct {
			Type   int            `json:"type"`
			Params map[string]any `json:"params"`
		} `json:"events"`
	}
	if err := json.Unmarshal(b, &nl); err != nil {
		t.Fatalf("net log: %v", err)
	}
	startJob, ok := nl.Constants.LogEventTypes["URL_REQUEST_START_JOB"]
	if !ok {
		t.Fatal("net log: no URL_REQUEST_START_JOB event type")
	}
	requests := 0
	for _, e := range nl.Events {
		u, _ := e.Params["url"].(string)
		if u == "" {
			continue
		}
		if strings.HasPrefix(u, "file:") && u != pageURL {
			t.Errorf("net log: file request %s", u)
		}
		if e.Type != startJob {
			continue
		}
		requests++
		initiator, _ := e.Params["initiator"].(string)
		nik, _ := e.Params["network_isolation_key"].(string)
		if (initiator != "not an origin" || strings.Contains(nik, "file:")) && u != pageURL {
			t.Errorf("net log: the page requested %s (initiator %q)", u, initiator)
		}
	}
	t.Logf("net log: %d URL requests in all", requests)
}

// checkBrowserDOM compares the DOM Chromium built with the document we
// wrote, parsed by an HTML5 parser: the same elements in the same order,
// so nothing was added; then checks the title and the outage rectangles.
func checkBrowserDOM(t *testing.T, doc, dom []byte, title string, wantOutages []float64) {
	t.Helper()
	src, err := html.Parse(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	got, err := html.Parse(bytes.NewReader(dom))
	if err != nil {
		t.Fatal(err)
	}
	se, ge := elements(src), elements(got)
	if !slices.Equal(se, ge) {
		i := 0
		for i < len(se) && i < len(ge) && se[i] == ge[i] {
			i++
		}
		t.Errorf("the browser's DOM differs from the document: %d vs %d elements, first difference at element %d (%s vs %s)",
			len(ge), len(se), i, at(ge, i), at(se, i))
	}
	for _, e := range ge {
		name, _, _ := strings.Cut(e, ".")
		if name == "script" || name == "img" || name == "iframe" || name == "object" || name == "embed" {
			t.Errorf("<%s> in the DOM", name)
		}
	}
	if tn := find(got, func(n *html.Node) bool { return n.Data == "title" && n.Parent != nil && n.Parent.Data == "head" }); tn == nil || text(tn) != title {
		t.Errorf("document title %q, want %q", textOrNil(tn), title)
	}

	var starts []float64
	for _, svg := range findAll(got, func(n *html.Node) bool { return n.Data == "svg" && hasClass(n, "timeline") }) {
		x0, scale := attrFloat(t, svg, "data-x0"), attrFloat(t, svg, "data-scale")
		for _, r := range findAll(svg, func(n *html.Node) bool { return n.Data == "rect" && hasClass(n, "outage") }) {
			start, end := attrFloat(t, r, "data-start"), attrFloat(t, r, "data-end")
			x, w := attrFloat(t, r, "x"), attrFloat(t, r, "width")
			if math.Abs(x-(x0+start*scale)) > 1 || math.Abs(w-(end-start)*scale) > 1 {
				t.Errorf("DOM: outage at %v s: x=%v width=%v, want x=%.2f width=%.2f", start, x, w, x0+start*scale, (end-start)*scale)
			}
			starts = append(starts, start)
		}
	}
	checkStarts(t, "DOM", starts, wantOutages)
}

func checkStarts(t *testing.T, where string, got, want []float64) {
	t.Helper()
	slices.Sort(got)
	if len(got) != len(want) {
		t.Errorf("%s: %d outage rectangles, want %d", where, len(got), len(want))
		return
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-3 {
			t.Errorf("%s: outage starts at %v s, want %v s", where, got[i], want[i])
		}
	}
}

// elements lists the element nodes in document order as "name.class".
func elements(n *html.Node) []string {
	var out []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			out = append(out, n.Data+"."+attr(n, "class"))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "end"
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func attrFloat(t *testing.T, n *html.Node, key string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(attr(n, key), 64)
	if err != nil {
		t.Fatalf("<%s %s=%q>: %v", n.Data, key, attr(n, key), err)
	}
	return v
}

func hasClass(n *html.Node, class string) bool {
	return slices.Contains(strings.Fields(attr(n, "class")), class)
}

func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func find(n *html.Node, match func(*html.Node) bool) *html.Node {
	if all := findAll(n, match); len(all) > 0 {
		return all[0]
	}
	return nil
}

func text(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

func textOrNil(n *html.Node) string {
	if n == nil {
		return "<no title>"
	}
	return text(n)
}

// geometry is what the page reports about itself once laid out, read by
// the DevTools run.
const geometryJS = `JSON.stringify({
  title: document.title,
  elements: document.getElementsByTagName("*").length,
  scripts: document.scripts.length,
  images: document.images.length,
  sheets: Array.from(document.styleSheets).map(s => { try { return s.cssRules.length } catch (e) { return -1 } }),
  svgs: Array.from(document.querySelectorAll("svg.timeline")).map(svg => {
    const r = svg.getBoundingClientRect(), vb = svg.viewBox.baseVal;
    return {left: r.left, width: r.width, height: r.height, vbw: vb.width, vbh: vb.height,
      x0: +svg.dataset.x0, scale: +svg.dataset.scale,
      outages: Array.from(svg.querySelectorAll("rect.outage")).map(o => {
        const b = o.getBoundingClientRect();
        return {start: +o.dataset.start, end: +o.dataset.end, left: b.left, width: b.width};
      })};
  })
})`

type pageGeometry struct {
	Title    string `json:"title"`
	Elements int    `json:"elements"`
	Scripts  int    `json:"scripts"`
	Images   int    `json:"images"`
	Sheets   []int  `json:"sheets"`
	SVGs     []struct {
		Left, Width, Height, VBW, VBH, X0, Scale float64
		Outages                                  []struct {
			Start, End, Left, Width float64
		}
	} `json:"svgs"`
}

// checkDevTools opens the page under the DevTools protocol over a pipe and
// checks its layout, its requests and its console.
func checkDevTools(t *testing.T, bin, dir, pageURL, title string, wantOutages []float64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), chromiumTimeout)
	defer cancel()
	b, err := startCDP(ctx, bin, append(slices.Clone(chromiumFlags),
		"--user-data-dir="+filepath.Join(dir, "profile-cdp"), "--remote-debugging-pipe", "--window-size=1280,2000"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()

	res, err := b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"})
	if err != nil {
		t.Fatal(err)
	}
	var target struct{ TargetID string }
	json.Unmarshal(res, &target)
	res, err = b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true})
	if err != nil {
		t.Fatal(err)
	}
	var attached struct{ SessionID string }
	json.Unmarshal(res, &attached)
	s := attached.SessionID
	for _, m := range []string{"Page.enable", "Runtime.enable", "Network.enable", "Log.enable"} {
		if _, err := b.call(ctx, s, m, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.call(ctx, s, "Emulation.setDeviceMetricsOverride",
		map[string]any{"width": 1280, "height": 2000, "deviceScaleFactor": 1, "mobile": false}); err != nil {
		t.Fatal(err)
	}
	mark := b.eventCount()
	if _, err := b.call(ctx, s, "Page.navigate", map[string]any{"url": pageURL}); err != nil {
		t.Fatal(err)
	}
	if err := b.waitEvent(ctx, s, "Page.loadEventFired", mark); err != nil {
		t.Fatal(err)
	}
	res, err = b.call(ctx, s, "Runtime.evaluate", map[string]any{"expression": geometryJS, "returnByValue": true})
	if err != nil {
		t.Fatal(err)
	}
	var eval struct {
		Result struct {
			Value string `json:"value"`
		} `json:"result"`
		ExceptionDetails json.RawMessage `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(res, &eval); err != nil || eval.ExceptionDetails != nil {
		t.Fatalf("evaluate: %v %s", err, eval.ExceptionDetails)
	}
	var g pageGeometry
	if err := json.Unmarshal([]byte(eval.Result.Value), &g); err != nil {
		t.Fatalf("geometry %q: %v", eval.Result.Value, err)
	}

	if g.Title != title {
		t.Errorf("document.title %q, want %q", g.Title, title)
	}
	if g.Scripts != 0 || g.Images != 0 {
		t.Errorf("%d scripts and %d images in the page, want none", g.Scripts, g.Images)
	}
	if len(g.Sheets) != 1 || g.Sheets[0] < 50 {
		t.Errorf("style sheets %v: want the one inline sheet, parsed", g.Sheets)
	}
	var starts []float64
	for _, svg := range g.SVGs {
		px := svg.Width / svg.VBW // CSS pixels per SVG unit
		if math.Abs(svg.Height-svg.VBH*px) > 1 {
			t.Errorf("timeline drawn %vx%v px, not in the viewBox's proportions %vx%v", svg.Width, svg.Height, svg.VBW, svg.VBH)
		}
		if svg.Width < 900 {
			t.Errorf("timeline only %v px wide in a 1280 px window", svg.Width)
		}
		for _, o := range svg.Outages {
			wantLeft := svg.Left + (svg.X0+o.Start*svg.Scale)*px
			wantWidth := (o.End - o.Start) * svg.Scale * px
			if math.Abs(o.Left-wantLeft) > 1 || math.Abs(o.Width-wantWidth) > 1 {
				t.Errorf("laid out: outage at %v s is at %.2f px, %.2f px wide; want %.2f px, %.2f px wide", o.Start, o.Left, o.Width, wantLeft, wantWidth)
			}
			starts = append(starts, o.Start)
		}
	}
	checkStarts(t, "layout", starts, wantOutages)

	checkPhone(ctx, t, b, s)
	checkPrint(ctx, t, b, s)

	// Everything the page did, from the events of its session.
	documents := 0
	for _, e := range b.eventsOf(s) {
		switch e.Method {
		case "Network.requestWillBeSent", "Network.webSocketCreated", "Network.eventSourceMessageReceived":
			var p struct {
				Request struct{ URL string } `json:"request"`
				URL     string               `json:"url"`
			}
			json.Unmarshal(e.Params, &p)
			u := p.Request.URL + p.URL
			if u == pageURL {
				documents++
				continue
			}
			t.Errorf("the page made a request: %s %s", e.Method, u)
		case "Runtime.consoleAPICalled", "Runtime.exceptionThrown":
			t.Errorf("%s: %s", e.Method, e.Params)
		case "Log.entryAdded":
			var p struct {
				Entry struct{ Level, Source, Text, URL string } `json:"entry"`
			}
			json.Unmarshal(e.Params, &p)
			if p.Entry.Level == "error" || p.Entry.Level == "warning" {
				t.Errorf("browser log %s (%s): %s %s", p.Entry.Level, p.Entry.Source, p.Entry.Text, p.Entry.URL)
			}
		}
	}
	if documents != 1 {
		t.Errorf("the document was requested %d times, want 1", documents)
	}
	t.Logf("DevTools: %d elements, %d timelines, %d outages checked", g.Elements, len(g.SVGs), len(starts))
}

// printJS measures the page under print media: its width, the timelines'
// width, dark backgrounds (ignoring the small legend swatches), and the page
// breaks between pairs (the first pair of a capture follows its pairs table
// on the same page).
const printJS = `JSON.stringify({
  scrollWidth: document.documentElement.scrollWidth,
  wide: Array.from(document.querySelectorAll("table")).filter(e => e.getBoundingClientRect().right > 703).map(e => e.className + ":" + Math.round(e.getBoundingClientRect().right)).slice(0, 5),
  svgRight: Math.max(0, ...Array.from(document.querySelectorAll("svg.timeline")).map(s => s.getBoundingClientRect().right)),
  dark: Array.from(document.querySelectorAll("*")).filter(e => {
    const r = e.getBoundingClientRect();
    if (r.width * r.height < 2000) return false; // legend swatches
    const m = getComputedStyle(e).backgroundColor.match(/[0-9.]+/g);
    if (!m || (m.length > 3 && +m[3] === 0)) return false;
    return 0.2126 * m[0] + 0.7152 * m[1] + 0.0722 * m[2] < 150;
  }).map(e => e.tagName + "." + e.className).slice(0, 5),
  pairs: Array.from(document.querySelectorAll("section.pair")).filter(e => e.parentElement.querySelector("section.pair") !== e).length,
  breaks: Array.from(document.querySelectorAll("section.pair")).filter(e => getComputedStyle(e).breakBefore === "page").length
})`

// printPx is the printable width of an A4 page with the report's margins
// (210 mm - 2×12 mm) in CSS pixels.
const printPx = 703

// phoneJS measures each timeline on a phone: its drawn scale (CSS pixels
// per unit of its 1000-wide viewBox) and whether its figure scrolls.
const phoneJS = `JSON.stringify(Array.from(document.querySelectorAll("svg.timeline")).map(s => ({
  scale: s.getBoundingClientRect().width / s.viewBox.baseVal.width,
  scrolls: s.parentElement.scrollWidth > s.parentElement.clientWidth
})))`

// checkPhone lays the page out 390 px wide: every timeline is drawn at a
// legible scale (at least 0.75, its 11.5 px labels at least 8.6 px) and
// scrolls sideways inside its figure rather than widening the page.
func checkPhone(ctx context.Context, t *testing.T, b *cdpBrowser, s string) {
	t.Helper()
	if _, err := b.call(ctx, s, "Emulation.setDeviceMetricsOverride",
		map[string]any{"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true}); err != nil {
		t.Fatal(err)
	}
	res, err := b.call(ctx, s, "Runtime.evaluate", map[string]any{"expression": phoneJS, "returnByValue": true})
	if err != nil {
		t.Fatal(err)
	}
	var eval struct {
		Result struct {
			Value string `json:"value"`
		} `json:"result"`
	}
	json.Unmarshal(res, &eval)
	var lines []struct {
		Scale   float64
		Scrolls bool
	}
	if err := json.Unmarshal([]byte(eval.Result.Value), &lines); err != nil {
		t.Fatalf("phone layout %q: %v", eval.Result.Value, err)
	}
	for i, l := range lines {
		if l.Scale < 0.75 || !l.Scrolls {
			t.Errorf("390 px: timeline %d drawn at scale %.2f (scrolls: %v), want ≥ 0.75 and scrolling", i+1, l.Scale, l.Scrolls)
		}
	}
}

// checkPrint lays the page out as for printing on A4: nothing wider than
// the page, timelines within it, no dark backgrounds, every pair section
// but a capture's first on a new page.
func checkPrint(ctx context.Context, t *testing.T, b *cdpBrowser, s string) {
	t.Helper()
	if _, err := b.call(ctx, s, "Emulation.setDeviceMetricsOverride",
		map[string]any{"width": printPx, "height": 1000, "deviceScaleFactor": 1, "mobile": false}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.call(ctx, s, "Emulation.setEmulatedMedia", map[string]any{"media": "print"}); err != nil {
		t.Fatal(err)
	}
	res, err := b.call(ctx, s, "Runtime.evaluate", map[string]any{"expression": printJS, "returnByValue": true})
	if err != nil {
		t.Fatal(err)
	}
	var eval struct {
		Result struct {
			Value string `json:"value"`
		} `json:"result"`
	}
	json.Unmarshal(res, &eval)
	var p struct {
		ScrollWidth, SVGRight float64
		Dark, Wide            []string
		Pairs, Breaks         int
	}
	if err := json.Unmarshal([]byte(eval.Result.Value), &p); err != nil {
		t.Fatalf("print layout %q: %v", eval.Result.Value, err)
	}
	if p.ScrollWidth > printPx || p.SVGRight > printPx {
		t.Errorf("printed: page %v px and timelines %v px wide, want ≤ %d (tables too wide: %v)", p.ScrollWidth, p.SVGRight, printPx, p.Wide)
	}
	if len(p.Dark) > 0 {
		t.Errorf("printed: dark backgrounds on %v", p.Dark)
	}
	if p.Breaks != p.Pairs {
		t.Errorf("printed: %d of the %d pair sections after a capture's first start a new page", p.Breaks, p.Pairs)
	}
}

// cdpBrowser is a minimal DevTools protocol client over
// --remote-debugging-pipe: Chromium reads NUL-terminated JSON commands on
// fd 3 and writes responses and events on fd 4.
type cdpBrowser struct {
	cmd  *exec.Cmd
	in   *os.File // our end of Chromium's fd 3
	wmu  sync.Mutex
	mu   sync.Mutex
	next int
	wait map[int]chan cdpMessage
	evs  []cdpMessage
	news chan struct{} // closed and replaced when an event arrives
	done chan struct{} // closed when the reader stops
	err  error
}

type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

func startCDP(ctx context.Context, bin string, args []string) (*cdpBrowser, error) {
	cmdR, cmdW, err := os.Pipe() // commands: we write, Chromium reads fd 3
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe() // messages: Chromium writes fd 4, we read
	if err != nil {
		return nil, err
	}
	cmd := chromiumCommand(ctx, bin, args...)
	cmd.ExtraFiles = []*os.File{cmdR, outW}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	cmdR.Close()
	outW.Close()
	b := &cdpBrowser{cmd: cmd, in: cmdW, wait: map[int]chan cdpMessage{}, news: make(chan struct{}), done: make(chan struct{})}
	go b.read(outR)
	return b, nil
}

func (b *cdpBrowser) read(r io.ReadCloser) {
	defer close(b.done)
	defer r.Close()
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			b.err = err
			b.mu.Unlock()
			return
		}
		var m cdpMessage
		if json.Unmarshal(line[:len(line)-1], &m) != nil {
			continue
		}
		b.mu.Lock()
		if m.ID != 0 {
			if ch := b.wait[m.ID]; ch != nil {
				ch <- m
				delete(b.wait, m.ID)
			}
		} else {
			b.evs = append(b.evs, m)
			close(b.news)
			b.news = make(chan struct{})
		}
		b.mu.Unlock()
	}
}

func (b *cdpBrowser) call(ctx context.Context, session, method string, params any) (json.RawMessage, error) {
	b.mu.Lock()
	b.next++
	id := b.next
	ch := make(chan cdpMessage, 1)
	b.wait[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	b.wmu.Lock()
	_, err = b.in.Write(append(data, 0))
	b.wmu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return nil, fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		return m.Result, nil
	case <-b.done:
		return nil, fmt.Errorf("%s: browser gone: %v", method, b.err)
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

func (b *cdpBrowser) eventCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.evs)
}

// waitEvent waits for method on session among the events from index from.
func (b *cdpBrowser) waitEvent(ctx context.Context, session, method string, from int) error {
	for {
		b.mu.Lock()
		for _, e := range b.evs[from:] {
			if e.Method == method && e.SessionID == session {
				b.mu.Unlock()
				return nil
			}
		}
		news := b.news
		b.mu.Unlock()
		select {
		case <-news:
		case <-b.done:
			return errors.New("browser gone before " + method)
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", method, ctx.Err())
		}
	}
}

func (b *cdpBrowser) eventsOf(session string) []cdpMessage {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []cdpMessage
	for _, e := range b.evs {
		if e.SessionID == session {
			out = append(out, e)
		}
	}
	return out
}

// close asks the browser to quit, then waits for it; the context's timeout
// ends its process group if it does not.
func (b *cdpBrowser) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b.call(ctx, "", "Browser.close", nil)
	b.in.Close()
	b.cmd.Wait()
}

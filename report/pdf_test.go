//go:build unix

package report

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/net/html"

	"softsa/analyzer/result"
)

// TestHTMLPrintPDF prints every sample's HTML report to PDF with headless
// Chromium, as a support engineer does to attach it to a ticket, and reads
// the PDF back with pdftotext (poppler-utils): no time, offset or frame
// number is cut in two by a line or page break, each Wireshark filter reads
// back as the JSON's filter (whitespace aside), and page 1 holds the
// verdict, the pairs table and the start of the first pair.
func TestHTMLPrintPDF(t *testing.T) {
	bin := chromiumBinary(t)
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("SOFTSA_REQUIRE_CHROMIUM") != "" {
			t.Fatal("pdftotext not found and SOFTSA_REQUIRE_CHROMIUM is set (apt-get install poppler-utils)")
		}
		t.Skip("pdftotext not installed (poppler-utils)")
	}
	for _, path := range samplePaths(t) {
		t.Run(sampleName(path), func(t *testing.T) {
			t.Parallel()
			r := sampleResult(t, path)
			doc := renderHTML(t, r)
			dir := t.TempDir()
			page := filepath.Join(dir, "report.html")
			if err := os.WriteFile(page, doc, 0o644); err != nil {
				t.Fatal(err)
			}
			pdf := filepath.Join(dir, "report.pdf")
			ctx, cancel := context.WithTimeout(context.Background(), chromiumTimeout)
			defer cancel()
			args := append(append([]string{}, chromiumFlags...), "--no-pdf-header-footer", "--print-to-pdf="+pdf,
				(&url.URL{Scheme: "file", Path: page}).String())
			if out, err := chromiumCommand(ctx, bin, args...).CombinedOutput(); err != nil {
				t.Fatalf("chromium --print-to-pdf: %v\n%s", err, tail(string(out), 2000))
			}
			all := pdfText(t, pdftotext, pdf)
			first := pdfText(t, pdftotext, pdf, "-f", "1", "-l", "1")
			checkPDFNumbers(t, doc, all)
			checkPDFFilters(t, r, all)
			checkPDFFirstPage(t, doc, first)
		})
	}
}

func pdfText(t *testing.T, bin, pdf string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, append(append(args, "-enc", "UTF-8"), pdf, "-")...).Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", pdf, err)
	}
	return string(out)
}

// numberWord is a word that is a number, a time or an offset: 1485,
// 09:12:04.500, +364.697.
var numberWord = regexp.MustCompile(`^[+\-−]?\d+(?:[:.,]\d+)*$`)

// trimWord takes the punctuation around a word off: "(frame", "1483,".
func trimWord(w string) string {
	return strings.Trim(w, `()[]{},;"'`)
}

// htmlWords is every whitespace-separated word of the document's text
// nodes, each node on its own: a number the PDF shows must be one of them
// whole.
func htmlWords(t *testing.T, doc []byte) map[string]bool {
	t.Helper()
	root, err := html.Parse(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]bool{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "style" || n.Data == "title") {
			return
		}
		if n.Type == html.TextNode {
			for _, w := range words(n.Data) {
				all[trimWord(w)] = true
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return all
}

// checkPDFNumbers: every number the PDF shows is a number of the document
// whole (09:13:1 / 0.766 or +364.69 / 7 s are cut), and every frame number
// of a frame list reads back whole.
func checkPDFNumbers(t *testing.T, doc []byte, pdf string) {
	t.Helper()
	inDoc := htmlWords(t, doc)
	var cut []string
	for _, w := range words(pdf) {
		if w = trimWord(w); numberWord.MatchString(w) && !inDoc[w] {
			cut = append(cut, w)
		}
	}
	pdfWords := map[string]bool{}
	for _, w := range words(pdf) {
		pdfWords[trimWord(w)] = true
	}
	root, _ := html.Parse(bytes.NewReader(doc))
	for _, n := range findAll(root, func(n *html.Node) bool { return hasClass(n, "frames") }) {
		for _, w := range words(allText(n)) {
			if w = trimWord(w); numberWord.MatchString(w) && !pdfWords[w] {
				cut = append(cut, "frame "+w)
			}
		}
	}
	if len(cut) > 0 {
		t.Errorf("PDF: %d numbers cut in two or lost, e.g. %q", len(cut), cut[:min(len(cut), 12)])
	}
}

// allText is the text of n and all its descendants.
func allText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// words splits text at whitespace and at the en dash of a range (1477–1498),
// where a line may break without cutting a number.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '–' || unicode.IsSpace(r) })
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// checkPDFFilters: a filter copied from the PDF is the JSON's filter: the
// same words, broken only where the filter has a space.
func checkPDFFilters(t *testing.T, r *result.Result, pdf string) {
	t.Helper()
	text := collapse(pdf)
	for _, c := range r.Captures {
		for _, p := range c.Pairs {
			for _, f := range p.Findings {
				if f.WiresharkFilter != "" && !f.Informational && !strings.Contains(text, collapse(f.WiresharkFilter)) {
					t.Errorf("PDF: the Wireshark filter of %s %s -> %s does not read back whole: %q", f.ID, p.Initiator, p.Responder, f.WiresharkFilter)
				}
			}
		}
	}
}

// checkPDFFirstPage: page 1 holds the verdict sentence, every row of the
// pairs table and the heading of the first pair section.
func checkPDFFirstPage(t *testing.T, doc []byte, page string) {
	t.Helper()
	// pdftotext joins a word broken after its hyphen ("fallback-" / "to"
	// reads "fallbackto"): hyphens are left out of this comparison.
	dehyphen := strings.NewReplacer("-", "")
	text := dehyphen.Replace(collapse(page))
	root, _ := html.Parse(bytes.NewReader(doc))
	want := func(what string, n *html.Node) {
		if n == nil {
			return
		}
		if s := collapse(allText(n)); !strings.Contains(text, dehyphen.Replace(s)) {
			t.Errorf("PDF page 1 lacks the %s %q", what, s)
		}
	}
	want("verdict", find(root, func(n *html.Node) bool { return hasClass(n, "verdict") }))
	for _, n := range findAll(root, func(n *html.Node) bool { return n.Data == "table" && hasClass(n, "pairs") }) {
		for _, td := range findAll(n, func(n *html.Node) bool { return n.Data == "td" && hasClass(n, "addr") }) {
			want("pairs table row", td)
		}
	}
	if sec := find(root, func(n *html.Node) bool { return n.Data == "section" && hasClass(n, "pair") }); sec != nil {
		// The heading without its verdict badge, which pdftotext reads apart.
		if h3 := find(sec, func(n *html.Node) bool { return n.Data == "h3" }); h3 != nil {
			for _, b := range findAll(h3, func(n *html.Node) bool { return hasClass(n, "badge") }) {
				b.Parent.RemoveChild(b)
			}
			want("first pair's heading", h3)
		}
	}
}

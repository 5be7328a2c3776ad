package report

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"softsa/analyzer/result"
)

// TestWriteHTMLDir writes the batch folder for the samples plus a failed
// file, and checks the index: every report it links exists, the failed file
// is listed with its error (escaped), and the verdict order puts the KB
// captures first.
func TestWriteHTMLDir(t *testing.T) {
	res := result.NewResult("test")
	for _, r := range sampleResults(t) {
		res.Captures = append(res.Captures, r.Captures...)
	}
	res.Captures = append(res.Captures, result.CaptureResult{File: "cases/<b>bad</b>.pcap", Error: "cases/<b>bad</b>.pcap: not a capture file"})
	dir := t.TempDir()
	if err := WriteHTMLDir(dir, &res); err != nil {
		t.Fatal(err)
	}
	index, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(index)
	links := regexp.MustCompile(`href="([^"#]+)"`).FindAllStringSubmatch(page, -1)
	if len(links) != 4*(len(res.Captures)-1) {
		t.Errorf("%d report links, want %d (four orders of %d readable captures)", len(links), 4*(len(res.Captures)-1), len(res.Captures)-1)
	}
	for _, l := range links {
		if _, err := os.Stat(filepath.Join(dir, l[1])); err != nil {
			t.Errorf("index links to %s, which was not written", l[1])
		}
	}
	if strings.Contains(page, "<b>bad") || !strings.Contains(page, "&lt;b&gt;bad&lt;/b&gt;.pcap: not a capture file") {
		t.Error("the failed file's name and error are not listed, escaped")
	}
	verdict := page[strings.Index(page, `id="by-verdict"`):strings.Index(page, `id="by-file"`)]
	first := regexp.MustCompile(`<tr class="(\w+)">`).FindStringSubmatch(verdict)
	if first == nil || first[1] != "kb" {
		t.Errorf("the verdict order does not start with a KB 977526 capture: %v", first)
	}
	if strings.Contains(page, "<script") {
		t.Error("the index has a script")
	}
}

package report

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"

	"softsa/analyzer/result"
)

// TestPairOrder checks that every sample lists its pairs worst first, and
// in the same order in the text summary table and the HTML pairs table.
func TestPairOrder(t *testing.T) {
	htmlRow := regexp.MustCompile(`<td class="addr">(?:<a [^>]*>)?([^ <]+) → ([^ <]+)<`)
	for name, r := range sampleResults(t) {
		c := &r.Captures[0]
		order := pairOrder(c)
		prev := -1
		problems := true
		for _, i := range order {
			p := &c.Pairs[i]
			if !p.HasProblem() && problems {
				problems, prev = false, -1
			} else if p.HasProblem() && !problems {
				t.Errorf("%s: problem pair %s -> %s after a pair without problems", name, p.Initiator, p.Responder)
			}
			v, _ := result.VerdictOf(p.Verdict)
			if v.Rank < prev {
				t.Errorf("%s: %s -> %s (%s) listed after a worse-ranked verdict", name, p.Initiator, p.Responder, p.Verdict)
			}
			prev = v.Rank
		}
		var want []string
		for _, i := range order {
			want = append(want, c.Pairs[i].Initiator+" -> "+c.Pairs[i].Responder)
		}
		var txt bytes.Buffer
		if err := Text(&txt, r, TextOptions{}); err != nil {
			t.Fatal(err)
		}
		var gotText []string
		for _, m := range regexp.MustCompile(`(?m)^  (\S+ -> \S+)  `).FindAllStringSubmatch(txt.String(), -1) {
			gotText = append(gotText, m[1])
		}
		if !slices.Equal(gotText, want) {
			t.Errorf("%s: text pairs table in order\n%q\nwant\n%q", name, gotText, want)
		}
		var gotHTML []string
		doc := string(renderHTML(t, r))
		if i := strings.Index(doc, `<table class="pairs">`); i >= 0 {
			doc = doc[i:]
			doc = doc[:strings.Index(doc, "</table>")]
		}
		for _, m := range htmlRow.FindAllStringSubmatch(doc, -1) {
			gotHTML = append(gotHTML, m[1]+" -> "+m[2])
		}
		if !slices.Equal(gotHTML, want) {
			t.Errorf("%s: HTML pairs table in order\n%q\nwant\n%q", name, gotHTML, want)
		}
	}
}

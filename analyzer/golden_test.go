package analyzer

import (
	"context"
	"encoding/json"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"softsa/analyzer/result"
	"softsa/decoders/capture"
	"softsa/samples/gen/synth"
)

// The golden test: every samples/*.expected.json (written by the sample
// generator from the packets it emitted) against the analysis of its
// capture. Verdicts, initiators and finding IDs must match exactly;
// outages and soft SAs to within goldenTol.

const goldenTol = 2 * time.Second

func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("../samples/*.expected.json")
	if len(files) == 0 {
		t.Skip("no samples/*.expected.json yet")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			var g synth.Expected
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &g); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			c, err := capture.Open(filepath.Join(filepath.Dir(f), g.File))
			if err != nil {
				t.Skipf("capture not readable: %v", err)
			}
			defer c.Close()
			r, err := Analyze(context.Background(), c, Options{})
			if err != nil {
				t.Fatalf("analyze: %v", err)
			}
			checkGolden(t, r, &g)
		})
	}
}

func checkGolden(t *testing.T, r *result.CaptureResult, g *synth.Expected) {
	t.Helper()
	seen := map[*result.Pair]bool{}
	for _, w := range g.Pairs {
		p := findPair(r, netipMust(w.Initiator), netipMust(w.Responder))
		if p == nil {
			t.Errorf("pair %s → %s (%s) not reported", w.Initiator, w.Responder, w.Verdict)
			continue
		}
		seen[p] = true
		name := w.Initiator + " → " + w.Responder
		if p.Verdict != w.Verdict {
			t.Errorf("%s: verdict %s, want %s; findings %v", name, p.Verdict, w.Verdict, summaries(p))
		}
		if p.Initiator != w.Initiator {
			t.Errorf("%s: initiator reported as %s", name, p.Initiator)
		}
		got := findingIDs(p)
		want := append([]string(nil), w.Findings...)
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("%s: findings %v, want %v; %v", name, got, want, summaries(p))
		}
		if w.Notify != "" {
			found := false
			for _, n := range p.Negotiations {
				found = found || slices.Contains(n.Notify, w.Notify)
			}
			if !found {
				t.Errorf("%s: notify %s not seen", name, w.Notify)
			}
		}
		var outs, softs []synth.Span
		if f := findingByID(p, result.FindingKB977526); f != nil {
			for _, c := range f.Cycles {
				outs = append(outs, synth.Span{Start: c.OutageStart.Time, End: c.OutageEnd.Time, Seconds: c.OutageSeconds})
				softs = append(softs, synth.Span{Start: c.SoftSAStart.Time, End: c.SoftSAEnd.Time, Seconds: c.SoftSASeconds})
			}
		}
		compareIntervals(t, name+" outage", outs, w.Outages)
		compareIntervals(t, name+" soft SA", softs, w.SoftSAs)
	}
	for i := range r.Pairs {
		if p := &r.Pairs[i]; !seen[p] {
			t.Errorf("unexpected pair %s → %s: %s %v", p.Initiator, p.Responder, p.Verdict, summaries(p))
		}
	}
}

func compareIntervals(t *testing.T, what string, got, want []synth.Span) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d, want %d", what, len(got), len(want))
		return
	}
	for i := range got {
		ds := got[i].Start.Sub(want[i].Start)
		de := got[i].End.Sub(want[i].End)
		if math.Abs(float64(ds)) > float64(goldenTol) || math.Abs(float64(de)) > float64(goldenTol) {
			t.Errorf("%s %d: %s – %s, want %s – %s", what, i+1,
				got[i].Start.Format("15:04:05.000"), got[i].End.Format("15:04:05.000"),
				want[i].Start.Format("15:04:05.000"), want[i].End.Format("15:04:05.000"))
		}
		// Lengths: a clock step inside a span does not shorten it.
		if math.Abs(got[i].Seconds-want[i].Seconds) > 2*goldenTol.Seconds() {
			t.Errorf("%s %d: %.3f s long, want %.3f s", what, i+1, got[i].Seconds, want[i].Seconds)
		}
	}
}

func summaries(p *result.Pair) []string {
	var s []string
	for _, f := range p.Findings {
		s = append(s, f.ID+": "+f.Summary)
	}
	return s
}

func netipMust(s string) netip.Addr { return netip.MustParseAddr(s) }

// TestPingSamples: in the samples whose clear traffic is (or includes)
// ping -t, every outage starts within 0.1 s of the generator's first
// unanswered clear packet, and in the ping-only one that packet, cited as
// the outage's start, is an ICMP echo request.
func TestPingSamples(t *testing.T) {
	for _, name := range []string{"kb977526-ping", "kb977526-ping-http"} {
		t.Run(name, func(t *testing.T) {
			var g synth.Expected
			b, err := os.ReadFile(filepath.Join("..", "samples", name+".expected.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &g); err != nil {
				t.Fatal(err)
			}
			c, err := capture.Open(filepath.Join("..", "samples", g.File))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			r, err := Analyze(context.Background(), c, Options{})
			if err != nil {
				t.Fatal(err)
			}
			w := g.Pairs[0]
			p := findPair(r, netipMust(w.Initiator), netipMust(w.Responder))
			if p == nil || p.Verdict != result.VerdictKB977526 {
				t.Fatalf("pair %+v, want kb977526", p)
			}
			f := p.KB()
			if len(f.Cycles) != len(w.Outages) {
				t.Fatalf("%d cycles, want %d", len(f.Cycles), len(w.Outages))
			}
			for i, cy := range f.Cycles {
				if d := cy.OutageStart.Sub(w.Outages[i].Start); math.Abs(d.Seconds()) > 0.1 {
					t.Errorf("cycle %d: outage starts %v off the first unanswered packet", i+1, d)
				}
				if name != "kb977526-ping" {
					continue
				}
				cited := false
				for _, e := range f.Evidence {
					cited = cited || (e.Frame == cy.OutageFirstFrame && e.Proto == result.ProtoICMP && e.Src == w.Initiator)
				}
				if !cited {
					t.Errorf("cycle %d: frame %d, the first unanswered echo request, is not cited: %+v", i+1, cy.OutageFirstFrame, f.Evidence)
				}
			}
		})
	}
}

package analyzer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"softsa/analyzer/result"
	"softsa/decoders/capture"
	"softsa/internal/testenv"
)

// TestCorpusHolds: over every real capture in $SOFTSA_CORPUS, none of
// which holds the KB 977526 loop, no pair gets a KB finding; no pair whose
// IKE completed gets NEGOTIATION_FAILED; TRAFFIC_GAP on a pair without IKE
// or ESP is informational; and a capture whose findings are all
// informational is not a problem (softsa exits 0 on it).
func TestCorpusHolds(t *testing.T) {
	dir := testenv.CorpusDir(t)
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".pcap") || strings.HasSuffix(p, ".pcapng") || strings.HasSuffix(p, ".cap")) {
			files = append(files, p)
		}
		return nil
	})
	var analysed, pairs, infoOnly int
	for _, f := range files {
		c, err := capture.Open(f)
		if err != nil {
			continue
		}
		r, _ := Analyze(context.Background(), c, Options{})
		c.Close()
		analysed++
		problems := false
		for i := range r.Pairs {
			p := &r.Pairs[i]
			pairs++
			established := false
			for _, n := range p.Negotiations {
				established = established || n.Outcome == result.OutcomeEstablished
			}
			for _, fd := range p.Findings {
				switch {
				case fd.ID == result.FindingKB977526:
					t.Errorf("%s: %s ↔ %s: KB 977526 finding on a capture without the loop: %s", f, p.Initiator, p.Responder, fd.Summary)
				case fd.ID == result.FindingNegotiationFailed && established:
					t.Errorf("%s: %s ↔ %s: NEGOTIATION_FAILED on a pair whose IKE completed: %s", f, p.Initiator, p.Responder, fd.Summary)
				case fd.ID == result.FindingTrafficGap && p.IKEMessages+p.ESPPackets == 0 && fd.IsProblem():
					t.Errorf("%s: %s ↔ %s: TRAFFIC_GAP without IPsec is a problem", f, p.Initiator, p.Responder)
				}
				if fd.Severity != result.FindingSeverityProblem && fd.Severity != result.FindingSeverityInfo {
					t.Errorf("%s: finding %s has severity %q", f, fd.ID, fd.Severity)
				}
				problems = problems || fd.IsProblem()
			}
			if p.Verdict == result.VerdictNegotiationFail && established {
				t.Errorf("%s: %s ↔ %s: verdict negotiation-failed on a pair whose IKE completed", f, p.Initiator, p.Responder)
			}
		}
		if r.HasProblem() != problems {
			t.Errorf("%s: HasProblem %v, problem findings %v", f, r.HasProblem(), problems)
		}
		if !problems {
			infoOnly++
		}
	}
	if analysed == 0 {
		t.Fatalf("no capture analysed in %s", dir)
	}
	t.Logf("%d captures, %d pairs; %d captures without a problem finding (exit 0)", analysed, pairs, infoOnly)
}

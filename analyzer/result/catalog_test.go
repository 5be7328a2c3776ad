package result

import (
	"testing"
)

// TestCatalog: every ID and code is listed once, with words for people, a
// severity, and ranks that are the verdicts' order.
func TestCatalog(t *testing.T) {
	ids := []string{FindingKB977526, FindingFallbackOK, FindingFallbackSlow, FindingNoCommunication, FindingNoIKEResponse,
		FindingNegotiationFailed, FindingIKEFragmentsLost, FindingOneWayESP, FindingTrafficGap, FindingHostLogContradicts}
	if got := len(Findings()); got != len(ids) {
		t.Errorf("%d findings in the catalog, %d IDs", got, len(ids))
	}
	for _, id := range ids {
		k, ok := FindingOf(id)
		if !ok || k.ID != id || k.Title == "" || k.Plain == "" {
			t.Errorf("%s: %+v %v", id, k, ok)
		}
		want := SeverityProblem
		if id == FindingFallbackOK {
			want = SeverityInfo
		}
		if k.Severity != want {
			t.Errorf("%s: severity %d, want %d", id, k.Severity, want)
		}
		wantSev := FindingSeverityProblem
		if want == SeverityInfo {
			wantSev = FindingSeverityInfo
		}
		if f := NewFinding(id); f.ID != id || f.Informational != (want == SeverityInfo) || f.Severity != wantSev || f.IsProblem() != (want == SeverityProblem) {
			t.Errorf("NewFinding(%s) = %+v", id, f)
		}
		// Without IPsec only TRAFFIC_GAP changes: it says nothing about
		// IPsec there.
		wantNo := wantSev
		if id == FindingTrafficGap {
			wantNo = FindingSeverityInfo
		}
		if f := NewFindingWithoutIPsec(id); f.Severity != wantNo || f.Informational != (wantNo == FindingSeverityInfo) {
			t.Errorf("NewFindingWithoutIPsec(%s) = %+v", id, f)
		}
	}
	codes := []string{VerdictKB977526, VerdictHealthyIPsec, VerdictFallbackToClear, VerdictNoCommunication,
		VerdictNegotiationFail, VerdictNoIKEResponse, VerdictClearOnly, VerdictInconclusive}
	vs := Verdicts()
	if len(vs) != len(codes) {
		t.Errorf("%d verdicts in the catalog, %d codes", len(vs), len(codes))
	}
	for i, v := range vs {
		if v.Rank != i || v.Label == "" || v.Severity == 0 {
			t.Errorf("verdict %d: %+v", i, v)
		}
	}
	for _, c := range codes {
		if v, ok := VerdictOf(c); !ok || v.Code != c {
			t.Errorf("%s: %+v %v", c, v, ok)
		}
	}
	if v, _ := VerdictOf(VerdictKB977526); v.Rank != 0 {
		t.Errorf("the KB loop ranks %d, want first", v.Rank)
	}
	if _, ok := FindingOf("NEWER_FINDING"); ok {
		t.Error("an unknown ID is found")
	}
	if _, ok := VerdictOf("newer-verdict"); ok {
		t.Error("an unknown code is found")
	}
}

// TestQuestions: the finding a pair is about, and what counts as a problem.
func TestQuestions(t *testing.T) {
	info := Finding{ID: FindingFallbackOK, Informational: true}
	gap := Finding{ID: FindingTrafficGap}
	oneWay := Finding{ID: FindingOneWayESP}
	kb := Finding{ID: FindingKB977526}
	for _, tc := range []struct {
		name     string
		findings []Finding
		main     string // ID, "" for none
		kb       bool
		problem  bool
	}{
		{"none", nil, "", false, false},
		{"info only", []Finding{info}, FindingFallbackOK, false, false},
		{"info by severity", []Finding{{ID: FindingTrafficGap, Severity: FindingSeverityInfo}}, FindingTrafficGap, false, false},
		{"problem after info", []Finding{info, gap}, FindingTrafficGap, false, true},
		{"first problem", []Finding{gap, oneWay, info}, FindingTrafficGap, false, true},
		{"KB last", []Finding{gap, info, kb}, FindingKB977526, true, true},
	} {
		p := Pair{Findings: tc.findings}
		got := ""
		if f := p.Main(); f != nil {
			got = f.ID
		}
		if got != tc.main || (p.KB() != nil) != tc.kb || p.HasProblem() != tc.problem {
			t.Errorf("%s: main %q, KB %v, problem %v", tc.name, got, p.KB() != nil, p.HasProblem())
		}
		c := CaptureResult{Pairs: []Pair{{}, p}}
		if c.HasProblem() != tc.problem {
			t.Errorf("%s: capture problem %v", tc.name, c.HasProblem())
		}
	}
}

package main

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"softsa/analyzer/result"
	"softsa/merge/mergetest"
)

// TestMerge: the same KB loop captured on both hosts, clocks 3.7 s apart, is
// merged with the offset found within 50 ms, and the report says the
// unanswered packets reached the XP host, which dropped them.
func TestMerge(t *testing.T) {
	vista := netip.MustParseAddr("10.10.1.57")
	a, b := mergetest.Views(t, filepath.Join("samples", "kb977526-vista-to-xp.pcapng"), vista, 3700*time.Millisecond, 300*time.Microsecond, nil)
	r := analyzeJSON(t, analyzeOptions{Inputs: []string{a, b}, Merge: true})
	c := r.Captures[0]
	m := c.Merge
	if m == nil {
		t.Fatal("no merge section in the report")
	}
	if d := m.OffsetSeconds - 3.7; d > 0.05 || d < -0.05 {
		t.Errorf("offset %.4f s, want 3.7 ± 0.05", m.OffsetSeconds)
	}
	if c.Frames != 2433 || len(c.Pairs) != 1 || c.Pairs[0].Verdict != result.VerdictKB977526 {
		t.Fatalf("merged: %d frames, pairs %+v", c.Frames, c.Pairs)
	}
	if len(m.Outages) != 4 {
		t.Fatalf("%d outages attributed, want 4", len(m.Outages))
	}
	for i, o := range m.Outages {
		if o.DroppedBy != "receiver" || o.To != "10.10.1.20" || !strings.Contains(o.What, "dropped by 10.10.1.20") {
			t.Errorf("outage %d: %+v", i+1, o)
		}
	}
	s, text, _ := bufStreams()
	runAnalyze(withDefaults(analyzeOptions{Inputs: []string{a, b}, Merge: true, Format: "text", Quiet: true}), s)
	t.Logf("text report:\n%s", text.String())
	if !strings.Contains(text.String(), "clock offset +3.7") {
		t.Errorf("text report does not give the offset:\n%s", text.String())
	}
}

// TestMergeHTML: the HTML report of a merge says which side dropped.
func TestMergeHTML(t *testing.T) {
	vista := netip.MustParseAddr("10.10.1.57")
	a, b := mergetest.Views(t, filepath.Join("samples", "kb977526-vista-to-xp.pcapng"), vista, 3700*time.Millisecond, 300*time.Microsecond, nil)
	out := filepath.Join(t.TempDir(), "merged.html")
	s, _, stderr := bufStreams()
	code := runAnalyze(withDefaults(analyzeOptions{Inputs: []string{a, b}, Merge: true, Format: "html", Output: out, Quiet: true}), s)
	page, _ := os.ReadFile(out)
	if code != exitFindings || !bytes.Contains(page, []byte("Two captures merged")) || !bytes.Contains(page, []byte("dropped by 10.10.1.20 itself")) {
		t.Errorf("exit %d, stderr %s; page lacks the merge section", code, stderr.String())
	}
}

// TestMergeSameFile: --merge of one file with itself, however spelled, is a
// usage error.
func TestMergeSameFile(t *testing.T) {
	in := filepath.Join("samples", "kb977526-vista-to-xp.pcapng")
	for _, b := range []string{in, "./" + in, filepath.Join("samples", "..", in)} {
		s, stdout, stderr := bufStreams()
		if code := run([]string{"--merge", in, b}, s); code != exitUsage || !strings.Contains(stderr.String(), "the same file twice") || stdout.Len() > 0 {
			t.Errorf("--merge %s %s: exit %d, stderr %q", in, b, code, stderr.String())
		}
	}
}

// TestMergeOrder: which capture is given first changes nothing in the
// attribution: per outage the same packets reached the receiver. The views
// are those of a 0.3 ms one-way latency over a sample whose fastest answer
// came 0.26 ms after its request, so the receiver's capture stamps the
// answer before the request arrived, as coarse clocks do: by time, the
// answered request fell out of the window in one order only.
func TestMergeOrder(t *testing.T) {
	vista := netip.MustParseAddr("10.10.1.57")
	a, b := mergetest.Views(t, filepath.Join("samples", "kb977526-vista-to-xp.pcapng"), vista, 3700*time.Millisecond, 300*time.Microsecond, nil)
	var got [2][]int
	for i, in := range [][]string{{a, b}, {b, a}} {
		r := analyzeJSON(t, analyzeOptions{Inputs: in, Merge: true})
		for _, o := range r.Captures[0].Merge.Outages {
			got[i] = append(got[i], o.ReachedReceiver, o.OnlyAtSender)
		}
	}
	if !slices.Equal(got[0], got[1]) || len(got[0]) != 8 {
		t.Errorf("A B: %v; B A: %v (reached, only at sender per outage)", got[0], got[1])
	}
	t.Logf("reached, only at sender per outage: %v", got[0])
}

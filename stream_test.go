package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"softsa/analyzer/result"
	"softsa/batch"
)

// TestLineStream: lines come out in the order of the inputs whatever order
// the captures finish in, each as soon as it and those before it are done;
// possible ring-buffer files wait for their whole name group; a capture an
// interrupt stopped gets no line.
func TestLineStream(t *testing.T) {
	inputs := []batch.Input{{Path: "a.pcap"}, {Path: "d/trace1.pcap"}, {Path: "d/trace2.pcap"}, {Path: "z.pcap"}, {Path: "zz.pcap"}}
	var buf bytes.Buffer
	ls := newLineStream(&buf, inputs, false, nil)
	files := func() string {
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			var r result.Result
			if l != "" && json.Unmarshal([]byte(l), &r) == nil && len(r.Captures) == 1 {
				got = append(got, r.Captures[0].File)
			}
		}
		return strings.Join(got, " ")
	}
	done := func(i int) {
		ls.done(i, outcome{cr: &result.CaptureResult{File: inputs[i].Path, Pairs: []result.Pair{}}})
	}
	for _, step := range []struct {
		finish func()
		want   string
	}{
		{func() { done(3) }, ""},                                     // z waits for a
		{func() { done(0) }, "a.pcap"},                               // a out; trace1 not done
		{func() { done(1) }, "a.pcap"},                               // trace1 waits for trace2, its group
		{func() { ls.done(4, outcome{err: errCanceled}) }, "a.pcap"}, // stopped: no line
		{func() { done(2) }, "a.pcap d/trace1.pcap d/trace2.pcap z.pcap"},
	} {
		step.finish()
		if got := files(); got != step.want {
			t.Fatalf("lines %q, want %q", got, step.want)
		}
	}
	if err := ls.finish(&result.Result{Incomplete: true, IncompleteReason: "4 of 5 captures analysed — interrupted by SIGINT"}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if last := lines[len(lines)-1]; len(lines) != 5 || !strings.Contains(last, `"incomplete":true`) || !strings.Contains(last, `"captures":[]`) {
		t.Errorf("%d lines, last %s", len(lines), last)
	}
}

// errCanceled is what an analysis stopped by the interrupt returns.
var errCanceled = context.Canceled

package main

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"softsa/analyzer"
	"softsa/batch"
	"softsa/decoders/hostlog"
)

// TestAnalyzeInputHostLogs: the host logs that go with an input are read
// and attached; what could not be read is in the capture's warnings,
// naming the log file, and the capture's analysis is unaffected.
func TestAnalyzeInputHostLogs(t *testing.T) {
	dir := t.TempDir()
	good, bad, partial := filepath.Join(dir, "security.xml"), filepath.Join(dir, "broken.xml"), filepath.Join(dir, "wfpdiag.xml")
	for _, p := range []string{good, bad, partial} {
		writeFile(t, p, []byte("<Events/>"), 0o644)
	}
	missing := filepath.Join(dir, "gone.xml")
	old := readHostLog
	readHostLog = func(file string, r io.Reader) (*hostlog.Log, error) {
		if _, err := io.ReadAll(r); err != nil {
			return nil, err
		}
		switch file {
		case good:
			return &hostlog.Log{Format: hostlog.FormatSecurity, Warnings: []string{"event 7: no time"}}, nil
		case partial:
			return &hostlog.Log{File: file, Format: hostlog.FormatWFPDiag}, errors.New("XML syntax error at offset 812")
		}
		return nil, hostlog.ErrNotHostLog
	}
	t.Cleanup(func() { readHostLog = old })

	base := analyzeInput(context.Background(), batch.Input{Path: "samples/kb977526-vista-to-xp.pcapng", Named: true}, withAnalyzerDefaults(t), "")
	out := analyzeInput(context.Background(), batch.Input{Path: "samples/kb977526-vista-to-xp.pcapng", Named: true,
		HostLogs: []string{good, bad, partial, missing}}, withAnalyzerDefaults(t), "")
	if out.err != nil || out.cr == nil {
		t.Fatalf("%v", out.err)
	}
	cr := out.cr
	if len(cr.HostLogs) != 2 || cr.HostLogs[0].File != good || cr.HostLogs[1].File != partial || cr.HostLogs[0].Format != "security-xml" {
		t.Errorf("host logs %+v", cr.HostLogs)
	}
	for _, w := range []string{
		"host log " + good + ": event 7: no time",
		"host log " + bad + ": " + hostlog.ErrNotHostLog.Error(),
		"host log " + partial + ": XML syntax error at offset 812",
		"host log " + missing + ": ",
	} {
		found := false
		for _, got := range cr.Warnings {
			found = found || strings.HasPrefix(got, w)
		}
		if !found {
			t.Errorf("no warning %q in %q", w, cr.Warnings)
		}
	}
	if len(cr.Pairs) != len(base.cr.Pairs) || cr.Pairs[0].Verdict != base.cr.Pairs[0].Verdict || cr.Pairs[0].Findings[0].Confidence != base.cr.Pairs[0].Findings[0].Confidence {
		t.Errorf("the analysis changed: %+v", cr.Pairs)
	}
}

func withAnalyzerDefaults(t *testing.T) analyzer.Options {
	t.Helper()
	ao, err := withDefaults(analyzeOptions{}).analyzerOptions()
	if err != nil {
		t.Fatal(err)
	}
	return ao
}

// TestOrphanError: a host log that goes with no capture is named, with
// the rule that would have paired it.
func TestOrphanError(t *testing.T) {
	err := orphanError([]batch.HostLog{{Path: "s.xml", Named: true}, {Path: "d/w.cab"}})
	for _, want := range []string{"host log s.xml goes with no capture", "named on the command line goes with the captures named there (softsa CAPTURE s.xml)",
		"host log d/w.cab goes with no capture", "goes with the captures of its own folder"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"softsa/analyzer"
	"softsa/analyzer/result"
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

// securityXML is one Security 4653 event (main mode failed) as Event
// Viewer's "Save as XML" writes it.
const securityXML = `<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<Events><Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-A5BA-3E3B0328C30D}'/><EventID>4653</EventID><Version>0</Version><Level>0</Level><Task>12547</Task><Opcode>0</Opcode><Keywords>0x8010000000000000</Keywords><TimeCreated SystemTime='2009-11-10T09:13:13.966226Z'/><EventRecordID>1</EventRecordID><Correlation/><Execution ProcessID='652' ThreadID='1464'/><Channel>Security</Channel><Computer>vista</Computer><Security/></System><EventData><Data Name='LocalAddress'>10.10.1.57</Data><Data Name='LocalKeyModPort'>500</Data><Data Name='RemoteAddress'>10.10.1.20</Data><Data Name='RemoteKeyModPort'>500</Data><Data Name='KeyModName'>IKEv1</Data><Data Name='FailurePoint'>Local computer</Data><Data Name='FailureReason'>IKE failed to find valid machine certificate.</Data><Data Name='AuthMethod'>Certificate</Data><Data Name='State'>Sent first (SA) payload</Data><Data Name='Role'>Initiator</Data><Data Name='MMImpersonationState'>Not enabled</Data><Data Name='MMFilterID'>0</Data><Data Name='InitiatorCookie'>4745f887829aa56d</Data><Data Name='ResponderCookie'>0000000000000000</Data></EventData></Event></Events>
`

// TestHostLogCommandLine runs the command line with a real Security log
// export once hostlog recognises it (its reader is built on another
// branch; until they meet this test skips): named with a capture, the log
// goes with it; alone, it is a usage error; in a folder, it goes with the
// folder's capture; softsa dump refuses it with a message.
func TestHostLogCommandLine(t *testing.T) {
	if hostlog.Sniff([]byte(securityXML)) == hostlog.FormatNone {
		t.Skip("hostlog.Sniff does not recognise a Security log XML export yet")
	}
	dir := t.TempDir()
	sample := "samples/kb977526-vista-to-xp.pcapng"
	xml := filepath.Join(dir, "security.xml")
	writeFile(t, xml, []byte(securityXML), 0o644)
	b, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "vista.pcapng"), b, 0o644)

	check := func(r result.Result, file string) {
		t.Helper()
		if len(r.Captures) != 1 || len(r.Captures[0].HostLogs) != 1 || r.Captures[0].HostLogs[0].File != file || r.Captures[0].HostLogs[0].Format != result.HostLogFormatSecurity {
			t.Errorf("host logs: %+v", r.Captures)
		}
	}
	check(analyzeJSON(t, analyzeOptions{Inputs: []string{sample, xml}}), xml)
	check(analyzeJSON(t, analyzeOptions{Inputs: []string{dir}}), xml)

	s, stdout, stderr := bufStreams()
	if code := run([]string{"-q", xml}, s); code != exitUsage || !strings.Contains(stderr.String(), "goes with no capture") || stdout.Len() > 0 {
		t.Errorf("a lone host log: exit %d, %s", code, stderr)
	}
	// --jsonl: the capture's line carries its host logs.
	s, stdout, stderr = bufStreams()
	if code := run([]string{"-q", "--jsonl", sample, xml}, s); code != exitFindings || !strings.Contains(stdout.String(), `"host_logs":[{"file":"`+xml) {
		t.Errorf("--jsonl: exit %d, %s %.300s", code, stderr, stdout)
	}
	s, _, stderr = bufStreams()
	if code := run([]string{"--merge", sample, xml}, s); code != exitUsage || !strings.Contains(stderr.String(), "is a host log (Security log XML export), not a capture") {
		t.Errorf("--merge with a host log: exit %d, %s", code, stderr)
	}
	s, _, stderr = bufStreams()
	if code := run([]string{"dump", xml}, s); code == exitOK || !strings.Contains(stderr.String(), "a host log (Security log XML export), not a capture") {
		t.Errorf("dump of a host log: exit %d, %s", code, stderr)
	}
}

// TestOrphanHostLogSkipped: one file never costs the others their
// results. A host log a folder walk finds in a folder without captures is
// skipped with a warning (and listed with -v), the captures elsewhere
// analysed; one named beside a capture that cannot be read is skipped
// too, the capture reported as failed. Only host logs named on a command
// line that names no capture are a usage error.
func TestOrphanHostLogSkipped(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile("samples/kb977526-vista-to-xp.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	pcap := filepath.Join(dir, "a", "vista.pcapng")
	orphan := filepath.Join(dir, "b", "security.xml")
	writeFile(t, pcap, b, 0o644)
	writeFile(t, orphan, []byte(securityXML), 0o644)
	writeFile(t, filepath.Join(dir, "b", "notes.txt"), []byte("nothing"), 0o644)
	warning := "softsa: warning: host log " + orphan + " goes with no capture: a host log found in a folder goes with the captures of its own folder, and its folder has none; skipped\n"

	s, stdout, stderr := bufStreams()
	if code := run([]string{"--format", "json", dir}, s); code != exitFindings {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r result.Result
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Captures) != 1 || r.Captures[0].File != pcap || len(r.Captures[0].HostLogs) != 0 || len(r.Captures[0].Pairs) == 0 {
		t.Errorf("captures %+v", r.Captures)
	}
	// The note counts the files that hold no capture; the orphan has its
	// own warning.
	if !strings.Contains(stderr.String(), warning) || !strings.Contains(stderr.String(), "skipped 1 files that hold no capture") {
		t.Errorf("stderr %q", stderr)
	}
	s, _, stderr = bufStreams()
	if code := run([]string{"-q", "-v", "--format", "json", dir}, s); code != exitFindings ||
		!strings.Contains(stderr.String(), warning) ||
		!strings.Contains(stderr.String(), "softsa: skipped "+orphan+": host log (Security log XML export) that goes with no capture: its folder holds none\n") {
		t.Errorf("-v: exit %d, stderr %q", code, stderr)
	}

	// Named beside a capture that cannot be read: that capture fails, the
	// host log is skipped, the folder's capture is analysed.
	missing := filepath.Join(dir, "gone.pcapng")
	s, _, stderr = bufStreams()
	if code := run([]string{"-q", "--format", "json", missing, filepath.Join(dir, "a"), orphan}, s); code != exitPartial ||
		!strings.Contains(stderr.String(), "softsa: warning: host log "+orphan+" goes with no capture: a host log named on the command line") {
		t.Errorf("named beside a missing capture: exit %d, stderr %q", code, stderr)
	}

	// Named with no capture named: a usage error, before any analysis.
	for _, args := range [][]string{{orphan}, {filepath.Join(dir, "a"), orphan}} {
		s, stdout, stderr = bufStreams()
		if code := run(append([]string{"-q"}, args...), s); code != exitUsage || stdout.Len() > 0 ||
			!strings.Contains(stderr.String(), "host log "+orphan+" goes with no capture: a host log named on the command line goes with the captures named there") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

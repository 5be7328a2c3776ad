package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"softsa/analyzer/result"
	"testing"
	"time"
)

// bufStreams is an ioStreams over two buffers, neither a terminal.
func bufStreams() (s ioStreams, stdout, stderr *bytes.Buffer) {
	stdout, stderr = &bytes.Buffer{}, &bytes.Buffer{}
	return ioStreams{in: bytes.NewReader(nil), out: stdout, err: stderr}, stdout, stderr
}

// withDefaults gives o the defaults of the flags that tune the analysis, as
// the command line would.
func withDefaults(o analyzeOptions) analyzeOptions {
	o.ExpectedOutage, o.OutageMin, o.OutageMax, o.MinCycles = time.Minute, 45*time.Second, 90*time.Second, 2
	return o
}

// analyzeJSON runs the analyze command with o and the default tuning, wants
// exit code 1 (findings) and returns the JSON report.
func analyzeJSON(t *testing.T, o analyzeOptions) result.Result {
	t.Helper()
	o = withDefaults(o)
	o.Format, o.Quiet = "json", true
	s, stdout, stderr := bufStreams()
	if code := runAnalyze(o, s); code != exitFindings {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var r result.Result
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func writeFile(t *testing.T, path string, b []byte, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, mode); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, mode)
}

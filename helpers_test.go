package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"softsa/analyzer"
)

// analyzeJSON runs the analyze command with o and the default tuning, wants
// exit code 1 (findings) and returns the JSON report.
func analyzeJSON(t *testing.T, o Options) analyzer.Result {
	t.Helper()
	o.Command, o.Format, o.Quiet = "analyze", "json", true
	o.ExpectedOutage, o.OutageMin, o.OutageMax, o.MinCycles = time.Minute, 45*time.Second, 90*time.Second, 2
	var stdout, stderr bytes.Buffer
	if code := run(o, ioStreams{out: &stdout, err: &stderr}); code != exitFindings {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var r analyzer.Result
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

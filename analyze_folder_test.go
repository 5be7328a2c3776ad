package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"softsa/analyzer/result"
)

// badFolder builds the folder issue 6 describes: the samples, a truncated
// capture, an empty file, a text file named x.pcap, a gzip of a sample, a
// symlink loop, a file without read permission, and a README that is not a
// capture at all (skipped, not failed).
func badFolder(t *testing.T) (dir string, good int) {
	t.Helper()
	dir = t.TempDir()
	os.Chmod(dir, 0o755)
	samples, _ := filepath.Glob(filepath.Join("samples", "*.pcap*"))
	if len(samples) == 0 {
		t.Fatal("no samples")
	}
	for _, s := range samples {
		b, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, "cases", filepath.Base(s)), b, 0o644)
	}
	kb, _ := os.ReadFile(filepath.Join("samples", "kb977526-vista-to-xp.pcapng"))
	writeFile(t, filepath.Join(dir, "truncated.pcapng"), kb[:len(kb)/2], 0o644)
	writeFile(t, filepath.Join(dir, "empty.pcap"), nil, 0o644)
	writeFile(t, filepath.Join(dir, "x.pcap"), []byte("this is a text file, not a capture\n"), 0o644)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(kb)
	zw.Close()
	writeFile(t, filepath.Join(dir, "zipped", "kb.pcapng.gz"), gz.Bytes(), 0o644)
	writeFile(t, filepath.Join(dir, "README.txt"), []byte("notes from the customer\n"), 0o644)
	writeFile(t, filepath.Join(dir, "locked.pcap"), kb, 0o000)
	writeFile(t, filepath.Join(dir, "locked-evidence"), kb, 0o000) // unreadable, and not named like a capture
	if err := os.Symlink("loop.pcap", filepath.Join(dir, "loop.pcap")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(".", filepath.Join(dir, "cases", "self")); err != nil { // a folder loop
		t.Fatal(err)
	}
	return dir, len(samples) + 1 // the samples and the gzip of one
}

// TestBatchBadFolder runs softsa over the bad folder: every good capture is
// analysed, every bad file listed with a clear reason, the exit code is 3,
// and nothing hangs. Root reads files whatever their mode, so when the test
// runs as root it runs the check again as an unprivileged user, where the
// unreadable file really is unreadable.
func TestBatchBadFolder(t *testing.T) {
	if dir := os.Getenv("SOFTSA_BADFOLDER"); dir != "" {
		checkBadFolder(t, dir, true)
		return
	}
	dir, _ := badFolder(t)
	checkBadFolder(t, dir, os.Geteuid() != 0)
	if os.Geteuid() != 0 {
		return
	}
	checkBadFolderUnprivileged(t, dir)
}

func checkBadFolder(t *testing.T, dir string, lockedFails bool) {
	t.Helper()
	s, stdout, stderr := bufStreams()
	done := make(chan int, 1)
	go func() {
		done <- runAnalyze(withDefaults(analyzeOptions{Inputs: []string{dir}, Format: "json", Jobs: 2, Verbose: true}), s)
	}()
	var code int
	select {
	case code = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("softsa did not finish within two minutes: something hangs")
	}
	if code != exitPartial {
		t.Errorf("exit code %d, want %d (some inputs failed)\nstderr:\n%s", code, exitPartial, stderr.String())
	}
	var res result.Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	byName := map[string]result.CaptureResult{}
	for _, c := range res.Captures {
		byName[strings.TrimPrefix(c.File, dir+"/")] = c
	}
	wantFail := map[string]string{
		"empty.pcap": "empty file",
		"x.pcap":     "no capture magic",
		"loop.pcap":  "too many levels of symbolic links",
	}
	if lockedFails {
		wantFail["locked.pcap"] = "permission denied"
		wantFail["locked-evidence"] = "permission denied"
	}
	for name, reason := range wantFail {
		c, ok := byName[name]
		// The file is named by c.File; the error does not repeat it.
		if !ok || !strings.Contains(c.Error, reason) || strings.Contains(c.Error, name) {
			t.Errorf("%s: error %q, want one saying %q without repeating the path", name, c.Error, reason)
		}
	}
	if lockedFails && strings.Contains(byName["locked.pcap"].Error, "permission denied") {
		t.Logf("locked.pcap failed as it should: %s", byName["locked.pcap"].Error)
	}
	trunc := byName["truncated.pcapng"]
	if trunc.Error != "" || trunc.Frames == 0 || len(trunc.Warnings) == 0 || !strings.Contains(strings.Join(trunc.Warnings, " "), "frame") {
		t.Errorf("truncated.pcapng: frames %d, error %q, warnings %v: want its frames kept and a warning naming the frame", trunc.Frames, trunc.Error, trunc.Warnings)
	}
	analysed := 0
	for name, c := range byName {
		if strings.HasPrefix(name, "cases/") || strings.HasPrefix(name, "zipped/") {
			if c.Error != "" || c.Frames == 0 {
				t.Errorf("%s: good capture not analysed: %q", name, c.Error)
			}
			analysed++
		}
	}
	if gz := byName["zipped/kb.pcapng.gz"]; len(gz.Pairs) == 0 || gz.Pairs[0].Verdict != result.VerdictKB977526 || gz.Format != "pcapng+gzip" {
		t.Errorf("gzip of the KB sample: format %q, pairs %v", gz.Format, gz.Pairs)
	}
	if _, ok := byName["README.txt"]; ok {
		t.Error("README.txt was analysed; it should be skipped")
	}
	if !strings.Contains(stderr.String(), "skipped "+filepath.Join(dir, "README.txt")) {
		t.Errorf("-v does not list the skipped README:\n%s", stderr.String())
	}
	t.Logf("%d good captures analysed, %d listed in all", analysed, len(res.Captures))
}

// writeManyCaptures writes n small captures for the parallel batch checks:
// copies of the samples' smaller files, so each is real work.
func writeManyCaptures(tb testing.TB, n int) string {
	tb.Helper()
	dir := tb.TempDir()
	var srcs [][]byte
	for _, name := range []string{"no-communication-ikeflags.pcapng", "negotiation-failures.pcapng", "healthy-ikev2-natt.pcapng"} {
		b, err := os.ReadFile(filepath.Join("samples", name))
		if err != nil {
			tb.Fatal(err)
		}
		srcs = append(srcs, b)
	}
	for i := 0; i < n; i++ {
		p := filepath.Join(dir, fmt.Sprintf("case-%03d", i/20), fmt.Sprintf("trace-%04d.pcapng", i))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, srcs[i%len(srcs)], 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

func batchJSON(tb testing.TB, dir string, jobs int) []byte {
	tb.Helper()
	s, stdout, stderr := bufStreams()
	code := runAnalyze(withDefaults(analyzeOptions{Inputs: []string{dir}, Format: "json", Jobs: jobs, Quiet: true}), s)
	if code != exitFindings {
		tb.Fatalf("exit %d: %s", code, stderr.String())
	}
	return stdout.Bytes()
}

// TestBatchOrderStable checks that the report does not depend on how many
// workers ran or which finished first.
func TestBatchOrderStable(t *testing.T) {
	dir := writeManyCaptures(t, 60)
	one, two := batchJSON(t, dir, 1), batchJSON(t, dir, 2)
	if !bytes.Equal(one, two) {
		t.Error("-j 1 and -j 2 give different reports")
	}
	var res result.Result
	json.Unmarshal(one, &res)
	if len(res.Captures) != 60 {
		t.Errorf("%d captures in the report, want 60", len(res.Captures))
	}
}

// BenchmarkBatch200 analyses a folder of 200 captures with one and with two
// workers; compare the two ns/op figures for the parallel speed-up.
func BenchmarkBatch200(b *testing.B) {
	dir := writeManyCaptures(b, 200)
	for _, jobs := range []int{1, 2} {
		b.Run(fmt.Sprintf("j%d", jobs), func(b *testing.B) {
			for b.Loop() {
				batchJSON(b, dir, jobs)
			}
		})
	}
}

//go:build unix

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"softsa/analyzer/result"
)

// manyLinks makes a folder of n hard links to a small sample, named so
// that none looks like a ring-buffer file (which --jsonl holds back until
// its set is known).
func manyLinks(tb testing.TB, n int) string {
	tb.Helper()
	dir := tb.TempDir()
	src := filepath.Join(dir, "src.bin")
	b, err := os.ReadFile(filepath.Join("samples", "negotiation-failures.pcapng"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(src, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	caps := filepath.Join(dir, "caps")
	os.Mkdir(caps, 0o755)
	for i := range n {
		if err := os.Link(src, filepath.Join(caps, fmt.Sprintf("c%04dx.pcapng", i))); err != nil {
			tb.Fatal(err)
		}
	}
	return caps
}

// validateSchema checks a JSON document against report/softsa.schema.json.
func validateSchema(t *testing.T, b []byte) {
	t.Helper()
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(filepath.Join("report", "softsa.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	if err := sch.Validate(doc); err != nil {
		t.Errorf("does not match the schema: %v", err)
	}
}

// TestInterruptRun: SIGINT and SIGTERM in the middle of a batch stop it;
// the report has what finished, says it is incomplete (JSON marker,
// schema-valid; a line in text; a banner in index.html) and the exit code
// is 3. The signal is sent to this process once the fifth capture is done.
func TestInterruptRun(t *testing.T) {
	const n = 60
	caps := manyLinks(t, n)
	defer func() { testHookDone = nil }()
	for _, tc := range []struct {
		sig  syscall.Signal
		name string
		args []string
	}{
		{syscall.SIGTERM, "SIGTERM", []string{"--format", "json"}},
		{syscall.SIGINT, "SIGINT", []string{"--format", "json"}},
		{syscall.SIGTERM, "SIGTERM", []string{"--format", "text"}},
		{syscall.SIGTERM, "SIGTERM", []string{"-o", filepath.Join(t.TempDir(), "out")}},
		{syscall.SIGINT, "SIGINT", []string{"--jsonl"}},
	} {
		sent := 0
		testHookDone = func(int) {
			if sent++; sent == 5 {
				syscall.Kill(os.Getpid(), tc.sig)
			}
		}
		s, stdout, stderr := bufStreams()
		code := run(append([]string{"-q", "-j", "1"}, append(tc.args, caps)...), s)
		if code != exitPartial {
			t.Errorf("%s %v: exit %d, want %d: %s", tc.name, tc.args, code, exitPartial, stderr.String())
		}
		wantWhy := fmt.Sprintf("of %d captures analysed — interrupted by %s", n, tc.name)
		if !strings.Contains(stderr.String(), wantWhy) {
			t.Errorf("%s %v: stderr %q lacks %q", tc.name, tc.args, stderr.String(), wantWhy)
		}
		switch {
		case tc.args[0] == "--jsonl":
			lines := bytes.Split(bytes.TrimSpace(stdout.Bytes()), []byte("\n"))
			for _, l := range lines {
				validateSchema(t, l)
			}
			var last result.Result
			json.Unmarshal(lines[len(lines)-1], &last)
			if !last.Incomplete || !strings.Contains(last.IncompleteReason, wantWhy) || len(lines) < 6 || len(lines) > n {
				t.Errorf("--jsonl: %d lines, last %+v", len(lines), last)
			}
		case tc.args[1] == "json":
			validateSchema(t, stdout.Bytes())
			var r result.Result
			json.Unmarshal(stdout.Bytes(), &r)
			if !r.Incomplete || !strings.Contains(r.IncompleteReason, wantWhy) || len(r.Captures) < 5 || len(r.Captures) >= n {
				t.Errorf("%s: incomplete %v %q, %d captures", tc.name, r.Incomplete, r.IncompleteReason, len(r.Captures))
			}
			if !strings.HasPrefix(r.IncompleteReason, fmt.Sprint(len(r.Captures))+" of") {
				t.Errorf("reason %q for %d captures", r.IncompleteReason, len(r.Captures))
			}
		case tc.args[1] == "text":
			if !strings.HasPrefix(stdout.String(), "INCOMPLETE REPORT: ") {
				t.Errorf("text report does not start with the incomplete line:\n%.200s", stdout.String())
			}
		default:
			b, _ := os.ReadFile(filepath.Join(tc.args[1], "index.html"))
			if !strings.Contains(string(b), wantWhy) {
				t.Errorf("index.html has no banner")
			}
		}
	}
}

// TestInterruptBinary: the built softsa, stopped by SIGTERM or SIGINT in the
// middle of a 1,500-capture batch, writes a schema-valid report marked
// incomplete and exits 3; with --jsonl every line written is valid JSON
// and the last says the run was interrupted.
func TestInterruptBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds softsa and runs a 1,500-capture batch")
	}
	bin := buildSoftsa(t)
	caps := manyLinks(t, 1500)
	// A bad destination fails before the analysis: in a fraction of the
	// time of the full run.
	start := time.Now()
	if out, err := exec.Command(bin, "-q", "--format", "json", caps).Output(); err == nil || len(out) == 0 {
		t.Fatalf("full run: %v", err) // exit 1: findings
	}
	full := time.Since(start)
	for _, bad := range []string{"/dev/full", filepath.Join(t.TempDir(), "missing", "r.json")} {
		start = time.Now()
		err := exec.Command(bin, "-q", "-o", bad, caps).Run()
		took := time.Since(start)
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitUsage || took > full/3 {
			t.Errorf("-o %s: %v after %v; want exit %d within a third of the full run's %v", bad, err, took, exitUsage, full)
		}
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		rep := filepath.Join(t.TempDir(), "r.json")
		// --jsonl on stdout shows when the batch is under way; the JSON
		// report goes to a file.
		for _, args := range [][]string{{"--jsonl"}, {"-o", rep}} {
			cmd := exec.Command(bin, append(append([]string{"-q", "-j", "2"}, args...), caps)...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			pipe, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(pipe)
			sc.Buffer(nil, 1<<24)
			var lines [][]byte
			if args[0] == "--jsonl" {
				for len(lines) < 20 && sc.Scan() {
					lines = append(lines, append([]byte(nil), sc.Bytes()...))
				}
			} else {
				waitFor(t, func() bool { return hasTemp(filepath.Dir(rep)) })
			}
			cmd.Process.Signal(sig)
			for sc.Scan() {
				lines = append(lines, append([]byte(nil), sc.Bytes()...))
			}
			err := cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != exitPartial {
				t.Errorf("%v %v: exit %d (%v), want %d: %s", sig, args, code, err, exitPartial, stderr.String())
			}
			var last result.Result
			if args[0] == "--jsonl" {
				for _, l := range lines {
					validateSchema(t, l)
				}
				json.Unmarshal(lines[len(lines)-1], &last)
				if len(lines) > 1500 {
					t.Errorf("%d lines", len(lines))
				}
			} else {
				b, err := os.ReadFile(rep)
				if err != nil {
					t.Fatalf("%v: no report: %v", sig, err)
				}
				validateSchema(t, b)
				json.Unmarshal(b, &last)
			}
			if !last.Incomplete || !strings.Contains(last.IncompleteReason, "of 1500 captures analysed — interrupted by") {
				t.Errorf("%v %v: not marked incomplete: %q", sig, args, last.IncompleteReason)
			}
		}
	}
}

// TestTwoRunsOneFolder: while one run writes into a report folder, a
// second run into it is refused (exit 2, saying why) and the first is not
// disturbed; stopped by SIGTERM, the first leaves an index marked
// incomplete and no lock.
func TestTwoRunsOneFolder(t *testing.T) {
	if testing.Short() {
		t.Skip("builds softsa and runs a 1,500-capture batch")
	}
	bin := buildSoftsa(t)
	caps := manyLinks(t, 1500)
	out := filepath.Join(t.TempDir(), "reports")
	first := exec.Command(bin, "-q", "-j", "1", "-o", out, caps)
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { _, err := os.Stat(filepath.Join(out, ".softsa.lock")); return err == nil })
	second, err := exec.Command(bin, "-q", "-o", out, filepath.Join("samples", "negotiation-failures.pcapng")).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitUsage || !strings.Contains(string(second), "another softsa run") {
		t.Errorf("second run: %v: %s", err, second)
	}
	first.Process.Signal(syscall.SIGTERM)
	first.Wait()
	if code := first.ProcessState.ExitCode(); code != exitPartial {
		t.Errorf("first run: exit %d, want %d", code, exitPartial)
	}
	b, _ := os.ReadFile(filepath.Join(out, "index.html"))
	if !strings.Contains(string(b), "of 1500 captures analysed — interrupted by SIGTERM") {
		t.Errorf("index.html has no incomplete banner")
	}
	if _, err := os.Stat(filepath.Join(out, ".softsa.lock")); err == nil {
		t.Error("the lock was left behind")
	}
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// buildSoftsa builds the softsa binary once for the tests that run it.
func buildSoftsa(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "softsa-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "softsa")
		if out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// TestNeverOverwriteInputBinary: through the built binary, -o naming the
// input leaves the capture byte-identical and exits 2.
func TestNeverOverwriteInputBinary(t *testing.T) {
	bin := buildSoftsa(t)
	dir := t.TempDir()
	in, orig := sample(t, dir, "same.pcapng")
	for _, args := range [][]string{{"-o", in, in}, {"--format", "json", "-o", in, in}, {"-o", "./" + filepath.Base(in), dir}} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitUsage || !strings.Contains(string(out), "refusing to overwrite") {
			t.Errorf("%v: %v: %s", args, err, out)
		}
		if b, _ := os.ReadFile(in); !bytes.Equal(b, orig) {
			t.Fatalf("%v: the capture changed", args)
		}
	}
}

// hasTemp reports whether dir holds softsa's temporary report file: the
// destination is opened, the analysis under way.
func hasTemp(dir string) bool {
	m, _ := filepath.Glob(filepath.Join(dir, ".*.softsa-tmp"))
	return len(m) > 0
}

// waitFor polls cond for up to a minute.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 6000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("timed out waiting")
}

// TestMain removes the binary buildSoftsa built.
func TestMain(m *testing.M) {
	code := m.Run()
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

// TestOutputDevStdout: -o /dev/stdout with stdout redirected to a file
// writes the report there, as it is: no temporary file beside a device.
func TestOutputDevStdout(t *testing.T) {
	bin := buildSoftsa(t)
	rep := filepath.Join(t.TempDir(), "r.json")
	f, err := os.Create(rep)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(bin, "-q", "--format", "json", "-o", "/dev/stdout", filepath.Join("samples", "kb977526-vista-to-xp.pcapng"))
	cmd.Stdout = f
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	b, _ := os.ReadFile(rep)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitFindings || !bytes.HasPrefix(b, []byte("{")) {
		t.Errorf("exit %v, stderr %q, report %.40q", err, stderr.String(), b)
	}
}

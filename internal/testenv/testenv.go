// Package testenv gives the tests of every package one way to find the
// public capture corpus and the Wireshark tools, and one rule for when their
// absence skips a test and when it fails it: CI sets SOFTSA_CORPUS and
// SOFTSA_REQUIRE_TSHARK, and then nothing may be skipped for want of them.
// It also runs the tools (Run, Output) and reads a capture's frames with a
// reader independent of softsa's (ReadFrames).
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// ModuleRoot returns the folder holding go.mod, found upwards from the
// working directory (each package's tests run in their own folder).
func ModuleRoot() string {
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// Corpus returns the corpus folder and whether it must be there: the one
// SOFTSA_CORPUS names (a relative path counts from the module root, as CI
// writes it), else ../shared/captures beside the module.
func Corpus() (dir string, required bool) {
	dir = os.Getenv("SOFTSA_CORPUS")
	required = dir != ""
	if dir == "" {
		dir = filepath.Join("..", "shared", "captures")
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(ModuleRoot(), dir)
	}
	return dir, required
}

// CorpusDir returns the corpus folder, skipping the test when it is absent,
// or failing it when SOFTSA_CORPUS says it must be there.
func CorpusDir(tb testing.TB) string {
	tb.Helper()
	dir, required := Corpus()
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		if required {
			tb.Fatalf("SOFTSA_CORPUS=%s: no such folder (%s)", os.Getenv("SOFTSA_CORPUS"), dir)
		}
		tb.Skipf("public capture corpus not found at %s (set SOFTSA_CORPUS)", dir)
	}
	return dir
}

// CorpusFiles lists every capture file of the corpus (everything but the
// catalogue and hidden files), sorted, with the same skip rule.
func CorpusFiles(tb testing.TB) []string {
	tb.Helper()
	dir := CorpusDir(tb)
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".md") && !strings.HasPrefix(d.Name(), ".") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		tb.Fatalf("the corpus at %s holds no captures", dir)
	}
	sort.Strings(files)
	return files
}

// Tool returns the path of a Wireshark tool (tshark, editcap, capinfos),
// skipping the test when it is absent unless SOFTSA_REQUIRE_TSHARK is set.
func Tool(tb testing.TB, name string) string {
	tb.Helper()
	if !HasTool(tb, name) {
		tb.Skipf("%s not installed", name)
	}
	p, _ := exec.LookPath(name)
	return p
}

// HasTool reports whether a Wireshark tool is installed, for a test that
// has something else to compare with when it is not (golden files); like
// Tool, it fails the test when the tool is absent and SOFTSA_REQUIRE_TSHARK
// is set.
func HasTool(tb testing.TB, name string) bool {
	tb.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("SOFTSA_REQUIRE_TSHARK") != "" {
			tb.Fatalf("%s is required (SOFTSA_REQUIRE_TSHARK is set) but not found", name)
		}
		return false
	}
	return true
}

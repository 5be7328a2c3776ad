package testenv

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Output runs a Wireshark tool, found as Tool finds it (so its absence skips
// or fails the test by the same rule), with args, and returns its standard
// output. The tool runs in UTC, as CI runs everything: editcap writes, and
// tshark prints, local times that softsa reads and prints as UTC. A failure
// is returned with the tool's standard error, for tests that expect some
// inputs to fail (a format the tool does not read); the output it wrote
// before failing is returned too.
func Output(tb testing.TB, tool string, args ...string) ([]byte, error) {
	tb.Helper()
	cmd := exec.Command(Tool(tb, tool), args...)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s %s: %w\n%s", tool, strings.Join(args, " "), err, stderr.Bytes())
	}
	return out, nil
}

// Run is Output for a run that must succeed: a failure fails the test.
func Run(tb testing.TB, tool string, args ...string) []byte {
	tb.Helper()
	out, err := Output(tb, tool, args...)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

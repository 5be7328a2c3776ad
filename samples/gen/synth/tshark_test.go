package synth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"softsa/internal/testenv"
)

// tshark runs tshark on file with args and returns its standard output.
// Checksum validation is on: a wrong checksum is an expert error.
func tshark(t *testing.T, file string, args ...string) string {
	t.Helper()
	a := []string{"-r", file, "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
		"-o", "ip.check_checksum:TRUE"}
	return string(testenv.Run(t, "tshark", append(a, args...)...))
}

// writeTemp writes data to a file in t's temporary directory.
func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// expertSections returns the expert-info sections tshark -z expert printed
// (e.g. "Errors", "Warns") with their lines.
func expertSections(out string) map[string][]string {
	sec := map[string][]string{}
	cur := ""
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && strings.HasPrefix(f[1], "(") && !strings.HasPrefix(line, " "):
			cur = f[0]
		case strings.HasPrefix(line, "====="):
			if strings.Contains(line, "Protocol Hierarchy") {
				cur = ""
			}
		case cur != "" && len(f) > 0 && f[0] != "Frequency":
			sec[cur] = append(sec[cur], strings.TrimSpace(line))
		}
	}
	return sec
}

// phsProtocols returns the protocol names of a tshark -z io,phs table.
func phsProtocols(out string) map[string]bool {
	protos := map[string]bool{}
	in := false
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "Protocol Hierarchy Statistics") {
			in = true
			continue
		}
		if in && strings.Contains(line, "frames:") {
			protos[strings.Fields(line)[0]] = true
		}
	}
	return protos
}

package synth

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"softsa/internal/testenv"
)

// samplesDir is where the committed samples live, relative to this package.
const samplesDir = "../.."

// generated caches the generated outputs: several tests read them.
var generated = map[string]*Output{}

func generate(t *testing.T, sc *Scenario) *Output {
	t.Helper()
	if o, ok := generated[sc.Name]; ok {
		return o
	}
	o, err := Generate(sc)
	if err != nil {
		t.Fatalf("%s: %v", sc.Name, err)
	}
	generated[sc.Name] = o
	return o
}

// TestSamplesUpToDate regenerates every sample and fails if a byte differs
// from the committed capture or expected JSON, so samples never drift from
// the generator.
func TestSamplesUpToDate(t *testing.T) {
	for _, sc := range Scenarios() {
		o := generate(t, sc)
		for file, want := range map[string][]byte{sc.FileName(): o.Capture, sc.Name + ".expected.json": o.ExpectedJSON()} {
			got, err := os.ReadFile(filepath.Join(samplesDir, file))
			if err != nil {
				t.Errorf("%s: %v (run go run ./samples/gen)", file, err)
				continue
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from what the generator writes (run go run ./samples/gen)", file)
			}
		}
		if len(o.Capture) >= 2<<20 {
			t.Errorf("%s: %d bytes, over the 2 MB budget", sc.FileName(), len(o.Capture))
		}
	}
}

// TestSamplesDeterministic generates one scenario twice: same bytes.
func TestSamplesDeterministic(t *testing.T) {
	a, err := Generate(Lookup("negotiation-failures"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(Lookup("negotiation-failures"))
	if !bytes.Equal(a.Capture, b.Capture) || !bytes.Equal(a.ExpectedJSON(), b.ExpectedJSON()) {
		t.Fatal("two runs of the same scenario differ")
	}
}

// TestSamplesREADME checks that samples/README.md describes every sample.
func TestSamplesREADME(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(samplesDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range Scenarios() {
		if !strings.Contains(string(readme), sc.FileName()) {
			t.Errorf("README.md does not mention %s", sc.FileName())
		}
	}
}

// TestSamplesTshark runs tshark over every committed sample: no malformed
// packet, no expert error or warning (checksums validated), and the protocol
// hierarchy the scenario promises.
func TestSamplesTshark(t *testing.T) {
	testenv.Tool(t, "tshark")
	for _, sc := range Scenarios() {
		file := filepath.Join(samplesDir, sc.FileName())
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			if out := tshark(t, file, "-Y", "_ws.malformed"); strings.TrimSpace(out) != "" {
				t.Errorf("malformed packets:\n%s", out)
			}
			out := tshark(t, file, "-q", "-z", "expert", "-z", "io,phs")
			sec := expertSections(out)
			for _, level := range []string{"Errors", "Warns"} {
				if len(sec[level]) > 0 {
					t.Errorf("expert %s:\n%s", level, strings.Join(sec[level], "\n"))
				}
			}
			protos := phsProtocols(out)
			for _, p := range sc.Expect {
				if !protos[p] {
					t.Errorf("io,phs lacks %s", p)
				}
			}
			for _, p := range sc.Absent {
				if protos[p] {
					t.Errorf("io,phs shows %s", p)
				}
			}
		})
	}
}

// TestExpectedVerdicts checks the expected JSON against the scenario
// descriptions: every pair present, KB pairs with at least the loop's
// cycles and outages near a minute.
func TestExpectedVerdicts(t *testing.T) {
	for _, sc := range Scenarios() {
		o := generate(t, sc)
		if len(o.Expected.Pairs) != len(sc.Pairs) {
			t.Errorf("%s: %d expected pairs for %d pairs", sc.Name, len(o.Expected.Pairs), len(sc.Pairs))
		}
		for _, p := range o.Expected.Pairs {
			if p.Verdict != "kb977526" {
				if len(p.Outages)+len(p.SoftSAs) != 0 {
					t.Errorf("%s: %s → %s: outages outside a KB pair", sc.Name, p.Initiator, p.Responder)
				}
				continue
			}
			if len(p.Outages) < 3 || len(p.SoftSAs) < 3 {
				t.Errorf("%s: KB pair with %d outages, %d soft SAs", sc.Name, len(p.Outages), len(p.SoftSAs))
			}
			for _, o := range p.Outages {
				if o.Seconds < 55 || o.Seconds > 90 {
					t.Errorf("%s: outage of %.1f s", sc.Name, o.Seconds)
				}
			}
		}
	}
	kb := generate(t, Lookup("kb977526-vista-to-xp")).Expected.Pairs[0]
	if kb.Verdict != "kb977526" || kb.Initiator != "10.10.1.57" {
		t.Errorf("main sample: %+v", kb)
	}
}

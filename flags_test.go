package main

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestParseAnalyze: every flag of the analyze command is accepted and lands
// in its option; bad values are usage errors naming the flag.
func TestParseAnalyze(t *testing.T) {
	dir := t.TempDir()
	checkParse(t, parseAnalyze, []parseCase[analyzeOptions]{
		{[]string{"a.pcap"}, "", func(o analyzeOptions) bool {
			return o.Inputs[0] == "a.pcap" && o.ExpectedOutage == time.Minute &&
				o.OutageMin == 45*time.Second && o.OutageMax == 90*time.Second && o.MinCycles == 2 &&
				o.Format == "text" && o.Output == "" && o.Jobs == 0 && !o.JSONL && !o.Quiet && !o.Verbose &&
				!o.Join && !o.Merge && o.Pairs == nil && !o.Version
		}},
		{[]string{"--outage", "70s", "--outage-window", "50s-80s", "--pair", "10.0.0.1,10.0.0.2", "--pair", "10.0.0.3", "x"}, "", func(o analyzeOptions) bool {
			return o.ExpectedOutage == 70*time.Second && o.OutageMin == 50*time.Second && slices.Equal(o.Pairs, []string{"10.0.0.1,10.0.0.2", "10.0.0.3"})
		}},
		{[]string{"--min-cycles", "3", "x"}, "", func(o analyzeOptions) bool { return o.MinCycles == 3 }},
		{[]string{"--format", "json", "x"}, "", func(o analyzeOptions) bool { return o.Format == "json" }},
		{[]string{"--format", "html", "-o", "r.out", "x"}, "", func(o analyzeOptions) bool { return o.Format == "html" && o.Output == "r.out" }},
		{[]string{"--format", "json", "-o", "r.JSON", "x"}, "", func(o analyzeOptions) bool { return o.Format == "json" }},
		{[]string{"--format", "html", "-o", dir, "x"}, "", func(o analyzeOptions) bool { return o.Format == "html" }},
		{[]string{"--jsonl", "-o", "r.jsonl", "x"}, "", func(o analyzeOptions) bool { return o.JSONL && o.Format == "json" }},
		{[]string{"--jsonl", "--format", "json", "x"}, "", func(o analyzeOptions) bool { return o.JSONL && o.Format == "json" }},
		{[]string{"-o", "r.json", "x"}, "", func(o analyzeOptions) bool { return o.Format == "json" && o.Output == "r.json" }},
		{[]string{"--output", "r.HTM", "x"}, "", func(o analyzeOptions) bool { return o.Format == "html" }},
		{[]string{"-o", "-", "x"}, "", func(o analyzeOptions) bool { return o.Format == "text" && o.Output == "-" }},
		{[]string{"-o", "reports", "x"}, "", func(o analyzeOptions) bool { return o.Format == "html" }},
		{[]string{"-o", dir + ".d/", "x"}, "", func(o analyzeOptions) bool { return o.Format == "html" }},
		{[]string{"-o", filepath.Join(dir), "x"}, "", func(o analyzeOptions) bool { return o.Format == "html" }},
		{[]string{"--jsonl", "x"}, "", func(o analyzeOptions) bool { return o.JSONL && o.Format == "json" }},
		{[]string{"-j", "3", "x"}, "", func(o analyzeOptions) bool { return o.Jobs == 3 }},
		{[]string{"--jobs", "1", "x"}, "", func(o analyzeOptions) bool { return o.Jobs == 1 }},
		{[]string{"-q", "-v", "x"}, "", func(o analyzeOptions) bool { return o.Quiet && o.Verbose }},
		{[]string{"--quiet", "--verbose", "x"}, "", func(o analyzeOptions) bool { return o.Quiet && o.Verbose }},
		{[]string{"--join", "x"}, "", func(o analyzeOptions) bool { return o.Join }},
		{[]string{"--merge", "a", "b"}, "", func(o analyzeOptions) bool { return o.Merge && slices.Equal(o.Inputs, []string{"a", "b"}) }},
		{[]string{"--version"}, "", func(o analyzeOptions) bool { return o.Version }},
		{[]string{"--outage-window", "90s-45s", "x"}, "outage-window", nil},
		{[]string{"--outage-window", "45s", "x"}, "outage-window", nil},
		{[]string{"--format", "xml", "x"}, "--format", nil},
		{[]string{"--merge", "a"}, "--merge takes exactly two", nil},
		{[]string{"--min-cycles", "many", "x"}, "--min-cycles", nil},
		{[]string{}, "no capture", nil},
	})
}

// TestFlagContradictions: flags that disagree, and counts or durations
// that cannot be, are usage errors (exit 2) naming every flag involved,
// said before any input is opened.
func TestFlagContradictions(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args  []string
		names []string
	}{
		{[]string{"-o", dir, "--format", "json"}, []string{"-o " + dir, "--format json"}},
		{[]string{"-o", "reports/", "--format", "text"}, []string{"-o reports/", "--format text"}},
		{[]string{"--jsonl", "-o", dir}, []string{"--jsonl", "-o " + dir}},
		{[]string{"--jsonl", "-o", "x.html"}, []string{"--jsonl", "-o x.html"}},
		{[]string{"--jsonl", "-o", "x.txt"}, []string{"--jsonl", "-o x.txt"}},
		{[]string{"--format", "html", "--jsonl"}, []string{"--jsonl", "--format html"}},
		{[]string{"--format", "text", "--jsonl"}, []string{"--jsonl", "--format text"}},
		{[]string{"--format", "html", "-o", "r.txt"}, []string{"--format html", "-o r.txt"}},
		{[]string{"--format", "text", "-o", "r.json"}, []string{"--format text", "-o r.json"}},
		{[]string{"--outage", "-10s"}, []string{"--outage"}},
		{[]string{"--outage", "0s"}, []string{"--outage"}},
		{[]string{"--min-cycles", "-3"}, []string{"--min-cycles"}},
		{[]string{"--min-cycles", "0"}, []string{"--min-cycles"}},
		{[]string{"-j", "-5"}, []string{"--jobs"}},
		{[]string{"--jobs", "0"}, []string{"--jobs"}},
		{[]string{"--width", "20"}, []string{"--width"}},
		{[]string{"--outage-window", "-5s-10s"}, []string{"--outage-window"}},
		{[]string{"--pair", "10.0.0.1,10.0.0.2,10.0.0.3"}, []string{"--pair"}},
	} {
		args := append(tc.args, "missing.pcap")
		s, stdout, stderr := bufStreams()
		code := run(args, s)
		msg := stderr.String()
		ok := code == exitUsage && stdout.Len() == 0 && !strings.Contains(msg, "missing.pcap")
		for _, n := range tc.names {
			ok = ok && strings.Contains(msg, n)
		}
		if !ok {
			t.Errorf("%v: exit %d, stderr %q; want %d naming %q", args, code, msg, exitUsage, tc.names)
		}
	}
}

// TestParseDump: every flag of softsa dump is accepted and lands in its
// option; bad values are usage errors naming the flag.
func TestParseDump(t *testing.T) {
	checkParse(t, parseDump, []parseCase[dumpOptions]{
		{[]string{"a.pcap", "b.pcap"}, "", func(o dumpOptions) bool {
			return slices.Equal(o.Inputs, []string{"a.pcap", "b.pcap"}) && slices.Equal(o.Protos, []string{"isakmp", "esp", "smb"}) && !o.Version
		}},
		{[]string{"--proto", "isakmp,esp", "a.pcap"}, "", func(o dumpOptions) bool { return len(o.Protos) == 2 }},
		{[]string{"--proto", "smb", "--proto", "esp", "a.pcap"}, "", func(o dumpOptions) bool { return slices.Equal(o.Protos, []string{"smb", "esp"}) }},
		{[]string{"--version"}, "", func(o dumpOptions) bool { return o.Version }},
		{[]string{"-o", "d.jsonl", "a.pcap"}, "", func(o dumpOptions) bool { return o.Output == "d.jsonl" }},
		{[]string{"--output", "-", "a.pcap"}, "", func(o dumpOptions) bool { return o.Output == "-" }},
		{[]string{"--proto", "http", "x"}, "--proto", nil},
		{[]string{}, "no capture", nil},
	})
}

// parseCase is one command line given to a command's parser: it parses
// into options that pass check, or fails with an error containing wantErr.
type parseCase[O any] struct {
	args    []string
	wantErr string
	check   func(O) bool
}

func checkParse[O any](t *testing.T, parse func([]string, io.Writer) (O, error), cases []parseCase[O]) {
	t.Helper()
	for _, tc := range cases {
		o, err := parse(tc.args, io.Discard)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v: error %v, want %q", tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !tc.check(o) {
			t.Errorf("%v: %+v, %v", tc.args, o, err)
		}
	}
}

// TestForeignFlags: a flag that is not the command's own is a usage error
// (exit 2) naming the flag, found before any input is opened.
func TestForeignFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"dump", "--jobs", "2", "X"}, "--jobs"},
		{[]string{"dump", "-j", "2", "X"}, "-j"},
		{[]string{"dump", "--merge", "A", "B"}, "--merge"},
		{[]string{"dump", "--format", "json", "X"}, "--format"},
		{[]string{"dump", "--jsonl", "X"}, "--jsonl"},
		{[]string{"dump", "-q", "X"}, "-q"},
		{[]string{"dump", "--quiet", "X"}, "--quiet"},
		{[]string{"dump", "-v", "X"}, "-v"},
		{[]string{"dump", "--verbose", "X"}, "--verbose"},
		{[]string{"dump", "--join", "X"}, "--join"},
		{[]string{"dump", "--outage", "60s", "X"}, "--outage"},
		{[]string{"dump", "--outage-window", "45s-90s", "X"}, "--outage-window"},
		{[]string{"dump", "--min-cycles", "2", "X"}, "--min-cycles"},
		{[]string{"dump", "--pair", "10.0.0.1", "X"}, "--pair"},
		{[]string{"--proto", "isakmp", "X"}, "--proto"},
	} {
		s, stdout, stderr := bufStreams()
		code := run(tc.args, s)
		msg := stderr.String()
		if code != exitUsage || !strings.Contains(msg, "unknown") || !strings.Contains(msg, tc.flag) || strings.Contains(msg, "no such file") || stdout.Len() != 0 {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit %d and a message naming %s", tc.args, code, msg, stdout.String(), exitUsage, tc.flag)
		}
	}
}

// TestHelpAndVersion: --help shows the command's own flags and exits 0;
// the analyze help (what a bare softsa gives) names both commands.
// --version works for either command, whatever else is given.
func TestHelpAndVersion(t *testing.T) {
	for _, tc := range []struct {
		args          []string
		code          int
		stdout        string
		stderr, notIn []string
	}{
		{[]string{"--help"}, exitOK, "", []string{"softsa [flags] CAPTURE|FOLDER", "softsa dump [--proto", "softsa convert CAPTURE -o OUT.pcapng", "--jobs", "--merge", "--outage-window"}, []string{"--proto strings"}},
		{[]string{"-h"}, exitOK, "", []string{"softsa dump [--proto", "--jobs"}, nil},
		{[]string{"dump", "--help"}, exitOK, "", []string{"softsa dump [--proto", "--proto strings", "--version", "--output"}, []string{"--jobs", "--merge"}},
		{[]string{"convert", "--help"}, exitOK, "", []string{"softsa convert CAPTURE -o OUT.pcapng", "--output", "--version"}, []string{"--jobs", "--proto"}},
		{[]string{"convert"}, exitUsage, "", []string{"softsa convert CAPTURE", "softsa: no capture given"}, []string{"--jobs"}},
		{[]string{"convert", "--proto", "esp", "x.etl"}, exitUsage, "", []string{"unknown flag: --proto"}, nil},
		{[]string{"convert", "--version"}, exitOK, "softsa " + version + "\n", nil, nil},
		{[]string{"dump", "-h"}, exitOK, "", []string{"--proto"}, []string{"--jobs"}},
		{[]string{}, exitUsage, "", []string{"softsa dump [--proto", "--jobs", "softsa: no capture given"}, nil},
		{[]string{"dump"}, exitUsage, "", []string{"--proto", "softsa: no capture given"}, []string{"--jobs"}},
		{[]string{"--version"}, exitOK, "softsa " + version + "\n", nil, nil},
		{[]string{"--version", "missing.pcap"}, exitOK, "softsa " + version + "\n", nil, nil},
		{[]string{"--version", "--pair", "bogus"}, exitOK, "softsa " + version + "\n", nil, nil},
		{[]string{"dump", "--version"}, exitOK, "softsa " + version + "\n", nil, nil},
		{[]string{"--pair", "bogus", "x"}, exitUsage, "", []string{`softsa: --pair "bogus": not an IP address`}, nil},
	} {
		s, stdout, stderr := bufStreams()
		code := run(tc.args, s)
		if code != tc.code || stdout.String() != tc.stdout {
			t.Errorf("%v: exit %d stdout %q, want %d %q", tc.args, code, stdout.String(), tc.code, tc.stdout)
		}
		for _, want := range tc.stderr {
			if !strings.Contains(stderr.String(), want) {
				t.Errorf("%v: stderr lacks %q:\n%s", tc.args, want, stderr.String())
			}
		}
		for _, not := range tc.notIn {
			if strings.Contains(stderr.String(), not) {
				t.Errorf("%v: stderr has %q:\n%s", tc.args, not, stderr.String())
			}
		}
	}
}

// TestPairFilter: --pair A,B keeps the pair A–B, --pair A every pair of A,
// repeated --pair keeps what any of them keeps (each case adds the KB pair
// 10.1.10.5–10.1.10.21, for the findings analyzeJSON wants); a filter that keeps nothing
// is said on stderr and in the report, naming the filter, and exits 2.
func TestPairFilter(t *testing.T) {
	in := filepath.Join("samples", "busy-office.pcapng")
	for _, tc := range []struct {
		pairs []string
		want  int
	}{
		{[]string{"10.1.10.21,10.1.10.5"}, 1},
		{[]string{"10.1.10.21"}, 2},
		{[]string{"10.1.10.21", "10.2.0.80"}, 4},
		{[]string{"10.2.0.80,10.2.0.33"}, 2},
		{[]string{"10.1.10.63,10.1.10.8"}, 2},
	} {
		r := analyzeJSON(t, analyzeOptions{Inputs: []string{in}, Pairs: append(tc.pairs, "10.1.10.5,10.1.10.21")})
		if got := len(r.Captures[0].Pairs); got != tc.want {
			t.Errorf("--pair %v: %d pairs, want %d", tc.pairs, got, tc.want)
		}
	}
	dir := t.TempDir()
	rep := filepath.Join(dir, "r.json")
	s, _, stderr := bufStreams()
	code := run([]string{"-q", "--pair", "10.9.9.9", "--pair", "10.1.10.21,10.9.9.8", "-o", rep, in}, s)
	b, _ := os.ReadFile(rep)
	const filter = "--pair 10.9.9.9 --pair 10.1.10.21,10.9.9.8"
	if code != exitUsage || !strings.Contains(stderr.String(), filter) || !strings.Contains(string(b), "no pair of hosts matches "+filter) {
		t.Errorf("no match: exit %d, stderr %q, report %s", code, stderr.String(), b)
	}
	// ...and which pairs the capture has, each as --pair takes it: the
	// first 20 (busy-office has 22) in the order first seen, and how many
	// more; the report's warning says the same.
	const have = "has the pairs 10.1.0.10,10.1.10.21; 10.1.0.80,10.1.30.11; 10.1.20.4,10.1.20.41; "
	for _, want := range []string{in + " " + have, "10.1.10.5,10.1.10.21; ", "2001:db8:10::40,2001:db8:10::80; ", "10.2.0.33,10.2.0.80 and 2 more pairs\n"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("no match: stderr lacks %q:\n%s", want, stderr)
		}
	}
	if n := strings.Count(stderr.String(), ";"); n != 19 {
		t.Errorf("no match: stderr names %d pairs, want 20:\n%s", n+1, stderr)
	}
	if !strings.Contains(string(b), "the capture "+have) {
		t.Errorf("no match: the report does not list the capture's pairs:\n%s", b)
	}
	// Each capture whose pairs the filter left out is listed.
	s, _, stderr = bufStreams()
	run([]string{"-q", "--pair", "10.9.9.9", in, filepath.Join("samples", "kb977526-ping.pcapng")}, s)
	if want := filepath.Join("samples", "kb977526-ping.pcapng") + " has the pairs 10.10.3.12,10.10.3.61\n"; !strings.Contains(stderr.String(), want) {
		t.Errorf("no match in two captures: stderr lacks %q:\n%s", want, stderr)
	}
}

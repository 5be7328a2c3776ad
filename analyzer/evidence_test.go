package analyzer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"softsa/analyzer/result"
	"softsa/decoders/capture"
	"softsa/internal/testenv"
)

// TestEvidenceFrames checks that every frame a finding cites is real: for
// every sample capture and every capture of the corpus ($SOFTSA_CORPUS,
// by default ../../shared/captures, skipped when that is absent and the
// variable unset), each evidence frame, each cycle frame and each cycle
// boundary frame must exist in tshark's dissection of the file, have been
// sent by one of the pair's addresses (by the evidence's Src, the cycle's
// initiator or responder where they say), carry the protocol the
// evidence's Proto names, and have the time the evidence gives (to the
// microsecond). Evidence whose text says a SYN was retransmitted must be a
// TCP SYN, and text saying the initiator "retransmits" must be a segment
// tshark flags as a retransmission. tshark 4.0 flags a SYN retry (a SYN
// repeating the ISN, no ACK) with tcp.analysis.retransmission ("This frame
// is a (suspected) retransmission"), like a data retransmission, so that
// one flag covers both kinds of "retransmits" evidence.
//
// tshark runs once per file (and not at all for a file with nothing
// cited). Without tshark the test is skipped, unless SOFTSA_REQUIRE_TSHARK
// is set, which makes that a failure.
func TestEvidenceFrames(t *testing.T) {
	testenv.Tool(t, "tshark") // skips (or, in CI, fails) before any analysis when tshark is absent
	samples, _ := filepath.Glob("../samples/*.pcap*")
	if len(samples) == 0 {
		t.Fatal("no samples in ../samples")
	}
	type file struct {
		name, path string
		corpus     bool
	}
	var files []file
	for _, f := range samples {
		files = append(files, file{"samples/" + filepath.Base(f), f, false})
	}
	corpus, explicit := testenv.Corpus()
	if st, err := os.Stat(corpus); err != nil || !st.IsDir() {
		if explicit {
			t.Fatalf("SOFTSA_CORPUS=%s: not a directory", corpus)
		}
		t.Logf("no corpus at %s: samples only", corpus)
	} else {
		filepath.WalkDir(corpus, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && captureName(p) {
				rel, _ := filepath.Rel(corpus, p)
				files = append(files, file{"corpus/" + filepath.ToSlash(rel), p, true})
			}
			return nil
		})
	}

	var (
		mu    = make(chan struct{}, 1)
		total evidenceStats
		lines []string
	)
	t.Run("files", func(t *testing.T) {
		for _, f := range files {
			t.Run(f.name, func(t *testing.T) {
				t.Parallel()
				st := checkEvidenceFile(t, f.path, f.corpus)
				mu <- struct{}{}
				total.add(st)
				if st.cited > 0 {
					lines = append(lines, fmt.Sprintf("%s: %s", f.name, st))
				}
				<-mu
			})
		}
	})
	sort.Strings(lines)
	for _, l := range lines {
		t.Log(l)
	}
	t.Logf("%d files, %d with findings: %s", len(files), len(lines), total)
}

func captureName(p string) bool {
	p = strings.TrimSuffix(p, ".gz")
	return strings.HasSuffix(p, ".pcap") || strings.HasSuffix(p, ".pcapng") || strings.HasSuffix(p, ".cap")
}

// evidenceStats counts what was checked.
type evidenceStats struct {
	findings int
	evidence int // evidence entries, all checked for existence, pair and time
	withSrc  int // … of which with a Src checked against tshark
	byProto  map[string]int
	cycle    int // cycle frames and boundary frames checked
	cited    int // distinct frames cited
}

func (s *evidenceStats) add(o evidenceStats) {
	s.findings += o.findings
	s.evidence += o.evidence
	s.withSrc += o.withSrc
	s.cycle += o.cycle
	s.cited += o.cited
	for k, v := range o.byProto {
		if s.byProto == nil {
			s.byProto = map[string]int{}
		}
		s.byProto[k] += v
	}
}

func (s evidenceStats) String() string {
	var ps []string
	for _, k := range []string{result.ProtoISAKMP, result.ProtoESP, result.ProtoTCP, result.ProtoUDP, result.ProtoOther, ""} {
		if n := s.byProto[k]; n > 0 {
			name := k
			if k == "" {
				name = "not recorded"
			}
			ps = append(ps, fmt.Sprintf("%s %d", name, n))
		}
	}
	return fmt.Sprintf("%d findings, %d evidence frames verified (src %d; proto: %s), %d cycle frames, %d distinct frames",
		s.findings, s.evidence, s.withSrc, strings.Join(ps, ", "), s.cycle, s.cited)
}

// tsFrame is what tshark says about one frame.
type tsFrame struct {
	src      []string // first ip.src and first ipv6.src present
	isakmp   bool
	esp      bool
	tcp      bool
	tcpFlags uint64
	retrans  bool
	udp      bool
	echo     bool // an ICMP or ICMPv6 echo request or reply
	time     time.Time
}

func (f *tsFrame) sentBy(addr string) bool {
	for _, s := range f.src {
		if s == addr {
			return true
		}
	}
	return false
}

func (f *tsFrame) String() string {
	var p []string
	for _, x := range []struct {
		on   bool
		name string
	}{{f.isakmp, "isakmp"}, {f.esp, "esp"}, {f.tcp, fmt.Sprintf("tcp flags 0x%03x", f.tcpFlags)}, {f.retrans, "retransmission"}, {f.udp, "udp"}, {f.echo, "icmp echo"}} {
		if x.on {
			p = append(p, x.name)
		}
	}
	return fmt.Sprintf("src %v, %s, %s", f.src, strings.Join(p, " "), f.time.Format(time.RFC3339Nano))
}

// tsharkFrames dissects path once. A file tshark finds damaged yields the
// frames before the damage, as the analyzer's reading does.
func tsharkFrames(t *testing.T, path string) map[int]*tsFrame {
	t.Helper()
	out, err := testenv.Output(t, "tshark", "-r", path, "-n", "-T", "fields", "-E", "separator=/t",
		"-e", "frame.number", "-e", "ip.src", "-e", "ipv6.src", "-e", "isakmp.exchangetype",
		"-e", "esp.spi", "-e", "tcp.flags", "-e", "tcp.analysis.retransmission", "-e", "udp.srcport",
		"-e", "frame.time_epoch", "-e", "icmp.type", "-e", "icmpv6.type")
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && len(out) > 0) {
		t.Fatal(err)
	}
	frames := map[int]*tsFrame{}
	for _, line := range strings.Split(string(out), "\n") {
		if line == "" {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 11 {
			t.Fatalf("tshark -r %s: unexpected line %q", path, line)
		}
		n, err := strconv.Atoi(c[0])
		if err != nil {
			t.Fatalf("tshark -r %s: frame number in %q", path, line)
		}
		f := &tsFrame{isakmp: c[3] != "", esp: c[4] != "", tcp: c[5] != "", retrans: c[6] != "", udp: c[7] != ""}
		// An echo request or reply; the first value is the frame's own
		// ICMP header (an error quotes another after it).
		v4, _, _ := strings.Cut(c[9], ",")
		v6, _, _ := strings.Cut(c[10], ",")
		f.echo = v4 == "0" || v4 == "8" || v6 == "128" || v6 == "129"
		// Several values (an ICMP error quoting a packet, a tunnel) are
		// comma-separated; the first is the outer header's.
		for _, s := range c[1:3] {
			if s != "" {
				f.src = append(f.src, strings.Split(s, ",")[0])
			}
		}
		if f.tcp {
			fl := strings.Split(c[5], ",")[0]
			if f.tcpFlags, err = strconv.ParseUint(strings.TrimPrefix(fl, "0x"), 16, 16); err != nil {
				t.Fatalf("tshark -r %s: tcp.flags in %q", path, line)
			}
		}
		if f.time, err = parseEpoch(c[8]); err != nil {
			t.Fatalf("tshark -r %s: frame.time_epoch in %q: %v", path, line, err)
		}
		frames[n] = f
	}
	return frames
}

// parseEpoch reads tshark's frame.time_epoch, "1257844327.500000000",
// without going through a float.
func parseEpoch(s string) (time.Time, error) {
	sec, frac, _ := strings.Cut(s, ".")
	secs, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	frac = (frac + "000000000")[:9]
	ns, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(secs, ns).UTC(), nil
}

// checkEvidenceFile analyses path and checks every frame its findings cite.
func checkEvidenceFile(t *testing.T, path string, corpus bool) evidenceStats {
	c, err := capture.Open(path)
	if err != nil {
		if corpus {
			t.Skipf("not readable: %v", err)
		}
		t.Fatal(err)
	}
	r, err := Analyze(context.Background(), c, DefaultOptions())
	c.Close()
	if err != nil && !corpus {
		t.Fatalf("analyze: %v", err)
	}
	st := evidenceStats{byProto: map[string]int{}}
	cited := map[int]bool{}
	for _, p := range r.Pairs {
		for _, f := range p.Findings {
			st.findings++
			for _, e := range f.Evidence {
				cited[e.Frame] = true
			}
			for _, cy := range f.Cycles {
				for _, fr := range cy.Frames {
					cited[fr] = true
				}
				cited[cy.OutageFirstFrame] = true
				cited[cy.OutageEndFrame] = true
				cited[cy.SoftSAEndFrame] = true
			}
		}
	}
	st.cited = len(cited)
	if len(cited) == 0 {
		return st
	}
	frames := tsharkFrames(t, path)
	us := func(x time.Time) time.Time { return x.UTC().Truncate(time.Microsecond) }
	// frame looks up n and checks it belongs to the pair.
	frame := func(p *result.Pair, n int, what string) *tsFrame {
		t.Helper()
		f := frames[n]
		if f == nil {
			t.Errorf("%s: frame %d (%s) does not exist (tshark shows %d frames)", pairName(p), n, what, len(frames))
			return nil
		}
		if !f.sentBy(p.Initiator) && !f.sentBy(p.Responder) {
			t.Errorf("%s: frame %d (%s) is not the pair's: %s", pairName(p), n, what, f)
			return nil
		}
		return f
	}
	for i := range r.Pairs {
		p := &r.Pairs[i]
		for _, fd := range p.Findings {
			for _, e := range fd.Evidence {
				what := fd.ID + " evidence " + strconv.Quote(e.What)
				st.evidence++
				st.byProto[e.Proto]++
				f := frame(p, e.Frame, what)
				if f == nil {
					continue
				}
				if e.Src != "" {
					st.withSrc++
					if e.Src != p.Initiator && e.Src != p.Responder {
						t.Errorf("%s: frame %d (%s): src %s is not one of the pair", pairName(p), e.Frame, what, e.Src)
					}
					if !f.sentBy(e.Src) {
						t.Errorf("%s: frame %d (%s): src %s, tshark says %s", pairName(p), e.Frame, what, e.Src, f)
					}
				}
				if got, want := us(e.Time.Time), us(f.time); !got.Equal(want) {
					t.Errorf("%s: frame %d (%s): time %s, tshark says %s", pairName(p), e.Frame, what,
						got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
				}
				ok := true
				switch e.Proto {
				case result.ProtoISAKMP:
					ok = f.isakmp
				case result.ProtoESP:
					ok = f.esp
				case result.ProtoTCP:
					ok = f.tcp
				case result.ProtoUDP:
					ok = f.udp && !f.isakmp && !f.esp
				case result.ProtoICMP:
					ok = f.echo && !f.tcp && !f.udp
				case result.ProtoOther:
					ok = !f.isakmp && !f.esp && !f.tcp && !f.udp
				case "":
				default:
					t.Errorf("%s: frame %d (%s): proto %q is none of the Proto constants", pairName(p), e.Frame, what, e.Proto)
				}
				if !ok {
					t.Errorf("%s: frame %d (%s): proto %s, tshark says %s", pairName(p), e.Frame, what, e.Proto, f)
				}
				if strings.Contains(e.What, "SYN") && (!f.tcp || f.tcpFlags&0x02 == 0) {
					t.Errorf("%s: frame %d (%s) is no SYN: %s", pairName(p), e.Frame, what, f)
				}
				if strings.Contains(e.What, "retransmits") && !f.retrans {
					t.Errorf("%s: frame %d (%s) is no retransmission to tshark: %s", pairName(p), e.Frame, what, f)
				}
			}
			for k, cy := range fd.Cycles {
				name := fmt.Sprintf("%s cycle %d", fd.ID, k+1)
				for _, n := range cy.Frames {
					st.cycle++
					frame(p, n, name+" frame")
				}
				for _, b := range []struct {
					n    int
					t    result.Time
					src  string
					what string
				}{
					{cy.OutageFirstFrame, cy.OutageStart, p.Initiator, "outage first frame"},
					{cy.OutageEndFrame, cy.OutageEnd, p.Responder, "outage end frame"},
					{cy.SoftSAEndFrame, cy.SoftSAEnd, "", "soft SA end frame"},
				} {
					st.cycle++
					f := frame(p, b.n, name+" "+b.what)
					if f == nil {
						continue
					}
					if b.src != "" && !f.sentBy(b.src) {
						t.Errorf("%s: %s %s %d not sent by %s: %s", pairName(p), name, b.what, b.n, b.src, f)
					}
					if got, want := us(b.t.Time), us(f.time); !got.Equal(want) {
						t.Errorf("%s: %s %s %d: time %s, tshark says %s", pairName(p), name, b.what, b.n,
							got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
					}
				}
			}
		}
	}
	return st
}

func pairName(p *result.Pair) string { return p.Initiator + " → " + p.Responder }

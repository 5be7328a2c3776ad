package analyzer

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"softsa/analyzer/result"
	"softsa/decoders"
	"softsa/decoders/capture"
	"softsa/decoders/hostlog"
	"softsa/decoders/ike"
)

// The host-side evidence tests place programmatic host events on the
// timeline of the KB 977526 sample: the readers of the real formats are
// tested in decoders/hostlog; here what matters is what the analysis makes
// of the events.

const kbSample = "../samples/kb977526-vista-to-xp.pcapng"

var (
	vista = netip.MustParseAddr("10.10.1.57")
	xp    = netip.MustParseAddr("10.10.1.20")
)

// sampleIKE is one IKE message of a capture.
type sampleIKE struct {
	t        time.Time
	src, dst netip.Addr
	h        ike.Header
}

// readIKE lists the IKE messages of the capture at path.
func readIKE(t *testing.T, path string) []sampleIKE {
	t.Helper()
	var out []sampleIKE
	var s ike.Summary
	err := decoders.Walk(path, func(f *capture.Frame, m *decoders.Message) error {
		if m.App != decoders.AppISAKMP {
			return nil
		}
		s.Parse(m.AppData)
		if s.HeaderOK {
			out = append(out, sampleIKE{t: m.Time, src: m.Src, dst: m.Dst, h: s.Header})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// analyzeFile analyses path with opts.
func analyzeFile(t *testing.T, path string, opts Options) *result.CaptureResult {
	t.Helper()
	c, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r, err := Analyze(context.Background(), c, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// kbPair returns the pair and KB finding of the sample's result.
func kbPair(t *testing.T, r *result.CaptureResult) (*result.Pair, *result.Finding) {
	t.Helper()
	for i := range r.Pairs {
		p := &r.Pairs[i]
		for j := range p.Findings {
			if p.Findings[j].ID == result.FindingKB977526 {
				return p, &p.Findings[j]
			}
		}
	}
	t.Fatal("no KB977526 finding")
	return nil, nil
}

// jitter is a deterministic spread of ±40 ms: the host logs an IKE packet
// a little before or after the wire sees it.
func jitter(i int) time.Duration {
	return time.Duration((i*37)%81-40) * time.Millisecond
}

// ikeEvents are the IKE packet events Vista would log for the messages,
// on a clock shift ahead of the capture's.
func ikeEvents(msgs []sampleIKE, shift time.Duration, file string) []hostlog.Event {
	var evs []hostlog.Event
	for i, m := range msgs {
		e := hostlog.Event{Time: m.t.Add(shift + jitter(i)), Source: "WFP ETL event 1024", File: file, Record: len(evs) + 1,
			ICookie: binary.BigEndian.Uint64(m.h.ISPI[:]), RCookie: binary.BigEndian.Uint64(m.h.RSPI[:]), MessageID: m.h.MsgID, Exchange: m.h.Exchange}
		switch {
		case m.src == vista:
			e.Kind, e.Local, e.Remote = hostlog.KindIKESent, vista, m.dst
		case m.dst == vista:
			e.Kind, e.Local, e.Remote, e.Inbound, e.Source = hostlog.KindIKEReceived, vista, m.src, true, "WFP ETL event 1025"
		default:
			continue
		}
		evs = append(evs, e)
	}
	return evs
}

// outageEvents are, per KB cycle of kb, a main-mode NO_CERT failure Vista
// logs 0.5 s before the outage ends and k+1 clear text drops XP logs
// inside outage k, on a clock shift ahead of the capture's.
func outageEvents(kb *result.Finding, shift time.Duration, file string, first int) []hostlog.Event {
	var evs []hostlog.Event
	rec := first
	for k, cy := range kb.Cycles {
		evs = append(evs, hostlog.Event{Time: cy.OutageEnd.Time.Add(shift - 500*time.Millisecond), Kind: hostlog.KindMMFailure,
			Source: "Security 4653", File: file, Record: rec, Local: vista, Remote: xp, KeyModule: "IKEv1", ErrorCode: 13806,
			Reason: "IKE failed to find valid machine certificate", FailurePoint: "local", State: "SA_SENT", Role: "initiator"})
		rec++
		for d := 0; d <= k; d++ {
			evs = append(evs, hostlog.Event{Time: cy.OutageStart.Time.Add(shift + time.Duration(5+d)*time.Second), Kind: hostlog.KindClearTextDrop,
				Source: "Security 4963", File: file, Record: rec, Local: xp, Remote: vista, Inbound: true})
			rec++
		}
	}
	return evs
}

// TestHostOffsetRecovered: IKE packet events on a clock off by the shift
// put the host log back on the capture's timeline within 0.1 s, by the
// ike-packets method, and the report says so.
func TestHostOffsetRecovered(t *testing.T) {
	msgs := readIKE(t, kbSample)
	if len(msgs) < 20 {
		t.Fatalf("%d IKE messages in the sample", len(msgs))
	}
	for _, c := range []struct {
		shift time.Duration
		note  string
	}{
		{3700 * time.Millisecond, "host clock 3.70 s ahead of the capture, from "},
		{-3700 * time.Millisecond, "host clock 3.70 s behind the capture, from "},
		{0, "host clock agrees with the capture's (offset 0.00 s), from "},
		{time.Hour + 250*time.Millisecond, "host clock 3600.25 s ahead of the capture, from "},
	} {
		l := &hostlog.Log{File: "vista.etl", Format: hostlog.FormatETL, Events: ikeEvents(msgs, c.shift, "vista.etl")}
		r := analyzeFile(t, kbSample, Options{HostLogs: []*hostlog.Log{l}})
		if len(r.HostLogs) != 1 {
			t.Fatalf("shift %v: %d host logs", c.shift, len(r.HostLogs))
		}
		hl := r.HostLogs[0]
		if err := math.Abs(hl.OffsetSeconds - c.shift.Seconds()); err > 0.1 {
			t.Errorf("shift %v: offset %.3f s, off by %.3f s", c.shift, hl.OffsetSeconds, err)
		}
		t.Logf("shift %v: estimated %.6f s (error %.6f s) from %d events: %s", c.shift, hl.OffsetSeconds, hl.OffsetSeconds-c.shift.Seconds(), hl.OffsetMatches, hl.OffsetNote)
		if hl.OffsetMethod != result.OffsetIKEPackets || hl.OffsetMatches != len(l.Events) || !strings.HasPrefix(hl.OffsetNote, c.note) {
			t.Errorf("shift %v: %+v", c.shift, hl)
		}
		if hl.Events != len(l.Events) || hl.Attached != len(l.Events) || hl.Format != result.HostLogFormatETL {
			t.Errorf("shift %v: %d events, %d attached of %d", c.shift, hl.Events, hl.Attached, len(l.Events))
		}
		// IKE packet events serve the offset; the "Windows says" list
		// leaves them out.
		if p, _ := kbPair(t, r); len(p.HostEvents) != 0 {
			t.Errorf("shift %v: packet events listed: %+v", c.shift, p.HostEvents[0])
		}
	}
}

// TestDensest: the offset is the median of the densest window, whatever
// the scattered candidates of retransmissions say.
func TestDensest(t *testing.T) {
	s := int64(time.Second)
	mk := func(ds ...int64) []cand {
		var cs []cand
		for i, d := range ds {
			cs = append(cs, cand{d, int32(i)})
		}
		return cs
	}
	for _, c := range []struct {
		cs   []cand
		want int64
		n    int
	}{
		{mk(37 * s / 10), 37 * s / 10, 1},
		{mk(37*s/10+s/50, 37*s/10-s/50, 37*s/10, 37*s/10-4*s, 37*s/10+8*s), 37 * s / 10, 3},
		// Retransmissions 1, 2 and 4 s apart scatter; the true offset
		// is where every event has a candidate.
		{mk(-s, 0, s/100, -s/100, 2*s, 4*s+s/100, 3*s, -2*s), 0, 3},
		// Two candidates of one event in the window count once.
		{[]cand{{0, 1}, {s / 50, 1}, {-s / 50, 2}, {5 * s, 3}}, 0, 2},
		// A tie goes to the window nearer 0.
		{mk(-365*s, 2*s, 2*s+s/100, -365*s+s/100), 2*s + s/200, 2},
	} {
		got, n, ok := densest(append([]cand(nil), c.cs...), offsetWindow, false)
		if !ok || time.Duration(c.want)-got > 10*time.Millisecond || got-time.Duration(c.want) > 10*time.Millisecond || n != c.n {
			t.Errorf("densest(%v) = %v, %d, %v; want %v, %d", c.cs, got, n, ok, time.Duration(c.want), c.n)
		}
	}
	if _, _, ok := densest(nil, offsetWindow, false); ok {
		t.Error("densest(nil) ok")
	}
}

// TestHostKBSample: the sample with Windows' own logs on a clock 3.7 s
// ahead: the IKE packet events give the offset; each outage lists
// Vista's NO_CERT failure, with its name and reason, and XP's clear text
// drops, counted per outage; the KB finding cites them, its confidence
// rises and its summary says why; the Wireshark filter is the capture's.
func TestHostKBSample(t *testing.T) {
	base := analyzeFile(t, kbSample, Options{})
	_, kb0 := kbPair(t, base)
	shift := 3700 * time.Millisecond
	msgs := readIKE(t, kbSample)
	etl := &hostlog.Log{File: "vista.etl", Format: hostlog.FormatETL, Events: ikeEvents(msgs, shift, "vista.etl")}
	sec := &hostlog.Log{File: "security.xml", Format: hostlog.FormatSecurity, Events: outageEvents(kb0, shift, "security.xml", 1),
		Warnings: []string{"record 9: truncated"}}
	r := analyzeFile(t, kbSample, Options{HostLogs: []*hostlog.Log{etl, sec}})
	p, kb := kbPair(t, r)

	if len(r.HostLogs) != 2 || r.HostLogs[1].OffsetMethod != result.OffsetIKEPackets && r.HostLogs[1].OffsetMethod != result.OffsetFailures {
		t.Fatalf("host logs: %+v", r.HostLogs)
	}
	if !hasWarning(r.Warnings, "host log security.xml: record 9: truncated") {
		t.Errorf("reader warning not in the capture's: %q", r.Warnings)
	}
	// The Security log has no IKE packet events: its offset comes from
	// its failures, roughly. Good enough to place them in their outages.
	if m := r.HostLogs[1].OffsetMethod; m != result.OffsetFailures {
		t.Errorf("security.xml offset method %s", m)
	}
	if len(kb.Cycles) != 4 {
		t.Fatalf("%d cycles", len(kb.Cycles))
	}
	for k, cy := range kb.Cycles {
		if cy.HostFailures != 1 || cy.HostDrops != k+1 {
			t.Errorf("cycle %d: %d failures, %d drops; want 1, %d", k+1, cy.HostFailures, cy.HostDrops, k+1)
		}
	}
	fails := 0
	for _, he := range p.HostEvents {
		if he.Kind != result.HostKindMMFailure {
			continue
		}
		fails++
		if he.Cycle != fails || he.During != result.DuringOutage || he.ErrorCode != 13806 || he.ErrorName != "ERROR_IPSEC_IKE_NO_CERT" ||
			he.FailurePoint != "local" || he.Role != "initiator" || he.State != "SA_SENT" || he.File != "security.xml" || he.Host != vista.String() {
			t.Errorf("failure %d: %+v", fails, he)
		}
		if d := he.HostTime.Sub(he.Time.Time); d < shift-2*time.Second || d > shift+2*time.Second {
			t.Errorf("failure %d: host time %v from capture time", fails, d)
		}
	}
	if fails != 4 {
		t.Errorf("%d failures listed, want 4", fails)
	}
	hostEv := 0
	for _, e := range kb.Evidence {
		if e.Proto != result.ProtoHost {
			continue
		}
		hostEv++
		if e.Frame != 0 || e.Host == nil || e.Host.File != "security.xml" || e.Host.Record < 1 {
			t.Errorf("host evidence %+v", e)
		}
	}
	if hostEv != 8 || !hasWhat(kb.Evidence, "ERROR_IPSEC_IKE_NO_CERT") || !hasWhat(kb.Evidence, "drops 4 packets") || !hasWhat(kb.Evidence, "drops 1 packet (") {
		t.Errorf("%d host evidence entries: %+v", hostEv, kb.Evidence)
	}
	if kb.Evidence[0].Proto == result.ProtoHost {
		t.Error("host evidence listed before the frames")
	}
	if kb.Confidence < kb0.Confidence || kb.Confidence > 0.99 {
		t.Errorf("confidence %.2f, without logs %.2f", kb.Confidence, kb0.Confidence)
	}
	if !strings.Contains(kb.Summary, "authentication failures in 4 of 4 outages (ERROR_IPSEC_IKE_NO_CERT)") {
		t.Errorf("summary: %s", kb.Summary)
	}
	if kb.WiresharkFilter != kb0.WiresharkFilter {
		t.Errorf("filter changed:\n%s\n%s", kb.WiresharkFilter, kb0.WiresharkFilter)
	}
	for _, f := range p.Findings {
		if f.ID == result.FindingHostLogContradicts {
			t.Errorf("contradiction where the logs agree: %s", f.Summary)
		}
	}
}

// TestHostConfidenceRise: the rise is in proportion to the outages with an
// initiator authentication failure; a responder's failure, another error,
// or the responder's host logging it do not raise it. The loop is
// synthetic, without vendor IDs and with outages far from the expected
// length, so that its confidence leaves room for the rise.
func TestHostConfidenceRise(t *testing.T) {
	a, b := netip.MustParseAddr("10.1.0.7"), netip.MustParseAddr("10.1.0.9")
	c := newScen(t, rand.New(rand.NewPCG(7, 0x15)), a, b)
	kp := defaultKB()
	kp.vids, kp.cycles = false, 4
	genKB(c, 10, kp)
	opts := Options{ExpectedOutage: 85 * time.Second}
	kb0 := findingByID(findPair(c.s.run(opts), a, b), result.FindingKB977526)
	if kb0 == nil || len(kb0.Cycles) < 4 || kb0.Confidence > 0.85 {
		t.Fatalf("base finding: %+v", kb0)
	}
	n := len(kb0.Cycles)
	for _, cs := range []struct {
		name  string
		edit  func(k int, e *hostlog.Event) bool // false drops the event
		with  int
		words string
	}{
		{"all", func(int, *hostlog.Event) bool { return true }, n, fmt.Sprintf("in %d of %d outages (ERROR_IPSEC_IKE_AUTH_FAIL)", n, n)},
		{"two", func(k int, e *hostlog.Event) bool { return k < 2 }, 2, fmt.Sprintf("in 2 of %d outages", n)},
		{"no-role", func(_ int, e *hostlog.Event) bool { e.Role = ""; return true }, n, fmt.Sprintf("in %d of %d outages", n, n)},
		{"responder", func(_ int, e *hostlog.Event) bool { e.Role = "responder"; return true }, 0, "none of them a main-mode authentication failure"},
		{"timeout", func(_ int, e *hostlog.Event) bool { e.ErrorCode = 13805; return true }, 0, "none of them a main-mode authentication failure"},
		{"quick-mode", func(_ int, e *hostlog.Event) bool { e.Kind = hostlog.KindQMFailure; return true }, 0, "none of them a main-mode authentication failure"},
		{"responder-host", func(_ int, e *hostlog.Event) bool { e.Local, e.Remote = b, a; return true }, 0, "none of them a main-mode authentication failure"},
	} {
		var evs []hostlog.Event
		for k, cy := range kb0.Cycles {
			e := hostlog.Event{Time: cy.OutageEnd.Time.Add(-time.Second), Kind: hostlog.KindMMFailure, Source: "Security 4653",
				Record: k + 1, Local: a, Remote: b, ErrorCode: 13801, Role: "initiator"}
			if cs.edit(k, &e) {
				evs = append(evs, e)
			}
		}
		o := opts
		o.HostLogs = []*hostlog.Log{{File: "s.xml", Format: hostlog.FormatSecurity, Events: evs}}
		kb := findingByID(findPair(c.s.run(o), a, b), result.FindingKB977526)
		want := round2(kb0.Confidence + 0.10*float64(cs.with)/float64(n))
		if math.Abs(kb.Confidence-want) > 0.011 || !strings.Contains(kb.Summary, cs.words) {
			t.Errorf("%s: confidence %.2f (base %.2f, want %.2f); summary %s", cs.name, kb.Confidence, kb0.Confidence, want, kb.Summary)
		}
	}
}

// TestHostContradicts: an SA established inside an outage, and a failure
// while ESP flows both ways, are contradictions; a failure inside an
// outage, and an SA established while ESP flows, are not.
func TestHostContradicts(t *testing.T) {
	_, kb0 := kbPair(t, analyzeFile(t, kbSample, Options{}))
	cy := kb0.Cycles[1]
	mid := cy.OutageStart.Time.Add(cy.OutageEnd.Sub(cy.OutageStart.Time) / 2)
	healthy := "../samples/healthy-ipsec-ikev1.pcapng"
	hr := analyzeFile(t, healthy, Options{})
	var hp *result.Pair
	for i := range hr.Pairs {
		if hr.Pairs[i].Verdict == result.VerdictHealthyIPsec && hr.Pairs[i].ESPPackets > 10 {
			hp = &hr.Pairs[i]
			break
		}
	}
	if hp == nil {
		t.Fatal("no healthy pair with ESP in " + healthy)
	}
	ha, hb := netip.MustParseAddr(hp.Initiator), netip.MustParseAddr(hp.Responder)
	var espMid time.Time
	for _, sa := range hp.SAs {
		if sa.Kind == result.SAKindESP && sa.End.Sub(sa.Start.Time) > 10*time.Second {
			espMid = sa.Start.Time.Add(sa.End.Sub(sa.Start.Time) / 2)
			break
		}
	}
	if espMid.IsZero() {
		t.Fatal("no long ESP SA")
	}
	for _, c := range []struct {
		name, file string
		ev         hostlog.Event
		want       bool
		what       string
	}{
		{"established-in-outage", kbSample, hostlog.Event{Time: mid, Kind: hostlog.KindQMEstablished, Local: vista, Remote: xp, Source: "Security 5451", Record: 1}, true, "inside the outage"},
		{"failure-in-outage", kbSample, hostlog.Event{Time: mid, Kind: hostlog.KindMMFailure, Local: vista, Remote: xp, ErrorCode: 13801, Source: "Security 4653", Record: 1}, false, ""},
		{"failure-under-esp", healthy, hostlog.Event{Time: espMid, Kind: hostlog.KindMMFailure, Local: ha, Remote: hb, ErrorCode: 13801, Source: "Security 4653", Record: 1}, true, "while ESP flows both ways"},
		{"established-under-esp", healthy, hostlog.Event{Time: espMid, Kind: hostlog.KindQMEstablished, Local: ha, Remote: hb, Source: "Security 5451", Record: 1}, false, ""},
	} {
		// A log without IKE packet or matching failure events keeps its
		// times: the samples' clocks are the logs'.
		l := &hostlog.Log{File: "s.xml", Format: hostlog.FormatSecurity, Events: []hostlog.Event{c.ev}}
		r := analyzeFile(t, c.file, Options{HostLogs: []*hostlog.Log{l}})
		var got *result.Finding
		for i := range r.Pairs {
			for j := range r.Pairs[i].Findings {
				if f := &r.Pairs[i].Findings[j]; f.ID == result.FindingHostLogContradicts {
					got = f
				}
			}
		}
		if (got != nil) != c.want {
			t.Errorf("%s: contradiction %v, want %v", c.name, got != nil, c.want)
			continue
		}
		if got == nil {
			continue
		}
		if got.Severity != result.FindingSeverityProblem || !hasWhat(got.Evidence, c.what) || got.Evidence[0].Frame == 0 ||
			strings.Contains(got.WiresharkFilter, "{0") {
			t.Errorf("%s: %+v", c.name, got)
		}
		host := 0
		for _, e := range got.Evidence {
			if e.Proto == result.ProtoHost && e.Host != nil && e.Host.Record == 1 {
				host++
			}
		}
		if host != 1 {
			t.Errorf("%s: %d host evidence entries", c.name, host)
		}
	}
}

// TestHostAttach: events go to their pair whichever way round their
// addresses are, IPv4-mapped or not; events of other addresses and
// without a time are counted, not attached; cookies name the negotiation.
func TestHostAttach(t *testing.T) {
	base := analyzeFile(t, kbSample, Options{})
	p0, kb0 := kbPair(t, base)
	spi := p0.Negotiations[0].InitiatorSPI
	var ck [8]byte
	for i := range ck {
		var b byte
		for _, c := range spi[2*i : 2*i+2] {
			b = b<<4 | byte(strings.IndexRune("0123456789abcdef", c))
		}
		ck[i] = b
	}
	t0 := kb0.Cycles[0].OutageStart.Time.Add(3 * time.Second)
	other := netip.MustParseAddr("192.0.2.9")
	mapped := netip.AddrFrom16(vista.As16())
	evs := []hostlog.Event{
		{Time: t0, Kind: hostlog.KindMMFailure, Local: xp, Remote: mapped, Record: 1, ICookie: binary.BigEndian.Uint64(ck[:])},
		{Time: t0, Kind: hostlog.KindKernelDrop, Local: vista, Remote: other, Record: 2},
		{Kind: hostlog.KindKernelDrop, Local: vista, Remote: xp, Record: 3},
		{Time: t0.Add(time.Second), Kind: hostlog.KindInvalidPacket, Local: vista, Remote: xp, Record: 4},
	}
	r := analyzeFile(t, kbSample, Options{HostLogs: []*hostlog.Log{{File: "w.xml", Format: hostlog.FormatWFPDiag, Events: evs}}})
	p, _ := kbPair(t, r)
	hl := r.HostLogs[0]
	if hl.Events != 4 || hl.Attached != 2 || !hasWarning(hl.Warnings, "1 events carry no time") || !hasWarning(hl.Warnings, "1 events concern addresses") {
		t.Errorf("%+v", hl)
	}
	if len(p.HostEvents) != 2 || p.HostEvents[0].Record != 1 || p.HostEvents[0].InitiatorSPI != spi || p.HostEvents[0].Host != xp.String() ||
		p.HostEvents[0].Peer != vista.String() || p.HostEvents[1].Kind != result.HostKindInvalidPacket || p.HostEvents[0].Cycle != 1 {
		t.Errorf("%+v", p.HostEvents)
	}
}

// TestHostListCapped: the list of one pair is capped, the rest counted.
func TestHostListCapped(t *testing.T) {
	_, kb0 := kbPair(t, analyzeFile(t, kbSample, Options{}))
	t0 := kb0.Cycles[0].OutageStart.Time
	var evs []hostlog.Event
	for i := range maxHostListed + 30 {
		evs = append(evs, hostlog.Event{Time: t0.Add(time.Duration(i) * 10 * time.Millisecond), Kind: hostlog.KindClearTextDrop, Local: xp, Remote: vista, Record: i + 1})
	}
	r := analyzeFile(t, kbSample, Options{HostLogs: []*hostlog.Log{{File: "s.xml", Format: hostlog.FormatSecurity, Events: evs}}})
	p, kb := kbPair(t, r)
	if len(p.HostEvents) != maxHostListed || p.HostEventsOmitted != 30 || kb.Cycles[0].HostDrops != maxHostListed+30 {
		t.Errorf("%d listed, %d omitted, %d drops", len(p.HostEvents), p.HostEventsOmitted, kb.Cycles[0].HostDrops)
	}
}

// TestHostNoLogsNoCost: without host logs nothing is remembered and the
// result has no host fields.
func TestHostNoLogsNoCost(t *testing.T) {
	a := newAnalysis(Options{})
	if a.keepIKE {
		t.Fatal("keepIKE without host logs")
	}
	r := analyzeFile(t, kbSample, Options{})
	if r.HostLogs != nil {
		t.Errorf("host logs: %+v", r.HostLogs)
	}
	for _, p := range r.Pairs {
		if p.HostEvents != nil {
			t.Errorf("host events: %+v", p.HostEvents)
		}
	}
}

func hasWarning(ws []string, s string) bool {
	for _, w := range ws {
		if strings.Contains(w, s) {
			return true
		}
	}
	return false
}

func hasWhat(evs []result.Evidence, s string) bool {
	for _, e := range evs {
		if strings.Contains(e.What, s) {
			return true
		}
	}
	return false
}

// ownLogCapture is a capture whose ETL held WFP events beside its packets.
type ownLogCapture struct {
	*capture.Capture
	log *hostlog.Log
}

func (c ownLogCapture) HostLog() *hostlog.Log { return c.log }

// TestHostOwnLog: the WFP events of the capture's own ETL are on its clock:
// offset 0 by construction, whatever IKE packet events would say, and
// their failures land where they were logged.
func TestHostOwnLog(t *testing.T) {
	_, kb0 := kbPair(t, analyzeFile(t, kbSample, Options{}))
	evs := outageEvents(kb0, 0, "", 1)
	// Packet events 2 s off would pull a log of another file by 2 s.
	evs = append(evs, ikeEvents(readIKE(t, kbSample), 2*time.Second, "")...)
	c, err := capture.Open(kbSample)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r, err := Analyze(context.Background(), ownLogCapture{c, &hostlog.Log{File: "trace.etl", Format: hostlog.FormatETL, Events: evs}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.HostLogs) != 1 || r.HostLogs[0].OffsetMethod != result.OffsetSameClock || r.HostLogs[0].OffsetSeconds != 0 || r.HostLogs[0].File != "trace.etl" {
		t.Fatalf("%+v", r.HostLogs)
	}
	p, kb := kbPair(t, r)
	for k, cy := range kb.Cycles {
		if cy.HostFailures != 1 || cy.HostDrops != k+1 {
			t.Errorf("cycle %d: %d failures, %d drops", k+1, cy.HostFailures, cy.HostDrops)
		}
	}
	for _, he := range p.HostEvents {
		if !he.Time.Equal(he.HostTime.Time) || he.File != "trace.etl" {
			t.Errorf("%+v", he)
		}
	}
}

// TestHostOffsetFromFailures: a log without IKE packet events is aligned
// by its failures against the end of the negotiations, roughly (IKE logs
// a failure after its last retransmission), and says so.
func TestHostOffsetFromFailures(t *testing.T) {
	_, kb0 := kbPair(t, analyzeFile(t, kbSample, Options{}))
	for _, shift := range []time.Duration{3700 * time.Millisecond, -20 * time.Second} {
		l := &hostlog.Log{File: "s.xml", Format: hostlog.FormatSecurity, Events: outageEvents(kb0, shift, "s.xml", 1)}
		r := analyzeFile(t, kbSample, Options{HostLogs: []*hostlog.Log{l}})
		hl := r.HostLogs[0]
		// The failures come 0.5–3.1 s after the negotiations' last
		// messages: the estimate is up to that much ahead.
		if err := hl.OffsetSeconds - shift.Seconds(); hl.OffsetMethod != result.OffsetFailures || err < 0 || err > 1 ||
			hl.OffsetMatches != 4 || !strings.Contains(hl.OffsetNote, "roughly, from 4 failure events") {
			t.Errorf("shift %v: %+v", shift, hl)
		}
		_, kb := kbPair(t, r)
		for k, cy := range kb.Cycles {
			if cy.HostFailures != 1 {
				t.Errorf("shift %v cycle %d: %d failures", shift, k+1, cy.HostFailures)
			}
		}
	}
}

// TestHostRandomEvents: events of any kind, time, address and cookie, in
// any order, valid or not, never break the analysis: the capture's own
// result is the same, every event is attached or counted.
func TestHostRandomEvents(t *testing.T) {
	base := analyzeFile(t, kbSample, Options{})
	_, kb0 := kbPair(t, base)
	rng := rand.New(rand.NewPCG(15, 977526))
	addrs := []netip.Addr{vista, xp, {}, netip.MustParseAddr("::ffff:10.10.1.57"), netip.MustParseAddr("2001:db8::1"), netip.IPv4Unspecified()}
	t0 := kb0.Cycles[0].OutageStart.Time
	for seed := range 30 {
		var evs []hostlog.Event
		for i := range rng.IntN(400) {
			e := hostlog.Event{Kind: hostlog.Kind(rng.IntN(14)), Record: i + 1, Local: addrs[rng.IntN(len(addrs))], Remote: addrs[rng.IntN(len(addrs))],
				ErrorCode: uint32(13790 + rng.IntN(120)), ICookie: rng.Uint64() % 4, RCookie: rng.Uint64() % 4, MessageID: uint32(rng.IntN(3)),
				Role: []string{"", "initiator", "responder"}[rng.IntN(3)]}
			switch rng.IntN(4) {
			case 0: // no time
			case 1:
				e.Time = time.Unix(rng.Int64N(1<<40)-1<<39, 0)
			default:
				e.Time = t0.Add(time.Duration(rng.Int64N(int64(30 * time.Minute))))
			}
			evs = append(evs, e)
		}
		l := &hostlog.Log{File: "r.xml", Format: hostlog.Format(rng.IntN(7)), Events: evs, Warnings: []string{"w"}}
		r := analyzeFile(t, kbSample, Options{HostLogs: []*hostlog.Log{l, nil}})
		if len(r.HostLogs) != 1 || r.HostLogs[0].Events != len(evs) || r.HostLogs[0].Attached > len(evs) {
			t.Fatalf("seed %d: %+v", seed, r.HostLogs)
		}
		p, kb := kbPair(t, r)
		if len(p.HostEvents) > maxHostListed || len(kb.Cycles) != len(kb0.Cycles) || p.Verdict != base.Pairs[0].Verdict || kb.Confidence < kb0.Confidence-0.0001 {
			t.Fatalf("seed %d: %d events listed, %d cycles, verdict %s, confidence %.2f", seed, len(p.HostEvents), len(kb.Cycles), p.Verdict, kb.Confidence)
		}
	}
}

// TestHostPerPairCap: a log with more events for a pair than the cap
// attaches the cap and says how many it left out.
func TestHostPerPairCap(t *testing.T) {
	_, kb0 := kbPair(t, analyzeFile(t, kbSample, Options{}))
	t0 := kb0.Cycles[0].OutageStart.Time
	evs := make([]hostlog.Event, maxHostPerPair+5)
	for i := range evs {
		evs[i] = hostlog.Event{Time: t0.Add(time.Duration(i) * time.Millisecond), Kind: hostlog.KindKernelDrop, Local: xp, Remote: vista, Record: i + 1}
	}
	r := analyzeFile(t, kbSample, Options{HostLogs: []*hostlog.Log{{File: "big.xml", Format: hostlog.FormatSecurity, Events: evs}}})
	if hl := r.HostLogs[0]; hl.Attached != maxHostPerPair || !hasWarning(hl.Warnings, "5 events left out: a pair holds at most 65536 host events") {
		t.Errorf("%+v", hl)
	}
}

// TestHostRemoteOnly: an event that names only its remote end (Security
// 4963 carries RemoteAddress alone) goes on the one pair that address
// has, logged by the pair's other host; an address of several pairs, or
// of none, places it nowhere.
func TestHostRemoteOnly(t *testing.T) {
	_, kb0 := kbPair(t, analyzeFile(t, kbSample, Options{}))
	t0 := kb0.Cycles[0].OutageStart.Time.Add(5 * time.Second)
	evs := []hostlog.Event{
		{Time: t0, Kind: hostlog.KindClearTextDrop, Remote: vista, Inbound: true, Record: 1},
		{Time: t0, Kind: hostlog.KindClearTextDrop, Remote: netip.MustParseAddr("192.0.2.9"), Inbound: true, Record: 2},
	}
	r := analyzeFile(t, kbSample, Options{HostLogs: []*hostlog.Log{{File: "s.xml", Format: hostlog.FormatSecurity, Events: evs}}})
	p, kb := kbPair(t, r)
	if hl := r.HostLogs[0]; hl.Attached != 1 || !hasWarning(hl.Warnings, "1 events concern addresses") {
		t.Errorf("%+v", hl)
	}
	if len(p.HostEvents) != 1 || p.HostEvents[0].Host != xp.String() || p.HostEvents[0].Peer != vista.String() || kb.Cycles[0].HostDrops != 1 {
		t.Errorf("%+v", p.HostEvents)
	}
	if !hasWhat(kb.Evidence, "outage 1: the IPsec driver drops 1 packet (first: 10.10.1.20 logs clear text packet dropped") {
		t.Errorf("evidence %+v", kb.Evidence)
	}

	a := newAnalysis(Options{})
	x, y, z := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.3")
	a.pairs = map[pairKey]*pair{keyOf(x, y): nil, keyOf(x, z): nil}
	idx := a.remoteIndex()
	if _, ok := idx[x]; ok || idx[y] != keyOf(x, y) || idx[z] != keyOf(x, z) || len(idx) != 2 {
		t.Errorf("%v", idx)
	}
}

// TestHostKindNames: every kind hostlog reads has its own name in the
// JSON and words in the text, so that no event reads as "unknown".
func TestHostKindNames(t *testing.T) {
	for k := hostlog.KindMMFailure; k <= hostlog.KindClassifyDrop; k++ {
		if n := hostKindName(k); n == result.HostKindUnknown {
			t.Errorf("kind %d has no JSON name", k)
		}
		if !isPacketEvent(k) && hostKindWords[k] == "" {
			t.Errorf("kind %d (%s) has no words for the text", k, hostKindName(k))
		}
	}
}

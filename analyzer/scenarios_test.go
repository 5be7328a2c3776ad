package analyzer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"softsa/analyzer/result"
	"softsa/decoders"
	"softsa/decoders/ike"
)

// Scenario generators: each writes one pair's traffic into its own stream
// and returns what the analyzer must conclude about it.

type cycleTruth struct {
	outStart, outEnd float64
	softEnd          float64 // the next outage's start, or the last clear packet
	softOpen         bool
}

type pairTruth struct {
	name    string
	a, b    netip.Addr // expected initiator, responder
	verdict string
	cycles  []cycleTruth
	want    []string
	notWant []string
	// initiatorKnown: check the reported initiator.
	initiatorKnown bool
	// delay is the fallback delay of the first soft SA, when known.
	delay float64
}

// kbParams describes one variant of the KB 977526 loop.
type kbParams struct {
	cycles int    // complete cycles (outage then soft SA)
	lead   string // "": starts clean; "soft": mid soft SA; "outage": mid outage
	tail   string // "": ends during the last soft SA; "outage": ends mid outage
	ike    ikeMode
	syn    bool // outages show SYN retries (else data retransmissions)
	vids   bool
	outage [2]float64
	life   [2]float64
	jitter float64 // IKE start relative to the outage, up to ±jitter s
	noise  bool    // UDP conversations and long pauses inside soft SAs
	noIKE  bool    // no negotiation at all (a flaky server, not IPsec)
	held   bool    // the initiator's clear packets are held during outages
	// ping: "" for TCP only; "only": the only clear traffic is ping -t;
	// "mix": ping -t alongside the TCP traffic, noticing each outage up
	// to 10 s before TCP does; "udp": the only clear traffic is UDP
	// requests and their replies (DNS, Kerberos, LDAP, SNMP or NetBIOS).
	ping string
}

func defaultKB() kbParams {
	return kbParams{cycles: 3, ike: ikeSilent, vids: true, outage: [2]float64{58, 62}, life: [2]float64{240, 300}, jitter: 1}
}

// genKB writes a KB 977526 loop starting at t0.
func genKB(c *scen, t0 float64, p kbParams) pairTruth {
	tr := pairTruth{name: "kb977526", a: c.a, b: c.b, verdict: result.VerdictKB977526, initiatorKnown: true,
		want:    []string{result.FindingKB977526},
		notWant: []string{result.FindingTrafficGap, result.FindingNoCommunication, result.FindingFallbackOK, result.FindingFallbackSlow}}
	if p.vids {
		c.vidA = []payload{vidNT5(5), vidAuthIP()}
		c.vidB = []payload{vidNT5(4)}
	}
	mode := p.ike
	c.pingID = uint16(1 + c.rng.IntN(0xfffe))
	if p.ping == "udp" {
		c.udpSvc = []uint16{53, 88, 389, 161, 137}[c.rng.IntN(5)]
	}
	t := t0
	if p.ping != "only" && p.ping != "udp" {
		t = c.connect(t0)
	}
	// twoWay: answered traffic, TCP and/or ping.
	twoWay := func(from, to, pause float64) float64 {
		switch p.ping {
		case "only":
			return c.pingTwoWay(from, to)
		case "udp":
			return c.udpTwoWay(from, to)
		case "mix":
			last := c.twoWay(from, to, pause)
			// The pings sit between the TCP exchanges' timestamps; the
			// soft SA ends at whichever comes last.
			return max(last, c.pingTwoWay(from+0.5, to))
		}
		return c.twoWay(from, to, pause)
	}
	capStart := t0
	var last float64
	if p.lead == "soft" {
		last = twoWay(t+0.1, t+c.u(20, 200), 30)
		capStart = c.u(t0+1, (t0+last)/2)
		t = last + c.u(0.5, 20)
	}
	n := p.cycles
	if p.lead == "outage" {
		n++
	}
	// A soft SA ends where the next outage starts (see sa.go).
	endPrev := func(T float64) {
		if k := len(tr.cycles); k > 0 && !tr.cycles[k-1].softOpen && tr.cycles[k-1].softEnd < 0 {
			tr.cycles[k-1].softEnd = T
		}
	}
	// held: a's clear packets during outages never reach the wire (only
	// the one that gets through at the end); the outage then starts with
	// the negotiation.
	var drops [][2]float64
	start := func(T, D float64) float64 {
		ikeAt := T + c.u(-p.jitter, p.jitter)
		if ikeAt < capStart {
			ikeAt = T // nothing before the capture starts
		}
		if p.held && ikeAt < last {
			// Held packets mean the soft SA has expired: nothing of a's
			// gets through once the negotiation has begun.
			ikeAt = last + c.u(0.001, 0.5)
		}
		if !p.noIKE {
			c.negotiate(ikeAt, T+D, c.a, c.b, mode, c.vidA)
		}
		if p.held {
			drops = append(drops, [2]float64{T, T + D - 0.025})
			return ikeAt
		}
		return T
	}
	for i := 0; i < n; i++ {
		T := t
		D := c.u(p.outage[0], p.outage[1])
		outStart := start(T, D)
		endPrev(outStart)
		var end float64
		switch {
		case p.ping == "only":
			end = c.outagePing(T, D)
		case p.ping == "udp":
			end = c.outageUDP(T, D)
		case p.ping == "mix":
			// ping notices first; TCP's next packet comes up to 10 s later.
			d := c.u(0.5, 10)
			c.outagePing(T, D)
			end = c.outageData(T+d, D-d)
		case p.syn || i == 0 && p.lead == "" && c.rng.IntN(2) == 0:
			end = c.outageSYN(T, D)
		default:
			end = c.outageData(T, D)
		}
		pause := 40.0
		if p.noise && c.rng.IntN(2) == 0 {
			pause = 90 // idle stretches of more than a minute inside the soft SA
		}
		soft := twoWay(end+c.rtt(), T+D+c.u(p.life[0], p.life[1]), pause)
		if p.noise {
			c.udpNoise(end+1, soft-1)
		}
		if i == 0 && p.lead == "outage" {
			// The capture starts inside this outage, late enough that
			// what is left of it is shorter than any KB outage.
			capStart = T + D - c.u(5, 35)
		} else {
			tr.cycles = append(tr.cycles, cycleTruth{outStart: outStart, outEnd: T + D, softEnd: -1})
		}
		last = soft
		t = soft + c.u(0.5, 30)
	}
	capEnd := last + c.u(0, 3)
	if p.tail == "outage" {
		T := t
		D := c.u(5, 40)
		endPrev(start(T, D))
		// Answered long after the capture ends.
		switch p.ping {
		case "only":
			c.outagePing(T, 200)
		case "mix":
			c.outagePing(T, 200)
			c.outageData(T, 200)
		case "udp":
			c.outageUDP(T, 200)
		default:
			c.outageData(T, 200)
		}
		if p.held {
			drops[len(drops)-1][1] = T + 200
		}
		capEnd = T + D
	} else {
		tr.cycles[len(tr.cycles)-1].softOpen = true
		tr.cycles[len(tr.cycles)-1].softEnd = last
	}
	c.s.window(capStart, capEnd)
	if len(drops) > 0 {
		keep := c.s.msgs[:0]
		for _, m := range c.s.msgs {
			drop := false
			for _, d := range drops {
				clear := m.App == decoders.AppNone || m.App == decoders.AppEcho
				drop = drop || m.Src == c.a && clear && !m.Time.Before(at(d[0])) && m.Time.Before(at(d[1]))
			}
			if !drop {
				keep = append(keep, m)
			}
		}
		c.s.msgs = keep
	}
	return tr
}

// udpNoise adds answered UDP conversations (either side asking) between
// the pair inside [from, to].
func (c *scen) udpNoise(from, to float64) {
	for t := from + c.u(0, 20); t < to; t += c.u(5, 60) {
		q, r := c.a, c.b
		if c.rng.IntN(2) == 0 {
			q, r = r, q
		}
		c.s.udp(t, q, r, 137, 137, 50)
		c.s.udp(t+c.rtt(), r, q, 137, 137, 200)
	}
}

// genFlaky: the KB loop's timing without any IPsec: a server that stops
// answering now and then. A traffic gap, not KB 977526.
func genFlaky(c *scen, t0 float64) pairTruth {
	p := defaultKB()
	p.noIKE, p.vids, p.cycles = true, false, 2
	p.outage = [2]float64{45, 80}
	genKB(c, t0, p)
	return pairTruth{name: "flaky-server", a: c.a, b: c.b, verdict: result.VerdictClearOnly, initiatorKnown: true,
		want: []string{result.FindingTrafficGap}, notWant: []string{result.FindingKB977526, result.FindingNoCommunication}}
}

// genHealthy: main mode and quick mode complete, ESP carries the traffic,
// with natural pauses; maybe IKEv2, maybe a rekey.
func genHealthy(c *scen, t0, dur float64) pairTruth {
	mode := ikeHealthy
	if c.rng.IntN(3) == 0 {
		mode = ikeV2Healthy
	}
	c.vidA = []payload{vidNT5(6)}
	c.vidB = []payload{vidNT5(6)}
	t := c.negotiate(t0, t0+100, c.a, c.b, mode, c.vidA)
	sa, sb := c.rng.Uint32()|0x1000, c.rng.Uint32()|0x1000
	half := t + dur/2
	c.espFlow(t+c.rtt(), half, sa, sb, false, 150)
	t = c.negotiate(half+1, half+100, c.a, c.b, mode, c.vidA)
	c.espFlow(t+c.rtt(), t0+dur, sa+1, sb+1, false, 150)
	return pairTruth{name: "healthy", a: c.a, b: c.b, verdict: result.VerdictHealthyIPsec, initiatorKnown: true,
		notWant: []string{result.FindingKB977526, result.FindingNoCommunication, result.FindingOneWayESP, result.FindingTrafficGap, result.FindingNoIKEResponse, result.FindingNegotiationFailed}}
}

// genFallback: a starts; negotiations never reach an SA and clear traffic
// flows after delay (0.5 s from the XP/2003 side, 3 s to a host without
// IPsec); the soft SA expires every few minutes and the fallback repeats.
func genFallback(c *scen, t0, dur, delay float64) pairTruth {
	t := t0
	for t < t0+dur-30 {
		mode := ikeSilent
		if delay < 1 {
			mode = []ikeMode{ikeSilent, ikeAnswered, ikeNoProposal}[c.rng.IntN(3)]
		}
		c.negotiate(t, t+c.u(20, 70), c.a, c.b, mode, nil)
		var end float64
		if delay < 1 {
			// The XP/2003 side holds its first packet until the soft SA
			// is in place; or sends it at once, and the answer waits.
			c.port++
			c.aSeq, c.bSeq = c.rng.Uint32(), c.rng.Uint32()
			end = t + delay
			syn := end
			if c.rng.IntN(2) == 0 {
				syn = t - c.u(0, 0.01)
			}
			c.s.tcp(syn, c.a, c.b, c.port, 445, 0x02, c.aSeq, 0, 0)
			c.aSeq++
			end += c.rtt()
			c.s.tcp(end, c.b, c.a, 445, c.port, 0x12, c.bSeq, c.aSeq, 0)
			c.bSeq++
			end += c.rtt()
			c.s.tcp(end, c.a, c.b, c.port, 445, 0x10, c.aSeq, c.bSeq, 0)
		} else {
			end = c.outageSYN(t+0.001, delay)
		}
		last := c.twoWay(end+c.rtt(), t+c.u(100, 400), 40)
		t = last + c.u(1, 60)
	}
	name, want := "fallback-0.5s", delay
	if delay >= 1 {
		name, want = "fallback-3s", delay+0.001
	}
	return pairTruth{name: name, a: c.a, b: c.b, verdict: result.VerdictFallbackToClear, initiatorKnown: true, delay: want,
		want:    []string{result.FindingFallbackOK},
		notWant: []string{result.FindingKB977526, result.FindingTrafficGap, result.FindingNoCommunication}}
}

// genDead: negotiations fail and clear traffic is never answered.
func genDead(c *scen, t0, dur float64) pairTruth {
	c.vidA = []payload{vidNT5(5)}
	for t := t0; t < t0+dur-25; t += c.u(60, 180) {
		mode := []ikeMode{ikeSilent, ikeAnswered, ikeAuthIP}[c.rng.IntN(3)]
		c.negotiate(t, t+c.u(30, 90), c.a, c.b, mode, c.vidA)
		c.port++
		isn := c.rng.Uint32()
		for _, off := range []float64{0.001, 3, 9, 21} {
			c.s.tcp(t+off, c.a, c.b, c.port, 445, 0x02, isn, 0, 0)
		}
	}
	return pairTruth{name: "dead", a: c.a, b: c.b, verdict: result.VerdictNoCommunication, initiatorKnown: true,
		want:    []string{result.FindingNoCommunication},
		notWant: []string{result.FindingKB977526, result.FindingFallbackOK, result.FindingTrafficGap}}
}

// genIdle: a pair that talks every two minutes or so, nobody sending in
// between; with IKE, each talk follows a quick fallback to clear.
func genIdle(c *scen, t0, dur float64, withIKE bool) pairTruth {
	t := c.connect(t0)
	if withIKE {
		c.negotiate(t0-0.3, t0+40, c.a, c.b, ikeSilent, nil)
	}
	for t < t0+dur {
		n := 1 + c.rng.IntN(4)
		for i := 0; i < n; i++ {
			t = c.exchange(t + c.u(0.01, 0.5))
		}
		// Sometimes the connection closes and a new one opens next time.
		if c.rng.IntN(3) == 0 {
			c.s.tcp(t+0.01, c.a, c.b, c.port, 445, 0x11, c.aSeq, c.bSeq, 0)
			c.s.tcp(t+0.02, c.b, c.a, 445, c.port, 0x11, c.bSeq, c.aSeq+1, 0)
			c.s.tcp(t+0.03, c.a, c.b, c.port, 445, 0x10, c.aSeq+1, c.bSeq+1, 0)
			t = c.connect(t + c.u(100, 140))
		} else {
			t += c.u(100, 140)
		}
	}
	tr := pairTruth{name: "idle", a: c.a, b: c.b, verdict: result.VerdictClearOnly, initiatorKnown: true,
		notWant: []string{result.FindingKB977526, result.FindingTrafficGap, result.FindingNoCommunication}}
	if withIKE {
		tr.name, tr.verdict = "idle-ike", result.VerdictFallbackToClear
	}
	return tr
}

// genIKEOnly: a negotiation that fails in a given way, with no other
// traffic.
func genIKEOnly(c *scen, t0 float64, mode ikeMode) pairTruth {
	c.negotiate(t0, t0+c.u(40, 95), c.a, c.b, mode, []payload{vidNT5(5)})
	tr := pairTruth{a: c.a, b: c.b, initiatorKnown: true, notWant: []string{result.FindingKB977526, result.FindingNoCommunication}}
	switch mode {
	case ikeSilent, ikeAuthIP:
		tr.name, tr.verdict, tr.want = "no-ike-response", result.VerdictNoIKEResponse, []string{result.FindingNoIKEResponse}
	case ikeNoProposal, ikeV2NoProposal:
		tr.name, tr.verdict, tr.want = "no-proposal", result.VerdictNegotiationFail, []string{result.FindingNegotiationFailed}
	case ikeFragLost:
		tr.name, tr.verdict, tr.want = "fragments-lost", result.VerdictNegotiationFail, []string{result.FindingIKEFragmentsLost, result.FindingNegotiationFailed}
	}
	return tr
}

// genOneWay: an SA is negotiated but ESP flows from a only.
func genOneWay(c *scen, t0, dur float64) pairTruth {
	t := c.negotiate(t0, t0+100, c.a, c.b, ikeHealthy, nil)
	c.espFlow(t+c.rtt(), t0+dur, c.rng.Uint32()|0x1000, c.rng.Uint32()|0x1000, true, 20)
	return pairTruth{name: "one-way-esp", a: c.a, b: c.b, verdict: result.VerdictHealthyIPsec, initiatorKnown: true,
		want: []string{result.FindingOneWayESP}, notWant: []string{result.FindingKB977526}}
}

// genSlowFallback: the KB loop's shape but with outages far from a minute.
func genSlowFallback(c *scen, t0 float64) pairTruth {
	p := defaultKB()
	p.outage = [2]float64{15, 35}
	if c.rng.IntN(2) == 0 {
		p.outage = [2]float64{100, 150}
	}
	p.vids = false
	genKB(c, t0, p)
	return pairTruth{name: "slow-fallback", a: c.a, b: c.b, verdict: result.VerdictFallbackToClear, initiatorKnown: true,
		want: []string{result.FindingFallbackSlow}, notWant: []string{result.FindingKB977526, result.FindingNoCommunication}}
}

// genSlowIPsec: a minute without answer while IKE retries, then IPsec
// works: ESP, not a soft SA.
func genSlowIPsec(c *scen, t0 float64) pairTruth {
	t := c.connect(t0)
	t = c.twoWay(t, t+30, 10)
	T := t + 2
	D := c.u(50, 70)
	c.negotiate(T, T+D-3, c.a, c.b, ikeSilent, nil)
	c.outageData(T, 1000) // never answered in clear
	est := c.negotiate(T+D-2, T+D, c.a, c.b, ikeHealthy, nil)
	c.espFlow(est+0.01, est+c.u(100, 300), c.rng.Uint32()|0x1000, c.rng.Uint32()|0x1000, false, 20)
	c.s.window(t0, est+400)
	return pairTruth{name: "slow-ipsec", a: c.a, b: c.b, verdict: result.VerdictHealthyIPsec, initiatorKnown: true,
		notWant: []string{result.FindingKB977526}}
}

// genBackground: unrelated clear conversations.
func genBackground(c *scen, t0, dur float64) pairTruth {
	t := c.connect(t0)
	c.twoWay(t, t0+dur, 50)
	return pairTruth{name: "background", a: c.a, b: c.b, verdict: result.VerdictClearOnly, initiatorKnown: true,
		notWant: []string{result.FindingKB977526, result.FindingTrafficGap}}
}

// check compares one pair of a result with its truth.
func check(t *testing.T, r *result.CaptureResult, tr pairTruth, tol float64) {
	t.Helper()
	p := findPair(r, tr.a, tr.b)
	if p == nil {
		t.Errorf("%s %s–%s: pair missing", tr.name, tr.a, tr.b)
		return
	}
	if p.Verdict != tr.verdict {
		t.Errorf("%s %s–%s: verdict %s, want %s (findings %v)", tr.name, tr.a, tr.b, p.Verdict, tr.verdict, findingIDs(p))
	}
	if tr.initiatorKnown && p.Initiator != tr.a.String() {
		t.Errorf("%s: initiator %s, want %s", tr.name, p.Initiator, tr.a)
	}
	ids := findingIDs(p)
	for _, w := range tr.want {
		if !slices.Contains(ids, w) {
			t.Errorf("%s %s–%s: finding %s missing (have %v)", tr.name, tr.a, tr.b, w, ids)
		}
	}
	for _, w := range tr.notWant {
		if slices.Contains(ids, w) {
			f := findingByID(p, w)
			t.Errorf("%s %s–%s: unexpected finding %s: %s", tr.name, tr.a, tr.b, w, f.Summary)
		}
	}
	if tr.delay > 0 {
		for _, sa := range p.SAs {
			if sa.Kind == result.SAKindSoft {
				if math.Abs(sa.DelaySeconds-tr.delay) > 0.05 {
					t.Errorf("%s: fallback delay %.3f s, want %.3f s", tr.name, sa.DelaySeconds, tr.delay)
				}
				break
			}
		}
	}
	if tr.verdict != result.VerdictKB977526 {
		return
	}
	f := findingByID(p, result.FindingKB977526)
	if f == nil {
		return
	}
	if len(f.Cycles) != len(tr.cycles) {
		t.Errorf("%s: %d cycles, want %d: got %s", tr.name, len(f.Cycles), len(tr.cycles), cyclesString(f.Cycles))
		return
	}
	for i, c := range f.Cycles {
		w := tr.cycles[i]
		near := func(what string, got result.Time, want float64) {
			if d := got.Sub(at(want)).Seconds(); math.Abs(d) > tol {
				t.Errorf("%s cycle %d: %s off by %.3f s", tr.name, i+1, what, d)
			}
		}
		near("outage start", c.OutageStart, w.outStart)
		near("outage end", c.OutageEnd, w.outEnd)
		near("soft SA start", c.SoftSAStart, w.outEnd)
		near("soft SA end", c.SoftSAEnd, w.softEnd)
		if c.SoftSAOpen != w.softOpen {
			t.Errorf("%s cycle %d: soft SA open %v, want %v", tr.name, i+1, c.SoftSAOpen, w.softOpen)
		}
	}
	if len(f.Cycles) >= defaultMinCycles && f.Confidence < 0.5 {
		t.Errorf("%s: %d cycles but confidence %.2f", tr.name, len(f.Cycles), f.Confidence)
	}
	if len(f.Cycles) == 1 && f.Confidence >= 0.5 {
		t.Errorf("%s: one cycle but confidence %.2f", tr.name, f.Confidence)
	}
}

func findPair(r *result.CaptureResult, a, b netip.Addr) *result.Pair {
	for i := range r.Pairs {
		p := &r.Pairs[i]
		if (p.Initiator == a.String() && p.Responder == b.String()) || (p.Initiator == b.String() && p.Responder == a.String()) {
			return p
		}
	}
	return nil
}

func findingIDs(p *result.Pair) []string {
	var ids []string
	for _, f := range p.Findings {
		ids = append(ids, f.ID)
	}
	return ids
}

func findingByID(p *result.Pair, id string) *result.Finding {
	for i := range p.Findings {
		if p.Findings[i].ID == id {
			return &p.Findings[i]
		}
	}
	return nil
}

func cyclesString(cs []result.Cycle) string {
	s := ""
	for _, c := range cs {
		s += fmt.Sprintf("[%s +%.1fs soft %.0fs] ", c.OutageStart.Format("15:04:05.000"), c.OutageSeconds, c.SoftSASeconds)
	}
	return s
}

// twoAddrs returns two distinct random addresses of one family.
func twoAddrs(rng *rand.Rand, used map[netip.Addr]bool) (netip.Addr, netip.Addr) {
	v6 := rng.IntN(3) == 0
	var out [2]netip.Addr
	for i := range out {
		for {
			a := randAddr(rng, v6)
			if !used[a] {
				used[a] = true
				out[i] = a
				break
			}
		}
	}
	return out[0], out[1]
}

// TestPingKB: a KB loop seen only through ping -t, through ping and TCP
// together, or only through UDP requests (DNS, LDAP, …) is kb977526 with
// every outage starting at the first unanswered echo or UDP request (the
// truth's outStart, to the millisecond here; the issue asks for 0.1 s),
// and the evidence cites that request.
func TestPingKB(t *testing.T) {
	for _, ping := range []string{"only", "mix", "udp"} {
		for seed := 0; seed < 20; seed++ {
			rng := rand.New(rand.NewPCG(uint64(seed), 0x1c3b))
			a, b := addr("10.1.0.7"), addr("10.1.0.9")
			if seed%2 == 1 {
				a, b = addr("2001:db8::7"), addr("2001:db8::9")
			}
			c := newScen(t, rng, a, b)
			p := defaultKB()
			p.ping = ping
			p.cycles = 2 + rng.IntN(3)
			tr := genKB(c, 10, p)
			r := c.s.run(Options{})
			check(t, r, tr, 0.001)
			pr := findPair(r, a, b)
			if pr == nil {
				continue
			}
			f := findingByID(pr, result.FindingKB977526)
			if f == nil {
				continue
			}
			for i, cy := range f.Cycles {
				if d := math.Abs(cy.OutageStart.Sub(at(tr.cycles[i].outStart)).Seconds()); d > 0.1 {
					t.Errorf("ping %s seed %d cycle %d: outage starts %.3f s off the first unanswered echo request", ping, seed, i+1, d)
				}
				cited := false
				proto, what := result.ProtoICMP, "echo request"
				if ping == "udp" {
					proto, what = result.ProtoUDP, "UDP request"
				}
				for _, e := range f.Evidence {
					cited = cited || (e.Frame == cy.OutageFirstFrame && e.Proto == proto && strings.Contains(e.What, what))
				}
				if !cited && i < 2 {
					t.Errorf("ping %s seed %d cycle %d: the first unanswered request (frame %d) is not cited as a %s %s: %+v", ping, seed, i+1, cy.OutageFirstFrame, proto, what, f.Evidence)
				}
			}
		}
	}
}

// genESPOnly: ESP both ways on SAs negotiated before the capture, no IKE;
// half the time with a rekey onto new SPIs midway, one time in four on
// reserved SPIs (1–255).
func genESPOnly(c *scen, t0, dur float64) pairTruth {
	spi := func() uint32 {
		if c.rng.IntN(4) == 0 {
			return 1 + uint32(c.rng.IntN(255))
		}
		return 256 + c.rng.Uint32()%0xfffff00
	}
	if c.rng.IntN(2) == 0 {
		mid := t0 + dur/2
		c.espFlow(t0, mid, spi(), spi(), false, 30)
		c.espFlow(mid+c.u(0.1, 2), t0+dur, spi(), spi(), false, 30)
	} else {
		c.espFlow(t0, t0+dur, spi(), spi(), false, 30)
	}
	return pairTruth{name: "esp-only", a: c.a, b: c.b, verdict: result.VerdictHealthyIPsec,
		notWant: []string{result.FindingKB977526, result.FindingOneWayESP, result.FindingTrafficGap}}
}

// genIKEv2Retry: IKEv2 IKE_SA_INIT answered with COOKIE or
// INVALID_KE_PAYLOAD (or, one time in three, at once), retried with the
// same SPI and answered; with auth, IKE_AUTH follows and ESP flows
// (healthy-ipsec); without, the initiator goes no further (abandoned,
// inconclusive). Never NEGOTIATION_FAILED.
func genIKEv2Retry(c *scen, t0, dur float64, auth bool) pairTruth {
	ispi, rspi := spi8(c.rng), spi8(c.rng)
	var zero [8]byte
	t := t0
	c.s.ike(t, c.a, c.b, ikeBytes(0x20, ispi, zero, ike.ExchangeSAInit, ike.FlagInitiator, 0, plNonce(c.rng, 32)))
	if k := c.rng.IntN(3); k > 0 {
		n := []uint16{notifyCookie, notifyInvalidKE}[k-1]
		t += c.rtt()
		c.s.ike(t, c.b, c.a, ikeBytes(0x20, ispi, zero, ike.ExchangeSAInit, ike.FlagResponse, 0, plNotifyV2(n)))
		t += c.rtt()
		c.s.ike(t, c.a, c.b, ikeBytes(0x20, ispi, zero, ike.ExchangeSAInit, ike.FlagInitiator, 0, plNotifyV2(notifyCookie), plNonce(c.rng, 32)))
	}
	t += c.rtt()
	c.s.ike(t, c.b, c.a, ikeBytes(0x20, ispi, rspi, ike.ExchangeSAInit, ike.FlagResponse, 0, plNonce(c.rng, 32)))
	tr := pairTruth{name: "ikev2-abandoned", a: c.a, b: c.b, verdict: result.VerdictInconclusive, initiatorKnown: true,
		notWant: []string{result.FindingKB977526, result.FindingNegotiationFailed, result.FindingNoIKEResponse}}
	if auth {
		t += c.rtt()
		c.s.ike(t, c.a, c.b, ikeBytes(0x20, ispi, rspi, ike.ExchangeAuth, ike.FlagInitiator, 1, payload{ike.PayloadEncrypted, plNonce(c.rng, 80).body}))
		t += c.rtt()
		c.s.ike(t, c.b, c.a, ikeBytes(0x20, ispi, rspi, ike.ExchangeAuth, ike.FlagResponse, 1, payload{ike.PayloadEncrypted, plNonce(c.rng, 80).body}))
		c.espFlow(t+0.01, t0+dur, 256+c.rng.Uint32()%0xfffff00, 256+c.rng.Uint32()%0xfffff00, false, 30)
		tr.name, tr.verdict = "ikev2-retry", result.VerdictHealthyIPsec
	}
	return tr
}

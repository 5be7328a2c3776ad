package synth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"
)

// Output is what Generate writes for one scenario.
type Output struct {
	Capture  []byte   // the pcap or pcapng file
	Expected Expected // the golden verdicts
	Frames   int
}

// ExpectedJSON returns the expected verdicts as written to
// NAME.expected.json: indented, with a final newline.
func (o *Output) ExpectedJSON() []byte {
	b, err := json.MarshalIndent(o.Expected, "", "  ")
	must(err)
	return append(b, '\n')
}

// Generate turns a scenario into its capture and expected verdicts. Pairs
// are generated one after the other, each from its own random stream (so
// adding a pair does not change the others), then merged by time.
func Generate(sc *Scenario) (*Output, error) {
	if err := validate(sc); err != nil {
		return nil, err
	}
	nodes := make([]*node, len(sc.Hosts))
	byName := func(name string) *node {
		for _, n := range nodes {
			if n.Name == name {
				return n
			}
		}
		return nil
	}
	for i := range sc.Hosts {
		nodes[i] = newNode(&sc.Hosts[i], sc.Seed+uint64(i)*7919)
	}
	c := &capture{}
	out := &Output{Expected: Expected{Scenario: sc.Name, File: sc.FileName(), Description: sc.Description,
		Pairs: []ExpectedPair{}}}
	for i := range sc.Pairs {
		p := &sc.Pairs[i]
		s := &pairSim{sc: sc, p: p, ini: byName(p.Initiator), rsp: byName(p.Responder),
			rng: rand.New(rand.NewPCG(sc.Seed, uint64(i)+1)), tm: p.Timers.withDefaults(),
			start: sc.Start.Add(p.Start), stop: sc.Start.Add(sc.Duration)}
		if p.Stop > 0 {
			s.stop = sc.Start.Add(p.Stop)
		}
		s.w = &wire{cap: c, iface: p.Iface, kind: sc.Interfaces[p.Iface].Kind, vlan: p.VLAN, pppoe: p.PPPoE}
		s.mode = Classify(s.ini.Host, s.rsp.Host, p)
		s.run()
		s.led.finish()
		ep := ExpectedPair{Initiator: s.ini.Addr.String(), Responder: s.rsp.Addr.String(), Verdict: s.mode.Verdict(),
			Findings: s.mode.Findings(), Notify: p.Fault.notifyName(), Outages: []Span{}, SoftSAs: []Span{}}
		if s.mode == ModeKB977526 {
			ep.Outages, ep.SoftSAs = s.led.outages, s.led.softs
			if ep.SoftSAs == nil {
				ep.SoftSAs = []Span{}
			}
		}
		out.Expected.Pairs = append(out.Expected.Pairs, ep)
	}
	frames := c.sorted()
	if sc.Cut != nil {
		frames = sc.Cut.apply(frames, sc.Start, byName(sc.Cut.OnlyFrom))
		for i := range out.Expected.Pairs {
			ep := &out.Expected.Pairs[i]
			if sc.Cut.Verdict != "" {
				ep.Verdict, ep.Findings, ep.Notify = sc.Cut.Verdict, sc.Cut.Findings, ""
				ep.Outages, ep.SoftSAs = []Span{}, []Span{}
			}
			sc.Cut.shiftSpans(ep.Outages, sc.Start)
			sc.Cut.shiftSpans(ep.SoftSAs, sc.Start)
		}
	}
	var buf bytes.Buffer
	if err := writeCapture(&buf, sc, frames); err != nil {
		return nil, err
	}
	out.Capture, out.Frames = buf.Bytes(), len(frames)
	return out, nil
}

// run generates the pair's packets according to its mode.
func (s *pairSim) run() {
	s.gate = openGate{}
	switch s.mode {
	case ModeIKEBlocked, ModeNegFailed, ModeFragmentsLost:
		s.runFailure()
		return
	case ModeIKEv2Stopped:
		s.ikev2Stopped(s.start)
		return
	case ModeHealthy:
		if s.p.RekeyAfter > 0 {
			s.rekeyAt = s.start.Add(s.p.RekeyAfter)
		}
		var t time.Time
		switch {
		case s.p.Protocol == ProtoIKEv2 || s.p.NAT != nil:
			t = s.ikev2Establish(s.start)
		case s.p.Protocol == ProtoAuthIP || (s.p.Protocol == ProtoAuto && s.ini.Release.VistaOrLater() && s.rsp.Release.VistaOrLater()):
			t = s.authIPEstablish(s.start)
		default:
			t = s.ikev1Establish(s.start)
		}
		// The packet that triggered IKE was held; it leaves now.
		s.start = t.Add(s.proc())
		s.lastSent = s.start
	case ModeKB977526:
		s.gate = &kbGate{s: s}
	case ModeFallback:
		s.gate = &fallbackGate{s: s, delay: s.tm.FallbackReverse}
	case ModeFallbackPeer:
		s.gate = &fallbackGate{s: s, delay: s.tm.FallbackNonIPsec}
	case ModeNoComm:
		s.gate = &closedGate{s: s}
	}
	switch s.p.Traffic.Kind {
	case TrafficSMBRead, TrafficSMBWrite, TrafficSMBIdle:
		s.runSMB()
	case TrafficDNS:
		s.runDNS()
	case TrafficHTTP:
		s.runHTTP()
	case TrafficPing, TrafficPingHTTP:
		s.runPing(s.p.Traffic.Kind == TrafficPingHTTP)
	}
}

// validate checks what the generator relies on.
func validate(sc *Scenario) error {
	if sc.Name == "" || len(sc.Interfaces) == 0 || sc.Duration <= 0 || sc.Start.IsZero() {
		return fmt.Errorf("scenario %q: name, interfaces, start and duration are required", sc.Name)
	}
	if sc.Format == PCAP && len(sc.Interfaces) != 1 {
		return fmt.Errorf("scenario %s: a pcap file has exactly one interface", sc.Name)
	}
	seen := map[string]bool{}
	for _, h := range sc.Hosts {
		if seen[h.Name] || !h.Addr.IsValid() {
			return fmt.Errorf("scenario %s: host %q duplicated or without address", sc.Name, h.Name)
		}
		seen[h.Name] = true
	}
	pairs := map[[2]string]bool{}
	for i, p := range sc.Pairs {
		if !seen[p.Initiator] || !seen[p.Responder] || p.Initiator == p.Responder {
			return fmt.Errorf("scenario %s: pair %d: unknown or identical hosts %q, %q", sc.Name, i, p.Initiator, p.Responder)
		}
		key := [2]string{min(p.Initiator, p.Responder), max(p.Initiator, p.Responder)}
		if pairs[key] {
			return fmt.Errorf("scenario %s: pair %d: %s and %s already form a pair", sc.Name, i, p.Initiator, p.Responder)
		}
		pairs[key] = true
		if p.Iface < 0 || p.Iface >= len(sc.Interfaces) {
			return fmt.Errorf("scenario %s: pair %d: no interface %d", sc.Name, i, p.Iface)
		}
		if (p.VLAN != 0 || p.PPPoE != 0) && sc.Interfaces[p.Iface].Kind != LinkEthernet {
			return fmt.Errorf("scenario %s: pair %d: VLAN tags and PPPoE need an Ethernet interface", sc.Name, i)
		}
		if p.Traffic.Kind != TrafficNone && p.Traffic.Interval <= 0 {
			return fmt.Errorf("scenario %s: pair %d: traffic needs an interval", sc.Name, i)
		}
		if (p.Traffic.Kind == TrafficDNS || p.Traffic.Kind == TrafficHTTP || p.Traffic.Kind == TrafficPingHTTP) && len(p.Traffic.Names) == 0 {
			return fmt.Errorf("scenario %s: pair %d: DNS and HTTP traffic need names", sc.Name, i)
		}
	}
	return nil
}

// apply keeps the frames of the cut: those from start+From to start+Until,
// from only
// (nil: all), then the first MaxFrames of them.
func (cut *Cut) apply(frames []frame, start time.Time, only *node) []frame {
	var out []frame
	for _, f := range frames {
		if f.t.Before(start.Add(cut.From)) || (cut.Until > 0 && !f.t.Before(start.Add(cut.Until))) || (only != nil && f.src != only.Addr) {
			continue
		}
		if cut.MaxFrames > 0 && len(out) == cut.MaxFrames {
			break
		}
		if cut.StepBack > 0 && !f.t.Before(start.Add(cut.StepAt)) {
			f.t = f.t.Add(-cut.StepBack)
		}
		out = append(out, f)
	}
	return out
}

// shiftSpans moves the span ends at or after the clock step back, as the
// capture stamps them. Seconds keeps the span's real length: softsa
// measures lengths on a monotonic timeline, with the step added back.
func (cut *Cut) shiftSpans(spans []Span, start time.Time) {
	if cut.StepBack == 0 {
		return
	}
	step := start.Add(cut.StepAt)
	for i := range spans {
		s := &spans[i]
		if !s.Start.Before(step) {
			s.Start = s.Start.Add(-cut.StepBack)
		}
		if !s.End.Before(step) {
			s.End = s.End.Add(-cut.StepBack)
		}
	}
}

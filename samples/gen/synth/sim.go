package synth

import (
	"math/rand/v2"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// pairSim generates one pair's packets.
type pairSim struct {
	sc    *Scenario
	p     *Pair
	ini   *node // the host that starts the traffic
	rsp   *node
	w     *wire
	rng   *rand.Rand
	tm    Timers
	mode  Mode
	start time.Time
	stop  time.Time
	gate  gate
	led   ledger
	esp   *espSA   // non-nil once IPsec protects the pair's traffic
	ikev2 *ikev2SA // non-nil for an IKEv2 pair (rekeys, keepalives)
	// authIP is non-nil for an AuthIP pair (rekeys use exchange type 244).
	authIP *authIPSA
	ikev1  *ikev1SA
	// lastSent is the last time the initiator sent anything to the peer, for
	// NAT-T keepalives.
	lastSent time.Time
	rekeyAt  time.Time // zero: no rekey
	rekeyed  bool
}

// jitter returns d scaled by a random factor in [1-f, 1+f).
func (s *pairSim) jitter(d time.Duration, f float64) time.Duration {
	return time.Duration(float64(d) * (1 - f + 2*f*s.rng.Float64()))
}

// proc is a host's processing delay for a request: 50 µs to 2 ms.
func (s *pairSim) proc() time.Duration {
	return 50*time.Microsecond + time.Duration(s.rng.IntN(1950))*time.Microsecond
}

// half is the one-way delay.
func (s *pairSim) half() time.Duration { return s.tm.RTT / 2 }

// transportTCP sends one TCP segment from → to, in the clear or inside ESP
// once the pair is protected.
func (s *pairSim) transportTCP(t time.Time, from, to *node, tcp *layers.TCP, payload []byte) {
	if from == s.ini {
		s.lastSent = t
	}
	if s.esp != nil {
		s.espSend(t, from, to, layers.IPProtocolTCP, tcp, payload)
		return
	}
	s.led.seen(t)
	s.w.send(t, from, to, layers.IPProtocolTCP, tcp, payload, true)
}

// transportUDP sends one UDP datagram from → to, in the clear or inside ESP.
func (s *pairSim) transportUDP(t time.Time, from, to *node, udp *layers.UDP, payload []byte) {
	if from == s.ini {
		s.lastSent = t
	}
	if s.esp != nil {
		s.espSend(t, from, to, layers.IPProtocolUDP, udp, payload)
		return
	}
	s.led.seen(t)
	s.w.send(t, from, to, layers.IPProtocolUDP, udp, payload, false)
}

// ike sends one IKE message on UDP 500, or on UDP 4500 behind the non-ESP
// marker once NAT-T has moved the pair there.
func (s *pairSim) ike(t time.Time, from, to *node, msg []byte, natt bool) int {
	if from == s.ini {
		s.lastSent = t
	}
	if natt {
		udp := &layers.UDP{SrcPort: 4500, DstPort: 4500}
		return s.w.send(t, from, to, layers.IPProtocolUDP, udp, append([]byte{0, 0, 0, 0}, msg...), false)
	}
	udp := &layers.UDP{SrcPort: 500, DstPort: 500}
	return s.w.send(t, from, to, layers.IPProtocolUDP, udp, msg, false)
}

// idle is called by traffic loops before an operation at next, after the
// last one ended at prev: it runs what happens in between without the
// application, a due SA rekey and NAT-T keepalives.
func (s *pairSim) idle(prev, next time.Time) time.Time {
	if !s.rekeyAt.IsZero() && !s.rekeyed && s.esp != nil {
		if due := s.rekeyAt; due.Before(next) {
			s.rekeyed = true
			at := due
			if at.Before(prev) {
				at = prev.Add(5 * time.Millisecond)
			}
			end := s.rekey(at)
			if end.After(next) {
				next = end.Add(time.Millisecond)
			}
		}
	}
	if s.ikev2 != nil && s.p.NAT != nil {
		for k := s.lastSent.Add(s.tm.NATKeepalive); k.Before(next); k = s.lastSent.Add(s.tm.NATKeepalive) {
			s.keepalive(k)
		}
	}
	return next
}

// rekey renegotiates the pair's IPsec SA with its protocol.
func (s *pairSim) rekey(t time.Time) time.Time {
	switch {
	case s.ikev2 != nil:
		return s.ikev2Rekey(t)
	case s.authIP != nil:
		return s.authIPRekey(t)
	case s.ikev1 != nil:
		return s.ikev1Rekey(t)
	}
	return t
}

// gate decides the fate of the initiator's clear packets: release returns
// when a packet the initiator wants to send at t actually leaves (fallback
// holds the first one while IKE runs) and whether the responder will answer.
type gate interface {
	release(t time.Time) (time.Time, bool)
}

// openGate admits everything: no IPsec, or IPsec already in place.
type openGate struct{}

func (openGate) release(t time.Time) (time.Time, bool) { return t, true }

// kbGate is KB 977526: a clear packet with no soft SA in place triggers a
// main-mode negotiation that never completes; when IKE gives up, a soft SA
// admits clear traffic for SoftSALifetime; the next packet after it triggers
// the next negotiation.
type kbGate struct {
	s        *pairSim
	started  bool
	up, down time.Time
}

func (g *kbGate) release(t time.Time) (time.Time, bool) {
	if g.started && !t.Before(g.up) && t.Before(g.down) {
		return t, true
	}
	if !g.started || !t.Before(g.down) {
		g.started = true
		g.up = g.s.stalledMainMode(t.Add(time.Millisecond + time.Duration(g.s.rng.IntN(900))*time.Microsecond))
		g.down = g.up.Add(g.s.tm.SoftSALifetime)
	}
	return t, false
}

// closedGate is "no communication": negotiations fail one after the other
// and no clear packet is ever answered.
type closedGate struct {
	s    *pairSim
	next time.Time
}

func (g *closedGate) release(t time.Time) (time.Time, bool) {
	if !t.Before(g.next) {
		g.next = g.s.stalledMainMode(t.Add(time.Millisecond + time.Duration(g.s.rng.IntN(900))*time.Microsecond))
	}
	return t, false
}

// fallbackGate is a working fallback to clear: the first packet waits while
// IKE tries (delay), then leaves in the clear and everything is answered.
type fallbackGate struct {
	s     *pairSim
	delay time.Duration
	done  bool
}

func (g *fallbackGate) release(t time.Time) (time.Time, bool) {
	if g.done {
		return t, true
	}
	g.done = true
	g.s.fallbackNegotiation(t, g.delay)
	return t.Add(g.delay), true
}

// ledger follows a pair's clear traffic to write the expected outages and
// soft SAs from what was actually emitted: an outage starts at the first
// unanswered clear packet of the initiator and ends at the responder's next
// clear packet; a soft SA runs from there to the next outage, or to the
// pair's last clear packet.
type ledger struct {
	outages, softs []Span
	inOutage       bool
	inSoft         bool
	from           time.Time
	last           time.Time
}

func (l *ledger) seen(t time.Time) {
	if t.After(l.last) {
		l.last = t
	}
}

func (l *ledger) unanswered(t time.Time) {
	if l.inOutage {
		return
	}
	if l.inSoft {
		l.softs = append(l.softs, span(l.from, t))
		l.inSoft = false
	}
	l.inOutage, l.from = true, t
}

func (l *ledger) reply(t time.Time) {
	if !l.inOutage {
		return
	}
	l.outages = append(l.outages, span(l.from, t))
	l.inOutage, l.inSoft, l.from = false, true, t
}

func (l *ledger) finish() {
	switch {
	case l.inSoft:
		l.softs = append(l.softs, span(l.from, l.last))
	case l.inOutage:
		l.outages = append(l.outages, span(l.from, l.last))
	}
	l.inSoft, l.inOutage = false, false
}

func span(a, b time.Time) Span {
	a, b = a.Truncate(time.Microsecond).UTC(), b.Truncate(time.Microsecond).UTC()
	return Span{Start: a, End: b, Seconds: b.Sub(a).Seconds()}
}

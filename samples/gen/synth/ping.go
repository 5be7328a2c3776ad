package synth

import (
	"time"

	"github.com/gopacket/gopacket/layers"
)

// Windows' ping: identifier 1, the sequence number counting up, 32 bytes
// of the alphabet, a reply awaited for up to 4 s; `ping -t` sends the next
// request a second after a reply, at once after a timeout.
const (
	pingID      = 1
	pingTimeout = 4 * time.Second
	pingData    = "abcdefghijklmnopqrstuvwabcdefghi"
)

// transportEcho sends one echo request (reply false) or reply from → to,
// in the clear or inside ESP once the pair is protected.
func (s *pairSim) transportEcho(t time.Time, from, to *node, reply bool, seq uint16) {
	if from == s.ini {
		s.lastSent = t
	}
	proto, payload := layers.IPProtocolICMPv4, []byte(pingData)
	if from.Addr.Is6() {
		typ := uint8(layers.ICMPv6TypeEchoRequest)
		if reply {
			typ = layers.ICMPv6TypeEchoReply
		}
		// The ICMPv6 layer stops at the checksum: identifier and
		// sequence number lead the payload.
		proto = layers.IPProtocolICMPv6
		payload = append([]byte{0, pingID, byte(seq >> 8), byte(seq)}, pingData...)
		v6 := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(typ, 0)}
		if s.esp != nil {
			s.espSend(t, from, to, proto, v6, payload)
			return
		}
		s.led.seen(t)
		s.w.send(t, from, to, proto, v6, payload, false)
		return
	}
	layer := echoV4(reply, seq)
	if s.esp != nil {
		s.espSend(t, from, to, proto, layer, payload)
		return
	}
	s.led.seen(t)
	s.w.send(t, from, to, proto, layer, payload, false)
}

func echoV4(reply bool, seq uint16) *layers.ICMPv4 {
	typ := uint8(layers.ICMPv4TypeEchoRequest)
	if reply {
		typ = layers.ICMPv4TypeEchoReply
	}
	return &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, 0), Id: pingID, Seq: seq}
}

// runPing is `ping -t` from the initiator to the responder for the whole
// pair; with http, the traffic's pages are also fetched every Interval, in
// between two pings.
func (s *pairSim) runPing(http bool) {
	var seq uint16
	nextHTTP := s.start.Add(s.jitter(s.p.Traffic.Interval, 0.5))
	for i, t := 0, s.start; t.Before(s.stop); {
		if http && !t.Before(nextHTTP) {
			t, _ = s.fetchPage(t, s.p.Traffic.Names[i%len(s.p.Traffic.Names)])
			i++
			nextHTTP = t.Add(s.jitter(s.p.Traffic.Interval, 0.5))
			continue
		}
		seq++
		at, ok := s.gate.release(t)
		s.transportEcho(at, s.ini, s.rsp, false, seq)
		if !ok {
			s.led.unanswered(at)
			t = at.Add(pingTimeout)
			continue
		}
		tr := at.Add(s.half() + s.proc()/8)
		s.transportEcho(tr, s.rsp, s.ini, true, seq)
		s.led.reply(tr)
		t = tr.Add(s.jitter(time.Second, 0.01))
	}
}

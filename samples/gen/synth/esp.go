package synth

import (
	"encoding/binary"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// ESP sizes for AES-CBC with HMAC-SHA1-96 (RFC 4303, RFC 3602, RFC 2404):
// 16-byte IV, payload + pad + pad length + next header padded to 16, 12-byte
// ICV.
const (
	espIV  = 16
	espICV = 12
)

// espSA is a pair's pair of ESP SAs, one per direction.
type espSA struct {
	spiOut, spiIn uint32 // initiator → responder, responder → initiator
	seqOut, seqIn uint32
	udp           bool // UDP-encapsulated (NAT-T, RFC 3948)
}

func newESP(s *pairSim, udp bool) *espSA {
	return &espSA{spiOut: s.rng.Uint32() | 0x1000, spiIn: s.rng.Uint32() | 0x1000, udp: udp}
}

// espPacket builds an ESP packet whose ciphertext stands for an inner packet
// of innerLen bytes.
func (s *pairSim) espPacket(spi, seq uint32, innerLen int) []byte {
	ct := roundUp(innerLen+2, 16)
	b := binary.BigEndian.AppendUint32(nil, spi)
	b = binary.BigEndian.AppendUint32(b, seq)
	return append(b, randBytes(s.rng, espIV+ct+espICV)...)
}

// espSend wraps a transport segment in ESP (transport mode) and sends it,
// over IP protocol 50 or over UDP 4500.
func (s *pairSim) espSend(t time.Time, from, to *node, proto layers.IPProtocol, l4 gopacket.SerializableLayer, payload []byte) {
	// Only the inner length matters: the bytes are encrypted.
	buf := gopacket.NewSerializeBuffer()
	must(gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, l4, gopacket.Payload(payload)))
	e := s.esp
	var spi, seq uint32
	if from == s.ini {
		e.seqOut++
		spi, seq = e.spiOut, e.seqOut
	} else {
		e.seqIn++
		spi, seq = e.spiIn, e.seqIn
	}
	pkt := s.espPacket(spi, seq, len(buf.Bytes()))
	if e.udp {
		s.w.send(t, from, to, layers.IPProtocolUDP, &layers.UDP{SrcPort: 4500, DstPort: 4500}, pkt, false)
		return
	}
	s.w.send(t, from, to, layers.IPProtocolESP, nil, pkt, false)
}

// keepalive sends a NAT-T keepalive (RFC 3948 §2.3: one byte 0xFF) from the
// initiator, which is the side behind the NAT.
func (s *pairSim) keepalive(t time.Time) {
	s.lastSent = t
	s.w.send(t, s.ini, s.rsp, layers.IPProtocolUDP, &layers.UDP{SrcPort: 4500, DstPort: 4500}, []byte{0xff}, false)
}

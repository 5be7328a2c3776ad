package synth

import (
	"encoding/binary"
	"time"
)

// AuthIP numbers, [MS-AIPS] (learn.microsoft.com/openspecs/windows_protocols/
// ms-aips): private exchange types 243 main mode (§3.2.4 "the exchange type
// MUST be 243"), 244 quick mode (§3.4.5.1: 243 for the first quick mode under
// a main mode, 244 for any later one), 245 extended mode (§3.7.5.1) and 246
// notify (§3.1.7.2); private payloads (§2.2.3) 0x81 GSS-API, 0x85 Crypto,
// 0x86 GSS_ID, 0x87 Auth.
const (
	exchAuthIPMain     uint8 = 243
	exchAuthIPQuick    uint8 = 244
	exchAuthIPExtended uint8 = 245
	exchAuthIPNotify   uint8 = 246

	plGSSAPI uint8 = 0x81
	plCrypto uint8 = 0x85
	plGSSID  uint8 = 0x86
)

// authIPSA is a pair's AuthIP main-mode state.
type authIPSA struct {
	icookie, rcookie [8]byte
	seq              uint32 // Crypto payload sequence number (§3.1.1)
}

// authIPClear builds a message whose payloads follow an unencrypted Crypto
// payload (§2.2.3.2.2: seqNUM and an 8-byte IV, then the payloads in the
// clear; the Crypto payload's next-payload names the first of them).
func (s *pairSim) authIPClear(a *authIPSA, exch uint8, msgID uint32, withR bool, pls ...payload) []byte {
	a.seq++
	crypto := payload{typ: plCrypto, body: append(binary.BigEndian.AppendUint32(nil, a.seq), randBytes(s.rng, 8)...)}
	h := ikeHeader{ispi: a.icookie, version: 0x10, exch: exch, msgID: msgID}
	if withR {
		h.rspi = a.rcookie
	}
	return ikeMessage(h, append([]payload{crypto}, pls...)...)
}

// authIPEncrypted builds a message with the E flag: one Crypto payload whose
// seqNUM and IV are in the clear, then the inner payloads encrypted with
// padding, pad length and next payload, then a 12-byte integrity checksum
// (§2.2.3.2.1). The inner payloads are built and replaced by random bytes of
// their padded length.
func (s *pairSim) authIPEncrypted(a *authIPSA, exch uint8, msgID uint32, pls ...payload) []byte {
	a.seq++
	inner, _ := chain(pls)
	body := binary.BigEndian.AppendUint32(nil, a.seq)
	body = append(body, randBytes(s.rng, 16+roundUp(len(inner)+2, 16)+12)...)
	h := ikeHeader{ispi: a.icookie, rspi: a.rcookie, version: 0x10, exch: exch, flags: flagEncrypted, msgID: msgID}
	return ikeMessage(h, payload{typ: plCrypto, body: body})
}

// authIPEstablish runs AuthIP main mode (Kerberos through GSS-API), extended
// mode and the first quick mode, and turns ESP on.
func (s *pairSim) authIPEstablish(t time.Time) time.Time {
	a := &authIPSA{icookie: randSPI(s.rng), rcookie: randSPI(s.rng)}
	s.authIP = a
	sa := saPayload(protoISAKMP, nil, []transform{{id: 1, attrs: [][2]uint32{{1, 7}, {14, 128}, {2, 2}, {4, 2}, {11, 1}, {12, 28800}}}})
	kn := func() []payload {
		return []payload{{typ: plKE, body: randBytes(s.rng, 128)}, {typ: plNonce, body: randBytes(s.rng, 32)}}
	}
	mm1 := s.authIPClear(a, exchAuthIPMain, 0, false, append(append([]payload{sa}, kn()...), vidPayloads(s.ini.vendorIDs())...)...)
	t = s.mmStep(t, 0, s.ini, s.rsp, mm1)
	mm2 := s.authIPClear(a, exchAuthIPMain, 0, true, append(append([]payload{sa}, kn()...), vidPayloads(s.rsp.vendorIDs())...)...)
	t = s.mmStep(t, s.half()+15*time.Millisecond+s.proc(), s.rsp, s.ini, mm2)
	// Kerberos AP-REQ and AP-REP inside GSS-API payloads.
	mm3 := s.authIPEncrypted(a, exchAuthIPMain, 0, payload{typ: plGSSAPI, body: randBytes(s.rng, 1180+s.rng.IntN(100))},
		payload{typ: plGSSID, body: utf16le("host/" + s.ini.Name)})
	t = s.mmStep(t, s.half()+20*time.Millisecond+s.proc(), s.ini, s.rsp, mm3)
	mm4 := s.authIPEncrypted(a, exchAuthIPMain, 0, payload{typ: plGSSAPI, body: randBytes(s.rng, 160)})
	t = s.mmStep(t, s.half()+8*time.Millisecond+s.proc(), s.rsp, s.ini, mm4)
	// Extended mode: user credentials, four messages.
	em := s.rng.Uint32() | 1
	for i := range 4 {
		from, to := s.ini, s.rsp
		if i%2 == 1 {
			from, to = s.rsp, s.ini
		}
		msg := s.authIPEncrypted(a, exchAuthIPExtended, em, payload{typ: plGSSAPI, body: randBytes(s.rng, 200+s.rng.IntN(900))})
		t = s.mmStep(t, s.half()+3*time.Millisecond+s.proc(), from, to, msg)
	}
	s.esp = newESP(s, false)
	return s.authIPQuick(t.Add(s.proc()), exchAuthIPMain)
}

// authIPQuick runs a quick mode of three messages with exchange type exch.
func (s *pairSim) authIPQuick(t time.Time, exch uint8) time.Time {
	a := s.authIP
	qm := s.rng.Uint32() | 1
	spi := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	for i := range 3 {
		from, to := s.ini, s.rsp
		if i == 1 {
			from, to = s.rsp, s.ini
		}
		pls := []payload{{typ: plHash, body: randBytes(s.rng, 20)}}
		if i < 2 {
			v := s.esp.spiIn // each side proposes the SPI it will receive on
			if i == 1 {
				v = s.esp.spiOut
			}
			pls = append(pls, saPayload(protoESP, spi(v), quickModeTransforms(3600)),
				payload{typ: plNonce, body: randBytes(s.rng, 32)})
		}
		t = s.mmStep(t, s.half()+2*time.Millisecond+s.proc(), from, to, s.authIPEncrypted(a, exch, qm, pls...))
	}
	return t
}

// authIPRekey runs a later quick mode (exchange type 244), moves ESP to the
// new SAs and tells the peer with a reliable notify (246), which it
// acknowledges.
func (s *pairSim) authIPRekey(t time.Time) time.Time {
	old := s.esp
	s.esp = newESP(s, false)
	t = s.authIPQuick(t, exchAuthIPQuick)
	id := s.rng.Uint32() | 1
	// §2.2.3.5: Protocol-ID 2 (QM notification), Flags 1 (reliable), no SPI.
	n := payload{typ: plNotify, body: append([]byte{0, 0, 0, 1, 2, 1, 0x9c, 0x43}, binary.BigEndian.AppendUint32(nil, old.spiOut)...)}
	t = t.Add(800 * time.Millisecond)
	s.ike(t, s.ini, s.rsp, s.authIPEncrypted(s.authIP, exchAuthIPNotify, id, n), false)
	t = t.Add(s.half() + s.proc())
	s.ike(t, s.rsp, s.ini, s.authIPEncrypted(s.authIP, exchAuthIPNotify, id, payload{typ: plNotify, body: []byte{0, 0, 0, 1, 2, 0, 0x9c, 0x43}}), false)
	return t
}

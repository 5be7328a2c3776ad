package synth

import (
	"encoding/binary"
	"time"
)

// IKEv2 (RFC 7296) numbers: exchanges 34 IKE_SA_INIT, 35 IKE_AUTH,
// 36 CREATE_CHILD_SA, 37 INFORMATIONAL; flags 0x08 initiator, 0x20 response;
// payloads 33 SA, 34 KE, 35 IDi, 36 IDr, 37 CERT, 38 CERTREQ, 39 AUTH,
// 40 Nonce, 41 Notify, 42 Delete, 43 Vendor ID, 44 TSi, 45 TSr, 46 SK,
// 47 CP; notify 16388/16389 NAT_DETECTION_SOURCE/DESTINATION_IP.
const (
	exchIKESAInit      uint8 = 34
	exchIKEAuth        uint8 = 35
	exchCreateChildSA  uint8 = 36
	exchInformational2 uint8 = 37

	flagInitiator uint8 = 0x08
	flagResponse  uint8 = 0x20

	pl2SA      uint8 = 33
	pl2KE      uint8 = 34
	pl2IDi     uint8 = 35
	pl2IDr     uint8 = 36
	pl2Cert    uint8 = 37
	pl2CertReq uint8 = 38
	pl2Auth    uint8 = 39
	pl2Nonce   uint8 = 40
	pl2Notify  uint8 = 41
	pl2Delete  uint8 = 42
	pl2VID     uint8 = 43
	pl2TSi     uint8 = 44
	pl2TSr     uint8 = 45
	pl2SK      uint8 = 46
	pl2CP      uint8 = 47
)

// ikev2SA is a pair's IKE SA.
type ikev2SA struct {
	ispi, rspi [8]byte
	msgID      uint32 // next request's message ID
}

// ikev2Transform is one RFC 7296 §3.3.2 transform: type, id, key length.
type ikev2Transform struct {
	typ    uint8
	id     uint16
	keyLen uint16
}

// ikev2SAPayload builds an SA payload with one proposal.
func ikev2SAPayload(proto uint8, spi []byte, ts []ikev2Transform) payload {
	var tb []byte
	for i, t := range ts {
		last := uint8(3)
		if i == len(ts)-1 {
			last = 0
		}
		body := []byte{t.typ, 0}
		body = binary.BigEndian.AppendUint16(body, t.id)
		if t.keyLen != 0 {
			body = append(body, attribute(14, uint32(t.keyLen))...)
		}
		tb = append(tb, last, 0)
		tb = binary.BigEndian.AppendUint16(tb, uint16(4+len(body)))
		tb = append(tb, body...)
	}
	prop := []byte{0, 0, 0, 0, 1, proto, byte(len(spi)), byte(len(ts))}
	prop = append(prop, spi...)
	prop = append(prop, tb...)
	binary.BigEndian.PutUint16(prop[2:], uint16(len(prop)))
	return payload{typ: pl2SA, body: prop}
}

// ikeTransforms: AES-CBC-256, PRF-HMAC-SHA1, HMAC-SHA1-96, MODP 1024 — what
// Windows 7's agile VPN client proposes first.
var ikeTransforms = []ikev2Transform{{1, 12, 256}, {2, 2, 0}, {3, 2, 0}, {4, 2, 0}}

// espTransforms: AES-CBC-256, HMAC-SHA1-96, no ESN.
var espTransforms = []ikev2Transform{{1, 12, 256}, {3, 2, 0}, {5, 0, 0}}

func ikev2Notify(typ uint16, data []byte) payload {
	b := binary.BigEndian.AppendUint16([]byte{0, 0}, typ)
	return payload{typ: pl2Notify, body: append(b, data...)}
}

// ikev2Message builds a clear IKEv2 message.
func (k *ikev2SA) header(exch uint8, response, initiator bool, msgID uint32) ikeHeader {
	h := ikeHeader{ispi: k.ispi, rspi: k.rspi, version: 0x20, exch: exch, msgID: msgID}
	if initiator {
		h.flags |= flagInitiator
	}
	if response {
		h.flags |= flagResponse
	}
	return h
}

// ikev2Encrypted builds a message whose payloads travel in an SK payload
// (RFC 7296 §3.14): IV, ciphertext of the inner payloads with padding and
// pad length, 12-byte ICV. The SK payload's next-payload names the first
// inner payload.
func (s *pairSim) ikev2Encrypted(h ikeHeader, pls ...payload) []byte {
	inner, first := chain(pls)
	body := randBytes(s.rng, 16+roundUp(len(inner)+1, 16)+12)
	sk, _ := chain([]payload{{typ: pl2SK, body: body}})
	sk[0] = first
	return append(h.bytes(pl2SK, 28+len(sk)), sk...)
}

// trafficSelectors returns TSi and TSr for the two hosts' addresses.
func (s *pairSim) trafficSelectors() []payload {
	ts := func(typ uint8, a []byte) payload {
		b := []byte{1, 0, 0, 0, 7, 0, 0, 16, 0, 0, 0xff, 0xff}
		b = append(b, a...)
		b = append(b, a...)
		return payload{typ: typ, body: b}
	}
	return []payload{ts(pl2TSi, s.ini.Addr.AsSlice()), ts(pl2TSr, s.rsp.Addr.AsSlice())}
}

// ikev2Init sends the initiator's IKE_SA_INIT and the responder's answer,
// with the pair's fault: a COOKIE or INVALID_KE_PAYLOAD answer and the
// retry it asks for first, or REDIRECT instead of the answer (then the
// returned bool is false).
func (s *pairSim) ikev2Init(t time.Time) (*ikev2SA, time.Time, bool) {
	k := &ikev2SA{ispi: randSPI(s.rng)}
	natd := func() []payload {
		return []payload{ikev2Notify(16388, randBytes(s.rng, 20)), ikev2Notify(16389, randBytes(s.rng, 20))}
	}
	vids := func(n *node) []payload {
		var out []payload
		for _, v := range n.vendorIDs() {
			out = append(out, payload{typ: pl2VID, body: v})
		}
		return out
	}
	ke := func(group uint16, n int) payload {
		return payload{typ: pl2KE, body: append([]byte{byte(group >> 8), byte(group), 0, 0}, randBytes(s.rng, n)...)}
	}
	var nonce payload
	init := func(first []payload, k payload) []payload {
		out := append(first, ikev2SAPayload(1, nil, ikeTransforms), k, nonce)
		out = append(append(out, natd()...), vids(s.ini)...)
		if s.p.Fault == FaultIKEv2Redirect {
			// RFC 5685 §3.2: the initiator says it can be redirected.
			out = append(out, ikev2Notify(16406, nil))
		}
		return out
	}
	reply := func(pls ...payload) {
		t = t.Add(s.half() + 2*time.Millisecond + s.proc())
		s.ike(t, s.rsp, s.ini, ikeMessage(k.header(exchIKESAInit, true, false, 0), pls...), false)
		t = t.Add(s.half() + s.proc())
	}
	group := ke(2, 128) // MODP 1024, as ikeTransforms proposes
	nonce = payload{typ: pl2Nonce, body: randBytes(s.rng, 32)}
	s.ike(t, s.ini, s.rsp, ikeMessage(k.header(exchIKESAInit, false, true, 0), init(nil, group)...), false)
	switch s.p.Fault {
	case FaultIKEv2Cookie:
		// RFC 7296 §2.6: the responder, under load, answers with a cookie
		// and no state (responder SPI zero); the initiator sends the same
		// request again with the COOKIE notify first.
		cookie := ikev2Notify(16390, randBytes(s.rng, 20))
		reply(cookie)
		s.ike(t, s.ini, s.rsp, ikeMessage(k.header(exchIKESAInit, false, true, 0), init([]payload{cookie}, group)...), false)
	case FaultIKEv2InvalidKE:
		// RFC 7296 §1.3: the responder wants MODP 2048 (group 14); the
		// initiator retries with a KE of that group.
		reply(ikev2Notify(17, []byte{0, 14}))
		s.ike(t, s.ini, s.rsp, ikeMessage(k.header(exchIKESAInit, false, true, 0), init(nil, ke(14, 256))...), false)
	case FaultIKEv2Redirect:
		// RFC 5685 §3.2: the new gateway's IPv4 address, then the
		// initiator's nonce data.
		gw := []byte{1, 4, 10, 99, 0, 1}
		reply(ikev2Notify(16407, append(gw, nonce.body...)))
		return k, t, false
	}
	k.rspi = randSPI(s.rng)
	resp := []payload{ikev2SAPayload(1, nil, ikeTransforms), ke(2, 128), {typ: pl2Nonce, body: randBytes(s.rng, 32)}}
	if s.p.Fault == FaultIKEv2InvalidKE {
		resp[1] = ke(14, 256)
	}
	resp = append(append(resp, natd()...), payload{typ: pl2CertReq, body: append([]byte{4}, randBytes(s.rng, 20)...)})
	resp = append(resp, vids(s.rsp)...)
	t = t.Add(s.half() + 20*time.Millisecond + s.proc())
	s.ike(t, s.rsp, s.ini, ikeMessage(k.header(exchIKESAInit, true, false, 0), resp...), false)
	return k, t, true
}

// ikev2Stopped is an IKEv2 pair that goes no further than IKE_SA_INIT:
// redirected to another gateway, or abandoned by the initiator after a
// successful answer.
func (s *pairSim) ikev2Stopped(t time.Time) {
	s.ikev2Init(t)
}

// ikev2Establish runs IKE_SA_INIT on UDP 500 (ikev2Init), notices the NAT
// from the NAT-D hashes, runs IKE_AUTH on UDP 4500 (certificates, so
// IP-fragmented) and turns UDP-encapsulated ESP on.
func (s *pairSim) ikev2Establish(t time.Time) time.Time {
	k, t, _ := s.ikev2Init(t)
	s.ikev2 = k
	s.esp = newESP(s, true)
	spi := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	id := func(typ uint8, n *node) payload {
		return payload{typ: typ, body: append([]byte{9, 0, 0, 0}, distinguishedName("Contoso", n.Name)...)}
	}
	cert := func() payload {
		return payload{typ: pl2Cert, body: append([]byte{4}, randBytes(s.rng, certificateSize(s.rng))...)}
	}
	auth := func() payload {
		return payload{typ: pl2Auth, body: append([]byte{1, 0, 0, 0}, randBytes(s.rng, 256)...)}
	}
	authReq := append([]payload{id(pl2IDi, s.ini), cert(), {typ: pl2CertReq, body: append([]byte{4}, randBytes(s.rng, 20)...)}, auth(),
		{typ: pl2CP, body: []byte{1, 0, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0}}, ikev2SAPayload(3, spi(s.esp.spiIn), espTransforms)},
		s.trafficSelectors()...)
	t = t.Add(s.half() + 30*time.Millisecond + s.proc())
	s.ike(t, s.ini, s.rsp, s.ikev2Encrypted(k.header(exchIKEAuth, false, true, 1), authReq...), true)
	authResp := append([]payload{id(pl2IDr, s.rsp), cert(), auth(),
		{typ: pl2CP, body: append([]byte{2, 0, 0, 0, 0, 1, 0, 4}, 10, 1, 2, 3)}, ikev2SAPayload(3, spi(s.esp.spiOut), espTransforms)},
		s.trafficSelectors()...)
	t = t.Add(s.half() + 40*time.Millisecond + s.proc())
	s.ike(t, s.rsp, s.ini, s.ikev2Encrypted(k.header(exchIKEAuth, true, false, 1), authResp...), true)
	k.msgID = 2
	return t
}

// ikev2Rekey rekeys the child SA with CREATE_CHILD_SA, moves ESP to the new
// SAs and deletes the old ones with an INFORMATIONAL exchange.
func (s *pairSim) ikev2Rekey(t time.Time) time.Time {
	k := s.ikev2
	old := s.esp
	s.esp = newESP(s, true)
	spi := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	rekeySA := ikev2Notify(16393, nil) // REKEY_SA, names the child SA being replaced
	rekeySA.body[0], rekeySA.body[1] = 3, 4
	rekeySA.body = append(rekeySA.body, spi(old.spiIn)...)
	req := append([]payload{rekeySA, ikev2SAPayload(3, spi(s.esp.spiIn), espTransforms), {typ: pl2Nonce, body: randBytes(s.rng, 32)}},
		s.trafficSelectors()...)
	s.ike(t, s.ini, s.rsp, s.ikev2Encrypted(k.header(exchCreateChildSA, false, true, k.msgID), req...), true)
	resp := append([]payload{ikev2SAPayload(3, spi(s.esp.spiOut), espTransforms), {typ: pl2Nonce, body: randBytes(s.rng, 32)}},
		s.trafficSelectors()...)
	t = t.Add(s.half() + 5*time.Millisecond + s.proc())
	s.ike(t, s.rsp, s.ini, s.ikev2Encrypted(k.header(exchCreateChildSA, true, false, k.msgID), resp...), true)
	k.msgID++
	del := func(v uint32) payload {
		return payload{typ: pl2Delete, body: append([]byte{3, 4, 0, 1}, spi(v)...)}
	}
	t = t.Add(600 * time.Millisecond)
	s.ike(t, s.ini, s.rsp, s.ikev2Encrypted(k.header(exchInformational2, false, true, k.msgID), del(old.spiIn)), true)
	t = t.Add(s.half() + s.proc())
	s.ike(t, s.rsp, s.ini, s.ikev2Encrypted(k.header(exchInformational2, true, false, k.msgID), del(old.spiOut)), true)
	k.msgID++
	return t
}

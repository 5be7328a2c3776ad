package synth

import (
	"bytes"
	"encoding/binary"
	"time"
)

// IKEv1 main mode and quick mode as Windows' IPsec Policy Agent and IKEEXT
// run them (RFC 2409 §5 with signatures, §5.5 quick mode), message by
// message. Messages 5 and 6 and quick mode are encrypted: their payloads are
// built in full and then replaced by random bytes of the same padded length.

// ikev1SA is a pair's IKEv1 state.
type ikev1SA struct {
	icookie, rcookie [8]byte
}

// authRSASig is RFC 2409's RSA signature authentication method.
const authRSASig = 3

// blockDES is 3DES's block size, Windows' default phase-1 and phase-2 cipher.
const blockDES = 8

func (s *pairSim) v1header(k *ikev1SA, exch uint8, msgID uint32, withR bool) ikeHeader {
	h := ikeHeader{ispi: k.icookie, version: 0x10, exch: exch, msgID: msgID}
	if withR {
		h.rspi = k.rcookie
	}
	return h
}

// natdPayloads returns the NAT discovery payloads when both hosts announced
// a NAT-T version: RFC 3947 (type 20) or the drafts (type 130).
func (s *pairSim) natdPayloads() []payload {
	typ := uint8(0)
	switch {
	case hasVID(s.ini, vidNATTRFC3947) && hasVID(s.rsp, vidNATTRFC3947):
		typ = plNATD
	case hasVID(s.ini, vidNATTDraft02n) && hasVID(s.rsp, vidNATTDraft02n):
		typ = 130
	default:
		return nil
	}
	return []payload{{typ: typ, body: randBytes(s.rng, 20)}, {typ: typ, body: randBytes(s.rng, 20)}}
}

func hasVID(n *node, v []byte) bool {
	for _, x := range n.vendorIDs() {
		if bytes.Equal(x, v) {
			return true
		}
	}
	return false
}

// caDN is the enterprise CA both sides trust.
var caDN = distinguishedName("Contoso", "Contoso Enterprise Root CA")

// mmIdentity returns the encrypted identity payloads of MM5/MM6: ID, the
// certificate when the host has one, and the signature.
func (s *pairSim) mmIdentity(n *node, withCertReq bool) []payload {
	pls := []payload{idPayload(9, distinguishedName("Contoso", n.Name))}
	if n.Policy.ValidCert {
		pls = append(pls, certPayload(randBytes(s.rng, certificateSize(s.rng))))
	}
	if withCertReq {
		pls = append(pls, certReqPayload(caDN))
	}
	return append(pls, payload{typ: plSig, body: randBytes(s.rng, 256)})
}

// mmStep sends one main-mode message after delay and returns when it left.
func (s *pairSim) mmStep(t time.Time, delay time.Duration, from, to *node, msg []byte) time.Time {
	t = t.Add(delay)
	s.ike(t, from, to, msg, false)
	return t
}

// mainModeTo4 runs MM1–MM4 from t and returns the state and when MM4 left.
func (s *pairSim) mainModeTo4(t time.Time) (*ikev1SA, time.Time) {
	k := &ikev1SA{icookie: randSPI(s.rng), rcookie: randSPI(s.rng)}
	mm1 := ikeMessage(s.v1header(k, exchMain, 0, false),
		append([]payload{saPayload(protoISAKMP, nil, mainModeTransforms(authRSASig))}, vidPayloads(s.ini.vendorIDs())...)...)
	t = s.mmStep(t, 0, s.ini, s.rsp, mm1)
	mm2 := ikeMessage(s.v1header(k, exchMain, 0, true),
		append([]payload{saPayload(protoISAKMP, nil, mainModeTransforms(authRSASig)[:1])}, vidPayloads(s.rsp.vendorIDs())...)...)
	t = s.mmStep(t, s.half()+s.proc(), s.rsp, s.ini, mm2)
	ke := func() []payload {
		return append([]payload{{typ: plKE, body: randBytes(s.rng, 128)}, {typ: plNonce, body: randBytes(s.rng, 32)}},
			s.natdPayloads()...)
	}
	mm3 := ikeMessage(s.v1header(k, exchMain, 0, true), ke()...)
	t = s.mmStep(t, s.half()+15*time.Millisecond+s.proc(), s.ini, s.rsp, mm3)
	mm4 := ikeMessage(s.v1header(k, exchMain, 0, true), append(ke(), certReqPayload(caDN))...)
	t = s.mmStep(t, s.half()+20*time.Millisecond+s.proc(), s.rsp, s.ini, mm4)
	return k, t
}

// mm5 is the initiator's encrypted identity message.
func (s *pairSim) mm5(k *ikev1SA) []byte {
	return ikev1Encrypted(s.v1header(k, exchMain, 0, true), s.rng, blockDES, s.mmIdentity(s.ini, false)...)
}

// retry sends msg on the IKE retry schedule starting at t, never answered,
// and returns when IKE gives up.
func (s *pairSim) retry(t time.Time, from, to *node, msg []byte) time.Time {
	for _, d := range s.tm.IKERetry {
		t = t.Add(d)
		s.ike(t, from, to, msg, false)
	}
	return t.Add(s.tm.IKEGiveUp)
}

// stalledMainMode is the negotiation of KB 977526 and of "no communication":
// MM1–MM4 go through, the Vista side's MM5 is never answered and is
// retransmitted until IKE gives up. It returns the give-up time.
func (s *pairSim) stalledMainMode(t time.Time) time.Time {
	k, t := s.mainModeTo4(t)
	return s.retry(t.Add(s.half()+10*time.Millisecond+s.proc()), s.ini, s.rsp, s.mm5(k))
}

// fallbackNegotiation is what the IKE initiator of a working fallback sends
// before going clear at t+delay: to a Vista peer, main mode up to its
// certificate-bearing MM5, which the peer cannot answer; to a peer that
// ignores IKE, MM1 on the retry schedule.
func (s *pairSim) fallbackNegotiation(t time.Time, delay time.Duration) {
	t = t.Add(time.Millisecond)
	if s.mode == ModeFallbackPeer {
		k := &ikev1SA{icookie: randSPI(s.rng)}
		mm1 := ikeMessage(s.v1header(k, exchMain, 0, false),
			append([]payload{saPayload(protoISAKMP, nil, mainModeTransforms(authRSASig))}, vidPayloads(s.ini.vendorIDs())...)...)
		end := t.Add(delay)
		for _, d := range s.tm.IKERetry {
			t = t.Add(d)
			if !t.Before(end) {
				break
			}
			s.ike(t, s.ini, s.rsp, mm1, false)
		}
		return
	}
	k, t := s.mainModeTo4(t)
	s.ike(t.Add(s.half()+10*time.Millisecond), s.ini, s.rsp, s.mm5(k), false)
}

// ikev1Establish runs a complete main mode and quick mode and turns ESP on.
func (s *pairSim) ikev1Establish(t time.Time) time.Time {
	k, t := s.mainModeTo4(t)
	t = s.mmStep(t, s.half()+10*time.Millisecond+s.proc(), s.ini, s.rsp, s.mm5(k))
	mm6 := ikev1Encrypted(s.v1header(k, exchMain, 0, true), s.rng, blockDES, s.mmIdentity(s.rsp, false)...)
	t = s.mmStep(t, s.half()+10*time.Millisecond+s.proc(), s.rsp, s.ini, mm6)
	s.ikev1 = k
	s.esp = newESP(s, false)
	return s.quickMode(t.Add(s.proc()), k, s.esp)
}

// quickMode runs the three quick-mode messages for the ESP SAs e.
func (s *pairSim) quickMode(t time.Time, k *ikev1SA, e *espSA) time.Time {
	msgID := s.rng.Uint32() | 1
	ids := func() []payload {
		return []payload{idPayload(1, s.ini.Addr.AsSlice()), idPayload(1, s.rsp.Addr.AsSlice())}
	}
	hash := payload{typ: plHash, body: randBytes(s.rng, 20)}
	spi := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	life := uint32(3600)
	if s.p.RekeyAfter > 0 {
		life = uint32((s.p.RekeyAfter + time.Minute).Seconds())
	}
	qm1 := ikev1Encrypted(s.v1header(k, exchQuick, msgID, true), s.rng, blockDES,
		append([]payload{hash, saPayload(protoESP, spi(e.spiIn), quickModeTransforms(life)),
			{typ: plNonce, body: randBytes(s.rng, 32)}}, ids()...)...)
	t = s.mmStep(t, 0, s.ini, s.rsp, qm1)
	qm2 := ikev1Encrypted(s.v1header(k, exchQuick, msgID, true), s.rng, blockDES,
		append([]payload{hash, saPayload(protoESP, spi(e.spiOut), quickModeTransforms(life)),
			{typ: plNonce, body: randBytes(s.rng, 32)}}, ids()...)...)
	t = s.mmStep(t, s.half()+2*time.Millisecond+s.proc(), s.rsp, s.ini, qm2)
	qm3 := ikev1Encrypted(s.v1header(k, exchQuick, msgID, true), s.rng, blockDES, hash)
	return s.mmStep(t, s.half()+s.proc(), s.ini, s.rsp, qm3)
}

// ikev1Rekey runs a new quick mode, moves ESP to the new SAs and deletes
// the old ones with an informational exchange.
func (s *pairSim) ikev1Rekey(t time.Time) time.Time {
	old := s.esp
	s.esp = newESP(s, false)
	t = s.quickMode(t, s.ikev1, s.esp)
	del := ikev1Encrypted(s.v1header(s.ikev1, exchInformational, s.rng.Uint32()|1, true), s.rng, blockDES,
		payload{typ: plHash, body: randBytes(s.rng, 20)}, deletePayload(old.spiOut))
	t = t.Add(900 * time.Millisecond)
	s.ike(t, s.ini, s.rsp, del, false)
	return t
}

// runFailure repeats a failing negotiation from the pair's start to its stop,
// one attempt a minute and a half apart as an application retrying does.
func (s *pairSim) runFailure() {
	for t := s.start; t.Before(s.stop); {
		end := s.failedAttempt(t)
		t = end.Add(s.jitter(30*time.Second, 0.2))
	}
}

// failedAttempt is one negotiation that fails in the pair's way.
func (s *pairSim) failedAttempt(t time.Time) time.Time {
	switch s.p.Fault {
	case FaultIKEBlocked:
		k := &ikev1SA{icookie: randSPI(s.rng)}
		mm1 := ikeMessage(s.v1header(k, exchMain, 0, false),
			append([]payload{saPayload(protoISAKMP, nil, mainModeTransforms(authRSASig))}, vidPayloads(s.ini.vendorIDs())...)...)
		return s.retry(t, s.ini, s.rsp, mm1)
	case FaultNoProposal:
		k := &ikev1SA{icookie: randSPI(s.rng)}
		mm1 := ikeMessage(s.v1header(k, exchMain, 0, false),
			append([]payload{saPayload(protoISAKMP, nil, mainModeTransforms(authRSASig))}, vidPayloads(s.ini.vendorIDs())...)...)
		s.ike(t, s.ini, s.rsp, mm1, false)
		return s.refuse(t.Add(s.half()+s.proc()), k, false)
	case FaultAuthFailed, FaultInvalidCert:
		k, t := s.mainModeTo4(t)
		t = s.mmStep(t, s.half()+10*time.Millisecond+s.proc(), s.ini, s.rsp, s.mm5(k))
		return s.refuse(t.Add(s.half()+5*time.Millisecond+s.proc()), k, true)
	case FaultFragmentsLost:
		k, t := s.mainModeTo4(t)
		return s.retry(t.Add(s.half()+10*time.Millisecond+s.proc()), s.ini, s.rsp, s.mm5(k))
	}
	return t
}

// refuse sends the responder's error notification in an unprotected
// informational exchange: the ISAKMP SA is not authenticated yet, so RFC
// 2408 §5 lets it go in the clear.
func (s *pairSim) refuse(t time.Time, k *ikev1SA, withR bool) time.Time {
	n := ikeMessage(s.v1header(k, exchInformational, 0, withR),
		notifyPayload(protoISAKMP, s.p.Fault.notifyType(), nil))
	s.ike(t, s.rsp, s.ini, n, false)
	return t
}

package synth

import (
	"encoding/binary"
	"math/rand/v2"
)

// ISAKMP numbers used by the builders. IKEv1: RFC 2408 §3.1 and §3.14.1,
// RFC 2409, RFC 2407 (IPsec DOI), RFC 3947 (NAT-D 20). AuthIP: [MS-AIPS]
// §2.2.1 and §2.2.3 (see authip.go). IKEv2: RFC 7296 §3.
const (
	exchMain          uint8 = 2
	exchInformational uint8 = 5
	exchQuick         uint8 = 32

	plNone    uint8 = 0
	plSA      uint8 = 1
	plProp    uint8 = 2
	plTrans   uint8 = 3
	plKE      uint8 = 4
	plID      uint8 = 5
	plCert    uint8 = 6
	plCertReq uint8 = 7
	plHash    uint8 = 8
	plSig     uint8 = 9
	plNonce   uint8 = 10
	plNotify  uint8 = 11
	plDelete  uint8 = 12
	plVID     uint8 = 13
	plNATD    uint8 = 20

	flagEncrypted uint8 = 0x01

	protoISAKMP uint8 = 1
	protoESP    uint8 = 3
)

// payload is one ISAKMP payload before its generic header is written: the
// chain builder fills in next-payload and length.
type payload struct {
	typ      uint8
	body     []byte
	critical bool // IKEv2 C bit
}

// ikeHeader is the fixed ISAKMP header (RFC 2408 §3.1, RFC 7296 §3.1).
type ikeHeader struct {
	ispi, rspi [8]byte
	version    uint8 // 0x10 IKEv1 and AuthIP, 0x20 IKEv2
	exch       uint8
	flags      uint8
	msgID      uint32
}

// chain writes payloads with their generic headers, each pointing to the
// next, and returns the bytes and the type of the first payload.
func chain(pls []payload) ([]byte, uint8) {
	var out []byte
	for i, p := range pls {
		next := plNone
		if i+1 < len(pls) {
			next = pls[i+1].typ
		}
		var crit byte
		if p.critical {
			crit = 0x80
		}
		out = append(out, next, crit)
		out = binary.BigEndian.AppendUint16(out, uint16(4+len(p.body)))
		out = append(out, p.body...)
	}
	if len(pls) == 0 {
		return out, plNone
	}
	return out, pls[0].typ
}

// header writes the 28-byte ISAKMP header for a message of total length n.
func (h ikeHeader) bytes(next uint8, n int) []byte {
	b := make([]byte, 0, 28)
	b = append(b, h.ispi[:]...)
	b = append(b, h.rspi[:]...)
	b = append(b, next, h.version, h.exch, h.flags)
	b = binary.BigEndian.AppendUint32(b, h.msgID)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	return b
}

// ikeMessage builds a message whose payloads are all in the clear.
func ikeMessage(h ikeHeader, pls ...payload) []byte {
	body, first := chain(pls)
	return append(h.bytes(first, 28+len(body)), body...)
}

// ikev1Encrypted builds an IKEv1 message with the E flag: the header names
// the first payload, and the payload chain is replaced by random bytes of its
// length padded to the cipher block, as RFC 2409 §5.3 encrypts it.
func ikev1Encrypted(h ikeHeader, rng *rand.Rand, block int, pls ...payload) []byte {
	plain, first := chain(pls)
	h.flags |= flagEncrypted
	n := roundUp(len(plain)+1, block)
	return append(h.bytes(first, 28+n), randBytes(rng, n)...)
}

// attribute encodes one ISAKMP data attribute (RFC 2408 §3.3): the short TV
// form when the value fits in 16 bits, TLV otherwise.
func attribute(typ uint16, val uint32) []byte {
	if val <= 0xffff {
		b := binary.BigEndian.AppendUint16(nil, typ|0x8000)
		return binary.BigEndian.AppendUint16(b, uint16(val))
	}
	b := binary.BigEndian.AppendUint16(nil, typ)
	b = binary.BigEndian.AppendUint16(b, 4)
	return binary.BigEndian.AppendUint32(b, val)
}

// transform is one IKEv1 transform: its id and attributes (type, value).
type transform struct {
	id    uint8
	attrs [][2]uint32
}

// saPayload builds an IKEv1 SA payload (IPsec DOI, SIT_IDENTITY_ONLY) with a
// single proposal of the given protocol, SPI and transforms.
func saPayload(proto uint8, spi []byte, ts []transform) payload {
	var prop []byte
	prop = append(prop, 1, proto, byte(len(spi)), byte(len(ts)))
	prop = append(prop, spi...)
	var tps []payload
	for i, t := range ts {
		tb := []byte{byte(i + 1), t.id, 0, 0}
		for _, a := range t.attrs {
			tb = append(tb, attribute(uint16(a[0]), a[1])...)
		}
		tps = append(tps, payload{typ: plTrans, body: tb})
	}
	tchain, _ := chain(tps)
	prop = append(prop, tchain...)
	body := []byte{0, 0, 0, 1, 0, 0, 0, 1} // DOI IPsec, SIT_IDENTITY_ONLY
	pchain, _ := chain([]payload{{typ: plProp, body: prop}})
	return payload{typ: plSA, body: append(body, pchain...)}
}

// mainModeTransforms are the phase-1 proposals XP/2003 and Vista offer by
// default: 3DES/SHA1 and 3DES/MD5 with the 1024-bit MODP group, 8 hours.
// Attribute types: 1 encryption, 2 hash, 3 auth method, 4 group, 11 life
// type, 12 life duration (RFC 2409 appendix A).
func mainModeTransforms(auth uint32) []transform {
	mk := func(hash uint32) transform {
		return transform{id: 1, attrs: [][2]uint32{{1, 5}, {2, hash}, {3, auth}, {4, 2}, {11, 1}, {12, 28800}}}
	}
	return []transform{mk(2), mk(1)}
}

// quickModeTransforms are ESP 3DES with HMAC-SHA1 in transport mode (RFC 2407
// §4.4.4 and §4.5: 1 life type, 2 duration, 4 encapsulation mode, 5 auth).
func quickModeTransforms(lifetime uint32) []transform {
	return []transform{{id: 3, attrs: [][2]uint32{{1, 1}, {2, lifetime}, {4, 2}, {5, 2}}}}
}

func vidPayloads(vids [][]byte) []payload {
	out := make([]payload, 0, len(vids))
	for _, v := range vids {
		out = append(out, payload{typ: plVID, body: v})
	}
	return out
}

// idPayload is an IKEv1 identification payload (RFC 2407 §4.6.2):
// ID_IPV4_ADDR (1) or ID_DER_ASN1_DN (9), protocol and port 0.
func idPayload(idType uint8, data []byte) payload {
	return payload{typ: plID, body: append([]byte{idType, 0, 0, 0}, data...)}
}

// notifyPayload is an IKEv1 notification (RFC 2408 §3.14) with no SPI.
func notifyPayload(proto uint8, typ uint16, data []byte) payload {
	b := []byte{0, 0, 0, 1, proto, 0}
	b = binary.BigEndian.AppendUint16(b, typ)
	return payload{typ: plNotify, body: append(b, data...)}
}

// deletePayload is an IKEv1 delete (RFC 2408 §3.15) of ESP SPIs.
func deletePayload(spis ...uint32) payload {
	b := []byte{0, 0, 0, 1, protoESP, 4}
	b = binary.BigEndian.AppendUint16(b, uint16(len(spis)))
	for _, s := range spis {
		b = binary.BigEndian.AppendUint32(b, s)
	}
	return payload{typ: plDelete, body: b}
}

// certPayload carries an X.509 certificate (encoding 4).
func certPayload(der []byte) payload { return payload{typ: plCert, body: append([]byte{4}, der...)} }

// certReqPayload asks for an X.509 certificate signed by the CA named by dn.
func certReqPayload(dn []byte) payload {
	return payload{typ: plCertReq, body: append([]byte{4}, dn...)}
}

func roundUp(n, block int) int { return (n + block - 1) / block * block }

func randBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], rng.Uint64())
		copy(b[i:], w[:])
	}
	return b
}

func randSPI(rng *rand.Rand) [8]byte {
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], rng.Uint64()|1)
	return s
}

package synth

import "math/rand/v2"

// der encodes one DER TLV. Wireshark decodes the distinguished names in
// CERTREQ payloads, so they must be valid ASN.1; certificates travel only
// inside encrypted messages and are never decoded.
func der(tag byte, content ...[]byte) []byte {
	var body []byte
	for _, c := range content {
		body = append(body, c...)
	}
	n := len(body)
	out := []byte{tag}
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	default:
		out = append(out, 0x82, byte(n>>8), byte(n))
	}
	return append(out, body...)
}

// distinguishedName encodes an X.501 Name with O and CN (OIDs 2.5.4.10 and
// 2.5.4.3, PrintableString values).
func distinguishedName(org, cn string) []byte {
	rdn := func(oid byte, v string) []byte {
		return der(0x31, der(0x30, der(0x06, []byte{0x55, 0x04, oid}), der(0x13, []byte(v))))
	}
	return der(0x30, rdn(10, org), rdn(3, cn))
}

// certificateSize is the length of a DER certificate with a 2048-bit key, as
// Windows enterprise CAs issued them for IPsec: about 1.3 KB.
func certificateSize(rng *rand.Rand) int { return 1240 + rng.IntN(120) }

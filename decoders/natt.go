package decoders

// nattKind says what a UDP 4500 datagram carries (RFC 3948 §2).
type nattKind uint8

// The kinds of UDP 4500 payload.
const (
	// nattESP is ESP in UDP: the payload starts with a non-zero SPI.
	nattESP nattKind = iota
	// nattIKE is an IKE message behind the 4-byte zero non-ESP marker.
	nattIKE
	// nattKeepalive is a NAT-keepalive: a single 0xFF byte.
	nattKeepalive
	// nattInvalid is anything else: too short to be ESP, or empty.
	nattInvalid
)

// String names the kind.
func (k nattKind) String() string {
	switch k {
	case nattESP:
		return "esp"
	case nattIKE:
		return "ike"
	case nattKeepalive:
		return "keepalive"
	}
	return "invalid"
}

// classifyNATT sorts a UDP 4500 payload as Wireshark's udpencap dissector
// does and returns the inner bytes: the IKE message without its marker, or
// the whole ESP packet. A 1-byte 0xFF is a keepalive; a payload whose first
// four bytes are zero is IKE; otherwise ESP, which needs SPI and sequence.
func classifyNATT(p []byte) (nattKind, []byte) {
	switch {
	case len(p) == 1 && p[0] == 0xFF:
		return nattKeepalive, nil
	case len(p) >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0:
		return nattIKE, p[4:]
	case len(p) >= 8:
		return nattESP, p
	}
	return nattInvalid, nil
}

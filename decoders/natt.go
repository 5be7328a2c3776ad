package decoders

// NATTKind says what a UDP 4500 datagram carries (RFC 3948 §2).
type NATTKind uint8

// The kinds of UDP 4500 payload.
const (
	// NATTESP is ESP in UDP: the payload starts with a non-zero SPI.
	NATTESP NATTKind = iota
	// NATTIKE is an IKE message behind the 4-byte zero non-ESP marker.
	NATTIKE
	// NATTKeepalive is a NAT-keepalive: a single 0xFF byte.
	NATTKeepalive
	// NATTInvalid is anything else: too short to be ESP, or empty.
	NATTInvalid
)

// String names the kind.
func (k NATTKind) String() string {
	switch k {
	case NATTESP:
		return "esp"
	case NATTIKE:
		return "ike"
	case NATTKeepalive:
		return "keepalive"
	}
	return "invalid"
}

// ClassifyNATT sorts a UDP 4500 payload as Wireshark's udpencap dissector
// does and returns the inner bytes: the IKE message without its marker, or
// the whole ESP packet. A 1-byte 0xFF is a keepalive; a payload whose first
// four bytes are zero is IKE; otherwise ESP, which needs SPI and sequence.
func ClassifyNATT(p []byte) (NATTKind, []byte) {
	switch {
	case len(p) == 1 && p[0] == 0xFF:
		return NATTKeepalive, nil
	case len(p) >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0:
		return NATTIKE, p[4:]
	case len(p) >= 8:
		return NATTESP, p
	}
	return NATTInvalid, nil
}

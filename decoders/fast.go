package decoders

import (
	"encoding/binary"
	"net/netip"

	"github.com/gopacket/gopacket/layers"

	"softsa/decoders/capture"
)

// The fast path. Nearly every frame of a large capture is an unfragmented
// IPv4 datagram without options carrying TCP, UDP or ESP, behind an Ethernet
// header, a Linux cooked-capture header or none. For those, walking the
// DecodingLayerParser (an interface call, a layer lookup and a layer struct
// filled per layer) costs more than the rest of the decoding. fast reads
// such frames directly and fills the Message exactly as the parser path
// would; anything else — VLAN tags, IPv6, IP options, fragments, AH, a
// header the parser would reject or only partly decode, an IPv4 length of
// zero (TSO) — is left to the parser path, which stays the reference:
// TestFastPathMatchesParser and FuzzFastPath compare the two on every frame
// they see.

// fast decodes f into m when f is of the common shape and reports whether
// it did; m is written only when it returns true.
func (d *Decoder) fast(f *capture.Frame, m *Message) bool {
	b := f.Data
	var ip []byte
	switch f.Link {
	case layers.LinkTypeEthernet:
		// An EtherType below 0x600 is an 802.3 length: not IPv4.
		if len(b) < 14 || binary.BigEndian.Uint16(b[12:14]) != uint16(layers.EthernetTypeIPv4) {
			return false
		}
		ip = b[14:]
	case layers.LinkTypeLinuxSLL:
		if len(b) < 16 || binary.BigEndian.Uint16(b[4:6]) > 8 ||
			binary.BigEndian.Uint16(b[14:16]) != uint16(layers.EthernetTypeIPv4) {
			return false
		}
		ip = b[16:]
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, 12, 14:
		ip = b
	default:
		return false
	}
	// Version 4, no options (IHL 5); a total length that covers the header
	// and is within the frame (more is padding, cut as the parser cuts it);
	// neither more fragments nor an offset.
	if len(ip) < 20 || ip[0] != 0x45 {
		return false
	}
	total := int(binary.BigEndian.Uint16(ip[2:4]))
	if total < 20 || total > len(ip) || binary.BigEndian.Uint16(ip[6:8])&0x3fff != 0 {
		return false
	}
	proto := ip[9]
	l4 := ip[20:total]
	switch proto {
	case 6: // TCP: a full header within the datagram
		if len(l4) == 0 {
			break // the parser stops at an empty payload
		}
		if len(l4) < 20 {
			return false
		}
		off := int(l4[12]>>4) * 4
		if off < 20 || off > len(l4) {
			return false
		}
	case 17: // UDP: a header, and a length that is 0 (jumbogram) or covers it
		if len(l4) == 0 {
			break
		}
		if len(l4) < 8 {
			return false
		}
		if n := binary.BigEndian.Uint16(l4[4:6]); n != 0 && n < 8 {
			return false
		}
	case 50: // ESP: SPI and sequence number
		if len(l4) != 0 && len(l4) < 8 {
			return false
		}
	case 1, 2, 47:
		// ICMP, IGMP, GRE: the parser has no layer for them and stops
		// after IPv4, as we do.
	default:
		return false
	}

	m.IPVersion, m.Proto, m.IPID = 4, layers.IPProtocol(proto), uint32(binary.BigEndian.Uint16(ip[4:6]))
	m.Src = netip.AddrFrom4([4]byte(ip[12:16]))
	m.Dst = netip.AddrFrom4([4]byte(ip[16:20]))
	if len(l4) == 0 {
		return true
	}
	switch proto {
	case 6:
		off := int(l4[12]>>4) * 4
		setTCP(m, f, binary.BigEndian.Uint16(l4[0:2]), binary.BigEndian.Uint16(l4[2:4]),
			binary.BigEndian.Uint32(l4[4:8]), binary.BigEndian.Uint32(l4[8:12]),
			binary.BigEndian.Uint16(l4[14:16]), l4[13]&(TCPFin|TCPSyn|TCPRst|TCPPsh|TCPAck), l4[off:])
	case 17:
		payload := l4[8:]
		if n := int(binary.BigEndian.Uint16(l4[4:6])); n >= 8 && n < len(l4) {
			payload = l4[8:n]
		}
		d.setUDP(m, binary.BigEndian.Uint16(l4[0:2]), binary.BigEndian.Uint16(l4[2:4]), payload)
	case 50:
		d.fromESP(m, l4)
	case 1:
		fromICMP(m, l4)
	}
	return true
}

package decoders

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// pppoeSession decodes a PPPoE session frame (RFC 2516 §4: EtherType
// 0x8864) and the PPP protocol field that follows it (RFC 1661 §2), as one
// gopacket DecodingLayer: gopacket's own PPPoE and PPP layers cannot be
// used by a DecodingLayerParser. DSL links and some VPN concentrators
// carry IKE and ESP this way, alone or inside 802.1Q.
type pppoeSession struct {
	layers.BaseLayer
	SessionID uint16
	next      gopacket.LayerType
}

// PPP protocol numbers of the datagrams softsa decodes.
const (
	pppIPv4 = 0x0021
	pppIPv6 = 0x0057
)

// errNotPPPoESession: PPPoE discovery, a version other than 1, or a PPP
// protocol that is not IP (LCP, IPCP, …).
var errNotPPPoESession = errors.New("pppoe: not a version 1 session frame carrying IP")

func (p *pppoeSession) CanDecode() gopacket.LayerClass { return layers.LayerTypePPPoE }

func (p *pppoeSession) NextLayerType() gopacket.LayerType { return p.next }

func (p *pppoeSession) LayerType() gopacket.LayerType { return layers.LayerTypePPPoE }

// DecodeFromBytes reads the 6-byte PPPoE header (version and type 1, code
// 0 for session data, session ID, payload length) and the 2-byte PPP
// protocol; the payload is cut to the PPPoE length (Ethernet padding
// follows short frames).
func (p *pppoeSession) DecodeFromBytes(b []byte, df gopacket.DecodeFeedback) error {
	p.next = gopacket.LayerTypeZero
	if len(b) < 8 {
		df.SetTruncated()
		return fmt.Errorf("pppoe: %d bytes, need 8: %w", len(b), ErrTruncated)
	}
	if b[0] != 0x11 || b[1] != 0 {
		return errNotPPPoESession
	}
	p.SessionID = binary.BigEndian.Uint16(b[2:4])
	n := int(binary.BigEndian.Uint16(b[4:6])) // PPP protocol field included
	if n < 2 {
		return fmt.Errorf("pppoe: length %d: %w", n, ErrTruncated)
	}
	end := min(6+n, len(b))
	switch binary.BigEndian.Uint16(b[6:8]) {
	case pppIPv4:
		p.next = layers.LayerTypeIPv4
	case pppIPv6:
		p.next = layers.LayerTypeIPv6
	default:
		return errNotPPPoESession
	}
	p.Contents, p.Payload = b[:8], b[8:end]
	return nil
}

package decoders

import (
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"softsa/decoders/capture"
)

// App says what a frame carries above the transport layer, as far as softsa
// cares.
type App uint8

// The application payloads softsa decodes. Everything else is clear traffic
// (AppNone), which the analyzer still sees through the IP and TCP fields.
const (
	AppNone         App = iota
	AppISAKMP           // an IKE message: UDP 500, or UDP 4500 behind the non-ESP marker
	AppNATKeepalive     // a NAT-keepalive on UDP 4500
	AppESP              // ESP, raw (IP protocol 50) or in UDP 4500
	AppSMB              // a TCP 445/139 segment with payload (NetBIOS session service)
	AppEcho             // an ICMP or ICMPv6 echo request or reply (Message.Echo)
)

// String names the application payload.
func (a App) String() string {
	switch a {
	case AppISAKMP:
		return "isakmp"
	case AppNATKeepalive:
		return "nat-keepalive"
	case AppESP:
		return "esp"
	case AppSMB:
		return "smb"
	case AppEcho:
		return "icmp-echo"
	}
	return "none"
}

// TCP flag bits, as in the TCP header's flags byte.
const (
	TCPFin = 0x01
	TCPSyn = 0x02
	TCPRst = 0x04
	TCPPsh = 0x08
	TCPAck = 0x10
)

// Well-known ports.
const (
	PortISAKMP = 500
	PortNATT   = 4500
	PortSMB    = 445
	PortNBSS   = 139
)

// Message is one decoded frame. A Decoder fills the same Message for every
// frame: its byte slices point into the frame buffer (or the reassembly
// buffer) and are valid only until the next Decode.
type Message struct {
	Frame   int // 1-based frame number; for a reassembled datagram, its last fragment's
	Time    time.Time
	Link    layers.LinkType
	WireLen int
	// Layer is the capture.Frame's: where in the stack the packet was
	// logged (the wire, or an ETL file's WFP layer above IPsec).
	Layer capture.Layer
	// Dropped and DropReason are the capture.Frame's: pktmon logged the
	// packet as dropped, for that PKTMON drop reason.
	Dropped    bool
	DropReason uint32

	IPVersion uint8 // 4 or 6; 0 when the frame has no IP layer softsa decodes
	Src, Dst  netip.Addr
	Proto     layers.IPProtocol // transport protocol (6 TCP, 17 UDP, 50 ESP, …)
	IPID      uint32            // IPv4 identification or IPv6 fragment identification
	// Fragment is set on a fragment that did not complete its datagram:
	// nothing above IP is decoded for it. Reassembled is set when this frame
	// completed a datagram, whose transport layer is then decoded.
	// A first fragment (offset 0) also has its transport and application
	// decoded from the bytes it holds: AppData is then partial.
	Fragment    bool
	Reassembled bool

	SrcPort, DstPort uint16
	TCPFlags         uint8
	Seq, Ack         uint32
	Window           uint16
	// Payload is the transport payload: TCP or UDP data, or for raw ESP the
	// ESP packet from its SPI on.
	Payload []byte
	// PayloadLen is the TCP payload's length on the wire, which exceeds
	// len(Payload) when a snap length cut the frame; TCP sequence
	// arithmetic needs it.
	PayloadLen int

	App App
	// AppData is the application message: the ISAKMP message (without the
	// NAT-T marker), the ESP packet, or the TCP segment for SMB.
	AppData  []byte
	UDPEncap bool      // the IKE or ESP came over UDP 4500
	ESP      ESPHeader // for AppESP
	Echo     Echo      // for AppEcho

	// Err says why decoding stopped before the transport layer on a frame
	// that has an IP layer (a truncated or malformed header); nil otherwise.
	Err error
}

// TCP reports whether the frame carries a decoded TCP segment.
func (m *Message) TCP() bool { return m.Proto == layers.IPProtocolTCP && m.SrcPort|m.DstPort != 0 }

// UDP reports whether the frame carries a decoded UDP datagram.
func (m *Message) UDP() bool { return m.Proto == layers.IPProtocolUDP && m.SrcPort|m.DstPort != 0 }

// Decoder decodes frames into Messages: link layer, 802.1Q (stacked), PPPoE, IPv4 and
// IPv6 with fragment reassembly, TCP, UDP and ESP, with one preallocated
// gopacket DecodingLayerParser per first layer. It is not safe for concurrent
// use; give each goroutine its own.
type Decoder struct {
	eth     layers.Ethernet
	dot1q   layers.Dot1Q
	sll     layers.LinuxSLL
	sll2    layers.LinuxSLL2
	lo      layers.Loopback
	ip4     layers.IPv4
	ip6     layers.IPv6
	ip6ext  layers.IPv6ExtensionSkipper
	ip6frag layers.IPv6Fragment
	tcp     layers.TCP
	udp     layers.UDP
	ah      layers.IPSecAH
	esp     layers.IPSecESP
	pppoe   pppoeSession // PPPoE session and PPP protocol, one layer

	parsers [numFirst]*gopacket.DecodingLayerParser
	decoded []gopacket.LayerType
	defrag  defragger
	// parserOnly turns the fast path off, so that tests can compare it
	// with the parser path it must agree with.
	parserOnly bool
	// keeper, when set, copies each reassembled datagram somewhere that
	// outlives the next Decode, before its transport is decoded: a
	// ReadAhead hands out messages a batch at a time, and the
	// reassembly buffers are reused.
	keeper interface{ keep([]byte) []byte }
}

// NewDecoder returns a Decoder with its parsers built.
func NewDecoder() *Decoder {
	d := &Decoder{decoded: make([]gopacket.LayerType, 0, 16)}
	all := []gopacket.DecodingLayer{&d.eth, &d.dot1q, &d.sll, &d.sll2, &d.lo,
		&d.ip4, &d.ip6, &d.ip6ext, &d.ip6frag, &d.ah, &d.tcp, &d.udp, &d.esp, &d.pppoe}
	for i, first := range firstLayers {
		// The fragment layer is added after the extension skipper so that
		// it, not the skipper, handles the IPv6 fragment header.
		p := gopacket.NewDecodingLayerParser(first, all...)
		// A sparse array indexed by layer type instead of the default
		// map: the same layers, found without hashing at every layer of
		// every frame. The same Put order keeps the same winner for a
		// type two layers can decode.
		var sparse gopacket.DecodingLayerContainer = gopacket.DecodingLayerSparse(nil)
		for _, l := range all {
			sparse = sparse.Put(l)
		}
		p.SetDecodingLayerContainer(sparse)
		p.IgnoreUnsupported = true
		d.parsers[i] = p
	}
	return d
}

// DefragStats returns what IP reassembly has done so far.
func (d *Decoder) DefragStats() DefragStats { return d.defrag.stats }

// The layers a frame can start with, one parser each.
const (
	firstEthernet = iota
	firstSLL
	firstSLL2
	firstLoopback
	firstIPv4
	firstIPv6
	numFirst
	firstNone = -1
	// firstDot11: an 802.11 frame, walked to the IP datagram it carries
	// first (dot11.go).
	firstDot11 = -2
)

var firstLayers = [numFirst]gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeLinuxSLL,
	layers.LayerTypeLinuxSLL2, layers.LayerTypeLoopback, layers.LayerTypeIPv4, layers.LayerTypeIPv6}

// firstLayer picks the parser for a frame of link type lt.
func firstLayer(lt layers.LinkType, data []byte) int {
	switch lt {
	case layers.LinkTypeEthernet:
		return firstEthernet
	case layers.LinkTypeLinuxSLL:
		return firstSLL
	case layers.LinkTypeLinuxSLL2:
		return firstSLL2
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return firstLoopback
	case layers.LinkTypeIPv4:
		return firstIPv4
	case layers.LinkTypeIPv6:
		return firstIPv6
	case layers.LinkTypeIEEE802_11, layers.LinkTypeIEEE80211Radio, layers.LinkTypePrismHeader, linkTypeAVS:
		return firstDot11
	case layers.LinkTypeRaw, 12, 14: // DLT_RAW as some systems number it
		if len(data) > 0 && data[0]>>4 == 6 {
			return firstIPv6
		}
		return firstIPv4
	}
	return firstNone
}

// Decode decodes f into m, overwriting everything in m.
func (d *Decoder) Decode(f *capture.Frame, m *Message) {
	*m = Message{Frame: f.Number, Time: f.Time, Link: f.Link, WireLen: f.WireLen,
		Layer: f.Layer, Dropped: f.Dropped, DropReason: f.DropReason}
	if !d.parserOnly && d.fast(f, m) {
		return
	}
	data := f.Data
	first := firstLayer(f.Link, data)
	if first == firstDot11 {
		data, first = dot11IP(f.Link, data)
	}
	if first == firstNone {
		return
	}
	err := d.parsers[first].DecodeLayers(data, &d.decoded)
	var l4 []byte        // a reassembled datagram's transport bytes
	var ipPayload []byte // what follows the last IP header decoded (ICMP)
	for _, t := range d.decoded {
		switch t {
		case layers.LayerTypeIPv4:
			m.IPVersion, m.Proto, m.IPID = 4, d.ip4.Protocol, uint32(d.ip4.Id)
			ipPayload = d.ip4.Payload
			m.Src, _ = netip.AddrFromSlice(d.ip4.SrcIP)
			m.Dst, _ = netip.AddrFromSlice(d.ip4.DstIP)
			if d.ip4.Flags&layers.IPv4MoreFragments != 0 || d.ip4.FragOffset != 0 {
				k := defragKey{src: m.Src, dst: m.Dst, id: m.IPID, proto: uint8(m.Proto), layer: f.Layer}
				l4 = d.defrag.add(k, f.Time, int(d.ip4.FragOffset)*8, d.ip4.Flags&layers.IPv4MoreFragments != 0, d.ip4.Payload)
				m.Fragment = l4 == nil
				m.Reassembled = l4 != nil
			}
		case layers.LayerTypeIPv6:
			m.IPVersion, m.Proto = 6, d.ip6.NextHeader
			ipPayload = d.ip6.Payload
			m.Src, _ = netip.AddrFromSlice(d.ip6.SrcIP)
			m.Dst, _ = netip.AddrFromSlice(d.ip6.DstIP)
		case layers.LayerTypeIPv6Fragment:
			m.Proto, m.IPID = d.ip6frag.NextHeader, d.ip6frag.Identification
			if d.ip6frag.MoreFragments || d.ip6frag.FragmentOffset != 0 {
				k := defragKey{src: m.Src, dst: m.Dst, id: m.IPID, proto: uint8(m.Proto), layer: f.Layer}
				l4 = d.defrag.add(k, f.Time, int(d.ip6frag.FragmentOffset)*8, d.ip6frag.MoreFragments, d.ip6frag.Payload)
				m.Fragment = l4 == nil
				m.Reassembled = l4 != nil
			}
		case layers.LayerTypeIPv6HopByHop, layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6Destination:
			m.Proto, ipPayload = d.ip6ext.NextHeader, d.ip6ext.Payload
		case layers.LayerTypeIPSecAH:
			// AH authenticates but does not hide: what follows it is the
			// real transport (ESP in AH+ESP tunnels).
			m.Proto = d.ah.NextHeader
		case layers.LayerTypeTCP:
			d.fromTCP(m, f)
		case layers.LayerTypeUDP:
			d.fromUDP(m)
		case layers.LayerTypeIPSecESP:
			d.fromESP(m, d.esp.Contents)
		}
	}
	if l4 != nil {
		if d.keeper != nil {
			l4 = d.keeper.keep(l4)
		}
		d.decodeTransport(m, l4)
		return
	}
	if m.Fragment && d.firstFragment(m) {
		// The first fragment of a datagram not (yet) complete: decode what
		// it holds, as Wireshark does for a datagram that never completes,
		// so that an IKE message whose later fragments were lost is still
		// seen. Fragment stays set: consumers count the message once, when
		// it is reassembled.
		d.decodeTransport(m, d.fragPayload(m))
		return
	}
	if !m.Fragment && (m.Proto == layers.IPProtocolICMPv4 || m.Proto == layers.IPProtocolICMPv6) {
		fromICMP(m, ipPayload)
	}
	if err != nil && m.SrcPort == 0 && m.App == AppNone && !m.Fragment {
		// A layer failed before the transport (a truncated or malformed
		// IP header, say): say why nothing above it was decoded.
		m.Err = err
	}
}

func (d *Decoder) firstFragment(m *Message) bool {
	if m.IPVersion == 4 {
		return d.ip4.FragOffset == 0
	}
	return d.ip6frag.FragmentOffset == 0
}

func (d *Decoder) fragPayload(m *Message) []byte {
	if m.IPVersion == 4 {
		return d.ip4.Payload
	}
	return d.ip6frag.Payload
}

// decodeTransport decodes the transport layer of a reassembled datagram or
// of a first fragment.
func (d *Decoder) decodeTransport(m *Message, b []byte) {
	var err error
	switch m.Proto {
	case layers.IPProtocolUDP:
		if err = d.udp.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err == nil {
			d.fromUDP(m)
		}
	case layers.IPProtocolTCP:
		if err = d.tcp.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err == nil {
			d.fromTCP(m, nil)
		}
	case layers.IPProtocolESP:
		d.fromESP(m, b)
	case layers.IPProtocolICMPv4, layers.IPProtocolICMPv6:
		if !m.Fragment {
			fromICMP(m, b)
		}
	}
	m.Err = err
}

func (d *Decoder) fromTCP(m *Message, f *capture.Frame) {
	t := &d.tcp
	var fl uint8
	if t.FIN {
		fl |= TCPFin
	}
	if t.SYN {
		fl |= TCPSyn
	}
	if t.RST {
		fl |= TCPRst
	}
	if t.PSH {
		fl |= TCPPsh
	}
	if t.ACK {
		fl |= TCPAck
	}
	setTCP(m, f, uint16(t.SrcPort), uint16(t.DstPort), t.Seq, t.Ack, t.Window, fl, t.Payload)
}

// setTCP fills m from a decoded TCP header, for both decoding paths.
func setTCP(m *Message, f *capture.Frame, sport, dport uint16, seq, ack uint32, win uint16, flags uint8, payload []byte) {
	m.SrcPort, m.DstPort = sport, dport
	m.Seq, m.Ack, m.Window = seq, ack, win
	m.TCPFlags = flags
	m.Payload = payload
	m.PayloadLen = len(payload)
	if f != nil && f.WireLen > len(f.Data) {
		// Cut by the snap length: the segment was longer on the wire.
		m.PayloadLen += f.WireLen - len(f.Data)
	}
	if len(m.Payload) > 0 && (isPort(m, PortSMB) || isPort(m, PortNBSS)) {
		m.App, m.AppData = AppSMB, m.Payload
	}
}

func (d *Decoder) fromUDP(m *Message) {
	d.setUDP(m, uint16(d.udp.SrcPort), uint16(d.udp.DstPort), d.udp.Payload)
}

// setUDP fills m from a decoded UDP header, for both decoding paths.
func (d *Decoder) setUDP(m *Message, sport, dport uint16, payload []byte) {
	m.SrcPort, m.DstPort = sport, dport
	m.Payload = payload
	switch {
	case isPort(m, PortNATT):
		m.UDPEncap = true
		kind, inner := classifyNATT(m.Payload)
		switch kind {
		case nattKeepalive:
			m.App = AppNATKeepalive
		case nattIKE:
			m.App, m.AppData = AppISAKMP, inner
		case nattESP:
			d.fromESP(m, inner)
		}
	case isPort(m, PortISAKMP):
		m.App, m.AppData = AppISAKMP, m.Payload
	}
}

func (d *Decoder) fromESP(m *Message, b []byte) {
	h, err := parseESP(b)
	if err != nil {
		m.Err = err
		return
	}
	if m.Proto == layers.IPProtocolESP {
		m.Payload = b
	}
	m.App, m.AppData, m.ESP = AppESP, b, h
}

func isPort(m *Message, p uint16) bool { return m.SrcPort == p || m.DstPort == p }

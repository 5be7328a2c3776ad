package synth

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// mtu is the IP MTU of every link: Ethernet's 1500; a PPPoE session's is
// 8 bytes less (RFC 2516 §7: 1492).
const mtu = 1500

// frame is one captured packet.
type frame struct {
	t     time.Time
	iface int
	data  []byte
	order int // emission order: ties in time keep it, so sorting is stable
	src   netip.Addr
}

// capture collects the frames of all pairs; pairs are generated one after the
// other and merged by time at the end.
type capture struct {
	frames []frame
}

func (c *capture) add(t time.Time, iface int, src netip.Addr, data []byte) {
	// Microsecond timestamps everywhere: pcap stores no finer, and the
	// expected JSON must match the file exactly in both formats.
	c.frames = append(c.frames, frame{t: t.Truncate(time.Microsecond), iface: iface, data: data, order: len(c.frames), src: src})
}

// sorted returns the frames in capture order.
func (c *capture) sorted() []frame {
	out := slices.Clone(c.frames)
	slices.SortStableFunc(out, func(a, b frame) int {
		if n := a.t.Compare(b.t); n != 0 {
			return n
		}
		return cmp.Compare(a.order, b.order)
	})
	return out
}

// node is a host's run-time state, shared by every pair it is part of: the
// IPv4 identification counter is per host on Windows, and so are ephemeral
// ports.
type node struct {
	*Host
	mac   net.HardwareAddr
	ipID  uint16
	ports uint16
}

func newNode(h *Host, seed uint64) *node {
	a := h.Addr.As16()
	// A locally administered MAC derived from the address keeps hosts apart
	// and stable across runs.
	mac := net.HardwareAddr{0x02, 0x1a, a[12] ^ byte(seed), a[13], a[14], a[15]}
	return &node{Host: h, mac: mac, ipID: uint16(seed>>8) | 0x100, ports: 49152 + uint16(seed%2000)}
}

func (n *node) nextID() uint16 {
	n.ipID++
	return n.ipID
}

func (n *node) ephemeralPort() uint16 {
	n.ports++
	if n.ports < 49152 {
		n.ports = 49152
	}
	return n.ports
}

// wire frames IP packets of one pair for its capture interface.
type wire struct {
	cap   *capture
	iface int
	kind  LinkKind
	vlan  uint16
	pppoe uint16 // PPPoE session ID on Ethernet, 0 for none
	// addr rewrites a node's address on the wire (NAT: the capture sees the
	// inside address of the initiator and the real address of the responder).
	addr map[*node]netip.Addr
}

var serializeOpts = gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}

// srcAddr returns the address n has on this wire.
func (w *wire) srcAddr(n *node) netip.Addr {
	if a, ok := w.addr[n]; ok {
		return a
	}
	return n.Addr
}

// ipPacket builds an IP header for src → dst carrying proto.
func (w *wire) ipHeader(src, dst *node, proto layers.IPProtocol, df bool) gopacket.NetworkLayer {
	s, d := w.srcAddr(src), w.srcAddr(dst)
	if s.Is4() {
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 128, Id: src.nextID(), Protocol: proto,
			SrcIP: s.AsSlice(), DstIP: d.AsSlice()}
		if df {
			ip.Flags = layers.IPv4DontFragment
		}
		return ip
	}
	return &layers.IPv6{Version: 6, HopLimit: 128, NextHeader: proto, SrcIP: s.AsSlice(), DstIP: d.AsSlice()}
}

// send emits one IP packet src → dst at t: l4 (TCP, UDP or nil for a raw
// protocol) and payload. IPv4 datagrams larger than the MTU are fragmented
// as Windows does: in order, each fragment a multiple of 8 bytes, the last
// fragment last. It returns the number of frames written.
func (w *wire) send(t time.Time, src, dst *node, proto layers.IPProtocol, l4 gopacket.SerializableLayer, payload []byte, df bool) int {
	ip := w.ipHeader(src, dst, proto, df)
	if l4 != nil {
		if c, ok := l4.(interface {
			SetNetworkLayerForChecksum(gopacket.NetworkLayer) error
		}); ok {
			must(c.SetNetworkLayerForChecksum(ip))
		}
	}
	// Serialize the transport part alone first: its checksum covers the
	// whole datagram, which fragmentation then cuts.
	body := gopacket.NewSerializeBuffer()
	if l4 != nil {
		must(gopacket.SerializeLayers(body, serializeOpts, l4, gopacket.Payload(payload)))
	} else {
		must(gopacket.SerializeLayers(body, serializeOpts, gopacket.Payload(payload)))
	}
	data := body.Bytes()
	v4, isV4 := ip.(*layers.IPv4)
	mtu := mtu
	if w.pppoe != 0 {
		mtu -= pppoeLen
	}
	if !isV4 || 20+len(data) <= mtu {
		w.emit(t, src, dst, ip.(gopacket.SerializableLayer), data)
		return 1
	}
	if df {
		panic(fmt.Sprintf("synth: %d-byte datagram with DF set", 20+len(data)))
	}
	per := (mtu - 20) &^ 7
	n := 0
	for off := 0; off < len(data); off += per {
		end := min(off+per, len(data))
		frag := *v4
		frag.FragOffset = uint16(off / 8)
		if end < len(data) {
			frag.Flags |= layers.IPv4MoreFragments
		}
		// Fragments of one datagram leave back to back.
		w.emit(t.Add(time.Duration(n)*12*time.Microsecond), src, dst, &frag, data[off:end])
		n++
	}
	return n
}

// emit frames an IP header and its payload for the wire's link type.
func (w *wire) emit(t time.Time, src, dst *node, ip gopacket.SerializableLayer, payload []byte) {
	buf := gopacket.NewSerializeBuffer()
	etype := layers.EthernetTypeIPv4
	if _, ok := ip.(*layers.IPv6); ok {
		etype = layers.EthernetTypeIPv6
	}
	var ls []gopacket.SerializableLayer
	switch w.kind {
	case LinkEthernet:
		eth := &layers.Ethernet{SrcMAC: src.mac, DstMAC: dst.mac, EthernetType: etype}
		ls = append(ls, eth)
		if w.vlan != 0 {
			eth.EthernetType = layers.EthernetTypeDot1Q
			ls = append(ls, &layers.Dot1Q{VLANIdentifier: w.vlan, Type: etype})
		}
		if w.pppoe != 0 {
			// The innermost EtherType names the PPPoE session; PPP names IP.
			switch l := ls[len(ls)-1].(type) {
			case *layers.Ethernet:
				l.EthernetType = layers.EthernetTypePPPoESession
			case *layers.Dot1Q:
				l.Type = layers.EthernetTypePPPoESession
			}
			ls = append(ls, &pppoeHeader{session: w.pppoe, v6: etype == layers.EthernetTypeIPv6})
		}
	case LinkLinuxSLL:
		ls = append(ls, &sllHeader{addr: src.mac, etype: etype})
	}
	ls = append(ls, ip, gopacket.Payload(payload))
	must(gopacket.SerializeLayers(buf, serializeOpts, ls...))
	w.cap.add(t, w.iface, src.Addr, slices.Clone(buf.Bytes()))
}

// sllHeader is the 16-byte Linux cooked-capture header. gopacket decodes
// layers.LinuxSLL but cannot serialize it, so this writes the same fields.
// The capture is taken on a Linux box on a mirror port: every unicast frame
// is "to another host".
type sllHeader struct {
	addr  net.HardwareAddr
	etype layers.EthernetType
}

func (s *sllHeader) LayerType() gopacket.LayerType { return layers.LayerTypeLinuxSLL }

func (s *sllHeader) SerializeTo(b gopacket.SerializeBuffer, _ gopacket.SerializeOptions) error {
	h, err := b.PrependBytes(16)
	if err != nil {
		return err
	}
	clear(h)
	h[1] = byte(layers.LinuxSLLPacketTypeOtherhost)
	h[3] = 1 // ARPHRD_ETHER
	h[5] = byte(len(s.addr))
	copy(h[6:14], s.addr)
	h[14] = byte(s.etype >> 8)
	h[15] = byte(s.etype)
	return nil
}

// pppoeLen is the PPPoE session header (RFC 2516 §4: version/type, code,
// session ID, length) and the PPP protocol field after it.
const pppoeLen = 8

// pppoeHeader is a PPPoE session-stage header with its PPP protocol field
// (0x0021 IPv4, 0x0057 IPv6, RFC 1661 without address/control bytes, as
// RFC 2516 §7 requires). Its length counts the PPP protocol field and the
// packet behind it.
type pppoeHeader struct {
	session uint16
	v6      bool
}

func (p *pppoeHeader) LayerType() gopacket.LayerType { return layers.LayerTypePPPoE }

func (p *pppoeHeader) SerializeTo(b gopacket.SerializeBuffer, _ gopacket.SerializeOptions) error {
	n := len(b.Bytes()) + 2
	h, err := b.PrependBytes(pppoeLen)
	if err != nil {
		return err
	}
	proto := uint16(0x0021)
	if p.v6 {
		proto = 0x0057
	}
	h[0], h[1] = 0x11, 0 // version 1, type 1; code 0: session data
	binary.BigEndian.PutUint16(h[2:], p.session)
	binary.BigEndian.PutUint16(h[4:], uint16(n))
	binary.BigEndian.PutUint16(h[6:], proto)
	return nil
}

// must panics on an error that only a bug in the generator can cause.
func must(err error) {
	if err != nil {
		panic("synth: " + err.Error())
	}
}

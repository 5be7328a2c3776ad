package decoders

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"softsa/decoders/capture"
)

var t0 = time.Date(2009, 11, 20, 9, 0, 0, 0, time.UTC)

// buildFrame serialises layers with gopacket (correct lengths and checksums):
// these are hand-built fixtures for cases the public corpus lacks.
func buildFrame(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	for _, l := range ls {
		switch x := l.(type) {
		case *layers.UDP:
			x.SetNetworkLayerForChecksum(findIP(ls))
		case *layers.TCP:
			x.SetNetworkLayerForChecksum(findIP(ls))
		}
	}
	sb := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(sb, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), sb.Bytes()...)
}

func findIP(ls []gopacket.SerializableLayer) gopacket.NetworkLayer {
	for _, l := range ls {
		if n, ok := l.(gopacket.NetworkLayer); ok {
			return n
		}
	}
	return nil
}

var (
	macA = []byte{0, 0x15, 0x5d, 1, 1, 1}
	macB = []byte{0, 0x15, 0x5d, 2, 2, 2}
	ip4A = []byte{10, 1, 1, 1}
	ip4B = []byte{10, 2, 2, 2}
)

func eth(t layers.EthernetType) *layers.Ethernet {
	return &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: t}
}

func ipv4(p layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, TTL: 128, Id: 7, Protocol: p, SrcIP: ip4A, DstIP: ip4B}
}

// ikeHeader is a 28-byte ISAKMP header (RFC 2408 §3.1) with no payloads.
func ikeHeader() []byte {
	h := make([]byte, 28)
	copy(h, "\x01\x02\x03\x04\x05\x06\x07\x08")
	h[17], h[18] = 0x10, 2
	binary.BigEndian.PutUint32(h[24:], 28)
	return h
}

func TestDecodeTable(t *testing.T) {
	esp := append([]byte{0xa1, 0xb2, 0xc3, 0xd4, 0, 0, 0, 9}, make([]byte, 32)...)
	ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolUDP,
		SrcIP: netip.MustParseAddr("2001:db8::1").AsSlice(), DstIP: netip.MustParseAddr("2001:db8::2").AsSlice()}
	for _, tc := range []struct {
		name  string
		link  layers.LinkType
		data  []byte
		app   App
		sport uint16
		check func(*Message) bool
	}{
		{"ethernet/ipv4/udp500", layers.LinkTypeEthernet,
			buildFrame(t, eth(layers.EthernetTypeIPv4), ipv4(layers.IPProtocolUDP), &layers.UDP{SrcPort: 500, DstPort: 500}, gopacket.Payload(ikeHeader())),
			AppISAKMP, 500, func(m *Message) bool { return len(m.AppData) == 28 && m.Src == netip.AddrFrom4([4]byte(ip4A)) }},
		{"qinq/ipv4/udp500", layers.LinkTypeEthernet,
			buildFrame(t, eth(layers.EthernetTypeQinQ), &layers.Dot1Q{VLANIdentifier: 100, Type: layers.EthernetTypeDot1Q},
				&layers.Dot1Q{VLANIdentifier: 200, Type: layers.EthernetTypeIPv4}, ipv4(layers.IPProtocolUDP),
				&layers.UDP{SrcPort: 500, DstPort: 500}, gopacket.Payload(ikeHeader())),
			AppISAKMP, 500, nil},
		{"sll/ipv4/udp4500-ike", layers.LinkTypeLinuxSLL,
			// Linux cooked header (16 bytes: packet type, ARPHRD_ETHER, address length 6, address, protocol IPv4), hand-built.
			append([]byte{0, 0, 0, 1, 0, 6, 0, 0x15, 0x5d, 1, 1, 1, 0, 0, 0x08, 0x00}, buildFrame(t, ipv4(layers.IPProtocolUDP),
				&layers.UDP{SrcPort: 4500, DstPort: 4500}, gopacket.Payload(append([]byte{0, 0, 0, 0}, ikeHeader()...)))...),
			AppISAKMP, 4500, func(m *Message) bool { return m.UDPEncap && len(m.AppData) == 28 }},
		{"raw/ipv4/udp4500-keepalive", layers.LinkTypeRaw,
			buildFrame(t, ipv4(layers.IPProtocolUDP), &layers.UDP{SrcPort: 4500, DstPort: 4500}, gopacket.Payload{0xff}),
			AppNATKeepalive, 4500, nil},
		{"raw/ipv4/udp4500-esp", layers.LinkTypeRaw,
			buildFrame(t, ipv4(layers.IPProtocolUDP), &layers.UDP{SrcPort: 4500, DstPort: 4500}, gopacket.Payload(esp)),
			AppESP, 4500, func(m *Message) bool { return m.ESP == ESPHeader{SPI: 0xa1b2c3d4, Seq: 9} && m.UDPEncap }},
		{"ethernet/ipv4/esp", layers.LinkTypeEthernet,
			buildFrame(t, eth(layers.EthernetTypeIPv4), ipv4(layers.IPProtocolESP), gopacket.Payload(esp)),
			AppESP, 0, func(m *Message) bool { return m.ESP.SPI == 0xa1b2c3d4 && !m.UDPEncap && len(m.Payload) == len(esp) }},
		{"null/ipv6/udp500", layers.LinkTypeNull,
			buildFrame(t, &layers.Loopback{Family: layers.ProtocolFamilyIPv6BSD}, ip6, &layers.UDP{SrcPort: 500, DstPort: 500}, gopacket.Payload(ikeHeader())),
			AppISAKMP, 500, func(m *Message) bool { return m.IPVersion == 6 && m.Dst == netip.MustParseAddr("2001:db8::2") }},
		{"raw/ipv6/udp500", layers.LinkTypeRaw,
			buildFrame(t, ip6, &layers.UDP{SrcPort: 500, DstPort: 500}, gopacket.Payload(ikeHeader())),
			AppISAKMP, 500, nil},
		{"ethernet/ipv4/tcp445-syn", layers.LinkTypeEthernet,
			buildFrame(t, eth(layers.EthernetTypeIPv4), ipv4(layers.IPProtocolTCP), &layers.TCP{SrcPort: 49157, DstPort: 445, Seq: 1, SYN: true, Window: 8192}),
			AppNone, 49157, func(m *Message) bool { return m.TCPFlags == TCPSyn && m.TCP() && m.Seq == 1 }},
		{"ethernet/ipv4/tcp445-data", layers.LinkTypeEthernet,
			buildFrame(t, eth(layers.EthernetTypeIPv4), ipv4(layers.IPProtocolTCP), &layers.TCP{SrcPort: 445, DstPort: 49157, Seq: 5, Ack: 9, ACK: true, PSH: true, Window: 8192}, gopacket.Payload("\x00\x00\x00\x04\xfeSMB")),
			AppSMB, 445, func(m *Message) bool { return m.TCPFlags == TCPAck|TCPPsh && m.Ack == 9 }},
		{"ethernet/arp", layers.LinkTypeEthernet,
			buildFrame(t, eth(layers.EthernetTypeARP), &layers.ARP{AddrType: 1, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
				SourceHwAddress: macA, SourceProtAddress: ip4A, DstHwAddress: macB, DstProtAddress: ip4B}),
			AppNone, 0, func(m *Message) bool { return m.IPVersion == 0 && m.Err == nil }},
		{"ethernet/ipv4-truncated", layers.LinkTypeEthernet,
			buildFrame(t, eth(layers.EthernetTypeIPv4), ipv4(layers.IPProtocolUDP), &layers.UDP{SrcPort: 500, DstPort: 500}, gopacket.Payload(ikeHeader()))[:20],
			AppNone, 0, nil},
		{"unknown link", 147, []byte{1, 2, 3}, AppNone, 0, func(m *Message) bool { return m.IPVersion == 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder()
			var m Message
			d.Decode(&capture.Frame{Number: 3, Time: t0, Link: tc.link, Data: tc.data, WireLen: len(tc.data)}, &m)
			if m.App != tc.app || m.SrcPort != tc.sport || m.Frame != 3 {
				t.Errorf("app %v sport %d frame %d, want %v %d 3 (err %v)", m.App, m.SrcPort, m.Frame, tc.app, tc.sport, m.Err)
			}
			if tc.check != nil && !tc.check(&m) {
				t.Errorf("check failed: %+v", m)
			}
		})
	}
}

// fragments cuts an IKE message into IPv4 fragments of about size bytes.
func fragments(t testing.TB, id uint16, l4 []byte, size int) [][]byte {
	t.Helper()
	var out [][]byte
	for off := 0; off < len(l4); off += size {
		end := min(off+size, len(l4))
		ip := ipv4(layers.IPProtocolUDP)
		ip.Id, ip.FragOffset = id, uint16(off/8)
		if end < len(l4) {
			ip.Flags = layers.IPv4MoreFragments
		}
		out = append(out, buildFrame(t, eth(layers.EthernetTypeIPv4), ip, gopacket.Payload(l4[off:end])))
	}
	return out
}

func udpBytes(t testing.TB, payload []byte) []byte {
	t.Helper()
	u := &layers.UDP{SrcPort: 500, DstPort: 500}
	u.SetNetworkLayerForChecksum(ipv4(layers.IPProtocolUDP))
	sb := gopacket.NewSerializeBuffer()
	gopacket.SerializeLayers(sb, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, u, gopacket.Payload(payload))
	return append([]byte(nil), sb.Bytes()...)
}

func TestReassembly(t *testing.T) {
	msg := append(ikeHeader(), bytes.Repeat([]byte{0xab}, 3000)...)
	binary.BigEndian.PutUint32(msg[24:], uint32(len(msg)))
	frags := fragments(t, 42, udpBytes(t, msg), 1480)
	for _, order := range [][]int{{0, 1, 2}, {2, 0, 1}, {1, 2, 1, 0}} {
		d := NewDecoder()
		var m Message
		for i, k := range order {
			d.Decode(&capture.Frame{Number: i + 1, Time: t0, Link: layers.LinkTypeEthernet, Data: frags[k]}, &m)
			last := i == len(order)-1
			// A first fragment is decoded as far as it goes; later ones not.
			wantApp := AppNone
			if k == 0 {
				wantApp = AppISAKMP
			}
			if last != m.Reassembled || (!last && (!m.Fragment || m.App != wantApp)) {
				t.Fatalf("order %v step %d: reassembled %v fragment %v app %v", order, i, m.Reassembled, m.Fragment, m.App)
			}
		}
		if m.App != AppISAKMP || !bytes.Equal(m.AppData, msg) || m.Frame != len(order) {
			t.Errorf("order %v: reassembled app %v len %d frame %d", order, m.App, len(m.AppData), m.Frame)
		}
	}
}

// TestReassemblyBounded feeds 100,000 first fragments that never complete:
// the reassembler keeps a fixed number, expires the rest, and a complete
// datagram afterwards is still reassembled.
func TestReassemblyBounded(t *testing.T) {
	d := NewDecoder()
	var m Message
	l4 := udpBytes(t, make([]byte, 3000))
	first := fragments(t, 0, l4, 1480)[0]
	for i := 0; i < 100000; i++ {
		binary.BigEndian.PutUint16(first[14+4:], uint16(i)) // IP ID
		d.Decode(&capture.Frame{Number: i + 1, Time: t0.Add(time.Duration(i) * time.Millisecond), Link: layers.LinkTypeEthernet, Data: first}, &m)
	}
	st := d.DefragStats()
	if st.Expired < 100000-defragMaxDatagrams || st.Reassembled != 0 {
		t.Errorf("stats %+v", st)
	}
	for _, f := range fragments(t, 9999, l4, 1480) {
		d.Decode(&capture.Frame{Number: 1, Time: t0.Add(200 * time.Second), Link: layers.LinkTypeEthernet, Data: f}, &m)
	}
	if !m.Reassembled || m.App != AppISAKMP {
		t.Errorf("complete datagram after the flood: reassembled %v app %v", m.Reassembled, m.App)
	}
}

// FuzzDecode feeds arbitrary frames of every link type to the decoder.
func FuzzDecode(f *testing.F) {
	f.Add(uint16(layers.LinkTypeEthernet), buildFrame(f, eth(layers.EthernetTypeIPv4), ipv4(layers.IPProtocolUDP), &layers.UDP{SrcPort: 500, DstPort: 500}, gopacket.Payload(ikeHeader())))
	for _, fr := range fragments(f, 1, udpBytes(f, make([]byte, 2000)), 1000) {
		f.Add(uint16(layers.LinkTypeEthernet), fr)
	}
	f.Add(uint16(layers.LinkTypeRaw), []byte{0x60, 0, 0, 0, 0, 8, 44, 64})
	for _, c := range dot11Cases(f) {
		f.Add(uint16(layers.LinkTypeIEEE802_11), c.frame)
	}
	for _, c := range radiotapCases(f) {
		f.Add(uint16(layers.LinkTypeIEEE80211Radio), c.frame)
	}
	for _, lt := range []layers.LinkType{layers.LinkTypePrismHeader, linkTypeAVS} {
		for _, c := range prismCases(f, lt) {
			f.Add(uint16(lt), c.frame)
		}
	}
	d := NewDecoder()
	f.Fuzz(func(t *testing.T, link uint16, data []byte) {
		var m Message
		// Same decoder across inputs, as in a capture: reassembly state
		// carries over and must stay consistent.
		d.Decode(&capture.Frame{Number: 1, Time: t0, Link: layers.LinkType(link), Data: data}, &m)
		if m.App == AppESP && len(m.AppData) < 8 {
			t.Fatalf("ESP with %d bytes", len(m.AppData))
		}
	})
}

func benchFrame(b *testing.B, link layers.LinkType, data []byte) {
	d := NewDecoder()
	f := capture.Frame{Number: 1, Time: t0, Link: link, Data: data, WireLen: len(data)}
	var m Message
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		d.Decode(&f, &m)
	}
	if m.IPVersion == 0 {
		b.Fatal("frame not decoded")
	}
}

func BenchmarkDecodeIKE(b *testing.B) {
	benchFrame(b, layers.LinkTypeEthernet, buildFrame(b, eth(layers.EthernetTypeIPv4), ipv4(layers.IPProtocolUDP), &layers.UDP{SrcPort: 500, DstPort: 500}, gopacket.Payload(ikeHeader())))
}

func BenchmarkDecodeESP(b *testing.B) {
	esp := append([]byte{0xa1, 0xb2, 0xc3, 0xd4, 0, 0, 0, 9}, make([]byte, 1400)...)
	benchFrame(b, layers.LinkTypeEthernet, buildFrame(b, eth(layers.EthernetTypeIPv4), ipv4(layers.IPProtocolESP), gopacket.Payload(esp)))
}

func BenchmarkDecodeSMB2(b *testing.B) {
	seg := append([]byte("\x00\x00\x05\x74\xfeSMB"), make([]byte, 1390)...)
	benchFrame(b, layers.LinkTypeEthernet, buildFrame(b, eth(layers.EthernetTypeIPv4), ipv4(layers.IPProtocolTCP), &layers.TCP{SrcPort: 445, DstPort: 49157, Seq: 5, Ack: 9, ACK: true, Window: 8192}, gopacket.Payload(seg)))
}

package decoders

import (
	"errors"
	"net"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"softsa/decoders/capture"
)

func TestParseEcho(t *testing.T) {
	v4, v6 := layers.IPProtocolICMPv4, layers.IPProtocolICMPv6
	for _, tc := range []struct {
		name  string
		proto layers.IPProtocol
		in    []byte
		want  Echo
		err   error
	}{
		// RFC 792: type 8 request, 0 reply; identifier and sequence
		// number big-endian after the checksum.
		{"v4 request", v4, []byte{8, 0, 0xf7, 0xfe, 0, 1, 0, 9, 'a', 'b'}, Echo{ID: 1, Seq: 9}, nil},
		{"v4 reply", v4, []byte{0, 0, 0xff, 0xfe, 0x12, 0x34, 0xab, 0xcd}, Echo{Reply: true, ID: 0x1234, Seq: 0xabcd}, nil},
		// RFC 4443 §4: type 128 request, 129 reply.
		{"v6 request", v6, []byte{128, 0, 0, 0, 0, 2, 0, 3}, Echo{ID: 2, Seq: 3}, nil},
		{"v6 reply", v6, []byte{129, 0, 0, 0, 0, 2, 0, 3}, Echo{Reply: true, ID: 2, Seq: 3}, nil},
		{"v4 type on v6", v6, []byte{8, 0, 0, 0, 0, 2, 0, 3}, Echo{}, errNotEcho},
		{"v6 type on v4", v4, []byte{128, 0, 0, 0, 0, 2, 0, 3}, Echo{}, errNotEcho},
		{"unreachable", v4, []byte{3, 3, 0, 0, 0, 0, 0, 0}, Echo{}, errNotEcho},
		{"non-zero code", v4, []byte{8, 1, 0, 0, 0, 2, 0, 3}, Echo{}, errNotEcho},
		{"7 bytes", v4, []byte{8, 0, 0, 0, 0, 1, 0}, Echo{}, ErrTruncated},
		{"empty", v6, nil, Echo{}, ErrTruncated},
	} {
		e, err := parseEcho(tc.proto, tc.in)
		if e != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("%s: %+v %v, want %+v %v", tc.name, e, err, tc.want, tc.err)
		}
	}
}

// TestDecodeEcho: ping frames over IPv4 (fast path and parser path) and
// IPv6 come out as AppEcho with their identifier and sequence number; an
// ICMP error stays AppNone.
func TestDecodeEcho(t *testing.T) {
	ip6 := func() *layers.IPv6 {
		return &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolICMPv6,
			SrcIP: net.ParseIP("fe80::1"), DstIP: net.ParseIP("fe80::2")}
	}
	icmp6 := func(typ uint8) *layers.ICMPv6 {
		c := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(typ, 0)}
		return c
	}
	req6, rep6 := ip6(), ip6()
	c6, r6 := icmp6(layers.ICMPv6TypeEchoRequest), icmp6(layers.ICMPv6TypeEchoReply)
	c6.SetNetworkLayerForChecksum(req6)
	r6.SetNetworkLayerForChecksum(rep6)
	for _, tc := range []struct {
		name string
		data []byte
		app  App
		want Echo
	}{
		{"v4 request", buildFrame(t, eth(layers.EthernetTypeIPv4), ipv4(layers.IPProtocolICMPv4),
			&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: 0x0200, Seq: 77}, gopacket.Payload("abcdefgh")),
			AppEcho, Echo{ID: 0x0200, Seq: 77}},
		{"v4 reply", buildFrame(t, eth(layers.EthernetTypeIPv4), ipv4(layers.IPProtocolICMPv4),
			&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoReply, 0), Id: 0x0200, Seq: 77}, gopacket.Payload("abcdefgh")),
			AppEcho, Echo{Reply: true, ID: 0x0200, Seq: 77}},
		{"v4 unreachable", buildFrame(t, eth(layers.EthernetTypeIPv4), ipv4(layers.IPProtocolICMPv4),
			&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeDestinationUnreachable, 3)}, gopacket.Payload("abcdefgh")),
			AppNone, Echo{}},
		{"v6 request", buildFrame(t, eth(layers.EthernetTypeIPv6), req6, c6, &layers.ICMPv6Echo{Identifier: 5, SeqNumber: 6}),
			AppEcho, Echo{ID: 5, Seq: 6}},
		{"v6 reply", buildFrame(t, eth(layers.EthernetTypeIPv6), rep6, r6, &layers.ICMPv6Echo{Identifier: 5, SeqNumber: 6}),
			AppEcho, Echo{Reply: true, ID: 5, Seq: 6}},
	} {
		for _, parserOnly := range []bool{false, true} {
			d := NewDecoder()
			d.parserOnly = parserOnly
			var m Message
			d.Decode(&capture.Frame{Number: 1, Time: t0, Link: layers.LinkTypeEthernet, Data: tc.data, WireLen: len(tc.data)}, &m)
			if m.App != tc.app || m.Echo != tc.want || m.Err != nil {
				t.Errorf("%s (parser only %v): app %v echo %+v err %v, want %v %+v", tc.name, parserOnly, m.App, m.Echo, m.Err, tc.app, tc.want)
			}
		}
	}
}

func FuzzParseEcho(f *testing.F) {
	f.Add(uint8(1), []byte{8, 0, 0, 0, 0, 1, 0, 9})
	f.Add(uint8(58), []byte{129, 0, 0, 0, 0, 1, 0, 9})
	f.Add(uint8(1), []byte{3})
	f.Fuzz(func(t *testing.T, proto uint8, b []byte) {
		e, err := parseEcho(layers.IPProtocol(proto), b)
		if err != nil && e != (Echo{}) {
			t.Fatalf("%x: %+v with error %v", b, e, err)
		}
		if err == nil && (len(b) < 8 || b[1] != 0) {
			t.Fatalf("%x: accepted", b)
		}
	})
}

func BenchmarkParseEcho(b *testing.B) {
	pkt := make([]byte, 40)
	pkt[0] = 8
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseEcho(layers.IPProtocolICMPv4, pkt); err != nil {
			b.Fatal(err)
		}
	}
}

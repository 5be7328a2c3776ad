package decoders

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"softsa/decoders/capture"
	"softsa/internal/testenv"
)

// echoCapture writes ping frames of both families, an ICMP error and a
// ping over 802.1Q, for the comparison with tshark.
func echoCapture(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriter(&buf, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	add := func(data []byte) {
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: t0, CaptureLength: len(data), Length: len(data)}, data); err != nil {
			t.Fatal(err)
		}
	}
	for i, typ := range []uint8{layers.ICMPv4TypeEchoRequest, layers.ICMPv4TypeEchoReply, layers.ICMPv4TypeDestinationUnreachable} {
		add(buildFrame(t, eth(layers.EthernetTypeIPv4), ipv4(layers.IPProtocolICMPv4),
			&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, 0), Id: uint16(0x100 + i), Seq: uint16(3000 + i)}, gopacket.Payload("abcdefghijklmnop")))
	}
	vl := eth(layers.EthernetTypeDot1Q)
	add(buildFrame(t, vl, &layers.Dot1Q{VLANIdentifier: 12, Type: layers.EthernetTypeIPv4}, ipv4(layers.IPProtocolICMPv4),
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: 9, Seq: 65535}))
	for i, typ := range []uint8{layers.ICMPv6TypeEchoRequest, layers.ICMPv6TypeEchoReply} {
		ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolICMPv6, SrcIP: net.ParseIP("2001:db8::1"), DstIP: net.ParseIP("2001:db8::2")}
		c := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(typ, 0)}
		c.SetNetworkLayerForChecksum(ip)
		add(buildFrame(t, eth(layers.EthernetTypeIPv6), ip, c, &layers.ICMPv6Echo{Identifier: uint16(0x4242 + i), SeqNumber: uint16(7 + i)}, gopacket.Payload("abcd")))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "echo.pcapng")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestEchoMatchesTshark: over our ping frames and every corpus capture,
// the echo requests and replies softsa decodes are those tshark dissects,
// with the same identifier and sequence number.
func TestEchoMatchesTshark(t *testing.T) {
	testenv.Tool(t, "tshark")
	files := []string{echoCapture(t)}
	if dir, required := testenv.Corpus(); required || dirExists(dir) {
		files = append(files, testenv.CorpusFiles(t)...)
	}
	compared := 0
	for _, path := range files {
		out, err := testenv.Output(t, "tshark", "-r", path, "-n", "-T", "fields", "-E", "separator=|",
			"-E", "occurrence=f", "-Y", "icmp.type==0 || icmp.type==8 || icmpv6.type==128 || icmpv6.type==129",
			"-e", "frame.number", "-e", "icmp.type", "-e", "icmp.ident", "-e", "icmp.seq",
			"-e", "icmpv6.type", "-e", "icmpv6.echo.identifier", "-e", "icmpv6.echo.sequence_number")
		if err != nil && len(out) == 0 {
			continue // not a file tshark reads
		}
		want := map[int]string{}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			c := strings.Split(line, "|")
			if len(c) != 7 {
				continue
			}
			var n int
			fmt.Sscan(c[0], &n)
			if c[1] != "" {
				want[n] = echoString(c[1] == "0", c[2], c[3])
			} else {
				want[n] = echoString(c[4] == "129", c[5], c[6])
			}
		}
		got := map[int]string{}
		c, err := capture.Open(path)
		if err != nil {
			continue
		}
		d := NewDecoder()
		var f capture.Frame
		var m Message
		for c.Next(&f) == nil {
			d.Decode(&f, &m)
			if m.App == AppEcho {
				got[m.Frame] = echoString(m.Echo.Reply, fmt.Sprint(m.Echo.ID), fmt.Sprint(m.Echo.Seq))
			}
		}
		c.Close()
		for n, w := range want {
			compared++
			if got[n] != w {
				t.Errorf("%s frame %d: tshark %s, softsa %q", filepath.Base(path), n, w, got[n])
			}
		}
		for n, g := range got {
			if _, ok := want[n]; !ok {
				t.Errorf("%s frame %d: softsa %s, tshark sees no echo", filepath.Base(path), n, g)
			}
		}
	}
	if compared < 6 {
		t.Errorf("%d echo frames compared, want at least our 6", compared)
	}
	t.Logf("%d echo frames compared with tshark over %d captures", compared, len(files))
}

func echoString(reply bool, id, seq string) string {
	var i, s uint64
	fmt.Sscan(id, &i) // tshark prints icmp.ident in decimal, the ICMPv6 one too
	fmt.Sscan(seq, &s)
	return fmt.Sprintf("reply=%v id=%d seq=%d", reply, i, s)
}

func dirExists(dir string) bool {
	st, err := os.Stat(dir)
	return err == nil && st.IsDir()
}

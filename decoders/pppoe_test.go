package decoders

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"softsa/decoders/capture"
	"softsa/internal/testenv"
)

// pppoeFrame is Ethernet (optionally 802.1Q), a PPPoE session header and
// PPP protocol 0x0021, then the IPv4 datagram ls serialise to.
func pppoeFrame(t *testing.T, vlan bool, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	ip := buildFrame(t, ls...)
	hdr := []byte{0x11, 0, 0x12, 0x34, byte((len(ip) + 2) >> 8), byte(len(ip) + 2), 0, 0x21}
	var pre []gopacket.SerializableLayer
	if vlan {
		pre = append(pre, eth(layers.EthernetTypeDot1Q), &layers.Dot1Q{VLANIdentifier: 35, Type: layers.EthernetTypePPPoESession})
	} else {
		pre = append(pre, eth(layers.EthernetTypePPPoESession))
	}
	pre = append(pre, gopacket.Payload(append(hdr, ip...)))
	return buildFrame(t, pre...)
}

// TestPPPoE: ESP and IKE inside PPPoE, and inside PPPoE inside 802.1Q,
// decode as they do on plain Ethernet.
func TestPPPoE(t *testing.T) {
	esp := []gopacket.SerializableLayer{ipv4(layers.IPProtocolESP), gopacket.Payload([]byte{0xf4, 0xdc, 0x0a, 0xe5, 0, 0, 0, 7, 1, 2, 3, 4})}
	for _, vlan := range []bool{false, true} {
		data := pppoeFrame(t, vlan, esp...)
		d := NewDecoder()
		var m Message
		d.Decode(&capture.Frame{Number: 1, Time: t0, Link: layers.LinkTypeEthernet, Data: data, WireLen: len(data)}, &m)
		if m.App != AppESP || m.ESP.SPI != 0xf4dc0ae5 || m.ESP.Seq != 7 || m.IPVersion != 4 || m.Err != nil {
			t.Errorf("vlan %v: %+v", vlan, m)
		}
	}
	var p pppoeSession
	for _, tc := range []struct {
		name string
		in   []byte
		err  error
	}{
		{"discovery code", []byte{0x11, 0x09, 0, 0, 0, 2, 0, 0x21}, errNotPPPoESession},
		{"LCP", []byte{0x11, 0, 0, 1, 0, 2, 0xc0, 0x21}, errNotPPPoESession},
		{"short", []byte{0x11, 0, 0, 1, 0}, ErrTruncated},
		{"length 0", []byte{0x11, 0, 0, 1, 0, 0, 0, 0x21}, ErrTruncated},
	} {
		if err := p.DecodeFromBytes(tc.in, gopacket.NilDecodeFeedback); !errors.Is(err, tc.err) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
		}
	}
}

func FuzzPPPoE(f *testing.F) {
	f.Add([]byte{0x11, 0, 0x12, 0x34, 0, 22, 0, 0x21, 0x45})
	f.Fuzz(func(t *testing.T, b []byte) {
		var p pppoeSession
		if err := p.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err == nil && len(p.Payload) > len(b) {
			t.Fatalf("%x: payload longer than the input", b)
		}
	})
}

func BenchmarkPPPoE(b *testing.B) {
	pkt := append([]byte{0x11, 0, 0x12, 0x34, 0x05, 0xd6, 0, 0x21}, make([]byte, 1490)...)
	var p pppoeSession
	b.ReportAllocs()
	for b.Loop() {
		if err := p.DecodeFromBytes(pkt, gopacket.NilDecodeFeedback); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPPPoEMatchesTshark: tshark dissects our PPPoE frames (plain and in
// 802.1Q) down to the same ESP SPI and sequence number.
func TestPPPoEMatchesTshark(t *testing.T) {
	testenv.Tool(t, "tshark")
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriter(&buf, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	for i, vlan := range []bool{false, true} {
		d := pppoeFrame(t, vlan, ipv4(layers.IPProtocolESP), gopacket.Payload([]byte{0xf4, 0xdc, 0x0a, 0xe5, 0, 0, 0, byte(7 + i), 1, 2, 3, 4}))
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: t0, CaptureLength: len(d), Length: len(d)}, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "pppoe.pcapng")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := testenv.Run(t, "tshark", "-r", path, "-n", "-T", "fields", "-e", "esp.spi", "-e", "esp.sequence")
	want := strings.Fields(string(out))
	c, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d := NewDecoder()
	var got []string
	var f capture.Frame
	var m Message
	for c.Next(&f) == nil {
		d.Decode(&f, &m)
		got = append(got, fmt.Sprintf("0x%08x", m.ESP.SPI), fmt.Sprint(m.ESP.Seq))
	}
	if !slices.Equal(got, want) {
		t.Errorf("softsa %v, tshark %v", got, want)
	}
}

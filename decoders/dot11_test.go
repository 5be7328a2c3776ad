package decoders

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"softsa/decoders/capture"
	"softsa/internal/testenv"
)

// dot11Case is an 802.11 frame and whether softsa, like Wireshark, finds
// an IP datagram in it.
type dot11Case struct {
	name  string
	frame []byte // from the 802.11 header on
	ip    bool
}

// snap is the LLC/SNAP header of RFC 1042 before an EtherType.
func snap(oui byte, et layers.EthernetType) []byte {
	return []byte{0xaa, 0xaa, 0x03, 0, 0, oui, byte(et >> 8), byte(et)}
}

// dot11 builds an 802.11 frame: frame control fc0 (type and subtype) and
// fc1 (flags), three addresses and a sequence control with fragment
// number frag, a fourth address when fc1 says To DS and From DS, the QoS
// control qos for a QoS subtype and an HT control when fc1 says +HTC, then
// body.
func dot11(fc0, fc1 byte, frag uint16, qos byte, body ...[]byte) []byte {
	b := []byte{fc0, fc1, 0x2c, 0}
	b = append(b, 0x02, 0, 0, 0, 0, 1) // receiver
	b = append(b, 0x02, 0, 0, 0, 0, 2) // transmitter
	b = append(b, 0x02, 0, 0, 0, 0, 3) // BSSID or destination
	b = binary.LittleEndian.AppendUint16(b, 0x120<<4|frag)
	if fc1&0x03 == 0x03 {
		b = append(b, 0x02, 0, 0, 0, 0, 4)
	}
	if fc0&0x80 != 0 && fc0&0x0c == 0x08 {
		b = append(b, qos, 0)
		if fc1&0x80 != 0 {
			b = append(b, 0, 0, 0, 0)
		}
	}
	for _, x := range body {
		b = append(b, x...)
	}
	return b
}

// ikeDatagram is an IPv4 or IPv6 UDP 500 datagram carrying an ISAKMP
// header whose initiator SPI ends in spi.
func ikeDatagram(t testing.TB, v6 bool, spi byte) []byte {
	ike := ikeHeader()
	ike[7] = spi
	udp := &layers.UDP{SrcPort: 500, DstPort: 500}
	if v6 {
		ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolUDP,
			SrcIP: netip.MustParseAddr("2001:db8::1").AsSlice(), DstIP: netip.MustParseAddr("2001:db8::2").AsSlice()}
		return buildFrame(t, ip, udp, gopacket.Payload(ike))
	}
	ip := ipv4(layers.IPProtocolUDP)
	ip.DstIP = []byte{10, 2, 2, spi}
	return buildFrame(t, ip, udp, gopacket.Payload(ike))
}

// dot11Cases are the shapes of 802.11 frames a Wi-Fi capture holds.
func dot11Cases(t testing.TB) []dot11Case {
	v4 := func(spi byte) []byte { return append(snap(0, layers.EthernetTypeIPv4), ikeDatagram(t, false, spi)...) }
	v6 := append(snap(0, layers.EthernetTypeIPv6), ikeDatagram(t, true, 0x66)...)
	return []dot11Case{
		{"data to the AP", dot11(0x08, 0x01, 0, 0, v4(1)), true},
		{"data from the AP", dot11(0x08, 0x02, 0, 0, v4(2)), true},
		{"QoS data", dot11(0x88, 0x01, 0, 5, v4(3)), true},
		{"QoS data, four addresses", dot11(0x88, 0x03, 0, 5, v4(4)), true},
		{"QoS data with HT control", dot11(0x88, 0x81, 0, 0, v4(5)), true},
		{"QoS data, IPv6", dot11(0x88, 0x02, 0, 0, v6), true},
		{"bridge tunnel SNAP", dot11(0x08, 0x01, 0, 0, append(snap(0xf8, layers.EthernetTypeIPv4), ikeDatagram(t, false, 6)...)), true},
		{"protected", dot11(0x88, 0x41, 0, 0, v4(7)), false},
		{"null data", dot11(0x48, 0x11, 0, 0), false},
		{"QoS null", dot11(0xc8, 0x11, 0, 0), false},
		{"first fragment", dot11(0x08, 0x05, 0, 0, v4(8)), false},
		{"a later fragment, its first missing", dot11(0x08, 0x01, 3, 0, v4(9)), false},
		{"ARP", dot11(0x08, 0x01, 0, 0, snap(0, layers.EthernetTypeARP), make([]byte, 28)), false},
		{"other OUI", dot11(0x08, 0x01, 0, 0, []byte{0xaa, 0xaa, 0x03, 0, 0x40, 0x96, 0, 0}, ikeDatagram(t, false, 10)), false},
		{"beacon", append([]byte{0x80, 0}, make([]byte, 40)...), false},
		{"ACK", []byte{0xd4, 0, 0, 0, 2, 0, 0, 0, 0, 1}, false},
		{"version 1", dot11(0x09, 0x01, 0, 0, v4(11)), false},
		{"cut in the QoS control", dot11(0x88, 0x01, 0, 0)[:25], false},
		{"cut in the SNAP header", dot11(0x08, 0x01, 0, 0, v4(12))[:30], false},
	}
}

// radiotapHeader builds a radiotap header with the present words and the
// fields (already aligned) given.
func radiotapHeader(present []uint32, fields []byte) []byte {
	n := 4 + 4*len(present) + len(fields)
	b := []byte{0, 0, byte(n), byte(n >> 8)}
	for _, p := range present {
		b = binary.LittleEndian.AppendUint32(b, p)
	}
	return append(b, fields...)
}

// radiotapCases wraps frames in the radiotap headers capture tools write.
func radiotapCases(t testing.TB) []dot11Case {
	v4 := func(spi byte) []byte { return append(snap(0, layers.EthernetTypeIPv4), ikeDatagram(t, false, spi)...) }
	fcs := []byte{0xde, 0xad, 0xbe, 0xef}
	var out []dot11Case
	add := func(name string, hdr []byte, c dot11Case) {
		out = append(out, dot11Case{name + ", " + c.name, append(append([]byte(nil), hdr...), c.frame...), c.ip})
	}
	for _, c := range dot11Cases(t) {
		add("no fields", radiotapHeader([]uint32{0}, nil), c)
	}
	qos := dot11Case{"QoS data", dot11(0x88, 0x01, 0, 0, v4(0x21)), true}
	add("flags", radiotapHeader([]uint32{1 << 1}, []byte{0, 0, 0, 0}), qos)
	// TSFT (aligned to 8 after the present word), flags saying FCS, rate,
	// and 4 bytes of FCS at the end.
	add("TSFT and FCS", radiotapHeader([]uint32{1<<0 | 1<<1 | 1<<2}, []byte{0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, radiotapFlagFCS, 2}),
		dot11Case{qos.name, append(dot11(0x88, 0x01, 0, 0, v4(0x22)), fcs...), true})
	// A second present word (bit 31), then the flags.
	add("extended bitmap", radiotapHeader([]uint32{1<<1 | 1<<31, 0}, []byte{0, 0, 0, 0}),
		dot11Case{"data", dot11(0x08, 0x01, 0, 0, v4(0x23)), true})
	// Data padding: the 26-byte QoS header padded to 28.
	padded := dot11(0x88, 0x01, 0, 0)
	padded = append(append(padded, 0, 0), v4(0x24)...)
	// Two present words end at 12: TSFT is aligned to 16, and the flags
	// after it say FCS and padding.
	add("extended bitmap and TSFT", radiotapHeader([]uint32{1<<0 | 1<<1 | 1<<31, 0},
		[]byte{0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, radiotapFlagFCS | radiotapFlagDataPad, 0, 0, 0}),
		dot11Case{qos.name + ", padded", append(append([]byte(nil), padded...), fcs...), true})
	add("data pad", radiotapHeader([]uint32{1 << 1}, []byte{radiotapFlagDataPad, 0, 0, 0}), dot11Case{"QoS data", padded, true})
	// A header claiming more than the frame holds.
	long := radiotapHeader([]uint32{0}, nil)
	long[2] = 0xff
	add("too long", long, dot11Case{"data", dot11(0x08, 0x01, 0, 0, v4(0x25))[:20], false})
	return out
}

// prismCases wraps frames in Prism and AVS headers (link types 119 and
// 163): a Prism header of 144 bytes, an AVS v1 header of 64, and an AVS
// header where a Prism one is expected, as Linux gives them.
func prismCases(t testing.TB, lt layers.LinkType) []dot11Case {
	prism := make([]byte, prismHeaderLen)
	binary.LittleEndian.PutUint32(prism[0:4], 0x41) // msgcode, as wlan-ng writes it
	binary.LittleEndian.PutUint32(prism[4:8], prismHeaderLen)
	copy(prism[8:], "wlan0")
	avs := make([]byte, 64)
	binary.BigEndian.PutUint32(avs[0:4], 0x80211001)
	binary.BigEndian.PutUint32(avs[4:8], 64)
	hdrs := []struct {
		name string
		hdr  []byte
	}{{"AVS", avs}}
	if lt == layers.LinkTypePrismHeader {
		hdrs = append(hdrs, struct {
			name string
			hdr  []byte
		}{"Prism", prism})
	}
	var out []dot11Case
	for _, h := range hdrs {
		for _, c := range dot11Cases(t)[:8] {
			out = append(out, dot11Case{h.name + ", " + c.name, append(append([]byte(nil), h.hdr...), c.frame...), c.ip})
		}
		out = append(out, dot11Case{h.name + " cut", h.hdr[:len(h.hdr)-1], false})
	}
	return out
}

// allDot11Cases are the frames of every 802.11 link type.
func allDot11Cases(t testing.TB) map[layers.LinkType][]dot11Case {
	return map[layers.LinkType][]dot11Case{
		layers.LinkTypeIEEE802_11: dot11Cases(t), layers.LinkTypeIEEE80211Radio: radiotapCases(t),
		layers.LinkTypePrismHeader: prismCases(t, layers.LinkTypePrismHeader), linkTypeAVS: prismCases(t, linkTypeAVS),
	}
}

// dot11Decoded describes what softsa decoded of a frame as tshark prints
// ip.src, ip.dst, ipv6.src, ipv6.dst and isakmp.ispi.
func dot11Decoded(m *Message) string {
	var src4, dst4, src6, dst6, spi string
	switch m.IPVersion {
	case 4:
		src4, dst4 = m.Src.String(), m.Dst.String()
	case 6:
		src6, dst6 = m.Src.String(), m.Dst.String()
	}
	if m.App == AppISAKMP && len(m.AppData) >= 8 {
		spi = hex.EncodeToString(m.AppData[:8])
	}
	return strings.Join([]string{src4, dst4, src6, dst6, spi}, "\t")
}

func TestDot11(t *testing.T) {
	d := NewDecoder()
	var m Message
	for link, cases := range allDot11Cases(t) {
		for _, c := range cases {
			d.Decode(&capture.Frame{Number: 1, Time: t0, Link: link, Data: c.frame, WireLen: len(c.frame)}, &m)
			if got := m.IPVersion != 0; got != c.ip {
				t.Errorf("link %d, %s: IP decoded %v, want %v", link, c.name, got, c.ip)
			}
			if c.ip && (m.App != AppISAKMP || m.SrcPort != 500 || m.Err != nil) {
				t.Errorf("link %d, %s: %s app %v port %d err %v, want the IKE message", link, c.name, dot11Decoded(&m), m.App, m.SrcPort, m.Err)
			}
		}
	}
}

// TestDot11MatchesTshark writes the 802.11 and radiotap frames to pcap files
// and compares, frame by frame, the addresses and ISAKMP SPI softsa decodes
// with what tshark dissects.
func TestDot11MatchesTshark(t *testing.T) {
	dir := t.TempDir()
	for link, cases := range allDot11Cases(t) {
		path := filepath.Join(dir, fmt.Sprintf("link%d.pcap", link))
		if err := os.WriteFile(path, dot11Pcap(t, link, cases), 0o644); err != nil {
			t.Fatal(err)
		}
		out := testenv.Run(t, "tshark", "-r", path, "-T", "fields",
			"-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "isakmp.ispi")
		want := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
		c, err := capture.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		d := NewDecoder()
		var f capture.Frame
		var m Message
		for i := 0; c.Next(&f) == nil; i++ {
			d.Decode(&f, &m)
			if i >= len(want) {
				t.Fatalf("link %d: tshark shows %d frames, softsa more", link, len(want))
			}
			if got := dot11Decoded(&m); got != want[i] {
				t.Errorf("link %d, %s: softsa %q, tshark %q", link, cases[i].name, got, want[i])
			}
		}
		c.Close()
	}
}

// TestDot11NoAlloc: walking the 802.11 and radiotap headers allocates
// nothing, whatever the frame.
func TestDot11NoAlloc(t *testing.T) {
	d := NewDecoder()
	var m Message
	cases := append(dot11Cases(t), radiotapCases(t)...)
	link := func(i int) layers.LinkType {
		if i < len(dot11Cases(t)) {
			return layers.LinkTypeIEEE802_11
		}
		return layers.LinkTypeIEEE80211Radio
	}
	frames := make([]capture.Frame, len(cases))
	for i, c := range cases {
		frames[i] = capture.Frame{Number: 1, Time: t0, Link: link(i), Data: c.frame, WireLen: len(c.frame)}
	}
	if n := testing.AllocsPerRun(100, func() {
		for i := range frames {
			d.Decode(&frames[i], &m)
		}
	}); n != 0 {
		t.Errorf("%v allocations per run of %d frames", n, len(frames))
	}
}

func BenchmarkDecodeDot11(b *testing.B) {
	c := radiotapCases(b)
	benchFrame(b, layers.LinkTypeIEEE80211Radio, c[len(c)-2].frame)
}

// wifiFrom turns an Ethernet frame carrying IPv4 or IPv6 into the 802.11
// data frame an access point would have sent it as, in one of the shapes
// of dot11Cases and radiotapCases chosen by i; false for another EtherType.
func wifiFrom(eth []byte, i int) ([]byte, layers.LinkType, bool) {
	if len(eth) < 14 {
		return nil, 0, false
	}
	et := layers.EthernetType(binary.BigEndian.Uint16(eth[12:14]))
	if et != layers.EthernetTypeIPv4 && et != layers.EthernetTypeIPv6 {
		return nil, 0, false
	}
	body := append(snap(0, et), eth[14:]...)
	switch i % 4 {
	case 0:
		return dot11(0x08, 0x02, 0, 0, body), layers.LinkTypeIEEE802_11, true
	case 1:
		return dot11(0x88, 0x01, 0, 6, body), layers.LinkTypeIEEE802_11, true
	case 2:
		return dot11(0x88, 0x83, 0, 6, body), layers.LinkTypeIEEE802_11, true
	}
	hdr := radiotapHeader([]uint32{1<<0 | 1<<1 | 1<<2}, []byte{0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, radiotapFlagFCS, 2})
	f := append(hdr, dot11(0x88, 0x01, 0, 6, body)...)
	return append(f, 0xde, 0xad, 0xbe, 0xef), layers.LinkTypeIEEE80211Radio, true
}

// TestDot11LikeEthernet sends every frame of the samples as 802.11 frames
// would carry it: each decodes to the same message as over Ethernet,
// reassembly included.
func TestDot11LikeEthernet(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testenv.ModuleRoot(), "samples", "*.pcap*"))
	if len(files) == 0 {
		t.Fatal("no samples")
	}
	frames := 0
	for _, path := range files {
		de, dw := NewDecoder(), NewDecoder()
		var me, mw Message
		captureFrames(t, path, func(f *capture.Frame) {
			if f.Link != layers.LinkTypeEthernet {
				return
			}
			w, link, ok := wifiFrom(f.Data, f.Number)
			if !ok {
				return
			}
			de.Decode(f, &me)
			g := *f
			g.Data, g.Link, g.WireLen = w, link, f.WireLen+len(w)-len(f.Data)
			dw.Decode(&g, &mw)
			mw.Link, mw.WireLen = me.Link, me.WireLen
			if !reflect.DeepEqual(me, mw) {
				t.Fatalf("%s frame %d as 802.11 (link %d):\n%+v\nover Ethernet:\n%+v", filepath.Base(path), f.Number, link, mw, me)
			}
			frames++
		})
	}
	if frames == 0 {
		t.Fatal("no Ethernet frames in the samples")
	}
	t.Logf("%d frames", frames)
}

// dot11Pcap is a pcap file of link type lt holding the frames of cases.
func dot11Pcap(t testing.TB, lt layers.LinkType, cases []dot11Case) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(65535, lt); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(c.frame), Length: len(c.frame)}
		if err := w.WritePacket(ci, c.frame); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

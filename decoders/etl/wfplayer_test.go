package etl_test

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"softsa/decoders/etl"
	"softsa/decoders/etl/etltest"
)

// tcpPacket returns an IPv4 or IPv6 packet carrying a TCP segment with n
// bytes of payload, as gopacket serializes it (checksums computed).
func tcpPacket(t *testing.T, src, dst string, n int) []byte {
	t.Helper()
	s, d := netip.MustParseAddr(src), netip.MustParseAddr(dst)
	tcp := &layers.TCP{SrcPort: 49152, DstPort: 445, Seq: 7, ACK: true, PSH: true, Window: 8192}
	var ip gopacket.SerializableLayer
	if s.Is4() {
		ip4 := &layers.IPv4{Version: 4, IHL: 5, TTL: 128, Protocol: layers.IPProtocolTCP, SrcIP: s.AsSlice(), DstIP: d.AsSlice()}
		_ = tcp.SetNetworkLayerForChecksum(ip4)
		ip = ip4
	} else {
		ip6 := &layers.IPv6{Version: 6, HopLimit: 128, NextHeader: layers.IPProtocolTCP, SrcIP: s.AsSlice(), DstIP: d.AsSlice()}
		_ = tcp.SetNetworkLayerForChecksum(ip6)
		ip = ip6
	}
	payload := bytes.Repeat([]byte{0xAB}, n)
	b := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(b, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip, tcp, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestWFP reads the WFP capture provider's packets: IPv4 and IPv6
// transport messages with and without flow context, one in fragments of
// event 2000 interleaved with another's, direction from the keywords. Each
// becomes a raw IP packet, at the WFP layer, equal to the packet it was
// taken from (the IP header softsa writes is the one gopacket writes, TTL
// 128 and ID 0, checksum and all).
func TestWFP(t *testing.T) {
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	p4 := tcpPacket(t, "10.0.0.1", "10.0.0.2", 100)
	p6 := tcpPacket(t, "fd00::1", "fd00::2", 50)
	big := tcpPacket(t, "10.0.0.2", "10.0.0.1", 3000)
	big6 := tcpPacket(t, "fd00::2", "fd00::1", 2000)
	w := func(p []byte, flow bool) etltest.WFP {
		m, ok := etltest.FromIP(p)
		if !ok {
			t.Fatal("FromIP")
		}
		m.Flow = flow
		return m
	}
	fa := w(big, false).Fragments(at(3), true, 0x77, 3)
	fb := w(big6, true).Fragments(at(4), false, 0x78, 2)
	events := []etltest.Event{
		w(p4, false).Event(at(1), false),
		w(p6, true).Event(at(2), true),
		fa[0], fb[0], fa[1], fa[2], fb[1],
		w(p4, true).Event(at(5), true),
		{Time: at(6), Provider: etl.ProviderWFPCapture, ID: 10001, User: []byte{'d', 0, 0, 0, 1, 0, 0, 0}},
	}
	r := open(t, etltest.Write(file(), []etltest.Buffer{{Events: events}}))
	frames, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	st := r.Stats()
	if len(frames) != 5 || st.Packets != 5 || st.WFPFrames != 5 || st.Frames != 5 || st.OtherPacketEvents != 1 || st.Incomplete != 0 || len(r.Warnings()) != 0 {
		t.Fatalf("%d frames, stats %+v, warnings %q", len(frames), st, r.Warnings())
	}
	for i, want := range []struct {
		data    []byte
		out, in bool
		ms      int
	}{{p4, true, false, 1}, {p6, false, true, 2}, {big, false, true, 3}, {big6, true, false, 4}, {p4, false, true, 5}} {
		fr := frames[i]
		if !bytes.Equal(fr.Data, want.data) || fr.WireLen != len(want.data) || fr.Link != layers.LinkTypeRaw || fr.Layer != etl.LayerWFP ||
			fr.Outbound != want.out || fr.Inbound != want.in || !fr.Time.Equal(at(want.ms)) {
			t.Errorf("frame %d: % x\n(%d of %d bytes, %v, %v, out %v in %v at %v)\nwant % x", i+1, fr.Data, len(fr.Data), fr.WireLen, fr.Link, fr.Layer, fr.Outbound, fr.Inbound, fr.Time, want.data)
		}
	}
}

// TestWFPBroken: fragments without a start, a start without an end, a
// length past the event and a fragment of an unknown event are counted or
// cost their buffer with a warning, and the packets after them still come.
func TestWFPBroken(t *testing.T) {
	p := tcpPacket(t, "10.0.0.1", "10.0.0.2", 40)
	m, _ := etltest.FromIP(p)
	frags := m.Fragments(t0, true, 5, 3)
	orphan := m.Fragments(t0, true, 6, 3)[1:] // no start: both pieces dropped
	cut := m.Event(t0, true)
	cut.User = cut.User[:len(cut.User)-1]
	binary.LittleEndian.PutUint16(cut.User[9:], 0x8000) // payload length past the end: kept as far as logged
	bad := m.Fragments(t0, true, 7, 2)[0]
	binary.LittleEndian.PutUint32(bad.User[6:], 1<<20)
	unknown := m.Fragments(t0, true, 8, 2)[0]
	binary.LittleEndian.PutUint16(unknown.User, 60031)
	good := m.Event(t0.Add(time.Second), true)
	r := open(t, etltest.Write(file(), []etltest.Buffer{
		{Events: append(append([]etltest.Event{frags[0], frags[1]}, orphan...), frags[0], frags[1], frags[2], cut)},
		{Events: []etltest.Event{bad, good}},     // damage: good is lost with the rest of the buffer
		{Events: []etltest.Event{unknown, good}}, // the same
		{Events: []etltest.Event{good}},
	}))
	frames, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	st := r.Stats()
	w := strings.Join(r.Warnings(), "\n")
	// frags 0,1 then a new start of group 5: one incomplete; the two
	// orphan pieces: two more.
	if len(frames) != 3 || st.Incomplete != 3 || st.DamagedBuffers != 2 || !strings.Contains(w, "WFP event 2000") ||
		!strings.Contains(w, "fragment length past") || !strings.Contains(w, "unknown packet event") {
		t.Fatalf("%d frames, stats %+v, warnings %s", len(frames), st, w)
	}
	if !bytes.Equal(frames[0].Data, p) || len(frames[1].Data) != len(p)-1 || frames[1].WireLen != 20+0x8000 {
		t.Errorf("joined %d bytes, cut %d of %d", len(frames[0].Data), len(frames[1].Data), frames[1].WireLen)
	}
	if !bytes.Equal(frames[2].Data, p) || !frames[2].Time.Equal(t0.Add(time.Second)) {
		t.Errorf("last frame %d bytes at %v", len(frames[2].Data), frames[2].Time)
	}
}

// TestWFPEndlessFragments: fragments of one packet without PacketEnd are
// cut at the packet bound, with a warning, in bounded memory.
func TestWFPEndlessFragments(t *testing.T) {
	p := tcpPacket(t, "10.0.0.1", "10.0.0.2", 1000)
	m, _ := etltest.FromIP(p)
	start := m.Fragments(t0, true, 9, 2)[0]
	mid := start
	mid.Keyword = etltest.KwWFPIn
	var evs []etltest.Event
	evs = append(evs, start)
	for range 800 {
		evs = append(evs, mid)
	}
	r := open(t, etltest.Write(file(), []etltest.Buffer{{Events: evs}, {Events: []etltest.Event{m.Event(t0.Add(time.Second), true)}}}))
	frames, err := readAll(t, r)
	w := r.Warnings()
	if err != nil || len(frames) != 1 || len(w) != 1 || !strings.Contains(w[0], "WFP packet fragments without PacketEnd") {
		t.Errorf("%d frames, %v, warnings %q", len(frames), err, w)
	}
}

package etl_test

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"softsa/decoders/etl"
	"softsa/decoders/etl/etltest"
	"softsa/decoders/internal/worstcase"
)

// ipv4 returns an Ethernet frame (or, raw, the IPv4 packet alone) whose IP
// total length says total while n bytes were captured.
func ipv4(raw bool, total, n int, id byte) []byte {
	ip := make([]byte, max(n, 20))
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(total))
	ip[5] = id
	ip[9] = 17
	if raw {
		return ip[:n]
	}
	eth := make([]byte, 14, 14+len(ip))
	eth[5] = id
	binary.BigEndian.PutUint16(eth[12:], 0x0800)
	return append(eth, ip[:n-14]...)
}

// TestNDIS reads what netsh trace writes: single-event packets logged at
// two layers of one miniport (the second copy folded), a packet in three
// fragments, direction from SendPath/ReceivePath, link type from the
// keywords (Wi-Fi with its Protected bit cleared, mobile broadband as raw
// IP), and a truncated packet whose original length comes from its IP
// header.
func TestNDIS(t *testing.T) {
	f := file()
	both := uint64(etltest.KwStart | etltest.KwEnd)
	p1 := ipv4(false, 100, 114, 1)
	big := ipv4(false, 3000, 3014, 2)
	trunc := ipv4(false, 1500, 128, 3)
	wifi := append([]byte{0x08, 0x41}, make([]byte, 40)...)
	mbb := ipv4(true, 60, 60, 4)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	buf := etltest.Buffer{Compressed: true, Events: []etltest.Event{
		etltest.NDIS{Miniport: 7, Lower: 7, Fragment: p1}.Event(at(1), both|etltest.KwSend|etltest.KwEthernet),
		etltest.NDIS{Miniport: 7, Lower: 9, Fragment: p1}.Event(at(1).Add(5*time.Microsecond), both|etltest.KwSend|etltest.KwEthernet),
		etltest.NDIS{Miniport: 7, Lower: 7, Fragment: big[:1000]}.Event(at(2), etltest.KwStart|etltest.KwReceive),
		etltest.NDIS{Miniport: 7, Lower: 7, Fragment: big[1000:2000]}.Event(at(2), etltest.KwReceive),
		etltest.NDIS{Miniport: 7, Lower: 7, Fragment: big[2000:]}.Event(at(2), etltest.KwEnd|etltest.KwReceive),
		etltest.NDIS{Miniport: 7, Lower: 7, Fragment: trunc}.Event(at(3), both|etltest.KwReceive),
		etltest.NDIS{Miniport: 8, Lower: 8, Fragment: wifi}.Event(at(4), both|etltest.KwNative80211|etltest.KwReceive),
		etltest.NDIS{Miniport: 9, Lower: 9, Fragment: mbb}.Event(at(5), both|etltest.KwWirelessWAN|etltest.KwSend),
		// The same bytes on the same layer a second later: a new packet.
		etltest.NDIS{Miniport: 7, Lower: 7, Fragment: p1}.Event(at(1001), both|etltest.KwSend|etltest.KwEthernet),
		{Time: at(6), Provider: etl.ProviderNDIS, ID: 5000, User: []byte("capture started")},
	}}
	r := open(t, etltest.Write(f, []etltest.Buffer{buf}))
	frames, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	st := r.Stats()
	if len(frames) != 6 || st.Packets != 7 || st.Folded != 1 || st.OtherPacketEvents != 1 || len(r.Warnings()) != 0 {
		t.Fatalf("%d frames, stats %+v, warnings %q", len(frames), st, r.Warnings())
	}
	type want struct {
		data     []byte
		wire     int
		link     layers.LinkType
		out, in  bool
		atMillis int
	}
	wifiClear := append([]byte{0x08, 0x01}, wifi[2:]...)
	for i, w := range []want{
		{p1, 114, layers.LinkTypeEthernet, true, false, 1},
		{big, 3014, layers.LinkTypeEthernet, false, true, 2},
		{trunc, 1514, layers.LinkTypeEthernet, false, true, 3},
		{wifiClear, len(wifi), layers.LinkTypeIEEE802_11, false, true, 4},
		{mbb, 60, layers.LinkTypeRaw, true, false, 5},
		{p1, 114, layers.LinkTypeEthernet, true, false, 1001},
	} {
		fr := frames[i]
		if !bytes.Equal(fr.Data, w.data) || fr.WireLen != w.wire || fr.Link != w.link || fr.Outbound != w.out || fr.Inbound != w.in || !fr.Time.Equal(at(w.atMillis)) {
			t.Errorf("frame %d: %d bytes of %d, %v, out %v in %v at %v; want %d of %d, %v, out %v in %v at %v",
				i+1, len(fr.Data), fr.WireLen, fr.Link, fr.Outbound, fr.Inbound, fr.Time, len(w.data), w.wire, w.link, w.out, w.in, at(w.atMillis))
		}
	}
}

// TestNDISEndlessFragments: fragments that never reach PacketEnd are cut
// at the packet bound with one warning, cost bounded memory, and the
// packets after the next PacketEnd still come.
func TestNDISEndlessFragments(t *testing.T) {
	f := file()
	frag := make([]byte, 8000)
	var bufs []etltest.Buffer
	for b := range 20 {
		var buf etltest.Buffer
		for i := range 100 {
			kw := uint64(0)
			if b == 0 && i == 0 {
				kw = etltest.KwStart
			}
			buf.Events = append(buf.Events, etltest.NDIS{Miniport: 1, Lower: 1, Fragment: frag}.Event(t0.Add(time.Duration(b*100+i)*time.Microsecond), kw))
		}
		bufs = append(bufs, buf)
	}
	// PacketEnd ends the overlong packet (dropped); a new one follows.
	last := etltest.Buffer{Events: []etltest.Event{
		etltest.NDIS{Miniport: 1, Lower: 1, Fragment: frag[:10]}.Event(t0.Add(time.Second), etltest.KwEnd),
		etltest.NDIS{Miniport: 1, Lower: 1, Fragment: ipv4(false, 60, 74, 5)}.Event(t0.Add(2*time.Second), etltest.KwStart|etltest.KwEnd),
	}}
	data := etltest.Write(f, append(bufs, last))
	worstcase.Run(t, []worstcase.Case{{Name: "16 MB of fragments without PacketEnd", MaxAlloc: 4 << 20, Run: func(t *testing.T) {
		r, err := etl.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		frames, err := readAll(t, r)
		w := r.Warnings()
		if err != nil || len(frames) != 1 || len(frames[0].Data) != 74 || r.Stats().Incomplete != 1 || len(w) != 1 || !strings.Contains(w[0], "without PacketEnd exceed 256 KiB") {
			t.Errorf("%d frames, %v, stats %+v, warnings %q", len(frames), err, r.Stats(), w)
		}
	}}})
}

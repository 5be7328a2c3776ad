package etl_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"softsa/decoders/etl"
	"softsa/decoders/etl/etltest"
)

// TestVMSwitch reads NDIS event 1003 as the Hyper-V switch logs it: the
// strings and destination array stepped over, the fragment taken, the
// source port and the VLAN of the OOB data's 802.1Q slot kept (with 8-byte
// slots for a 64-bit logger and 4-byte ones for a 32-bit one); a packet in
// three fragments is joined; the copy logged at another layer of the same
// miniport is folded as 1001's copies are.
func TestVMSwitch(t *testing.T) {
	f := file()
	both := uint64(etltest.KwStart | etltest.KwEnd)
	p1 := ipv4(false, 100, 114, 1)
	big := ipv4(false, 3000, 3014, 2)
	p3 := ipv4(false, 80, 94, 3)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	dests := []etltest.VMSwitchDest{{Port: 5, PortName: "port-5", Nic: "VM01 NIC", Type: "Synthetic"}, {Port: 6, PortName: "", Nic: "ext", Type: "External"}}
	sw := func(lower uint32, vlan uint16, frag []byte) etltest.VMSwitch {
		return etltest.VMSwitch{Miniport: 20, Lower: lower, Port: 3, PortName: "F3A2-…", NicName: "Network Adapter", NicType: "Emulated", Dests: dests, VLAN: vlan, Fragment: frag}
	}
	p3v := sw(21, 99, p3)
	p3v.OOB32, p3v.Dests, p3v.Port = true, nil, 9
	buf := etltest.Buffer{Events: []etltest.Event{
		sw(20, 42, p1).Event(at(1), both|etltest.KwSend),
		sw(21, 42, p1).Event(at(1).Add(3*time.Microsecond), both|etltest.KwSend),
		sw(20, 7, big[:1000]).Event(at(2), etltest.KwStart|etltest.KwReceive),
		sw(20, 7, big[1000:2500]).Event(at(2), etltest.KwReceive),
		sw(20, 7, big[2500:]).Event(at(2), etltest.KwEnd|etltest.KwReceive),
		p3v.Event(at(3), both|etltest.KwReceive),
	}}
	r := open(t, etltest.Write(f, []etltest.Buffer{buf}))
	frames, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	st := r.Stats()
	if len(frames) != 3 || st.Packets != 4 || st.Folded != 1 || len(r.Warnings()) != 0 {
		t.Fatalf("%d frames, stats %+v, warnings %q", len(frames), st, r.Warnings())
	}
	for i, w := range []struct {
		data       []byte
		port       uint32
		vlan       uint16
		out, in    bool
		atMillis   int
		adapterIdx uint32
	}{
		{p1, 3, 42, true, false, 1, 20},
		{big, 3, 7, false, true, 2, 20},
		{p3, 9, 99, false, true, 3, 20},
	} {
		fr := frames[i]
		if !bytes.Equal(fr.Data, w.data) || fr.Port != w.port || fr.VLAN != w.vlan || fr.Outbound != w.out || fr.Inbound != w.in ||
			!fr.Time.Equal(at(w.atMillis)) || fr.Adapter != w.adapterIdx || fr.Link != layers.LinkTypeEthernet || fr.Layer != etl.LayerWire {
			t.Errorf("frame %d: %d bytes, port %d vlan %d, out %v in %v, adapter %d, %v, layer %v at %v", i+1, len(fr.Data), fr.Port, fr.VLAN,
				fr.Outbound, fr.Inbound, fr.Adapter, fr.Link, fr.Layer, fr.Time)
		}
	}
}

// TestVMSwitchDamage: a 1003 event whose fields run past its end costs its
// buffer with a warning naming the event, never a panic or a long walk.
func TestVMSwitchDamage(t *testing.T) {
	good := etltest.VMSwitch{Miniport: 1, Lower: 1, Port: 2, PortName: "p", NicName: "n", NicType: "t",
		Dests: []etltest.VMSwitchDest{{Port: 4, PortName: "q", Nic: "m", Type: "u"}}, Fragment: packet(1)}.User()
	huge := append([]byte(nil), good...)
	// DestinationCount (after 12 bytes and three 4-byte strings) claims 4 billion.
	copy(huge[24:], []byte{0xFF, 0xFF, 0xFF, 0xFF})
	noNUL := []byte{1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 'a', 0, 'b', 0}
	for name, u := range map[string][]byte{
		"cut in the fixed fields": good[:10],
		"string without NUL":      noNUL,
		"destinations claimed":    huge,
		"cut in the fragment":     good[:len(good)-110],
	} {
		t.Run(name, func(t *testing.T) {
			buf := etltest.Buffer{Events: []etltest.Event{
				{Time: t0, Provider: etl.ProviderNDIS, ID: 1003, Keyword: etltest.KwStart | etltest.KwEnd, User: u},
			}}
			next := etltest.Buffer{Events: []etltest.Event{etltest.NDIS{Miniport: 1, Lower: 1, Fragment: packet(2)}.Event(t0.Add(time.Second), etltest.KwStart|etltest.KwEnd)}}
			r := open(t, etltest.Write(file(), []etltest.Buffer{buf, next}))
			frames, err := readAll(t, r)
			w := r.Warnings()
			if err != nil || len(frames) != 1 || r.Stats().DamagedBuffers != 1 || len(w) != 1 || !strings.Contains(w[0], "NDIS event 1003") {
				t.Errorf("%d frames, %v, stats %+v, warnings %q", len(frames), err, r.Stats(), w)
			}
		})
	}
}

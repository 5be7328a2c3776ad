package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"softsa/decoders/etl/etltest"
	"softsa/internal/testenv"
)

// TestConvertWFPAndVMSwitch: an ETL file holding a sample's packets from
// the wire (NDIS, at two layers), the WFP layer's view of each (ESP
// decrypted there; some in fragments of event 2000) and Hyper-V switch
// packets (event 1003) on two ports and VLANs converts to a pcapng tshark
// reads without a malformed packet, with as many frames as softsa
// reports: the WFP layer's on an interface of its own whose name and
// description say so, each switch port and VLAN on its own.
func TestConvertWFPAndVMSwitch(t *testing.T) {
	frames, err := testenv.ReadFrames(t, filepath.Join("samples", "healthy-ipsec-ikev1.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	file := etltest.File{Start: frames[0].Time.Add(-time.Second), End: frames[len(frames)-1].Time.Add(time.Second)}
	kw := uint64(etltest.KwStart | etltest.KwEnd | etltest.KwEthernet | etltest.KwSend)
	var buf etltest.Buffer
	wfp := 0
	for i, f := range frames {
		buf.Events = append(buf.Events,
			etltest.NDIS{Miniport: 7, Lower: 7, Fragment: f.Data}.Event(f.Time, kw),
			etltest.NDIS{Miniport: 7, Lower: 12, Fragment: f.Data}.Event(f.Time.Add(200*time.Nanosecond), kw))
		m, ok := etltest.FromIP(f.Data[14:])
		if !ok {
			continue
		}
		if m.Proto == 50 {
			seg := make([]byte, 20, 60)
			binary.BigEndian.PutUint16(seg, 49300)
			binary.BigEndian.PutUint16(seg[2:], 445)
			seg[12], seg[13] = 5<<4, 0x18
			binary.BigEndian.PutUint16(seg[14:], 64000)
			m.Proto, m.Payload = 6, append(seg, bytes.Repeat([]byte{0x42}, 40)...)
		}
		at := f.Time.Add(time.Microsecond)
		if i%3 == 0 {
			buf.Events = append(buf.Events, m.Fragments(at, true, uint32(i), 2)...)
		} else {
			buf.Events = append(buf.Events, m.Event(at, false))
		}
		wfp++
	}
	vm := 0
	for i, f := range frames[:20] {
		port, vlan := uint32(3), uint16(10)
		if i%2 == 1 {
			port, vlan = 4, 20
		}
		sw := etltest.VMSwitch{Miniport: 30, Lower: 30, Port: port, PortName: fmt.Sprint("port ", port), NicName: "vm nic", NicType: "Synthetic", VLAN: vlan, Fragment: f.Data}
		buf.Events = append(buf.Events, sw.Event(f.Time.Add(2*time.Microsecond), etltest.KwStart|etltest.KwEnd|etltest.KwReceive))
		vm++
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "wfp.etl")
	writeFile(t, in, etltest.Write(file, []etltest.Buffer{buf}), 0o644)
	out := filepath.Join(dir, "wfp.pcapng")
	convertFile(t, in, out)
	r := analysisJSON(t, in).(map[string]any)
	softsaFrames := int(r["captures"].([]any)[0].(map[string]any)["frames"].(float64))
	lines := strings.Split(strings.TrimSuffix(string(testenv.Run(t, "tshark", "-r", out, "-T", "fields", "-E", "separator=|",
		"-e", "frame.number", "-e", "_ws.malformed", "-e", "frame.interface_name", "-e", "frame.interface_description", "-e", "frame.protocols")), "\n"), "\n")
	if want := len(frames) + wfp + vm; softsaFrames != want || len(lines) != want {
		t.Fatalf("tshark reads %d frames, softsa reports %d, want %d", len(lines), softsaFrames, want)
	}
	ifaces := map[string]int{}
	for _, l := range lines {
		f := strings.Split(l, "|")
		if len(f) < 5 || f[1] != "" {
			t.Errorf("tshark: malformed frame: %q", l)
			continue
		}
		ifaces[f[2]+"|"+f[3]]++
		if strings.HasSuffix(f[2], "-wfp") != strings.Contains(f[3], "WFP layer: packets seen above IPsec (decrypted)") {
			t.Errorf("frame %s: interface %q, %q", f[0], f[2], f[3])
		}
		if strings.HasSuffix(f[2], "-wfp") && (!strings.HasPrefix(f[4], "raw:ip:") || strings.Contains(f[4], "esp")) {
			t.Errorf("WFP frame %s: %s", f[0], f[4])
		}
	}
	counts := map[string]int{}
	for k, n := range ifaces {
		switch {
		case strings.Contains(k, "WFP layer"):
			counts["wfp"] += n
		case strings.Contains(k, "Hyper-V switch port 3, VLAN 10"):
			counts["port3"] += n
		case strings.Contains(k, "Hyper-V switch port 4, VLAN 20"):
			counts["port4"] += n
		default:
			counts["wire"] += n
		}
	}
	if len(ifaces) != 4 || counts["wfp"] != wfp || counts["port3"] != vm/2 || counts["port4"] != vm/2 || counts["wire"] != len(frames) {
		t.Errorf("interfaces %v", ifaces)
	}
}

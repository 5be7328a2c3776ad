package synth

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// testSim is a pair on one Ethernet interface for building single packets.
func testSim(t *testing.T) (*pairSim, *capture, *Scenario) {
	t.Helper()
	sc := &Scenario{Name: "unit", Interfaces: ethernet, Start: at("2009-11-10T09:00:00Z"), Duration: time.Minute,
		Hosts: []Host{{Name: "VISTA", Addr: addr("10.0.0.1"), Release: Vista}, {Name: "XP", Addr: addr("10.0.0.2"), Release: WinXP}}}
	c := &capture{}
	s := &pairSim{sc: sc, p: &Pair{}, ini: newNode(&sc.Hosts[0], 1), rsp: newNode(&sc.Hosts[1], 2),
		rng: rand.New(rand.NewPCG(1, 2)), tm: Timers{}.withDefaults(), start: sc.Start}
	s.w = &wire{cap: c, kind: LinkEthernet}
	s.gate = openGate{}
	return s, c, sc
}

func capFile(t *testing.T, c *capture, sc *Scenario) string {
	t.Helper()
	var buf bytes.Buffer
	if err := writeCapture(&buf, sc, c.sorted()); err != nil {
		t.Fatal(err)
	}
	return writeTemp(t, "unit.pcapng", buf.Bytes())
}

func TestChainLengths(t *testing.T) {
	msg := ikeMessage(ikeHeader{version: 0x10, exch: exchMain},
		saPayload(protoISAKMP, nil, mainModeTransforms(authRSASig)), payload{typ: plVID, body: msNT5(5)})
	if n := binary.BigEndian.Uint32(msg[24:]); int(n) != len(msg) {
		t.Fatalf("header length %d, message %d", n, len(msg))
	}
	// Walk the chain: each payload's length must land on the next one.
	next, off := msg[16], 28
	var types []uint8
	for next != 0 {
		types = append(types, next)
		next = msg[off]
		off += int(binary.BigEndian.Uint16(msg[off+2:]))
	}
	if off != len(msg) || !bytes.Equal(types, []byte{plSA, plVID}) {
		t.Fatalf("chain ends at %d of %d, types %v", off, len(msg), types)
	}
}

func TestClassify(t *testing.T) {
	vista := &Host{Release: Vista, Policy: policyVistaNoCert}
	xp := &Host{Release: WinXP, Policy: policyXPFallback}
	xpNoFlags := &Host{Release: WinXP, Policy: Policy{IPsec: true, Fallback: true, ValidCert: true}}
	nas := &Host{Release: ReleaseOther}
	v2008 := &Host{Release: Win2008, Policy: policyDomain}
	xpCert := &Host{Release: WinXP, Policy: policyCert}
	for _, c := range []struct {
		name      string
		init, rsp *Host
		p         Pair
		want      Mode
	}{
		{"KB: Vista to XP", vista, xp, Pair{}, ModeKB977526},
		{"reverse: XP to Vista", xp, vista, Pair{}, ModeFallback},
		{"IKEFlags not 0x14", vista, xpNoFlags, Pair{}, ModeNoComm},
		{"fallback to non-IPsec", xp, nas, Pair{}, ModeFallbackPeer},
		{"AuthIP", vista, v2008, Pair{}, ModeHealthy},
		{"certificates", xpCert, xpCert, Pair{}, ModeHealthy},
		{"exempt", vista, xp, Pair{Exempt: true}, ModeClear},
		{"plain", nas, nas, Pair{}, ModeClear},
		{"blocked", xpCert, xpCert, Pair{Fault: FaultIKEBlocked}, ModeIKEBlocked},
	} {
		if got := Classify(c.init, c.rsp, &c.p); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestISAKMPDecodes checks that Wireshark reads the exchange types, payload
// chains and notify types as built.
func TestISAKMPDecodes(t *testing.T) {
	s, c, sc := testSim(t)
	t0 := sc.Start
	k, _ := s.mainModeTo4(t0)                                 // frames 1-4: exchange 2
	s.ike(t0.Add(time.Second), s.ini, s.rsp, s.mm5(k), false) // 5: E flag
	s.p.Fault = FaultNoProposal                               //
	s.refuse(t0.Add(2*time.Second), k, false)                 // 6: informational, notify 14
	s.authIP = &authIPSA{icookie: randSPI(s.rng)}             //
	s.ike(t0.Add(3*time.Second), s.ini, s.rsp, s.authIPClear(s.authIP, exchAuthIPMain, 0, false,
		saPayload(protoISAKMP, nil, mainModeTransforms(1)), payload{typ: plNonce, body: make([]byte, 32)}), false) // 7: 243
	s.ike(t0.Add(4*time.Second), s.ini, s.rsp, s.authIPEncrypted(s.authIP, exchAuthIPExtended, 9), false) // 8: 245
	k2 := &ikev2SA{ispi: randSPI(s.rng)}
	s.ike(t0.Add(5*time.Second), s.ini, s.rsp, ikeMessage(k2.header(exchIKESAInit, false, true, 0),
		ikev2SAPayload(1, nil, ikeTransforms), ikev2Notify(16388, make([]byte, 20))), false) // 9: 34
	s.ike(t0.Add(6*time.Second), s.ini, s.rsp, s.ikev2Encrypted(k2.header(exchIKEAuth, false, true, 1),
		payload{typ: pl2IDi, body: []byte{1, 0, 0, 0, 10, 0, 0, 1}}), true) // 10: 35 over UDP 4500
	file := capFile(t, c, sc)
	out := tshark(t, file, "-T", "fields", "-e", "isakmp.exchangetype", "-e", "isakmp.flag_e",
		"-e", "isakmp.typepayload", "-e", "isakmp.notify.msgtype", "-e", "udpencap.non_esp_marker")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []string{
		"2\t0\t1,2,3,3,13,13,13,13,13,13,13\t\t",
		"2\t0\t1,2,3,13,13,13\t\t",
		"2\t0\t4,10,130,130\t\t",
		"2\t0\t4,10,130,130,7\t\t",
		"2\t1\t\t\t",
		"5\t0\t11\t14\t",
		"243\t0\t133,1,2,3,3,10\t\t",
		"245\t1\t\t\t",
		"34\t\t33,2,3,3,3,3,41\t16388\t",
		"35\t\t46\t\t1",
	}
	if len(lines) != len(want) {
		t.Fatalf("%d frames decoded, want %d:\n%s", len(lines), len(want), out)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("frame %d: %q, want %q", i+1, lines[i], want[i])
		}
	}
	if m := tshark(t, file, "-Y", "_ws.malformed or _ws.expert.severity >= warning"); strings.TrimSpace(m) != "" {
		t.Errorf("tshark complains:\n%s", m)
	}
}

// TestSMB2Decodes runs one SMB2 session and checks the command sequence,
// the file name (UTF-16LE) and the NTLMSSP messages as tshark reads them.
func TestSMB2Decodes(t *testing.T) {
	s, c, sc := testSim(t)
	s.stop = sc.Start.Add(12 * time.Second)
	s.p.Traffic = Traffic{Kind: TrafficSMBWrite, Share: "docs", Chunk: 3000, Interval: time.Second,
		Files: []File{{Name: `dir\naïve.txt`, Size: 5000}}}
	s.runSMB()
	file := capFile(t, c, sc)
	out := tshark(t, file, "-Y", "smb2", "-T", "fields", "-e", "smb2.cmd", "-e", "smb2.flags.response",
		"-e", "smb2.filename", "-e", "ntlmssp.messagetype")
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		got = append(got, strings.TrimRight(l, "\t"))
	}
	head := []string{"0\t0", "0\t1", "1\t0\t\t0x00000001", "1\t1\t\t0x00000002", "1\t0\t\t0x00000003", "1\t1",
		"3\t0", "3\t1", "5\t0\tdir\\naïve.txt", "5\t1", "9\t0", "9\t1", "9\t0", "9\t1", "6\t0", "6\t1"}
	if len(got) < len(head) {
		t.Fatalf("%d SMB2 messages:\n%s", len(got), out)
	}
	for i := range head {
		if got[i] != head[i] {
			t.Errorf("message %d: %q, want %q", i+1, got[i], head[i])
		}
	}
	if m := tshark(t, file, "-Y", "_ws.malformed or _ws.expert.severity >= warning"); strings.TrimSpace(m) != "" {
		t.Errorf("tshark complains:\n%s", m)
	}
}

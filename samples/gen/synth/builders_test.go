package synth

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// testSim is a Vista → XP pair on one Ethernet interface for building single
// packets.
func testSim(t *testing.T) (*pairSim, *capture, *Scenario) {
	t.Helper()
	return testSimFor(t, Vista, WinXP)
}

// testSimFor is testSim with the client's and the server's releases.
func testSimFor(t *testing.T, cli, srv Release) (*pairSim, *capture, *Scenario) {
	t.Helper()
	name := func(r Release) string {
		return map[Release]string{ReleaseOther: "NAS", WinXP: "XP", Win2003: "SRV03", Vista: "VISTA", Win2008: "SRV08",
			Win7: "WIN7", Win2008R2: "SRV08R2"}[r]
	}
	sc := &Scenario{Name: "unit", Interfaces: ethernet, Start: at("2009-11-10T09:00:00Z"), Duration: time.Minute,
		Hosts: []Host{{Name: name(cli) + "-PC", Addr: addr("10.0.0.1"), Release: cli},
			{Name: name(srv) + "-FS", Addr: addr("10.0.0.2"), Release: srv}}}
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
		{"IKEv2 cookie retry", xpCert, xpCert, Pair{Protocol: ProtoIKEv2, Fault: FaultIKEv2Cookie}, ModeHealthy},
		{"IKEv2 invalid KE retry", xpCert, xpCert, Pair{Protocol: ProtoIKEv2, Fault: FaultIKEv2InvalidKE}, ModeHealthy},
		{"IKEv2 redirect", xpCert, xpCert, Pair{Protocol: ProtoIKEv2, Fault: FaultIKEv2Redirect}, ModeIKEv2Stopped},
		{"IKEv2 abandoned", xpCert, xpCert, Pair{Protocol: ProtoIKEv2, Fault: FaultIKEv2Abandoned}, ModeIKEv2Stopped},
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

// tsharkLines runs tshark on file with args and returns its output lines
// with trailing tabs removed.
func tsharkLines(t *testing.T, file string, args ...string) []string {
	t.Helper()
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(tshark(t, file, args...)), "\n") {
		got = append(got, strings.TrimRight(l, "\t"))
	}
	return got
}

// checkHead compares the first lines of got with want.
func checkHead(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) < len(want) {
		t.Fatalf("%s: %d lines, want at least %d:\n%s", what, len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s %d: %q, want %q", what, i+1, got[i], want[i])
		}
	}
}

// checkQuiet fails when tshark marks a frame malformed or raises an expert
// warning or error.
func checkQuiet(t *testing.T, file string) {
	t.Helper()
	if m := tshark(t, file, "-Y", "_ws.malformed or _ws.expert.severity >= warning"); strings.TrimSpace(m) != "" {
		t.Errorf("tshark complains:\n%s", m)
	}
}

// smbSession runs an SMB client of release cli against a server of release
// srv and returns the capture file.
func smbSession(t *testing.T, cli, srv Release, tr Traffic) string {
	t.Helper()
	s, c, sc := testSimFor(t, cli, srv)
	s.stop = sc.Start.Add(12 * time.Second)
	s.p.Traffic = tr
	s.runSMB()
	return capFile(t, c, sc)
}

// TestSMB2Decodes runs one SMB2 session (Vista → Server 2008) and checks the
// multi-protocol start, the command sequence, the file name (UTF-16LE) and
// the NTLMSSP messages as tshark reads them.
func TestSMB2Decodes(t *testing.T) {
	file := smbSession(t, Vista, Win2008, Traffic{Kind: TrafficSMBWrite, Share: "docs", Chunk: 3000, Interval: time.Second,
		Files: []File{{Name: `dir\naïve.txt`, Size: 5000}}})
	// The session starts with an SMB1 NEGOTIATE offering SMB 2.002, answered
	// in SMB2.
	smb1 := tsharkLines(t, file, "-Y", "smb", "-T", "fields", "-e", "smb.cmd", "-e", "smb.dialect.name")
	checkHead(t, "SMB1 message", smb1, []string{"0x72\tPC NETWORK PROGRAM 1.0,LANMAN1.0,Windows for Workgroups 3.1a," +
		"LM1.2X002,LANMAN2.1,NT LM 0.12,SMB 2.002"})
	if len(smb1) != 1 {
		t.Errorf("%d SMB1 messages, want the NEGOTIATE alone", len(smb1))
	}
	got := tsharkLines(t, file, "-Y", "smb2", "-T", "fields", "-e", "smb2.cmd", "-e", "smb2.flags.response",
		"-e", "smb2.filename", "-e", "ntlmssp.messagetype", "-e", "smb2.dialect")
	checkHead(t, "SMB2 message", got, []string{"0\t1\t\t\t0x0202", "1\t0\t\t0x00000001", "1\t1\t\t0x00000002",
		"1\t0\t\t0x00000003", "1\t1", "3\t0", "3\t1", "5\t0\tdir\\naïve.txt", "5\t1", "9\t0", "9\t1", "9\t0", "9\t1", "6\t0", "6\t1"})
	checkQuiet(t, file)
}

// TestSMB21Negotiate checks Windows 7 → Server 2008 R2: the multi-protocol
// NEGOTIATE offers "SMB 2.???", the server answers with the wildcard 0x02FF
// and an SMB2 NEGOTIATE settles on 2.1.
func TestSMB21Negotiate(t *testing.T) {
	file := smbSession(t, Win7, Win2008R2, Traffic{Kind: TrafficSMBRead, Chunk: 1000, Interval: time.Second,
		Files: []File{{Name: `a.txt`, Size: 1000}}})
	got := tsharkLines(t, file, "-Y", "smb or smb2", "-T", "fields", "-e", "smb.cmd", "-e", "smb2.cmd",
		"-e", "smb2.flags.response", "-e", "smb2.dialect", "-e", "smb2.msg_id")
	checkHead(t, "message", got, []string{"0x72", "\t0\t1\t0x02ff\t0", "\t0\t0\t0x0202,0x0210\t1",
		"\t0\t1\t0x0210\t1", "\t1\t0\t\t2"})
	checkQuiet(t, file)
}

// TestSMB1Decodes runs SMB1 sessions and checks what tshark reads: the
// dialect list and the index the server picks, the commands and their
// AndX chains, file names, FIDs and the NTLMSSP exchange.
func TestSMB1Decodes(t *testing.T) {
	// Server 2008 writing to Server 2003, robocopy-like: NT_CREATE_ANDX,
	// WRITE_ANDX, CLOSE, next file.
	file := smbSession(t, Win2008, Win2003, Traffic{Kind: TrafficSMBWrite, Share: "archive", Chunk: 3000, Interval: time.Second,
		Files: []File{{Name: `reports\branch 01.xls`, Size: 5000}, {Name: `reports\branch 02.xls`, Size: 2000}}})
	got := tsharkLines(t, file, "-Y", "smb", "-T", "fields", "-e", "smb.cmd", "-e", "smb.flags.response",
		"-e", "smb.dialect.index", "-e", "ntlmssp.messagetype", "-e", "smb.path", "-e", "smb.file", "-e", "smb.file.rw.offset",
		"-e", "smb.file.rw.length")
	const (
		share = `\\SRV03-FS\ARCHIVE`
		f1    = `\reports\branch 01.xls`
		f2    = `\reports\branch 02.xls`
	)
	checkHead(t, "SMB1 message", got, []string{
		"0x72\t0", "0x72\t1\t5",
		"0x73,0xff\t0\t\t0x00000001", "0x73,0xff\t1\t\t0x00000002", "0x73,0xff\t0\t\t0x00000003", "0x73,0xff\t1",
		"0x75,0xff\t0\t\t\t" + share, "0x75,0xff\t1\t\t\t" + share,
		"0xa2,0xff\t0\t\t\t" + share + "\t" + f1, "0xa2,0xff\t1\t\t\t" + share + "\t" + f1,
		"0x2f,0xff\t0\t\t\t" + share + "\t" + f1 + "\t0\t3000", "0x2f,0xff\t1\t\t\t" + share + "\t" + f1 + "\t0\t3000",
		"0x2f,0xff\t0\t\t\t" + share + "\t" + f1 + "\t3000\t2000", "0x2f,0xff\t1\t\t\t" + share + "\t" + f1 + "\t3000\t2000",
		"0x04\t0\t\t\t" + share + "\t" + f1, "0x04\t1\t\t\t" + share + "\t" + f1,
		"0xa2,0xff\t0\t\t\t" + share + "\t" + f2,
	})
	if out := tshark(t, file, "-Y", "smb2"); strings.TrimSpace(out) != "" {
		t.Errorf("SMB2 between Server 2008 and Server 2003:\n%s", out)
	}
	checkQuiet(t, file)

	// Who offers what, and which index the server picks: Vista offers SMB
	// 2.002 to XP, which picks NT LM 0.12; XP never offers SMB2, even to a
	// Vista server; Samba's client list puts NT LM 0.12 at index 9.
	for _, c := range []struct {
		cli, srv Release
		last     string
		index    string
	}{
		{Vista, WinXP, "SMB 2.002", "5"},
		{WinXP, Vista, "NT LM 0.12", "5"},
		{ReleaseOther, ReleaseOther, "NT LM 0.12", "9"},
	} {
		file := smbSession(t, c.cli, c.srv, Traffic{Kind: TrafficSMBRead, Chunk: 1000, Interval: time.Second,
			Files: []File{{Name: `a.txt`, Size: 1000}}})
		got := tsharkLines(t, file, "-Y", "smb.cmd == 0x72", "-T", "fields", "-e", "smb.dialect.name", "-e", "smb.dialect.index")
		if len(got) < 2 || !strings.HasSuffix(got[0], ","+c.last) || got[1] != "\t"+c.index {
			t.Errorf("%v → %v: negotiate %q, want the list to end with %q and index %s", c.cli, c.srv, got, c.last, c.index)
		}
		reads := tsharkLines(t, file, "-Y", "smb.cmd == 0x2e", "-T", "fields", "-e", "smb.flags.response", "-e", "smb.file",
			"-e", "smb.file.rw.length", "-e", "smb.data_len_low")
		checkHead(t, c.cli.String()+" → "+c.srv.String()+" read", reads, []string{"0\t\\a.txt\t1000", "1\t\\a.txt\t1000\t1000"})
		checkQuiet(t, file)
	}
}

// TestSMB1LargeIO checks the 64-bit and 32-bit-length forms: a READ_ANDX and
// a WRITE_ANDX past 4 GiB with counts above 64 KiB (OffsetHigh,
// MaxCountHigh, DataLengthHigh), and an ECHO.
func TestSMB1LargeIO(t *testing.T) {
	s, c, sc := testSim(t)
	cn := s.newConn(445)
	tm, ok := cn.connect(sc.Start)
	if !ok {
		t.Fatal("no connection")
	}
	const off = 5<<30 + 0x1234
	h := smb1Header{tid: 0x0800, pid: 0xfeff, uid: 0x0801, mid: 7}
	call := func(cmd uint8, req, resp smb1Body) {
		h.cmd, h.response = cmd, false
		rq := smb1Message(h, req)
		h.response = true
		tm, _ = cn.exchange(tm.Add(time.Millisecond), rq, smb1Message(h, resp))
		h.mid++
	}
	read := randBytes(s.rng, 96<<10)
	call(smb1ReadAndX, smb1ReadReq(0x4001, off, uint32(len(read))), smb1ReadResp(read))
	write := randBytes(s.rng, 70000)
	call(smb1WriteAndX, smb1WriteReq(0x4001, off, write), smb1WriteResp(uint32(len(write))))
	call(smb1Echo, smb1EchoReq([]byte("ping")), smb1EchoResp([]byte("ping")))
	file := capFile(t, c, sc)
	got := tsharkLines(t, file, "-Y", "smb", "-T", "fields", "-e", "smb.cmd", "-e", "smb.flags.response",
		"-e", "smb.file.rw.offset", "-e", "smb.file.rw.length", "-e", "smb.echo.data")
	want := []string{
		"0x2e,0xff\t0\t5368713780\t98304", "0x2e,0xff\t1\t5368713780\t98304",
		"0x2f,0xff\t0\t5368713780\t70000", "0x2f,0xff\t1\t5368713780\t70000",
		"0x2b\t0\t\t\t70696e67", "0x2b\t1\t\t\t70696e67",
	}
	checkHead(t, "message", got, want)
	if len(got) != len(want) {
		t.Errorf("%d SMB1 messages, want %d", len(got), len(want))
	}
	// ByteCount holds only the low 16 bits of a 64 KiB or larger payload,
	// as Windows and Samba send it; tshark 4.0 then shows ByteCount's worth
	// of file data, but reads the full length from DataLength and
	// DataLengthHigh (smb.file.rw.length above).
	checkQuiet(t, file)
}

package analyzer

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"softsa/analyzer/result"
	"softsa/decoders"
	"softsa/decoders/capture"
	"softsa/decoders/smb"
	"softsa/internal/testenv"
)

// TestPairCap feeds 20,000 pairs to an analyzer capped at 1,000: the
// result holds 1,000 pairs and says the cap was reached.
func TestPairCap(t *testing.T) {
	a := newAnalysis(Options{MaxPairs: 1000})
	m := decoders.Message{IPVersion: 4, Proto: layers.IPProtocolTCP, SrcPort: 50000, DstPort: 445, TCPFlags: decoders.TCPSyn}
	for i := 0; i < 20000; i++ {
		m.Frame = i + 1
		m.Time = at(float64(i) / 1000)
		m.Src = netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
		m.Dst = netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
		a.add(&m)
	}
	if len(a.pairs) != 1000 {
		t.Errorf("%d pairs tracked, want 1000", len(a.pairs))
	}
	r := a.finish()
	if len(r.Pairs) != 1000 {
		t.Errorf("%d pairs reported, want 1000", len(r.Pairs))
	}
	found := false
	for _, w := range r.Warnings {
		found = found || strings.HasPrefix(w, "pair cap 1000 reached:")
	}
	if !found {
		t.Errorf("no pair cap warning in %q", r.Warnings)
	}
	if r.Frames != 20000 {
		t.Errorf("frames %d", r.Frames)
	}
}

// TestPairsOption keeps the pairs that involve every address given.
func TestPairsOption(t *testing.T) {
	s := newStream(t)
	A, B, C := addr("10.0.0.1"), addr("10.0.0.2"), addr("10.0.0.3")
	s.udp(1, A, B, 1000, 53, 40)
	s.udp(2, A, C, 1000, 53, 40)
	s.udp(3, B, C, 1000, 53, 40)
	for _, tc := range []struct {
		pairs []netip.Addr
		want  int
	}{{nil, 3}, {[]netip.Addr{A}, 2}, {[]netip.Addr{A, B}, 1}, {[]netip.Addr{A, B, C}, 0}} {
		r := s.run(Options{Pairs: tc.pairs})
		if len(r.Pairs) != tc.want {
			t.Errorf("Pairs %v: %d pairs, want %d", tc.pairs, len(r.Pairs), tc.want)
		}
	}
	for _, tc := range []struct {
		sets [][]netip.Addr
		want int
	}{{[][]netip.Addr{{A}}, 2}, {[][]netip.Addr{{B}, {C}}, 3}, {[][]netip.Addr{{A, B}, {C}}, 3}, {[][]netip.Addr{{A, B}, {A, C}}, 2}, {[][]netip.Addr{{addr("10.0.0.9")}}, 0}} {
		r := s.run(Options{PairSets: tc.sets})
		if len(r.Pairs) != tc.want {
			t.Errorf("PairSets %v: %d pairs, want %d", tc.sets, len(r.Pairs), tc.want)
		}
	}
}

// TestIgnored: frames without IP, multicast and broadcast destinations
// and a host talking to itself make no pair.
func TestIgnored(t *testing.T) {
	s := newStream(t)
	A := addr("10.0.0.1")
	s.udp(1, A, addr("224.0.0.251"), 5353, 5353, 40)
	s.udp(2, A, addr("255.255.255.255"), 68, 67, 300)
	s.udp(3, A, A, 1, 2, 3)
	s.udp(4, addr("ff02::1"), addr("fe80::1"), 1, 2, 3)
	s.msgs = append(s.msgs, decoders.Message{Time: at(5)})
	r := s.run(Options{})
	if len(r.Pairs) != 0 || r.Frames != 5 {
		t.Errorf("%d pairs, %d frames", len(r.Pairs), r.Frames)
	}
	if r.First.IsZero() || !r.Last.Equal(at(5)) {
		t.Errorf("first %v last %v", r.First, r.Last)
	}
	empty := newAnalysis(Options{}).finish()
	b, err := json.Marshal(empty)
	if err != nil || !bytes.Contains(b, []byte(`"first":null`)) || !bytes.Contains(b, []byte(`"pairs":[]`)) {
		t.Errorf("empty result: %s %v", b, err)
	}
}

// TestJSONContract checks the field names DESIGN.md promises, on a result
// with every part filled in.
func TestJSONContract(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	c := newScen(t, rng, addr("10.0.0.1"), addr("10.0.0.2"))
	genKB(c, 0, defaultKB())
	c2 := newScen(t, rng, addr("10.0.0.3"), addr("10.0.0.4"))
	genHealthy(c2, 0, 300)
	c.s.merge(c2.s)
	smbConversation(c.s, addr("10.0.0.5"), addr("10.0.0.6"), 0)
	r := c.s.run(Options{})
	res := result.NewResult("test", *r)
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	need := func(obj any, where string, keys ...string) map[string]any {
		t.Helper()
		m, ok := obj.(map[string]any)
		if !ok {
			t.Fatalf("%s: not an object", where)
		}
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("%s: no %q", where, k)
			}
		}
		return m
	}
	first := func(obj any, key string) any {
		t.Helper()
		l, ok := obj.(map[string]any)[key].([]any)
		if !ok || len(l) == 0 {
			t.Fatalf("%s: empty", key)
		}
		return l[0]
	}
	top := need(doc, "result", "schema_version", "tool", "captures")
	if top["schema_version"].(float64) != 1 {
		t.Errorf("schema_version %v", top["schema_version"])
	}
	need(top["tool"], "tool", "name", "version")
	capt := need(first(top, "captures"), "capture", "file", "format", "frames", "first", "last", "warnings", "hosts", "pairs")
	need(first(capt, "hosts"), "host", "addr", "os", "vendor_ids")
	var kb, healthy, smb map[string]any
	for _, p := range capt["pairs"].([]any) {
		pm := need(p, "pair", "initiator", "responder", "verdict", "findings", "negotiations", "sas", "gaps")
		switch {
		case pm["verdict"] == result.VerdictKB977526:
			kb = pm
		case pm["verdict"] == result.VerdictHealthyIPsec:
			healthy = pm
		case pm["smb"] != nil:
			smb = pm
		}
	}
	if kb == nil || healthy == nil || smb == nil {
		t.Fatalf("pairs missing: kb %v healthy %v smb %v", kb != nil, healthy != nil, smb != nil)
	}
	f := need(first(kb, "findings"), "finding", "id", "confidence", "summary", "cycles", "evidence", "wireshark_filter")
	need(first(f, "cycles"), "cycle", "outage_start", "outage_end", "outage_seconds", "soft_sa_start", "soft_sa_end", "soft_sa_seconds", "frames")
	need(first(f, "evidence"), "evidence", "frame", "time", "what")
	need(first(kb, "negotiations"), "negotiation", "protocol", "exchange", "initiator_spi", "responder_spi", "start", "end",
		"messages", "retransmissions", "outcome", "notify", "first_frame")
	need(first(healthy, "sas"), "sa", "kind", "spi", "start", "end", "packets", "bytes")
	need(first(kb, "gaps"), "gap", "start", "end", "seconds", "one_way_frames")
	need(smb["smb"], "smb", "dialect", "sessions", "bytes_read", "bytes_written", "files")
	ts := first(f, "cycles").(map[string]any)["outage_start"].(string)
	if _, err := time.Parse(time.RFC3339Nano, ts); err != nil || !strings.HasSuffix(ts, "Z") {
		t.Errorf("time %q: %v", ts, err)
	}
}

// TestDeterministic: the same input gives byte-identical JSON.
func TestDeterministic(t *testing.T) {
	var out [2][]byte
	for i := range out {
		rng := rand.New(rand.NewPCG(7, 7))
		all := newStream(t)
		used := map[netip.Addr]bool{}
		for _, kind := range contrastKinds {
			a, b := twoAddrs(rng, used)
			c := newScen(t, rng, a, b)
			genContrast(c, kind, rng.Float64()*100)
			all.merge(c.s)
		}
		out[i], _ = json.Marshal(all.run(Options{}))
	}
	if !bytes.Equal(out[0], out[1]) {
		t.Error("two runs differ")
	}
}

// smb2 builds one NetBIOS session message holding an SMB2 message.
func smb2(cmd uint16, resp bool, msgID, session uint64, body []byte) []byte {
	h := make([]byte, 64)
	copy(h, "\xfeSMB")
	binary.LittleEndian.PutUint16(h[4:], 64)
	binary.LittleEndian.PutUint16(h[12:], cmd)
	if resp {
		binary.LittleEndian.PutUint32(h[16:], smb.SMB2FlagResponse)
	}
	binary.LittleEndian.PutUint64(h[24:], msgID)
	binary.LittleEndian.PutUint64(h[40:], session)
	msg := append(h, body...)
	nb := []byte{0, byte(len(msg) >> 16), byte(len(msg) >> 8), byte(len(msg))}
	return append(nb, msg...)
}

func utf16le(s string) []byte {
	var b []byte
	for _, r := range s {
		b = binary.LittleEndian.AppendUint16(b, uint16(r))
	}
	return b
}

// smbConversation: negotiate 3.0.2, open a file, read 64 KiB twice, then
// a READ that is never answered while the client retransmits.
func smbConversation(s *stream, cl, srv netip.Addr, t0 float64) (fileID [16]byte) {
	cseq, sseq := uint32(1000), uint32(9000)
	send := func(t float64, fromClient bool, data []byte) {
		if fromClient {
			s.tcpData(t, cl, srv, 50001, 445, decoders.TCPAck|decoders.TCPPsh, cseq, sseq, data)
			cseq += uint32(len(data))
		} else {
			s.tcpData(t, srv, cl, 445, 50001, decoders.TCPAck|decoders.TCPPsh, sseq, cseq, data)
			sseq += uint32(len(data))
		}
	}
	s.tcp(t0, cl, srv, 50001, 445, decoders.TCPSyn, cseq-1, 0, 0)
	s.tcp(t0+0.001, srv, cl, 445, 50001, decoders.TCPSyn|decoders.TCPAck, sseq-1, cseq, 0)
	neg := make([]byte, 65)
	neg[0] = 65
	binary.LittleEndian.PutUint16(neg[4:], smb.Dialect302)
	send(t0+0.01, true, smb2(smb.SMB2Negotiate, false, 0, 0, []byte{36, 0, 0, 0}))
	send(t0+0.02, false, smb2(smb.SMB2Negotiate, true, 0, 0, neg))
	name := utf16le(`share\big.iso`)
	create := make([]byte, 56)
	create[0] = 57
	binary.LittleEndian.PutUint16(create[44:], 64+56)
	binary.LittleEndian.PutUint16(create[46:], uint16(len(name)))
	create = append(create, name...)
	send(t0+0.03, true, smb2(smb.SMB2Create, false, 1, 77, create))
	cr := make([]byte, 88)
	cr[0] = 89
	for i := range fileID {
		fileID[i] = byte(i + 1)
	}
	copy(cr[64:], fileID[:])
	send(t0+0.04, false, smb2(smb.SMB2Create, true, 1, 77, cr))
	read := func(id uint64, off uint64) []byte {
		b := make([]byte, 48)
		b[0] = 49
		binary.LittleEndian.PutUint32(b[4:], 65536)
		binary.LittleEndian.PutUint64(b[8:], off)
		copy(b[16:], fileID[:])
		return smb2(smb.SMB2Read, false, id, 77, b)
	}
	readResp := func(id uint64) []byte {
		b := make([]byte, 16)
		b[0] = 17
		binary.LittleEndian.PutUint32(b[4:], 65536)
		return smb2(smb.SMB2Read, true, id, 77, b)
	}
	send(t0+0.05, true, read(2, 0))
	send(t0+0.06, false, readResp(2))
	send(t0+0.07, true, read(3, 65536))
	send(t0+0.08, false, readResp(3))
	// The third READ is never answered: retransmitted for 40 s.
	req := read(4, 131072)
	for _, d := range []float64{0, 0.3, 0.9, 2.1, 4.5, 9.3, 18.9, 38.1} {
		s.tcpData(t0+1+d, cl, srv, 50001, 445, decoders.TCPAck|decoders.TCPPsh, cseq, sseq, req)
	}
	return fileID
}

// TestSMB follows an SMB2 session and names what was in flight when the
// server stopped answering.
func TestSMB(t *testing.T) {
	s := newStream(t)
	cl, srv := addr("10.9.0.1"), addr("10.9.0.2")
	smbConversation(s, cl, srv, 0)
	r := s.run(Options{})
	p := findPair(r, cl, srv)
	if p == nil || p.SMB == nil {
		t.Fatalf("no SMB summary: %+v", p)
	}
	sm := p.SMB
	if sm.Dialect != smb.DialectName(smb.Dialect302) || sm.Sessions != 1 || sm.BytesRead != 131072 ||
		!slices.Equal(sm.Files, []string{`share\big.iso`}) || sm.Requests != 5 || sm.Responses != 4 {
		t.Errorf("SMB summary %+v", sm)
	}
	if len(sm.InFlight) != 1 || !strings.HasPrefix(sm.InFlight[0], "READ 65536 bytes at offset 131072 of share\\big.iso") {
		t.Errorf("in flight %q", sm.InFlight)
	}
	if p.Verdict != result.VerdictClearOnly || findingByID(p, result.FindingTrafficGap) == nil {
		t.Errorf("verdict %s findings %v", p.Verdict, summaries(p))
	}
	if len(p.Gaps) != 1 || !p.Gaps[0].Open || p.Gaps[0].Retransmissions != 7 || len(p.Gaps[0].SMBInFlight) != 1 {
		t.Errorf("gaps %+v", p.Gaps)
	}
}

// TestIPFragmentsLost: UDP fragments never reassembled on a pair that
// speaks IKE.
func TestIPFragmentsLost(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	c := newScen(t, rng, addr("10.0.0.1"), addr("10.0.0.2"))
	c.negotiate(0, 60, c.a, c.b, ikeAnswered, nil)
	for i, d := range []float64{0.5, 1.5, 3.5} {
		c.s.ipFrag(d, c.a, c.b, uint32(100+i))
	}
	r := c.s.run(Options{})
	p := findPair(r, c.a, c.b)
	f := findingByID(p, result.FindingIKEFragmentsLost)
	if f == nil || len(f.Evidence) != 3 {
		t.Fatalf("findings %v", summaries(p))
	}
}

// buildPcap writes n Ethernet/IPv4/TCP frames of a few clear
// conversations as a pcap file.
func buildPcap(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{0, 1, 2, 3, 4, 5}, DstMAC: net.HardwareAddr{0, 1, 2, 3, 4, 6}, EthernetType: layers.EthernetTypeIPv4}
	sb := gopacket.NewSerializeBuffer()
	for i := 0; i < n; i++ {
		src, dst := net.IP{10, 0, 0, byte(1 + i%5)}, net.IP{10, 0, 1, 1}
		sp, dp := layers.TCPPort(50000+i%5), layers.TCPPort(80)
		if i%2 == 1 {
			src, dst, sp, dp = dst, src, dp, sp
		}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src, DstIP: dst}
		tcp := &layers.TCP{SrcPort: sp, DstPort: dp, Seq: uint32(i * 100), ACK: true, PSH: true, Window: 8192}
		tcp.SetNetworkLayerForChecksum(ip)
		if err := gopacket.SerializeLayers(sb, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
			eth, ip, tcp, gopacket.Payload(make([]byte, 100))); err != nil {
			t.Fatal(err)
		}
		ci := gopacket.CaptureInfo{Timestamp: at(float64(i) / 100), CaptureLength: len(sb.Bytes()), Length: len(sb.Bytes())}
		if err := w.WritePacket(ci, sb.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// countdownCtx is cancelled after its Err has been asked calls times:
// cancellation in the middle of a capture without any timing.
type countdownCtx struct {
	context.Context
	calls int
}

func (c *countdownCtx) Err() error {
	if c.calls--; c.calls < 0 {
		return context.Canceled
	}
	return nil
}

func TestAnalyzeCancel(t *testing.T) {
	data := buildPcap(t, 5000)
	for _, tc := range []struct {
		calls, frames int
	}{{0, 0}, {2, 2 * ctxCheckEvery}} {
		c, err := capture.NewCapture("x.pcap", bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		r, err := Analyze(&countdownCtx{Context: context.Background(), calls: tc.calls}, c, Options{})
		if !errors.Is(err, context.Canceled) || r == nil {
			t.Fatalf("err %v result %v", err, r)
		}
		if r.Frames != tc.frames || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "canceled") {
			t.Errorf("frames %d warnings %q", r.Frames, r.Warnings)
		}
		if tc.frames > 0 && len(r.Pairs) != 5 {
			t.Errorf("%d pairs", len(r.Pairs))
		}
	}
}

func TestAnalyzeDamaged(t *testing.T) {
	data := buildPcap(t, 100)
	c, err := capture.NewCapture("cut.pcap", bytes.NewReader(data[:len(data)-30]))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Analyze(context.Background(), c, Options{})
	var ce *capture.CaptureError
	if !errors.As(err, &ce) || r == nil {
		t.Fatalf("err %v", err)
	}
	if r.Frames != 99 || len(r.Pairs) != 5 || r.Error != "" || len(r.Warnings) != 1 || r.Format != "pcap" || r.File != "cut.pcap" {
		t.Errorf("frames %d pairs %d error %q warnings %q", r.Frames, len(r.Pairs), r.Error, r.Warnings)
	}
	// Nothing readable at all: the error is the result's error too.
	c, err = capture.NewCapture("hdr.pcap", bytes.NewReader(data[:24+10]))
	if err != nil {
		t.Fatal(err)
	}
	r, err = Analyze(context.Background(), c, Options{})
	if err == nil || r.Error == "" || r.Frames != 0 {
		t.Errorf("err %v result error %q", err, r.Error)
	}
}

// TestWiresharkFilters runs every filter of every sample through tshark:
// each must compile, and a KB filter must show every frame of its cycles
// and nothing outside the pair.
func TestWiresharkFilters(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	testenv.Tool(t, "tshark") // skips (or, in CI, fails) before any analysis when tshark is absent
	files, _ := filepath.Glob("../samples/*.pcap*")
	if len(files) == 0 {
		t.Skip("no samples")
	}
	filters := map[string]bool{}
	for _, f := range files {
		c, err := capture.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Analyze(context.Background(), c, Options{})
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range r.Pairs {
			for _, fd := range p.Findings {
				filters[fd.WiresharkFilter] = true
				if fd.ID != result.FindingKB977526 || !strings.Contains(f, "vista-to-xp") {
					continue
				}
				out := testenv.Run(t, "tshark", "-r", f, "-Y", fd.WiresharkFilter, "-T", "fields", "-e", "frame.number", "-e", "ip.addr")
				shown := map[string]bool{}
				for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
					fields := strings.Split(line, "\t")
					shown[fields[0]] = true
					if len(fields) < 2 || !strings.Contains(fields[1], p.Initiator) || !strings.Contains(fields[1], p.Responder) {
						t.Errorf("frame outside the pair shown: %q", line)
					}
				}
				for _, cy := range fd.Cycles {
					for _, fr := range cy.Frames {
						if !shown[fmt.Sprint(fr)] {
							t.Errorf("cycle frame %d not shown by %q", fr, fd.WiresharkFilter)
						}
					}
				}
			}
		}
	}
	// The synthetic scenarios produce every other finding.
	for i, sc := range scenarios {
		rng := rand.New(rand.NewPCG(uint64(i), 977526))
		c := newScen(t, rng, addr("2001:db8::1"), addr("2001:db8::2"))
		sc.gen(c)
		for _, p := range c.s.run(Options{}).Pairs {
			for _, fd := range p.Findings {
				filters[fd.WiresharkFilter] = true
			}
		}
	}
	// One tiny capture to compile the rest against.
	tiny := filepath.Join(t.TempDir(), "tiny.pcap")
	if err := os.WriteFile(tiny, buildPcap(t, 1), 0o644); err != nil {
		t.Fatal(err)
	}
	for f := range filters {
		if _, err := testenv.Output(t, "tshark", "-r", tiny, "-Y", f); err != nil {
			t.Errorf("tshark rejects %q: %v", f, err)
		}
	}
}

// TestCorpus analyses every real capture in $SOFTSA_CORPUS: nothing may
// panic, and the IKE captures must come out as their content says.
func TestCorpus(t *testing.T) {
	dir := testenv.CorpusDir(t)
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".pcap") || strings.HasSuffix(p, ".pcapng") || strings.HasSuffix(p, ".cap")) {
			files = append(files, p)
		}
		return nil
	})
	want := map[string]string{
		"ISAKMP_sa_setup.pcap":                     result.VerdictHealthyIPsec,
		"ikev1-rules__ikev1-isakmp-main-mode.pcap": result.VerdictHealthyIPsec,
		"ikev2four.pcap":                           result.VerdictHealthyIPsec,
		"isakmp4500.pcap":                          result.VerdictHealthyIPsec,
	}
	for _, f := range files {
		c, err := capture.Open(f)
		if err != nil {
			continue
		}
		r, _ := Analyze(context.Background(), c, Options{})
		c.Close()
		if _, err := json.Marshal(r); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if v, ok := want[filepath.Base(f)]; ok {
			found := false
			for _, p := range r.Pairs {
				found = found || p.Verdict == v
			}
			if !found {
				b, _ := json.MarshalIndent(r.Pairs, "", " ")
				t.Errorf("%s: no %s pair: %s", f, v, b)
			}
		}
	}
}

// TestNoRetain: Add copies what it keeps. Overwriting every message's bytes
// after Add, as a Decoder reusing its buffers does, changes nothing.
func TestNoRetain(t *testing.T) {
	var out [2][]byte
	for i := range out {
		rng := rand.New(rand.NewPCG(9, 9))
		c := newScen(t, rng, addr("10.0.0.1"), addr("10.0.0.2"))
		genKB(c, 0, defaultKB())
		smbConversation(c.s, addr("10.0.0.5"), addr("10.0.0.6"), 0)
		a := newAnalysis(Options{})
		msgs := c.s.sorted()
		for k := range msgs {
			m := msgs[k]
			if i == 1 {
				// Own copies, scribbled over once Add returns.
				m.AppData = append([]byte(nil), m.AppData...)
				m.Payload = append([]byte(nil), m.Payload...)
				if msgs[k].App == decoders.AppSMB || msgs[k].App == decoders.AppISAKMP {
					m.Payload = m.AppData
				}
			}
			a.add(&m)
			if i == 1 {
				for j := range m.AppData {
					m.AppData[j] = 0xEE
				}
				for j := range m.Payload {
					m.Payload[j] = 0xEE
				}
				m.Src, m.Dst = netip.Addr{}, netip.Addr{}
			}
		}
		out[i], _ = json.Marshal(a.finish())
	}
	if !bytes.Equal(out[0], out[1]) {
		t.Error("the result depends on message bytes after Add returned")
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"softsa/analyzer/result"
)

// noIPsecGapCapture writes a capture without any IKE or ESP: a TCP
// conversation whose client then retransmits unanswered for 40 s before
// the server answers again (peer-to-peer traffic often looks like this).
func noIPsecGapCapture(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriter(&buf, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	a, b := net.IPv4(10, 9, 0, 1).To4(), net.IPv4(10, 9, 0, 2).To4()
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var seq [2]uint32
	seg := func(sec float64, fromA bool, syn, ack bool, n int) {
		src, dst, sp, dp, d := a, b, uint16(50000), uint16(6881), 0
		if !fromA {
			src, dst, sp, dp, d = b, a, 6881, 50000, 1
		}
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, byte(1 + d)}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, byte(2 - d)}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src, DstIP: dst}
		tcp := &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), SYN: syn, ACK: ack, PSH: n > 0, Seq: seq[d], Ack: seq[1-d], Window: 8192}
		if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
			t.Fatal(err)
		}
		sb := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(sb, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(make([]byte, n))); err != nil {
			t.Fatal(err)
		}
		data := sb.Bytes()
		ts := t0.Add(time.Duration(sec * float64(time.Second)))
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(data), Length: len(data)}, data); err != nil {
			t.Fatal(err)
		}
	}
	seg(0, true, true, false, 0)
	seq[0]++
	seg(0.01, false, true, true, 0)
	seq[1]++
	seg(0.02, true, false, true, 0)
	sec := 0.1
	for i := 0; i < 20; i++ { // two-way traffic
		seg(sec, true, false, true, 200)
		seq[0] += 200
		seg(sec+0.01, false, false, true, 400)
		seq[1] += 400
		sec += 0.5
	}
	// The client's next segment goes unanswered: retransmitted with
	// backoff for 40 s, the same sequence number each time.
	for _, d := range []float64{0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5, 40} {
		seg(sec+d, true, false, true, 200)
	}
	seq[0] += 200
	sec += 40.2
	seg(sec, false, false, true, 400)
	seq[1] += 400
	for i := 0; i < 5; i++ {
		sec += 0.5
		seg(sec, true, false, true, 200)
		seq[0] += 200
		seg(sec+0.01, false, false, true, 400)
		seq[1] += 400
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "p2p-no-ipsec.pcapng")
	writeFile(t, path, buf.Bytes(), 0o644)
	return path
}

// TestInformationalOnlyExitsZero: a capture without IPsec whose only
// finding is TRAFFIC_GAP, informational there, exits 0; the JSON carries
// the finding with "severity": "info".
func TestInformationalOnlyExitsZero(t *testing.T) {
	o := withDefaults(analyzeOptions{Inputs: []string{noIPsecGapCapture(t)}})
	o.Format, o.Quiet = "json", true
	s, stdout, stderr := bufStreams()
	code := runAnalyze(o, s)
	var r result.Result
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("exit %d: %v; %s", code, err, stderr.String())
	}
	if len(r.Captures) != 1 || len(r.Captures[0].Pairs) != 1 {
		t.Fatalf("want one capture with one pair: %+v", r.Captures)
	}
	p := r.Captures[0].Pairs[0]
	if p.Verdict != result.VerdictClearOnly || len(p.Findings) != 1 || p.Findings[0].ID != result.FindingTrafficGap {
		t.Fatalf("verdict %s, findings %+v; want clear-only with one TRAFFIC_GAP", p.Verdict, p.Findings)
	}
	if f := p.Findings[0]; f.Severity != result.FindingSeverityInfo || !f.Informational {
		t.Errorf("TRAFFIC_GAP without IPsec: severity %q, informational %v; want info", f.Severity, f.Informational)
	}
	if code != exitOK {
		t.Errorf("exit %d, want %d: informational findings only", code, exitOK)
	}
}

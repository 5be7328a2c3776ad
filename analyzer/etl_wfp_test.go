package analyzer

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"softsa/analyzer/result"
	"softsa/convert"
	"softsa/decoders/capture"
	"softsa/decoders/etl/etltest"
)

// ipOf returns the IP packet of an untagged Ethernet frame or a raw IP
// frame, or nil.
func ipOf(f twinFrame) []byte {
	switch f.link {
	case layers.LinkTypeRaw:
		return f.data
	case layers.LinkTypeEthernet:
		if len(f.data) > 14 {
			if et := binary.BigEndian.Uint16(f.data[12:]); et == 0x0800 || et == 0x86DD {
				return f.data[14:]
			}
		}
	}
	return nil
}

// decrypted returns what the WFP layer logs for an ESP packet: the TCP
// segment inside, between the same addresses (the samples' ESP is not
// decryptable, so a segment to port 445 stands for it).
func decrypted(t *testing.T, ip []byte, n int) etltest.WFP {
	t.Helper()
	m, ok := etltest.FromIP(ip)
	if !ok {
		t.Fatal("not an IP packet")
	}
	tcp := &layers.TCP{SrcPort: 49200, DstPort: 445, Seq: uint32(n) * 1000, ACK: true, PSH: true, Window: 64240}
	b := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(b, gopacket.SerializeOptions{FixLengths: true}, tcp, gopacket.Payload(bytes.Repeat([]byte{0x5A}, 64))); err != nil {
		t.Fatal(err)
	}
	m.Proto, m.Payload = 6, b.Bytes()
	return m
}

// isESP reports whether an IP packet carries ESP, raw or in UDP 4500.
func isESP(ip []byte) bool {
	m, ok := etltest.FromIP(ip)
	if !ok {
		return false
	}
	if m.Proto == 50 {
		return true
	}
	return m.Proto == 17 && len(m.Payload) >= 12 && binary.BigEndian.Uint16(m.Payload[2:]) == 4500 &&
		binary.BigEndian.Uint32(m.Payload[8:]) != 0 && len(m.Payload) > 9
}

// wfpTwin writes frames as an NDIS trace (each packet at two layers of one
// miniport, folded) with, when wfp is set, the WFP layer's view of every
// IP packet beside it: the same packet for clear traffic and IKE, the
// decrypted TCP segment for ESP, alternately in one event and in three
// fragments of event 2000. It returns the file and how many WFP packets
// each pair ("lo–hi") got.
func wfpTwin(t *testing.T, frames []twinFrame, wfp bool) ([]byte, map[string]int, int) {
	t.Helper()
	file := etltest.File{Start: frames[0].t.Add(-time.Second), End: frames[len(frames)-1].t.Add(time.Second)}
	perPair := map[string]int{}
	total := 0
	var bufs []etltest.Buffer
	var buf etltest.Buffer
	for i, f := range frames {
		kw := uint64(etltest.KwStart | etltest.KwEnd | etltest.KwSend)
		if f.link == layers.LinkTypeRaw {
			kw |= etltest.KwWirelessWAN
		}
		buf.Events = append(buf.Events,
			etltest.NDIS{Miniport: 7, Lower: 7, Fragment: f.data}.Event(f.t, kw),
			etltest.NDIS{Miniport: 7, Lower: 12, Fragment: f.data}.Event(f.t.Add(2*time.Microsecond), kw))
		ip := ipOf(f)
		if m, ok := etltest.FromIP(ip); wfp && ok {
			if isESP(ip) {
				m = decrypted(t, ip, i)
			}
			// A microsecond after the wire copy: the order of the two
			// is fixed, so frame numbers are too.
			at := f.t.Add(time.Microsecond)
			if i%2 == 0 {
				buf.Events = append(buf.Events, m.Event(at, i%4 == 0))
			} else {
				buf.Events = append(buf.Events, m.Fragments(at, true, uint32(i), 3)...)
			}
			lo, hi := wfpPairName(m.Src, m.Dst)
			perPair[lo+"–"+hi]++
			total++
		}
		if len(buf.Events) >= 150 && i+1 < len(frames) && !frames[i+1].t.Equal(f.t) {
			bufs = append(bufs, buf)
			buf = etltest.Buffer{CPU: uint16(len(bufs) % 2), Compressed: len(bufs)%2 == 1}
		}
	}
	bufs = append(bufs, buf)
	return etltest.Write(file, bufs), perPair, total
}

func wfpPairName(src, dst []byte) (string, string) {
	s, _ := netip.AddrFromSlice(src)
	d, _ := netip.AddrFromSlice(dst)
	a, b := s.String(), d.String()
	if b < a {
		a, b = b, a
	}
	return a, b
}

// verdicts is what must not change when the WFP layer's packets are added:
// per pair, its verdict, findings, cycles (times), negotiations, SAs and
// packet counts; the frame numbers do change (the WFP frames take numbers
// too) and are left out.
func verdicts(r *result.CaptureResult) string {
	var b strings.Builder
	for _, p := range r.Pairs {
		fmt.Fprintf(&b, "%s–%s %s clear=%d/%d esp=%d ike=%d negs=%d sas=%d gaps=%d first=%v last=%v\n", p.Initiator, p.Responder, p.Verdict,
			p.ClearPackets, p.ClearBytes, p.ESPPackets, p.IKEMessages, len(p.Negotiations), len(p.SAs), len(p.Gaps), p.First, p.Last)
		for _, f := range p.Findings {
			fmt.Fprintf(&b, "  %s %.2f %s evidence=%d\n", f.ID, f.Confidence, f.Summary, len(f.Evidence)+f.EvidenceOmitted)
			for _, c := range f.Cycles {
				fmt.Fprintf(&b, "    %v–%v %.3f / %v–%v %.3f\n", c.OutageStart, c.OutageEnd, c.OutageSeconds, c.SoftSAStart, c.SoftSAEnd, c.SoftSASeconds)
			}
		}
	}
	return b.String()
}

func analyzeETL(t *testing.T, name string, data []byte) *result.CaptureResult {
	t.Helper()
	c, err := capture.NewCapture(name, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r, err := Analyze(context.Background(), c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestWFPLayerTwin adds to an NDIS twin of a sample the WFP layer's view of
// its packets: ESP on the wire, the decrypted segment above IPsec; clear
// traffic and IKE the same on both. The verdicts, findings, cycles and
// counts must equal those of the wire-only twin (a WFP copy taken for
// clear traffic would make an IPsec pair look like a fallback to clear, or
// double a KB pair's clear packets), and the report must count the WFP
// packets per pair and say that they were seen decrypted.
func TestWFPLayerTwin(t *testing.T) {
	for _, name := range []string{"healthy-ipsec-ikev1.pcapng", "healthy-ikev2-natt.pcapng", "kb977526-vista-to-xp.pcapng", "busy-office.pcapng"} {
		t.Run(name, func(t *testing.T) {
			frames, ok := sampleFrames(t, "../samples/"+name)
			if !ok {
				t.Fatal("link types")
			}
			wire, _, _ := wfpTwin(t, frames, false)
			both, perPair, total := wfpTwin(t, frames, true)
			want := analyzeETL(t, name+".wire.etl", wire)
			got := analyzeETL(t, name+".wfp.etl", both)
			if g, w := verdicts(got), verdicts(want); g != w {
				t.Errorf("with the WFP layer:\n%s\nwire only:\n%s", g, w)
			}
			if want.WFPLayer != nil || got.WFPLayer == nil || got.WFPLayer.Packets != total || got.WFPLayer.WireFrames != len(frames) ||
				!strings.Contains(got.WFPLayer.Note, fmt.Sprintf("%d packets were seen decrypted at the WFP layer", total)) {
				t.Fatalf("WFP layer %+v (want %d packets beside %d wire frames); wire-only twin %+v", got.WFPLayer, total, len(frames), want.WFPLayer)
			}
			if got.Frames != len(frames)+total || got.ETL == nil || got.ETL.Layers["wfp"] != total || got.ETL.Layers["wire"] != len(frames) || got.ETL.Folded != len(frames) {
				t.Errorf("%d frames, ETL counts %+v", got.Frames, got.ETL)
			}
			counted := 0
			for _, p := range got.Pairs {
				lo, hi := p.Initiator, p.Responder
				if hi < lo {
					lo, hi = hi, lo
				}
				if p.WFPPackets != perPair[lo+"–"+hi] {
					t.Errorf("pair %s–%s: %d WFP packets, want %d", lo, hi, p.WFPPackets, perPair[lo+"–"+hi])
				}
				counted += p.WFPPackets
			}
			if counted+got.WFPLayer.OtherPairs != total {
				t.Errorf("%d WFP packets in pairs + %d in others, want %d", counted, got.WFPLayer.OtherPairs, total)
			}
			// softsa convert's pcapng of the twin: the WFP layer's
			// interface says what it is, and read back its frames are
			// WFP-layer frames again, kept out of the wire's analysis.
			c, err := capture.NewCapture(name+".wfp.etl", bytes.NewReader(both))
			if err != nil {
				t.Fatal(err)
			}
			var pc bytes.Buffer
			_, err = convert.Write(&pc, c)
			c.Close()
			if err != nil {
				t.Fatal(err)
			}
			conv := analyzeETL(t, name+".wfp.pcapng", pc.Bytes())
			if g, w := verdicts(conv), verdicts(want); g != w {
				t.Errorf("converted to pcapng:\n%s\nwire only:\n%s", g, w)
			}
			if conv.WFPLayer == nil || conv.WFPLayer.Packets != total || conv.Frames != got.Frames {
				t.Errorf("converted to pcapng: %d frames (ETL %d), WFP layer %+v", conv.Frames, got.Frames, conv.WFPLayer)
			}
			for i, p := range conv.Pairs {
				if p.WFPPackets != got.Pairs[i].WFPPackets {
					t.Errorf("converted to pcapng: pair %s–%s: %d WFP packets, the ETL %d", p.Initiator, p.Responder, p.WFPPackets, got.Pairs[i].WFPPackets)
				}
			}
		})
	}
}

// TestWFPLayerOnly: an ETL file with nothing but WFP-layer packets reports
// no pair and says that the analysis cannot see the wire.
func TestWFPLayerOnly(t *testing.T) {
	frames, _ := sampleFrames(t, "../samples/healthy-ipsec-ikev1.pcapng")
	file := etltest.File{Start: frames[0].t.Add(-time.Second), End: frames[len(frames)-1].t.Add(time.Second)}
	var buf etltest.Buffer
	n := 0
	for i, f := range frames {
		ip := ipOf(f)
		if m, ok := etltest.FromIP(ip); ok {
			if isESP(ip) {
				m = decrypted(t, ip, i)
			}
			buf.Events = append(buf.Events, m.Event(f.t, true))
			n++
		}
	}
	r := analyzeETL(t, "wfp-only.etl", etltest.Write(file, []etltest.Buffer{buf}))
	if len(r.Pairs) != 0 || r.WFPLayer == nil || r.WFPLayer.WireFrames != 0 || r.WFPLayer.Packets != n || r.WFPLayer.OtherPairs != n ||
		!strings.Contains(r.WFPLayer.Note, "cannot see the wire") || !strings.Contains(r.WFPLayer.Note, fmt.Sprintf("all %d packets", n)) {
		t.Errorf("%d pairs, WFP layer %+v", len(r.Pairs), r.WFPLayer)
	}
}

// TestDroppedEvidence: a pktmon twin of the main sample in which the
// first frame a finding cites was logged as dropped (event 170): the
// evidence says so, with the drop reason, and nothing else changes.
func TestDroppedEvidence(t *testing.T) {
	path := "../samples/kb977526-vista-to-xp.pcapng"
	frames, _ := sampleFrames(t, path)
	want := analyzeETL(t, "twin.etl", etlTwin(frames, false, false))
	if len(want.Pairs) == 0 || len(want.Pairs[0].Findings) == 0 || len(want.Pairs[0].Findings[0].Evidence) == 0 {
		t.Fatal("no evidence in the main sample")
	}
	cited := want.Pairs[0].Findings[0].Evidence[0].Frame
	file := etltest.File{Start: frames[0].t.Add(-time.Second), End: frames[len(frames)-1].t.Add(time.Second)}
	var buf etltest.Buffer
	for i, f := range frames {
		p := etltest.Pktmon{Group: uint64(0x10000 + i), Number: 1, Appearance: 1, PacketType: 1, Component: 59, Payload: f.data}
		buf.Events = append(buf.Events, p.Event(f.t, false))
		p.Appearance, p.Component = 2, 61
		if i+1 == cited {
			p.DropReason = 51
		}
		buf.Events = append(buf.Events, p.Event(f.t.Add(2*time.Microsecond), i+1 == cited))
	}
	got := analyzeETL(t, "dropped.etl", etltest.Write(file, []etltest.Buffer{buf}))
	if got.ETL == nil || got.ETL.Dropped != 1 {
		t.Fatalf("ETL counts %+v", got.ETL)
	}
	marked, plain := 0, 0
	for i, p := range got.Pairs {
		for j, f := range p.Findings {
			for k, e := range f.Evidence {
				w := want.Pairs[i].Findings[j].Evidence[k]
				switch {
				case e.Frame == cited:
					if e.What != w.What+" ("+DroppedNote(51)+")" {
						t.Errorf("evidence of frame %d: %q", e.Frame, e.What)
					}
					marked++
				case e.What != w.What:
					t.Errorf("evidence of frame %d changed: %q, was %q", e.Frame, e.What, w.What)
				default:
					plain++
				}
			}
		}
	}
	if marked == 0 || plain == 0 {
		t.Errorf("%d marked, %d unmarked evidence", marked, plain)
	}
}

// TestConvertCommand: the frame-numbers note's command names the ETL file
// and its pcapng so that a shell runs it as written: plain paths as they
// are, paths with spaces in double quotes (Windows backslashes kept
// single), paths a POSIX shell would expand in double quotes in single
// quotes.
func TestConvertCommand(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"cases/trace.etl", "softsa convert cases/trace.etl -o cases/trace.pcapng"},
		{`C:\cases\net trace.etl`, `softsa convert "C:\cases\net trace.etl" -o "C:\cases\net trace.pcapng"`},
		{"a.b/trace.etl.gz", "softsa convert a.b/trace.etl.gz -o a.b/trace.pcapng"},
		{"cases/$HOME's trace.etl", `softsa convert 'cases/$HOME'\''s trace.etl' -o 'cases/$HOME'\''s trace.pcapng'`},
		{"dir.v2/trace", "softsa convert dir.v2/trace -o dir.v2/trace.pcapng"},
	} {
		if got := convertCommand(tc.in); got != tc.want {
			t.Errorf("%q: %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

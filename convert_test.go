package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"softsa/convert"
	"softsa/decoders/etl/etltest"
	"softsa/internal/testenv"
)

// convertFile runs softsa convert in -o out and wants exit 0.
func convertFile(t *testing.T, in, out string) {
	t.Helper()
	s, _, stderr := bufStreams()
	if code := run([]string{"convert", in, "-o", out}, s); code != exitOK || stderr.Len() != 0 {
		t.Fatalf("softsa convert %s: exit %d, stderr:\n%s", in, code, stderr)
	}
}

// analysisJSON is softsa's JSON report of one capture without what names
// the file (file, format) and the fields only an ETL file has, as a
// generic value to compare.
func analysisJSON(t *testing.T, in string) any {
	t.Helper()
	s, stdout, stderr := bufStreams()
	if code := run([]string{"-q", "--format", "json", in}, s); code != exitOK && code != exitFindings && code != exitPartial {
		t.Fatalf("softsa %s: exit %d, stderr:\n%s", in, code, stderr)
	}
	var r map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	for _, c := range r["captures"].([]any) {
		// What names the file, and what only an ETL file has (where its
		// frame numbers come from, the ETL reader's counts).
		for _, k := range []string{"file", "format", "frame_numbers", "etl", "wfp_layer"} {
			delete(c.(map[string]any), k)
		}
	}
	return r
}

// sameAnalysis checks the contract of convert: frame N of the conversion
// is frame N of softsa's analysis of the input, so the two reports are the
// same but for the file's name and format.
func sameAnalysis(t *testing.T, in, conv string) {
	t.Helper()
	a, b := analysisJSON(t, in), analysisJSON(t, conv)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Errorf("the analysis of %s differs from that of its conversion:\n%s\n%s", in, ja, jb)
	}
}

// tsharkFrames is what tshark says of each frame: time, length, protocols.
func tsharkFrames(t *testing.T, path string) string {
	t.Helper()
	return string(testenv.Run(t, "tshark", "-r", path, "-T", "fields", "-e", "frame.time_epoch", "-e", "frame.len", "-e", "frame.protocols"))
}

// TestConvertWiresharkAgrees converts samples written as pcapng, pcap
// (editcap), NetMon 2.x (editcap) and gzip, and wants tshark to see the
// same frames in the conversion as in the original (time to the
// nanosecond, length, protocols) and softsa the same analysis.
func TestConvertWiresharkAgrees(t *testing.T) {
	dir := t.TempDir()
	// busy-office has frames of several link types (one interface
	// each), which neither pcap nor NetMon holds in one file.
	for _, sample := range []string{"busy-office", "kb977526-ping", "healthy-ikev2-natt", "negotiation-failures"} {
		src := filepath.Join("samples", sample+".pcapng")
		inputs := []string{src}
		if sample != "busy-office" {
			pcap := filepath.Join(dir, sample+".pcap")
			testenv.Run(t, "editcap", "-F", "nsecpcap", src, pcap)
			netmon := filepath.Join(dir, sample+".cap")
			testenv.Run(t, "editcap", "-F", "netmon2", src, netmon)
			inputs = append(inputs, pcap, netmon)
		}
		gz := filepath.Join(dir, sample+".pcapng.gz")
		var zb bytes.Buffer
		zw := gzip.NewWriter(&zb)
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		zw.Write(b)
		zw.Close()
		writeFile(t, gz, zb.Bytes(), 0o644)
		for _, in := range append(inputs, gz) {
			out := filepath.Join(dir, filepath.Base(in)+".conv.pcapng")
			convertFile(t, in, out)
			orig := in
			if in == gz {
				orig = src // tshark reads gzip too, but the original is plainer
			}
			want, got := tsharkFrames(t, orig), tsharkFrames(t, out)
			if want != got {
				t.Errorf("%s: tshark sees other frames in the conversion:\n--- original\n%s\n--- conversion\n%s", in, want, got)
			}
			if strings.Count(want, "\n") < 10 {
				t.Errorf("%s: tshark sees only %d frames", in, strings.Count(want, "\n"))
			}
			sameAnalysis(t, in, out)
		}
	}
}

// TestConvertPktmonETL: the shared pktmon capture's conversion is read by
// tshark with no malformed packet and as many frames as softsa reports,
// and analyses as the ETL file does, frame for frame.
func TestConvertPktmonETL(t *testing.T) {
	in := filepath.Join(testenv.CorpusDir(t), "etl", "demikernel-pktmon.etl")
	out := filepath.Join(t.TempDir(), "pktmon.pcapng")
	convertFile(t, in, out)
	r := analysisJSON(t, in).(map[string]any)
	frames := int(r["captures"].([]any)[0].(map[string]any)["frames"].(float64))
	lines := strings.Split(strings.TrimSuffix(string(testenv.Run(t, "tshark", "-r", out, "-T", "fields", "-e", "frame.number", "-e", "_ws.malformed", "-e", "_ws.expert")), "\n"), "\n")
	if frames == 0 || len(lines) != frames {
		t.Errorf("tshark reads %d frames of the conversion, softsa reports %d", len(lines), frames)
	}
	for _, l := range lines {
		if f := strings.Split(l, "\t"); len(f) < 2 || f[1] != "" {
			t.Errorf("tshark: malformed frame in the conversion: %q", l)
		}
	}
	sameAnalysis(t, in, out)
}

// udpFrame is an Ethernet (or, raw, a bare IPv4) UDP datagram.
func udpFrame(t *testing.T, raw bool, sport uint16) []byte {
	t.Helper()
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: []byte{10, 0, 0, 1}, DstIP: []byte{10, 0, 0, 2}}
	udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: 9}
	udp.SetNetworkLayerForChecksum(ip)
	ls := []gopacket.SerializableLayer{ip, udp, gopacket.Payload("softsa")}
	if !raw {
		eth := &layers.Ethernet{SrcMAC: []byte{2, 0, 0, 0, 0, 1}, DstMAC: []byte{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
		ls = append([]gopacket.SerializableLayer{eth}, ls...)
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestConvertDirectionDropsInterfaces: an ETL file with NDIS frames sent
// and received on two Ethernet miniports, one on a WWAN (raw IP) miniport
// and a pktmon frame dropped (no adapter) becomes a pcapng with an
// interface per link type and adapter, the direction
// in each NDIS frame's flags and the drop reason in the dropped frame's
// comment, as tshark reads them.
func TestConvertDirectionDropsInterfaces(t *testing.T) {
	// ETL times are in 100 ns ticks.
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 123456700, time.UTC)
	file := etltest.File{Start: t0.Add(-time.Second), End: t0.Add(time.Minute)}
	kw := uint64(etltest.KwStart | etltest.KwEnd)
	buf := etltest.Buffer{Events: []etltest.Event{
		etltest.NDIS{Miniport: 7, Lower: 7, Fragment: udpFrame(t, false, 1001)}.Event(t0, kw|etltest.KwEthernet|etltest.KwSend),
		etltest.NDIS{Miniport: 7, Lower: 7, Fragment: udpFrame(t, false, 1002)}.Event(t0.Add(time.Second), kw|etltest.KwEthernet|etltest.KwReceive),
		etltest.NDIS{Miniport: 9, Lower: 9, Fragment: udpFrame(t, true, 1003)}.Event(t0.Add(2*time.Second), kw|etltest.KwWirelessWAN|etltest.KwReceive),
		etltest.Pktmon{Group: 5, Number: 1, Appearance: 1, PacketType: 1, Component: 3, DropReason: 42, Payload: udpFrame(t, false, 1004)}.Event(t0.Add(3*time.Second), true),
		etltest.NDIS{Miniport: 8, Lower: 8, Fragment: udpFrame(t, false, 1005)}.Event(t0.Add(4*time.Second), kw|etltest.KwEthernet|etltest.KwSend),
		etltest.NDIS{Miniport: 7, Lower: 7, Fragment: udpFrame(t, false, 1006)}.Event(t0.Add(5*time.Second), kw|etltest.KwEthernet|etltest.KwReceive),
	}}
	dir := t.TempDir()
	in := filepath.Join(dir, "mixed.etl")
	writeFile(t, in, etltest.Write(file, []etltest.Buffer{buf}), 0o644)
	out := filepath.Join(dir, "mixed.pcapng")
	convertFile(t, in, out)
	got := string(testenv.Run(t, "tshark", "-r", out, "-T", "fields", "-E", "separator=|",
		"-e", "frame.number", "-e", "frame.time_epoch", "-e", "frame.interface_id", "-e", "frame.packet_flags_direction", "-e", "frame.comment", "-e", "udp.srcport", "-e", "_ws.malformed"))
	want := strings.Join([]string{
		"1|1772359200.123456700|0|0x00000002||1001|",
		"2|1772359201.123456700|0|0x00000001||1002|",
		"3|1772359202.123456700|1|0x00000001||1003|",
		"4|1772359203.123456700|2||" + convert.DropComment(42) + "|1004|",
		"5|1772359204.123456700|3|0x00000002||1005|",
		"6|1772359205.123456700|0|0x00000001||1006|",
	}, "\n") + "\n"
	if got != want {
		t.Errorf("tshark reads the conversion as\n%s\nwant\n%s", got, want)
	}
	sameAnalysis(t, in, out)
}

// TestConvertOutputRules: the analysis's -o rules hold for convert: never
// the input, never a file holding a capture (checked before reading), no
// file left behind on refusal, and -o - streams the pcapng to stdout.
func TestConvertOutputRules(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join("samples", "kb977526-ping.pcapng")
	in := filepath.Join(dir, "in.pcapng")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, in, b, 0o644)
	other := filepath.Join(dir, "other.pcapng")
	writeFile(t, other, b, 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"convert", in, "-o", in}, "is the input"},
		{[]string{"convert", in, "-o", other}, "holds a capture"},
		{[]string{"convert", in, "-o", dir}, "is a folder"},
		{[]string{"convert", in, "-o", filepath.Join(dir, "nowhere", "x.pcapng")}, "does not exist"},
		{[]string{"convert", in}, "no output given"},
		{[]string{"convert", in, other, "-o", "x.pcapng"}, "one capture"},
	} {
		s, _, stderr := bufStreams()
		if code := run(tc.args, s); code != exitUsage || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("softsa %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(tc.args, " "), code, stderr, tc.want)
		}
	}
	for _, p := range []string{in, other} {
		if got, _ := os.ReadFile(p); !bytes.Equal(got, b) {
			t.Errorf("%s changed", p)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("the folder holds %d files after the refusals, want 2", len(ents))
	}

	// Never binary on a terminal.
	s, stdout, stderr := bufStreams()
	s.outTerminal = true
	if code := run([]string{"convert", in, "-o", "-"}, s); code != exitUsage || stdout.Len() != 0 || !strings.Contains(stderr.String(), "terminal") {
		t.Errorf("softsa convert -o - to a terminal: exit %d, %d bytes written, stderr %q", code, stdout.Len(), stderr)
	}

	s, stdout, stderr = bufStreams()
	if code := run([]string{"convert", in, "-o", "-"}, s); code != exitOK || stderr.Len() != 0 {
		t.Fatalf("softsa convert -o -: exit %d, stderr:\n%s", code, stderr)
	}
	streamed := filepath.Join(dir, "streamed.pcapng")
	writeFile(t, streamed, stdout.Bytes(), 0o644)
	if want, got := tsharkFrames(t, src), tsharkFrames(t, streamed); want != got {
		t.Errorf("the pcapng written to stdout is not the sample's frames")
	}
	if n := strings.Count(tsharkFrames(t, streamed), "\n"); n == 0 {
		t.Errorf("no frame streamed")
	} else {
		t.Logf("%s frames streamed", strconv.Itoa(n))
	}
}

// TestConvertDamaged: a capture cut in a frame has every frame before the
// cut converted, the damage said, and exit 3.
func TestConvertDamaged(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join("samples", "kb977526-ping.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "cut.pcapng")
	writeFile(t, in, b[:len(b)-30], 0o644)
	out := filepath.Join(dir, "cut.conv.pcapng")
	s, _, stderr := bufStreams()
	if code := run([]string{"convert", in, "-o", out}, s); code != exitPartial || !strings.Contains(stderr.String(), "frame") {
		t.Fatalf("softsa convert of a cut file: exit %d, stderr %q", code, stderr)
	}
	r := analysisJSON(t, in).(map[string]any)
	frames := int(r["captures"].([]any)[0].(map[string]any)["frames"].(float64))
	if n := strings.Count(string(testenv.Run(t, "tshark", "-r", out, "-T", "fields", "-e", "frame.number")), "\n"); n != frames || n == 0 {
		t.Errorf("the conversion holds %d frames, softsa read %d before the cut", n, frames)
	}
}

// etlTwinOf writes a sample's frames as an ETL file, as netsh trace (NDIS)
// or pktmon would log them: every packet at two layers or components (the
// reader folds the copy), blocks of about 50 packets in buffers of two
// CPUs written out of time order, some of them compressed.
func etlTwinOf(t *testing.T, sample string, ndis bool) []byte {
	t.Helper()
	frames, err := testenv.ReadFrames(t, sample)
	if err != nil {
		t.Fatal(err)
	}
	file := etltest.File{Start: frames[0].Time.Add(-time.Second), End: frames[len(frames)-1].Time.Add(time.Second)}
	var blocks []etltest.Buffer
	for i := 0; i < len(frames); {
		buf := etltest.Buffer{CPU: uint16(len(blocks) % 2), Compressed: len(blocks)%3 != 2}
		// A block ends where time moves on: equal times across CPUs
		// come out in arrival order, not the file's.
		for n := 0; i < len(frames) && (n < 50 || frames[i].Time.Equal(frames[i-1].Time)); i, n = i+1, n+1 {
			f := frames[i]
			if f.Link != layers.LinkTypeEthernet {
				t.Fatalf("%s frame %d: link type %s, not Ethernet", sample, i+1, f.Link)
			}
			if ndis {
				kw := uint64(etltest.KwStart | etltest.KwEnd | etltest.KwEthernet | etltest.KwSend)
				buf.Events = append(buf.Events,
					etltest.NDIS{Miniport: 7, Lower: 7, Fragment: f.Data}.Event(f.Time, kw),
					etltest.NDIS{Miniport: 7, Lower: 12, Fragment: f.Data}.Event(f.Time.Add(200*time.Nanosecond), kw))
				continue
			}
			p := etltest.Pktmon{Group: uint64(0x10000 + i), Number: 1, Appearance: 1, PacketType: 1, Component: 59, Payload: f.Data}
			buf.Events = append(buf.Events, p.Event(f.Time, false))
			p.Appearance, p.Component = 2, 61
			buf.Events = append(buf.Events, p.Event(f.Time.Add(200*time.Nanosecond), false))
		}
		blocks = append(blocks, buf)
	}
	for k := 0; k+1 < len(blocks); k += 2 {
		blocks[k], blocks[k+1] = blocks[k+1], blocks[k]
	}
	return etltest.Write(file, blocks)
}

// TestConvertETLTwins: the ETL twins of samples (both framings, copies at
// two layers folded, CPUs interleaved, compressed buffers) convert to the
// sample packet for packet as tshark sees them, and analyse as the ETL
// file does.
func TestConvertETLTwins(t *testing.T) {
	dir := t.TempDir()
	for _, sample := range []string{"kb977526-ping", "healthy-ikev2-natt", "negotiation-failures"} {
		src := filepath.Join("samples", sample+".pcapng")
		want := tsharkFrames(t, src)
		for _, ndis := range []bool{false, true} {
			in := filepath.Join(dir, sample+"-pktmon.etl")
			if ndis {
				in = filepath.Join(dir, sample+"-ndis.etl")
			}
			writeFile(t, in, etlTwinOf(t, src, ndis), 0o644)
			out := in + ".pcapng"
			convertFile(t, in, out)
			if got := tsharkFrames(t, out); got != want {
				t.Errorf("%s: tshark sees other frames in the conversion than in %s", in, src)
			}
			sameAnalysis(t, in, out)
		}
	}
}

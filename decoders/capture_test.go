package decoders

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"softsa/internal/testenv"
)

func corpusFiles(t testing.TB) []string { return testenv.CorpusFiles(t) }

func needTool(t testing.TB, name string) string { return testenv.Tool(t, name) }

type readResult struct {
	frames []Frame // Data copied
	ends   []int64 // stream offset after each frame
	err    error
}

func readAll(t testing.TB, name string, data []byte) (readResult, error) {
	t.Helper()
	c, err := NewCapture(name, bytes.NewReader(data))
	if err != nil {
		return readResult{}, err
	}
	var r readResult
	var f Frame
	for {
		err := c.Next(&f)
		if err != nil {
			if err != io.EOF {
				r.err = err
			}
			return r, nil
		}
		g := f
		g.Data = append([]byte(nil), f.Data...)
		r.frames = append(r.frames, g)
		r.ends = append(r.ends, c.offset())
	}
}

// TestCorpusReadAndCut reads every public capture to its end or to a clear
// error, then cuts each at ten random offsets and checks that every frame
// wholly before the cut is still delivered, identical, followed by an error
// naming the file and the next frame.
func TestCorpusReadAndCut(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, path := range corpusFiles(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(path)
		full, err := readAll(t, name, data)
		if err != nil {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("%s: open error does not name the file: %v", name, err)
			}
			t.Logf("%s: not read: %v", name, err)
			continue
		}
		if full.err != nil {
			var ce *CaptureError
			if !errors.As(full.err, &ce) || ce.File != name || ce.Frame != len(full.frames)+1 {
				t.Errorf("%s: error %v does not name file and frame %d", name, full.err, len(full.frames)+1)
			}
		}
		if bytes.HasPrefix(data, []byte("GMBU")) {
			continue // records are found through a table at the end; a cut loses the table
		}
		for i := 0; i < 10 && len(data) > 1; i++ {
			cut := 1 + rng.IntN(len(data)-1)
			part, err := readAll(t, name, data[:cut])
			if err != nil {
				continue // cut inside the file header: an open error is right
			}
			want := 0
			for want < len(full.ends) && full.ends[want] <= int64(cut) {
				want++
			}
			if len(part.frames) < want {
				t.Errorf("%s cut at %d: %d frames, want at least %d", name, cut, len(part.frames), want)
				continue
			}
			for k := 0; k < want; k++ {
				if !bytes.Equal(part.frames[k].Data, full.frames[k].Data) || !part.frames[k].Time.Equal(full.frames[k].Time) {
					t.Errorf("%s cut at %d: frame %d differs from the uncut file", name, cut, k+1)
				}
			}
			if part.err == nil && len(part.frames) < len(full.frames) {
				// Only a cut exactly between two records is a clean, shorter file.
				atBoundary := len(part.frames) > 0 && full.ends[len(part.frames)-1] == int64(cut)
				if !atBoundary && cut != 24 {
					t.Errorf("%s cut at %d: no error after %d of %d frames", name, cut, len(part.frames), len(full.frames))
				}
			}
			if part.err != nil {
				msg := part.err.Error()
				if !strings.Contains(msg, name) || !strings.Contains(msg, "frame ") || !strings.Contains(msg, "offset") {
					t.Errorf("%s cut at %d: error %q does not name file, frame and offset", name, cut, msg)
				}
			}
		}
	}
}

// TestBadFiles covers inputs that are not captures at all.
func TestBadFiles(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty.pcap", nil, "empty file"},
		{"short.pcap", []byte{0xd4, 0xc3}, "too short"},
		{"text.pcap", []byte("hello, this is not a capture\n"), "not a capture file"},
		{"gzip-of-text.gz", gzipBytes(t, []byte("plain text inside")), "not a capture file"},
		{"pcap-header-cut.pcap", []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0}, "file header"},
		{"netmon1.cap", []byte("RTSS\x00\x01\x01\x00"), "1.x"},
		{"netmon-table-outside.cap", netmonHeader(1, 1, 1<<30, 64), "outside the file"},
	} {
		_, err := NewCapture(tc.name, bytes.NewReader(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%s: error %v, want one naming the file and saying %q", tc.name, err, tc.want)
		}
	}
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// netmonHeader builds a NetMon 2.minor file header (hand-built from the
// layout in Wireshark's wiretap/netmon.c).
func netmonHeader(minor uint8, network uint16, tableOff, tableLen uint32) []byte {
	h := make([]byte, netmonHeaderSize)
	copy(h, "GMBU")
	h[4], h[5] = minor, 2
	le := func(off int, v uint32) {
		h[off], h[off+1], h[off+2], h[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	h[6] = byte(network)
	h[8], h[9] = 0xE8, 0x07 // 2024
	h[10], h[14] = 1, 1     // January 1st
	le(24, tableOff)
	le(28, tableLen)
	return h
}

// writePcapNG writes frames on two interfaces of different link types, the
// shape of a Windows capture taken on an Ethernet NIC and a VPN adapter.
func writeMixedPcapNG(t testing.TB) ([]byte, [][]byte) {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriter(&buf, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := w.AddInterface(pcapgo.NgInterface{Name: "vpn", LinkType: layers.LinkTypeRaw, SnapLength: 65535})
	if err != nil {
		t.Fatal(err)
	}
	var frames [][]byte
	start := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := 0; i < 6; i++ {
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP,
			SrcIP: []byte{10, 0, 0, 1}, DstIP: []byte{10, 0, 0, byte(2 + i)}}
		udp := &layers.UDP{SrcPort: 500, DstPort: 500}
		udp.SetNetworkLayerForChecksum(ip)
		payload := gopacket.Payload(bytes.Repeat([]byte{byte(i)}, 36))
		sb := gopacket.NewSerializeBuffer()
		opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
		iface := 0
		var err error
		if i%2 == 0 {
			eth := &layers.Ethernet{SrcMAC: []byte{0, 1, 2, 3, 4, 5}, DstMAC: []byte{0, 1, 2, 3, 4, 6}, EthernetType: layers.EthernetTypeIPv4}
			err = gopacket.SerializeLayers(sb, opts, eth, ip, udp, payload)
		} else {
			iface = raw
			err = gopacket.SerializeLayers(sb, opts, ip, udp, payload)
		}
		if err != nil {
			t.Fatal(err)
		}
		b := append([]byte(nil), sb.Bytes()...)
		frames = append(frames, b)
		ci := gopacket.CaptureInfo{Timestamp: start.Add(time.Duration(i) * time.Second), CaptureLength: len(b), Length: len(b), InterfaceIndex: iface}
		if err := w.WritePacket(ci, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), frames
}

// TestMixedLinkPcapNG checks that a pcapng with an Ethernet and a raw-IP
// interface yields every packet with its own link type, decoded to UDP.
func TestMixedLinkPcapNG(t *testing.T) {
	data, frames := writeMixedPcapNG(t)
	c, err := NewCapture("mixed.pcapng", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	d := NewDecoder()
	var f Frame
	var m Message
	n := 0
	for ; c.Next(&f) == nil; n++ {
		wantLink := layers.LinkTypeEthernet
		if n%2 == 1 {
			wantLink = layers.LinkTypeRaw
		}
		if f.Link != wantLink || !bytes.Equal(f.Data, frames[n]) {
			t.Errorf("frame %d: link %v, want %v (or data differs)", f.Number, f.Link, wantLink)
		}
		d.Decode(&f, &m)
		if m.App != AppISAKMP || m.Dst.As4()[3] != byte(2+n) || len(m.AppData) != 36 {
			t.Errorf("frame %d: decoded app %v dst %v len %d", f.Number, m.App, m.Dst, len(m.AppData))
		}
	}
	if n != len(frames) || c.Format() != FormatPcapNG {
		t.Errorf("read %d frames as %s, want %d as pcapng", n, c.Format(), len(frames))
	}
}

// TestGzipCapture reads a gzip-compressed pcapng and reports it as such.
func TestGzipCapture(t *testing.T) {
	data, frames := writeMixedPcapNG(t)
	r, err := readAll(t, "mixed.pcapng.gz", gzipBytes(t, data))
	if err != nil || r.err != nil || len(r.frames) != len(frames) {
		t.Fatalf("gzip: %d frames, err %v / %v", len(r.frames), err, r.err)
	}
	c, _ := NewCapture("x.gz", bytes.NewReader(gzipBytes(t, data)))
	if c.Format() != "pcapng+gzip" {
		t.Errorf("format %q", c.Format())
	}
	// A cut gzip stream keeps the frames before the cut.
	gz := gzipBytes(t, data)
	r, err = readAll(t, "cut.pcapng.gz", gz[:len(gz)*2/3])
	if err != nil || r.err == nil || !strings.Contains(r.err.Error(), "decompressed byte offset") {
		t.Errorf("cut gzip: %d frames, err %v / %v", len(r.frames), err, r.err)
	}
}

// TestNetMonTwin converts public pcaps to NetMon 2.x with editcap and checks
// that both decode to the same messages.
func TestNetMonTwin(t *testing.T) {
	editcap := needTool(t, "editcap")
	dir := t.TempDir()
	done := 0
	for _, path := range corpusFiles(t) {
		data, _ := os.ReadFile(path)
		pc, err := readAll(t, path, data)
		if err != nil || pc.err != nil || len(pc.frames) == 0 {
			continue
		}
		if l := pc.frames[0].Link; l != layers.LinkTypeEthernet {
			continue // editcap writes NetMon 2.x for Ethernet only
		}
		out := filepath.Join(dir, filepath.Base(path)+".cap")
		cmd := exec.Command(editcap, "-F", "netmon2", path, out)
		cmd.Env = append(os.Environ(), "TZ=UTC")
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Logf("%s: editcap: %v %s", path, err, msg)
			continue
		}
		nm, _ := os.ReadFile(out)
		if !bytes.HasPrefix(nm, []byte("GMBU")) {
			t.Fatalf("%s: editcap did not write a NetMon file", out)
		}
		got, err := readAll(t, out, nm)
		if err != nil || got.err != nil {
			t.Errorf("%s: %v %v", out, err, got.err)
			continue
		}
		if len(got.frames) != len(pc.frames) {
			t.Errorf("%s: %d frames, pcap twin has %d", out, len(got.frames), len(pc.frames))
			continue
		}
		d1, d2 := NewDecoder(), NewDecoder()
		for i := range got.frames {
			var m1, m2 Message
			d1.Decode(&pc.frames[i], &m1)
			d2.Decode(&got.frames[i], &m2)
			if m1.Src != m2.Src || m1.Dst != m2.Dst || m1.App != m2.App || !bytes.Equal(m1.AppData, m2.AppData) ||
				m1.SrcPort != m2.SrcPort || m1.ESP != m2.ESP {
				t.Errorf("%s frame %d: NetMon decodes %v→%v %v, pcap %v→%v %v", out, i+1, m2.Src, m2.Dst, m2.App, m1.Src, m1.Dst, m1.App)
			}
			if d := got.frames[i].Time.Sub(pc.frames[i].Time); d > time.Millisecond || d < -time.Millisecond {
				t.Errorf("%s frame %d: time %v, pcap %v", out, i+1, got.frames[i].Time, pc.frames[i].Time)
			}
		}
		done++
	}
	if done == 0 {
		t.Skip("no Ethernet pcap in the corpus to convert")
	}
	t.Logf("%d NetMon twins compared", done)
}

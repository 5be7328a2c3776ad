package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"softsa/internal/testenv"
)

// wifiTwin writes the frames of an Ethernet capture as a Wi-Fi adapter in
// monitor mode would have captured them: a radiotap header (TSFT, flags
// saying the frame ends in its FCS), a QoS data frame from the access
// point, LLC/SNAP with the frame's EtherType, the payload, and an FCS.
func wifiTwin(t *testing.T, src, dst string) {
	t.Helper()
	frames, err := testenv.ReadFrames(t, src)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w := pcapgo.NewWriterNanos(out)
	if err := w.WriteFileHeader(65535, layers.LinkTypeIEEE80211Radio); err != nil {
		t.Fatal(err)
	}
	radiotap := []byte{0, 0, 22, 0, 0x07, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0x10, 2}
	radiotap = append(radiotap, 0, 0, 0, 0)[:18]
	radiotap[2] = byte(len(radiotap))
	for _, f := range frames {
		if f.Link != layers.LinkTypeEthernet || len(f.Data) < 14 {
			t.Fatalf("%s: not an Ethernet capture", src)
		}
		b := append([]byte(nil), radiotap...)
		b = append(b, 0x88, 0x02, 0x2c, 0)    // QoS data from the AP
		b = append(b, f.Data[0:6]...)         // receiver: the destination
		b = append(b, 0x02, 0, 0, 0, 0, 0xaa) // transmitter: the AP
		b = append(b, f.Data[6:12]...)        // source
		b = append(b, 0x10, 0, 5, 0)          // sequence, QoS control
		b = append(b, 0xaa, 0xaa, 0x03, 0, 0, 0)
		b = append(b, f.Data[12:]...)
		b = binary.LittleEndian.AppendUint32(b, 0xdeadbeef)
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: f.Time, CaptureLength: len(b), Length: len(b)}, b); err != nil {
			t.Fatal(err)
		}
	}
}

// reportOf analyses a capture and returns its JSON report as a tree,
// without what depends on the link layer's header sizes: the file's name
// and format, and the byte counts (an 802.11 frame is longer than the
// Ethernet frame that carries the same datagram).
func reportOf(t *testing.T, path string) any {
	t.Helper()
	s, stdout, stderr := bufStreams()
	if code := run([]string{"--format", "json", "-q", path}, s); code != exitOK && code != exitFindings {
		t.Fatalf("softsa %s: exit %d: %s", path, code, stderr)
	}
	var tree any
	if err := json.Unmarshal(stdout.Bytes(), &tree); err != nil {
		t.Fatal(err)
	}
	var strip func(any)
	strip = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range []string{"file", "format", "bytes", "clear_bytes"} {
				delete(x, k)
			}
			for _, e := range x {
				strip(e)
			}
		case []any:
			for _, e := range x {
				strip(e)
			}
		}
	}
	strip(tree)
	return tree
}

// TestWifiTwinAnalysesLikeEthernet: a capture taken on Wi-Fi (radiotap and
// 802.11 QoS data frames) gives the same hosts, pairs, verdicts, cycles and
// frame numbers as the same packets taken on Ethernet.
func TestWifiTwinAnalysesLikeEthernet(t *testing.T) {
	for _, name := range []string{"kb977526-vista-to-xp.pcapng", "healthy-ikev2-natt.pcapng", "negotiation-failures.pcapng"} {
		src := filepath.Join("samples", name)
		twin := filepath.Join(t.TempDir(), "wifi-"+name+".pcap")
		wifiTwin(t, src, twin)
		eth, wifi := reportOf(t, src), reportOf(t, twin)
		if !reflect.DeepEqual(eth, wifi) {
			e, _ := json.MarshalIndent(eth, "", " ")
			w, _ := json.MarshalIndent(wifi, "", " ")
			t.Errorf("%s: the Wi-Fi twin analyses differently:\n%s", name, firstLineDiff(string(w), string(e)))
		}
	}
}

// firstLineDiff shows the first line where a and b differ.
func firstLineDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d: %q, want %q", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("%d lines, want %d", len(la), len(lb))
}

package capture

import (
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"softsa/internal/testenv"
)

// TestSniffEditcapFormats writes a sample capture with editcap in every
// format Sniff refuses: opening each names the format and says how to
// convert it, and the conversion it advises gives a file softsa reads to
// the end with every frame. The files are Wireshark's own, so the magics
// in refused are checked against what the tools really write.
func TestSniffEditcapFormats(t *testing.T) {
	sample := filepath.Join(testenv.ModuleRoot(), "samples", "kb977526-vista-to-xp.pcapng")
	want := countFrames(t, sample)
	dir := t.TempDir()
	for _, tc := range []struct {
		editcap, name string
		noReread      bool // editcap cannot read back what it wrote
	}{
		{"netmon1", "Network Monitor 1.x", false},
		{"snoop", "Sun snoop", false},
		{"modpcap", "modified (Kuznetsov) pcap", false},
		{"suse6_3pcap", "modified (Kuznetsov) pcap", false},
		{"ngsniffer", "Sniffer (DOS)", false},
		{"ngwsniffer_1_1", "NetXRay / Windows Sniffer", false},
		{"ngwsniffer_2_0", "NetXRay / Windows Sniffer", false},
		// Wireshark 4.0 writes Observer time TLVs it then rejects as
		// damaged ("time information TLV length 12 != 8").
		{"observer", "Observer", true},
	} {
		path := filepath.Join(dir, "capture."+tc.editcap)
		testenv.Run(t, "editcap", "-F", tc.editcap, sample, path)
		_, err := Open(path)
		var ue *UnsupportedFormatError
		if !errors.As(err, &ue) || !strings.Contains(ue.Name, tc.name) || !strings.HasPrefix(err.Error(), path+": ") ||
			!strings.Contains(err.Error(), "editcap -F pcapng") {
			t.Errorf("editcap -F %s: opening it gives %v; want the file, %q and how to convert it", tc.editcap, err, tc.name)
			continue
		}
		if tc.noReread {
			continue
		}
		converted := path + ".pcapng"
		testenv.Run(t, "editcap", "-F", "pcapng", path, converted)
		if got := countFrames(t, converted); got != want {
			t.Errorf("editcap -F %s, then -F pcapng as advised: %d frames, want %d", tc.editcap, got, want)
		}
	}
}

// countFrames reads a capture to its clean end and counts its frames.
func countFrames(t *testing.T, path string) int {
	t.Helper()
	c, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var f Frame
	for {
		if err := c.Next(&f); err != nil {
			if err != io.EOF {
				t.Fatalf("%s: %v", path, err)
			}
			return c.Frames()
		}
	}
}

// TestSniffLenCoversRefused keeps SniffLen at least as long as every magic
// Sniff looks for, so that callers reading SniffLen bytes see all of it.
func TestSniffLenCoversRefused(t *testing.T) {
	for _, r := range refused {
		if len(r.magic) > SniffLen {
			t.Errorf("magic %q is longer than SniffLen %d", r.magic, SniffLen)
		}
	}
}

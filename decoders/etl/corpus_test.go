package etl_test

import (
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"softsa/decoders/etl"
	"softsa/internal/testenv"
)

// readAll reads every frame of r, copying the data, and returns them with
// the error that ended the reading (nil at a clean end).
func readAll(t testing.TB, r *etl.Reader) ([]etl.Frame, error) {
	t.Helper()
	var frames []etl.Frame
	for {
		var f etl.Frame
		if err := r.Next(&f); err != nil {
			if err == io.EOF {
				return frames, nil
			}
			return frames, err
		}
		f.Data = append([]byte(nil), f.Data...)
		frames = append(frames, f)
	}
}

// TestPktmonCorpus reads the real pktmon capture of the corpus
// (etl/demikernel-pktmon.etl, microsoft/demikernel, MIT): its README and
// windows-formats.md §2 (a count that matched tracerpt's) say it holds 114
// packet events (160), compressed buffers. pktmon logged each packet at
// every component it passed: 19 echo requests at 2, 19 replies at 4, so 38
// packets. Every one must decode with no warning, at a time inside the
// logfile header's start and end, in order, and carry an IPv4 header whose
// checksum holds: a decompression off by one byte would break it.
func TestPktmonCorpus(t *testing.T) {
	path := filepath.Join(testenv.CorpusDir(t), "etl", "demikernel-pktmon.etl")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := etl.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	frames, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	h, st := r.Header(), r.Stats()
	if w := r.Warnings(); len(w) > 0 {
		t.Errorf("warnings: %q", w)
	}
	if st.Packets != 114 || st.Folded != 76 || len(frames) != 38 || st.CompressedBuffers != 2 || st.DamagedBuffers != 0 || st.NoLink != 0 {
		t.Errorf("%d frames, stats %+v: want 114 packet events, 76 folded, 38 frames, 2 compressed buffers", len(frames), st)
	}
	if h.ClockType != 1 || h.Frequency != 10_000_000 || h.LoggerName != "Relogger" {
		t.Errorf("header %+v", h)
	}
	// tracerpt shows the session start as 2024-06-10 20:18:27.92 UTC.
	if want := time.Date(2024, 6, 10, 20, 18, 27, 922583300, time.UTC); !h.Start.Equal(want) {
		t.Errorf("start %v, want %v", h.Start, want)
	}
	var last time.Time
	for i, fr := range frames {
		if fr.Time.Before(h.Start) || fr.Time.After(h.End) {
			t.Errorf("frame %d at %v, outside %v to %v", i+1, fr.Time, h.Start, h.End)
		}
		if fr.Time.Before(last) {
			t.Errorf("frame %d at %v, before frame %d at %v", i+1, fr.Time, i, last)
		}
		last = fr.Time
		if fr.Link != layers.LinkTypeEthernet || len(fr.Data) != 98 || fr.WireLen != 98 || fr.Dropped {
			t.Errorf("frame %d: %v, %d bytes of %d, dropped %v", i+1, fr.Link, len(fr.Data), fr.WireLen, fr.Dropped)
			continue
		}
		ip := fr.Data[14:34]
		if binary.BigEndian.Uint16(fr.Data[12:]) != 0x0800 || ip[0] != 0x45 || ip[9] != 1 || checksum(ip) != 0xFFFF {
			t.Errorf("frame %d: not an ICMP IPv4 packet with a valid header checksum: % x", i+1, fr.Data[:34])
		}
	}
}

// checksum is the one's complement sum of b (0xFFFF over a valid IPv4
// header).
func checksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	for s > 0xFFFF {
		s = s&0xFFFF + s>>16
	}
	return uint16(s)
}

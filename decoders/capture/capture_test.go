package capture

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"softsa/decoders/internal/capturetest"
	"softsa/internal/testenv"
)

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
	for _, path := range testenv.CorpusFiles(t) {
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
		{"gzip-of-text.gz", capturetest.Gzip(t, []byte("plain text inside")), "gzip file without a capture inside"},
		{"pcap-header-cut.pcap", []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0}, "file header"},
		{"netmon1.cap", []byte("RTSS\x00\x01\x01\x00"), "1.x"},
		{"netmon-table-outside.cap", capturetest.NetmonHeader(1, 1, 1<<30, 64), "outside the file"},
	} {
		_, err := NewCapture(tc.name, bytes.NewReader(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%s: error %v, want one naming the file and saying %q", tc.name, err, tc.want)
		}
	}
}

// TestGzipCapture reads a gzip-compressed pcapng and reports it as such.
func TestGzipCapture(t *testing.T) {
	data, frames := capturetest.MixedPcapNG(t)
	r, err := readAll(t, "mixed.pcapng.gz", capturetest.Gzip(t, data))
	if err != nil || r.err != nil || len(r.frames) != len(frames) {
		t.Fatalf("gzip: %d frames, err %v / %v", len(r.frames), err, r.err)
	}
	c, _ := NewCapture("x.gz", bytes.NewReader(capturetest.Gzip(t, data)))
	if c.Format() != "pcapng+gzip" {
		t.Errorf("format %q", c.Format())
	}
	// A cut gzip stream keeps the frames before the cut.
	gz := capturetest.Gzip(t, data)
	r, err = readAll(t, "cut.pcapng.gz", gz[:len(gz)*2/3])
	if err != nil || r.err == nil || !strings.Contains(r.err.Error(), "decompressed byte offset") {
		t.Errorf("cut gzip: %d frames, err %v / %v", len(r.frames), err, r.err)
	}
}

// TestSniff names every magic the reader knows, and refuses the rest.
func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		head   string
		format Format
		err    string
	}{
		{"\xd4\xc3\xb2\xa1", FormatPcap, ""},
		{"\xa1\xb2\xc3\xd4", FormatPcap, ""},
		{"\x4d\x3c\xb2\xa1", FormatPcap, ""},
		{"\xa1\xb2\x3c\x4d", FormatPcap, ""},
		{"\x0a\x0d\x0d\x0a", FormatPcapNG, ""},
		{"GMBU", FormatNetMon, ""},
		{"\x1f\x8b", FormatGzip, ""},
		{"RTSS", "", "1.x"},
		{"snoop\x00\x00\x00\x00\x00\x00\x02", "", "snoop"},
		{"snoop", "", ErrUnknownFormat.Error()}, // too short for its magic
		{"\x34\xcd\xb2\xa1", "", "modified (Kuznetsov) pcap"},
		{"\xa1\xb2\xcd\x34", "", "modified (Kuznetsov) pcap"},
		{"TRSNIFF data    \x1a\x01", "", "Sniffer (DOS)"},
		{"XCP\x00002.001", "", "Windows Sniffer"},
		{"VL\x00\x00", "", "NetXRay 1.x"},
		{"ObserverPktBufferVersion=15.00", "", "Observer"},
		{"\xd4\xc3\xb2", "", ErrUnknownFormat.Error()},
		{"", "", ErrUnknownFormat.Error()},
		{"hello", "", ErrUnknownFormat.Error()},
	} {
		f, err := Sniff([]byte(tc.head))
		if f != tc.format || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("Sniff(%q) = %q, %v; want %q, %q", tc.head, f, err, tc.format, tc.err)
		}
		if errors.Is(err, ErrUnknownFormat) != (tc.err == ErrUnknownFormat.Error()) {
			t.Errorf("Sniff(%q): %v, want ErrUnknownFormat only for what it does not know", tc.head, err)
		}
		if refused := err != nil && tc.err != ErrUnknownFormat.Error(); errors.Is(err, ErrUnsupportedFormat) != refused {
			t.Errorf("Sniff(%q): %v, want ErrUnsupportedFormat only for what it refuses", tc.head, err)
		}
	}
}

// BenchmarkCaptureRead measures reading records through the 1 MiB buffer.
func BenchmarkCaptureRead(b *testing.B) {
	data, _ := capturetest.MixedPcapNG(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	var f Frame
	for b.Loop() {
		c, _ := NewCapture("bench", bytes.NewReader(data))
		for c.Next(&f) == nil {
		}
	}
}

// TestGzipNoCaptureIsUnknownFormat: a gzip file holding no capture says so,
// and is still an ErrUnknownFormat to callers that sort files by it.
func TestGzipNoCaptureIsUnknownFormat(t *testing.T) {
	for _, inner := range [][]byte{[]byte("plain text inside"), capturetest.Gzip(t, []byte("twice"))} {
		_, err := NewCapture("x.gz", bytes.NewReader(capturetest.Gzip(t, inner)))
		if !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), "x.gz: gzip file without a capture inside") {
			t.Errorf("%q: %v", inner, err)
		}
	}
}

package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"softsa/decoders/internal/capturetest"
	"softsa/internal/testenv"
)

// A pcapng file has no packet count: it ends where its blocks end, and real
// writers end it with blocks that hold no packet. dumpcap writes an
// interface statistics block after the last packet of every capture,
// tshark a name resolution block when it resolved names, and a file that
// cat joined may end in a section with nothing in it. Every such file must
// read to a clean end, while a block the file cuts short is still an error.

// readToEnd reads data the given way and returns how many frames it gave
// and the error it ended with (io.EOF at a clean end).
func readToEnd(t *testing.T, data []byte, how int) (int, error) {
	t.Helper()
	c, _, err := newReader("test.pcapng", data, how)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	var f Frame
	for {
		if err := c.Next(&f); err != nil {
			return c.Frames(), err
		}
	}
}

var readWays = map[int]string{readPcapgo: "pcapgo", readFast: "fast", readHeld: "held"}

func TestPcapngEndsInNonPacketBlock(t *testing.T) {
	frames := capturetest.PcapngFile(capturetest.EPB([]byte("first frame"), 0, 0), capturetest.EPB([]byte("second"), 0, 0))
	for name, blocks := range capturetest.TrailingBlocks() {
		block := bytes.Join(blocks, nil)
		// Where one of the blocks ends, so does the file, cleanly.
		ends := map[int]bool{}
		for i := range blocks {
			ends[len(bytes.Join(blocks[:i+1], nil))] = true
		}
		data := append(append([]byte(nil), frames...), block...)
		for how, way := range readWays {
			n, err := readToEnd(t, data, how)
			if n != 2 || err != io.EOF {
				t.Errorf("%s, read %s: %d frames, then %v; want 2 frames and a clean end", name, way, n, err)
			}
			// The same block between packets, as a writer may emit an
			// interface statistics block at any time.
			mid := append(append(append([]byte(nil), frames...), block...), capturetest.EPB([]byte("third"), 0, 0)...)
			if strings.Contains(name, "section header") {
				continue // the third packet's interface is gone with the new section
			}
			if n, err := readToEnd(t, mid, how); n != 3 || err != io.EOF {
				t.Errorf("%s between packets, read %s: %d frames, then %v; want 3 frames and a clean end", name, way, n, err)
			}
		}
		// Cut anywhere inside the block, the file is damaged: the frames
		// before it, then an error naming the next frame at the block.
		for cut := 1; cut < len(block); cut++ {
			if ends[cut] {
				continue
			}
			data := append(append([]byte(nil), frames...), block[:cut]...)
			// The block cut is the last one that starts before the cut,
			// and the error names it and where it starts.
			start := 0
			for end := range ends {
				if end < cut && end > start {
					start = end
				}
			}
			want := int64(len(frames) + start)
			for how, way := range readWays {
				n, err := readToEnd(t, data, how)
				var ce *CaptureError
				if n != 2 || !errors.As(err, &ce) || ce.Frame != 3 || ce.Offset != want || ce.Block == "" ||
					!strings.Contains(err.Error(), "after frame 2, a "+ce.Block+" at byte offset") ||
					!strings.Contains(err.Error(), io.ErrUnexpectedEOF.Error()) {
					t.Errorf("%s cut after %d of its %d bytes, read %s: %d frames, then %v; want 2 frames, then the block at offset %d named as cut",
						name, cut, len(block), way, n, err, want)
				}
			}
		}
	}
}

// blockEnds returns the offsets where the blocks of a pcapng file end,
// walking their length fields in the byte order of each section.
func blockEnds(t *testing.T, data []byte) (ends []int, types []uint32) {
	t.Helper()
	var order binary.ByteOrder = binary.LittleEndian
	for off := 0; off < len(data); {
		if off+12 > len(data) {
			t.Fatalf("a partial block at %d", off)
		}
		typ := order.Uint32(data[off:])
		if typ == 0x0a0d0d0a {
			order = binary.LittleEndian
			if binary.BigEndian.Uint32(data[off+8:]) == 0x1a2b3c4d {
				order = binary.BigEndian
			}
		}
		n := int(order.Uint32(data[off+4:]))
		if n < 12 || off+n > len(data) {
			t.Fatalf("block at %d claims %d bytes", off, n)
		}
		off += n
		ends, types = append(ends, off), append(types, typ)
	}
	return ends, types
}

// tsharkFrames lists the frames of a capture as tshark reads them: the
// time in seconds since the epoch, the captured and the wire length.
func tsharkFrames(t *testing.T, path string) []string {
	t.Helper()
	out := testenv.Run(t, "tshark", "-r", path, "-T", "fields", "-e", "frame.time_epoch", "-e", "frame.cap_len", "-e", "frame.len")
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
}

// TestWiresharkWritersReadToEnd reads a capture dumpcap took on loopback,
// and the same packets as tshark, editcap, mergecap and a cat of two
// sections write them, to the end: every frame tshark reads, the same
// times and lengths, and a clean end, whichever way it is read.
func TestWiresharkWritersReadToEnd(t *testing.T) {
	const n = 9
	files := testenv.WiresharkFiles(t, t.TempDir(), n)
	// The files end as the tools end them: what this test is about.
	wantLast := map[string]uint32{"dumpcap.pcapng": 5, "tshark-nrb.pcapng": 4, "cat-empty.pcapng": 0x0a0d0d0a}
	for _, wf := range files {
		name := filepath.Base(wf.Path)
		data, err := os.ReadFile(wf.Path)
		if err != nil {
			t.Fatal(err)
		}
		if want, ok := wantLast[name]; ok {
			if _, types := blockEnds(t, data); types[len(types)-1] != want {
				t.Errorf("%s (%s) ends in a block of type %#x, not %#x", name, wf.Command, types[len(types)-1], want)
			}
		}
		want := tsharkFrames(t, wf.Path)
		if len(want) < n {
			t.Fatalf("%s: tshark reads %d frames of the %d dumpcap took", name, len(want), n)
		}
		for how, way := range readWays {
			c, _, err := newReader(name, data, how)
			if err != nil {
				t.Fatalf("%s (%s): %v", name, wf.Command, err)
			}
			var got []string
			var f Frame
			for {
				if err = c.Next(&f); err != nil {
					break
				}
				got = append(got, fmt.Sprintf("%d.%09d\t%d\t%d", f.Time.Unix(), f.Time.Nanosecond(), len(f.Data), f.WireLen))
			}
			c.Close()
			if err != io.EOF {
				t.Errorf("%s (%s), read %s: %v after %d frames", name, wf.Command, way, err, len(got))
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s (%s), read %s: frames differ from tshark's:\n%s", name, wf.Command, way,
					capturetest.FirstDiff(strings.Join(got, "\n"), strings.Join(want, "\n")))
			}
		}
	}
}

// TestDumpcapFileCut cuts dumpcap's file at every byte: a cut where a block
// ends is a clean end after the packets before it (pcapng has no packet
// count), and a cut inside a block, the statistics block included, is a
// truncated file.
func TestDumpcapFileCut(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(testenv.LoopbackCapture(t, dir, 4))
	if err != nil {
		t.Fatal(err)
	}
	ends, types := blockEnds(t, data)
	packetsBefore := func(cut int) (packets int, atEnd bool) {
		for i, e := range ends {
			if e > cut {
				return packets, false
			}
			if types[i] == 6 {
				packets++
			}
			if e == cut {
				return packets, true
			}
		}
		return packets, false
	}
	for cut := ends[0]; cut <= len(data); cut++ {
		packets, clean := packetsBefore(cut)
		for how, way := range readWays {
			n, err := readToEnd(t, data[:cut], how)
			switch {
			case clean && (n != packets || err != io.EOF):
				t.Errorf("cut at block end %d, read %s: %d frames then %v; want %d and a clean end", cut, way, n, err, packets)
			case !clean && (n != packets || !errors.Is(err, io.ErrUnexpectedEOF)):
				t.Errorf("cut at %d inside a block, read %s: %d frames then %v; want %d and a truncated record", cut, way, n, err, packets)
			}
		}
	}
	if types[len(types)-1] != 5 {
		t.Errorf("dumpcap's file does not end in an interface statistics block (block types %x)", types)
	}
}

// TestCutSecretsBlockEditcap: a file editcap wrote with --inject-secrets
// holds a Decryption Secrets Block before its first packet; cut inside that
// block, softsa names the block and says that no frame was lost in it,
// read every way.
func TestCutSecretsBlockEditcap(t *testing.T) {
	dir := t.TempDir()
	in, keys, out := filepath.Join(dir, "in.pcapng"), filepath.Join(dir, "keys.txt"), filepath.Join(dir, "dsb.pcapng")
	data := capturetest.PcapngFile(capturetest.EPB([]byte("one"), 0, 0))
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	key := "CLIENT_RANDOM " + strings.Repeat("00", 32) + " " + strings.Repeat("00", 48) + "\n"
	if err := os.WriteFile(keys, []byte(key), 0o644); err != nil {
		t.Fatal(err)
	}
	testenv.Run(t, "editcap", "--inject-secrets", "tls,"+keys, in, out)
	written, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	ends, types := blockEnds(t, written)
	dsb := slices.Index(types, 10)
	if dsb < 1 {
		t.Fatalf("editcap wrote no Decryption Secrets Block after the section header: block types %v", types)
	}
	cut := (ends[dsb-1] + ends[dsb]) / 2
	for how, way := range readWays {
		n, err := readToEnd(t, written[:cut], how)
		var ce *CaptureError
		if n != 0 || !errors.As(err, &ce) || ce.Block != "Decryption Secrets Block" || ce.Offset != int64(ends[dsb-1]) ||
			!strings.Contains(err.Error(), "before any frame, a Decryption Secrets Block at byte offset") {
			t.Errorf("cut inside editcap's secrets block, read %s: %d frames, then %v", way, n, err)
		}
	}
}

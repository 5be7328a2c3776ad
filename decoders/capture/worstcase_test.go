package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"

	"softsa/decoders/internal/capturetest"
	"softsa/decoders/internal/worstcase"
)

// Worst cases of the capture readers: records and tables whose lengths
// claim what the file does not hold. See package worstcase for the rules.

// readCapture reads every frame of data and returns how many there were and
// the error that ended the reading.
func readCapture(name string, data []byte) (int, error) {
	c, err := NewCapture(name, bytes.NewReader(data))
	if err != nil {
		return 0, err
	}
	var f Frame
	for {
		if err := c.Next(&f); err != nil {
			if err == io.EOF {
				return c.Frames(), nil
			}
			return c.Frames(), err
		}
	}
}

func TestWorstCaseCaptureLengths(t *testing.T) {
	frame := make([]byte, 60)
	good := capturetest.EPB(frame, 0, 0)
	// Bounds: the 1 MiB read buffer at most (smaller files get a smaller
	// one), pcapgo's buffers, and what was actually read — never what a
	// length field claims.
	const bound = 8 << 20
	// wantCut checks a capture that delivers frames good frames, then fails
	// at the next one saying why.
	wantCut := func(t *testing.T, data []byte, frames int, why string) {
		t.Helper()
		n, err := readCapture("x", data)
		var ce *CaptureError
		if !errors.As(err, &ce) || n != frames || ce.Frame != frames+1 || !strings.Contains(err.Error(), why) {
			t.Errorf("%d frames, error %v: want %d frames, then an error at frame %d saying %q", n, err, frames, frames+1, why)
		}
	}
	pcapRecord := func(incl, orig uint32, data []byte) []byte {
		b := binary.LittleEndian.AppendUint32(nil, 1)
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint32(b, incl)
		b = binary.LittleEndian.AppendUint32(b, orig)
		return append(b, data...)
	}
	pcapHeader := []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0}
	worstcase.Run(t, []worstcase.Case{
		{Name: "pcapng block claiming 4 GiB", MaxAlloc: bound, Run: func(t *testing.T) {
			wantCut(t, capturetest.PcapngFile(good, good, capturetest.EPB(frame, 0xffffffe0, 0xfffffffc)), 2, "unexpected EOF")
		}},
		{Name: "pcapng block claiming 4 GiB, gzip-compressed", MaxAlloc: bound, Run: func(t *testing.T) {
			wantCut(t, capturetest.Gzip(t, capturetest.PcapngFile(good, capturetest.EPB(frame, 0xffffffe0, 0xfffffffc))), 1, "unexpected EOF")
		}},
		{Name: "pcapng block of 4 GiB claiming a small packet", MaxAlloc: bound, Run: func(t *testing.T) {
			wantCut(t, capturetest.PcapngFile(good, capturetest.EPB(frame, 0, 0xfffffffc)), 1, "unexpected EOF")
		}},
		{Name: "pcapng interface block claiming 4 GiB", MaxAlloc: bound, Run: func(t *testing.T) {
			idb := binary.LittleEndian.AppendUint32(nil, 1)
			idb = binary.LittleEndian.AppendUint32(idb, 0xfffffffc)
			idb = append(idb, 1, 0, 0, 0, 0, 0, 4, 0)
			wantCut(t, capturetest.PcapngFile(good, idb), 1, "")
		}},
		{Name: "pcap record claiming 4 GiB", MaxAlloc: bound, Run: func(t *testing.T) {
			data := append(append(append([]byte(nil), pcapHeader...), pcapRecord(60, 60, frame)...), pcapRecord(0xffffffff, 0xffffffff, frame)...)
			wantCut(t, data, 1, "exceeds snap length")
		}},
		{Name: "pcap record claiming 256 KiB, cut", MaxAlloc: bound, Run: func(t *testing.T) {
			data := append(append(append([]byte(nil), pcapHeader...), pcapRecord(60, 60, frame)...), pcapRecord(262144, 262144, frame)...)
			wantCut(t, data, 1, "unexpected EOF")
		}},
	})
}

func TestWorstCaseNetMon(t *testing.T) {
	// record is a NetMon 2.1 record holding data: the 16-byte header, the
	// data, and the 2-byte media type trailer.
	record := func(data []byte) []byte {
		b := binary.LittleEndian.AppendUint64(nil, 1000) // µs since the start
		b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
		b = append(b, data...)
		return binary.LittleEndian.AppendUint16(b, 1)
	}
	// file lays out the header, one record at offset 128 and a frame table
	// of entries; off(i) is entry i, with recordAt standing for the record.
	const recordAt = netmonHeaderSize
	file := func(entries []uint32, tableOff, tableLen uint32) []byte {
		rec := record(make([]byte, 60))
		data := append([]byte(nil), capturetest.NetmonHeader(1, 1, 0, 0)...)
		data = append(data, rec...)
		if tableOff == 0 {
			tableOff = uint32(len(data))
		}
		if tableLen == 0 {
			tableLen = uint32(4 * len(entries))
		}
		for _, e := range entries {
			data = binary.LittleEndian.AppendUint32(data, e)
		}
		binary.LittleEndian.PutUint32(data[24:], tableOff)
		binary.LittleEndian.PutUint32(data[28:], tableLen)
		return data
	}
	const bound = 8 << 20
	// The files are built before the cases run, so that only the reading
	// is measured.
	var (
		tableOutside = file([]uint32{recordAt}, 0xfffffff0, 0)
		tableHuge    = file([]uint32{recordAt}, 0, 0xfffffffc)
		outside      = file([]uint32{recordAt, recordAt, 0xfffffff0, recordAt}, 0, 0)
		atHeader     = file([]uint32{recordAt, 0}, 0, 0)
		million      = make([]uint32, 1_000_000)
	)
	for i := range million {
		million[i] = recordAt
	}
	sameRecord := file(million, 0, 0)
	worstcase.Run(t, []worstcase.Case{
		{Name: "frame table outside the file", MaxAlloc: bound, Run: func(t *testing.T) {
			_, err := readCapture("x.cap", tableOutside)
			worstcase.WantErr(t, err, nil, "outside the file")
		}},
		{Name: "frame table claiming 4 GiB of entries", MaxAlloc: bound, Run: func(t *testing.T) {
			_, err := readCapture("x.cap", tableHuge)
			worstcase.WantErr(t, err, nil, "outside the file")
		}},
		{Name: "entries pointing outside the file", MaxAlloc: bound, Run: func(t *testing.T) {
			n, err := readCapture("x.cap", outside)
			var ce *CaptureError
			if !errors.As(err, &ce) || n != 2 || ce.Frame != 3 || ce.Offset != 0xfffffff0 {
				t.Errorf("%d frames, error %v: want 2 frames, then an error at frame 3, offset 4294967280", n, err)
			}
		}},
		{Name: "entries pointing at the header", MaxAlloc: bound, Run: func(t *testing.T) {
			// Offset 0 reads the file header as a record, whose length
			// field claims 64 KiB the file does not have.
			n, err := readCapture("x.cap", atHeader)
			var ce *CaptureError
			if !errors.As(err, &ce) || n != 1 || ce.Frame != 2 || ce.Offset != 0 || !strings.Contains(err.Error(), "record data") {
				t.Errorf("%d frames, error %v: want 1 frame, then an error about frame 2's record data at offset 0", n, err)
			}
		}},
		{Name: "a million entries all pointing at one record", MaxAlloc: bound, Run: func(t *testing.T) {
			n, err := readCapture("x.cap", sameRecord)
			if n != len(million) || err != nil {
				t.Errorf("%d frames, error %v: want every entry read", n, err)
			}
		}},
	})
}

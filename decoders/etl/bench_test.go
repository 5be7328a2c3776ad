package etl_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"softsa/decoders/etl"
	"softsa/decoders/etl/etltest"
	"softsa/decoders/internal/lz77"
	"softsa/internal/testenv"
)

// BenchmarkDecompressPktmon decompresses the real compressed buffers of
// the corpus's pktmon capture; the figure is output bytes per second.
func BenchmarkDecompressPktmon(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(testenv.CorpusDir(b), "etl", "demikernel-pktmon.etl"))
	if err != nil {
		b.Fatal(err)
	}
	type buf struct {
		src  []byte
		size int
	}
	var bufs []buf
	total := 0
	for off := 0; off+0x48 <= len(data); {
		size := int(binary.LittleEndian.Uint32(data[off:]))
		if size < 0x48 || off+size > len(data) {
			b.Fatalf("buffer at %d: size %d", off, size)
		}
		if binary.LittleEndian.Uint16(data[off+0x34:])&0x40 != 0 {
			filled := int(binary.LittleEndian.Uint32(data[off+0x30:]))
			bufs = append(bufs, buf{data[off+0x48 : off+size], filled - 0x48})
			total += filled - 0x48
		}
		off += size
	}
	dst := make([]byte, 1<<20)
	b.SetBytes(int64(total))
	b.ReportAllocs()
	for b.Loop() {
		for _, x := range bufs {
			if _, err := lz77.Decompress(dst, x.src, x.size); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkReader reads a written file of 20,000 packets (100 bytes each)
// logged at two components, in compressed buffers of two CPUs; the figure
// is file bytes per second. Each op is a new Reader, whose window takes in
// all 20,000 frames before it delivers any: the allocations shown are that
// warm-up (the decompressed buffers the pending frames point into, and the
// window's slots), not a per-packet cost, which TestSteadyStateAllocs
// shows to be zero.
func BenchmarkReader(b *testing.B) {
	f := file()
	var bufs []etltest.Buffer
	for k := range 20 {
		buf := etltest.Buffer{CPU: uint16(k % 2), Compressed: true}
		for i := range 1000 {
			n := k*1000 + i
			at := t0.Add(time.Duration(n) * time.Millisecond)
			p := etltest.Pktmon{Group: uint64(n), Appearance: 1, PacketType: 1, Payload: packet(n)[:min(100, len(packet(n)))]}
			buf.Events = append(buf.Events, p.Event(at, false))
			p.Appearance = 2
			buf.Events = append(buf.Events, p.Event(at.Add(time.Microsecond), false))
		}
		bufs = append(bufs, buf)
	}
	data := etltest.Write(f, bufs)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var fr etl.Frame
	for b.Loop() {
		r, err := etl.NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for ; ; n++ {
			if err := r.Next(&fr); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
		}
		if n != 20000 {
			b.Fatalf("%d frames", n)
		}
	}
}

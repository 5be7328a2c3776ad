package cab_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"softsa/decoders/cab"
	"softsa/decoders/cab/cabtest"
	"softsa/internal/testenv"
)

// testFiles are two files spanning several blocks: one compressible, one
// not (pseudo-random), so MSZIP blocks use both stored and Huffman deflate
// blocks and the history across CFDATA blocks.
func testFiles() []cabtest.File {
	var a bytes.Buffer
	for i := range 20000 {
		fmt.Fprintf(&a, "<netEvent n=\"%d\"/>\n", i)
	}
	b := make([]byte, 70000)
	x := uint32(1)
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = byte(x >> 24)
	}
	return []cabtest.File{{Name: "wfpdiag.xml", Data: a.Bytes()}, {Name: "random.bin", Data: b}, {Name: "empty", Data: nil}}
}

func open(t *testing.T, data []byte) *cab.Reader {
	t.Helper()
	r, err := cab.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	return r
}

func checkFiles(t *testing.T, r *cab.Reader, want []cabtest.File) {
	t.Helper()
	got := r.Files()
	if len(got) != len(want) {
		t.Fatalf("%d files, want %d", len(got), len(want))
	}
	for i, f := range want {
		if got[i].Name != f.Name || int(got[i].Size) != len(f.Data) {
			t.Errorf("file %d: %q %d bytes, want %q %d", i, got[i].Name, got[i].Size, f.Name, len(f.Data))
		}
		data, err := r.ReadFile(f.Name, 1<<30)
		if err != nil {
			t.Fatalf("ReadFile %s: %v", f.Name, err)
		}
		if !bytes.Equal(data, f.Data) {
			t.Errorf("%s: content differs (%d bytes, want %d)", f.Name, len(data), len(f.Data))
		}
	}
}

func TestWriterRoundTrip(t *testing.T) {
	for _, mszip := range []bool{false, true} {
		t.Run(fmt.Sprint("mszip=", mszip), func(t *testing.T) {
			files := testFiles()
			checkFiles(t, open(t, cabtest.Write(files, mszip)), files)
		})
	}
}

// TestGcab reads cabinets a real tool wrote: gcab (MSZIP and stored).
func TestGcab(t *testing.T) {
	gcab := testenv.Tool(t, "gcab")
	dir := t.TempDir()
	files := testFiles()[:2]
	var names []string
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, f.Name)
	}
	for _, z := range []bool{true, false} {
		args := []string{"-c"}
		if z {
			args = append(args, "-z")
		}
		out := filepath.Join(dir, fmt.Sprintf("z%v.cab", z))
		cmd := exec.Command(gcab, append(append(args, out), names...)...)
		cmd.Dir = dir
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("gcab: %v: %s", err, b)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		checkFiles(t, open(t, data), files)
	}
}

// TestCabextract checks the test writer against cabextract, which tests
// every block's checksum and the MSZIP data.
func TestCabextract(t *testing.T) {
	ce := testenv.Tool(t, "cabextract")
	dir := t.TempDir()
	files := testFiles()
	for _, mszip := range []bool{false, true} {
		path := filepath.Join(dir, fmt.Sprintf("w%v.cab", mszip))
		if err := os.WriteFile(path, cabtest.Write(files, mszip), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, fmt.Sprintf("out%v", mszip))
		if b, err := exec.Command(ce, "-q", "-d", out, path).CombinedOutput(); err != nil {
			t.Fatalf("cabextract: %v: %s", err, b)
		}
		for _, f := range files {
			got, err := os.ReadFile(filepath.Join(out, f.Name))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, f.Data) {
				t.Errorf("cabextract's %s differs", f.Name)
			}
		}
	}
}

// Offsets in a cabinet cabtest wrote with one folder: the header is 36
// bytes, the folder entry 8, the file entries follow at 44.
const (
	offTotal     = 8
	offCoffFiles = 16
	offNFiles    = 28
	offFolder    = 36
	offFirstFile = 44
)

func TestHostile(t *testing.T) {
	le := binary.LittleEndian
	good := cabtest.Write([]cabtest.File{{Name: "a.xml", Data: bytes.Repeat([]byte("<x/>"), 20000)}}, true)
	dataStart := int(le.Uint32(good[offFolder:]))
	tests := []struct {
		name   string
		mutate func([]byte) []byte
		open   error // from NewReader
		read   error // from ReadFile
	}{
		{"not a cab", func(b []byte) []byte { b[0] = 'X'; return b }, cab.ErrNotCAB, nil},
		{"truncated header", func(b []byte) []byte { return b[:20] }, cab.ErrHeader, nil},
		{"file table past the end", func(b []byte) []byte { le.PutUint32(b[offCoffFiles:], 1<<30); return b }, cab.ErrHeader, nil},
		{"65535 files claimed", func(b []byte) []byte { le.PutUint16(b[offNFiles:], 0xFFFF); return b }, cab.ErrHeader, nil},
		{"folder out of range", func(b []byte) []byte { le.PutUint16(b[offFirstFile+8:], 7); return b }, nil, cab.ErrFolder},
		{"set continuation", func(b []byte) []byte { le.PutUint16(b[offFirstFile+8:], 0xFFFD); return b }, nil, cab.ErrSet},
		{"LZX", func(b []byte) []byte { le.PutUint16(b[offFolder+6:], 3); return b }, nil, cab.ErrCompression},
		{"data start past the end", func(b []byte) []byte { le.PutUint32(b[offFolder:], 1<<31); return b }, nil, cab.ErrBlock},
		{"block size lies", func(b []byte) []byte { le.PutUint16(b[dataStart+4:], 0xFFFF); return b }, nil, cab.ErrBlock},
		{"uncompressed size over 32768", func(b []byte) []byte { le.PutUint16(b[dataStart+6:], 40000); return b }, nil, cab.ErrBlockSize},
		{"checksum", func(b []byte) []byte { b[dataStart+20]++; return b }, nil, cab.ErrChecksum},
		{"no CK", func(b []byte) []byte { b[dataStart+8] = 'X'; le.PutUint32(b[dataStart:], 0); return b }, nil, cab.ErrMSZIP},
		{"file claims more than its blocks hold", func(b []byte) []byte { le.PutUint32(b[offFirstFile:], 1<<31); return b }, nil, cab.ErrShort},
		{"truncated data", func(b []byte) []byte { return b[:len(b)-100] }, nil, cab.ErrBlock},
		{"more blocks claimed than present", func(b []byte) []byte {
			le.PutUint16(b[offFolder+4:], 60000)
			le.PutUint32(b[offFirstFile:], 1<<31)
			return b
		}, nil, cab.ErrBlock},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.mutate(bytes.Clone(good))
			r, err := cab.NewReader(bytes.NewReader(b), int64(len(b)))
			if tc.open != nil {
				if !errors.Is(err, tc.open) {
					t.Fatalf("NewReader: %v, want %v", err, tc.open)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewReader: %v", err)
			}
			f := r.Files()[0]
			rd, err := r.Open(f)
			if err == nil {
				var n int64
				n, err = io.Copy(io.Discard, rd)
				if n > int64(len(b))*1100 {
					t.Errorf("%d bytes out of %d in", n, len(b))
				}
			}
			if !errors.Is(err, tc.read) {
				t.Fatalf("read: %v, want %v", err, tc.read)
			}
		})
	}
}

// TestBomb: a block of zeros deflates 1000:1; a file whose entry claims
// 4 GiB in a folder that claims 65535 blocks, each a tiny MSZIP block of
// 32768 zeros, yields only what the blocks really present hold.
func TestBomb(t *testing.T) {
	files := []cabtest.File{{Name: "z", Data: make([]byte, 8*cab.MaxBlock)}}
	b := cabtest.Write(files, true)
	le := binary.LittleEndian
	le.PutUint32(b[offFirstFile:], 0xFFFFFFFF)
	le.PutUint16(b[offFolder+4:], 0xFFFF)
	r := open(t, b)
	if _, err := r.ReadFile("z", 1<<20); !errors.Is(err, cab.ErrTooLarge) {
		t.Errorf("ReadFile with a 1 MiB limit: %v, want ErrTooLarge", err)
	}
	rd, err := r.Open(r.Files()[0])
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, rd)
	if n != 8*cab.MaxBlock || !errors.Is(err, cab.ErrBlock) {
		t.Errorf("%d bytes, %v; want %d and ErrBlock", n, err, 8*cab.MaxBlock)
	}
	t.Logf("%d bytes of cabinet, %d out before: %v", len(b), n, err)
}

func FuzzCAB(f *testing.F) {
	// Small seeds: the fuzzer minimises each new input, which takes
	// minutes on one of tens of KiB. Three blocks of 32768 zeros with
	// history across blocks still fit in a few hundred bytes.
	f.Add(cabtest.Write([]cabtest.File{{Name: "wfpdiag.xml", Data: []byte("<wfpdiag><events><netEvent/></events></wfpdiag>")}}, true))
	f.Add(cabtest.Write([]cabtest.File{{Name: "a", Data: []byte("hello")}, {Name: "b", Data: []byte("world")}}, false))
	f.Add(cabtest.Write([]cabtest.File{{Name: "z", Data: make([]byte, 3*cab.MaxBlock)}}, true))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := cab.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		for _, f := range r.Files() {
			rd, err := r.Open(f)
			if err != nil {
				continue
			}
			// A block yields at most 32768 bytes and the blocks that fit
			// in b are at most len(b)/10 (8 bytes of header and "CK");
			// a file yields at most its size.
			n, _ := io.Copy(io.Discard, rd)
			if n > int64(f.Size) || n > int64(len(b)/10+1)*cab.MaxBlock+int64(cab.MaxBlock) {
				t.Fatalf("%s: %d bytes out of a %d-byte cabinet (size %d)", f.Name, n, len(b), f.Size)
			}
		}
	})
}

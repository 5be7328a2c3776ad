package lz77_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"softsa/decoders/internal/lz77"
	"softsa/decoders/internal/lz77/lz77test"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSpecExamples decompresses the two plain LZ77 examples of [MS-XCA]
// §3.1 ("LZ77"): 26 literals, whose last flag word pads the unused bits
// with ones, and "abc" 100 times, one literal run and one match of 297
// bytes at distance 3 whose length takes the half byte, the byte and the
// 16-bit field.
func TestSpecExamples(t *testing.T) {
	for _, tc := range []struct {
		name, compressed string
		want             []byte
	}{
		{"literals", "3f000000 6162636465666768696a6b6c6d6e6f707172737475767778797a",
			[]byte("abcdefghijklmnopqrstuvwxyz")},
		{"abc x100", "ffffff1f 616263 1700 0f ff 2601", bytes.Repeat([]byte("abc"), 100)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := lz77.Decompress(nil, unhex(t, tc.compressed), len(tc.want))
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Fatalf("Decompress = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestCompressorMatchesSpec checks the test compressor against the same
// examples, so that round trips through it test the decompressor against
// the spec and not against itself.
func TestCompressorMatchesSpec(t *testing.T) {
	if got := lz77test.Compress([]byte("abcdefghijklmnopqrstuvwxyz"), 0, 0); !bytes.Equal(got, unhex(t, "3f000000 6162636465666768696a6b6c6d6e6f707172737475767778797a")) {
		t.Errorf("literals: %x", got)
	}
	if got := lz77test.Compress(bytes.Repeat([]byte("abc"), 100), 0, 0); !bytes.Equal(got, unhex(t, "ffffff1f 616263 1700 0f ff 2601")) {
		t.Errorf("abc x100: %x", got)
	}
}

// roundTripInputs covers every length encoding (3–9, half byte, byte,
// 16-bit, 32-bit), shared half bytes, overlapping matches and flag words
// that end exactly at the end of the data.
func roundTripInputs() map[string][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 5000)
	for i := range random {
		random[i] = byte(r.IntN(4)) // few symbols: many short matches
	}
	text := bytes.Repeat([]byte("the quick brown fox jumps over the lazy dog; "), 200)
	mixed := append(append([]byte{}, text[:3000]...), random...)
	return map[string][]byte{
		"empty":       {},
		"one":         {7},
		"32 literals": []byte("0123456789abcdefghijklmnopqrstuv"),
		"33 literals": []byte("0123456789abcdefghijklmnopqrstuvw"),
		"run 10":      bytes.Repeat([]byte{1}, 10),
		"run 30":      bytes.Repeat([]byte{1}, 30),
		"run 300":     bytes.Repeat([]byte{1}, 300),
		"run 70000":   bytes.Repeat([]byte{1}, 70000),
		"random":      random,
		"text":        text,
		"mixed":       mixed,
	}
}

func TestRoundTrip(t *testing.T) {
	for name, in := range roundTripInputs() {
		for _, minLen := range []int{3, 4, 10, 30} {
			c := lz77test.Compress(in, 0, minLen)
			got, err := lz77.Decompress(nil, c, len(in))
			if err != nil || !bytes.Equal(got, in) {
				t.Errorf("%s minLen %d: err %v, equal %v", name, minLen, err, bytes.Equal(got, in))
			}
		}
	}
}

func TestErrors(t *testing.T) {
	abc := unhex(t, "ffffff1f 616263 1700 0f ff 2601")
	for _, tc := range []struct {
		name string
		src  []byte
		size int
		want error
	}{
		{"size larger than the stream", abc, 301, lz77.ErrTruncated},
		{"size smaller than a match", abc, 299, lz77.ErrTooLong},
		{"negative size", abc, -1, lz77.ErrSize},
		{"no flag word", []byte{0, 0}, 1, lz77.ErrTruncated},
		{"literal missing", unhex(t, "00000000 41"), 2, lz77.ErrTruncated},
		{"match before the start", unhex(t, "00000080 0000"), 3, lz77.ErrDistance},
		{"distance too far", unhex(t, "00000040 41 0800"), 4, lz77.ErrDistance},
		{"16-bit length too small", unhex(t, "00000040 41 0700 0f ff 1500"), 40, lz77.ErrLength},
		{"half byte missing", unhex(t, "00000040 41 0700"), 20, lz77.ErrTruncated},
		{"32-bit length cut", unhex(t, "00000040 41 0700 0f ff 0000 ffff"), 40, lz77.ErrTruncated},
		{"4 GiB match, small size", unhex(t, "00000040 41 0700 0f ff 0000 ffffffff"), 1 << 20, lz77.ErrTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := lz77.Decompress(nil, tc.src, tc.size); err != tc.want {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestSizeLieAllocatesLittle declares 1 GiB for a stream of 26 bytes: the
// error comes without the gigabyte being allocated.
func TestSizeLieAllocatesLittle(t *testing.T) {
	src := unhex(t, "3f000000 6162636465666768696a6b6c6d6e6f707172737475767778797a")
	var err error
	allocs := testing.AllocsPerRun(10, func() { _, err = lz77.Decompress(nil, src, 1<<30) })
	if !errors.Is(err, lz77.ErrTruncated) {
		t.Fatalf("err = %v", err)
	}
	// One allocation of minGrow bytes (64 KiB); a gigabyte would show in
	// the heap profile, and testing cannot measure bytes per run portably,
	// so count the growth steps instead: one.
	if allocs > 1 {
		t.Errorf("%v allocations", allocs)
	}
}

func TestZeroAllocsWithCapacity(t *testing.T) {
	in := roundTripInputs()["mixed"]
	c := lz77test.Compress(in, 0, 0)
	dst := make([]byte, len(in))
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := lz77.Decompress(dst, c, len(in)); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
}

// reference decompresses as [MS-XCA] §2.4's pseudocode does, a byte and a
// flag bit at a time, with the error cases Decompress names: the fuzz
// target holds the word-moving decompressor to it.
func reference(src []byte, size int) ([]byte, error) {
	if size < 0 {
		return nil, lz77.ErrSize
	}
	var out []byte
	ip, halfByte := 0, -1
	var flags uint32
	nflags := 0
	for len(out) < size {
		if nflags == 0 {
			if len(src)-ip < 4 {
				return out, lz77.ErrTruncated
			}
			flags = uint32(src[ip]) | uint32(src[ip+1])<<8 | uint32(src[ip+2])<<16 | uint32(src[ip+3])<<24
			ip += 4
			nflags = 32
		}
		nflags--
		if flags&(1<<nflags) == 0 {
			if ip >= len(src) {
				return out, lz77.ErrTruncated
			}
			out = append(out, src[ip])
			ip++
			continue
		}
		if len(src)-ip < 2 {
			return out, lz77.ErrTruncated
		}
		m := int(src[ip]) | int(src[ip+1])<<8
		ip += 2
		length, dist := m&7, m>>3+1
		if length == 7 {
			if halfByte < 0 {
				if ip >= len(src) {
					return out, lz77.ErrTruncated
				}
				halfByte = ip
				length = int(src[ip] & 15)
				ip++
			} else {
				length = int(src[halfByte] >> 4)
				halfByte = -1
			}
			if length == 15 {
				if ip >= len(src) {
					return out, lz77.ErrTruncated
				}
				length = int(src[ip])
				ip++
				if length == 255 {
					if len(src)-ip < 2 {
						return out, lz77.ErrTruncated
					}
					length = int(src[ip]) | int(src[ip+1])<<8
					ip += 2
					if length == 0 {
						if len(src)-ip < 4 {
							return out, lz77.ErrTruncated
						}
						length = int(uint32(src[ip]) | uint32(src[ip+1])<<8 | uint32(src[ip+2])<<16 | uint32(src[ip+3])<<24)
						ip += 4
					}
					if length < 15+7 {
						return out, lz77.ErrLength
					}
					length -= 15 + 7
				}
				length += 15
			}
			length += 7
		}
		length += 3
		if dist > len(out) {
			return out, lz77.ErrDistance
		}
		if length > size-len(out) {
			return out, lz77.ErrTooLong
		}
		for range length {
			out = append(out, out[len(out)-dist])
		}
	}
	return out, nil
}

func FuzzDecompress(f *testing.F) {
	f.Add(unhex(f, "ffffff1f 616263 1700 0f ff 2601"), uint16(300), false, uint8(0))
	f.Add([]byte("the quick brown fox jumps over the lazy dog, the quick brown fox"), uint16(0), true, uint8(0))
	f.Add(bytes.Repeat([]byte{0, 1, 2}, 100), uint16(0), true, uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, size uint16, roundTrip bool, slack uint8) {
		if roundTrip {
			// data is plain text: its compression must come back whole.
			c := lz77test.Compress(data, int(size)%8192+1, 3)
			got, err := lz77.Decompress(nil, c, len(data))
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("round trip: err %v, equal %v", err, bytes.Equal(got, data))
			}
			return
		}
		// data is a stream: the answer of the spec's byte-at-a-time
		// decompressor, and never more than size bytes, whether the
		// output grows from nothing, sits in a buffer with room to spare
		// (word moves write past their end), or must grow past the
		// 64 KiB first allocation (a size up to 8 times larger).
		n := int(size)
		if slack&0x80 != 0 {
			n <<= slack & 3
		}
		want, wantErr := reference(data, n)
		spare := make([]byte, n+int(slack&0x7f))
		for i := range spare {
			spare[i] = 0xa5
		}
		for _, dst := range [][]byte{nil, spare[:0]} {
			got, err := lz77.Decompress(dst, data, n)
			if err != wantErr {
				t.Fatalf("err %v, the spec's decompressor says %v", err, wantErr)
			}
			if len(got) > n {
				t.Fatalf("%d bytes beyond the declared %d", len(got), n)
			}
			if err == nil && !bytes.Equal(got, want) {
				t.Fatalf("%d bytes differ from the spec's decompressor's", n)
			}
		}
	})
}

// BenchmarkDecompress reports output bytes per second (SetBytes counts the
// decompressed size) on text-like data and on a pktmon-like mix.
func BenchmarkDecompress(b *testing.B) {
	for _, name := range []string{"text", "mixed", "random"} {
		in := bytes.Repeat(roundTripInputs()[name], 1<<20/len(roundTripInputs()[name])+1)[:1<<20]
		c := lz77test.Compress(in, 0, 0)
		dst := make([]byte, len(in))
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := lz77.Decompress(dst, c, len(in)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Package lz77 decompresses the "plain LZ77" variant of Microsoft's Xpress
// compression ([MS-XCA] §2.4, "Plain LZ77 Decompression Algorithm Details",
// https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-xca/),
// which ETW writes into the compressed buffers of an .etl file (pktmon does
// for every data buffer; see ../../../shared/windows-formats.md §1.1).
//
// The stream is a sequence of 32-bit little-endian flag words, each
// followed by the 32 symbols it describes, read from its most significant
// bit down: a 0 bit is one literal byte, a 1 bit a 16-bit match word
// (distance-1 in the high 13 bits, length-3 in the low 3), the value 7
// extending the length through a shared half byte, a byte, then a 16- or
// 32-bit field.
//
// The output size is the caller's: the container says how many bytes the
// buffer decompresses to, and a stream that would produce more, or ends
// before producing that many, is an error. Memory follows what the stream
// really produces, not what the container claims: an output buffer too
// small for the declared size is grown as output is written, so a size that
// lies costs at most twice the bytes actually decompressed.
package lz77

import (
	"encoding/binary"
	"errors"
	"math/bits"
)

// Sentinel errors; Decompress returns them unwrapped, so callers can test
// with == or errors.Is.
var (
	// ErrTruncated means the compressed data ends inside a flag word, a
	// match or a literal run that the declared output still needs.
	ErrTruncated = errors.New("lz77: compressed data ends before the declared output size")
	// ErrDistance means a match reaches back before the start of the
	// output.
	ErrDistance = errors.New("lz77: match distance before the start of the output")
	// ErrTooLong means a match would write past the declared output size.
	ErrTooLong = errors.New("lz77: output exceeds the declared size")
	// ErrLength means a 16- or 32-bit match length below the smallest
	// value that needs one ([MS-XCA] §2.4 calls it an error).
	ErrLength = errors.New("lz77: invalid match length")
	// ErrSize means a negative declared size.
	ErrSize = errors.New("lz77: negative output size")
)

// minGrow is the first allocation when dst is too small for the declared
// size: enough for most buffers, small enough that a lie costs nothing.
const minGrow = 64 << 10

// Decompress decompresses src, which must decompress to exactly size bytes,
// into dst's storage and returns the size bytes. When cap(dst) >= size it
// allocates nothing; otherwise it allocates as the output grows. Bytes of
// dst's storage past size may be overwritten: copying in whole words, the
// decompressor writes up to 8 bytes past a match or a literal run when
// there is room, and what follows overwrites them.
func Decompress(dst, src []byte, size int) ([]byte, error) {
	if size < 0 {
		return dst[:0], ErrSize
	}
	var out []byte
	if cap(dst) >= size {
		out = dst[:cap(dst)]
	} else {
		out = make([]byte, min(size, max(minGrow, 4*len(src))))
	}
	var (
		op, ip int
		// flags holds the flag bits not used yet at its top, nflags of
		// them: the next symbol's bit is the sign bit.
		flags    uint32
		nflags   int
		halfByte = -1
	)
	for op < size {
		// Far from the ends of the input and the output, a run of up
		// to 8 literals and a short match (length 3-24, its length in
		// the match word or a half byte, distance 8 or more) need no
		// checks of their own: they take this loop, and
		// whatever else the loop below, from the same place in the
		// stream (a symbol boundary).
		for lim := min(size, len(out)) - 48; nflags > 0 && op <= lim && len(src)-ip >= 16; {
			run := bits.LeadingZeros32(flags)
			if run >= nflags || run > 8 {
				break
			}
			binary.LittleEndian.PutUint64(out[op:], binary.LittleEndian.Uint64(src[ip:]))
			op += run
			ip += run
			nflags -= run
			flags <<= run
			m := int(binary.LittleEndian.Uint16(src[ip:]))
			length, dist := m&7+3, m>>3+1
			if dist < 8 || dist > op {
				break
			}
			if length == 10 {
				// A length in the half byte, up to 24: longer ones
				// take the general path.
				if halfByte < 0 {
					if src[ip+2]&15 == 15 {
						break
					}
					length += int(src[ip+2] & 15)
					halfByte = ip + 2
					ip++
				} else {
					if src[halfByte]>>4 == 15 {
						break
					}
					length += int(src[halfByte] >> 4)
					halfByte = -1
				}
			}
			ip += 2
			nflags--
			flags <<= 1
			from := op - dist
			binary.LittleEndian.PutUint64(out[op:], binary.LittleEndian.Uint64(out[from:]))
			binary.LittleEndian.PutUint64(out[op+8:], binary.LittleEndian.Uint64(out[from+8:]))
			binary.LittleEndian.PutUint64(out[op+16:], binary.LittleEndian.Uint64(out[from+16:]))
			op += length
		}
		if op >= size {
			break
		}
		if nflags == 0 {
			if len(src)-ip < 4 {
				return out[:op], ErrTruncated
			}
			flags = binary.LittleEndian.Uint32(src[ip:])
			ip += 4
			nflags = 32
		}
		// Symbols come as runs of literals, each ended by a match: one
		// step takes the run (often empty) and the match after it, so
		// whether a symbol is a literal is not a branch of its own.
		run := bits.LeadingZeros32(flags)
		if run >= nflags {
			// The rest of the flag word is literals.
			run = min(nflags, size-op, len(src)-ip)
			if run == 0 {
				return out[:op], ErrTruncated
			}
			if op+run > len(out) {
				out = grow(out, op+run, size)
			}
			copy(out[op:op+run], src[ip:ip+run])
			op += run
			ip += run
			nflags -= run
			flags <<= run
			continue
		}
		if run <= 8 && len(src)-ip >= 8 && len(out)-op >= 8 && size-op >= run {
			// A short run, the common case: one word move; the bytes
			// past the run are overwritten by what follows.
			binary.LittleEndian.PutUint64(out[op:], binary.LittleEndian.Uint64(src[ip:]))
		} else {
			r := min(run, size-op, len(src)-ip)
			if op+r > len(out) {
				out = grow(out, op+r, size)
			}
			copy(out[op:op+r], src[ip:ip+r])
			if r < run {
				// The output is complete inside the run, or the input
				// ends in it.
				if op+r == size {
					break
				}
				return out[:op+r], ErrTruncated
			}
		}
		op += run
		ip += run
		if op == size {
			break
		}
		nflags -= run + 1
		flags <<= run + 1
		if len(src)-ip < 2 {
			// The spec ends the stream at a match flag with no input
			// left; short of size, that is a truncated stream.
			return out[:op], ErrTruncated
		}
		m := int(binary.LittleEndian.Uint16(src[ip:]))
		ip += 2
		length, dist := m&7+3, m>>3+1
		if length < 10 && dist >= 8 && dist <= op && op+16 <= len(out) && length <= size-op {
			// A short match, the common case, checked at once: two
			// word moves (dist >= 8: the second reads what the first
			// wrote, as byte-by-byte copying would).
			from := op - dist
			binary.LittleEndian.PutUint64(out[op:], binary.LittleEndian.Uint64(out[from:]))
			binary.LittleEndian.PutUint64(out[op+8:], binary.LittleEndian.Uint64(out[from+8:]))
			op += length
			continue
		}
		if length == 10 {
			// The length goes on in a half byte, two matches sharing
			// one byte: the first takes its low half, the next its high.
			if halfByte < 0 {
				if ip >= len(src) {
					return out[:op], ErrTruncated
				}
				length = int(src[ip] & 15)
				halfByte = ip
				ip++
			} else {
				length = int(src[halfByte] >> 4)
				halfByte = -1
			}
			if length == 15 {
				if ip >= len(src) {
					return out[:op], ErrTruncated
				}
				length = int(src[ip])
				ip++
				if length == 255 {
					if len(src)-ip < 2 {
						return out[:op], ErrTruncated
					}
					length = int(binary.LittleEndian.Uint16(src[ip:]))
					ip += 2
					if length == 0 {
						if len(src)-ip < 4 {
							return out[:op], ErrTruncated
						}
						length = int(binary.LittleEndian.Uint32(src[ip:]))
						ip += 4
					}
					if length < 15+7 {
						return out[:op], ErrLength
					}
					length -= 15 + 7
				}
				length += 15
			}
			length += 7 + 3
		}
		if dist > op {
			return out[:op], ErrDistance
		}
		if length > size-op {
			return out[:op], ErrTooLong
		}
		end := op + length
		from := op - dist
		if dist >= 8 && length <= 64 && end+16 <= len(out) {
			// Most matches are short: word moves instead of a call to
			// memmove. With dist >= 8 each word's source is final before
			// it is read, as byte-by-byte copying would have it (so an
			// overlapping match repeats as it must); the bytes written
			// past end are overwritten by what follows.
			binary.LittleEndian.PutUint64(out[op:], binary.LittleEndian.Uint64(out[from:]))
			binary.LittleEndian.PutUint64(out[op+8:], binary.LittleEndian.Uint64(out[from+8:]))
			for op, from = op+16, from+16; op < end; op, from = op+8, from+8 {
				binary.LittleEndian.PutUint64(out[op:], binary.LittleEndian.Uint64(out[from:]))
			}
			op = end
			continue
		}
		if end > len(out) {
			out = grow(out, end, size)
		}
		if dist >= length {
			copy(out[op:end], out[from:from+length])
			op = end
			continue
		}
		// An overlapping match repeats the last dist bytes; each copy
		// doubles the part already written, so a long run takes
		// log2(length/dist) copies.
		for op < end {
			op += copy(out[op:end], out[from:op])
		}
	}
	return out[:size], nil
}

// grow returns out with room for at least need bytes, doubling, but never
// beyond size.
func grow(out []byte, need, size int) []byte {
	n := min(max(need, 2*len(out)), size)
	bigger := make([]byte, n)
	copy(bigger, out)
	return bigger
}

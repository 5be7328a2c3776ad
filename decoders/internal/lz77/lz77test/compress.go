// Package lz77test holds a small plain-LZ77 compressor for tests: it writes
// the stream of [MS-XCA] §2.3 ("Plain LZ77 Compression Algorithm
// Details"), so that round trips check the decompressor and the ETL test
// writer can make compressed buffers. It is greedy and simple, not fast.
package lz77test

import "encoding/binary"

// Compress returns the plain-LZ77 compression of in. maxDist (1 to 8192)
// bounds the match distances it uses and minLen (3 or more) the shortest
// match it takes, so that tests can steer it towards literals, short or
// long matches; 0 means the widest choice.
func Compress(in []byte, maxDist, minLen int) []byte {
	if maxDist <= 0 || maxDist > 8192 {
		maxDist = 8192
	}
	minLen = max(minLen, 3)
	out := make([]byte, 4, len(in)+len(in)/8+8)
	var (
		flags    uint32
		nflags   int
		flagPos  = 0
		halfByte = -1
		head     = make(map[uint32]int) // last position of each 3-byte prefix
	)
	key := func(i int) uint32 { return uint32(in[i]) | uint32(in[i+1])<<8 | uint32(in[i+2])<<16 }
	for i := 0; i < len(in); {
		bestLen, bestDist := 0, 0
		if i+3 <= len(in) {
			if j, ok := head[key(i)]; ok && i-j <= maxDist {
				n := 0
				for i+n < len(in) && in[j+n] == in[i+n] {
					n++
				}
				bestLen, bestDist = n, i-j
			}
			head[key(i)] = i
		}
		if bestLen >= minLen {
			out = putMatch(out, bestLen-3, bestDist-1, &halfByte)
			for k := i + 1; k < i+bestLen && k+3 <= len(in); k++ {
				head[key(k)] = k
			}
			i += bestLen
			flags = flags<<1 | 1
		} else {
			out = append(out, in[i])
			i++
			flags <<= 1
		}
		if nflags++; nflags == 32 {
			binary.LittleEndian.PutUint32(out[flagPos:], flags)
			flags, nflags = 0, 0
			flagPos = len(out)
			out = append(out, 0, 0, 0, 0)
		}
	}
	// The unused bits of the last flag word are ones: a decompressor that
	// does not know the size stops at a match flag with no input left.
	last := uint64(flags)<<(32-nflags) | (uint64(1)<<(32-nflags) - 1)
	binary.LittleEndian.PutUint32(out[flagPos:], uint32(last))
	return out
}

// putMatch appends one match of length-3 = l and distance-1 = d.
func putMatch(out []byte, l, d int, halfByte *int) []byte {
	sym := uint16(d << 3)
	if l < 7 {
		return binary.LittleEndian.AppendUint16(out, sym|uint16(l))
	}
	out = binary.LittleEndian.AppendUint16(out, sym|7)
	l -= 7
	nib := byte(min(l, 15))
	if *halfByte < 0 {
		*halfByte = len(out)
		out = append(out, nib)
	} else {
		out[*halfByte] |= nib << 4
		*halfByte = -1
	}
	if l < 15 {
		return out
	}
	l -= 15
	if l < 255 {
		return append(out, byte(l))
	}
	out = append(out, 255)
	l += 15 + 7
	if l < 1<<16 {
		return binary.LittleEndian.AppendUint16(out, uint16(l))
	}
	out = binary.LittleEndian.AppendUint16(out, 0)
	return binary.LittleEndian.AppendUint32(out, uint32(l))
}

// Package cabtest writes Microsoft Cabinets for tests: one folder, stored
// or MSZIP-compressed, in the [MS-CAB] layout package cab reads (and
// cabextract checks).
package cabtest

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"time"

	"softsa/decoders/cab"
)

// File is one file to put in a cabinet.
type File struct {
	Name     string
	Data     []byte
	Modified time.Time // the zero time writes 1980-01-01
}

// Write returns a cabinet holding files in one folder, compressed with
// MSZIP when mszip is set, with block checksums. It deflates at
// flate.BestSpeed: cabextract 1.9 (libmspack) reported "decompression
// error" for the MSZIP blocks Go's encoder wrote at DefaultCompression and
// above from the test data, which Go and zlib inflate, and read the
// BestSpeed ones. [inference: libmspack refuses an incomplete Huffman
// code, such as a distance table of a single code, which Go emits and
// zlib's encoder avoids.]
func Write(files []File, mszip bool) []byte {
	return WriteLevel(files, mszip, flate.BestSpeed)
}

// WriteLevel is Write with the deflate level of the MSZIP blocks
// (compress/flate's levels).
func WriteLevel(files []File, mszip bool, level int) []byte {
	var all []byte
	for _, f := range files {
		all = append(all, f.Data...)
	}
	var blocks [][]byte // CFDATA records
	var prev []byte
	for off := 0; off < len(all) || (off == 0 && len(all) == 0); off += cab.MaxBlock {
		chunk := all[off:min(off+cab.MaxBlock, len(all))]
		if len(chunk) == 0 {
			break
		}
		body := chunk
		if mszip {
			var b bytes.Buffer
			b.WriteString("CK")
			w, _ := flate.NewWriterDict(&b, level, prev)
			w.Write(chunk)
			w.Close()
			body = b.Bytes()
		}
		rec := make([]byte, 8, 8+len(body))
		binary.LittleEndian.PutUint16(rec[4:], uint16(len(body)))
		binary.LittleEndian.PutUint16(rec[6:], uint16(len(chunk)))
		binary.LittleEndian.PutUint32(rec[0:], cab.Checksum(body, rec[4:8]))
		blocks = append(blocks, append(rec, body...))
		prev = chunk
	}
	le := binary.LittleEndian
	var entries []byte
	off := uint32(0)
	for _, f := range files {
		e := make([]byte, 16)
		le.PutUint32(e[0:], uint32(len(f.Data)))
		le.PutUint32(e[4:], off)
		d, t := dosTime(f.Modified)
		le.PutUint16(e[10:], d)
		le.PutUint16(e[12:], t)
		le.PutUint16(e[14:], 0x20) // archive
		e = append(append(e, f.Name...), 0)
		entries = append(entries, e...)
		off += uint32(len(f.Data))
	}
	coffFiles := 36 + 8
	dataStart := coffFiles + len(entries)
	total := dataStart
	for _, b := range blocks {
		total += len(b)
	}
	out := make([]byte, 36, total)
	copy(out, "MSCF")
	le.PutUint32(out[8:], uint32(total))
	le.PutUint32(out[16:], uint32(coffFiles))
	out[24], out[25] = 3, 1
	le.PutUint16(out[26:], 1)
	le.PutUint16(out[28:], uint16(len(files)))
	fo := make([]byte, 8)
	le.PutUint32(fo[0:], uint32(dataStart))
	le.PutUint16(fo[4:], uint16(len(blocks)))
	if mszip {
		le.PutUint16(fo[6:], cab.CompressMSZIP)
	}
	out = append(out, fo...)
	out = append(out, entries...)
	for _, b := range blocks {
		out = append(out, b...)
	}
	return out
}

func dosTime(t time.Time) (uint16, uint16) {
	if t.Year() < 1980 {
		return 1<<5 | 1, 0
	}
	return uint16((t.Year()-1980)<<9 | int(t.Month())<<5 | t.Day()), uint16(t.Hour()<<11 | t.Minute()<<5 | t.Second()/2)
}

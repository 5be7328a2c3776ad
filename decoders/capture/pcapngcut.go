package capture

import (
	"encoding/binary"
	"fmt"
	"io"
)

// pcapng block types, as the pcapng specification numbers them, for
// naming the block a file is cut in.
var ngBlockNames = map[uint32]string{
	0x0A0D0D0A: "Section Header Block",
	0x00000001: "Interface Description Block",
	0x00000002: "Packet Block",
	0x00000003: "Simple Packet Block",
	0x00000004: "Name Resolution Block",
	0x00000005: "Interface Statistics Block",
	0x00000006: "Enhanced Packet Block",
	0x0000000A: "Decryption Secrets Block",
	0x00000BAD: "Custom Block",
	0x40000BAD: "Custom Block",
}

// isNgPacketBlock reports whether a pcapng block type holds a packet: a
// cut in one of those costs a frame, a cut elsewhere only the block.
func isNgPacketBlock(t uint32) bool { return t == 2 || t == 3 || t == 6 }

// ngCut walks the pcapng blocks of ra from off, where a failed read began,
// and finds the block the file ends inside, when that is what went wrong:
// the reader of a cut Name Resolution or Decryption Secrets block has
// only its own words for it, and a support engineer needs to hear that
// no frame was lost. It returns the block's type and offset and ok; ok is
// false when the blocks from off are whole (the error was something else)
// or cannot be walked.
func ngCut(ra io.ReaderAt, size, off int64) (typ uint32, at int64, ok bool) {
	var order binary.ByteOrder = binary.LittleEndian
	var shb [12]byte
	if n, _ := ra.ReadAt(shb[:], 0); n == len(shb) && binary.BigEndian.Uint32(shb[8:]) == 0x1A2B3C4D {
		order = binary.BigEndian
	}
	// Bounded: each step moves forward by at least 12 bytes, and the
	// walk is only from the failed read to the end of the file.
	for off < size {
		var h [12]byte
		n, _ := ra.ReadAt(h[:], off)
		if n < 8 {
			if n < 4 {
				return 0, off, n > 0 // a block header cut before its type
			}
			return order.Uint32(h[:4]), off, true
		}
		t := order.Uint32(h[:4])
		if t == 0x0A0D0D0A && n == 12 {
			switch binary.LittleEndian.Uint32(h[8:]) {
			case 0x1A2B3C4D:
				order = binary.LittleEndian
			case 0x4D3C2B1A:
				order = binary.BigEndian
			}
		}
		l := int64(order.Uint32(h[4:8]))
		if l < 12 || l%4 != 0 {
			return 0, 0, false // malformed, not cut: the reader's words stand
		}
		if off+l > size {
			return t, off, true
		}
		off += l
	}
	return 0, 0, false
}

// ngBlockName names a pcapng block type.
func ngBlockName(t uint32) string {
	if n, ok := ngBlockNames[t]; ok {
		return n
	}
	return fmt.Sprintf("block of type %#x", t)
}

package etl

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Record header types: the byte at offset 2 of a record whose flags byte
// (offset 3) has TRACE_HEADER_FLAG | TRACE_HEADER_EVENT_TRACE (0xC0), from
// dissect.etl c_etl.py (TRACE_HEADER_TYPE_*), header sizes from
// super-speedy-syslog-searcher's etlparser.rs; windows-formats.md §1.3.
const (
	hdrSystem32    = 0x01
	hdrSystem64    = 0x02
	hdrCompact32   = 0x03
	hdrCompact64   = 0x04
	hdrFull32      = 0x0A
	hdrInstance32  = 0x0B
	hdrTimed       = 0x0C
	hdrError       = 0x0D
	hdrWnode       = 0x0E
	hdrMessage     = 0x0F
	hdrPerfInfo32  = 0x10
	hdrPerfInfo64  = 0x11
	hdrEvent32     = 0x12
	hdrEvent64     = 0x13
	hdrFull64      = 0x14
	hdrInstance64  = 0x15
	flagTrace      = 0x80 // TRACE_HEADER_FLAG, in the record's fourth byte
	flagEventTrace = 0x40 // TRACE_HEADER_EVENT_TRACE: the third byte is the type
	flagMessage    = 0x10 // TRACE_MESSAGE: a WPP record, size in the low 16 bits
	eventHeaderLen = 0x50 // EVENT_HEADER as ETW stores it
	paddingMarker  = 0xFFFFFFFF
)

// Errors of the record walk, wrapped with the record's offset; each costs
// the rest of its buffer (a record's length is the only way to the next).
var (
	errNoTraceFlag  = errors.New("record without the trace header flag")
	errRecordType   = errors.New("unknown record header type")
	errRecordSize   = errors.New("record size smaller than its header")
	errRecordBeyond = errors.New("record size past the end of its buffer")
)

// recordKind is what the walk tells the reader about a record.
type recordKind uint8

const (
	kindOther   recordKind = iota // known type softsa has no use for
	kindSystem                    // SYSTEM_TRACE_HEADER (the logfile header is one)
	kindEvent                     // EVENT_HEADER: manifest and TraceLogging events
	kindMessage                   // WPP TraceMessage: needs TMF files, skipped
)

// nextRecord reads the record at pos of buf (a whole buffer, header
// included, decompressed) and returns it, its kind and where the next one
// starts; ok is false at the end of the buffer's records (its end, a short
// tail, or the 0xFFFFFFFF padding marker).
func nextRecord(buf []byte, pos int) (rec []byte, kind recordKind, next int, ok bool, err error) {
	if len(buf)-pos < 8 {
		return nil, 0, 0, false, nil
	}
	marker := binary.LittleEndian.Uint32(buf[pos:])
	if marker == paddingMarker {
		return nil, 0, 0, false, nil
	}
	flags, typ := byte(marker>>24), byte(marker>>16)
	size, least := int(uint16(marker)), 8
	switch {
	case flags&flagTrace == 0:
		return nil, 0, 0, false, fmt.Errorf("offset %#x: marker %#08x: %w", pos, marker, errNoTraceFlag)
	case flags&flagEventTrace == 0 && flags&flagMessage != 0:
		kind = kindMessage
	case flags&flagEventTrace == 0:
		return nil, 0, 0, false, fmt.Errorf("offset %#x: marker %#08x: %w", pos, marker, errRecordType)
	default:
		switch typ {
		case hdrSystem32, hdrSystem64:
			size, least, kind = int(binary.LittleEndian.Uint16(buf[pos+4:])), systemHeaderSize, kindSystem
		case hdrCompact32, hdrCompact64:
			size, least = int(binary.LittleEndian.Uint16(buf[pos+4:])), 0x18
		case hdrPerfInfo32, hdrPerfInfo64:
			size, least = int(binary.LittleEndian.Uint16(buf[pos+4:])), 0x10
		case hdrEvent32, hdrEvent64:
			least, kind = eventHeaderLen, kindEvent
		case hdrFull32, hdrFull64:
			least = 0x30
		case hdrInstance32, hdrInstance64:
			least = 0x48
		case hdrTimed, hdrError, hdrWnode, hdrMessage:
		default:
			return nil, 0, 0, false, fmt.Errorf("offset %#x: type %#02x: %w", pos, typ, errRecordType)
		}
	}
	if size < least {
		return nil, 0, 0, false, fmt.Errorf("offset %#x: size %d, header %d: %w", pos, size, least, errRecordSize)
	}
	if size > len(buf)-pos {
		return nil, 0, 0, false, fmt.Errorf("offset %#x: size %d, %d bytes left: %w", pos, size, len(buf)-pos, errRecordBeyond)
	}
	// Records are 8-byte aligned; the last one may end at the buffer's
	// end without its padding.
	return buf[pos : pos+size], kind, min(pos+(size+7)&^7, len(buf)), true, nil
}

// GUID is a provider ID in its Windows byte order (Data1–3 little-endian).
type GUID [16]byte

// String formats g as Windows does, without braces.
func (g GUID) String() string {
	return fmt.Sprintf("%08X-%04X-%04X-%X-%X", binary.LittleEndian.Uint32(g[0:]),
		binary.LittleEndian.Uint16(g[4:]), binary.LittleEndian.Uint16(g[6:]), g[8:10], g[10:16])
}

// mustGUID parses a GUID written as Windows prints it; for constants.
func mustGUID(s string) GUID {
	var g GUID
	var d1 uint32
	var d2, d3 uint16
	var d4 [8]byte
	if _, err := fmt.Sscanf(s, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", &d1, &d2, &d3,
		&d4[0], &d4[1], &d4[2], &d4[3], &d4[4], &d4[5], &d4[6], &d4[7]); err != nil {
		panic("etl: bad GUID " + s)
	}
	binary.LittleEndian.PutUint32(g[0:], d1)
	binary.LittleEndian.PutUint16(g[4:], d2)
	binary.LittleEndian.PutUint16(g[6:], d3)
	copy(g[8:], d4[:])
	return g
}

// event is an EVENT_HEADER record, parsed (dissect.etl c_etl.py
// EventHeader, airbus etl-parser etl/event.py; windows-formats.md §1.3).
type event struct {
	flags    uint16
	pid, tid uint32
	raw      int64 // timestamp in the logfile's clock
	provider GUID
	id       uint16
	version  uint8
	opcode   uint8
	keyword  uint64
	ext      int // extended data items
	user     []byte
}

// Event header flags (EVENT_HEADER_FLAG_*).
const evFlagExtendedInfo = 0x0001

var (
	errExtended = errors.New("extended data item past the end of its event")
	errExtCount = errors.New("more extended data items than fit in an event")
)

// parseEvent reads an EVENT_HEADER record, stepping over its extended data
// items: each is {u16 reserved, u16 type, u16 linkage (bit 0: another item
// follows), u16 data size, data}, padded to 8 bytes; the user data follows
// them, up to the record's size.
func parseEvent(rec []byte, ev *event) error {
	le := binary.LittleEndian
	ev.flags = le.Uint16(rec[4:])
	ev.tid, ev.pid = le.Uint32(rec[8:]), le.Uint32(rec[12:])
	ev.raw = int64(le.Uint64(rec[0x10:]))
	copy(ev.provider[:], rec[0x18:0x28])
	ev.id, ev.version = le.Uint16(rec[0x28:]), rec[0x2A]
	ev.opcode = rec[0x2D]
	ev.keyword = le.Uint64(rec[0x30:])
	ev.ext = 0
	pos := eventHeaderLen
	if ev.flags&evFlagExtendedInfo != 0 {
		for more := true; more; ev.ext++ {
			if ev.ext >= 64 {
				return errExtCount
			}
			if len(rec)-pos < 8 {
				return fmt.Errorf("item %d at %#x: %w", ev.ext, pos, errExtended)
			}
			more = le.Uint16(rec[pos+4:])&1 != 0
			n := 8 + int(le.Uint16(rec[pos+6:]))
			if n > len(rec)-pos {
				return fmt.Errorf("item %d at %#x, %d bytes: %w", ev.ext, pos, n, errExtended)
			}
			pos = min(pos+(n+7)&^7, len(rec))
		}
	}
	ev.user = rec[pos:]
	return nil
}

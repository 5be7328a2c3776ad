package etl

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"time"
)

// The first record of an ETL file: a SYSTEM_TRACE_HEADER (0x20 bytes) whose
// payload is the TRACE_LOGFILE_HEADER, 0x118 bytes on 64-bit Windows and
// 0x110 on 32-bit (the pointers and the padding before the time zone are
// narrower). Offsets from Geoff Chappell's trace_logfile_header.htm, as
// dissect.etl (headers/logfile.py) and super-speedy-syslog-searcher
// (src/readers/etlparser.rs) read them; ../shared/windows-formats.md §1.2.
const (
	systemHeaderSize = 0x20
	logfileSize64    = 0x118
	logfileSize32    = 0x110
)

// Clock types (TRACE_LOGFILE_HEADER.ReservedFlags): what the raw timestamp
// of every record counts.
const (
	clockQPC        = 1 // QueryPerformanceCounter ticks at PerfFreq Hz
	clockSystemTime = 2 // FILETIME units, 10 MHz
	clockCPUCycles  = 3 // CPU cycles at CpuSpeedInMHz MHz
)

// filetimeEpoch is 1601-01-01 in Unix seconds.
const filetimeEpoch = -11644473600

// LogfileHeader is what softsa uses of the TRACE_LOGFILE_HEADER.
type LogfileHeader struct {
	BufferSize   uint32    // in-memory buffer size: no buffer decompresses to more
	Processors   uint32    // NumberOfProcessors
	PointerSize  uint32    // 4 or 8
	EventsLost   uint32    // events the session lost while logging
	BuffersLost  uint32    // buffers the session lost
	Start, End   time.Time // the session's start and end, UTC
	ClockType    uint32    // ReservedFlags: 1 QPC, 2 system time, 3 CPU cycles
	Frequency    uint64    // clock ticks per second
	LoggerName   string
	LogFileName  string
	startRaw     int64 // the raw timestamp of the header record: Start's tick
	startUnixNS  int64
	maxBufferLen int // the bound on a decompressed buffer
}

// parseLogfile reads the logfile header record: rec is the whole record,
// system header included.
func parseLogfile(rec []byte) (LogfileHeader, error) {
	var h LogfileHeader
	// PointerSize comes before the first pointer, so it can be read
	// before the layout is known.
	if len(rec) < systemHeaderSize+0x30 {
		return h, fmt.Errorf("logfile header record of %d bytes, want at least %d", len(rec), systemHeaderSize+logfileSize32)
	}
	pointer32 := binary.LittleEndian.Uint32(rec[systemHeaderSize+0x2C:]) == 4
	size := logfileSize64
	if pointer32 {
		size = logfileSize32
	}
	if len(rec) < systemHeaderSize+size {
		return h, fmt.Errorf("logfile header record of %d bytes, want at least %d", len(rec), systemHeaderSize+size)
	}
	h.startRaw = int64(le64(rec[0x10:]))
	p := rec[systemHeaderSize:]
	u32 := func(o int) uint32 { return binary.LittleEndian.Uint32(p[o:]) }
	h.BufferSize = u32(0x00)
	h.Processors = u32(0x0C)
	end := int64(le64(p[0x10:]))
	h.PointerSize = u32(0x2C)
	h.EventsLost = u32(0x30)
	cpuMHz := u32(0x34)
	// The fixed part after the two name pointers: 8 bytes narrower when
	// the pointers are 4 bytes each.
	tail := 0xF8
	if pointer32 {
		tail = 0xF0
	}
	perfFreq := le64(p[tail+0x08:])
	start := int64(le64(p[tail+0x10:]))
	h.ClockType = binary.LittleEndian.Uint32(p[tail+0x18:])
	h.BuffersLost = binary.LittleEndian.Uint32(p[tail+0x1C:])
	switch h.ClockType {
	case clockSystemTime:
		h.Frequency = 1e7
	case clockCPUCycles:
		h.Frequency = uint64(cpuMHz) * 1e6
	default: // QPC, the default clock (ReservedFlags 1, or 0 on old files)
		h.Frequency = perfFreq
	}
	if h.Frequency == 0 {
		return h, fmt.Errorf("logfile header: clock type %d with a frequency of 0", h.ClockType)
	}
	if start <= 0 {
		return h, fmt.Errorf("logfile header: start time %d is not a time", start)
	}
	h.Start = filetime(start)
	h.startUnixNS = h.Start.UnixNano()
	if end > 0 {
		h.End = filetime(end)
	}
	h.LoggerName, p = utf16z(p[size:])
	h.LogFileName, _ = utf16z(p)
	return h, nil
}

// filetime converts 100-ns ticks since 1601 to UTC.
func filetime(ft int64) time.Time {
	return time.Unix(filetimeEpoch+ft/1e7, ft%1e7*100).UTC()
}

// unixNS converts a raw record timestamp to nanoseconds since 1970, as
// dissect.etl and the Rust reader do: Start plus the ticks since the header
// record at the logfile's clock frequency. The division goes through 128
// bits, so that a capture of days at GHz frequencies neither overflows nor
// loses precision.
func (h *LogfileHeader) unixNS(raw int64) int64 {
	d := raw - h.startRaw
	neg := d < 0
	if neg {
		d = -d
	}
	hi, lo := bits.Mul64(uint64(d), 1e9)
	if hi >= h.Frequency {
		// More than 2^64 ns (584 years) away: a damaged timestamp; pin it
		// to the start rather than wrap.
		return h.startUnixNS
	}
	ns, _ := bits.Div64(hi, lo, h.Frequency)
	if ns > 1<<62 {
		return h.startUnixNS
	}
	if neg {
		return h.startUnixNS - int64(ns)
	}
	return h.startUnixNS + int64(ns)
}

// utf16z reads a NUL-terminated UTF-16LE string (ASCII is all the names
// hold in practice; other code units become '?') and returns the rest.
func utf16z(b []byte) (string, []byte) {
	var s []byte
	for len(b) >= 2 {
		c := binary.LittleEndian.Uint16(b)
		b = b[2:]
		if c == 0 {
			return string(s), b
		}
		if c < 0x80 {
			s = append(s, byte(c))
		} else {
			s = append(s, '?')
		}
		if len(s) > 1024 {
			break
		}
	}
	return string(s), nil
}

func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

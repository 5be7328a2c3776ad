// Package etltest writes ETL files for tests: the logfile header buffer,
// then buffers of EVENT_HEADER records, compressed (plain LZ77, through
// lz77test) or not, each tagged with a CPU, in the layout package etl reads
// (../../../shared/windows-formats.md §1). It also builds the user data of
// the packet events (PktMon 160/170, NDIS-PacketCapture 1001).
package etltest

import (
	"encoding/binary"
	"time"

	"softsa/decoders/etl"
	"softsa/decoders/internal/lz77/lz77test"
)

// Freq is the QPC frequency of the files written: 10 MHz, as on the real
// pktmon sample, so that times keep 100-ns resolution.
const Freq = 10_000_000

// startRaw is the QPC value of the logfile header record.
const startRaw = 5_000_000_000

// Event is one EVENT_HEADER record.
type Event struct {
	Time     time.Time
	Provider etl.GUID
	ID       uint16
	Version  uint8 // the event descriptor's version (template version)
	Keyword  uint64
	User     []byte
	// Ext is the number of extended data items written before the user
	// data (each 8 bytes of data); the reader must step over them.
	Ext int
}

// Buffer is one buffer of records.
type Buffer struct {
	CPU        uint16
	Compressed bool
	Events     []Event
	// Raw records appended after the events, as they are (for damage).
	Raw [][]byte
	// Pad adds the 0xFFFFFFFF padding an uncompressed ETW buffer carries
	// after its last record.
	Pad int
}

// File is the logfile header's content.
type File struct {
	Start, End  time.Time
	EventsLost  uint32
	BufferSize  uint32 // in-memory buffer size; 1 MiB when 0
	ClockType   uint32 // 1 QPC when 0
	PointerSize uint32 // 8 when 0
}

// Write returns the ETL file of f and bufs.
func Write(f File, bufs []Buffer) []byte {
	out := headerBuffer(f)
	for _, b := range bufs {
		out = append(out, WriteBuffer(f, b)...)
	}
	return out
}

// Raw converts t to the file's clock.
func (f File) Raw(t time.Time) int64 {
	d := t.Sub(f.Start)
	switch f.ClockType {
	case 2:
		return startRaw + int64(d/100)
	case 3:
		return startRaw + int64(d)*3 // 3 GHz
	}
	return startRaw + int64(d)/(1e9/Freq)
}

// WriteBuffer returns one buffer of records, header included.
func WriteBuffer(f File, b Buffer) []byte {
	var recs []byte
	for _, e := range b.Events {
		recs = append(recs, EventRecord(f, e)...)
	}
	for _, r := range b.Raw {
		recs = append(recs, r...)
		for len(recs)%8 != 0 {
			recs = append(recs, 0)
		}
	}
	filled := 0x48 + len(recs)
	for range b.Pad {
		recs = append(recs, 0xFF)
	}
	body, flags := recs, uint16(0x20)
	if b.Compressed {
		body, flags = lz77test.Compress(recs[:filled-0x48], 0, 0), 0x60
	}
	h := make([]byte, 0x48, 0x48+len(body))
	le := binary.LittleEndian
	le.PutUint32(h[0:], uint32(0x48+len(body)))
	le.PutUint32(h[4:], uint32(filled))
	le.PutUint64(h[0x10:], uint64(f.Start.UnixNano()/100+116444736000000000))
	le.PutUint16(h[0x28:], b.CPU)
	le.PutUint32(h[0x30:], uint32(filled))
	le.PutUint16(h[0x34:], flags)
	return append(h, body...)
}

// EventRecord returns one EVENT_HEADER record, padded to 8 bytes.
func EventRecord(f File, e Event) []byte {
	le := binary.LittleEndian
	r := make([]byte, 0x50)
	flags := uint16(0x40) // 64-bit header
	if e.Ext > 0 {
		flags |= 1
	}
	r[2], r[3] = 0x13, 0xC0
	le.PutUint16(r[4:], flags)
	le.PutUint32(r[8:], 1234)
	le.PutUint32(r[12:], 4)
	le.PutUint64(r[0x10:], uint64(f.Raw(e.Time)))
	copy(r[0x18:], e.Provider[:])
	le.PutUint16(r[0x28:], e.ID)
	r[0x2A] = e.Version
	le.PutUint64(r[0x30:], e.Keyword)
	for i := range e.Ext {
		item := make([]byte, 16)
		le.PutUint16(item[2:], 5) // EVENT_HEADER_EXT_TYPE_PROCESSOR_NUMBER-like
		if i < e.Ext-1 {
			le.PutUint16(item[4:], 1)
		}
		le.PutUint16(item[6:], 8)
		r = append(r, item...)
	}
	r = append(r, e.User...)
	le.PutUint16(r[0:], uint16(len(r)))
	for len(r)%8 != 0 {
		r = append(r, 0)
	}
	return r
}

// headerBuffer is the first buffer: the SYSTEM_TRACE_HEADER of the
// EventTrace header event around the TRACE_LOGFILE_HEADER.
func headerBuffer(f File) []byte {
	le := binary.LittleEndian
	ptr := f.PointerSize
	if ptr == 0 {
		ptr = 8
	}
	size, tail := 0x118, 0xF8
	if ptr == 4 {
		size, tail = 0x110, 0xF0
	}
	rec := make([]byte, 0x20+size)
	le.PutUint16(rec[0:], 2)
	rec[2], rec[3] = 2, 0xC0
	le.PutUint64(rec[0x10:], startRaw)
	p := rec[0x20:]
	bs := f.BufferSize
	if bs == 0 {
		bs = 1 << 20
	}
	ft := func(t time.Time) uint64 { return uint64(t.UnixNano()/100 + 116444736000000000) }
	le.PutUint32(p[0x00:], bs)
	le.PutUint32(p[0x0C:], 2)
	if !f.End.IsZero() {
		le.PutUint64(p[0x10:], ft(f.End))
	}
	le.PutUint32(p[0x2C:], ptr)
	le.PutUint32(p[0x30:], f.EventsLost)
	le.PutUint32(p[0x34:], 3000) // CPU MHz, for clock type 3
	le.PutUint64(p[tail+0x08:], Freq)
	le.PutUint64(p[tail+0x10:], ft(f.Start))
	clock := f.ClockType
	if clock == 0 {
		clock = 1
	}
	le.PutUint32(p[tail+0x18:], clock)
	for _, s := range []string{"softsa", `C:\softsa.etl`} {
		for _, c := range s {
			rec = le.AppendUint16(rec, uint16(c))
		}
		rec = append(rec, 0, 0)
	}
	le.PutUint16(rec[4:], uint16(len(rec)))
	for len(rec)%8 != 0 {
		rec = append(rec, 0)
	}
	h := make([]byte, 0x48, 1024)
	filled := 0x48 + len(rec)
	h = append(h, rec...)
	for len(h) < 1024 {
		h = append(h, 0xFF)
	}
	le.PutUint32(h[0:], 1024)
	le.PutUint32(h[0x30:], uint32(filled))
	le.PutUint16(h[0x34:], 1)
	le.PutUint16(h[0x36:], 4)
	return h
}

// Pktmon is a PktMon packet event's fields (event 160, or 170 with a drop
// reason).
type Pktmon struct {
	Group      uint64
	Number     uint16
	Appearance uint16
	Dir        uint16
	PacketType uint16 // 1 Ethernet, 2 WiFi, 3 IP
	Component  uint16
	DropReason uint32
	Original   int // original size; len(Payload) when 0
	Payload    []byte
}

// User returns the event's user data.
func (p Pktmon) User() []byte {
	le := binary.LittleEndian
	u := make([]byte, 34, 34+len(p.Payload))
	le.PutUint64(u[0:], p.Group)
	le.PutUint16(u[8:], p.Number)
	le.PutUint16(u[10:], p.Appearance)
	le.PutUint16(u[12:], p.Dir)
	le.PutUint16(u[14:], p.PacketType)
	le.PutUint16(u[16:], p.Component)
	le.PutUint32(u[22:], p.DropReason)
	orig := p.Original
	if orig == 0 {
		orig = len(p.Payload)
	}
	le.PutUint16(u[30:], uint16(orig))
	le.PutUint16(u[32:], uint16(len(p.Payload)))
	return append(u, p.Payload...)
}

// Event returns the PktMon event carrying p at t: 160, or 170 when dropped.
func (p Pktmon) Event(t time.Time, dropped bool) Event {
	id := uint16(160)
	if dropped {
		id = 170
	}
	return Event{Time: t, Provider: etl.ProviderPktMon, ID: id, Keyword: 0x10, User: p.User()}
}

// NDIS keyword bits (etl2pcapng KW_*), for Event.Keyword.
const (
	KwEthernet    = 0x1
	KwWirelessWAN = 0x200
	KwNative80211 = 0x10000
	KwStart       = 0x40000000
	KwEnd         = 0x80000000
	KwSend        = 0x100000000
	KwReceive     = 0x200000000
)

// NDIS is an NDIS-PacketCapture packet fragment (event 1001).
type NDIS struct {
	Miniport, Lower uint32
	Fragment        []byte
}

// Event returns the event carrying the fragment at t with keywords kw; the
// 16 bytes newer Windows logs after the fragment (GFT flow entry and
// offload information) are there too, and must be ignored.
func (n NDIS) Event(t time.Time, kw uint64) Event {
	le := binary.LittleEndian
	u := make([]byte, 12, 12+len(n.Fragment)+16)
	le.PutUint32(u[0:], n.Miniport)
	le.PutUint32(u[4:], n.Lower)
	le.PutUint32(u[8:], uint32(len(n.Fragment)))
	u = append(u, n.Fragment...)
	u = append(u, make([]byte, 16)...)
	return Event{Time: t, Provider: etl.ProviderNDIS, ID: 1001, Keyword: kw, User: u}
}

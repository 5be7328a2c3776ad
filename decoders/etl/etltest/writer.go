// Package etltest writes ETL files for tests: the logfile header buffer,
// then buffers of EVENT_HEADER records, compressed (plain LZ77, through
// lz77test) or not, each tagged with a CPU, in the layout package etl reads
// (../../../shared/windows-formats.md §1). It also builds the user data of
// the packet events (PktMon 160/170, NDIS-PacketCapture 1001 and 1003, the WFP capture
// provider's 600xx and fragmented 2000).
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
	// Header32 leaves out the 64-bit header flag, as a 32-bit logging
	// process's events do.
	Header32 bool
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
	Processors  uint32 // NumberOfProcessors; 2 when 0
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
	if e.Header32 {
		flags = 0x20 // 32-bit header
	}
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
	procs := f.Processors
	if procs == 0 {
		procs = 2
	}
	le.PutUint32(p[0x0C:], procs)
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

// VMSwitchDest is one destination of a VMSwitch packet event.
type VMSwitchDest struct {
	Port                uint32
	PortName, Nic, Type string
}

// VMSwitch is an NDIS-PacketCapture VMSwitchPacketFragment (event 1003).
type VMSwitch struct {
	Miniport, Lower, Port      uint32
	PortName, NicName, NicType string
	Dests                      []VMSwitchDest
	VLAN                       uint16
	// OOB32 writes the OOB data with 4-byte slots, as a 32-bit logger
	// does; the event must then lack the 64-bit header flag (Event32).
	OOB32    bool
	Fragment []byte
}

func appendUTF16Z(b []byte, s string) []byte {
	for _, c := range s {
		b = binary.LittleEndian.AppendUint16(b, uint16(c))
	}
	return append(b, 0, 0)
}

// User returns the event's user data: the fixed fields, the strings, the
// destination array, the fragment and the NET_BUFFER_LIST info array with
// the VLAN in its 802.1Q slot (4).
func (v VMSwitch) User() []byte {
	le := binary.LittleEndian
	u := le.AppendUint32(nil, v.Miniport)
	u = le.AppendUint32(u, v.Lower)
	u = le.AppendUint32(u, v.Port)
	for _, s := range []string{v.PortName, v.NicName, v.NicType} {
		u = appendUTF16Z(u, s)
	}
	u = le.AppendUint32(u, uint32(len(v.Dests)))
	for _, d := range v.Dests {
		u = le.AppendUint32(u, d.Port)
		for _, s := range []string{d.PortName, d.Nic, d.Type} {
			u = appendUTF16Z(u, s)
		}
	}
	u = le.AppendUint32(u, uint32(len(v.Fragment)))
	u = append(u, v.Fragment...)
	slot := 8
	if v.OOB32 {
		slot = 4
	}
	oob := make([]byte, 12*slot)
	le.PutUint32(oob[4*slot:], uint32(v.VLAN&0xFFF)<<4|5) // priority 5
	le.PutUint32(oob[8*slot:], 0xDEADBEEF)                // hash value
	u = le.AppendUint32(u, uint32(len(oob)))
	return append(u, oob...)
}

// Event returns the 1003 event carrying the fragment at t with keywords kw
// (KwVMSwitch is added).
func (v VMSwitch) Event(t time.Time, kw uint64) Event {
	return Event{Time: t, Provider: etl.ProviderNDIS, ID: 1003, Keyword: kw | KwVMSwitch, User: v.User(), Header32: v.OOB32}
}

// KwVMSwitch is the NDIS VMSwitch keyword.
const KwVMSwitch = 0x1000000

// WFP direction keywords of the WFP capture provider (SQLNA: 0x100000000
// incoming, 0x200000000 outgoing).
const (
	KwWFPIn  = 0x100000000
	KwWFPOut = 0x200000000
)

// WFP is a transport message of the WFP capture provider: what event
// 60011/60012 (IPv4) or 60021/60022 (IPv6) carries.
type WFP struct {
	Src, Dst []byte // 4 or 16 bytes
	Proto    uint8
	// Flow writes the "2" events (60012, 60022) with their flow context.
	Flow    bool
	Payload []byte // transport header and payload
}

// FromIP returns the WFP message of an IPv4 or IPv6 packet (no extension
// headers, not a fragment), and false for anything else.
func FromIP(pkt []byte) (WFP, bool) {
	switch {
	case len(pkt) >= 20 && pkt[0]>>4 == 4:
		hl := int(pkt[0]&0xF) * 4
		n := int(binary.BigEndian.Uint16(pkt[2:]))
		if hl < 20 || n < hl || n > len(pkt) || binary.BigEndian.Uint16(pkt[6:])&0x3FFF != 0 {
			return WFP{}, false
		}
		return WFP{Src: pkt[12:16], Dst: pkt[16:20], Proto: pkt[9], Payload: pkt[hl:n]}, true
	case len(pkt) >= 40 && pkt[0]>>4 == 6:
		n := 40 + int(binary.BigEndian.Uint16(pkt[4:]))
		if n > len(pkt) || pkt[6] == 44 || pkt[6] == 0 || pkt[6] == 43 || pkt[6] == 60 {
			return WFP{}, false
		}
		return WFP{Src: pkt[8:24], Dst: pkt[24:40], Proto: pkt[6], Payload: pkt[40:n]}, true
	}
	return WFP{}, false
}

// ID returns the event ID of the message.
func (w WFP) ID() uint16 {
	id := uint16(60011)
	if len(w.Src) == 16 {
		id = 60021
	}
	if w.Flow {
		id++
	}
	return id
}

// User returns the event's user data.
func (w WFP) User() []byte {
	u := append(append([]byte(nil), w.Src...), w.Dst...)
	u = append(u, w.Proto)
	if w.Flow {
		u = binary.LittleEndian.AppendUint64(u, 0xFFFF8000_12345678)
	}
	u = binary.LittleEndian.AppendUint16(u, uint16(len(w.Payload)))
	return append(u, w.Payload...)
}

// Event returns the packet's event at t, in one piece; inbound sets the
// incoming keyword, else the outgoing one.
func (w WFP) Event(t time.Time, inbound bool) Event {
	kw := uint64(KwStart | KwEnd | KwWFPOut)
	if inbound {
		kw = KwStart | KwEnd | KwWFPIn
	}
	return Event{Time: t, Provider: etl.ProviderWFPCapture, ID: w.ID(), Keyword: kw, User: w.User()}
}

// Fragments returns the packet as n events 2000 of group (PacketStart on
// the first, PacketEnd on the last), the last at t.
func (w WFP) Fragments(t time.Time, inbound bool, group uint32, n int) []Event {
	dir := uint64(KwWFPOut)
	if inbound {
		dir = KwWFPIn
	}
	u := w.User()
	n = max(1, min(n, len(u)))
	var out []Event
	for i := range n {
		piece := u[i*len(u)/n : (i+1)*len(u)/n]
		kw := dir
		if i == 0 {
			kw |= KwStart
		}
		if i == n-1 {
			kw |= KwEnd
		}
		le := binary.LittleEndian
		h := le.AppendUint16(nil, w.ID())
		h = le.AppendUint32(h, group)
		h = le.AppendUint32(h, uint32(len(piece)))
		out = append(out, Event{Time: t.Add(time.Duration(i-n+1) * time.Microsecond), Provider: etl.ProviderWFPCapture, ID: 2000, Keyword: kw, User: append(h, piece...)})
	}
	return out
}

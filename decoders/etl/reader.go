package etl

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket/layers"

	"softsa/decoders/internal/lz77"
)

// The WMI_BUFFER_HEADER that starts every buffer, 0x48 bytes (dissect.etl
// c_etl.py BufferHeader; Geoff Chappell's wmi_buffer_header.htm;
// windows-formats.md §1.1): BufferSize u32 at 0 (the size on disk, so the
// next buffer starts that many bytes on), FilledBytes u32 at 0x30 (where
// the records end, in the decompressed buffer), BufferFlag u16 at 0x34,
// BufferType u16 at 0x36, ProcessorIndex u16 at 0x28.
const (
	bufferHeaderSize  = 0x48
	bufFlagCompressed = 0x40
	// maxBufferSize bounds a buffer on disk and decompressed. ETW's
	// largest buffer is 16 MiB (pktmon uses it); a size beyond 64 MiB is
	// damage, and the rest of the file, whose buffers it would place, is
	// lost with it.
	maxBufferSize = 64 << 20
	// maxRatio bounds a compressed buffer's expansion (see readBuffer).
	maxRatio = 1000
	// readChunk is how much of a buffer is read at a time: a size that
	// claims more than the file holds costs only what the file holds.
	readChunk = 1 << 20
)

// The reordering window (see Reader): frames are held until this many are
// pending, or their buffers (payloads rounded up to 128 bytes) hold this
// many bytes.
const (
	MaxPendingFrames = 1 << 15
	MaxPendingBytes  = 8 << 20
)

// maxWarnings is how many warnings of one reader are kept; the rest are
// counted in one last warning.
const maxWarnings = 20

// Errors that end the reading; they come after every frame before them, in
// an *Error naming the offset.
var (
	// ErrNotETL means the file does not start with an ETL logfile header.
	ErrNotETL = errors.New("not an ETL file: no logfile header in the first buffer")
	// ErrBufferSize means a buffer claims a size no buffer has: where the
	// buffers after it start is unknown.
	ErrBufferSize = errors.New("buffer size out of range; the buffers after it cannot be placed")
	// ErrTruncated means the file ends inside a buffer.
	ErrTruncated = errors.New("file ends inside a buffer")
)

// Error is an error that ended the reading of an ETL file at a byte offset.
type Error struct {
	Offset int64
	Err    error
}

func (e *Error) Error() string {
	return fmt.Sprintf("ETL buffer at byte offset %d: %v", e.Offset, e.Err)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Frame is one packet of an ETL file.
type Frame struct {
	Time    time.Time
	Link    layers.LinkType
	Data    []byte // owned by the Reader: valid until the next Next, or, once Hold was called, until Release passes it
	WireLen int
	Origin
}

// Stats counts what a Reader saw.
type Stats struct {
	Buffers           int // buffers read
	CompressedBuffers int // of which compressed
	DamagedBuffers    int // buffers of which some records were lost
	Events            int // EVENT_HEADER records
	OtherRecords      int // classic, system, WPP and other records: skipped
	OtherProviders    int // events of providers that log no packets: skipped
	OtherPacketEvents int // events of the packet providers that are not packets
	Packets           int // packet events decoded
	Folded            int // copies of a packet logged again at another component, folded into the first
	Dropped           int // packets pktmon logged as dropped (event 170), folded or not
	NoLink            int // packet events whose packet type is no link type softsa reads
	Incomplete        int // NDIS packets whose fragments never reached PacketEnd: dropped
	OutOfOrder        int // frames delivered after a later one: the reordering window was too small
	WFPEvents         int // Microsoft-Windows-WFP events; those softsa decodes are kept (WFPEvents)
	WFPOverflow       int // WFP events past MaxWFPEvents or MaxWFPBytes: counted, not kept
	Frames            int // frames delivered by Next, of every layer
	WFPFrames         int // of which logged at the WFP layer, above IPsec
}

// Reader reads the packets of an ETL file in timestamp order.
//
// ETW writes one buffer per CPU at a time, so the events of a file are in
// time order only within each CPU's buffers. The reader holds the frames it
// has decoded in a window and delivers the earliest once MaxPendingFrames
// (32768) frames are pending or their payloads, each rounded up to 128
// bytes, reach MaxPendingBytes (8 MiB), and every frame at the end: a frame
// that lags the others by more than that window comes late and is counted
// in Stats.OutOfOrder (and a warning). Once every CPU the logfile header
// counts has logged a frame 1 ms later than the earliest pending, that one
// goes at once (progress.go): the order is the same while each CPU's
// frames are in time order, and the window alone decides once they are not. The pending frames point into the
// buffers they were read from (slab.go), which stay until their frames are
// delivered, up to 12 MiB of them; past that the pending frames of the
// oldest are copied out (as many bytes as the window holds at most) and its
// memory reused. Memory is bounded by those slabs, plus one buffer (64 MiB
// at most; pktmon's are 16 MiB in memory, far less on disk) and one
// compressed buffer as read, the window's copies and its slots, and the
// folding table (16384 keys, 384 KiB). Read from a Lender (lend.go), the
// uncompressed buffers are its bytes instead of slabs, up to MaxLentBytes
// of the file behind the reading, and a held Reader keeps the frames it
// delivered until released. A 64 MiB pktmon file analyses in 40 MiB peak
// RSS; a 1 GiB uncompressed one in under 64 MiB (bench/README.md).
type Reader struct {
	r      io.Reader
	off    int64 // file offset of the next buffer
	hdr    [bufferHeaderSize]byte
	raw    []byte // a compressed buffer, read
	slabs  slabs  // what buffers are read or decompressed into (slab.go)
	header LogfileHeader

	// The buffer being walked: its records, where the next one is, and
	// where the buffer is in the file.
	cur        []byte
	pos        int
	curOff     int64
	compressed bool
	damaged    bool

	pend       pending
	window     int // MaxPendingFrames; tests make it smaller
	fold       folder
	drops      drops
	ndisJ      ndisJoin
	ndisRecent [recentNDIS]ndisSeen
	ndisNext   int
	wfpSt      wfpState
	ev         event
	pk         pktmonPacketInfo
	out        entry // the frame the last Next handed out, given back on the next
	// A held Reader (lend.go) keeps the frames it delivered in heldQ
	// until Release: heldBase counts those given back.
	held     bool
	heldQ    fifo[entry]
	heldBase int64
	lender   Lender // r.r, when it can lend
	lent     lent
	lastNS   int64
	wfp      wfpKeep
	done     bool
	err      error

	stats    Stats
	warnings []string
	dropped  int // warnings not kept
}

// NewReader reads the first buffer of an ETL file, which holds the
// logfile header, and returns a reader of its packets.
func NewReader(r io.Reader) (*Reader, error) {
	rd := &Reader{r: r, lastNS: -1 << 63, window: MaxPendingFrames, pend: pending{open: -1}}
	rd.lender, _ = r.(Lender)
	if err := rd.readBuffer(); err != nil {
		return nil, err
	}
	if rd.done {
		return nil, ErrNotETL
	}
	rec, kind, next, ok, err := nextRecord(rd.cur, 0)
	if err != nil || !ok || kind != kindSystem || binary.LittleEndian.Uint16(rec[6:]) != 0 {
		// Group 0, type 0: EventTrace's header event.
		return nil, ErrNotETL
	}
	if rd.header, err = parseLogfile(rec); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotETL, err)
	}
	rd.header.maxBufferLen = int(min(max(rd.header.BufferSize, 64<<10), maxBufferSize))
	rd.pend.prog.start(rd.header.Processors)
	rd.pos = next
	if rd.header.EventsLost > 0 || rd.header.BuffersLost > 0 {
		rd.warnf("the tracing session lost %d events and %d buffers while logging (logfile header): packets may be missing", rd.header.EventsLost, rd.header.BuffersLost)
	}
	return rd, nil
}

// Header returns the file's logfile header.
func (r *Reader) Header() LogfileHeader { return r.header }

// Stats returns what the reader counted so far.
func (r *Reader) Stats() Stats { return r.stats }

// Warnings returns what was lost or is doubtful so far: damaged buffers
// (each named by its offset), events the session lost, frames the window
// could not put in order.
func (r *Reader) Warnings() []string {
	w := r.warnings
	if r.dropped > 0 {
		w = append(w[:len(w):len(w)], fmt.Sprintf("%d more ETL warnings", r.dropped))
	}
	if r.done && r.pend.n() == 0 && r.stats.OutOfOrder > 0 {
		w = append(w[:len(w):len(w)], fmt.Sprintf("%d frames came more than the reordering window (%d frames, %d MiB) behind later ones and are out of time order",
			r.stats.OutOfOrder, MaxPendingFrames, MaxPendingBytes>>20))
	}
	return w
}

func (r *Reader) warnf(format string, args ...any) {
	if len(r.warnings) >= maxWarnings {
		r.dropped++
		return
	}
	r.warnings = append(r.warnings, fmt.Sprintf(format, args...))
}

// Next reads the next packet into f. It returns io.EOF after the last one,
// or, when damage ended the reading early, an *Error after every frame
// read before it.
func (r *Reader) Next(f *Frame) error {
	if !r.held {
		r.release(&r.out)
	}
	for !r.pend.ready(r.done, r.window) {
		if r.pos < len(r.cur) {
			r.record()
			continue
		}
		r.cur, r.pos = nil, 0
		if r.done {
			break
		}
		if err := r.readBuffer(); err != nil {
			r.err, r.done = err, true
		}
	}
	if r.pend.n() == 0 {
		if r.err != nil {
			return r.err
		}
		return io.EOF
	}
	e := r.pend.pop()
	if e.pktmon && !e.Dropped {
		e.Dropped, e.DropReason = r.drops.take(e.key)
	}
	if e.ns < r.lastNS {
		r.stats.OutOfOrder++
	}
	r.lastNS = max(r.lastNS, e.ns)
	if r.held {
		if e.slab != nil && !e.slab.lent {
			// A slab of the reader's own (a decompressed buffer, or
			// one read by copying) is reused once its pending frames
			// are gone; a held frame would keep it, and pktmon's are
			// 16 MiB. Such a frame is held as a copy, as the consumer
			// used to copy every frame.
			data := r.pend.copyOut(e.data)
			r.unref(e.slab)
			e.data, e.slab = data, nil
		}
		r.heldQ.push(e)
	} else {
		r.out = e
	}
	f.Time = time.Unix(0, e.ns).UTC()
	f.Link, f.Data, f.WireLen = e.link, e.data, e.wire
	f.Origin = e.Origin
	r.stats.Frames++
	if e.Layer == LayerWFP {
		r.stats.WFPFrames++
	}
	return nil
}

// readBuffer reads the next buffer into cur, decompressed; at the clean
// end of the file it sets done. A buffer whose content is damaged is
// skipped with a warning; an error is returned only when the file cannot
// be read on.
func (r *Reader) readBuffer() error {
	off := r.off
	if r.lender != nil {
		r.giveBack()
	}
	n, err := io.ReadFull(r.r, r.hdr[:])
	if err != nil {
		r.done = true
		if n == 0 && err == io.EOF {
			return nil
		}
		if err == io.ErrUnexpectedEOF {
			err = ErrTruncated
		}
		return &Error{Offset: off, Err: err}
	}
	le := binary.LittleEndian
	size := le.Uint32(r.hdr[0:])
	filled := le.Uint32(r.hdr[0x30:])
	flags := le.Uint16(r.hdr[0x34:])
	if size < bufferHeaderSize || size > maxBufferSize {
		r.done = true
		return &Error{Offset: off, Err: fmt.Errorf("%w: %d bytes", ErrBufferSize, size)}
	}
	r.compressed = flags&bufFlagCompressed != 0
	r.pend.prog.cpu = int(le.Uint16(r.hdr[0x28:]))
	bodyLen := int(size) - bufferHeaderSize
	var body []byte
	switch {
	case r.compressed:
		body, err = readN(r.r, r.raw, bodyLen)
		r.raw = body
	case r.lender != nil && r.lend(bodyLen, off+bufferHeaderSize):
		body = r.slabs.cur.b
	default:
		// Read straight into a slab: the frames point into it.
		if body, err = readN(r.r, r.place(bodyLen), bodyLen); err == nil {
			r.commit(body)
		}
	}
	if err != nil {
		r.done = true
		return &Error{Offset: off, Err: fmt.Errorf("%w: %d bytes claimed: %v", ErrTruncated, size, err)}
	}
	r.off += int64(size)
	r.stats.Buffers++
	r.curOff, r.pos, r.damaged = off, 0, false
	limit := int(size)
	if r.compressed {
		r.stats.CompressedBuffers++
		// The first buffer's limit is not known yet: it holds the
		// logfile header, and is never compressed in practice.
		limit = r.header.maxBufferLen
		if limit == 0 {
			limit = maxBufferSize
		}
	}
	if filled == 0 && !r.compressed {
		filled = size // no fill mark: the padding marker ends the records
	}
	if filled < bufferHeaderSize || int(filled) > limit {
		r.damage("fills %d bytes, outside %d to %d", filled, bufferHeaderSize, limit)
		return nil
	}
	want := int(filled) - bufferHeaderSize
	if !r.compressed {
		r.cur = body[:want]
		return nil
	}
	if want > maxRatio*len(r.raw)+4096 {
		// Plain LZ77 can expand a few bytes into gigabytes; real
		// buffers, whose events each carry a new timestamp, compress
		// 4:1 or so. Bounding the ratio bounds the work a file can
		// cause to maxRatio times its size.
		r.damage("claims %d bytes decompressed from %d, more than %d times as many", want, len(r.raw), maxRatio)
		return nil
	}
	dec, err := lz77.Decompress(r.place(want), r.raw, want)
	if err != nil {
		r.damage("decompressing %d bytes into the %d it claims: %v", len(r.raw), want, err)
		return nil
	}
	r.commit(dec)
	r.cur = dec
	return nil
}

// readN reads n bytes into buf's storage, growing it a chunk at a time, so
// that a size larger than what the file holds costs only what it holds.
func readN(rd io.Reader, buf []byte, n int) ([]byte, error) {
	buf = buf[:0]
	for len(buf) < n {
		k := min(n-len(buf), readChunk)
		if cap(buf)-len(buf) < k {
			grown := make([]byte, len(buf), min(n, max(2*cap(buf), len(buf)+k)))
			copy(grown, buf)
			buf = grown
		}
		m, err := io.ReadFull(rd, buf[len(buf):len(buf)+k])
		buf = buf[:len(buf)+m]
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return buf, err
		}
	}
	return buf, nil
}

// damage warns that the current buffer (or the rest of it) is lost.
func (r *Reader) damage(format string, args ...any) {
	if !r.damaged {
		r.stats.DamagedBuffers++
		r.damaged = true
	}
	r.cur, r.pos = nil, 0
	if len(r.warnings) >= maxWarnings {
		r.dropped++ // counted, not formatted
		return
	}
	where := fmt.Sprintf("ETL buffer at byte offset %d", r.curOff)
	if r.compressed {
		where += " (compressed)"
	}
	r.warnf("%s: %s; the rest of this buffer is skipped", where, fmt.Sprintf(format, args...))
}

// record walks the record at pos of the current buffer.
func (r *Reader) record() {
	rec, kind, next, ok, err := nextRecord(r.cur, r.pos)
	if err != nil {
		r.damage("record at %#x of the buffer: %v", bufferHeaderSize+r.pos, err)
		return
	}
	if !ok {
		r.cur, r.pos = nil, 0
		return
	}
	at := r.pos
	r.pos = next
	if kind != kindEvent {
		r.stats.OtherRecords++
		return
	}
	r.stats.Events++
	if err := parseEvent(rec, &r.ev); err != nil {
		r.damage("event at %#x of the buffer: %v", bufferHeaderSize+at, err)
		return
	}
	switch r.ev.provider {
	case ProviderPktMon:
		r.pktmon(at)
	case ProviderNDIS:
		if r.ev.id == ndisVMSwitchFragment {
			r.vmswitch(at)
			break
		}
		r.ndis(at)
	case ProviderWFP:
		r.wfpEvent(at)
	case ProviderWFPCapture:
		r.wfpCapture(at)
	default:
		r.stats.OtherProviders++
	}
}

// pktmon takes a PktMon event: a packet (160) or a dropped packet (170),
// logged once per component it passed. The first appearance becomes the
// frame; the later ones, same PktGroupId and PktNumber with a higher
// AppearanceCount, are folded into it. An appearance count of 1 starts a
// new packet even when the key was seen (the group ID is a reused
// pointer).
func (r *Reader) pktmon(at int) {
	if r.ev.id != pktmonPacket && r.ev.id != pktmonDropped {
		r.stats.OtherPacketEvents++
		return
	}
	p := &r.pk
	if err := parsePktmon(r.ev.user, p); err != nil {
		r.damage("pktmon event %d at %#x of the buffer: %v", r.ev.id, bufferHeaderSize+at, err)
		return
	}
	r.stats.Packets++
	dropped := r.ev.id == pktmonDropped
	if dropped {
		r.stats.Dropped++
	}
	if r.fold.seen(p.group, p.number, p.appearance) {
		r.stats.Folded++
		if dropped {
			// The packet was dropped at a later component than the
			// one its frame comes from: the frame, if still in the
			// window, is flagged when it leaves.
			r.drops.add(foldKey{p.group, p.number}, p.dropReason)
		}
		return
	}
	link, ok := pktmonLink(p.packetType)
	if !ok {
		r.stats.NoLink++
		return
	}
	wire := max(p.originalLen, len(p.payload))
	r.pend.push(entry{ns: r.header.unixNS(r.ev.raw), link: link, data: p.payload, wire: wire, Origin: Origin{Dropped: dropped, DropReason: p.dropReason},
		key: foldKey{p.group, p.number}, pktmon: true})
}

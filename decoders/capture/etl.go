package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"softsa/decoders/etl"
	"softsa/decoders/hostlog"
)

// sniffETL tells an ETL file (netsh trace, pktmon): it has no magic at
// byte 0, but its first buffer (header 0x48 bytes, BufferSize first) starts
// with the SYSTEM_TRACE_HEADER of EventTrace's header event: version 2,
// header type SYSTEM32 or SYSTEM64, flags 0xC0, hook group 0 and type 0
// (../shared/windows-formats.md §1.1–1.2).
func sniffETL(head []byte) bool {
	if len(head) < SniffLen {
		return false
	}
	size := binary.LittleEndian.Uint32(head)
	return size >= 0x48+0x20+0x110 && size <= 64<<20 &&
		head[0x49] == 0 && (head[0x4A] == 1 || head[0x4A] == 2) && head[0x4B] == 0xC0 &&
		head[0x4E] == 0 && head[0x4F] == 0
}

// etlSource reads the packets of an ETL file (package etl) as frames.
type etlSource struct {
	r *etl.Reader
	f etl.Frame
	// in is what r reads: the capture's buffer, and once the capture
	// is held its window, whose filler reads ahead (Capture.Hold).
	in switchReader
	// errOffset is where the damage that ended the reading is.
	errOffset int64
	held      bool // frames stay valid until Capture.Release
}

func newETLSource(r io.Reader) (*etlSource, error) {
	s := &etlSource{in: switchReader{r: r}}
	er, err := etl.NewReader(&s.in)
	if err != nil {
		return nil, err
	}
	s.r = er
	return s, nil
}

// switchReader reads from r, which may change between reads; once it is
// a window, w, which also lends its bytes (etl.Lender).
type switchReader struct {
	r io.Reader
	w *window
	// low is the offset of the oldest byte lent that may still be in
	// use (math.MaxInt64: none): the window keeps its chunks from there.
	low  int64
	lend bool // the window's offsets are the ETL reader's: it may lend
}

func (s *switchReader) Read(p []byte) (int, error) {
	if s.w != nil {
		// What is read is copied: the chunks before it, and before
		// any lent byte in use, are free at once, so that a large
		// buffer read by copying does not hold the window's chunks.
		s.w.release(min(s.low, s.w.offset()))
	}
	return s.r.Read(p)
}

// Lend hands the ETL reader a buffer in place in the window's chunk, once
// the capture is held. A buffer that runs past the chunk's end is read by
// copying instead: carried over into the next chunk, as pcapng records
// are, it would be copied anyway, and would touch the chunk's room for a
// cut record, which an ETL window otherwise never uses (holdETL aligns the
// chunks on the buffers so that buffers seldom run past).
func (s *switchReader) Lend(n int) ([]byte, bool) {
	w := s.w
	if w == nil || !s.lend {
		return nil, false
	}
	if w.pos == len(w.data) {
		w.more(w.pos) // used up: nothing to carry over
	}
	if n > len(w.data)-w.pos {
		return nil, false
	}
	b := w.data[w.pos : w.pos+n : w.pos+n]
	s.low = min(s.low, w.offset()) // kept by a Read before the reader's next Release
	w.pos += n
	return b, true
}

// Release frees the window's chunks before offset: the ETL reader says
// where the oldest byte it still points to is (every byte it copied, it
// no longer needs).
func (s *switchReader) Release(offset int64) {
	s.low = offset
	if s.w != nil {
		s.w.release(min(offset, s.w.offset()))
	}
}

// holdETL reads an ETL capture through a window from now on, not through
// the bufio.Reader: the window's filler goroutine then makes the read(2)
// calls (or inflates gzip) while the reading goroutine walks the records,
// as for pcap and pcapng. The ETL reader borrows its uncompressed buffers
// from the window's chunks instead of copying them (etl.Lender), and
// keeps the frames it delivers until the holder releases them, so a
// frame's bytes are those read(2) put in the chunk. The window keeps the
// chunks the ETL reader still points into: a frame waits in its
// reordering window, so the window may need up to etl.MaxLentBytes of
// chunks more than for pcapng, which reads in file order.
//
// An uncompressed ETL file is buffers of the session's buffer size one
// after another: when that size divides the chunk's, the window's first
// read is shortened so that every later chunk starts on a buffer, and the
// buffers then lie whole in their chunks.
func (c *Capture) holdETL(s *etlSource) {
	b, _ := c.buf.Peek(c.buf.Buffered())
	w := newWindow(c.count, c.buf.Size(), b, c.count.n-int64(len(b)), func() int { return 0 })
	w.maxChunks += etl.MaxLentBytes/w.size + 1
	// Two chunks read ahead are enough (the filler reads several times
	// faster than the ETL reader walks), and one fewer than for pcapng
	// keeps the window's larger set of chunks down: on the bench twin,
	// peak RSS 57-59 MiB instead of 59-64, at the same speed.
	w.ahead = 2
	c.buf.Reset(w) // empty: the offset is the window's
	c.s = &stream{br: c.buf, w: w}
	s.in.r, s.in.w, s.in.low = w, w, math.MaxInt64
	if w.offset() == s.r.Offset() {
		// The ETL reader's offsets are the window's: it may lend.
		s.in.lend = true
		if bs := int64(s.r.Header().BufferSize); bs >= 4096 && int64(w.size)%bs == 0 {
			w.short = int((c.count.n - s.r.Offset()) % bs)
		}
	}
	s.r.Hold()
	s.held = true
}

func (s *etlSource) next(f *Frame) error {
	if err := s.r.Next(&s.f); err != nil {
		var ee *etl.Error
		if errors.As(err, &ee) {
			s.errOffset = ee.Offset
			return ee.Err
		}
		return err
	}
	f.Time, f.Link, f.Data, f.WireLen = s.f.Time, s.f.Link, s.f.Data, s.f.WireLen
	f.Origin = s.f.Origin
	f.held = s.held
	return nil
}

// Warnings returns what the ETL reader lost or doubts so far.
func (s *etlSource) warnings() []string { return s.r.Warnings() }

// Warnings returns what the format reader lost without stopping: for an
// ETL file, damaged buffers (each named by its offset) and frames out of
// order. Other formats stop at their first damage, and have none.
func (c *Capture) Warnings() []string {
	if w, ok := c.src.(interface{ warnings() []string }); ok {
		return w.warnings()
	}
	return nil
}

// Layer says where a frame was logged (see etl.Layer): LayerWire, or
// LayerWFP for an ETL file's WFP-layer packets, seen above IPsec.
type Layer = etl.Layer

// Origin is where and how an ETL file logged a frame (see etl.Origin).
type Origin = etl.Origin

// The layers of Frame.Layer.
const (
	LayerWire = etl.LayerWire
	LayerWFP  = etl.LayerWFP
)

// ETLStats returns what the ETL reader counted (events, packets, copies
// folded, providers skipped), and false for any other format.
func (c *Capture) ETLStats() (etl.Stats, bool) {
	if s, ok := c.src.(*etlSource); ok {
		return s.r.Stats(), true
	}
	return etl.Stats{}, false
}

// HostLog returns the Microsoft-Windows-WFP events (IKE failures, IPsec
// drops, IKE packet events) an ETL capture held beside its packets, once
// Next has returned io.EOF or an error; nil for any other format or an
// ETL file without them.
func (c *Capture) HostLog() *hostlog.Log {
	s, ok := c.src.(*etlSource)
	if !ok {
		return nil
	}
	evs := s.r.WFPEvents()
	st := s.r.Stats()
	if len(evs) == 0 && st.WFPOverflow == 0 {
		return nil
	}
	lg := hostlog.FromWFPEvents(c.name, evs)
	if st.WFPOverflow > 0 {
		lg.Warnings = append(lg.Warnings, fmt.Sprintf("%s: %d WFP events past the %d kept were not read", c.name, st.WFPOverflow, etl.MaxWFPEvents))
	}
	return lg
}

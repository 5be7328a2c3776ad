package decoders

import (
	"errors"
	"sync"

	"softsa/decoders/capture"
	"softsa/decoders/internal/spin"
)

// Reading a capture (system calls, record parsing, gzip) and decoding it cost
// about as much as analysing what was decoded. ReadAhead moves the reading
// and decoding to a goroutine of its own, so that on a machine with two
// cores the two halves overlap: the reader fills batches while the consumer
// works through the previous one. Messages still come out one at a time and
// in order, so nothing downstream changes.
//
// Batches are recycled through a ring of readAheadBatches, so memory is
// bounded by the ring (a few hundred KiB; more only while a frame is larger
// than a batch) and the steady state allocates nothing. A frame whose bytes
// stay valid (read through a window: capture.Capture.Hold) is passed on as it is,
// and the source is told when the consumer is past it (release); any other
// frame's bytes are copied into its batch, as the readers reuse their buffer
// at every Next. A reassembled IP datagram is copied into its batch too: the
// Decoder reuses its reassembly buffers.

// errReadAheadClosed is what Next returns once Close has stopped the
// reading before the source ended.
var errReadAheadClosed = errors.New("read-ahead closed")

// FrameSource is what ReadAhead reads: a *capture.Capture or a
// *capture.Chain.
type FrameSource interface {
	Next(f *capture.Frame) error
}

// holder is a FrameSource that can keep its frames valid beyond Next
// (capture.Capture, capture.Chain).
type holder interface {
	// Hold asks for frames that stay valid until released.
	Hold()
	// Mark is the position after the last frame read.
	Mark() int64
	// Release says that no frame before mark is in use any more.
	Release(mark int64)
}

const (
	// readAheadBatches is the ring: one batch being consumed, one being
	// filled, and slack so that neither side waits on a short stall of
	// the other.
	readAheadBatches = 4
	// batchBytes (of frames, copied or held) and batchFrames bound a
	// batch: small enough to stay in the cache between the two cores and
	// to keep few window chunks in use, large enough that handing it over
	// costs nothing per frame.
	batchBytes  = 256 << 10
	batchFrames = 1024
)

// batch is the messages decoded from a run of consecutive frames. Bytes
// that are not held point into arena (frames) or dgrams (reassembled
// datagrams); err, when set, is what the source returned after
// the last frame (io.EOF at a clean end).
type batch struct {
	msgs   []Message
	arena  []byte
	dgrams []byte
	bytes  int   // of the frames, copied or held
	mark   int64 // the source's mark after the last frame
	err    error
}

// ReadAhead reads and decodes a FrameSource on its own goroutine. Call Close when done,
// before touching the source again.
type ReadAhead struct {
	full chan *batch // filled batches, in order
	free chan *batch // consumed batches, for reuse
	stop chan struct{}
	done sync.WaitGroup
	dec  *Decoder

	cur  *batch
	next int
	err  error
}

// NewReadAhead starts reading and decoding src; Next hands out the
// messages. The source must not be used by anyone else until Close returns.
func NewReadAhead(src FrameSource) *ReadAhead {
	r := &ReadAhead{
		// Both channels hold the whole ring, so neither side ever blocks
		// on a send.
		full: make(chan *batch, readAheadBatches),
		free: make(chan *batch, readAheadBatches),
		stop: make(chan struct{}),
		dec:  NewDecoder(),
	}
	r.done.Add(1)
	go r.read(src)
	return r
}

// read is the reading goroutine: it fills batches until the source ends or
// fails, or Close is called.
func (r *ReadAhead) read(src FrameSource) {
	defer r.done.Done()
	defer close(r.full)
	h, _ := src.(holder)
	if h != nil {
		h.Hold()
	}
	made := 0
	for {
		var b *batch
		select {
		case b = <-r.free:
		case <-r.stop:
			return
		default:
			if made < readAheadBatches {
				// Batches are made as they are first needed and grow
				// as they fill, so a small capture costs little.
				b = &batch{}
				made++
			} else {
				var ok bool
				if b, ok = spin.Recv(r.free, r.stop); !ok {
					return
				}
			}
		}
		if h != nil && b.mark > 0 {
			// Batches come back in order: every frame up to this
			// one's last is done with.
			h.Release(b.mark)
		}
		r.dec.keeper = b
		r.fill(src, h, b)
		r.full <- b
		if b.err != nil {
			return
		}
	}
}

// fill reads and decodes frames into b until it is full or the source ends.
func (r *ReadAhead) fill(src FrameSource, h holder, b *batch) {
	b.msgs, b.arena, b.dgrams = b.msgs[:0], b.arena[:0], b.dgrams[:0]
	b.bytes, b.mark, b.err = 0, 0, nil
	if h != nil {
		defer func() { b.mark = h.Mark() }()
	}
	var f capture.Frame
	for len(b.msgs) < batchFrames && b.bytes < batchBytes {
		if err := src.Next(&f); err != nil {
			b.err = err
			break
		}
		b.bytes += len(f.Data)
		if !f.Held() {
			// Should the arena grow (and move), the frames already
			// in it keep pointing into the old array, which stays
			// valid and unchanged until the batch is filled again.
			start := len(b.arena)
			b.arena = append(b.arena, f.Data...)
			f.Data = b.arena[start:len(b.arena):len(b.arena)]
		}
		// Decode overwrites the whole message: a recycled one need
		// not be zeroed first (it is a cache miss the other core had).
		if n := len(b.msgs); n < cap(b.msgs) {
			b.msgs = b.msgs[:n+1]
		} else {
			b.msgs = append(b.msgs, Message{})
		}
		r.dec.Decode(&f, &b.msgs[len(b.msgs)-1])
	}
}

// keep copies a reassembled datagram into the batch, as fill copies frames.
func (b *batch) keep(d []byte) []byte {
	start := len(b.dgrams)
	b.dgrams = append(b.dgrams, d...)
	return b.dgrams[start:len(b.dgrams):len(b.dgrams)]
}

// Next returns the next decoded message, valid (with everything it points
// to) until the next call. After the source's error (io.EOF at the end),
// every further call returns it.
func (r *ReadAhead) Next() (*Message, error) {
	for r.cur == nil || r.next == len(r.cur.msgs) {
		if r.cur != nil {
			if r.cur.err != nil {
				r.err = r.cur.err
			}
			r.free <- r.cur
			r.cur = nil
		}
		if r.err != nil {
			return nil, r.err
		}
		b, ok := spin.Recv(r.full, nil)
		if !ok {
			// Only after Close.
			r.err = errReadAheadClosed
			return nil, r.err
		}
		r.cur, r.next = b, 0
	}
	m := &r.cur.msgs[r.next]
	r.next++
	return m, nil
}

// DefragStats returns the decoder's reassembly counters; call it after
// Close.
func (r *ReadAhead) DefragStats() DefragStats { return r.dec.DefragStats() }

// Close stops the reading goroutine and waits for it, so that the source
// can be closed or read again. It may be called more than once.
func (r *ReadAhead) Close() {
	select {
	case <-r.stop:
	default:
		close(r.stop)
	}
	r.done.Wait()
}

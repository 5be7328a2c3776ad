package decoders

import (
	"errors"
	"sync"
)

// Reading a capture (system calls, pcapng block parsing, gzip) costs about
// as much as decoding and analysing what was read. ReadAhead moves the
// reading to a goroutine of its own, so that on a machine with two cores the
// two halves overlap: the reader fills batches of frames while the consumer
// works through the previous one. Frames still come out one at a time and in
// order, so nothing downstream changes.
//
// Batches are recycled through a ring of readAheadBatches, so memory is
// bounded by the ring (a few hundred KiB; more only while a frame is larger
// than a batch) and the steady state allocates nothing. Each frame's bytes
// are copied into its batch: the readers reuse their buffer at every Next.

// errReadAheadClosed is what Next returns once Close has stopped the
// reading before the source ended.
var errReadAheadClosed = errors.New("read-ahead closed")

// FrameSource is what ReadAhead reads: a *Capture or a *Chain.
type FrameSource interface {
	Next(f *Frame) error
}

const (
	// readAheadBatches is the ring: one batch being consumed, one being
	// filled, and slack so that neither side waits on a short stall of
	// the other.
	readAheadBatches = 4
	// batchBytes and batchFrames bound a batch: small enough to stay in
	// the cache between the two cores, large enough that handing it over
	// costs nothing per frame.
	batchBytes  = 256 << 10
	batchFrames = 1024
)

// frameBatch is a run of consecutive frames. Each frame's Data points into
// arena; err, when set, is what the source returned after the last frame
// (io.EOF at a clean end).
type frameBatch struct {
	frames []Frame
	ends   []int // end offset of each frame's bytes in arena
	arena  []byte
	err    error
}

// ReadAhead reads a FrameSource on its own goroutine. Call Close when done,
// before touching the source again.
type ReadAhead struct {
	full chan *frameBatch // filled batches, in order
	free chan *frameBatch // consumed batches, for reuse
	stop chan struct{}
	done sync.WaitGroup

	cur  *frameBatch
	next int
	err  error
}

// NewReadAhead starts reading src. The source must not be used by anyone
// else until Close returns.
func NewReadAhead(src FrameSource) *ReadAhead {
	r := &ReadAhead{
		// Both channels hold the whole ring, so neither side ever blocks
		// on a send.
		full: make(chan *frameBatch, readAheadBatches),
		free: make(chan *frameBatch, readAheadBatches),
		stop: make(chan struct{}),
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
	made := 0
	var f Frame
	for {
		var b *frameBatch
		select {
		case b = <-r.free:
		case <-r.stop:
			return
		default:
			if made < readAheadBatches {
				// Batches are made as they are first needed and grow
				// as they fill, so a small capture costs little.
				b = &frameBatch{}
				made++
			} else {
				select {
				case b = <-r.free:
				case <-r.stop:
					return
				}
			}
		}
		b.frames, b.ends, b.arena, b.err = b.frames[:0], b.ends[:0], b.arena[:0], nil
		for len(b.frames) < batchFrames && len(b.arena) < batchBytes {
			if err := src.Next(&f); err != nil {
				b.err = err
				break
			}
			// The arena may grow (and move) while the batch fills, so
			// frames record where their bytes end and get their Data
			// slices only once the batch is complete.
			b.arena = append(b.arena, f.Data...)
			b.ends = append(b.ends, len(b.arena))
			b.frames = append(b.frames, f)
		}
		start := 0
		for i := range b.frames {
			end := b.ends[i]
			b.frames[i].Data = b.arena[start:end:end]
			start = end
		}
		r.full <- b
		if b.err != nil {
			return
		}
	}
}

// Next reads the next frame into f, as Capture.Next does: f.Data is valid
// until the next call. After the source's error (io.EOF at the end), every
// further call returns it.
func (r *ReadAhead) Next(f *Frame) error {
	for r.cur == nil || r.next == len(r.cur.frames) {
		if r.cur != nil {
			if r.cur.err != nil {
				r.err = r.cur.err
			}
			r.free <- r.cur
			r.cur = nil
		}
		if r.err != nil {
			return r.err
		}
		b, ok := <-r.full
		if !ok {
			// Only after Close.
			r.err = errReadAheadClosed
			return r.err
		}
		r.cur, r.next = b, 0
	}
	*f = r.cur.frames[r.next]
	r.next++
	return nil
}

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

package capture

import (
	"errors"
	"io"
	"sync"

	"softsa/decoders/internal/spin"
)

// Held reading. A ReadAhead copied every frame into its batches, because
// the readers reuse their 1 MiB buffer at every Next: on a page-cached
// capture that copy cost a third as much as reading the file. When a
// ReadAhead holds a capture (it then keeps the frames it hands out until it
// releases them), a pcap or pcapng capture is read through a window of
// chunk buffers instead: each chunk is filled from the file once and
// recycled only when the ReadAhead has released every frame in it, and the
// fast readers hand out frames that point into their chunk. A record cut
// by a chunk's end is copied just before the data of the next one (each
// chunk has room for it), so every record the fast readers take is whole
// in one chunk.
//
// The chunks are filled by a goroutine of their own, a few ahead: the
// read(2) calls copying from the page cache (or gzip inflating) are the
// largest single cost of reading a capture, and overlap this way with the
// record parsing and decoding of the ReadAhead and with the analysis.
//
// (Mapping the file was measured too: touching 1 GiB of mapped page cache
// record by record took 0.32 s where read(2) into a buffer and parsing there
// took 0.20 s, the faults and cache misses costing more than the copy.)

const (
	// windowRead is the most a bufio.Reader refill copies out of the
	// window. pcapgo reads the records the fast path leaves through the
	// bufio.Reader, and the fast path then reads what it holds before it
	// reads in place again: those frames a ReadAhead must copy, so the
	// less the better.
	windowRead = 64 << 10
	// windowAhead is how many chunks the filler may have in hand: read
	// ahead of the parsing, or waiting to be. windowChunks is how many a
	// window makes before it waits for released ones: those, and the ones
	// whose frames a ReadAhead's batches may hold.
	windowAhead  = 3
	windowChunks = 6
)

// chunk is one buffer of a window: size bytes of room for the tail of the
// chunk before it, then size bytes filled from the stream (n of them, and
// err after them). end is the stream offset after its last byte once the
// window has moved past it.
type chunk struct {
	buf   []byte
	unmap func([]byte) error // frees buf, if it is not in the Go heap
	n     int
	err   error
	end   int64
}

// window reads a stream through chunks that stay valid until released.
type window struct {
	size int // of a chunk's data: the capture's buffer size, so that a record the fast readers take fits in one
	// maxChunks is how many chunks the window makes before it waits for
	// released ones (windowChunks; more for an ETL reader's).
	maxChunks int
	// ahead is how many chunks the filler is kept in hand: windowAhead,
	// fewer for an ETL reader's (holdETL).
	ahead int
	// short is how many bytes the filler leaves out of its first chunk,
	// so that the chunks after it start where the caller wants them to
	// (holdETL); set before the first chunk is handed to the filler.
	short int
	data  []byte // the current chunk's bytes
	pos   int    // next unread byte in data
	base  int64  // stream offset of data[0]
	err   error  // what the stream returned at its end

	cur   *chunk
	inUse []*chunk // earlier chunks, oldest first, with frames maybe in use
	free  []*chunk
	all   []*chunk // every chunk made, freed by close
	out   int      // chunks with the filler

	empty  chan *chunk // to the filler
	filled chan *chunk // from the filler, in stream order
	stop   chan struct{}
	done   sync.WaitGroup

	// unread is how many bytes before pos the bufio.Reader pcapgo reads
	// through holds but has not delivered: the bytes stream.peek may give
	// back, which the next chunk must therefore have too.
	unread func() int
}

// newWindow starts reading r through chunks of size bytes, the stream's
// first bytes (already read from r) being first.
func newWindow(r io.Reader, size int, first []byte, base int64, unread func() int) *window {
	w := &window{
		size: size, base: base, unread: unread, maxChunks: windowChunks, ahead: windowAhead,
		empty:  make(chan *chunk, windowAhead),
		filled: make(chan *chunk, windowAhead),
		stop:   make(chan struct{}),
	}
	w.cur = w.newChunk()
	w.data = w.cur.buf[size : size+copy(w.cur.buf[size:], first)]
	w.done.Add(1)
	go w.fill(r)
	return w
}

// newChunk makes a chunk outside the Go heap where the system allows it
// (chunk_linux.go): a window's chunks are 12 MiB, and counted in the heap
// they left so little room under softsa's soft memory limit that the
// collector ran five times as often on the 4 GiB bench capture. Nor does an
// unused half of a chunk cost a page there.
func (w *window) newChunk() *chunk {
	c := &chunk{}
	c.buf, c.unmap = allocChunk(2 * w.size)
	w.all = append(w.all, c)
	return c
}

// fill is the filler goroutine: it fills each chunk it is given, in turn,
// until the stream ends or the window is closed.
func (w *window) fill(r io.Reader) {
	defer w.done.Done()
	for {
		c, ok := spin.Recv(w.empty, w.stop)
		if !ok {
			return
		}
		n, err := io.ReadFull(r, c.buf[w.size:2*w.size-w.short])
		w.short = 0
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		c.n, c.err = n, err
		w.filled <- c // never blocks: it holds every chunk out
		if err != nil {
			return
		}
	}
}

// close stops the filler and waits for it: the stream is then no longer
// read. It may be called more than once.
func (w *window) close() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	w.done.Wait()
	// Nothing may touch a frame of the window from here on: its chunk
	// may be gone.
	for _, c := range w.all {
		if c.unmap != nil {
			c.unmap(c.buf)
		}
		c.buf = nil
	}
	w.all, w.cur, w.inUse, w.free, w.data, w.pos = nil, nil, nil, nil, nil, 0
	if w.err == nil {
		w.err = errWindowClosed
	}
}

// errWindowClosed is what reading a closed window returns.
var errWindowClosed = errors.New("capture closed")

// offset is the stream offset of the next unread byte.
func (w *window) offset() int64 { return w.base + int64(w.pos) }

// more moves to the next chunk, putting the bytes of the current one from
// keep on before its data: the bytes at pos then become available, unless
// the stream has ended.
func (w *window) more(keep int) {
	if w.err != nil {
		return
	}
	// Released chunks, or new ones up to maxChunks, keep the filler
	// ahead chunks ahead. It always has one in hand, so that the one
	// waited for below comes: a holder that releases nothing (a test)
	// makes the window grow.
	for w.out < w.ahead {
		var c *chunk
		if n := len(w.free); n > 0 {
			c, w.free = w.free[n-1], w.free[:n-1]
		} else if len(w.all) < w.maxChunks || w.out == 0 {
			c = w.newChunk()
		} else {
			break
		}
		w.empty <- c
		w.out++
	}
	c, _ := spin.Recv(w.filled, nil)
	w.out--
	tail := w.data[keep:]
	start := w.size - copy(c.buf[w.size-len(tail):w.size], tail)
	w.cur.end = w.base + int64(len(w.data))
	w.inUse = append(w.inUse, w.cur)
	w.base += int64(keep)
	w.pos -= keep
	w.cur, w.data = c, c.buf[start:w.size+c.n]
	w.err = c.err
}

// peek returns the next n bytes, or false when the stream has fewer.
func (w *window) peek(n int) ([]byte, bool) {
	if n > len(w.data)-w.pos {
		w.more(w.pos - w.unread())
		if n > len(w.data)-w.pos {
			return nil, false
		}
	}
	return w.data[w.pos : w.pos+n], true
}

// Read gives the bufio.Reader pcapgo reads through a little of the window.
func (w *window) Read(p []byte) (int, error) {
	if w.pos == len(w.data) {
		w.more(w.pos - w.unread())
		if w.pos == len(w.data) {
			return 0, w.err
		}
	}
	n := copy(p[:min(len(p), windowRead)], w.data[w.pos:])
	w.pos += n
	return n, nil
}

// release recycles the chunks whose frames all lie before offset.
func (w *window) release(offset int64) {
	i := 0
	for ; i < len(w.inUse) && w.inUse[i].end <= offset; i++ {
		w.free = append(w.free, w.inUse[i])
	}
	w.inUse = w.inUse[:copy(w.inUse, w.inUse[i:])]
}

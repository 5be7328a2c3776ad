package decoders

import "io"

// Held reading. A ReadAhead copied every frame into its batches, because
// the readers reuse their 1 MiB buffer at every Next: on a page-cached
// capture that copy cost a third as much as reading the file. When a
// ReadAhead holds a capture (it then keeps the frames it hands out until it
// releases them), a pcap or pcapng capture is read through a window of
// chunk buffers instead: each chunk is filled from the file once and
// recycled only when the ReadAhead has released every frame in it, and the
// fast readers hand out frames that point into their chunk. A record cut
// by a chunk's end is copied to the start of the next one, so every record
// the fast readers take is whole in one chunk.
//
// (Mapping the file was measured too: touching 1 GiB of mapped page cache
// record by record took 0.32 s where read(2) into a buffer and parsing there
// took 0.20 s, the faults and cache misses costing more than the copy.)

const (
	// windowRead is the most a bufio.Reader refill copies out of the
	// window. pcapgo reads only the records the fast path leaves, each
	// after the buffer was emptied; a refill of the whole buffer would copy
	// 1 MiB for every such record.
	windowRead = 4 << 10
)

// chunk is one buffer of a window; end is the stream offset after its last
// byte once the window has moved past it.
type chunk struct {
	buf []byte
	end int64
}

// window reads a stream through chunks that stay valid until released.
type window struct {
	r    io.Reader
	size int    // of a chunk: the capture's buffer size, so that a record the fast readers take fits in one
	data []byte // the current chunk's bytes
	pos  int    // next unread byte in data
	base int64  // stream offset of data[0]
	err  error  // what r returned at its end

	cur   *chunk
	inUse []*chunk // earlier chunks, oldest first, with frames maybe in use
	free  []*chunk

	// unread is how many bytes before pos the bufio.Reader pcapgo reads
	// through holds but has not delivered (stream.sync gives them back).
	unread func() int
}

// offset is the stream offset of the next unread byte.
func (w *window) offset() int64 { return w.base + int64(w.pos) }

// more moves to a new chunk that starts with the bytes from keep on and is
// filled from the stream: the bytes at pos then become available.
func (w *window) more(keep int) {
	if w.err != nil {
		return
	}
	var c *chunk
	if n := len(w.free); n > 0 {
		c, w.free = w.free[n-1], w.free[:n-1]
	} else {
		c = &chunk{buf: make([]byte, w.size)}
	}
	k := copy(c.buf, w.data[keep:])
	n, err := io.ReadFull(w.r, c.buf[k:])
	if err != nil {
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		w.err = err
	}
	if w.cur != nil {
		w.cur.end = w.base + int64(len(w.data))
		w.inUse = append(w.inUse, w.cur)
	}
	w.base += int64(keep)
	w.pos -= keep
	w.cur, w.data = c, c.buf[:k+n]
}

// peek returns the next n bytes, or false when the stream has fewer.
func (w *window) peek(n int) ([]byte, bool) {
	if n > len(w.data)-w.pos {
		w.more(w.pos)
		if n > len(w.data)-w.pos {
			return nil, false
		}
	}
	return w.data[w.pos : w.pos+n], true
}

// Read gives the bufio.Reader pcapgo reads through a little of the window.
func (w *window) Read(p []byte) (int, error) {
	if w.pos == len(w.data) {
		// The bytes the bufio.Reader holds are given back later, so
		// the new chunk must start with them.
		w.more(w.pos - w.unread())
		if w.pos == len(w.data) {
			if w.err == nil {
				return 0, io.EOF
			}
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

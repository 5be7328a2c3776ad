package capture

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	// klauspost's gzip inflates about twice as fast as compress/gzip
	// (bench/README.md), and a compressed capture is read as fast as it
	// inflates: the analysis runs beside it on another core.
	"github.com/klauspost/compress/gzip"
)

// readBufferSize is the read-ahead of every capture reader. pcapgo wraps its
// input in a bufio.Reader of its own unless it already gets one of at least
// 4 KiB, so handing it this one both sets the size and lets us know how far
// into the file the reader really is (see countingReader).
const readBufferSize = 1 << 20

// CaptureError reports a damaged or truncated capture: the file, the frame
// that could not be read (1-based, as Wireshark numbers them) and the byte
// offset where its record starts. Every frame before it was delivered.
type CaptureError struct {
	File   string
	Frame  int
	Offset int64
	// Compressed is set when Offset counts bytes of the decompressed stream.
	Compressed bool
	// Block names the pcapng block holding no packet that the file is cut
	// in (Offset is where it starts); Frame is then the frame that would
	// have come next, and no frame was lost.
	Block string
	Err   error
}

// Error formats the error as "file: frame N at byte offset X: reason".
func (e *CaptureError) Error() string {
	where := "byte offset"
	if e.Compressed {
		where = "decompressed byte offset"
	}
	if e.Block != "" {
		after := fmt.Sprintf("after frame %d", e.Frame-1)
		if e.Frame <= 1 {
			after = "before any frame"
		}
		return fmt.Sprintf("%s: %s, a %s at %s %d: %v", e.File, after, e.Block, where, e.Offset, e.Err)
	}
	return fmt.Sprintf("%s: frame %d at %s %d: %v", e.File, e.Frame, where, e.Offset, e.Err)
}

// Unwrap returns the underlying error.
func (e *CaptureError) Unwrap() error { return e.Err }

// Frame is one packet record. Data is owned by the Capture and valid only
// until the next call to Next.
type Frame struct {
	Number  int // 1-based, counting every packet record as Wireshark does
	Time    time.Time
	Link    layers.LinkType
	Data    []byte
	WireLen int // original length on the wire (Data may be cut by a snap length)

	// Origin says where and how an ETL file logged the packet: its
	// direction, pktmon drop and reason, NDIS adapter, VMSwitch port and
	// VLAN, and layer (the wire, or the WFP layer above IPsec, which the
	// analysis keeps apart); zero for every other format. softsa convert
	// writes it as pcapng interfaces, packet flags and comments.
	Origin

	// held is set when Data points into a held capture's window, where it
	// stays valid until the holder releases it, not just until Next.
	held bool
}

// Held reports whether Data stays valid until the holder of the capture
// releases it (see Capture.Hold), rather than only until the next Next.
func (f *Frame) Held() bool { return f.held }

// frameSource is what each format reader provides.
type frameSource interface {
	next(f *Frame) error
}

// Capture reads the frames of one capture file in order.
type Capture struct {
	name   string
	format Format
	file   io.Closer // when Open opened it
	count  *countingReader
	buf    *bufio.Reader
	s      *stream // what the fast readers read, once the format is known
	src    frameSource
	frames int
	gz     bool
	err    error
	// ra reads the file again by offset, where it can be (not gzip, not
	// a pipe): only to say where a damaged file is cut.
	ra io.ReaderAt
}

// errGzipNoCapture says what a gzip file that holds something other than
// a capture is; it is an ErrUnknownFormat.
var errGzipNoCapture = fmt.Errorf("gzip file without a capture inside (decompressed, it starts with no pcap, pcapng or NetMon magic)%w", silent{ErrUnknownFormat})

// silent wraps an error without adding its text, so a message can be an
// ErrUnknownFormat in errors.Is and still say only what it means.
type silent struct{ err error }

func (s silent) Error() string { return "" }
func (s silent) Unwrap() error { return s.err }

// Open opens the capture file at path, recognising its format by content.
func Open(path string) (*Capture, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	c, err := newCapture(path, f, f, 0)
	if err != nil {
		f.Close()
		return nil, err
	}
	c.file = f
	return c, nil
}

// NewCapture reads a capture from r; name is used in error messages. A NetMon
// capture needs random access: r must then be an io.ReaderAt (an *os.File or
// *bytes.Reader), and is read through it.
func NewCapture(name string, r io.Reader) (*Capture, error) {
	ra, _ := r.(io.ReaderAt)
	return newCapture(name, r, ra, 0)
}

// newCapture reads a capture from r through buffers of size bytes, or the
// usual size when it is 0 (tests make them small, so that reading crosses
// many buffer and window chunk ends).
func newCapture(name string, r io.Reader, ra io.ReaderAt, size int) (*Capture, error) {
	c := &Capture{name: name}
	c.count = &countingReader{r: r}
	fileSize, gzSize := bufferFor(r), readBufferSize
	if size > 0 {
		fileSize, gzSize = size, size
	}
	c.buf = bufio.NewReaderSize(c.count, fileSize)
	// Sniff wants SniffLen bytes, or all of a shorter file.
	magic, _ := c.buf.Peek(SniffLen)
	if len(magic) < 4 {
		if len(magic) == 0 {
			return nil, fmt.Errorf("%s: empty file", name)
		}
		return nil, fmt.Errorf("%s: %d bytes, too short for a capture header", name, len(magic))
	}
	format, err := Sniff(magic)
	if format == FormatGzip {
		zr, zerr := gzip.NewReader(c.buf)
		if zerr != nil {
			return nil, fmt.Errorf("%s: gzip: %w", name, zerr)
		}
		c.gz = true
		c.count = &countingReader{r: zr}
		c.buf = bufio.NewReaderSize(c.count, gzSize)
		ra = nil // offsets inside a compressed stream cannot be sought
		if magic, _ = c.buf.Peek(SniffLen); len(magic) < 4 {
			return nil, fmt.Errorf("%s: gzip: %d bytes after decompression, too short for a capture header", name, len(magic))
		}
		if format, err = Sniff(magic); format == FormatGzip || errors.Is(err, ErrUnknownFormat) {
			format, err = "", errGzipNoCapture // gzip in gzip, or anything else: no capture inside
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c.format = format
	c.ra = ra
	switch format {
	case FormatPcap:
		m := [4]byte(magic[:4])
		r, err := pcapgo.NewReader(c.buf)
		if err != nil {
			return nil, c.headerError(err)
		}
		c.s = &stream{br: c.buf}
		c.src = &pcapSource{r: r, fast: newPcapFast(c.s, m, r)}
	case FormatPcapNG:
		var shb [16]byte
		if b, err := c.buf.Peek(16); err == nil {
			shb = [16]byte(b)
		}
		src := &ngSource{}
		opts := pcapgo.NgReaderOptions{WantMixedLinkType: true, SkipUnknownVersion: true,
			SectionEndCallback: src.sectionEnd}
		r, err := pcapgo.NewNgReader(c.buf, opts)
		if err != nil {
			return nil, c.headerError(err)
		}
		c.s = &stream{br: c.buf}
		src.r, src.fast = r, newNgFast(c.s, shb, r)
		c.src = src
	case FormatETL:
		src, err := newETLSource(c.buf)
		if err != nil {
			return nil, fmt.Errorf("%s: ETL file: %w", name, err)
		}
		c.src = src
	case FormatNetMon:
		if ra == nil {
			return nil, fmt.Errorf("%s: NetMon capture: compressed or unseekable NetMon files are not supported (decompress it first)", name)
		}
		src, err := newNetmonSource(ra)
		if err != nil {
			return nil, fmt.Errorf("%s: NetMon capture: %w", name, err)
		}
		c.src = src
	}
	return c, nil
}

func (c *Capture) headerError(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%s: %s file header: %w", c.name, c.format, err)
}

// Name returns the name the capture was opened with.
func (c *Capture) Name() string { return c.name }

// Format returns the file format, with "+gzip" for a compressed file.
func (c *Capture) Format() Format {
	if c.gz {
		return c.format + "+gzip"
	}
	return c.format
}

// Frames returns how many frames were read so far.
func (c *Capture) Frames() int { return c.frames }

// Next reads the next frame into f, reusing f's buffer. It returns io.EOF at
// the clean end of the file, and a *CaptureError when the file is damaged;
// after an error every further call returns the same error.
func (c *Capture) Next(f *Frame) error {
	if c.err != nil {
		return c.err
	}
	offset := c.offset()
	f.held = false
	// Only an ETL source sets these: a frame reused across the inputs of
	// a join must not keep them.
	f.Origin = Origin{}
	if err := c.src.next(f); err != nil {
		if err == io.EOF && (c.format != FormatPcap || c.offset() == offset) {
			// pcapgo's pcapng reader says io.EOF only where a block
			// would start (every short read inside a block is
			// io.ErrUnexpectedEOF): the blocks it read on the way there
			// (interface statistics, name resolution, a section header
			// with nothing after it, as dumpcap ends every file) were
			// whole, and the file ends cleanly after them.
			c.err = io.EOF
			return io.EOF
		}
		if err == io.EOF {
			// pcapgo's classic pcap reader uses io.ReadFull, which
			// reports a record whose header was read but whose data is
			// wholly missing as a plain EOF: the stream moved, so the
			// record is cut, not absent.
			err = fmt.Errorf("truncated record: %w", io.ErrUnexpectedEOF)
		}
		if n, ok := c.src.(*netmonSource); ok {
			offset = n.recordOffset
		}
		if e, ok := c.src.(*etlSource); ok {
			offset = e.errOffset
		}
		ce := &CaptureError{File: c.name, Frame: c.frames + 1, Offset: offset, Compressed: c.gz, Err: err}
		if c.format == FormatPcapNG && c.ra != nil {
			c.nameCutBlock(ce)
		}
		c.err = ce
		return c.err
	}
	c.frames++
	f.Number = c.frames
	return nil
}

// nameCutBlock says, of a pcapng file that ends inside a block holding no
// packet (a Name Resolution, Decryption Secrets or statistics block after
// the last frame), which block it is and that no frame was lost there.
func (c *Capture) nameCutBlock(e *CaptureError) {
	size, ok := readerSize(c.ra)
	if !ok {
		return
	}
	t, at, ok := ngCut(c.ra, size, e.Offset)
	if !ok || isNgPacketBlock(t) {
		return
	}
	e.Offset, e.Block = at, ngBlockName(t)
	e.Err = fmt.Errorf("the file ends inside it (no frame was lost in it): %w", io.ErrUnexpectedEOF)
}

// readerSize is the size of what an io.ReaderAt reads: an *os.File's or a
// *bytes.Reader's.
func readerSize(ra io.ReaderAt) (int64, bool) {
	switch r := ra.(type) {
	case interface{ Stat() (os.FileInfo, error) }:
		fi, err := r.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return 0, false
		}
		return fi.Size(), true
	case interface{ Size() int64 }:
		return r.Size(), true
	}
	return 0, false
}

// offset is how far into the (decompressed) stream the format reader has
// consumed: what the counting reader handed to the buffer, less what the
// buffer still holds. NetMon reads by offset and reports its own.
func (c *Capture) offset() int64 {
	if c.s != nil && c.s.w != nil {
		return c.s.w.offset() - int64(c.buf.Buffered())
	}
	return c.count.n - int64(c.buf.Buffered())
}

// Hold is called by a reader that keeps frames beyond the next Next, as the
// read-ahead pipeline does (decoders.ReadAhead), before it reads: from now
// on the frames it gets must stay valid until it releases them, and a pcap,
// pcapng or ETL capture is read through a window of chunks so that they
// can (window.go, holdETL); Frame.Held tells such a frame from one that is
// valid only until Next (a NetMon frame, or one pcapgo read). Reading goes on from
// where it is: what the buffer holds moves into the window.
func (c *Capture) Hold() {
	if e, ok := c.src.(*etlSource); ok && c.s == nil {
		c.holdETL(e)
		return
	}
	if c.s == nil || c.s.w != nil {
		return
	}
	b, _ := c.buf.Peek(c.buf.Buffered())
	w := newWindow(c.count, c.buf.Size(), b, c.count.n-int64(len(b)), c.buf.Buffered)
	c.buf.Reset(w)
	c.s.w = w
}

// Mark is where the next frame starts: what Release takes.
func (c *Capture) Mark() int64 {
	if s, ok := c.src.(*etlSource); ok && s.held {
		// Frames come in time order, not file order: the ETL reader
		// counts them.
		return s.r.Mark()
	}
	return c.offset()
}

// Release says that the frames read before mark (a value of Mark) are no
// longer in use: a held capture may reuse their memory.
func (c *Capture) Release(mark int64) {
	if s, ok := c.src.(*etlSource); ok && s.held {
		s.r.Release(mark)
		return
	}
	if c.s != nil && c.s.w != nil {
		c.s.w.release(mark)
	}
}

// Close stops the reading and closes the underlying file, if Open opened
// it.
func (c *Capture) Close() error {
	if c.s != nil && c.s.w != nil {
		c.s.w.close()
	}
	if c.file != nil {
		return c.file.Close()
	}
	return nil
}

// bufferFor sizes the read buffer: 1 MiB, or less for a smaller input whose
// size is known, so that a batch of many small captures does not allocate a
// megabyte each. pcapgo reuses a bufio.Reader only from 4 KiB up.
func bufferFor(r io.Reader) int {
	var size int64 = -1
	switch x := r.(type) {
	case interface{ Size() int64 }:
		size = x.Size()
	case *os.File:
		if st, err := x.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
	}
	if size < 0 || size >= readBufferSize {
		return readBufferSize
	}
	return max(int(size)+16, 4096)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// pcapSource reads classic pcap records: the fast path when it can, pcapgo
// otherwise.
type pcapSource struct {
	r    *pcapgo.Reader
	fast *pcapFast
}

func (s *pcapSource) next(f *Frame) error {
	if s.fast != nil && s.fast.next(f) {
		return nil
	}
	data, ci, err := s.r.ZeroCopyReadPacketData()
	if err != nil {
		return eofOrTruncated(err)
	}
	f.Data, f.Time, f.WireLen, f.Link = data, ci.Timestamp, ci.Length, s.r.LinkType()
	return nil
}

// ngSource reads pcapng enhanced and simple packet blocks; the link type is
// per interface, so a file may mix them. Enhanced packet blocks of the
// first section take the fast path; every other block goes through pcapgo.
type ngSource struct {
	r    *pcapgo.NgReader
	fast *ngFast
	// layers is each interface's layer, read as interfaces appear; wfp
	// is set once one is the WFP layer's.
	layers []Layer
	wfp    bool
}

// sectionEnd is pcapgo's SectionEndCallback, passed on to the fast path.
func (s *ngSource) sectionEnd(ifaces []pcapgo.NgInterface, info pcapgo.NgSectionInfo) {
	if s.fast != nil {
		s.fast.sectionEnd(ifaces, info)
	}
}

func (s *ngSource) next(f *Frame) error {
	if s.fast != nil {
		if s.fast.next(f) {
			return nil
		}
		s.fast.stale()
	}
	data, ci, err := s.r.ZeroCopyReadPacketData()
	if err != nil {
		return eofOrTruncated(err)
	}
	f.Data, f.Time, f.WireLen = data, ci.Timestamp, ci.Length
	f.Link = layers.LinkTypeNull
	if len(ci.AncillaryData) > 0 {
		if lt, ok := ci.AncillaryData[0].(layers.LinkType); ok {
			f.Link = lt
		}
	}
	if n := s.r.NInterfaces(); n != len(s.layers) {
		// A new section or interface: read their layers again.
		s.layers, s.wfp = s.layers[:0], false
		for j := range n {
			in, err := s.r.Interface(j)
			if err != nil {
				break
			}
			s.layers = append(s.layers, layerOf(in))
			s.wfp = s.wfp || s.layers[j] == LayerWFP
		}
	}
	if s.wfp && ci.InterfaceIndex >= 0 && ci.InterfaceIndex < len(s.layers) {
		f.Layer = s.layers[ci.InterfaceIndex]
	}
	return nil
}

// WFPInterfaceNote ends the description softsa convert gives the pcapng
// interface of an ETL file's WFP-layer packets; reading the pcapng back,
// the frames of an interface so described are WFP-layer frames again, as
// in the ETL file, and stay out of the wire's analysis.
const WFPInterfaceNote = "WFP layer: packets seen above IPsec (decrypted), IP header rebuilt by softsa; not the wire"

// layerOf is the layer of a pcapng interface's frames.
func layerOf(in pcapgo.NgInterface) Layer {
	if strings.HasSuffix(in.Description, WFPInterfaceNote) {
		return LayerWFP
	}
	return LayerWire
}

// eofOrTruncated keeps io.EOF (a clean end between records) and names an
// end of file in the middle of a record for what it is.
func eofOrTruncated(err error) error {
	switch {
	case err == io.EOF:
		return io.EOF
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("truncated record: %w", io.ErrUnexpectedEOF)
	}
	return err
}

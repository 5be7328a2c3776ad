// Package cab lists and extracts the files of a Microsoft Cabinet (.cab),
// in pure Go: what `netsh wfp capture` writes its wfpdiag.xml into. It
// reads what Windows' own cabinets use, a single cabinet with stored or
// MSZIP-compressed folders; Quantum, LZX and cabinet sets are refused with
// a clear error.
//
// The layout is [MS-CAB] (Microsoft Cabinet File Format, learn.microsoft.com
// openspecs): a CFHEADER ("MSCF", sizes, counts, flags, optional reserve
// and chaining strings), cFolders CFFOLDER entries (where each folder's
// data blocks start, how many, the compression), cFiles CFFILE entries
// (size, offset in the folder's uncompressed data, folder, date, time,
// attributes, name), and the CFDATA blocks (checksum, compressed and
// uncompressed size, data). An MSZIP block is "CK" and a deflate stream
// whose history is the previous block's output, at most 32768 bytes
// uncompressed ([MS-MCI] 2.1).
//
// Cabinets are hostile input: every offset and count is checked against the
// file before use, every block inflates to at most the 32768 bytes its
// header may claim, and a file yields at most the bytes its entry claims
// and its folder's blocks hold: a decompression bomb costs what the headers
// allow, never more.
package cab

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// Errors of the reader, wrapped with where they happened.
var (
	ErrNotCAB          = errors.New("not a cabinet: no MSCF signature")
	ErrHeader          = errors.New("cabinet header out of range")
	ErrVersion         = errors.New("cabinet version is not 1.3")
	ErrSet             = errors.New("file continues in another cabinet of a set; softsa reads single cabinets")
	ErrCompression     = errors.New("compression softsa does not read (only none and MSZIP)")
	ErrFolder          = errors.New("file names a folder the cabinet does not have")
	ErrBlock           = errors.New("data block out of range")
	ErrBlockSize       = errors.New("data block claims more than 32768 bytes uncompressed")
	ErrChecksum        = errors.New("data block checksum mismatch")
	ErrMSZIP           = errors.New("MSZIP block without its CK signature")
	ErrInflate         = errors.New("MSZIP block inflates to another size than its header says")
	ErrShort           = errors.New("folder data ends before the file does")
	ErrNotFound        = errors.New("no such file in the cabinet")
	ErrTooLarge        = errors.New("file larger than the limit asked for")
	errNameUnterminate = errors.New("name not terminated within 256 bytes")
)

// Compression types (CFFOLDER typeCompress, low 4 bits).
const (
	CompressNone  = 0
	CompressMSZIP = 1
)

// MaxBlock is the most a data block holds uncompressed.
const MaxBlock = 32768

const (
	headerSize = 36
	folderSize = 8
	fileSize   = 16
	dataSize   = 8
	maxName    = 256

	flagPrev    = 0x1
	flagNext    = 0x2
	flagReserve = 0x4
)

// File is one file of a cabinet.
type File struct {
	Name     string
	Size     uint32
	Folder   int
	Offset   uint32 // in the folder's uncompressed data
	Modified time.Time
	Attribs  uint16
}

type folder struct {
	start  int64 // offset of its first CFDATA
	blocks int
	comp   uint16
}

// Reader reads one cabinet.
type Reader struct {
	r        io.ReaderAt
	size     int64
	folders  []folder
	files    []File
	dataRes  int // bytes reserved in each CFDATA
	declared uint32
}

// NewReader reads the tables of the cabinet in r (size bytes).
func NewReader(r io.ReaderAt, size int64) (*Reader, error) {
	var h [headerSize]byte
	if size < headerSize {
		if size >= 4 {
			if _, err := r.ReadAt(h[:4], 0); err == nil && string(h[:4]) != "MSCF" {
				return nil, ErrNotCAB
			}
		}
		return nil, fmt.Errorf("%d bytes, a header needs %d: %w", size, headerSize, ErrHeader)
	}
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return nil, err
	}
	if string(h[:4]) != "MSCF" {
		return nil, ErrNotCAB
	}
	le := binary.LittleEndian
	c := &Reader{r: r, size: size, declared: le.Uint32(h[8:])}
	coffFiles := int64(le.Uint32(h[16:]))
	if h[25] != 1 || h[24] != 3 {
		return nil, fmt.Errorf("version %d.%d: %w", h[25], h[24], ErrVersion)
	}
	nFolders, nFiles := int(le.Uint16(h[26:])), int(le.Uint16(h[28:]))
	flags := le.Uint16(h[30:])
	pos := int64(headerSize)
	folderRes := 0
	if flags&flagReserve != 0 {
		var rs [4]byte
		if err := c.readAt(rs[:], pos, "reserve sizes"); err != nil {
			return nil, err
		}
		pos += 4 + int64(le.Uint16(rs[0:]))
		folderRes, c.dataRes = int(rs[2]), int(rs[3])
	}
	for _, set := range []uint16{flagPrev, flagNext} {
		if flags&set != 0 {
			// Two strings: cabinet and disk names of the neighbour.
			for range 2 {
				_, n, err := c.name(pos)
				if err != nil {
					return nil, fmt.Errorf("chaining name at %d: %w", pos, err)
				}
				pos += int64(n)
			}
		}
	}
	c.folders = make([]folder, 0, min(nFolders, int(size/folderSize)))
	fb := make([]byte, folderSize)
	for i := range nFolders {
		if err := c.readAt(fb, pos, fmt.Sprintf("folder %d", i)); err != nil {
			return nil, err
		}
		c.folders = append(c.folders, folder{start: int64(le.Uint32(fb[0:])), blocks: int(le.Uint16(fb[4:])), comp: le.Uint16(fb[6:])})
		pos += int64(folderSize + folderRes)
	}
	pos = coffFiles
	c.files = make([]File, 0, min(nFiles, int(size/(fileSize+1))))
	eb := make([]byte, fileSize)
	for i := range nFiles {
		if err := c.readAt(eb, pos, fmt.Sprintf("file entry %d", i)); err != nil {
			return nil, err
		}
		name, n, err := c.name(pos + fileSize)
		if err != nil {
			return nil, fmt.Errorf("file entry %d at %d: %w", i, pos, err)
		}
		f := File{Name: name, Size: le.Uint32(eb[0:]), Offset: le.Uint32(eb[4:]), Folder: int(le.Uint16(eb[8:])),
			Modified: dosTime(le.Uint16(eb[10:]), le.Uint16(eb[12:])), Attribs: le.Uint16(eb[14:])}
		c.files = append(c.files, f)
		pos += int64(fileSize + n)
	}
	return c, nil
}

// Files lists the cabinet's files.
func (c *Reader) Files() []File { return c.files }

// readAt reads len(b) bytes at off, or says what lies outside the file.
func (c *Reader) readAt(b []byte, off int64, what string) error {
	return c.readAtErr(b, off, what, ErrHeader)
}

// readAtErr is readAt with the sentinel for what lies outside the file.
func (c *Reader) readAtErr(b []byte, off int64, what string, sentinel error) error {
	if off < 0 || off > c.size || int64(len(b)) > c.size-off {
		return fmt.Errorf("%s at byte %d (%d bytes) past the end (%d bytes): %w", what, off, len(b), c.size, sentinel)
	}
	_, err := c.r.ReadAt(b, off)
	return err
}

// name reads a NUL-terminated string at off and returns it and its size
// with the NUL.
func (c *Reader) name(off int64) (string, int, error) {
	var b [maxName + 1]byte
	n := int(min(int64(len(b)), max(c.size-off, 0)))
	if err := c.readAt(b[:n], off, "name"); err != nil {
		return "", 0, err
	}
	i := bytes.IndexByte(b[:n], 0)
	if i < 0 {
		return "", 0, errNameUnterminate
	}
	return string(b[:i]), i + 1, nil
}

// dosTime turns a CFFILE date and time (MS-DOS format) into a time, UTC
// (cabinets keep local time without a zone).
func dosTime(d, t uint16) time.Time {
	if d == 0 {
		return time.Time{}
	}
	return time.Date(1980+int(d>>9), time.Month(d>>5&0xF), int(d&0x1F), int(t>>11), int(t>>5&0x3F), int(t&0x1F)*2, 0, time.UTC)
}

// ReadFile returns the content of the file named name, refusing one whose
// size exceeds limit.
func (c *Reader) ReadFile(name string, limit int64) ([]byte, error) {
	for _, f := range c.files {
		if f.Name == name {
			if int64(f.Size) > limit {
				return nil, fmt.Errorf("%s: %d bytes, limit %d: %w", name, f.Size, limit, ErrTooLarge)
			}
			r, err := c.Open(f)
			if err != nil {
				return nil, err
			}
			return io.ReadAll(r)
		}
	}
	return nil, fmt.Errorf("%s: %w", name, ErrNotFound)
}

// Open returns a reader of f's content: exactly f.Size bytes, or an error
// saying where the data ended or broke.
func (c *Reader) Open(f File) (io.Reader, error) {
	if f.Folder >= 0xFFFD {
		return nil, fmt.Errorf("%s: %w", f.Name, ErrSet)
	}
	if f.Folder >= len(c.folders) {
		return nil, fmt.Errorf("%s: folder %d of %d: %w", f.Name, f.Folder, len(c.folders), ErrFolder)
	}
	fo := c.folders[f.Folder]
	if comp := fo.comp & 0xF; comp != CompressNone && comp != CompressMSZIP {
		return nil, fmt.Errorf("%s: type %d: %w", f.Name, comp, ErrCompression)
	}
	fr := &folderReader{c: c, f: fo, index: f.Folder, pos: fo.start}
	if _, err := io.CopyN(io.Discard, fr, int64(f.Offset)); err != nil {
		return nil, fmt.Errorf("%s: seeking to byte %d of folder %d: %w", f.Name, f.Offset, f.Folder, err)
	}
	return &fileReader{name: f.Name, r: fr, left: int64(f.Size)}, nil
}

// fileReader yields exactly left bytes of a folder.
type fileReader struct {
	name string
	r    io.Reader
	left int64
}

func (f *fileReader) Read(p []byte) (int, error) {
	if f.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > f.left {
		p = p[:f.left]
	}
	n, err := f.r.Read(p)
	f.left -= int64(n)
	if err == io.EOF && f.left > 0 {
		err = fmt.Errorf("%s: %d bytes missing: %w", f.name, f.left, ErrShort)
	}
	if err == io.EOF {
		err = nil
	}
	return n, err
}

// folderReader yields a folder's uncompressed data, block by block.
type folderReader struct {
	c     *Reader
	f     folder
	index int
	pos   int64 // offset of the next CFDATA
	block int   // blocks read
	out   []byte
	prev  []byte // the last block's output: MSZIP's history
	buf   []byte
	fl    io.ReadCloser
}

func (r *folderReader) Read(p []byte) (int, error) {
	for len(r.out) == 0 {
		if r.block >= r.f.blocks {
			return 0, io.EOF
		}
		if err := r.next(); err != nil {
			return 0, fmt.Errorf("folder %d, data block %d at byte %d: %w", r.index, r.block, r.pos, err)
		}
	}
	n := copy(p, r.out)
	r.out = r.out[n:]
	return n, nil
}

// next reads, checks and decompresses the block at pos.
func (r *folderReader) next() error {
	le := binary.LittleEndian
	hdr := make([]byte, dataSize+r.c.dataRes)
	if err := r.c.readAtErr(hdr, r.pos, "block header", ErrBlock); err != nil {
		return err
	}
	sum := le.Uint32(hdr[0:])
	cb, cbu := int(le.Uint16(hdr[4:])), int(le.Uint16(hdr[6:]))
	if cbu > MaxBlock || cbu == 0 {
		return fmt.Errorf("%d bytes: %w", cbu, ErrBlockSize)
	}
	if cap(r.buf) < cb {
		r.buf = make([]byte, cb)
	}
	data := r.buf[:cb]
	if err := r.c.readAtErr(data, r.pos+int64(len(hdr)), "block data", ErrBlock); err != nil {
		return err
	}
	if sum != 0 {
		if got := Checksum(data, hdr[4:]); got != sum {
			return fmt.Errorf("stored %#08x, computed %#08x: %w", sum, got, ErrChecksum)
		}
	}
	r.pos += int64(len(hdr) + cb)
	r.block++
	out := make([]byte, cbu)
	switch r.f.comp & 0xF {
	case CompressNone:
		if cb != cbu {
			return fmt.Errorf("stored block of %d bytes claims %d: %w", cb, cbu, ErrInflate)
		}
		copy(out, data)
	case CompressMSZIP:
		if cb < 2 || data[0] != 'C' || data[1] != 'K' {
			return ErrMSZIP
		}
		src := bytes.NewReader(data[2:])
		if r.fl == nil {
			r.fl = flate.NewReader(src)
		}
		if err := r.fl.(flate.Resetter).Reset(src, r.prev); err != nil {
			return err
		}
		n, err := io.ReadFull(r.fl, out)
		if err != nil {
			return fmt.Errorf("%d of %d bytes: %v: %w", n, cbu, err, ErrInflate)
		}
	}
	r.prev, r.out = out, out
	return nil
}

// Checksum is the CFDATA checksum ([MS-CAB] 2.4 "Checksum", the CSUMCompute
// algorithm): the data's little-endian 32-bit words XORed together, a tail
// of 1-3 bytes taken most significant first, then the same over the
// block's cbData, cbUncomp and reserve fields (hdr), seeded with the first.
func Checksum(data, hdr []byte) uint32 {
	return csum(hdr, csum(data, 0))
}

func csum(b []byte, seed uint32) uint32 {
	s := seed
	for len(b) >= 4 {
		s ^= binary.LittleEndian.Uint32(b)
		b = b[4:]
	}
	var ul uint32
	switch len(b) {
	case 3:
		ul = uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
	case 2:
		ul = uint32(b[0])<<8 | uint32(b[1])
	case 1:
		ul = uint32(b[0])
	}
	return s ^ ul
}

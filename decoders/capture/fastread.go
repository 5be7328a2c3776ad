package capture

import (
	"bufio"
	"encoding/binary"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Fast record reading. pcapgo reads a record with several small reads
// through the bufio.Reader (block header, packet header, data, padding,
// options, trailer) and copies the data into a buffer of its own. For the
// records that make up nearly all of a capture — a classic pcap record, or
// a pcapng enhanced packet block without options or with well-formed ones —
// the whole record is already in the bufio.Reader's buffer: peeking at it
// and handing out the data in place costs a fraction of that. The fast
// readers below take only records they can read exactly as pcapgo would,
// and leave everything else (other block types, new sections and
// interfaces, anything short, inconsistent or too large for the buffer) to
// pcapgo, which reads from the same bufio.Reader and so stays in step and
// reports every error as before. TestFastReadMatchesPcapgo compares the
// two on every capture it can find and on damaged copies of them.

// stream is what the fast readers read from: the bufio.Reader pcapgo reads
// through, or, once the capture is held (window.go), a window of chunks. The
// bufio.Reader then refills from the window, a little at a time, so the two
// stay in step: after pcapgo has read a record, the fast path reads on from
// what the bufio.Reader holds (those frames are not held: the buffer is
// reused), and in place in the window once that is used up. A record that
// runs past what the buffer holds makes it give its bytes back to the
// window, where they are the last ones before the window's position.
type stream struct {
	br      *bufio.Reader
	w       *window // nil until the capture is held
	fromBuf bool    // the last peek was served by br
}

// peek returns the next n bytes without consuming them, or false when there
// are fewer.
func (s *stream) peek(n int) ([]byte, bool) {
	if s.w != nil {
		k := s.br.Buffered()
		if k == 0 || k < n {
			if k > 0 {
				s.w.pos -= k
				s.br.Reset(s.w)
			}
			s.fromBuf = false
			return s.w.peek(n)
		}
	}
	s.fromBuf = true
	b, err := s.br.Peek(n)
	return b, err == nil
}

// discard consumes n bytes that peek returned.
func (s *stream) discard(n int) {
	if s.fromBuf {
		s.br.Discard(n)
		return
	}
	s.w.pos += n
}

// held reports whether what peek returned stays valid after discard: it does
// in a window, until the capture releases it.
func (s *stream) held() bool { return !s.fromBuf }

// endian reads a capture's integers in its byte order. It is a bool rather
// than a binary.ByteOrder because calls through that interface are not
// inlined, and the fast path reads several integers per record.
type endian struct{ big bool }

func (e endian) Uint16(b []byte) uint16 {
	if e.big {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (e endian) Uint32(b []byte) uint32 {
	if e.big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

var (
	littleEndian = endian{big: false}
	bigEndian    = endian{big: true}
)

// pcapFast reads classic pcap records.
type pcapFast struct {
	s          *stream
	order      endian
	nsFactor   uint32 // 1000 for microsecond files, 1 for nanosecond ones
	maxCapture int    // as pcapgo's maxCaptureLength
	link       layers.LinkType
	hits       int // records read here, for the tests
}

func newPcapFast(s *stream, magic [4]byte, r *pcapgo.Reader) *pcapFast {
	f := &pcapFast{s: s, nsFactor: 1000, link: r.LinkType()}
	switch binary.LittleEndian.Uint32(magic[:]) {
	case 0xa1b2c3d4:
		f.order = littleEndian
	case 0xd4c3b2a1:
		f.order = bigEndian
	case 0xa1b23c4d:
		f.order, f.nsFactor = littleEndian, 1
	case 0x4d3cb2a1:
		f.order, f.nsFactor = bigEndian, 1
	default:
		return nil
	}
	f.maxCapture = pcapgoEagerMax
	if s := int(r.Snaplen()); s > f.maxCapture {
		f.maxCapture = s
	}
	return f
}

// pcapgoEagerMax is pcapgo's eagerReadMax: the snap length below which it
// accepts records up to this size anyway.
const pcapgoEagerMax = 262144

// next reads one record into f if it can; false leaves the stream untouched.
func (p *pcapFast) next(f *Frame) bool {
	h, ok := p.s.peek(16)
	if !ok {
		return false
	}
	capLen := int(p.order.Uint32(h[8:12]))
	wire := int(p.order.Uint32(h[12:16]))
	// The buffer's size bounds a record here whether or not the file is
	// mapped, so that both take the same records.
	if capLen > p.maxCapture || capLen > wire || 16+capLen > p.s.br.Size() {
		return false
	}
	b, ok := p.s.peek(16 + capLen)
	if !ok {
		return false
	}
	f.Time = time.Unix(int64(p.order.Uint32(b[0:4])), int64(p.order.Uint32(b[4:8])*p.nsFactor)).UTC()
	f.Data, f.WireLen, f.Link = b[16:16+capLen:16+capLen], wire, p.link
	f.held = p.s.held()
	p.s.discard(16 + capLen)
	p.hits++
	return true
}

// ngFast reads pcapng enhanced packet blocks of the first section.
type ngFast struct {
	s      *stream
	r      *pcapgo.NgReader
	order  endian
	off    bool // a new section began: pcapgo alone from there on
	ifaces []ngIface
	hits   int // blocks read here, for the tests
}

// ngIface is what a packet needs of its interface, with the timestamp
// scaling pcapgo derives from the resolution.
type ngIface struct {
	link                 layers.LinkType
	secondMask, up, down uint64
	offset               uint64
	layer                Layer // LayerWFP on an interface softsa convert wrote for WFP-layer packets
}

// newNgFast sets up the fast path for a pcapng file whose section header
// block starts with shb, or returns nil when the first section is not one
// pcapgo reads as is (version 1.0): pcapgo may then skip sections, and the
// byte order of the one it reads is not the first header's.
func newNgFast(s *stream, shb [16]byte, r *pcapgo.NgReader) *ngFast {
	var order endian
	switch {
	case binary.LittleEndian.Uint32(shb[8:12]) == 0x1a2b3c4d:
		order = littleEndian
	case binary.BigEndian.Uint32(shb[8:12]) == 0x1a2b3c4d:
		order = bigEndian
	default:
		return nil
	}
	if order.Uint16(shb[12:14]) != 1 || order.Uint16(shb[14:16]) != 0 {
		return nil
	}
	return &ngFast{s: s, r: r, order: order}
}

// sectionEnd is pcapgo's SectionEndCallback: a second section header was
// read. Its byte order is pcapgo's to know, so the fast path stops.
func (n *ngFast) sectionEnd([]pcapgo.NgInterface, pcapgo.NgSectionInfo) { n.off = true }

// stale forgets the interfaces: pcapgo read blocks the fast path did not
// see, and an interface description block may have been among them.
func (n *ngFast) stale() { n.ifaces = n.ifaces[:0] }

// iface returns interface i as pcapgo has it, or false.
func (n *ngFast) iface(i uint32) (*ngIface, bool) {
	if int64(i) >= int64(len(n.ifaces)) {
		n.ifaces = n.ifaces[:0]
		for j := 0; j < n.r.NInterfaces(); j++ {
			in, err := n.r.Interface(j)
			if err != nil {
				return nil, false
			}
			n.ifaces = append(n.ifaces, scaleOf(in))
		}
		if int64(i) >= int64(len(n.ifaces)) {
			return nil, false
		}
	}
	return &n.ifaces[i], true
}

// scaleOf computes what pcapgo's readInterfaceDescriptor does for the
// timestamps of an interface it accepted (resolution already defaulted to
// 10^-6, exponent at most 63), with the same unsigned arithmetic.
func scaleOf(in pcapgo.NgInterface) ngIface {
	res := in.TimestampResolution
	var mask uint64 = 1
	if res.Binary() {
		mask = 1 << res.Exponent()
	} else {
		for j := uint8(0); j < res.Exponent(); j++ {
			mask *= 10
		}
	}
	s := ngIface{link: in.LinkType, secondMask: mask, up: 1, down: 1, offset: in.TimestampOffset, layer: layerOf(in)}
	if mask < 1e9 {
		s.up = 1e9 / mask
	} else {
		s.down = mask / 1e9
	}
	return s
}

// next reads one enhanced packet block into f if it can; false leaves the
// stream untouched.
func (n *ngFast) next(f *Frame) bool {
	if n.off {
		return false
	}
	h, ok := n.s.peek(28)
	if !ok || n.order.Uint32(h[0:4]) != 6 {
		return false
	}
	blockLen := int64(n.order.Uint32(h[4:8]))
	if blockLen < 32 || blockLen > int64(n.s.br.Size()) {
		return false
	}
	b, ok := n.s.peek(int(blockLen))
	if !ok {
		return false
	}
	in, ok := n.iface(n.order.Uint32(b[8:12]))
	if !ok || in.secondMask == 0 {
		return false
	}
	capLen := int64(n.order.Uint32(b[20:24]))
	pad := (4 - capLen&3) & 3
	// What pcapgo counts down from the block length: after the data and
	// its padding, options up to the last 4 bytes (the trailing length),
	// each a 4-byte header and a padded value, possibly ended early by an
	// end-of-options option, whatever follows being discarded. Any
	// count that would go below zero, or leave a partial option header,
	// is pcapgo's to report.
	rest := blockLen - 28 - capLen - pad
	pos := 28 + capLen + pad
	for rest != 4 {
		if rest < 4 {
			return false
		}
		code := n.order.Uint16(b[pos:])
		l := int64(n.order.Uint16(b[pos+2:]))
		pos, rest = pos+4, rest-4
		if code == 0 {
			if l != 0 {
				return false
			}
			break
		}
		l += (4 - l&3) & 3
		if pos, rest = pos+l, rest-l; rest < 0 {
			return false
		}
	}
	ts := uint64(n.order.Uint32(b[12:16]))<<32 | uint64(n.order.Uint32(b[16:20]))
	// Dividing by a constant is a multiplication; by a variable, three
	// 64-bit divisions a frame. The two common resolutions get the former,
	// with pcapgo's results (up and down are then 1000 and 1, or 1 and 1).
	var sec, ns uint64
	switch in.secondMask {
	case 1e6:
		sec, ns = ts/1e6, ts%1e6*1e3
	case 1e9:
		sec, ns = ts/1e9, ts%1e9
	default:
		sec, ns = ts/in.secondMask, ts%in.secondMask*in.up/in.down
	}
	f.Time = time.Unix(int64(sec+in.offset), int64(ns)).UTC()
	f.Data = b[28 : 28+capLen : 28+capLen]
	f.WireLen = int(n.order.Uint32(b[24:28]))
	f.Link = in.link
	f.Layer = in.layer
	f.held = n.s.held()
	n.s.discard(int(blockLen))
	n.hits++
	return true
}

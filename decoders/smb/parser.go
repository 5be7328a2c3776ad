package smb

import (
	"encoding/binary"

	"softsa/decoders"
)

// MaxMessages bounds the messages Next returns for one segment (SMB1
// messages, SMB2 messages including every member of a compound, transform
// headers). A segment holding more ends with decoders.ErrTooMany: it bounds the work a
// crafted segment can cause, and no real client packs that many messages into
// one segment.
const MaxMessages = 64

const (
	magicLen = 4
)

// Parser walks the SMB messages of one TCP segment, in the style of
// golang.org/x/net/dns/dnsmessage: Start, then Next until decoders.ErrDone. It keeps
// no reference beyond the segment and never allocates; a zero Parser is
// ready for Start and may be reused for every segment.
type Parser struct {
	seg []byte
	off int // where the next NBSS PDU header starts
	// The current NBSS PDU: its length field and where it ends as
	// declared (possibly past the end of seg).
	pduLen uint32
	pduEnd int
	// chain is the offset of the next SMB2 compound member in the current
	// PDU, or 0 when there is none.
	chain int
	// chainErr is an error found while returning the previous message (a
	// bad NextCommand or AndX chain); Next reports it once, then goes on
	// with the next PDU.
	chainErr error
	long     bool // NBSS lengths are 24 bits (as Wireshark once it has seen SMB)
	count    int
	pending  int
	err      error // sticky: the NBSS framing is lost or the walk is over
}

// Start prepares the parser for a segment's payload. It fails, wrapping
// decoders.ErrNotFound, unless the segment begins with a NetBIOS session message whose
// body starts with an SMB protocol id: a segment that continues a message
// begun in an earlier segment (the tail of a large READ response or WRITE
// request) has no NBSS header at offset 0 and must not be mistaken for one.
// NBSS keep-alives in front of the message are skipped.
//
// Like Wireshark, the NBSS length is read as 24 bits when the segment starts
// with an SMB message (SMB2 multi-credit and SMB1 large reads exceed 17
// bits), else as 17 bits (a 16-bit length plus the E flag) as RFC 1002 says.
func (p *Parser) Start(seg []byte) error {
	*p = Parser{seg: seg, long: true}
	off := 0
	for len(seg)-off >= nbssHeaderLen && seg[off] == NBSSKeepAlive &&
		seg[off+1] == 0 && seg[off+2] == 0 && seg[off+3] == 0 {
		off += nbssHeaderLen
		p.long = false
	}
	if len(seg)-off < nbssHeaderLen+magicLen || seg[off] != NBSSSessionMessage || !hasMagic(seg[off+nbssHeaderLen:]) {
		p.err = errNotSMB
		return p.err
	}
	if !p.long && seg[off+1]&^nbssExtendFlag != 0 {
		p.err = errNotSMB
		return p.err
	}
	p.off = off
	return nil
}

// Pending returns how many bytes of the segment's last SMB-carrying NBSS PDU
// lie beyond the segment, so that a caller tracking the TCP stream knows
// where the next PDU starts (Wireshark's PDU tracking does the same). It is 0
// when the last PDU ended inside the segment.
func (p *Parser) Pending() int { return p.pending }

// hasMagic reports whether b starts with one of the four SMB protocol ids.
func hasMagic(b []byte) bool {
	if len(b) < magicLen || b[1] != 'S' || b[2] != 'M' || b[3] != 'B' {
		return false
	}
	switch b[0] {
	case 0xFF, 0xFE, 0xFD, 0xFC:
		return true
	}
	return false
}

// Next returns the next SMB message of the segment: every SMB1 message, every
// SMB2 message including each member of a compound, every transform or
// compression header. It returns decoders.ErrDone when the segment holds no more, and
// wraps decoders.ErrTooMany after MaxMessages messages.
//
// An error about one message's contents (a header cut by the segment end, a
// bad NextCommand, a looping AndX chain) is returned once; calling Next again
// goes on with the next NBSS PDU. An error about the NBSS framing itself
// (an unknown PDU type, a session message that does not carry SMB) is final:
// the PDU boundaries after it cannot be trusted.
func (p *Parser) Next() (Message, error) {
	// The message is filled in place and copied once, on return: it is a
	// few hundred bytes, and passing it up by value through every layer
	// cost more than the parsing.
	var m Message
	if err := p.next(&m); err != nil {
		return Message{}, err
	}
	return m, nil
}

// NextInto is Next decoding into m, for a caller that walks many segments:
// a message is a few hundred bytes, and copying one out of Next on every
// call, decoders.ErrDone included, was 7 % of the analysis. m is overwritten whole
// when the error is nil; otherwise it may be left as it was or partly
// filled.
func (p *Parser) NextInto(m *Message) error { return p.next(m) }

// next fills m with the next message: the pending compound member, else the
// first message of the next NBSS PDU.
func (p *Parser) next(m *Message) error {
	if p.err != nil {
		return p.err
	}
	if p.chainErr != nil {
		err := p.chainErr
		p.chainErr = nil
		return err
	}
	if p.chain > 0 {
		pos := p.chain
		p.chain = 0
		if len(p.seg)-pos < magicLen {
			// The next member starts after the segment's end (or its
			// protocol id is cut): nothing more here.
			return p.nextPDU(m)
		}
		if p.seg[pos] != 0xFE || !hasMagic(p.seg[pos:]) {
			return errNextMagic
		}
		return p.parseAt(pos, m)
	}
	return p.nextPDU(m)
}

// nextPDU moves to the next NBSS PDU and returns its first SMB message.
func (p *Parser) nextPDU(m *Message) error {
	seg := p.seg
	for {
		off := p.off
		if len(seg)-off < nbssHeaderLen {
			// Nothing left, or only part of the next NBSS header:
			// without its length nothing can be said about it.
			p.err = decoders.ErrDone
			return p.err
		}
		typ := seg[off]
		var length uint32
		if p.long {
			length = uint32(seg[off+1])<<16 | uint32(seg[off+2])<<8 | uint32(seg[off+3])
		} else {
			if seg[off+1]&^nbssExtendFlag != 0 {
				p.err = errType
				return p.err
			}
			length = uint32(seg[off+1]&nbssExtendFlag)<<16 | uint32(seg[off+2])<<8 | uint32(seg[off+3])
		}
		body := off + nbssHeaderLen
		end := body + int(length) // length < 2^24: no overflow
		p.off = end
		switch typ {
		case NBSSSessionMessage:
		case NBSSKeepAlive, NBSSPositiveResponse, NBSSNegativeResponse, NBSSRetargetResponse, NBSSSessionRequest:
			// Session set-up and keep-alive PDUs carry no SMB; skip
			// them by their length. Each step moves forward by at
			// least the 4-byte header, so the loop ends.
			continue
		default:
			p.err = errType
			return p.err
		}
		if length == 0 {
			continue
		}
		if len(seg)-body < magicLen {
			// The protocol id is cut by the segment end.
			p.err = decoders.ErrDone
			return p.err
		}
		if !hasMagic(seg[body:]) {
			p.err = errMagic
			return p.err
		}
		p.pduLen = length
		p.pduEnd = end
		if end > len(seg) {
			p.pending = end - len(seg)
		} else {
			p.pending = 0
		}
		return p.parseAt(body, m)
	}
}

// parseAt decodes the SMB header at pos, inside the current PDU; hasMagic
// has been checked by the caller.
func (p *Parser) parseAt(pos int, m *Message) error {
	if p.count >= MaxMessages {
		p.err = errTooMany
		return p.err
	}
	p.count++
	// Every message is filled from here, so that NextInto can reuse m.
	*m = Message{}
	switch p.seg[pos] {
	case 0xFF:
		return p.parse1(pos, m)
	case 0xFE:
		return p.parse2(pos, m)
	case 0xFD:
		return p.parseTransform(pos, m)
	default:
		return p.parseCompressed(pos, m)
	}
}

// frame fills the fields every kind shares: where the message is, how long
// it says it is, what of it the segment holds.
func (p *Parser) frame(m *Message, pos, end, hdr int) {
	m.Offset = pos
	m.NBSSLength = p.pduLen
	m.Length = uint32(end - pos)
	m.declared = end - pos
	have := end
	if have > len(p.seg) {
		have = len(p.seg)
		m.Partial = true
	}
	m.raw = p.seg[pos:have:have]
	m.Body = p.seg[pos+hdr : have : have]
}

// cut fills the shared fields of a message whose header the segment ends in:
// no Body, no Signature, nothing decoded beyond the header bytes present.
func (p *Parser) cut(m *Message, pos, end int) {
	m.Offset = pos
	m.NBSSLength = p.pduLen
	m.Length = uint32(end - pos)
	m.declared = end - pos
	m.Partial = true
}

// parse1 decodes an SMB1 message, which fills its whole NBSS PDU.
// le16 and le32 read at off in b, or return ok=false when b is too
// short.
// Offsets come from the wire, so they are checked as ints before slicing.
func le16(b []byte, off int) (uint16, bool) {
	if off < 0 || off > len(b)-2 {
		return 0, false
	}
	return binary.LittleEndian.Uint16(b[off:]), true
}

// le32 is le16 for 32 bits.
func le32(b []byte, off int) (uint32, bool) {
	if off < 0 || off > len(b)-4 {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b[off:]), true
}

// decode2 fills the command-specific fields of an SMB2 message. Each body

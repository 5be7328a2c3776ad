package ike

import (
	"fmt"

	"softsa/decoders"
)

// The payload chain: Parser walks it one generic payload header at a time.

// MaxPayloads bounds the payloads Parser returns for one message, and
// the proposals, transforms and attributes the iterators return for one
// container. A real message has a dozen payloads; the bound caps the work a
// crafted message can cause.
const MaxPayloads = 64

// maxLength is the largest Length a message carried in one UDP datagram
// can have; a larger one is a bad length, not a truncated capture.
const maxLength = 65535

// Payload types. IKEv1: RFC 2408 §3.1, RFC 3947 (NAT-D/NAT-OA and their
// draft numbers 130/131), 132 for Cisco/Microsoft IKE fragmentation. IKEv2:
// RFC 7296 §3.2, RFC 7383 (53). AuthIP: [MS-AIPS] §2.2.3.
const (
	PayloadNone        uint8 = 0
	PayloadSA          uint8 = 1
	PayloadProposal    uint8 = 2
	PayloadTransform   uint8 = 3
	PayloadKE          uint8 = 4
	PayloadID          uint8 = 5
	PayloadCert        uint8 = 6
	PayloadCertReq     uint8 = 7
	PayloadHash        uint8 = 8
	PayloadSig         uint8 = 9
	PayloadNonce       uint8 = 10
	PayloadNotify      uint8 = 11
	PayloadDelete      uint8 = 12
	PayloadVendorID    uint8 = 13
	PayloadAttributes  uint8 = 14
	PayloadNATD        uint8 = 20
	PayloadNATOA       uint8 = 21
	PayloadNATDDraft   uint8 = 130
	PayloadNATOADraft  uint8 = 131
	PayloadFragment    uint8 = 132
	PayloadSAv2        uint8 = 33
	PayloadKEv2        uint8 = 34
	PayloadIDi         uint8 = 35
	PayloadIDr         uint8 = 36
	PayloadCertV2      uint8 = 37
	PayloadCertReqV2   uint8 = 38
	PayloadAuthV2      uint8 = 39
	PayloadNonceV2     uint8 = 40
	PayloadNotifyV2    uint8 = 41
	PayloadDeleteV2    uint8 = 42
	PayloadVendorIDV2  uint8 = 43
	PayloadTSi         uint8 = 44
	PayloadTSr         uint8 = 45
	PayloadEncrypted   uint8 = 46
	PayloadConfig      uint8 = 47
	PayloadEAP         uint8 = 48
	PayloadEncFragment uint8 = 53

	AuthIPPayloadGSSAPI uint8 = 0x81
	AuthIPPayloadCrypto uint8 = 0x85
	AuthIPPayloadGSSID  uint8 = 0x86
	AuthIPPayloadAuth   uint8 = 0x87
)

// Payload is one payload of the chain. Body is a sub-slice of the message
// (zero copy) and Offset the position of the payload's generic header in it.
//
// An opaque payload carries ciphertext: IKEv2 Encrypted (46) and Encrypted
// Fragment (53) payloads, and the pseudo-payload Parser returns for an
// IKEv1/AuthIP message with the E flag set. That pseudo-payload has no generic
// header on the wire: its Type is the header's NextPayload (the type of the
// first encrypted payload), Length is 0 and Body is everything after the
// ISAKMP header.
type Payload struct {
	Type     uint8
	Next     uint8
	Critical bool
	Length   uint16
	Body     []byte
	Offset   int

	family Family
	opaque bool
}

// Opaque reports whether Body is ciphertext that softsa cannot decode.
func (pl Payload) Opaque() bool { return pl.opaque }

// Family returns the family of the message the payload came from; payload
// layouts depend on it.
func (pl Payload) Family() Family { return pl.family }

// Parser walks the payload chain of one ISAKMP message without copying or
// allocating. The zero value is ready for Start; reuse it across messages.
//
// Length handling: a message longer than its header Length is cut to Length
// (the rest is UDP padding or garbage). A Length below 28 or above 65535 (no
// UDP datagram holds that much) is decoders.ErrBadLength. A message shorter than
// Length makes Start return an error wrapping decoders.ErrTruncated together with a
// valid header; the parser then still walks the payloads that are wholly
// present, and Next reports decoders.ErrTruncated at the first payload that is cut.
// Every other Start error leaves a parser whose Next repeats that error.
type Parser struct {
	msg      []byte // the message, cut to min(len, header Length)
	declared int    // header Length
	hdr      Header
	family   Family
	off      int
	next     uint8
	count    int
	cur      Payload
	err      error
	started  bool
	done     bool
	pendEnc  bool // E flag: the opaque pseudo-payload is still to be returned
	opaque   bool // the rest of the message is ciphertext
	truncMsg bool // the message is shorter than its Length
}

// Start resets the parser to walk msg and returns its header.
func (p *Parser) Start(msg []byte) (Header, error) {
	*p = Parser{started: true}
	if len(msg) < HeaderLen {
		p.err = fmt.Errorf("isakmp header: %d of %d bytes: %w", len(msg), HeaderLen, decoders.ErrTruncated)
		p.done = true
		return Header{}, p.err
	}
	p.hdr = parseHeader(msg)
	p.family = p.hdr.Family()
	p.next = p.hdr.NextPayload
	p.off = HeaderLen
	if p.hdr.Length < HeaderLen || p.hdr.Length > maxLength {
		p.err = fmt.Errorf("isakmp header: length %d outside %d..%d: %w", p.hdr.Length, HeaderLen, maxLength, decoders.ErrBadLength)
		p.msg = msg[:HeaderLen]
		return p.hdr, p.err
	}
	var startErr error
	if uint64(p.hdr.Length) > uint64(len(msg)) {
		p.truncMsg = true
		p.msg = msg
		p.declared = int(min(uint64(p.hdr.Length), uint64(^uint(0)>>1)))
		startErr = fmt.Errorf("isakmp header: length %d, %d bytes present: %w", p.hdr.Length, len(msg), decoders.ErrTruncated)
	} else {
		p.msg = msg[:p.hdr.Length]
		p.declared = int(p.hdr.Length)
	}
	if p.hdr.Encrypted() {
		p.pendEnc = true
		p.opaque = true
	}
	return p.hdr, startErr
}

// Header returns the header read by Start.
func (p *Parser) Header() Header { return p.hdr }

// Family returns the family of the header read by Start.
func (p *Parser) Family() Family { return p.family }

// Truncated reports that the message is shorter than its header Length.
func (p *Parser) Truncated() bool { return p.truncMsg }

// Opaque reports that the rest of the message is ciphertext: the E flag is
// set, or Next has returned an IKEv2 Encrypted or Encrypted Fragment payload.
// Whatever follows is not decoded and not guessed at.
func (p *Parser) Opaque() bool { return p.opaque }

// Count returns how many payloads Next has returned.
func (p *Parser) Count() int { return p.count }

// Trailing returns how many bytes follow the end of the chain inside the
// message Length (non-zero only after Next has returned decoders.ErrDone on a chain
// that ended early).
func (p *Parser) Trailing() int {
	if !p.done || p.opaque || p.off > len(p.msg) {
		return 0
	}
	return len(p.msg) - p.off
}

// Next returns the next payload. It returns decoders.ErrDone at the end of the chain
// (next payload 0) and after an opaque payload, decoders.ErrTooMany after
// MaxPayloads payloads, decoders.ErrBadLength for a payload length below 4 or past
// the end of the message, and decoders.ErrTruncated for a payload the capture cut.
// Errors are sticky.
func (p *Parser) Next() (Payload, error) {
	if p.err != nil {
		return Payload{}, p.err
	}
	if !p.started || p.done {
		return Payload{}, decoders.ErrDone
	}
	if p.pendEnc {
		return p.encryptedRest()
	}
	if p.next == PayloadNone {
		p.done = true
		return Payload{}, decoders.ErrDone
	}
	if p.count >= MaxPayloads {
		p.err = fmt.Errorf("isakmp payload %d: %w", p.count+1, decoders.ErrTooMany)
		return Payload{}, p.err
	}
	rest := len(p.msg) - p.off
	if rest < 4 {
		return Payload{}, p.fail(4, 0, "header")
	}
	plen := int(be16(p.msg[p.off+2:]))
	if plen < 4 {
		p.err = fmt.Errorf("isakmp payload %d (%s): length %d below 4: %w",
			p.count+1, PayloadName(p.family, p.next), plen, decoders.ErrBadLength)
		return Payload{}, p.err
	}
	if plen > rest {
		return Payload{}, p.fail(plen, plen, "length")
	}
	b := p.msg[p.off : p.off+plen]
	pl := Payload{
		Type:     p.next,
		Next:     b[0],
		Critical: p.family == FamilyV2 && b[1]&0x80 != 0,
		Length:   uint16(plen),
		Body:     b[4:],
		Offset:   p.off,
		family:   p.family,
	}
	if p.family == FamilyV2 && (pl.Type == PayloadEncrypted || pl.Type == PayloadEncFragment) {
		// RFC 7296 §3.14 / RFC 7383 §2.5: the Encrypted payload is the last
		// one; its Next field names the first payload inside the ciphertext.
		pl.opaque = true
		p.opaque = true
		p.done = true
	}
	p.off += plen
	p.next = pl.Next
	p.count++
	p.cur = pl
	return pl, nil
}

// encryptedRest returns the pseudo-payload for an E-flagged message.
func (p *Parser) encryptedRest() (Payload, error) {
	p.pendEnc = false
	p.done = true
	if p.off >= len(p.msg) {
		return Payload{}, decoders.ErrDone
	}
	pl := Payload{
		Type:   p.hdr.NextPayload,
		Body:   p.msg[p.off:],
		Offset: p.off,
		family: p.family,
		opaque: true,
	}
	p.off = len(p.msg)
	p.count++
	p.cur = pl
	return pl, nil
}

// fail records the error for a payload that does not fit: decoders.ErrTruncated when
// the capture cut a message whose Length covers the payload, decoders.ErrBadLength
// when the payload claims bytes past the message Length.
func (p *Parser) fail(need, plen int, what string) error {
	if p.family == FamilyV2 && (p.next == PayloadEncrypted || p.next == PayloadEncFragment) {
		p.opaque = true // a cut Encrypted payload is still ciphertext to the end
	}
	sentinel := decoders.ErrBadLength
	if p.truncMsg && p.off+need <= p.declared {
		sentinel = decoders.ErrTruncated
	}
	name := PayloadName(p.family, p.next)
	if what == "header" {
		p.err = fmt.Errorf("isakmp payload %d (%s): header needs 4 bytes, %d left: %w",
			p.count+1, name, len(p.msg)-p.off, sentinel)
	} else {
		p.err = fmt.Errorf("isakmp payload %d (%s): length %d, %d bytes left: %w",
			p.count+1, name, plen, len(p.msg)-p.off, sentinel)
	}
	return p.err
}

// Payload returns the payload Next returned last.
func (p *Parser) Payload() Payload { return p.cur }

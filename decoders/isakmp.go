package decoders

// ISAKMP / IKE decoding for IKEv1 (RFC 2408, RFC 2409), Microsoft AuthIP
// ([MS-AIPS]) and IKEv2 (RFC 7296).
//
// The walker follows golang.org/x/net/dns/dnsmessage: IKEParser.Start reads
// the 28-byte header, Next returns one payload at a time as a sub-slice of the
// message, and typed accessors decode the current payload. Nothing allocates
// on valid input; errors are built with fmt.Errorf (one small allocation)
// only when the input is malformed, because their context ("payload 3
// (Vendor ID): length 2") is what a person debugging a capture needs.
//
// Numbers verified for this file:
//   - AuthIP private exchange types, [MS-AIPS] (learn.microsoft.com,
//     openspecs/windows_protocols/ms-aips): 243 main mode (§3.2.4 "the exchange
//     type MUST be 243 (main mode exchange type)"), 244 quick mode (§3.4.5.1
//     "243 ... for the first quick mode exchange under this main mode or 244
//     (quick mode exchange type) for any subsequent"), 245 extended mode
//     (§3.7.5.1 "MUST be 245 (EM exchange type)"), 246 notify (§3.1.7.2 "MUST
//     be 246 (NOTIFY exchange type)").
//   - AuthIP private payloads, [MS-AIPS] §2.2.3: 0x81 GSS-API token, 0x85
//     Crypto, 0x86 GSS-API endpoint name (GSS_ID), 0x87 Auth. §2.2.3.5: in a
//     Notify payload of an AuthIP exchange the IKEv1 SPI-size byte is a Flags
//     field (0x01 RELIABLE_NOTIFY_FLAG) and there is no SPI.
//   - Microsoft private notify types, [MS-IKEE] §2.2.6 and [MS-AIPS]
//     §2.2.3.5: 0x9C43 NOTIFY_STATUS, 0x9C44 NOTIFY_DOS_COOKIE, 0x9C45
//     EXCHANGE_INFO.
//   - Payload, exchange and notify names: Wireshark 4.0.17 packet-isakmp.c as
//     dumped by `tshark -G values` on this machine.

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// IKEHeaderLen is the size of the fixed ISAKMP header (RFC 2408 §3.1,
// RFC 7296 §3.1).
const IKEHeaderLen = 28

// IKEMaxPayloads bounds the payloads IKEParser returns for one message, and
// the proposals, transforms and attributes the iterators return for one
// container. A real message has a dozen payloads; the bound caps the work a
// crafted message can cause.
const IKEMaxPayloads = 64

// ikeMaxLength is the largest Length a message carried in one UDP datagram
// can have; a larger one is a bad length, not a truncated capture.
const ikeMaxLength = 65535

// IKEFamily tells which protocol an ISAKMP header belongs to.
type IKEFamily uint8

// IKE families. AuthIP shares IKEv1's major version 1 and is recognised by its
// private exchange types.
const (
	IKEFamilyUnknown IKEFamily = iota
	IKEFamilyV1
	IKEFamilyAuthIP
	IKEFamilyV2
)

// String returns the protocol name used in softsa's JSON ("ikev1", "authip",
// "ikev2") or "unknown".
func (f IKEFamily) String() string {
	switch f {
	case IKEFamilyV1:
		return "ikev1"
	case IKEFamilyAuthIP:
		return "authip"
	case IKEFamilyV2:
		return "ikev2"
	}
	return "unknown"
}

// Exchange types. IKEv1: RFC 2408 §3.1 and RFC 2409; AuthIP: [MS-AIPS] (see
// the file comment for the sections); IKEv2: RFC 7296 §3.1 and RFC 5723.
const (
	IKEExchangeBase          uint8 = 1
	IKEExchangeMain          uint8 = 2 // Identity Protection
	IKEExchangeAuthOnly      uint8 = 3
	IKEExchangeAggressive    uint8 = 4
	IKEExchangeInformational uint8 = 5
	IKEExchangeTransaction   uint8 = 6 // Config Mode
	IKEExchangeQuick         uint8 = 32
	IKEExchangeNewGroup      uint8 = 33

	IKEExchangeSAInit         uint8 = 34
	IKEExchangeAuth           uint8 = 35
	IKEExchangeCreateChildSA  uint8 = 36
	IKEExchangeInformational2 uint8 = 37
	IKEExchangeSessionResume  uint8 = 38

	AuthIPExchangeMain     uint8 = 243
	AuthIPExchangeQuick    uint8 = 244
	AuthIPExchangeExtended uint8 = 245
	AuthIPExchangeNotify   uint8 = 246
)

// Payload types. IKEv1: RFC 2408 §3.1, RFC 3947 (NAT-D/NAT-OA and their
// draft numbers 130/131), 132 for Cisco/Microsoft IKE fragmentation. IKEv2:
// RFC 7296 §3.2, RFC 7383 (53). AuthIP: [MS-AIPS] §2.2.3.
const (
	IKEPayloadNone        uint8 = 0
	IKEPayloadSA          uint8 = 1
	IKEPayloadProposal    uint8 = 2
	IKEPayloadTransform   uint8 = 3
	IKEPayloadKE          uint8 = 4
	IKEPayloadID          uint8 = 5
	IKEPayloadCert        uint8 = 6
	IKEPayloadCertReq     uint8 = 7
	IKEPayloadHash        uint8 = 8
	IKEPayloadSig         uint8 = 9
	IKEPayloadNonce       uint8 = 10
	IKEPayloadNotify      uint8 = 11
	IKEPayloadDelete      uint8 = 12
	IKEPayloadVendorID    uint8 = 13
	IKEPayloadAttributes  uint8 = 14
	IKEPayloadNATD        uint8 = 20
	IKEPayloadNATOA       uint8 = 21
	IKEPayloadNATDDraft   uint8 = 130
	IKEPayloadNATOADraft  uint8 = 131
	IKEPayloadFragment    uint8 = 132
	IKEPayloadSAv2        uint8 = 33
	IKEPayloadKEv2        uint8 = 34
	IKEPayloadIDi         uint8 = 35
	IKEPayloadIDr         uint8 = 36
	IKEPayloadCertV2      uint8 = 37
	IKEPayloadCertReqV2   uint8 = 38
	IKEPayloadAuthV2      uint8 = 39
	IKEPayloadNonceV2     uint8 = 40
	IKEPayloadNotifyV2    uint8 = 41
	IKEPayloadDeleteV2    uint8 = 42
	IKEPayloadVendorIDV2  uint8 = 43
	IKEPayloadTSi         uint8 = 44
	IKEPayloadTSr         uint8 = 45
	IKEPayloadEncrypted   uint8 = 46
	IKEPayloadConfig      uint8 = 47
	IKEPayloadEAP         uint8 = 48
	IKEPayloadEncFragment uint8 = 53

	AuthIPPayloadGSSAPI uint8 = 0x81
	AuthIPPayloadCrypto uint8 = 0x85
	AuthIPPayloadGSSID  uint8 = 0x86
	AuthIPPayloadAuth   uint8 = 0x87
)

// Header flags. IKEv1/AuthIP (RFC 2408 §3.1): E encryption, C commit, A
// authentication only. IKEv2 (RFC 7296 §3.1): I initiator, V version, R
// response.
const (
	IKEFlagEncrypted uint8 = 0x01
	IKEFlagCommit    uint8 = 0x02
	IKEFlagAuthOnly  uint8 = 0x04
	IKEFlagInitiator uint8 = 0x08
	IKEFlagVersion   uint8 = 0x10
	IKEFlagResponse  uint8 = 0x20
)

// IKEHeader is the fixed 28-byte ISAKMP header. Version is the raw byte (0x10
// for IKEv1 and AuthIP, 0x20 for IKEv2).
type IKEHeader struct {
	ISPI, RSPI  [8]byte
	NextPayload uint8
	Version     uint8
	Exchange    uint8
	Flags       uint8
	MsgID       uint32
	Length      uint32
}

// MajorVersion returns the high nibble of Version.
func (h IKEHeader) MajorVersion() uint8 { return h.Version >> 4 }

// Family classifies the header: major version 2 is IKEv2; major version 1 is
// AuthIP when the exchange type is one of AuthIP's private ones, else IKEv1.
func (h IKEHeader) Family() IKEFamily {
	switch h.Version >> 4 {
	case 1:
		if ikeIsAuthIPExchange(h.Exchange) {
			return IKEFamilyAuthIP
		}
		return IKEFamilyV1
	case 2:
		return IKEFamilyV2
	}
	return IKEFamilyUnknown
}

// Encrypted reports the IKEv1/AuthIP E flag: everything after the header is
// ciphertext. IKEv2 has no such flag (it uses the Encrypted payload).
func (h IKEHeader) Encrypted() bool {
	f := h.Family()
	return (f == IKEFamilyV1 || f == IKEFamilyAuthIP) && h.Flags&IKEFlagEncrypted != 0
}

// IsResponse reports the IKEv2 R flag. IKEv1 has no response flag, so it is
// always false there; pair IKEv1 messages by cookies and direction instead.
func (h IKEHeader) IsResponse() bool {
	return h.Family() == IKEFamilyV2 && h.Flags&IKEFlagResponse != 0
}

// IsInitiator reports the IKEv2 I flag (sent by the original initiator of the
// IKE SA). Always false for IKEv1.
func (h IKEHeader) IsInitiator() bool {
	return h.Family() == IKEFamilyV2 && h.Flags&IKEFlagInitiator != 0
}

func ikeIsAuthIPExchange(exch uint8) bool {
	return exch >= AuthIPExchangeMain && exch <= AuthIPExchangeNotify
}

func ikeBE16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
func ikeBE32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }

// ikeParseHeader decodes the header; the caller has checked len(b) >= 28.
func ikeParseHeader(b []byte) IKEHeader {
	var h IKEHeader
	copy(h.ISPI[:], b[0:8])
	copy(h.RSPI[:], b[8:16])
	h.NextPayload = b[16]
	h.Version = b[17]
	h.Exchange = b[18]
	h.Flags = b[19]
	h.MsgID = ikeBE32(b[20:24])
	h.Length = ikeBE32(b[24:28])
	return h
}

// IKEPayload is one payload of the chain. Body is a sub-slice of the message
// (zero copy) and Offset the position of the payload's generic header in it.
//
// An opaque payload carries ciphertext: IKEv2 Encrypted (46) and Encrypted
// Fragment (53) payloads, and the pseudo-payload IKEParser returns for an
// IKEv1/AuthIP message with the E flag set. That pseudo-payload has no generic
// header on the wire: its Type is the header's NextPayload (the type of the
// first encrypted payload), Length is 0 and Body is everything after the
// ISAKMP header.
type IKEPayload struct {
	Type     uint8
	Next     uint8
	Critical bool
	Length   uint16
	Body     []byte
	Offset   int

	family IKEFamily
	opaque bool
}

// Opaque reports whether Body is ciphertext that softsa cannot decode.
func (pl IKEPayload) Opaque() bool { return pl.opaque }

// Family returns the family of the message the payload came from; payload
// layouts depend on it.
func (pl IKEPayload) Family() IKEFamily { return pl.family }

// IKEParser walks the payload chain of one ISAKMP message without copying or
// allocating. The zero value is ready for Start; reuse it across messages.
//
// Length handling: a message longer than its header Length is cut to Length
// (the rest is UDP padding or garbage). A Length below 28 or above 65535 (no
// UDP datagram holds that much) is ErrBadLength. A message shorter than
// Length makes Start return an error wrapping ErrTruncated together with a
// valid header; the parser then still walks the payloads that are wholly
// present, and Next reports ErrTruncated at the first payload that is cut.
// Every other Start error leaves a parser whose Next repeats that error.
type IKEParser struct {
	msg      []byte // the message, cut to min(len, header Length)
	declared int    // header Length
	hdr      IKEHeader
	family   IKEFamily
	off      int
	next     uint8
	count    int
	cur      IKEPayload
	err      error
	started  bool
	done     bool
	pendEnc  bool // E flag: the opaque pseudo-payload is still to be returned
	opaque   bool // the rest of the message is ciphertext
	truncMsg bool // the message is shorter than its Length
}

// Start resets the parser to walk msg and returns its header.
func (p *IKEParser) Start(msg []byte) (IKEHeader, error) {
	*p = IKEParser{started: true}
	if len(msg) < IKEHeaderLen {
		p.err = fmt.Errorf("isakmp header: %d of %d bytes: %w", len(msg), IKEHeaderLen, ErrTruncated)
		p.done = true
		return IKEHeader{}, p.err
	}
	p.hdr = ikeParseHeader(msg)
	p.family = p.hdr.Family()
	p.next = p.hdr.NextPayload
	p.off = IKEHeaderLen
	if p.hdr.Length < IKEHeaderLen || p.hdr.Length > ikeMaxLength {
		p.err = fmt.Errorf("isakmp header: length %d outside %d..%d: %w", p.hdr.Length, IKEHeaderLen, ikeMaxLength, ErrBadLength)
		p.msg = msg[:IKEHeaderLen]
		return p.hdr, p.err
	}
	var startErr error
	if uint64(p.hdr.Length) > uint64(len(msg)) {
		p.truncMsg = true
		p.msg = msg
		p.declared = int(min(uint64(p.hdr.Length), uint64(^uint(0)>>1)))
		startErr = fmt.Errorf("isakmp header: length %d, %d bytes present: %w", p.hdr.Length, len(msg), ErrTruncated)
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
func (p *IKEParser) Header() IKEHeader { return p.hdr }

// Family returns the family of the header read by Start.
func (p *IKEParser) Family() IKEFamily { return p.family }

// Truncated reports that the message is shorter than its header Length.
func (p *IKEParser) Truncated() bool { return p.truncMsg }

// Opaque reports that the rest of the message is ciphertext: the E flag is
// set, or Next has returned an IKEv2 Encrypted or Encrypted Fragment payload.
// Whatever follows is not decoded and not guessed at.
func (p *IKEParser) Opaque() bool { return p.opaque }

// Count returns how many payloads Next has returned.
func (p *IKEParser) Count() int { return p.count }

// Trailing returns how many bytes follow the end of the chain inside the
// message Length (non-zero only after Next has returned ErrDone on a chain
// that ended early).
func (p *IKEParser) Trailing() int {
	if !p.done || p.opaque || p.off > len(p.msg) {
		return 0
	}
	return len(p.msg) - p.off
}

// Next returns the next payload. It returns ErrDone at the end of the chain
// (next payload 0) and after an opaque payload, ErrTooMany after
// IKEMaxPayloads payloads, ErrBadLength for a payload length below 4 or past
// the end of the message, and ErrTruncated for a payload the capture cut.
// Errors are sticky.
func (p *IKEParser) Next() (IKEPayload, error) {
	if p.err != nil {
		return IKEPayload{}, p.err
	}
	if !p.started || p.done {
		return IKEPayload{}, ErrDone
	}
	if p.pendEnc {
		return p.encryptedRest()
	}
	if p.next == IKEPayloadNone {
		p.done = true
		return IKEPayload{}, ErrDone
	}
	if p.count >= IKEMaxPayloads {
		p.err = fmt.Errorf("isakmp payload %d: %w", p.count+1, ErrTooMany)
		return IKEPayload{}, p.err
	}
	rest := len(p.msg) - p.off
	if rest < 4 {
		return IKEPayload{}, p.fail(4, 0, "header")
	}
	plen := int(ikeBE16(p.msg[p.off+2:]))
	if plen < 4 {
		p.err = fmt.Errorf("isakmp payload %d (%s): length %d below 4: %w",
			p.count+1, IKEPayloadName(p.family, p.next), plen, ErrBadLength)
		return IKEPayload{}, p.err
	}
	if plen > rest {
		return IKEPayload{}, p.fail(plen, plen, "length")
	}
	b := p.msg[p.off : p.off+plen]
	pl := IKEPayload{
		Type:     p.next,
		Next:     b[0],
		Critical: p.family == IKEFamilyV2 && b[1]&0x80 != 0,
		Length:   uint16(plen),
		Body:     b[4:],
		Offset:   p.off,
		family:   p.family,
	}
	if p.family == IKEFamilyV2 && (pl.Type == IKEPayloadEncrypted || pl.Type == IKEPayloadEncFragment) {
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
func (p *IKEParser) encryptedRest() (IKEPayload, error) {
	p.pendEnc = false
	p.done = true
	if p.off >= len(p.msg) {
		return IKEPayload{}, ErrDone
	}
	pl := IKEPayload{
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

// fail records the error for a payload that does not fit: ErrTruncated when
// the capture cut a message whose Length covers the payload, ErrBadLength
// when the payload claims bytes past the message Length.
func (p *IKEParser) fail(need, plen int, what string) error {
	if p.family == IKEFamilyV2 && (p.next == IKEPayloadEncrypted || p.next == IKEPayloadEncFragment) {
		p.opaque = true // a cut Encrypted payload is still ciphertext to the end
	}
	sentinel := ErrBadLength
	if p.truncMsg && p.off+need <= p.declared {
		sentinel = ErrTruncated
	}
	name := IKEPayloadName(p.family, p.next)
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
func (p *IKEParser) Payload() IKEPayload { return p.cur }

// Notify decodes the current payload as a Notify payload.
func (p *IKEParser) Notify() (IKENotify, error) { return p.cur.Notify() }

// Delete decodes the current payload as a Delete payload.
func (p *IKEParser) Delete() (IKEDelete, error) { return p.cur.Delete() }

// VendorID returns the current payload's vendor ID bytes.
func (p *IKEParser) VendorID() ([]byte, error) { return p.cur.VendorID() }

// SA returns an iterator over the proposals of the current SA payload.
func (p *IKEParser) SA() (IKEProposalIter, error) { return p.cur.SA() }

// KE decodes the current payload as a Key Exchange payload.
func (p *IKEParser) KE() (IKEKeyExchange, error) { return p.cur.KE() }

// ID decodes the current payload as an Identification payload.
func (p *IKEParser) ID() (IKEIdentification, error) { return p.cur.ID() }

// Nonce returns the current payload's nonce bytes.
func (p *IKEParser) Nonce() ([]byte, error) { return p.cur.Nonce() }

// Cert decodes the current payload as a Certificate payload.
func (p *IKEParser) Cert() (IKECert, error) { return p.cur.Cert() }

// CertReq decodes the current payload as a Certificate Request payload.
func (p *IKEParser) CertReq() (IKECert, error) { return p.cur.CertReq() }

// Fragment decodes the current payload as an IKEv1 fragment payload (132).
func (p *IKEParser) Fragment() (IKEFragment, error) { return p.cur.Fragment() }

// EncryptedFragment decodes the clear header of the current IKEv2 Encrypted
// Fragment payload (53).
func (p *IKEParser) EncryptedFragment() (IKEEncryptedFragment, error) {
	return p.cur.EncryptedFragment()
}

// ikeIs reports whether the payload is the clear v1-style type t1 (IKEv1 and
// AuthIP) or the IKEv2 type t2. Opaque payloads match nothing.
func (pl IKEPayload) ikeIs(t1, t2 uint8) bool {
	if pl.opaque {
		return false
	}
	switch pl.family {
	case IKEFamilyV1, IKEFamilyAuthIP:
		return pl.Type == t1
	case IKEFamilyV2:
		return pl.Type == t2
	}
	return false
}

func ikeNotThis(pl IKEPayload, want string) error {
	return fmt.Errorf("isakmp %s accessor on payload type %d: %w", want, pl.Type, ErrNotFound)
}

// IKENotify is a decoded Notify payload (RFC 2408 §3.14, RFC 7296 §3.10,
// [MS-AIPS] §2.2.3.5). SPI and Data are sub-slices of the message.
type IKENotify struct {
	DOI      uint32 // IKEv1 and AuthIP only
	Protocol uint8
	SPISize  uint8 // IKEv1 and IKEv2; 0 for AuthIP, which has no SPI
	Flags    uint8 // AuthIP only: the byte IKEv1 calls SPI size
	Type     uint16
	SPI      []byte
	Data     []byte
}

// AuthIPReliable reports the AuthIP RELIABLE_NOTIFY_FLAG: the peer must
// acknowledge the notify ([MS-AIPS] §2.2.3.5, §3.1.5.1).
func (n IKENotify) AuthIPReliable() bool { return n.Flags&0x01 != 0 }

// IsError reports whether Type is in the error range: below 8192 for IKEv1
// (RFC 2408 §3.14.1) and below 16384 for IKEv2 (RFC 7296 §3.10.1).
func (n IKENotify) IsError(f IKEFamily) bool {
	if f == IKEFamilyV2 {
		return n.Type < 16384
	}
	return n.Type < 8192
}

// Notify decodes a Notify payload.
func (pl IKEPayload) Notify() (IKENotify, error) {
	if !pl.ikeIs(IKEPayloadNotify, IKEPayloadNotifyV2) {
		return IKENotify{}, ikeNotThis(pl, "notify")
	}
	b := pl.Body
	var n IKENotify
	if pl.family != IKEFamilyV2 {
		if len(b) < 8 {
			return IKENotify{}, fmt.Errorf("isakmp notify: %d bytes, need 8: %w", len(b), ErrTruncated)
		}
		n.DOI = ikeBE32(b)
		b = b[4:]
	} else if len(b) < 4 {
		return IKENotify{}, fmt.Errorf("isakmp notify: %d bytes, need 4: %w", len(b), ErrTruncated)
	}
	n.Protocol, n.Type = b[0], ikeBE16(b[2:4])
	sizeOrFlags, rest := b[1], b[4:]
	if pl.family == IKEFamilyAuthIP {
		n.Flags, n.Data = sizeOrFlags, rest
		return n, nil
	}
	n.SPISize = sizeOrFlags
	if int(n.SPISize) > len(rest) {
		return IKENotify{}, fmt.Errorf("isakmp notify: SPI size %d, %d bytes left: %w", n.SPISize, len(rest), ErrBadLength)
	}
	n.SPI, n.Data = rest[:n.SPISize], rest[n.SPISize:]
	return n, nil
}

// IKEDelete is a decoded Delete payload (RFC 2408 §3.15, RFC 7296 §3.11).
// SPIs holds Count SPIs of SPISize bytes each, back to back.
type IKEDelete struct {
	DOI      uint32 // IKEv1 and AuthIP only
	Protocol uint8
	SPISize  uint8
	Count    uint16
	SPIs     []byte
}

// SPI returns the i-th SPI (a sub-slice of the message), or nil when i is out
// of range.
func (d IKEDelete) SPI(i int) []byte {
	n := int(d.SPISize)
	if i < 0 || i >= int(d.Count) || n == 0 || (i+1)*n > len(d.SPIs) {
		return nil
	}
	return d.SPIs[i*n : (i+1)*n]
}

// Delete decodes a Delete payload. Count times SPISize must fit in the
// payload; bytes after the last SPI are ignored.
func (pl IKEPayload) Delete() (IKEDelete, error) {
	if !pl.ikeIs(IKEPayloadDelete, IKEPayloadDeleteV2) {
		return IKEDelete{}, ikeNotThis(pl, "delete")
	}
	b := pl.Body
	var d IKEDelete
	if pl.family != IKEFamilyV2 {
		if len(b) < 8 {
			return IKEDelete{}, fmt.Errorf("isakmp delete: %d bytes, need 8: %w", len(b), ErrTruncated)
		}
		d.DOI = ikeBE32(b)
		b = b[4:]
	} else if len(b) < 4 {
		return IKEDelete{}, fmt.Errorf("isakmp delete: %d bytes, need 4: %w", len(b), ErrTruncated)
	}
	d.Protocol, d.SPISize, d.Count = b[0], b[1], ikeBE16(b[2:4])
	b = b[4:]
	need := int(d.SPISize) * int(d.Count)
	if need > len(b) {
		return IKEDelete{}, fmt.Errorf("isakmp delete: %d SPIs of %d bytes, %d bytes left: %w",
			d.Count, d.SPISize, len(b), ErrBadLength)
	}
	d.SPIs = b[:need]
	return d, nil
}

// VendorID returns the vendor ID bytes (a sub-slice of the message).
func (pl IKEPayload) VendorID() ([]byte, error) {
	if !pl.ikeIs(IKEPayloadVendorID, IKEPayloadVendorIDV2) {
		return nil, ikeNotThis(pl, "vendor ID")
	}
	return pl.Body, nil
}

// Nonce returns the nonce bytes.
func (pl IKEPayload) Nonce() ([]byte, error) {
	if !pl.ikeIs(IKEPayloadNonce, IKEPayloadNonceV2) {
		return nil, ikeNotThis(pl, "nonce")
	}
	return pl.Body, nil
}

// IKEKeyExchange is a decoded Key Exchange payload. Group is only on the wire
// in IKEv2 (RFC 7296 §3.4); IKEv1 negotiates it in the SA.
type IKEKeyExchange struct {
	Group uint16
	Data  []byte
}

// KE decodes a Key Exchange payload.
func (pl IKEPayload) KE() (IKEKeyExchange, error) {
	if !pl.ikeIs(IKEPayloadKE, IKEPayloadKEv2) {
		return IKEKeyExchange{}, ikeNotThis(pl, "key exchange")
	}
	if pl.family != IKEFamilyV2 {
		return IKEKeyExchange{Data: pl.Body}, nil
	}
	if len(pl.Body) < 4 {
		return IKEKeyExchange{}, fmt.Errorf("isakmp key exchange: %d bytes, need 4: %w", len(pl.Body), ErrTruncated)
	}
	return IKEKeyExchange{Group: ikeBE16(pl.Body), Data: pl.Body[4:]}, nil
}

// IKEIdentification is a decoded Identification payload (RFC 2407 §4.6.2,
// RFC 7296 §3.5). Protocol and Port are IKEv1 only.
type IKEIdentification struct {
	Type     uint8
	Protocol uint8
	Port     uint16
	Data     []byte
}

// ID decodes an Identification payload (IKEv1 ID, IKEv2 IDi or IDr).
func (pl IKEPayload) ID() (IKEIdentification, error) {
	if pl.opaque || !(pl.ikeIs(IKEPayloadID, IKEPayloadIDi) || pl.ikeIs(IKEPayloadID, IKEPayloadIDr)) {
		return IKEIdentification{}, ikeNotThis(pl, "identification")
	}
	b := pl.Body
	if len(b) < 4 {
		return IKEIdentification{}, fmt.Errorf("isakmp identification: %d bytes, need 4: %w", len(b), ErrTruncated)
	}
	id := IKEIdentification{Type: b[0], Data: b[4:]}
	if pl.family != IKEFamilyV2 {
		id.Protocol, id.Port = b[1], ikeBE16(b[2:4])
	}
	return id, nil
}

// IKECert is a decoded Certificate or Certificate Request payload: the
// encoding byte and the data (a certificate, or certificate authority
// hashes/names).
type IKECert struct {
	Encoding uint8
	Data     []byte
}

// Cert decodes a Certificate payload.
func (pl IKEPayload) Cert() (IKECert, error) {
	if !pl.ikeIs(IKEPayloadCert, IKEPayloadCertV2) {
		return IKECert{}, ikeNotThis(pl, "certificate")
	}
	return ikeCertBody(pl.Body, "certificate")
}

// CertReq decodes a Certificate Request payload.
func (pl IKEPayload) CertReq() (IKECert, error) {
	if !pl.ikeIs(IKEPayloadCertReq, IKEPayloadCertReqV2) {
		return IKECert{}, ikeNotThis(pl, "certificate request")
	}
	return ikeCertBody(pl.Body, "certificate request")
}

func ikeCertBody(b []byte, what string) (IKECert, error) {
	if len(b) < 1 {
		return IKECert{}, fmt.Errorf("isakmp %s: empty: %w", what, ErrTruncated)
	}
	return IKECert{Encoding: b[0], Data: b[1:]}, nil
}

// IKEFragment is a decoded IKEv1 fragment payload (type 132, the Cisco scheme
// Windows also uses): fragment ID, 1-based fragment number, last flag.
type IKEFragment struct {
	ID     uint16
	Number uint8
	Last   bool
	Data   []byte
}

// Fragment decodes an IKEv1/AuthIP fragment payload.
func (pl IKEPayload) Fragment() (IKEFragment, error) {
	if pl.opaque || pl.Type != IKEPayloadFragment || (pl.family != IKEFamilyV1 && pl.family != IKEFamilyAuthIP) {
		return IKEFragment{}, ikeNotThis(pl, "fragment")
	}
	b := pl.Body
	if len(b) < 4 {
		return IKEFragment{}, fmt.Errorf("isakmp fragment: %d bytes, need 4: %w", len(b), ErrTruncated)
	}
	return IKEFragment{ID: ikeBE16(b), Number: b[2], Last: b[3]&0x01 != 0, Data: b[4:]}, nil
}

// IKEEncryptedFragment is the clear part of an IKEv2 Encrypted Fragment
// payload (RFC 7383 §2.5); Data is still ciphertext.
type IKEEncryptedFragment struct {
	Number uint16
	Total  uint16
	Data   []byte
}

// EncryptedFragment decodes the clear header of an IKEv2 Encrypted Fragment
// payload. It is the one accessor that accepts an opaque payload.
func (pl IKEPayload) EncryptedFragment() (IKEEncryptedFragment, error) {
	if pl.family != IKEFamilyV2 || pl.Type != IKEPayloadEncFragment || pl.Length == 0 {
		return IKEEncryptedFragment{}, ikeNotThis(pl, "encrypted fragment")
	}
	b := pl.Body
	if len(b) < 4 {
		return IKEEncryptedFragment{}, fmt.Errorf("isakmp encrypted fragment: %d bytes, need 4: %w", len(b), ErrTruncated)
	}
	return IKEEncryptedFragment{Number: ikeBE16(b), Total: ikeBE16(b[2:]), Data: b[4:]}, nil
}

// SA returns an iterator over the proposals of an SA payload. For IKEv1 and
// AuthIP the DOI and situation come first (RFC 2408 §3.4); proposals are only
// decoded for the IPsec DOI (1), whose situation is 4 bytes (RFC 2407 §4.2;
// the labelled-domain situations are not supported and yield no proposals).
func (pl IKEPayload) SA() (IKEProposalIter, error) {
	if !pl.ikeIs(IKEPayloadSA, IKEPayloadSAv2) {
		return IKEProposalIter{}, ikeNotThis(pl, "SA")
	}
	it := IKEProposalIter{family: pl.family, base: pl.Offset + 4}
	b := pl.Body
	if pl.family == IKEFamilyV2 {
		it.buf = b
		return it, nil
	}
	if len(b) < 8 {
		return IKEProposalIter{}, fmt.Errorf("isakmp SA: %d bytes, need 8: %w", len(b), ErrTruncated)
	}
	it.DOI, it.Situation = ikeBE32(b), ikeBE32(b[4:])
	if it.DOI != 1 || it.Situation&^uint32(1) != 0 {
		it.done = true
		return it, nil
	}
	it.buf = b[8:]
	it.base += 8
	return it, nil
}

// IKEProposalIter iterates over the proposals of an SA payload, following the
// proposals' next-payload chain (2 = more, 0 = last).
type IKEProposalIter struct {
	DOI       uint32 // IKEv1/AuthIP
	Situation uint32 // IKEv1/AuthIP

	family IKEFamily
	buf    []byte
	base   int
	off    int
	n      int
	done   bool
	err    error
}

// IKEProposal is one proposal substructure (RFC 2408 §3.5, RFC 7296 §3.3.1).
type IKEProposal struct {
	Next          uint8
	Length        uint16
	Number        uint8
	Protocol      uint8
	SPISize       uint8
	NumTransforms uint8
	SPI           []byte
	Transforms    []byte // the transform substructures
	Offset        int

	family IKEFamily
}

// Next returns the next proposal, or ErrDone.
func (it *IKEProposalIter) Next() (IKEProposal, error) {
	if it.err != nil {
		return IKEProposal{}, it.err
	}
	if it.done || (it.n == 0 && len(it.buf) == 0) {
		it.done = true
		return IKEProposal{}, ErrDone
	}
	if it.n >= IKEMaxPayloads {
		it.err = fmt.Errorf("isakmp proposal %d: %w", it.n+1, ErrTooMany)
		return IKEProposal{}, it.err
	}
	b := it.buf[it.off:]
	if len(b) < 4 {
		it.err = fmt.Errorf("isakmp proposal %d: %d bytes, need 4: %w", it.n+1, len(b), ErrTruncated)
		return IKEProposal{}, it.err
	}
	plen := int(ikeBE16(b[2:4]))
	if plen < 8 || plen > len(b) {
		it.err = fmt.Errorf("isakmp proposal %d: length %d, %d bytes left: %w", it.n+1, plen, len(b), ErrBadLength)
		return IKEProposal{}, it.err
	}
	pr := IKEProposal{
		Next: b[0], Length: uint16(plen), Number: b[4], Protocol: b[5], SPISize: b[6],
		NumTransforms: b[7], Offset: it.base + it.off, family: it.family,
	}
	if 8+int(pr.SPISize) > plen {
		it.err = fmt.Errorf("isakmp proposal %d: SPI size %d past length %d: %w", it.n+1, pr.SPISize, plen, ErrBadLength)
		return IKEProposal{}, it.err
	}
	pr.SPI = b[8 : 8+int(pr.SPISize)]
	pr.Transforms = b[8+int(pr.SPISize) : plen]
	it.off += plen
	it.n++
	switch pr.Next {
	case 0:
		it.done = true
	case IKEPayloadProposal:
	default:
		it.err = fmt.Errorf("isakmp proposal %d: next substructure %d is not a proposal: %w", it.n, pr.Next, ErrBadLength)
		it.done = true
	}
	return pr, nil
}

// TransformIter returns an iterator over the proposal's transforms.
func (pr IKEProposal) TransformIter() IKETransformIter {
	return IKETransformIter{family: pr.family, buf: pr.Transforms, want: int(pr.NumTransforms),
		base: pr.Offset + 8 + int(pr.SPISize), prop: int(pr.Number)}
}

// IKETransformIter iterates over NumTransforms transforms of a proposal. Like
// Wireshark it counts transforms rather than following their next-payload
// bytes, which implementations fill inconsistently.
type IKETransformIter struct {
	family IKEFamily
	buf    []byte
	base   int
	off    int
	n      int
	want   int
	prop   int
	err    error
}

// IKETransform is one transform substructure. IKEv1 (RFC 2408 §3.6): Number
// and an 8-bit transform ID (1 = KEY_IKE in phase 1). IKEv2 (RFC 7296
// §3.3.2): Type (1 ENCR, 2 PRF, 3 INTEG, 4 D-H, 5 ESN) and a 16-bit ID.
type IKETransform struct {
	Next   uint8
	Length uint16
	Number uint8
	Type   uint8
	ID     uint16
	Attrs  []byte
	Offset int

	family IKEFamily
}

// Next returns the next transform, or ErrDone after NumTransforms.
func (it *IKETransformIter) Next() (IKETransform, error) {
	if it.err != nil {
		return IKETransform{}, it.err
	}
	if it.n >= it.want {
		return IKETransform{}, ErrDone
	}
	b := it.buf[it.off:]
	if len(b) < 4 {
		it.err = fmt.Errorf("isakmp proposal %d: transform %d: %d bytes, need 4: %w", it.prop, it.n+1, len(b), ErrTruncated)
		return IKETransform{}, it.err
	}
	tlen := int(ikeBE16(b[2:4]))
	if tlen < 8 || tlen > len(b) {
		it.err = fmt.Errorf("isakmp proposal %d: transform %d: length %d, %d bytes left: %w",
			it.prop, it.n+1, tlen, len(b), ErrBadLength)
		return IKETransform{}, it.err
	}
	t := IKETransform{Next: b[0], Length: uint16(tlen), Attrs: b[8:tlen], Offset: it.base + it.off, family: it.family}
	if it.family == IKEFamilyV2 {
		t.Type, t.ID = b[4], ikeBE16(b[6:8])
	} else {
		t.Number, t.ID = b[4], uint16(b[5])
	}
	it.off += tlen
	it.n++
	return t, nil
}

// AttrIter returns an iterator over the transform's data attributes.
func (t IKETransform) AttrIter() IKEAttrIter { return IKEAttrIter{buf: t.Attrs} }

// IKEAttrIter iterates over data attributes (RFC 2408 §3.3, RFC 7296 §3.3.5):
// TV attributes (AF bit set) carry a 2-byte value in the header, TLV
// attributes a 2-byte length and that many bytes.
type IKEAttrIter struct {
	buf []byte
	off int
	n   int
	err error
}

// IKEAttribute is one data attribute. Value is a sub-slice of the message.
type IKEAttribute struct {
	Type  uint16
	TV    bool
	Value []byte
}

// Uint returns the value as a big-endian integer when it has 1 to 8 bytes.
func (a IKEAttribute) Uint() (uint64, bool) {
	if len(a.Value) == 0 || len(a.Value) > 8 {
		return 0, false
	}
	var v uint64
	for _, c := range a.Value {
		v = v<<8 | uint64(c)
	}
	return v, true
}

// Next returns the next attribute, or ErrDone.
func (it *IKEAttrIter) Next() (IKEAttribute, error) {
	if it.err != nil {
		return IKEAttribute{}, it.err
	}
	b := it.buf[it.off:]
	if len(b) == 0 {
		return IKEAttribute{}, ErrDone
	}
	if it.n >= IKEMaxPayloads {
		it.err = fmt.Errorf("isakmp attribute %d: %w", it.n+1, ErrTooMany)
		return IKEAttribute{}, it.err
	}
	if len(b) < 4 {
		it.err = fmt.Errorf("isakmp attribute %d: %d bytes, need 4: %w", it.n+1, len(b), ErrTruncated)
		return IKEAttribute{}, it.err
	}
	tf := ikeBE16(b)
	a := IKEAttribute{Type: tf & 0x7fff, TV: tf&0x8000 != 0}
	if a.TV {
		a.Value = b[2:4]
		it.off += 4
	} else {
		vlen := int(ikeBE16(b[2:4]))
		if 4+vlen > len(b) {
			it.err = fmt.Errorf("isakmp attribute %d (type %d): length %d, %d bytes left: %w",
				it.n+1, a.Type, vlen, len(b)-4, ErrBadLength)
			return IKEAttribute{}, it.err
		}
		a.Value = b[4 : 4+vlen]
		it.off += 4 + vlen
	}
	it.n++
	return a, nil
}

// IKEv1 phase 1 attribute types (RFC 2409 Appendix A).
const (
	IKEAttrEncryption   uint16 = 1
	IKEAttrHash         uint16 = 2
	IKEAttrAuthMethod   uint16 = 3
	IKEAttrGroup        uint16 = 4
	IKEAttrLifeType     uint16 = 11
	IKEAttrLifeDuration uint16 = 12
	IKEAttrKeyLength    uint16 = 14 // also IKEv2 (RFC 7296 §3.3.5)
)

// IKEv1Attrs are the phase 1 facts carried by an IKEv1/AuthIP KEY_IKE
// transform. Life durations are kept per life type (1 seconds, 2 kilobytes).
type IKEv1Attrs struct {
	Encryption    uint16
	Hash          uint16
	AuthMethod    uint16
	Group         uint16
	KeyLength     uint16
	LifeSeconds   uint64
	LifeKilobytes uint64
}

// IKEv1Attrs decodes the RFC 2409 Appendix A attributes of an IKEv1 or AuthIP
// transform. Unknown attributes are skipped.
func (t IKETransform) IKEv1Attrs() (IKEv1Attrs, error) {
	var r IKEv1Attrs
	if t.family == IKEFamilyV2 {
		return r, fmt.Errorf("isakmp IKEv1 attributes on an IKEv2 transform: %w", ErrNotFound)
	}
	lifeType := uint64(0)
	it := t.AttrIter()
	for {
		a, err := it.Next()
		if err == ErrDone {
			return r, nil
		}
		if err != nil {
			return r, err
		}
		v, ok := a.Uint()
		if !ok {
			continue
		}
		switch a.Type {
		case IKEAttrEncryption:
			r.Encryption = uint16(v)
		case IKEAttrHash:
			r.Hash = uint16(v)
		case IKEAttrAuthMethod:
			r.AuthMethod = uint16(v)
		case IKEAttrGroup:
			r.Group = uint16(v)
		case IKEAttrKeyLength:
			r.KeyLength = uint16(v)
		case IKEAttrLifeType:
			lifeType = v
		case IKEAttrLifeDuration:
			if lifeType == 2 {
				r.LifeKilobytes = v
			} else {
				r.LifeSeconds = v
			}
		}
	}
}

// KeyLength returns the Key Length attribute (type 14) of an IKEv1 or IKEv2
// transform, and whether it was present.
func (t IKETransform) KeyLength() (uint16, bool, error) {
	it := t.AttrIter()
	for {
		a, err := it.Next()
		if err == ErrDone {
			return 0, false, nil
		}
		if err != nil {
			return 0, false, err
		}
		if a.Type == IKEAttrKeyLength {
			v, ok := a.Uint()
			return uint16(v), ok, nil
		}
	}
}

// IKEv2 transform types (RFC 7296 §3.3.2).
const (
	IKETransformEncr  uint8 = 1
	IKETransformPRF   uint8 = 2
	IKETransformInteg uint8 = 3
	IKETransformDH    uint8 = 4
	IKETransformESN   uint8 = 5
)

// IKEProposalFacts are the main facts of the first proposal of an SA: for
// IKEv1/AuthIP those of its first transform, for IKEv2 the first transform of
// each type. Zero means absent.
type IKEProposalFacts struct {
	Present       bool
	Number        uint8
	Protocol      uint8
	NumTransforms uint8
	Encryption    uint16 // IKEv1 attribute 1 / IKEv2 ENCR ID
	KeyLength     uint16
	Hash          uint16 // IKEv1 attribute 2 / IKEv2 PRF ID
	Integrity     uint16 // IKEv2 INTEG ID
	AuthMethod    uint16 // IKEv1 attribute 3
	Group         uint16 // IKEv1 attribute 4 / IKEv2 D-H ID
	LifeSeconds   uint64
	LifeKilobytes uint64
}

// ikeFirstProposalFacts decodes the first proposal of an SA payload.
func ikeFirstProposalFacts(pl IKEPayload) (IKEProposalFacts, error) {
	var f IKEProposalFacts
	it, err := pl.SA()
	if err != nil {
		return f, err
	}
	pr, err := it.Next()
	if err == ErrDone {
		return f, nil
	}
	if err != nil {
		return f, err
	}
	f.Present, f.Number, f.Protocol, f.NumTransforms = true, pr.Number, pr.Protocol, pr.NumTransforms
	tit := pr.TransformIter()
	for i := 0; ; i++ {
		t, err := tit.Next()
		if err == ErrDone {
			return f, nil
		}
		if err != nil {
			return f, err
		}
		if pl.family != IKEFamilyV2 {
			a, err := t.IKEv1Attrs()
			f.Encryption, f.Hash, f.AuthMethod, f.Group = a.Encryption, a.Hash, a.AuthMethod, a.Group
			f.KeyLength, f.LifeSeconds, f.LifeKilobytes = a.KeyLength, a.LifeSeconds, a.LifeKilobytes
			return f, err
		}
		if err := ikeV2Fact(&f, t); err != nil {
			return f, err
		}
	}
}

func ikeV2Fact(f *IKEProposalFacts, t IKETransform) error {
	switch t.Type {
	case IKETransformEncr:
		if f.Encryption != 0 {
			return nil
		}
		f.Encryption = t.ID
		kl, _, err := t.KeyLength()
		f.KeyLength = kl
		return err
	case IKETransformPRF:
		if f.Hash == 0 {
			f.Hash = t.ID
		}
	case IKETransformInteg:
		if f.Integrity == 0 {
			f.Integrity = t.ID
		}
	case IKETransformDH:
		if f.Group == 0 {
			f.Group = t.ID
		}
	}
	return nil
}

// Capacities of the fixed arrays in IKESummary.
const (
	IKESummaryMaxPayloads = 32
	IKESummaryMaxNotifies = 8
	IKESummaryMaxVendors  = 16
	IKESummaryMaxDeletes  = 8
)

// IKESummary is what the analyzer needs from one ISAKMP message, decoded in
// one call without allocating. Every slice in it points into the message
// passed to Parse and is valid only as long as that buffer is.
type IKESummary struct {
	Header    IKEHeader
	Family    IKEFamily
	Truncated bool // the message is shorter than its header Length

	// HeaderOK means the 28-byte header was present and Header is valid
	// (its Length may still be wrong; see Err).
	HeaderOK bool

	// Top-level payload types in order (PayloadTypes): NumPayloads are
	// stored, ExtraPayloads counts those beyond the capacity. The same
	// scheme holds notify types, vendor IDs and the SPIs of Delete payloads;
	// DeleteProtocol is the protocol of the first Delete payload.
	payloads      [IKESummaryMaxPayloads]uint8
	NumPayloads   int
	ExtraPayloads int

	notifies      [IKESummaryMaxNotifies]uint16
	NumNotifies   int
	ExtraNotifies int

	vendorIDs    [IKESummaryMaxVendors][]byte
	NumVendorIDs int
	ExtraVendors int

	deleteSPIs     [IKESummaryMaxDeletes][]byte
	NumDeleteSPIs  int
	ExtraDeletes   int
	DeleteProtocol uint8

	HasFragment    bool // an IKEv1 fragment (132) or IKEv2 Encrypted Fragment (53)
	FragmentID     uint16
	FragmentNumber uint16
	FragmentTotal  uint16 // IKEv2 only
	FragmentLast   bool

	// Opaque means the rest of the message is ciphertext (E flag, or an
	// IKEv2 Encrypted/Encrypted Fragment payload).
	Opaque bool

	// Proposal holds the first proposal of the first SA payload.
	Proposal IKEProposalFacts

	// Err is the error that stopped the walk (nil when the chain ended
	// normally); what was decoded before it is kept. PayloadErr is the first
	// error decoding the body of a payload, which does not stop the walk.
	Err        error
	PayloadErr error

	msg []byte
}

// Reset clears the summary without allocating.
func (s *IKESummary) Reset() { *s = IKESummary{} }

// Parse decodes msg (an ISAKMP message: a UDP 500 payload, or a UDP 4500
// payload after its non-ESP marker). It returns the error that stopped the
// walk, also kept in s.Err; a truncated message is walked as far as it goes
// and reports ErrTruncated. For an E-flagged IKEv1/AuthIP message the
// payload list holds one entry, the header's next payload (the type of the
// first encrypted payload), and Opaque is set.
func (s *IKESummary) Parse(msg []byte) error {
	s.Reset()
	s.msg = msg
	var p IKEParser
	h, startErr := p.Start(msg)
	s.Header, s.Family, s.Truncated = h, p.Family(), p.Truncated()
	s.HeaderOK = len(msg) >= IKEHeaderLen
	if startErr != nil && !p.Truncated() {
		s.Err = startErr
		return startErr
	}
	for {
		pl, err := p.Next()
		if err == ErrDone {
			s.Err = startErr // a truncated message whose chain still ended
			break
		}
		if err != nil {
			s.Err = err
			break
		}
		s.add(pl)
	}
	s.Opaque = p.Opaque()
	return s.Err
}

// add records one payload.
func (s *IKESummary) add(pl IKEPayload) {
	if s.NumPayloads < len(s.payloads) {
		s.payloads[s.NumPayloads] = pl.Type
		s.NumPayloads++
	} else {
		s.ExtraPayloads++
	}
	if pl.opaque {
		if pl.Type == IKEPayloadEncFragment && pl.family == IKEFamilyV2 {
			s.noteErr(s.addEncFragment(pl))
		}
		return
	}
	switch {
	case pl.ikeIs(IKEPayloadNotify, IKEPayloadNotifyV2):
		s.noteErr(s.addNotify(pl))
	case pl.ikeIs(IKEPayloadVendorID, IKEPayloadVendorIDV2):
		s.addVendor(pl.Body)
	case pl.ikeIs(IKEPayloadDelete, IKEPayloadDeleteV2):
		s.noteErr(s.addDelete(pl))
	case pl.ikeIs(IKEPayloadSA, IKEPayloadSAv2):
		if !s.Proposal.Present {
			f, err := ikeFirstProposalFacts(pl)
			s.Proposal = f
			s.noteErr(err)
		}
	case pl.Type == IKEPayloadFragment && pl.family != IKEFamilyV2:
		s.noteErr(s.addFragment(pl))
	}
}

func (s *IKESummary) noteErr(err error) {
	if err != nil && s.PayloadErr == nil {
		s.PayloadErr = err
	}
}

func (s *IKESummary) addNotify(pl IKEPayload) error {
	n, err := pl.Notify()
	if err != nil {
		return err
	}
	if s.NumNotifies < len(s.notifies) {
		s.notifies[s.NumNotifies] = n.Type
		s.NumNotifies++
	} else {
		s.ExtraNotifies++
	}
	return nil
}

func (s *IKESummary) addVendor(vid []byte) {
	if s.NumVendorIDs < len(s.vendorIDs) {
		s.vendorIDs[s.NumVendorIDs] = vid
		s.NumVendorIDs++
	} else {
		s.ExtraVendors++
	}
}

func (s *IKESummary) addDelete(pl IKEPayload) error {
	d, err := pl.Delete()
	if err != nil {
		return err
	}
	if s.NumDeleteSPIs == 0 && s.ExtraDeletes == 0 {
		s.DeleteProtocol = d.Protocol
	}
	for i := 0; i < int(d.Count); i++ {
		if s.NumDeleteSPIs < len(s.deleteSPIs) {
			s.deleteSPIs[s.NumDeleteSPIs] = d.SPI(i)
			s.NumDeleteSPIs++
		} else {
			// Count is bounded by the payload length over the SPI size,
			// or by 65535 for zero-size SPIs: count, don't loop.
			s.ExtraDeletes += int(d.Count) - i
			break
		}
	}
	return nil
}

func (s *IKESummary) addFragment(pl IKEPayload) error {
	fr, err := pl.Fragment()
	if err != nil {
		return err
	}
	s.HasFragment, s.FragmentID, s.FragmentNumber, s.FragmentLast = true, fr.ID, uint16(fr.Number), fr.Last
	return nil
}

func (s *IKESummary) addEncFragment(pl IKEPayload) error {
	fr, err := pl.EncryptedFragment()
	if err != nil {
		return err
	}
	s.HasFragment, s.FragmentNumber, s.FragmentTotal = true, fr.Number, fr.Total
	s.FragmentLast = fr.Number != 0 && fr.Number == fr.Total
	return nil
}

// PayloadTypes returns the stored top-level payload types, in order.
func (s *IKESummary) PayloadTypes() []uint8 { return s.payloads[:s.NumPayloads] }

// NotifyTypes returns the stored notify message types, in order.
func (s *IKESummary) NotifyTypes() []uint16 { return s.notifies[:s.NumNotifies] }

// VendorIDs returns the stored vendor IDs (sub-slices of the message).
func (s *IKESummary) VendorIDs() [][]byte { return s.vendorIDs[:s.NumVendorIDs] }

// DeleteSPIs returns the stored SPIs of Delete payloads (sub-slices of the
// message).
func (s *IKESummary) DeleteSPIs() [][]byte { return s.deleteSPIs[:s.NumDeleteSPIs] }

// WiresharkPayloadTypes appends to dst the payload types Wireshark 4.0 lists
// in isakmp.typepayload for the message last parsed, and returns the
// extended slice (it allocates only if dst lacks capacity). See
// IKEWiresharkTypes for the rule.
func (s *IKESummary) WiresharkPayloadTypes(dst []uint8) []uint8 {
	w := ikeWSWalker{msg: s.msg, types: dst, wantT: true}
	w.dissect()
	return w.types
}

// WiresharkNotifyTypes appends to dst the notify types Wireshark 4.0 lists in
// isakmp.notify.msgtype for the message last parsed.
func (s *IKESummary) WiresharkNotifyTypes(dst []uint16) []uint16 {
	w := ikeWSWalker{msg: s.msg, notes: dst, wantN: true}
	w.dissect()
	return w.notes
}

// Names.

var ikeUnknownNames [256]string

func init() {
	for i := range ikeUnknownNames {
		ikeUnknownNames[i] = "Unknown (" + strconv.Itoa(i) + ")"
	}
}

// IKEExchangeName names an exchange type as Wireshark 4.0 does ("Identity
// Protection (Main Mode)", "Quick Mode", "IKE_SA_INIT"); AuthIP's private
// types get names from [MS-AIPS]; anything else is "Unknown (N)". The result
// is a constant string: no allocation.
func IKEExchangeName(f IKEFamily, exch uint8) string {
	if f == IKEFamilyV2 {
		switch exch {
		case IKEExchangeSAInit:
			return "IKE_SA_INIT"
		case IKEExchangeAuth:
			return "IKE_AUTH"
		case IKEExchangeCreateChildSA:
			return "CREATE_CHILD_SA"
		case IKEExchangeInformational2:
			return "INFORMATIONAL"
		case IKEExchangeSessionResume:
			return "IKE_SESSION_RESUME"
		}
		return ikeUnknownNames[exch]
	}
	switch exch {
	case 0:
		return "NONE"
	case IKEExchangeBase:
		return "Base"
	case IKEExchangeMain:
		return "Identity Protection (Main Mode)"
	case IKEExchangeAuthOnly:
		return "Authentication Only"
	case IKEExchangeAggressive:
		return "Aggressive"
	case IKEExchangeInformational:
		return "Informational"
	case IKEExchangeTransaction:
		return "Transaction (Config Mode)"
	case IKEExchangeQuick:
		return "Quick Mode"
	case IKEExchangeNewGroup:
		return "New Group Mode"
	case AuthIPExchangeMain:
		return "AuthIP Main Mode"
	case AuthIPExchangeQuick:
		return "AuthIP Quick Mode"
	case AuthIPExchangeExtended:
		return "AuthIP Extended Mode"
	case AuthIPExchangeNotify:
		return "AuthIP Notify"
	}
	return ikeUnknownNames[exch]
}

// ikePayloadNames are Wireshark 4.0's isakmp.typepayload names. Wireshark
// uses one table for every version; so does softsa, except for AuthIP's
// private payloads. Ranges Wireshark names collectively ("Private Use") are
// reported as "Unknown (N)".
var ikePayloadNames = [...]string{
	0: "NONE / No Next Payload", 1: "Security Association", 2: "Proposal", 3: "Transform",
	4: "Key Exchange", 5: "Identification", 6: "Certificate", 7: "Certificate Request",
	8: "Hash", 9: "Signature", 10: "Nonce", 11: "Notification", 12: "Delete",
	13: "Vendor ID", 14: "Attributes", 15: "SA KEK Payload", 16: "SA TEK Payload",
	17: "Key Download", 18: "Sequence Number", 19: "Proof of Possession",
	20: "NAT-D (RFC 3947)", 21: "NAT-OA (RFC 3947)", 22: "Group Associated Policy",
	33: "Security Association", 34: "Key Exchange", 35: "Identification - Initiator",
	36: "Identification - Responder", 37: "Certificate", 38: "Certificate Request",
	39: "Authentication", 40: "Nonce", 41: "Notify", 42: "Delete", 43: "Vendor ID",
	44: "Traffic Selector - Initiator", 45: "Traffic Selector - Responder",
	46: "Encrypted and Authenticated", 47: "Configuration", 48: "Extensible Authentication",
	49: "Generic Secure Password Method", 50: "Group Identification",
	51: "Group Security Association", 52: "Key Download",
	53:  "Encrypted and Authenticated Fragment",
	130: "NAT-D (draft-ietf-ipsec-nat-t-ike-01 to 03)",
	131: "NAT-OA (draft-ietf-ipsec-nat-t-ike-01 to 03)",
	132: "Cisco-Fragmentation",
}

// IKEPayloadName names a payload type as Wireshark 4.0 does ("Security
// Association", "Vendor ID", "Encrypted and Authenticated"); AuthIP's private
// payloads get [MS-AIPS] names; anything else is "Unknown (N)". No
// allocation.
func IKEPayloadName(f IKEFamily, t uint8) string {
	if f == IKEFamilyAuthIP {
		switch t {
		case AuthIPPayloadGSSAPI:
			return "GSS-API (AuthIP)"
		case AuthIPPayloadCrypto:
			return "Crypto (AuthIP)"
		case AuthIPPayloadGSSID:
			return "GSS_ID (AuthIP)"
		case AuthIPPayloadAuth:
			return "Auth (AuthIP)"
		}
	}
	if int(t) < len(ikePayloadNames) && ikePayloadNames[t] != "" {
		return ikePayloadNames[t]
	}
	return ikeUnknownNames[t]
}

// ikeNotifyV1Names: RFC 2408 §3.14.1 errors and status, RFC 2407 §4.6.3,
// RFC 3706 (DPD), Cisco Unity; spelled as Wireshark 4.0 prints them.
var ikeNotifyV1Names = map[uint16]string{
	1: "INVALID-PAYLOAD-TYPE", 2: "DOI-NOT-SUPPORTED", 3: "SITUATION-NOT-SUPPORTED",
	4: "INVALID-COOKIE", 5: "INVALID-MAJOR-VERSION", 6: "INVALID-MINOR-VERSION",
	7: "INVALID-EXCHANGE-TYPE", 8: "INVALID-FLAGS", 9: "INVALID-MESSAGE-ID",
	10: "INVALID-PROTOCOL-ID", 11: "INVALID-SPI", 12: "INVALID-TRANSFORM-ID",
	13: "ATTRIBUTES-NOT-SUPPORTED", 14: "NO-PROPOSAL-CHOSEN", 15: "BAD-PROPOSAL-SYNTAX",
	16: "PAYLOAD-MALFORMED", 17: "INVALID-KEY-INFORMATION", 18: "INVALID-ID-INFORMATION",
	19: "INVALID-CERT-ENCODING", 20: "INVALID-CERTIFICATE", 21: "CERT-TYPE-UNSUPPORTED",
	22: "INVALID-CERT-AUTHORITY", 23: "INVALID-HASH-INFORMATION", 24: "AUTHENTICATION-FAILED",
	25: "INVALID-SIGNATURE", 26: "ADDRESS-NOTIFICATION", 27: "NOTIFY-SA-LIFETIME",
	28: "CERTIFICATE-UNAVAILABLE", 29: "UNSUPPORTED-EXCHANGE-TYPE", 30: "UNEQUAL-PAYLOAD-LENGTHS",
	16384: "CONNECTED", 24576: "RESPONDER-LIFETIME", 24577: "REPLAY-STATUS", 24578: "INITIAL-CONTACT",
	36136: "R-U-THERE", 36137: "R-U-THERE-ACK",
	40501: "UNITY-LOAD-BALANCE", 40502: "UNITY-UNKNOWN", 40503: "UNITY-GROUP-HASH",
	// [MS-IKEE] §2.2.6 / [MS-AIPS] §2.2.3.5 private types (Wireshark: "Private Use").
	0x9C43: "NOTIFY_STATUS", 0x9C44: "NOTIFY_DOS_COOKIE", 0x9C45: "EXCHANGE_INFO",
}

// ikeNotifyV2Names: RFC 7296 §3.10.1 and the IANA IKEv2 registry, spelled as
// Wireshark 4.0 prints them. Wireshark 4.0 labels 46 "CHILD_SA_NOT_FOUND" (a
// duplicate of 44); IANA assigns it AUTHORIZATION_FAILED, used here.
var ikeNotifyV2Names = map[uint16]string{
	1: "UNSUPPORTED_CRITICAL_PAYLOAD", 4: "INVALID_IKE_SPI", 5: "INVALID_MAJOR_VERSION",
	7: "INVALID_SYNTAX", 9: "INVALID_MESSAGE_ID", 11: "INVALID_SPI", 14: "NO_PROPOSAL_CHOSEN",
	17: "INVALID_KE_PAYLOAD", 24: "AUTHENTICATION_FAILED", 34: "SINGLE_PAIR_REQUIRED",
	35: "NO_ADDITIONAL_SAS", 36: "INTERNAL_ADDRESS_FAILURE", 37: "FAILED_CP_REQUIRED",
	38: "TS_UNACCEPTABLE", 39: "INVALID_SELECTORS", 40: "UNACCEPTABLE_ADDRESSES",
	41: "UNEXPECTED_NAT_DETECTED", 42: "USE_ASSIGNED_HoA", 43: "TEMPORARY_FAILURE",
	44: "CHILD_SA_NOT_FOUND", 45: "INVALID_GROUP_ID", 46: "AUTHORIZATION_FAILED",
	16384: "INITIAL_CONTACT", 16385: "SET_WINDOW_SIZE", 16386: "ADDITIONAL_TS_POSSIBLE",
	16387: "IPCOMP_SUPPORTED", 16388: "NAT_DETECTION_SOURCE_IP", 16389: "NAT_DETECTION_DESTINATION_IP",
	16390: "COOKIE", 16391: "USE_TRANSPORT_MODE", 16392: "HTTP_CERT_LOOKUP_SUPPORTED",
	16393: "REKEY_SA", 16394: "ESP_TFC_PADDING_NOT_SUPPORTED", 16395: "NON_FIRST_FRAGMENTS_ALSO",
	16396: "MOBIKE_SUPPORTED", 16397: "ADDITIONAL_IP4_ADDRESS", 16398: "ADDITIONAL_IP6_ADDRESS",
	16399: "NO_ADDITIONAL_ADDRESSES", 16400: "UPDATE_SA_ADDRESSES", 16401: "COOKIE2",
	16402: "NO_NATS_ALLOWED", 16403: "AUTH_LIFETIME", 16404: "MULTIPLE_AUTH_SUPPORTED",
	16405: "ANOTHER_AUTH_FOLLOWS", 16406: "REDIRECT_SUPPORTED", 16407: "REDIRECT",
	16408: "REDIRECTED_FROM", 16409: "TICKET_LT_OPAQUE", 16410: "TICKET_REQUEST",
	16411: "TICKET_ACK", 16412: "TICKET_NACK", 16413: "TICKET_OPAQUE", 16414: "LINK_ID",
	16415: "USE_WESP_MODE", 16416: "ROHC_SUPPORTED", 16417: "EAP_ONLY_AUTHENTICATION",
	16418: "CHILDLESS_IKEV2_SUPPORTED", 16419: "QUICK_CRASH_DETECTION",
	16420: "IKEV2_MESSAGE_ID_SYNC_SUPPORTED", 16421: "IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED",
	16422: "IKEV2_MESSAGE_ID_SYNC", 16423: "IPSEC_REPLAY_COUNTER_SYNC",
	16424: "SECURE_PASSWORD_METHODS", 16425: "PSK_PERSIST", 16426: "PSK_CONFIRM",
	16427: "ERX_SUPPORTED", 16428: "IFOM_CAPABILITY", 16429: "SENDER_REQUEST_ID",
	16430: "IKEV2_FRAGMENTATION_SUPPORTED", 16431: "SIGNATURE_HASH_ALGORITHMS",
	16432: "CLONE_IKE_SA_SUPPORTED", 16433: "CLONE_IKE_SA", 16434: "PUZZLE",
	16435: "USE_PPK", 16436: "PPK_IDENTITY", 16437: "NO_PPK_AUTH",
}

// IKENotifyName names a notify message type: IKEv1 and AuthIP as RFC 2408
// ("NO-PROPOSAL-CHOSEN"), IKEv2 as RFC 7296 ("AUTHENTICATION_FAILED"), both
// spelled as Wireshark 4.0 prints them. Known names are constants; an
// unknown type yields "Unknown (N)", which allocates.
func IKENotifyName(f IKEFamily, code uint16) string {
	names := ikeNotifyV1Names
	if f == IKEFamilyV2 {
		names = ikeNotifyV2Names
	}
	if s, ok := names[code]; ok {
		return s
	}
	if code < uint16(len(ikeUnknownNames)) {
		return ikeUnknownNames[code]
	}
	return "Unknown (" + strconv.Itoa(int(code)) + ")"
}

// Wireshark parity.

// IKEWiresharkTypes reproduces what Wireshark 4.0's ISAKMP dissector puts in
// the isakmp.typepayload and isakmp.notify.msgtype fields, so softsa's output
// can be checked frame by frame against tshark. The rule, read from
// packet-isakmp.c and checked against tshark 4.0.17 on the corpus:
//
//  1. The datagram is not ISAKMP at all when it is shorter than 28 bytes or
//     its header Length is below 28. Nothing is listed when Length-28 does
//     not fit a C int (Length of 2^31+28 or more), when the datagram is
//     shorter than Length-4 (Wireshark checks that Length-28 bytes exist
//     from offset 24, the Length field, not from 28: an off-by-4 that lets
//     messages up to 4 bytes short through), or when the major version is 1
//     and the E flag is set (the payloads are ciphertext).
//  2. Payloads are walked from the header's next payload over Length-28
//     bytes, even when the datagram is up to 4 bytes short: each payload
//     whose 4-byte generic header fits in the remaining length is listed, in
//     tree order (depth first), even when its length field is bad. A length
//     below 4 is treated as 4; a length past the remaining Length but inside
//     the datagram is still dissected, and the walk ends after it; one past
//     the datagram ends the whole dissection. A next payload of 0 ends a
//     chain.
//  3. Nested structures are listed where they sit in the tree: the proposals
//     of an SA (a payload chain starting at type 2, for the IPsec DOI with a
//     4-byte situation, or IKEv2), and inside each proposal exactly
//     "number of transforms" transforms (type 3) as long as their lengths
//     fit. IKEv2 Encrypted (46) and Encrypted Fragment (53) payloads are
//     listed once; their content is not (no keys).
//  4. A read past the end of the datagram anywhere in a payload body (a
//     Notify or Delete too short for its fixed fields, an SPI or attribute
//     running off the end, a vendor ID that Wireshark decodes further such as
//     a 16-byte "MS NT5 ISAKMPOAKLEY" with no version after it at the end of
//     the message) throws: everything listed so far stays, nothing after it
//     is added. So do a few dissector assertions Wireshark trips on: a
//     body too short for its fields, read as bytes of length zero or less
//     (an IPsec-DOI SA with a situation of 0 bytes, an Identification of an
//     unknown type with no data), and a negative byte-field length (a Key
//     Exchange, Notify or Authentication body shorter than its fixed part).
//
// Not modelled, because they need state or decoders softsa does not carry:
// reassembly of Cisco/Microsoft fragments (Wireshark dissects the reassembled
// message inside the last fragment's tree), decryption, and exceptions thrown
// deep inside ASN.1 certificate and name decoding, EAP, traffic selectors and
// GDOI payloads. Those only ever make Wireshark's list a prefix of this one.
//
// The lists are appended to types and notifies; nothing allocates when they
// have capacity. The work is bounded by the datagram length.
func IKEWiresharkTypes(msg []byte, types []uint8, notifies []uint16) ([]uint8, []uint16) {
	w := ikeWSWalker{msg: msg, types: types, notes: notifies, wantT: true, wantN: true}
	w.dissect()
	return w.types, w.notes
}

type ikeWSWalker struct {
	msg                 []byte
	ver                 uint8
	types               []uint8
	notes               []uint16
	vids                [][]byte // isakmp.vid_bytes, when wantV
	wantT, wantN, wantV bool
	thrown              bool
	steps               int
}

// ikeWSMaxSteps and ikeWSMaxDepth bound the walk. Every step consumes at
// least 4 bytes of a 64 KiB datagram, so the bounds are never reached by a
// datagram Wireshark could receive; they only guard against bugs.
const (
	ikeWSMaxSteps = 1 << 15
	ikeWSMaxDepth = 32
)

// need reports whether end bytes of the datagram exist; otherwise Wireshark
// throws and the walk stops.
func (w *ikeWSWalker) need(end int) bool {
	if end > len(w.msg) || end < 0 {
		w.thrown = true
		return false
	}
	return true
}

// itemLen applies proto_tree_add_item's length rule: -1 means "to the end",
// any other negative length throws.
func (w *ikeWSWalker) itemLen(l int) bool {
	if l < -1 {
		w.thrown = true
		return false
	}
	return true
}

func (w *ikeWSWalker) dissect() {
	m := w.msg
	if len(m) < IKEHeaderLen {
		return
	}
	length := uint64(ikeBE32(m[24:28]))
	if length < IKEHeaderLen || length-IKEHeaderLen > 1<<31-1 || uint64(len(m)) < length-4 {
		return
	}
	w.ver = m[17] >> 4
	if w.ver == 1 && m[19]&IKEFlagEncrypted != 0 {
		return
	}
	w.payloads(m[16], IKEHeaderLen, int(length)-IKEHeaderLen, 0)
}

// payloads is dissect_payloads: a chain from ptype at off over length bytes.
func (w *ikeWSWalker) payloads(ptype uint8, off, length, depth int) {
	if depth > ikeWSMaxDepth {
		return
	}
	for length > 0 && !w.thrown && w.steps < ikeWSMaxSteps {
		w.steps++
		if ptype == IKEPayloadNone {
			return
		}
		if length < 4 {
			// "Not enough room": an expert item over the length left.
			w.need(off + length)
			return
		}
		if !w.need(off + 4) {
			return
		}
		next, plen := w.msg[off], int(ikeBE16(w.msg[off+2:]))
		if w.wantT {
			w.types = append(w.types, ptype)
		}
		if plen >= 4 {
			if !w.need(off + plen) {
				return
			}
			w.body(ptype, off+4, plen-4, depth)
		} else {
			plen = 4
		}
		off += plen
		length -= plen
		ptype = next
	}
}

// body dispatches on the payload type as dissect_payloads does (the type
// numbers are not version-checked there, the layouts are).
func (w *ikeWSWalker) body(t uint8, o, l, depth int) {
	switch t {
	case IKEPayloadSA, IKEPayloadSAv2:
		w.sa(o, l, depth)
	case IKEPayloadProposal:
		w.proposal(o, l)
	case IKEPayloadKE, IKEPayloadKEv2:
		if w.ver == 2 && w.need(o+4) {
			w.itemLen(l - 4)
		}
	case IKEPayloadID, IKEPayloadIDi, IKEPayloadIDr:
		w.id(o, l)
	case IKEPayloadCertReq, IKEPayloadCertReqV2:
		w.certreq(o, l)
	case IKEPayloadCert, IKEPayloadCertV2:
		w.need(o + 1)
	case IKEPayloadNotify, IKEPayloadNotifyV2:
		w.notify(o, l)
	case IKEPayloadDelete, IKEPayloadDeleteV2:
		w.delete(o, l)
	case IKEPayloadVendorID, IKEPayloadVendorIDV2:
		w.vendorID(o, l)
	case IKEPayloadAttributes, IKEPayloadConfig:
		w.config(o, l)
	case IKEPayloadAuthV2:
		if w.need(o + 4) {
			w.itemLen(l - 4)
		}
	case IKEPayloadEncFragment:
		if w.ver == 2 {
			w.need(o + 4)
		}
	}
}

func (w *ikeWSWalker) sa(o, l, depth int) {
	switch w.ver {
	case 1:
		if !w.need(o + 4) {
			return
		}
		doi := ikeBE32(w.msg[o:])
		l -= 4
		switch {
		case doi == 1 && l >= 4:
			w.payloads(IKEPayloadProposal, o+8, l-4, depth+1)
		case doi == 1 || doi == 2:
			// A short situation is shown with tvb_bytes_to_str, which
			// asserts a positive length. GDOI bodies are not modelled.
			if l <= 0 {
				w.thrown = true
			}
		default:
			w.itemLen(l)
		}
	case 2:
		w.payloads(IKEPayloadProposal, o, l, depth+1)
	}
}

func (w *ikeWSWalker) proposal(o, l int) {
	if !w.need(o + 4) {
		return
	}
	protoID, spiSize, ntrans := w.msg[o+1], int(w.msg[o+2]), int(w.msg[o+3])
	o += 4
	l -= 4
	if spiSize > 0 {
		if !w.need(o + spiSize) {
			return
		}
		o += spiSize
		l -= spiSize
	}
	for ; ntrans > 0 && !w.thrown && w.steps < ikeWSMaxSteps; ntrans-- {
		w.steps++
		if l < 4 {
			// "Not enough room for all transforms": an expert item over
			// the length left, which may be negative after the SPI.
			if w.itemLen(l) {
				w.need(o + max(l, 0))
			}
			return
		}
		if !w.need(o + 4) {
			return
		}
		tlen := int(ikeBE16(w.msg[o+2:]))
		if w.wantT {
			w.types = append(w.types, IKEPayloadTransform)
		}
		if l < tlen || tlen < 4 {
			return
		}
		w.transform(o+4, tlen-4, protoID)
		o += tlen
		l -= tlen
	}
}

func (w *ikeWSWalker) transform(o, l int, protoID uint8) {
	if w.ver != 1 && w.ver != 2 {
		return
	}
	if !w.need(o + 4) {
		return
	}
	keyIKE := w.ver == 1 && protoID == 1 && w.msg[o+1] == 1
	end := o + l
	o += 4
	for o < end && !w.thrown && w.steps < ikeWSMaxSteps {
		w.steps++
		o += w.attribute(o, w.attrReads(keyIKE))
	}
}

// attrReads returns which attribute types Wireshark decodes with a 2-byte
// read of the value (and so throws on a 1-byte value at the very end).
func (w *ikeWSWalker) attrReads(keyIKE bool) func(uint16) bool {
	switch {
	case w.ver == 2:
		return ikeWSReadsV2Attr
	case keyIKE:
		return ikeWSReadsIKEAttr
	}
	return ikeWSReadsIPsecAttr
}

func ikeWSReadsV2Attr(t uint16) bool { return t == IKEAttrKeyLength }

func ikeWSReadsIKEAttr(t uint16) bool {
	switch t {
	case 1, 2, 3, 4, 5, 11, 14:
		return true
	}
	return false
}

func ikeWSReadsIPsecAttr(t uint16) bool {
	switch t {
	case 1, 3, 4, 5, 6, 7, 10, 11, 12, 14, 15:
		return true
	}
	return false
}

// attribute is dissect_attribute_header plus the value item; it returns the
// bytes consumed (at least 2, so loops advance).
func (w *ikeWSWalker) attribute(o int, reads16 func(uint16) bool) int {
	if !w.need(o + 2) {
		return 2
	}
	tf := ikeBE16(w.msg[o:])
	hl, vl := 2, 2
	if tf&0x8000 == 0 {
		if !w.need(o + 4) {
			return 2
		}
		hl, vl = 4, int(ikeBE16(w.msg[o+2:]))
	}
	if !w.need(o + hl + vl) {
		return hl + vl
	}
	if vl > 0 && reads16 != nil && reads16(tf&0x7fff) {
		w.need(o + hl + 2)
	}
	return hl + vl
}

func (w *ikeWSWalker) id(o, l int) {
	if !w.need(o + 1) {
		return
	}
	idType := w.msg[o]
	switch w.ver {
	case 1, 2:
		if !w.need(o + 4) {
			return
		}
		o, l = o+4, l-4
	default:
		o, l = o+1, l-1
	}
	// The identification data item is FT_NONE: any length goes. What is
	// decoded inside it is not so lenient.
	switch idType {
	case 1: // IPV4_ADDR
		w.need(o + 4)
	case 4, 7: // IPV4 subnet, range
		w.need(o + 8)
	case 5: // IPV6_ADDR
		w.need(o + 16)
	case 6, 8: // IPV6 subnet, range
		w.need(o + 32)
	case 2, 3, 11: // FQDN, USER_FQDN, KEY_ID
		w.itemLen(l)
	case 9: // DER_ASN1_DN: BER, not modelled
	default: // shown with tvb_bytes_to_str
		if l <= 0 {
			w.thrown = true
		}
	}
}

func (w *ikeWSWalker) certreq(o, l int) {
	if !w.need(o + 1) {
		return
	}
	o, l = o+1, l-1
	if w.ver == 2 {
		for l > 0 && !w.thrown {
			w.need(o + 20)
			o, l = o+20, l-20
		}
	}
}

func (w *ikeWSWalker) notify(o, l int) {
	end := o + l
	var doi uint32
	if w.ver == 1 {
		if !w.need(o + 4) {
			return
		}
		doi = ikeBE32(w.msg[o:])
		o, l = o+4, l-4
	}
	if !w.need(o + 4) {
		return
	}
	protoID, spiSize, msgType := w.msg[o], int(w.msg[o+1]), ikeBE16(w.msg[o+2:])
	if w.wantN && (w.ver == 1 || w.ver == 2) {
		w.notes = append(w.notes, msgType)
	}
	o, l = o+4, l-4
	if spiSize > 0 {
		if !w.need(o + spiSize) {
			return
		}
		o, l = o+spiSize, l-spiSize
	}
	if !w.itemLen(l) {
		return
	}
	switch {
	case w.ver == 1 && msgType == 24576 && (protoID == 1 || (protoID > 1 && doi == 1)):
		for o < end && !w.thrown && w.steps < ikeWSMaxSteps {
			w.steps++
			o += w.attribute(o, nil)
		}
	case w.ver == 1 && (msgType == 36136 || msgType == 36137 || msgType == 40501):
		if l == 0 {
			w.thrown = true // an unsigned integer of length 0
		} else if l > 4 {
			w.need(o + 4)
		}
	case w.ver == 2 && msgType == 16387:
		w.need(o + 3)
	case w.ver == 2 && msgType == 16409:
		if w.need(o + 4) {
			w.itemLen(l - 4)
		}
	case w.ver == 2 && msgType == 16422:
		w.need(o + 12)
	}
}

func (w *ikeWSWalker) delete(o, l int) {
	if w.ver == 1 {
		if !w.need(o + 4) {
			return
		}
		o, l = o+4, l-4
	}
	if !w.need(o + 4) {
		return
	}
	spiSize := int(w.msg[o+1])
	o, l = o+4, l-4
	if spiSize == 0 {
		return
	}
	for l > 0 && !w.thrown && w.steps < ikeWSMaxSteps {
		w.steps++
		w.need(o + spiSize)
		o, l = o+spiSize, l-spiSize
	}
}

// ikeWSDecodedVIDs are the vendor IDs Wireshark decodes past their prefix,
// with the bytes it then reads (from the start of the vendor ID).
var ikeWSDecodedVIDs = [...]struct {
	prefix     string
	minLen, to int
}{
	{"\xf4\xed\x19\xe0\xc1\x14\xeb\x51\x6f\xaa\xac\x0e\xe3\x7d\xaf\x28\x07\xb4\x38\x1f", 24, 40}, // Check Point
	{"\x12\xf5\xf2\x8c\x45\x71\x68\xa9\x70\x2d\x9f\xe2\x74\xcc", 14, 16},                         // CISCO-UNITY major, minor
	{"\x1e\x2b\x51\x69\x05\x99\x1c\x7d\x7c\x96\xfc\xbf\xb5\x87\xe4\x61", 16, 20},                 // MS NT5 version
	{"\x82\x99\x03\x17\x57\xa3\x60\x82\xc6\xa6\x21\xde", 12, 16},                                 // Fortigate release, build
}

func (w *ikeWSWalker) vendorID(o, l int) {
	vid := w.msg[o : o+l]
	if w.wantV {
		w.vids = append(w.vids, vid)
	}
	for _, d := range ikeWSDecodedVIDs {
		if l >= d.minLen && string(vid[:len(d.prefix)]) == d.prefix && !w.need(o+d.to) {
			return
		}
	}
}

func (w *ikeWSWalker) config(o, l int) {
	if w.ver != 1 && w.ver != 2 {
		return
	}
	if !w.need(o + 4) {
		return
	}
	o, l = o+4, l-4
	for l > 0 && !w.thrown && w.steps < ikeWSMaxSteps {
		w.steps++
		n := w.attribute(o, nil)
		o, l = o+n, l-n
	}
}

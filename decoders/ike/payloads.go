package ike

import (
	"fmt"

	"softsa/decoders"
)

// The typed accessors of the payloads softsa decodes: Notify, Delete,
// Vendor ID, Nonce, Key Exchange, Identification, Certificate (Request) and
// the fragment payloads.

// Notify decodes the current payload as a Notify payload.
func (p *Parser) Notify() (Notify, error) { return p.cur.Notify() }

// Delete decodes the current payload as a Delete payload.
func (p *Parser) Delete() (Delete, error) { return p.cur.Delete() }

// VendorID returns the current payload's vendor ID bytes.
func (p *Parser) VendorID() ([]byte, error) { return p.cur.VendorID() }

// SA returns an iterator over the proposals of the current SA payload.
func (p *Parser) SA() (ProposalIter, error) { return p.cur.SA() }

// KE decodes the current payload as a Key Exchange payload.
func (p *Parser) KE() (KeyExchange, error) { return p.cur.KE() }

// ID decodes the current payload as an Identification payload.
func (p *Parser) ID() (Identification, error) { return p.cur.ID() }

// Nonce returns the current payload's nonce bytes.
func (p *Parser) Nonce() ([]byte, error) { return p.cur.Nonce() }

// Cert decodes the current payload as a Certificate payload.
func (p *Parser) Cert() (Cert, error) { return p.cur.Cert() }

// CertReq decodes the current payload as a Certificate Request payload.
func (p *Parser) CertReq() (Cert, error) { return p.cur.CertReq() }

// Fragment decodes the current payload as an IKEv1 fragment payload (132).
func (p *Parser) Fragment() (Fragment, error) { return p.cur.Fragment() }

// EncryptedFragment decodes the clear header of the current IKEv2 Encrypted
// Fragment payload (53).
func (p *Parser) EncryptedFragment() (EncryptedFragment, error) {
	return p.cur.EncryptedFragment()
}

// is reports whether the payload is the clear v1-style type t1 (IKEv1 and
// AuthIP) or the IKEv2 type t2. Opaque payloads match nothing.
func (pl Payload) is(t1, t2 uint8) bool {
	if pl.opaque {
		return false
	}
	switch pl.family {
	case FamilyV1, FamilyAuthIP:
		return pl.Type == t1
	case FamilyV2:
		return pl.Type == t2
	}
	return false
}

func notThis(pl Payload, want string) error {
	return fmt.Errorf("isakmp %s accessor on payload type %d: %w", want, pl.Type, decoders.ErrNotFound)
}

// Notify is a decoded Notify payload (RFC 2408 §3.14, RFC 7296 §3.10,
// [MS-AIPS] §2.2.3.5). SPI and Data are sub-slices of the message.
type Notify struct {
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
func (n Notify) AuthIPReliable() bool { return n.Flags&0x01 != 0 }

// IsError reports whether Type is in the error range: below 8192 for IKEv1
// (RFC 2408 §3.14.1) and below 16384 for IKEv2 (RFC 7296 §3.10.1).
func (n Notify) IsError(f Family) bool {
	if f == FamilyV2 {
		return n.Type < 16384
	}
	return n.Type < 8192
}

// Notify decodes a Notify payload.
func (pl Payload) Notify() (Notify, error) {
	if !pl.is(PayloadNotify, PayloadNotifyV2) {
		return Notify{}, notThis(pl, "notify")
	}
	b := pl.Body
	var n Notify
	if pl.family != FamilyV2 {
		if len(b) < 8 {
			return Notify{}, fmt.Errorf("isakmp notify: %d bytes, need 8: %w", len(b), decoders.ErrTruncated)
		}
		n.DOI = be32(b)
		b = b[4:]
	} else if len(b) < 4 {
		return Notify{}, fmt.Errorf("isakmp notify: %d bytes, need 4: %w", len(b), decoders.ErrTruncated)
	}
	n.Protocol, n.Type = b[0], be16(b[2:4])
	sizeOrFlags, rest := b[1], b[4:]
	if pl.family == FamilyAuthIP {
		n.Flags, n.Data = sizeOrFlags, rest
		return n, nil
	}
	n.SPISize = sizeOrFlags
	if int(n.SPISize) > len(rest) {
		return Notify{}, fmt.Errorf("isakmp notify: SPI size %d, %d bytes left: %w", n.SPISize, len(rest), decoders.ErrBadLength)
	}
	n.SPI, n.Data = rest[:n.SPISize], rest[n.SPISize:]
	return n, nil
}

// Delete is a decoded Delete payload (RFC 2408 §3.15, RFC 7296 §3.11).
// SPIs holds Count SPIs of SPISize bytes each, back to back.
type Delete struct {
	DOI      uint32 // IKEv1 and AuthIP only
	Protocol uint8
	SPISize  uint8
	Count    uint16
	SPIs     []byte
}

// SPI returns the i-th SPI (a sub-slice of the message), or nil when i is out
// of range.
func (d Delete) SPI(i int) []byte {
	n := int(d.SPISize)
	if i < 0 || i >= int(d.Count) || n == 0 || (i+1)*n > len(d.SPIs) {
		return nil
	}
	return d.SPIs[i*n : (i+1)*n]
}

// Delete decodes a Delete payload. Count times SPISize must fit in the
// payload; bytes after the last SPI are ignored.
func (pl Payload) Delete() (Delete, error) {
	if !pl.is(PayloadDelete, PayloadDeleteV2) {
		return Delete{}, notThis(pl, "delete")
	}
	b := pl.Body
	var d Delete
	if pl.family != FamilyV2 {
		if len(b) < 8 {
			return Delete{}, fmt.Errorf("isakmp delete: %d bytes, need 8: %w", len(b), decoders.ErrTruncated)
		}
		d.DOI = be32(b)
		b = b[4:]
	} else if len(b) < 4 {
		return Delete{}, fmt.Errorf("isakmp delete: %d bytes, need 4: %w", len(b), decoders.ErrTruncated)
	}
	d.Protocol, d.SPISize, d.Count = b[0], b[1], be16(b[2:4])
	b = b[4:]
	need := int(d.SPISize) * int(d.Count)
	if need > len(b) {
		return Delete{}, fmt.Errorf("isakmp delete: %d SPIs of %d bytes, %d bytes left: %w",
			d.Count, d.SPISize, len(b), decoders.ErrBadLength)
	}
	d.SPIs = b[:need]
	return d, nil
}

// VendorID returns the vendor ID bytes (a sub-slice of the message).
func (pl Payload) VendorID() ([]byte, error) {
	if !pl.is(PayloadVendorID, PayloadVendorIDV2) {
		return nil, notThis(pl, "vendor ID")
	}
	return pl.Body, nil
}

// Nonce returns the nonce bytes.
func (pl Payload) Nonce() ([]byte, error) {
	if !pl.is(PayloadNonce, PayloadNonceV2) {
		return nil, notThis(pl, "nonce")
	}
	return pl.Body, nil
}

// KeyExchange is a decoded Key Exchange payload. Group is only on the wire
// in IKEv2 (RFC 7296 §3.4); IKEv1 negotiates it in the SA.
type KeyExchange struct {
	Group uint16
	Data  []byte
}

// KE decodes a Key Exchange payload.
func (pl Payload) KE() (KeyExchange, error) {
	if !pl.is(PayloadKE, PayloadKEv2) {
		return KeyExchange{}, notThis(pl, "key exchange")
	}
	if pl.family != FamilyV2 {
		return KeyExchange{Data: pl.Body}, nil
	}
	if len(pl.Body) < 4 {
		return KeyExchange{}, fmt.Errorf("isakmp key exchange: %d bytes, need 4: %w", len(pl.Body), decoders.ErrTruncated)
	}
	return KeyExchange{Group: be16(pl.Body), Data: pl.Body[4:]}, nil
}

// Identification is a decoded Identification payload (RFC 2407 §4.6.2,
// RFC 7296 §3.5). Protocol and Port are IKEv1 only.
type Identification struct {
	Type     uint8
	Protocol uint8
	Port     uint16
	Data     []byte
}

// ID decodes an Identification payload (IKEv1 ID, IKEv2 IDi or IDr).
func (pl Payload) ID() (Identification, error) {
	if pl.opaque || !(pl.is(PayloadID, PayloadIDi) || pl.is(PayloadID, PayloadIDr)) {
		return Identification{}, notThis(pl, "identification")
	}
	b := pl.Body
	if len(b) < 4 {
		return Identification{}, fmt.Errorf("isakmp identification: %d bytes, need 4: %w", len(b), decoders.ErrTruncated)
	}
	id := Identification{Type: b[0], Data: b[4:]}
	if pl.family != FamilyV2 {
		id.Protocol, id.Port = b[1], be16(b[2:4])
	}
	return id, nil
}

// Cert is a decoded Certificate or Certificate Request payload: the
// encoding byte and the data (a certificate, or certificate authority
// hashes/names).
type Cert struct {
	Encoding uint8
	Data     []byte
}

// Cert decodes a Certificate payload.
func (pl Payload) Cert() (Cert, error) {
	if !pl.is(PayloadCert, PayloadCertV2) {
		return Cert{}, notThis(pl, "certificate")
	}
	return certBody(pl.Body, "certificate")
}

// CertReq decodes a Certificate Request payload.
func (pl Payload) CertReq() (Cert, error) {
	if !pl.is(PayloadCertReq, PayloadCertReqV2) {
		return Cert{}, notThis(pl, "certificate request")
	}
	return certBody(pl.Body, "certificate request")
}

func certBody(b []byte, what string) (Cert, error) {
	if len(b) < 1 {
		return Cert{}, fmt.Errorf("isakmp %s: empty: %w", what, decoders.ErrTruncated)
	}
	return Cert{Encoding: b[0], Data: b[1:]}, nil
}

// Fragment is a decoded IKEv1 fragment payload (type 132, the Cisco scheme
// Windows also uses): fragment ID, 1-based fragment number, last flag.
type Fragment struct {
	ID     uint16
	Number uint8
	Last   bool
	Data   []byte
}

// Fragment decodes an IKEv1/AuthIP fragment payload.
func (pl Payload) Fragment() (Fragment, error) {
	if pl.opaque || pl.Type != PayloadFragment || (pl.family != FamilyV1 && pl.family != FamilyAuthIP) {
		return Fragment{}, notThis(pl, "fragment")
	}
	b := pl.Body
	if len(b) < 4 {
		return Fragment{}, fmt.Errorf("isakmp fragment: %d bytes, need 4: %w", len(b), decoders.ErrTruncated)
	}
	return Fragment{ID: be16(b), Number: b[2], Last: b[3]&0x01 != 0, Data: b[4:]}, nil
}

// EncryptedFragment is the clear part of an IKEv2 Encrypted Fragment
// payload (RFC 7383 §2.5); Data is still ciphertext.
type EncryptedFragment struct {
	Number uint16
	Total  uint16
	Data   []byte
}

// EncryptedFragment decodes the clear header of an IKEv2 Encrypted Fragment
// payload. It is the one accessor that accepts an opaque payload.
func (pl Payload) EncryptedFragment() (EncryptedFragment, error) {
	if pl.family != FamilyV2 || pl.Type != PayloadEncFragment || pl.Length == 0 {
		return EncryptedFragment{}, notThis(pl, "encrypted fragment")
	}
	b := pl.Body
	if len(b) < 4 {
		return EncryptedFragment{}, fmt.Errorf("isakmp encrypted fragment: %d bytes, need 4: %w", len(b), decoders.ErrTruncated)
	}
	return EncryptedFragment{Number: be16(b), Total: be16(b[2:]), Data: b[4:]}, nil
}

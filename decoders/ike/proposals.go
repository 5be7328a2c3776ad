package ike

import (
	"fmt"

	"softsa/decoders"
)

// The SA payload's substructures: proposals, transforms and data
// attributes, each walked by an iterator, and the facts of the first
// proposal that the analyzer reads.

// SA returns an iterator over the proposals of an SA payload. For IKEv1 and
// AuthIP the DOI and situation come first (RFC 2408 §3.4); proposals are only
// decoded for the IPsec DOI (1), whose situation is 4 bytes (RFC 2407 §4.2;
// the labelled-domain situations are not supported and yield no proposals).
func (pl Payload) SA() (ProposalIter, error) {
	if !pl.is(PayloadSA, PayloadSAv2) {
		return ProposalIter{}, notThis(pl, "SA")
	}
	it := ProposalIter{family: pl.family, base: pl.Offset + 4}
	b := pl.Body
	if pl.family == FamilyV2 {
		it.buf = b
		return it, nil
	}
	if len(b) < 8 {
		return ProposalIter{}, fmt.Errorf("isakmp SA: %d bytes, need 8: %w", len(b), decoders.ErrTruncated)
	}
	it.DOI, it.Situation = be32(b), be32(b[4:])
	if it.DOI != 1 || it.Situation&^uint32(1) != 0 {
		it.done = true
		return it, nil
	}
	it.buf = b[8:]
	it.base += 8
	return it, nil
}

// ProposalIter iterates over the proposals of an SA payload, following the
// proposals' next-payload chain (2 = more, 0 = last).
type ProposalIter struct {
	DOI       uint32 // IKEv1/AuthIP
	Situation uint32 // IKEv1/AuthIP

	family Family
	buf    []byte
	base   int
	off    int
	n      int
	done   bool
	err    error
}

// Proposal is one proposal substructure (RFC 2408 §3.5, RFC 7296 §3.3.1).
type Proposal struct {
	Next          uint8
	Length        uint16
	Number        uint8
	Protocol      uint8
	SPISize       uint8
	NumTransforms uint8
	SPI           []byte
	Transforms    []byte // the transform substructures
	Offset        int

	family Family
}

// Next returns the next proposal, or decoders.ErrDone.
func (it *ProposalIter) Next() (Proposal, error) {
	if it.err != nil {
		return Proposal{}, it.err
	}
	if it.done || (it.n == 0 && len(it.buf) == 0) {
		it.done = true
		return Proposal{}, decoders.ErrDone
	}
	if it.n >= MaxPayloads {
		it.err = fmt.Errorf("isakmp proposal %d: %w", it.n+1, decoders.ErrTooMany)
		return Proposal{}, it.err
	}
	b := it.buf[it.off:]
	if len(b) < 4 {
		it.err = fmt.Errorf("isakmp proposal %d: %d bytes, need 4: %w", it.n+1, len(b), decoders.ErrTruncated)
		return Proposal{}, it.err
	}
	plen := int(be16(b[2:4]))
	if plen < 8 || plen > len(b) {
		it.err = fmt.Errorf("isakmp proposal %d: length %d, %d bytes left: %w", it.n+1, plen, len(b), decoders.ErrBadLength)
		return Proposal{}, it.err
	}
	pr := Proposal{
		Next: b[0], Length: uint16(plen), Number: b[4], Protocol: b[5], SPISize: b[6],
		NumTransforms: b[7], Offset: it.base + it.off, family: it.family,
	}
	if 8+int(pr.SPISize) > plen {
		it.err = fmt.Errorf("isakmp proposal %d: SPI size %d past length %d: %w", it.n+1, pr.SPISize, plen, decoders.ErrBadLength)
		return Proposal{}, it.err
	}
	pr.SPI = b[8 : 8+int(pr.SPISize)]
	pr.Transforms = b[8+int(pr.SPISize) : plen]
	it.off += plen
	it.n++
	switch pr.Next {
	case 0:
		it.done = true
	case PayloadProposal:
	default:
		it.err = fmt.Errorf("isakmp proposal %d: next substructure %d is not a proposal: %w", it.n, pr.Next, decoders.ErrBadLength)
		it.done = true
	}
	return pr, nil
}

// TransformIter returns an iterator over the proposal's transforms.
func (pr Proposal) TransformIter() TransformIter {
	return TransformIter{family: pr.family, buf: pr.Transforms, want: int(pr.NumTransforms),
		base: pr.Offset + 8 + int(pr.SPISize), prop: int(pr.Number)}
}

// TransformIter iterates over NumTransforms transforms of a proposal. Like
// Wireshark it counts transforms rather than following their next-payload
// bytes, which implementations fill inconsistently.
type TransformIter struct {
	family Family
	buf    []byte
	base   int
	off    int
	n      int
	want   int
	prop   int
	err    error
}

// Transform is one transform substructure. IKEv1 (RFC 2408 §3.6): Number
// and an 8-bit transform ID (1 = KEY_IKE in phase 1). IKEv2 (RFC 7296
// §3.3.2): Type (1 ENCR, 2 PRF, 3 INTEG, 4 D-H, 5 ESN) and a 16-bit ID.
type Transform struct {
	Next   uint8
	Length uint16
	Number uint8
	Type   uint8
	ID     uint16
	Attrs  []byte
	Offset int

	family Family
}

// Next returns the next transform, or decoders.ErrDone after NumTransforms.
func (it *TransformIter) Next() (Transform, error) {
	if it.err != nil {
		return Transform{}, it.err
	}
	if it.n >= it.want {
		return Transform{}, decoders.ErrDone
	}
	b := it.buf[it.off:]
	if len(b) < 4 {
		it.err = fmt.Errorf("isakmp proposal %d: transform %d: %d bytes, need 4: %w", it.prop, it.n+1, len(b), decoders.ErrTruncated)
		return Transform{}, it.err
	}
	tlen := int(be16(b[2:4]))
	if tlen < 8 || tlen > len(b) {
		it.err = fmt.Errorf("isakmp proposal %d: transform %d: length %d, %d bytes left: %w",
			it.prop, it.n+1, tlen, len(b), decoders.ErrBadLength)
		return Transform{}, it.err
	}
	t := Transform{Next: b[0], Length: uint16(tlen), Attrs: b[8:tlen], Offset: it.base + it.off, family: it.family}
	if it.family == FamilyV2 {
		t.Type, t.ID = b[4], be16(b[6:8])
	} else {
		t.Number, t.ID = b[4], uint16(b[5])
	}
	it.off += tlen
	it.n++
	return t, nil
}

// AttrIter returns an iterator over the transform's data attributes.
func (t Transform) AttrIter() AttrIter { return AttrIter{buf: t.Attrs} }

// AttrIter iterates over data attributes (RFC 2408 §3.3, RFC 7296 §3.3.5):
// TV attributes (AF bit set) carry a 2-byte value in the header, TLV
// attributes a 2-byte length and that many bytes.
type AttrIter struct {
	buf []byte
	off int
	n   int
	err error
}

// Attribute is one data attribute. Value is a sub-slice of the message.
type Attribute struct {
	Type  uint16
	TV    bool
	Value []byte
}

// Uint returns the value as a big-endian integer when it has 1 to 8 bytes.
func (a Attribute) Uint() (uint64, bool) {
	if len(a.Value) == 0 || len(a.Value) > 8 {
		return 0, false
	}
	var v uint64
	for _, c := range a.Value {
		v = v<<8 | uint64(c)
	}
	return v, true
}

// Next returns the next attribute, or decoders.ErrDone.
func (it *AttrIter) Next() (Attribute, error) {
	if it.err != nil {
		return Attribute{}, it.err
	}
	b := it.buf[it.off:]
	if len(b) == 0 {
		return Attribute{}, decoders.ErrDone
	}
	if it.n >= MaxPayloads {
		it.err = fmt.Errorf("isakmp attribute %d: %w", it.n+1, decoders.ErrTooMany)
		return Attribute{}, it.err
	}
	if len(b) < 4 {
		it.err = fmt.Errorf("isakmp attribute %d: %d bytes, need 4: %w", it.n+1, len(b), decoders.ErrTruncated)
		return Attribute{}, it.err
	}
	tf := be16(b)
	a := Attribute{Type: tf & 0x7fff, TV: tf&0x8000 != 0}
	if a.TV {
		a.Value = b[2:4]
		it.off += 4
	} else {
		vlen := int(be16(b[2:4]))
		if 4+vlen > len(b) {
			it.err = fmt.Errorf("isakmp attribute %d (type %d): length %d, %d bytes left: %w",
				it.n+1, a.Type, vlen, len(b)-4, decoders.ErrBadLength)
			return Attribute{}, it.err
		}
		a.Value = b[4 : 4+vlen]
		it.off += 4 + vlen
	}
	it.n++
	return a, nil
}

// IKEv1 phase 1 attribute types (RFC 2409 Appendix A).
const (
	AttrEncryption   uint16 = 1
	AttrHash         uint16 = 2
	AttrAuthMethod   uint16 = 3
	AttrGroup        uint16 = 4
	AttrLifeType     uint16 = 11
	AttrLifeDuration uint16 = 12
	AttrKeyLength    uint16 = 14 // also IKEv2 (RFC 7296 §3.3.5)
)

// V1Attrs are the phase 1 facts carried by an IKEv1/AuthIP KEY_IKE
// transform. Life durations are kept per life type (1 seconds, 2 kilobytes).
type V1Attrs struct {
	Encryption    uint16
	Hash          uint16
	AuthMethod    uint16
	Group         uint16
	KeyLength     uint16
	LifeSeconds   uint64
	LifeKilobytes uint64
}

// V1Attrs decodes the RFC 2409 Appendix A attributes of an IKEv1 or AuthIP
// transform. Unknown attributes are skipped.
func (t Transform) V1Attrs() (V1Attrs, error) {
	var r V1Attrs
	if t.family == FamilyV2 {
		return r, fmt.Errorf("isakmp IKEv1 attributes on an IKEv2 transform: %w", decoders.ErrNotFound)
	}
	lifeType := uint64(0)
	it := t.AttrIter()
	for {
		a, err := it.Next()
		if err == decoders.ErrDone {
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
		case AttrEncryption:
			r.Encryption = uint16(v)
		case AttrHash:
			r.Hash = uint16(v)
		case AttrAuthMethod:
			r.AuthMethod = uint16(v)
		case AttrGroup:
			r.Group = uint16(v)
		case AttrKeyLength:
			r.KeyLength = uint16(v)
		case AttrLifeType:
			lifeType = v
		case AttrLifeDuration:
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
func (t Transform) KeyLength() (uint16, bool, error) {
	it := t.AttrIter()
	for {
		a, err := it.Next()
		if err == decoders.ErrDone {
			return 0, false, nil
		}
		if err != nil {
			return 0, false, err
		}
		if a.Type == AttrKeyLength {
			v, ok := a.Uint()
			return uint16(v), ok, nil
		}
	}
}

// IKEv2 transform types (RFC 7296 §3.3.2).
const (
	TransformEncr  uint8 = 1
	TransformPRF   uint8 = 2
	TransformInteg uint8 = 3
	TransformDH    uint8 = 4
	TransformESN   uint8 = 5
)

// ProposalFacts are the main facts of the first proposal of an SA: for
// IKEv1/AuthIP those of its first transform, for IKEv2 the first transform of
// each type. Zero means absent.
type ProposalFacts struct {
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

// firstProposalFacts decodes the first proposal of an SA payload.
func firstProposalFacts(pl Payload) (ProposalFacts, error) {
	var f ProposalFacts
	it, err := pl.SA()
	if err != nil {
		return f, err
	}
	pr, err := it.Next()
	if err == decoders.ErrDone {
		return f, nil
	}
	if err != nil {
		return f, err
	}
	f.Present, f.Number, f.Protocol, f.NumTransforms = true, pr.Number, pr.Protocol, pr.NumTransforms
	tit := pr.TransformIter()
	for i := 0; ; i++ {
		t, err := tit.Next()
		if err == decoders.ErrDone {
			return f, nil
		}
		if err != nil {
			return f, err
		}
		if pl.family != FamilyV2 {
			a, err := t.V1Attrs()
			f.Encryption, f.Hash, f.AuthMethod, f.Group = a.Encryption, a.Hash, a.AuthMethod, a.Group
			f.KeyLength, f.LifeSeconds, f.LifeKilobytes = a.KeyLength, a.LifeSeconds, a.LifeKilobytes
			return f, err
		}
		if err := v2Fact(&f, t); err != nil {
			return f, err
		}
	}
}

func v2Fact(f *ProposalFacts, t Transform) error {
	switch t.Type {
	case TransformEncr:
		if f.Encryption != 0 {
			return nil
		}
		f.Encryption = t.ID
		kl, _, err := t.KeyLength()
		f.KeyLength = kl
		return err
	case TransformPRF:
		if f.Hash == 0 {
			f.Hash = t.ID
		}
	case TransformInteg:
		if f.Integrity == 0 {
			f.Integrity = t.ID
		}
	case TransformDH:
		if f.Group == 0 {
			f.Group = t.ID
		}
	}
	return nil
}

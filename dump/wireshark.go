package dump

import (
	"encoding/binary"

	"softsa/decoders/ike"
)

// The Wireshark model: which payload and notify types tshark lists for an
// ISAKMP message, so that softsa dump lists the same and the two can be
// compared frame by frame (crosscheck_test.go). softsa's own decoding
// (package ike) reports what the message holds; this reports what
// Wireshark 4.0 shows of it, exceptions and all.

// wiresharkPayloadTypes appends to dst the payload types Wireshark 4.0 lists
// in isakmp.typepayload for msg, and returns the extended slice (it
// allocates only if dst lacks capacity). See wiresharkTypes for the rule.
func wiresharkPayloadTypes(msg []byte, dst []uint8) []uint8 {
	w := wsWalker{msg: msg, types: dst, wantT: true}
	w.dissect()
	return w.types
}

// wiresharkTypes reproduces what Wireshark 4.0's ISAKMP dissector puts in
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
func wiresharkTypes(msg []byte, types []uint8, notifies []uint16) ([]uint8, []uint16) {
	w := wsWalker{msg: msg, types: types, notes: notifies, wantT: true, wantN: true}
	w.dissect()
	return w.types, w.notes
}

type wsWalker struct {
	msg                 []byte
	ver                 uint8
	types               []uint8
	notes               []uint16
	vids                [][]byte // isakmp.vid_bytes, when wantV
	wantT, wantN, wantV bool
	thrown              bool
	steps               int
}

// wsMaxSteps and wsMaxDepth bound the walk. Every step consumes at
// least 4 bytes of a 64 KiB datagram, so the bounds are never reached by a
// datagram Wireshark could receive; they only guard against bugs.
const (
	wsMaxSteps = 1 << 15
	wsMaxDepth = 32
)

// need reports whether end bytes of the datagram exist; otherwise Wireshark
// throws and the walk stops.
func (w *wsWalker) need(end int) bool {
	if end > len(w.msg) || end < 0 {
		w.thrown = true
		return false
	}
	return true
}

// itemLen applies proto_tree_add_item's length rule: -1 means "to the end",
// any other negative length throws.
func (w *wsWalker) itemLen(l int) bool {
	if l < -1 {
		w.thrown = true
		return false
	}
	return true
}

func (w *wsWalker) dissect() {
	m := w.msg
	if len(m) < ike.HeaderLen {
		return
	}
	length := uint64(be32(m[24:28]))
	if length < ike.HeaderLen || length-ike.HeaderLen > 1<<31-1 || uint64(len(m)) < length-4 {
		return
	}
	w.ver = m[17] >> 4
	if w.ver == 1 && m[19]&ike.FlagEncrypted != 0 {
		return
	}
	w.payloads(m[16], ike.HeaderLen, int(length)-ike.HeaderLen, 0)
}

// payloads is dissect_payloads: a chain from ptype at off over length bytes.
func (w *wsWalker) payloads(ptype uint8, off, length, depth int) {
	if depth > wsMaxDepth {
		return
	}
	for length > 0 && !w.thrown && w.steps < wsMaxSteps {
		w.steps++
		if ptype == ike.PayloadNone {
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
		next, plen := w.msg[off], int(be16(w.msg[off+2:]))
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
func (w *wsWalker) body(t uint8, o, l, depth int) {
	switch t {
	case ike.PayloadSA, ike.PayloadSAv2:
		w.sa(o, l, depth)
	case ike.PayloadProposal:
		w.proposal(o, l)
	case ike.PayloadKE, ike.PayloadKEv2:
		if w.ver == 2 && w.need(o+4) {
			w.itemLen(l - 4)
		}
	case ike.PayloadID, ike.PayloadIDi, ike.PayloadIDr:
		w.id(o, l)
	case ike.PayloadCertReq, ike.PayloadCertReqV2:
		w.certreq(o, l)
	case ike.PayloadCert, ike.PayloadCertV2:
		w.need(o + 1)
	case ike.PayloadNotify, ike.PayloadNotifyV2:
		w.notify(o, l)
	case ike.PayloadDelete, ike.PayloadDeleteV2:
		w.delete(o, l)
	case ike.PayloadVendorID, ike.PayloadVendorIDV2:
		w.vendorID(o, l)
	case ike.PayloadAttributes, ike.PayloadConfig:
		w.config(o, l)
	case ike.PayloadAuthV2:
		if w.need(o + 4) {
			w.itemLen(l - 4)
		}
	case ike.PayloadEncFragment:
		if w.ver == 2 {
			w.need(o + 4)
		}
	}
}

func (w *wsWalker) sa(o, l, depth int) {
	switch w.ver {
	case 1:
		if !w.need(o + 4) {
			return
		}
		doi := be32(w.msg[o:])
		l -= 4
		switch {
		case doi == 1 && l >= 4:
			w.payloads(ike.PayloadProposal, o+8, l-4, depth+1)
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
		w.payloads(ike.PayloadProposal, o, l, depth+1)
	}
}

func (w *wsWalker) proposal(o, l int) {
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
	for ; ntrans > 0 && !w.thrown && w.steps < wsMaxSteps; ntrans-- {
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
		tlen := int(be16(w.msg[o+2:]))
		if w.wantT {
			w.types = append(w.types, ike.PayloadTransform)
		}
		if l < tlen || tlen < 4 {
			return
		}
		w.transform(o+4, tlen-4, protoID)
		o += tlen
		l -= tlen
	}
}

func (w *wsWalker) transform(o, l int, protoID uint8) {
	if w.ver != 1 && w.ver != 2 {
		return
	}
	if !w.need(o + 4) {
		return
	}
	keyIKE := w.ver == 1 && protoID == 1 && w.msg[o+1] == 1
	end := o + l
	o += 4
	for o < end && !w.thrown && w.steps < wsMaxSteps {
		w.steps++
		o += w.attribute(o, w.attrReads(keyIKE))
	}
}

// attrReads returns which attribute types Wireshark decodes with a 2-byte
// read of the value (and so throws on a 1-byte value at the very end).
func (w *wsWalker) attrReads(keyIKE bool) func(uint16) bool {
	switch {
	case w.ver == 2:
		return wsReadsV2Attr
	case keyIKE:
		return wsReadsIKEAttr
	}
	return wsReadsIPsecAttr
}

func wsReadsV2Attr(t uint16) bool { return t == ike.AttrKeyLength }

func wsReadsIKEAttr(t uint16) bool {
	switch t {
	case 1, 2, 3, 4, 5, 11, 14:
		return true
	}
	return false
}

func wsReadsIPsecAttr(t uint16) bool {
	switch t {
	case 1, 3, 4, 5, 6, 7, 10, 11, 12, 14, 15:
		return true
	}
	return false
}

// attribute is dissect_attribute_header plus the value item; it returns the
// bytes consumed (at least 2, so loops advance).
func (w *wsWalker) attribute(o int, reads16 func(uint16) bool) int {
	if !w.need(o + 2) {
		return 2
	}
	tf := be16(w.msg[o:])
	hl, vl := 2, 2
	if tf&0x8000 == 0 {
		if !w.need(o + 4) {
			return 2
		}
		hl, vl = 4, int(be16(w.msg[o+2:]))
	}
	if !w.need(o + hl + vl) {
		return hl + vl
	}
	if vl > 0 && reads16 != nil && reads16(tf&0x7fff) {
		w.need(o + hl + 2)
	}
	return hl + vl
}

func (w *wsWalker) id(o, l int) {
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

func (w *wsWalker) certreq(o, l int) {
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

func (w *wsWalker) notify(o, l int) {
	end := o + l
	var doi uint32
	if w.ver == 1 {
		if !w.need(o + 4) {
			return
		}
		doi = be32(w.msg[o:])
		o, l = o+4, l-4
	}
	if !w.need(o + 4) {
		return
	}
	protoID, spiSize, msgType := w.msg[o], int(w.msg[o+1]), be16(w.msg[o+2:])
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
		for o < end && !w.thrown && w.steps < wsMaxSteps {
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

func (w *wsWalker) delete(o, l int) {
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
	for l > 0 && !w.thrown && w.steps < wsMaxSteps {
		w.steps++
		w.need(o + spiSize)
		o, l = o+spiSize, l-spiSize
	}
}

// wsDecodedVIDs are the vendor IDs Wireshark decodes past their prefix,
// with the bytes it then reads (from the start of the vendor ID).
var wsDecodedVIDs = [...]struct {
	prefix     string
	minLen, to int
}{
	{"\xf4\xed\x19\xe0\xc1\x14\xeb\x51\x6f\xaa\xac\x0e\xe3\x7d\xaf\x28\x07\xb4\x38\x1f", 24, 40}, // Check Point
	{"\x12\xf5\xf2\x8c\x45\x71\x68\xa9\x70\x2d\x9f\xe2\x74\xcc", 14, 16},                         // CISCO-UNITY major, minor
	{"\x1e\x2b\x51\x69\x05\x99\x1c\x7d\x7c\x96\xfc\xbf\xb5\x87\xe4\x61", 16, 20},                 // MS NT5 version
	{"\x82\x99\x03\x17\x57\xa3\x60\x82\xc6\xa6\x21\xde", 12, 16},                                 // Fortigate release, build
}

func (w *wsWalker) vendorID(o, l int) {
	vid := w.msg[o : o+l]
	if w.wantV {
		w.vids = append(w.vids, vid)
	}
	for _, d := range wsDecodedVIDs {
		if l >= d.minLen && string(vid[:len(d.prefix)]) == d.prefix && !w.need(o+d.to) {
			return
		}
	}
}

func (w *wsWalker) config(o, l int) {
	if w.ver != 1 && w.ver != 2 {
		return
	}
	if !w.need(o + 4) {
		return
	}
	o, l = o+4, l-4
	for l > 0 && !w.thrown && w.steps < wsMaxSteps {
		w.steps++
		n := w.attribute(o, nil)
		o, l = o+n, l-n
	}
}

func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }

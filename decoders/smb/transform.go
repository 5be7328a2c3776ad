package smb

import "encoding/binary"

// The SMB3 transform header (an encrypted message) and the SMB 3.1.1
// compression transform header: what they say in clear.

// ciphertext.
func (p *Parser) parseTransform(pos int, m *Message) error {
	end := p.pduEnd
	if end-pos < TransformHeaderLen {
		return errHdrShortT
	}
	var h [TransformHeaderLen]byte
	m.HeaderBytes = copy(h[:], p.seg[pos:])
	m.Kind = KindTransform
	m.OriginalSize = binary.LittleEndian.Uint32(h[36:])
	m.Flags = uint32(binary.LittleEndian.Uint16(h[42:]))
	m.SessionID = binary.LittleEndian.Uint64(h[44:])
	if m.HeaderBytes < TransformHeaderLen {
		p.cut(m, pos, end)
		return nil
	}
	m.Fields = FieldOriginalSize
	m.Signature = p.seg[pos+4 : pos+20 : pos+20]
	// The rest of the PDU is ciphertext: opaque to softsa.
	p.frame(m, pos, end, TransformHeaderLen)
	return nil
}

// parseCompressed decodes an SMB 3.1.1 compression transform header.
func (p *Parser) parseCompressed(pos int, m *Message) error {
	end := p.pduEnd
	if end-pos < CompressedHeaderLen {
		return errHdrShortC
	}
	var h [CompressedHeaderLen]byte
	m.HeaderBytes = copy(h[:], p.seg[pos:])
	m.Kind = KindCompressed
	m.OriginalSize = binary.LittleEndian.Uint32(h[4:])
	m.Algorithm = binary.LittleEndian.Uint16(h[8:])
	m.Flags = uint32(binary.LittleEndian.Uint16(h[10:]))
	if m.HeaderBytes < CompressedHeaderLen {
		p.cut(m, pos, end)
		return nil
	}
	m.Fields = FieldOriginalSize
	// The compressed payload (chained or not) is opaque to softsa.
	p.frame(m, pos, end, CompressedHeaderLen)
	return nil
}

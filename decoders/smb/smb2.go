package smb

import "encoding/binary"

// SMB2 and SMB3: the 64-byte header, compounds chained by NextCommand, and
// the command-specific fields softsa reads.

// SMB2 header flags (MS-SMB2 §2.2.1).
const (
	SMB2FlagResponse  = 0x00000001
	SMB2FlagAsync     = 0x00000002
	SMB2FlagRelated   = 0x00000004
	SMB2FlagSigned    = 0x00000008
	SMB2FlagPriority  = 0x00000070
	SMB2FlagDFS       = 0x10000000
	SMB2FlagReplay    = 0x20000000
	smb2StructureSize = 64
)

// SMB2 commands (MS-SMB2 §2.2.1.2).
const (
	SMB2Negotiate      = 0x0000
	SMB2SessionSetup   = 0x0001
	SMB2Logoff         = 0x0002
	SMB2TreeConnect    = 0x0003
	SMB2TreeDisconnect = 0x0004
	SMB2Create         = 0x0005
	SMB2Close          = 0x0006
	SMB2Flush          = 0x0007
	SMB2Read           = 0x0008
	SMB2Write          = 0x0009
	SMB2Lock           = 0x000A
	SMB2Ioctl          = 0x000B
	SMB2Cancel         = 0x000C
	SMB2Echo           = 0x000D
	SMB2QueryDirectory = 0x000E
	SMB2ChangeNotify   = 0x000F
	SMB2QueryInfo      = 0x0010
	SMB2SetInfo        = 0x0011
	SMB2OplockBreak    = 0x0012
	SMB2Notification   = 0x0013
)

// parse2 decodes one SMB2 message and queues the next compound member.
func (p *Parser) parse2(pos int, m *Message) error {
	end := p.pduEnd
	if end-pos < SMB2HeaderLen {
		return errHdrShort2
	}
	// As for SMB1, a cut header gives what it holds; the command (bytes
	// 12-13) is the least that makes a message.
	var h [SMB2HeaderLen]byte
	m.HeaderBytes = copy(h[:], p.seg[pos:])
	if m.HeaderBytes < 14 {
		return errHdrCut2
	}
	if binary.LittleEndian.Uint16(h[4:]) != smb2StructureSize {
		return errStruct2
	}
	m.Kind = KindSMB2
	m.CreditCharge = binary.LittleEndian.Uint16(h[6:])
	m.Status = binary.LittleEndian.Uint32(h[8:])
	m.Command = binary.LittleEndian.Uint16(h[12:])
	m.Credits = binary.LittleEndian.Uint16(h[14:])
	m.Flags = binary.LittleEndian.Uint32(h[16:])
	m.Response = m.Flags&SMB2FlagResponse != 0
	m.Async = m.Flags&SMB2FlagAsync != 0
	m.NextCommand = binary.LittleEndian.Uint32(h[20:])
	m.MessageID = binary.LittleEndian.Uint64(h[24:])
	if m.Async {
		m.AsyncID = binary.LittleEndian.Uint64(h[32:])
	} else {
		m.ProcessID = binary.LittleEndian.Uint32(h[32:])
		m.TreeID = binary.LittleEndian.Uint32(h[36:])
	}
	m.SessionID = binary.LittleEndian.Uint64(h[40:])
	if m.HeaderBytes < SMB2HeaderLen {
		// Whatever follows, compound members included, is in later
		// segments.
		p.cut(m, pos, end)
		return nil
	}
	m.Signature = p.seg[pos+48 : pos+64 : pos+64]

	msgEnd := end
	if next := m.NextCommand; next != 0 {
		// Every check is done on the 32-bit value before it becomes an
		// offset, so a huge NextCommand cannot wrap around into the
		// segment, and NextCommand >= 64 makes the chain always move
		// forward: a chain cannot loop.
		switch {
		case next < SMB2HeaderLen:
			p.chainErr = errNextSmall
		case next%8 != 0:
			p.chainErr = errNextAlign
		case uint64(next)+SMB2HeaderLen > uint64(end-pos):
			p.chainErr = errNextPast
		default:
			msgEnd = pos + int(next)
			p.chain = msgEnd
		}
	}
	p.frame(m, pos, msgEnd, SMB2HeaderLen)
	decode2(m)
	return nil
}

// parseTransform decodes an SMB3 transform header; the rest of the PDU is
// ciphertext.
// starts with its StructureSize, which also tells a success response from
// the 9-byte error response.
func decode2(m *Message) {
	b := m.Body
	size, ok := le16(b, 0)
	if !ok {
		return
	}
	switch {
	case m.Command == SMB2Negotiate && !m.Response && size == 36:
		count, ok := le16(b, 2)
		if !ok {
			return
		}
		// Dialects follow the 36-byte fixed part; keep what the
		// segment holds of them, in whole 2-byte entries.
		if len(b) < 36 {
			return
		}
		d := b[36:]
		if n := 2 * int(count); n < len(d) {
			d = d[:n]
		}
		d = d[:len(d)&^1]
		m.dialects = d
		m.Fields |= FieldDialects
	case m.Command == SMB2Negotiate && m.Response && size == 65:
		if v, ok := le16(b, 4); ok {
			m.DialectRevision = v
			m.Fields |= FieldDialect
		}
	case m.Command == SMB2Create && !m.Response && size == 57:
		off, ok1 := le16(b, 44)
		n, ok2 := le16(b, 46)
		if !ok1 || !ok2 {
			return
		}
		// NameOffset counts from the SMB2 header; the name must lie
		// inside this message as far as the segment holds it.
		start := int(off) - SMB2HeaderLen
		if n == 0 {
			m.NameUTF16 = b[:0:0]
			m.Fields |= FieldName
			return
		}
		if start < 0 || start > len(b) || int(n) > len(b)-start {
			return
		}
		m.NameUTF16 = b[start : start+int(n) : start+int(n)]
		m.Fields |= FieldName
	case m.Command == SMB2Create && m.Response && size == 89:
		if len(b) >= 64+16 {
			copy(m.FileID[:], b[64:80])
			m.Fields |= FieldFileID
		}
	case m.Command == SMB2Close && !m.Response && size == 24:
		if len(b) >= 8+16 {
			copy(m.FileID[:], b[8:24])
			m.Fields |= FieldFileID
		}
	case (m.Command == SMB2Read || m.Command == SMB2Write) && !m.Response && size == 49:
		// READ and WRITE requests share the layout of Length, Offset
		// and FileId.
		if len(b) >= 32 {
			m.DataLength = binary.LittleEndian.Uint32(b[4:])
			m.FileOffset = binary.LittleEndian.Uint64(b[8:])
			copy(m.FileID[:], b[16:32])
			m.Fields |= FieldLength | FieldOffset | FieldFileID
		}
	case (m.Command == SMB2Read || m.Command == SMB2Write) && m.Response && size == 17:
		// READ response DataLength and WRITE response Count share
		// offset 4.
		if v, ok := le32(b, 4); ok {
			m.DataLength = v
			m.Fields |= FieldLength
		}
	}
}

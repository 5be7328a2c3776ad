package smb

import (
	"encoding/binary"

	"softsa/decoders"
)

// SMB1 (CIFS): the 32-byte header, then command blocks chained by AndX.

const (
	maxAndX           = 16 // blocks in one SMB1 AndX chain; real chains have 2 or 3
	smb1FlagsReply    = 0x80
	smb1Flags2Unicode = 0x8000
)

// SMB1 commands softsa decodes beyond the header (MS-CIFS §2.2.2.1).
const (
	SMB1Close            = 0x04
	SMB1LockingAndX      = 0x24
	SMB1Transaction      = 0x25
	SMB1Echo             = 0x2B
	SMB1OpenAndX         = 0x2D
	SMB1ReadAndX         = 0x2E
	SMB1WriteAndX        = 0x2F
	SMB1Transaction2     = 0x32
	SMB1TreeDisconnect   = 0x71
	SMB1Negotiate        = 0x72
	SMB1SessionSetupAndX = 0x73
	SMB1LogoffAndX       = 0x74
	SMB1TreeConnectAndX  = 0x75
	SMB1NTTransact       = 0xA0
	SMB1NTCreateAndX     = 0xA2
	SMB1NoAndXCommand    = 0xFF
)

func (p *Parser) parse1(pos int, m *Message) error {
	end := p.pduEnd
	if end-pos < SMB1HeaderLen {
		return errHdrShort1
	}
	// A header cut by the segment end still gives the fields whose
	// bytes are there (as Wireshark shows them); the command byte is the
	// least that makes a message.
	var h [SMB1HeaderLen]byte
	m.HeaderBytes = copy(h[:], p.seg[pos:])
	if m.HeaderBytes < 5 {
		return errHdrCut1
	}
	m.Kind = KindSMB1
	m.Command = uint16(h[4])
	m.Status = binary.LittleEndian.Uint32(h[5:])
	flags2 := binary.LittleEndian.Uint16(h[10:])
	m.Flags = uint32(h[9]) | uint32(flags2)<<8
	m.Response = h[9]&smb1FlagsReply != 0
	m.ProcessID = uint32(binary.LittleEndian.Uint16(h[12:]))<<16 | uint32(binary.LittleEndian.Uint16(h[26:]))
	m.TreeID = uint32(binary.LittleEndian.Uint16(h[24:]))
	m.SessionID = uint64(binary.LittleEndian.Uint16(h[28:]))
	m.MessageID = uint64(binary.LittleEndian.Uint16(h[30:]))
	if m.HeaderBytes < SMB1HeaderLen {
		p.cut(m, pos, end)
		return nil
	}
	m.Signature = p.seg[pos+14 : pos+22 : pos+22]
	p.frame(m, pos, end, SMB1HeaderLen)

	// Walk the AndX chain: the fields softsa wants may sit in a chained
	// block (TREE_CONNECT_ANDX after SESSION_SETUP_ANDX, WRITE_ANDX after
	// LOCKING_ANDX), and a crafted chain must be caught here.
	w := m.AndX()
	for {
		b, err := w.Next()
		if err != nil {
			// A block cut by the segment end is just a partial
			// message; only a malformed chain is worth an error.
			if err != decoders.ErrDone && err != errAndXCut {
				p.chainErr = err
			}
			break
		}
		decode1(m, &b, flags2&smb1Flags2Unicode != 0)
	}
	return nil
}

// isAndX reports whether an SMB1 command's parameter words start with
// the AndX block (AndXCommand, AndXReserved, AndXOffset).
func isAndX(cmd uint8) bool {
	switch cmd {
	case SMB1LockingAndX, SMB1OpenAndX, SMB1ReadAndX, SMB1WriteAndX, SMB1SessionSetupAndX,
		SMB1LogoffAndX, SMB1TreeConnectAndX, SMB1NTCreateAndX:
		return true
	}
	return false
}

// AndXBlock is one command block of an SMB1 message: the header's own
// command, then each command chained by AndX.
type AndXBlock struct {
	// Command is the command this block's parameters belong to.
	Command uint8
	// Offset is where the block's WordCount byte is, counted from the SMB1
	// header (the base of AndXOffset).
	Offset int
	// WordCount is the declared number of 16-bit parameter words.
	WordCount uint8
	// Words and Bytes are the parameter words and data bytes, as far as the
	// segment holds them.
	Words []byte
	Bytes []byte
	// HasAndX is set when the command is an AndX command whose parameters
	// hold the AndX header; AndXCommand and AndXOffset then name the next
	// block (AndXCommand 0xFF: none).
	HasAndX     bool
	AndXCommand uint8
	AndXOffset  uint16
	// Partial is set when the segment ends inside the block.
	Partial bool
}

// AndXWalker walks the command blocks of an SMB1 message. The chain is
// bounded (16 blocks) and must move forward, so a crafted AndXOffset that
// points back at an earlier block ends with an error instead of a loop.
type AndXWalker struct {
	msg      []byte // from the SMB1 header, as far as the segment holds it
	declared int    // message length as the NBSS header declares it
	off      int    // next block's WordCount offset; 0 when done
	cmd      uint8
	n        int
	err      error
}

// AndX returns a walker over the message's SMB1 command blocks, starting
// with the header's command. For another kind it yields nothing.
func (m *Message) AndX() AndXWalker {
	if m.Kind != KindSMB1 || len(m.raw) < SMB1HeaderLen {
		return AndXWalker{err: errAndXNotMsg}
	}
	return AndXWalker{msg: m.raw, declared: m.declared, off: SMB1HeaderLen, cmd: uint8(m.Command)}
}

// Next returns the next block, decoders.ErrDone after the last one, or an error when
// the chain is malformed; errors are final.
func (w *AndXWalker) Next() (AndXBlock, error) {
	if w.err != nil {
		return AndXBlock{}, w.err
	}
	if w.n >= maxAndX {
		w.err = errAndXMany
		return AndXBlock{}, w.err
	}
	off := w.off
	msg := w.msg
	if off >= len(msg) {
		if w.n == 0 && off < w.declared {
			// The segment ends right after the header.
			w.err = errAndXCut
		} else {
			w.err = decoders.ErrDone
		}
		return AndXBlock{}, w.err
	}
	w.n++
	b := AndXBlock{Command: w.cmd, Offset: off, WordCount: msg[off]}
	wstart := off + 1
	wend := wstart + 2*int(b.WordCount)
	if wend > len(msg) {
		b.Words = msg[wstart:len(msg):len(msg)]
		b.Partial = true
	} else {
		b.Words = msg[wstart:wend:wend]
		if bc, ok := le16(msg, wend); ok {
			bstart := wend + 2
			bend := bstart + int(bc)
			if bend > len(msg) {
				bend = len(msg)
				b.Partial = true
			}
			b.Bytes = msg[bstart:bend:bend]
		} else {
			b.Partial = true
		}
	}
	if isAndX(b.Command) && b.WordCount >= 2 && len(b.Words) >= 4 {
		b.HasAndX = true
		b.AndXCommand = b.Words[0]
		b.AndXOffset = binary.LittleEndian.Uint16(b.Words[2:])
	}
	switch {
	case !b.HasAndX || b.AndXCommand == SMB1NoAndXCommand:
		w.err = decoders.ErrDone
	case int(b.AndXOffset) <= off:
		w.err = errAndXBack
	case int(b.AndXOffset) >= w.declared:
		w.err = errAndXPast
	default:
		w.off = int(b.AndXOffset)
		w.cmd = b.AndXCommand
	}
	return b, nil
}

// decode1 fills the command-specific fields from one SMB1 block; the
// first block that carries a field wins.
func decode1(m *Message, b *AndXBlock, unicode bool) {
	w := b.Words
	switch b.Command {
	case SMB1Negotiate:
		if !m.Response && b.WordCount == 0 && m.Fields&FieldDialects == 0 {
			m.dialects = b.Bytes
			m.Fields |= FieldDialects
		}
		if m.Response && b.WordCount >= 1 && m.Fields&FieldDialect == 0 {
			if v, ok := le16(w, 0); ok {
				m.DialectRevision = v
				m.Fields |= FieldDialect
			}
		}
	case SMB1TreeConnectAndX:
		if m.Response || b.WordCount != 4 || len(w) < 8 || m.Fields&FieldName != 0 {
			return
		}
		// Bytes: Password[PasswordLength], then (Unicode: padded to an
		// even offset from the header) Path, NUL-terminated.
		pwLen := int(binary.LittleEndian.Uint16(w[6:]))
		if pwLen > len(b.Bytes) {
			return
		}
		start := pwLen
		bytesOff := b.Offset + 1 + 2*int(b.WordCount) + 2
		setName1(m, b.Bytes, start, bytesOff, -1, unicode)
	case SMB1NTCreateAndX:
		if m.Response {
			if b.WordCount >= 34 && len(w) >= 7 && m.Fields&FieldFileID == 0 {
				m.FID = binary.LittleEndian.Uint16(w[5:])
				m.Fields |= FieldFileID
			}
			return
		}
		if b.WordCount != 24 || len(w) < 48 || m.Fields&FieldName != 0 {
			return
		}
		nameLen := int(binary.LittleEndian.Uint16(w[5:]))
		bytesOff := b.Offset + 1 + 2*int(b.WordCount) + 2
		setName1(m, b.Bytes, 0, bytesOff, nameLen, unicode)
	case SMB1ReadAndX:
		if m.Fields&(FieldLength|FieldFileID) != 0 {
			return
		}
		if !m.Response && (b.WordCount == 10 || b.WordCount == 12) && len(w) >= 2*int(b.WordCount) {
			m.FID = binary.LittleEndian.Uint16(w[4:])
			m.FileOffset = uint64(binary.LittleEndian.Uint32(w[6:]))
			if b.WordCount == 12 {
				m.FileOffset |= uint64(binary.LittleEndian.Uint32(w[20:])) << 32
			}
			m.DataLength = uint32(binary.LittleEndian.Uint16(w[10:]))
			m.Fields |= FieldFileID | FieldOffset | FieldLength
		}
		if m.Response && b.WordCount == 12 && len(w) >= 24 {
			m.DataLength = uint32(binary.LittleEndian.Uint16(w[10:])) | uint32(binary.LittleEndian.Uint16(w[14:]))<<16
			m.Fields |= FieldLength
		}
	case SMB1WriteAndX:
		if m.Fields&(FieldLength|FieldFileID) != 0 {
			return
		}
		if !m.Response && (b.WordCount == 12 || b.WordCount == 14) && len(w) >= 2*int(b.WordCount) {
			m.FID = binary.LittleEndian.Uint16(w[4:])
			m.FileOffset = uint64(binary.LittleEndian.Uint32(w[6:]))
			if b.WordCount == 14 {
				m.FileOffset |= uint64(binary.LittleEndian.Uint32(w[24:])) << 32
			}
			m.DataLength = uint32(binary.LittleEndian.Uint16(w[20:])) | uint32(binary.LittleEndian.Uint16(w[18:]))<<16
			m.Fields |= FieldFileID | FieldOffset | FieldLength
		}
		if m.Response && b.WordCount == 6 && len(w) >= 12 {
			m.DataLength = uint32(binary.LittleEndian.Uint16(w[4:])) | uint32(binary.LittleEndian.Uint16(w[8:]))<<16
			m.Fields |= FieldLength
		}
	case SMB1Close:
		if !m.Response && b.WordCount == 3 && len(w) >= 6 && m.Fields&FieldFileID == 0 {
			m.FID = binary.LittleEndian.Uint16(w[0:])
			m.Fields |= FieldFileID
		}
	}
}

// setName1 takes an SMB1 name from data bytes starting at start. bytesOff
// is the offset of data[0] from the SMB1 header, because Unicode strings are
// aligned to an even offset from the header. n < 0 means NUL-terminated.
func setName1(m *Message, data []byte, start, bytesOff, n int, unicode bool) {
	if start < 0 || start > len(data) {
		return
	}
	if unicode && (bytesOff+start)%2 == 1 {
		start++
	}
	if start > len(data) {
		return
	}
	rest := data[start:]
	if n >= 0 {
		if n > len(rest) {
			return
		}
		rest = rest[:n]
	} else if unicode {
		for i := 0; i+1 < len(rest); i += 2 {
			if rest[i] == 0 && rest[i+1] == 0 {
				rest = rest[:i]
				break
			}
		}
	} else {
		for i, c := range rest {
			if c == 0 {
				rest = rest[:i]
				break
			}
		}
	}
	rest = rest[:len(rest):len(rest)]
	if unicode {
		m.NameUTF16 = rest
	} else {
		m.NameOEM = rest
	}
	m.Fields |= FieldName
}

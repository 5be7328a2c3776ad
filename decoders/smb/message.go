package smb

import (
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind says which of the SMB header formats a message has.
type Kind uint8

// The header formats, told apart by the first byte of the protocol id
// (0xFF, 0xFE, 0xFD or 0xFC followed by "SMB").
const (
	KindNone       Kind = iota // zero value: no message
	KindSMB1                   // SMB1 / CIFS, 0xFF 'SMB', 32-byte header
	KindSMB2                   // SMB2 or SMB3, 0xFE 'SMB', 64-byte header
	KindTransform              // SMB3 transform header (encrypted), 0xFD 'SMB', 52 bytes
	KindCompressed             // SMB 3.1.1 compression transform, 0xFC 'SMB', 16 bytes
)

// String names the kind as softsa's dump output does.
func (k Kind) String() string {
	switch k {
	case KindSMB1:
		return "smb1"
	case KindSMB2:
		return "smb2"
	case KindTransform:
		return "smb3-transform"
	case KindCompressed:
		return "smb3-compressed"
	}
	return "none"
}

// Header lengths of each kind, the least a message of that kind occupies.
const (
	SMB1HeaderLen       = 32
	SMB2HeaderLen       = 64
	TransformHeaderLen  = 52
	CompressedHeaderLen = 16
)

// Fields says which of Message's decoded, command-specific fields were
// present and filled. A field is filled only when its fixed structure lies
// wholly inside the segment and the body's StructureSize (SMB2) or WordCount
// (SMB1) is the one the command defines, so an error response never fills
// fields of a success response.
type Fields uint16

// The decoded fields.
const (
	FieldDialect      Fields = 1 << iota // DialectRevision (SMB2 NEGOTIATE response) or DialectIndex (SMB1)
	FieldDialects                        // the dialect list of a NEGOTIATE request
	FieldName                            // NameUTF16 or NameOEM
	FieldFileID                          // FileID (SMB2) or FID (SMB1)
	FieldLength                          // DataLength
	FieldOffset                          // FileOffset
	FieldOriginalSize                    // OriginalSize (transform and compression headers)
)

// Message is one SMB message, as much of it as one segment holds. Its byte
// slices point into the segment passed to Parser.Start.
//
// Fields are common to all kinds where the meaning agrees; for SMB1 the
// header is mapped as: Flags = Flags | Flags2<<8, SessionID = UID,
// TreeID = TID, MessageID = MID, ProcessID = PIDHigh<<16 | PIDLow.
type Message struct {
	// Kind is the header format; the zero KindNone never comes out of
	// Next.
	Kind Kind
	// Command is the SMB2 command, or the SMB1 command byte.
	Command uint16
	// Status is the NT status (SMB2 responses, SMB1 with FLAGS2_NT_STATUS).
	// In SMB 3.x requests the same bytes are ChannelSequence/Reserved, and in
	// SMB1 without FLAGS2_NT_STATUS they are a DOS error class and code; the
	// raw little-endian value is kept either way.
	Status uint32
	// Flags are the SMB2 header flags, the SMB1 Flags|Flags2<<8, or for a
	// transform header its Flags/EncryptionAlgorithm field.
	Flags uint32
	// Response is set on a server's response (SMB2 flag 0x1, SMB1 FLAGS
	// 0x80).
	Response bool
	// Async is set on an SMB2 header in its async form: AsyncID replaces
	// ProcessID and TreeID (interim STATUS_PENDING responses and what
	// follows them).
	Async bool
	// MessageID pairs a request with its response (SMB1: the MID).
	MessageID uint64
	// SessionID is the SMB2 or transform header's SessionId (SMB1: the UID).
	SessionID uint64
	// TreeID is the SMB2 TreeId of a sync header (SMB1: the TID).
	TreeID uint32
	// AsyncID is the SMB2 AsyncId of an async header.
	AsyncID uint64
	// ProcessID is the SMB2 sync header's ProcessId (reserved in MS-SMB2),
	// or the SMB1 PIDHigh<<16 | PIDLow.
	ProcessID uint32
	// CreditCharge is the SMB2 header's CreditCharge.
	CreditCharge uint16
	// Credits is CreditRequest in a request and CreditResponse in a response.
	Credits uint16
	// NextCommand is the SMB2 compound offset to the next header (0 for the
	// last member).
	NextCommand uint32
	// Signature is the SMB2 signature (16 bytes), the SMB1 security
	// signature (8 bytes) or the transform header's signature (16 bytes).
	Signature []byte

	// NBSSLength is the length field of the NetBIOS session header this
	// message was carried in (several compound members share it).
	NBSSLength uint32
	// Length is this message's own length as the headers declare it: the
	// NextCommand offset for a compound member, else up to the end of the
	// NBSS PDU.
	Length uint32
	// Partial is set when the message extends past the end of the segment:
	// the rest is in later segments, which this walker does not read.
	Partial bool
	// Offset is where the SMB header starts within the segment.
	Offset int
	// HeaderBytes is how much of the SMB header the segment holds. When it
	// is less than the header's length (the segment ends inside the
	// header), the fields whose bytes are missing are zero, Body and
	// Signature are nil and no command-specific field is decoded.
	HeaderBytes int
	// Body holds the bytes after the SMB header that are present in the
	// segment, up to the message's declared end.
	Body []byte

	// Decoded command-specific fields; Fields says which are valid.
	Fields Fields
	// DialectRevision is the SMB2 NEGOTIATE response's dialect, or the
	// SMB1 NEGOTIATE response's DialectIndex.
	DialectRevision uint16
	// NameUTF16 is a file or share name in UTF-16LE (SMB2 CREATE request,
	// SMB1 NT_CREATE_ANDX or TREE_CONNECT_ANDX with FLAGS2_UNICODE). Append
	// it as UTF-8 with AppendName.
	NameUTF16 []byte
	// NameOEM is the same name for an SMB1 message without FLAGS2_UNICODE.
	NameOEM []byte
	// FileID is the SMB2 FileId (persistent then volatile) of CREATE
	// responses and CLOSE, READ and WRITE requests.
	FileID [16]byte
	// FID is the SMB1 file id (NT_CREATE_ANDX response, READ_ANDX,
	// WRITE_ANDX, CLOSE requests).
	FID uint16
	// DataLength is the READ request Length, READ response DataLength,
	// WRITE request Length or WRITE response Count.
	DataLength uint32
	// FileOffset is the READ or WRITE request's file offset.
	FileOffset uint64
	// OriginalSize is the transform header's OriginalMessageSize or the
	// compression header's OriginalCompressedSegmentSize.
	OriginalSize uint32
	// Algorithm is the compression header's CompressionAlgorithm.
	Algorithm uint16

	// dialects is the raw dialect list of a NEGOTIATE request: 2-byte
	// revisions for SMB2, 0x02-prefixed NUL-terminated strings for SMB1.
	dialects []byte
	// raw is the whole message from its header as far as the segment holds
	// it; the SMB1 AndX walker needs the offsets relative to the header.
	raw []byte
	// declared is Length, kept as int for the AndX walker's bounds.
	declared int
}

// DialectCount returns how many SMB2 dialect revisions the NEGOTIATE request
// lists (as far as the segment holds them), or 0 for any other message.
func (m *Message) DialectCount() int {
	if m.Kind != KindSMB2 {
		return 0
	}
	return len(m.dialects) / 2
}

// Dialect returns the i-th dialect revision of an SMB2 NEGOTIATE request.
func (m *Message) Dialect(i int) uint16 {
	if m.Kind != KindSMB2 || i < 0 || 2*i+2 > len(m.dialects) {
		return 0
	}
	return binary.LittleEndian.Uint16(m.dialects[2*i:])
}

// SMB1Dialect walks the dialect strings of an SMB1 NEGOTIATE request: pass
// pos 0 first, then the returned next. It returns the name without its 0x02
// buffer format byte and NUL, and next < 0 when there are no more. SMB2
// clients announce themselves here with "SMB 2.002" and "SMB 2.???".
func (m *Message) SMB1Dialect(pos int) (name []byte, next int) {
	d := m.dialects
	if m.Kind != KindSMB1 || pos < 0 || pos >= len(d) || d[pos] != 0x02 {
		return nil, -1
	}
	start := pos + 1
	for i := start; i < len(d); i++ {
		if d[i] == 0 {
			return d[start:i], i + 1
		}
	}
	// The last string is cut by the segment end: return what is there.
	return d[start:], len(d)
}

// AppendName appends the message's file or share name to dst as UTF-8 and
// returns the extended buffer. It allocates only if dst must grow.
func (m *Message) AppendName(dst []byte) []byte {
	if m.NameUTF16 != nil {
		return appendUTF16(dst, m.NameUTF16)
	}
	for _, c := range m.NameOEM {
		if c == 0 {
			break
		}
		// The OEM code page is unknown on the wire; Latin-1 keeps ASCII
		// intact and never produces invalid UTF-8.
		dst = utf8.AppendRune(dst, rune(c))
	}
	return dst
}

// appendUTF16 appends a UTF-16LE name to dst as UTF-8 and returns the
// extended buffer, allocating only if dst must grow. It stops at a NUL code
// unit (SMB1 names are often NUL-terminated; Windows names never contain NUL),
// decodes surrogate pairs, and writes U+FFFD for an unpaired surrogate or a
// trailing odd byte, so hostile names cannot produce invalid UTF-8.
func appendUTF16(dst []byte, utf16le []byte) []byte {
	b := utf16le
	for i := 0; i+1 < len(b); i += 2 {
		u := rune(b[i]) | rune(b[i+1])<<8
		if u == 0 {
			return dst
		}
		if utf16.IsSurrogate(u) {
			if u < 0xDC00 && i+3 < len(b) {
				lo := rune(b[i+2]) | rune(b[i+3])<<8
				if r := utf16.DecodeRune(u, lo); r != utf8.RuneError {
					dst = utf8.AppendRune(dst, r)
					i += 2
					continue
				}
			}
			dst = utf8.AppendRune(dst, utf8.RuneError)
			continue
		}
		dst = utf8.AppendRune(dst, u)
	}
	if len(b)%2 == 1 {
		dst = utf8.AppendRune(dst, utf8.RuneError)
	}
	return dst
}

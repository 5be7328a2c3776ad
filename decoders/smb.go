//lint:file-ignore ST1012 identifiers in this file must start with smb/SMB/nbss/NBSS (shared package); the error values are smbErr…

package decoders

import (
	"encoding/binary"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// This file walks the SMB messages in ONE TCP segment of port 445 or 139:
// NetBIOS session service (NBSS) framing, then SMB1, SMB2/3, the SMB3
// transform header and the SMB2 compression transform header. It does no TCP
// reassembly: softsa only needs what the first segment of each message says
// (command, ids, status, a few request fields), and keeping it per segment
// keeps the walker stateless and allocation free.

// NetBIOS session service message types (RFC 1002 §4.3.1). On port 445
// ("direct hosting") only session messages and keep-alives occur; the others
// are seen on port 139 while a NetBIOS session is being set up and never carry
// SMB.
const (
	NBSSSessionMessage   = 0x00
	NBSSSessionRequest   = 0x81
	NBSSPositiveResponse = 0x82
	NBSSNegativeResponse = 0x83
	NBSSRetargetResponse = 0x84
	NBSSKeepAlive        = 0x85
)

// NBSSTypeName names a NetBIOS session service message type, or returns ""
// for a type RFC 1002 does not define.
func NBSSTypeName(t uint8) string {
	switch t {
	case NBSSSessionMessage:
		return "session message"
	case NBSSSessionRequest:
		return "session request"
	case NBSSPositiveResponse:
		return "positive session response"
	case NBSSNegativeResponse:
		return "negative session response"
	case NBSSRetargetResponse:
		return "retarget session response"
	case NBSSKeepAlive:
		return "session keep-alive"
	}
	return ""
}

// SMBKind says which of the SMB header formats a message has.
type SMBKind uint8

// The header formats, told apart by the first byte of the protocol id
// (0xFF, 0xFE, 0xFD or 0xFC followed by "SMB").
const (
	SMBKindNone       SMBKind = iota // zero value: no message
	SMBKind1                         // SMB1 / CIFS, 0xFF 'SMB', 32-byte header
	SMBKind2                         // SMB2 or SMB3, 0xFE 'SMB', 64-byte header
	SMBKindTransform                 // SMB3 transform header (encrypted), 0xFD 'SMB', 52 bytes
	SMBKindCompressed                // SMB 3.1.1 compression transform, 0xFC 'SMB', 16 bytes
)

// String names the kind as softsa's dump output does.
func (k SMBKind) String() string {
	switch k {
	case SMBKind1:
		return "smb1"
	case SMBKind2:
		return "smb2"
	case SMBKindTransform:
		return "smb3-transform"
	case SMBKindCompressed:
		return "smb3-compressed"
	}
	return "none"
}

// Header lengths of each kind, the least a message of that kind occupies.
const (
	SMB1HeaderLen          = 32
	SMB2HeaderLen          = 64
	SMBTransformHeaderLen  = 52
	SMBCompressedHeaderLen = 16
)

const (
	nbssHeaderLen     = 4
	nbssExtendFlag    = 0x01 // RFC 1002 E flag: bit 16 of a 17-bit length
	smbMagicLen       = 4
	smbMaxAndX        = 16 // blocks in one SMB1 AndX chain; real chains have 2 or 3
	smb1FlagsReply    = 0x80
	smb1Flags2Unicode = 0x8000
)

// SMBMaxMessages bounds the messages Next returns for one segment (SMB1
// messages, SMB2 messages including every member of a compound, transform
// headers). A segment holding more ends with ErrTooMany: it bounds the work a
// crafted segment can cause, and no real client packs that many messages into
// one segment.
const SMBMaxMessages = 64

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

// SMB2 dialect revisions (MS-SMB2 §2.2.3, §2.2.4).
const (
	SMBDialect202      = 0x0202
	SMBDialect210      = 0x0210
	SMBDialect300      = 0x0300
	SMBDialect302      = 0x0302
	SMBDialect311      = 0x0311
	SMBDialectWildcard = 0x02FF
)

// SMBFields says which of SMBMessage's decoded, command-specific fields were
// present and filled. A field is filled only when its fixed structure lies
// wholly inside the segment and the body's StructureSize (SMB2) or WordCount
// (SMB1) is the one the command defines, so an error response never fills
// fields of a success response.
type SMBFields uint16

// The decoded fields.
const (
	SMBFieldDialect      SMBFields = 1 << iota // DialectRevision (SMB2 NEGOTIATE response) or DialectIndex (SMB1)
	SMBFieldDialects                           // the dialect list of a NEGOTIATE request
	SMBFieldName                               // NameUTF16 or NameOEM
	SMBFieldFileID                             // FileID (SMB2) or FID (SMB1)
	SMBFieldLength                             // DataLength
	SMBFieldOffset                             // FileOffset
	SMBFieldOriginalSize                       // OriginalSize (transform and compression headers)
)

// SMBMessage is one SMB message, as much of it as one segment holds. Its byte
// slices point into the segment passed to SMBParser.Start.
//
// Fields are common to all kinds where the meaning agrees; for SMB1 the
// header is mapped as: Flags = Flags | Flags2<<8, SessionID = UID,
// TreeID = TID, MessageID = MID, ProcessID = PIDHigh<<16 | PIDLow.
type SMBMessage struct {
	// Kind is the header format; the zero SMBKindNone never comes out of
	// Next.
	Kind SMBKind
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
	Fields SMBFields
	// DialectRevision is the SMB2 NEGOTIATE response's dialect, or the
	// SMB1 NEGOTIATE response's DialectIndex.
	DialectRevision uint16
	// NameUTF16 is a file or share name in UTF-16LE (SMB2 CREATE request,
	// SMB1 NT_CREATE_ANDX or TREE_CONNECT_ANDX with FLAGS2_UNICODE). Append
	// it as UTF-8 with SMBAppendName or AppendName.
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
func (m *SMBMessage) DialectCount() int {
	if m.Kind != SMBKind2 {
		return 0
	}
	return len(m.dialects) / 2
}

// Dialect returns the i-th dialect revision of an SMB2 NEGOTIATE request.
func (m *SMBMessage) Dialect(i int) uint16 {
	if m.Kind != SMBKind2 || i < 0 || 2*i+2 > len(m.dialects) {
		return 0
	}
	return binary.LittleEndian.Uint16(m.dialects[2*i:])
}

// SMB1Dialect walks the dialect strings of an SMB1 NEGOTIATE request: pass
// pos 0 first, then the returned next. It returns the name without its 0x02
// buffer format byte and NUL, and next < 0 when there are no more. SMB2
// clients announce themselves here with "SMB 2.002" and "SMB 2.???".
func (m *SMBMessage) SMB1Dialect(pos int) (name []byte, next int) {
	d := m.dialects
	if m.Kind != SMBKind1 || pos < 0 || pos >= len(d) || d[pos] != 0x02 {
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
func (m *SMBMessage) AppendName(dst []byte) []byte {
	if m.NameUTF16 != nil {
		return SMBAppendName(dst, m.NameUTF16)
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

// SMBAppendName appends a UTF-16LE name to dst as UTF-8 and returns the
// extended buffer, allocating only if dst must grow. It stops at a NUL code
// unit (SMB1 names are often NUL-terminated; Windows names never contain NUL),
// decodes surrogate pairs, and writes U+FFFD for an unpaired surrogate or a
// trailing odd byte, so hostile names cannot produce invalid UTF-8.
func SMBAppendName(dst []byte, utf16le []byte) []byte {
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

// The walker's errors. They are built once so that Next never allocates,
// not even for the continuation segments that make up most of a file copy.
// Their names start with smb, not err, because every identifier of this file
// must carry the smb prefix in the shared decoders package (hence the
// file-level ST1012 exception at the top).
var (
	smbErrNotSMB  = fmt.Errorf("nbss: segment does not start with a session message carrying an SMB header (continuation or not SMB): %w", ErrNotFound)
	smbErrType    = fmt.Errorf("nbss: PDU type is not a session message or keep-alive: %w", ErrNotFound)
	smbErrMagic   = fmt.Errorf("nbss: session message does not carry an SMB header: %w", ErrNotFound)
	smbErrTooMany = fmt.Errorf("smb: more than %d messages in one segment: %w", SMBMaxMessages, ErrTooMany)

	smbErrHdrCut1    = fmt.Errorf("smb1: header cut by the segment end: %w", ErrTruncated)
	smbErrHdrShort1  = fmt.Errorf("smb1: NBSS length shorter than the 32-byte header: %w", ErrBadLength)
	smbErrHdrCut2    = fmt.Errorf("smb2: header cut by the segment end: %w", ErrTruncated)
	smbErrHdrShort2  = fmt.Errorf("smb2: message shorter than the 64-byte header: %w", ErrBadLength)
	smbErrStruct2    = fmt.Errorf("smb2: header StructureSize is not 64: %w", ErrBadLength)
	smbErrHdrShortT  = fmt.Errorf("smb3 transform: NBSS length shorter than the 52-byte header: %w", ErrBadLength)
	smbErrHdrShortC  = fmt.Errorf("smb3 compression: NBSS length shorter than the 16-byte header: %w", ErrBadLength)
	smbErrNextSmall  = fmt.Errorf("smb2 compound: NextCommand smaller than the 64-byte header: %w", ErrBadLength)
	smbErrNextAlign  = fmt.Errorf("smb2 compound: NextCommand not 8-byte aligned: %w", ErrBadLength)
	smbErrNextPast   = fmt.Errorf("smb2 compound: NextCommand points past the NBSS PDU: %w", ErrBadLength)
	smbErrNextMagic  = fmt.Errorf("smb2 compound: next member is not an SMB2 header: %w", ErrBadLength)
	smbErrAndXBack   = fmt.Errorf("smb1 AndX: AndXOffset does not move forward (loop): %w", ErrBadLength)
	smbErrAndXPast   = fmt.Errorf("smb1 AndX: AndXOffset points past the message: %w", ErrBadLength)
	smbErrAndXMany   = fmt.Errorf("smb1 AndX: more than %d chained commands: %w", smbMaxAndX, ErrTooMany)
	smbErrAndXCut    = fmt.Errorf("smb1 AndX: block cut by the segment end: %w", ErrTruncated)
	smbErrAndXNotMsg = fmt.Errorf("smb1 AndX: not an SMB1 message: %w", ErrNotFound)
)

// SMBParser walks the SMB messages of one TCP segment, in the style of
// golang.org/x/net/dns/dnsmessage: Start, then Next until ErrDone. It keeps
// no reference beyond the segment and never allocates; a zero SMBParser is
// ready for Start and may be reused for every segment.
type SMBParser struct {
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
// ErrNotFound, unless the segment begins with a NetBIOS session message whose
// body starts with an SMB protocol id: a segment that continues a message
// begun in an earlier segment (the tail of a large READ response or WRITE
// request) has no NBSS header at offset 0 and must not be mistaken for one.
// NBSS keep-alives in front of the message are skipped.
//
// Like Wireshark, the NBSS length is read as 24 bits when the segment starts
// with an SMB message (SMB2 multi-credit and SMB1 large reads exceed 17
// bits), else as 17 bits (a 16-bit length plus the E flag) as RFC 1002 says.
func (p *SMBParser) Start(seg []byte) error {
	*p = SMBParser{seg: seg, long: true}
	off := 0
	for len(seg)-off >= nbssHeaderLen && seg[off] == NBSSKeepAlive &&
		seg[off+1] == 0 && seg[off+2] == 0 && seg[off+3] == 0 {
		off += nbssHeaderLen
		p.long = false
	}
	if len(seg)-off < nbssHeaderLen+smbMagicLen || seg[off] != NBSSSessionMessage || !smbMagic(seg[off+nbssHeaderLen:]) {
		p.err = smbErrNotSMB
		return p.err
	}
	if !p.long && seg[off+1]&^nbssExtendFlag != 0 {
		p.err = smbErrNotSMB
		return p.err
	}
	p.off = off
	return nil
}

// Pending returns how many bytes of the segment's last SMB-carrying NBSS PDU
// lie beyond the segment, so that a caller tracking the TCP stream knows
// where the next PDU starts (Wireshark's PDU tracking does the same). It is 0
// when the last PDU ended inside the segment.
func (p *SMBParser) Pending() int { return p.pending }

// SMBStream follows one direction of a TCP connection on port 445 or 139 so
// that SMB messages starting in the middle of a segment are found. When a
// message runs past the end of a segment, the following segments first carry
// its tail; a segment lying wholly inside that tail must not be walked (it
// has no NBSS header; its bytes are file data), and the segment in which the
// tail ends must be walked from where the next PDU begins. Wireshark does the
// same with desegmentation off (packet-tcp.c scan_for_next_pdu). A zero
// SMBStream is ready; it is two sequence numbers, so the analyzer can keep
// one per direction of every connection.
type SMBStream struct {
	start uint32 // sequence number of the segment that set next
	next  uint32 // sequence number where the next NBSS PDU begins
	valid bool
}

// smbSeqLess compares TCP sequence numbers modulo 2^32 (RFC 1982).
func smbSeqLess(a, b uint32) bool { return int32(a-b) < 0 }

// Offset returns where the walk of a segment with sequence number seq and
// wireLen payload bytes (as the IP header declares them) should start, or -1
// when the segment lies wholly inside a message begun in an earlier segment.
func (s *SMBStream) Offset(seq uint32, wireLen int) int {
	if !s.valid || !smbSeqLess(s.start, seq) {
		return 0
	}
	end := seq + uint32(wireLen)
	if !smbSeqLess(s.next, end) { // end <= next
		return -1
	}
	if smbSeqLess(seq, s.next) { // seq < next < end
		return int(s.next - seq)
	}
	return 0
}

// Update records what walking a segment taught: seq is the segment's
// sequence number, off the offset Offset returned, and p the parser that
// walked the segment from off (after Start and Next up to ErrDone). A
// retransmission of older data does not move the stream back.
func (s *SMBStream) Update(seq uint32, off int, p *SMBParser) {
	if p.pending <= 0 || off < 0 {
		return
	}
	if s.valid && !smbSeqLess(s.start, seq) {
		return
	}
	s.valid = true
	s.start = seq
	s.next = seq + uint32(off) + uint32(len(p.seg)) + uint32(p.pending)
}

// smbMagic reports whether b starts with one of the four SMB protocol ids.
func smbMagic(b []byte) bool {
	if len(b) < smbMagicLen || b[1] != 'S' || b[2] != 'M' || b[3] != 'B' {
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
// compression header. It returns ErrDone when the segment holds no more, and
// wraps ErrTooMany after SMBMaxMessages messages.
//
// An error about one message's contents (a header cut by the segment end, a
// bad NextCommand, a looping AndX chain) is returned once; calling Next again
// goes on with the next NBSS PDU. An error about the NBSS framing itself
// (an unknown PDU type, a session message that does not carry SMB) is final:
// the PDU boundaries after it cannot be trusted.
func (p *SMBParser) Next() (SMBMessage, error) {
	// The message is filled in place and copied once, on return: it is a
	// few hundred bytes, and passing it up by value through every layer
	// cost more than the parsing.
	var m SMBMessage
	if err := p.next(&m); err != nil {
		return SMBMessage{}, err
	}
	return m, nil
}

// NextInto is Next decoding into m, for a caller that walks many segments:
// a message is a few hundred bytes, and copying one out of Next on every
// call, ErrDone included, was 7 % of the analysis. m is overwritten whole
// when the error is nil; otherwise it may be left as it was or partly
// filled.
func (p *SMBParser) NextInto(m *SMBMessage) error { return p.next(m) }

// next fills m with the next message: the pending compound member, else the
// first message of the next NBSS PDU.
func (p *SMBParser) next(m *SMBMessage) error {
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
		if len(p.seg)-pos < smbMagicLen {
			// The next member starts after the segment's end (or its
			// protocol id is cut): nothing more here.
			return p.nextPDU(m)
		}
		if p.seg[pos] != 0xFE || !smbMagic(p.seg[pos:]) {
			return smbErrNextMagic
		}
		return p.parseAt(pos, m)
	}
	return p.nextPDU(m)
}

// nextPDU moves to the next NBSS PDU and returns its first SMB message.
func (p *SMBParser) nextPDU(m *SMBMessage) error {
	seg := p.seg
	for {
		off := p.off
		if len(seg)-off < nbssHeaderLen {
			// Nothing left, or only part of the next NBSS header:
			// without its length nothing can be said about it.
			p.err = ErrDone
			return p.err
		}
		typ := seg[off]
		var length uint32
		if p.long {
			length = uint32(seg[off+1])<<16 | uint32(seg[off+2])<<8 | uint32(seg[off+3])
		} else {
			if seg[off+1]&^nbssExtendFlag != 0 {
				p.err = smbErrType
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
			p.err = smbErrType
			return p.err
		}
		if length == 0 {
			continue
		}
		if len(seg)-body < smbMagicLen {
			// The protocol id is cut by the segment end.
			p.err = ErrDone
			return p.err
		}
		if !smbMagic(seg[body:]) {
			p.err = smbErrMagic
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

// parseAt decodes the SMB header at pos, inside the current PDU; smbMagic
// has been checked by the caller.
func (p *SMBParser) parseAt(pos int, m *SMBMessage) error {
	if p.count >= SMBMaxMessages {
		p.err = smbErrTooMany
		return p.err
	}
	p.count++
	// Every message is filled from here, so that NextInto can reuse m.
	*m = SMBMessage{}
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
func (p *SMBParser) frame(m *SMBMessage, pos, end, hdr int) {
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
func (p *SMBParser) cut(m *SMBMessage, pos, end int) {
	m.Offset = pos
	m.NBSSLength = p.pduLen
	m.Length = uint32(end - pos)
	m.declared = end - pos
	m.Partial = true
}

// parse1 decodes an SMB1 message, which fills its whole NBSS PDU.
func (p *SMBParser) parse1(pos int, m *SMBMessage) error {
	end := p.pduEnd
	if end-pos < SMB1HeaderLen {
		return smbErrHdrShort1
	}
	// A header cut by the segment end still gives the fields whose
	// bytes are there (as Wireshark shows them); the command byte is the
	// least that makes a message.
	var h [SMB1HeaderLen]byte
	m.HeaderBytes = copy(h[:], p.seg[pos:])
	if m.HeaderBytes < 5 {
		return smbErrHdrCut1
	}
	m.Kind = SMBKind1
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
			if err != ErrDone && err != smbErrAndXCut {
				p.chainErr = err
			}
			break
		}
		smbDecode1(m, &b, flags2&smb1Flags2Unicode != 0)
	}
	return nil
}

// parse2 decodes one SMB2 message and queues the next compound member.
func (p *SMBParser) parse2(pos int, m *SMBMessage) error {
	end := p.pduEnd
	if end-pos < SMB2HeaderLen {
		return smbErrHdrShort2
	}
	// As for SMB1, a cut header gives what it holds; the command (bytes
	// 12-13) is the least that makes a message.
	var h [SMB2HeaderLen]byte
	m.HeaderBytes = copy(h[:], p.seg[pos:])
	if m.HeaderBytes < 14 {
		return smbErrHdrCut2
	}
	if binary.LittleEndian.Uint16(h[4:]) != smb2StructureSize {
		return smbErrStruct2
	}
	m.Kind = SMBKind2
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
			p.chainErr = smbErrNextSmall
		case next%8 != 0:
			p.chainErr = smbErrNextAlign
		case uint64(next)+SMB2HeaderLen > uint64(end-pos):
			p.chainErr = smbErrNextPast
		default:
			msgEnd = pos + int(next)
			p.chain = msgEnd
		}
	}
	p.frame(m, pos, msgEnd, SMB2HeaderLen)
	smbDecode2(m)
	return nil
}

// parseTransform decodes an SMB3 transform header; the rest of the PDU is
// ciphertext.
func (p *SMBParser) parseTransform(pos int, m *SMBMessage) error {
	end := p.pduEnd
	if end-pos < SMBTransformHeaderLen {
		return smbErrHdrShortT
	}
	var h [SMBTransformHeaderLen]byte
	m.HeaderBytes = copy(h[:], p.seg[pos:])
	m.Kind = SMBKindTransform
	m.OriginalSize = binary.LittleEndian.Uint32(h[36:])
	m.Flags = uint32(binary.LittleEndian.Uint16(h[42:]))
	m.SessionID = binary.LittleEndian.Uint64(h[44:])
	if m.HeaderBytes < SMBTransformHeaderLen {
		p.cut(m, pos, end)
		return nil
	}
	m.Fields = SMBFieldOriginalSize
	m.Signature = p.seg[pos+4 : pos+20 : pos+20]
	// The rest of the PDU is ciphertext: opaque to softsa.
	p.frame(m, pos, end, SMBTransformHeaderLen)
	return nil
}

// parseCompressed decodes an SMB 3.1.1 compression transform header.
func (p *SMBParser) parseCompressed(pos int, m *SMBMessage) error {
	end := p.pduEnd
	if end-pos < SMBCompressedHeaderLen {
		return smbErrHdrShortC
	}
	var h [SMBCompressedHeaderLen]byte
	m.HeaderBytes = copy(h[:], p.seg[pos:])
	m.Kind = SMBKindCompressed
	m.OriginalSize = binary.LittleEndian.Uint32(h[4:])
	m.Algorithm = binary.LittleEndian.Uint16(h[8:])
	m.Flags = uint32(binary.LittleEndian.Uint16(h[10:]))
	if m.HeaderBytes < SMBCompressedHeaderLen {
		p.cut(m, pos, end)
		return nil
	}
	m.Fields = SMBFieldOriginalSize
	// The compressed payload (chained or not) is opaque to softsa.
	p.frame(m, pos, end, SMBCompressedHeaderLen)
	return nil
}

// smbLE16 and smbLE32 read at off in b, or return ok=false when b is too
// short.
// Offsets come from the wire, so they are checked as ints before slicing.
func smbLE16(b []byte, off int) (uint16, bool) {
	if off < 0 || off > len(b)-2 {
		return 0, false
	}
	return binary.LittleEndian.Uint16(b[off:]), true
}

// smbLE32 is smbLE16 for 32 bits.
func smbLE32(b []byte, off int) (uint32, bool) {
	if off < 0 || off > len(b)-4 {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b[off:]), true
}

// smbDecode2 fills the command-specific fields of an SMB2 message. Each body
// starts with its StructureSize, which also tells a success response from
// the 9-byte error response.
func smbDecode2(m *SMBMessage) {
	b := m.Body
	size, ok := smbLE16(b, 0)
	if !ok {
		return
	}
	switch {
	case m.Command == SMB2Negotiate && !m.Response && size == 36:
		count, ok := smbLE16(b, 2)
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
		m.Fields |= SMBFieldDialects
	case m.Command == SMB2Negotiate && m.Response && size == 65:
		if v, ok := smbLE16(b, 4); ok {
			m.DialectRevision = v
			m.Fields |= SMBFieldDialect
		}
	case m.Command == SMB2Create && !m.Response && size == 57:
		off, ok1 := smbLE16(b, 44)
		n, ok2 := smbLE16(b, 46)
		if !ok1 || !ok2 {
			return
		}
		// NameOffset counts from the SMB2 header; the name must lie
		// inside this message as far as the segment holds it.
		start := int(off) - SMB2HeaderLen
		if n == 0 {
			m.NameUTF16 = b[:0:0]
			m.Fields |= SMBFieldName
			return
		}
		if start < 0 || start > len(b) || int(n) > len(b)-start {
			return
		}
		m.NameUTF16 = b[start : start+int(n) : start+int(n)]
		m.Fields |= SMBFieldName
	case m.Command == SMB2Create && m.Response && size == 89:
		if len(b) >= 64+16 {
			copy(m.FileID[:], b[64:80])
			m.Fields |= SMBFieldFileID
		}
	case m.Command == SMB2Close && !m.Response && size == 24:
		if len(b) >= 8+16 {
			copy(m.FileID[:], b[8:24])
			m.Fields |= SMBFieldFileID
		}
	case (m.Command == SMB2Read || m.Command == SMB2Write) && !m.Response && size == 49:
		// READ and WRITE requests share the layout of Length, Offset
		// and FileId.
		if len(b) >= 32 {
			m.DataLength = binary.LittleEndian.Uint32(b[4:])
			m.FileOffset = binary.LittleEndian.Uint64(b[8:])
			copy(m.FileID[:], b[16:32])
			m.Fields |= SMBFieldLength | SMBFieldOffset | SMBFieldFileID
		}
	case (m.Command == SMB2Read || m.Command == SMB2Write) && m.Response && size == 17:
		// READ response DataLength and WRITE response Count share
		// offset 4.
		if v, ok := smbLE32(b, 4); ok {
			m.DataLength = v
			m.Fields |= SMBFieldLength
		}
	}
}

// smb1IsAndX reports whether an SMB1 command's parameter words start with
// the AndX block (AndXCommand, AndXReserved, AndXOffset).
func smb1IsAndX(cmd uint8) bool {
	switch cmd {
	case SMB1LockingAndX, SMB1OpenAndX, SMB1ReadAndX, SMB1WriteAndX, SMB1SessionSetupAndX,
		SMB1LogoffAndX, SMB1TreeConnectAndX, SMB1NTCreateAndX:
		return true
	}
	return false
}

// SMBAndXBlock is one command block of an SMB1 message: the header's own
// command, then each command chained by AndX.
type SMBAndXBlock struct {
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

// SMBAndXWalker walks the command blocks of an SMB1 message. The chain is
// bounded (16 blocks) and must move forward, so a crafted AndXOffset that
// points back at an earlier block ends with an error instead of a loop.
type SMBAndXWalker struct {
	msg      []byte // from the SMB1 header, as far as the segment holds it
	declared int    // message length as the NBSS header declares it
	off      int    // next block's WordCount offset; 0 when done
	cmd      uint8
	n        int
	err      error
}

// AndX returns a walker over the message's SMB1 command blocks, starting
// with the header's command. For another kind it yields nothing.
func (m *SMBMessage) AndX() SMBAndXWalker {
	if m.Kind != SMBKind1 || len(m.raw) < SMB1HeaderLen {
		return SMBAndXWalker{err: smbErrAndXNotMsg}
	}
	return SMBAndXWalker{msg: m.raw, declared: m.declared, off: SMB1HeaderLen, cmd: uint8(m.Command)}
}

// Next returns the next block, ErrDone after the last one, or an error when
// the chain is malformed; errors are final.
func (w *SMBAndXWalker) Next() (SMBAndXBlock, error) {
	if w.err != nil {
		return SMBAndXBlock{}, w.err
	}
	if w.n >= smbMaxAndX {
		w.err = smbErrAndXMany
		return SMBAndXBlock{}, w.err
	}
	off := w.off
	msg := w.msg
	if off >= len(msg) {
		if w.n == 0 && off < w.declared {
			// The segment ends right after the header.
			w.err = smbErrAndXCut
		} else {
			w.err = ErrDone
		}
		return SMBAndXBlock{}, w.err
	}
	w.n++
	b := SMBAndXBlock{Command: w.cmd, Offset: off, WordCount: msg[off]}
	wstart := off + 1
	wend := wstart + 2*int(b.WordCount)
	if wend > len(msg) {
		b.Words = msg[wstart:len(msg):len(msg)]
		b.Partial = true
	} else {
		b.Words = msg[wstart:wend:wend]
		if bc, ok := smbLE16(msg, wend); ok {
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
	if smb1IsAndX(b.Command) && b.WordCount >= 2 && len(b.Words) >= 4 {
		b.HasAndX = true
		b.AndXCommand = b.Words[0]
		b.AndXOffset = binary.LittleEndian.Uint16(b.Words[2:])
	}
	switch {
	case !b.HasAndX || b.AndXCommand == SMB1NoAndXCommand:
		w.err = ErrDone
	case int(b.AndXOffset) <= off:
		w.err = smbErrAndXBack
	case int(b.AndXOffset) >= w.declared:
		w.err = smbErrAndXPast
	default:
		w.off = int(b.AndXOffset)
		w.cmd = b.AndXCommand
	}
	return b, nil
}

// smbDecode1 fills the command-specific fields from one SMB1 block; the
// first block that carries a field wins.
func smbDecode1(m *SMBMessage, b *SMBAndXBlock, unicode bool) {
	w := b.Words
	switch b.Command {
	case SMB1Negotiate:
		if !m.Response && b.WordCount == 0 && m.Fields&SMBFieldDialects == 0 {
			m.dialects = b.Bytes
			m.Fields |= SMBFieldDialects
		}
		if m.Response && b.WordCount >= 1 && m.Fields&SMBFieldDialect == 0 {
			if v, ok := smbLE16(w, 0); ok {
				m.DialectRevision = v
				m.Fields |= SMBFieldDialect
			}
		}
	case SMB1TreeConnectAndX:
		if m.Response || b.WordCount != 4 || len(w) < 8 || m.Fields&SMBFieldName != 0 {
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
		smbSetName1(m, b.Bytes, start, bytesOff, -1, unicode)
	case SMB1NTCreateAndX:
		if m.Response {
			if b.WordCount >= 34 && len(w) >= 7 && m.Fields&SMBFieldFileID == 0 {
				m.FID = binary.LittleEndian.Uint16(w[5:])
				m.Fields |= SMBFieldFileID
			}
			return
		}
		if b.WordCount != 24 || len(w) < 48 || m.Fields&SMBFieldName != 0 {
			return
		}
		nameLen := int(binary.LittleEndian.Uint16(w[5:]))
		bytesOff := b.Offset + 1 + 2*int(b.WordCount) + 2
		smbSetName1(m, b.Bytes, 0, bytesOff, nameLen, unicode)
	case SMB1ReadAndX:
		if m.Fields&(SMBFieldLength|SMBFieldFileID) != 0 {
			return
		}
		if !m.Response && (b.WordCount == 10 || b.WordCount == 12) && len(w) >= 2*int(b.WordCount) {
			m.FID = binary.LittleEndian.Uint16(w[4:])
			m.FileOffset = uint64(binary.LittleEndian.Uint32(w[6:]))
			if b.WordCount == 12 {
				m.FileOffset |= uint64(binary.LittleEndian.Uint32(w[20:])) << 32
			}
			m.DataLength = uint32(binary.LittleEndian.Uint16(w[10:]))
			m.Fields |= SMBFieldFileID | SMBFieldOffset | SMBFieldLength
		}
		if m.Response && b.WordCount == 12 && len(w) >= 24 {
			m.DataLength = uint32(binary.LittleEndian.Uint16(w[10:])) | uint32(binary.LittleEndian.Uint16(w[14:]))<<16
			m.Fields |= SMBFieldLength
		}
	case SMB1WriteAndX:
		if m.Fields&(SMBFieldLength|SMBFieldFileID) != 0 {
			return
		}
		if !m.Response && (b.WordCount == 12 || b.WordCount == 14) && len(w) >= 2*int(b.WordCount) {
			m.FID = binary.LittleEndian.Uint16(w[4:])
			m.FileOffset = uint64(binary.LittleEndian.Uint32(w[6:]))
			if b.WordCount == 14 {
				m.FileOffset |= uint64(binary.LittleEndian.Uint32(w[24:])) << 32
			}
			m.DataLength = uint32(binary.LittleEndian.Uint16(w[20:])) | uint32(binary.LittleEndian.Uint16(w[18:]))<<16
			m.Fields |= SMBFieldFileID | SMBFieldOffset | SMBFieldLength
		}
		if m.Response && b.WordCount == 6 && len(w) >= 12 {
			m.DataLength = uint32(binary.LittleEndian.Uint16(w[4:])) | uint32(binary.LittleEndian.Uint16(w[8:]))<<16
			m.Fields |= SMBFieldLength
		}
	case SMB1Close:
		if !m.Response && b.WordCount == 3 && len(w) >= 6 && m.Fields&SMBFieldFileID == 0 {
			m.FID = binary.LittleEndian.Uint16(w[0:])
			m.Fields |= SMBFieldFileID
		}
	}
}

// smbSetName1 takes an SMB1 name from data bytes starting at start. bytesOff
// is the offset of data[0] from the SMB1 header, because Unicode strings are
// aligned to an even offset from the header. n < 0 means NUL-terminated.
func smbSetName1(m *SMBMessage, data []byte, start, bytesOff, n int, unicode bool) {
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
	m.Fields |= SMBFieldName
}

// smb2CommandNames are MS-SMB2's command names without the SMB2 prefix.
var smb2CommandNames = [...]string{
	SMB2Negotiate:      "NEGOTIATE",
	SMB2SessionSetup:   "SESSION_SETUP",
	SMB2Logoff:         "LOGOFF",
	SMB2TreeConnect:    "TREE_CONNECT",
	SMB2TreeDisconnect: "TREE_DISCONNECT",
	SMB2Create:         "CREATE",
	SMB2Close:          "CLOSE",
	SMB2Flush:          "FLUSH",
	SMB2Read:           "READ",
	SMB2Write:          "WRITE",
	SMB2Lock:           "LOCK",
	SMB2Ioctl:          "IOCTL",
	SMB2Cancel:         "CANCEL",
	SMB2Echo:           "ECHO",
	SMB2QueryDirectory: "QUERY_DIRECTORY",
	SMB2ChangeNotify:   "CHANGE_NOTIFY",
	SMB2QueryInfo:      "QUERY_INFO",
	SMB2SetInfo:        "SET_INFO",
	SMB2OplockBreak:    "OPLOCK_BREAK",
	SMB2Notification:   "SERVER_TO_CLIENT_NOTIFICATION",
}

// SMB2CommandName names an SMB2 command as MS-SMB2 does ("READ",
// "SESSION_SETUP"), or returns "" for an unknown one so that the caller can
// print the number instead.
func SMB2CommandName(c uint16) string {
	if int(c) < len(smb2CommandNames) {
		return smb2CommandNames[c]
	}
	return ""
}

// smb1CommandNames are MS-CIFS's command names without the SMB_COM_ prefix.
var smb1CommandNames = [256]string{
	0x00: "CREATE_DIRECTORY", 0x01: "DELETE_DIRECTORY", 0x02: "OPEN", 0x03: "CREATE",
	0x04: "CLOSE", 0x05: "FLUSH", 0x06: "DELETE", 0x07: "RENAME",
	0x08: "QUERY_INFORMATION", 0x09: "SET_INFORMATION", 0x0A: "READ", 0x0B: "WRITE",
	0x0C: "LOCK_BYTE_RANGE", 0x0D: "UNLOCK_BYTE_RANGE", 0x0E: "CREATE_TEMPORARY", 0x0F: "CREATE_NEW",
	0x10: "CHECK_DIRECTORY", 0x11: "PROCESS_EXIT", 0x12: "SEEK", 0x13: "LOCK_AND_READ",
	0x14: "WRITE_AND_UNLOCK", 0x1A: "READ_RAW", 0x1B: "READ_MPX", 0x1C: "READ_MPX_SECONDARY",
	0x1D: "WRITE_RAW", 0x1E: "WRITE_MPX", 0x1F: "WRITE_MPX_SECONDARY", 0x20: "WRITE_COMPLETE",
	0x21: "QUERY_SERVER", 0x22: "SET_INFORMATION2", 0x23: "QUERY_INFORMATION2", 0x24: "LOCKING_ANDX",
	0x25: "TRANSACTION", 0x26: "TRANSACTION_SECONDARY", 0x27: "IOCTL", 0x28: "IOCTL_SECONDARY",
	0x29: "COPY", 0x2A: "MOVE", 0x2B: "ECHO", 0x2C: "WRITE_AND_CLOSE",
	0x2D: "OPEN_ANDX", 0x2E: "READ_ANDX", 0x2F: "WRITE_ANDX", 0x30: "NEW_FILE_SIZE",
	0x31: "CLOSE_AND_TREE_DISC", 0x32: "TRANSACTION2", 0x33: "TRANSACTION2_SECONDARY", 0x34: "FIND_CLOSE2",
	0x35: "FIND_NOTIFY_CLOSE", 0x70: "TREE_CONNECT", 0x71: "TREE_DISCONNECT", 0x72: "NEGOTIATE",
	0x73: "SESSION_SETUP_ANDX", 0x74: "LOGOFF_ANDX", 0x75: "TREE_CONNECT_ANDX", 0x7E: "SECURITY_PACKAGE_ANDX",
	0x80: "QUERY_INFORMATION_DISK", 0x81: "SEARCH", 0x82: "FIND", 0x83: "FIND_UNIQUE",
	0x84: "FIND_CLOSE", 0xA0: "NT_TRANSACT", 0xA1: "NT_TRANSACT_SECONDARY", 0xA2: "NT_CREATE_ANDX",
	0xA4: "NT_CANCEL", 0xA5: "NT_RENAME", 0xC0: "OPEN_PRINT_FILE", 0xC1: "WRITE_PRINT_FILE",
	0xC2: "CLOSE_PRINT_FILE", 0xC3: "GET_PRINT_QUEUE", 0xD8: "READ_BULK", 0xD9: "WRITE_BULK",
	0xDA: "WRITE_BULK_DATA", 0xFE: "INVALID", 0xFF: "NO_ANDX_COMMAND",
}

// SMB1CommandName names an SMB1 command as MS-CIFS does without the SMB_COM_
// prefix ("NEGOTIATE", "READ_ANDX"), or returns "" for an unknown one.
func SMB1CommandName(c uint8) string { return smb1CommandNames[c] }

// SMBDialectName names an SMB2 dialect revision ("SMB 3.1.1"); 0x02FF is the
// wildcard a server answers to a multi-protocol SMB1 NEGOTIATE. It returns ""
// for an unknown revision.
func SMBDialectName(d uint16) string {
	switch d {
	case SMBDialect202:
		return "SMB 2.0.2"
	case SMBDialect210:
		return "SMB 2.1"
	case 0x0222:
		return "SMB 2.2.2"
	case 0x0224:
		return "SMB 2.2.4"
	case SMBDialect300:
		return "SMB 3.0"
	case SMBDialect302:
		return "SMB 3.0.2"
	case 0x0310:
		return "SMB 3.1.0"
	case SMBDialect311:
		return "SMB 3.1.1"
	case SMBDialectWildcard:
		return "SMB 2.???"
	}
	return ""
}

// Common NT status values (MS-ERREF §2.3.1) that the analyzer tests for.
const (
	SMBStatusSuccess                = 0x00000000 // STATUS_SUCCESS
	SMBStatusPending                = 0x00000103 // STATUS_PENDING
	SMBStatusBufferOverflow         = 0x80000005 // STATUS_BUFFER_OVERFLOW
	SMBStatusMoreProcessingRequired = 0xC0000016 // STATUS_MORE_PROCESSING_REQUIRED
	SMBStatusEndOfFile              = 0xC0000011 // STATUS_END_OF_FILE
	SMBStatusAccessDenied           = 0xC0000022 // STATUS_ACCESS_DENIED
	SMBStatusObjectNameNotFound     = 0xC0000034 // STATUS_OBJECT_NAME_NOT_FOUND
	SMBStatusLogonFailure           = 0xC000006D // STATUS_LOGON_FAILURE
	SMBStatusIOTimeout              = 0xC00000B5 // STATUS_IO_TIMEOUT
	SMBStatusNetworkNameDeleted     = 0xC00000C9 // STATUS_NETWORK_NAME_DELETED
	SMBStatusCancelled              = 0xC0000120 // STATUS_CANCELLED
	SMBStatusUserSessionDeleted     = 0xC0000203 // STATUS_USER_SESSION_DELETED
	SMBStatusNetworkSessionExpired  = 0xC000035C // STATUS_NETWORK_SESSION_EXPIRED
)

// smbStatusNames are the NT status values softsa names: the ones SMB servers
// commonly return, checked against Wireshark's table in the tests.
var smbStatusNames = [...]struct {
	code uint32
	name string
}{
	{0x00000000, "STATUS_SUCCESS"},
	{0x00000103, "STATUS_PENDING"},
	{0x00000104, "STATUS_REPARSE"},
	{0x0000010B, "STATUS_NOTIFY_CLEANUP"},
	{0x0000010C, "STATUS_NOTIFY_ENUM_DIR"},
	{0x80000005, "STATUS_BUFFER_OVERFLOW"},
	{0x80000006, "STATUS_NO_MORE_FILES"},
	{0xC0000001, "STATUS_UNSUCCESSFUL"},
	{0xC0000002, "STATUS_NOT_IMPLEMENTED"},
	{0xC0000003, "STATUS_INVALID_INFO_CLASS"},
	{0xC0000008, "STATUS_INVALID_HANDLE"},
	{0xC000000D, "STATUS_INVALID_PARAMETER"},
	{0xC000000E, "STATUS_NO_SUCH_DEVICE"},
	{0xC000000F, "STATUS_NO_SUCH_FILE"},
	{0xC0000010, "STATUS_INVALID_DEVICE_REQUEST"},
	{0xC0000011, "STATUS_END_OF_FILE"},
	{0xC0000016, "STATUS_MORE_PROCESSING_REQUIRED"},
	{0xC0000017, "STATUS_NO_MEMORY"},
	{0xC0000022, "STATUS_ACCESS_DENIED"},
	{0xC0000023, "STATUS_BUFFER_TOO_SMALL"},
	{0xC0000033, "STATUS_OBJECT_NAME_INVALID"},
	{0xC0000034, "STATUS_OBJECT_NAME_NOT_FOUND"},
	{0xC0000035, "STATUS_OBJECT_NAME_COLLISION"},
	{0xC000003A, "STATUS_OBJECT_PATH_NOT_FOUND"},
	{0xC0000043, "STATUS_SHARING_VIOLATION"},
	{0xC0000044, "STATUS_QUOTA_EXCEEDED"},
	{0xC0000054, "STATUS_FILE_LOCK_CONFLICT"},
	{0xC0000055, "STATUS_LOCK_NOT_GRANTED"},
	{0xC0000056, "STATUS_DELETE_PENDING"},
	{0xC000005F, "STATUS_NO_SUCH_LOGON_SESSION"},
	{0xC0000061, "STATUS_PRIVILEGE_NOT_HELD"},
	{0xC0000064, "STATUS_NO_SUCH_USER"},
	{0xC000006A, "STATUS_WRONG_PASSWORD"},
	{0xC000006D, "STATUS_LOGON_FAILURE"},
	{0xC000006E, "STATUS_ACCOUNT_RESTRICTION"},
	{0xC000006F, "STATUS_INVALID_LOGON_HOURS"},
	{0xC0000070, "STATUS_INVALID_WORKSTATION"},
	{0xC0000071, "STATUS_PASSWORD_EXPIRED"},
	{0xC0000072, "STATUS_ACCOUNT_DISABLED"},
	{0xC000007E, "STATUS_RANGE_NOT_LOCKED"},
	{0xC000007F, "STATUS_DISK_FULL"},
	{0xC000009A, "STATUS_INSUFFICIENT_RESOURCES"},
	{0xC00000AC, "STATUS_PIPE_NOT_AVAILABLE"},
	{0xC00000AD, "STATUS_INVALID_PIPE_STATE"},
	{0xC00000AE, "STATUS_PIPE_BUSY"},
	{0xC00000B0, "STATUS_PIPE_DISCONNECTED"},
	{0xC00000B1, "STATUS_PIPE_CLOSING"},
	{0xC00000B5, "STATUS_IO_TIMEOUT"},
	{0xC00000BA, "STATUS_FILE_IS_A_DIRECTORY"},
	{0xC00000BB, "STATUS_NOT_SUPPORTED"},
	{0xC00000BE, "STATUS_BAD_NETWORK_PATH"},
	{0xC00000C3, "STATUS_INVALID_NETWORK_RESPONSE"},
	{0xC00000C4, "STATUS_UNEXPECTED_NETWORK_ERROR"},
	{0xC00000C9, "STATUS_NETWORK_NAME_DELETED"},
	{0xC00000CA, "STATUS_NETWORK_ACCESS_DENIED"},
	{0xC00000CC, "STATUS_BAD_NETWORK_NAME"},
	{0xC00000D0, "STATUS_REQUEST_NOT_ACCEPTED"},
	{0xC00000E5, "STATUS_INTERNAL_ERROR"},
	{0xC0000101, "STATUS_DIRECTORY_NOT_EMPTY"},
	{0xC0000103, "STATUS_NOT_A_DIRECTORY"},
	{0xC0000120, "STATUS_CANCELLED"},
	{0xC0000128, "STATUS_FILE_CLOSED"},
	{0xC000014B, "STATUS_PIPE_BROKEN"},
	{0xC000015B, "STATUS_LOGON_TYPE_NOT_GRANTED"},
	{0xC0000184, "STATUS_INVALID_DEVICE_STATE"},
	{0xC000018D, "STATUS_TRUSTED_RELATIONSHIP_FAILURE"},
	{0xC0000193, "STATUS_ACCOUNT_EXPIRED"},
	{0xC0000203, "STATUS_USER_SESSION_DELETED"},
	{0xC0000205, "STATUS_INSUFF_SERVER_RESOURCES"},
	{0xC000020C, "STATUS_CONNECTION_DISCONNECTED"},
	{0xC000020D, "STATUS_CONNECTION_RESET"},
	{0xC0000224, "STATUS_PASSWORD_MUST_CHANGE"},
	{0xC0000225, "STATUS_NOT_FOUND"},
	{0xC0000234, "STATUS_ACCOUNT_LOCKED_OUT"},
	{0xC0000236, "STATUS_CONNECTION_REFUSED"},
	{0xC000023C, "STATUS_NETWORK_UNREACHABLE"},
	{0xC000023D, "STATUS_HOST_UNREACHABLE"},
	{0xC0000241, "STATUS_CONNECTION_ABORTED"},
	{0xC0000257, "STATUS_PATH_NOT_COVERED"},
	{0xC000035C, "STATUS_NETWORK_SESSION_EXPIRED"},
	{0xC000A002, "STATUS_AUTH_TAG_MISMATCH"},
}

// SMBStatusName names a common NT status as Windows headers and Wireshark do
// ("STATUS_ACCESS_DENIED"), or returns "" for one it does not know so that the
// caller can print the number instead.
func SMBStatusName(s uint32) string {
	// The table is sorted by code: binary search, no map, no allocation.
	lo, hi := 0, len(smbStatusNames)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if smbStatusNames[mid].code < s {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(smbStatusNames) && smbStatusNames[lo].code == s {
		return smbStatusNames[lo].name
	}
	return ""
}

package smb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"

	"softsa/decoders"
)

// ---------------------------------------------------------------------------
// Hand-built fixtures. The builders follow MS-SMB2 §2.2 and MS-CIFS §2.2
// field by field, so each fixture reads as the message it stands for; the
// comment on each table entry says what it is and why it is there.

// h2 is an SMB2 header to build.
type h2 struct {
	cmd     uint16
	flags   uint32
	mid     uint64
	sid     uint64
	tid     uint32
	aid     uint64
	status  uint32
	credits uint16
	next    uint32
}

// smb2Msg returns an SMB2 message: the 64-byte header, then body.
func smb2Msg(h h2, body []byte) []byte {
	b := []byte{0xFE, 'S', 'M', 'B'}
	b = binary.LittleEndian.AppendUint16(b, 64)
	b = binary.LittleEndian.AppendUint16(b, 1) // credit charge
	b = binary.LittleEndian.AppendUint32(b, h.status)
	b = binary.LittleEndian.AppendUint16(b, h.cmd)
	b = binary.LittleEndian.AppendUint16(b, h.credits)
	b = binary.LittleEndian.AppendUint32(b, h.flags)
	b = binary.LittleEndian.AppendUint32(b, h.next)
	b = binary.LittleEndian.AppendUint64(b, h.mid)
	if h.flags&SMB2FlagAsync != 0 {
		b = binary.LittleEndian.AppendUint64(b, h.aid)
	} else {
		b = binary.LittleEndian.AppendUint32(b, 0xFEFF) // process id
		b = binary.LittleEndian.AppendUint32(b, h.tid)
	}
	b = binary.LittleEndian.AppendUint64(b, h.sid)
	b = append(b, make([]byte, 16)...) // signature
	return append(b, body...)
}

// compoundOf chains SMB2 messages: each but the last is padded to 8
// bytes and its NextCommand set to its padded length.
func compoundOf(msgs ...[]byte) []byte {
	var out []byte
	for i, m := range msgs {
		m = append([]byte(nil), m...)
		if i < len(msgs)-1 {
			for len(m)%8 != 0 {
				m = append(m, 0)
			}
			binary.LittleEndian.PutUint32(m[20:], uint32(len(m)))
		}
		out = append(out, m...)
	}
	return out
}

// withNBSS wraps a payload in a NetBIOS session message header with a
// 24-bit length (as on port 445).
func withNBSS(payload []byte) []byte {
	n := len(payload)
	return append([]byte{0, byte(n >> 16), byte(n >> 8), byte(n)}, payload...)
}

// cat concatenates byte slices into a new segment.
func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// utf16le encodes s as UTF-16LE.
func utf16le(s string) []byte {
	var b []byte
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			b = binary.LittleEndian.AppendUint16(b, uint16(0xD800+(r>>10)))
			b = binary.LittleEndian.AppendUint16(b, uint16(0xDC00+(r&0x3FF)))
			continue
		}
		b = binary.LittleEndian.AppendUint16(b, uint16(r))
	}
	return b
}

var testFileID = [16]byte{0x11, 0, 0, 0, 0x22, 0, 0, 0, 0x33, 0, 0, 0, 0x44, 0, 0, 0}

// SMB2 bodies (MS-SMB2 §2.2.3-§2.2.22).

func negotiateReq(dialects ...uint16) []byte {
	b := binary.LittleEndian.AppendUint16(nil, 36)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(dialects)))
	b = append(b, make([]byte, 32)...) // security mode, reserved, capabilities, client guid, start time
	for _, d := range dialects {
		b = binary.LittleEndian.AppendUint16(b, d)
	}
	return b
}

func negotiateResp(dialect uint16) []byte {
	b := binary.LittleEndian.AppendUint16(nil, 65)
	b = binary.LittleEndian.AppendUint16(b, 1) // security mode
	b = binary.LittleEndian.AppendUint16(b, dialect)
	return append(b, make([]byte, 58)...) // rest of the fixed part, no buffer
}

// createReq builds a CREATE request; nameLen < 0 means len(name).
func createReq(name []byte, nameLen int) []byte {
	if nameLen < 0 {
		nameLen = len(name)
	}
	b := binary.LittleEndian.AppendUint16(nil, 57)
	b = append(b, make([]byte, 42)...) // security flags … create options
	b = binary.LittleEndian.AppendUint16(b, 64+56)
	b = binary.LittleEndian.AppendUint16(b, uint16(nameLen))
	b = append(b, make([]byte, 8)...) // create contexts offset/length
	b = append(b, name...)
	if len(name) == 0 {
		b = append(b, 0) // the 1-byte variable part MS-SMB2 asks for
	}
	return b
}

func createResp(id [16]byte) []byte {
	b := binary.LittleEndian.AppendUint16(nil, 89)
	b = append(b, make([]byte, 62)...) // oplock … reserved2
	b = append(b, id[:]...)
	return append(b, make([]byte, 8)...) // create contexts offset/length
}

func closeReq(id [16]byte) []byte {
	b := binary.LittleEndian.AppendUint16(nil, 24)
	b = append(b, make([]byte, 6)...)
	return append(b, id[:]...)
}

func readReq(length uint32, off uint64, id [16]byte) []byte {
	b := binary.LittleEndian.AppendUint16(nil, 49)
	b = append(b, 0x50, 0) // padding, flags
	b = binary.LittleEndian.AppendUint32(b, length)
	b = binary.LittleEndian.AppendUint64(b, off)
	b = append(b, id[:]...)
	return append(b, make([]byte, 17)...) // minimum count … buffer
}

func readResp(data []byte, declared uint32) []byte {
	b := binary.LittleEndian.AppendUint16(nil, 17)
	b = append(b, 0x50, 0)
	b = binary.LittleEndian.AppendUint32(b, declared)
	b = append(b, make([]byte, 8)...)
	return append(b, data...)
}

func writeReq(data []byte, off uint64, id [16]byte) []byte {
	b := binary.LittleEndian.AppendUint16(nil, 49)
	b = binary.LittleEndian.AppendUint16(b, 64+48)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	b = binary.LittleEndian.AppendUint64(b, off)
	b = append(b, id[:]...)
	b = append(b, make([]byte, 16)...) // channel … flags
	return append(b, data...)
}

func writeResp(count uint32) []byte {
	b := binary.LittleEndian.AppendUint16(nil, 17)
	b = append(b, 0, 0)
	b = binary.LittleEndian.AppendUint32(b, count)
	return append(b, make([]byte, 8)...)
}

func errorResp() []byte {
	return []byte{9, 0, 0, 0, 0, 0, 0, 0, 0}
}

// smb1Msg returns an SMB1 message: 32-byte header, WordCount, words,
// ByteCount, bytes.
func smb1Msg(cmd uint8, reply bool, flags2 uint16, mid uint16, words, data []byte) []byte {
	flags := byte(0x18)
	if reply {
		flags |= 0x80
	}
	b := []byte{0xFF, 'S', 'M', 'B', cmd, 0, 0, 0, 0, flags}
	b = binary.LittleEndian.AppendUint16(b, flags2)
	b = append(b, make([]byte, 12)...)              // PIDHigh, security features, reserved
	b = binary.LittleEndian.AppendUint16(b, 7)      // TID
	b = binary.LittleEndian.AppendUint16(b, 0xFEFF) // PIDLow
	b = binary.LittleEndian.AppendUint16(b, 0x800)  // UID
	b = binary.LittleEndian.AppendUint16(b, mid)
	b = append(b, byte(len(words)/2))
	b = append(b, words...)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(data)))
	return append(b, data...)
}

// andX is the 4-byte AndX header that starts an AndX command's words.
func andX(next uint8, off uint16) []byte {
	return binary.LittleEndian.AppendUint16([]byte{next, 0}, off)
}

// describe renders one message compactly for the table tests.
func describe(m *Message) string {
	var b strings.Builder
	b.WriteString(m.Kind.String())
	switch m.Kind {
	case KindSMB2:
		fmt.Fprintf(&b, " %s mid=%d", SMB2CommandName(m.Command), m.MessageID)
	case KindSMB1:
		fmt.Fprintf(&b, " %s mid=%d", SMB1CommandName(uint8(m.Command)), m.MessageID)
	default:
		fmt.Fprintf(&b, " orig=%d", m.OriginalSize)
	}
	if m.Response {
		b.WriteString(" resp")
	}
	if m.Async {
		fmt.Fprintf(&b, " async=%#x", m.AsyncID)
	}
	if m.Status != 0 {
		if n := StatusName(m.Status); n != "" {
			b.WriteString(" " + n)
		} else {
			fmt.Fprintf(&b, " status=%#x", m.Status)
		}
	}
	if m.SessionID != 0 {
		fmt.Fprintf(&b, " sid=%#x", m.SessionID)
	}
	if m.Partial {
		b.WriteString(" partial")
	}
	full := map[Kind]int{KindSMB1: SMB1HeaderLen, KindSMB2: SMB2HeaderLen, KindTransform: TransformHeaderLen, KindCompressed: CompressedHeaderLen}[m.Kind]
	if m.HeaderBytes < full {
		fmt.Fprintf(&b, " hdr=%d", m.HeaderBytes)
	}
	if m.Fields&FieldName != 0 {
		fmt.Fprintf(&b, " name=%q", m.AppendName(nil))
	}
	if m.Fields&FieldFileID != 0 {
		if m.Kind == KindSMB1 {
			fmt.Fprintf(&b, " fid=%#x", m.FID)
		} else {
			fmt.Fprintf(&b, " fileid=%x", m.FileID[:4])
		}
	}
	if m.Fields&FieldLength != 0 {
		fmt.Fprintf(&b, " len=%d", m.DataLength)
	}
	if m.Fields&FieldOffset != 0 {
		fmt.Fprintf(&b, " off=%d", m.FileOffset)
	}
	if m.Fields&FieldDialect != 0 {
		fmt.Fprintf(&b, " dialect=%#04x", m.DialectRevision)
	}
	if m.Fields&FieldDialects != 0 {
		var ds []string
		if m.Kind == KindSMB2 {
			for i := 0; i < m.DialectCount(); i++ {
				ds = append(ds, DialectName(m.Dialect(i)))
			}
		} else {
			for name, next := m.SMB1Dialect(0); next >= 0; name, next = m.SMB1Dialect(next) {
				ds = append(ds, string(name))
			}
		}
		fmt.Fprintf(&b, " dialects=%s", strings.Join(ds, "|"))
	}
	return b.String()
}

// sentinels names the sentinel errors for the table tests.
var sentinels = []struct {
	name string
	err  error
}{{"truncated", decoders.ErrTruncated}, {"badlength", decoders.ErrBadLength}, {"toomany", decoders.ErrTooMany}, {"notfound", decoders.ErrNotFound}}

// walk runs a parser over seg and renders every Next result, with
// "err:<sentinel>" for errors, until decoders.ErrDone or a final error. It checks the
// invariants every message must hold and fails the test if the walk does
// not end.
func walk(t *testing.T, seg []byte) (startErr string, got []string) {
	t.Helper()
	var p Parser
	if err := p.Start(seg); err != nil {
		return errName(err), nil
	}
	for i := 0; i < 10*MaxMessages; i++ {
		m, err := p.Next()
		if errors.Is(err, decoders.ErrDone) {
			return "", got
		}
		if err != nil {
			got = append(got, "err:"+errName(err))
			if p.err != nil {
				if _, err2 := p.Next(); err2 != p.err {
					t.Errorf("final error not sticky: %v then %v", err, err2)
				}
				return "", got
			}
			continue
		}
		checkMessage(t, seg, &m)
		got = append(got, describe(&m))
	}
	t.Fatalf("walk did not end after %d calls", 10*MaxMessages)
	return "", got
}

func errName(err error) string {
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return s.name
		}
	}
	return "other(" + err.Error() + ")"
}

// within reports whether sub lies inside seg (the same backing
// array, between its first and last byte).
func within(seg, sub []byte) bool {
	if len(sub) == 0 {
		return true
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(seg)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(sub)))
	return p >= base && p+uintptr(len(sub)) <= base+uintptr(len(seg))
}

// checkMessage asserts what holds for every message on every input.
func checkMessage(t testing.TB, seg []byte, m *Message) {
	t.Helper()
	if m.Offset < 0 || m.Offset >= len(seg) {
		t.Fatalf("Offset %d outside a %d-byte segment", m.Offset, len(seg))
	}
	for name, b := range map[string][]byte{"Body": m.Body, "Signature": m.Signature, "NameUTF16": m.NameUTF16, "NameOEM": m.NameOEM, "dialects": m.dialects} {
		if !within(seg, b) {
			t.Fatalf("%s (%d bytes) is not inside the segment", name, len(b))
		}
	}
	if end := m.Offset + int(m.Length); m.Partial != (end > len(seg)) {
		t.Fatalf("Partial %v for a message of %d bytes at %d in a %d-byte segment", m.Partial, m.Length, m.Offset, len(seg))
	}
	if len(m.Body) > 0 && !m.Partial && m.HeaderBytes+len(m.Body) != int(m.Length) {
		t.Fatalf("complete message: header %d + body %d != length %d", m.HeaderBytes, len(m.Body), m.Length)
	}
	if name := m.AppendName(nil); !utf8.Valid(name) {
		t.Fatalf("AppendName produced invalid UTF-8 %q", name)
	}
	w := m.AndX()
	for i := 0; ; i++ {
		if i > maxAndX+1 {
			t.Fatal("AndX walk did not end")
		}
		b, err := w.Next()
		if err != nil {
			break
		}
		if !within(seg, b.Words) || !within(seg, b.Bytes) {
			t.Fatal("AndX block outside the segment")
		}
	}
}

// parserCase is one hand-built segment and what walking it must give.

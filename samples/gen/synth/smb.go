package synth

import (
	"encoding/binary"
	"time"
	"unicode/utf16"
)

// SMB2 commands ([MS-SMB2] §2.2.1).
const (
	smb2Negotiate      uint16 = 0
	smb2SessionSetup   uint16 = 1
	smb2TreeConnect    uint16 = 3
	smb2TreeDisconnect uint16 = 4
	smb2Create         uint16 = 5
	smb2Close          uint16 = 6
	smb2Read           uint16 = 8
	smb2Write          uint16 = 9
)

// NT status codes used in responses.
const (
	statusSuccess                uint32 = 0
	statusMoreProcessingRequired uint32 = 0xC0000016
)

// SMB2 dialect revisions ([MS-SMB2] §2.2.4).
const (
	dialect202      uint16 = 0x0202 // SMB 2.0.2: Vista SP1 and Server 2008
	dialect210      uint16 = 0x0210 // SMB 2.1: Windows 7 and Server 2008 R2
	dialectWildcard uint16 = 0x02ff // "SMB 2.???": answer to a multi-protocol negotiate, renegotiate in SMB2
)

// smb2Dialect is the dialect a client and a server of these releases agree
// on (both Vista or later).
func smb2Dialect(cli, srv Release) uint16 {
	if cli >= Win7 && srv >= Win7 {
		return dialect210
	}
	return dialect202
}

// smb2Header is the sync SMB2 header ([MS-SMB2] §2.2.1.2).
type smb2Header struct {
	cmd       uint16
	response  bool
	status    uint32
	msgID     uint64
	treeID    uint32
	sessionID uint64
	credits   uint16
}

func (h smb2Header) bytes() []byte {
	b := []byte{0xfe, 'S', 'M', 'B', 64, 0, 0, 0}
	b = binary.LittleEndian.AppendUint32(b, h.status)
	b = binary.LittleEndian.AppendUint16(b, h.cmd)
	b = binary.LittleEndian.AppendUint16(b, max(h.credits, 1))
	var flags uint32
	if h.response {
		flags = 1 // SMB2_FLAGS_SERVER_TO_REDIR
	}
	b = binary.LittleEndian.AppendUint32(b, flags)
	b = binary.LittleEndian.AppendUint32(b, 0) // NextCommand
	b = binary.LittleEndian.AppendUint64(b, h.msgID)
	b = binary.LittleEndian.AppendUint32(b, 0xfeff) // ProcessId
	b = binary.LittleEndian.AppendUint32(b, h.treeID)
	b = binary.LittleEndian.AppendUint64(b, h.sessionID)
	return append(b, make([]byte, 16)...) // unsigned
}

// netbios frames an SMB message with the NetBIOS session service header
// (RFC 1002 §4.3.6; type 0, 24-bit length as Direct TCP uses it).
func netbios(msg []byte) []byte {
	n := len(msg)
	return append([]byte{0, byte(n >> 16), byte(n >> 8), byte(n)}, msg...)
}

// smb2Message frames header and body for TCP 445.
func smb2Message(h smb2Header, body []byte) []byte {
	return netbios(append(h.bytes(), body...))
}

func le16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func le64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }

// utf16le encodes s as SMB sends names.
func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = le16(b, u)
	}
	return b
}

// filetime converts t to a Windows FILETIME.
func filetime(t time.Time) uint64 {
	return uint64(t.UnixNano()/100) + 116444736000000000
}

func smb2NegotiateReq(clientGUID []byte, dialects ...uint16) []byte {
	b := le16(nil, 36)
	b = le16(b, uint16(len(dialects)))
	b = le16(b, 1) // signing enabled
	b = le16(b, 0)
	b = le32(b, 0)
	b = append(b, clientGUID...)
	b = le64(b, 0)
	for _, d := range dialects {
		b = le16(b, d)
	}
	return b
}

func smb2NegotiateResp(dialect uint16, serverGUID []byte, now, boot time.Time, secBlob []byte) []byte {
	b := le16(nil, 65)
	b = le16(b, 1)
	b = le16(b, dialect)
	b = le16(b, 0)
	b = append(b, serverGUID...)
	b = le32(b, 1) // DFS
	b = le32(b, 65536)
	b = le32(b, 65536)
	b = le32(b, 65536)
	b = le64(b, filetime(now))
	b = le64(b, filetime(boot))
	b = le16(b, 64+64)
	b = le16(b, uint16(len(secBlob)))
	b = le32(b, 0)
	return append(b, secBlob...)
}

func smb2SessionSetupReq(secBlob []byte) []byte {
	b := []byte{25, 0, 0, 1} // StructureSize, Flags, SecurityMode: signing enabled
	b = le32(b, 1)           // Capabilities: DFS
	b = le32(b, 0)           // Channel
	b = le16(b, 64+24)
	b = le16(b, uint16(len(secBlob)))
	b = le64(b, 0) // PreviousSessionId
	return append(b, secBlob...)
}

func smb2SessionSetupResp(secBlob []byte) []byte {
	b := le16(nil, 9)
	b = le16(b, 0)
	b = le16(b, 64+8)
	b = le16(b, uint16(len(secBlob)))
	return append(b, secBlob...)
}

func smb2TreeConnectReq(path string) []byte {
	p := utf16le(path)
	b := le16(nil, 9)
	b = le16(b, 0)
	b = le16(b, 64+8)
	b = le16(b, uint16(len(p)))
	return append(b, p...)
}

func smb2TreeConnectResp() []byte {
	b := le16(nil, 16)
	b = append(b, 1, 0) // disk share
	b = le32(b, 0)
	b = le32(b, 0)
	return le32(b, 0x001f01ff)
}

// smb2CreateReq opens name to read, or to write (FILE_OPEN_IF: created when
// missing, kept when a reconnecting copy resumes it).
func smb2CreateReq(name string, write bool) []byte {
	n := utf16le(name)
	access, share, disposition := uint32(0x00120089), uint32(1), uint32(1) // read, share read, FILE_OPEN
	if write {
		access, share, disposition = 0x0012019f, 0, 3 // read/write, no sharing, FILE_OPEN_IF
	}
	b := le16(nil, 57)
	b = append(b, 0, 0) // SecurityFlags, RequestedOplockLevel none
	b = le32(b, 2)      // impersonation
	b = le64(b, 0)
	b = le64(b, 0)
	b = le32(b, access)
	b = le32(b, 0x80) // FILE_ATTRIBUTE_NORMAL
	b = le32(b, share)
	b = le32(b, disposition)
	b = le32(b, 0x44) // non-directory, synchronous I/O
	b = le16(b, 64+56)
	b = le16(b, uint16(len(n)))
	b = le32(b, 0)
	b = le32(b, 0)
	return append(b, n...)
}

func smb2CreateResp(fid []byte, created bool, size uint64, ft uint64) []byte {
	action := uint32(1) // opened
	if created {
		action = 2
	}
	b := le16(nil, 89)
	b = append(b, 0, 0)
	b = le32(b, action)
	for range 4 {
		b = le64(b, ft)
	}
	b = le64(b, (size+4095)/4096*4096)
	b = le64(b, size)
	b = le32(b, 0x20) // archive
	b = le32(b, 0)
	b = append(b, fid...)
	b = le32(b, 0)
	return le32(b, 0)
}

func smb2ReadReq(fid []byte, off uint64, n uint32) []byte {
	b := le16(nil, 49)
	b = append(b, 0x50, 0)
	b = le32(b, n)
	b = le64(b, off)
	b = append(b, fid...)
	b = le32(b, 0)
	b = le32(b, 0)
	b = le32(b, 0)
	b = le16(b, 0)
	b = le16(b, 0)
	return append(b, 0)
}

func smb2ReadResp(data []byte) []byte {
	b := le16(nil, 17)
	b = append(b, 64+16, 0)
	b = le32(b, uint32(len(data)))
	b = le32(b, 0)
	b = le32(b, 0)
	return append(b, data...)
}

func smb2WriteReq(fid []byte, off uint64, data []byte) []byte {
	b := le16(nil, 49)
	b = le16(b, 64+48)
	b = le32(b, uint32(len(data)))
	b = le64(b, off)
	b = append(b, fid...)
	b = le32(b, 0)
	b = le32(b, 0)
	b = le16(b, 0)
	b = le16(b, 0)
	b = le32(b, 0)
	return append(b, data...)
}

func smb2WriteResp(n uint32) []byte {
	b := le16(nil, 17)
	b = le16(b, 0)
	b = le32(b, n)
	b = le32(b, 0)
	b = le16(b, 0)
	return le16(b, 0)
}

func smb2CloseReq(fid []byte) []byte {
	b := le16(nil, 24)
	b = le16(b, 0)
	b = le32(b, 0)
	return append(b, fid...)
}

func smb2CloseResp() []byte {
	b := le16(nil, 60)
	b = le16(b, 0)
	b = le32(b, 0)
	return append(b, make([]byte, 52)...)
}

// smb2TreeDisconnectBody serves request and response alike (StructureSize 4).
func smb2TreeDisconnectBody() []byte { return le16(le16(nil, 4), 0) }

package synth

import (
	"slices"
	"time"
)

// SMB1 (CIFS) as [MS-CIFS] defines it with the NT LM 0.12 extensions of
// [MS-SMB]: the only dialect Windows XP and Server 2003 speak, and the one a
// Vista or 2008 client falls back to with them. Each builder returns the
// parameter words and data bytes of one message; smb1Message adds the header,
// WordCount, ByteCount and the NetBIOS session header.

// SMB1 commands ([MS-CIFS] §2.2.2.1).
const (
	smb1Close            uint8 = 0x04
	smb1Echo             uint8 = 0x2b
	smb1ReadAndX         uint8 = 0x2e
	smb1WriteAndX        uint8 = 0x2f
	smb1TreeDisconnect   uint8 = 0x71
	smb1Negotiate        uint8 = 0x72
	smb1SessionSetupAndX uint8 = 0x73
	smb1TreeConnectAndX  uint8 = 0x75
	smb1NTCreateAndX     uint8 = 0xa2
	smb1NoAndX           uint8 = 0xff // SMB_COM_NO_ANDX_COMMAND
)

// Header flags ([MS-CIFS] §2.2.3.1).
const (
	// smb1Flags is SMB_FLAGS_CASE_INSENSITIVE | SMB_FLAGS_CANONICALIZED_PATHS.
	smb1Flags byte = 0x18
	// smb1FlagReply is SMB_FLAGS_REPLY.
	smb1FlagReply byte = 0x80
	// smb1Flags2 is SMB_FLAGS2_UNICODE, NT_STATUS, EXTENDED_SECURITY,
	// SMB_SECURITY_SIGNATURE (signing supported; no session here signs),
	// EAS and KNOWS_LONG_NAMES.
	smb1Flags2 uint16 = 0xc807
)

// Capabilities ([MS-CIFS] §2.2.4.52.2, [MS-SMB] §2.2.4.5.2).
const (
	// capsXP: RAW_MODE, UNICODE, LARGE_FILES, NT_SMBS, RPC_REMOTE_APIS,
	// STATUS32, LEVEL_II_OPLOCKS, LOCK_AND_READ, NT_FIND, DFS,
	// INFOLEVEL_PASSTHRU, LARGE_READX, LARGE_WRITEX, EXTENDED_SECURITY.
	capsXP uint32 = 0x8000f3fd
	// capsServer adds LWIO (Server 2003 and later).
	capsServer uint32 = capsXP | 0x00010000
	// capsSamba adds UNIX to the XP set (a Samba 3 NAS).
	capsSamba uint32 = capsXP | 0x00800000
	// capsClient: UNICODE, NT_SMBS, STATUS32, LEVEL_II_OPLOCKS,
	// EXTENDED_SECURITY, as a Windows client puts them in SESSION_SETUP_ANDX.
	capsClient uint32 = 0x800000d4
)

// smb1MaxBuffer is the MaxBufferSize both sides announce (16644, Windows'
// default on a machine with enough memory).
const smb1MaxBuffer = 16644

// dialectNTLM012 is the SMB1 dialect every pair that does not speak SMB2
// agrees on.
const dialectNTLM012 = "NT LM 0.12"

// smb1Dialects is the dialect list of a client's SMB1 NEGOTIATE: Windows'
// six SMB1 dialects, plus "SMB 2.002" from Vista on ([MS-SMB2] §4.1) and
// "SMB 2.???" from Windows 7 on (§4.2); a non-Windows client is Samba 3's
// smbclient.
func smb1Dialects(r Release) []string {
	windows := []string{"PC NETWORK PROGRAM 1.0", "LANMAN1.0", "Windows for Workgroups 3.1a", "LM1.2X002", "LANMAN2.1", dialectNTLM012}
	switch {
	case r >= Win7:
		return append(windows, "SMB 2.002", "SMB 2.???")
	case r.VistaOrLater():
		return append(windows, "SMB 2.002")
	case r.Legacy():
		return windows
	}
	return []string{"PC NETWORK PROGRAM 1.0", "MICROSOFT NETWORKS 1.03", "MICROSOFT NETWORKS 3.0", "LANMAN1.0",
		"LM1.2X002", "DOS LANMAN2.1", "LANMAN2.1", "Samba", "NT LANMAN 1.0", dialectNTLM012}
}

// speaksSMB2 reports whether a client of release cli and a server of release
// srv end up in SMB2: both must implement it, which Windows does from Vista
// and Server 2008 on. XP and Server 2003 speak only SMB1, as does a Samba 3
// NAS of 2009 and a Samba client.
func speaksSMB2(cli, srv Release) bool { return cli.VistaOrLater() && srv.VistaOrLater() }

// smb1Capabilities returns what a server of release r announces in its
// NEGOTIATE response.
func smb1Capabilities(r Release) uint32 {
	switch {
	case r == WinXP:
		return capsXP
	case r == ReleaseOther:
		return capsSamba
	}
	return capsServer
}

// nativeOS returns the NativeOS and NativeLanMan strings a host of release r
// sends in SESSION_SETUP_ANDX.
func nativeOS(r Release) (string, string) {
	switch r {
	case WinXP:
		return "Windows 2002 Service Pack 3 2600", "Windows 2002 5.1"
	case Win2003:
		return "Windows Server 2003 3790 Service Pack 2", "Windows Server 2003 5.2"
	case Vista:
		return "Windows Vista (TM) Business 6002 Service Pack 2", "Windows Vista (TM) Business 6.0"
	case Win2008:
		return "Windows Server (R) 2008 Standard 6002 Service Pack 2", "Windows Server (R) 2008 Standard 6.0"
	case Win7:
		return "Windows 7 Professional 7600", "Windows 7 Professional 6.1"
	case Win2008R2:
		return "Windows Server 2008 R2 Standard 7600", "Windows Server 2008 R2 Standard 6.1"
	}
	return "Unix", "Samba 3.0.34"
}

// smb1Header is the SMB1 header ([MS-CIFS] §2.2.3.1, [MS-SMB] §2.2.3.1).
type smb1Header struct {
	cmd      uint8
	response bool
	status   uint32 // NT status (SMB_FLAGS2_NT_STATUS)
	tid      uint16
	pid      uint16
	uid      uint16
	mid      uint16
}

func (h smb1Header) bytes() []byte {
	b := []byte{0xff, 'S', 'M', 'B', h.cmd}
	b = le32(b, h.status)
	flags := smb1Flags
	if h.response {
		flags |= smb1FlagReply
	}
	b = append(b, flags)
	b = le16(b, smb1Flags2)
	b = le16(b, 0)                    // PIDHigh
	b = append(b, make([]byte, 8)...) // SecurityFeatures: unsigned session
	b = le16(b, 0)                    // Reserved
	b = le16(b, h.tid)
	b = le16(b, h.pid)
	b = le16(b, h.uid)
	return le16(b, h.mid)
}

// smb1HeaderLen is the length of the SMB1 header.
const smb1HeaderLen = 32

// smb1Body is one command's SMB_Parameters words and SMB_Data bytes.
type smb1Body struct {
	words []byte // an even number of bytes: WordCount is len/2
	data  []byte
}

// smb1Message frames header and body for TCP 445: WordCount and ByteCount
// are computed. A READ_ANDX or WRITE_ANDX carrying 64 KiB or more puts the
// low 16 bits of the data length in ByteCount, as Windows does; the exact
// length travels in DataLength and DataLengthHigh.
func smb1Message(h smb1Header, body smb1Body) []byte {
	b := h.bytes()
	b = append(b, byte(len(body.words)/2))
	b = append(b, body.words...)
	b = le16(b, uint16(len(body.data)))
	return netbios(append(b, body.data...))
}

// dataStart is where the data bytes of a message with words begin, counted
// from the start of the SMB header: offsets inside SMB1 are.
func dataStart(words []byte) int { return smb1HeaderLen + 1 + len(words) + 2 }

// align2 appends the pad byte that puts the next field of the data block at
// an even offset from the header, as Unicode strings and Windows' READ/WRITE
// data need.
func align2(words, data []byte) []byte {
	if (dataStart(words)+len(data))%2 == 1 {
		data = append(data, 0)
	}
	return data
}

// unicodeStrings appends NUL-terminated UTF-16LE strings, aligned.
func unicodeStrings(words, data []byte, ss ...string) []byte {
	data = align2(words, data)
	for _, s := range ss {
		data = append(data, utf16le(s)...)
		data = append(data, 0, 0)
	}
	return data
}

// andX starts an AndX command's words: no further command (AndXCommand
// 0xFF, AndXOffset 0, which the receiver ignores).
func andX() []byte { return []byte{smb1NoAndX, 0, 0, 0} }

// smb1NegotiateReq is SMB_COM_NEGOTIATE: WordCount 0, the dialect strings
// each behind a 0x02 buffer format byte.
func smb1NegotiateReq(dialects []string) smb1Body {
	var d []byte
	for _, s := range dialects {
		d = append(d, 0x02)
		d = append(d, s...)
		d = append(d, 0)
	}
	return smb1Body{data: d}
}

// dialectIndex returns the index of name in dialects, which must hold it.
func dialectIndex(dialects []string, name string) uint16 {
	i := slices.Index(dialects, name)
	if i < 0 {
		panic("synth: dialect " + name + " not offered")
	}
	return uint16(i)
}

// smb1NegotiateResp is the NT LM 0.12 response with extended security
// ([MS-SMB] §2.2.4.5.2.1): WordCount 17, then the server GUID and the SPNEGO
// token that lists the server's mechanisms.
func smb1NegotiateResp(index uint16, caps uint32, now time.Time, serverGUID, secBlob []byte) smb1Body {
	w := le16(nil, index)
	w = append(w, 0x03)        // SecurityMode: user level, challenge/response; no signing
	w = le16(w, 50)            // MaxMpxCount
	w = le16(w, 1)             // MaxNumberVcs
	w = le32(w, smb1MaxBuffer) // MaxBufferSize
	w = le32(w, 65536)         // MaxRawSize
	w = le32(w, 0)             // SessionKey
	w = le32(w, caps)          // Capabilities
	w = le64(w, filetime(now)) // SystemTime
	w = le16(w, 0)             // ServerTimeZone: UTC
	w = append(w, 0)           // ChallengeLength: 0 with extended security
	d := append([]byte(nil), serverGUID...)
	return smb1Body{words: w, data: append(d, secBlob...)}
}

// smb1SessionSetupReq is SESSION_SETUP_ANDX with extended security
// ([MS-SMB] §2.2.4.6.1): WordCount 12, the security blob, NativeOS and
// NativeLanMan.
func smb1SessionSetupReq(secBlob []byte, os, lanMan string) smb1Body {
	w := andX()
	w = le16(w, smb1MaxBuffer) // MaxBufferSize
	w = le16(w, 50)            // MaxMpxCount
	w = le16(w, 0)             // VcNumber
	w = le32(w, 0)             // SessionKey
	w = le16(w, uint16(len(secBlob)))
	w = le32(w, 0) // Reserved
	w = le32(w, capsClient)
	d := append([]byte(nil), secBlob...)
	return smb1Body{words: w, data: unicodeStrings(w, d, os, lanMan)}
}

// smb1SessionSetupResp is the extended-security response ([MS-SMB]
// §2.2.4.6.2): WordCount 4.
func smb1SessionSetupResp(secBlob []byte, os, lanMan string) smb1Body {
	w := andX()
	w = le16(w, 0) // Action: not logged in as guest
	w = le16(w, uint16(len(secBlob)))
	d := append([]byte(nil), secBlob...)
	return smb1Body{words: w, data: unicodeStrings(w, d, os, lanMan)}
}

// smb1TreeConnectReq is TREE_CONNECT_ANDX ([MS-SMB] §2.2.4.7.1): an empty
// password (user-level security), the UNC path and service "?????" (any).
func smb1TreeConnectReq(path string) smb1Body {
	w := andX()
	w = le16(w, 0x0008) // Flags: TREE_CONNECT_ANDX_EXTENDED_RESPONSE
	w = le16(w, 1)      // PasswordLength
	d := unicodeStrings(w, []byte{0}, path)
	return smb1Body{words: w, data: append(d, "?????\x00"...)}
}

// smb1TreeConnectResp is the extended response ([MS-SMB] §2.2.4.7.2):
// WordCount 7, service "A:" (disk share) and the file system name.
func smb1TreeConnectResp() smb1Body {
	w := andX()
	w = le16(w, 0x0001)     // OptionalSupport: SMB_SUPPORT_SEARCH_BITS
	w = le32(w, 0x001f01ff) // MaximalShareAccessRights: full control
	w = le32(w, 0)          // GuestMaximalShareAccessRights
	return smb1Body{words: w, data: unicodeStrings(w, []byte("A:\x00"), "NTFS")}
}

// smb1NTCreateReq is NT_CREATE_ANDX ([MS-CIFS] §2.2.4.64.1) opening name
// (with its leading backslash) to read, or to write (FILE_OPEN_IF) as
// smb2CreateReq does. NameLength counts the name without its terminating
// NUL, as Windows sends it.
func smb1NTCreateReq(name string, write bool) smb1Body {
	access, share, disposition := uint32(0x00120089), uint32(1), uint32(1) // read, share read, FILE_OPEN
	if write {
		access, share, disposition = 0x0012019f, 0, 3 // read/write, no sharing, FILE_OPEN_IF
	}
	w := andX()
	w = append(w, 0) // Reserved
	w = le16(w, uint16(len(utf16le(name))))
	w = le32(w, 0) // Flags: no oplock
	w = le32(w, 0) // RootDirectoryFID
	w = le32(w, access)
	w = le64(w, 0)    // AllocationSize
	w = le32(w, 0x80) // ExtFileAttributes: FILE_ATTRIBUTE_NORMAL
	w = le32(w, share)
	w = le32(w, disposition)
	w = le32(w, 0x44) // CreateOptions: non-directory, synchronous I/O
	w = le32(w, 2)    // ImpersonationLevel: impersonation
	w = append(w, 0)  // SecurityFlags
	return smb1Body{words: w, data: unicodeStrings(w, nil, name)}
}

// smb1NTCreateResp is the NT_CREATE_ANDX response ([MS-CIFS] §2.2.4.64.2):
// WordCount 34, the FID and the file's times and sizes.
func smb1NTCreateResp(fid uint16, created bool, size, ft uint64) smb1Body {
	action := uint32(1) // FILE_OPENED
	if created {
		action = 2 // FILE_CREATED
	}
	w := andX()
	w = append(w, 0) // OplockLevel: none
	w = le16(w, fid)
	w = le32(w, action)
	for range 4 {
		w = le64(w, ft) // creation, last access, last write, change
	}
	w = le32(w, 0x20) // ExtFileAttributes: archive
	w = le64(w, (size+4095)/4096*4096)
	w = le64(w, size)
	w = le16(w, 0)   // ResourceType: file or directory
	w = le16(w, 0)   // NMPipeStatus
	w = append(w, 0) // Directory: no
	return smb1Body{words: w}
}

// smb1ReadReq is READ_ANDX with 64-bit offsets ([MS-SMB] §2.2.4.2.1):
// WordCount 12, OffsetHigh carrying the offset's high 32 bits and
// MaxCountHigh the count's high 16 (CAP_LARGE_READX).
func smb1ReadReq(fid uint16, off uint64, n uint32) smb1Body {
	w := andX()
	w = le16(w, fid)
	w = le32(w, uint32(off))
	w = le16(w, uint16(n))       // MaxCountOfBytesToReturn
	w = le16(w, uint16(n))       // MinCountOfBytesToReturn
	w = le16(w, uint16(n>>16))   // MaxCountHigh
	w = le16(w, 0)               //   and its two reserved bytes
	w = le16(w, 0)               // Remaining
	w = le32(w, uint32(off>>32)) // OffsetHigh
	return smb1Body{words: w}
}

// smb1ReadResp is the READ_ANDX response ([MS-SMB] §2.2.4.2.2): WordCount
// 12, the data one pad byte after ByteCount (DataOffset 60), DataLengthHigh
// for reads of 64 KiB or more.
func smb1ReadResp(data []byte) smb1Body {
	w := andX()
	w = le16(w, 0xffff) // Available: -1 for a disk file
	w = le16(w, 0)      // DataCompactionMode
	w = le16(w, 0)      // Reserved1
	w = le16(w, uint16(len(data)))
	w = le16(w, 0) // DataOffset, below
	w = le16(w, uint16(len(data)>>16))
	w = append(w, make([]byte, 8)...) // Reserved2
	d := align2(w, nil)
	copy(w[12:], le16(nil, uint16(dataStart(w)+len(d))))
	return smb1Body{words: w, data: append(d, data...)}
}

// smb1WriteReq is WRITE_ANDX with 64-bit offsets ([MS-SMB] §2.2.4.3.1):
// WordCount 14, one pad byte, the data at DataOffset 64.
func smb1WriteReq(fid uint16, off uint64, data []byte) smb1Body {
	w := andX()
	w = le16(w, fid)
	w = le32(w, uint32(off))
	w = le32(w, 0) // Timeout
	w = le16(w, 0) // WriteMode: not write-through
	w = le16(w, 0) // Remaining
	w = le16(w, uint16(len(data)>>16))
	w = le16(w, uint16(len(data)))
	w = le16(w, 0) // DataOffset, below
	w = le32(w, uint32(off>>32))
	d := align2(w, nil)
	copy(w[22:], le16(nil, uint16(dataStart(w)+len(d))))
	return smb1Body{words: w, data: append(d, data...)}
}

// smb1WriteResp is the WRITE_ANDX response ([MS-SMB] §2.2.4.3.2): WordCount
// 6, the count written split in Count and CountHigh.
func smb1WriteResp(n uint32) smb1Body {
	w := andX()
	w = le16(w, uint16(n))
	w = le16(w, 0xffff) // Available: -1 for a disk file
	w = le16(w, uint16(n>>16))
	w = le16(w, 0) // Reserved
	return smb1Body{words: w}
}

// smb1CloseReq is SMB_COM_CLOSE ([MS-CIFS] §2.2.4.5.1): WordCount 3, the
// FID and LastTimeModified 0xFFFFFFFF (leave the time alone).
func smb1CloseReq(fid uint16) smb1Body {
	return smb1Body{words: le32(le16(nil, fid), 0xffffffff)}
}

// smb1Empty is a body with WordCount 0 and ByteCount 0: the CLOSE and
// TREE_DISCONNECT responses, the TREE_DISCONNECT request.
func smb1Empty() smb1Body { return smb1Body{} }

// smb1EchoReq is SMB_COM_ECHO ([MS-CIFS] §2.2.4.39.1): EchoCount 1 and the
// data to send back.
func smb1EchoReq(data []byte) smb1Body { return smb1Body{words: le16(nil, 1), data: data} }

// smb1EchoResp is the echo's single response: SequenceNumber 1, the data.
func smb1EchoResp(data []byte) smb1Body { return smb1Body{words: le16(nil, 1), data: data} }

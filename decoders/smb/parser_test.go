package smb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"softsa/decoders"
)

type parserCase struct {
	name      string
	seg       []byte
	wantStart string // sentinel name, or "" when Start succeeds
	want      []string
}

// parserCases are the hand-built fixtures of TestParser, also seeds of
// FuzzParser; each entry says why it exists.
func parserCases() []parserCase {
	h := func(cmd uint16, mid uint64) h2 { return h2{cmd: cmd, mid: mid, sid: 0x1d, tid: 5} }
	resp := func(cmd uint16, mid uint64) h2 {
		x := h(cmd, mid)
		x.flags = SMB2FlagResponse
		return x
	}
	related := func(x h2) h2 { x.flags |= SMB2FlagRelated; return x }

	name := utf16le(`dir\file.txt`)
	compound := compoundOf(
		smb2Msg(h(SMB2Create, 10), createReq(name, -1)),
		smb2Msg(related(h(SMB2Read, 11)), readReq(65536, 1<<20, [16]byte{0: 0xFF})),
		smb2Msg(related(h(SMB2Close, 12)), closeReq([16]byte{0: 0xFF})),
	)
	readResp := smb2Msg(resp(SMB2Read, 11), readResp(bytes.Repeat([]byte{0xAB}, 1448-4-64-16), 65536))
	readRespPDU := withNBSS(readResp)
	// The NBSS length says 64+16+65536 bytes; the segment holds 1448.
	readRespPDU[1], readRespPDU[2], readRespPDU[3] = 0x01, 0x00, 0x50

	// A chain whose first NextCommand is 0xFFFFFFC0: as a signed 32-bit
	// offset it is -64, which a walker that adds it to a 32-bit int
	// would follow back to the same header forever.
	loop := smb2Msg(h(SMB2Echo, 1), []byte{4, 0, 0, 0})
	binary.LittleEndian.PutUint32(loop[20:], 0xFFFFFFC0)

	// NextCommand pointing past the end of the NBSS PDU (but inside the
	// segment: the bytes after it belong to the next PDU).
	past := smb2Msg(h(SMB2Echo, 1), []byte{4, 0, 0, 0, 0, 0, 0, 0})
	binary.LittleEndian.PutUint32(past[20:], 72)
	pastSeg := cat(withNBSS(past), withNBSS(smb2Msg(h(SMB2Echo, 2), []byte{4, 0, 0, 0})))

	misaligned := smb2Msg(h(SMB2Echo, 1), make([]byte, 40))
	binary.LittleEndian.PutUint32(misaligned[20:], 68)
	small := smb2Msg(h(SMB2Echo, 1), make([]byte, 40))
	binary.LittleEndian.PutUint32(small[20:], 8)

	// 100 64-byte ECHO headers chained by NextCommand 64: longer than
	// any real compound, it must stop at MaxMessages.
	var many [][]byte
	for i := 0; i < 100; i++ {
		many = append(many, smb2Msg(h(SMB2Echo, uint64(i)), nil))
	}
	manyChain := compoundOf(many...)

	// SMB1 SESSION_SETUP_ANDX whose AndXOffset points back at its own
	// block (offset 32): a chain walker that follows it loops forever.
	andxLoop := smb1Msg(SMB1SessionSetupAndX, false, 0xC807, 3,
		cat(andX(SMB1TreeConnectAndX, 32), make([]byte, 22)), []byte{0})
	// SMB1 LOCKING_ANDX -> WRITE_ANDX -> CLOSE, the chain Samba's test
	// suite and suricata's smb-eicar-andx capture use: the WRITE and CLOSE
	// fields come from chained blocks.
	writeWords := cat(andX(SMB1Close, 0), // AndXOffset patched below
		[]byte{0x02, 0x40},                                            // FID 0x4002
		[]byte{0x00, 0x10, 0, 0}, make([]byte, 4), []byte{0, 0, 0, 0}, // offset 4096, timeout, write mode, remaining
		[]byte{0, 0}, []byte{68, 0}, []byte{0, 0}, // data length high, data length 68, data offset
		make([]byte, 4)) // offset high (WordCount 14)
	lockWords := cat(andX(SMB1WriteAndX, 0), []byte{0x02, 0x40}, make([]byte, 10))
	chain := smb1Msg(SMB1LockingAndX, false, 0xC807, 6, lockWords, nil)
	writeOff := len(chain)
	binary.LittleEndian.PutUint16(chain[32+1+2:], uint16(writeOff))
	chain = append(chain, byte(len(writeWords)/2))
	chain = append(chain, writeWords...)
	chain = append(chain, 68, 0)
	chain = append(chain, bytes.Repeat([]byte{'X'}, 68)...)
	closeOff := len(chain)
	binary.LittleEndian.PutUint16(chain[writeOff+1+2:], uint16(closeOff))
	chain = append(chain, 3, 0x02, 0x40, 0, 0, 0, 0, 0, 0)

	ntCreateName := utf16le(`\share\a.txt`)
	ntCreateWords := cat(andX(0xFF, 0), []byte{0}, binary.LittleEndian.AppendUint16(nil, uint16(len(ntCreateName))), make([]byte, 41))
	// WordCount 24 puts the bytes at 32+1+48+2 = 83, an odd offset, so a
	// Unicode name starts after one pad byte.
	ntCreate := smb1Msg(SMB1NTCreateAndX, false, 0xC807, 9, ntCreateWords, cat([]byte{0}, ntCreateName))
	treeConnect := smb1Msg(SMB1TreeConnectAndX, false, 0x0001, 4,
		cat(andX(0xFF, 0), []byte{0, 0}, []byte{1, 0}), []byte("\x00\\\\SERVER\\SHARE\x00?????\x00"))
	negotiate1 := smb1Msg(SMB1Negotiate, false, 0xC853, 0, nil,
		[]byte("\x02NT LM 0.12\x00\x02SMB 2.002\x00\x02SMB 2.???\x00"))

	transform := cat([]byte{0xFD, 'S', 'M', 'B'}, make([]byte, 32), // signature, nonce
		binary.LittleEndian.AppendUint32(nil, 146), []byte{0, 0, 1, 0},
		binary.LittleEndian.AppendUint64(nil, 0x48009400003d), bytes.Repeat([]byte{0xEE}, 146))
	compressed := cat([]byte{0xFC, 'S', 'M', 'B'}, binary.LittleEndian.AppendUint32(nil, 4096),
		[]byte{2, 0, 0, 0}, make([]byte, 4), bytes.Repeat([]byte{0xCC}, 32))

	async := resp(SMB2Create, 7)
	async.flags |= SMB2FlagAsync
	async.aid = 0x55
	async.status = StatusPending

	oddName := createReq([]byte{'a', 0, 'b', 0, 'c', 0, 'd'}, -1) // 7 bytes: "abc" + half a code unit

	return []parserCase{
		{
			// Hand-built: the Windows 10 NEGOTIATE request lists five
			// dialects; the walker must read them without copying.
			name: "smb2 negotiate request",
			seg:  withNBSS(smb2Msg(h2{cmd: SMB2Negotiate}, negotiateReq(0x0202, 0x0210, 0x0300, 0x0302, 0x0311))),
			want: []string{"smb2 NEGOTIATE mid=0 dialects=SMB 2.0.2|SMB 2.1|SMB 3.0|SMB 3.0.2|SMB 3.1.1"},
		},
		{
			// Hand-built: the response names the chosen dialect.
			name: "smb2 negotiate response",
			seg:  withNBSS(smb2Msg(h2{cmd: SMB2Negotiate, flags: SMB2FlagResponse}, negotiateResp(0x0311))),
			want: []string{"smb2 NEGOTIATE mid=0 resp dialect=0x0311"},
		},
		{
			// Hand-built: a related CREATE+READ+CLOSE compound, as
			// Windows sends to open, read and close a small file in one
			// round trip; each member is returned.
			name: "smb2 compound",
			seg:  withNBSS(compound),
			want: []string{
				`smb2 CREATE mid=10 sid=0x1d name="dir\\file.txt"`,
				"smb2 READ mid=11 sid=0x1d fileid=ff000000 len=65536 off=1048576",
				"smb2 CLOSE mid=12 sid=0x1d fileid=ff000000",
			},
		},
		{
			// Hand-built: the first segment of a 64 KiB READ response:
			// the header and DataLength are there, the data is not.
			name: "smb2 read response first segment",
			seg:  readRespPDU[:1448],
			want: []string{"smb2 READ mid=11 resp sid=0x1d partial len=65536"},
		},
		{
			// Hand-built: the segment ends 40 bytes into the SMB2
			// header. Command and MessageId are there (tshark shows
			// them too), SessionId is not.
			name: "smb2 header cut by segment end",
			seg:  withNBSS(smb2Msg(h(SMB2Write, 19), writeReq(make([]byte, 100), 0, testFileID)))[:4+40],
			want: []string{"smb2 WRITE mid=19 partial hdr=40"},
		},
		{
			// Hand-built: WRITE request and response, CREATE response.
			name: "smb2 write request, write response, create response",
			seg: cat(
				withNBSS(smb2Msg(h(SMB2Write, 20), writeReq([]byte("hello"), 8192, testFileID))),
				withNBSS(smb2Msg(resp(SMB2Write, 20), writeResp(5))),
				withNBSS(smb2Msg(resp(SMB2Create, 21), createResp(testFileID))),
			),
			want: []string{
				"smb2 WRITE mid=20 sid=0x1d fileid=11000000 len=5 off=8192",
				"smb2 WRITE mid=20 resp sid=0x1d len=5",
				"smb2 CREATE mid=21 resp sid=0x1d fileid=11000000",
			},
		},
		{
			// Hand-built: a CREATE error response (StructureSize 9)
			// must not be decoded as a CREATE response.
			name: "smb2 error response",
			seg:  withNBSS(smb2Msg(h2{cmd: SMB2Create, flags: SMB2FlagResponse, mid: 4, status: StatusObjectNameNotFound}, errorResp())),
			want: []string{"smb2 CREATE mid=4 resp STATUS_OBJECT_NAME_NOT_FOUND"},
		},
		{
			// Hand-built: an interim STATUS_PENDING response carries an
			// AsyncId instead of the TreeId.
			name: "smb2 async pending",
			seg:  withNBSS(smb2Msg(async, errorResp())),
			want: []string{"smb2 CREATE mid=7 resp async=0x55 STATUS_PENDING sid=0x1d"},
		},
		{
			// Hand-built, hostile: NextCommand 0xFFFFFFC0 (-64 if read
			// as signed). The message is returned, the chain is refused,
			// the walk ends.
			name: "smb2 looping NextCommand",
			seg:  withNBSS(loop),
			want: []string{"smb2 ECHO mid=1 sid=0x1d", "err:badlength"},
		},
		{
			// Hand-built, hostile: NextCommand points past the NBSS PDU
			// into the next one; the next PDU is still walked.
			name: "smb2 NextCommand past the PDU",
			seg:  pastSeg,
			want: []string{"smb2 ECHO mid=1 sid=0x1d", "err:badlength", "smb2 ECHO mid=2 sid=0x1d"},
		},
		{
			// Hand-built, hostile: MS-SMB2 requires 8-byte alignment.
			name: "smb2 NextCommand misaligned",
			seg:  withNBSS(misaligned),
			want: []string{"smb2 ECHO mid=1 sid=0x1d", "err:badlength"},
		},
		{
			// Hand-built, hostile: NextCommand inside the header.
			name: "smb2 NextCommand inside the header",
			seg:  withNBSS(small),
			want: []string{"smb2 ECHO mid=1 sid=0x1d", "err:badlength"},
		},
		{
			// Hand-built, hostile: a 100-member chain stops at 64.
			name: "smb2 chain too long",
			seg:  withNBSS(manyChain),
			want: append(func() []string {
				var w []string
				for i := 0; i < MaxMessages; i++ {
					w = append(w, fmt.Sprintf("smb2 ECHO mid=%d sid=0x1d", i))
				}
				return w
			}(), "err:toomany"),
		},
		{
			// Hand-built: a CREATE whose NameLength is odd (7): the
			// name keeps all 7 bytes and the half code unit becomes
			// U+FFFD rather than being dropped or read past.
			name: "smb2 odd-length UTF-16 name",
			seg:  withNBSS(smb2Msg(h(SMB2Create, 3), oddName)),
			want: []string{"smb2 CREATE mid=3 sid=0x1d name=\"abc\uFFFD\""},
		},
		{
			// Hand-built: a name with a surrogate pair (U+1F600).
			name: "smb2 name with surrogate pair",
			seg:  withNBSS(smb2Msg(h(SMB2Create, 3), createReq(utf16le("a\U0001F600.txt"), -1))),
			want: []string{"smb2 CREATE mid=3 sid=0x1d name=\"a\U0001F600.txt\""},
		},
		{
			// Hand-built, hostile: NameOffset+NameLength beyond the
			// message: no name rather than bytes of the next PDU.
			name: "smb2 name past the message",
			seg:  withNBSS(smb2Msg(h(SMB2Create, 3), createReq(utf16le("ab"), 200))),
			want: []string{"smb2 CREATE mid=3 sid=0x1d"},
		},
		{
			// Hand-built: the middle of a READ response's data (a
			// continuation segment) that happens to hold 0xFE 'SMB' at
			// offset 9 — a file being copied may contain anything. No
			// NBSS header precedes it at offset 0, so it is not SMB.
			name:      "continuation with SMB2 magic inside",
			seg:       cat([]byte{0x00, 0x13, 0x37, 0x42, 0x99, 0, 0, 0, 0}, []byte{0xFE, 'S', 'M', 'B'}, make([]byte, 80)),
			wantStart: "notfound",
		},
		{
			// Hand-built: file data starting with a zero byte and an
			// NBSS-looking length but no SMB magic after it.
			name:      "continuation starting with zero",
			seg:       cat([]byte{0x00, 0x00, 0x10, 0x00}, []byte("MZ\x90\x00 this is file data"), make([]byte, 64)),
			wantStart: "notfound",
		},
		{
			// Hand-built: shorter than an NBSS header plus a magic.
			name:      "too short",
			seg:       []byte{0, 0, 0},
			wantStart: "notfound",
		},
		{
			// Hand-built, port 139: a NetBIOS session request (0x81
			// with two encoded names) carries no SMB.
			name:      "nbss session request",
			seg:       cat([]byte{0x81, 0, 0, 68, 0x20}, bytes.Repeat([]byte{'C', 'A'}, 16), []byte{0, 0x20}, bytes.Repeat([]byte{'E', 'F'}, 16), []byte{0}),
			wantStart: "notfound",
		},
		{
			// Hand-built, port 139: positive session response.
			name:      "nbss positive session response",
			seg:       []byte{0x82, 0, 0, 0},
			wantStart: "notfound",
		},
		{
			// Hand-built, port 139: a keep-alive alone is not SMB...
			name:      "nbss keep-alive alone",
			seg:       []byte{0x85, 0, 0, 0},
			wantStart: "notfound",
		},
		{
			// ...but a keep-alive in front of a message is skipped.
			name: "nbss keep-alive then smb1 negotiate",
			seg:  cat([]byte{0x85, 0, 0, 0}, withNBSS(negotiate1)),
			want: []string{"smb1 NEGOTIATE mid=0 sid=0x800 dialects=NT LM 0.12|SMB 2.002|SMB 2.???"},
		},
		{
			// Hand-built: two PDUs in one segment with a keep-alive and
			// then an unknown NBSS type: framing is lost, final error.
			name: "unknown nbss type after a message",
			seg: cat(withNBSS(smb2Msg(h(SMB2Echo, 1), []byte{4, 0, 0, 0})), []byte{0x85, 0, 0, 0},
				withNBSS(smb2Msg(h(SMB2Echo, 2), []byte{4, 0, 0, 0})), []byte{0x42, 0, 0, 4, 1, 2, 3, 4},
				withNBSS(smb2Msg(h(SMB2Echo, 3), []byte{4, 0, 0, 0}))),
			want: []string{"smb2 ECHO mid=1 sid=0x1d", "smb2 ECHO mid=2 sid=0x1d", "err:notfound"},
		},
		{
			// Hand-built: an NBSS length over 17 bits (SMB2 multi-credit
			// WRITE of 128 KiB): read as 24 bits once SMB is seen, as
			// Wireshark does.
			name: "nbss 24-bit length",
			seg: func() []byte {
				m := withNBSS(smb2Msg(h(SMB2Write, 30), writeReq(make([]byte, 200), 0, testFileID)))
				m[1], m[2], m[3] = 0x02, 0x00, 0x70 // 0x020070 = 64+48+131072
				binary.LittleEndian.PutUint32(m[4+64+4:], 131072)
				return m
			}(),
			want: []string{"smb2 WRITE mid=30 sid=0x1d partial fileid=11000000 len=131072 off=0"},
		},
		{
			// Hand-built: SMB3 encrypted message: only the transform
			// header is readable.
			name: "smb3 transform",
			seg:  withNBSS(transform),
			want: []string{"smb3-transform orig=146 sid=0x48009400003d"},
		},
		{
			// Hand-built: SMB 3.1.1 compressed message, opaque.
			name: "smb3 compression transform",
			seg:  withNBSS(compressed),
			want: []string{"smb3-compressed orig=4096"},
		},
		{
			// Hand-built: an SMB2 header with StructureSize 65 is not
			// SMB2; the next PDU is still walked.
			name: "smb2 bad structure size",
			seg: func() []byte {
				m := withNBSS(smb2Msg(h(SMB2Echo, 1), []byte{4, 0, 0, 0}))
				m[4+4] = 65
				return cat(m, withNBSS(smb2Msg(h(SMB2Echo, 2), []byte{4, 0, 0, 0})))
			}(),
			want: []string{"err:badlength", "smb2 ECHO mid=2 sid=0x1d"},
		},
		{
			// Hand-built: NBSS length smaller than an SMB2 header.
			name: "nbss length shorter than the smb2 header",
			seg:  cat([]byte{0, 0, 0, 20}, smb2Msg(h(SMB2Echo, 1), nil)[:20]),
			want: []string{"err:badlength"},
		},
		{
			// Hand-built, hostile: an SMB1 AndX chain that points back
			// at its own block. The message is returned, the loop is
			// reported, the walk ends.
			name: "smb1 AndX loop",
			seg:  withNBSS(andxLoop),
			want: []string{"smb1 SESSION_SETUP_ANDX mid=3 sid=0x800", "err:badlength"},
		},
		{
			// Hand-built: LOCKING_ANDX -> WRITE_ANDX -> CLOSE; fields
			// from the WRITE_ANDX block (the first to carry them).
			name: "smb1 AndX chain",
			seg:  withNBSS(chain),
			want: []string{"smb1 LOCKING_ANDX mid=6 sid=0x800 fid=0x4002 len=68 off=4096"},
		},
		{
			// Hand-built: NT_CREATE_ANDX with a Unicode name after the
			// alignment pad byte.
			name: "smb1 nt create unicode name",
			seg:  withNBSS(ntCreate),
			want: []string{`smb1 NT_CREATE_ANDX mid=9 sid=0x800 name="\\share\\a.txt"`},
		},
		{
			// Hand-built: TREE_CONNECT_ANDX from a client without
			// Unicode (FLAGS2 0x0001): an OEM path after a 1-byte
			// password.
			name: "smb1 tree connect oem path",
			seg:  withNBSS(treeConnect),
			want: []string{`smb1 TREE_CONNECT_ANDX mid=4 sid=0x800 name="\\\\SERVER\\SHARE"`},
		},
		{
			// Hand-built: an SMB1 header cut after the command byte.
			name: "smb1 header cut",
			seg:  withNBSS(negotiate1)[:4+10],
			want: []string{"smb1 NEGOTIATE mid=0 partial hdr=10"},
		},
	}
}

// TestParser walks the hand-built segments of parserCases.
func TestParser(t *testing.T) {
	tests := parserCases()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			startErr, got := walk(t, tc.seg)
			if startErr != tc.wantStart {
				t.Fatalf("Start: got %q, want %q", startErr, tc.wantStart)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(tc.want, "\n\t"))
			}
		})
	}
}

// TestParserPending checks what a stream tracker needs: how far the last
// PDU runs past the segment.
func TestParserPending(t *testing.T) {
	// Hand-built: the first 1448 bytes of a READ response of 64 KiB.
	pdu := withNBSS(smb2Msg(h2{cmd: SMB2Read, flags: SMB2FlagResponse, mid: 1},
		readResp(make([]byte, 65536), 65536)))
	seg := pdu[:1448]
	var p Parser
	if err := p.Start(seg); err != nil {
		t.Fatal(err)
	}
	m, err := p.Next()
	if err != nil || !m.Partial || m.NBSSLength != 64+16+65536 || m.Length != 64+16+65536 || m.Offset != 4 || len(m.Body) != 1448-4-64 {
		t.Fatalf("got %+v, %v", m, err)
	}
	if _, err := p.Next(); err != decoders.ErrDone {
		t.Fatalf("want decoders.ErrDone, got %v", err)
	}
	if got, want := p.Pending(), len(pdu)-1448; got != want {
		t.Errorf("Pending %d, want %d", got, want)
	}

	// The tail of that response arrives in later segments; then a
	// segment carries the last 100 bytes of it and a new request.
	var s Stream
	var seq0 uint32 = 0xFFFFFF00 // wraps: the tracker compares modulo 2^32
	if off := s.Offset(seq0, 1448); off != 0 {
		t.Fatalf("fresh stream: offset %d", off)
	}
	s.Update(seq0, 0, &p)
	next := seq0 + uint32(len(pdu))
	if off := s.Offset(seq0+1448, 1448); off != -1 {
		t.Errorf("segment inside the PDU: offset %d, want -1", off)
	}
	if off := s.Offset(next-100, 300); off != 100 {
		t.Errorf("segment where the PDU ends: offset %d, want 100", off)
	}
	if off := s.Offset(next, 300); off != 0 {
		t.Errorf("segment after the PDU: offset %d, want 0", off)
	}
	// A retransmission of the first segment does not move the stream back.
	s.Update(seq0-10, 0, &p)
	if off := s.Offset(seq0+1448, 1448); off != -1 {
		t.Errorf("after an old retransmission: offset %d, want -1", off)
	}
}

// TestParserAllocs holds the walker to zero allocations, also on the
// continuation segments and malformed input that errors cover.
func TestParserAllocs(t *testing.T) {
	segs := benchSegments()
	segs["continuation"] = bytes.Repeat([]byte{0x5A}, 1448)
	loop := smb2Msg(h2{cmd: SMB2Echo}, []byte{4, 0, 0, 0})
	binary.LittleEndian.PutUint32(loop[20:], 0xFFFFFFC0)
	segs["bad chain"] = withNBSS(loop)
	for name, seg := range segs {
		var p Parser
		n := testing.AllocsPerRun(200, func() {
			if p.Start(seg) != nil {
				return
			}
			for {
				m, err := p.Next()
				if errors.Is(err, decoders.ErrDone) || p.err != nil {
					return
				}
				if err == nil {
					w := m.AndX()
					for {
						if _, err := w.Next(); err != nil {
							break
						}
					}
				}
			}
		})
		if n != 0 {
			t.Errorf("%s: %v allocations per segment", name, n)
		}
	}
}

// benchSegments are the benchmark's segments, hand-built to the
// sizes real traffic has: the first 1448-byte segment of a 1 MiB SMB 3.1.1
// READ response (a file copy is made of these) and a CREATE+READ+CLOSE
// compound.
func benchSegments() map[string][]byte {
	read := withNBSS(smb2Msg(h2{cmd: SMB2Read, flags: SMB2FlagResponse | SMB2FlagSigned, mid: 77, sid: 0x4400000011, tid: 1},
		readResp(make([]byte, 1448), 1<<20)))
	read[1], read[2], read[3] = 0x10, 0x00, 0x50 // 64+16+1 MiB
	h := h2{cmd: SMB2Create, mid: 10, sid: 0x4400000011, tid: 1}
	c := compoundOf(
		smb2Msg(h, createReq(utf16le(`Users\alice\Documents\report.docx`), -1)),
		smb2Msg(h2{cmd: SMB2Read, flags: SMB2FlagRelated, mid: 11, sid: 0x4400000011, tid: 1}, readReq(65536, 0, [16]byte{0: 0xFF})),
		smb2Msg(h2{cmd: SMB2Close, flags: SMB2FlagRelated, mid: 12, sid: 0x4400000011, tid: 1}, closeReq([16]byte{0: 0xFF})),
	)
	return map[string][]byte{"read-response": read[:1448], "compound": withNBSS(c)}
}

// BenchmarkParser walks one segment per iteration: Start, Next to the
// end, the name of a CREATE appended to a reused buffer.
func BenchmarkParser(b *testing.B) {
	segs := benchSegments()
	for _, name := range []string{"read-response", "compound"} {
		seg := segs[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(seg)))
			var p Parser
			buf := make([]byte, 0, 256)
			n := 0
			for i := 0; i < b.N; i++ {
				if err := p.Start(seg); err != nil {
					b.Fatal(err)
				}
				for {
					m, err := p.Next()
					if err != nil {
						break
					}
					n++
					if m.Fields&FieldName != 0 {
						buf = m.AppendName(buf[:0])
					}
				}
			}
			if n == 0 {
				b.Fatal("no messages")
			}
		})
	}
}

// TestParserCorpusFrames walks chosen frames of the public corpus (read at
// test time; the captures are not copied into the project). The expected
// values agree with tshark 4.0 (TestTsharkParity) except where noted.
func FuzzParser(f *testing.F) {
	for _, tc := range parserCases() {
		f.Add(tc.seg)
	}
	for _, seg := range benchSegments() {
		f.Add(seg)
	}
	for _, seg := range corpusSegments(f) {
		f.Add(seg)
	}
	f.Fuzz(func(t *testing.T, seg []byte) {
		var p, q Parser
		// q walks the segment with NextInto in lockstep, into a
		// message that keeps whatever the previous call left.
		q.Start(seg)
		reused := Message{Command: 0xbeef, Response: true, MessageID: 7, Signature: []byte("stale"), Partial: true}
		if p.Start(seg) != nil {
			if _, err := p.Next(); err == nil {
				t.Fatal("Next returned a message after Start failed")
			}
			return
		}
		// Each call returns a message (at most MaxMessages), the
		// one error that may follow a message, one error per NBSS PDU
		// (each at least 4 bytes), or ends the walk.
		limit := 2*MaxMessages + len(seg)/4 + 2
		for i := 0; ; i++ {
			if i > limit {
				t.Fatalf("Next did not end after %d calls", i)
			}
			m, err := p.Next()
			if qerr := q.NextInto(&reused); fmt.Sprint(qerr) != fmt.Sprint(err) {
				t.Fatalf("call %d: Next: %v, NextInto: %v", i, err, qerr)
			} else if err == nil && !reflect.DeepEqual(m, reused) {
				t.Fatalf("call %d: Next and NextInto differ:\n%+v\n%+v", i, m, reused)
			}
			if errors.Is(err, decoders.ErrDone) {
				break
			}
			if err != nil {
				if !errors.Is(err, decoders.ErrTruncated) && !errors.Is(err, decoders.ErrBadLength) && !errors.Is(err, decoders.ErrNotFound) && !errors.Is(err, decoders.ErrTooMany) {
					t.Fatalf("error wraps no sentinel: %v", err)
				}
				if p.err != nil {
					break
				}
				continue
			}
			checkMessage(t, seg, &m)
		}
		if n := p.Pending(); n < 0 || n > 1<<24+nbssHeaderLen {
			t.Fatalf("Pending %d", n)
		}
		out := appendUTF16(nil, seg)
		if !utf8.Valid(out) || len(out) > 3*(len(seg)/2)+3 {
			t.Fatalf("appendUTF16: %d bytes from %d, valid %v", len(out), len(seg), utf8.Valid(out))
		}
	})
}

package smb

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"softsa/internal/testenv"
)

// TestAppendName checks the UTF-16LE to UTF-8 conversion on the inputs
// hostile names are made of.
func TestAppendName(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"ascii", utf16le(`\\srv\share`), `\\srv\share`},
		{"bmp", utf16le("Übersicht–日本"), "Übersicht–日本"},
		{"surrogate pair", utf16le("x\U0001F600y"), "x\U0001F600y"},
		{"odd length", []byte{'a', 0, 'b'}, "a\uFFFD"},
		{"lone high surrogate at end", []byte{'a', 0, 0x3D, 0xD8}, "a\uFFFD"},
		{"high surrogate then ascii", []byte{0x3D, 0xD8, 'a', 0}, "\uFFFDa"},
		{"lone low surrogate", []byte{0x00, 0xDC, 'a', 0}, "\uFFFDa"},
		{"two high surrogates", []byte{0x3D, 0xD8, 0x3D, 0xD8, 0x00, 0xDE}, "\uFFFD\U0001F600"},
		{"NUL terminates", cat(utf16le("ab"), []byte{0, 0}, utf16le("cd")), "ab"},
		{"empty", nil, ""},
		{"one byte", []byte{0x41}, "\uFFFD"},
	}
	for _, tc := range tests {
		got := appendUTF16([]byte("pre:"), tc.in)
		if string(got) != "pre:"+tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, "pre:"+tc.want)
		}
		if !utf8.Valid(got) {
			t.Errorf("%s: invalid UTF-8 %q", tc.name, got)
		}
	}
	// No allocation when dst has room: the analyzer reuses one buffer.
	buf := make([]byte, 0, 256)
	in := utf16le(`dir\Übersicht\x` + "\U0001F600")
	if n := testing.AllocsPerRun(100, func() { buf = appendUTF16(buf[:0], in) }); n != 0 {
		t.Errorf("appendUTF16 allocated %v times with a large enough buffer", n)
	}
}

// TestNames checks the name tables, and StatusName against
// Wireshark's own table where tshark is installed.
func TestNames(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{SMB2CommandName(SMB2Negotiate), "NEGOTIATE"},
		{SMB2CommandName(SMB2Read), "READ"},
		{SMB2CommandName(SMB2OplockBreak), "OPLOCK_BREAK"},
		{SMB2CommandName(0x1234), ""},
		{SMB1CommandName(SMB1Negotiate), "NEGOTIATE"},
		{SMB1CommandName(SMB1SessionSetupAndX), "SESSION_SETUP_ANDX"},
		{SMB1CommandName(SMB1NTCreateAndX), "NT_CREATE_ANDX"},
		{SMB1CommandName(SMB1ReadAndX), "READ_ANDX"},
		{SMB1CommandName(SMB1WriteAndX), "WRITE_ANDX"},
		{SMB1CommandName(SMB1Close), "CLOSE"},
		{SMB1CommandName(0x15), ""},
		{DialectName(Dialect202), "SMB 2.0.2"},
		{DialectName(Dialect311), "SMB 3.1.1"},
		{DialectName(DialectWildcard), "SMB 2.???"},
		{DialectName(0x0400), ""},
		{StatusName(StatusSuccess), "STATUS_SUCCESS"},
		{StatusName(StatusMoreProcessingRequired), "STATUS_MORE_PROCESSING_REQUIRED"},
		{StatusName(StatusAccessDenied), "STATUS_ACCESS_DENIED"},
		{StatusName(StatusObjectNameNotFound), "STATUS_OBJECT_NAME_NOT_FOUND"},
		{StatusName(StatusEndOfFile), "STATUS_END_OF_FILE"},
		{StatusName(StatusPending), "STATUS_PENDING"},
		{StatusName(StatusNetworkNameDeleted), "STATUS_NETWORK_NAME_DELETED"},
		{StatusName(StatusUserSessionDeleted), "STATUS_USER_SESSION_DELETED"},
		{StatusName(0xDEADBEEF), ""},
		{nbssTypeName(NBSSKeepAlive), "session keep-alive"},
		{nbssTypeName(0x42), ""},
		{KindTransform.String(), "smb3-transform"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	for i := 1; i < len(statusNames); i++ {
		if statusNames[i-1].code >= statusNames[i].code {
			t.Fatalf("statusNames not sorted at %#x", statusNames[i].code)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = StatusName(StatusAccessDenied) + SMB2CommandName(5) }); n != 0 {
		t.Errorf("name lookups allocated %v times", n)
	}

	if !testenv.HasTool(t, "tshark") {
		return
	}
	out := testenv.Run(t, "tshark", "-G", "values")
	ws := map[uint32]string{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Split(line, "\t")
		if len(f) == 4 && f[0] == "V" && f[1] == "smb2.nt_status" {
			if v, err := strconv.ParseUint(f[2], 10, 32); err == nil {
				ws[uint32(v)] = f[3]
			}
		}
	}
	if len(ws) == 0 {
		t.Fatal("tshark -G values lists no smb2.nt_status values")
	}
	checked := 0
	for _, s := range statusNames {
		if w, ok := ws[s.code]; ok {
			checked++
			if w != s.name {
				t.Errorf("%#08x: StatusName %q, Wireshark %q", s.code, s.name, w)
			}
		}
	}
	t.Logf("%d of %d status names checked against Wireshark's table", checked, len(statusNames))
}

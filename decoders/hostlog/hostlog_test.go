package hostlog_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"softsa/decoders/capture"
	"softsa/decoders/etl/etltest"
	"softsa/decoders/hostlog"
	"softsa/decoders/hostlog/hostlogtest"
)

var (
	local  = netip.MustParseAddr("192.168.1.10")
	remote = netip.MustParseAddr("192.168.1.20")
	t0     = time.Date(2009, 11, 3, 9, 15, 0, 0, time.UTC)
)

func msg(code uint32) string { _, m, _ := hostlog.Win32Error(code); return m }

// sample is one event of each kind, as a KB 977526 outage logs them.
func sample() []hostlog.Event {
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	return []hostlog.Event{
		{Time: at(0), Kind: hostlog.KindIKESent, Local: local, Remote: remote, LocalPort: 500, RemotePort: 500, ICookie: 0x1122334455667788, Exchange: 243},
		{Time: at(15), Kind: hostlog.KindIKEReceived, Local: local, Remote: remote, LocalPort: 500, RemotePort: 500, ICookie: 0x1122334455667788, RCookie: 0x99aabbccddeeff00, Exchange: 243, MessageID: 7, Inbound: true},
		{Time: at(3000), Kind: hostlog.KindMMFailure, Local: local, Remote: remote, LocalPort: 500, RemotePort: 500, KeyModule: "AuthIP",
			ErrorCode: 13801, Reason: msg(13801), FailurePoint: "peer", State: "SSPI_SENT", Role: "initiator", ICookie: 0x1122334455667788, RCookie: 0x99aabbccddeeff00},
		{Time: at(3500), Kind: hostlog.KindQMFailure, Local: local, Remote: remote, LocalPort: 500, RemotePort: 500, KeyModule: "IKEv1",
			ErrorCode: 13805, Reason: msg(13805), FailurePoint: "local", State: "INITIAL", Role: "responder", MessageID: 0x1234},
		{Time: at(4000), Kind: hostlog.KindEMFailure, Local: local, Remote: remote, LocalPort: 500, RemotePort: 500, KeyModule: "AuthIP",
			ErrorCode: 13806, Reason: msg(13806), FailurePoint: "local", State: "SENT_ATTS", Role: "initiator", ICookie: 5, RCookie: 6},
		{Time: at(5000), Kind: hostlog.KindKernelDrop, Local: local, Remote: remote, ErrorCode: 0xC0360006, SPI: 0xabcdef01, Inbound: true},
		{Time: at(5100), Kind: hostlog.KindClearTextDrop, Local: local, Remote: remote, ErrorCode: 0xC0360007, SPI: 0, Inbound: true},
		{Time: at(9000), Kind: hostlog.KindMMEstablished, Local: local, Remote: remote, LocalPort: 500, RemotePort: 500, KeyModule: "AuthIP", Role: "initiator", ICookie: 0xaa, RCookie: 0xbb},
		{Time: at(9100), Kind: hostlog.KindQMEstablished, Local: local, Remote: remote, LocalPort: 500, RemotePort: 500, KeyModule: "AuthIP", Role: "initiator", SPI: 0x01020304},
	}
}

// carried keeps of ev what format f carries, as its reader gives it.
func carried(ev hostlog.Event, f hostlog.Format) (hostlog.Event, bool) {
	out := hostlog.Event{Time: ev.Time, Kind: ev.Kind, Local: ev.Local, Remote: ev.Remote}
	failure := ev.Kind == hostlog.KindMMFailure || ev.Kind == hostlog.KindQMFailure || ev.Kind == hostlog.KindEMFailure
	drop := ev.Kind == hostlog.KindKernelDrop || ev.Kind == hostlog.KindClearTextDrop
	switch f {
	case hostlog.FormatETL:
		switch {
		case failure:
			out.KeyModule, out.ErrorCode, out.Reason, out.FailurePoint, out.State, out.Role = ev.KeyModule, ev.ErrorCode, ev.Reason, ev.FailurePoint, ev.State, ev.Role
		case drop:
			out.ErrorCode, out.SPI, out.Inbound = ev.ErrorCode, ev.SPI, ev.Inbound
		case ev.Kind == hostlog.KindMMEstablished:
			out.KeyModule, out.Role, out.ICookie, out.RCookie = ev.KeyModule, ev.Role, ev.ICookie, ev.RCookie
		case ev.Kind == hostlog.KindQMEstablished:
			out.SPI = ev.SPI
		default: // IKE packets
			out.ICookie, out.RCookie, out.Exchange, out.MessageID, out.LocalPort, out.RemotePort, out.Inbound = ev.ICookie, ev.RCookie, ev.Exchange, ev.MessageID, ev.LocalPort, ev.RemotePort, ev.Inbound
		}
	case hostlog.FormatWFPDiag, hostlog.FormatCAB:
		out.LocalPort, out.RemotePort = ev.LocalPort, ev.RemotePort
		switch {
		case failure:
			out.KeyModule, out.ErrorCode, out.Reason, out.FailurePoint, out.State, out.Role = ev.KeyModule, ev.ErrorCode, ev.Reason, ev.FailurePoint, ev.State, ev.Role
		case drop:
			out.ErrorCode, out.SPI, out.Inbound = ev.ErrorCode, ev.SPI, ev.Inbound
		default:
			return out, false
		}
	case hostlog.FormatSecurity:
		switch {
		case drop:
			out.Local = netip.Addr{}
			out.SPI, out.Inbound = ev.SPI, true
		case failure || ev.Kind == hostlog.KindMMEstablished || ev.Kind == hostlog.KindQMEstablished:
			out.LocalPort, out.RemotePort, out.KeyModule, out.Role = ev.LocalPort, ev.RemotePort, ev.KeyModule, ev.Role
			if failure {
				out.FailurePoint, out.State = ev.FailurePoint, ev.State
				out.Reason = strings.TrimSuffix(ev.Reason, ".")
				out.ErrorCode = ev.ErrorCode
			}
			switch ev.Kind {
			case hostlog.KindQMFailure:
				out.MessageID = ev.MessageID
			case hostlog.KindQMEstablished:
				out.SPI = ev.SPI
			default:
				out.ICookie, out.RCookie = ev.ICookie, ev.RCookie
			}
		default:
			return out, false
		}
	}
	return out, true
}

func read(t *testing.T, name string, data []byte) *hostlog.Log {
	t.Helper()
	lg, err := hostlog.Read(name, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Read %s: %v", name, err)
	}
	return lg
}

// compare checks that lg holds what f carries of want, in order, each
// naming its file and its record.
func compare(t *testing.T, lg *hostlog.Log, f hostlog.Format, want []hostlog.Event) {
	t.Helper()
	var exp []hostlog.Event
	for _, ev := range want {
		if c, ok := carried(ev, f); ok {
			exp = append(exp, c)
		}
	}
	if len(lg.Events) != len(exp) {
		t.Fatalf("%d events, want %d; warnings %q", len(lg.Events), len(exp), lg.Warnings)
	}
	for i, got := range lg.Events {
		if got.Source == "" || got.File == "" || got.Record == 0 {
			t.Errorf("event %d: Source %q File %q Record %d: want all set", i, got.Source, got.File, got.Record)
		}
		got.Source, got.File, got.Record = "", "", 0
		if !reflect.DeepEqual(got, exp[i]) {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, got, exp[i])
		}
	}
}

func TestRoundTripETL(t *testing.T) {
	evs := sample()
	var pk []etltest.Event
	for i := range 5 {
		pk = append(pk, etltest.NDIS{Miniport: 3, Lower: 3, Fragment: bytes.Repeat([]byte{byte(i)}, 60)}.
			Event(t0.Add(time.Duration(i)*time.Second), etltest.KwEthernet|etltest.KwStart|etltest.KwEnd|etltest.KwSend))
	}
	var b bytes.Buffer
	if err := hostlogtest.WriteETL(&b, evs, pk); err != nil {
		t.Fatal(err)
	}
	if f := hostlog.Sniff(b.Bytes()[:min(b.Len(), hostlog.SniffLen)]); f != hostlog.FormatETL {
		t.Errorf("Sniff: %v", f)
	}
	lg := read(t, "trace.etl", b.Bytes())
	if lg.Format != hostlog.FormatETL {
		t.Errorf("format %v", lg.Format)
	}
	compare(t, lg, hostlog.FormatETL, evs)

	// The same file as a capture: the packets, and the WFP events beside
	// them in the same pass.
	c, err := capture.NewCapture("trace.etl", bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var f capture.Frame
	for c.Next(&f) == nil {
		n++
	}
	if n != len(pk) {
		t.Errorf("%d packets, want %d", n, len(pk))
	}
	hl := c.HostLog()
	if hl == nil {
		t.Fatal("HostLog: nil")
	}
	compare(t, hl, hostlog.FormatETL, evs)
}

func TestRoundTripWFPDiag(t *testing.T) {
	evs := sample()
	var x, c bytes.Buffer
	if err := hostlogtest.WriteWFPDiag(&x, evs); err != nil {
		t.Fatal(err)
	}
	if err := hostlogtest.WriteWFPDiagCAB(&c, evs); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		f    hostlog.Format
	}{{"wfpdiag.xml", x.Bytes(), hostlog.FormatWFPDiag}, {"wfpdiag.cab", c.Bytes(), hostlog.FormatCAB}} {
		t.Run(tc.name, func(t *testing.T) {
			if f := hostlog.Sniff(tc.data[:min(len(tc.data), hostlog.SniffLen)]); f != tc.f {
				t.Errorf("Sniff: %v, want %v", f, tc.f)
			}
			lg := read(t, tc.name, tc.data)
			if lg.Format != tc.f {
				t.Errorf("format %v, want %v", lg.Format, tc.f)
			}
			compare(t, lg, tc.f, evs)
		})
	}
}

func TestRoundTripSecurity(t *testing.T) {
	evs := sample()
	for _, wrapped := range []bool{false, true} {
		t.Run(fmt.Sprint("wrapped=", wrapped), func(t *testing.T) {
			var b bytes.Buffer
			if err := hostlogtest.WriteSecurityXML(&b, evs, wrapped); err != nil {
				t.Fatal(err)
			}
			if f := hostlog.Sniff(b.Bytes()[:min(b.Len(), hostlog.SniffLen)]); f != hostlog.FormatSecurity {
				t.Errorf("Sniff: %v", f)
			}
			lg := read(t, "security.xml", b.Bytes())
			compare(t, lg, hostlog.FormatSecurity, evs)
		})
	}
}

// TestSecurityReal reads the real 4653 of DigitalRuby/IPBan issue #98
// (addresses as published there): unrendered %% references kept, the
// reason mapped back to 13805.
func TestSecurityReal(t *testing.T) {
	x := `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
<System>
<Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-A5BA-3E3B0328C30D}" />
<EventID>4653</EventID>
<Version>0</Version>
<Level>0</Level>
<Task>12547</Task>
<Opcode>0</Opcode>
<Keywords>0x8010000000000000</Keywords>
<TimeCreated SystemTime="2020-07-10T17:20:06.687103300Z" />
<EventRecordID>100095994</EventRecordID>
<Correlation ActivityID="{5108737F-4EB9-0001-8473-0851B94ED601}" />
<Execution ProcessID="660" ThreadID="124" />
<Channel>Security</Channel>
<Computer>MYVPN.MYCPU</Computer>
<Security />
</System>
<EventData>
<Data Name="LocalMMPrincipalName">-</Data>
<Data Name="RemoteMMPrincipalName">-</Data>
<Data Name="LocalAddress">88.88.88.88</Data>
<Data Name="LocalKeyModPort">4500</Data>
<Data Name="RemoteAddress">99.99.99.99</Data>
<Data Name="RemoteKeyModPort">4500</Data>
<Data Name="KeyModName">%%8222</Data>
<Data Name="FailurePoint">%%8199</Data>
<Data Name="FailureReason">Negotiation timed out</Data>
<Data Name="MMAuthMethod">%%8194</Data>
<Data Name="State">%%8202</Data>
<Data Name="Role">%%8205</Data>
<Data Name="MMImpersonationState">%%8217</Data>
<Data Name="MMFilterID">54919761</Data>
<Data Name="InitiatorCookie">db55d3767e51b422</Data>
</EventData>
</Event>
`
	lg := read(t, "ipban.xml", []byte(x))
	if len(lg.Events) != 1 {
		t.Fatalf("%d events", len(lg.Events))
	}
	ev := lg.Events[0]
	want := hostlog.Event{Time: time.Date(2020, 7, 10, 17, 20, 6, 687103300, time.UTC), Kind: hostlog.KindMMFailure, Source: "Security 4653", File: "ipban.xml", Record: 1,
		Local: netip.MustParseAddr("88.88.88.88"), Remote: netip.MustParseAddr("99.99.99.99"), LocalPort: 4500, RemotePort: 4500,
		KeyModule: "%%8222", ErrorCode: 13805, Reason: "Negotiation timed out", FailurePoint: "%%8199", State: "%%8202", Role: "%%8205", ICookie: 0xdb55d3767e51b422}
	if !reflect.DeepEqual(ev, want) {
		t.Errorf("\n got %+v\nwant %+v", ev, want)
	}
}

func TestWin32Error(t *testing.T) {
	for _, tc := range []struct {
		code          uint32
		name, message string
		ok            bool
	}{
		{13801, "ERROR_IPSEC_IKE_AUTH_FAIL", "IKE authentication credentials are unacceptable.", true},
		{13805, "ERROR_IPSEC_IKE_TIMED_OUT", "Negotiation timed out.", true},
		{13916, "ERROR_IPSEC_CLEAR_TEXT_DROP", "IPsec dropped a clear text packet.", true},
		{13800, "ERROR_IPSEC_IKE_NEG_STATUS_BEGIN", "", true},
		{0xC0360007, "STATUS_IPSEC_CLEAR_TEXT_DROP", "", true},
		{13919, "", "", false},
		{5, "", "", false},
	} {
		name, message, ok := hostlog.Win32Error(tc.code)
		if name != tc.name || message != tc.message || ok != tc.ok {
			t.Errorf("%d: %q %q %v", tc.code, name, message, ok)
		}
	}
	for reason, want := range map[string]uint32{
		"IKE authentication credentials are unacceptable": 13801,
		"negotiation timed out.":                          13805,
		"Negotiation request sat in Queue too long.":      0, // four codes share it
		"something else":                                  0,
	} {
		if got := hostlog.ErrorCodeOf(reason); got != want {
			t.Errorf("ErrorCodeOf(%q) = %d, want %d", reason, got, want)
		}
	}
}

func TestSniff(t *testing.T) {
	utf16 := func(s string) []byte {
		b := []byte{0xFF, 0xFE}
		for _, c := range s {
			b = append(b, byte(c), 0)
		}
		return b
	}
	for _, tc := range []struct {
		name string
		head []byte
		want hostlog.Format
	}{
		{"cab", []byte("MSCF\x00\x00\x00\x00"), hostlog.FormatCAB},
		{"evtx", []byte("ElfFile\x00\x00\x00"), hostlog.FormatEVTX},
		{"wfpdiag", []byte("<?xml version=\"1.0\"?>\n<wfpdiag>"), hostlog.FormatWFPDiag},
		{"netEvents", []byte("<netEvents><item>"), hostlog.FormatWFPDiag},
		{"wevtutil", []byte("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"), hostlog.FormatSecurity},
		{"Event Viewer UTF-16", utf16("<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n<Events><Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>"), hostlog.FormatSecurity},
		{"other XML", []byte("<Events><Event>no namespace</Event></Events>"), hostlog.FormatNone},
		{"pcap", []byte("\xd4\xc3\xb2\xa1\x02\x00\x04\x00"), hostlog.FormatNone},
	} {
		if got := hostlog.Sniff(tc.head); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestSecurityUTF16 reads what Event Viewer saves: UTF-16LE with a byte
// order mark and an encoding="UTF-16" declaration.
func TestSecurityUTF16(t *testing.T) {
	var b bytes.Buffer
	if err := hostlogtest.WriteSecurityXML(&b, sample(), true); err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(b.String(), `encoding="UTF-8"`, `encoding="UTF-16"`, 1) + "\u00e9"
	u := []byte{0xFF, 0xFE}
	for _, r := range s {
		u = append(u, byte(r), byte(r>>8))
	}
	compare(t, read(t, "ev.xml", u), hostlog.FormatSecurity, sample())
	compare(t, read(t, "bom.xml", append([]byte("\xEF\xBB\xBF"), b.Bytes()...)), hostlog.FormatSecurity, sample())
}

func TestEVTXAndUnknown(t *testing.T) {
	_, err := hostlog.Read("Security.evtx", strings.NewReader("ElfFile\x00"+strings.Repeat("\x00", 100)))
	if !errors.Is(err, hostlog.ErrEVTX) || !strings.Contains(err.Error(), "wevtutil qe FILE.evtx /lf:true /f:xml /e:Events") || !strings.Contains(err.Error(), "Security.evtx") {
		t.Errorf("evtx: %v", err)
	}
	if _, err := hostlog.Read("x.txt", strings.NewReader("hello")); !errors.Is(err, hostlog.ErrNotHostLog) {
		t.Errorf("text: %v", err)
	}
}

// TestWFPVersions: the v1 templates add fields at the end (1005:
// ProviderContextKey; 1007: MMSaLuid, MMProviderContextKey; 1013: ICookie,
// RCookie), read when the event says v1 and required then.
func TestWFPVersions(t *testing.T) {
	for _, ev := range sample()[2:4] { // 1005, 1007
		id, _, v0, _ := hostlogtest.WFPUserData(ev)
		extra := 16
		if id == 1007 {
			extra = 24
		}
		v1 := append(bytes.Clone(v0), make([]byte, extra)...)
		var a, b hostlog.Event
		if err := hostlog.DecodeWFP(id, 0, v0, &a); err != nil {
			t.Fatal(err)
		}
		if err := hostlog.DecodeWFP(id, 1, v1, &b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%d: v0 %+v, v1 %+v", id, a, b)
		}
		if err := hostlog.DecodeWFP(id, 1, v0, &b); !errors.Is(err, hostlog.ErrWFPShort) {
			t.Errorf("%d: v1 without its fields: %v", id, err)
		}
	}
	// 1013: addresses, KeyingModule (the manifest's KeyModMap: 3 AuthIP),
	// SaLuid, and in v1 the cookies.
	u := []byte{4, 0, 0, 0, 192, 168, 1, 10, 4, 0, 0, 0, 192, 168, 1, 20, 3, 0, 0, 0}
	u = append(u, make([]byte, 8)...)
	var e0, e1 hostlog.Event
	if err := hostlog.DecodeWFP(1013, 0, u, &e0); err != nil || e0.KeyModule != "AuthIP" || e0.Local != local || e0.Remote != remote || e0.Kind != hostlog.KindMMEstablished {
		t.Errorf("1013 v0: %v %+v", err, e0)
	}
	u = append(u, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0)
	if err := hostlog.DecodeWFP(1013, 1, u, &e1); err != nil || e1.ICookie != 1 || e1.RCookie != 2 {
		t.Errorf("1013 v1: %v %+v", err, e1)
	}
	if err := hostlog.DecodeWFP(1001, 0, u, &e1); !errors.Is(err, hostlog.ErrWFPNotDecoded) {
		t.Errorf("1001: %v", err)
	}
}

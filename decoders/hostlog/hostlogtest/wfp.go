// Package hostlogtest writes host logs for tests, from hostlog.Events: an
// ETL file with Microsoft-Windows-WFP events beside NDIS packets,
// wfpdiag.xml and wfpdiag.cab as netsh wfp capture writes them, and
// Security log XML in both framings (wevtutil's bare <Event> elements,
// Event Viewer's <Events>). The layouts are the ones package hostlog
// reads, from the sources it cites; each writer says which event kinds
// its format carries and skips the others.
package hostlogtest

import (
	"encoding/binary"
	"net/netip"
	"strconv"
	"time"
	"unicode/utf16"

	"softsa/decoders/etl"
	"softsa/decoders/etl/etltest"
	"softsa/decoders/hostlog"
)

// WFP event IDs per kind (the failures' and drops' templates carry the
// FWPM_NET_EVENT_* structs; 1043 and 1027 v1 the SA's cookies and SPIs).
func wfpID(k hostlog.Kind) (uint16, uint8, bool) {
	switch k {
	case hostlog.KindKernelDrop, hostlog.KindClearTextDrop:
		return 1003, 0, true
	case hostlog.KindMMFailure:
		return 1005, 0, true
	case hostlog.KindQMFailure:
		return 1007, 0, true
	case hostlog.KindEMFailure:
		return 1009, 0, true
	case hostlog.KindMMEstablished:
		return 1043, 0, true
	case hostlog.KindQMEstablished:
		return 1027, 1, true
	case hostlog.KindIKESent:
		return 1024, 0, true
	case hostlog.KindIKEReceived:
		return 1025, 0, true
	}
	return 0, 0, false
}

// STATUS_IPSEC_CLEAR_TEXT_DROP, what a clear-text drop's FailureStatus is
// when the event gives none.
const statusClearTextDrop = 0xC0360007

type ud struct{ b []byte }

func (u *ud) u8(v uint8)   { u.b = append(u.b, v) }
func (u *ud) u16(v uint16) { u.b = binary.LittleEndian.AppendUint16(u.b, v) }
func (u *ud) u32(v uint32) { u.b = binary.LittleEndian.AppendUint32(u.b, v) }
func (u *ud) u64(v uint64) { u.b = binary.LittleEndian.AppendUint64(u.b, v) }
func (u *ud) zeros(n int)  { u.b = append(u.b, make([]byte, n)...) }
func (u *ud) filetime(t time.Time) {
	u.u64(uint64(t.UnixNano()/100 + 116444736000000000))
}
func (u *ud) addr(a netip.Addr) {
	switch {
	case !a.IsValid():
		u.u32(0)
	case a.Is4():
		u.u32(4)
		b := a.As4()
		u.b = append(u.b, b[:]...)
	default:
		u.u32(16)
		b := a.As16()
		u.b = append(u.b, b[:]...)
	}
}
func (u *ud) utf16z(s string) {
	for _, c := range utf16.Encode([]rune(s)) {
		u.u16(c)
	}
	u.u16(0)
}
func (u *ud) ansiz(s string) { u.b = append(append(u.b, s...), 0) }

// sid writes S-1-5-18 (LocalSystem), what IKEEXT runs as.
func (u *ud) sid() { u.b = append(u.b, 1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0) }

func (u *ud) header(ev hostlog.Event) {
	u.filetime(ev.Time)
	u.addr(ev.Local)
	u.addr(ev.Remote)
	u.u32(0) // ScopeId
	u.utf16z(`\device\harddiskvolume1\windows\system32\svchost.exe`)
	u.sid()
}

func (u *ud) principals() {
	u.utf16z("") // LocalSpn
	u.utf16z("") // PeerSpn
	u.u32(0)     // LocalGroupSidCount
	u.u32(0)     // LocalGroupSidLength
	u.u32(0)     // RemoteGroupSidCount
	u.u32(0)     // RemoteGroupSidLength
}

// WFPUserData returns the Microsoft-Windows-WFP event (ID, template
// version, user data) that logs ev, in the layout package hostlog
// decodes; ok is false for a kind WFP has no event for.
func WFPUserData(ev hostlog.Event) (id uint16, version uint8, user []byte, ok bool) {
	id, version, ok = wfpID(ev.Kind)
	if !ok {
		return 0, 0, nil, false
	}
	u := &ud{}
	switch id {
	case 1003:
		u.header(ev)
		status := ev.ErrorCode
		if status == 0 && ev.Kind == hostlog.KindClearTextDrop {
			status = statusClearTextDrop
		}
		u.u32(status)
		dir := uint32(0x3901)
		if ev.Inbound {
			dir = 0x3900
		}
		u.u32(dir)
		u.u32(ev.SPI)
		u.u64(0x1234) // FilterId
		u.u16(44)     // LayerId
	case 1005:
		u.header(ev)
		u.principals()
		u.u32(ev.ErrorCode)
		u.u32(FailurePointValue(ev.FailurePoint))
		u.u32(0) // Flags
		u.u32(KeyModuleValue(ev.KeyModule))
		u.u32(stateValue(ev.State, "NONE", "SA_SENT", "SSPI_SENT", "FINAL", "FINAL_SENT", "COMPLETE"))
		u.u32(RoleValue(ev.Role))
		u.u32(0)     // MMAuthMethod
		u.zeros(20)  // EndCertHash
		u.u64(7)     // MMId
		u.u64(0x777) // MMFilterId
	case 1007:
		u.header(ev)
		u.u32(ev.ErrorCode)
		u.u32(FailurePointValue(ev.FailurePoint))
		u.u32(KeyModuleValue(ev.KeyModule))
		u.u32(stateValue(ev.State, "NONE", "INITIAL", "FINAL", "COMPLETE"))
		u.u32(RoleValue(ev.Role))
		u.u32(1)     // SaTrafficType: transport
		u.u64(0x888) // QMFilterId
	case 1009:
		u.header(ev)
		u.principals()
		u.u32(ev.ErrorCode)
		u.u32(FailurePointValue(ev.FailurePoint))
		u.u32(0) // Flags
		u.u32(stateValue(ev.State, "NONE", "SENT_ATTS", "SSPI_SENT", "AUTH_COMPLETE", "FINAL", "COMPLETE"))
		u.u32(RoleValue(ev.Role))
		u.u32(0) // EMAuthMethod
		u.zeros(20)
		u.u64(7)
		u.u64(0x888)
	case 1043:
		u.addr(ev.Local)
		u.addr(ev.Remote)
		u.u32(manifestKeyModule(ev.KeyModule))
		for range 6 { // AuthenticationMethodType ... QMLimit
			u.u32(0)
		}
		role := uint32(0)
		switch ev.Role {
		case "initiator":
			role = 1
		case "responder":
			role = 2
		}
		u.u32(role)
		u.u32(0)     // Impersonation
		u.u64(0x777) // MMFilterId
		u.u64(7)     // SaLuid
		u.zeros(16)  // ProviderContextKey
		u.u64(0)     // VirtualIfTunnelId
		u.u64(ev.ICookie)
		u.u64(ev.RCookie)
	case 1027:
		u.addr(ev.Local)
		u.utf16z("")
		u.u32(0)
		u.addr(ev.Remote)
		u.utf16z("")
		u.u32(0)
		u.u32(17) // IPProtocol
		u.u64(9)  // QMSaLuid
		u.u64(0)
		u.u64(0)
		u.u32(ev.SPI)
		u.u32(ev.SPI + 1) // OutboundSPI
	case 1024, 1025:
		u.ansiz(strconv.FormatUint(ev.ICookie, 16))
		u.ansiz(strconv.FormatUint(ev.RCookie, 16))
		u.ansiz(strconv.Itoa(int(ev.Exchange)))
		u.u32(100) // Length
		u.ansiz("1")
		u.u8(0)
		u.u32(ev.MessageID)
		u.utf16z(addrString(ev.Local))
		u.u32(uint32(ev.LocalPort))
		u.u32(17)
		u.utf16z(addrString(ev.Remote))
		u.u32(uint32(ev.RemotePort))
		u.u32(17)
		u.u64(1) // InterfaceLuid
		if id == 1025 {
			u.u32(1) // ProfileId
		}
	}
	return id, version, u.b, true
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// FailurePointValue is the IPSEC_FAILURE_POINT of "local" or "peer".
func FailurePointValue(s string) uint32 {
	switch s {
	case "local":
		return 1
	case "peer":
		return 2
	}
	return 0
}

// KeyModuleValue is the IKEEXT_KEY_MODULE_TYPE of a key module name.
func KeyModuleValue(s string) uint32 {
	switch s {
	case "AuthIP":
		return 1
	case "IKEv2":
		return 2
	}
	return 0
}

func manifestKeyModule(s string) uint32 {
	switch s {
	case "IKEv1":
		return 1
	case "IKEv2":
		return 2
	case "AuthIP":
		return 3
	}
	return 0
}

// RoleValue is the IKEEXT_SA_ROLE of "initiator" or "responder".
func RoleValue(s string) uint32 {
	if s == "responder" {
		return 1
	}
	return 0
}

func stateValue(s string, names ...string) uint32 {
	for i, n := range names {
		if n == s {
			return uint32(i)
		}
	}
	if v, err := strconv.ParseUint(s, 10, 32); err == nil {
		return uint32(v)
	}
	return 0
}

// WFPEvents returns the ETL events (provider Microsoft-Windows-WFP) that
// log evs, skipping kinds WFP has no event for.
func WFPEvents(evs []hostlog.Event) []etltest.Event {
	var out []etltest.Event
	for _, ev := range evs {
		id, version, user, ok := WFPUserData(ev)
		if !ok {
			continue
		}
		out = append(out, etltest.Event{Time: ev.Time, Provider: etl.ProviderWFP, ID: id, Version: version, Keyword: 0x2000000000, User: user})
	}
	return out
}

package hostlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// The user data of the Microsoft-Windows-WFP events softsa decodes, field
// by field as the provider's manifest templates give them: fox-it/dissect.etl
// dissect/etl/manifests/xml/{0c478c5b-0351-41b1-8c58-4a6737da32e3}.xml
// (templates task_01003Args ... task_01043Args) and jdu2600/Windows10EtwEvents
// manifest/Microsoft-Windows-WFP.tsv (which adds the v1 templates); the
// failure events carry the members of the public FWPM_NET_EVENT_IKEEXT_*
// structures (fwpmtypes.h on learn.microsoft.com) in the same order.
//
// ETW lays the fields out back to back, little-endian, unaligned:
// FILETIME 8 bytes; UInt32/UInt64 4/8; Binary with length=F the number of
// bytes field F gives; UnicodeString UTF-16LE up to a NUL; AnsiString
// bytes up to a NUL; SID 8 bytes plus 4 per sub-authority (count at its
// second byte); GUID 16.
//
// Uncertain, and said where it matters:
//   - the manifests give EndCertHash (1005, 1009) no length; the FWPM
//     structs have endCertHash[IKEEXT_CERT_HASH_LEN], 20 bytes, which is
//     what softsa reads;
//   - LocalGroupSids/RemoteGroupSids are UnicodeStrings with
//     count="...GroupSidLength": read as that many NUL-terminated strings
//     (0 on a host without AuthIP user credentials, where both readings
//     agree);
//   - the 4- or 16-byte addresses are read in network byte order;
//   - the cookies of 1024/1025 are AnsiStrings: read as hex (0x optional),
//     and ExchangeType as a number when it is one.
// None of this was checked on a real trace: no public ETL with WFP events
// was found (windows-formats.md §2).

// Errors of the WFP event walker; each comes wrapped with the event ID and
// the field it stopped at.
var (
	// ErrWFPShort means the user data ends inside a fixed-size field.
	ErrWFPShort = errors.New("user data ends inside a field")
	// ErrWFPLength means a length field points outside the event.
	ErrWFPLength = errors.New("field length points outside the event")
	// ErrWFPAddress means an address length is neither 4 nor 16 (nor 0).
	ErrWFPAddress = errors.New("address length is neither 4 nor 16")
	// ErrWFPString means a string has no terminating NUL inside the event.
	ErrWFPString = errors.New("string not terminated inside the event")
	// ErrWFPSID means a SID is malformed or runs past the event.
	ErrWFPSID = errors.New("malformed SID")
	// ErrWFPNotDecoded means the event ID is none softsa decodes.
	ErrWFPNotDecoded = errors.New("WFP event ID softsa does not decode")
)

// certHashLen is IKEEXT_CERT_HASH_LEN (fwpmtypes.h: "maps to 20").
const certHashLen = 20

// maxGroupSids bounds a group SID array's count; each string is at least
// 2 bytes, so a count above half the bytes left fails at once too.
const maxGroupSids = 1 << 12

// wfpParser walks one event's user data; off is where the next field
// starts, field the name of the one being read (for the error).
type wfpParser struct {
	b     []byte
	off   int
	field string
}

func (p *wfpParser) fail(err error) error {
	return fmt.Errorf("field %s at byte %d of %d: %w", p.field, p.off, len(p.b), err)
}

func (p *wfpParser) take(name string, n int) ([]byte, error) {
	p.field = name
	if n < 0 || n > len(p.b)-p.off {
		return nil, p.fail(ErrWFPShort)
	}
	s := p.b[p.off : p.off+n]
	p.off += n
	return s, nil
}

func (p *wfpParser) u8(name string) (uint8, error) {
	s, err := p.take(name, 1)
	if err != nil {
		return 0, err
	}
	return s[0], nil
}

func (p *wfpParser) u32(name string) (uint32, error) {
	s, err := p.take(name, 4)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(s), nil
}

func (p *wfpParser) u64(name string) (uint64, error) {
	s, err := p.take(name, 8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(s), nil
}

// filetime reads a FILETIME; zero gives the zero time.
func (p *wfpParser) filetime(name string) (time.Time, error) {
	v, err := p.u64(name)
	if err != nil || v == 0 {
		return time.Time{}, err
	}
	const epochDiff = 116444736000000000 // 1601 to 1970 in 100 ns
	if v < epochDiff || v > epochDiff+(1<<62)/100 {
		return time.Time{}, nil // outside what time.Time keeps in ns: unknown
	}
	return time.Unix(0, int64(v-epochDiff)*100).UTC(), nil
}

// addr reads a UInt32 length and the Binary address it counts.
func (p *wfpParser) addr(name string) (netip.Addr, error) {
	n, err := p.u32(name + "Length")
	if err != nil {
		return netip.Addr{}, err
	}
	p.field = name
	if int64(n) > int64(len(p.b)-p.off) {
		return netip.Addr{}, p.fail(fmt.Errorf("%d bytes: %w", n, ErrWFPLength))
	}
	switch n {
	case 0:
		return netip.Addr{}, nil
	case 4:
		a := netip.AddrFrom4([4]byte(p.b[p.off:]))
		p.off += 4
		return a, nil
	case 16:
		a := netip.AddrFrom16([16]byte(p.b[p.off:])).Unmap()
		p.off += 16
		return a, nil
	}
	return netip.Addr{}, p.fail(fmt.Errorf("%d bytes: %w", n, ErrWFPAddress))
}

// blob reads a UInt32 length and the Binary it counts.
func (p *wfpParser) blob(name string) ([]byte, error) {
	n, err := p.u32(name + "Length")
	if err != nil {
		return nil, err
	}
	p.field = name
	if int64(n) > int64(len(p.b)-p.off) {
		return nil, p.fail(fmt.Errorf("%d bytes: %w", n, ErrWFPLength))
	}
	return p.take(name, int(n))
}

// utf16z steps over a NUL-terminated UTF-16LE string and returns its
// bytes (without the NUL).
func (p *wfpParser) utf16z(name string) ([]byte, error) {
	p.field = name
	for i := p.off; i+1 < len(p.b); i += 2 {
		if p.b[i] == 0 && p.b[i+1] == 0 {
			s := p.b[p.off:i]
			p.off = i + 2
			return s, nil
		}
	}
	return nil, p.fail(ErrWFPString)
}

// ansiz steps over a NUL-terminated byte string.
func (p *wfpParser) ansiz(name string) ([]byte, error) {
	p.field = name
	for i := p.off; i < len(p.b); i++ {
		if p.b[i] == 0 {
			s := p.b[p.off:i]
			p.off = i + 1
			return s, nil
		}
	}
	return nil, p.fail(ErrWFPString)
}

// sid steps over a SID: revision 1, sub-authority count at most 15
// (SID_MAX_SUB_AUTHORITIES), 6 bytes of authority, 4 per sub-authority.
func (p *wfpParser) sid(name string) error {
	p.field = name
	if len(p.b)-p.off < 8 {
		return p.fail(ErrWFPSID)
	}
	if p.b[p.off] != 1 || p.b[p.off+1] > 15 {
		return p.fail(fmt.Errorf("revision %d, %d sub-authorities: %w", p.b[p.off], p.b[p.off+1], ErrWFPSID))
	}
	n := 8 + 4*int(p.b[p.off+1])
	if n > len(p.b)-p.off {
		return p.fail(fmt.Errorf("%d bytes: %w", n, ErrWFPSID))
	}
	p.off += n
	return nil
}

// groupSids steps over a count, a length, and length strings.
func (p *wfpParser) groupSids(name string) error {
	if _, err := p.u32(name + "Count"); err != nil {
		return err
	}
	n, err := p.u32(name + "Length")
	if err != nil {
		return err
	}
	if int64(n) > int64(len(p.b)-p.off)/2 || n > maxGroupSids {
		return p.fail(fmt.Errorf("%d strings: %w", n, ErrWFPLength))
	}
	for range n {
		if _, err := p.utf16z(name); err != nil {
			return err
		}
	}
	return nil
}

// header reads what the failure and drop events start with: Timestamp,
// the two addresses, ScopeId, AppId and UserSID.
func (p *wfpParser) header(ev *Event) error {
	t, err := p.filetime("Timestamp")
	if err != nil {
		return err
	}
	if !t.IsZero() {
		ev.Time = t
	}
	if ev.Local, err = p.addr("LocalAddress"); err != nil {
		return err
	}
	if ev.Remote, err = p.addr("RemoteAddress"); err != nil {
		return err
	}
	if _, err = p.u32("ScopeId"); err != nil {
		return err
	}
	if _, err = p.utf16z("AppId"); err != nil {
		return err
	}
	return p.sid("UserSID")
}

// principals steps over LocalSpn, PeerSpn and the group SIDs of 1005/1009.
func (p *wfpParser) principals() error {
	if _, err := p.utf16z("LocalSpn"); err != nil {
		return err
	}
	if _, err := p.utf16z("PeerSpn"); err != nil {
		return err
	}
	if err := p.groupSids("LocalGroupSid"); err != nil {
		return err
	}
	return p.groupSids("RemoteGroupSid")
}

// failure reads FailureErrorCode and FailurePoint into ev, with the
// error's documented message as its Reason.
func (p *wfpParser) failure(ev *Event) error {
	code, err := p.u32("FailureErrorCode")
	if err != nil {
		return err
	}
	fp, err := p.u32("FailurePoint")
	if err != nil {
		return err
	}
	ev.ErrorCode, ev.FailurePoint = code, FailurePoint(fp)
	_, ev.Reason, _ = Win32Error(code)
	return nil
}

// u32s reads n UInt32 fields named names.
func (p *wfpParser) u32s(names ...string) ([]uint32, error) {
	v := make([]uint32, len(names))
	for i, n := range names {
		var err error
		if v[i], err = p.u32(n); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// DecodeWFP decodes the user data of Microsoft-Windows-WFP event id
// (template version) into ev: its Kind, addresses, failure code, point,
// state, role and key module, cookies and SPIs, as the event carries them.
// ev.Time is kept unless the event has its own Timestamp. Source is set;
// File and Record are the caller's. A length that points outside the data
// is an error (ErrWFPLength and its friends, wrapped with the event ID and
// the field), never a panic.
func DecodeWFP(id uint16, version uint8, user []byte, ev *Event) error {
	p := &wfpParser{b: user}
	ev.Source = "WFP ETL event " + strconv.Itoa(int(id))
	var err error
	switch id {
	case 1003:
		err = p.kernelDrop(ev)
	case 1005:
		err = p.mmFailure(version, ev)
	case 1007:
		err = p.qmFailure(version, ev)
	case 1009:
		err = p.emFailure(ev)
	case 1013:
		err = p.mmSA1013(version, ev)
	case 1043:
		err = p.mmSA1043(ev)
	case 1024, 1025:
		err = p.ikePacket(id, ev)
	case 1027:
		err = p.qmSA(version, ev)
	default:
		return fmt.Errorf("event %d: %w", id, ErrWFPNotDecoded)
	}
	if err != nil {
		return fmt.Errorf("event %d v%d: %w", id, version, err)
	}
	return nil
}

// 1003, FWPM_NET_EVENT_IPSEC_KERNEL_DROP0: ..., FailureStatus (an
// NTSTATUS, STATUS_IPSEC_*), Direction (DirectionMap), SPI, FilterId,
// LayerId.
func (p *wfpParser) kernelDrop(ev *Event) error {
	ev.Kind = KindKernelDrop
	if err := p.header(ev); err != nil {
		return err
	}
	v, err := p.u32s("FailureStatus", "Direction", "SPI")
	if err != nil {
		return err
	}
	ev.ErrorCode, ev.SPI = v[0], v[2]
	ev.Inbound = v[1] == dirInbound
	_, ev.Reason, _ = Win32Error(v[0])
	if v[0] == statusIPsecClearTextDrop {
		ev.Kind = KindClearTextDrop
	}
	if _, err := p.u64("FilterId"); err != nil {
		return err
	}
	_, err = p.take("LayerId", 2)
	return err
}

// statusIPsecClearTextDrop is STATUS_IPSEC_CLEAR_TEXT_DROP (ntstatus.h).
const statusIPsecClearTextDrop = 0xC0360007

// 1005, FWPM_NET_EVENT_IKEEXT_MM_FAILURE0 (v1 adds ProviderContextKey).
func (p *wfpParser) mmFailure(version uint8, ev *Event) error {
	ev.Kind = KindMMFailure
	if err := p.header(ev); err != nil {
		return err
	}
	if err := p.principals(); err != nil {
		return err
	}
	if err := p.failure(ev); err != nil {
		return err
	}
	v, err := p.u32s("Flags", "KeyingModuleType", "MmState", "SaRole", "MMAuthMethod")
	if err != nil {
		return err
	}
	ev.KeyModule, ev.State, ev.Role = KeyModule(v[1]), MMState(v[2]), Role(v[3])
	if _, err := p.take("EndCertHash", certHashLen); err != nil {
		return err
	}
	if _, err := p.u64("MMId"); err != nil {
		return err
	}
	if _, err := p.u64("MMFilterId"); err != nil {
		return err
	}
	if version >= 1 {
		_, err = p.take("ProviderContextKey", 16)
	}
	return err
}

// 1007, FWPM_NET_EVENT_IKEEXT_QM_FAILURE0 (v1 adds MMSaLuid and
// MMProviderContextKey).
func (p *wfpParser) qmFailure(version uint8, ev *Event) error {
	ev.Kind = KindQMFailure
	if err := p.header(ev); err != nil {
		return err
	}
	if err := p.failure(ev); err != nil {
		return err
	}
	v, err := p.u32s("KeyingModuleType", "QMState", "SaRole", "SaTrafficType")
	if err != nil {
		return err
	}
	ev.KeyModule, ev.State, ev.Role = KeyModule(v[0]), QMState(v[1]), Role(v[2])
	if _, err := p.u64("QMFilterId"); err != nil {
		return err
	}
	if version >= 1 {
		if _, err := p.u64("MMSaLuid"); err != nil {
			return err
		}
		_, err = p.take("MMProviderContextKey", 16)
	}
	return err
}

// 1009, FWPM_NET_EVENT_IKEEXT_EM_FAILURE0 (AuthIP only).
func (p *wfpParser) emFailure(ev *Event) error {
	ev.Kind = KindEMFailure
	ev.KeyModule = "AuthIP"
	if err := p.header(ev); err != nil {
		return err
	}
	if err := p.principals(); err != nil {
		return err
	}
	if err := p.failure(ev); err != nil {
		return err
	}
	v, err := p.u32s("Flags", "EMState", "SaRole", "EMAuthMethod")
	if err != nil {
		return err
	}
	ev.State, ev.Role = EMState(v[1]), Role(v[2])
	if _, err := p.take("EndCertHash", certHashLen); err != nil {
		return err
	}
	if _, err := p.u64("MMId"); err != nil {
		return err
	}
	_, err = p.u64("QMFilterId")
	return err
}

// 1013: MainModeLocalAddress, MainModePeerAddress, KeyingModule
// (KeyModMap), SaLuid; v1 adds ICookie and RCookie.
func (p *wfpParser) mmSA1013(version uint8, ev *Event) error {
	ev.Kind = KindMMEstablished
	var err error
	if ev.Local, err = p.addr("MainModeLocalAddress"); err != nil {
		return err
	}
	if ev.Remote, err = p.addr("MainModePeerAddress"); err != nil {
		return err
	}
	km, err := p.u32("KeyingModule")
	if err != nil {
		return err
	}
	ev.KeyModule = manifestKeyModule(km)
	if _, err := p.u64("SaLuid"); err != nil {
		return err
	}
	if version >= 1 {
		if ev.ICookie, err = p.u64("ICookie"); err != nil {
			return err
		}
		if ev.RCookie, err = p.u64("RCookie"); err != nil {
			return err
		}
	}
	return nil
}

// 1043: the addresses, KeyingModule (KeyModMap), eight UInt32 of the SA
// (authentication method ... Role (RoleMap), Impersonation), MMFilterId,
// SaLuid, ProviderContextKey, VirtualIfTunnelId, ICookie, RCookie.
func (p *wfpParser) mmSA1043(ev *Event) error {
	ev.Kind = KindMMEstablished
	var err error
	if ev.Local, err = p.addr("MainModeLocalAddress"); err != nil {
		return err
	}
	if ev.Remote, err = p.addr("MainModePeerAddress"); err != nil {
		return err
	}
	v, err := p.u32s("KeyingModule", "AuthenticationMethodType", "EncryptionAlgorithm", "AuthenticationAlgorithm",
		"DiffieHellmanGroup", "LifetimeMinutes", "QMLimit", "Role", "Impersonation")
	if err != nil {
		return err
	}
	ev.KeyModule = manifestKeyModule(v[0])
	switch v[7] { // RoleMap: 1 initiator, 2 responder
	case 1:
		ev.Role = "initiator"
	case 2:
		ev.Role = "responder"
	}
	for _, n := range []string{"MMFilterId", "SaLuid"} {
		if _, err := p.u64(n); err != nil {
			return err
		}
	}
	if _, err := p.take("ProviderContextKey", 16); err != nil {
		return err
	}
	if _, err := p.u64("VirtualIfTunnelId"); err != nil {
		return err
	}
	if ev.ICookie, err = p.u64("ICookie"); err != nil {
		return err
	}
	ev.RCookie, err = p.u64("RCookie")
	return err
}

// 1027: LocalAddress, LocalAddressMask (string), LocalTunnelEndpoint,
// RemoteAddress, RemoteAddressMask, RemoteTunnelEndpoint, IPProtocol,
// QMSaLuid, VirtualIFTunnelId, VirtualIFTrafficSelectorId; v1 adds
// InboundSPI and OutboundSPI (SPI keeps the inbound one).
func (p *wfpParser) qmSA(version uint8, ev *Event) error {
	ev.Kind = KindQMEstablished
	var err error
	if ev.Local, err = p.addr("LocalAddress"); err != nil {
		return err
	}
	if _, err = p.utf16z("LocalAddressMask"); err != nil {
		return err
	}
	if _, err = p.blob("LocalTunnelEndpoint"); err != nil {
		return err
	}
	if ev.Remote, err = p.addr("RemoteAddress"); err != nil {
		return err
	}
	if _, err = p.utf16z("RemoteAddressMask"); err != nil {
		return err
	}
	if _, err = p.blob("RemoteTunnelEndpoint"); err != nil {
		return err
	}
	if _, err = p.u32("IPProtocol"); err != nil {
		return err
	}
	for _, n := range []string{"QMSaLuid", "VirtualIFTunnelId", "VirtualIFTrafficSelectorId"} {
		if _, err := p.u64(n); err != nil {
			return err
		}
	}
	if version >= 1 {
		if ev.SPI, err = p.u32("InboundSPI"); err != nil {
			return err
		}
		_, err = p.u32("OutboundSPI")
	}
	return err
}

// 1024 (sent) / 1025 (received): ICookie, RCookie, ExchangeType as
// AnsiStrings, Length, NextPayload (AnsiString), Flags, MessageID,
// LocalAddress (UnicodeString), LocalPort, LocalProtocol, RemoteAddress,
// RemotePort, RemoteProtocol, InterfaceLuid; 1025 adds ProfileId.
func (p *wfpParser) ikePacket(id uint16, ev *Event) error {
	ev.Kind, ev.Inbound = KindIKESent, false
	if id == 1025 {
		ev.Kind, ev.Inbound = KindIKEReceived, true
	}
	ic, err := p.ansiz("ICookie")
	if err != nil {
		return err
	}
	rc, err := p.ansiz("RCookie")
	if err != nil {
		return err
	}
	ex, err := p.ansiz("ExchangeType")
	if err != nil {
		return err
	}
	ev.ICookie, _ = parseHex64(string(ic))
	ev.RCookie, _ = parseHex64(string(rc))
	if n, err := strconv.ParseUint(strings.TrimSpace(string(ex)), 0, 8); err == nil {
		ev.Exchange = uint8(n)
	}
	if _, err := p.u32("Length"); err != nil {
		return err
	}
	if _, err := p.ansiz("NextPayload"); err != nil {
		return err
	}
	if _, err := p.u8("Flags"); err != nil {
		return err
	}
	if ev.MessageID, err = p.u32("MessageID"); err != nil {
		return err
	}
	la, err := p.utf16z("LocalAddress")
	if err != nil {
		return err
	}
	lp, err := p.u32s("LocalPort", "LocalProtocol")
	if err != nil {
		return err
	}
	ra, err := p.utf16z("RemoteAddress")
	if err != nil {
		return err
	}
	rp, err := p.u32s("RemotePort", "RemoteProtocol")
	if err != nil {
		return err
	}
	ev.Local, _ = netip.ParseAddr(decodeUTF16(la))
	ev.Remote, _ = netip.ParseAddr(decodeUTF16(ra))
	ev.Local, ev.Remote = ev.Local.Unmap(), ev.Remote.Unmap()
	ev.LocalPort, ev.RemotePort = uint16(lp[0]), uint16(rp[0])
	if _, err := p.u64("InterfaceLuid"); err != nil {
		return err
	}
	if id == 1025 {
		_, err = p.u32("ProfileId")
	}
	return err
}

// parseHex64 reads a cookie written in hex, with or without 0x.
func parseHex64(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	return strconv.ParseUint(s, 16, 64)
}

// decodeUTF16 turns UTF-16LE bytes into a string; an odd last byte is
// dropped.
func decodeUTF16(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

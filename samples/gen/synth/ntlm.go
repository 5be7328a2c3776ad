package synth

import (
	"encoding/binary"
	"math/rand/v2"
	"time"
)

// SPNEGO (RFC 4178) and NTLMSSP ([MS-NLMP]) tokens for SMB2 SESSION_SETUP
// and SMB1 SESSION_SETUP_ANDX with extended security, as Windows sends them when Kerberos is not available: NEGOTIATE inside a
// negTokenInit, CHALLENGE and AUTHENTICATE inside negTokenResp. Wireshark
// decodes all of it, so every length and offset must hold.

var (
	oidSPNEGO  = []byte{0x2b, 0x06, 0x01, 0x05, 0x05, 0x02}
	oidNTLMSSP = []byte{0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a}
	oidMSKRB5  = []byte{0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02}
	oidKRB5    = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02}
)

// ntlmFlags are the negotiate flags of a Windows client of the era: UNICODE,
// OEM, REQUEST_TARGET, SIGN, NTLM, ALWAYS_SIGN, EXTENDED_SESSIONSECURITY,
// VERSION, 128, KEY_EXCH, 56.
const ntlmFlags uint32 = 0xe2088297

// ntlmFlagVersion is NTLMSSP_NEGOTIATE_VERSION: the message carries a
// VERSION structure.
const ntlmFlagVersion uint32 = 0x02000000

// flagsFor returns flags without NEGOTIATE_VERSION when there is no version.
func flagsFor(flags uint32, version []byte) uint32 {
	if version == nil {
		return flags &^ ntlmFlagVersion
	}
	return flags
}

// spnegoInit is the negTokenInit a server advertises in NEGOTIATE, or a
// client sends with its first token (mechToken non-nil).
func spnegoInit(mechToken []byte, mechs ...[]byte) []byte {
	var list [][]byte
	for _, m := range mechs {
		list = append(list, der(0x06, m))
	}
	fields := [][]byte{der(0xa0, der(0x30, list...))}
	if mechToken != nil {
		fields = append(fields, der(0xa2, der(0x04, mechToken)))
	}
	return der(0x60, der(0x06, oidSPNEGO), der(0xa0, der(0x30, fields...)))
}

// spnegoResp is a negTokenResp: negState (0 accept-completed, 1
// accept-incomplete, -1 for none), supported mech and response token.
func spnegoResp(state int, mech, token []byte) []byte {
	var fields [][]byte
	if state >= 0 {
		fields = append(fields, der(0xa0, der(0x0a, []byte{byte(state)})))
	}
	if mech != nil {
		fields = append(fields, der(0xa1, der(0x06, mech)))
	}
	if token != nil {
		fields = append(fields, der(0xa2, der(0x04, token)))
	}
	return der(0xa1, der(0x30, fields...))
}

// ntlmVersion is the VERSION structure ([MS-NLMP] §2.2.2.10) a release puts
// in its NTLMSSP messages (NTLM revision 15), or nil for a host that sends
// none (Samba 3 on a NAS or a Linux client).
func ntlmVersion(r Release) []byte {
	v := func(major, minor byte, build uint16) []byte {
		return []byte{major, minor, byte(build), byte(build >> 8), 0, 0, 0, 15}
	}
	switch r {
	case WinXP:
		return v(5, 1, 2600)
	case Win2003:
		return v(5, 2, 3790)
	case Vista, Win2008:
		return v(6, 0, 6002)
	case Win7, Win2008R2:
		return v(6, 1, 7600)
	}
	return nil
}

// ntlmField appends a (length, max length, offset) field descriptor.
func ntlmField(b []byte, n, off int) []byte {
	b = le16(b, uint16(n))
	b = le16(b, uint16(n))
	return le32(b, uint32(off))
}

func ntlmNegotiate(version []byte) []byte {
	hdr := 32 + len(version)
	b := append([]byte("NTLMSSP\x00"), 1, 0, 0, 0)
	b = le32(b, flagsFor(ntlmFlags, version))
	b = ntlmField(b, 0, hdr)
	b = ntlmField(b, 0, hdr)
	return append(b, version...)
}

// avPairs builds the target information list ([MS-NLMP] §2.2.2.1). A zero
// ts leaves out MsvAvTimestamp, which servers before Vista and 2008 do not
// send.
func avPairs(domain, computer, dnsDomain string, ts time.Time) []byte {
	var b []byte
	add := func(id uint16, v []byte) {
		b = le16(b, id)
		b = le16(b, uint16(len(v)))
		b = append(b, v...)
	}
	add(2, utf16le(domain))
	add(1, utf16le(computer))
	add(4, utf16le(dnsDomain))
	add(3, utf16le(computer+"."+dnsDomain))
	if !ts.IsZero() {
		add(7, le64(nil, filetime(ts)))
	}
	add(0, nil)
	return b
}

// ntlmChallenge is the server's CHALLENGE; version is the server's (nil:
// none).
func ntlmChallenge(rng *rand.Rand, domain string, info, version []byte) []byte {
	name := utf16le(domain)
	hdr := 48 + len(version)
	b := append([]byte("NTLMSSP\x00"), 2, 0, 0, 0)
	b = ntlmField(b, len(name), hdr)
	b = le32(b, flagsFor(ntlmFlags, version)|0x00810000) // + TARGET_TYPE_DOMAIN, TARGET_INFO
	b = binary.LittleEndian.AppendUint64(b, rng.Uint64())
	b = le64(b, 0)
	b = ntlmField(b, len(info), hdr+len(name))
	b = append(b, version...)
	b = append(b, name...)
	return append(b, info...)
}

// ntlmAuthenticate is the client's AUTHENTICATE with an NTLMv2 response;
// version is the client's (nil: none). serverTime is true when the server's
// target information carried MsvAvTimestamp: the client then sends a zero
// LMv2 response ([MS-NLMP] §3.1.5.1.2), otherwise a real one.
func ntlmAuthenticate(rng *rand.Rand, domain, user, workstation string, info []byte, ts time.Time, version []byte, serverTime bool) []byte {
	d, u, w := utf16le(domain), utf16le(user), utf16le(workstation)
	lm := make([]byte, 24)
	if !serverTime {
		lm = randBytes(rng, 24) // HMAC-MD5 and client challenge
	}
	// NTLMv2 response: NTProofStr, then the client blob (§2.2.2.7).
	nt := randBytes(rng, 16)
	nt = append(nt, 1, 1, 0, 0, 0, 0, 0, 0)
	nt = le64(nt, filetime(ts))
	nt = append(nt, randBytes(rng, 8)...)
	nt = le32(nt, 0)
	nt = append(nt, info...)
	nt = le32(nt, 0)
	key := randBytes(rng, 16)
	hdr := 64 + len(version)
	off := hdr
	b := append([]byte("NTLMSSP\x00"), 3, 0, 0, 0)
	fields := [][]byte{lm, nt, d, u, w, key}
	offs := make([]int, len(fields))
	// Payload order as Windows writes it: domain, user, workstation, LM, NT,
	// session key.
	for _, i := range []int{2, 3, 4, 0, 1, 5} {
		offs[i] = off
		off += len(fields[i])
	}
	for i, f := range fields {
		b = ntlmField(b, len(f), offs[i])
	}
	b = le32(b, flagsFor(ntlmFlags, version))
	b = append(b, version...)
	for _, i := range []int{2, 3, 4, 0, 1, 5} {
		b = append(b, fields[i]...)
	}
	return b
}

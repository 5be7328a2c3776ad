// Package iketest builds ISAKMP messages for the tests of package ike and
// of dump's Wireshark model: hand-built fixtures that each say what they
// model, deterministic mutants of them, the ISAKMP messages of the capture
// corpus, and what tshark shows of a capture.
package iketest

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"softsa/decoders/ike"
	"softsa/internal/testenv"
)

// PL is one payload of a message Msg builds.
type PL struct {
	Type   uint8
	Body   []byte
	LenAdj int  // added to the length field (to build bad lengths)
	Crit   bool // IKEv2 critical bit
}

// Msg builds an ISAKMP message: the payloads are chained in order and
// the header's next payload names the first one.
func Msg(version, exch, flags uint8, msgID uint32, pls ...PL) []byte {
	var body []byte
	for i, pl := range pls {
		next := uint8(0)
		if i+1 < len(pls) {
			next = pls[i+1].Type
		}
		crit := uint8(0)
		if pl.Crit {
			crit = 0x80
		}
		body = append(body, next, crit)
		body = binary.BigEndian.AppendUint16(body, uint16(len(pl.Body)+4+pl.LenAdj))
		body = append(body, pl.Body...)
	}
	first := uint8(0)
	if len(pls) > 0 {
		first = pls[0].Type
	}
	h := make([]byte, 0, ike.HeaderLen+len(body))
	h = append(h, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0x70, 0x81) // initiator SPI
	h = append(h, 0, 0, 0, 0, 0, 0, 0, 0)                         // responder SPI
	h = append(h, first, version, exch, flags)
	h = binary.BigEndian.AppendUint32(h, msgID)
	h = binary.BigEndian.AppendUint32(h, uint32(ike.HeaderLen+len(body)))
	return append(h, body...)
}

// Hex decodes hex written with spaces between groups of bytes.
func Hex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// TV builds a data attribute with its value in the header (RFC 2408 §3.3).
func TV(t, v uint16) []byte {
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(nil, 0x8000|t), v)
}

// TLV builds a data attribute with a length and a value (RFC 2408 §3.3).
func TLV(t uint16, v []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, t)
	b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	return append(b, v...)
}

// Sub builds a proposal or transform substructure with its 4-byte
// generic header.
func Sub(next uint8, body []byte) []byte {
	b := []byte{next, 0}
	b = binary.BigEndian.AppendUint16(b, uint16(len(body)+4))
	return append(b, body...)
}

// V1Transform builds an IKEv1 transform: number, ID (1 = KEY_IKE),
// attributes.
func V1Transform(last bool, num, id uint8, attrs ...[]byte) []byte {
	next := uint8(3)
	if last {
		next = 0
	}
	return Sub(next, append([]byte{num, id, 0, 0}, bytes.Join(attrs, nil)...))
}

// V2Transform builds an IKEv2 transform: type, ID, attributes.
func V2Transform(last bool, typ uint8, id uint16, attrs ...[]byte) []byte {
	next := uint8(3)
	if last {
		next = 0
	}
	b := binary.BigEndian.AppendUint16([]byte{typ, 0}, id)
	return Sub(next, append(b, bytes.Join(attrs, nil)...))
}

// Proposal builds a proposal substructure holding transforms.
func Proposal(last bool, num, proto uint8, spi []byte, transforms ...[]byte) []byte {
	next := uint8(2)
	if last {
		next = 0
	}
	b := append([]byte{num, proto, uint8(len(spi)), uint8(len(transforms))}, spi...)
	return Sub(next, append(b, bytes.Join(transforms, nil)...))
}

// V1SA builds an IKEv1 SA payload body: DOI IPsec (1), situation
// SIT_IDENTITY_ONLY (1), proposals.
func V1SA(proposals ...[]byte) []byte {
	return append([]byte{0, 0, 0, 1, 0, 0, 0, 1}, bytes.Join(proposals, nil)...)
}

// Vendor IDs Windows and others send, for the fixtures: MS NT5
// ISAKMPOAKLEY with Vista's (5) and Windows 10's (9) version, RFC 3947,
// draft-ietf-ipsec-nat-t-ike-02\n, IKE fragmentation, the three AuthIP IDs
// (MS-Negotiation Discovery Capable, IKE CGA version 1, MS-MamieExists) and
// DPD.
var (
	VIDNT5Vista = Hex("1e2b516905991c7d7c96fcbfb587e461 00000005")
	VIDNT5Win10 = Hex("1e2b516905991c7d7c96fcbfb587e461 00000009")
	VIDRFC3947  = Hex("4a131c81070358455c5728f20e95452f")
	VIDNATT02n  = Hex("90cb80913ebb696e086381b5ec427b1f")
	VIDFrag     = Hex("4048b7d56ebce88525e7de7f00d6c2d3")
	VIDMSNDC    = Hex("fb1de3cdf341b7ea16b7e5be0855f120")
	VIDCGA      = Hex("e3a5966a76379fe707228231e5ce8652")
	VIDMamie    = Hex("214ca4faffa7f32d6748e5303395ae83")
	VIDDPD      = Hex("afcad71368a1f1c96b8696fc77570100")
)

// VistaMM1 is hand-built: the first main mode message of a Windows
// Vista initiator as the KB 977526 scenario has it (one proposal, KEY_IKE
// transform 3DES/SHA1/RSA signatures/group 2/28800 s, then Windows' vendor
// IDs: MS NT5 version 5, RFC 3947, draft-02\n, fragmentation, and the three
// AuthIP IDs). Values follow RFC 2409 Appendix A.
func VistaMM1() []byte {
	sa := V1SA(Proposal(true, 1, 1, nil,
		V1Transform(true, 1, 1,
			TV(1, 5), TV(2, 2), TV(3, 3), TV(4, 2),
			TV(11, 1), TLV(12, []byte{0, 0, 0x70, 0x80}))))
	return Msg(0x10, ike.ExchangeMain, 0, 0,
		PL{Type: ike.PayloadSA, Body: sa},
		PL{Type: ike.PayloadVendorID, Body: VIDNT5Vista},
		PL{Type: ike.PayloadVendorID, Body: VIDRFC3947},
		PL{Type: ike.PayloadVendorID, Body: VIDNATT02n},
		PL{Type: ike.PayloadVendorID, Body: VIDFrag},
		PL{Type: ike.PayloadVendorID, Body: VIDMSNDC},
		PL{Type: ike.PayloadVendorID, Body: VIDCGA},
		PL{Type: ike.PayloadVendorID, Body: VIDMamie})
}

// V2SAInit is hand-built after RFC 7296 §1.2: an IKE_SA_INIT request
// with SA (ENCR_AES_CBC 256, PRF_HMAC_SHA2_256, AUTH_HMAC_SHA2_256_128,
// group 14), KE (group 14, 256 bytes), a 32-byte nonce, the two NAT
// detection notifies, IKEV2_FRAGMENTATION_SUPPORTED and a Windows vendor ID.
func V2SAInit() []byte {
	sa := Proposal(true, 1, 1, nil,
		V2Transform(false, 1, 12, TV(14, 256)),
		V2Transform(false, 2, 5),
		V2Transform(false, 3, 12),
		V2Transform(true, 4, 14))
	ke := append([]byte{0, 14, 0, 0}, bytes.Repeat([]byte{0xab}, 256)...)
	natd := func(typ uint16) []byte {
		return append(binary.BigEndian.AppendUint16([]byte{0, 0}, typ), bytes.Repeat([]byte{0x11}, 20)...)
	}
	return Msg(0x20, ike.ExchangeSAInit, ike.FlagInitiator, 0,
		PL{Type: ike.PayloadSAv2, Body: sa},
		PL{Type: ike.PayloadKEv2, Body: ke},
		PL{Type: ike.PayloadNonceV2, Body: bytes.Repeat([]byte{0x42}, 32)},
		PL{Type: ike.PayloadNotifyV2, Body: natd(16388)},
		PL{Type: ike.PayloadNotifyV2, Body: natd(16389)},
		PL{Type: ike.PayloadNotifyV2, Body: []byte{0, 0, 0x40, 0x2e}},
		PL{Type: ike.PayloadVendorIDV2, Body: VIDNT5Win10})
}

// AuthIPMM1 is hand-built after [MS-AIPS] §2.2.3.2.2 and §3.2.4: an
// AuthIP main mode (243) first message, E flag clear, a Crypto payload with
// seqNUM and 8-byte IV in front, then SA, the AuthIP vendor IDs and an Auth
// payload (its body here is placeholder bytes: only its type matters).
func AuthIPMM1() []byte {
	sa := V1SA(Proposal(true, 1, 1, nil,
		V1Transform(true, 1, 1, TV(1, 7), TV(14, 128), TV(2, 2), TV(4, 0))))
	return Msg(0x10, ike.AuthIPExchangeMain, 0, 0,
		PL{Type: ike.AuthIPPayloadCrypto, Body: Hex("00000001 0102030405060708")},
		PL{Type: ike.PayloadSA, Body: sa},
		PL{Type: ike.PayloadVendorID, Body: VIDMSNDC},
		PL{Type: ike.PayloadVendorID, Body: VIDCGA},
		PL{Type: ike.AuthIPPayloadAuth, Body: Hex("00000001 00010000")})
}

// AuthIPNotify is hand-built after [MS-AIPS] §2.2.3.5 and §3.1.7.2:
// a NOTIFY exchange (246) in clear: Crypto payload, then a Notify with DOI 1,
// protocol 1 (MM/EM), Flags 0x01 (reliable), type EXCHANGE_INFO (0x9C45).
func AuthIPNotify() []byte {
	return Msg(0x10, ike.AuthIPExchangeNotify, 0, 7,
		PL{Type: ike.AuthIPPayloadCrypto, Body: Hex("00000002")},
		PL{Type: ike.PayloadNotify, Body: Hex("00000001 01 01 9c45 deadbeef")})
}

// SetLength sets the header Length of msg.
func SetLength(msg []byte, l uint32) []byte {
	binary.BigEndian.PutUint32(msg[24:], l)
	return msg
}

// SetNext sets the header's next payload.
func SetNext(msg []byte, n uint8) []byte {
	msg[16] = n
	return msg
}

// Frame is one ISAKMP message found in a capture by this package's own
// minimal decoder: the frame number (of the last fragment, as Wireshark
// numbers a reassembled datagram) and the message.
type Frame struct {
	Num int
	Msg []byte
}

// CorpusMessages reads every capture under dir and returns the ISAKMP
// messages per file (relative path).
func CorpusMessages(t testing.TB, dir string) map[string][]Frame {
	out := map[string][]Frame{}
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		ext := filepath.Ext(path)
		if ext != ".pcap" && ext != ".pcapng" && ext != ".cap" {
			return nil
		}
		frames, _ := testenv.ReadFrames(t, path) // the frames before any damage
		rel, _ := filepath.Rel(dir, path)
		var dec decoder
		for i, f := range frames {
			if msg, ok := dec.isakmp(int(f.Link), f.Data); ok {
				out[rel] = append(out[rel], Frame{i + 1, msg})
			}
		}
		return nil
	})
	return out
}

// decoder is a deliberately small frame decoder (Ethernet, null/loopback,
// raw IP, Linux SLL; IPv4 with reassembly, IPv6 without extension headers;
// UDP 500 and 4500). The decoders package does this for the product; this
// one exists so that the ISAKMP tests do not depend on it.
type decoder struct {
	frags map[[10]byte]*defrag
}

type defrag struct {
	parts map[int][]byte
	total int // -1 until the last fragment is seen
}

// isakmp returns the ISAKMP message of a frame, if it carries one (or
// completes a reassembled datagram that does).
func (r *decoder) isakmp(link int, pkt []byte) ([]byte, bool) {
	ip, ok := linkPayload(link, pkt)
	if !ok || len(ip) < 1 {
		return nil, false
	}
	var udp []byte
	switch ip[0] >> 4 {
	case 4:
		udp, ok = r.ipv4(ip)
	case 6:
		udp, ok = ipv6(ip)
	default:
		return nil, false
	}
	if !ok || len(udp) < 8 {
		return nil, false
	}
	sport, dport, ulen := binary.BigEndian.Uint16(udp), binary.BigEndian.Uint16(udp[2:]), int(binary.BigEndian.Uint16(udp[4:]))
	payload := udp[8:]
	if ulen >= 8 && ulen-8 < len(payload) {
		payload = payload[:ulen-8]
	}
	switch {
	case sport == 4500 || dport == 4500:
		if len(payload) < 4 || binary.BigEndian.Uint32(payload) != 0 {
			return nil, false // ESP in UDP or a NAT keepalive
		}
		payload = payload[4:]
	case sport == 500 || dport == 500:
	default:
		return nil, false
	}
	return payload, true
}

func linkPayload(link int, pkt []byte) ([]byte, bool) {
	switch link {
	case 1: // Ethernet
		off := 14
		if len(pkt) < off {
			return nil, false
		}
		et := binary.BigEndian.Uint16(pkt[12:])
		for (et == 0x8100 || et == 0x88a8) && len(pkt) >= off+4 {
			et = binary.BigEndian.Uint16(pkt[off+2:])
			off += 4
		}
		if et != 0x0800 && et != 0x86dd {
			return nil, false
		}
		return pkt[off:], true
	case 0: // null/loopback: 4-byte address family in host order
		if len(pkt) < 4 {
			return nil, false
		}
		return pkt[4:], true
	case 101, 12, 14, 228, 229: // raw IP
		return pkt, true
	case 113: // Linux SLL
		if len(pkt) < 16 {
			return nil, false
		}
		return pkt[16:], true
	}
	return nil, false
}

func (r *decoder) ipv4(ip []byte) ([]byte, bool) {
	if len(ip) < 20 {
		return nil, false
	}
	ihl, total := int(ip[0]&0x0f)*4, int(binary.BigEndian.Uint16(ip[2:]))
	if ihl < 20 || len(ip) < ihl || ip[9] != 17 {
		return nil, false
	}
	if total >= ihl && total < len(ip) {
		ip = ip[:total] // drop link padding
	}
	fragOff, more := int(binary.BigEndian.Uint16(ip[6:])&0x1fff)*8, ip[6]&0x20 != 0
	if fragOff == 0 && !more {
		return ip[ihl:], true
	}
	var key [10]byte
	copy(key[:], ip[12:20])
	copy(key[8:], ip[4:6])
	if r.frags == nil {
		r.frags = map[[10]byte]*defrag{}
	}
	d := r.frags[key]
	if d == nil {
		d = &defrag{parts: map[int][]byte{}, total: -1}
		r.frags[key] = d
	}
	d.parts[fragOff] = ip[ihl:]
	if !more {
		d.total = fragOff + len(ip) - ihl
	}
	if d.total < 0 {
		return nil, false
	}
	var whole []byte
	for len(whole) < d.total {
		part, ok := d.parts[len(whole)]
		if !ok || len(part) == 0 {
			return nil, false
		}
		whole = append(whole, part...)
	}
	delete(r.frags, key)
	return whole[:d.total], true
}

func ipv6(ip []byte) ([]byte, bool) {
	if len(ip) < 40 || ip[6] != 17 {
		return nil, false
	}
	return ip[40:], true
}

// TsharkRow is what tshark prints for one frame.
type TsharkRow struct {
	ISPI, RSPI, Version, Exch, MsgID string
	Types, Notifies, VIDs, VIDNames  []string
	Malformed                        bool
	NoVIDs                           bool // the row does not record vendor IDs
}

// TsharkRows runs tshark over file and returns, per frame, what it shows
// of the ISAKMP messages.
func TsharkRows(t testing.TB, file string) map[int]TsharkRow {
	t.Helper()
	out := string(testenv.Run(t, "tshark", "-r", file, "-Y", "isakmp", "-T", "fields",
		"-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,",
		"-e", "frame.number", "-e", "isakmp.ispi", "-e", "isakmp.rspi", "-e", "isakmp.version",
		"-e", "isakmp.exchangetype", "-e", "isakmp.messageid", "-e", "isakmp.typepayload",
		"-e", "isakmp.notify.msgtype", "-e", "isakmp.vid_bytes", "-e", "isakmp.vid_string", "-e", "_ws.malformed"))
	rows := map[int]TsharkRow{}
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, ",")
	}
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 11 {
			continue
		}
		var num int
		fmt.Sscan(f[0], &num)
		rows[num] = TsharkRow{ISPI: f[1], RSPI: f[2], Version: f[3], Exch: f[4], MsgID: f[5],
			Types: split(f[6]), Notifies: split(f[7]), VIDs: split(f[8]), VIDNames: split(f[9]),
			Malformed: f[10] != ""}
	}
	return rows
}

// Mutants derives deterministic mutants: every 16-bit length field of
// every payload and substructure set to a handful of values, every
// next-payload byte changed, the message cut at every 7th byte, counts and
// SPI sizes changed.
func Mutants() [][]byte {
	bases := [][]byte{VistaMM1(), V2SAInit(), AuthIPMM1(), AuthIPNotify(),
		Msg(0x10, ike.ExchangeInformational, 0, 3,
			PL{Type: ike.PayloadHash, Body: make([]byte, 20)},
			PL{Type: ike.PayloadNotify, Body: Hex("00000001 01 10 6002 00112233445566778899aabbccddeeff 00000e10")},
			PL{Type: ike.PayloadDelete, Body: Hex("00000001 03 04 0002 11111111 22222222")},
			PL{Type: ike.PayloadNotify, Body: Hex("00000001 03 04 8d28 aabbccdd 00000001")}),
		Msg(0x10, ike.ExchangeAggressive, 0, 0,
			PL{Type: ike.PayloadKE, Body: bytes.Repeat([]byte{0x5a}, 16)},
			PL{Type: ike.PayloadID, Body: Hex("01 11 01f4 0a000001")},
			PL{Type: ike.PayloadID, Body: Hex("04 00 0000 0a000000 ffffff00")},
			PL{Type: ike.PayloadNonce, Body: bytes.Repeat([]byte{0x4e}, 16)},
			PL{Type: ike.PayloadNATD, Body: bytes.Repeat([]byte{0xd0}, 20)},
			PL{Type: ike.PayloadNATOA, Body: Hex("01 000000 c0a80001")},
			PL{Type: ike.PayloadCertReq, Body: Hex("04")},
			PL{Type: ike.PayloadNotify, Body: Hex("00000001 01 10 8d28 00112233445566778899aabbccddeeff 00000001")},
			PL{Type: ike.PayloadAttributes, Body: Hex("01 00 0000 4088 0000 0001 0004 0a000002")}),
		Msg(0x20, ike.ExchangeAuth, ike.FlagInitiator, 1,
			PL{Type: ike.PayloadIDi, Body: Hex("02 000000 686f7374")},
			PL{Type: ike.PayloadAuthV2, Body: Hex("02 000000 0102030405060708")},
			PL{Type: ike.PayloadCertReqV2, Body: bytes.Repeat([]byte{0x04, 0xcc}, 11)[1:]},
			PL{Type: ike.PayloadNotifyV2, Body: Hex("03 04 4003 01020304 0102 03")},
			PL{Type: ike.PayloadConfig, Body: Hex("01 000000 0001 0000 0003 0000")},
			PL{Type: ike.PayloadTSi, Body: Hex("01 000000 07 00 0010 0000 ffff 0a000000 0a0000ff")},
			PL{Type: ike.PayloadEncFragment, Body: Hex("0002 0002 0011223344556677")}),
		Msg(0x20, ike.ExchangeInformational2, ike.FlagResponse, 3,
			PL{Type: ike.PayloadNotifyV2, Body: Hex("00 00 4006 0102")},
			PL{Type: ike.PayloadDeleteV2, Body: Hex("03 04 0001 11111111")},
			PL{Type: ike.PayloadIDi, Body: Hex("01 000000 0a000001")},
			PL{Type: ike.PayloadEncrypted, Body: make([]byte, 24)}),
	}
	var out [][]byte
	add := func(m []byte) { out = append(out, m) }
	for _, b := range bases {
		add(b)
		var offs []int // offsets of 16-bit length fields
		lengthFields(b, &offs)
		for _, o := range offs {
			orig := binary.BigEndian.Uint16(b[o:])
			for _, v := range []uint16{0, 3, 4, 5, 7, 8, orig - 1, orig + 1, orig + 4, 0xffff} {
				m := slices.Clone(b)
				binary.BigEndian.PutUint16(m[o:], v)
				add(m)
			}
			// The byte before a payload's reserved byte is its next payload.
			for _, v := range []byte{0, 2, 3, 11, 13, 41, 46} {
				m := slices.Clone(b)
				m[o-2] = v
				add(m)
			}
		}
		for cut := ike.HeaderLen; cut < len(b); cut += 7 {
			add(slices.Clone(b[:cut]))                   // capture cut, Length unchanged
			add(SetLength(slices.Clone(b), uint32(cut))) // Length shortened
		}
		// Byte flips at every offset past the header, from a fixed seed.
		rnd := uint32(len(b))
		for o := ike.HeaderLen; o < len(b); o++ {
			rnd = rnd*1664525 + 1013904223
			m := slices.Clone(b)
			m[o] ^= byte(rnd>>24) | 1
			add(m)
		}
		for _, v := range []byte{0x01, 0x11} { // E flag on, and version 1.1
			m := slices.Clone(b)
			if v == 0x01 {
				m[19] ^= v
			} else {
				m[17] = v
			}
			add(m)
		}
	}
	return out
}

// lengthFields collects the offsets of the length fields of the
// top-level payloads and of the proposals and transforms inside SA payloads.
func lengthFields(m []byte, offs *[]int) {
	var p ike.Parser
	p.Start(m)
	for {
		pl, err := p.Next()
		if err != nil {
			return
		}
		*offs = append(*offs, pl.Offset+2)
		it, err := pl.SA()
		if err != nil {
			continue
		}
		for {
			pr, err := it.Next()
			if err != nil {
				break
			}
			*offs = append(*offs, pr.Offset+2)
			tit := pr.TransformIter()
			for {
				tr, err := tit.Next()
				if err != nil {
					break
				}
				*offs = append(*offs, tr.Offset+2)
			}
		}
	}
}

// UDP wraps an ISAKMP message in IPv4 and UDP 500 (checksum 0).
func UDP(msg []byte) []byte {
	u := binary.BigEndian.AppendUint16(nil, 500)
	u = binary.BigEndian.AppendUint16(u, 500)
	u = binary.BigEndian.AppendUint16(u, uint16(8+len(msg)))
	u = append(u, 0, 0)
	ip := []byte{0x45, 0}
	ip = binary.BigEndian.AppendUint16(ip, uint16(20+len(u)+len(msg)))
	ip = append(ip, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2)
	return append(append(ip, u...), msg...)
}

// Pcap writes raw-IP (linktype 101) packets as a pcap file.
func Pcap(pkts [][]byte) []byte {
	b := binary.LittleEndian.AppendUint32(nil, 0xa1b2c3d4)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 4)
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0)
	b = binary.LittleEndian.AppendUint32(b, 65535)
	b = binary.LittleEndian.AppendUint32(b, 101)
	for i, p := range pkts {
		b = binary.LittleEndian.AppendUint32(b, uint32(i))
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p)))
		b = append(b, p...)
	}
	return b
}

// Seeds returns the fuzz seeds: the hand-built fixtures, the first 50
// mutants and, when the corpus is present, every ISAKMP message in it.
func Seeds(f *testing.F) [][]byte {
	seeds := [][]byte{VistaMM1(), V2SAInit(), AuthIPMM1(), AuthIPNotify()}
	seeds = append(seeds, Mutants()[:50]...)
	dir, _ := testenv.Corpus()
	if _, err := os.Stat(dir); err == nil {
		for _, frames := range CorpusMessages(f, dir) {
			for _, fr := range frames {
				seeds = append(seeds, fr.Msg)
			}
		}
	}
	return seeds
}

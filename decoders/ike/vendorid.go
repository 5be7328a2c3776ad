package ike

// Known ISAKMP vendor IDs.
//
// Sources, and how each entry was checked:
//   - Names: Wireshark 4.0 packet-isakmp.c (vendor_id table). Every entry
//     below that Wireshark knows was fed to tshark 4.0.17 in a crafted packet
//     and the name it printed (isakmp.vid_string) copied verbatim, including
//     its matching rule: an entry matches a vendor ID it is a prefix of, the
//     first entry wins. Entries Wireshark does not know ("Unknown Vendor ID")
//     are named after libreswan programs/pluto/vendor.c and
//     corelight/zeek-spicy-ipsec analyzer/consts.zeek (from ike-scan's
//     ike-vendor-ids); they are marked below.
//   - Bytes: most vendor IDs are the MD5 of a string; each of those was
//     recomputed with md5sum from the string given in the comment.
//   - Windows versions after "MS NT5 ISAKMPOAKLEY": Wireshark 4.0 knows 2..5
//     (ms_nt5_isakmpoakley_type); Zeek consts.zeek, taken from ike-scan,
//     lists 2..9 and 0x10. Public captures of Windows 10 and of Azure
//     gateways show 9, so 9 means "Windows 8 or later", not Windows 8 alone.

import (
	"encoding/binary"
	"encoding/hex"
	"strings"
)

type vendorIDEntry struct {
	prefix string // raw bytes
	name   string
}

// vendorIDHex is the table as hex, in match order (longest prefixes before
// shorter ones they extend). Decoded once at init.
var vendorIDHex = [...]struct{ hex, name string }{
	// Microsoft.
	{"1e2b516905991c7d7c96fcbfb587e461", "MS NT5 ISAKMPOAKLEY"},              // MD5("MS NT5 ISAKMPOAKLEY") + 4-byte version
	{"fb1de3cdf341b7ea16b7e5be0855f120", "MS-Negotiation Discovery Capable"}, // MD5 of the name; MS-IKEE
	{"e3a5966a76379fe707228231e5ce8652", "IKE CGA Version 1"},                // MD5("IKE CGA version 1")
	{"214ca4faffa7f32d6748e5303395ae83", "MS-MamieExists"},                   // MD5 of the name; libreswan (not in Wireshark)
	{"26244d38eddb61b3172a36e3d0cfb819", "Microsoft Vid-Initial-Contact"},    // MD5("Vid-Initial-Contact")
	{"4048b7d56ebce88525e7de7f00d6c2d3", "Cisco Fragmentation"},              // MD5("FRAGMENTATION"): IKE fragmentation, Windows sends it too
	{"72872b95fcda2eb708efe322119b4971", "NLBS_PRESENT"},                     // MD5 of the name; Zeek (not in Wireshark)
	{"ad2c0dd0b9c32083ccba25b8861ec455", "A GSS-API Authentication Method for IKE"},
	{"b46d8914f3aaa3f2fedeb7c7db2943ca", "A GSS-API Authentication Method for IKE"}, // same string plus "\n"
	{"621b04bb09882ac1e15935fefa24aeee", "GSSAPI"},
	// NAT traversal.
	{"4a131c81070358455c5728f20e95452f", "RFC 3947 Negotiation of NAT-Traversal in the IKE"}, // MD5("RFC 3947")
	{"4df37928e9fc4fd1b3262170d515c662", "draft-ietf-ipsec-nat-t-ike"},
	{"4485152d18b6bbcd0be8a8469579ddcc", "draft-ietf-ipsec-nat-t-ike-00"},
	{"16f6ca16e4a4066d83821a0f0aeaa862", "draft-ietf-ipsec-nat-t-ike-01"},
	{"cd60464335df21f87cfdb2fc68b6a448", "draft-ietf-ipsec-nat-t-ike-02"},
	{"90cb80913ebb696e086381b5ec427b1f", `draft-ietf-ipsec-nat-t-ike-02\n`}, // MD5 of the name with a newline; Wireshark prints a backslash and n
	{"7d9419a65310ca6f2c179d9215529d56", "draft-ietf-ipsec-nat-t-ike-03"},
	{"9909b64eed937c6573de52ace952fa6b", "draft-ietf-ipsec-nat-t-ike-04"},
	{"80d0bb3def54565ee84645d4c85ce3ee", "draft-ietf-ipsec-nat-t-ike-05"},
	{"4d1e0e136deafa34c4f3ea9f02ec7285", "draft-ietf-ipsec-nat-t-ike-06"},
	{"439b59f8ba676c4c7737ae22eab8f582", "draft-ietf-ipsec-nat-t-ike-07"},
	{"8f8d83826d246b6fc7a8a6a428c11de8", "draft-ietf-ipsec-nat-t-ike-08"},
	{"42ea5b6f898d9773a575df26e7dd19e1", "draft-ietf-ipsec-nat-t-ike-09"},
	{"c40fee00d5d39ddb1fc762e09b7cfea7", "Testing NAT-T RFC"},
	{"810fa565f8ab14369105d706fbd57279", "RFC XXXX"}, // MD5("RFC XXXX"); Zeek (not in Wireshark)
	{"27bab5dc01ea0760ea4e3190ac27c0d0", "draft-stenberg-ipsec-nat-traversal-01"},
	{"6105c422e76847e43f9684801292aecd", "draft-stenberg-ipsec-nat-traversal-02"},
	{"6a7434c19d7e36348090a02334c9c805", "draft-huttunen-ipsec-esp-in-udp-00.txt"},
	{"50760f624c63e5c53eea386c685ca083", "draft-huttunen-ipsec-esp-in-udp-01.txt (ESPThruNAT)"}, // MD5("ESPThruNAT")
	// Dead peer detection, XAUTH and other extensions. Wireshark knows only
	// DPD version 1.0 (the last two bytes), so softsa matches the whole ID.
	{"afcad71368a1f1c96b8696fc77570100", "RFC 3706 DPD (Dead Peer Detection)"},
	{"09002689dfd6b71280a224dec33b81e5", "draft-beaulieu-ike-xauth-02.txt"}, // MD5("draft-ietf-ipsra-isakmp-xauth-06.txt")
	{"09002689dfd6b712", "XAUTH"},                                           // its first 8 bytes, as sent by most
	{"325df29a2319f2dd", "draft-ietf-ipsec-antireplay-00.txt"},
	{"8db7a41811221660", "draft-ietf-ipsec-heartbeats-00.txt"},
	{"4865617274426561745f4e6f74696679", "Heartbeat Notify"}, // ASCII "HeartBeat_Notify" + version
	// Vendors.
	{"12f5f28c457168a9702d9fe274cc", "CISCO-UNITY"},                                      // MD5("CISCO-UNITY") with its last 2 bytes replaced by the version
	{"1f07f70eaa6514d3b0fa96542a", "Cisco VPN Concentrator"},                             // + version; ike-scan/Zeek (not in Wireshark 4.0)
	{"f4ed19e0c114eb516faaac0ee37daf2807b4381f", "CryptoPro/GOST 0.1 / Check Point R65"}, // + product/version fields
	{"882fe56d6fd20dbc2251613b2ebe5beb", "strongSwan"},                                   // MD5("strongSwan")
	{"7003cbc1097dbe9c2600ba6983bc8b35", "KAME/racoon"},                                  // MD5("KAME/racoon")
	{"20a3622c1cea7ce37bee3ca484425276", "IPSec-Tools"},                                  // MD5("IPSec-Tools")
	{"404bf439522ca3f6", "SonicWALL"},
	// Juniper NetScreen (20-byte IDs, followed by version words) and others
	// Wireshark knows by their bytes only.
	{"699369228741c6d4ca094c93e242c9de19e7b7c6", "Netscreen-6"},
	{"8c0dc6cf62a0ef1b5c6eabd1b67ba69866adf16a", "Netscreen-7"},
	{"92d27a9ecb31d99246986d3453d0c3d57a222a61", "Netscreen-8"},
	{"9b096d9ac3275a7d6fe8b91c583111b09efed1a0", "Netscreen-9"},
	{"bf03746108d746c904f1f3547de24f78479fed12", "Netscreen-10"},
	{"c2e80500f4cc5fbf5daaeed3bb59abaeee56c652", "Netscreen-11"},
	{"c8660a62b03b1b6130bf781608d32a6a8d0fb89f", "Netscreen-12"},
	{"f885da40b1e7a9abd17655ec5bbec0f21f0ed52e", "Netscreen-13"},
	{"2a2bcac19b8e91b426107807e02e7249569d6fd3", "Netscreen-14"},
	{"166f932d55eb64d8e4df4fd37e2313f0d0fd8451", "Netscreen-15"},
	{"a35bfd05ca1ac0b3d2f24e9e82bfcbff9c9e52b5", "Netscreen-16"},
	{"625027749d5ab97f5616c1602765cf480a3b7d0b", "ZYWALL"},
	{"8404adf9cda05760b2ca292e4bff537b", "SIDEWINDER"},
	{"2d7922c6b301d9b0e1342739e9cfbbd5", "DWR: Delete with reason"},
	// + version
	{"4f70656e504750", "OpenPGP"}, // ASCII "OpenPGP" + version; ike-scan (not in Wireshark)
}

var vendorIDTable = func() []vendorIDEntry {
	t := make([]vendorIDEntry, len(vendorIDHex))
	for i, e := range vendorIDHex {
		b, err := hex.DecodeString(e.hex)
		if err != nil {
			panic("ike: bad vendor ID hex " + e.hex)
		}
		t[i] = vendorIDEntry{prefix: string(b), name: e.name}
	}
	return t
}()

// vendorIDMSNT5 is MD5("MS NT5 ISAKMPOAKLEY"), followed on the wire by a
// 4-byte big-endian Windows IPsec version.
const vendorIDMSNT5 = "\x1e\x2b\x51\x69\x05\x99\x1c\x7d\x7c\x96\xfc\xbf\xb5\x87\xe4\x61"

// vendorIDVistaAuthIP are the three vendor IDs libreswan calls
// VID_VISTA_AUTHIP*: only AuthIP-capable Windows (Vista, Server 2008 and
// later) sends them.
var vendorIDVistaAuthIP = [...]string{
	"\xfb\x1d\xe3\xcd\xf3\x41\xb7\xea\x16\xb7\xe5\xbe\x08\x55\xf1\x20", // MS-Negotiation Discovery Capable
	"\xe3\xa5\x96\x6a\x76\x37\x9f\xe7\x07\x22\x82\x31\xe5\xce\x86\x52", // IKE CGA version 1
	"\x21\x4c\xa4\xfa\xff\xa7\xf3\x2d\x67\x48\xe5\x30\x33\x95\xae\x83", // MS-MamieExists
}

// vendorIDLookup returns the table name of vid, or "".
func vendorIDLookup(vid []byte) string {
	for i := range vendorIDTable {
		e := &vendorIDTable[i]
		if len(vid) >= len(e.prefix) && string(vid[:len(e.prefix)]) == e.prefix {
			return e.name
		}
	}
	return ""
}

// VendorIDName names a vendor ID as Wireshark 4.0 does when Wireshark knows
// it, after libreswan, Zeek or ike-scan otherwise. A vendor ID matches an
// entry it starts with, so versions appended to a known prefix still match.
// Known IDs return constant strings without allocating; an unknown ID
// returns its lowercase hex, which allocates.
func VendorIDName(vid []byte) string {
	if name := vendorIDLookup(vid); name != "" {
		return name
	}
	return hex.EncodeToString(vid)
}

// vendorIDKnown reports whether vid is in the table.
func vendorIDKnown(vid []byte) bool { return vendorIDLookup(vid) != "" }

// VendorIDWindowsVersion returns the version number a Windows peer appends
// to "MS NT5 ISAKMPOAKLEY", and whether vid is that vendor ID with a version.
func VendorIDWindowsVersion(vid []byte) (uint32, bool) {
	if len(vid) < len(vendorIDMSNT5)+4 || string(vid[:len(vendorIDMSNT5)]) != vendorIDMSNT5 {
		return 0, false
	}
	return binary.BigEndian.Uint32(vid[len(vendorIDMSNT5):]), true
}

// vendorIDWindowsReleases maps the MS NT5 ISAKMPOAKLEY version to Windows
// releases (see the file comment for sources).
var vendorIDWindowsReleases = map[uint32]string{
	2:    "Windows 2000",
	3:    "Windows XP SP1",
	4:    "Windows Server 2003 or Windows XP SP2",
	5:    "Windows Vista",
	6:    "Windows Server 2008",
	7:    "Windows 7",
	8:    "Windows Server 2008 R2",
	9:    "Windows 8 or later (8, 8.1, 10, 11, Server 2012 and later)",
	0x10: "Windows Server 2012", // as listed by Zeek/ike-scan; not seen in any capture we have
}

// VendorIDWindows reports the Windows release announced by an "MS NT5
// ISAKMPOAKLEY" vendor ID. ok is true for every such ID; release is "Windows
// (unknown IPsec version)" for a version missing from the table, and
// "Windows" when no version follows the hash. No allocation.
func VendorIDWindows(vid []byte) (release string, ok bool) {
	if len(vid) < len(vendorIDMSNT5) || string(vid[:len(vendorIDMSNT5)]) != vendorIDMSNT5 {
		return "", false
	}
	v, hasVersion := VendorIDWindowsVersion(vid)
	if !hasVersion {
		return "Windows", true
	}
	if r, known := vendorIDWindowsReleases[v]; known {
		return r, true
	}
	return "Windows (unknown IPsec version)", true
}

// vendorIDIsVistaOrLater reports whether vid marks a Windows Vista / Server
// 2008 or later peer: one of the three AuthIP vendor IDs, or an MS NT5
// ISAKMPOAKLEY version of 5 or more. This is the side of KB 977526 that
// needs the hotfix.
func vendorIDIsVistaOrLater(vid []byte) bool {
	if v, ok := VendorIDWindowsVersion(vid); ok {
		return v >= 5
	}
	return VendorIDIsAuthIP(vid)
}

// vendorIDIsPreVistaWindows reports whether vid is an MS NT5 ISAKMPOAKLEY
// vendor ID of Windows 2000, XP or Server 2003 (versions 2 to 4).
func vendorIDIsPreVistaWindows(vid []byte) bool {
	v, ok := VendorIDWindowsVersion(vid)
	return ok && v >= 2 && v <= 4
}

// VendorIDIsAuthIP reports whether vid is one of the AuthIP capability
// vendor IDs (MS-Negotiation Discovery Capable, IKE CGA version 1,
// MS-MamieExists).
func VendorIDIsAuthIP(vid []byte) bool {
	for _, a := range vendorIDVistaAuthIP {
		if len(vid) >= len(a) && string(vid[:len(a)]) == a {
			return true
		}
	}
	return false
}

// vendorIDIsMicrosoft reports whether vid is one Windows sends: MS NT5
// ISAKMPOAKLEY, the AuthIP IDs, Microsoft Vid-Initial-Contact or
// NLBS_PRESENT. (IKE fragmentation and NAT-T IDs are shared with others.)
func vendorIDIsMicrosoft(vid []byte) bool {
	switch vendorIDLookup(vid) {
	case "MS NT5 ISAKMPOAKLEY", "MS-Negotiation Discovery Capable", "IKE CGA Version 1",
		"MS-MamieExists", "Microsoft Vid-Initial-Contact", "NLBS_PRESENT":
		return true
	}
	return false
}

// vendorIDIsNATT reports whether vid announces NAT traversal (RFC 3947 or one
// of its drafts).
func vendorIDIsNATT(vid []byte) bool {
	name := vendorIDLookup(vid)
	return strings.HasPrefix(name, "RFC 3947") || strings.HasPrefix(name, "draft-ietf-ipsec-nat-t-ike") ||
		name == "Testing NAT-T RFC" || name == "RFC XXXX" || strings.HasPrefix(name, "draft-stenberg-ipsec-nat-traversal")
}

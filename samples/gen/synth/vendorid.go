package synth

import "encoding/hex"

// Vendor IDs Windows sends (domain.md: zeek-spicy-ipsec consts.zeek,
// libreswan vendor.c, ike-scan ike-vendor-ids; Wireshark 4.0 names the
// ones it knows).
var (
	// vidMSNT5 is MD5("MS NT5 ISAKMPOAKLEY"); a 4-byte version follows:
	// 3 XP, 4 Server 2003, 5 Vista, 6 Server 2008, 7 Windows 7,
	// 8 Server 2008 R2.
	vidMSNT5 = mustHex("1e2b516905991c7d7c96fcbfb587e461")
	// The three IDs libreswan calls VID_VISTA_AUTHIP*: only Vista-or-later
	// IKEEXT sends them.
	vidNegDiscovery = mustHex("fb1de3cdf341b7ea16b7e5be0855f120") // MS-Negotiation Discovery Capable
	vidMamieExists  = mustHex("214ca4faffa7f32d6748e5303395ae83") // MS-MamieExists
	vidCGA          = mustHex("e3a5966a76379fe707228231e5ce8652") // IKE CGA version 1
	vidFragment     = mustHex("4048b7d56ebce88525e7de7f00d6c2d3") // IKE fragmentation ("FRAGMENTATION")
	vidNATTRFC3947  = mustHex("4a131c81070358455c5728f20e95452f") // RFC 3947
	vidNATTDraft02n = mustHex("90cb80913ebb696e086381b5ec427b1f") // draft-ietf-ipsec-nat-t-ike-02\n
)

// msNT5 returns the "MS NT5 ISAKMPOAKLEY" vendor ID for a Windows version.
func msNT5(version byte) []byte {
	return append(append([]byte(nil), vidMSNT5...), 0, 0, 0, version)
}

// DefaultVendorIDs returns the vendor IDs a host of release r sends in its
// first IKE message. XP SP2 knows only the NAT-T draft; Server 2003 SP1 adds
// RFC 3947; Vista and later add the AuthIP-capable IDs.
func DefaultVendorIDs(r Release) [][]byte {
	switch r {
	case WinXP:
		return [][]byte{msNT5(3), vidNATTDraft02n, vidFragment}
	case Win2003:
		return [][]byte{msNT5(4), vidNATTRFC3947, vidNATTDraft02n, vidFragment}
	case Vista, Win2008, Win7, Win2008R2:
		v := map[Release]byte{Vista: 5, Win2008: 6, Win7: 7, Win2008R2: 8}[r]
		return [][]byte{msNT5(v), vidNATTRFC3947, vidNATTDraft02n, vidFragment,
			vidNegDiscovery, vidMamieExists, vidCGA}
	}
	return nil
}

// vendorIDs returns the host's vendor IDs: its override or its release's.
func (h *Host) vendorIDs() [][]byte {
	if h.VendorIDs != nil {
		return h.VendorIDs
	}
	return DefaultVendorIDs(h.Release)
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	must(err)
	return b
}

package ike_test

import (
	"crypto/md5"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"softsa/decoders/ike"
	"softsa/internal/iketest"
	"softsa/internal/testenv"
)

func TestVendorIDName(t *testing.T) {
	tests := []struct {
		hex, want string
	}{
		// Names as tshark 4.0.17 printed them for these bytes (see the
		// vendorid.go file comment).
		{"1e2b516905991c7d7c96fcbfb587e461", "MS NT5 ISAKMPOAKLEY"},
		{"1e2b516905991c7d7c96fcbfb587e46100000005", "MS NT5 ISAKMPOAKLEY"},
		{"fb1de3cdf341b7ea16b7e5be0855f120", "MS-Negotiation Discovery Capable"},
		{"e3a5966a76379fe707228231e5ce8652", "IKE CGA Version 1"},
		{"26244d38eddb61b3172a36e3d0cfb819", "Microsoft Vid-Initial-Contact"},
		{"4048b7d56ebce88525e7de7f00d6c2d3", "Cisco Fragmentation"},
		{"4048b7d56ebce88525e7de7f00d6c2d3c0000000", "Cisco Fragmentation"}, // ike-scan: seen with extra bytes
		{"4a131c81070358455c5728f20e95452f", "RFC 3947 Negotiation of NAT-Traversal in the IKE"},
		{"90cb80913ebb696e086381b5ec427b1f", `draft-ietf-ipsec-nat-t-ike-02\n`},
		{"cd60464335df21f87cfdb2fc68b6a448", "draft-ietf-ipsec-nat-t-ike-02"},
		{"7d9419a65310ca6f2c179d9215529d56", "draft-ietf-ipsec-nat-t-ike-03"},
		{"afcad71368a1f1c96b8696fc77570100", "RFC 3706 DPD (Dead Peer Detection)"},
		{"09002689dfd6b712", "XAUTH"},
		{"09002689dfd6b71280a224dec33b81e5", "draft-beaulieu-ike-xauth-02.txt"},
		{"12f5f28c457168a9702d9fe274cc0100", "CISCO-UNITY"},
		{"882fe56d6fd20dbc2251613b2ebe5beb", "strongSwan"},
		{"699369228741c6d4ca094c93e242c9de19e7b7c60000000500000500", "Netscreen-6"}, // corpus: zeek-spicy-ipsec/ikev1-certs.pcap frame 2
		// Not in Wireshark: named after libreswan / Zeek.
		{"214ca4faffa7f32d6748e5303395ae83", "MS-MamieExists"},
		{"72872b95fcda2eb708efe322119b4971", "NLBS_PRESENT"},
		// Unknown: lowercase hex. DPD other than 1.0 is unknown to
		// Wireshark too.
		{"afcad71368a1f1c96b8696fc77570101", "afcad71368a1f1c96b8696fc77570101"},
		{"0102", "0102"},
		{"", ""},
	}
	for _, tc := range tests {
		vid, _ := hex.DecodeString(tc.hex)
		if got := ike.VendorIDName(vid); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.hex, got, tc.want)
		}
	}
}

// TestVendorIDMD5 recomputes the vendor IDs that are MD5 hashes of a string.
func TestVendorIDMD5(t *testing.T) {
	for s, name := range map[string]string{
		"MS NT5 ISAKMPOAKLEY":                  "MS NT5 ISAKMPOAKLEY",
		"MS-Negotiation Discovery Capable":     "MS-Negotiation Discovery Capable",
		"IKE CGA version 1":                    "IKE CGA Version 1",
		"MS-MamieExists":                       "MS-MamieExists",
		"Vid-Initial-Contact":                  "Microsoft Vid-Initial-Contact",
		"FRAGMENTATION":                        "Cisco Fragmentation",
		"NLBS_PRESENT":                         "NLBS_PRESENT",
		"RFC 3947":                             "RFC 3947 Negotiation of NAT-Traversal in the IKE",
		"draft-ietf-ipsec-nat-t-ike-02\n":      `draft-ietf-ipsec-nat-t-ike-02\n`,
		"draft-ietf-ipsec-nat-t-ike-09":        "draft-ietf-ipsec-nat-t-ike-09",
		"draft-ietf-ipsra-isakmp-xauth-06.txt": "draft-beaulieu-ike-xauth-02.txt",
		"strongSwan":                           "strongSwan",
		"KAME/racoon":                          "KAME/racoon",
		"IPSec-Tools":                          "IPSec-Tools",
		"ESPThruNAT":                           "draft-huttunen-ipsec-esp-in-udp-01.txt (ESPThruNAT)",
		"GSSAPI":                               "GSSAPI",
	} {
		sum := md5.Sum([]byte(s))
		if got := ike.VendorIDName(sum[:]); got != name {
			t.Errorf("MD5(%q) = %x: %q, want %q", s, sum, got, name)
		}
	}
}

func TestVendorIDWindows(t *testing.T) {
	nt5 := "1e2b516905991c7d7c96fcbfb587e461"
	tests := []struct {
		hex       string
		release   string
		ok, vista bool
		preVista  bool
	}{
		{nt5 + "00000002", "Windows 2000", true, false, true},
		{nt5 + "00000003", "Windows XP SP1", true, false, true},
		{nt5 + "00000004", "Windows Server 2003 or Windows XP SP2", true, false, true},
		{nt5 + "00000005", "Windows Vista", true, true, false},
		{nt5 + "00000006", "Windows Server 2008", true, true, false},
		{nt5 + "00000007", "Windows 7", true, true, false},
		{nt5 + "00000008", "Windows Server 2008 R2", true, true, false},
		{nt5 + "00000009", "Windows 8 or later (8, 8.1, 10, 11, Server 2012 and later)", true, true, false},
		{nt5 + "00000010", "Windows Server 2012", true, true, false},
		{nt5 + "0000000b", "Windows (unknown IPsec version)", true, true, false},
		{nt5, "Windows", true, false, false},
		{"fb1de3cdf341b7ea16b7e5be0855f120", "", false, true, false},
		{"e3a5966a76379fe707228231e5ce8652", "", false, true, false},
		{"214ca4faffa7f32d6748e5303395ae83", "", false, true, false},
		{"4a131c81070358455c5728f20e95452f", "", false, false, false},
	}
	for _, tc := range tests {
		vid, _ := hex.DecodeString(tc.hex)
		r, ok := ike.VendorIDWindows(vid)
		if r != tc.release || ok != tc.ok || ike.VendorIDIsVistaOrLater(vid) != tc.vista || ike.VendorIDIsPreVistaWindows(vid) != tc.preVista {
			t.Errorf("%s: %q %v vista %v pre %v", tc.hex, r, ok, ike.VendorIDIsVistaOrLater(vid), ike.VendorIDIsPreVistaWindows(vid))
		}
		if tc.ok && !ike.VendorIDIsMicrosoft(vid) {
			t.Errorf("%s: not Microsoft", tc.hex)
		}
	}
	if v, ok := ike.VendorIDWindowsVersion(iketest.Hex(nt5 + "00000009")); !ok || v != 9 {
		t.Error(v, ok)
	}
	for _, h := range []string{"4a131c81070358455c5728f20e95452f", "90cb80913ebb696e086381b5ec427b1f", "7d9419a65310ca6f2c179d9215529d56"} {
		if !ike.VendorIDIsNATT(iketest.Hex(h)) {
			t.Errorf("%s is NAT-T", h)
		}
	}
	if ike.VendorIDIsNATT(iketest.Hex(nt5)) || !ike.VendorIDKnown(iketest.Hex(nt5)) || ike.VendorIDKnown([]byte{1}) {
		t.Error("NAT-T / known")
	}
}

func TestVendorIDZeroAlloc(t *testing.T) {
	vids := [][]byte{iketest.VIDNT5Vista, iketest.VIDRFC3947, iketest.VIDMamie, iketest.Hex("699369228741c6d4ca094c93e242c9de19e7b7c6")}
	allocs := testing.AllocsPerRun(100, func() {
		for _, v := range vids {
			_ = ike.VendorIDName(v)
			_, _ = ike.VendorIDWindows(v)
			_ = ike.VendorIDIsVistaOrLater(v)
			_ = ike.VendorIDIsMicrosoft(v)
			_ = ike.VendorIDIsNATT(v)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocs", allocs)
	}
}

// TestVendorIDNamesMatchTshark has tshark name every vendor ID in the
// table (in a crafted packet each) and checks softsa's name wherever
// Wireshark has one.
func TestVendorIDNamesMatchTshark(t *testing.T) {
	testenv.Tool(t, "tshark")
	prefixes, names := ike.VendorIDTable()
	var pkts [][]byte
	for _, prefix := range prefixes {
		msg := iketest.Msg(0x10, ike.ExchangeMain, 0, 0, iketest.PL{Type: ike.PayloadVendorID, Body: []byte(prefix)})
		pkts = append(pkts, iketest.UDP(msg))
	}
	file := filepath.Join(t.TempDir(), "vids.pcap")
	if err := os.WriteFile(file, iketest.Pcap(pkts), 0o644); err != nil {
		t.Fatal(err)
	}
	rows := iketest.TsharkRows(t, file)
	var known int
	for i, prefix := range prefixes {
		row := rows[i+1]
		if len(row.VIDNames) != 1 {
			t.Errorf("%x: tshark gave %v", prefix, row.VIDNames)
			continue
		}
		ws := row.VIDNames[0]
		if ws == "Unknown Vendor ID" {
			t.Logf("%x %q: not in Wireshark 4.0", prefix, names[i])
			continue
		}
		known++
		if ws != names[i] {
			t.Errorf("%x: %q, tshark %q", prefix, names[i], ws)
		}
	}
	t.Logf("%d of %d vendor IDs named as Wireshark names them", known, len(prefixes))
}

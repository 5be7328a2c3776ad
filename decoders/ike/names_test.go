package ike_test

import (
	"fmt"
	"strings"
	"testing"

	"softsa/decoders/ike"
	"softsa/internal/testenv"
)

func TestNames(t *testing.T) {
	tests := []struct{ got, want string }{
		{ike.ExchangeName(ike.FamilyV1, 2), "Identity Protection (Main Mode)"},
		{ike.ExchangeName(ike.FamilyV1, 32), "Quick Mode"},
		{ike.ExchangeName(ike.FamilyV2, 34), "IKE_SA_INIT"},
		{ike.ExchangeName(ike.FamilyV2, 2), "Unknown (2)"},
		{ike.ExchangeName(ike.FamilyAuthIP, 243), "AuthIP Main Mode"},
		{ike.ExchangeName(ike.FamilyAuthIP, 246), "AuthIP Notify"},
		{ike.PayloadName(ike.FamilyV1, 13), "Vendor ID"},
		{ike.PayloadName(ike.FamilyV2, 46), "Encrypted and Authenticated"},
		{ike.PayloadName(ike.FamilyAuthIP, 0x85), "Crypto (AuthIP)"},
		{ike.PayloadName(ike.FamilyV1, 0x85), "Unknown (133)"},
		{ike.NotifyName(ike.FamilyV1, 14), "NO-PROPOSAL-CHOSEN"},
		{ike.NotifyName(ike.FamilyV1, 24576), "RESPONDER-LIFETIME"},
		{ike.NotifyName(ike.FamilyV1, 24578), "INITIAL-CONTACT"},
		{ike.NotifyName(ike.FamilyV2, 24), "AUTHENTICATION_FAILED"},
		{ike.NotifyName(ike.FamilyV2, 16390), "COOKIE"},
		{ike.NotifyName(ike.FamilyV2, 16430), "IKEV2_FRAGMENTATION_SUPPORTED"},
		{ike.NotifyName(ike.FamilyV2, 60000), "Unknown (60000)"},
		{ike.FamilyAuthIP.String(), "authip"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	for i := 1; i <= 30; i++ {
		if strings.HasPrefix(ike.NotifyName(ike.FamilyV1, uint16(i)), "Unknown") {
			t.Errorf("IKEv1 notify %d has no name", i)
		}
	}
}

// TestNamesMatchTshark compares the name tables with the value strings
// tshark itself carries (`tshark -G values`).
func TestNamesMatchTshark(t *testing.T) {
	out := string(testenv.Run(t, "tshark", "-G", "values"))
	notifyTable := 0
	var checked int
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 4 || !strings.HasPrefix(f[1], "isakmp.") {
			continue
		}
		var lo, hi int
		var name string
		switch {
		case f[0] == "V" && len(f) == 4:
			fmt.Sscan(f[2], &lo)
			hi, name = lo, f[3]
		case f[0] == "R" && len(f) == 5:
			fmt.Sscan(f[2], &lo)
			fmt.Sscan(f[3], &hi)
			name = f[4]
		default:
			continue
		}
		if lo != hi {
			continue // a range name such as "Private Use": softsa says "Unknown (N)"
		}
		switch f[1] {
		case "isakmp.typepayload":
			if lo > 0 && ike.PayloadName(ike.FamilyV1, uint8(lo)) != name {
				t.Errorf("payload %d: %q, tshark %q", lo, ike.PayloadName(ike.FamilyV1, uint8(lo)), name)
			}
			checked++
		case "isakmp.exchangetype":
			fam := ike.FamilyV1
			if lo >= 34 {
				fam = ike.FamilyV2
			}
			if got := ike.ExchangeName(fam, uint8(lo)); got != name {
				t.Errorf("exchange %d: %q, tshark %q", lo, got, name)
			}
			checked++
		case "isakmp.notify.msgtype":
			if lo == 0 {
				notifyTable++ // the IKEv1 table comes first, then IKEv2's
				continue
			}
			if name == "RESERVED" {
				continue // unassigned codes: softsa says "Unknown (N)"
			}
			fam := ike.FamilyV1
			if notifyTable == 2 {
				fam = ike.FamilyV2
			}
			if fam == ike.FamilyV2 && lo == 46 {
				continue // Wireshark 4.0 repeats CHILD_SA_NOT_FOUND; IANA says AUTHORIZATION_FAILED
			}
			if got := ike.NotifyName(fam, uint16(lo)); got != name {
				t.Errorf("%v notify %d: %q, tshark %q", fam, lo, got, name)
			}
			checked++
		}
	}
	if checked < 100 {
		t.Errorf("only %d names checked: tshark output format changed?", checked)
	}
}

package ike_test

import (
	"testing"

	"softsa/decoders"
	"softsa/decoders/ike"
	"softsa/internal/iketest"
)

func TestHeaderAndFamily(t *testing.T) {
	tests := []struct {
		name                 string
		version, exch, flags uint8
		fam                  ike.Family
		enc, resp, init      bool
	}{
		{"ikev1 main", 0x10, 2, 0, ike.FamilyV1, false, false, false},
		{"ikev1 quick encrypted", 0x10, 32, 0x01, ike.FamilyV1, true, false, false},
		{"authip main", 0x10, 243, 0, ike.FamilyAuthIP, false, false, false},
		{"authip notify encrypted", 0x10, 246, 0x01, ike.FamilyAuthIP, true, false, false},
		{"authip ext mode", 0x10, 245, 0x01, ike.FamilyAuthIP, true, false, false},
		{"ikev2 request", 0x20, 34, 0x08, ike.FamilyV2, false, false, true},
		{"ikev2 response", 0x20, 34, 0x20, ike.FamilyV2, false, true, false},
		{"ikev2 flag 0x01 is not encryption", 0x20, 35, 0x09, ike.FamilyV2, false, false, true},
		{"ikev1 R/I bits mean nothing", 0x10, 2, 0x28, ike.FamilyV1, false, false, false},
		{"major 3", 0x30, 2, 0, ike.FamilyUnknown, false, false, false},
		{"tcpdump oobr version 0xbe", 0xbe, 0x2e, 0, ike.FamilyUnknown, false, false, false},
	}
	for _, tc := range tests {
		msg := iketest.Msg(tc.version, tc.exch, tc.flags, 0x01020304)
		var p ike.Parser
		h, err := p.Start(msg)
		if err != nil {
			t.Fatalf("%s: Start: %v", tc.name, err)
		}
		if h.Family() != tc.fam || h.Encrypted() != tc.enc || h.IsResponse() != tc.resp || h.IsInitiator() != tc.init {
			t.Errorf("%s: family %v enc %v resp %v init %v", tc.name, h.Family(), h.Encrypted(), h.IsResponse(), h.IsInitiator())
		}
		if h.MsgID != 0x01020304 || h.Length != ike.HeaderLen || h.Version != tc.version {
			t.Errorf("%s: header %+v", tc.name, h)
		}
		if _, err := p.Next(); err != decoders.ErrDone {
			t.Errorf("%s: Next on empty chain: %v", tc.name, err)
		}
	}
}

package analyzer

import (
	"strings"
	"testing"

	"softsa/analyzer/result"
)

// TestESPOnly: ESP both ways and no IKE (SAs negotiated before the
// capture) is healthy-ipsec with every SA listed, a rekey's new SPIs
// included, reserved SPIs (1–255) listed and flagged, and the reason
// saying the SAs predate the capture; a lone ESP packet is inconclusive,
// not no-communication.
func TestESPOnly(t *testing.T) {
	a, b := addr("10.15.0.1"), addr("10.15.0.2")
	for _, tc := range []struct {
		name     string
		spis     [][2]uint32 // one pair of SPIs per SA generation
		sas      int
		reserved bool
	}{
		{"esp both ways", [][2]uint32{{0x1000, 0x2000}}, 2, false},
		{"esp with a rekey", [][2]uint32{{0x1000, 0x2000}, {0x1001, 0x2001}}, 4, false},
		{"reserved SPIs", [][2]uint32{{5, 6}}, 2, true},
	} {
		s := newStream(t)
		t0 := 0.0
		for _, g := range tc.spis {
			for i := 0; i < 20; i++ {
				s.esp(t0+float64(i), a, b, g[0], uint32(i+1), 100)
				s.esp(t0+float64(i)+0.01, b, a, g[1], uint32(i+1), 100)
			}
			t0 += 20
		}
		r := s.run(Options{})
		p := findPair(r, a, b)
		if p == nil || p.Verdict != result.VerdictHealthyIPsec {
			t.Fatalf("%s: %+v, want healthy-ipsec", tc.name, p)
		}
		if len(p.SAs) != tc.sas || !strings.Contains(p.Reason, "before the capture started") {
			t.Errorf("%s: %d SAs (want %d), reason %q", tc.name, len(p.SAs), tc.sas, p.Reason)
		}
		for _, sa := range p.SAs {
			if sa.Reserved != tc.reserved {
				t.Errorf("%s: SA %s reserved %v", tc.name, sa.SPI, sa.Reserved)
			}
		}
	}
	s := newStream(t)
	s.esp(1, a, b, 0x3000, 1, 100)
	r := s.run(Options{})
	if p := findPair(r, a, b); p == nil || p.Verdict != result.VerdictInconclusive || !strings.Contains(p.Reason, "too few") {
		t.Errorf("lone ESP packet: %+v, want inconclusive", p)
	}
}

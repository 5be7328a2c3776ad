package analyzer

import "testing"

// TestEchoPairing: a reply answers the request with its identifier and
// sequence number, once; a reply whose identifier is that of a request
// kept but whose sequence number matches none open (a duplicate, or a late
// reply to an old ping) does not; a reply to a request never seen (sent
// before the capture began) does.
func TestEchoPairing(t *testing.T) {
	var e echoTrack
	for seq := uint16(1); seq <= 3; seq++ {
		e.sent(7, seq)
	}
	for _, tc := range []struct {
		name    string
		id, seq uint16
		want    bool
	}{
		{"reply to 2", 7, 2, true},
		{"duplicate reply to 2", 7, 2, false},
		{"reply to a ping never sent", 7, 9, false},
		{"reply to 3", 7, 3, true},
		{"other identifier: request before the capture", 8, 1, true},
	} {
		if got := e.answered(tc.id, tc.seq); got != tc.want {
			t.Errorf("%s: answered %v, want %v", tc.name, got, tc.want)
		}
	}
	// The ring keeps the latest echoRing requests: a long outage's last
	// ping is still there when its reply comes.
	var f echoTrack
	for seq := uint16(1); seq <= 3*echoRing; seq++ {
		f.sent(1, seq)
	}
	if !f.answered(1, 3*echoRing) || f.answered(1, 1) {
		t.Error("the ring does not keep the latest requests")
	}
}

package analyzer

import "testing"

// TestSMBForget: when a gap closes, the requests its sender sent at or
// before the gap's start are forgotten — the one sent exactly at the start
// (the request that opened the gap) included — so that the next gap does
// not list them again; later requests and the other side's stay.
func TestSMBForget(t *testing.T) {
	start := stampOf(at(10))
	var s smbState
	for i, r := range []smbReq{
		{side: 0, msgID: 1, t: stampOf(at(5))},
		{side: 0, msgID: 2, t: start},
		{side: 0, msgID: 3, t: stampOf(at(11))},
		{side: 1, msgID: 4, t: stampOf(at(5))},
	} {
		s.pending[i] = r
		s.npending++
	}
	s.forget(0, start)
	var left []uint64
	for i := 0; i < s.npending; i++ {
		left = append(left, s.pending[i].msgID)
	}
	if len(left) != 2 || left[0] != 3 || left[1] != 4 {
		t.Errorf("pending after forget: message IDs %v, want [3 4]", left)
	}
}

package merge

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestOutage: who dropped an outage's packets, from where they were seen,
// whichever capture was taken on the sender.
func TestOutage(t *testing.T) {
	vista, xp := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	t0 := time.Date(2010, 1, 1, 12, 0, 0, 0, time.UTC)
	w := Window{Start: t0, End: t0.Add(time.Minute), From: vista, To: xp}
	senderIsA := Estimate{HostA: vista, HostB: xp}
	senderIsB := Estimate{HostA: xp, HostB: vista}
	for _, c := range []struct {
		name      string
		tally     Tally
		est       Estimate
		dropped   string
		reached   int
		onlySent  int
		whatParts []string
	}{
		{"all reached the receiver", Tally{Both: 7}, senderIsA, "receiver", 7, 0, []string{"all 7 of 10.0.0.1's", "dropped by 10.0.0.2 itself"}},
		{"none reached it", Tally{OnlyA: 5}, senderIsA, "network", 0, 5, []string{"none of 10.0.0.1's 5", "lost on the network"}},
		{"sender is capture B", Tally{OnlyB: 4, OnlyA: 9}, senderIsB, "network", 0, 4, []string{"none of 10.0.0.1's 4"}},
		{"some reached it", Tally{Both: 2, OnlyA: 3}, senderIsA, "unknown", 2, 3, []string{"2 of 10.0.0.1's unanswered packets reached 10.0.0.2 and 3 did not"}},
		{"nothing sent", Tally{}, senderIsA, "unknown", 0, 0, []string{"no clear packet"}},
		{"hosts unknown", Tally{Both: 3}, Estimate{}, "unknown", 0, 0, []string{"could not be told apart"}},
	} {
		mo := Outage(w, c.tally, c.est)
		if mo.DroppedBy != c.dropped || mo.ReachedReceiver != c.reached || mo.OnlyAtSender != c.onlySent {
			t.Errorf("%s: dropped by %q, %d reached, %d only at the sender; want %q, %d, %d",
				c.name, mo.DroppedBy, mo.ReachedReceiver, mo.OnlyAtSender, c.dropped, c.reached, c.onlySent)
		}
		for _, part := range c.whatParts {
			if !strings.Contains(mo.What, part) {
				t.Errorf("%s: %q does not say %q", c.name, mo.What, part)
			}
		}
		if mo.From != "10.0.0.1" || mo.To != "10.0.0.2" || !mo.Start.Equal(t0) || !mo.End.Equal(t0.Add(time.Minute)) {
			t.Errorf("%s: window %+v", c.name, mo)
		}
	}
}

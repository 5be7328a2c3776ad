package merge

import (
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"softsa/decoders"
	"softsa/decoders/capture"
	"softsa/merge/mergetest"
)

var (
	vista = netip.MustParseAddr("10.10.1.57")
	xp    = netip.MustParseAddr("10.10.1.20")
)

func views(t *testing.T, skew, latency time.Duration, drop func(m *decoders.Message) bool) (string, string) {
	t.Helper()
	return mergetest.Views(t, filepath.Join("..", "samples", "kb977526-vista-to-xp.pcapng"), vista, skew, latency, drop)
}

func TestEstimateOffset(t *testing.T) {
	for _, tc := range []struct {
		skew, latency time.Duration
	}{{3700 * time.Millisecond, 400 * time.Microsecond}, {-3700 * time.Millisecond, 2 * time.Millisecond}, {0, 0}} {
		a, b := views(t, tc.skew, tc.latency, nil)
		mg, err := New(a, b)
		if err != nil {
			t.Fatal(err)
		}
		est := mg.Estimate
		if d := est.Offset - tc.skew; d > 50*time.Millisecond || d < -50*time.Millisecond {
			t.Errorf("skew %v: estimated %v", tc.skew, est.Offset)
		}
		if d := est.Latency - tc.latency; d > time.Millisecond || d < -time.Millisecond || est.Directions != 2 {
			t.Errorf("latency %v: estimated %v over %d directions", tc.latency, est.Latency, est.Directions)
		}
		if tc.latency > 0 && (est.HostA != vista || est.HostB != xp) {
			t.Errorf("hosts A %v B %v, want the Vista capture on %v and the XP one on %v", est.HostA, est.HostB, vista, xp)
		}
	}
}

// TestMergedTimeline checks that the merged timeline holds each packet once,
// in time order, on A's clock.
func TestMergedTimeline(t *testing.T) {
	a, b := views(t, 3700*time.Millisecond, 400*time.Microsecond, nil)
	mg, err := New(a, b)
	if err != nil {
		t.Fatal(err)
	}
	s, err := mg.Source()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var f capture.Frame
	var last time.Time
	n, both := 0, 0
	for s.Next(&f) == nil {
		if f.Time.Before(last) {
			t.Fatalf("frame %d goes back in time", f.Number)
		}
		last = f.Time
		n++
		if s.LastOrigin() == Both {
			both++
		}
	}
	if n != 2433 || both != 2433 {
		t.Errorf("merged %d frames (%d seen by both), want the sample's 2433, all by both", n, both)
	}
}

// TestAttribute: Vista's unanswered packets in an outage either reached XP
// (and XP dropped them: both captures hold them) or were lost on the way
// (only Vista's capture holds them).
func TestAttribute(t *testing.T) {
	t0 := time.Date(2009, 11, 10, 9, 12, 4, 0, time.UTC)
	first := Window{Start: t0, End: t0.Add(66 * time.Second), From: vista, To: xp}
	lost := func(m *decoders.Message) bool {
		return m.Src == vista && m.App != decoders.AppISAKMP && m.Frame < 30
	}
	for _, tc := range []struct {
		name string
		drop func(*decoders.Message) bool
		want func(Tally) bool
	}{
		{"reached XP", nil, func(tl Tally) bool { return tl.Both > 0 && tl.OnlyA == 0 }},
		{"lost on the way", lost, func(tl Tally) bool { return tl.OnlyA > 0 && tl.Both == 0 }},
	} {
		a, b := views(t, 3700*time.Millisecond, 400*time.Microsecond, tc.drop)
		mg, err := New(a, b)
		if err != nil {
			t.Fatal(err)
		}
		tl, err := mg.Attribute([]Window{first})
		if err != nil || !tc.want(tl[0]) {
			t.Errorf("%s: %+v %v", tc.name, tl[0], err)
		}
	}
}

func TestNoCommonPackets(t *testing.T) {
	a, _ := views(t, 0, 0, nil)
	other := filepath.Join("..", "samples", "healthy-authip.pcapng")
	if _, err := New(a, other); err != ErrNoCommonPackets {
		t.Errorf("unrelated captures: %v", err)
	}
}

package analyzer

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestStamp: a stamp keeps capture times to the nanosecond, orders them as
// time.Time does, and saturates instead of wrapping on the times of a
// damaged capture.
func TestStamp(t *testing.T) {
	t0 := time.Date(2009, 11, 10, 9, 0, 0, 123456789, time.UTC)
	if got := stampOf(t0).Time(); !got.Equal(t0) || got.Location() != time.UTC {
		t.Errorf("round trip of %v gives %v", t0, got)
	}
	far := time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
	early := time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)
	lo, hi := stampOf(early), stampOf(far)
	if lo != math.MinInt64 || hi != math.MaxInt64 {
		t.Errorf("clamped to %d and %d, want the int64 limits", lo, hi)
	}
	mid := stampOf(t0)
	for _, c := range []struct {
		name string
		got  time.Duration
		want time.Duration
	}{
		{"t0 - t0", mid.Sub(mid), 0},
		{"t0+1s - t0", stampOf(t0.Add(time.Second)).Sub(mid), time.Second},
		{"t0 - t0+1s", mid.Sub(stampOf(t0.Add(time.Second))), -time.Second},
		{"far - early", hi.Sub(lo), math.MaxInt64},
		{"early - far", lo.Sub(hi), math.MinInt64},
		// Clamped times are as far as a stamp reaches: centuries, not
		// the true distance, which no analysis threshold tells apart.
		{"far - t0", hi.Sub(mid), maxStampTime.Sub(t0)},
		{"early - t0", lo.Sub(mid), minStampTime.Sub(t0)},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if got := hi.Add(time.Hour); got != hi {
		t.Errorf("far + 1h = %d, want it to stay at the limit", got)
	}
	if got := lo.Add(-time.Hour); got != lo {
		t.Errorf("early - 1h = %d, want it to stay at the limit", got)
	}
	if got := mid.Add(90 * time.Second).Time(); !got.Equal(t0.Add(90 * time.Second)) {
		t.Errorf("t0 + 90s = %v", got)
	}
	if !lo.Before(mid) || !hi.After(mid) || mid.Before(mid) || mid.After(mid) {
		t.Error("order differs from time.Time's")
	}
}

// TestStampOfEdges: the shortcut for times well inside the range gives
// UnixNano, and the times around its bounds and the range's ends clamp or
// convert as the general rule says.
func TestStampOfEdges(t *testing.T) {
	slow := func(t time.Time) stamp {
		switch {
		case t.Before(minStampTime):
			return math.MinInt64
		case t.After(maxStampTime):
			return math.MaxInt64
		}
		return stamp(t.UnixNano())
	}
	var times []time.Time
	for _, sec := range []int64{0, -1, 1, maxStampSec - 1, maxStampSec, maxStampSec + 1, maxStampSec + 2, 1e12} {
		for _, ns := range []int64{0, 1, 854775806, 854775807, 854775808, 999999999} {
			times = append(times, time.Unix(sec, ns), time.Unix(-sec, ns), time.Unix(-sec-1, ns))
		}
	}
	times = append(times, minStampTime, maxStampTime, minStampTime.Add(-1), maxStampTime.Add(1),
		minStampTime.Add(1), maxStampTime.Add(-1), time.Time{}, time.Date(2009, 11, 10, 9, 0, 0, 1, time.FixedZone("x", 3600)))
	for _, tm := range times {
		if got, want := stampOf(tm), slow(tm); got != want {
			t.Errorf("stampOf(%v) = %d, want %d", tm, got, want)
		}
	}
}

// TestSpan: the capture's first and last times, kept with stamps, are those
// time.Time comparisons give, clamped and zero times included.
func TestSpan(t *testing.T) {
	early := time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)
	far := time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
	base := time.Date(2009, 11, 10, 9, 0, 0, 0, time.UTC)
	pool := []time.Time{{}, early, early.Add(time.Hour), far, far.Add(-time.Hour), base, base.Add(time.Nanosecond),
		base.Add(-time.Hour), base.Add(48 * time.Hour), minStampTime, maxStampTime}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var a analysis
		var first, last time.Time
		for range 1 + rng.IntN(8) {
			tm := pool[rng.IntN(len(pool))]
			if !tm.IsZero() {
				if first.IsZero() || tm.Before(first) {
					first = tm
				}
				if tm.After(last) {
					last = tm
				}
			}
			a.span(tm, stampOf(tm))
			if !a.first.Equal(first) || !a.last.Equal(last) {
				t.Fatalf("after %v: span %v … %v, want %v … %v", tm, a.first, a.last, first, last)
			}
		}
	}
}

package analyzer

import (
	"math"
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

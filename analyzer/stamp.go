package analyzer

import (
	"math"
	"time"
)

// stamp is a capture time in nanoseconds since 1970 UTC, as refs keep it:
// 8 bytes where a time.Time takes 24, which counts for the thousands of refs
// that a long capture's negotiations and gaps hold.
type stamp int64

// stampOf converts t, clamping times a stamp cannot hold (before 1678 or
// after 2262: only a damaged capture has them) so that order is kept.
func stampOf(t time.Time) stamp {
	// Nearly every time is well inside the range: seconds and
	// nanoseconds are read without time.Time's comparisons.
	if sec := t.Unix(); sec > -maxStampSec && sec < maxStampSec {
		return stamp(sec*1e9 + int64(t.Nanosecond()))
	}
	switch {
	case t.Before(minStampTime):
		return math.MinInt64
	case t.After(maxStampTime):
		return math.MaxInt64
	}
	return stamp(t.UnixNano())
}

// maxStampSec is a whole second less than the seconds a stamp can hold.
const maxStampSec = math.MaxInt64/1_000_000_000 - 1

var (
	minStampTime = time.Unix(0, math.MinInt64)
	maxStampTime = time.Unix(0, math.MaxInt64)
)

// Time returns s as a time.Time in UTC, as the capture readers give times.
func (s stamp) Time() time.Time { return time.Unix(0, int64(s)).UTC() }

// Sub returns s-u, saturating as time.Time.Sub does.
func (s stamp) Sub(u stamp) time.Duration {
	d := time.Duration(s - u)
	if (d < 0) != (s < u) { // overflow
		if s < u {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	return d
}

// Add returns s+d, saturating.
func (s stamp) Add(d time.Duration) stamp {
	t := s + stamp(d)
	if (d > 0 && t < s) || (d < 0 && t > s) {
		if d > 0 {
			return math.MaxInt64
		}
		return math.MinInt64
	}
	return t
}

// Before reports whether s is earlier than u.
func (s stamp) Before(u stamp) bool { return s < u }

// After reports whether s is later than u.
func (s stamp) After(u stamp) bool { return s > u }

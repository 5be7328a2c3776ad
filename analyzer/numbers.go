package analyzer

import (
	"fmt"
	"math"
	"time"
)

// The numbers findings print: seconds as the JSON carries them, ranges and
// durations in words.

// minMax returns the smallest and the largest of xs.
func minMax(xs []float64) (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

// round2 rounds a confidence to two decimals.
func round2(x float64) float64 { return math.Round(x*100) / 100 }

// fmtSeconds writes a duration in seconds the way people read it: "45 s",
// "5m12s".
func fmtSeconds(s float64) string {
	if s < 120 {
		return fmt.Sprintf("%.0f s", s)
	}
	return (time.Duration(math.Round(s)) * time.Second).String()
}

// seconds converts a duration to the float seconds the JSON carries,
// rounded to the microsecond so output is stable and readable.
func seconds(d time.Duration) float64 {
	return float64(d.Round(time.Microsecond)) / float64(time.Second)
}

package report

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"softsa/analyzer/result"
)

// How the page words times, durations, sizes and counts for people.

// clock turns capture timestamps into what the report prints: UTC clock
// time, and seconds since the capture's first frame.
type clock struct{ t0 time.Time }

func (c clock) rel(t time.Time) float64 { return t.Sub(c.t0).Seconds() }

func (c clock) at(t result.Time) htmlTime {
	if t.IsZero() {
		return htmlTime{UTC: "-"}
	}
	layout := "15:04:05.000"
	if !sameDay(t.Time, c.t0) {
		layout = "2006-01-02 15:04:05.000"
	}
	// The text report's rounding rule (roundMS): the time and its offset
	// agree to the millisecond.
	return htmlTime{UTC: roundMS(t.Time).UTC().Format(layout), Rel: fmt.Sprintf("+%.3f s", offsetSeconds(t.Time, c.t0))}
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.UTC().Date()
	by, bm, bd := b.UTC().Date()
	return ay == by && am == bm && ad == bd
}

func fullTime(t result.Time) string {
	if t.IsZero() {
		return "-"
	}
	return roundMS(t.Time).UTC().Format("2006-01-02 15:04:05.000") + " UTC"
}

// humanSeconds prints a duration for people: "66.3 s", "4 min 58 s",
// "1 h 2 min".
func humanSeconds(s float64) string {
	switch {
	case s < 0:
		return "-"
	case s < 100:
		return strconv.FormatFloat(s, 'f', 1, 64) + " s"
	case s < 3600:
		m := int(math.Round(s))
		return fmt.Sprintf("%d min %d s", m/60, m%60)
	default:
		m := int(math.Round(s / 60))
		return fmt.Sprintf("%d h %d min", m/60, m%60)
	}
}

// about says a duration roughly, for the one-sentence verdict.
func about(s float64) string {
	switch {
	case s >= 45 && s <= 90:
		return "about a minute"
	case s < 1.5:
		return "about a second"
	case s < 45:
		return fmt.Sprintf("about %d seconds", int(math.Round(s)))
	case s < 5400:
		return fmt.Sprintf("about %d minutes", int(math.Round(s/60)))
	default:
		return fmt.Sprintf("about %d hours", int(math.Round(s/3600)))
	}
}

func humanBytes(n int64) string {
	switch {
	case n < 10_000:
		return strconv.FormatInt(n, 10) + " bytes"
	case n < 10_000_000:
		return strconv.FormatFloat(float64(n)/1e3, 'f', 1, 64) + " kB"
	default:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

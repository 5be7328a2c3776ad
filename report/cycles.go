package report

import (
	"fmt"

	"softsa/analyzer/result"
)

// cycleMeans formats the mean outage and the mean soft-SA lifetime of the
// cycles with secs; a soft-SA mean that is only a lower bound gets atLeast
// in front. The terminal and the page differ only in those two.
func cycleMeans(cycles []result.Cycle, secs func(float64) string, atLeast string) (outage, soft string) {
	o, s, lower := meanCycles(cycles)
	outage, soft = secs(o), secs(s)
	if lower {
		soft = atLeast + soft
	}
	return outage, soft
}

// meanCycles returns the mean outage and the mean soft-SA lifetime in
// seconds. A soft SA still open when the capture ends has no known lifetime:
// it counts only when no cycle closed, and the mean is then a lower bound.
func meanCycles(cycles []result.Cycle) (outage, soft float64, lowerBound bool) {
	if len(cycles) == 0 {
		return 0, 0, false
	}
	var o, s, all float64
	closed := 0
	for _, cy := range cycles {
		o += cy.OutageSeconds
		all += cy.SoftSASeconds
		if !cy.SoftSAOpen {
			s += cy.SoftSASeconds
			closed++
		}
	}
	n := float64(len(cycles))
	if closed == 0 {
		return o / n, all / n, true
	}
	return o / n, s / float64(closed), false
}

// tenths prints seconds to a tenth, as the terminal tables do.
func tenths(s float64) string { return fmt.Sprintf("%.1f s", s) }

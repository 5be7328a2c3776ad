package analyzer

import (
	"fmt"
	"strings"
	"time"
)

// Clock steps. A capture's timestamps go backwards when the capturing
// host's clock is set back (by hand, NTP or a VM restore) or when files
// from different hosts are joined; every length that spans such a step
// (an outage, a soft SA) is then short by the step. softsa does not
// rebuild a monotonic timeline: it names the frames so that the reader
// knows which lengths to distrust.

// clockStepMin is the smallest backward step reported: interfaces of one
// pcapng, or packets reordered by the capture path, disagree by
// milliseconds, which changes no diagnosis.
const clockStepMin = time.Second

// clockStepsKept is how many steps the warning names.
const clockStepsKept = 5

// clockStep is one frame whose time is before its predecessor's.
type clockStep struct {
	frame int
	back  time.Duration
}

// clockWatch follows the frames' times in capture order.
type clockWatch struct {
	prev  stamp
	seen  bool
	steps [clockStepsKept]clockStep
	n     int // steps found, possibly more than kept
}

// note checks frame's time at against the previous frame's.
func (c *clockWatch) note(frame int, at stamp) {
	if c.seen && at < c.prev && c.prev.Sub(at) >= clockStepMin {
		if c.n < clockStepsKept {
			c.steps[c.n] = clockStep{frame: frame, back: c.prev.Sub(at)}
		}
		c.n++
	}
	c.prev, c.seen = at, true
}

// warning says where time went backwards; "" when it never did.
func (c *clockWatch) warning() string {
	if c.n == 0 {
		return ""
	}
	var parts []string
	for i := 0; i < min(c.n, clockStepsKept); i++ {
		s := c.steps[i]
		parts = append(parts, fmt.Sprintf("frame %d is %.3f s before frame %d", s.frame, s.back.Seconds(), s.frame-1))
	}
	more := ""
	if c.n > clockStepsKept {
		more = fmt.Sprintf(" and %d more", c.n-clockStepsKept)
	}
	times := fmt.Sprintf("%d times", c.n)
	if c.n == 1 {
		times = "once"
	}
	return fmt.Sprintf("time goes backwards %s (%s%s): the capture host's clock was set back, or files were joined out of order; outage and soft-SA lengths that span a step are short by it",
		times, strings.Join(parts, "; "), more)
}

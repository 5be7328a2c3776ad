package analyzer

import (
	"fmt"
	"strings"
	"time"
)

// Clock steps. A capture's timestamps go backwards when the capturing
// host's clock is set back (by hand, NTP or a VM restore) or when files
// from different hosts are joined; every length that spans such a step
// (an outage, a soft SA) would then be short by the step. softsa names the
// frames, and measures the lengths of outages, gaps and soft SAs on a
// monotonic timeline: a length that spans a step (its start frame before
// the step's frame, its end at or after it) gets the step added back. How
// much real time passed between the two frames around a step cannot be
// known; it counts as none, so a corrected length may still be short by
// that much (1.6 s in the kb977526-clock-step sample, against 30 s). The
// times it reports stay the capture's own, so that they match Wireshark.
// Only the first clockStepsKept steps are known; lengths spanning later
// ones are not corrected, and the warning says so.

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

// between returns the backward steps at frames after from and up to to:
// what a length from frame from to frame to lost to the clock.
func (c *clockWatch) between(from, to int) time.Duration {
	var d time.Duration
	for i := 0; i < min(c.n, clockStepsKept); i++ {
		if s := c.steps[i]; s.frame > from && s.frame <= to {
			d += s.back
		}
	}
	return d
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
	more, fixed := "", "outage, gap and soft-SA lengths that span a step are measured on a monotonic timeline (the step added back); the times shown are the capture's"
	if c.n > clockStepsKept {
		more = fmt.Sprintf(" and %d more", c.n-clockStepsKept)
		fixed = fmt.Sprintf("lengths that span one of the first %d steps are measured on a monotonic timeline (the step added back), those that span a later one are short by it; the times shown are the capture's", clockStepsKept)
	}
	times := fmt.Sprintf("%d times", c.n)
	if c.n == 1 {
		times = "once"
	}
	return fmt.Sprintf("time goes backwards %s (%s%s): the capture host's clock was set back, or files were joined out of order; %s",
		times, strings.Join(parts, "; "), more, fixed)
}

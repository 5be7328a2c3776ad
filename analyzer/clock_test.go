package analyzer

import (
	"strings"
	"testing"
)

// TestClockStep: frames shifted 30 s back in the middle of a capture get a
// warning naming the first frame of the step; jitter under a second and a
// capture whose time only goes forward get none.
func TestClockStep(t *testing.T) {
	a, b := addr("10.14.0.1"), addr("10.14.0.2")
	for _, tc := range []struct {
		name  string
		times []float64
		want  string // "" for no warning
	}{
		{"forward", []float64{0, 1, 2, 3}, ""},
		{"jitter", []float64{0, 1, 0.9, 2}, ""},
		{"step back 30 s", []float64{0, 10, 40, 10.5, 11}, "frame 4 is 29.500 s before frame 3"},
	} {
		s := newStream(t)
		for _, sec := range tc.times {
			s.udp(sec, a, b, 1000, 2000, 10)
		}
		// Capture order, not time order: number the frames as given.
		for i := range s.msgs {
			s.msgs[i].Frame = i + 1
		}
		an := newAnalysis(Options{})
		for i := range s.msgs {
			an.add(&s.msgs[i])
		}
		r := an.finish()
		got := strings.Join(r.Warnings, "\n")
		if tc.want == "" && strings.Contains(got, "backwards") || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("%s: warnings %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestClockBetween: a length gets back the steps at frames after its
// start frame and up to its end frame, and only those.
func TestClockBetween(t *testing.T) {
	var c clockWatch
	for i, sec := range []float64{0, 10, 40, 10.5, 11, 20, 15} {
		c.note(i+1, stampOf(at(sec)))
	}
	for _, tc := range []struct {
		from, to int
		want     float64
	}{
		{1, 3, 0}, {3, 4, 29.5}, {1, 7, 34.5}, {4, 6, 0}, {6, 7, 5}, {4, 7, 5},
	} {
		if got := c.between(tc.from, tc.to).Seconds(); got != tc.want {
			t.Errorf("between(%d, %d) = %.1f s, want %.1f s", tc.from, tc.to, got, tc.want)
		}
	}
}

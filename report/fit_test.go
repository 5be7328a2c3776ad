package report

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestTextWidth: every line of every sample's text report is at most 120
// columns by default, and at most N with Width N.
func TestTextWidth(t *testing.T) {
	for name, r := range sampleResults(t) {
		for _, width := range []int{0, 80, 100, 160} {
			var b bytes.Buffer
			if err := Text(&b, r, TextOptions{Width: width}); err != nil {
				t.Fatal(err)
			}
			limit := width
			if limit == 0 {
				limit = DefaultTextWidth
			}
			for i, l := range strings.Split(b.String(), "\n") {
				if n := utf8.RuneCountInString(l); n > limit {
					t.Errorf("%s, width %d: line %d is %d columns: %q", name, width, i+1, n, l)
				}
			}
		}
	}
}

func TestFrameSummary(t *testing.T) {
	frames := []int{1, 2, 4, 6, 7, 8, 11, 14, 16, 18, 19, 22}
	for _, tc := range []struct {
		width int
		want  string
	}{
		{100, "1 2 4 6 7 8 11 14 16 18 19 22"},
		{14, "1 2 4 6 … +8"},
		{5, "… +12"},
	} {
		got := frameSummary(frames, tc.width)
		if got != tc.want {
			t.Errorf("frameSummary(width %d) = %q, want %q", tc.width, got, tc.want)
		}
		if utf8.RuneCountInString(got) > max(tc.width, 6) {
			t.Errorf("frameSummary(width %d) = %q: too wide", tc.width, got)
		}
	}
}

func TestWrap(t *testing.T) {
	got := wrap("  ", "    ", "one two three four five six", 12)
	want := []string{"  one two", "    three", "    four", "    five six"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("wrap = %q, want %q", got, want)
	}
}

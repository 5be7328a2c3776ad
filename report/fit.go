package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// How the terminal report fits a terminal: every line at most the width,
// sentences wrapped with a hanging indent, tables narrowed by leaving out
// their least needed columns, frame lists summarised.

// DefaultTextWidth is the width of the text report when the caller gives
// none (stdout not a terminal).
const DefaultTextWidth = 120

// minTextWidth is the narrowest width honoured: below it an address pair
// and a time no longer fit on a line.
const minTextWidth = 40

func runes(s string) int { return utf8.RuneCountInString(s) }

// wrap breaks text into lines of at most width runes at spaces: the first
// line starts with first, the others with hang (the hanging indent). A
// word longer than a line is cut, the only way to keep the width.
func wrap(first, hang, text string, width int) []string {
	var lines []string
	cur := first
	empty := true
	for _, w := range strings.Fields(text) {
		if !empty && runes(cur)+1+runes(w) > width {
			lines = append(lines, cur)
			cur, empty = hang, true
		}
		if !empty {
			cur += " "
		}
		for runes(cur)+runes(w) > width && runes(cur) < width {
			// A word wider than the line: cut it where the line ends.
			n := width - runes(cur)
			r := []rune(w)
			lines = append(lines, cur+string(r[:n]))
			cur, w = hang, string(r[n:])
		}
		cur += w
		empty = false
	}
	return append(lines, cur)
}

// cut shortens s to width runes, ending with "…" when something was cut.
func cut(s string, width int) string {
	if runes(s) <= width {
		return s
	}
	if width < 1 {
		return ""
	}
	return string([]rune(s)[:width-1]) + "…"
}

// frameSummary lists frames in at most width runes: as many as fit, then
// "… +N" for the rest ("1 2 4 … +9").
func frameSummary(frames []int, width int) string {
	if len(frames) == 0 {
		return "-"
	}
	var b strings.Builder
	for i, f := range frames {
		s := strconv.Itoa(f)
		if i > 0 {
			s = " " + s
		}
		rest := ""
		if i+1 < len(frames) {
			rest = " … +" + strconv.Itoa(len(frames)-i-1)
		}
		if b.Len()+len(s)+len(rest) > width && i+1 < len(frames) || b.Len()+len(s) > width {
			if i == 0 {
				return "… +" + strconv.Itoa(len(frames))
			}
			b.WriteString(" … +" + strconv.Itoa(len(frames)-i))
			return b.String()
		}
		b.WriteString(s)
	}
	return b.String()
}

// roundMS is the one rounding rule for printed times: to the nearest
// millisecond. An offset is the difference of two rounded times, so a
// time and its offset always agree (09:12:04.501 is +0.001 s after
// 09:12:04.500); the JSON keeps full precision.
func roundMS(t time.Time) time.Time { return t.Round(time.Millisecond) }

// offsetSeconds is t's printed offset from t0, in seconds.
func offsetSeconds(t, t0 time.Time) float64 { return roundMS(t).Sub(roundMS(t0)).Seconds() }

// column is one column of a fitted table.
type column struct {
	head  string
	right bool // numbers: right-aligned
	// drop orders the columns the table leaves out when it is too wide:
	// the highest first; 0 is never left out.
	drop int
}

// fitTable renders rows as an aligned table of at most width runes per
// line, two spaces between columns, leaving out the columns with the
// highest drop first while the table is too wide, and finally cutting
// the last column's cells.
func fitTable(cols []column, rows [][]string, indent string, width int) []string {
	keep := make([]bool, len(cols))
	for i := range keep {
		keep[i] = true
	}
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = runes(c.head)
		for _, r := range rows {
			widths[i] = max(widths[i], runes(r[i]))
		}
	}
	total := func() int {
		n, k := runes(indent), 0
		for i, w := range widths {
			if keep[i] {
				n += w
				k++
			}
		}
		return n + 2*(k-1)
	}
	leaveOut(cols, keep, func() bool { return total() > width })
	line := func(cells []string) string {
		var b strings.Builder
		b.WriteString(indent)
		first := true
		for i, s := range cells {
			if !keep[i] {
				continue
			}
			if !first {
				b.WriteString("  ")
			}
			first = false
			pad := strings.Repeat(" ", widths[i]-runes(s))
			if cols[i].right {
				b.WriteString(pad + s)
			} else {
				b.WriteString(s + pad)
			}
		}
		return cut(strings.TrimRight(b.String(), " "), width)
	}
	heads := make([]string, len(cols))
	rule := make([]string, len(cols))
	for i, c := range cols {
		heads[i] = c.head
		rule[i] = strings.Repeat("-", widths[i])
	}
	out := []string{line(heads), line(rule)}
	for _, r := range rows {
		out = append(out, line(r))
	}
	return out
}

// leaveOut leaves out of a table (keep) the columns with the highest drop
// first while it is too wide.
func leaveOut(cols []column, keep []bool, tooWide func() bool) {
	for tooWide() {
		worst := -1
		for i, c := range cols {
			if keep[i] && c.drop > 0 && (worst < 0 || c.drop > cols[worst].drop) {
				worst = i
			}
		}
		if worst < 0 {
			return
		}
		keep[worst] = false
	}
}

// frameList prints up to max frame numbers, then how many more.
func frameList(frames []int, max int) string {
	var b strings.Builder
	for i, f := range frames {
		if i == max {
			fmt.Fprintf(&b, " +%d", len(frames)-max)
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(f))
	}
	if b.Len() == 0 {
		return "-"
	}
	return b.String()
}

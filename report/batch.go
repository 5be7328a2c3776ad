package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"

	"softsa/analyzer/result"
)

// BatchText writes the terminal report of many captures: one row per pair
// with a finding across all of them, then a line per file that could not be
// read, then a count of the rest, so a folder of hundreds fits a screen.
// Lines hold at most o.Width runes (0: DefaultTextWidth): the table leaves
// out its least needed columns, then shortens its widest cells (a capture's
// path from the left, so that its file name stays), and the lines after it
// wrap. Color is not used.
func BatchText(w io.Writer, r *result.Result, o TextOptions) error {
	if o.Width == 0 {
		o.Width = DefaultTextWidth
	}
	o.Width = max(o.Width, minTextWidth)
	bw := bufio.NewWriter(w)
	if r.Incomplete {
		for _, l := range wrap("", "  ", "INCOMPLETE REPORT: "+r.IncompleteReason, o.Width) {
			fmt.Fprintln(bw, l)
		}
		fmt.Fprintln(bw)
	}
	var rows [][]string
	clean, failed := 0, 0
	for i := range r.Captures {
		c := &r.Captures[i]
		if c.Error != "" {
			failed++
			continue
		}
		found := false
		for j := range c.Pairs {
			p := &c.Pairs[j]
			f := p.Main()
			if f == nil || !f.IsProblem() {
				continue
			}
			found = true
			cycles, outage, soft, first := "-", "-", "-", "-"
			if len(f.Cycles) > 0 {
				cycles = strconv.Itoa(len(f.Cycles))
				outage, soft = cycleMeans(f.Cycles, tenths, ">= ")
			}
			if n := f.FirstFrame(); n > 0 {
				first = strconv.Itoa(n)
			}
			rows = append(rows, []string{c.File, p.Initiator + " -> " + p.Responder, p.Verdict, f.ID,
				strconv.FormatFloat(f.Confidence, 'f', 2, 64), cycles, outage, soft, first})
		}
		if !found {
			clean++
		}
	}
	if len(rows) > 0 {
		heads, rows := fitBatchTable(rows, o.Width)
		t := newTable(bw, heads...)
		for _, row := range rows {
			if err := t.row(row...); err != nil {
				return err
			}
		}
		if err := t.render(); err != nil {
			return err
		}
	}
	line := func(s string) {
		for _, l := range wrap("", "  ", s, o.Width) {
			fmt.Fprintln(bw, l)
		}
	}
	for i := range r.Captures {
		c := &r.Captures[i]
		if c.Error != "" {
			line(fmt.Sprintf("FAILED %s: %s", c.File, c.Error))
		}
		for _, w := range c.Warnings {
			line(fmt.Sprintf("warning: %s: %s", c.File, w))
		}
		// The batch table has no room for what Windows says; the
		// capture's own report (softsa FILE LOGS…, or the JSON and
		// HTML of this run) lists it per pair.
		for _, l := range c.HostLogs {
			line(c.File + ": " + hostLogLine(l))
		}
	}
	line(fmt.Sprintf("%d captures: %d pairs with findings, %d captures without, %d failed", len(r.Captures), len(rows), clean, failed))
	return bw.Flush()
}

// batchColumns are the batch table's columns; drop orders those left out
// when it is too wide, the highest first (0: kept).
var batchColumns = []column{
	{head: "capture"}, {head: "pair"}, {head: "verdict"}, {head: "finding"},
	{head: "confidence", drop: 4}, {head: "cycles", drop: 3}, {head: "mean outage", drop: 5},
	{head: "mean soft SA", drop: 6}, {head: "first evidence", drop: 2},
}

// fitBatchTable returns the headers and cells of the batch table that fit
// width runes as tablewriter draws it ("| a | b |": three runes per
// column and one): the capture paths shortened from the left to no less
// than 24 runes, then the columns with the highest drop left out, then the
// widest of the capture, pair, finding and verdict cells shortened, each
// to no less than 8 runes.
func fitBatchTable(rows [][]string, width int) ([]string, [][]string) {
	widths := make([]int, len(batchColumns))
	for i, c := range batchColumns {
		widths[i] = runes(c.head)
		for _, r := range rows {
			widths[i] = max(widths[i], runes(r[i]))
		}
	}
	keep := make([]bool, len(batchColumns))
	for i := range keep {
		keep[i] = true
	}
	total := func() int {
		n := 1
		for i, w := range widths {
			if keep[i] {
				n += w + 3
			}
		}
		return n
	}
	if over := total() - width; over > 0 {
		// A long path costs less shortened (its file name stays) than
		// a column left out.
		widths[0] = max(min(widths[0], 24), widths[0]-over)
	}
	leaveOut(batchColumns, keep, func() bool { return total() > width })
	const minCell = 6
	for total() > width {
		widest := -1
		for _, i := range []int{0, 1, 3, 2} {
			if widths[i] > minCell && (widest < 0 || widths[i] > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break
		}
		widths[widest]-- // one at a time, so that the widest meet
	}
	var heads []string
	for i, c := range batchColumns {
		if keep[i] {
			heads = append(heads, cut(c.head, widths[i]))
		}
	}
	out := make([][]string, len(rows))
	for k, r := range rows {
		for i, cell := range r {
			switch {
			case !keep[i]:
				continue
			case i == 0:
				cell = cutLeft(cell, widths[i])
			default:
				cell = cut(cell, widths[i])
			}
			out[k] = append(out[k], cell)
		}
	}
	return heads, out
}

// cutLeft shortens s to width runes from the left, starting with "…" when
// something was cut: the end of a path is its file name.
func cutLeft(s string, width int) string {
	if runes(s) <= width {
		return s
	}
	if width < 1 {
		return ""
	}
	r := []rune(s)
	return "…" + string(r[len(r)-width+1:])
}

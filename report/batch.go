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
func BatchText(w io.Writer, r *result.Result) error {
	bw := bufio.NewWriter(w)
	if r.Incomplete {
		fmt.Fprintf(bw, "INCOMPLETE REPORT: %s\n\n", r.IncompleteReason)
	}
	t := newTable(bw, "capture", "pair", "verdict", "finding", "confidence", "cycles", "mean outage", "mean soft SA", "first evidence")
	rows, clean, failed := 0, 0, 0
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
			if err := t.row(c.File, p.Initiator+" -> "+p.Responder, p.Verdict, f.ID,
				strconv.FormatFloat(f.Confidence, 'f', 2, 64), cycles, outage, soft, first); err != nil {
				return err
			}
			rows++
		}
		if !found {
			clean++
		}
	}
	if rows > 0 {
		if err := t.render(); err != nil {
			return err
		}
	}
	for i := range r.Captures {
		c := &r.Captures[i]
		if c.Error != "" {
			fmt.Fprintf(bw, "FAILED %s: %s\n", c.File, c.Error)
		}
		for _, w := range c.Warnings {
			fmt.Fprintf(bw, "warning: %s: %s\n", c.File, w)
		}
		// The batch table has no room for what Windows says; the
		// capture's own report (softsa FILE LOGS…, or the JSON and
		// HTML of this run) lists it per pair.
		for _, l := range c.HostLogs {
			fmt.Fprintf(bw, "%s: %s\n", c.File, hostLogLine(l))
		}
	}
	fmt.Fprintf(bw, "%d captures: %d pairs with findings, %d captures without, %d failed\n", len(r.Captures), rows, clean, failed)
	return bw.Flush()
}

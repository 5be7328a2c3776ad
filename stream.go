package main

import (
	"encoding/json"
	"io"

	"softsa/analyzer/result"
	"softsa/batch"
)

// lineStream writes --jsonl as the batch runs: each capture's line as soon
// as it and every capture before it are done, so the lines keep the order
// of the inputs and a run stopped at any moment keeps every finished line.
// Only what order needs is held back: captures done ahead of an earlier
// one, and those whose names make them possible members of a ring-buffer
// set, which wait for the whole set to be known so they carry its warning
// as in the other formats.
type lineStream struct {
	w       io.Writer
	inputs  []batch.Input
	caps    []*result.CaptureResult // built as each input finishes
	dropped []bool                  // stopped by the interrupt: no line
	group   []int                   // batch.RingGroups, or all -1 with --join
	waiting map[int]int             // per group, members not finished
	next    int                     // the first input not yet written
	pairs   []string                // --pair, for markNoPair
	err     error                   // the first write error; later lines are dropped
}

func newLineStream(w io.Writer, inputs []batch.Input, joined bool, pairs []string) *lineStream {
	ls := &lineStream{w: w, inputs: inputs, pairs: pairs, caps: make([]*result.CaptureResult, len(inputs)), dropped: make([]bool, len(inputs)), waiting: map[int]int{}}
	paths := make([]string, len(inputs))
	for i, in := range inputs {
		paths[i] = in.Path
	}
	ls.group = batch.RingGroups(paths)
	for i, g := range ls.group {
		if joined {
			ls.group[i] = -1
		} else if g >= 0 {
			ls.waiting[g]++
		}
	}
	return ls
}

// done takes the outcome of input i and writes every line now in order.
// batch.Run calls it from one goroutine at a time.
func (ls *lineStream) done(i int, out outcome) {
	if c := captureOf(ls.inputs[i], out); c != nil {
		cc := *c // the outcome stays as it was, for the tally
		if len(ls.pairs) > 0 {
			cc.Warnings = append([]string(nil), c.Warnings...)
			markNoPair(&cc, ls.pairs)
		}
		ls.caps[i] = &cc
	}
	ls.dropped[i] = ls.caps[i] == nil
	g := ls.group[i]
	if g >= 0 {
		ls.waiting[g]--
		if ls.waiting[g] == 0 {
			ls.markGroup(g)
		}
	}
	for ls.next < len(ls.caps) && (ls.caps[ls.next] != nil || ls.dropped[ls.next]) {
		if ls.dropped[ls.next] {
			ls.next++
			continue
		}
		if g := ls.group[ls.next]; g >= 0 && ls.waiting[g] > 0 {
			return
		}
		ls.write(ls.caps[ls.next])
		ls.caps[ls.next] = nil // written: not kept
		ls.next++
	}
}

// markGroup gives the captures of a finished name group the ring-buffer
// warning if they are a set.
func (ls *lineStream) markGroup(g int) {
	var idx []int
	var caps []result.CaptureResult
	for i, gi := range ls.group {
		if gi == g && ls.caps[i] != nil {
			idx = append(idx, i)
			caps = append(caps, *ls.caps[i])
		}
	}
	batch.MarkRingSets(caps)
	for k, i := range idx {
		ls.caps[i] = &caps[k]
	}
}

func (ls *lineStream) write(c *result.CaptureResult) {
	if ls.err != nil {
		return
	}
	one := result.NewResult(version, *c)
	ls.line(&one)
}

// line writes r as one line.
func (ls *lineStream) line(r *result.Result) {
	if ls.err != nil {
		return
	}
	enc := json.NewEncoder(ls.w)
	enc.SetEscapeHTML(false)
	ls.err = enc.Encode(r)
}

// finish writes, for an interrupted run, a last line that says so: a
// document of the same schema with no capture, marked incomplete. Lines
// held back for a ring set that never finished are written first, without
// the set's warning.
func (ls *lineStream) finish(res *result.Result) error {
	for ; ls.next < len(ls.caps); ls.next++ {
		if c := ls.caps[ls.next]; c != nil {
			ls.write(c)
		}
	}
	if res.Incomplete {
		tail := result.NewResult(version)
		tail.Incomplete, tail.IncompleteReason = true, res.IncompleteReason
		ls.line(&tail)
	}
	return ls.err
}

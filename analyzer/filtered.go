package analyzer

import "net/netip"

// maxFilteredShown is how many of the pairs a --pair filter left out are
// named; the rest are counted.
const maxFilteredShown = 20

// filteredPairs collects the pairs the --pair filter left out, so that a
// filter that matched nothing can say which pairs the capture does have.
// It is touched only for frames the filter drops (never on an unfiltered
// run), allocates only on a pair not seen before, and is bounded: the
// distinct pairs are counted up to MaxPairs, the first maxFilteredShown
// named.
type filteredPairs struct {
	shown []pairKey
	seen  map[pairKey]struct{}
	full  bool // seen reached its bound: more pairs than it counted
	// last is the pair of the previous frame left out: the next is most
	// often the same, and skips the map.
	last    pairKey
	hasLast bool
}

// leftOut notes a frame between x and y that the --pair filter dropped.
func (a *analysis) leftOut(x, y netip.Addr) {
	f := &a.out
	k := keyOf(x, y)
	if f.hasLast && k == f.last {
		return
	}
	f.last, f.hasLast = k, true
	if _, ok := f.seen[k]; ok {
		return
	}
	if len(f.seen) >= a.opts.MaxPairs {
		f.full = true
		return
	}
	if f.seen == nil {
		f.seen = make(map[pairKey]struct{})
	}
	f.seen[k] = struct{}{}
	if len(f.shown) < maxFilteredShown {
		f.shown = append(f.shown, k)
	}
}

// result returns the pairs named, as --pair takes them, and how many more
// were left out (negative: at least that many).
func (f *filteredPairs) result() (names []string, more int) {
	for _, k := range f.shown {
		names = append(names, k.lo.String()+","+k.hi.String())
	}
	more = len(f.seen) - len(f.shown)
	if f.full {
		// One pair was refused at least: there are that many more, or
		// more.
		more = -(more + 1)
	}
	return names, more
}

package report

import (
	"cmp"
	"slices"

	"softsa/analyzer/result"
)

// pairOrder returns the indices of c.Pairs worst first: the one order both
// the text and the HTML report list pairs in, so a support engineer finds
// the same pair on top whichever report he opens. Pairs with a problem
// finding come first; then pairs go by their verdict's catalog severity
// and rank (the KB 977526 loop, no communication, negotiation failed, …,
// fallback to clear, healthy IPsec, clear only), then by the confidence of
// their main finding, highest first; ties keep the analyzer's order.
func pairOrder(c *result.CaptureResult) []int {
	type key struct {
		noProblem  bool
		severity   result.Severity
		rank       int
		confidence float64
	}
	keys := make([]key, len(c.Pairs))
	order := make([]int, len(c.Pairs))
	for i := range c.Pairs {
		p := &c.Pairs[i]
		k := key{noProblem: !p.HasProblem(), severity: result.SeverityNeutral + 1, rank: len(result.Verdicts())}
		if v, ok := result.VerdictOf(p.Verdict); ok {
			k.severity, k.rank = v.Severity, v.Rank
		}
		if f := p.Main(); f != nil {
			k.confidence = f.Confidence
		}
		keys[i], order[i] = k, i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		x, y := keys[a], keys[b]
		if x.noProblem != y.noProblem {
			if x.noProblem {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(x.severity, y.severity), cmp.Compare(x.rank, y.rank), cmp.Compare(y.confidence, x.confidence))
	})
	return order
}

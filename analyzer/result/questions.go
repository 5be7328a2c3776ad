package result

import "strconv"

// The questions every renderer asks of a result, answered once.

// IsProblem reports whether f is a problem rather than informational: the
// catalog's severity, as the finding carries it (NewFinding).
// A JSON without "severity" (written before it existed) has the flag only.
func (f *Finding) IsProblem() bool {
	return !f.Informational && f.Severity != FindingSeverityInfo
}

// Main is the finding the pair is about, the one that decided its verdict:
// the KB 977526 one if present, else the first problem, else the first
// informational one; nil without findings.
func (p *Pair) Main() *Finding {
	var main *Finding
	for i := range p.Findings {
		f := &p.Findings[i]
		if f.ID == FindingKB977526 {
			return f
		}
		if main == nil || (!main.IsProblem() && f.IsProblem()) {
			main = f
		}
	}
	return main
}

// KB is the pair's KB 977526 finding, or nil.
func (p *Pair) KB() *Finding {
	if f := p.Main(); f != nil && f.ID == FindingKB977526 {
		return f
	}
	return nil
}

// HasProblem reports whether some finding of the pair is a problem.
func (p *Pair) HasProblem() bool {
	for i := range p.Findings {
		if p.Findings[i].IsProblem() {
			return true
		}
	}
	return false
}

// HasProblem reports whether some pair of the capture has a problem
// finding: what makes softsa exit with 1.
func (c *CaptureResult) HasProblem() bool {
	for i := range c.Pairs {
		if c.Pairs[i].HasProblem() {
			return true
		}
	}
	return false
}

// Times says how often, as a report's sentence wants it: "once", "twice",
// "3 times".
func Times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return strconv.Itoa(n) + " times"
}

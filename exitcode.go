package main

// Exit codes (DESIGN.md): like grep, 1 means "found something".
const (
	exitOK       = 0 // analysed, no problem found (informational findings only)
	exitFindings = 1 // analysed, at least one problem finding
	exitUsage    = 2 // usage error, no input could be read, or the report could not be written
	exitPartial  = 3 // some inputs failed, others were analysed; or interrupted: the report is incomplete
)

// exitCode follows DESIGN.md: 2 when no input could be read at all, 3 when
// some failed (a damaged file read up to its damage counts here), else 1 with
// findings and 0 without.
func exitCode(inputs, unreadable, damaged int, findings bool) int {
	switch {
	case inputs > 0 && unreadable == inputs:
		return exitUsage
	case unreadable+damaged > 0:
		return exitPartial
	case findings:
		return exitFindings
	}
	return exitOK
}

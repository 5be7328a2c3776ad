// Package result is what softsa's analysis says and every report renders:
// the analysis of one or more captures (Result, CaptureResult, Pair,
// Finding…) and the catalog of the findings and verdicts it can hold.
//
// # The JSON contract
//
// The json tags are a public interface: scripts and ticket tooling read the
// JSON softsa writes (DESIGN.md, "JSON contract"; report/softsa.schema.json
// describes it). Fields may be added freely; renaming or removing one bumps
// SchemaVersion. Times are RFC 3339 in UTC with nanoseconds, null when
// unknown (Time); durations are seconds as floats, rounded to the
// microsecond. The types carry no behaviour beyond that encoding and the
// questions below, so a report depends on this package alone, never on the
// analyzer that fills it.
//
// # The catalog
//
// Every finding ID (FindingKB977526, …) and verdict code (VerdictKB977526,
// …) is defined once, in catalog.go, with what people read: a finding's
// title, its plain-language sentence and its severity (a problem, or
// informational); a verdict's label, its rank (the order renderers sort and
// colour by, the KB 977526 loop first) and its severity. Renderers look
// names up there (FindingOf, VerdictOf, Verdicts) and ask the questions of
// questions.go (Pair.Main, Pair.KB, Pair.HasProblem,
// CaptureResult.HasProblem) instead of naming findings themselves; softsa
// exits with 1 exactly when some capture HasProblem.
//
// A finding's severity reaches the JSON as its "severity" ("problem" or
// "info") and, for informational ones, the older "informational" flag,
// which NewFinding (or NewFindingWithoutIPsec, on a pair with no IKE and no
// ESP) sets from the catalog. Adding a finding or a verdict is one entry in catalog.go and, the
// IDs being part of the contract, one in the schema's enum: a test of
// package report checks that the two agree.
package result

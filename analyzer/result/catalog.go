package result

import "slices"

// The catalog: every finding and every verdict softsa can report, defined
// once. Renderers take titles, sentences, severities and order from here,
// so adding a finding or a verdict is one entry below (and, since the IDs
// are a public interface like the JSON fields, one line in the JSON
// schema).

// Finding IDs, the JSON's finding "id".
const (
	// FindingKB977526: the fallback-to-clear loop of KB 977526: outages of
	// about a minute while the initiator negotiates without reaching an
	// SA, each followed by clear traffic without ESP (a soft SA).
	FindingKB977526 = "KB977526"
	// FindingFallbackOK: informational; clear traffic flowed within
	// analyzer.Options.FallbackMax of a negotiation that did not establish
	// — the designed fallback to clear (about 0.5 s when the XP/2003 side
	// starts, about 3 s to a host that does not speak IPsec).
	FindingFallbackOK = "FALLBACK_OK"
	// FindingFallbackSlow: clear traffic flowed after a failed negotiation,
	// but only after more than FallbackMax, and not in a KB 977526 cycle.
	FindingFallbackSlow = "FALLBACK_SLOW"
	// FindingNoCommunication: negotiations never reach an SA and the
	// initiator's clear traffic is never answered after they begin (in the
	// KB's words, the responder's IKEFlags is not 0x14).
	FindingNoCommunication = "NO_COMMUNICATION"
	// FindingNoIKEResponse: the responder never answered a negotiation.
	FindingNoIKEResponse = "NO_IKE_RESPONSE"
	// FindingNegotiationFailed: an error notify was seen, or the responder
	// answered but nothing was established.
	FindingNegotiationFailed = "NEGOTIATION_FAILED"
	// FindingIKEFragmentsLost: an IKE message arrived in fragments (IKE
	// fragment payloads or IP fragments) and never completed.
	FindingIKEFragmentsLost = "IKE_FRAGMENTS_LOST"
	// FindingOneWayESP: ESP flowed in one direction only.
	FindingOneWayESP = "ONE_WAY_ESP"
	// FindingTrafficGap: one side's clear traffic went unanswered for at
	// least analyzer.Options.GapThreshold, with retransmissions, and no
	// IPsec pattern explains it. Idle pauses (nobody sending) are never
	// reported. A problem on a pair that speaks IPsec; informational on a
	// pair with no IKE and no ESP at all, where it says nothing about
	// IPsec (peer-to-peer traffic is often left unanswered).
	FindingTrafficGap = "TRAFFIC_GAP"
	// FindingHostLogContradicts: a host's own log and the capture
	// disagree about the pair: the log shows an SA established inside an
	// outage in which the capture sees none, or a negotiation failure
	// while the capture shows ESP flowing both ways (analyzer/hostside.go
	// defines it precisely). One of them is not what it seems: another
	// host's log, a clock offset estimated wrong, or a capture point that
	// misses traffic.
	FindingHostLogContradicts = "HOST_LOG_CONTRADICTS"
)

// Verdict codes, the JSON's pair "verdict". A pair gets exactly one, the
// most specific that applies, tried in this order.
const (
	// VerdictKB977526: the pair has the KB 977526 loop.
	VerdictKB977526 = "kb977526"
	// VerdictHealthyIPsec: a negotiation reached an SA, or ESP flowed both
	// ways.
	VerdictHealthyIPsec = "healthy-ipsec"
	// VerdictNoCommunication: ESP in one direction only, or negotiations
	// that reach no SA while the initiator's clear traffic is never
	// answered.
	VerdictNoCommunication = "no-communication"
	// VerdictClearOnly: clear traffic and no IKE at all.
	VerdictClearOnly = "clear-only"
	// VerdictFallbackToClear: clear traffic flowed after a negotiation
	// that reached no SA (a soft SA outside any KB 977526 cycle).
	VerdictFallbackToClear = "fallback-to-clear"
	// VerdictNegotiationFail: a negotiation failed with an error notify,
	// or was answered and never established.
	VerdictNegotiationFail = "negotiation-failed"
	// VerdictNoIKEResponse: IKE from one side only.
	VerdictNoIKEResponse = "no-ike-response"
	// VerdictInconclusive: the capture cannot separate the candidate
	// diagnoses: it ends before IKE could have given up (about a minute
	// into a negotiation, as long as a KB 977526 outage), or it shows the
	// pair in one direction only. Pair.Reason says why; every problem
	// finding of the pair stays below 0.5 confidence.
	VerdictInconclusive = "inconclusive"
)

// Severity says how much a finding or a verdict needs attention.
type Severity uint8

// Severities. Findings are problems or informational; verdicts use all
// four.
const (
	// SeverityProblem: something to fix. A problem finding makes softsa
	// exit with 1.
	SeverityProblem Severity = iota + 1
	// SeverityInfo: expected behaviour, said for context (FALLBACK_OK).
	SeverityInfo
	// SeverityHealthy: IPsec works.
	SeverityHealthy
	// SeverityNeutral: nothing to judge (no IPsec between the pair).
	SeverityNeutral
)

// FindingKind is one finding of the catalog.
type FindingKind struct {
	ID string
	// Title names the finding in a heading: "One-way ESP".
	Title string
	// Plain says what happened in words a customer reads: "encrypted
	// traffic flowed in one direction only".
	Plain    string
	Severity Severity
	// WithoutIPsec, when set, is the severity on a pair with no IKE and no
	// ESP at all (TRAFFIC_GAP there is informational).
	WithoutIPsec Severity
}

// VerdictKind is one verdict of the catalog.
type VerdictKind struct {
	Code string
	// Label names the verdict for people: "no IKE response".
	Label string
	// Rank orders verdicts by how much a support engineer needs to look,
	// from 0 (the KB 977526 loop); renderers sort and colour by it.
	Rank     int
	Severity Severity
}

var findings = []FindingKind{
	{FindingKB977526, "KB 977526 fallback-to-clear loop", "the connection was lost again and again", SeverityProblem, 0},
	{FindingNoCommunication, "No communication", "the hosts could not communicate at all", SeverityProblem, 0},
	{FindingNoIKEResponse, "No IKE response", "the peer never answered IPsec negotiation", SeverityProblem, 0},
	{FindingNegotiationFailed, "IPsec negotiation failed", "the IPsec negotiation failed", SeverityProblem, 0},
	{FindingIKEFragmentsLost, "IKE fragments lost", "large IPsec negotiation messages were lost", SeverityProblem, 0},
	{FindingOneWayESP, "One-way ESP", "encrypted traffic flowed in one direction only", SeverityProblem, 0},
	{FindingTrafficGap, "Unanswered traffic", "traffic went unanswered for a long time", SeverityProblem, SeverityInfo},
	{FindingFallbackSlow, "Slow fallback to clear", "the fallback to clear text was slow", SeverityProblem, 0},
	{FindingHostLogContradicts, "Host log contradicts the capture", "the host's own log and the capture disagree", SeverityProblem, 0},
	{FindingFallbackOK, "Fallback to clear (as designed)", "the connection fell back to clear text as designed", SeverityInfo, 0},
}

// verdicts is in rank order: Rank is the index.
var verdicts = []VerdictKind{
	{VerdictKB977526, "KB 977526 loop", 0, SeverityProblem},
	{VerdictNoCommunication, "no communication", 1, SeverityProblem},
	{VerdictNegotiationFail, "negotiation failed", 2, SeverityProblem},
	{VerdictNoIKEResponse, "no IKE response", 3, SeverityProblem},
	{VerdictInconclusive, "inconclusive", 4, SeverityInfo},
	{VerdictFallbackToClear, "fallback to clear", 5, SeverityInfo},
	{VerdictHealthyIPsec, "healthy IPsec", 6, SeverityHealthy},
	{VerdictClearOnly, "clear only", 7, SeverityNeutral},
}

// Findings returns the findings catalog, problems first.
func Findings() []FindingKind { return slices.Clone(findings) }

// Verdicts returns the verdicts catalog in rank order.
func Verdicts() []VerdictKind { return slices.Clone(verdicts) }

// FindingOf looks id up in the catalog; ok is false for an ID it does not
// hold (one from a newer softsa), which the caller names as it is.
func FindingOf(id string) (k FindingKind, ok bool) {
	for _, k := range findings {
		if k.ID == id {
			return k, true
		}
	}
	return FindingKind{}, false
}

// VerdictOf looks code up in the catalog; ok is false for a code it does
// not hold.
func VerdictOf(code string) (k VerdictKind, ok bool) {
	for _, k := range verdicts {
		if k.Code == code {
			return k, true
		}
	}
	return VerdictKind{}, false
}

// Finding severities as the JSON's finding "severity" names them.
const (
	FindingSeverityProblem = "problem"
	FindingSeverityInfo    = "info"
)

// NewFinding starts a finding of the catalog's kind id on a pair that
// speaks IPsec, with the catalog's severity: the JSON carries it with each
// finding ("severity", and "informational" when informational).
func NewFinding(id string) Finding {
	k, _ := FindingOf(id)
	return findingOf(id, k.Severity)
}

// NewFindingWithoutIPsec starts a finding of kind id on a pair with no IKE
// and no ESP at all: the catalog's WithoutIPsec severity when it has one.
func NewFindingWithoutIPsec(id string) Finding {
	k, _ := FindingOf(id)
	if k.WithoutIPsec != 0 {
		return findingOf(id, k.WithoutIPsec)
	}
	return findingOf(id, k.Severity)
}

func findingOf(id string, s Severity) Finding {
	if s == SeverityInfo {
		return Finding{ID: id, Severity: FindingSeverityInfo, Informational: true}
	}
	return Finding{ID: id, Severity: FindingSeverityProblem}
}

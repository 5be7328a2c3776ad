package result

// The findings catalog. IDs are a public interface, like the JSON fields.
const (
	// FindingKB977526: the fallback-to-clear loop of KB 977526 (see
	// kb977526.go).
	FindingKB977526 = "KB977526"
	// FindingFallbackOK: informational; clear traffic flowed within
	// FallbackMax of a negotiation that did not establish — the designed
	// fallback to clear (about 0.5 s when the XP/2003 side starts, about
	// 3 s to a host that does not speak IPsec).
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
	// least GapThreshold, with retransmissions, and no IPsec pattern
	// explains it. Idle pauses (nobody sending) are never reported.
	FindingTrafficGap = "TRAFFIC_GAP"
)

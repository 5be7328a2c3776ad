package analyzer

import "softsa/analyzer/result"

// verdict is the pair's one verdict: the most specific that its facts
// allow.
func verdict(f *facts) string {
	switch {
	case len(f.cycles) > 0:
		return result.VerdictKB977526
	case f.ipsec:
		return result.VerdictHealthyIPsec
	case f.esp:
		// ESP one way only and no negotiation seen completing: nothing
		// comes back.
		return result.VerdictNoCommunication
	case !f.negotiated:
		return result.VerdictClearOnly
	case f.noComm:
		return result.VerdictNoCommunication
	case f.fallback:
		return result.VerdictFallbackToClear
	case f.failed:
		return result.VerdictNegotiationFail
	}
	return result.VerdictNoIKEResponse
}

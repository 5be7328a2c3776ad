package synth

// Mode is what happens between two hosts, derived from their policies.
type Mode int

// Modes.
const (
	ModeClear         Mode = iota // no IPsec on either side: clear traffic
	ModeHealthy                   // IKE completes, ESP carries the traffic
	ModeKB977526                  // the KB's loop: ~60 s outage, soft SA, expiry, again
	ModeFallback                  // XP/2003 → Vista: clear after FallbackReverse
	ModeFallbackPeer              // fallback host → non-IPsec peer: clear after FallbackNonIPsec
	ModeNoComm                    // negotiation fails, clear never answered
	ModeIKEBlocked                // no reply to IKE at all
	ModeNegFailed                 // the responder refuses with a notify
	ModeFragmentsLost             // the fragmented certificate message never arrives
	ModeIKEv2Stopped              // IKEv2 IKE_SA_INIT redirected or abandoned: nothing follows
)

// Classify derives what happens when init starts traffic to resp, as the KB
// and MS-IKEE describe it. It is the generator's single source of truth: the
// packets and the expected verdict both follow from its answer.
func Classify(init, resp *Host, p *Pair) Mode {
	switch p.Fault {
	case FaultIKEBlocked:
		return ModeIKEBlocked
	case FaultNoProposal, FaultAuthFailed, FaultInvalidCert:
		return ModeNegFailed
	case FaultFragmentsLost:
		return ModeFragmentsLost
	case FaultIKEv2Redirect, FaultIKEv2Abandoned:
		return ModeIKEv2Stopped
	}
	ip, rp := init.Policy, resp.Policy
	switch {
	case p.Exempt:
		return ModeClear
	case !ip.IPsec && !rp.IPsec:
		return ModeClear
	case !ip.IPsec:
		// The initiator sends in the clear; a responder that accepts
		// unsecured communication answers it, one that requires IPsec drops.
		if rp.Fallback {
			return ModeClear
		}
		return ModeNoComm
	case !rp.IPsec:
		if ip.Fallback {
			return ModeFallbackPeer
		}
		return ModeNoComm
	}
	// Both sides ask for IPsec.
	if p.Protocol == ProtoIKEv2 || (ip.ValidCert && rp.ValidCert) ||
		(init.Release.VistaOrLater() && resp.Release.VistaOrLater()) {
		return ModeHealthy
	}
	if init.Release.VistaOrLater() && !ip.ValidCert && resp.Release.Legacy() && rp.Fallback {
		if rp.IKEFlags == 0x14 {
			return ModeKB977526
		}
		return ModeNoComm
	}
	if init.Release.Legacy() && ip.Fallback && resp.Release.VistaOrLater() {
		return ModeFallback
	}
	return ModeNoComm
}

// Verdict returns the verdict string of softsa's vocabulary for the mode.
func (m Mode) Verdict() string {
	switch m {
	case ModeHealthy:
		return "healthy-ipsec"
	case ModeKB977526:
		return "kb977526"
	case ModeFallback, ModeFallbackPeer:
		return "fallback-to-clear"
	case ModeNoComm:
		return "no-communication"
	case ModeIKEBlocked:
		return "no-ike-response"
	case ModeNegFailed, ModeFragmentsLost:
		return "negotiation-failed"
	case ModeIKEv2Stopped:
		// Nothing failed: the initiator went elsewhere or did not go on, and
		// the capture cannot say whether traffic was meant to follow.
		return "inconclusive"
	}
	return "clear-only"
}

// Findings returns the finding ids softsa must report for the mode.
func (m Mode) Findings() []string {
	switch m {
	case ModeKB977526:
		return []string{"KB977526"}
	case ModeFallback, ModeFallbackPeer:
		return []string{"FALLBACK_OK"}
	case ModeNoComm:
		return []string{"NO_COMMUNICATION"}
	case ModeIKEBlocked:
		return []string{"NO_IKE_RESPONSE"}
	case ModeNegFailed:
		return []string{"NEGOTIATION_FAILED"}
	case ModeFragmentsLost:
		return []string{"NEGOTIATION_FAILED", "IKE_FRAGMENTS_LOST"}
	}
	return []string{}
}

// notifyName returns the IKEv1 notify name a faulty pair's responder sends.
func (f Fault) notifyName() string {
	switch f {
	case FaultNoProposal:
		return "NO-PROPOSAL-CHOSEN"
	case FaultAuthFailed:
		return "AUTHENTICATION-FAILED"
	case FaultInvalidCert:
		return "INVALID-CERTIFICATE"
	case FaultIKEv2Cookie:
		return "COOKIE"
	case FaultIKEv2InvalidKE:
		return "INVALID_KE_PAYLOAD"
	case FaultIKEv2Redirect:
		return "REDIRECT"
	}
	return ""
}

// notifyType returns the RFC 2408 §3.14.1 notify message type for the fault.
func (f Fault) notifyType() uint16 {
	switch f {
	case FaultNoProposal:
		return 14
	case FaultAuthFailed:
		return 24
	case FaultInvalidCert:
		return 20
	}
	return 0
}

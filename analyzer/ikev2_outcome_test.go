package analyzer

import (
	"math/rand/v2"
	"slices"
	"testing"

	"softsa/analyzer/result"
	"softsa/decoders/ike"
)

// TestIKEv2Outcomes: a COOKIE or INVALID_KE_PAYLOAD answer and the
// initiator's retry are one negotiation; an IKE_SA_INIT answered and not
// continued is abandoned, not failed; REDIRECT is listed by name and is
// its own outcome; none of them is NEGOTIATION_FAILED, and the status
// notify is listed. With IKE_AUTH after the retry it is established.
func TestIKEv2Outcomes(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	a, b := addr("10.16.0.1"), addr("10.16.0.2")
	for _, tc := range []struct {
		name    string
		notify  uint16 // 0: none
		auth    bool   // IKE_AUTH follows
		outcome string
		verdict string
		names   []string
	}{
		{"cookie, abandoned", notifyCookie, false, result.OutcomeAbandoned, result.VerdictInconclusive, []string{"COOKIE"}},
		{"invalid KE, abandoned", notifyInvalidKE, false, result.OutcomeAbandoned, result.VerdictInconclusive, []string{"INVALID_KE_PAYLOAD"}},
		{"cookie, established", notifyCookie, true, result.OutcomeEstablished, result.VerdictHealthyIPsec, []string{"COOKIE"}},
		{"plain, abandoned", 0, false, result.OutcomeAbandoned, result.VerdictInconclusive, nil},
		{"redirect", notifyRedirect, false, result.OutcomeRedirected, result.VerdictInconclusive, []string{"REDIRECT"}},
	} {
		s := newStream(t)
		ispi, rspi := spi8(rng), spi8(rng)
		var zero [8]byte
		at := 1.0
		s.ike(at, a, b, ikeBytes(0x20, ispi, zero, ike.ExchangeSAInit, ike.FlagInitiator, 0, plNonce(rng, 32)))
		if tc.notify != 0 {
			s.ike(at+0.01, b, a, ikeBytes(0x20, ispi, zero, ike.ExchangeSAInit, ike.FlagResponse, 0, plNotifyV2(tc.notify)))
			if tc.notify == notifyRedirect {
				goto done
			}
			at += 0.02
			s.ike(at, a, b, ikeBytes(0x20, ispi, zero, ike.ExchangeSAInit, ike.FlagInitiator, 0, plNotifyV2(notifyCookie), plNonce(rng, 32)))
		}
		s.ike(at+0.01, b, a, ikeBytes(0x20, ispi, rspi, ike.ExchangeSAInit, ike.FlagResponse, 0, plNonce(rng, 32)))
		if tc.auth {
			s.ike(at+0.02, a, b, ikeBytes(0x20, ispi, rspi, ike.ExchangeAuth, ike.FlagInitiator, 1, payload{ike.PayloadEncrypted, plNonce(rng, 80).body}))
			s.ike(at+0.03, b, a, ikeBytes(0x20, ispi, rspi, ike.ExchangeAuth, ike.FlagResponse, 1, payload{ike.PayloadEncrypted, plNonce(rng, 80).body}))
		}
	done:
		s.udp(200, addr("10.16.9.1"), addr("10.16.9.2"), 1000, 2000, 10) // the capture goes on: IKE had time
		r := s.run(Options{})
		p := findPair(r, a, b)
		if p == nil || len(p.Negotiations) != 1 {
			t.Fatalf("%s: %+v, want one negotiation", tc.name, p)
		}
		n := p.Negotiations[0]
		if n.Outcome != tc.outcome || p.Verdict != tc.verdict || !slices.Equal(n.Notify, tc.names) && len(tc.names) > 0 {
			t.Errorf("%s: outcome %s, verdict %s, notify %v; want %s, %s, %v", tc.name, n.Outcome, p.Verdict, n.Notify, tc.outcome, tc.verdict, tc.names)
		}
		for _, f := range p.Findings {
			if f.ID == result.FindingNegotiationFailed {
				t.Errorf("%s: %s", tc.name, f.Summary)
			}
		}
	}
}

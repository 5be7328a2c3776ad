package synth

import "time"

// Timers are the durations that shape a pair's behaviour. Each field says
// where its default comes from; the samples' README repeats it, because a
// golden verdict is only as good as the timings behind it.
type Timers struct {
	// IKERetry is the delay before each transmission of an unanswered IKE
	// message: 0, 1, 2, 4, 8, 16, 32 s. Sourced: ike-scan's backoff table for
	// Windows (domain.md); 63 s in all, the KB's "one minute".
	IKERetry []time.Duration
	// IKEGiveUp is how long after the last retransmission IKE declares the
	// negotiation failed. Guess.
	IKEGiveUp time.Duration
	// SoftSALifetime is how long clear traffic is admitted once a soft SA is
	// in place. Guess: the KB says "several minutes" and no public document
	// gives the number.
	SoftSALifetime time.Duration
	// FallbackReverse is how long an XP/2003 initiator waits before sending in
	// the clear to a Vista peer. Sourced: KB 977526 ("500 ms").
	FallbackReverse time.Duration
	// FallbackNonIPsec is how long an XP/2003 host waits for a peer that
	// ignores IKE before sending in the clear. domain.md: about 3 s,
	// unverified.
	FallbackNonIPsec time.Duration
	// SYNRetry is the delay before each SYN of a connection attempt and
	// SYNGiveUp the wait after the last one: Windows' 3 s initial RTO doubled,
	// two retransmissions (TcpMaxConnectRetransmissions default 2), so SYNs
	// at 0, 3 and 9 s and failure at 21 s. Documented Windows TCP defaults.
	SYNRetry  []time.Duration
	SYNGiveUp time.Duration
	// DataRTO is the first retransmission timeout of a data segment, doubled
	// each time, for at most MaxDataRetrans retransmissions
	// (TcpMaxDataRetransmissions default 5). The 300 ms floor is Vista's
	// minimum RTO on a LAN; the exact value on the KB's hosts is a guess.
	DataRTO        time.Duration
	MaxDataRetrans int
	// Reconnect is how long the SMB client waits before a new connection once
	// the previous one failed. Guess.
	Reconnect time.Duration
	// RTT is the round-trip time between the two hosts. Chosen per scenario.
	RTT time.Duration
	// NATKeepalive is the NAT-T keepalive period. Windows' default is 20 s
	// (RFC 3948 suggests 20 s).
	NATKeepalive time.Duration
}

// DefaultTimers are the timers a Pair gets for its zero fields.
var DefaultTimers = Timers{
	IKERetry: []time.Duration{0, 1 * time.Second, 2 * time.Second, 4 * time.Second,
		8 * time.Second, 16 * time.Second, 32 * time.Second},
	IKEGiveUp:        700 * time.Millisecond,
	SoftSALifetime:   5 * time.Minute,
	FallbackReverse:  500 * time.Millisecond,
	FallbackNonIPsec: 3 * time.Second,
	SYNRetry:         []time.Duration{0, 3 * time.Second, 6 * time.Second},
	SYNGiveUp:        12 * time.Second,
	DataRTO:          300 * time.Millisecond,
	MaxDataRetrans:   5,
	Reconnect:        1 * time.Second,
	RTT:              600 * time.Microsecond,
	NATKeepalive:     20 * time.Second,
}

// withDefaults returns t with its zero fields taken from DefaultTimers.
func (t Timers) withDefaults() Timers {
	d := DefaultTimers
	if t.IKERetry == nil {
		t.IKERetry = d.IKERetry
	}
	if t.IKEGiveUp == 0 {
		t.IKEGiveUp = d.IKEGiveUp
	}
	if t.SoftSALifetime == 0 {
		t.SoftSALifetime = d.SoftSALifetime
	}
	if t.FallbackReverse == 0 {
		t.FallbackReverse = d.FallbackReverse
	}
	if t.FallbackNonIPsec == 0 {
		t.FallbackNonIPsec = d.FallbackNonIPsec
	}
	if t.SYNRetry == nil {
		t.SYNRetry = d.SYNRetry
	}
	if t.SYNGiveUp == 0 {
		t.SYNGiveUp = d.SYNGiveUp
	}
	if t.DataRTO == 0 {
		t.DataRTO = d.DataRTO
	}
	if t.MaxDataRetrans == 0 {
		t.MaxDataRetrans = d.MaxDataRetrans
	}
	if t.Reconnect == 0 {
		t.Reconnect = d.Reconnect
	}
	if t.RTT == 0 {
		t.RTT = d.RTT
	}
	if t.NATKeepalive == 0 {
		t.NATKeepalive = d.NATKeepalive
	}
	return t
}

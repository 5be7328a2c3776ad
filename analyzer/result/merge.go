package result

// MergeInfo says how two captures of one conversation, taken on its two
// hosts, were put on one timeline (softsa --merge), and for each outage
// where the unanswered packets were lost: the one thing neither capture
// tells alone.
type MergeInfo struct {
	Files []string `json:"files"`
	// Hosts are the addresses the two captures were taken on, in the order
	// of Files ("" when the timing could not tell).
	Hosts []string `json:"hosts"`
	// OffsetSeconds is the second capture's clock minus the first's; its
	// frames were moved by it onto the first capture's clock.
	OffsetSeconds float64 `json:"offset_seconds"`
	// LatencySeconds is the one-way network delay between the two capture
	// points, from the difference between the two directions.
	LatencySeconds float64 `json:"latency_seconds"`
	// MatchedPackets counts the packets found in both captures; each is in
	// the merged timeline once.
	MatchedPackets int           `json:"matched_packets"`
	Outages        []MergeOutage `json:"outages"`
}

// MergeOutage tells, for one outage, where the sender's unanswered clear
// packets ended up.
type MergeOutage struct {
	Start Time   `json:"start"`
	End   Time   `json:"end"`
	From  string `json:"from"`
	To    string `json:"to"`
	// ReachedReceiver counts the sender's packets the receiver's capture
	// holds too; OnlyAtSender those it never saw.
	ReachedReceiver int `json:"reached_receiver"`
	OnlyAtSender    int `json:"only_at_sender"`
	// DroppedBy is "receiver" (the packets arrived and the receiver did not
	// answer them: an IPsec policy dropping clear traffic, as in KB 977526),
	// "network" (they never arrived) or "unknown".
	DroppedBy string `json:"dropped_by"`
	What      string `json:"what"`
}

package synth

import "time"

// Expected is the golden verdict of one sample, written beside it as
// NAME.expected.json; softsa's analyzer test compares its output with it.
type Expected struct {
	Scenario    string         `json:"scenario"`
	File        string         `json:"file"`
	Description string         `json:"description"`
	Pairs       []ExpectedPair `json:"pairs"`
}

// ExpectedPair is the verdict for one pair of hosts. Outages and SoftSAs are
// filled for kb977526 pairs only and are empty arrays otherwise.
type ExpectedPair struct {
	Initiator string   `json:"initiator"`
	Responder string   `json:"responder"`
	Verdict   string   `json:"verdict"`
	Findings  []string `json:"findings"`
	Notify    string   `json:"notify,omitempty"`
	Outages   []Span   `json:"outages"`
	SoftSAs   []Span   `json:"soft_sas"`
}

// Span is a time interval of the capture; times are UTC RFC 3339 with
// nanoseconds (microsecond precision, as in the capture), as the capture
// stamps them; Seconds is its real length, which a clock step inside it
// does not shorten.
type Span struct {
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Seconds float64   `json:"seconds"`
}

// Package analyzer turns decoded frames into a diagnosis: for every pair of
// hosts, what IPsec did between them, and whether it is the "fallback to
// clear" loop of Microsoft KB 977526.
//
// # Model
//
// A pair is an unordered address pair. Its initiator is the side that
// started its first IKE negotiation, or without IKE the side of the first
// TCP SYN, or else of the first packet; in a KB 977526 pair it is the side
// whose traffic is not answered. Time comes only from capture timestamps.
//
// A negotiation is every ISAKMP message of one (pair, family, initiator SPI):
// IKEv1, Microsoft AuthIP or IKEv2, with its exchanges, retransmissions and
// outcome (established, failed with a notify, no-response, incomplete). See
// ike.go for how messages are paired and what counts as a retransmission.
//
// A hard SA is an ESP SPI in one direction, as the wire shows it. A soft SA
// is the state in which Windows lets clear traffic through after a
// negotiation failed: softsa infers it from clear traffic that is answered
// after a negotiation that did not establish, until the next outage (see
// sa.go).
//
// Clear traffic is followed per side as "runs": from a packet that expects
// an answer until the other side says anything. Runs shorter than ten
// seconds vanish; longer ones are kept as gaps with copies of the pair's
// counters at both ends, which is how an outage knows whether ESP flowed or
// a negotiation completed inside it without any per-frame list (see
// traffic.go). An outage is such a run: the initiator sends clear packets
// and nothing comes back from the responder. Memory therefore grows with
// the number of pairs and of outages, never with the number of frames.
// Every list kept per pair is capped, and what all pairs keep of their
// history (negotiations, ESP SAs, gaps) is charged against one budget of
// 24 MiB (historyBudget); a cap or the budget reached is a warning in the
// result, and from then on events are counted but not recorded: memory
// stops growing once the budget is spent, however long the capture.
//
// # The KB 977526 pattern
//
// The Vista/2008 initiator A, without a valid certificate, talks to the
// XP/2003 responder B, which falls back to clear. Each cycle: A's clear
// traffic goes unanswered for about a minute (A retransmits) while A
// negotiates without reaching an SA; then clear traffic flows both ways with
// no ESP (the soft SA) for minutes; the soft SA expires, and the loop starts
// again. kb977526.go matches it: outages inside Options.OutageWindow with
// IKE from A inside or just before them, no SA and no ESP, each followed by
// a soft SA. When the initiator's IPsec layer holds its packets instead of
// sending them, the outage is inferred from the negotiation: a minute of
// IKE with no clear packet of the initiator at all, then clear traffic that
// flows. Confidence grows with the number of cycles, outages near a minute,
// regular soft SA lifetimes, the Windows releases the vendor IDs announce,
// and retransmissions in every outage. One cycle alone is reported below
// 0.5.
//
// The contrasts the matcher must not mistake for it: healthy IPsec (ESP
// carries the traffic), a working fallback (clear within seconds:
// FALLBACK_OK), a pair that cannot communicate at all (NO_COMMUNICATION),
// and idle pairs, whose pauses have nobody sending and so are no outage.
//
// # From state to result
//
// Everything above is state kept frame by frame (analyze.go holds the
// loop); nothing is judged until the capture ends. Then finish (finish.go)
// closes the runs still open and names the pairs that hit a cap, in pair
// order, and decides the pairs, several at once, each in three steps:
// factsOf (facts.go) gathers what was seen (the initiator, the KB cycles,
// the soft SAs, whether IPsec ever worked, whether the initiator can
// communicate at all); the rules (rules.go, and kb977526.go for the loop)
// turn the facts into findings, each with its evidence and Wireshark filter
// (evidence.go); verdict (verdict.go) picks the pair's one verdict from the
// facts. A pair's two ends are sides (pair.go): sideLo for the lower
// address, sideHi for the other, noSide where none applies.
//
// # Use
//
// Analyze reads a whole capture and returns a result.CaptureResult: the
// JSON contract of DESIGN.md, with the catalog of findings and verdicts, in
// package result, which the reports render without depending on this
// package.
package analyzer

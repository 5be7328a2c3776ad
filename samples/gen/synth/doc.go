// Package synth writes packet captures whose truth is known: softsa's sample
// captures and the expected verdicts beside them.
//
// A Scenario is a declarative value: hosts (Windows release, IPsec policy,
// vendor IDs), pairs of hosts with the traffic they carry, capture interfaces,
// file format, start time and timers. Generate turns it into capture bytes and
// an Expected value. What happens between two hosts is not written in the
// scenario: it follows from their policies (see Classify), the way it does
// between real Windows hosts, so a scenario cannot claim a KB 977526 loop
// between hosts that would not produce one.
//
// Every packet is serialized with gopacket (lengths and checksums computed),
// TCP sequence numbers are tracked exactly, ISAKMP, SMB1, SMB2, DNS and HTTP
// messages are built field by field, and encrypted parts are random bytes of
// the length the plaintext would have. Randomness comes only from math/rand/v2
// PCG streams seeded by the scenario, time only from Scenario.Start: the same
// scenario always gives the same bytes.
package synth

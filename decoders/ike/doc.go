// Package ike decodes ISAKMP messages: IKEv1 (RFC 2408, RFC 2409),
// Microsoft AuthIP ([MS-AIPS]) and IKEv2 (RFC 7296), as softsa needs them
// to follow negotiations, and names what it finds as Wireshark does.
//
// Two ways in. Summary.Parse reads everything the analyzer needs from one
// message in one call: header, family, payload, notify and delete lists,
// vendor IDs, fragments, the first proposal's facts (summary.go). Parser
// walks the payload chain itself, in the style of
// golang.org/x/net/dns/dnsmessage: Start reads the 28-byte header
// (header.go), Next returns one payload at a time as a sub-slice of the
// message (parser.go), and typed accessors decode the current payload
// (payloads.go), the SA payload through proposal, transform and attribute
// iterators (proposals.go). names.go names exchanges, payloads and notify
// types; vendorid.go names vendor IDs and tells the Windows release one
// announces.
//
// Messages are hostile input. Every length is checked against the bytes
// present before it is used to slice, a message longer than its header
// Length is cut to it, and chains are bounded (MaxPayloads payloads,
// proposals, transforms or attributes), so that a crafted message cannot
// make a walker loop or allocate. Errors wrap the sentinel errors all the
// walkers under decoders share (decoders.ErrTruncated, ErrBadLength,
// ErrTooMany, ErrNotFound; ErrDone ends a walk) with the context that
// failed ("isakmp payload 3 (Vendor ID): length 2 below 4: bad length"):
// what a person debugging a capture needs.
//
// Nothing allocates on valid input, Summary.Parse included: the summary
// keeps fixed arrays, every slice points into the message, and names are
// constant strings (an unknown notify type or vendor ID is the one
// exception). Errors are built with fmt.Errorf, one small allocation, only
// when the input is malformed.
//
// Numbers verified for this package:
//   - AuthIP private exchange types, [MS-AIPS] (learn.microsoft.com,
//     openspecs/windows_protocols/ms-aips): 243 main mode (§3.2.4 "the exchange
//     type MUST be 243 (main mode exchange type)"), 244 quick mode (§3.4.5.1
//     "243 ... for the first quick mode exchange under this main mode or 244
//     (quick mode exchange type) for any subsequent"), 245 extended mode
//     (§3.7.5.1 "MUST be 245 (EM exchange type)"), 246 notify (§3.1.7.2 "MUST
//     be 246 (NOTIFY exchange type)").
//   - AuthIP private payloads, [MS-AIPS] §2.2.3: 0x81 GSS-API token, 0x85
//     Crypto, 0x86 GSS-API endpoint name (GSS_ID), 0x87 Auth. §2.2.3.5: in a
//     Notify payload of an AuthIP exchange the IKEv1 SPI-size byte is a Flags
//     field (0x01 RELIABLE_NOTIFY_FLAG) and there is no SPI.
//   - Microsoft private notify types, [MS-IKEE] §2.2.6 and [MS-AIPS]
//     §2.2.3.5: 0x9C43 NOTIFY_STATUS, 0x9C44 NOTIFY_DOS_COOKIE, 0x9C45
//     EXCHANGE_INFO.
//   - Payload, exchange and notify names: Wireshark 4.0.17 packet-isakmp.c as
//     dumped by `tshark -G values` on this machine (TestNamesMatchTshark).
//
// What tshark lists for a message, exceptions and all, is not this
// package's concern: softsa dump models it (dump/wireshark.go).
package ike

// Package smb walks the SMB messages in one TCP segment of port 445 or 139:
// NetBIOS session service framing (nbss.go), then SMB1 with its AndX chains
// (smb1.go), SMB2/3 with its compounds (smb2.go), and the SMB3 transform
// and SMB 3.1.1 compression headers (transform.go). It does no TCP
// reassembly: softsa only needs what the first segment of each message says
// (command, ids, status, a few request fields), and keeping it per segment
// keeps the walker stateless. Stream (stream.go) is the one piece of state
// a caller keeps per direction of a connection, two sequence numbers, to
// find where the messages start in the segments that continue one.
//
// Parser follows golang.org/x/net/dns/dnsmessage: Start, then Next (or
// NextInto) until decoders.ErrDone, each Message a view into the segment
// with the fields its kind defines and the command-specific ones Fields
// says were decoded (message.go). names.go names commands, dialects and NT
// status values as MS-SMB2, MS-CIFS and Wireshark do.
//
// Segments are hostile input. Every offset and length from the wire is
// checked as an int against the bytes present before it is used to slice;
// compound chains must move forward by at least a header, AndX chains are
// bounded and must move forward, and one segment yields at most MaxMessages
// messages, so that a crafted segment cannot make the walker loop. Errors
// wrap the sentinel errors of package decoders (errors.go holds the
// walker's own, built once); an error about one message is returned once
// and the walk goes on with the next PDU, an error about the NBSS framing
// ends it.
//
// Nothing allocates, errors included: they are built once, because the
// continuation segments that make up most of a file copy each end in one.
// The analyzer walks every segment of port 445 with one Parser and
// NextInto, which decodes into the caller's message instead of copying a
// few hundred bytes out per call.
package smb

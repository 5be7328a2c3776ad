// Package decoders turns the frames of a capture into messages: the link
// and IP layers with IP reassembly, TCP, UDP, ESP and NAT-T on UDP 4500,
// down to the application bytes softsa cares about (an ISAKMP message, an
// ESP packet, an SMB segment), which the protocol packages below it walk.
//
// The packages under decoders, each with one job:
//
//   - decoders/capture turns a file into frames: pcap, pcapng, NetMon 2.x,
//     gzip, ring-buffer chains, and the one Sniff of the capture magic.
//   - decoders (this package) turns a frame into a Message (frame.go, with
//     the fast path in fast.go, 802.11 and radiotap data frames in
//     dot11.go, reassembly in defrag.go, ESP and NAT-T in esp.go and
//     natt.go), and reads and decodes a capture ahead of its
//     consumer on a goroutine of its own (readahead.go). Walk does both for
//     a whole file.
//   - decoders/etl reads the packets of an ETL file (netsh trace, pktmon)
//     for decoders/capture: buffers, compressed through
//     decoders/internal/lz77, records, events, copies folded, time order.
//   - decoders/ike walks ISAKMP messages (IKEv1, AuthIP, IKEv2) and names
//     what it finds; decoders/smb walks the SMB messages of a TCP segment.
//
// The import direction is one way: decoders imports capture; ike and smb
// import decoders for nothing but the sentinel errors every walker wraps
// (errors.go), so that a caller tests errors.Is(err, decoders.ErrDone)
// whatever it walked; nothing here imports the analyzer.
//
// The package is stateless apart from IP fragment reassembly: it knows
// nothing of host pairs, time or diagnosis. A Decoder fills a reused
// Message whose byte slices point into the frame buffer (or the reassembly
// buffer) and are valid only until the next frame; a ReadAhead hands out
// messages that stay valid until the next call of its Next.
//
// Frames are hostile input. Every length read from the wire is checked
// against the bytes actually present before it is used to slice, and no
// length from the wire is ever used to size an allocation. The reassembler
// is bounded in every direction a capture could push it: a fixed number of
// datagrams in flight, of pieces per datagram, 64 KiB per datagram, and a
// timeout in capture time (defrag.go).
//
// Everything on the per-frame path is allocation free. The common shape, an
// unfragmented IPv4 frame over Ethernet, Linux cooked capture or raw IP, is
// decoded without the layer parser (fast.go); everything else goes through
// gopacket's DecodingLayerParser, which stays the reference: tests compare
// both paths frame by frame (TestFastPathMatchesParser, FuzzFastPath).
// NewReadAhead reads and decodes a capture on a goroutine of its own, so
// that reading and analysing overlap on two cores: it holds the capture
// (capture.Capture.Hold), so that frames are handed over without a copy, in
// batches recycled through a small ring.
package decoders

// Package decoders reads capture files and decodes the wire formats softsa
// cares about: link and IP layers, ISAKMP (IKEv1, Microsoft AuthIP, IKEv2),
// NAT-T on UDP 4500, ESP and SMB over NetBIOS.
//
// The package is stateless apart from IP fragment reassembly: it knows
// nothing of host pairs, time or diagnosis. Everything on the per-frame path
// is allocation free. [Decoder] fills a reused [Message] whose byte slices
// point into the frame buffer and are valid only until the next frame; the
// payload walkers ([IKEParser], [SMBParser]) follow the style of
// golang.org/x/net/dns/dnsmessage: a Parser over a byte slice, typed
// accessors, sentinel errors wrapped with context, and no allocation.
//
// The common shapes have fast paths: a pcap record or a pcapng enhanced
// packet block read in place from the read buffer (fastread.go), and an
// unfragmented IPv4 frame over Ethernet, Linux cooked capture or raw IP
// decoded without the layer parser (fast.go). Everything else goes through
// pcapgo and the DecodingLayerParser, which stay the reference: tests
// compare both paths frame by frame. [NewReadAhead] reads and
// decodes a capture on a goroutine of its own, so that reading and
// analysing overlap on two cores; the capture is then read through a window
// of recycled chunks (window.go) and frames are handed over without a copy.
//
// Captures are hostile input. Every length read from the wire is checked
// against the bytes actually present before it is used to slice, and no
// length from the wire is ever used to size an allocation.
package decoders

// Package capture turns capture files into frames: pcap, pcapng,
// Network Monitor 2.x and ETL (package etl), gzip-compressed or not (Open,
// NewCapture), and the files of a ring buffer read as one capture
// (NewChain). Every reader hands out Frames through the same Next,
// numbered as Wireshark numbers them; the decoders package turns each frame
// into a message. An ETL reader also has Warnings (a damaged buffer costs
// only that buffer) and ETLStats.
//
// What a file holds is told by its content, never by its name: Sniff reads
// the magic, for the readers here and for the folder walk that decides
// which files are captures, so that both agree on every format, including
// the ones recognised only to be refused with a message naming the format
// and how to convert it (NetMon 1.x, snoop, modified pcap, Sniffer,
// NetXRay, Observer).
//
// Captures are hostile input. A damaged or truncated file delivers every
// frame before the damage, then a *CaptureError naming the file, the frame
// and the byte offset. A pcapng file, which has no packet count, ends
// cleanly after any whole block: real writers end theirs with blocks that
// hold no packet (dumpcap an interface statistics block, tshark a name
// resolution block), and only a block the file cuts short is damage. Every length read from the file is checked against
// the bytes actually present before it is used to slice, records are
// bounded (a NetMon record to 256 KiB, a pcap record as pcapgo bounds it),
// and a NetMon frame table is read a chunk at a time, so that a length
// field claiming gigabytes costs nothing (worstcase_test.go).
//
// The fast paths. Nearly every record of a large capture is a classic pcap
// record or a pcapng enhanced packet block that lies whole in the read
// buffer: fastread.go reads those in place, without pcapgo's several small
// reads and copy, and leaves everything else to pcapgo, which reads from
// the same buffer and so stays the reference (TestFastReadMatchesPcapgo,
// FuzzFastRead). A reader that keeps frames beyond Next (the read-ahead
// pipeline) calls Hold first: the file is then read through a window of
// recycled chunks, filled by a goroutine of their own (window.go), and
// frames point into it until the holder Releases them (Mark, Release,
// Frame.Held). The per-frame path allocates nothing; the read buffer is
// 1 MiB, less for a small file.
package capture

// Package etl reads the packets of an Event Trace Log (.etl) file, what
// `netsh trace start capture=yes` and `pktmon start --capture` write on
// Windows, in pure Go and on any system. The format is undocumented; the
// layouts here follow the parsers and pages ../shared/windows-formats.md
// §1 names (Geoff Chappell's pages, dissect.etl, airbus etl-parser,
// super-speedy-syslog-searcher, microsoft/etl2pcapng), each cited where it
// is used, and were checked on the real pktmon capture of the corpus.
//
// A file is a sequence of buffers, each a 0x48-byte WMI_BUFFER_HEADER and
// its records, compressed with MS-XCA plain LZ77 when the buffer says so
// (decoders/internal/lz77). The first record of the first buffer is the
// logfile header, whose clock (QPC, system time or CPU cycles) turns every
// record's raw timestamp into UTC. Records are 8-byte aligned and of many
// header types; the EVENT_HEADER ones are manifest events, whose provider
// and event ID say what their user data holds:
//
//   - Microsoft-Windows-PktMon 160 (packet) and 170 (dropped packet, the
//     frame flagged Dropped with its DropReason): pktmon logs a packet once
//     per component it passes; the copies, same PktGroupId and PktNumber,
//     fold into the first (Stats.Folded).
//   - Microsoft-Windows-NDIS-PacketCapture 1001: fragments joined from
//     PacketStart to PacketEnd, link type and direction from the
//     keywords; the copy of a packet on another layer of the same miniport
//     folds into the first. 1003 (VMSwitch) the same way, its strings and
//     destination array stepped over, the source port and the VLAN of its
//     out-of-band 802.1Q info kept (Frame.Port, Frame.VLAN).
//   - the WFP capture provider (C22D1B14-…) 60011/60012/60021/60022 and
//     their fragments in event 2000: transport messages seen at the WFP
//     layer, above IPsec, so decrypted. Each gets a rebuilt IP header and
//     is marked LayerWFP (Frame.Layer), never to be taken for the wire.
//
// Microsoft-Windows-WFP's IKE and IPsec diagnostic events are kept as they
// are, bounded (WFPEvents, wfp.go), for package hostlog to decode. Every
// other provider's events are counted and skipped (Stats).
//
// ETW keeps one buffer per CPU, so a file's events are in time order only
// per CPU. The Reader holds decoded frames in a window and delivers the
// earliest once it is full (MaxPendingFrames, MaxPendingBytes), or once
// every CPU has logged a later frame (progress.go): memory stays bounded,
// and a frame later than the window allows is counted and warned about,
// never lost. The window merges runs of frames already in order (a CPU's
// buffer), and its frames point into the buffers they were read from,
// kept for them up to 12 MiB, beyond which the frames still waiting are
// copied out: reading a buffer is the only copy a frame's bytes see before
// Next hands them out. Read from a Lender (a capture's read-ahead window),
// an uncompressed buffer is not even copied, and a held Reader keeps the
// frames it delivered until they are released (lend.go).
//
// Files are hostile input. Every length is checked before it is used; a
// buffer size or decompressed size is bounded (64 MiB, and the logfile's
// buffer size) and memory follows the bytes really present, not the sizes
// claimed. Damage inside a buffer costs that buffer, or its rest, with a
// warning naming its offset (Warnings); damage that loses the way to the
// next buffer ends the reading with an *Error after every frame before it.
package etl

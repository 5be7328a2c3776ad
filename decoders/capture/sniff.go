package capture

import (
	"errors"
	"fmt"
)

// Format names a capture file format as softsa reports it.
type Format string

// The capture formats softsa reads. A gzip-compressed file reports the inner
// format with a "+gzip" suffix, e.g. "pcapng+gzip".
const (
	FormatPcap   Format = "pcap"
	FormatPcapNG Format = "pcapng"
	FormatNetMon Format = "netmon"
	// FormatETL is an Event Trace Log (netsh trace, pktmon): its packet
	// events are the frames (package etl).
	FormatETL Format = "etl"
	// FormatGzip is what Sniff says of a gzip stream: the capture format
	// is the one its decompressed bytes start with. No capture reports it.
	FormatGzip Format = "gzip"
)

// ErrUnknownFormat means the file starts with no capture magic softsa knows.
var ErrUnknownFormat = errors.New("not a capture file softsa reads (no pcap, pcapng, NetMon 2.x, ETL or gzip magic); " +
	"a capture another tool wrote (a Message Analyzer .matp, say) must be saved as pcapng or NetMon 2.x .cap first")

// ErrUnsupportedFormat is what Sniff's error wraps for a capture format it
// recognises but does not read (an *UnsupportedFormatError says which).
var ErrUnsupportedFormat = errors.New("a capture format softsa does not read")

// UnsupportedFormatError names a capture format softsa recognises only to
// refuse, and says how to convert such a file into one it reads.
type UnsupportedFormatError struct {
	Name    string // the format, as its writer calls it
	Convert string // what to do with the file instead
}

// Error says what the file is and how to convert it.
func (e *UnsupportedFormatError) Error() string {
	return fmt.Sprintf("%s, a format softsa does not read: %s", e.Name, e.Convert)
}

// Unwrap returns ErrUnsupportedFormat.
func (e *UnsupportedFormatError) Unwrap() error { return ErrUnsupportedFormat }

// SniffLen is how many bytes of a file Sniff wants to tell every format it
// knows: an ETL file has no magic at byte 0, and its first buffer's first
// record starts at byte 0x48 (sniffETL); the magics below need at most 25,
// gzip 2. Callers read that much, or the whole file when it is shorter.
const SniffLen = 0x50

// editcap reads every format refused below and writes pcapng.
const viaEditcap = "convert it with Wireshark's editcap (editcap -F pcapng FILE FILE.pcapng)"

// refused lists the capture formats Sniff recognises only to refuse them,
// each by a magic at the start of the file. The magics are Wireshark's
// (wiretap/<file>.c, as cited) and were checked on files editcap wrote in
// each format (TestSniffEditcapFormats). Two formats a support case may
// bring are missing because they have no magic to tell them by: Endace ERF
// (Wireshark guesses it from its record headers) and Message Analyzer's
// .matp, whose layout no source we could find describes; ErrUnknownFormat
// says what to do with them.
var refused = []struct {
	magic string
	err   *UnsupportedFormatError
}{
	// wiretap/netmon.c: netmon_1_x_magic.
	{"RTSS", &UnsupportedFormatError{"a Network Monitor 1.x capture",
		"open it in Network Monitor 3.4 and save it again (NetMon 2.x .cap), or " + viaEditcap}},
	// wiretap/snoop.c: snoop_magic (RFC 1761).
	{"snoop\x00\x00\x00", &UnsupportedFormatError{"a Sun snoop capture", viaEditcap}},
	// wiretap/libpcap.h: PCAP_MODIFIED_MAGIC 0xa1b2cd34, Alexey
	// Kuznetsov's patched libpcap, in either byte order (SuSE 6.3's
	// tcpdump wrote it too). Its records are 8 bytes longer than pcap's.
	{"\x34\xcd\xb2\xa1", &UnsupportedFormatError{"a modified (Kuznetsov) pcap capture", viaEditcap}},
	{"\xa1\xb2\xcd\x34", &UnsupportedFormatError{"a modified (Kuznetsov) pcap capture", viaEditcap}},
	// wiretap/ngsniffer.c: ngsniffer_magic, the DOS Sniffer's .cap/.enc.
	{"TRSNIFF data    \x1a", &UnsupportedFormatError{"a Sniffer (DOS) capture", viaEditcap}},
	// wiretap/netxray.c: netxray_magic (NetXRay 2.0 and later, Windows
	// Sniffer .cap) and old_netxray_magic (NetXRay 1.x).
	{"XCP\x00", &UnsupportedFormatError{"a NetXRay / Windows Sniffer capture", viaEditcap}},
	{"VL\x00\x00", &UnsupportedFormatError{"a NetXRay 1.x capture", viaEditcap}},
	// wiretap/observer.c: network_instruments_magic, the start of
	// "ObserverPktBufferVersion=15.00".
	{"ObserverPktBufferVersion=", &UnsupportedFormatError{"a Viavi (Network Instruments) Observer capture", viaEditcap}},
}

// Sniff tells a capture's format from the first bytes of its file (up to
// SniffLen): pcap in either byte order with micro- or nanosecond times,
// pcapng, NetMon 2.x, ETL, or gzip around one of them (FormatGzip: sniff the
// decompressed bytes next). Bytes it does not recognise give
// ErrUnknownFormat; a capture format it recognises only to refuse gives an
// *UnsupportedFormatError naming it and how to convert it (refused). The
// capture reader and the folder walk (batch) both ask it, so that a file is
// a capture to both or to neither: it is the one place that knows magics.
//
// A format softsa reads gets a case here and a reader in newCapture; one it
// only recognises, a row in refused.
func Sniff(head []byte) (Format, error) {
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		return FormatGzip, nil
	}
	if len(head) < 4 {
		return "", ErrUnknownFormat
	}
	switch string(head[:4]) {
	case "\xd4\xc3\xb2\xa1", "\xa1\xb2\xc3\xd4", "\x4d\x3c\xb2\xa1", "\xa1\xb2\x3c\x4d":
		return FormatPcap, nil
	case "\x0a\x0d\x0d\x0a":
		return FormatPcapNG, nil
	case "GMBU":
		return FormatNetMon, nil
	}
	for _, r := range refused {
		if len(head) >= len(r.magic) && string(head[:len(r.magic)]) == r.magic {
			return "", r.err
		}
	}
	if sniffETL(head) {
		return FormatETL, nil
	}
	return "", ErrUnknownFormat
}

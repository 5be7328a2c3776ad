package capture

import "errors"

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
var ErrUnknownFormat = errors.New("not a capture file (no pcap, pcapng, NetMon, ETL or gzip magic)")

// errNetMon1 is Sniff's answer for a format it knows only to refuse.
//
//lint:ignore ST1005 the message starts with the product's name
var errNetMon1 = errors.New("Network Monitor 1.x capture: only NetMon 2.x is supported")

// Sniff tells a capture's format from the first bytes of its file: pcap in
// either byte order with micro- or nanosecond times, pcapng, NetMon 2.x, ETL, or
// gzip around one of them (FormatGzip: sniff the decompressed bytes next).
// It needs 4 bytes, 2 for gzip, SniffLen for ETL. Bytes it does not recognise give
// ErrUnknownFormat; a format it recognises only to refuse (NetMon 1.x) gives
// an error saying why. The capture reader and the folder walk (batch) both
// ask it, so that a file is a capture to both or to neither.
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
	case "RTSS":
		return "", errNetMon1
	}
	if sniffETL(head) {
		return FormatETL, nil
	}
	return "", ErrUnknownFormat
}

package capture

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// Network Monitor 2.x capture files ("GMBU"), as Wireshark's wiretap/netmon.c
// reads them and the Network Monitor 3.x help documents them: a 128-byte
// header, records anywhere in the file, and a frame table of 32-bit record
// offsets, usually at the end. Records are read in frame-table order.
const (
	netmonHeaderSize = 128
	netmonRecHdrSize = 16 // uint64 time delta (µs), uint32 orig len, uint32 incl len
	netmonMaxFrame   = 262144
	// netmonTableChunk is how many frame-table entries are read at a time,
	// so a huge table never costs more than this much memory.
	netmonTableChunk = 4096
)

// NetMon media types (the per-file and per-packet "network" field).
const (
	netmonNetEthernet = 1
	netmonNetPcapBase = 0xE000
)

type netmonSource struct {
	ra           io.ReaderAt
	minor        uint8
	network      uint16
	start        time.Time
	tableOff     int64
	tableLen     int64 // entries
	index        int64
	chunk        []byte // current window of the frame table
	chunkFirst   int64  // index of the first entry in chunk
	hdr          [netmonRecHdrSize]byte
	trailer      [16]byte
	data         []byte
	recordOffset int64
}

func newNetmonSource(ra io.ReaderAt) (*netmonSource, error) {
	var h [netmonHeaderSize]byte
	if n, err := ra.ReadAt(h[:], 0); n < 32+24 {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("file header: %w", err)
	}
	major := h[5]
	if major != 2 {
		return nil, fmt.Errorf("file header: version %d.%d not supported", major, h[4])
	}
	s := &netmonSource{ra: ra, minor: h[4], network: binary.LittleEndian.Uint16(h[6:8])}
	u16 := func(off int) int { return int(binary.LittleEndian.Uint16(h[off:])) }
	// The start time is a SYSTEMTIME in the capturing machine's local time
	// zone, which the file does not record. Wireshark interprets it in the
	// reader's zone; we take it as UTC (what tests and CI use), and v2.3
	// files carry a per-packet UTC FILETIME that overrides it anyway.
	s.start = time.Date(u16(8), time.Month(u16(10)), u16(14), u16(16), u16(18), u16(20), u16(22)*int(time.Millisecond), time.UTC)
	s.tableOff = int64(binary.LittleEndian.Uint32(h[24:28]))
	tableBytes := int64(binary.LittleEndian.Uint32(h[28:32]))
	if tableBytes%4 != 0 || tableBytes == 0 {
		return nil, fmt.Errorf("frame table length %d is not a positive multiple of 4", tableBytes)
	}
	s.tableLen = tableBytes / 4
	// Check the table's last entry exists: a table pointing past the end of
	// the file would otherwise only show up frames later.
	var last [4]byte
	if _, err := ra.ReadAt(last[:], s.tableOff+tableBytes-4); err != nil {
		return nil, fmt.Errorf("frame table at offset %d, %d bytes, lies outside the file", s.tableOff, tableBytes)
	}
	return s, nil
}

// entry returns the file offset of record i, reading the frame table a chunk
// at a time.
func (s *netmonSource) entry(i int64) (int64, error) {
	if i < s.chunkFirst || i >= s.chunkFirst+int64(len(s.chunk)/4) {
		n := s.tableLen - i
		if n > netmonTableChunk {
			n = netmonTableChunk
		}
		if cap(s.chunk) < netmonTableChunk*4 {
			s.chunk = make([]byte, netmonTableChunk*4)
		}
		s.chunk = s.chunk[:n*4]
		if _, err := s.ra.ReadAt(s.chunk, s.tableOff+i*4); err != nil {
			s.chunk = s.chunk[:0]
			return 0, fmt.Errorf("frame table entry %d: %w", i+1, io.ErrUnexpectedEOF)
		}
		s.chunkFirst = i
	}
	k := (i - s.chunkFirst) * 4
	return int64(binary.LittleEndian.Uint32(s.chunk[k:])), nil
}

func (s *netmonSource) next(f *Frame) error {
	if s.index >= s.tableLen {
		return io.EOF
	}
	off, err := s.entry(s.index)
	if err != nil {
		return err
	}
	s.index++
	s.recordOffset = off
	if _, err := s.ra.ReadAt(s.hdr[:], off); err != nil {
		return fmt.Errorf("record header: %w", io.ErrUnexpectedEOF)
	}
	delta := int64(binary.LittleEndian.Uint64(s.hdr[0:8])) * 1000 // µs → ns; may be negative, as in Wireshark
	orig := binary.LittleEndian.Uint32(s.hdr[8:12])
	incl := binary.LittleEndian.Uint32(s.hdr[12:16])
	if incl > netmonMaxFrame {
		return fmt.Errorf("record claims %d captured bytes, more than the %d a frame may have", incl, netmonMaxFrame)
	}
	if cap(s.data) < int(incl) {
		s.data = make([]byte, incl)
	}
	s.data = s.data[:incl]
	if _, err := s.ra.ReadAt(s.data, off+netmonRecHdrSize); err != nil {
		return fmt.Errorf("record data (%d bytes): %w", incl, io.ErrUnexpectedEOF)
	}
	f.Data, f.WireLen = s.data, int(orig)
	f.Time = s.start.Add(time.Duration(delta))
	network := s.network
	if s.minor >= 1 {
		tl := 2
		switch {
		case s.minor == 2:
			tl = 6
		case s.minor >= 3:
			tl = 15
		}
		if _, err := s.ra.ReadAt(s.trailer[:tl], off+netmonRecHdrSize+int64(incl)); err != nil {
			return fmt.Errorf("record trailer: %w", io.ErrUnexpectedEOF)
		}
		network = binary.LittleEndian.Uint16(s.trailer[0:2])
		if s.minor >= 3 {
			ft := int64(binary.LittleEndian.Uint64(s.trailer[6:14]))
			f.Time = filetime(ft)
		}
	}
	f.Link = netmonLink(network)
	return nil
}

// netmonLink maps a NetMon media type to a pcap link type, as wiretap does.
// Types softsa cannot decode (802.11 metadata, ETW events, filters) map to
// LinkTypeUnsupported: the frame is still delivered and counted, so frame
// numbers stay in step with Wireshark's.
func netmonLink(network uint16) layers.LinkType {
	switch {
	case network == 0 || network == netmonNetEthernet:
		// Wireshark maps 0 to Ethernet too: NetMon 3.4 VPN captures use it.
		return layers.LinkTypeEthernet
	case network >= 7 && network <= 9:
		// Tunnel, wireless WAN and raw IP frames: all raw IP.
		return layers.LinkTypeRaw
	case network&0xF000 == netmonNetPcapBase && network < 0xE080:
		return layers.LinkType(network & 0x0FFF)
	}
	return LinkTypeUnsupported
}

// LinkTypeUnsupported is the link type of frames whose encapsulation softsa
// does not decode (e.g. NetMon event records); they are counted, not decoded.
const LinkTypeUnsupported layers.LinkType = 0xFFFF

// filetime converts a Windows FILETIME (100 ns units since 1601-01-01 UTC).
func filetime(ft int64) time.Time {
	const epochDiff = 11644473600 // seconds from 1601 to 1970
	return time.Unix(ft/10000000-epochDiff, (ft%10000000)*100).UTC()
}

package etl

import (
	"encoding/binary"
	"errors"
	"hash/maphash"

	"github.com/gopacket/gopacket/layers"
)

// Microsoft-Windows-NDIS-PacketCapture, what `netsh trace start
// capture=yes` logs (windows-formats.md §1.4; microsoft/etl2pcapng
// src/main.c, EventCallback and the KW_* constants; the provider manifest
// in jdu2600/Windows10EtwEvents and dissect.etl).
var ProviderNDIS = mustGUID("2ED6006E-4729-4609-B423-3EE7BCD678EF")

const (
	ndisPacketFragment = 1001
	// ndisFixed is MiniportIfIndex u32, LowerIfIndex u32, FragmentSize
	// u32; the fragment follows, and newer Windows adds fields after it,
	// which are ignored.
	ndisFixed = 12
	// maxNDISPacket bounds a packet joined from fragments: an endless run
	// of fragments without PacketEnd is cut there, with a warning.
	maxNDISPacket = 256 << 10
)

// Keyword bits of the NDIS-PacketCapture events (etl2pcapng KW_*).
const (
	kwWirelessWAN = 0x200
	kwTunnel      = 0x8000
	kwNative80211 = 0x10000
	kwPacketStart = 0x40000000
	kwPacketEnd   = 0x80000000
	kwSendPath    = 0x100000000
	kwReceivePath = 0x200000000
)

var (
	errNDISShort    = errors.New("NDIS packet fragment event shorter than its fixed fields")
	errNDISFragment = errors.New("NDIS fragment size past the end of its event")
)

// ndisLink is the link type the keywords give: native 802.11, raw IP for
// mobile broadband and tunnels, Ethernet otherwise (etl2pcapng; the issue
// asks raw IP for tunnels as NetworkMiner's EtlParser does).
func ndisLink(kw uint64) layers.LinkType {
	switch {
	case kw&kwNative80211 != 0:
		return layers.LinkTypeIEEE802_11
	case kw&(kwWirelessWAN|kwTunnel) != 0:
		return layers.LinkTypeRaw
	}
	return layers.LinkTypeEthernet
}

// ndisJoin accumulates the fragments of a multi-event packet (PacketStart,
// then events without either keyword, then PacketEnd): one packet at a
// time, as etl2pcapng does, since ndiscap logs a packet's fragments back to
// back. Windows 8.1 and later log every packet in one event with both
// keywords.
type ndisJoin struct {
	buf      []byte
	pending  bool
	overflow bool
}

// recentNDIS remembers the last packets, to fold the copy a capture logs
// at each driver layer of the same miniport.
const recentNDIS = 64

// ndisSeen is a packet in the folding ring.
type ndisSeen struct {
	hash     uint64
	miniport uint32
	lower    uint32
	ns       int64
	n        int
}

// ndisFoldWindow is how close in time two copies of a packet at two layers
// are: the same bytes on another layer of the same miniport within it are
// one packet.
const ndisFoldWindow = 10_000_000 // 10 ms

var ndisSeed = maphash.MakeSeed()

// ndis takes a packet fragment event.
func (r *Reader) ndis(at int) {
	if r.ev.id != ndisPacketFragment {
		r.stats.OtherPacketEvents++
		return
	}
	u := r.ev.user
	if len(u) < ndisFixed {
		r.damage("NDIS event %d at %#x of the buffer: %v", r.ev.id, bufferHeaderSize+at, errNDISShort)
		return
	}
	miniport, lower := binary.LittleEndian.Uint32(u), binary.LittleEndian.Uint32(u[4:])
	size := binary.LittleEndian.Uint32(u[8:])
	if int64(size) > int64(len(u)-ndisFixed) {
		r.damage("NDIS event %d at %#x of the buffer: %v", r.ev.id, bufferHeaderSize+at, errNDISFragment)
		return
	}
	r.ndisFragment(u[ndisFixed:ndisFixed+int(size)], ndisPacket{miniport: miniport, lower: lower})
}

// ndisPacket is what the fragment events of one packet say besides its
// bytes: the NDIS interface indexes and, for a VMSwitch packet (event
// 1003), its source port and VLAN.
type ndisPacket struct {
	miniport, lower, port uint32
	vlan                  uint16
}

// ndisFragment takes the bytes of one fragment event (1001 or 1003): a
// whole packet, or a piece joined with the next ones until PacketEnd.
func (r *Reader) ndisFragment(frag []byte, p ndisPacket) {
	kw := r.ev.keyword
	j := &r.ndisJ
	if kw&kwPacketStart != 0 && j.pending {
		r.stats.Incomplete++ // a new packet starts before the last one ended
		j.buf, j.pending, j.overflow = j.buf[:0], false, false
	}
	data := frag
	if kw&kwPacketEnd == 0 || j.pending {
		if !j.overflow {
			if len(j.buf)+len(frag) > maxNDISPacket {
				j.overflow = true
				r.stats.Incomplete++
				r.warnf("NDIS packet fragments without PacketEnd exceed %d KiB at ETL buffer byte offset %d: dropped until the next PacketEnd", maxNDISPacket>>10, r.curOff)
			} else {
				j.buf = append(j.buf, frag...)
			}
		}
		j.pending = true
		if kw&kwPacketEnd == 0 {
			return
		}
		overflow := j.overflow
		data = j.buf
		j.buf, j.pending, j.overflow = j.buf[:0], false, false
		if overflow {
			return
		}
	}
	r.stats.Packets++
	ns := r.header.unixNS(r.ev.raw)
	if r.foldNDIS(data, p.miniport, p.lower, ns) {
		r.stats.Folded++
		return
	}
	link := ndisLink(kw)
	r.pend.push(entry{ns: ns, link: link, data: data, wire: wireLen(link, data),
		Origin: Origin{Outbound: kw&kwSendPath != 0, Inbound: kw&kwReceivePath != 0, Adapter: p.miniport,
			Port: p.port, VLAN: p.vlan}, unprotect: link == layers.LinkTypeIEEE802_11})
}

// foldNDIS reports whether data is the copy of a recent packet seen on
// another layer (LowerIfIndex) of the same miniport, and remembers it
// otherwise.
func (r *Reader) foldNDIS(data []byte, miniport, lower uint32, ns int64) bool {
	h := maphash.Bytes(ndisSeed, data)
	for i := range r.ndisRecent {
		s := &r.ndisRecent[i]
		if s.n == len(data) && s.hash == h && s.miniport == miniport && s.lower != lower &&
			ns-s.ns <= ndisFoldWindow && s.ns-ns <= ndisFoldWindow {
			s.n = -1 // one copy per layer pair: a third is a new packet
			return true
		}
	}
	r.ndisRecent[r.ndisNext] = ndisSeen{hash: h, miniport: miniport, lower: lower, ns: ns, n: len(data)}
	r.ndisNext = (r.ndisNext + 1) % recentNDIS
	return false
}

// wireLen infers the original length of a possibly truncated frame from its
// IP header, as etl2pcapng does (ndiscap logs no original length); a
// length field smaller than what was captured (LSO v2 frames carry 0) keeps
// the captured length.
func wireLen(link layers.LinkType, b []byte) int {
	ip, extra := b, 0
	if link == layers.LinkTypeEthernet {
		if len(b) < 14 {
			return len(b)
		}
		switch binary.BigEndian.Uint16(b[12:]) {
		case 0x0800, 0x86DD:
			ip, extra = b[14:], 14
		default:
			return len(b)
		}
	} else if link != layers.LinkTypeRaw {
		return len(b)
	}
	n := 0
	switch {
	case len(ip) >= 20 && ip[0]>>4 == 4:
		n = int(binary.BigEndian.Uint16(ip[2:]))
	case len(ip) >= 40 && ip[0]>>4 == 6:
		n = 40 + int(binary.BigEndian.Uint16(ip[4:]))
	}
	return max(len(b), n+extra)
}

package etl

import (
	"encoding/binary"
	"errors"

	"github.com/gopacket/gopacket/layers"
)

// The WFP-layer packet provider (windows-formats.md §1.4b): a WFP callout
// driver's ETW provider that logs transport-layer packets. Sources:
// microsoft/CSS_SQL_Networking_Tools SQL_Network_Analyzer/SQLNA/
// ETLFileReader.cs (the GUID, the packet events, event 2000's fragment
// header, keyword 0x100000000 for incoming, Start/End joining) and
// Wireshark's epan/dissectors/packet-messageanalyzer.c (event names
// TransportMessageV4 60011, TransportMessage2V4 60012, TransportMessageV6
// 60021, TransportMessage2V6 60022, and their layout).
//
// A packet event's user data is no IP packet but a transport message:
//
//	source address, destination address (4 bytes each for V4, 16 for V6)
//	u8 IP protocol
//	u64 flow context (the "2" events only)
//	u16 payload length, then the transport header and payload (all the
//	bytes left, as Wireshark reads them)
//
// The packets are seen at the WFP transport layer, above IPsec: what was
// ESP on the wire is logged decrypted. softsa gives each such packet an IP
// header of its own (LINKTYPE_RAW, TTL 128, ID 0, header checksum computed),
// so that the decoders and convert read it like any other, and marks it
// LayerWFP so that the analysis never mixes it with the wire.
var ProviderWFPCapture = mustGUID("C22D1B14-C242-49DE-9F17-1D76B8B9C458")

const (
	wfpV4      = 60011
	wfpV4Flow  = 60012
	wfpV6      = 60021
	wfpV6Flow  = 60022
	wfpFragEvt = 2000
	// wfpFragHeader is event 2000's header: u16 the 600xx event the
	// packet belongs to, u32 a group shared by its fragments, u32 this
	// fragment's length.
	wfpFragHeader = 10
	// wfpJoins is how many fragmented packets are joined at once
	// (SQLNA keys them by process and thread, so they may interleave).
	wfpJoins = 4
	// kwWFPIncoming and kwWFPOutgoing are the direction keywords: SQLNA
	// keeps 0x100000000 as incoming and calls 0x200000000 outgoing.
	kwWFPIncoming = 0x100000000
	kwWFPOutgoing = 0x200000000
)

var (
	errWFPShort = errors.New("WFP packet event shorter than its fields")
	errWFPFrag  = errors.New("WFP fragment length past the end of its event")
	errWFPType  = errors.New("WFP fragment of an unknown packet event")
	errWFPSize  = errors.New("WFP packet too large for an IP header")
)

// wfpJoin is one fragmented packet being joined.
type wfpJoin struct {
	group    uint32
	evType   uint16
	buf      []byte
	pending  bool
	overflow bool
	age      uint64
}

// wfpState is the reader's WFP scratch space: the joins and the buffer an
// IP header and payload are built in.
type wfpState struct {
	joins [wfpJoins]wfpJoin
	tick  uint64
	pkt   []byte
}

// wfpCapture takes an event of the WFP capture provider.
func (r *Reader) wfpCapture(at int) {
	id := r.ev.id
	switch id {
	case wfpV4, wfpV4Flow, wfpV6, wfpV6Flow:
		if err := r.wfpPacket(id, r.ev.user); err != nil {
			r.damage("WFP event %d at %#x of the buffer: %v", id, bufferHeaderSize+at, err)
		}
	case wfpFragEvt:
		if err := r.wfpFragment(r.ev.user); err != nil {
			r.damage("WFP event %d at %#x of the buffer: %v", id, bufferHeaderSize+at, err)
		}
	default:
		r.stats.OtherPacketEvents++
	}
}

// wfpFragment takes one event 2000: the start, a middle or the end of a
// packet, joined by group on the PacketStart and PacketEnd keywords.
func (r *Reader) wfpFragment(u []byte) error {
	if len(u) < wfpFragHeader {
		return errWFPShort
	}
	le := binary.LittleEndian
	evType, group, n := le.Uint16(u), le.Uint32(u[2:]), le.Uint32(u[6:])
	if uint64(n) > uint64(len(u)-wfpFragHeader) {
		return errWFPFrag
	}
	switch evType {
	case wfpV4, wfpV4Flow, wfpV6, wfpV6Flow:
	default:
		return errWFPType
	}
	frag := u[wfpFragHeader : wfpFragHeader+int(n)]
	kw := r.ev.keyword
	st := &r.wfpSt
	st.tick++
	if kw&kwPacketStart != 0 && kw&kwPacketEnd != 0 {
		return r.wfpPacket(evType, frag)
	}
	var j *wfpJoin
	for i := range st.joins {
		if st.joins[i].pending && st.joins[i].group == group {
			j = &st.joins[i]
			break
		}
	}
	if kw&kwPacketStart != 0 {
		if j != nil {
			r.stats.Incomplete++ // started again before it ended
		} else {
			// A free slot, or the oldest join, given up.
			j = &st.joins[0]
			for i := range st.joins {
				if !st.joins[i].pending {
					j = &st.joins[i]
					break
				}
				if st.joins[i].age < j.age {
					j = &st.joins[i]
				}
			}
			if j.pending {
				r.stats.Incomplete++
			}
		}
		j.group, j.evType, j.buf, j.pending, j.overflow = group, evType, j.buf[:0], true, false
	} else if j == nil {
		r.stats.Incomplete++ // a piece of a packet whose start was not seen
		return nil
	}
	j.age = st.tick
	if !j.overflow {
		if len(j.buf)+len(frag) > maxNDISPacket {
			j.overflow = true
			r.stats.Incomplete++
			r.warnf("WFP packet fragments without PacketEnd exceed %d KiB at ETL buffer byte offset %d: dropped", maxNDISPacket>>10, r.curOff)
		} else {
			j.buf = append(j.buf, frag...)
		}
	}
	if kw&kwPacketEnd == 0 {
		return nil
	}
	j.pending = false
	if j.overflow {
		return nil
	}
	return r.wfpPacket(j.evType, j.buf)
}

// wfpPacket turns a transport message of event type id into a raw IP
// packet and queues it as a WFP-layer frame.
func (r *Reader) wfpPacket(id uint16, u []byte) error {
	alen := 4
	if id == wfpV6 || id == wfpV6Flow {
		alen = 16
	}
	fixed := 2*alen + 1 + 2
	if id == wfpV4Flow || id == wfpV6Flow {
		fixed += 8
	}
	if len(u) < fixed {
		return errWFPShort
	}
	src, dst, proto := u[:alen], u[alen:2*alen], u[2*alen]
	// Wireshark's dissector takes every byte after the payload length
	// as the transport segment, whatever the length says; so does
	// softsa, and the original length is the larger of the two (a
	// segment logged short keeps the length it had).
	payload := u[fixed:]
	plen := max(len(payload), int(binary.LittleEndian.Uint16(u[fixed-2:])))
	hlen := 20
	if alen == 16 {
		hlen = 40
	}
	if (alen == 4 && hlen+plen > 0xFFFF) || plen > 0xFFFF {
		return errWFPSize
	}
	st := &r.wfpSt
	pkt := append(st.pkt[:0], make([]byte, hlen)...)
	be := binary.BigEndian
	if alen == 4 {
		pkt[0] = 0x45
		be.PutUint16(pkt[2:], uint16(hlen+plen))
		pkt[8], pkt[9] = 128, proto
		copy(pkt[12:], src)
		copy(pkt[16:], dst)
		be.PutUint16(pkt[10:], ipv4Checksum(pkt[:20]))
	} else {
		pkt[0] = 0x60
		be.PutUint16(pkt[4:], uint16(plen))
		pkt[6], pkt[7] = proto, 128
		copy(pkt[8:], src)
		copy(pkt[24:], dst)
	}
	pkt = append(pkt, payload...)
	st.pkt = pkt
	r.stats.Packets++
	kw := r.ev.keyword
	r.pend.push(entry{ns: r.header.unixNS(r.ev.raw), link: layers.LinkTypeRaw, data: pkt, wire: hlen + plen,
		Origin: Origin{Inbound: kw&kwWFPIncoming != 0, Outbound: kw&kwWFPOutgoing != 0, Layer: LayerWFP}})
	return nil
}

// ipv4Checksum is the IPv4 header checksum of h (its checksum field zero).
func ipv4Checksum(h []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(h); i += 2 {
		sum += uint32(h[i])<<8 | uint32(h[i+1])
	}
	for sum>>16 != 0 {
		sum = sum&0xFFFF + sum>>16
	}
	return ^uint16(sum)
}

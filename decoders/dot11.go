package decoders

import (
	"encoding/binary"

	"github.com/gopacket/gopacket/layers"
)

// 802.11 data frames. What pktmon and netsh trace log on a Wi-Fi adapter,
// and what a monitor-mode capture holds, is 802.11 frames
// (LINKTYPE_IEEE802_11, 105), the latter behind a radiotap header
// (LINKTYPE_IEEE802_11_RADIOTAP, 127). A data frame carries an LLC/SNAP
// header and then an EtherType, so that once those headers are walked the
// frame is an IPv4 or IPv6 datagram like any other, and is decoded as one.
//
// gopacket's layers.Dot11 and layers.RadioTap are DecodingLayers, but they
// allocate per frame (the radiotap present words, a QoS struct, the data
// layer from a map of constructors) and Dot11 always takes the last 4 bytes
// for a frame check sequence, which a LINKTYPE_IEEE802_11 frame need not
// have; so the headers are walked here, checking every length, without
// allocating. Only the layouts of IEEE 802.11-2020 §9.2.4 and §9.3.2.1 and
// of radiotap (radiotap.org) that a data frame needs are read:
//
//   - frame control: protocol version 0, type 2 (data); a subtype with the
//     "no data" bit (Null, QoS Null, CF-Ack/Poll without data) carries
//     nothing; the QoS bit adds a 2-byte QoS control, and with it the
//     Order bit a 4-byte HT control;
//   - addresses: three, or four when both To DS and From DS are set (a
//     mesh or WDS link);
//   - skipped, as Wireshark shows no IP in them either: protected frames
//     (encrypted: the Protected Frame bit), fragments of an MSDU (More
//     Fragments, or a fragment number other than 0), and A-MSDUs (several
//     subframes in one frame, the QoS control's A-MSDU bit);
//   - LLC/SNAP: AA AA 03 and the RFC 1042 (00 00 00) or bridge-tunnel
//     (00 00 F8) organisation code, then the EtherType: IPv4 or IPv6.
//
// A radiotap header says its own length; its Flags field says whether the
// frame ends in a frame check sequence (cut off here, though an IP length
// would cut it too) and whether the 802.11 header is padded to 4 bytes.
// The older monitor-mode headers are read as tcpdump reads them
// (print-802_11.c, prism_if_print and ieee802_11_avs_radio_print): an AVS
// header (LINKTYPE_IEEE802_11_AVS, 163) has its length in its second
// big-endian word; a Prism header (LINKTYPE_PRISM_HEADER, 119) is 144
// bytes, unless it starts with an AVS cookie, when it is an AVS header.

// linkTypeAVS is LINKTYPE_IEEE802_11_AVS, which gopacket does not name.
const linkTypeAVS layers.LinkType = 163

// prismHeaderLen is the length of a Prism monitor-mode header.
const prismHeaderLen = 144

// Radiotap Flags field (present bit 1) values used here.
const (
	radiotapFlagFCS     = 0x10 // the frame includes its FCS
	radiotapFlagDataPad = 0x20 // padding between the 802.11 header and the payload
)

// dot11IP returns the IPv4 or IPv6 datagram an 802.11 data frame of link
// type lt (105, 127, 119 or 163) carries, and which parser it needs
// (firstIPv4 or firstIPv6), or firstNone for every other frame.
func dot11IP(lt layers.LinkType, b []byte) ([]byte, int) {
	pad, ok := false, true
	switch lt {
	case layers.LinkTypeIEEE80211Radio:
		b, pad, ok = radiotap(b)
	case layers.LinkTypePrismHeader, linkTypeAVS:
		b, ok = prismOrAVS(lt, b)
	}
	if !ok {
		return nil, firstNone
	}
	if len(b) < 24 {
		return nil, firstNone
	}
	fc0, fc1 := b[0], b[1]
	if fc0&0x03 != 0 || fc0&0x0c != 0x08 || fc0&0x40 != 0 {
		return nil, firstNone // not version 0, not a data frame, or no data
	}
	if fc1&0x44 != 0 || binary.LittleEndian.Uint16(b[22:24])&0x0f != 0 {
		return nil, firstNone // protected, or a fragment
	}
	n := 24
	if fc1&0x03 == 0x03 {
		n += 6 // To DS and From DS: a fourth address
	}
	if fc0&0x80 != 0 { // QoS data
		if len(b) < n+2 {
			return nil, firstNone
		}
		if b[n]&0x80 != 0 {
			return nil, firstNone // an A-MSDU
		}
		n += 2
		if fc1&0x80 != 0 {
			n += 4 // +HTC: an HT control field
		}
	}
	if pad {
		n = (n + 3) &^ 3
	}
	if len(b) < n+8 {
		return nil, firstNone
	}
	llc := b[n : n+8]
	if llc[0] != 0xaa || llc[1] != 0xaa || llc[2] != 0x03 || llc[3] != 0 || llc[4] != 0 || (llc[5] != 0 && llc[5] != 0xf8) {
		return nil, firstNone
	}
	switch layers.EthernetType(binary.BigEndian.Uint16(llc[6:8])) {
	case layers.EthernetTypeIPv4:
		return b[n+8:], firstIPv4
	case layers.EthernetTypeIPv6:
		return b[n+8:], firstIPv6
	}
	return nil, firstNone
}

// radiotap returns the frame behind a radiotap header, and whether its
// Flags say the 802.11 header is padded; false when the header is not
// whole.
func radiotap(b []byte) (frame []byte, pad bool, ok bool) {
	if len(b) < 8 || b[0] != 0 {
		return nil, false, false
	}
	n := int(binary.LittleEndian.Uint16(b[2:4]))
	if n < 8 || n > len(b) {
		return nil, false, false
	}
	present := binary.LittleEndian.Uint32(b[4:8])
	// The fields follow every present word: bit 31 of each says another
	// follows.
	off := 8
	for p := present; p&(1<<31) != 0; off += 4 {
		if off+4 > n {
			return nil, false, false
		}
		p = binary.LittleEndian.Uint32(b[off : off+4])
	}
	flags := byte(0)
	if present&(1<<1) != 0 {
		if present&1 != 0 { // TSFT: 8 bytes, aligned to 8
			off = (off+7)&^7 + 8
		}
		if off >= n {
			return nil, false, false
		}
		flags = b[off]
	}
	frame = b[n:]
	if flags&radiotapFlagFCS != 0 {
		if len(frame) < 4 {
			return nil, false, false
		}
		frame = frame[:len(frame)-4]
	}
	return frame, flags&radiotapFlagDataPad != 0, true
}

// prismOrAVS returns the frame behind a Prism or AVS header, or false when
// the header is not whole.
func prismOrAVS(lt layers.LinkType, b []byte) ([]byte, bool) {
	if len(b) < 8 {
		return nil, false
	}
	cookie := binary.BigEndian.Uint32(b[0:4])
	if lt == linkTypeAVS || cookie == 0x80211001 || cookie == 0x80211002 {
		n := binary.BigEndian.Uint32(b[4:8])
		if n < 8 || uint64(n) > uint64(len(b)) {
			return nil, false
		}
		return b[n:], true
	}
	if len(b) < prismHeaderLen {
		return nil, false
	}
	return b[prismHeaderLen:], true
}

package etl

import (
	"encoding/binary"
	"errors"
)

// NDIS-PacketCapture event 1003, VMSwitchPacketFragment: a packet logged
// by the Hyper-V extensible switch. Its user data (windows-formats.md §1.4;
// the event's message in the manifest names property 9, FragmentSize, as
// the size; Wireshark's epan/dissectors/packet-messageanalyzer.c, case
// 1003, walks the same layout; microsoft/etl2pcapng src/main.c
// ParseVmSwitchPacketFragment reads the VLAN from the OOB data):
//
//	u32 MiniportIfIndex, u32 LowerIfIndex, u32 SourcePortId
//	SourcePortName, SourceNicName, SourceNicType: NUL-terminated UTF-16
//	u32 DestinationCount, then DestinationCount times
//	    u32 PortId, PortName, NicName, NicType (NUL-terminated UTF-16)
//	u32 FragmentSize, Fragment
//	u32 OOBDataSize, OOBData: the NET_BUFFER_LIST info array, one
//	    pointer-sized slot each; slot 4 is Ieee8021QNetBufferListInfo
//
// The manifest dumps (jdu2600's tsv, the airbus parser) show Destination
// as one "Double": their generators could not render the struct array,
// which Wireshark's dissector walks element by element.
const ndisVMSwitchFragment = 1003

// ieee8021QInfo is the OOB slot of the 802.1Q tag (NDIS_NET_BUFFER_LIST_INFO
// Ieee8021QNetBufferListInfo).
const ieee8021QInfo = 4

// evFlag64Bit is EVENT_HEADER_FLAG_64_BIT_HEADER: the logging process was
// 64-bit, so the OOB slots are 8 bytes (Wireshark's dissector decides the
// same way).
const evFlag64Bit = 0x0040

var (
	errVMSwitchShort  = errors.New("VMSwitch packet event shorter than its fields")
	errVMSwitchString = errors.New("VMSwitch packet event string without its NUL")
	errVMSwitchDests  = errors.New("VMSwitch packet event claims more destinations than it holds")
)

// vmswitch takes a VMSwitchPacketFragment event: its fragment joins and
// folds as a 1001 fragment does, with the source port and VLAN kept for
// convert's interfaces.
func (r *Reader) vmswitch(at int) {
	frag, p, err := parseVMSwitch(r.ev.user, r.ev.flags&evFlag64Bit != 0)
	if err != nil {
		r.damage("NDIS event %d at %#x of the buffer: %v", r.ev.id, bufferHeaderSize+at, err)
		return
	}
	r.ndisFragment(frag, p)
}

// parseVMSwitch reads a 1003 event's user data: the fragment and what
// places it. The OOB data may be missing or short: the VLAN is then 0.
func parseVMSwitch(u []byte, ptr64 bool) ([]byte, ndisPacket, error) {
	le := binary.LittleEndian
	var p ndisPacket
	if len(u) < 12 {
		return nil, p, errVMSwitchShort
	}
	p.miniport, p.lower, p.port = le.Uint32(u), le.Uint32(u[4:]), le.Uint32(u[8:])
	pos := 12
	var ok bool
	for range 3 {
		if pos, ok = skipUTF16Z(u, pos); !ok {
			return nil, p, errVMSwitchString
		}
	}
	if len(u)-pos < 4 {
		return nil, p, errVMSwitchShort
	}
	dests := le.Uint32(u[pos:])
	pos += 4
	// Each destination takes at least 10 bytes (a port ID and three
	// empty strings): a count beyond that is damage, not a long walk.
	if uint64(dests)*10 > uint64(len(u)-pos) {
		return nil, p, errVMSwitchDests
	}
	for range dests {
		if len(u)-pos < 4 {
			return nil, p, errVMSwitchShort
		}
		pos += 4
		for range 3 {
			if pos, ok = skipUTF16Z(u, pos); !ok {
				return nil, p, errVMSwitchString
			}
		}
	}
	if len(u)-pos < 4 {
		return nil, p, errVMSwitchShort
	}
	size := le.Uint32(u[pos:])
	pos += 4
	if uint64(size) > uint64(len(u)-pos) {
		return nil, p, errNDISFragment
	}
	frag := u[pos : pos+int(size)]
	pos += int(size)
	if len(u)-pos >= 4 {
		oobLen := le.Uint32(u[pos:])
		pos += 4
		slot := 4
		if ptr64 {
			slot = 8
		}
		if uint64(oobLen) <= uint64(len(u)-pos) && int(oobLen) >= (ieee8021QInfo+1)*slot {
			// NDIS_NET_BUFFER_LIST_8021Q_INFO: UserPriority:3,
			// CanonicalFormatId:1, VlanId:12, from the low bit up.
			tag := le.Uint32(u[pos+ieee8021QInfo*slot:])
			p.vlan = uint16(tag>>4) & 0xFFF
		}
	}
	return frag, p, nil
}

// skipUTF16Z returns where the NUL-terminated UTF-16 string at pos ends
// (after its NUL), or false when it has none.
func skipUTF16Z(u []byte, pos int) (int, bool) {
	for ; pos+1 < len(u); pos += 2 {
		if u[pos] == 0 && u[pos+1] == 0 {
			return pos + 2, true
		}
	}
	return 0, false
}

package etl

import (
	"encoding/binary"
	"errors"

	"github.com/gopacket/gopacket/layers"
)

// Microsoft-Windows-PktMon, what `pktmon start --capture` logs
// (windows-formats.md §1.5; jdu2600/Windows10EtwEvents
// manifest/Microsoft-Windows-PktMon.tsv, Microsoft's converter
// PktMonConstants: PktMonEvtFramePayloadId 160, PktMonEvtFrameDropPayloadId
// 170).
// ProviderPktMon is Microsoft-Windows-PktMon.
var ProviderPktMon = mustGUID("4D4F80D9-C8BD-4D73-BB5B-19C90402C5AC")

const (
	pktmonPacket  = 160
	pktmonDropped = 170
	// pktmonFixed is the template's fixed part: PktGroupId u64,
	// PktNumber u16, AppearanceCount u16, DirTag u16, PacketType u16,
	// ComponentId u16, EdgeId u16, FilterId u16, DropReason u32,
	// DropLocation u32, OriginalPayloadSize u16, LoggedPayloadSize u16.
	pktmonFixed = 34
)

// PKTMON_PACKET_TYPE (ndis.sys _PKTMON_PACKET_TYPE): 1 Ethernet, 2 WiFi,
// 3 IP; the rest (HTTP, TCP, UDP, ARP, ICMP, unknown) are not frames softsa
// can place on a link.
func pktmonLink(t uint16) (layers.LinkType, bool) {
	switch t {
	case 1:
		return layers.LinkTypeEthernet, true
	case 2:
		return layers.LinkTypeIEEE802_11, true
	case 3:
		return layers.LinkTypeRaw, true
	}
	return 0, false
}

var (
	errPktmonShort   = errors.New("pktmon packet event shorter than its fixed fields")
	errPktmonPayload = errors.New("pktmon logged payload size past the end of its event")
)

// pktmonPacketInfo is one PktMon packet event's fields.
type pktmonPacketInfo struct {
	group       uint64
	number      uint16
	appearance  uint16
	dir         uint16
	packetType  uint16
	component   uint16
	dropReason  uint32
	originalLen int
	payload     []byte
}

func parsePktmon(user []byte, p *pktmonPacketInfo) error {
	if len(user) < pktmonFixed {
		return errPktmonShort
	}
	le := binary.LittleEndian
	p.group = le.Uint64(user)
	p.number = le.Uint16(user[8:])
	p.appearance = le.Uint16(user[10:])
	p.dir = le.Uint16(user[12:])
	p.packetType = le.Uint16(user[14:])
	p.component = le.Uint16(user[16:])
	p.dropReason = le.Uint32(user[22:])
	p.originalLen = int(le.Uint16(user[30:]))
	logged := int(le.Uint16(user[32:]))
	if logged > len(user)-pktmonFixed {
		return errPktmonPayload
	}
	p.payload = user[pktmonFixed : pktmonFixed+logged]
	return nil
}

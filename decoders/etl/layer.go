package etl

// Layer says where in the Windows network stack a packet was logged.
type Layer uint8

// The layers softsa reads packets from. LayerWire is the zero value: the
// NDIS and PktMon providers log frames as the adapter sends and receives
// them, which is what a capture on the wire sees (ESP stays ESP).
// LayerWFP is the WFP transport layer (provider C22D1B14-…, events
// 60011–60022 and 2000): above IPsec, so a packet that was ESP on the wire
// is logged decrypted there, and must never be taken for clear traffic on
// the wire.
const (
	LayerWire Layer = iota
	LayerWFP
)

// Origin is where and how a packet was logged, as far as the ETL file
// says: what a Frame carries beyond its bytes and time, from the reader's
// window through capture.Frame to convert and the analysis.
type Origin struct {
	// DropReason is the PKTMON drop reason of a Dropped packet.
	DropReason uint32
	// Adapter is the NDIS MiniportIfIndex of a netsh trace packet (the
	// adapter's interface index), 0 where the source does not say.
	Adapter uint32
	// Port and VLAN are a VMSwitch packet's (NDIS event 1003) source
	// switch port and the VLAN ID of its 802.1Q out-of-band info; 0 for
	// every other packet.
	Port uint32
	VLAN uint16
	// Layer is where the packet was logged: the wire (NDIS, PktMon) or
	// the WFP transport layer above IPsec.
	Layer Layer
	// Dropped is set for a packet pktmon logged as dropped (event 170).
	Dropped bool
	// Outbound and Inbound are the NDIS SendPath and ReceivePath keywords
	// (the WFP provider's direction keywords); pktmon frames set neither.
	Outbound, Inbound bool
}

// String names the layer as the report and convert's interface names say
// it.
func (l Layer) String() string {
	switch l {
	case LayerWire:
		return "wire"
	case LayerWFP:
		return "wfp"
	}
	return "unknown"
}

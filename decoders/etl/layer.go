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

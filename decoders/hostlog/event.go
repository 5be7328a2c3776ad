// Package hostlog reads what a Windows host logs about its own IPsec and
// IKE negotiations, the evidence a capture cannot show because it is
// inside encrypted payloads: Microsoft-Windows-WFP events in an ETL file
// (netsh trace), the netEvents of wfpdiag.xml and wfpdiag.cab (netsh wfp
// capture), and Security log exports as XML (IPsec audit events). Each
// becomes an Event on the host's clock; the analyzer places it on a
// capture's timeline.
package hostlog

import (
	"net/netip"
	"time"
)

// Kind says what an Event reports.
type Kind uint8

// The kinds of host events softsa reads.
const (
	KindUnknown       Kind = iota
	KindMMFailure          // main mode negotiation failed (WFP 1005, Security 4652/4653, IKEEXT_MM_FAILURE)
	KindQMFailure          // quick mode negotiation failed (WFP 1007, Security 4654)
	KindEMFailure          // AuthIP extended mode failed (WFP 1009, Security 4983/4984)
	KindMMEstablished      // main mode SA established (WFP 1013/1043, Security 4650/4651)
	KindQMEstablished      // quick mode SA established (WFP 1027, Security 5451)
	KindKernelDrop         // IPsec driver dropped a packet (WFP 1003, Security 4960-4965)
	KindClearTextDrop      // inbound clear text that should have been secured (Security 4963, or a kernel drop with that status)
	KindIKESent            // IKE packet sent (WFP 1024)
	KindIKEReceived        // IKE packet received (WFP 1025)
	KindInvalidPacket      // invalid negotiation packet received (Security 4976-4978)
	KindClassifyDrop       // a WFP filter dropped a packet (wfpdiag.xml FWPM_NET_EVENT_TYPE_CLASSIFY_DROP)
)

// Event is one host-side log entry about IPsec between two addresses.
// Fields a source does not carry are zero.
type Event struct {
	// Time is the host's clock, as logged (UTC).
	Time time.Time
	Kind Kind
	// Source names the log: "WFP ETL event 1005", "wfpdiag.xml
	// IKEEXT_MM_FAILURE", "Security 4653".
	Source string
	// File is the file it came from; Record its 1-based position among
	// the events softsa read from that file, for the reader to find it.
	File   string
	Record int

	Local, Remote         netip.Addr
	LocalPort, RemotePort uint16

	// KeyModule is "IKEv1", "AuthIP" or "IKEv2" when logged.
	KeyModule string
	// ErrorCode is the Win32 error of a failure (13800-13999 for IKE),
	// 0 when the source gives only text (Reason).
	ErrorCode uint32
	// Reason is the failure reason as text: the source's own, or the
	// message of ErrorCode.
	Reason string
	// FailurePoint is "local" or "peer" (IPSEC_FAILURE_POINT ME / PEER).
	FailurePoint string
	// State is the negotiation state at the failure (IKEEXT_MM_SA_STATE
	// and friends, by name); Role "initiator" or "responder".
	State, Role string

	// ICookie and RCookie are the IKE SPIs (cookies) where logged;
	// MessageID and Exchange those of an IKE packet event; SPI an ESP
	// SPI (kernel drops, quick mode SAs).
	ICookie, RCookie uint64
	MessageID        uint32
	Exchange         uint8
	SPI              uint32
	// Inbound is set for an inbound drop or a received packet.
	Inbound bool
}

package synth

import (
	"net/netip"
	"time"
)

// Format is the capture file format a scenario is written in.
type Format int

// Capture file formats.
const (
	PCAPNG Format = iota // pcapng, one interface description block per Interface
	PCAP                 // classic libpcap, microsecond timestamps, one link type
)

// Ext returns the file name extension of the format, with its dot.
func (f Format) Ext() string {
	if f == PCAP {
		return ".pcap"
	}
	return ".pcapng"
}

// LinkKind is the link-layer framing of a capture interface.
type LinkKind int

// Link-layer framings.
const (
	LinkEthernet LinkKind = iota // Ethernet II, optionally 802.1Q tagged per pair
	LinkLinuxSLL                 // Linux cooked capture (tcpdump -i any)
	LinkRawIP                    // raw IPv4/IPv6, no link header (LINKTYPE_RAW)
)

// Interface is one capture interface of a scenario.
type Interface struct {
	Name string
	Kind LinkKind
}

// Release is the operating system of a host. Windows releases decide the
// vendor IDs a host sends and which IKE protocols it speaks.
type Release int

// Releases. ReleaseOther is a host that is not Windows (a NAS, a printer, a
// Linux server): it speaks no IKE.
const (
	ReleaseOther Release = iota
	WinXP
	Win2003
	Vista
	Win2008
	Win7
	Win2008R2
)

// String returns the release's marketing name.
func (r Release) String() string {
	switch r {
	case WinXP:
		return "Windows XP"
	case Win2003:
		return "Windows Server 2003"
	case Vista:
		return "Windows Vista"
	case Win2008:
		return "Windows Server 2008"
	case Win7:
		return "Windows 7"
	case Win2008R2:
		return "Windows Server 2008 R2"
	}
	return "other"
}

// VistaOrLater reports whether the release has the Vista IPsec stack (AuthIP,
// IKEEXT): the side that needs hotfix 977526.
func (r Release) VistaOrLater() bool { return r >= Vista }

// Legacy reports whether the release is XP or Server 2003: the IPsec Policy
// Agent side that offers "fallback to clear".
func (r Release) Legacy() bool { return r == WinXP || r == Win2003 }

// Policy is a host's IPsec configuration towards its peers.
type Policy struct {
	// IPsec is true when an IPsec policy asks to secure traffic to the peer.
	IPsec bool
	// Fallback is XP/2003's Negotiate Security filter action with "Allow
	// unsecured communication with non-IPsec-aware computer" and "Accept
	// unsecured communication, but always respond using IPsec".
	Fallback bool
	// IKEFlags is the XP/2003 registry value; KB 977526's loop needs 0x14,
	// any other value gives no communication at all.
	IKEFlags uint32
	// ValidCert is true when the host has a valid IPsec certificate.
	ValidCert bool
}

// Host is one machine in a scenario.
type Host struct {
	Name    string
	Addr    netip.Addr
	Release Release
	Policy  Policy
	// VendorIDs overrides the vendor IDs the host's IKE sends; nil takes the
	// release's defaults (DefaultVendorIDs).
	VendorIDs [][]byte
}

// Fault is a failure injected into a pair's IKE negotiation, for the
// negotiation-failure samples.
type Fault int

// Faults.
const (
	FaultNone          Fault = iota
	FaultIKEBlocked          // UDP 500 dropped: the initiator's MM1 is never answered
	FaultNoProposal          // the responder answers MM1 with NO-PROPOSAL-CHOSEN
	FaultAuthFailed          // the responder answers MM5 with AUTHENTICATION-FAILED
	FaultInvalidCert         // the responder answers MM5 with INVALID-CERTIFICATE
	FaultFragmentsLost       // the initiator's fragmented MM5 never arrives
	// IKEv2 pairs (Protocol ProtoIKEv2). The first two still establish.
	FaultIKEv2Cookie    // the responder answers the first IKE_SA_INIT with COOKIE; the retry is answered
	FaultIKEv2InvalidKE // the responder asks for another DH group (INVALID_KE_PAYLOAD); the retry is answered
	FaultIKEv2Redirect  // the responder answers IKE_SA_INIT with REDIRECT to another gateway (RFC 5685)
	FaultIKEv2Abandoned // IKE_SA_INIT is answered and the initiator sends nothing more
)

// Protocol selects the IKE protocol of a healthy pair; ProtoAuto picks AuthIP
// between two Vista-or-later hosts and IKEv1 otherwise.
type Protocol int

// IKE protocols.
const (
	ProtoAuto Protocol = iota
	ProtoIKEv1
	ProtoAuthIP
	ProtoIKEv2
)

// TrafficKind is the application a pair carries.
type TrafficKind int

// Traffic kinds.
const (
	TrafficNone     TrafficKind = iota // IKE only (negotiation-failure pairs)
	TrafficSMBRead                     // copy files from the responder's share (READ)
	TrafficSMBWrite                    // copy files to the responder's share (WRITE), robocopy-like
	TrafficSMBIdle                     // an open SMB session used now and then, with long natural pauses
	TrafficDNS                         // DNS queries over UDP 53
	TrafficHTTP                        // HTTP GETs over TCP 80, one connection each
	TrafficPing                        // ping -t: ICMP (ICMPv6) echo requests, one a second
	TrafficPingHTTP                    // ping -t, and HTTP GETs every Interval in between
)

// File is one file a copy reads or writes.
type File struct {
	Name string // path inside the share, backslashes as Windows sends them
	Size int
}

// Traffic describes what a pair's initiator does.
type Traffic struct {
	Kind     TrafficKind
	Share    string        // SMB share name
	Files    []File        // files copied in order, round-robin when the list is done
	Chunk    int           // bytes per SMB READ/WRITE
	Interval time.Duration // mean time between two operations (jittered ±25 %)
	// ActiveFor and PauseFor shape TrafficSMBIdle: bursts of operations, then
	// a pause of PauseFor (jittered) with no packet at all.
	ActiveFor time.Duration
	PauseFor  time.Duration
	Names     []string // names queried (DNS) or paths fetched (HTTP)
}

// NAT places a pair's initiator behind a NAT: the capture is taken on the
// initiator's side, IKEv2 detects the NAT and moves to UDP 4500.
type NAT struct {
	Public netip.Addr // the initiator's address as the responder sees it
}

// Pair is two hosts and the traffic the initiator starts to the responder.
type Pair struct {
	Initiator string // Host.Name of the host that starts the traffic
	Responder string
	Iface     int    // index into Scenario.Interfaces
	VLAN      uint16 // 802.1Q tag on Ethernet interfaces, 0 for none
	PPPoE     uint16 // PPPoE session ID on Ethernet interfaces (inside the VLAN tag), 0 for none
	Start     time.Duration
	Stop      time.Duration // 0: until the end of the scenario
	Traffic   Traffic
	Fault     Fault
	Protocol  Protocol
	// Exempt marks traffic the IPsec policies exempt (DNS to a domain
	// controller, as Windows domain isolation does): it is always clear.
	Exempt bool
	NAT    *NAT
	Timers Timers // zero fields take DefaultTimers
	// RekeyAfter is when a healthy pair renegotiates its child/quick-mode SA
	// (0: never).
	RekeyAfter time.Duration
}

// Scenario is one sample capture.
type Scenario struct {
	Name        string
	Description string
	Format      Format
	Interfaces  []Interface
	Start       time.Time
	Duration    time.Duration
	Seed        uint64
	Hosts       []Host
	Pairs       []Pair
	// Expect lists the protocols tshark's io,phs must show (e.g. "isakmp",
	// "esp", "udpencap", "smb" for SMB1, "smb2") and Absent those it must
	// not show.
	Expect []string
	Absent []string
	// Cut, when set, makes the capture a partial view of what the
	// scenario's hosts did (a short or one-way capture).
	Cut *Cut
}

// Cut is the part of a scenario's traffic a capture holds: the frames
// from From to Until after the scenario's start (Until 0: to the end; IKE
// retransmissions outlive Duration), the first MaxFrames of them (0: all), and only those
// sent by the host named OnlyFrom ("": both directions). Verdict and
// Findings, when Verdict is set, are what the analysis must say instead of
// the hosts' mode, and no outage or soft SA is then expected.
type Cut struct {
	// StepAt and StepBack set the capture host's clock back: frames from
	// StepAt on are stamped StepBack earlier (expected spans likewise), in
	// their capture order.
	StepAt, StepBack time.Duration
	From             time.Duration
	Until            time.Duration
	MaxFrames        int
	OnlyFrom         string
	Verdict          string
	Findings         []string
}

// FileName is the capture's file name, e.g. "healthy-authip.pcapng".
func (s *Scenario) FileName() string { return s.Name + s.Format.Ext() }

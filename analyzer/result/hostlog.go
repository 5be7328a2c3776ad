package result

// Host-side evidence (issue #15): what the Windows hosts of a capture
// logged about their own IPsec negotiations, placed on the capture's
// timeline. Kept apart from result.go so that the types of the capture
// proper and those of the host logs change independently.

// HostLog is one host-side log attached to a capture: a wfpdiag.xml or
// .cab, a Security log XML export, or the WFP events of an ETL (the
// capture's own, or a separate one).
type HostLog struct {
	File string `json:"file"`
	// Format is one of the HostLogFormat* constants.
	Format string `json:"format"`
	// Events counts the events read; Attached those placed on a pair of
	// the capture (the others concern addresses the capture has no pair
	// of, or carry no time).
	Events   int `json:"events"`
	Attached int `json:"attached"`
	// OffsetSeconds is the host's clock minus the capture's: a host event
	// logged at host time T happened at capture time T - OffsetSeconds.
	OffsetSeconds float64 `json:"offset_seconds"`
	// OffsetMethod is one of the Offset* constants; OffsetMatches counts
	// the events it was estimated from; OffsetNote says both in words
	// ("host clock 3.70 s ahead of the capture, from 24 IKE packet
	// events").
	OffsetMethod  string `json:"offset_method"`
	OffsetMatches int    `json:"offset_matches"`
	OffsetNote    string `json:"offset_note"`
	// Warnings are the reader's (what it skipped or cut short) and the
	// attachment's.
	Warnings []string `json:"warnings"`
}

// Host log formats, HostLog.Format.
const (
	HostLogFormatETL      = "etl"          // Microsoft-Windows-WFP events in an ETL
	HostLogFormatWFPDiag  = "wfpdiag-xml"  // netsh wfp capture's wfpdiag.xml
	HostLogFormatCAB      = "wfpdiag-cab"  // the wfpdiag.xml inside wfpdiag.cab
	HostLogFormatSecurity = "security-xml" // Security log exported as XML
)

// How a host log's clock offset was estimated, HostLog.OffsetMethod.
const (
	// OffsetSameClock: the WFP events of the capture's own ETL, written
	// by the host that captured: offset 0 by construction.
	OffsetSameClock = "same-clock"
	// OffsetIKEPackets: the median difference between IKE packet events
	// (WFP 1024/1025) and the capture's IKE messages with the same
	// cookies, message ID and direction.
	OffsetIKEPackets = "ike-packets"
	// OffsetFailures: the median difference between failure events and
	// the last message of the negotiation each follows (same cookies, or
	// the same pair in order); rough, since IKE logs the failure when it
	// gives up, some seconds after its last retransmission.
	OffsetFailures = "failures"
	// OffsetNone: nothing matched; host times are taken as they are.
	OffsetNone = "none"
)

// HostEvent is one host-side event about a pair, as the pair's "Windows
// says" list shows it.
type HostEvent struct {
	// Time is on the capture's timeline (HostTime minus the log's
	// offset); HostTime as the host logged it.
	Time     Time `json:"time"`
	HostTime Time `json:"host_time"`
	// File and Record locate the event: the log file and its 1-based
	// position among the events read from it. Source names the log and
	// event ("Security 4653", "WFP ETL event 1005").
	File   string `json:"file"`
	Record int    `json:"record"`
	Source string `json:"source"`
	// Kind is one of the HostKind* constants.
	Kind string `json:"kind"`
	// Host is the address of the host that logged it (the event's local
	// address), Peer the other end.
	Host string `json:"host,omitempty"`
	Peer string `json:"peer,omitempty"`
	// ErrorCode is the Win32 error of a failure, ErrorName its name
	// (ERROR_IPSEC_IKE_AUTH_FAIL) when known; Reason its message, or the
	// log's own text.
	ErrorCode    uint32 `json:"error_code,omitempty"`
	ErrorName    string `json:"error_name,omitempty"`
	Reason       string `json:"reason,omitempty"`
	FailurePoint string `json:"failure_point,omitempty"`
	State        string `json:"state,omitempty"`
	Role         string `json:"role,omitempty"`
	KeyModule    string `json:"key_module,omitempty"`
	// InitiatorSPI is that of the pair's negotiation whose cookies the
	// event carries (hex), when the capture has it.
	InitiatorSPI string `json:"initiator_spi,omitempty"`
	// Cycle is the 1-based KB 977526 cycle the event falls in, During
	// "outage" or "soft-sa"; 0 and empty outside every cycle.
	Cycle  int    `json:"cycle,omitempty"`
	During string `json:"during,omitempty"`
}

// Host event kinds, HostEvent.Kind.
const (
	HostKindMMFailure     = "mm-failure"
	HostKindQMFailure     = "qm-failure"
	HostKindEMFailure     = "em-failure"
	HostKindMMEstablished = "mm-established"
	HostKindQMEstablished = "qm-established"
	HostKindKernelDrop    = "kernel-drop"
	HostKindClearTextDrop = "cleartext-drop"
	HostKindIKESent       = "ike-sent"
	HostKindIKEReceived   = "ike-received"
	HostKindInvalidPacket = "invalid-packet"
	HostKindClassifyDrop  = "classify-drop" // a WFP filter (not IPsec) dropped a packet
	HostKindUnknown       = "unknown"
)

// During values of HostEvent.
const (
	DuringOutage = "outage"
	DuringSoftSA = "soft-sa"
)

// ProtoHost is the Evidence.Proto of a host event: it has no frame
// (Frame 0) and Host says where it is.
const ProtoHost = "host"

// HostRef locates a host event cited as evidence.
type HostRef struct {
	File   string `json:"file"`
	Record int    `json:"record"`
	Source string `json:"source"`
}

// FirstFrame is the frame of the finding's first evidence that is a frame
// (host events have none), 0 when none is.
func (f *Finding) FirstFrame() int {
	for _, e := range f.Evidence {
		if e.Frame > 0 {
			return e.Frame
		}
	}
	return 0
}

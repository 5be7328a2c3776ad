package result

// SchemaVersion is the version of the JSON contract in DESIGN.md. Adding a
// field keeps it; renaming or removing one bumps it.
const SchemaVersion = 1

// Result is what every report renders: the analysis of one or more capture
// files. Field names (the json tags) are a public interface.
type Result struct {
	SchemaVersion int  `json:"schema_version"`
	Tool          Tool `json:"tool"`
	// Incomplete is set when the run was stopped (SIGINT, SIGTERM) before
	// every capture was analysed; IncompleteReason says how many were and
	// why. The captures are those that finished.
	Incomplete       bool            `json:"incomplete,omitempty"`
	IncompleteReason string          `json:"incomplete_reason,omitempty"`
	Captures         []CaptureResult `json:"captures"`
}

// NewResult wraps capture results in a Result of the current schema version.
func NewResult(version string, captures ...CaptureResult) Result {
	if captures == nil {
		captures = []CaptureResult{}
	}
	return Result{SchemaVersion: SchemaVersion, Tool: Tool{Name: "softsa", Version: version}, Captures: captures}
}

// Tool names the program that produced a Result.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// CaptureResult is the analysis of one capture file.
type CaptureResult struct {
	File   string `json:"file"`
	Format string `json:"format"`
	Frames int    `json:"frames"`
	First  Time   `json:"first"`
	Last   Time   `json:"last"`
	// Warnings say what was left out or cut short: a damaged file, a cap
	// that was reached. The analysis up to that point is still valid.
	Warnings []string `json:"warnings"`
	// Error is set only when nothing could be read at all.
	Error string `json:"error,omitempty"`
	Hosts []Host `json:"hosts"`
	Pairs []Pair `json:"pairs"`
	// Merge is set when the capture is two captures merged (--merge).
	Merge *MergeInfo `json:"merge,omitempty"`
	// FilteredOut is, when a --pair filter was given, the first pairs it
	// left out ("A,B", as --pair takes them, in the order first seen),
	// and FilteredOutMore how many more it left out ("at least" when
	// negative): what a filter that matched nothing is told. They are
	// for that message, not the report.
	FilteredOut     []string `json:"-"`
	FilteredOutMore int      `json:"-"`
	// HostLogs are the host-side logs attached to the capture
	// (hostlog.go).
	HostLogs []HostLog `json:"host_logs,omitempty"`

	// Windows ETL captures (netsh trace, pktmon): see ETLInfo.
	ETLInfo
}

// ETLInfo is what a report says of an ETL capture only; every field is
// empty for the other formats.
type ETLInfo struct {
	// FrameNumbers is, for a capture Wireshark cannot open (ETL), the
	// command that writes the pcapng file whose frame numbers the report's
	// are: frame N of the report is frame N of that file.
	FrameNumbers string `json:"frame_numbers,omitempty"`
	// ETL is what the ETL reader counted.
	ETL *ETLCounts `json:"etl,omitempty"`
	// WFPLayer is set when the capture holds packets of the WFP layer,
	// logged above IPsec (decrypted): they are counted, per pair
	// (Pair.WFPPackets) and here, and never analysed with the wire's.
	WFPLayer *WFPLayer `json:"wfp_layer,omitempty"`
}

// ETLCounts is what the ETL reader counted: events read, packet events
// decoded, copies of a packet logged again at another layer or component
// and folded into its first, packets pktmon logged as dropped (event 170;
// each is still a frame, marked in the evidence that cites it), events of
// providers that log no packets (skipped), packets whose fragments never
// completed, frames that came later than the reordering window allowed,
// buffers damaged (each named in the warnings), and the frames delivered
// per layer.
type ETLCounts struct {
	Events         int            `json:"events"`
	Packets        int            `json:"packets"`
	Folded         int            `json:"folded"`
	Dropped        int            `json:"dropped"`
	OtherProviders int            `json:"other_providers"`
	Incomplete     int            `json:"incomplete"`
	OutOfOrder     int            `json:"out_of_order"`
	DamagedBuffers int            `json:"damaged_buffers"`
	Layers         map[string]int `json:"layers"`
}

// NoteOrEmpty returns w's note, or "" for a nil w.
func (w *WFPLayer) NoteOrEmpty() string {
	if w == nil {
		return ""
	}
	return w.Note
}

// WFPLayer says how many packets the WFP layer logged and what that means
// for the analysis.
type WFPLayer struct {
	// Packets is the number of WFP-layer frames; OtherPairs how many of
	// them belong to no pair seen on the wire.
	Packets    int `json:"packets"`
	OtherPairs int `json:"other_pairs"`
	// WireFrames is the number of frames from the wire (NDIS, pktmon):
	// 0 means the analysis cannot see the wire at all.
	WireFrames int    `json:"wire_frames"`
	Note       string `json:"note"`
}

// Host is what the capture tells about one address: the IKE vendor IDs it
// sent and the Windows release they announce.
type Host struct {
	Addr string `json:"addr"`
	// OS is a human-readable guess with its source, e.g. "Windows Vista
	// (from vendor ID MS NT5 ISAKMPOAKLEY version 5)".
	OS        string   `json:"os,omitempty"`
	VendorIDs []string `json:"vendor_ids"`
	// Windows is the release alone, as ike.VendorIDWindows names it.
	Windows string `json:"windows,omitempty"`
}

// Pair is everything softsa found between two addresses.
type Pair struct {
	// Initiator is the side that started the pair's first IKE negotiation
	// (or, without IKE, sent the first TCP SYN or else the first packet);
	// for a KB 977526 pair it is the side whose traffic is not answered.
	Initiator string `json:"initiator"`
	Responder string `json:"responder"`
	// Verdict is one of the Verdict* constants: exactly one per pair,
	// the most specific that applies.
	Verdict string `json:"verdict"`
	// Reason says, for an inconclusive verdict, why the capture cannot
	// decide and what capture would; for a healthy pair with ESP and no
	// IKE, that its SAs were negotiated before the capture started.
	Reason       string        `json:"reason,omitempty"`
	Findings     []Finding     `json:"findings"`
	Negotiations []Negotiation `json:"negotiations"`
	SAs          []SA          `json:"sas"`
	Gaps         []Gap         `json:"gaps"`
	SMB          *SMB          `json:"smb,omitempty"`

	FirstFrame   int  `json:"first_frame"`
	LastFrame    int  `json:"last_frame"`
	First        Time `json:"first"`
	Last         Time `json:"last"`
	ClearPackets int  `json:"clear_packets"`
	ClearBytes   int  `json:"clear_bytes"`
	ESPPackets   int  `json:"esp_packets"`
	IKEMessages  int  `json:"ike_messages"`
	// HostEvents is what the hosts' logs say about the pair ("Windows
	// says"), in capture time order, IKE packet events left out;
	// HostEventsOmitted counts those beyond the cap.
	HostEvents        []HostEvent `json:"host_events,omitempty"`
	HostEventsOmitted int         `json:"host_events_omitted,omitempty"`

	// WFPPackets counts the pair's packets an ETL capture logged at the
	// WFP layer, above IPsec (decrypted): not analysed, since a decrypted
	// copy of ESP would look like clear traffic.
	WFPPackets int `json:"wfp_packets,omitempty"`
}

// Finding is one diagnosis with the frames that support it.
type Finding struct {
	ID         string  `json:"id"`
	Confidence float64 `json:"confidence"`
	Summary    string  `json:"summary"`
	// Severity is FindingSeverityProblem or FindingSeverityInfo (the
	// catalog's, or WithoutIPsec's on a pair without IPsec); only problems
	// make softsa exit with 1.
	Severity string `json:"severity,omitempty"`
	// Informational marks a finding that describes expected behaviour
	// (FALLBACK_OK) rather than a problem.
	Informational bool       `json:"informational,omitempty"`
	Cycles        []Cycle    `json:"cycles,omitempty"`
	Evidence      []Evidence `json:"evidence"`
	// EvidenceOmitted counts evidence left out to keep the list short.
	EvidenceOmitted int    `json:"evidence_omitted,omitempty"`
	WiresharkFilter string `json:"wireshark_filter"`
}

// Cycle is one turn of the KB 977526 loop: an outage, then a soft SA.
type Cycle struct {
	OutageStart   Time    `json:"outage_start"`
	OutageEnd     Time    `json:"outage_end"`
	OutageSeconds float64 `json:"outage_seconds"`
	SoftSAStart   Time    `json:"soft_sa_start"`
	SoftSAEnd     Time    `json:"soft_sa_end"`
	SoftSASeconds float64 `json:"soft_sa_seconds"`
	Frames        []int   `json:"frames"`

	// OutageFirstFrame is the first unanswered clear packet, OutageEndFrame
	// the responder's first clear reply, SoftSAEndFrame the frame that ends
	// the soft SA: the next outage's first unanswered packet, or the last
	// clear packet of the capture when SoftSAOpen.
	OutageFirstFrame int `json:"outage_first_frame"`
	OutageEndFrame   int `json:"outage_end_frame"`
	SoftSAEndFrame   int `json:"soft_sa_end_frame"`
	// SoftSAOpen is set when the capture ends during the soft SA, so its
	// true lifetime is unknown (at least SoftSASeconds).
	SoftSAOpen bool `json:"soft_sa_open,omitempty"`
	// IKEMessages counts the initiator's IKE messages during (or just
	// before) the outage; Retransmissions its clear TCP retransmissions.
	IKEMessages     int `json:"ike_messages"`
	Retransmissions int `json:"retransmissions"`
	// HostFailures and HostDrops count the host events inside the outage
	// (hostlog.go): IKE/AuthIP failures, and packets the IPsec driver
	// dropped (Security 4963, WFP 1003).
	HostFailures int `json:"host_failures,omitempty"`
	HostDrops    int `json:"host_drops,omitempty"`
}

// Evidence is one frame that supports a finding.
type Evidence struct {
	Frame int  `json:"frame"`
	Time  Time `json:"time"`
	// Proto is what the frame carries, one of the Proto* constants, as
	// Wireshark dissects it; empty when the analyzer did not record it.
	Proto string `json:"proto"`
	// Src is the address that sent the frame; empty when the analyzer did
	// not record it.
	Src  string `json:"src"`
	What string `json:"what"`
	// Host is set, with Proto ProtoHost and Frame 0, when the evidence is
	// a host-side log event rather than a frame.
	Host *HostRef `json:"host,omitempty"`
}

// Evidence protocols.
const (
	ProtoISAKMP = "isakmp" // an IKEv1, AuthIP or IKEv2 message (UDP 500 or 4500)
	ProtoESP    = "esp"    // ESP, raw or UDP-encapsulated
	ProtoTCP    = "tcp"
	ProtoUDP    = "udp"
	ProtoICMP   = "icmp"  // an ICMP or ICMPv6 echo request or reply (ping)
	ProtoOther  = "other" // any other protocol, or an IP fragment never reassembled
)

// Negotiation is one IKE SA attempt: the messages of one (family, initiator
// SPI) between the pair, across all its exchanges.
type Negotiation struct {
	Protocol string `json:"protocol"` // ikev1, authip, ikev2
	// Exchange is the furthest exchange reached (quick over main, ike_auth
	// over ike_sa_init); Exchanges lists all that were seen.
	Exchange     string   `json:"exchange"`
	Exchanges    []string `json:"exchanges"`
	Initiator    string   `json:"initiator"`
	InitiatorSPI string   `json:"initiator_spi"`
	ResponderSPI string   `json:"responder_spi"`
	Start        Time     `json:"start"`
	End          Time     `json:"end"`
	Seconds      float64  `json:"seconds"`
	Messages     int      `json:"messages"`
	// Retransmissions counts messages that were byte-identical copies of
	// one already sent in the same direction of this negotiation.
	Retransmissions int `json:"retransmissions"`
	// FromInitiator and FromResponder count messages per direction.
	FromInitiator int `json:"from_initiator"`
	FromResponder int `json:"from_responder"`
	// Outcome is one of the Outcome* constants.
	Outcome string   `json:"outcome"`
	Notify  []string `json:"notify"`
	// EstablishedSeconds is the time from the first message to the
	// quick mode / IKE_AUTH completion (or the first ESP) when established.
	EstablishedSeconds float64 `json:"established_seconds,omitempty"`
	// Replaced is set when a new negotiation by the same initiator began
	// while this one had not completed.
	Replaced bool `json:"replaced,omitempty"`
	// FragmentsLost counts IKE fragment sets that never completed.
	FragmentsLost int `json:"fragments_lost,omitempty"`
	FirstFrame    int `json:"first_frame"`
	LastFrame     int `json:"last_frame"`
}

// Negotiation outcomes.
const (
	OutcomeEstablished = "established"
	OutcomeFailed      = "failed"
	OutcomeNoResponse  = "no-response"
	OutcomeIncomplete  = "incomplete"
	// OutcomeAbandoned: an IKEv2 IKE_SA_INIT the responder answered
	// (after any COOKIE or INVALID_KE_PAYLOAD retry) that the initiator
	// never continued.
	OutcomeAbandoned = "abandoned"
	// OutcomeRedirected: the responder sent the initiator to another
	// gateway (IKEv2 REDIRECT, RFC 5685).
	OutcomeRedirected = "redirected"
)

// SA is a hard SA (ESP, one per SPI and direction) or a soft SA (clear
// traffic admitted between the pair after a negotiation that did not
// establish).
type SA struct {
	Kind    string  `json:"kind"` // esp or soft
	SPI     string  `json:"spi"`  // hex; empty for soft SAs
	Start   Time    `json:"start"`
	End     Time    `json:"end"`
	Seconds float64 `json:"seconds"`
	Packets int     `json:"packets"`
	Bytes   int     `json:"bytes"`
	// Src and Dst give the direction of an ESP SA.
	Src        string `json:"src,omitempty"`
	Dst        string `json:"dst,omitempty"`
	FirstFrame int    `json:"first_frame"`
	LastFrame  int    `json:"last_frame"`
	// SeqGaps counts sequence numbers skipped (lost or not captured);
	// SeqRestarts counts times the sequence went back to the start.
	SeqGaps     int  `json:"seq_gaps,omitempty"`
	SeqRestarts int  `json:"seq_restarts,omitempty"`
	UDPEncap    bool `json:"udp_encap,omitempty"`
	// Reserved is set on an ESP SA whose SPI is in the range RFC 4303
	// reserves (0–255): not one IKE negotiated.
	Reserved bool `json:"reserved,omitempty"`
	// OneWay is set on an ESP SA with no ESP in the other direction while
	// it was in use.
	OneWay bool `json:"one_way,omitempty"`
	// DelaySeconds is, for a soft SA, the time from the start of the failed
	// negotiation to the first answered clear packet.
	DelaySeconds float64 `json:"delay_seconds,omitempty"`
	// Open is set on a soft SA still in place when the capture ends.
	Open bool `json:"open,omitempty"`
}

// SA kinds.
const (
	SAKindESP  = "esp"
	SAKindSoft = "soft"
)

// Gap is a period without two-way traffic: one side sending clear packets
// nobody answered (kind "unanswered"), or both sides silent (kind "idle").
type Gap struct {
	Kind         string  `json:"kind"`
	Start        Time    `json:"start"`
	End          Time    `json:"end"`
	Seconds      float64 `json:"seconds"`
	OneWayFrames int     `json:"one_way_frames"`
	// Sender is the side whose packets went unanswered; empty for idle.
	Sender     string `json:"sender,omitempty"`
	FirstFrame int    `json:"first_frame"`
	// EndFrame answered the gap (the first reply), or for an idle gap is
	// the first packet after it.
	EndFrame int `json:"end_frame"`
	// Open is set when the gap lasts to the end of the capture.
	Open            bool `json:"open,omitempty"`
	SYNRetries      int  `json:"syn_retries,omitempty"`
	Retransmissions int  `json:"retransmissions,omitempty"`
	IKEMessages     int  `json:"ike_messages,omitempty"`
	// SMBInFlight names the SMB requests outstanding when the gap began.
	SMBInFlight []string `json:"smb_in_flight,omitempty"`
}

// Gap kinds.
const (
	GapUnanswered = "unanswered"
	GapIdle       = "idle"
)

// SMB summarises the SMB traffic of a pair.
type SMB struct {
	Dialect      string   `json:"dialect"`
	Sessions     int      `json:"sessions"`
	BytesRead    int64    `json:"bytes_read"`
	BytesWritten int64    `json:"bytes_written"`
	Files        []string `json:"files"`
	Requests     int      `json:"requests"`
	Responses    int      `json:"responses"`
	// InFlight lists the requests still unanswered at the end of the
	// capture: what the user was doing when traffic stopped.
	InFlight []string `json:"in_flight,omitempty"`
}

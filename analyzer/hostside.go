package analyzer

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"

	"softsa/analyzer/result"
	"softsa/decoders/hostlog"
)

// Host-side evidence (issue #15). What the Windows hosts logged about their
// own negotiations (hostlog.Event: WFP events, wfpdiag.xml, Security log)
// is placed on the capture: on its pair by the unordered address pair, on
// a negotiation by the IKE cookies the event carries, and on the timeline
// by a clock offset per log file, estimated in hostclock.go:
//
//   - from IKE packet events (WFP 1024 sent, 1025 received): each is
//     matched to the capture's IKE messages with the same cookies, message
//     ID and direction; the offset is the median difference within the
//     densest window of offsetWindow among all candidate differences, so
//     that retransmissions (same key, seconds apart) do not pull it;
//   - failing that, from failure events (IKE/AuthIP main, quick and
//     extended mode) against the last message of the negotiation each
//     follows (same cookies when the event has them, else any negotiation
//     of the pair that did not establish), the same way with a wider
//     window: rough, since IKE logs the failure when it gives up, some
//     seconds after its last retransmission;
//   - the WFP events of the capture's own ETL are on its clock: offset 0.
//
// A log with neither is taken as it is, and the report says the offset is
// unknown. What the events then say of each pair (per outage, as the KB
// finding's evidence, against the capture) is in hostfacts.go.

const (
	// maxIKELog bounds the IKE messages remembered for matching IKE
	// packet events: the first 4096 of the capture (some 80 bytes each,
	// about 320 KiB), kept only when host logs are attached.
	maxIKELog = 4096
	// maxOffsetCandidates bounds the differences one estimate weighs.
	maxOffsetCandidates = 1 << 14
	// offsetWindow: IKE packet events within it of each other agree on
	// the offset (a retransmission of the same message is a second or
	// more apart). failureWindow: failure events, logged when IKE gives
	// up, agree less well.
	offsetWindow  = 250 * time.Millisecond
	failureWindow = 5 * time.Second
	// hostSlack: a host event up to this long after an outage's end
	// still belongs to it. IKE logs the failure as it gives up, which is
	// when the soft SA lets the clear traffic through and the outage
	// ends; the offset's error adds to it.
	hostSlack = 5 * time.Second
	// maxHostPerPair caps the events attached to one pair, whatever a
	// log holds: the per-pair work (cycles, contradictions) stays bounded.
	maxHostPerPair = 1 << 16
	// maxHostListed caps the "Windows says" list of one pair.
	maxHostListed = 100
	// maxHostEvidence is how many host events the KB finding cites per
	// outage (the first authentication failure or failure, the first
	// drop).
	maxHostEvidence = 2
	// contradictMargin: an event counts as inside an outage, or inside
	// ESP flowing, only this far from their ends, so that an offset off by
	// a little does not make a contradiction.
	contradictMargin = 2 * time.Second
	// maxContradictions caps the contradictions one finding lists.
	maxContradictions = 10
)

// authFailures are the Win32 errors that say main mode failed on
// authentication credentials: the KB 977526 precondition (the initiator
// has no valid IPsec certificate) as Windows logs it. Values from
// Microsoft's System Error Codes 12000-15999 (the ERROR_IPSEC_IKE_*
// constants, also in golang.org/x/sys/windows zerrors_windows.go).
var authFailures = map[uint32]bool{
	13801: true, // ERROR_IPSEC_IKE_AUTH_FAIL: IKE authentication credentials are unacceptable
	13806: true, // ERROR_IPSEC_IKE_NO_CERT: IKE failed to find a valid machine certificate
	13817: true, // ERROR_IPSEC_IKE_CRL_FAILED: certificate revocation check failed
	13818: true, // ERROR_IPSEC_IKE_INVALID_KEY_USAGE
	13819: true, // ERROR_IPSEC_IKE_INVALID_CERT_TYPE
	13820: true, // ERROR_IPSEC_IKE_NO_PRIVATE_KEY
	13826: true, // ERROR_IPSEC_IKE_INVALID_SIGNATURE
	13827: true, // ERROR_IPSEC_IKE_KERBEROS_ERROR
	13828: true, // ERROR_IPSEC_IKE_NO_PUBLIC_KEY
	13835: true, // ERROR_IPSEC_IKE_PROCESS_ERR_CERT
	13838: true, // ERROR_IPSEC_IKE_PROCESS_ERR_SIG
	13847: true, // ERROR_IPSEC_IKE_NO_PEER_CERT
	13848: true, // ERROR_IPSEC_IKE_PEER_CRL_FAILED
	13875: true, // ERROR_IPSEC_IKE_INVALID_SIG
	13881: true, // ERROR_IPSEC_IKE_INVALID_CERT_KEYLEN
	13887: true, // ERROR_IPSEC_IKE_CERT_CHAIN_POLICY_MISMATCH
	13889: true, // ERROR_IPSEC_IKE_INVALID_AUTH_PAYLOAD
}

// ikeLogEntry is one IKE message of the capture, as IKE packet events are
// matched against it.
type ikeLogEntry struct {
	key ikeKey
	t   stamp
}

// ikeKey identifies an IKE message up to retransmission.
type ikeKey struct {
	icookie, rcookie uint64
	msgid            uint32
	src, dst         netip.Addr
}

// hostEv is one host event attached to a pair.
type hostEv struct {
	ev   *hostlog.Event
	t    stamp  // on the capture's timeline
	log  int    // index in analysis.hostLogs
	file string // the event's file, else its log's
	// local is the host that logged the event: its local address, or for
	// an event that names only the remote end (Security 4960-4965) the
	// other address of the one pair that remote end has.
	local netip.Addr
}

// hostLogState is one attached log and what became of it.
type hostLogState struct {
	log    *hostlog.Log
	own    bool
	offset time.Duration
	res    result.HostLog
}

// noteIKE remembers an IKE message for the offset estimate, when host
// logs are attached and the bound allows.
func (a *analysis) noteIKE(m ikeKey, at stamp) {
	if !a.keepIKE {
		return
	}
	if len(a.ikeLog) >= maxIKELog {
		a.ikeLogCut++
		return
	}
	a.ikeLog = append(a.ikeLog, ikeLogEntry{key: m, t: at})
}

// cookie is an IKE SPI as the host logs carry it: the eight bytes read
// big-endian.
func cookie(spi [8]byte) uint64 { return binary.BigEndian.Uint64(spi[:]) }

// attachHostLogs estimates each host log's clock offset and shares its
// events out among the pairs. Call it in finish, before the pairs map is
// cleared.
func (a *analysis) attachHostLogs() {
	var logs []hostLogState
	if a.ownLog != nil && len(a.ownLog.Events) > 0 {
		logs = append(logs, hostLogState{log: a.ownLog, own: true})
	}
	for _, l := range a.opts.HostLogs {
		if l != nil {
			logs = append(logs, hostLogState{log: l})
		}
	}
	if len(logs) == 0 {
		return
	}
	a.hostPairs = make(map[pairKey][]hostEv)
	var idx map[ikeKey][]stamp
	var remote map[netip.Addr]pairKey
	for i := range logs {
		st := &logs[i]
		l := st.log
		st.res = result.HostLog{File: l.File, Format: hostFormatName(l.Format), Events: len(l.Events), Warnings: []string{}}
		for _, w := range l.Warnings {
			// The reader's warnings are the capture's too, naming the log.
			st.res.Warnings = append(st.res.Warnings, w)
			a.warnf("host log %s: %s", l.File, w)
		}
		if idx == nil && !st.own {
			idx = a.ikeIndex()
		}
		n := a.placeLog(st, idx)
		st.res.OffsetSeconds, st.res.OffsetMatches = seconds(st.offset), n
		untimed, elsewhere, capped := 0, 0, 0
		for j := range l.Events {
			e := &l.Events[j]
			if e.Time.IsZero() {
				untimed++
				continue
			}
			k, ok := eventKey(e)
			local := e.Local.Unmap()
			if !ok && !local.IsValid() {
				if remote == nil {
					remote = a.remoteIndex()
				}
				k, ok = remote[e.Remote.Unmap()]
				if ok {
					local = k.lo
					if local == e.Remote.Unmap() {
						local = k.hi
					}
				}
			}
			if !ok {
				elsewhere++
				continue
			}
			if _, ok := a.pairs[k]; !ok {
				elsewhere++
				continue
			}
			if len(a.hostPairs[k]) >= maxHostPerPair {
				capped++
				continue
			}
			file := e.File
			if file == "" {
				file = l.File
			}
			a.hostPairs[k] = append(a.hostPairs[k], hostEv{ev: e, t: stampOf(e.Time.Add(-st.offset)), log: i, file: file, local: local})
			st.res.Attached++
		}
		if untimed > 0 {
			st.res.Warnings = append(st.res.Warnings, fmt.Sprintf("%d events carry no time and are left out", untimed))
		}
		if capped > 0 {
			st.res.Warnings = append(st.res.Warnings, fmt.Sprintf("%d events left out: a pair holds at most %d host events", capped, maxHostPerPair))
		}
		if elsewhere > 0 {
			st.res.Warnings = append(st.res.Warnings, fmt.Sprintf("%d events concern addresses the capture has no pair of (or that the --pair filter left out)", elsewhere))
		}
		if a.ikeLogCut > 0 && st.res.OffsetMethod == result.OffsetIKEPackets {
			st.res.Warnings = append(st.res.Warnings, fmt.Sprintf("the offset was estimated from the capture's first %d IKE messages only", maxIKELog))
		}
	}
	a.hostLogs = logs
}

// eventKey is the pair an event concerns.
func eventKey(e *hostlog.Event) (pairKey, bool) {
	l, r := e.Local.Unmap(), e.Remote.Unmap()
	if !l.IsValid() || !r.IsValid() || l == r {
		return pairKey{}, false
	}
	return keyOf(l, r), true
}

// remoteIndex maps each address that is in exactly one pair of the
// capture to that pair: an event that names only its remote end (Security
// 4960-4965 carry RemoteAddress alone) is placed on the one pair that
// address has, and left out when it has several.
func (a *analysis) remoteIndex() map[netip.Addr]pairKey {
	idx := make(map[netip.Addr]pairKey)
	many := make(map[netip.Addr]bool)
	for k := range a.pairs {
		for _, addr := range []netip.Addr{k.lo, k.hi} {
			if _, dup := idx[addr]; dup {
				many[addr] = true
			}
			idx[addr] = k
		}
	}
	for addr := range many {
		delete(idx, addr)
	}
	return idx
}

func isFailure(k hostlog.Kind) bool {
	return k == hostlog.KindMMFailure || k == hostlog.KindQMFailure || k == hostlog.KindEMFailure
}

func isDrop(k hostlog.Kind) bool {
	return k == hostlog.KindKernelDrop || k == hostlog.KindClearTextDrop
}

func isEstablished(k hostlog.Kind) bool {
	return k == hostlog.KindMMEstablished || k == hostlog.KindQMEstablished
}

func isPacketEvent(k hostlog.Kind) bool {
	return k == hostlog.KindIKESent || k == hostlog.KindIKEReceived
}

var hostKindNames = [...]string{
	hostlog.KindUnknown:       result.HostKindUnknown,
	hostlog.KindMMFailure:     result.HostKindMMFailure,
	hostlog.KindQMFailure:     result.HostKindQMFailure,
	hostlog.KindEMFailure:     result.HostKindEMFailure,
	hostlog.KindMMEstablished: result.HostKindMMEstablished,
	hostlog.KindQMEstablished: result.HostKindQMEstablished,
	hostlog.KindKernelDrop:    result.HostKindKernelDrop,
	hostlog.KindClearTextDrop: result.HostKindClearTextDrop,
	hostlog.KindIKESent:       result.HostKindIKESent,
	hostlog.KindIKEReceived:   result.HostKindIKEReceived,
	hostlog.KindInvalidPacket: result.HostKindInvalidPacket,
	hostlog.KindClassifyDrop:  result.HostKindClassifyDrop,
}

func hostKindName(k hostlog.Kind) string {
	if int(k) < len(hostKindNames) {
		return hostKindNames[k]
	}
	return result.HostKindUnknown
}

// hostKindWords says a kind in a sentence.
var hostKindWords = map[hostlog.Kind]string{
	hostlog.KindMMFailure:     "main mode failure",
	hostlog.KindQMFailure:     "quick mode failure",
	hostlog.KindEMFailure:     "extended mode failure",
	hostlog.KindMMEstablished: "main mode SA established",
	hostlog.KindQMEstablished: "quick mode SA established",
	hostlog.KindKernelDrop:    "IPsec driver drop",
	hostlog.KindClearTextDrop: "clear text packet dropped (should have been secured)",
	hostlog.KindInvalidPacket: "invalid negotiation packet",
	hostlog.KindClassifyDrop:  "packet dropped by a WFP filter",
}

func hostFormatName(f hostlog.Format) string {
	switch f {
	case hostlog.FormatETL:
		return result.HostLogFormatETL
	case hostlog.FormatWFPDiag:
		return result.HostLogFormatWFPDiag
	case hostlog.FormatCAB:
		return result.HostLogFormatCAB
	case hostlog.FormatSecurity:
		return result.HostLogFormatSecurity
	}
	return "unknown"
}

// hostLogResults are the attached logs for the capture's result.
func (a *analysis) hostLogResults() []result.HostLog {
	var out []result.HostLog
	for i := range a.hostLogs {
		out = append(out, a.hostLogs[i].res)
	}
	return out
}

package analyzer

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"net/netip"
	"sort"
	"strings"
	"time"

	"softsa/analyzer/result"
	"softsa/decoders/hostlog"
)

// Host-side evidence (issue #15). What the Windows hosts logged about their
// own negotiations (hostlog.Event: WFP events, wfpdiag.xml, Security log)
// is placed on the capture: on its pair by the unordered address pair, on
// a negotiation by the IKE cookies the event carries, and on the timeline
// by a clock offset per log file, estimated here:
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
// unknown.

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

// placeLog sets st's clock offset and says how it was found: the same
// clock for the capture's own trace, else from IKE packet events matched
// to the capture's IKE messages (idx), else roughly from failures against
// the end of their negotiations. It returns how many events matched.
func (a *analysis) placeLog(st *hostLogState, idx map[ikeKey][]stamp) int {
	if st.own {
		st.res.OffsetMethod = result.OffsetSameClock
		st.res.OffsetNote = "the capture's own trace: the same clock (offset 0)"
		return 0
	}
	var (
		n  int
		ok bool
	)
	if st.offset, n, ok = offsetFromIKE(st.log, idx); ok {
		st.res.OffsetMethod = result.OffsetIKEPackets
		st.res.OffsetNote = offsetNote(st.offset, fmt.Sprintf("from %d IKE packet events", n))
	} else if st.offset, n, ok = a.offsetFromFailures(st.log); ok {
		st.res.OffsetMethod = result.OffsetFailures
		st.res.OffsetNote = offsetNote(st.offset, fmt.Sprintf("roughly, from %d failure events against the end of their negotiations", n))
	} else {
		st.res.OffsetMethod = result.OffsetNone
		st.res.OffsetNote = "no event matched the capture's IKE messages or negotiations: host times taken as they are (clock offset unknown)"
	}
	return n
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

// offsetNote says an offset in words.
func offsetNote(d time.Duration, from string) string {
	s := math.Abs(seconds(d))
	switch {
	case s < 0.005:
		return "host clock agrees with the capture's (offset 0.00 s), " + from
	case d > 0:
		return fmt.Sprintf("host clock %.2f s ahead of the capture, %s", s, from)
	}
	return fmt.Sprintf("host clock %.2f s behind the capture, %s", s, from)
}

// ikeIndex lists the capture times of the remembered IKE messages by key.
func (a *analysis) ikeIndex() map[ikeKey][]stamp {
	idx := make(map[ikeKey][]stamp)
	for _, e := range a.ikeLog {
		idx[e.key] = append(idx[e.key], e.t)
	}
	return idx
}

// offsetFromIKE estimates the offset of l from its IKE packet events.
func offsetFromIKE(l *hostlog.Log, idx map[ikeKey][]stamp) (time.Duration, int, bool) {
	var diffs []cand
	for i := range l.Events {
		e := &l.Events[i]
		if e.Time.IsZero() || (e.Kind != hostlog.KindIKESent && e.Kind != hostlog.KindIKEReceived) {
			continue
		}
		k := ikeKey{icookie: e.ICookie, rcookie: e.RCookie, msgid: e.MessageID, src: e.Local.Unmap(), dst: e.Remote.Unmap()}
		if e.Kind == hostlog.KindIKEReceived {
			k.src, k.dst = k.dst, k.src
		}
		ht := int64(stampOf(e.Time))
		for _, t := range idx[k] {
			if len(diffs) >= maxOffsetCandidates {
				break
			}
			diffs = append(diffs, cand{ht - int64(t), int32(i)})
		}
	}
	return densest(diffs, offsetWindow, false)
}

// offsetFromFailures estimates the offset of l from its failure events
// against the end of the negotiations they follow.
func (a *analysis) offsetFromFailures(l *hostlog.Log) (time.Duration, int, bool) {
	var diffs []cand
	for i := range l.Events {
		e := &l.Events[i]
		if e.Time.IsZero() || !isFailure(e.Kind) {
			continue
		}
		k, ok := eventKey(e)
		if !ok {
			continue
		}
		p := a.pairs[k]
		if p == nil {
			continue
		}
		ht := int64(stampOf(e.Time))
		for _, n := range p.negs {
			if n.est || (e.ICookie != 0 && cookie(n.ispi) != e.ICookie) {
				continue
			}
			if len(diffs) >= maxOffsetCandidates {
				break
			}
			diffs = append(diffs, cand{ht - int64(n.last.t), int32(i)})
		}
	}
	// IKE logs a failure at or after its negotiation's last message:
	// the smallest difference of the window is the nearest the truth.
	return densest(diffs, failureWindow, true)
}

// cand is one candidate offset: a host event's time minus the capture
// time of a message or negotiation it may be.
type cand struct {
	d  int64
	ev int32 // the event's index in its log
}

// densest returns a value of the candidates inside the window of width w
// that holds the most of them (of two windows that hold as many, the one
// nearer 0: clocks are more often near right than far off), and how many
// events it holds: their median, or with lowest their smallest. One
// candidate per event would be the plain median; several per event (a
// retransmitted message, two messages with the same cookies and message
// ID, several negotiations, cycles that repeat) scatter the wrong ones,
// while the right ones agree.
func densest(cs []cand, w time.Duration, lowest bool) (time.Duration, int, bool) {
	if len(cs) == 0 {
		return 0, 0, false
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	best, bestN := 0, 0
	dist := func(lo, n int) uint64 {
		m := cs[lo+n/2].d
		if m < 0 {
			return uint64(-m)
		}
		return uint64(m)
	}
	j := 0
	for i := range cs {
		for cs[i].d-cs[j].d > int64(w) {
			j++
		}
		if n := i - j + 1; n > bestN || (n == bestN && dist(j, n) < dist(best, bestN)) {
			best, bestN = j, n
		}
	}
	in := cs[best : best+bestN]
	events := make(map[int32]bool, len(in))
	for _, c := range in {
		events[c.ev] = true
	}
	if lowest {
		return time.Duration(in[0].d), len(events), true
	}
	med := in[len(in)/2].d
	if len(in)%2 == 0 {
		med = in[len(in)/2-1].d/2 + in[len(in)/2].d/2
	}
	return time.Duration(med), len(events), true
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

// hostCycle is where a host event falls among a pair's KB cycles.
type hostCycle struct {
	cycle  int // 1-based; 0 outside every cycle
	during string
}

// cycleOf places capture time t among the cycles: inside an outage from
// negLead before its start (IKE begins with the traffic) to hostSlack after
// its end, or inside the soft SA after that.
func cycleOf(cycles []kbCycle, t stamp) hostCycle {
	for i := range cycles {
		c := &cycles[i]
		if !t.Before(c.out.start.t.Add(-negLead)) && !t.After(c.out.end.t.Add(hostSlack)) {
			return hostCycle{i + 1, result.DuringOutage}
		}
		if t.After(c.out.end.t.Add(hostSlack)) && !t.After(c.soft.end.t) {
			return hostCycle{i + 1, result.DuringSoftSA}
		}
	}
	return hostCycle{}
}

// hostFacts is what the hosts' logs say about a pair, gathered before
// the rules run: its events in capture time order, where each falls among
// the KB cycles, and in how many outages the initiator logs a main-mode
// authentication failure (with the errors' names).
type hostFacts struct {
	evs         []hostEv
	where       []hostCycle
	authOutages int
	authNames   []string
}

// hostFactsOf gathers the host facts of p, after factsOf; nil when no host
// event concerns p.
func (a *analysis) hostFactsOf(p *pair, f *facts) *hostFacts {
	evs := a.hostPairs[keyOf(p.addr[0], p.addr[1])]
	if len(evs) == 0 {
		return nil
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].t < evs[j].t })
	h := &hostFacts{evs: evs, where: make([]hostCycle, len(evs))}
	for i := range evs {
		h.where[i] = cycleOf(f.cycles, evs[i].t)
	}
	if len(f.cycles) == 0 {
		return h
	}
	init := p.addr[f.kbSide]
	auth := make([]bool, len(f.cycles))
	for i := range evs {
		w := h.where[i]
		if w.during != result.DuringOutage || !initiatorAuthFailure(evs[i].ev, init) {
			continue
		}
		if !auth[w.cycle-1] {
			auth[w.cycle-1] = true
			h.authOutages++
		}
		name, _, ok := hostlog.Win32Error(evs[i].ev.ErrorCode)
		if !ok {
			name = fmt.Sprint(evs[i].ev.ErrorCode)
		}
		h.authNames = appendUnique(h.authNames, name)
	}
	return h
}

// hostSide adds to the pair's result what its hosts logged: the "Windows
// says" list, the per-outage counts and host evidence of the KB finding,
// and HOST_LOG_CONTRADICTS. It runs in pairResult, after the findings
// (the KB finding's confidence already counts the host facts).
func (a *analysis) hostSide(p *pair, f *facts, out *result.Pair) {
	h := f.host
	if h == nil {
		return
	}
	for i := range h.evs {
		if isPacketEvent(h.evs[i].ev.Kind) {
			continue
		}
		if len(out.HostEvents) >= maxHostListed {
			out.HostEventsOmitted++
			continue
		}
		out.HostEvents = append(out.HostEvents, a.hostEventResult(p, &h.evs[i], h.where[i]))
	}
	if len(f.cycles) > 0 {
		for i := range out.Findings {
			if out.Findings[i].ID == result.FindingKB977526 {
				a.hostKB(p, f, &out.Findings[i])
			}
		}
	}
	if fd, ok := a.contradictions(p, f, h.evs); ok {
		out.Findings = append(out.Findings, fd)
		sort.SliceStable(out.Findings, func(i, j int) bool { return out.Findings[i].IsProblem() && !out.Findings[j].IsProblem() })
	}
}

// hostEventResult converts one event for the pair's list.
func (a *analysis) hostEventResult(p *pair, h *hostEv, w hostCycle) result.HostEvent {
	e := h.ev
	he := result.HostEvent{
		Time: result.At(h.t.Time()), HostTime: result.At(e.Time), File: h.file, Record: e.Record, Source: e.Source,
		Kind: hostKindName(e.Kind), ErrorCode: e.ErrorCode, Reason: e.Reason, FailurePoint: e.FailurePoint,
		State: e.State, Role: e.Role, KeyModule: e.KeyModule, Cycle: w.cycle, During: w.during,
	}
	if h.local.IsValid() {
		he.Host = h.local.String()
	}
	if e.Remote.IsValid() {
		he.Peer = e.Remote.Unmap().String()
	}
	if e.ErrorCode != 0 {
		if name, msg, ok := hostlog.Win32Error(e.ErrorCode); ok {
			he.ErrorName = name
			if he.Reason == "" {
				he.Reason = msg
			}
		}
	}
	if n := negOfCookie(p, e.ICookie); n != nil {
		he.InitiatorSPI = hex.EncodeToString(n.ispi[:])
	}
	return he
}

// negOfCookie is the pair's negotiation whose initiator SPI is c.
func negOfCookie(p *pair, c uint64) *negotiation {
	if c == 0 {
		return nil
	}
	for _, n := range p.negs {
		if cookie(n.ispi) == c {
			return n
		}
	}
	return nil
}

// hostWhat describes an event in one line, for evidence.
func hostWhat(h *hostEv) string {
	e := h.ev
	var b strings.Builder
	host := "the host"
	if h.local.IsValid() {
		host = h.local.String()
	}
	words := hostKindWords[e.Kind]
	if words == "" {
		words = "event"
	}
	fmt.Fprintf(&b, "%s logs %s", host, words)
	var name, msg string
	if e.ErrorCode != 0 {
		name, msg, _ = hostlog.Win32Error(e.ErrorCode)
		fmt.Fprintf(&b, " %d", e.ErrorCode)
		if name != "" {
			b.WriteString(" " + name)
		}
	}
	if e.Reason != "" {
		msg = e.Reason
	}
	if msg != "" {
		fmt.Fprintf(&b, " (%s)", msg)
	}
	var attrs []string
	if e.FailurePoint != "" {
		attrs = append(attrs, "failure point "+e.FailurePoint)
	}
	if e.State != "" {
		attrs = append(attrs, "state "+e.State)
	}
	if e.Role != "" {
		attrs = append(attrs, "as "+e.Role)
	}
	if len(attrs) > 0 {
		b.WriteString(", " + strings.Join(attrs, ", "))
	}
	fmt.Fprintf(&b, " [%s, %s record %d]", orUnknown(e.Source), orUnknown(h.file), e.Record)
	return b.String()
}

func orUnknown(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

// hostEvidence is a host event as evidence.
func hostEvidence(h *hostEv, what string) result.Evidence {
	e := h.ev
	ev := result.Evidence{Time: result.At(h.t.Time()), Proto: result.ProtoHost, What: what,
		Host: &result.HostRef{File: h.file, Record: e.Record, Source: e.Source}}
	if h.local.IsValid() {
		ev.Src = h.local.String()
	}
	return ev
}

// initiatorAuthFailure reports whether e is a main-mode authentication
// failure logged by init's host as the initiator (or without a role).
func initiatorAuthFailure(e *hostlog.Event, init netip.Addr) bool {
	return e.Kind == hostlog.KindMMFailure && authFailures[e.ErrorCode] && e.Local.Unmap() == init && e.Role != "responder"
}

// hostKB counts the host events inside each outage of the KB finding kb
// and cites them: per outage the initiator's first authentication failure
// (else the first failure) and the first driver drop with their count.
func (a *analysis) hostKB(p *pair, f *facts, kb *result.Finding) {
	h := f.host
	init := p.addr[f.kbSide]
	failures := 0
	for k := 1; k <= len(f.cycles) && k <= len(kb.Cycles); k++ {
		cy := &kb.Cycles[k-1]
		var firstAuth, firstFail, firstDrop *hostEv
		for i := range h.evs {
			if h.where[i].cycle != k || h.where[i].during != result.DuringOutage {
				continue
			}
			e := h.evs[i].ev
			switch {
			case isFailure(e.Kind):
				cy.HostFailures++
				if firstFail == nil {
					firstFail = &h.evs[i]
				}
				if firstAuth == nil && initiatorAuthFailure(e, init) {
					firstAuth = &h.evs[i]
				}
			case isDrop(e.Kind):
				cy.HostDrops++
				if firstDrop == nil {
					firstDrop = &h.evs[i]
				}
			}
		}
		failures += cy.HostFailures
		if firstAuth != nil {
			firstFail = firstAuth
		}
		cited := 0
		if firstFail != nil {
			kb.Evidence = append(kb.Evidence, hostEvidence(firstFail, fmt.Sprintf("outage %d: %s", k, hostWhat(firstFail))))
			cited++
		}
		if firstDrop != nil && cited < maxHostEvidence {
			kb.Evidence = append(kb.Evidence, hostEvidence(firstDrop, fmt.Sprintf("outage %d: the IPsec driver drops %s (first: %s)", k, packets(cy.HostDrops), hostWhat(firstDrop))))
		}
	}
	if h.authOutages == 0 && failures > 0 {
		kb.Summary += fmt.Sprintf("; the hosts log %d IKE failures inside the outages, none of them a main-mode authentication failure of %s", failures, init)
	}
}

// contradictions builds HOST_LOG_CONTRADICTS. A host log contradicts the
// capture when
//   - it logs an SA established (main or quick mode) at a time, at least
//     contradictMargin inside an outage of the pair (a KB 977526 outage, or
//     any unanswered gap), in which the capture sees no negotiation reach
//     an SA and no ESP; or
//   - it logs a main, quick or extended mode failure at a time, at least
//     contradictMargin inside the life of an ESP SA of each direction of
//     the pair, while ESP flows both ways. (A rekey that fails while the
//     old SAs still carry traffic reads the same; the summary says so.)
func (a *analysis) contradictions(p *pair, f *facts, evs []hostEv) (result.Finding, bool) {
	type item struct {
		h         *hostEv
		frame     ref
		what      string // the host event's side
		frameWhat string // the capture's side
	}
	var items []item
	count := 0
	outages := make([][2]ref, 0, len(p.runs)+len(f.cycles))
	for i := range p.runs {
		r := &p.runs[i]
		if r.kind == gapUnanswered && r.snapEnd.established == r.snapStart.established && r.snapEnd.esp == r.snapStart.esp {
			outages = append(outages, [2]ref{r.start, r.end})
		}
	}
	for i := range f.cycles {
		if r := f.cycles[i].out; r.held {
			outages = append(outages, [2]ref{r.start, r.end})
		}
	}
	for i := range evs {
		h := &evs[i]
		e := h.ev
		switch {
		case isEstablished(e.Kind):
			for _, o := range outages {
				if h.t.Sub(o[0].t) >= contradictMargin && o[1].t.Sub(h.t) >= contradictMargin {
					count++
					if len(items) < maxContradictions {
						items = append(items, item{h, o[0], fmt.Sprintf("%s inside the outage that starts at frame %d, in which the capture sees no SA reached and no ESP", hostWhat(h), o[0].frame),
							fmt.Sprintf("an outage starts: no SA is reached and no ESP flows until frame %d, yet a host log shows an SA established meanwhile", o[1].frame)})
					}
					break
				}
			}
		case isFailure(e.Kind):
			var in [2]*espSA
			for _, sa := range p.sas {
				if sa.side.known() && h.t.Sub(sa.first.t) >= contradictMargin && sa.last.t.Sub(h.t) >= contradictMargin {
					in[sa.side] = sa
				}
			}
			if in[0] != nil && in[1] != nil {
				count++
				if len(items) < maxContradictions {
					items = append(items, item{h, in[0].first, fmt.Sprintf("%s while ESP flows both ways (SPIs %08x and %08x, from frame %d)", hostWhat(h), in[0].spi, in[1].spi, min(in[0].first.frame, in[1].first.frame)),
						fmt.Sprintf("ESP SA %08x starts, and flows both ways with %08x through a failure a host log shows", in[0].spi, in[1].spi)})
				}
			}
		}
	}
	if count == 0 {
		return result.Finding{}, false
	}
	fd := result.NewFinding(result.FindingHostLogContradicts)
	fd.Confidence = 0.7
	aligned := true
	for _, it := range items {
		if m := a.hostLogs[it.h.log].res.OffsetMethod; m == result.OffsetNone {
			aligned = false
		}
	}
	fd.Summary = fmt.Sprintf("the host logs contradict the capture %s between %s and %s: an SA the log shows established inside an outage, or a failure logged while ESP flows both ways; a log of another host, a wrong clock offset or a capture point that misses traffic would explain it (a rekey that fails while the old SAs still carry traffic reads the same)",
		result.Times(count), p.addr[0], p.addr[1])
	if !aligned {
		fd.Confidence = 0.4
		fd.Summary += "; the clock offset of a log involved could not be estimated, so its times may simply be off"
	}
	ev := newEvidence(p, a.opts.MaxEvidence)
	var frames []int
	for _, it := range items {
		ev.add(it.frame, noSide, "", it.frameWhat)
		frames = append(frames, it.frame.frame)
	}
	fd.Evidence, fd.EvidenceOmitted = ev.list()
	for _, it := range items {
		fd.Evidence = append(fd.Evidence, hostEvidence(it.h, it.what))
	}
	if count > len(items) {
		fd.EvidenceOmitted += count - len(items)
	}
	fd.WiresharkFilter = pairFilter(p) + " && (isakmp || esp || " + frameSet(frames) + ")"
	return fd, true
}

// packets says a count of packets: "1 packet", "3 packets".
func packets(n int) string {
	if n == 1 {
		return "1 packet"
	}
	return fmt.Sprintf("%d packets", n)
}

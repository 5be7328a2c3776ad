package analyzer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"time"
	"unsafe"

	"softsa/analyzer/result"
	"softsa/decoders"
	"softsa/decoders/capture"
	"softsa/decoders/hostlog"
	"softsa/decoders/ike"
	"softsa/decoders/smb"
)

// Options tune the analysis. The zero value of every field means its
// default; DefaultOptions returns them filled in.
type Options struct {
	// ExpectedOutage is how long the KB 977526 outage lasts (60 s): the
	// closer an outage is to it, the higher the confidence.
	ExpectedOutage time.Duration
	// OutageWindow bounds the outages that count as KB 977526 cycles
	// ([45 s, 90 s]).
	OutageWindow [2]time.Duration
	// MinCycles is how many cycles make a confident KB 977526 finding (2).
	// Fewer are still reported, below 0.5 confidence.
	MinCycles int
	// Pairs keeps only the pairs that involve every address listed
	// (one address: all its pairs; two: exactly that pair).
	Pairs []netip.Addr
	// PairSets, when not empty, keeps the pairs that match any one of its
	// sets as Pairs matches them: softsa --pair A --pair B,C keeps every
	// pair of A and the pair B–C.
	PairSets [][]netip.Addr
	// MaxPairs caps the number of pairs tracked (10000); frames of further
	// pairs are ignored with a warning.
	MaxPairs int
	// MaxEvidence caps the evidence list of one finding (50).
	MaxEvidence int
	// GapThreshold is the shortest unanswered period reported as a
	// TRAFFIC_GAP (30 s).
	GapThreshold time.Duration
	// NoReadAhead reads the capture on the analysing goroutine instead of
	// a second one. Batch mode sets it when it analyses several files at
	// once: the files already keep every core busy, and a reader goroutine
	// per file would only add hand-offs.
	NoReadAhead bool
	// FallbackMax is the longest delay before clear traffic flows that is
	// still a healthy fallback to clear, FALLBACK_OK (10 s).
	FallbackMax time.Duration
	// HostLogs are host-side logs (WFP events, wfpdiag.xml, Security log
	// XML) of the capture's hosts: their events are placed on the
	// capture's pairs and timeline (hostside.go). The WFP events of an
	// ETL capture itself are added without being listed here.
	HostLogs []*hostlog.Log
}

// Defaults, as the Options fields say them.
const (
	defaultExpectedOutage = 60 * time.Second
	defaultOutageMin      = 45 * time.Second
	defaultOutageMax      = 90 * time.Second
	defaultMinCycles      = 2
	defaultMaxPairs       = 10000
	defaultMaxEvidence    = 50
	defaultGapThreshold   = 30 * time.Second
	defaultFallbackMax    = 10 * time.Second
)

// DefaultOptions returns the options with every default filled in.
func DefaultOptions() Options { return Options{}.withDefaults() }

func (o Options) withDefaults() Options {
	if o.ExpectedOutage <= 0 {
		o.ExpectedOutage = defaultExpectedOutage
	}
	if o.OutageWindow[0] <= 0 {
		o.OutageWindow[0] = defaultOutageMin
	}
	if o.OutageWindow[1] <= 0 {
		o.OutageWindow[1] = defaultOutageMax
	}
	if o.OutageWindow[1] < o.OutageWindow[0] {
		o.OutageWindow[0], o.OutageWindow[1] = o.OutageWindow[1], o.OutageWindow[0]
	}
	if o.MinCycles <= 0 {
		o.MinCycles = defaultMinCycles
	}
	if o.MaxPairs <= 0 {
		o.MaxPairs = defaultMaxPairs
	}
	if o.MaxEvidence <= 0 {
		o.MaxEvidence = defaultMaxEvidence
	}
	if o.GapThreshold <= 0 {
		o.GapThreshold = defaultGapThreshold
	}
	if o.FallbackMax <= 0 {
		o.FallbackMax = defaultFallbackMax
	}
	return o
}

// Internal thresholds. They are not options because they describe protocol
// behaviour rather than what the user is looking for.
const (
	// recordRun is the shortest unanswered period kept: shorter ones are
	// ordinary round trips and slow servers, and keeping them would make
	// memory grow with traffic instead of with trouble.
	recordRun = 10 * time.Second
	// idleGap is the shortest silence of both sides kept as an idle gap.
	idleGap = 60 * time.Second
	// negLead is how long before an outage an initiator's IKE message still
	// counts as the negotiation that caused it: the KB host sends the clear
	// packet and starts IKE at the same moment, give or take scheduling.
	negLead = 10 * time.Second
	// heldAnswer: an answer that comes this long after a negotiation began
	// is no in-flight reply to a packet sent before it (RTTs are shorter)
	// but traffic let through by a fallback to clear.
	heldAnswer = 200 * time.Millisecond
	// heldIKEGap and heldPackets bound a held KB outage (kb977526.go): the
	// negotiation retried until at most heldIKEGap before clear traffic
	// flowed, and the initiator sent at most heldPackets clear packets
	// meanwhile.
	heldIKEGap  = 20 * time.Second
	heldPackets = 3
	// espSlack is how long after a negotiation's last message a new ESP SA
	// still proves that the negotiation established it (IKEv1 quick mode is
	// encrypted, so the ESP is the proof when QM 3 is not seen).
	espSlack = 30 * time.Second
	// inProgress: a negotiation that began this close to the end of the
	// capture and never retransmitted may simply not have finished yet.
	inProgress = 30 * time.Second
	// ikeGiveUp is how long a negotiation that gets nowhere goes on
	// before IKE gives up: Windows main mode retransmits for about a
	// minute, which is also how long a KB 977526 outage lasts. A capture
	// that ends sooner after a negotiation began cannot tell the KB loop
	// (clear traffic admitted when IKE gives up) from no communication.
	ikeGiveUp = 60 * time.Second
	// oneWayOverlap widens an ESP SA's life when looking for ESP in the
	// other direction.
	oneWayOverlap = 10 * time.Second

	maxNegotiations = 512 // per pair
	maxSAs          = 256 // ESP SAs per pair
	maxRuns         = 512 // recorded gaps per pair
	maxIdleRuns     = 64  // of which idle
	// historyBudget bounds what all pairs together keep of their history
	// (negotiations, ESP SAs, gaps), each charged its size in memory.
	// When it is spent the analysis goes on counting, with a warning, but
	// records nothing new: memory stops growing with the capture. 24 MiB
	// holds a day of some 600 busy pairs (the 4 GiB bench capture keeps
	// 16,000 negotiations, 10,500 SAs and 24,500 gaps in 23 MiB), and the
	// result built from a full budget is smaller still
	// (TestWorstCaseHistory). With the pairs' own state it keeps the live
	// heap under the 48 MiB soft memory limit softsa runs with
	// (memlimit.go), so that the collector never has to run
	// continuously.
	historyBudget = 24 << 20
	maxConns      = 16 // TCP connections tracked per pair (least recently used goes)
	maxIPFrags    = 64 // incomplete UDP datagrams per pair
	// maxIPFragsTotal bounds them across pairs: 64 per pair over the
	// 10,000 pairs the cap allows would be some 120 MB of state for a
	// flood of fragments that never complete.
	maxIPFragsTotal = 16384
	maxHostVIDs     = 16 // vendor IDs per host
	ctxCheckEvery   = 1024
	// maxCapWarnings is how many pairs that hit a cap are named.
	maxCapWarnings = 5
)

// analysis holds the state of one capture's analysis. Feed it every decoded
// frame in capture order with add, then call finish once. It is not safe
// for concurrent use.
type analysis struct {
	opts Options

	pairs map[pairKey]*pair
	order []*pair
	hosts map[netip.Addr]*host
	// The pair of the last frame that had one, with that frame's source,
	// destination and side.
	lastP            *pair
	lastSrc, lastDst netip.Addr
	lastSide         side

	frames      int
	first, last time.Time
	// firstAt and lastAt are first and last as stamps, once first is
	// set, so that most frames compare int64s (see span).
	firstAt, lastAt stamp

	history      int // bytes of historyBudget spent
	historySpent int // frame at which it ran out, 0 while it lasts
	fragsTotal   int
	cappedPairs  int

	// out is what the --pair filter left out, for the message that
	// says a filter matched nothing (filtered.go).
	out filteredPairs

	capDropped    int // frames of pairs beyond MaxPairs
	capFirstFrame int
	etl           etlState
	warnings      []string
	clock         clockWatch

	// Host-side evidence (hostside.go): keepIKE is set when host logs
	// are attached, and ikeLog then remembers the first maxIKELog IKE
	// messages (ikeLogCut counts the rest); ownLog is the capture's own
	// WFP events; hostLogs and hostPairs are the logs and their events
	// by pair, once attached.
	keepIKE   bool
	ikeLog    []ikeLogEntry
	ikeLogCut int
	ownLog    *hostlog.Log
	hostLogs  []hostLogState
	hostPairs map[pairKey][]hostEv

	// Scratch space reused for every message so that the per-frame path
	// does not allocate.
	ike  ike.Summary
	smbp smb.Parser
	smbm smb.Message
	name []byte
}

// newAnalysis returns an analysis with opts (zero fields take defaults).
func newAnalysis(opts Options) *analysis {
	return &analysis{
		opts:    opts.withDefaults(),
		pairs:   make(map[pairKey]*pair),
		hosts:   make(map[netip.Addr]*host),
		name:    make([]byte, 0, 256),
		keepIKE: len(opts.HostLogs) > 0,
	}
}

// Source is what Analyze reads frames from: one capture file
// (*capture.Capture) or several that continue each other (capture.Chain).
type Source interface {
	Next(f *capture.Frame) error
	Name() string
	Format() capture.Format
	Frames() int
}

// Analyze reads every frame of c in one pass and returns its analysis. A
// damaged capture (a *capture.CaptureError) or a cancelled ctx stops the
// reading early: the result then holds everything up to that point, with
// the error text in Warnings, and the error is returned as well.
func Analyze(ctx context.Context, c Source, opts Options) (*result.CaptureResult, error) {
	a := newAnalysis(opts)
	var (
		n     int // frames analysed
		err   error
		stats decoders.DefragStats
	)
	if opts.NoReadAhead {
		n, stats, err = a.read(ctx, c)
	} else {
		n, stats, err = a.readAhead(ctx, c)
	}
	if st := stats; st.Expired+st.Dropped > 0 {
		a.warnf("IP reassembly: %d incomplete datagrams expired, %d fragments dropped (of %d fragments)",
			st.Expired, st.Dropped, st.Fragments)
	}
	// An ETL capture holds the WFP events its host logged beside the
	// packets, on the same clock; they are there once the reading ended.
	if h, ok := c.(interface{ HostLog() *hostlog.Log }); ok {
		a.ownLog = h.HostLog()
	}
	r := a.finish()
	r.File = c.Name()
	r.Format = string(c.Format())
	r.Frames = n
	etlInfo(r, c)
	// A reader that skips damage and goes on (ETL: a damaged buffer costs
	// only that buffer) says what it lost.
	if w, ok := c.(interface{ Warnings() []string }); ok {
		r.Warnings = append(r.Warnings, w.Warnings()...)
	}
	if err != nil {
		r.Warnings = append(r.Warnings, err.Error())
		var ce *capture.CaptureError
		if errors.As(err, &ce) && n == 0 {
			r.Error = err.Error()
		}
	}
	return r, err
}

// read decodes and analyses c's frames on this goroutine.
func (a *analysis) read(ctx context.Context, c Source) (int, decoders.DefragStats, error) {
	dec := decoders.NewDecoder()
	var (
		f capture.Frame
		m decoders.Message
	)
	n, err := a.loop(ctx, c, func() (*decoders.Message, error) {
		if err := c.Next(&f); err != nil {
			return nil, err
		}
		dec.Decode(&f, &m)
		return &m, nil
	})
	return n, dec.DefragStats(), err
}

// readAhead has c read and decoded on a goroutine of its own while this one
// analyses: on two cores the two halves overlap.
func (a *analysis) readAhead(ctx context.Context, c Source) (int, decoders.DefragStats, error) {
	ra := decoders.NewReadAhead(c)
	n, err := a.loop(ctx, c, ra.Next)
	// The reader may be ahead when the analysis stops early; it must be
	// done with c before c is asked anything or closed.
	ra.Close()
	return n, ra.DefragStats(), err
}

// loop analyses what next returns until it fails (io.EOF at the end) or ctx
// is done, and returns how many messages it analysed.
func (a *analysis) loop(ctx context.Context, c Source, next func() (*decoders.Message, error)) (n int, err error) {
	for ; ; n++ {
		if n%ctxCheckEvery == 0 {
			if err = ctx.Err(); err != nil {
				return n, fmt.Errorf("%s: analysis stopped after %d frames: %w", c.Name(), n, err)
			}
		}
		m, e := next()
		if e != nil {
			if errors.Is(e, io.EOF) {
				e = nil
			}
			return n, e
		}
		a.add(m)
	}
}

func (a *analysis) warnf(format string, args ...any) {
	a.warnings = append(a.warnings, fmt.Sprintf(format, args...))
}

// Memory charged to historyBudget per record kept: the record and its
// pointer or slot.
const (
	negCost    = int(unsafe.Sizeof(negotiation{})) + 8
	saCost     = int(unsafe.Sizeof(espSA{})) + 8
	runCost    = int(unsafe.Sizeof(runRec{}))
	runEvCost  = int(unsafe.Sizeof(runEvidence{}))
	ipFragCost = int(unsafe.Sizeof([2]fragRun{}))
)

// charge spends n bytes of historyBudget at frame and reports whether they
// were there.
func (a *analysis) charge(n, frame int) bool {
	if a.history+n > historyBudget {
		if a.historySpent == 0 {
			a.historySpent = max(frame, 1)
		}
		return false
	}
	a.history += n
	return true
}

// add analyses one decoded frame. Frames must come in capture order; m is
// not retained (everything kept is copied), so the caller may reuse it.
func (a *analysis) add(m *decoders.Message) {
	a.frames++
	at := stampOf(m.Time)
	a.span(m.Time, at)
	a.clock.note(m.Frame, at)
	if m.Dropped {
		a.noteDropped(m)
	}
	if m.Layer != capture.LayerWire {
		a.addWFP(m)
		return
	}
	if m.IPVersion == 0 {
		return
	}
	var (
		p    *pair
		from side
	)
	switch {
	// Consecutive frames are mostly of the same pair (a burst of
	// segments, a request and its answer): the addresses of the last
	// frame that passed the checks below pass them again, and the pair
	// and side follow without a map lookup.
	case a.lastP != nil && m.Src == a.lastSrc && m.Dst == a.lastDst:
		p, from = a.lastP, a.lastSide
	case a.lastP != nil && m.Src == a.lastDst && m.Dst == a.lastSrc:
		p, from = a.lastP, a.lastSide.other()
	default:
		if !m.Src.IsValid() || !m.Dst.IsValid() || m.Src == m.Dst {
			return
		}
		// A multicast or broadcast destination is not a conversation:
		// nothing is expected back from it, and it would look like a
		// one-way outage.
		if !unicast(m.Dst) || !unicast(m.Src) {
			return
		}
		if (len(a.opts.Pairs) > 0 || len(a.opts.PairSets) > 0) && !a.wanted(m.Src, m.Dst) {
			a.leftOut(m.Src, m.Dst)
			return
		}
		if p, from = a.pairFor(m); p == nil {
			return
		}
		a.lastP, a.lastSrc, a.lastDst, a.lastSide = p, m.Src, m.Dst, from
	}
	now := ref{frame: m.Frame, t: at, from: int8(from), proto: protoOf(m)}
	a.touch(p, now, from)
	switch {
	case m.Fragment:
		a.ipFragment(p, from, m, now)
	case m.App == decoders.AppISAKMP:
		if m.Reassembled {
			a.ipReassembled(p, from, m)
		}
		a.addIKE(p, from, m, now)
	case m.App == decoders.AppESP:
		a.addESP(p, from, m, now)
	case m.App == decoders.AppNATKeepalive:
		// Keeps a NAT mapping alive; says nothing about the pair.
	default:
		if m.Reassembled {
			a.ipReassembled(p, from, m)
		}
		a.addClear(p, from, m, now)
	}
}

// span widens the capture's first and last times to t, whose stamp is at.
// Stamps order times as time.Time does except where stampOf clamped them:
// those frames, and the first, take the time.Time comparisons.
func (a *analysis) span(t time.Time, at stamp) {
	if !a.first.IsZero() && at != math.MinInt64 && at != math.MaxInt64 {
		if at < a.firstAt {
			a.first, a.firstAt = t, at
		}
		if at > a.lastAt {
			a.last, a.lastAt = t, at
		}
		return
	}
	if t.IsZero() {
		return
	}
	if a.first.IsZero() || t.Before(a.first) {
		a.first = t
	}
	if t.After(a.last) {
		a.last = t
	}
	a.firstAt, a.lastAt = stampOf(a.first), stampOf(a.last)
}

// unicast reports whether addr can be one end of a conversation.
func unicast(addr netip.Addr) bool {
	if addr.IsMulticast() || addr.IsUnspecified() {
		return false
	}
	if addr.Is4() && addr == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return false
	}
	return true
}

// wanted applies the Pairs and PairSets options.
func (a *analysis) wanted(x, y netip.Addr) bool {
	if !involvesAll(a.opts.Pairs, x, y) {
		return false
	}
	if len(a.opts.PairSets) == 0 {
		return true
	}
	for _, set := range a.opts.PairSets {
		if involvesAll(set, x, y) {
			return true
		}
	}
	return false
}

// involvesAll reports whether every address of set is x or y.
func involvesAll(set []netip.Addr, x, y netip.Addr) bool {
	for _, w := range set {
		if w != x && w != y {
			return false
		}
	}
	return true
}

// pairFor finds or creates the pair of m and returns the side that sent it.
// It returns nil when the pair cap is reached.
func (a *analysis) pairFor(m *decoders.Message) (*pair, side) {
	k := keyOf(m.Src, m.Dst)
	p := a.pairs[k]
	if p == nil {
		if len(a.pairs) >= a.opts.MaxPairs {
			if a.capDropped == 0 {
				a.capFirstFrame = m.Frame
			}
			a.capDropped++
			return nil, noSide
		}
		p = newPair(k, m.Frame, m.Time)
		a.pairs[k] = p
		a.order = append(a.order, p)
	}
	from := sideLo
	if m.Src != k.lo {
		from = sideHi
	}
	return p, from
}

// touch records a packet of any kind sent by from, and turns a long silence
// of both sides into an idle gap.
func (a *analysis) touch(p *pair, now ref, from side) {
	if !p.last.valid() {
		p.firstSide = from
	}
	p.sent[from]++
	if p.lastAny.valid() && !p.run[0].open && !p.run[1].open && now.t.Sub(p.lastAny.t) >= idleGap {
		a.addRun(p, runRec{kind: gapIdle, side: noSide, start: p.lastAny, end: now})
	}
	p.lastAny = now
	p.last = now
}

package analyzer

import (
	"fmt"
	"math"
	"sort"
	"time"

	"softsa/analyzer/result"
	"softsa/decoders/hostlog"
)

// A host log's clock against the capture's: the offset estimates the
// package essay in hostside.go describes.

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

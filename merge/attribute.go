package merge

import (
	"io"
	"net/netip"
	"time"

	"softsa/decoders"
	"softsa/decoders/capture"
)

// Window is a period in which From's clear packets to To went unanswered
// (an outage), on the merged timeline.
//
// When FirstFrame is set the window is the merged frames FirstFrame up to,
// not including, EndFrame (0: to the end), and Start and End only describe
// it. Frames, not times, decide: a packet both captures hold is delivered
// with A's time, so with times the packet that was answered just before the
// outage ended fell inside the window when A was its sender and outside it
// when A was its receiver whose clock stamped the answer first (coarse or
// skewed stamps do that); the counts then depended on the order the two
// captures were given in. Each capture's own order of its packets does not
// change with the order of the arguments.
type Window struct {
	Start, End           time.Time
	FirstFrame, EndFrame int
	From, To             netip.Addr
}

// holds reports whether the merged frame f falls inside w.
func (w Window) holds(f *capture.Frame) bool {
	if w.FirstFrame > 0 {
		return f.Number >= w.FirstFrame && (w.EndFrame == 0 || f.Number < w.EndFrame)
	}
	return !f.Time.Before(w.Start) && f.Time.Before(w.End)
}

// Tally counts From's clear packets to To inside a Window by which capture
// saw them.
type Tally struct {
	OnlyA, OnlyB, Both int
}

// attribute passes over the merged timeline and tallies, for every window,
// the sender's clear packets by where they were seen.
func (s *Source) attribute(windows []Window) ([]Tally, error) {
	out := make([]Tally, len(windows))
	var f capture.Frame
	var m decoders.Message
	d := decoders.NewDecoder()
	for {
		if err := s.Next(&f); err != nil {
			if err == io.EOF {
				return out, nil
			}
			return out, err
		}
		d.Decode(&f, &m)
		if m.IPVersion == 0 || m.App == decoders.AppISAKMP || m.App == decoders.AppESP || m.App == decoders.AppNATKeepalive {
			continue
		}
		for i, w := range windows {
			if m.Src != w.From || m.Dst != w.To || !w.holds(&f) {
				continue
			}
			switch s.last {
			case OnlyA:
				out[i].OnlyA++
			case OnlyB:
				out[i].OnlyB++
			default:
				out[i].Both++
			}
		}
	}
}

// Attribute tallies, for each outage window, the sender's clear packets on
// the merged timeline by which capture saw them.
func (mg *Merge) Attribute(windows []Window) ([]Tally, error) {
	s, err := mg.Source()
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.attribute(windows)
}

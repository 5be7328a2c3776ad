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
type Window struct {
	Start, End time.Time
	From, To   netip.Addr
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
			if m.Src != w.From || m.Dst != w.To || f.Time.Before(w.Start) || !f.Time.Before(w.End) {
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

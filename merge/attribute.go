package merge

import (
	"fmt"
	"io"
	"net/netip"
	"time"

	"softsa/decoders"
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
	var f decoders.Frame
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

// Host returns the address a capture was taken on: the one in most of its
// IP packets (a host's own capture holds its address in every packet).
func Host(path string) (netip.Addr, error) {
	c, err := decoders.Open(path)
	if err != nil {
		return netip.Addr{}, err
	}
	defer c.Close()
	d := decoders.NewDecoder()
	var f decoders.Frame
	var m decoders.Message
	count := map[netip.Addr]int{}
	for n := 0; n < 100000; n++ {
		if c.Next(&f) != nil {
			break
		}
		d.Decode(&f, &m)
		if m.IPVersion != 0 {
			count[m.Src]++
			count[m.Dst]++
		}
	}
	var best netip.Addr
	for a, n := range count {
		if n > count[best] || (n == count[best] && a.Less(best)) {
			best = a
		}
	}
	if !best.IsValid() {
		return best, fmt.Errorf("%s: no IP packets", path)
	}
	return best, nil
}

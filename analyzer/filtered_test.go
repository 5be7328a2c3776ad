package analyzer

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"softsa/decoders"
)

// filteredMsg is a clear UDP datagram from x to y.
func filteredMsg(frame int, x, y netip.Addr) decoders.Message {
	return decoders.Message{Frame: frame, Time: time.Unix(1_700_000_000+int64(frame), 0), IPVersion: 4,
		Src: x, Dst: y, Proto: 17, SrcPort: 1000, DstPort: 2000}
}

// TestFilteredOutPairs: a --pair filter that keeps nothing leaves the
// result the first 20 pairs it dropped, in the order first seen, each
// once however often and whichever way it was seen, and the count of the
// rest; bounded by MaxPairs ("at least" beyond it); nothing without a
// filter.
func TestFilteredOutPairs(t *testing.T) {
	host := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 0, byte(i / 250), byte(1 + i%250)}) }
	server := netip.MustParseAddr("10.9.0.1")
	// 30 clients talk to the server, each twice, both ways.
	var msgs []decoders.Message
	for round := 0; round < 2; round++ {
		for i := 29; i >= 0; i-- {
			msgs = append(msgs, filteredMsg(len(msgs)+1, host(i), server), filteredMsg(len(msgs)+2, server, host(i)))
		}
	}
	var want []string
	for i := 29; i > 9; i-- {
		want = append(want, fmt.Sprintf("%s,%s", host(i), server))
	}
	for _, tc := range []struct {
		name     string
		opts     Options
		want     []string
		wantMore int
	}{
		{"filter", Options{Pairs: []netip.Addr{netip.MustParseAddr("10.7.7.7")}}, want, 10},
		{"pair sets", Options{PairSets: [][]netip.Addr{{netip.MustParseAddr("10.7.7.7")}}}, want, 10},
		{"bounded", Options{Pairs: []netip.Addr{netip.MustParseAddr("10.7.7.7")}, MaxPairs: 25}, want, -6},
		{"no filter", Options{}, nil, 0},
	} {
		a := newAnalysis(tc.opts)
		for i := range msgs {
			a.add(&msgs[i])
		}
		r := a.finish()
		if !slices.Equal(r.FilteredOut, tc.want) || r.FilteredOutMore != tc.wantMore {
			t.Errorf("%s: filtered out %v and %d more, want %v and %d", tc.name, r.FilteredOut, r.FilteredOutMore, tc.want, tc.wantMore)
		}
		if tc.name == "no filter" && len(r.Pairs) != 30 {
			t.Errorf("no filter: %d pairs, want 30", len(r.Pairs))
		}
	}
}

// TestFilteredOutNoAlloc: frames the filter drops, of pairs already seen,
// allocate nothing.
func TestFilteredOutNoAlloc(t *testing.T) {
	a := newAnalysis(Options{Pairs: []netip.Addr{netip.MustParseAddr("10.7.7.7")}})
	x, y, z := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.3")
	msgs := []decoders.Message{filteredMsg(1, x, y), filteredMsg(2, y, x), filteredMsg(3, x, z), filteredMsg(4, y, x)}
	for i := range msgs {
		a.add(&msgs[i])
	}
	if n := testing.AllocsPerRun(100, func() {
		for i := range msgs {
			a.add(&msgs[i])
		}
	}); n != 0 {
		t.Errorf("%v allocations per run of filtered frames", n)
	}
	if names, more := a.out.result(); len(names) != 2 || more != 0 {
		t.Errorf("filtered out %v and %d more, want 2 pairs", names, more)
	}
}

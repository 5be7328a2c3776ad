package analyzer

import (
	"encoding/binary"
	"net/netip"
	"runtime"
	"sort"
	"testing"

	"softsa/decoders"
	"softsa/decoders/ike"
)

// TestWorstCaseHistory: a long capture of many troubled pairs, each
// recording a failed negotiation, an unanswered minute and a new ESP SA
// every six minutes, keeps recording until historyBudget is spent; from
// then on it only counts, with a warning. The live heap of the analysis and
// of its result stay under historyHeapMax whatever the length of the
// capture. The figures are logged (go test -v -run History).
func TestWorstCaseHistory(t *testing.T) {
	if testing.Short() {
		t.Skip("a few seconds")
	}
	const (
		pairs  = 1000
		cycles = 120 // ten hours
	)
	var ms runtime.MemStats
	live := func() uint64 {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	base := live()
	a := newAnalysis(Options{})
	batch := make([]decoders.Message, 0, 4*pairs)
	frame := 0
	for c := range cycles {
		batch = batch[:0]
		for i := range pairs {
			x := netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
			y := netip.AddrFrom4([4]byte{10, 2, byte(i >> 8), byte(i)})
			t0 := float64(c)*360 + float64(i)*0.02
			var ispi [8]byte
			binary.BigEndian.PutUint32(ispi[:], uint32(c*pairs+i+1))
			ike := ikeBytes(0x10, ispi, [8]byte{}, ike.ExchangeMain, 0, 0, plSA())
			s := &stream{t: t}
			s.tcp(t0, x, y, 49152, 445, 0x18, uint32(c), 0, 100)
			s.ike(t0+0.5, x, y, ike)
			s.esp(t0+1, x, y, uint32(c*pairs+i+0x1000), 1, 100)
			s.tcp(t0+70, y, x, 445, 49152, 0x18, 0, uint32(c), 100)
			batch = append(batch, s.msgs...)
		}
		sort.SliceStable(batch, func(i, j int) bool { return batch[i].Time.Before(batch[j].Time) })
		for i := range batch {
			frame++
			batch[i].Frame = frame
			a.add(&batch[i])
		}
	}
	batch = nil
	state := live() - base
	r := a.finish()
	result := live() - base
	negs, gaps, sas := 0, 0, 0
	for _, p := range r.Pairs {
		negs, gaps, sas = negs+len(p.Negotiations), gaps+len(p.Gaps), sas+len(p.SAs)
	}
	t.Logf("%d frames, %d pairs: live heap %.1f MiB before Finish, %.1f MiB of result; %d negotiations, %d gaps, %d SAs kept; warnings %q",
		frame, len(r.Pairs), mib(state), mib(result), negs, gaps, sas, r.Warnings[:min(2, len(r.Warnings))])
	if a.historySpent == 0 || a.history > historyBudget || a.history < historyBudget*9/10 {
		t.Errorf("%.1f MiB of history kept (%d negotiations, %d gaps, %d SAs): the capture should have spent the budget of %.0f MiB, no more",
			mib(uint64(a.history)), negs, gaps, sas, mib(historyBudget))
	}
	if !wcWarned(r, "history budget of 24 MiB reached at frame ") || !wcWarned(r, "caps reached") {
		t.Errorf("no budget warning: %q", r.Warnings)
	}
	if state > historyHeapMax || result > historyHeapMax {
		t.Errorf("live heap %.1f MiB before Finish, %.1f MiB after: want both under %.0f MiB", mib(state), mib(result), mib(historyHeapMax))
	}
	runtime.KeepAlive(r)
}

// historyHeapMax leaves a quarter of softsa's 48 MiB soft memory limit
// (memlimit.go) for garbage, so the collector need not run continuously.
const historyHeapMax = 36 << 20

package etl

import "math"

// Early delivery. The reordering window holds every frame until
// MaxPendingBytes of frames follow it, because a CPU's buffer may reach the
// file long after the buffers of the others. But ETW stamps a CPU's events
// in order, so once every CPU of the machine has logged a frame later than
// the earliest pending one, no frame earlier than it can come any more:
// it may go at once. On a busy machine whose CPUs all log packets that is
// a buffer or two after it instead of 8 MiB: the frame is decoded while its
// bytes are still in the cache, and the buffers behind it are free sooner.
//
// It is only an early exit: the order is the one the window gives, as long
// as the file keeps to it. The CPUs are those the logfile header counts
// (NumberOfProcessors), so that a CPU not seen yet holds everything back;
// a buffer of a CPU beyond that count, or a frame more than earlySlack
// earlier than its CPU's latest (a damaged stamp), turns early delivery off
// for the rest of the file, and the window alone decides, as it always
// did. A frame is let go only earlySlack before every CPU's latest, so
// that a pktmon drop logged that soon after its packet, at a later
// component, still finds the packet pending.

// earlySlack is how much earlier than its CPU's latest frame a frame may
// be without turning early delivery off, and how far behind every CPU's
// latest frame a frame must be to go early: 1 ms.
const earlySlack = int64(1e6)

// maxEarlyCPUs bounds the CPUs tracked: a header counting more turns early
// delivery off.
const maxEarlyCPUs = 1024

// progress is how far each CPU's frames have come.
type progress struct {
	cpus  int     // the logfile header's NumberOfProcessors; 0: off
	cpu   int     // the CPU of the buffer being read
	last  []int64 // per CPU, its latest frame's time; math.MinInt64 before its first
	seen  int     // CPUs with a frame
	min   int64   // the least of last, once every CPU has a frame
	minOK bool
	off   bool
}

// start sets the CPU count from the logfile header.
func (g *progress) start(cpus uint32) {
	if cpus == 0 || cpus > maxEarlyCPUs {
		g.off = true
		return
	}
	g.cpus = int(cpus)
	g.last = make([]int64, cpus)
	for i := range g.last {
		g.last[i] = math.MinInt64
	}
}

// pushed records a frame of the current buffer's CPU.
func (g *progress) pushed(ns int64) {
	if g.off {
		return
	}
	if g.cpu >= g.cpus {
		g.off = true
		return
	}
	last := g.last[g.cpu]
	switch {
	case last == math.MinInt64:
		g.last[g.cpu] = ns
		g.seen++
		g.minOK = false
	case ns < last-earlySlack:
		g.off = true
	case ns > last:
		g.last[g.cpu] = ns
		if last == g.min {
			g.minOK = false
		}
	}
}

// safe reports whether no frame earlier than ns can come any more.
func (g *progress) safe(ns int64) bool {
	if g.off || g.seen < g.cpus {
		return false
	}
	if !g.minOK {
		g.min = g.last[0]
		for _, t := range g.last[1:] {
			g.min = min(g.min, t)
		}
		g.minOK = true
	}
	return ns <= g.min-earlySlack
}

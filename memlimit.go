package main

import (
	"os"
	"runtime"
	"runtime/debug"
)

// memPerAnalysis is the Go heap one analysis is allowed before the garbage
// collector works harder to stay under it. An analysis allocates little
// while it reads (48 MB per GiB of capture, bench/README.md) but keeps what
// it found, tens of megabytes on a day-long capture; with the collector's
// default of letting the heap grow to twice what is live, that doubled the
// peak RSS for no gain. Under this soft limit the collector runs more often
// only when the heap nears it, which costs nothing measurable at that
// allocation rate; were more to be live, the heap simply grows past it.
const memPerAnalysis = 48 << 20

// limitMemory sets the soft memory limit for analyses running at once and
// returns a function that restores the previous one. A GOMEMLIMIT in the
// environment is the user's choice and wins.
func limitMemory(analyses int) (restore func()) {
	if _, set := os.LookupEnv("GOMEMLIMIT"); set {
		return func() {}
	}
	prev := debug.SetMemoryLimit(memoryLimit(analyses))
	return func() { debug.SetMemoryLimit(prev) }
}

// memoryLimit is the soft limit for analyses running at once: one allowance
// per analysis the machine can run in parallel.
func memoryLimit(analyses int) int64 {
	analyses = min(max(analyses, 1), runtime.GOMAXPROCS(0))
	return int64(analyses) * memPerAnalysis
}

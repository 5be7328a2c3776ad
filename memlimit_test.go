package main

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestMemoryLimit(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	for _, c := range []struct{ analyses, want int }{
		{0, 1}, {1, 1}, {2, min(2, procs)}, {1000, procs},
	} {
		if got := memoryLimit(c.analyses); got != int64(c.want)*memPerAnalysis {
			t.Errorf("memoryLimit(%d) = %d MiB, want %d MiB", c.analyses, got>>20, int64(c.want)*memPerAnalysis>>20)
		}
	}
}

// TestLimitMemory: the limit is set for the run and restored after it, and a
// GOMEMLIMIT in the environment is left alone.
func TestLimitMemory(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	restore := limitMemory(1)
	if got := debug.SetMemoryLimit(-1); got != memPerAnalysis {
		t.Errorf("during the run the limit is %d, want %d", got, memPerAnalysis)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("after the run the limit is %d, want %d again", got, before)
	}
	t.Setenv("GOMEMLIMIT", "1GiB")
	restore = limitMemory(1)
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("with GOMEMLIMIT set the limit changed to %d", got)
	}
	restore()
}

// Package worstcase runs the decoders' worst cases: inputs crafted to make a
// decoder loop, allocate what a length field claims, or keep state without
// end. Each case must finish (a watchdog fails the test only on a hang: no
// timing is asserted), allocate no more than its bound, and end with the
// error or statistics that say what happened. The allocation is measured as
// the growth of runtime.MemStats.TotalAlloc over the case: every byte
// allocated counts, garbage included, whatever the GC did meanwhile, so the
// bound holds for the peak heap too. The figures are logged (go test -v
// -run WorstCase).
package worstcase

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Watchdog is how long a case may run before it counts as a hang:
// generous, since the machine may be busy; each case takes well under a
// second.
const Watchdog = 2 * time.Minute

// Case is one crafted input and what must come of it.
type Case struct {
	Name     string
	MaxAlloc uint64 // bytes the case may allocate in all
	Run      func(t *testing.T)
}

// Run runs each case under the watchdog, measures what it allocates and
// fails it above its bound or on a panic.
func Run(t *testing.T, cases []Case) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			alloc, live := measureAlloc(t, func() { tc.Run(t) })
			t.Logf("allocated %.2f MiB in all (bound %.0f MiB), %.2f MiB still live after",
				float64(alloc)/(1<<20), float64(tc.MaxAlloc)/(1<<20), float64(live)/(1<<20))
			if alloc > tc.MaxAlloc {
				t.Errorf("allocated %d bytes, more than the %d allowed", alloc, tc.MaxAlloc)
			}
		})
	}
}

// measureAlloc runs fn on its own goroutine, fails the test if it panics or
// does not return within Watchdog, and returns the bytes it allocated and
// how much more heap is live after it than before.
func measureAlloc(t *testing.T, fn func()) (alloc, live uint64) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		fn()
	}()
	select {
	case p := <-done:
		if p != nil {
			t.Fatalf("panic: %v", p)
		}
	case <-time.After(Watchdog):
		t.Fatalf("still running after %v: a loop?", Watchdog)
	}
	runtime.ReadMemStats(&after)
	alloc = after.TotalAlloc - before.TotalAlloc
	runtime.GC()
	runtime.ReadMemStats(&after)
	if after.HeapAlloc > before.HeapAlloc {
		live = after.HeapAlloc - before.HeapAlloc
	}
	return alloc, live
}

// WantErr fails unless err wraps target and, when sub is not empty, says sub.
func WantErr(t *testing.T, err, target error, sub string) {
	t.Helper()
	if err == nil || (target != nil && !errors.Is(err, target)) || !strings.Contains(err.Error(), sub) {
		t.Errorf("error %v, want one wrapping %v and saying %q", err, target, sub)
	}
}

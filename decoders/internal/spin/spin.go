// Package spin is how the read-ahead pipeline's goroutines wait for each
// other: a channel receive that polls a while before it blocks.
package spin

import "runtime"

// Waiting between the pipeline's goroutines. The filler, the ReadAhead's
// reading goroutine and the analysis hand chunks and batches to each other
// thousands of times per GiB, and each of them is often a little ahead of the
// next and waits. A goroutine that blocks on a channel lets its processor go
// idle, and on a virtual machine an idle vCPU halts: waking the goroutine
// again then costs the hypervisor's wake-up of that vCPU. A runtime trace of
// the 1 GiB bench capture on the 2-vCPU VM showed it: the reading goroutine
// blocked 1,030 times, and each time it was made runnable it waited a mean
// 104 µs (the analysis: 940 times, 73 µs) before it ran again, so that for
// half of the analysis only one goroutine ran. Polling the channel a while
// first, yielding the processor between polls (so that nothing is kept from
// running), bridges most of those waits: BenchmarkAnalyze on that capture,
// 8 interleaved runs each, median 346 ms without polling and 297 ms with
// 400 polls. With one processor, polling only delays the goroutine being
// waited for, so it is skipped.

// polls is how many times Recv polls before it blocks: some tens of
// microseconds, the length of most waits between the goroutines.
const polls = 400

// Recv receives from ch as <-ch does, after polling it for a while; it
// gives up, returning false, once stop is closed (a nil stop never is).
func Recv[T any](ch <-chan T, stop <-chan struct{}) (T, bool) {
	var zero T
	if runtime.GOMAXPROCS(0) > 1 {
		for range polls {
			select {
			case v, ok := <-ch:
				return v, ok
			case <-stop:
				return zero, false
			default:
				runtime.Gosched()
			}
		}
	}
	select {
	case v, ok := <-ch:
		return v, ok
	case <-stop:
		return zero, false
	}
}

package batch

import (
	"context"
	"runtime"
	"sync"
)

// Run calls fn for every input on jobs goroutines (the number of CPUs when
// jobs < 1) and returns the results in the order of inputs, whatever order
// they finished in, so output is byte-identical from run to run. done[i]
// reports whether input i was processed: after ctx is cancelled no new input
// is started, and what finished is still returned. onDone, if not nil, is
// called (from one goroutine at a time) as each input finishes, with its
// index and result, so a caller can stream results as they come.
func Run[T any](ctx context.Context, inputs []Input, jobs int, fn func(context.Context, Input) T, onDone func(i int, r T)) (results []T, done []bool) {
	if jobs < 1 {
		jobs = runtime.NumCPU()
	}
	jobs = min(jobs, max(len(inputs), 1))
	results = make([]T, len(inputs))
	done = make([]bool, len(inputs))
	next := make(chan int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r := fn(ctx, inputs[i])
				mu.Lock()
				results[i], done[i] = r, true
				if onDone != nil {
					onDone(i, r)
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for i := range inputs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return results, done
}

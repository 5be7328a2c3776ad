package spin

import (
	"runtime"
	"testing"
	"time"
)

// TestRecv: the polling receive gives what a receive gives, whether the
// value is there at once, comes while it polls or only after it blocks, on
// one processor and on several, and gives up when stopped.
func TestRecv(t *testing.T) {
	for _, procs := range []int{1, 2} {
		prev := runtime.GOMAXPROCS(procs)
		for _, delay := range []time.Duration{-1, 0, 20 * time.Millisecond} {
			send := func(ch chan int, v int) {
				if delay < 0 {
					ch <- v
					return
				}
				go func() {
					time.Sleep(delay) // long enough that the polling has ended
					ch <- v
				}()
			}
			ch := make(chan int, 1)
			send(ch, 7)
			if v, ok := Recv(ch, nil); v != 7 || !ok {
				t.Errorf("procs %d delay %v: Recv = %d, %v", procs, delay, v, ok)
			}
			close(ch)
			if v, ok := Recv(ch, nil); v != 0 || ok {
				t.Errorf("procs %d delay %v: Recv of a closed channel = %d, %v", procs, delay, v, ok)
			}
			ch, stop := make(chan int, 1), make(chan struct{})
			send(ch, 8)
			if v, ok := Recv(ch, stop); v != 8 || !ok {
				t.Errorf("procs %d delay %v: Recv with stop = %d, %v", procs, delay, v, ok)
			}
			if delay >= 0 {
				go func() {
					time.Sleep(delay)
					close(stop)
				}()
			} else {
				close(stop)
			}
			if v, ok := Recv(ch, stop); v != 0 || ok {
				t.Errorf("procs %d delay %v: Recv after stop = %d, %v", procs, delay, v, ok)
			}
		}
		runtime.GOMAXPROCS(prev)
	}
}

package decoders

import (
	"runtime"
	"testing"
	"time"
)

// TestRecvSpin: the polling receive gives what a receive gives, whether the
// value is there at once, comes while it polls or only after it blocks, on
// one processor and on several, and gives up when stopped.
func TestRecvSpin(t *testing.T) {
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
			if v, ok := recvSpin(ch, nil); v != 7 || !ok {
				t.Errorf("procs %d delay %v: recvSpin = %d, %v", procs, delay, v, ok)
			}
			close(ch)
			if v, ok := recvSpin(ch, nil); v != 0 || ok {
				t.Errorf("procs %d delay %v: recvSpin of a closed channel = %d, %v", procs, delay, v, ok)
			}
			ch, stop := make(chan int, 1), make(chan struct{})
			send(ch, 8)
			if v, ok := recvSpin(ch, stop); v != 8 || !ok {
				t.Errorf("procs %d delay %v: recvSpin with stop = %d, %v", procs, delay, v, ok)
			}
			if delay >= 0 {
				go func() {
					time.Sleep(delay)
					close(stop)
				}()
			} else {
				close(stop)
			}
			if v, ok := recvSpin(ch, stop); v != 0 || ok {
				t.Errorf("procs %d delay %v: recvSpin after stop = %d, %v", procs, delay, v, ok)
			}
		}
		runtime.GOMAXPROCS(prev)
	}
}

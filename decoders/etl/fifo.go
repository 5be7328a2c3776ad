package etl

// fifo is a queue on a slice, taken from the front by an index: the taken
// part is dropped when the queue empties, or moved out once it is the
// larger part, so that a steady stream of pushes and pops allocates
// nothing once the slice has grown.
type fifo[T any] struct {
	q    []T
	head int
}

func (f *fifo[T]) push(v T)  { f.q = append(f.q, v) }
func (f *fifo[T]) len() int  { return len(f.q) - f.head }
func (f *fifo[T]) front() *T { return &f.q[f.head] }

// pop drops the front item, zeroed so that what it points to is not kept.
func (f *fifo[T]) pop() {
	var zero T
	f.q[f.head] = zero
	f.head++
	switch {
	case f.head == len(f.q):
		f.q, f.head = f.q[:0], 0
	case f.head > 64 && f.head > len(f.q)/2:
		n := copy(f.q, f.q[f.head:])
		clear(f.q[n:])
		f.q, f.head = f.q[:n], 0
	}
}

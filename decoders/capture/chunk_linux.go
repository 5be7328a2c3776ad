package capture

import "syscall"

// allocChunk maps n bytes of anonymous memory, or falls back on the heap.
func allocChunk(n int) ([]byte, func([]byte) error) {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return make([]byte, n), nil
	}
	return b, syscall.Munmap
}

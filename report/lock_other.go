//go:build !unix

package report

import "os"

// processAlive reports whether a process with this id exists: on Windows
// FindProcess opens the process, which fails when it is gone.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}

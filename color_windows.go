//go:build windows

package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// enableVT asks the Windows console behind f to interpret ANSI escape
// sequences (virtual-terminal processing, Windows 10 and later), and
// reports whether it does: a classic console that refuses would show the
// colour codes as text (←[31m), so the report is then written without
// colour.
func enableVT(f *os.File) bool {
	h := windows.Handle(f.Fd())
	var mode uint32
	if err := windows.GetConsoleMode(h, &mode); err != nil {
		return false // not a console
	}
	if mode&windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0 {
		return true
	}
	return windows.SetConsoleMode(h, mode|windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING) == nil
}

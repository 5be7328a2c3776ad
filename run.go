package main

import (
	"fmt"
	"io"
	"os"

	"softsa/decoders"
	"softsa/dump"
)

// version is the softsa release; the build may override it with -ldflags.
var version = "0.1.0-dev"

// Exit codes (DESIGN.md): like grep, 1 means "found something".
const (
	exitOK       = 0 // analysed, nothing found
	exitFindings = 1 // analysed, at least one finding
	exitUsage    = 2 // usage error, or no input could be read
	exitPartial  = 3 // some inputs failed, others were analysed
)

// run carries out one command line and returns the exit code.
func run(o Options, stdout, stderr io.Writer) int {
	if o.Version {
		fmt.Fprintln(stdout, "softsa", version)
		return exitOK
	}
	switch o.Command {
	case "dump":
		return runDump(o, stdout, stderr)
	}
	return runAnalyze(o, stdout, stderr)
}

// runDump prints every decoded message of each input. A damaged file still
// has everything before the damage printed, and its error on stderr.
func runDump(o Options, stdout, stderr io.Writer) int {
	var do dump.Options
	for _, p := range o.Protos {
		switch p {
		case "isakmp":
			do.ISAKMP = true
		case "esp":
			do.ESP = true
		case "smb":
			do.SMB = true
		}
	}
	failed := 0
	for _, in := range o.Inputs {
		if err := dumpFile(in, stdout, do); err != nil {
			fmt.Fprintln(stderr, "softsa:", err)
			failed++
		}
	}
	return exitCode(len(o.Inputs), failed, false)
}

func dumpFile(path string, w io.Writer, do dump.Options) error {
	c, err := decoders.Open(path)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = dump.Write(w, c, do)
	return err
}

// exitCode follows DESIGN.md: 2 when nothing could be read, 3 when some
// inputs failed, else 1 with findings and 0 without.
func exitCode(inputs, failed int, findings bool) int {
	switch {
	case inputs > 0 && failed == inputs:
		return exitUsage
	case failed > 0:
		return exitPartial
	case findings:
		return exitFindings
	}
	return exitOK
}

// stdoutOrFile opens the report destination.
func stdoutOrFile(path string, stdout io.Writer) (io.Writer, func() error, error) {
	if path == "" || path == "-" {
		return stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

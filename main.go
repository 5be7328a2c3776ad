// Command softsa analyses packet captures for Windows IPsec negotiation
// problems, above all the "fallback to clear" interruption of Microsoft
// KB 977526, and for what else went wrong in IKE, AuthIP, ESP and SMB.
//
// Each command has a file of its own: its options, its flags and its run
// function (analyze.go, dump.go, convert.go). main only picks the command, parses the
// command line into that command's options and hands them to it.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"
)

// version is the softsa release; the build may override it with -ldflags.
var version = "0.1.0-dev"

// usage heads the help of the analyze command, which is what a bare softsa
// runs, so it names every command.
const usage = `softsa finds the Windows IPsec "fallback to clear" interruption (KB 977526)
and other IPsec negotiation failures in packet captures.

Usage:
  softsa [flags] CAPTURE|FOLDER...   analyse captures (pcap, pcapng, NetMon 2.x, gzip);
                                     folders are walked, captures recognised by content;
                                     - reads standard input
  softsa [flags] CAPTURE... HOSTLOG...
                                     with the hosts' own logs (wfpdiag.xml/.cab, Security
                                     log XML, an .etl of WFP events without packets; an
                                     .etl capture's own WFP events come with it): a host
                                     log named here goes with every capture named here,
                                     one found in a folder with the captures of its folder
                                     (with none there, it is skipped with a warning)
  softsa dump [--proto P,…] CAPTURE  one JSON line per decoded IKE, ESP and SMB message
  softsa convert CAPTURE -o OUT.pcapng
                                     any capture softsa reads (ETL included) as pcapng
                                     for Wireshark, frame numbers as in softsa's reports

Flags:
`

func main() {
	os.Exit(run(os.Args[1:], newIOStreams(os.Stdin, os.Stdout, os.Stderr)))
}

// run carries out one command line and returns the exit code: the first
// word names the command (none is analyze), the rest are that command's
// flags and inputs. A flag of another command is a usage error.
func run(args []string, s ioStreams) int {
	if len(args) > 0 && args[0] == "convert" {
		o, err := parseConvert(args[1:], s.err)
		if code, ok := parsed(err, s.err); !ok {
			return code
		}
		return runConvert(o, s)
	}
	if len(args) > 0 && args[0] == "dump" {
		o, err := parseDump(args[1:], s.err)
		if code, ok := parsed(err, s.err); !ok {
			return code
		}
		return runDump(o, s)
	}
	o, err := parseAnalyze(args, s.err)
	if code, ok := parsed(err, s.err); !ok {
		return code
	}
	return runAnalyze(o, s)
}

// parsed reports whether parsing went well enough to run the command, and
// if not the exit code: 0 after --help, 2 after a usage error, which it
// prints.
func parsed(err error, stderr io.Writer) (code int, ok bool) {
	switch {
	case err == pflag.ErrHelp:
		return exitOK, false
	case err != nil:
		fmt.Fprintln(stderr, "softsa:", err)
		return exitUsage, false
	}
	return exitOK, true
}

// newFlagSet is the FlagSet of one command: errors come back to run, which
// says them and exits 2, and --help prints the command's usage text above
// its own flags.
func newFlagSet(name, usage string, stderr io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

// printVersion answers --version, whatever the command.
func printVersion(s ioStreams) int {
	fmt.Fprintln(s.out, "softsa", version)
	return exitOK
}

// Command softsa analyses packet captures for Windows IPsec negotiation
// problems, above all the "fallback to clear" interruption of Microsoft
// KB 977526, and for what else went wrong in IKE, AuthIP, ESP and SMB.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Options is everything the command line says; run acts on it.
type Options struct {
	Command string   // "analyze" or "dump"
	Inputs  []string // capture files (folders come with batch mode)
	Protos  []string // dump: which protocols to print (isakmp, esp, smb)
	Format  string   // analyze: text, json or html ("" picks by the -o extension, else text)
	Output  string   // report file, or a folder for one HTML report per capture; "" or "-" is stdout
	JSONL   bool     // json as one capture per line
	Jobs    int      // captures analysed in parallel (0: the number of CPUs)
	Quiet   bool     // no progress bar, no notes on stderr
	Verbose bool     // list skipped files and why
	Join    bool     // analyse ring-buffer sets as one capture each
	Merge   bool     // the two inputs are one conversation captured on both hosts

	ExpectedOutage time.Duration
	OutageMin      time.Duration
	OutageMax      time.Duration
	MinCycles      int
	Pairs          []string

	Version bool
}

func main() {
	s := newIOStreams(os.Stdout, os.Stderr)
	opts, err := parseArgs(os.Args[1:], s.err)
	if err == pflag.ErrHelp {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(s.err, "softsa:", err)
		os.Exit(exitUsage)
	}
	os.Exit(run(opts, s))
}

const usage = `softsa finds the Windows IPsec "fallback to clear" interruption (KB 977526)
and other IPsec negotiation failures in packet captures.

Usage:
  softsa [flags] CAPTURE|FOLDER...   analyse captures (pcap, pcapng, NetMon 2.x, gzip);
                                     folders are walked, captures recognised by content
  softsa dump [--proto P,…] CAPTURE  one JSON line per decoded IKE, ESP and SMB message

Flags:
`

// formatFor picks the report format from the output file's extension.
func formatFor(output string) string {
	switch strings.ToLower(filepath.Ext(output)) {
	case ".json", ".jsonl":
		return "json"
	case ".html", ".htm":
		return "html"
	}
	if isReportDir(output) {
		return "html"
	}
	return "text"
}

// isReportDir reports whether -o names a folder to fill with one HTML report
// per capture: an existing folder, a path ending in a slash, or a path
// without an extension (a report file always has one).
func isReportDir(output string) bool {
	if output == "" || output == "-" {
		return false
	}
	if st, err := os.Stat(output); err == nil {
		return st.IsDir()
	}
	return strings.HasSuffix(output, "/") || strings.HasSuffix(output, string(filepath.Separator)) || filepath.Ext(output) == ""
}

// parseArgs turns the command line into Options.
func parseArgs(args []string, stderr io.Writer) (Options, error) {
	var o Options
	o.Command = "analyze"
	if len(args) > 0 && args[0] == "dump" {
		o.Command, args = "dump", args[1:]
	}
	fs := pflag.NewFlagSet("softsa", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	fs.StringSliceVar(&o.Protos, "proto", []string{"isakmp", "esp", "smb"}, "dump: protocols to print (isakmp, esp, smb)")
	fs.StringVar(&o.Format, "format", "", "report format: text, json or html (default: from the -o extension, else text)")
	fs.StringVarP(&o.Output, "output", "o", "", "write the report to this file (.txt, .json, .html); a folder (or a name without extension) gets one HTML report per capture plus index.html; - is stdout")
	fs.BoolVar(&o.JSONL, "jsonl", false, "with json: one capture per line (JSON Lines), for large batches")
	fs.IntVarP(&o.Jobs, "jobs", "j", 0, "captures analysed in parallel (default: the number of CPUs)")
	fs.BoolVarP(&o.Quiet, "quiet", "q", false, "no progress bar and no notes on stderr")
	fs.BoolVarP(&o.Verbose, "verbose", "v", false, "list the files a folder walk skipped, and why")
	fs.BoolVar(&o.Merge, "merge", false, "the two captures given were taken on the two hosts of one conversation: estimate their clock offset, analyse them as one timeline and say, for each outage, whose packets were lost")
	fs.BoolVar(&o.Join, "join", false, "analyse each ring-buffer set (trace_00001_…, trace_00002_…) as one capture, frames numbered as mergecap -a numbers them")
	fs.DurationVar(&o.ExpectedOutage, "outage", 60*time.Second, "expected length of a KB 977526 outage")
	window := fs.String("outage-window", "45s-90s", "outage lengths that count as the KB 977526 outage, MIN-MAX")
	fs.IntVar(&o.MinCycles, "min-cycles", 2, "outage/soft-SA cycles needed for a full-confidence KB 977526 finding")
	fs.StringSliceVar(&o.Pairs, "pair", nil, "only report pairs involving these addresses (ADDR[,ADDR])")
	fs.BoolVar(&o.Version, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.Inputs = fs.Args()
	lo, hi, ok := strings.Cut(*window, "-")
	var err1, err2 error
	if ok {
		o.OutageMin, err1 = time.ParseDuration(lo)
		o.OutageMax, err2 = time.ParseDuration(hi)
	}
	if !ok || err1 != nil || err2 != nil || o.OutageMin <= 0 || o.OutageMax < o.OutageMin {
		return o, fmt.Errorf("--outage-window %q: want MIN-MAX durations such as 45s-90s", *window)
	}
	if o.Format == "" {
		o.Format = formatFor(o.Output)
	}
	if o.JSONL {
		o.Format = "json"
	}
	switch o.Format {
	case "text", "json", "html":
	default:
		return o, fmt.Errorf("--format %q: want text, json or html", o.Format)
	}
	for _, p := range o.Protos {
		switch p {
		case "isakmp", "esp", "smb":
		default:
			return o, fmt.Errorf("--proto %q: want isakmp, esp or smb", p)
		}
	}
	if o.Merge && len(o.Inputs) != 2 {
		return o, fmt.Errorf("--merge takes exactly two captures, one from each host")
	}
	if !o.Version && len(o.Inputs) == 0 {
		fs.Usage()
		return o, fmt.Errorf("no capture given")
	}
	return o, nil
}

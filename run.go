package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"time"

	"softsa/analyzer"
	"softsa/batch"
	"softsa/decoders/capture"
	"softsa/dump"
	"softsa/merge"
	"softsa/report"
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
	unreadable, damaged := 0, 0
	for _, in := range o.Inputs {
		if err := dumpFile(in, stdout, do); err != nil {
			fmt.Fprintln(stderr, "softsa:", err)
			var ce *capture.CaptureError
			if errors.As(err, &ce) {
				damaged++ // read up to the damage: partly analysed
			} else {
				unreadable++
			}
		}
	}
	return exitCode(len(o.Inputs), unreadable, damaged, false)
}

func dumpFile(path string, w io.Writer, do dump.Options) error {
	_, err := dump.WriteFile(w, path, do)
	return err
}

// exitCode follows DESIGN.md: 2 when no input could be read at all, 3 when
// some failed (a damaged file read up to its damage counts here), else 1 with
// findings and 0 without.
func exitCode(inputs, unreadable, damaged int, findings bool) int {
	switch {
	case inputs > 0 && unreadable == inputs:
		return exitUsage
	case unreadable+damaged > 0:
		return exitPartial
	case findings:
		return exitFindings
	}
	return exitOK
}

// runAnalyze finds the captures among the inputs, analyses them in
// parallel and writes one report for all of them. A damaged file keeps its
// results up to the damage, with a warning; a file that cannot be read at
// all is listed with its error; neither stops the others.
func runAnalyze(o Options, stdout, stderr io.Writer) int {
	ao := analyzer.DefaultOptions()
	ao.ExpectedOutage, ao.OutageWindow, ao.MinCycles = o.ExpectedOutage, [2]time.Duration{o.OutageMin, o.OutageMax}, o.MinCycles
	for _, s := range o.Pairs {
		a, err := netip.ParseAddr(s)
		if err != nil {
			fmt.Fprintf(stderr, "softsa: --pair %q: not an IP address\n", s)
			return exitUsage
		}
		ao.Pairs = append(ao.Pairs, a)
	}
	if o.Merge {
		defer limitMemory(1)()
		return runMerge(o, ao, stdout, stderr)
	}
	found, err := batch.Discover(o.Inputs)
	if err != nil {
		fmt.Fprintln(stderr, "softsa:", err)
		return exitUsage
	}
	note := func(format string, args ...any) {
		if !o.Quiet {
			fmt.Fprintf(stderr, "softsa: "+format+"\n", args...)
		}
	}
	if o.Verbose {
		for _, sk := range found.Skipped {
			fmt.Fprintf(stderr, "softsa: skipped %s: %s\n", sk.Path, sk.Reason)
		}
	} else if n := len(found.Skipped); n > 0 {
		note("skipped %d files that hold no capture (-v lists them)", n)
	}
	if len(found.Inputs) == 0 {
		fmt.Fprintln(stderr, "softsa: no capture found in", strings.Join(o.Inputs, " "))
		return exitUsage
	}

	inputs := found.Inputs
	if o.Join {
		inputs = batch.Join(inputs, note)
	}
	if len(inputs) > 1 && o.Jobs != 1 {
		ao.NoReadAhead = true // the files in parallel keep the cores busy
	}
	parallel := len(inputs)
	if o.Jobs > 0 {
		parallel = min(parallel, o.Jobs)
	}
	defer limitMemory(parallel)()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	bar := newProgress(stderr, inputs, o.Quiet)
	type outcome struct {
		cr  *analyzer.CaptureResult
		err error
	}
	outs, done := batch.Run(ctx, inputs, o.Jobs, func(ctx context.Context, in batch.Input) outcome {
		if in.Err != nil {
			return outcome{err: fmt.Errorf("%s: %w", in.Path, in.Err)}
		}
		if in.Join != nil {
			cr, err := analyzeChain(ctx, in, ao)
			return outcome{cr, err}
		}
		cr, err := analyzeFile(ctx, in.Path, ao)
		return outcome{cr, err}
	}, bar.add)
	bar.finish()

	res := analyzer.NewResult(version)
	unreadable, damaged, cancelled, findings := 0, 0, 0, false
	for i, out := range outs {
		in := inputs[i]
		if !done[i] {
			cancelled++
			continue
		}
		cr := out.cr
		switch {
		case cr == nil:
			unreadable++
			note("%v", out.err)
			cr = &analyzer.CaptureResult{File: in.Path, Error: out.err.Error()}
		case out.err != nil:
			damaged++
			note("%v", out.err)
		}
		res.Captures = append(res.Captures, *cr)
		findings = findings || hasFindings(cr)
	}
	if cancelled > 0 {
		note("interrupted: %d of %d captures not analysed; the report has the rest", cancelled, len(inputs))
	}
	if !o.Join {
		batch.MarkRingSets(res.Captures)
	}
	if err := writeReport(o, &res, stdout); err != nil {
		fmt.Fprintln(stderr, "softsa: writing report:", err)
		return exitUsage
	}
	if cancelled > 0 {
		damaged += cancelled
	}
	return exitCode(len(inputs), unreadable, damaged, findings)
}

// runMerge analyses two captures of one conversation, one from each host,
// as one timeline, and says for each outage where the unanswered packets
// were lost.
func runMerge(o Options, ao analyzer.Options, stdout, stderr io.Writer) int {
	a, b := o.Inputs[0], o.Inputs[1]
	mg, err := merge.New(a, b)
	if err != nil {
		fmt.Fprintf(stderr, "softsa: --merge %s %s: %v\n", a, b, err)
		return exitUsage
	}
	src, err := mg.Source()
	if err != nil {
		fmt.Fprintln(stderr, "softsa:", err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cr, aerr := analyzer.Analyze(ctx, src, ao)
	src.Close()
	if cr == nil {
		fmt.Fprintln(stderr, "softsa:", aerr)
		return exitUsage
	}
	cr.File = a + " + " + b
	mg.Annotate(cr)
	res := analyzer.NewResult(version, *cr)
	if err := writeReport(o, &res, stdout); err != nil {
		fmt.Fprintln(stderr, "softsa: writing report:", err)
		return exitUsage
	}
	if aerr != nil {
		fmt.Fprintln(stderr, "softsa:", aerr)
		return exitPartial
	}
	return exitCode(2, 0, 0, hasFindings(cr))
}

func analyzeChain(ctx context.Context, in batch.Input, ao analyzer.Options) (*analyzer.CaptureResult, error) {
	ch, err := capture.NewChain(in.Join)
	if err != nil {
		return nil, err
	}
	defer ch.Close()
	cr, err := analyzer.Analyze(ctx, ch, ao)
	if cr != nil {
		cr.File = in.Path
		cr.Warnings = append(cr.Warnings, fmt.Sprintf("%d ring-buffer files analysed as one capture; frame numbers count across them, as in the file mergecap -a writes from them in this order", len(in.Join)))
	}
	return cr, err
}

// writeReport writes res where and how the options say.
func writeReport(o Options, res *analyzer.Result, stdout io.Writer) error {
	if isReportDir(o.Output) {
		return report.WriteHTMLDir(o.Output, res)
	}
	w, closeOut, err := stdoutOrFile(o.Output, stdout)
	if err != nil {
		return err
	}
	switch {
	case o.Format == "json" && o.JSONL:
		err = report.JSONLines(w, res)
	case o.Format == "json":
		err = report.JSON(w, res)
	case o.Format == "html":
		err = report.HTML(w, res)
	case len(res.Captures) > 1:
		err = report.BatchText(w, res)
	default:
		err = report.Text(w, res, report.TextOptions{Color: (o.Output == "" || o.Output == "-") && colorTerminal(stdout)})
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	return err
}

func analyzeFile(ctx context.Context, path string, ao analyzer.Options) (*analyzer.CaptureResult, error) {
	c, err := capture.Open(path)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	cr, err := analyzer.Analyze(ctx, c, ao)
	if cr != nil {
		cr.File = path
	}
	return cr, err
}

// hasFindings reports whether any pair has a finding that is a problem
// (informational ones, such as a healthy fallback, do not count).
func hasFindings(c *analyzer.CaptureResult) bool {
	for _, p := range c.Pairs {
		for _, f := range p.Findings {
			if !f.Informational {
				return true
			}
		}
	}
	return false
}

// colorTerminal reports whether w is a terminal that may get colour.
func colorTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
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

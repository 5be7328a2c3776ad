package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"softsa/analyzer"
	"softsa/batch"
	"softsa/decoders"
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
			var ce *decoders.CaptureError
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
		inputs = joinRingSets(inputs, note)
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
		warnRingSets(res.Captures)
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
	est := mg.Estimate
	info := &analyzer.MergeInfo{Files: []string{a, b}, Hosts: []string{addrOrEmpty(est.HostA), addrOrEmpty(est.HostB)},
		OffsetSeconds: est.Offset.Seconds(), LatencySeconds: est.Latency.Seconds(), MatchedPackets: est.Matched}
	var windows []merge.Window
	for _, p := range cr.Pairs {
		from, _ := netip.ParseAddr(p.Initiator)
		to, _ := netip.ParseAddr(p.Responder)
		for _, f := range p.Findings {
			for _, cy := range f.Cycles {
				windows = append(windows, merge.Window{Start: cy.OutageStart.Time, End: cy.OutageEnd.Time, From: from, To: to})
			}
		}
	}
	tallies, err := mg.Attribute(windows)
	if err != nil {
		cr.Warnings = append(cr.Warnings, "attributing the outages: "+err.Error())
	}
	for i, w := range windows {
		if i >= len(tallies) {
			break
		}
		info.Outages = append(info.Outages, mergeOutage(w, tallies[i], est))
	}
	cr.Merge = info
	cr.Warnings = append(cr.Warnings, fmt.Sprintf("two captures merged: %s's clock was %+.3f s off %s's (from %d packets both hold); frames are numbered in the merged timeline, each packet once",
		b, est.Offset.Seconds(), a, est.Matched))
	if est.Truncated {
		cr.Warnings = append(cr.Warnings, fmt.Sprintf("only the first %d packets of %s were matched against %s", merge.MaxFingerprints, a, b))
	}
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

// mergeOutage says where one outage's unanswered packets were lost.
func mergeOutage(w merge.Window, t merge.Tally, est merge.Estimate) analyzer.MergeOutage {
	mo := analyzer.MergeOutage{Start: analyzer.At(w.Start), End: analyzer.At(w.End), From: w.From.String(), To: w.To.String(), DroppedBy: "unknown"}
	var onlySender int
	switch {
	case est.HostA == w.From && est.HostB == w.To:
		onlySender = t.OnlyA
	case est.HostB == w.From && est.HostA == w.To:
		onlySender = t.OnlyB
	default:
		mo.What = "the captures' hosts could not be told apart, so where the packets were lost is unknown"
		return mo
	}
	mo.ReachedReceiver, mo.OnlyAtSender = t.Both, onlySender
	switch {
	case t.Both > 0 && onlySender == 0:
		mo.DroppedBy = "receiver"
		mo.What = fmt.Sprintf("all %d of %s's unanswered packets reached %s, which did not answer them: dropped by %s itself (its IPsec policy discards clear traffic it expects secured, as in KB 977526), not by the network", t.Both, mo.From, mo.To, mo.To)
	case onlySender > 0 && t.Both == 0:
		mo.DroppedBy = "network"
		mo.What = fmt.Sprintf("none of %s's %d unanswered packets reached %s's capture: lost on the network (or filtered) between the two", mo.From, onlySender, mo.To)
	case onlySender > 0:
		mo.What = fmt.Sprintf("%d of %s's unanswered packets reached %s and %d did not", t.Both, mo.From, mo.To, onlySender)
	default:
		mo.What = "no clear packet of the sender fell inside the outage"
	}
	return mo
}

func addrOrEmpty(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// joinRingSets replaces the files of each ring-buffer set among the inputs
// by one input that analyses them as one capture.
func joinRingSets(inputs []batch.Input, note func(string, ...any)) []batch.Input {
	var members []batch.RingMember
	for _, in := range inputs {
		if in.Err == nil {
			if t, ok := firstFrameTime(in.Path); ok {
				members = append(members, batch.RingMember{Path: in.Path, First: t})
			}
		}
	}
	joined := map[string]bool{}
	var out []batch.Input
	for _, set := range batch.RingSets(members) {
		in := batch.Input{}
		for _, m := range set {
			joined[m.Path] = true
			in.Join = append(in.Join, m.Path)
		}
		for _, x := range inputs {
			if joined[x.Path] {
				in.Size += x.Size
			}
		}
		in.Path = strings.Join(in.Join, " + ")
		note("joining %d ring-buffer files: %s", len(set), in.Path)
		out = append(out, in)
	}
	for _, in := range inputs {
		if !joined[in.Path] {
			out = append(out, in)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// firstFrameTime reads the time of a capture's first frame.
func firstFrameTime(path string) (time.Time, bool) {
	c, err := decoders.Open(path)
	if err != nil {
		return time.Time{}, false
	}
	defer c.Close()
	var f decoders.Frame
	if c.Next(&f) != nil {
		return time.Time{}, false
	}
	return f.Time, true
}

// warnRingSets tells, on each capture of a ring-buffer set analysed file by
// file, that a cycle spanning two files can only be found with --join.
func warnRingSets(caps []analyzer.CaptureResult) {
	var members []batch.RingMember
	index := map[string]int{}
	for i, c := range caps {
		if c.Error == "" && c.Frames > 0 {
			members = append(members, batch.RingMember{Path: c.File, First: c.First.Time, Last: c.Last.Time})
			index[c.File] = i
		}
	}
	for _, set := range batch.RingSets(members) {
		names := make([]string, len(set))
		for i, m := range set {
			names[i] = filepath.Base(m.Path)
		}
		msg := fmt.Sprintf("this file looks like part of a ring-buffer set (%s): a cycle that spans two files is found only with --join", strings.Join(names, ", "))
		for _, m := range set {
			c := &caps[index[m.Path]]
			c.Warnings = append(c.Warnings, msg)
		}
	}
}

func analyzeChain(ctx context.Context, in batch.Input, ao analyzer.Options) (*analyzer.CaptureResult, error) {
	ch, err := decoders.NewChain(in.Join)
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
	c, err := decoders.Open(path)
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

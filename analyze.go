package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"softsa/analyzer"
	"softsa/analyzer/result"
	"softsa/batch"
	"softsa/decoders/capture"
	"softsa/decoders/hostlog"
	"softsa/merge"
	"softsa/report"
)

// analyzeOptions is what the command line says to the analyze command.
type analyzeOptions struct {
	Inputs  []string // capture files and folders
	Format  string   // text, json or html ("" picks by the -o extension, else text)
	Output  string   // report file, or a folder for one HTML report per capture; "" or "-" is stdout
	JSONL   bool     // json as one capture per line
	Width   int      // text report width in columns (0: the terminal's, else 120)
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

	stdin string // the spooled standard input, read for the input "-"
}

// parseAnalyze turns the command line of the analyze command into
// analyzeOptions.
func parseAnalyze(args []string, stderr io.Writer) (analyzeOptions, error) {
	var o analyzeOptions
	fs := newFlagSet("softsa", usage, stderr)
	fs.StringVar(&o.Format, "format", "", "report format: text, json or html (default: from the -o extension, else text)")
	fs.StringVarP(&o.Output, "output", "o", "", "write the report to this file (.txt, .json, .html); a folder (or a name without extension) gets one HTML report per capture plus index.html; - is stdout")
	fs.IntVar(&o.Width, "width", 0, "text report: most columns per line (default: the terminal's width when stdout is a terminal, else 120)")
	fs.BoolVar(&o.JSONL, "jsonl", false, "with json: one capture per line (JSON Lines), for large batches")
	fs.IntVarP(&o.Jobs, "jobs", "j", 0, "captures analysed in parallel (default: the number of CPUs)")
	fs.BoolVarP(&o.Quiet, "quiet", "q", false, "no progress bar and no notes on stderr")
	fs.BoolVarP(&o.Verbose, "verbose", "v", false, "list the files a folder walk skipped, and why")
	fs.BoolVar(&o.Merge, "merge", false, "the two captures given were taken on the two hosts of one conversation: estimate their clock offset, analyse them as one timeline and say, for each outage, whose packets were lost")
	fs.BoolVar(&o.Join, "join", false, "analyse each ring-buffer set (trace_00001_…, trace_00002_…) as one capture, frames numbered as mergecap -a numbers them")
	fs.DurationVar(&o.ExpectedOutage, "outage", 60*time.Second, "expected length of a KB 977526 outage")
	window := fs.String("outage-window", "45s-90s", "outage lengths that count as the KB 977526 outage, MIN-MAX")
	fs.IntVar(&o.MinCycles, "min-cycles", 2, "outage/soft-SA cycles needed for a full-confidence KB 977526 finding")
	fs.StringArrayVar(&o.Pairs, "pair", nil, "only report the pair ADDR,ADDR, or with one ADDR every pair involving it; repeat for more")
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
	switch {
	case o.ExpectedOutage <= 0:
		return o, fmt.Errorf("--outage %v: want a positive duration such as 60s", o.ExpectedOutage)
	case o.MinCycles < 1:
		return o, fmt.Errorf("--min-cycles %d: want 1 or more", o.MinCycles)
	case fs.Changed("width") && o.Width < 40:
		return o, fmt.Errorf("--width %d: want 40 or more", o.Width)
	case fs.Changed("jobs") && o.Jobs < 1:
		return o, fmt.Errorf("-j/--jobs %d: want 1 or more", o.Jobs)
	}
	if err := o.settleFormat(fs.Changed("format")); err != nil {
		return o, err
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

// settleFormat picks the report format from --format, --jsonl and -o, and
// refuses a combination in which they disagree, naming both flags: softsa
// never guesses which one the user meant.
func (o *analyzeOptions) settleFormat(explicit bool) error {
	switch o.Format {
	case "", "text", "json", "html":
	default:
		return fmt.Errorf("--format %q: want text, json or html", o.Format)
	}
	dir := isReportDir(o.Output)
	byExt := formatForExt(o.Output)
	if o.JSONL {
		switch {
		case explicit && o.Format != "json":
			return fmt.Errorf("--jsonl and --format %s contradict each other: --jsonl writes JSON", o.Format)
		case dir:
			return fmt.Errorf("--jsonl and -o %s contradict each other: a folder gets one HTML report per capture", o.Output)
		case byExt != "" && byExt != "json":
			return fmt.Errorf("--jsonl and -o %s contradict each other: that name is a %s report's", o.Output, byExt)
		}
		o.Format = "json"
	}
	if explicit {
		switch {
		case dir && o.Format != "html":
			return fmt.Errorf("--format %s and -o %s contradict each other: a folder gets one HTML report per capture", o.Format, o.Output)
		case byExt != "" && byExt != o.Format:
			return fmt.Errorf("--format %s and -o %s contradict each other: that name is a %s report's", o.Format, o.Output, byExt)
		}
	}
	if o.Format == "" {
		o.Format = formatFor(o.Output)
	}
	return nil
}

// formatForExt is the format a report file's extension names, or "".
func formatForExt(output string) string {
	switch strings.ToLower(filepath.Ext(output)) {
	case ".json", ".jsonl":
		return "json"
	case ".html", ".htm":
		return "html"
	case ".txt", ".text":
		return "text"
	}
	return ""
}

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
	if isStdout(output) {
		return false
	}
	if st, err := os.Stat(output); err == nil {
		return st.IsDir()
	}
	return strings.HasSuffix(output, "/") || strings.HasSuffix(output, string(filepath.Separator)) || filepath.Ext(output) == ""
}

// analyzerOptions turns the options into the analyzer's. Addresses given
// with --pair are checked here, not while parsing, so that --version and a
// missing capture take precedence over a bad one, as they always have.
func (o analyzeOptions) analyzerOptions() (analyzer.Options, error) {
	ao := analyzer.DefaultOptions()
	ao.ExpectedOutage, ao.OutageWindow, ao.MinCycles = o.ExpectedOutage, [2]time.Duration{o.OutageMin, o.OutageMax}, o.MinCycles
	for _, p := range o.Pairs {
		var set []netip.Addr
		for _, s := range strings.Split(p, ",") {
			a, err := netip.ParseAddr(strings.TrimSpace(s))
			if err != nil {
				return ao, fmt.Errorf("--pair %q: not an IP address", s)
			}
			set = append(set, a)
		}
		if len(set) > 2 {
			return ao, fmt.Errorf("--pair %q: a pair has two addresses; repeat --pair for more", p)
		}
		ao.PairSets = append(ao.PairSets, set)
	}
	return ao, nil
}

// runAnalyze finds the captures among the inputs, analyses them in
// parallel and writes one report for all of them: discover → analyze →
// assemble → write. A damaged file keeps its results up to the damage,
// with a warning; a file that cannot be read at all is listed with its
// error; neither stops the others.
func runAnalyze(o analyzeOptions, s ioStreams) int {
	if o.Version {
		return printVersion(s)
	}
	ao, err := o.analyzerOptions()
	if err != nil {
		fmt.Fprintln(s.err, "softsa:", err)
		return exitUsage
	}
	if o.Merge {
		defer limitMemory(1)()
		return runMerge(o, ao, s)
	}
	// Caught from now until the report is written: an interrupt stops
	// the analyses, and what finished is still reported, marked incomplete.
	ctx, stop := interruptible()
	defer stop()
	spool, removeSpool, err := spoolStdin(o.Inputs, s.in)
	if err != nil {
		fmt.Fprintln(s.err, "softsa:", err)
		return exitUsage
	}
	defer removeSpool()
	o.stdin = spool
	note := noter(s.err, o.Quiet)
	inputs, err := discover(o, s.err, note)
	if err != nil {
		fmt.Fprintln(s.err, "softsa:", err)
		return exitUsage
	}
	out, err := prepareOutput(o, inputPaths(inputs), s)
	if err != nil {
		fmt.Fprintln(s.err, "softsa:", err)
		return exitUsage
	}
	defer out.abort() // a no-op once committed
	if len(inputs) > 1 && o.Jobs != 1 {
		ao.NoReadAhead = true // the files in parallel keep the cores busy
	}
	defer limitMemory(parallelism(len(inputs), o.Jobs))()

	var stream *lineStream
	if o.JSONL {
		stream = newLineStream(out.w, inputs, o.Join, o.Pairs)
	}
	outs, done := analyzeAll(ctx, inputs, o, ao, s, stream)
	res, t := assemble(inputs, outs, done, o.Join, note)
	if why := interruption(ctx); why != "" && t.analysed < len(inputs) {
		res.Incomplete = true
		res.IncompleteReason = fmt.Sprintf("%d of %d captures analysed — %s", t.analysed, len(inputs), why)
		t.interrupted = true
		fmt.Fprintln(s.err, "softsa:", res.IncompleteReason+"; the report has those")
	}
	if len(o.Pairs) > 0 && !anyPair(res.Captures, o.Pairs) && !t.interrupted {
		// Said on stderr whatever --quiet says: the report is empty
		// because of the filter, not because the captures are.
		fmt.Fprintf(s.err, "softsa: --pair %s: no pair of hosts in the captures matches\n", strings.Join(o.Pairs, " --pair "))
		sayFilteredOut(s.err, res.Captures)
		t.noMatch = true
	}
	if stream != nil {
		err = stream.finish(&res)
		if err == nil {
			err = out.commit()
		}
	} else {
		err = writeReport(o, out, &res, s)
	}
	if err != nil {
		fmt.Fprintln(s.err, "softsa: writing report:", err)
		return exitUsage
	}
	return t.exitCode()
}

// noter returns the function that writes a note on stderr, or nothing with
// --quiet.
func noter(stderr io.Writer, quiet bool) func(format string, args ...any) {
	return func(format string, args ...any) {
		if !quiet {
			fmt.Fprintf(stderr, "softsa: "+format+"\n", args...)
		}
	}
}

// discover finds the captures among the inputs, walking folders, and with
// --join makes each ring-buffer set one input. It says on stderr what the
// walk skipped: every file with -v, else how many. Finding no capture at
// all is an error.
func discover(o analyzeOptions, stderr io.Writer, note func(string, ...any)) ([]batch.Input, error) {
	args := slices.DeleteFunc(slices.Clone(o.Inputs), func(a string) bool { return a == stdinName })
	found, err := batch.Discover(args)
	if err != nil {
		return nil, err
	}
	if o.stdin != "" {
		in := batch.Input{Path: stdinName, Named: true}
		if st, err := os.Stat(o.stdin); err == nil {
			in.Size = st.Size()
		}
		found.Inputs = append([]batch.Input{in}, found.Inputs...)
	}
	// A host log that goes with no capture: named on a command line that
	// names no capture, a usage error; otherwise (found by a folder walk
	// in a folder without captures, or named beside captures that could
	// not be read) it is skipped with a warning, and costs the other
	// files nothing.
	orphans := batch.AttachHostLogs(found.Inputs, found.HostLogs)
	if named := namedOrphans(orphans); len(named) > 0 && !slices.ContainsFunc(found.Inputs, func(in batch.Input) bool { return in.Named }) {
		return nil, orphanError(named)
	}
	for _, l := range orphans {
		fmt.Fprintf(stderr, "softsa: warning: %s; skipped\n", orphanError([]batch.HostLog{l}))
		found.Skipped = append(found.Skipped, batch.Skipped{Path: l.Path, Reason: orphanReason(l)})
	}
	if len(orphans) > 0 {
		slices.SortFunc(found.Skipped, func(a, b batch.Skipped) int { return strings.Compare(a.Path, b.Path) })
	}
	if o.Verbose {
		for _, sk := range found.Skipped {
			fmt.Fprintf(stderr, "softsa: skipped %s: %s\n", sk.Path, sk.Reason)
		}
	} else if n := len(found.Skipped) - len(orphans); n > 0 {
		note("skipped %d files that hold no capture (-v lists them)", n)
	}
	if len(found.Inputs) == 0 {
		return nil, fmt.Errorf("no capture found in %s", strings.Join(o.Inputs, " "))
	}
	if o.Verbose {
		for _, in := range found.Inputs {
			if len(in.HostLogs) > 0 {
				fmt.Fprintf(stderr, "softsa: %s: with host logs %s\n", in.Path, strings.Join(in.HostLogs, ", "))
			}
		}
	}
	inputs := found.Inputs
	if o.Join {
		inputs = batch.Join(inputs, note)
	}
	return inputs, nil
}

// namedOrphans are the orphans the user named.
func namedOrphans(orphans []batch.HostLog) []batch.HostLog {
	var named []batch.HostLog
	for _, l := range orphans {
		if l.Named {
			named = append(named, l)
		}
	}
	return named
}

// orphanReason is why an orphan host log was skipped, as -v lists it.
func orphanReason(l batch.HostLog) string {
	if l.Named {
		return fmt.Sprintf("host log (%s) that goes with no capture: the captures named beside it could not be read", batch.HostLogKind(l.Format))
	}
	return fmt.Sprintf("host log (%s) that goes with no capture: its folder holds none", batch.HostLogKind(l.Format))
}

// orphanError says which host logs go with no capture, and the rule that
// pairs them.
func orphanError(orphans []batch.HostLog) error {
	var named, walked []string
	for _, l := range orphans {
		if l.Named {
			named = append(named, l.Path)
		} else {
			walked = append(walked, l.Path)
		}
	}
	var parts []string
	if len(named) > 0 {
		parts = append(parts, fmt.Sprintf("host log %s goes with no capture: a host log named on the command line goes with the captures named there (softsa CAPTURE %s)",
			strings.Join(named, ", "), named[0]))
	}
	if len(walked) > 0 {
		parts = append(parts, fmt.Sprintf("host log %s goes with no capture: a host log found in a folder goes with the captures of its own folder, and its folder has none",
			strings.Join(walked, ", ")))
	}
	return errors.New(strings.Join(parts, "; "))
}

// readHostLog reads a host log (a variable so that tests can stand in for
// formats whose readers live elsewhere).
var readHostLog = hostlog.Read

// readHostLogs reads the host logs that go with a capture, and says in
// warnings, naming the file, what could not be read.
func readHostLogs(paths []string) (logs []*hostlog.Log, warnings []string) {
	for _, p := range paths {
		fh, err := os.Open(p)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("host log %s: %v", p, errorText(p, err)))
			continue
		}
		l, err := readHostLog(p, fh)
		fh.Close()
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("host log %s: %v", p, errorText(p, err)))
		}
		if l != nil {
			if l.File == "" {
				l.File = p
			}
			logs = append(logs, l)
		}
	}
	return logs, warnings
}

// withHostLogs reads in's host logs into a copy of ao; the warnings are
// for the capture's result.
func withHostLogs(in batch.Input, ao analyzer.Options) (analyzer.Options, []string) {
	if len(in.HostLogs) == 0 {
		return ao, nil
	}
	logs, warnings := readHostLogs(in.HostLogs)
	ao.HostLogs = logs
	return ao, warnings
}

// parallelism is how many analyses run at once.
func parallelism(inputs, jobs int) int {
	if jobs > 0 {
		return min(inputs, jobs)
	}
	return inputs
}

// outcome is what the analysis of one input gave: its result, nil when
// nothing could be read, and the error that stopped it early, if any.
type outcome struct {
	cr  *result.CaptureResult
	err error
}

// analyzeAll analyses the inputs, o.Jobs at a time, with a progress bar on
// a terminal's stderr, each result handed to stream (if not nil) as it
// comes. done[i] is false for an input an interrupt kept from starting.
func analyzeAll(ctx context.Context, inputs []batch.Input, o analyzeOptions, ao analyzer.Options, s ioStreams, stream *lineStream) (outs []outcome, done []bool) {
	bar := newProgress(s, inputs, o.Quiet)
	outs, done = batch.Run(ctx, inputs, o.Jobs, func(ctx context.Context, in batch.Input) outcome {
		return analyzeInput(ctx, in, ao, o.stdin)
	}, func(i int, out outcome) {
		bar.add(inputs[i])
		if stream != nil {
			stream.done(i, out)
		}
		if testHookDone != nil {
			testHookDone(i)
		}
	})
	bar.finish()
	return outs, done
}

// testHookDone, when a test sets it, is called as each input finishes.
var testHookDone func(i int)

// analyzeInput analyses one input: a file, or a ring-buffer set read as one
// capture.
func analyzeInput(ctx context.Context, in batch.Input, ao analyzer.Options, stdin string) outcome {
	if in.Err != nil {
		return outcome{err: fmt.Errorf("%s: %w", in.Path, in.Err)}
	}
	ao, warnings := withHostLogs(in, ao)
	var (
		cr  *result.CaptureResult
		err error
	)
	if in.Join != nil {
		cr, err = analyzeChain(ctx, in, ao)
	} else {
		cr, err = analyzeFile(ctx, in.Path, ao, stdin)
	}
	if cr != nil {
		cr.Warnings = append(cr.Warnings, warnings...)
	}
	return outcome{cr, err}
}

// analyzeFile analyses the capture at path; "-" reads the spooled standard
// input, stdin.
func analyzeFile(ctx context.Context, path string, ao analyzer.Options, stdin string) (*result.CaptureResult, error) {
	name := path
	if path == stdinName {
		name = stdin
	}
	c, err := capture.Open(name)
	if err != nil {
		return nil, stdinError(err, stdin)
	}
	defer c.Close()
	cr, err := analyzer.Analyze(ctx, c, ao)
	if cr != nil {
		cr.File = path
	}
	if path == stdinName && err != nil && !errors.Is(err, context.Canceled) {
		err = stdinError(err, stdin)
		for i := 0; cr != nil && i < len(cr.Warnings); i++ {
			cr.Warnings[i] = strings.ReplaceAll(cr.Warnings[i], stdin, "standard input")
		}
	}
	return cr, err
}

func analyzeChain(ctx context.Context, in batch.Input, ao analyzer.Options) (*result.CaptureResult, error) {
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

// tally counts how the inputs fared, for the exit code.
type tally struct {
	inputs, unreadable, damaged, cancelled int
	analysed                               int  // inputs analysed to their end, or to their damage
	interrupted                            bool // a signal stopped the run before every input was analysed
	findings                               bool
	noMatch                                bool // --pair matched no pair: nothing was analysed
}

// exitCode counts an input an interrupt kept from being analysed as a
// damaged one: the report lacks it, the others are there.
func (t tally) exitCode() int {
	switch {
	case t.noMatch:
		return exitUsage
	case t.interrupted:
		return exitPartial
	}
	return exitCode(t.inputs, t.unreadable, t.damaged+t.cancelled, t.findings)
}

// assemble puts the outcomes into one Result, in the order of the inputs:
// an input that could not be read is listed with its error, one an
// interrupt kept from starting is left out and counted. Without --join,
// files that look like one ring-buffer set get a warning saying so. Each
// error is a note on stderr too.
func assemble(inputs []batch.Input, outs []outcome, done []bool, joined bool, note func(string, ...any)) (result.Result, tally) {
	res := result.NewResult(version)
	t := tally{inputs: len(inputs)}
	for i, out := range outs {
		var cr *result.CaptureResult
		if done[i] {
			cr = captureOf(inputs[i], out)
		}
		if cr == nil {
			t.cancelled++
			continue
		}
		t.analysed++
		switch {
		case out.cr == nil:
			t.unreadable++
			note("%s: %s", inputs[i].Path, cr.Error)
		case out.err != nil:
			t.damaged++
			note("%s: %s", inputs[i].Path, errorText(inputs[i].Path, out.err))
		}
		res.Captures = append(res.Captures, *cr)
		t.findings = t.findings || cr.HasProblem()
	}
	if !joined {
		batch.MarkRingSets(res.Captures)
	}
	return res, t
}

// captureOf is the report's entry for one input: its result, or for an
// input that could not be read its error; nil when an interrupt stopped
// its analysis, which is then not reported at all rather than reported
// half done as if the capture ended there.
func captureOf(in batch.Input, out outcome) *result.CaptureResult {
	switch {
	case out.err != nil && errors.Is(out.err, context.Canceled):
		return nil
	case out.cr == nil:
		return &result.CaptureResult{File: in.Path, Error: errorText(in.Path, out.err)}
	}
	return out.cr
}

// errorText is err as a report lists it beside path: without the path
// again, which os errors and wrapped errors repeat.
func errorText(path string, err error) string {
	msg := err.Error()
	for {
		rest, ok := strings.CutPrefix(msg, path+": ")
		if !ok {
			break
		}
		msg = rest
	}
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == path {
		msg = strings.Replace(msg, pe.Op+" "+path+": ", "", 1)
	}
	return msg
}

// anyPair reports whether a capture kept a pair through the --pair filter,
// and marks each capture that kept none (markNoPair).
func anyPair(captures []result.CaptureResult, pairs []string) bool {
	found := false
	for i := range captures {
		found = !markNoPair(&captures[i], pairs) || found
	}
	return found
}

// markNoPair gives a capture the --pair filter left without a pair a
// warning naming the filter, so the report says why it is empty, and
// reports whether it did. An unreadable capture is left as it is.
func markNoPair(c *result.CaptureResult, pairs []string) bool {
	if c.Error != "" {
		return true
	}
	if len(c.Pairs) > 0 {
		return false
	}
	w := fmt.Sprintf("no pair of hosts matches --pair %s", strings.Join(pairs, " --pair "))
	if have := filteredOut(c); have != "" {
		w += "; the capture has " + have
	}
	c.Warnings = append(c.Warnings, w)
	return true
}

// maxFilteredCaptures is how many captures the stderr message of a --pair
// filter that matched nothing lists the pairs of.
const maxFilteredCaptures = 10

// sayFilteredOut lists on stderr, after a --pair filter matched nothing,
// the pairs each capture does have (the analyzer names the first 20 and
// counts the rest), so that the next try can name one of them.
func sayFilteredOut(w io.Writer, captures []result.CaptureResult) {
	listed := 0
	for i := range captures {
		c := &captures[i]
		have := filteredOut(c)
		if have == "" {
			continue
		}
		if listed == maxFilteredCaptures {
			fmt.Fprintln(w, "  (and more captures)")
			return
		}
		listed++
		fmt.Fprintf(w, "  %s has %s\n", c.File, have)
	}
}

// filteredOut says which pairs the --pair filter left out of a capture,
// each as --pair takes it (A,B), or "" when it left none (the capture has
// no pair at all).
func filteredOut(c *result.CaptureResult) string {
	if len(c.FilteredOut) == 0 {
		return ""
	}
	s := "the pairs " + strings.Join(c.FilteredOut, "; ")
	switch more := c.FilteredOutMore; {
	case more > 0:
		s += fmt.Sprintf(" and %d more pairs", more)
	case more < 0:
		s += fmt.Sprintf(" and at least %d more pairs", -more)
	}
	return s
}

// runMerge analyses two captures of one conversation, one from each host,
// as one timeline, and says for each outage where the unanswered packets
// were lost. It takes a road of its own rather than being one more input
// of the batch: its failures are not notes (--quiet does not hide them),
// and a damaged capture is said after the report.
func runMerge(o analyzeOptions, ao analyzer.Options, s ioStreams) int {
	a, b := o.Inputs[0], o.Inputs[1]
	for _, in := range o.Inputs {
		if hf := batch.HostLogFormat(in); hf != hostlog.FormatNone {
			fmt.Fprintf(s.err, "softsa: --merge %s %s: %s is a host log (%s), not a capture; a merged analysis takes the two captures only (analyse each capture with its host logs: softsa CAPTURE %s)\n",
				a, b, in, batch.HostLogKind(hf), in)
			return exitUsage
		}
	}
	if sa, err := os.Stat(a); err == nil {
		if sb, err := os.Stat(b); err == nil && os.SameFile(sa, sb) {
			fmt.Fprintf(s.err, "softsa: --merge %s %s: the same file twice; give the capture of each host\n", a, b)
			return exitUsage
		}
	}
	out, err := prepareOutput(o, o.Inputs, s)
	if err != nil {
		fmt.Fprintln(s.err, "softsa:", err)
		return exitUsage
	}
	defer out.abort() // a no-op once committed
	mg, err := merge.New(a, b)
	if err != nil {
		fmt.Fprintf(s.err, "softsa: --merge %s %s: %v\n", a, b, err)
		return exitUsage
	}
	src, err := mg.Source()
	if err != nil {
		fmt.Fprintln(s.err, "softsa:", err)
		return exitUsage
	}
	ctx, stop := interruptible()
	defer stop()
	cr, aerr := analyzer.Analyze(ctx, src, ao)
	src.Close()
	if cr == nil {
		fmt.Fprintln(s.err, "softsa:", aerr)
		return exitUsage
	}
	cr.File = a + " + " + b
	mg.Annotate(cr)
	res := result.NewResult(version, *cr)
	if why := interruption(ctx); why != "" {
		res.Incomplete = true
		res.IncompleteReason = fmt.Sprintf("the merged capture analysed up to frame %d only — %s", cr.Frames, why)
	}
	if err := writeReport(o, out, &res, s); err != nil {
		fmt.Fprintln(s.err, "softsa: writing report:", err)
		return exitUsage
	}
	if aerr != nil {
		fmt.Fprintln(s.err, "softsa:", aerr)
		return exitPartial
	}
	return exitCode(2, 0, 0, cr.HasProblem())
}

// prepareOutput checks the destination (checkOutput) and opens it
// (openOutput), before any capture is analysed.
func prepareOutput(o analyzeOptions, inputs []string, s ioStreams) (*output, error) {
	if err := checkOutput(o, inputs); err != nil {
		return nil, err
	}
	return openOutput(o, s)
}

// inputPaths lists every file the inputs read, ring-buffer members included.
func inputPaths(inputs []batch.Input) []string {
	var paths []string
	for _, in := range inputs {
		paths = append(paths, in.Path)
		paths = append(paths, in.Join...)
	}
	return paths
}

// writeReport writes res where and how the options say, into out: a folder
// of HTML reports, or one report on stdout or in a file, which it commits.
// On failure the destination is left as it was.
func writeReport(o analyzeOptions, out *output, res *result.Result, s ioStreams) error {
	if out.dir {
		err := report.WriteHTMLDir(o.Output, res)
		out.unlock()
		return err
	}
	w := out.w
	var err error
	switch {
	case o.Format == "json" && o.JSONL:
		err = report.JSONLines(w, res)
	case o.Format == "json":
		err = report.JSON(w, res)
	case o.Format == "html":
		err = report.HTML(w, res)
	case len(res.Captures) > 1:
		err = report.BatchText(w, res, report.TextOptions{Width: textWidth(o, s)})
	default:
		err = report.Text(w, res, report.TextOptions{Color: isStdout(o.Output) && s.color(), Width: textWidth(o, s)})
	}
	if err != nil {
		out.abort()
		return err
	}
	return out.commit()
}

// isStdout reports whether -o names standard output.
func isStdout(output string) bool {
	return output == "" || output == "-"
}

// textWidth is the text report's width: --width, else the terminal's when
// the report goes to it, else report.DefaultTextWidth.
func textWidth(o analyzeOptions, s ioStreams) int {
	switch {
	case o.Width > 0:
		return o.Width
	case isStdout(o.Output) && s.outWidth > 0:
		return s.outWidth
	}
	return report.DefaultTextWidth
}

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"softsa/convert"
	"softsa/decoders/capture"
)

// convertOptions is what the command line says to softsa convert.
type convertOptions struct {
	Input   string // the capture; - reads standard input
	Output  string // the pcapng file; - is stdout
	Version bool
}

const convertUsage = `softsa convert writes any capture softsa reads (pcap, pcapng, NetMon 2.x, gzip,
and ETL from netsh trace or pktmon) as pcapng for Wireshark: frame N of the file
written is frame N of softsa's analysis of the capture.

Usage:
  softsa convert CAPTURE -o OUT.pcapng   (- reads standard input; -o - writes to stdout)

Flags:
`

// parseConvert turns the arguments after "convert" into convertOptions.
func parseConvert(args []string, stderr io.Writer) (convertOptions, error) {
	var o convertOptions
	fs := newFlagSet("softsa convert", convertUsage, stderr)
	fs.StringVarP(&o.Output, "output", "o", "", "the pcapng file to write (written whole, then renamed into place); - is stdout")
	fs.BoolVar(&o.Version, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.Version {
		return o, nil
	}
	switch fs.NArg() {
	case 0:
		fs.Usage()
		return o, errors.New("no capture given")
	case 1:
		o.Input = fs.Arg(0)
	default:
		return o, fmt.Errorf("convert takes one capture, not %d (merge captures with mergecap first)", fs.NArg())
	}
	if o.Output == "" {
		return o, errors.New("no output given: -o OUT.pcapng (or -o - for stdout)")
	}
	return o, nil
}

// runConvert writes the input as pcapng. The destination is checked before
// the capture is read, with the analyze command's rules; a damaged capture
// has every frame before the damage written, its error said on stderr, and
// exits 3.
func runConvert(o convertOptions, s ioStreams) int {
	if o.Version {
		return printVersion(s)
	}
	if st, err := os.Stat(o.Input); err == nil && st.IsDir() {
		fmt.Fprintf(s.err, "softsa: %s: is a folder; convert takes one capture file\n", o.Input)
		return exitUsage
	}
	if isStdout(o.Output) && s.outTerminal {
		fmt.Fprintln(s.err, "softsa: -o -: standard output is a terminal; redirect it (softsa convert X -o - > out.pcapng) or name a file")
		return exitUsage
	}
	out, err := openConvertOutput(o)
	if err != nil {
		fmt.Fprintln(s.err, "softsa:", err)
		return exitUsage
	}
	w := s.out
	if out.f != nil {
		w = out.w
	}
	inputs := []string{o.Input}
	spool, removeSpool, err := spoolStdin(inputs, s.in)
	if err != nil {
		out.abort()
		fmt.Fprintln(s.err, "softsa:", err)
		return exitUsage
	}
	defer removeSpool()
	path := o.Input
	if o.Input == stdinName {
		path = spool
	}
	c, err := capture.Open(path)
	if err != nil {
		out.abort()
		fmt.Fprintln(s.err, "softsa:", stdinError(err, spool))
		return exitUsage
	}
	defer c.Close()
	_, err = convert.Write(w, c)
	var ce *capture.CaptureError
	damaged := errors.As(err, &ce)
	if err != nil && !damaged {
		out.abort()
		fmt.Fprintln(s.err, "softsa: writing the pcapng:", err)
		return exitUsage
	}
	if err != nil {
		fmt.Fprintln(s.err, "softsa:", stdinError(err, spool), "(the frames before it are written)")
	}
	if err := out.commit(); err != nil {
		fmt.Fprintln(s.err, "softsa: writing the pcapng:", err)
		return exitUsage
	}
	if damaged {
		return exitPartial
	}
	return exitOK
}

// openConvertOutput checks and opens convert's -o before the capture is
// read, with the analyze command's rules: never the input or a file that
// holds a capture (a conversion written before included: name a new file),
// never a folder, the folder must exist and take a new file; a device is
// written as it is, a file through a temporary file renamed into place.
func openConvertOutput(o convertOptions) (*output, error) {
	if isStdout(o.Output) {
		return &output{unlock: func() {}}, nil
	}
	if st, err := os.Stat(o.Output); (err == nil && st.IsDir()) || strings.HasSuffix(o.Output, "/") {
		return nil, outputError(o.Output, errors.New("is a folder; convert writes one file"))
	}
	if err := checkOutputFile(o.Output, []string{o.Input}); err != nil {
		return nil, err
	}
	return openOutputFile(analyzeOptions{Output: o.Output})
}

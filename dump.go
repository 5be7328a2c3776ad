package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"softsa/batch"
	"softsa/decoders/capture"
	"softsa/decoders/hostlog"
	"softsa/dump"
)

// dumpOptions is what the command line says to softsa dump.
type dumpOptions struct {
	Inputs  []string // capture files, dumped one after the other
	Protos  []string // which protocols to print: isakmp, esp, smb
	Output  string   // file the lines go to; "" or "-" is stdout
	Version bool
}

const dumpUsage = `softsa dump prints one JSON line per decoded IKE, ESP and SMB message of each
capture, with the frame number Wireshark shows for it.

Usage:
  softsa dump [--proto P,…] [-o FILE] CAPTURE...   (- reads standard input; with
                                         several captures each line carries "capture")

Flags:
`

// parseDump turns the arguments after "dump" into dumpOptions.
func parseDump(args []string, stderr io.Writer) (dumpOptions, error) {
	var o dumpOptions
	fs := newFlagSet("softsa dump", dumpUsage, stderr)
	fs.StringSliceVar(&o.Protos, "proto", []string{"isakmp", "esp", "smb"}, "protocols to print (isakmp, esp, smb)")
	fs.StringVarP(&o.Output, "output", "o", "", "write the lines to this file (written whole, then renamed into place); - is stdout")
	fs.BoolVar(&o.Version, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.Inputs = fs.Args()
	for _, p := range o.Protos {
		switch p {
		case "isakmp", "esp", "smb":
		default:
			return o, fmt.Errorf("--proto %q: want isakmp, esp or smb", p)
		}
	}
	if !o.Version && len(o.Inputs) == 0 {
		fs.Usage()
		return o, fmt.Errorf("no capture given")
	}
	return o, nil
}

// runDump prints every decoded message of each input. A damaged file still
// has everything before the damage printed, and its error on stderr.
func runDump(o dumpOptions, s ioStreams) int {
	if o.Version {
		return printVersion(s)
	}
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
	out, err := openDumpOutput(o)
	if err != nil {
		fmt.Fprintln(s.err, "softsa:", err)
		return exitUsage
	}
	if out.f != nil {
		s.out = out.w
	}
	spool, removeSpool, err := spoolStdin(o.Inputs, s.in)
	if err != nil {
		out.abort()
		fmt.Fprintln(s.err, "softsa:", err)
		return exitUsage
	}
	defer removeSpool()
	unreadable, damaged := 0, 0
	for _, in := range o.Inputs {
		path := in
		if in == stdinName {
			path = spool
		} else if st, err := os.Stat(in); err == nil && st.IsDir() {
			fmt.Fprintf(s.err, "softsa: %s: is a folder; dump takes capture files (softsa dump %s/*.pcapng)\n", in, strings.TrimSuffix(in, "/"))
			unreadable++
			continue
		} else if hf := batch.HostLogFormat(in); hf != hostlog.FormatNone {
			fmt.Fprintf(s.err, "softsa: %s: a host log (%s), not a capture; dump prints the messages of captures only: give it to the analysis with its capture (softsa CAPTURE %s)\n", in, batch.HostLogKind(hf), in)
			unreadable++
			continue
		}
		if len(o.Inputs) > 1 {
			do.Capture = in // each line says which capture it is from
		}
		if _, err := dump.WriteFile(s.out, path, do); err != nil {
			fmt.Fprintln(s.err, "softsa:", stdinError(err, spool))
			var ce *capture.CaptureError
			if errors.As(err, &ce) {
				damaged++ // read up to the damage: partly analysed
			} else {
				unreadable++
			}
		}
	}
	if err := out.commit(); err != nil {
		fmt.Fprintln(s.err, "softsa: writing the dump:", err)
		return exitUsage
	}
	return exitCode(len(o.Inputs), unreadable, damaged, false)
}

// openDumpOutput checks and opens dump's -o before any capture is read,
// with the analyze command's rules: never one of the inputs or a file that
// holds a capture, never a folder, the folder must exist and take a new
// file; a device is written as it is, a file through a temporary file.
func openDumpOutput(o dumpOptions) (*output, error) {
	if isStdout(o.Output) {
		return &output{unlock: func() {}}, nil
	}
	if st, err := os.Stat(o.Output); (err == nil && st.IsDir()) || strings.HasSuffix(o.Output, "/") {
		return nil, outputError(o.Output, errors.New("is a folder; dump writes one file"))
	}
	if err := checkOutputFile(o.Output, o.Inputs); err != nil {
		return nil, err
	}
	return openOutputFile(analyzeOptions{Output: o.Output})
}

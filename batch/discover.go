// Package batch finds the captures among the paths a user gives (files,
// folders walked recursively, glob patterns) and analyses many of them in
// parallel, delivering results in a stable order whatever finished first.
package batch

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"softsa/decoders/capture"
	"softsa/decoders/hostlog"
)

// Input is one file to analyse.
type Input struct {
	Path string
	Size int64
	// Err is set when the file is known to be bad before analysis (it
	// cannot be opened, is empty, or has a capture's name but no capture
	// inside): it is reported as a failed input, never analysed.
	Err error
	// Join, when set, lists ring-buffer files to analyse as one capture,
	// in order; Path then names the set.
	Join []string
	// Named is set when the user named the file itself (or standard
	// input), clear when a folder walk found it; HostLogs are the host
	// logs that go with it (hostlogs.go).
	Named    bool
	HostLogs []string
	// etl is set by a folder walk for a file that starts like an ETL
	// trace, which may yet be a host log (hostlogs.go).
	etl bool
}

// Skipped is a file a folder walk passed over, and why.
type Skipped struct {
	Path   string
	Reason string
}

// Found is what Discover found.
type Found struct {
	Inputs  []Input // sorted by path, each path once
	Skipped []Skipped
	// HostLogs are the host-side logs found, sorted by path, each once;
	// AttachHostLogs shares them out among the inputs.
	HostLogs []HostLog
}

// captureExt lists the names support engineers give captures. In a folder,
// a file with such a name but no capture inside is a failure to report; any
// other file without a capture magic is skipped quietly (and counted).
var captureExt = []string{".pcap", ".pcapng", ".cap", ".ntar", ".dmp", ".trc", ".etl.pcapng", ".gz", ".tgz"}

func looksLikeCapture(name string) bool {
	n := strings.ToLower(name)
	for _, e := range captureExt {
		if strings.HasSuffix(n, e) {
			return true
		}
	}
	return strings.Contains(n, ".pcap")
}

// Discover expands the arguments: a file is taken as it is (a bad one is
// reported, not skipped, since the user named it); a folder is walked
// recursively and its files are recognised by content; an argument with
// glob characters that names no existing path is expanded as a glob.
// Symbolic links to files are followed; links to folders are not, so a
// link loop cannot make the walk run forever.
func Discover(args []string) (Found, error) {
	var f Found
	seen := map[string]bool{}
	add := func(in Input) {
		if seen[in.Path] {
			return
		}
		seen[in.Path] = true
		f.Inputs = append(f.Inputs, in)
	}
	addLog := func(l HostLog) {
		if !seen[l.Path] {
			seen[l.Path] = true
			f.HostLogs = append(f.HostLogs, l)
		}
	}
	for _, arg := range args {
		paths := []string{arg}
		if _, err := os.Lstat(arg); err != nil && strings.ContainsAny(arg, "*?[") {
			m, gerr := filepath.Glob(arg)
			if gerr != nil {
				return f, fmt.Errorf("%s: %w", arg, gerr)
			}
			if len(m) == 0 {
				add(Input{Path: arg, Err: errors.New("no file matches this pattern"), Named: true})
				continue
			}
			paths = m
		}
		for _, p := range paths {
			st, err := os.Stat(p)
			switch {
			case err != nil:
				add(Input{Path: p, Err: err, Named: true})
			case st.IsDir():
				walk(p, add, addLog, &f.Skipped)
			default:
				if hf := HostLogFormat(p); hf != hostlog.FormatNone {
					addLog(HostLog{Path: p, Format: hf, Named: true})
					continue
				}
				in := classify(p, st, true)
				in.Named = true
				add(in)
			}
		}
	}
	sort.Slice(f.Inputs, func(i, j int) bool { return f.Inputs[i].Path < f.Inputs[j].Path })
	sort.Slice(f.Skipped, func(i, j int) bool { return f.Skipped[i].Path < f.Skipped[j].Path })
	sort.Slice(f.HostLogs, func(i, j int) bool { return f.HostLogs[i].Path < f.HostLogs[j].Path })
	return f, nil
}

func walk(root string, add func(Input), addLog func(HostLog), skipped *[]Skipped) {
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				add(Input{Path: p, Err: err})
				return nil
			}
			add(Input{Path: p, Err: err}) // an unreadable subfolder
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		st, err := os.Stat(p) // follows a link to a file
		if err != nil {
			add(Input{Path: p, Err: err}) // a dangling link or a link loop
			return nil
		}
		if st.IsDir() {
			*skipped = append(*skipped, Skipped{p, "link to a folder (not followed)"})
			return nil
		}
		if !st.Mode().IsRegular() {
			*skipped = append(*skipped, Skipped{p, "not a regular file"})
			return nil
		}
		in := classify(p, st, false)
		if in.Err != nil || in.etl {
			// No capture magic: it may be a host log; an ETL file
			// without packets but with WFP events is one too.
			if hf := HostLogFormat(p); hf != hostlog.FormatNone {
				addLog(HostLog{Path: p, Format: hf})
				return nil
			}
		}
		// A file that could not be read is listed whatever its name: it
		// may be a capture, and the user must know it was not read.
		var pe *fs.PathError
		if in.Err != nil && !looksLikeCapture(p) && !errors.As(in.Err, &pe) {
			*skipped = append(*skipped, Skipped{p, in.Err.Error()})
			return nil
		}
		add(in)
		return nil
	})
}

// classify reads the first bytes of a file to tell whether it holds a
// capture. named is set when the user named the file itself.
func classify(p string, st fs.FileInfo, named bool) Input {
	in := Input{Path: p, Size: st.Size()}
	if named {
		return in // the capture reader gives the precise error
	}
	if st.Size() == 0 {
		in.Err = errors.New("empty file")
		return in
	}
	fh, err := os.Open(p)
	if err != nil {
		in.Err = err
		return in
	}
	defer fh.Close()
	var head [capture.SniffLen]byte
	n, _ := io.ReadFull(fh, head[:])
	format, err := capture.Sniff(head[:n])
	in.etl = format == capture.FormatETL
	if format == capture.FormatGzip {
		fh.Seek(0, io.SeekStart)
		if zr, err := gzip.NewReader(fh); err == nil {
			n, _ = io.ReadFull(zr, head[:])
			if inner, err := capture.Sniff(head[:n]); inner != capture.FormatGzip && !errors.Is(err, capture.ErrUnknownFormat) {
				return in
			}
		}
		in.Err = errors.New("gzip file without a capture inside")
		return in
	}
	// A format the reader recognises only to refuse it (NetMon 1.x, snoop,
	// …) is a capture here too: analysing it reports the reader's reason
	// and how to convert the file.
	if errors.Is(err, capture.ErrUnknownFormat) {
		in.Err = errors.New("no capture magic (not pcap, pcapng, NetMon 2.x, ETL or gzip)")
	}
	return in
}

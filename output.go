package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"softsa/decoders/capture"
	"softsa/report"
)

// errOutput marks a problem with the report's destination: a usage error
// (exit 2), said before any capture is analysed.
var errOutput = errors.New("output")

// outputError wraps err as a problem with the destination path, which it
// names once: the path an os error repeats is dropped.
func outputError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return fmt.Errorf("%w %s: %w", errOutput, path, err)
}

// output is where the report goes, checked and opened before the analysis
// starts so that a bad destination costs milliseconds, not the batch.
//
// A report file is written into a temporary file beside it and renamed into
// place, so a crash or a kill never leaves half a report where the last one
// was; a device (/dev/stdout, a pipe) is written as it is. A folder of HTML
// reports is locked for the run (report.LockDir).
type output struct {
	path   string   // the -o path; "" is stdout
	dir    bool     // a folder of HTML reports
	f      *os.File // the temporary file, or the device itself
	tmp    string   // the temporary file's name, renamed to path on commit
	direct bool     // f is the destination itself (a device, or --jsonl's streamed file)
	unlock func()   // releases the folder's lock
	w      io.Writer
}

// checkOutput refuses a destination that would destroy evidence: one of the
// inputs (compared with os.SameFile, so links and other spellings of the
// same file are caught), an existing file that holds a capture, or a report
// folder in which a report would replace an input.
func checkOutput(o analyzeOptions, inputs []string) error {
	if isStdout(o.Output) {
		return nil
	}
	st, err := os.Stat(o.Output)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return outputError(o.Output, err)
	}
	if isReportDir(o.Output) {
		if err == nil {
			return checkReportDir(o.Output, st, inputs)
		}
		return nil
	}
	return checkOutputFile(o.Output, inputs)
}

// checkOutputFile refuses a report file path that is one of the inputs,
// holds a capture, or is a folder.
func checkOutputFile(path string, inputs []string) error {
	st, err := os.Stat(path)
	if err != nil {
		return nil // a new file overwrites nothing
	}
	if st.IsDir() {
		return outputError(path, errors.New("is a folder, and the report format is one file"))
	}
	for _, in := range inputs {
		if ist, err := os.Stat(in); err == nil && os.SameFile(st, ist) {
			return outputError(path, fmt.Errorf("is the input %s: refusing to overwrite a capture", in))
		}
	}
	if st.Mode().IsRegular() && holdsCapture(path) {
		return outputError(path, errors.New("holds a capture: refusing to overwrite it (name a new file)"))
	}
	return nil
}

// checkReportDir refuses a report folder in which a file softsa writes
// would replace an input: its reports all end in .html, and its bookkeeping
// files have fixed names.
func checkReportDir(dir string, st fs.FileInfo, inputs []string) error {
	for _, in := range inputs {
		dst, err := os.Stat(filepath.Dir(in))
		if err != nil || !os.SameFile(st, dst) {
			continue
		}
		base := filepath.Base(in)
		if strings.EqualFold(filepath.Ext(base), ".html") || report.IsDirFile(base) {
			return outputError(dir, fmt.Errorf("a report would replace the input %s: choose another folder", in))
		}
	}
	return nil
}

// holdsCapture reports whether the file at path starts with a capture's
// magic.
func holdsCapture(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var head [4]byte
	n, _ := io.ReadFull(f, head[:])
	format, err := capture.Sniff(head[:n])
	return err == nil && format != ""
}

// openOutput makes ready the destination the options name: a folder is
// created and locked; a file's folder must exist and take a new file (the
// temporary file the report is written to is that probe); a device must
// open for writing and accept a write of nothing, which is where /dev/full
// says it is full.
func openOutput(o analyzeOptions, s ioStreams) (*output, error) {
	out := &output{path: o.Output, w: s.out, unlock: func() {}}
	switch {
	case isStdout(o.Output):
		return out, nil
	case isReportDir(o.Output):
		out.dir = true
		if err := os.MkdirAll(o.Output, 0o755); err != nil {
			return nil, outputError(o.Output, err)
		}
		unlock, err := report.LockDir(o.Output)
		if err != nil {
			return nil, outputError(o.Output, err)
		}
		out.unlock = sync.OnceFunc(unlock)
		if err := probeDir(o.Output); err != nil {
			unlock()
			return nil, outputError(o.Output, err)
		}
		return out, nil
	}
	return openOutputFile(o)
}

// openOutputFile opens a report file as openOutput says: a device as it
// is, --jsonl's file itself, any other file through a temporary file.
func openOutputFile(o analyzeOptions) (*output, error) {
	out := &output{path: o.Output, unlock: func() {}}
	if st, err := os.Stat(o.Output); err == nil && (!st.Mode().IsRegular() || isDevice(o.Output)) {
		f, err := os.OpenFile(o.Output, os.O_WRONLY, 0)
		if err != nil {
			return nil, outputError(o.Output, err)
		}
		if _, err := f.Write(nil); err != nil {
			f.Close()
			return nil, outputError(o.Output, err)
		}
		out.f, out.w, out.direct = f, f, true
		return out, nil
	}
	dir := filepath.Dir(o.Output)
	if st, err := os.Stat(dir); err != nil {
		return nil, outputError(o.Output, fmt.Errorf("folder %s does not exist", dir))
	} else if !st.IsDir() {
		return nil, outputError(o.Output, fmt.Errorf("%s is not a folder", dir))
	}
	if o.JSONL {
		// Streamed line by line into the file itself, so that a run
		// killed outright still leaves every finished line.
		f, err := os.Create(o.Output)
		if err != nil {
			return nil, outputError(o.Output, err)
		}
		out.f, out.w, out.direct = f, f, true
		return out, nil
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(o.Output)+".*.softsa-tmp")
	if err != nil {
		return nil, outputError(o.Output, fmt.Errorf("cannot write in %s: %w", dir, errors.Unwrap(err)))
	}
	out.f, out.w, out.tmp = f, f, f.Name()
	return out, nil
}

// isDevice reports whether path names one of the system's stream files
// (/dev/stdout, /dev/fd/1, /proc/self/fd/1): written as it is, even when
// it leads to a regular file (stdout redirected to one), since no
// temporary file can be made beside it.
func isDevice(path string) bool {
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil && real != abs {
		if isDevice(real) {
			return true
		}
	}
	return strings.HasPrefix(abs, "/dev/") || strings.HasPrefix(abs, "/proc/")
}

// probeDir checks that a new file can be written in dir.
func probeDir(dir string) error {
	f, err := os.CreateTemp(dir, ".probe.*.softsa-tmp")
	if err != nil {
		return fmt.Errorf("cannot write in it: %w", errors.Unwrap(err))
	}
	_, werr := f.Write([]byte("softsa\n"))
	cerr := f.Close()
	os.Remove(f.Name())
	if werr != nil {
		return werr
	}
	return cerr
}

// commit puts the written report in place: the temporary file is synced,
// closed and renamed over the destination.
func (out *output) commit() error {
	defer out.unlock()
	if out.f == nil {
		return nil
	}
	defer func() { out.f = nil }()
	if out.direct {
		return out.f.Close()
	}
	err := out.f.Sync()
	if cerr := out.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(out.tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(out.tmp, out.path)
	}
	if err != nil {
		os.Remove(out.tmp)
	}
	return err
}

// abort leaves the destination as it was: the temporary file is removed.
func (out *output) abort() {
	defer out.unlock()
	if out.f == nil {
		return
	}
	out.f.Close()
	out.f = nil
	if out.tmp != "" {
		os.Remove(out.tmp)
	}
}

package report

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The bookkeeping files of a report folder: the lock a run holds while it
// writes, and the manifest listing the reports the last run wrote.
const (
	lockName     = ".softsa.lock"
	manifestName = ".softsa-manifest"
)

// IsDirFile reports whether name is one of the files WriteHTMLDir writes
// besides the capture reports (which all end in .html).
func IsDirFile(name string) bool {
	return name == "index.html" || name == lockName || name == manifestName
}

// LockDir takes dir for one run: the lock file is created with O_EXCL, so a
// second run into the same folder is refused instead of mixing its files
// with the first's. The lock holds the holder's process id; a lock whose
// process is gone (a run killed outright) is taken over, so it never stays
// stuck. The returned function releases the lock.
func LockDir(dir string) (unlock func(), err error) {
	path := filepath.Join(dir, lockName)
	for range 2 {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			fmt.Fprintln(f, os.Getpid())
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		b, rerr := os.ReadFile(path)
		pid, perr := strconv.Atoi(strings.TrimSpace(string(b)))
		if rerr == nil && perr == nil && pid > 0 && processAlive(pid) {
			return nil, fmt.Errorf("another softsa run (process %d) is writing into this folder; wait for it or choose another folder (%s)", pid, path)
		}
		if rerr == nil && perr != nil && len(b) == 0 {
			// Created but not yet written by a run starting this very
			// moment: not stale.
			return nil, fmt.Errorf("another softsa run is writing into this folder (%s)", path)
		}
		os.Remove(path) // left by a run that no longer exists
	}
	return nil, fmt.Errorf("cannot take the lock %s", path)
}

// readManifest lists the reports a previous run wrote into dir.
func readManifest(dir string) []string {
	f, err := os.Open(filepath.Join(dir, manifestName))
	if err != nil {
		return nil
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// Only plain report names: a doctored manifest cannot make a run
		// delete anything outside the folder or anything not a report.
		n := sc.Text()
		if n != "" && n == filepath.Base(n) && strings.HasSuffix(n, ".html") && n != "." && n != ".." {
			names = append(names, n)
		}
	}
	return names
}

// writeAtomic writes a file through fill into a temporary file in the same
// folder and renames it into place, so that a reader, a crash or a kill
// never meets half a file.
func writeAtomic(path string, fill func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.softsa-tmp")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	err = fill(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

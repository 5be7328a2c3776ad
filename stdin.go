package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// stdinName is the input that reads standard input, as in most tools:
// tshark -w - | softsa -, zcat x.gz | softsa -.
const stdinName = "-"

// spoolStdin copies standard input into a temporary file when the inputs
// name it, so that it is read like any file: twice by dump, at random by
// the NetMon reader, its size known to the progress bar. It returns the
// file's path and the function that removes it; "" when "-" is not an
// input. Standard input holding nothing is an error.
func spoolStdin(inputs []string, in io.Reader) (path string, remove func(), err error) {
	remove = func() {}
	if !slices.Contains(inputs, stdinName) {
		return "", remove, nil
	}
	dir, err := os.MkdirTemp("", "softsa-stdin-")
	if err != nil {
		return "", remove, fmt.Errorf("reading standard input: %w", err)
	}
	remove = func() { os.RemoveAll(dir) }
	path = filepath.Join(dir, "stdin")
	f, err := os.Create(path)
	if err == nil {
		_, err = io.Copy(f, in)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		remove()
		return "", func() {}, fmt.Errorf("reading standard input: %w", err)
	}
	return path, remove, nil
}

// stdinError says err, about the spooled standard input, of "-": the
// temporary file's name means nothing to the user.
func stdinError(err error, spool string) error {
	if spool == "" || err == nil {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), spool, "standard input"))
}

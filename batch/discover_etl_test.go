package batch

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"softsa/decoders/etl/etltest"
)

// TestDiscoverETL: the folder walk takes an ETL file for a capture by its
// content (an ETL file has no magic at byte 0: Sniff reads its first
// record), whatever its name, gzip-compressed too; a file that starts like
// an ETL buffer header without the logfile header is skipped.
func TestDiscoverETL(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	etlFile := etltest.Write(etltest.File{Start: start}, nil)
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(etlFile)
	w.Close()
	notETL := append([]byte{}, etlFile...)
	notETL[0x4B] = 0 // no trace header flags on the first record
	for name, b := range map[string][]byte{"trace.bin": etlFile, "trace.etl.gz": gz.Bytes(), "other.bin": notETL} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	found, err := Discover([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string]bool{}
	for _, in := range found.Inputs {
		inputs[filepath.Base(in.Path)] = in.Err == nil
	}
	if !inputs["trace.bin"] || !inputs["trace.etl.gz"] || len(found.Inputs) != 2 || len(found.Skipped) != 1 {
		t.Errorf("inputs %v, skipped %+v: want the two ETL files analysed and other.bin skipped", inputs, found.Skipped)
	}
}

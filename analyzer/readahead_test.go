package analyzer

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"softsa/decoders/capture"
	"softsa/internal/testenv"
)

// TestReadAheadSameResult analyses every sample and corpus capture twice:
// read and decoded on this goroutine (as a batch does), and read, decoded
// and handed over in batches by a ReadAhead, whose frames point
// into the capture's window and whose reassembled datagrams are copied into
// the batch. The results must be the same to the byte, and the same with
// one processor (Finish then builds the pairs' results one by one) as with
// four (several at once).
func TestReadAheadSameResult(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testenv.ModuleRoot(), "samples", "*.pcap*"))
	if dir, _ := testenv.Corpus(); isDir(dir) {
		files = append(files, testenv.CorpusFiles(t)...)
	}
	analyse := func(path string, noReadAhead bool, procs int) string {
		t.Helper()
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		c, err := capture.Open(path)
		if err != nil {
			return "open: " + err.Error()
		}
		r, err := Analyze(context.Background(), c, Options{NoReadAhead: noReadAhead})
		// Closed first: the capture's window chunks are unmapped, so a
		// result that still pointed into them would fault here.
		c.Close()
		out, jerr := json.Marshal(r)
		if jerr != nil {
			t.Fatal(jerr)
		}
		if err != nil {
			out = append(out, "\nerror: "+err.Error()...)
		}
		return string(out)
	}
	for _, path := range files {
		direct, ahead, serial := analyse(path, true, 4), analyse(path, false, 4), analyse(path, true, 1)
		if direct != ahead {
			t.Errorf("%s: the read-ahead analysis differs from the direct one", filepath.Base(path))
		}
		if direct != serial {
			t.Errorf("%s: the analysis on four processors differs from the one on one", filepath.Base(path))
		}
	}
	if len(files) == 0 {
		t.Skip("no samples and no corpus")
	}
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

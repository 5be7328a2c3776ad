package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"runtime"
	"sync"

	"softsa/analyzer"
)

// JSON writes r as the versioned JSON document of DESIGN.md, indented, with
// HTML characters left as they are (the document is data, not markup).
// Captures are encoded in parallel — for a batch of hundreds the encoding is
// otherwise the one serial step left — and written in order; the bytes are
// exactly what one json.Encoder with the same settings writes.
func JSON(w io.Writer, r *analyzer.Result) error {
	if len(r.Captures) < 2 {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(r)
	}
	parts := make([][]byte, len(r.Captures))
	errs := make([]error, len(r.Captures))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				var b bytes.Buffer
				enc := json.NewEncoder(&b)
				enc.SetIndent("    ", "  ") // a capture sits two levels deep
				enc.SetEscapeHTML(false)
				errs[i] = enc.Encode(&r.Captures[i])
				parts[i] = bytes.TrimSuffix(b.Bytes(), []byte("\n"))
			}
		}()
	}
	for i := range r.Captures {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	// The envelope, with Captures empty, gives the head and tail as the
	// encoder writes them.
	head := *r
	head.Captures = nil
	var env bytes.Buffer
	enc := json.NewEncoder(&env)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&head); err != nil {
		return err
	}
	pre, post, ok := bytes.Cut(env.Bytes(), []byte(`"captures": null`))
	if !ok {
		return errors.New("report: unexpected JSON envelope")
	}
	bw := bufio.NewWriter(w)
	bw.Write(pre)
	bw.WriteString("\"captures\": [\n")
	for i, p := range parts {
		bw.WriteString("    ")
		bw.Write(p)
		if i < len(parts)-1 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
	}
	bw.WriteString("  ]")
	bw.Write(post)
	return bw.Flush()
}

// JSONLines writes one line per capture, each a complete document of the
// same schema holding that capture alone, so a large batch can be streamed
// and processed line by line.
func JSONLines(w io.Writer, r *analyzer.Result) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range r.Captures {
		one := analyzer.NewResult(r.Tool.Version, r.Captures[i])
		if err := enc.Encode(&one); err != nil {
			return err
		}
	}
	return nil
}

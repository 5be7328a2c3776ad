package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"runtime"
	"sync"

	"softsa/analyzer/result"
)

// JSON writes r as the versioned JSON document of DESIGN.md, indented, with
// HTML characters left as they are (the document is data, not markup). The
// bytes are exactly what one json.Encoder with the same settings writes, but
// the document is never held whole in memory: pairs are encoded a chunk at a
// time on every core and written out in order, so a long report costs the
// memory of a few chunks of pairs.
func JSON(w io.Writer, r *result.Result) error {
	head := *r
	head.Captures = nil
	bw := bufio.NewWriterSize(w, 64<<10)
	err := writeArrayField(bw, &head, "", "captures", r.Captures == nil, len(r.Captures), func() error {
		const prefix = "    " // a capture sits two levels deep
		for i := range r.Captures {
			bw.WriteString(prefix)
			if err := writeCapture(bw, &r.Captures[i], prefix); err != nil {
				return err
			}
			if i < len(r.Captures)-1 {
				bw.WriteByte(',')
			}
			bw.WriteByte('\n')
		}
		return nil
	})
	if err != nil {
		return err
	}
	bw.WriteByte('\n') // as Encode ends every value
	return bw.Flush()
}

// writeArrayField writes v, encoded at the indentation prefix without the
// final newline, with its array field name, which must be nil in v,
// written as the encoder would write an array of n elements (null when
// isNil): elems writes the elements, each line indented and ended.
//
// v is encoded with the field nil and split at the literal `"name": null`:
// the encoder escapes every quote inside a string and no other field of
// the result types is so named, so the mark occurs once.
func writeArrayField(bw *bufio.Writer, v any, prefix, name string, isNil bool, n int, elems func() error) error {
	var b bytes.Buffer
	if err := newEncoder(&b, prefix).Encode(v); err != nil {
		return err
	}
	field := `"` + name + `": `
	pre, post, ok := bytes.Cut(bytes.TrimSuffix(b.Bytes(), []byte("\n")), []byte(field+"null"))
	if !ok {
		return errors.New("report: unexpected JSON envelope")
	}
	bw.Write(pre)
	bw.WriteString(field)
	switch {
	case isNil:
		bw.WriteString("null")
	case n == 0:
		bw.WriteString("[]")
	default:
		bw.WriteString("[\n")
		if err := elems(); err != nil {
			return err
		}
		bw.WriteString(prefix + "  ]")
	}
	bw.Write(post)
	return nil
}

// writeCapture writes c as the encoder would at the indentation prefix,
// without the final newline. Its pairs are encoded a chunk per core at a
// time and written in order: on a capture of hundreds of pairs the encoding
// is otherwise the one serial step after the analysis, and memory stays at
// a few chunks.
func writeCapture(bw *bufio.Writer, c *result.CaptureResult, prefix string) error {
	head := *c
	head.Pairs = nil
	return writeArrayField(bw, &head, prefix, "pairs", c.Pairs == nil, len(c.Pairs), func() error {
		inner := prefix + "    " // a pair sits two levels below its capture
		workers := max(1, runtime.GOMAXPROCS(0))
		bufs := make([][]byte, workers)
		errs := make([]error, workers)
		for from := 0; from < len(c.Pairs); from += workers * pairChunk {
			var wg sync.WaitGroup
			for w := range workers {
				lo := from + w*pairChunk
				if lo >= len(c.Pairs) {
					break
				}
				hi := min(lo+pairChunk, len(c.Pairs))
				wg.Go(func() {
					bufs[w], errs[w] = encodePairs(bufs[w][:0], c.Pairs[lo:hi], inner, hi == len(c.Pairs))
				})
			}
			wg.Wait()
			for w := range workers {
				if err := errs[w]; err != nil {
					return err
				}
				bw.Write(bufs[w])
				bufs[w] = bufs[w][:0]
			}
		}
		return nil
	})
}

// pairChunk is how many pairs one goroutine encodes at a time.
var pairChunk = 32

// encodePairs appends pairs to b as elements of the pairs array at the
// indentation inner, each on its own line and followed by a comma unless it
// ends the array.
func encodePairs(b []byte, pairs []result.Pair, inner string, ends bool) ([]byte, error) {
	var one bytes.Buffer
	// Encoded compactly and indented by appendIndent: the same bytes as
	// an indenting encoder, for a fraction of the time.
	enc := json.NewEncoder(&one)
	enc.SetEscapeHTML(false)
	for i := range pairs {
		one.Reset()
		if err := enc.Encode(&pairs[i]); err != nil {
			return b, err
		}
		b = append(b, inner...)
		b = appendIndent(b, bytes.TrimSuffix(one.Bytes(), []byte("\n")), inner, "  ")
		if i < len(pairs)-1 || !ends {
			b = append(b, ',')
		}
		b = append(b, '\n')
	}
	return b, nil
}

func newEncoder(w io.Writer, prefix string) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetIndent(prefix, "  ")
	enc.SetEscapeHTML(false)
	return enc
}

// JSONLines writes one line per capture, each a complete document of the
// same schema holding that capture alone, so a large batch can be streamed
// and processed line by line.
func JSONLines(w io.Writer, r *result.Result) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range r.Captures {
		one := result.NewResult(r.Tool.Version, r.Captures[i])
		if err := enc.Encode(&one); err != nil {
			return err
		}
	}
	return nil
}

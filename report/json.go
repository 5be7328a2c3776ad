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
// HTML characters left as they are (the document is data, not markup). The
// bytes are exactly what one json.Encoder with the same settings writes, but
// the document is never held whole in memory: pairs are encoded a chunk at a
// time on every core and written out in order, so a long report costs the
// memory of a few chunks of pairs.
func JSON(w io.Writer, r *analyzer.Result) error {
	head := *r
	head.Captures = nil
	pre, post, err := envelope(&head, "", `"captures": null`)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(pre)
	switch {
	case r.Captures == nil:
		bw.WriteString(`"captures": null`)
	case len(r.Captures) == 0:
		bw.WriteString(`"captures": []`)
	default:
		bw.WriteString("\"captures\": [\n")
		if err := writeCaptures(bw, r.Captures); err != nil {
			return err
		}
		bw.WriteString("  ]")
	}
	bw.Write(post)
	bw.WriteByte('\n') // as Encode ends every value
	return bw.Flush()
}

// writeCaptures writes the elements of the captures array one capture at a
// time: each is streamed pair by pair, its pairs encoded on every core, so
// a batch costs no more memory in the encoding than its largest pair chunk.
func writeCaptures(bw *bufio.Writer, captures []analyzer.CaptureResult) error {
	const prefix = "    " // a capture sits two levels deep
	for i := range captures {
		bw.WriteString(prefix)
		if err := writeCapture(bw, &captures[i], prefix); err != nil {
			return err
		}
		if i < len(captures)-1 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
	}
	return nil
}

// writeCapture writes c as the encoder would at the indentation prefix,
// without the final newline, encoding one pair at a time.
func writeCapture(bw *bufio.Writer, c *analyzer.CaptureResult, prefix string) error {
	head := *c
	head.Pairs = nil
	pre, post, err := envelope(&head, prefix, `"pairs": null`)
	if err != nil {
		return err
	}
	bw.Write(pre)
	if len(c.Pairs) == 0 {
		if c.Pairs == nil {
			bw.WriteString(`"pairs": null`)
		} else {
			bw.WriteString(`"pairs": []`)
		}
		bw.Write(post)
		return nil
	}
	bw.WriteString("\"pairs\": [\n")
	inner := prefix + "    " // a pair sits two levels below its capture
	// Pairs are encoded a chunk per core at a time, and written in order:
	// on a capture of hundreds of pairs the encoding is otherwise the one
	// serial step after the analysis. Memory stays at a few chunks.
	workers := max(1, runtime.GOMAXPROCS(0))
	bufs := make([]bytes.Buffer, workers)
	errs := make([]error, workers)
	for from := 0; from < len(c.Pairs); from += workers * pairChunk {
		var wg sync.WaitGroup
		for w := range workers {
			lo := from + w*pairChunk
			if lo >= len(c.Pairs) {
				break
			}
			hi := min(lo+pairChunk, len(c.Pairs))
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[w] = encodePairs(&bufs[w], c.Pairs[lo:hi], inner, hi == len(c.Pairs))
			}()
		}
		wg.Wait()
		for w := range workers {
			if err := errs[w]; err != nil {
				return err
			}
			bw.Write(bufs[w].Bytes())
			bufs[w].Reset()
		}
	}
	bw.WriteString(prefix + "  ]")
	bw.Write(post)
	return nil
}

// pairChunk is how many pairs one goroutine encodes at a time.
var pairChunk = 32

// encodePairs appends pairs to b as elements of the pairs array at the
// indentation inner, each on its own line and followed by a comma unless it
// ends the array.
func encodePairs(b *bytes.Buffer, pairs []analyzer.Pair, inner string, ends bool) error {
	var one bytes.Buffer
	enc := newEncoder(&one, inner)
	for i := range pairs {
		one.Reset()
		if err := enc.Encode(&pairs[i]); err != nil {
			return err
		}
		b.WriteString(inner)
		b.Write(bytes.TrimSuffix(one.Bytes(), []byte("\n")))
		if i < len(pairs)-1 || !ends {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	return nil
}

// envelope encodes v, whose one big array field is nil, and returns what
// comes before and after that field's null, which is the literal mark: the
// encoder escapes every quote inside a string, so the mark cannot occur in a
// value. post carries no final newline.
func envelope(v any, prefix, mark string) (pre, post []byte, err error) {
	var b bytes.Buffer
	if err := newEncoder(&b, prefix).Encode(v); err != nil {
		return nil, nil, err
	}
	pre, post, ok := bytes.Cut(bytes.TrimSuffix(b.Bytes(), []byte("\n")), []byte(mark))
	if !ok {
		return nil, nil, errors.New("report: unexpected JSON envelope")
	}
	return pre, post, nil
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

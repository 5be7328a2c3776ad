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
// the document is never held whole in memory: each pair is encoded on its own
// and written out, so a capture with a long report costs the memory of its
// largest pair. A batch's captures are encoded in parallel — for hundreds of
// files the encoding is otherwise the one serial step left — and written in
// order.
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

// writeCaptures writes the elements of the captures array, one capture at a
// time when there is one, else encoded in parallel and written in order.
func writeCaptures(bw *bufio.Writer, captures []analyzer.CaptureResult) error {
	const prefix = "    " // a capture sits two levels deep
	if len(captures) == 1 {
		bw.WriteString(prefix)
		if err := writeCapture(bw, &captures[0], prefix); err != nil {
			return err
		}
		bw.WriteByte('\n')
		return nil
	}
	parts := make([][]byte, len(captures))
	errs := make([]error, len(captures))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				var b bytes.Buffer
				w := bufio.NewWriter(&b)
				errs[i] = writeCapture(w, &captures[i], prefix)
				w.Flush()
				parts[i] = b.Bytes()
			}
		}()
	}
	for i := range captures {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for i, p := range parts {
		bw.WriteString(prefix)
		bw.Write(p)
		if i < len(parts)-1 {
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
	var b bytes.Buffer
	enc := newEncoder(&b, inner)
	for i := range c.Pairs {
		b.Reset()
		if err := enc.Encode(&c.Pairs[i]); err != nil {
			return err
		}
		bw.WriteString(inner)
		bw.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
		if i < len(c.Pairs)-1 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
	}
	bw.WriteString(prefix + "  ]")
	bw.Write(post)
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

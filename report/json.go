package report

import (
	"encoding/json"
	"io"

	"softsa/analyzer"
)

// JSON writes r as the versioned JSON document of DESIGN.md, indented, with
// HTML characters left as they are (the document is data, not markup).
func JSON(w io.Writer, r *analyzer.Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
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

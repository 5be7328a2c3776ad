package report

import (
	"io"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// table is the one place softsa touches tablewriter, so that a change of the
// library's API (it changed wholesale at v1) stays here. It renders plain
// ASCII with no tabs and headers exactly as written.
type table struct {
	t *tablewriter.Table
}

func newTable(w io.Writer, headers ...string) *table {
	t := tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithTrimSpace(tw.Off),
	)
	t.Header(toAny(headers)...)
	return &table{t: t}
}

// row appends one row. tablewriter keeps the slice it is given, so every
// row gets a fresh copy: reusing a caller's buffer would overwrite earlier
// rows with later ones.
func (t *table) row(cells ...string) error {
	return t.t.Append(append([]string(nil), cells...))
}

func (t *table) render() error { return t.t.Render() }

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

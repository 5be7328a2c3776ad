package report

import (
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"softsa/analyzer/result"
)

// WriteHTMLDir writes one HTML report per capture into dir, plus index.html
// listing every capture, worst verdict first, with the failed files and their
// errors, each linking to its report. The pages are self-contained and link
// to each other by relative names, so the folder can be zipped and attached.
//
// Every file is written atomically (writeAtomic). The folder keeps a
// manifest of the reports a run wrote: a new run removes the previous run's
// reports it does not rewrite, and nothing else, so the folder holds exactly
// what its index lists, and files the user put there stay. The caller holds
// the folder's lock (LockDir) while this runs.
func WriteHTMLDir(dir string, r *result.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	previous := readManifest(dir)
	rows := make([]indexRow, 0, len(r.Captures))
	used := map[string]bool{"index.html": true}
	for i := range r.Captures {
		c := &r.Captures[i]
		row := indexRowFor(c)
		if c.Error == "" {
			row.Link = uniqueName(c.File, used)
			one := result.NewResult(r.Tool.Version, *c)
			if err := writeAtomic(filepath.Join(dir, row.Link), func(w io.Writer) error { return HTML(w, &one) }); err != nil {
				return err
			}
		}
		rows = append(rows, row)
	}
	if err := writeAtomic(filepath.Join(dir, "index.html"), func(w io.Writer) error {
		return indexTemplate.Execute(w, indexPage{Tool: r.Tool.Name + " " + r.Tool.Version, Incomplete: incompleteReason(r), Count: len(rows), Views: indexViews(rows)})
	}); err != nil {
		return err
	}
	for _, name := range previous {
		if !used[name] {
			os.Remove(filepath.Join(dir, name))
		}
	}
	return writeAtomic(filepath.Join(dir, manifestName), func(w io.Writer) error {
		for _, row := range rows {
			if row.Link != "" {
				if _, err := fmt.Fprintln(w, row.Link); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// incompleteReason is the banner of an interrupted run's report, or "".
func incompleteReason(r *result.Result) string {
	if !r.Incomplete {
		return ""
	}
	return r.IncompleteReason
}

// indexViews orders the rows four ways. The page shows one order at a time
// and switches with links and the CSS :target selector: sortable without a
// script, which ticket systems strip.
func indexViews(rows []indexRow) []indexView {
	byVerdict := func(a, b indexRow) bool {
		if a.rank != b.rank {
			return a.rank < b.rank
		}
		return a.File < b.File
	}
	views := []indexView{
		{ID: "by-verdict", Label: "verdict, worst first", less: byVerdict},
		{ID: "by-file", Label: "file", less: func(a, b indexRow) bool { return a.File < b.File }},
		{ID: "by-findings", Label: "findings", less: func(a, b indexRow) bool {
			if a.findings != b.findings {
				return a.findings > b.findings
			}
			return byVerdict(a, b)
		}},
		{ID: "by-frames", Label: "frames", less: func(a, b indexRow) bool {
			if a.Frames != b.Frames {
				return a.Frames > b.Frames
			}
			return a.File < b.File
		}},
	}
	for i := range views {
		v := &views[i]
		v.Rows = append([]indexRow(nil), rows...)
		sort.SliceStable(v.Rows, func(x, y int) bool { return v.less(v.Rows[x], v.Rows[y]) })
	}
	return views
}

type indexView struct {
	ID, Label string
	Rows      []indexRow
	less      func(a, b indexRow) bool
}

// uniqueName turns a capture's path into a report file name that is safe in
// any file system and unique within the folder.
func uniqueName(path string, used map[string]bool) string {
	base := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, strings.TrimLeft(filepath.ToSlash(path), "./"))
	if len(base) > 120 {
		base = base[len(base)-120:]
	}
	name := base + ".html"
	for i := 2; used[name]; i++ {
		name = fmt.Sprintf("%s-%d.html", base, i)
	}
	used[name] = true
	return name
}

type indexPage struct {
	Tool       string
	Incomplete string // why the run stopped early, when it did
	Count      int
	Views      []indexView
}

type indexRow struct {
	File, Link, Verdicts, Findings, Error, Class string
	Frames                                       int
	rank, findings                               int
	worst                                        string // the verdict that set rank
}

// A row's rank orders captures by how much a support engineer needs to
// look: its worst verdict by catalog rank, doubled to leave room for a
// capture that could not be read, which comes after every problem verdict
// and before the rest; a capture without pairs comes last.
func verdictRank(code string) (int, bool) {
	v, ok := result.VerdictOf(code)
	return 2 * v.Rank, ok
}

// failedRank and cleanRank are the ranks of a capture that could not be
// read and of one without pairs.
var failedRank, cleanRank = func() (int, int) {
	vs := result.Verdicts()
	failed := 2 * len(vs)
	for _, v := range vs {
		if v.Severity == result.SeverityProblem {
			failed = 2*v.Rank + 1
		}
	}
	return failed, 2 * len(vs)
}()

func indexRowFor(c *result.CaptureResult) indexRow {
	row := indexRow{File: c.File, Frames: c.Frames, rank: cleanRank, Class: "clean"}
	if c.Error != "" {
		row.Error, row.rank, row.Class = c.Error, failedRank, "failed"
		return row
	}
	count := map[string]int{}
	var order []string
	findings := 0
	for _, p := range c.Pairs {
		if count[p.Verdict] == 0 {
			order = append(order, p.Verdict)
		}
		count[p.Verdict]++
		if r, ok := verdictRank(p.Verdict); ok && r < row.rank {
			row.rank, row.worst = r, p.Verdict
		}
		for _, f := range p.Findings {
			if f.IsProblem() {
				findings++
			}
		}
	}
	sort.Slice(order, func(i, j int) bool {
		ri, _ := verdictRank(order[i])
		rj, _ := verdictRank(order[j])
		return ri < rj
	})
	var parts []string
	for _, v := range order {
		parts = append(parts, fmt.Sprintf("%d %s", count[v], v))
	}
	row.Verdicts = strings.Join(parts, ", ")
	if row.Verdicts == "" {
		row.Verdicts = "no IPsec or SMB traffic"
	}
	row.Findings, row.findings = fmt.Sprint(findings), findings
	switch {
	case row.worst == result.VerdictKB977526:
		row.Class = "kb"
	case findings > 0:
		row.Class = "problem"
	}
	if len(c.Warnings) > 0 {
		row.Error = strings.Join(c.Warnings, "; ")
	}
	return row
}

var indexTemplate = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>softsa batch report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#1d2430}
h1{font-size:1.4rem;margin:0 0 .3rem}p.sub{color:#5a6472;margin:0 0 1.2rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #dde2e8;vertical-align:top}
th{background:#f2f4f7}
tr.kb td:first-child{border-left:4px solid #c62828}tr.problem td:first-child{border-left:4px solid #e69500}
tr.failed td:first-child{border-left:4px solid #6b7280}tr.clean td:first-child{border-left:4px solid #2e7d32}
td.err{color:#8a1c1c}p.incomplete{background:#fdecea;border-left:4px solid #c62828;padding:.5rem .8rem;margin:0 0 1rem}code{font-size:.85rem}
nav{margin:0 0 .8rem;font-size:.9rem}nav a{margin-right:.8rem}
.view{display:none}.view:target{display:block}
.views:not(:has(.view:target)) .view:first-child{display:block}
@media print{body{margin:0}a{color:inherit;text-decoration:none}nav{display:none}}
</style></head><body>
<h1>softsa batch report</h1>
{{if .Incomplete}}<p class="incomplete" role="alert"><strong>Incomplete:</strong> {{.Incomplete}}. The list has the captures that finished.</p>
{{end}}<p class="sub">{{.Count}} captures. Written by {{.Tool}}.</p>
<nav>Order by: {{range .Views}}<a href="#{{.ID}}">{{.Label}}</a>{{end}}</nav>
<div class="views">
{{range .Views}}<section class="view" id="{{.ID}}">
<table><thead><tr><th>capture</th><th>verdicts (pairs)</th><th>findings</th><th>frames</th><th>errors and warnings</th></tr></thead><tbody>
{{range .Rows}}<tr class="{{.Class}}"><td>{{if .Link}}<a href="{{.Link}}">{{.File}}</a>{{else}}<code>{{.File}}</code>{{end}}</td><td>{{.Verdicts}}</td><td>{{.Findings}}</td><td>{{.Frames}}</td><td class="err">{{.Error}}</td></tr>
{{end}}</tbody></table>
</section>
{{end}}</div>
</body></html>
`))

package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"softsa/analyzer/result"
)

// TestIncomplete: an interrupted run's report says so in every format: the
// JSON's top-level incomplete and incomplete_reason (schema-valid, and the
// schema wants both or neither), a line heading the text reports, a banner
// in the HTML report and in index.html.
func TestIncomplete(t *testing.T) {
	const why = "2 of 5 captures analysed — interrupted by SIGTERM"
	r := result.NewResult("test",
		result.CaptureResult{File: "a.pcap", Pairs: []result.Pair{}},
		result.CaptureResult{File: "b.pcap", Error: "empty file"})
	r.Incomplete, r.IncompleteReason = true, why

	schema := compileSchema(t)
	var buf bytes.Buffer
	if err := JSON(&buf, &r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"incomplete": true,`) || !strings.Contains(buf.String(), `"incomplete_reason": "`+why+`"`) {
		t.Errorf("JSON lacks the marker:\n%s", buf.String())
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Errorf("incomplete report does not match the schema: %v", err)
	}
	for _, bad := range []string{
		`{"schema_version":1,"tool":{"name":"softsa","version":"x"},"incomplete":true,"captures":[]}`,
		`{"schema_version":1,"tool":{"name":"softsa","version":"x"},"incomplete_reason":"x","captures":[]}`,
		`{"schema_version":1,"tool":{"name":"softsa","version":"x"},"incomplete":false,"incomplete_reason":"x","captures":[]}`,
	} {
		doc, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if schema.Validate(doc) == nil {
			t.Errorf("schema accepted %s", bad)
		}
	}

	for name, write := range map[string]func(*bytes.Buffer) error{
		"text": func(b *bytes.Buffer) error {
			one := r
			one.Captures = r.Captures[:1]
			return Text(b, &one, TextOptions{})
		},
		"batch text": func(b *bytes.Buffer) error { return BatchText(b, &r, TextOptions{}) },
		"html":       func(b *bytes.Buffer) error { return HTML(b, &r) },
	} {
		buf.Reset()
		if err := write(&buf); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), why) || !strings.Contains(strings.ToLower(buf.String()), "incomplete") {
			t.Errorf("%s report has no incomplete banner:\n%s", name, buf.String())
		}
	}
	dir := t.TempDir()
	if err := WriteHTMLDir(dir, &r); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "index.html"))
	if !strings.Contains(string(b), why) {
		t.Errorf("index.html has no incomplete banner")
	}
	// A complete run has none of it.
	r.Incomplete, r.IncompleteReason = false, ""
	buf.Reset()
	JSON(&buf, &r)
	BatchText(&buf, &r, TextOptions{})
	HTML(&buf, &r)
	if strings.Contains(buf.String(), `"incomplete"`) || strings.Contains(buf.String(), "INCOMPLETE") || strings.Contains(buf.String(), `class="incomplete"`) {
		t.Errorf("a complete report says incomplete:\n%s", buf.String())
	}
}

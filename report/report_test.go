package report

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"softsa/analyzer"
	"softsa/analyzer/result"
	"softsa/decoders/capture"
)

// update rewrites the golden files under testdata/ instead of comparing.
var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// sampleResults analyses every sample capture, one Result each, with the
// file named relative to the repository root so goldens do not depend on
// where the tests run.
func sampleResults(t *testing.T) map[string]*result.Result {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("..", "samples", "*.pcap*"))
	if len(files) == 0 {
		t.Fatal("no samples found in ../samples")
	}
	out := map[string]*result.Result{}
	for _, f := range files {
		c, err := capture.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		cr, err := analyzer.Analyze(context.Background(), c, analyzer.DefaultOptions())
		c.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		cr.File = filepath.ToSlash(filepath.Join("samples", filepath.Base(f)))
		r := result.NewResult("test", *cr)
		out[strings.TrimSuffix(strings.TrimSuffix(filepath.Base(f), ".pcapng"), ".pcap")] = &r
	}
	return out
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./report -update rewrites it after a deliberate change)\n%s", path, firstDiff(want, got))
	}
}

func firstDiff(want, got []byte) string {
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return ""
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestTextGolden(t *testing.T) {
	for name, r := range sampleResults(t) {
		var buf bytes.Buffer
		if err := Text(&buf, r, TextOptions{}); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(buf.Bytes(), []byte("\t")) || bytes.Contains(buf.Bytes(), []byte("\x1b")) {
			t.Errorf("%s: text report without colour has tabs or escape codes", name)
		}
		golden(t, filepath.Join("text", name+".txt"), buf.Bytes())
	}
}

func TestJSONGoldenAndSchema(t *testing.T) {
	schema := compileSchema(t)
	for name, r := range sampleResults(t) {
		var buf bytes.Buffer
		if err := JSON(&buf, r); err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join("json", name+".json"), buf.Bytes())
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(doc); err != nil {
			t.Errorf("%s: output does not match softsa.schema.json: %v", name, err)
		}
	}
}

// TestSchemaRejects makes sure the schema can fail: a renamed field and a
// verdict outside the vocabulary are both caught.
func TestSchemaRejects(t *testing.T) {
	schema := compileSchema(t)
	for _, bad := range []string{
		`{"schema_version":1,"tool":{"name":"softsa","version":"x"},"capture":[]}`,
		`{"schema_version":1,"tool":{"name":"softsa","version":"x"},"captures":[{"file":"f","format":"pcap","frames":1,"first":null,"last":null,"warnings":null,"hosts":null,
		  "pairs":[{"initiator":"10.0.0.1","responder":"10.0.0.2","verdict":"kb-ish","findings":null,"negotiations":null,"sas":null,"gaps":null}]}]}`,
		// ETL fields: a layer the vocabulary lacks, a WFP layer without its note.
		`{"schema_version":1,"tool":{"name":"softsa","version":"x"},"captures":[{"file":"f","format":"etl","frames":1,"first":null,"last":null,"warnings":null,"hosts":null,"pairs":null,
		  "etl":{"events":1,"packets":1,"folded":0,"dropped":0,"other_providers":0,"incomplete":0,"out_of_order":0,"damaged_buffers":0,"layers":{"wire":1,"wfp":0,"ipsec":0}}}]}`,
		`{"schema_version":1,"tool":{"name":"softsa","version":"x"},"captures":[{"file":"f","format":"etl","frames":1,"first":null,"last":null,"warnings":null,"hosts":null,"pairs":null,
		  "wfp_layer":{"packets":1,"other_pairs":1,"wire_frames":0}}]}`,
	} {
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		if schema.Validate(doc) == nil {
			t.Errorf("schema accepted %s", bad)
		}
	}
}

// TestSchemaCatalog: the schema's vocabulary of verdicts and finding IDs is
// the catalog's, so a finding added to one is not forgotten in the other.
func TestSchemaCatalog(t *testing.T) {
	b, err := os.ReadFile("softsa.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Defs map[string]struct {
			Properties map[string]struct {
				Enum []string `json:"enum"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	var codes, ids []string
	for _, v := range result.Verdicts() {
		codes = append(codes, v.Code)
	}
	for _, f := range result.Findings() {
		ids = append(ids, f.ID)
	}
	for _, c := range []struct {
		def, prop string
		want      []string
	}{{"pair", "verdict", codes}, {"finding", "id", ids}} {
		got := slices.Sorted(slices.Values(s.Defs[c.def].Properties[c.prop].Enum))
		if want := slices.Sorted(slices.Values(c.want)); !slices.Equal(got, want) {
			t.Errorf("schema %s.%s: %v, catalog: %v", c.def, c.prop, got, want)
		}
	}
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s, err := c.Compile("softsa.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestJSONSameBytes: the streamed, pair-by-pair encoding (and the parallel
// one of a batch) writes exactly what one json.Encoder writes, whatever the
// shape of the result.
func TestJSONSameBytes(t *testing.T) {
	batch := result.NewResult("test")
	for _, name := range []string{"busy-office", "kb977526-vista-to-xp", "negotiation-failures"} {
		batch.Captures = append(batch.Captures, sampleResults(t)[name].Captures...)
	}
	batch.Captures = append(batch.Captures, result.CaptureResult{File: "bad <&> file.pcap", Error: "not a capture file"})
	one := result.NewResult("test", sampleResults(t)["busy-office"].Captures...)
	hostile := one.Captures[0]
	hostile.File = `"pairs": null "captures": null`
	hostile.Warnings = []string{`"pairs": null`}
	cases := map[string]result.Result{
		"batch":          batch,
		"one capture":    one,
		"no captures":    result.NewResult("test"),
		"nil captures":   {SchemaVersion: 1},
		"nil pairs":      result.NewResult("test", result.CaptureResult{File: "x"}),
		"empty pairs":    result.NewResult("test", result.CaptureResult{File: "x", Pairs: []result.Pair{}}),
		"marks in names": result.NewResult("test", hostile, hostile),
	}
	for _, chunk := range []int{pairChunk, 1, 3} {
		pairChunk = chunk
		for name, res := range cases {
			compareJSON(t, fmt.Sprintf("%s, %d pairs a chunk", name, chunk), res)
		}
	}
	pairChunk = 32
}

func compareJSON(t *testing.T, name string, res result.Result) {
	t.Helper()
	var got, want bytes.Buffer
	if err := JSON(&got, &res); err != nil {
		t.Fatal(err)
	}
	enc := json.NewEncoder(&want)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	enc.Encode(&res)
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("%s: JSON differs from the encoder's:\n%s", name, firstDiff(want.Bytes(), got.Bytes()))
	}
}

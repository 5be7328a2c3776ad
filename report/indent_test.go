package report

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// TestAppendIndentMatchesJSONIndent compares appendIndent with json.Indent
// on values of every shape, strings full of quotes, backslashes, brackets
// and commas included.
func TestAppendIndentMatchesJSONIndent(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{`"`, `\`, `{`, `}`, `[`, `]`, `,`, `:`, `a`, "é", "\u2028", "\x01", ` `}
	var value func(depth int) any
	value = func(depth int) any {
		switch k := rng.IntN(7); {
		case depth > 4 || k == 0:
			var s string
			for range rng.IntN(6) {
				s += pieces[rng.IntN(len(pieces))]
			}
			return s
		case k == 1:
			return rng.Float64() * 1e6
		case k == 2:
			return nil
		case k == 3:
			return rng.IntN(2) == 0
		case k == 4:
			a := []any{}
			for range rng.IntN(4) {
				a = append(a, value(depth+1))
			}
			return a
		default:
			m := map[string]any{}
			for range rng.IntN(4) {
				m[value(5).(string)] = value(depth + 1)
			}
			return m
		}
	}
	for i := range 3000 {
		v := value(0)
		var compact bytes.Buffer
		enc := json.NewEncoder(&compact)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		src := bytes.TrimSuffix(compact.Bytes(), []byte("\n"))
		var want bytes.Buffer
		if err := json.Indent(&want, src, "    ", "  "); err != nil {
			t.Fatal(err)
		}
		if got := appendIndent(nil, src, "    ", "  "); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("value %d: %s\ngot:\n%s\nwant:\n%s", i, src, got, want.Bytes())
		}
	}
}

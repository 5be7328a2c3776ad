package report

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"softsa/analyzer"
	"softsa/analyzer/result"
	"softsa/decoders/capture"
	"softsa/decoders/etl/etltest"
)

// etlResults builds ETL captures from samples, as Windows would log them,
// and analyses them:
//   - etl-wfp: healthy-ipsec-ikev1 logged by netsh trace at two layers,
//     with the WFP layer's view beside it (ESP decrypted there);
//   - etl-wfp-only: the same packets at the WFP layer alone;
//   - etl-dropped: no-communication-ikeflags logged by pktmon at two
//     components, its first frame (which the findings cite) dropped at
//     the second.
func etlResults(t *testing.T) map[string]*result.Result {
	t.Helper()
	type fr struct {
		t    time.Time
		data []byte
	}
	read := func(path string) []fr {
		c, err := capture.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var frames []fr
		var f capture.Frame
		for {
			if err := c.Next(&f); err != nil {
				if err != io.EOF {
					t.Fatal(err)
				}
				return frames
			}
			frames = append(frames, fr{f.Time, append([]byte(nil), f.Data...)})
		}
	}
	span := func(frames []fr) etltest.File {
		return etltest.File{Start: frames[0].t.Add(-time.Second), End: frames[len(frames)-1].t.Add(time.Second)}
	}
	files := map[string][]byte{}

	frames := read("../samples/healthy-ipsec-ikev1.pcapng")
	var both, only etltest.Buffer
	for i, f := range frames {
		both.Events = append(both.Events,
			etltest.NDIS{Miniport: 3, Lower: 3, Fragment: f.data}.Event(f.t, etltest.KwStart|etltest.KwEnd|etltest.KwSend),
			etltest.NDIS{Miniport: 3, Lower: 5, Fragment: f.data}.Event(f.t.Add(time.Microsecond), etltest.KwStart|etltest.KwEnd|etltest.KwSend))
		m, ok := etltest.FromIP(f.data[14:])
		if !ok {
			continue
		}
		if m.Proto == 50 {
			// The decrypted segment: an SMB-port TCP header and data.
			seg := make([]byte, 20, 60)
			binary.BigEndian.PutUint16(seg, 49300)
			binary.BigEndian.PutUint16(seg[2:], 445)
			seg[12], seg[13] = 5<<4, 0x18
			binary.BigEndian.PutUint16(seg[14:], 64000)
			m.Proto, m.Payload = 6, append(seg, bytes.Repeat([]byte{0x42}, 40)...)
		}
		both.Events = append(both.Events, m.Event(f.t.Add(2*time.Microsecond), i%2 == 0))
		only.Events = append(only.Events, m.Event(f.t, i%2 == 0))
	}
	files["etl-wfp"] = etltest.Write(span(frames), []etltest.Buffer{both})
	files["etl-wfp-only"] = etltest.Write(span(frames), []etltest.Buffer{only})

	frames = read("../samples/no-communication-ikeflags.pcapng")
	var pk etltest.Buffer
	for i, f := range frames {
		p := etltest.Pktmon{Group: uint64(i + 1), Number: 1, Appearance: 1, PacketType: 1, Payload: f.data}
		pk.Events = append(pk.Events, p.Event(f.t, false))
		p.Appearance = 2
		if i == 0 {
			p.DropReason = 25
		}
		pk.Events = append(pk.Events, p.Event(f.t.Add(time.Microsecond), i == 0))
	}
	files["etl-dropped"] = etltest.Write(span(frames), []etltest.Buffer{pk})

	out := map[string]*result.Result{}
	for name, data := range files {
		c, err := capture.NewCapture("captures/"+name+".etl", bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		cr, err := analyzer.Analyze(context.Background(), c, analyzer.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		r := result.NewResult("test", *cr)
		out[name] = &r
	}
	return out
}

// TestETLReport: an ETL capture's report says where its frame numbers come
// from next to the first frame, what the ETL reader counted, how many
// packets the WFP layer logged (or, with nothing else, that the wire is
// not seen), and marks the evidence of a frame pktmon logged as dropped,
// in text, JSON (valid against the schema) and HTML, each a golden file.
func TestETLReport(t *testing.T) {
	schema := compileSchema(t)
	for name, r := range etlResults(t) {
		t.Run(name, func(t *testing.T) {
			var txt, js bytes.Buffer
			if err := Text(&txt, r, TextOptions{Width: 140}); err != nil {
				t.Fatal(err)
			}
			if err := JSON(&js, r); err != nil {
				t.Fatal(err)
			}
			html := renderHTML(t, r)
			golden(t, filepath.Join("text", name+".txt"), txt.Bytes())
			golden(t, filepath.Join("json", name+".json"), js.Bytes())
			golden(t, filepath.Join("html", name+".html"), html)
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(js.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(doc); err != nil {
				t.Errorf("output does not match softsa.schema.json: %v", err)
			}
			lines := strings.Split(txt.String(), "\n")
			cmd := "softsa convert captures/" + name + ".etl -o captures/" + name + ".pcapng"
			// The header paragraph (format, frames, the first frame's
			// time) says where the frame numbers come from.
			head := lines[1]
			for _, l := range lines[2:] {
				if !strings.HasPrefix(l, "    ") {
					break
				}
				head += " " + strings.TrimSpace(l)
			}
			if !strings.HasPrefix(strings.TrimSpace(head), "etl, ") || !strings.Contains(head, "UTC (") ||
				!strings.Contains(head, "; frame numbers are those of the pcapng file `"+cmd+"` writes") {
				t.Errorf("text report's head:\n%s", head)
			}
			if !bytes.Contains(html, []byte("<dt>First frame</dt><dd>")) || !bytes.Contains(html, []byte("frame numbers are those of the pcapng file "+cmd)) {
				t.Error("HTML report does not say where the frame numbers come from beside the first frame")
			}
			c := r.Captures[0]
			flat := strings.Join(strings.Fields(txt.String()), " ")
			if !strings.Contains(flat, "ETL: ") || !bytes.Contains(html, []byte("<dt>ETL</dt>")) {
				t.Error("the ETL counts are missing")
			}
			if c.WFPLayer != nil && (!strings.Contains(flat, "WFP layer: "+c.WFPLayer.Note) || !bytes.Contains(html, []byte("<strong>WFP layer:</strong>"))) {
				t.Error("the WFP layer note is missing")
			}
			switch name {
			case "etl-wfp":
				if c.WFPLayer == nil || c.WFPLayer.Packets == 0 || c.Pairs[0].WFPPackets != c.WFPLayer.Packets {
					t.Errorf("WFP layer %+v", c.WFPLayer)
				}
			case "etl-dropped":
				if c.ETL.Dropped != 1 || !strings.Contains(js.String(), analyzer.DroppedNote(25)) || !bytes.Contains(html, []byte(analyzer.DroppedNote(25))) {
					t.Errorf("dropped frame not marked in the evidence (ETL counts %+v)", c.ETL)
				}
			case "etl-wfp-only":
				if !strings.Contains(txt.String(), "does not show the wire") || !bytes.Contains(html, []byte("does not show the wire")) {
					t.Error("a WFP-only capture's report does not say the wire is not seen")
				}
			}
		})
	}
}

package report

import (
	"bytes"
	"context"
	"encoding/binary"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"softsa/analyzer"
	"softsa/analyzer/result"
	"softsa/decoders"
	"softsa/decoders/capture"
	"softsa/decoders/hostlog"
	"softsa/decoders/ike"
)

// hostSample is the KB 977526 sample analysed with host logs placed on its
// timeline on a clock 3.7 s ahead: Vista's IKE packet events (an ETL of
// its own), and a Security log with a NO_CERT main-mode failure and k
// clear text drops in outage k, a quick mode SA "established" inside
// outage 2 (a contradiction), and an event whose text is markup.
func hostSample(t *testing.T) *result.Result {
	t.Helper()
	const path = "../samples/kb977526-vista-to-xp.pcapng"
	vista, xp := netip.MustParseAddr("10.10.1.57"), netip.MustParseAddr("10.10.1.20")
	shift := 3700 * time.Millisecond
	analyse := func(opts analyzer.Options) *result.CaptureResult {
		c, err := capture.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		cr, err := analyzer.Analyze(context.Background(), c, opts)
		if err != nil {
			t.Fatal(err)
		}
		cr.File = "samples/kb977526-vista-to-xp.pcapng"
		return cr
	}
	base := analyse(analyzer.DefaultOptions())
	var cycles []result.Cycle
	for _, f := range base.Pairs[0].Findings {
		if f.ID == result.FindingKB977526 {
			cycles = f.Cycles
		}
	}
	if len(cycles) != 4 {
		t.Fatalf("%d cycles", len(cycles))
	}
	etl := &hostlog.Log{File: "vista-wfp.etl", Format: hostlog.FormatETL}
	var s ike.Summary
	i := 0
	err := decoders.Walk(path, func(f *capture.Frame, m *decoders.Message) error {
		if m.App != decoders.AppISAKMP {
			return nil
		}
		if s.Parse(m.AppData); !s.HeaderOK {
			return nil
		}
		i++
		h := s.Header
		e := hostlog.Event{Time: m.Time.Add(shift + time.Duration(i%7-3)*10*time.Millisecond), Kind: hostlog.KindIKESent, Source: "WFP ETL event 1024",
			Record: i, Local: vista, Remote: xp, ICookie: binary.BigEndian.Uint64(h.ISPI[:]), RCookie: binary.BigEndian.Uint64(h.RSPI[:]), MessageID: h.MsgID}
		if m.Src != vista {
			e.Kind, e.Source, e.Inbound = hostlog.KindIKEReceived, "WFP ETL event 1025", true
		}
		etl.Events = append(etl.Events, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sec := &hostlog.Log{File: "security.xml", Format: hostlog.FormatSecurity, Warnings: []string{"record 40: no TimeCreated, skipped"}}
	add := func(e hostlog.Event) {
		e.File, e.Record = "security.xml", len(sec.Events)+1
		sec.Events = append(sec.Events, e)
	}
	for k, cy := range cycles {
		add(hostlog.Event{Time: cy.OutageEnd.Time.Add(shift - 500*time.Millisecond), Kind: hostlog.KindMMFailure, Source: "Security 4653",
			Local: vista, Remote: xp, KeyModule: "IKEv1", ErrorCode: 13806, Reason: "IKE failed to find valid machine certificate",
			FailurePoint: "local", State: "SA_SENT", Role: "initiator"})
		for d := 0; d <= k; d++ {
			add(hostlog.Event{Time: cy.OutageStart.Time.Add(shift + time.Duration(5+d)*time.Second), Kind: hostlog.KindClearTextDrop,
				Source: "Security 4963", Local: xp, Remote: vista, Inbound: true})
		}
	}
	mid := cycles[1].OutageStart.Time.Add(cycles[1].OutageEnd.Sub(cycles[1].OutageStart.Time) / 2)
	add(hostlog.Event{Time: mid.Add(shift), Kind: hostlog.KindQMEstablished, Source: "Security 5451", Local: vista, Remote: xp})
	add(hostlog.Event{Time: cycles[2].OutageEnd.Time.Add(shift + 60*time.Second), Kind: hostlog.KindInvalidPacket, Source: `Security 4977 <b>"&'`,
		Local: xp, Remote: vista, Reason: `<script>alert("x")</script>`})
	opts := analyzer.DefaultOptions()
	opts.HostLogs = []*hostlog.Log{etl, sec}
	cr := analyse(opts)
	r := result.NewResult("test", *cr)
	return &r
}

// TestHostLogGoldens: the text and JSON reports of the sample with host
// logs, against their goldens, the JSON valid against the schema; the
// text says the offset, lists what Windows says per outage with the
// failure's reason, and marks host evidence as such.
func TestHostLogGoldens(t *testing.T) {
	r := hostSample(t)
	var txt bytes.Buffer
	if err := Text(&txt, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join("text", "kb977526-vista-to-xp-hostlogs.txt"), txt.Bytes())
	for _, want := range []string{
		"host log vista-wfp.etl (etl): 44 events, 44 on the capture's pairs; host clock 3.70 s ahead of the capture, from 44 IKE packet events",
		"host log security.xml (security-xml): 16 events, 16 on the capture's pairs; host clock 4.16 s ahead of the capture, roughly, from 4 failure events",
		"host 09:13:09.801 (+65.301s) outage 1: 10.10.1.57 logs main mode failure 13806 ERROR_IPSEC_IKE_NO_CERT (IKE failed to find valid machine certificate",
		"soft SA 3 10.10.1.20: invalid negotiation packet received",
		"warning: host log security.xml: record 40: no TimeCreated, skipped",
		"Windows says 10.10.1.57 -> 10.10.1.20",
		"outage 1 10.10.1.57: main mode failed, error 13806 ERROR_IPSEC_IKE_NO_CERT (IKE failed to find valid machine certificate); failure point local, state SA_SENT, role initiator",
		"host log in outage",
		"1 failure, 4 drops",
		"HOST_LOG_CONTRADICTS",
	} {
		if !strings.Contains(strings.Join(strings.Fields(txt.String()), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("text report lacks %q", want)
		}
	}
	var js bytes.Buffer
	if err := JSON(&js, r); err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join("json", "kb977526-vista-to-xp-hostlogs.json"), js.Bytes())
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(js.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := compileSchema(t).Validate(doc); err != nil {
		t.Errorf("output does not match softsa.schema.json: %v", err)
	}
}

// TestSchemaRejectsHost: the schema's host vocabulary can fail: an
// unknown host event kind, an offset method it does not know, and host
// evidence without its file are caught.
func TestSchemaRejectsHost(t *testing.T) {
	schema := compileSchema(t)
	head := `{"schema_version":1,"tool":{"name":"softsa","version":"x"},"captures":[{"file":"f","format":"pcap","frames":1,"first":null,"last":null,"warnings":null,"hosts":null,`
	pair := `"pairs":[{"initiator":"10.0.0.1","responder":"10.0.0.2","verdict":"kb977526","negotiations":null,"sas":null,"gaps":null,`
	ev := `{"time":null,"host_time":null,"file":"s.xml","record":1,"source":"Security 4653","kind":"%s"}`
	good := head + pair + `"findings":[{"id":"HOST_LOG_CONTRADICTS","confidence":0.7,"summary":"s","wireshark_filter":"","evidence":[{"frame":0,"time":null,"proto":"host","what":"w","host":{"file":"s.xml","record":1,"source":"Security 5451"}}]}],` +
		`"host_events":[` + strings.Replace(ev, "%s", "mm-failure", 1) + `]}],` +
		`"host_logs":[{"file":"s.xml","format":"security-xml","events":1,"attached":1,"offset_seconds":-3.7,"offset_method":"ike-packets","offset_matches":1,"offset_note":"n","warnings":null}]}]}`
	for _, c := range []struct {
		doc  string
		want bool
	}{
		{good, true},
		{strings.Replace(good, `"kind":"mm-failure"`, `"kind":"mm-fail"`, 1), false},
		{strings.Replace(good, `"offset_method":"ike-packets"`, `"offset_method":"guess"`, 1), false},
		{strings.Replace(good, `"host":{"file":"s.xml",`, `"host":{`, 1), false},
		{strings.Replace(good, `"proto":"host"`, `"proto":"hostlog"`, 1), false},
	} {
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(c.doc))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(doc); (err == nil) != c.want {
			t.Errorf("valid %v, want %v (%v): %s", err == nil, c.want, err, c.doc)
		}
	}
}

// TestHostLogHTML: the HTML report of the sample with host logs, against
// its golden: the host logs and their offsets under the capture, a
// "Windows says" lane on the pair's timeline with one diamond per event,
// the pair's "Windows says" table, host evidence tagged "host" rather
// than given a frame, and a log's markup escaped.
func TestHostLogHTML(t *testing.T) {
	got := renderHTML(t, hostSample(t))
	checkNoActiveContent(t, got)
	golden(t, filepath.Join("html", "kb977526-vista-to-xp-hostlogs.html"), got)
	s := string(got)
	for _, want := range []string{
		`<h3>Host logs</h3>`,
		`host clock 3.70 s ahead of the capture, from 44 IKE packet events`,
		`<text class="lane-label" x="8" y=`,
		`>Windows says</text>`,
		`<h4>Windows says <span class="host-tag">host</span></h4>`,
		`<tr class="host-ev"><td class="num"><span class="host-tag">host</span></td>`,
		`host log: IKE failure (Windows&#39; own word)`,
		`&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`,
		`Security 4977 &lt;b&gt;&#34;&amp;&#39;`,
		`<th class="host">host log in outage</th>`,
		`1 failure, 4 drops`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(s, `<script>alert("x")`) || strings.Contains(s, `<b>"&'`) {
		t.Error("a host log's text is not escaped")
	}
	// One diamond per listed event, each in the host lane's classes.
	marks := 0
	for _, c := range []string{"host-failure", "host-drop", "host-established", "host-other"} {
		marks += strings.Count(s, `<path class="`+c+`"`)
	}
	if marks != 16 {
		t.Errorf("%d host marks on the timeline, want 16", marks)
	}
}

// TestHostLogTextWidth: the host lines fit every width, the narrowest
// included.
func TestHostLogTextWidth(t *testing.T) {
	r := hostSample(t)
	for _, width := range []int{40, 60, 80, 100, 160} {
		var b bytes.Buffer
		if err := Text(&b, r, TextOptions{Width: width}); err != nil {
			t.Fatal(err)
		}
		for i, l := range strings.Split(b.String(), "\n") {
			if n := len([]rune(l)); n > width {
				t.Errorf("width %d: line %d is %d columns: %q", width, i+1, n, l)
			}
		}
	}
}

// TestBatchTextHostLogs: the batch table of a folder run names each
// capture's host logs and where their clocks were placed, since the table
// has no column for them.
func TestBatchTextHostLogs(t *testing.T) {
	r := hostSample(t)
	plain := r.Captures[0]
	plain.File, plain.HostLogs = "other.pcapng", nil
	r.Captures = append(r.Captures, plain)
	var buf bytes.Buffer
	if err := BatchText(&buf, r, TextOptions{Width: 400}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, l := range r.Captures[0].HostLogs {
		want := r.Captures[0].File + ": host log " + l.File + " (" + l.Format + ")"
		if !strings.Contains(out, want) || !strings.Contains(out, l.OffsetNote) {
			t.Errorf("batch text lacks %q with %q:\n%s", want, l.OffsetNote, out)
		}
	}
	for _, l := range r.Captures[0].HostLogs {
		if strings.Contains(out, "other.pcapng: host log "+l.File+" (") {
			t.Errorf("batch text gives other.pcapng a host log it has not:\n%s", out)
		}
	}
}

// TestBatchTextWidth: at every width from 40 to 200 each line of the batch
// report (table, warnings, host logs, the count) holds at most that many
// runes, with captures under long paths; wide enough, every column is
// there and nothing is cut; the file name of a shortened path stays.
func TestBatchTextWidth(t *testing.T) {
	r := hostSample(t)
	second := r.Captures[0]
	second.File = "/cases/2026/ticket-123456/customer upload/second day/vista-to-xp-after-reboot.pcapng"
	second.Warnings = append(second.Warnings, "a warning long enough that it has to wrap at every width this test tries, "+strings.Repeat("word ", 20))
	r.Captures = append(r.Captures, second)
	for width := 40; width <= 200; width += 7 {
		var buf bytes.Buffer
		if err := BatchText(&buf, r, TextOptions{Width: width}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		for i, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if n := len([]rune(l)); n > width {
				t.Errorf("width %d: line %d is %d runes: %q", width, i+1, n, l)
			}
		}
		if width >= 90 && !strings.Contains(out, "after-reboot.pcapng |") {
			t.Errorf("width %d: the shortened path lost its file name:\n%s", width, out)
		}
	}
	var buf bytes.Buffer
	if err := BatchText(&buf, r, TextOptions{Width: 400}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{second.File + " |", "confidence", "mean outage", "mean soft SA", "first evidence"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("width 400: no %q:\n%s", want, buf.String())
		}
	}
}

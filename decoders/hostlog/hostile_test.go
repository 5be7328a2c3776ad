package hostlog_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"softsa/decoders/cab"
	"softsa/decoders/capture"
	"softsa/decoders/etl"
	"softsa/decoders/etl/etltest"
	"softsa/decoders/hostlog"
	"softsa/decoders/hostlog/hostlogtest"
)

// repeatReader yields head, then body n times, then tail, without holding
// it all: a huge file costs the test nothing.
func repeatReader(head, body string, n int, tail string) io.Reader {
	rs := []io.Reader{strings.NewReader(head)}
	rs = append(rs, io.LimitReader(&cycle{s: body}, int64(len(body))*int64(n)))
	return io.MultiReader(append(rs, strings.NewReader(tail))...)
}

type cycle struct {
	s   string
	off int
}

func (c *cycle) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], c.s[c.off:])
		n += k
		c.off = (c.off + k) % len(c.s)
	}
	return n, nil
}

// allocated runs f and returns the bytes it allocated.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

func securityXML(t *testing.T, wrapped bool) string {
	t.Helper()
	var b bytes.Buffer
	if err := hostlogtest.WriteSecurityXML(&b, sample(), wrapped); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestXMLHostile(t *testing.T) {
	good := securityXML(t, false)
	nGood := strings.Count(good, "<Event ")
	ns := "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>"
	laughs := "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
	for i := 1; i <= 9; i++ {
		laughs += " <!ENTITY lol" + string(rune('0'+i)) + " \"" + strings.Repeat("&lol"+string(rune('0'+i-1))+";", 10) + "\">\n"
	}
	laughs = strings.Replace(laughs, "&lol0;", "&lol;", -1) + "]>\n<Events>" + ns + "<System><EventID>4653</EventID></System><EventData><Data Name='FailureReason'>&lol9;</Data></EventData></Event></Events>"
	tests := []struct {
		name     string
		r        func() io.Reader
		err      error // Read's error, when nothing is kept
		kept     int   // else the events kept before the damage, with a warning
		maxAlloc uint64
	}{
		{"billion laughs", func() io.Reader { return strings.NewReader(laughs) }, hostlog.ErrXMLEntity, 0, 1 << 20},
		{"undeclared entity", func() io.Reader {
			return strings.NewReader(good + ns + "<System><EventID>4653</EventID></System><EventData><Data Name='FailureReason'>&lol9;</Data></EventData></Event>")
		}, nil, nGood, 1 << 20},
		{"deep nesting", func() io.Reader { return repeatReader(good+ns+"<EventData>", "<a>", 1<<20, "") }, nil, nGood, 4 << 20},
		{"giant text node", func() io.Reader { return repeatReader(good+ns+"<EventData><Data Name='x'>", "lol", 64<<20, "</Data>") }, nil, nGood, 16 << 20},
		{"giant text node with '>'", func() io.Reader { return repeatReader(good+ns+"<EventData><Data Name='x'>", "lol>", 64<<20, "</Data>") }, nil, nGood, 16 << 20},
		{"giant CDATA with '<'", func() io.Reader {
			return repeatReader(good+ns+"<EventData><Data Name='x'><![CDATA[", "l<l", 64<<20, "]]></Data>")
		}, nil, nGood, 16 << 20},
		{"giant comment with '<'", func() io.Reader { return repeatReader(good+ns+"<EventData><!--", "l<l", 64<<20, "--></EventData>") }, nil, nGood, 16 << 20},
		{"giant attribute", func() io.Reader { return repeatReader(good+ns+"<EventData><Data Name='", "lol", 64<<20, "'/>") }, nil, nGood, 16 << 20},
		{"truncated inside an event", func() io.Reader { return strings.NewReader(good + ns + "<System><EventID>4653</Even") }, nil, nGood, 1 << 20},
		{"giant text before any event", func() io.Reader {
			return repeatReader("<Events xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>", "x", 64<<20, "")
		}, hostlog.ErrXMLToken, 0, 16 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var lg *hostlog.Log
			var err error
			n := allocated(func() { lg, err = hostlog.Read("sec.xml", tc.r()) })
			if n > tc.maxAlloc {
				t.Errorf("allocated %d bytes, want at most %d", n, tc.maxAlloc)
			}
			if tc.err != nil {
				if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), "sec.xml") {
					t.Fatalf("err %v, want %v naming the file", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("err %v; want the %d events before the damage and a warning", err, tc.kept)
			}
			if len(lg.Events) < tc.kept-2 || len(lg.Warnings) == 0 { // the two IKE packet events have no Security event
				t.Fatalf("%d events, warnings %q", len(lg.Events), lg.Warnings)
			}
			t.Logf("%d events kept, %d bytes allocated; %s", len(lg.Events), n, lg.Warnings[len(lg.Warnings)-1])
		})
	}
}

// TestManyNonEvents: a large file of other events is read in bounded
// memory, its IPsec events found among them.
func TestManyNonEvents(t *testing.T) {
	other := "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>4624</EventID><TimeCreated SystemTime='2020-01-01T00:00:00Z'/></System><EventData><Data Name='TargetUserName'>bob</Data></EventData></Event>\n"
	good := securityXML(t, false)
	var lg *hostlog.Log
	var err error
	n := allocated(func() { lg, err = hostlog.Read("big.xml", repeatReader(good, other, 50000, good)) })
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 * (len(sample()) - 2); len(lg.Events) != want {
		t.Errorf("%d events, want %d", len(lg.Events), want)
	}
	t.Logf("%d MiB of XML, %d events, %d MiB allocated in all, warnings %q", 50000*len(other)>>20, len(lg.Events), n>>20, lg.Warnings)
}

func TestWFPDiagHostile(t *testing.T) {
	var x bytes.Buffer
	if err := hostlogtest.WriteWFPDiag(&x, sample()); err != nil {
		t.Fatal(err)
	}
	s := x.String()
	cut := strings.LastIndex(s, "<netEvent>")
	lg, err := hostlog.Read("wfpdiag.xml", strings.NewReader(s[:cut+40]))
	if err != nil || len(lg.Events) == 0 || len(lg.Warnings) == 0 {
		t.Fatalf("truncated: %v, %d events, %q", err, len(lg.Events), lg.Warnings)
	}
	lg, err = hostlog.Read("wfpdiag.xml", strings.NewReader(s[:cut]+strings.Repeat("<a>", 100)))
	if err != nil || len(lg.Events) == 0 || len(lg.Warnings) == 0 || !strings.Contains(lg.Warnings[0], "nested deeper") {
		t.Errorf("deep: %v, %d events, %q", err, len(lg.Events), lg.Warnings)
	}

	// A cabinet whose block sizes lie: a clear error naming the file.
	var c bytes.Buffer
	if err := hostlogtest.WriteWFPDiagCAB(&c, sample()); err != nil {
		t.Fatal(err)
	}
	b := c.Bytes()
	start := binary.LittleEndian.Uint32(b[36:])
	binary.LittleEndian.PutUint16(b[start+6:], 60000)
	_, err = hostlog.Read("wfpdiag.cab", bytes.NewReader(b))
	if !errors.Is(err, cab.ErrBlockSize) || !strings.Contains(err.Error(), "wfpdiag.cab") {
		t.Errorf("lying cab: %v", err)
	}
	t.Logf("lying cab: %v", err)
}

// TestWFPEventHostile: every truncation of every WFP event, and a length
// field pointing outside the event, give an error, never a panic.
func TestWFPEventHostile(t *testing.T) {
	for _, ev := range sample() {
		id, v, user, ok := hostlogtest.WFPUserData(ev)
		if !ok {
			continue
		}
		for n := range len(user) {
			var e hostlog.Event
			if err := hostlog.DecodeWFP(id, v, user[:n], &e); err == nil {
				t.Errorf("event %d cut to %d of %d bytes: no error", id, n, len(user))
			}
		}
	}
	ev := sample()[2] // 1005
	id, v, user, _ := hostlogtest.WFPUserData(ev)
	binary.LittleEndian.PutUint32(user[8:], 0xFFFFFFF0) // LocalAddressLength
	var e hostlog.Event
	err := hostlog.DecodeWFP(id, v, user, &e)
	if !errors.Is(err, hostlog.ErrWFPLength) || !strings.Contains(err.Error(), "LocalAddress") {
		t.Errorf("length outside: %v", err)
	}
	t.Logf("%v", err)
}

// TestETLDamagedWFPEvent: a WFP event whose address length points outside
// it costs that event (a warning naming the file and the event's place),
// not the packets or the other events.
func TestETLDamagedWFPEvent(t *testing.T) {
	evs := sample()
	wfp := hostlogtest.WFPEvents(evs)
	bad := wfp[2] // the 1005
	bad.User = append([]byte(nil), bad.User...)
	binary.LittleEndian.PutUint32(bad.User[8:], 1000)
	wfp[2] = bad
	pk := []etltest.Event{etltest.NDIS{Miniport: 3, Fragment: make([]byte, 60)}.Event(t0, etltest.KwEthernet|etltest.KwStart|etltest.KwEnd)}
	data := etltest.Write(etltest.File{Start: t0.Add(-time.Second)}, []etltest.Buffer{{CPU: 0, Events: pk}, {CPU: 1, Events: wfp}})
	c, err := capture.NewCapture("bad.etl", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var f capture.Frame
	n := 0
	for c.Next(&f) == nil {
		n++
	}
	if n != 1 {
		t.Errorf("%d packets", n)
	}
	lg := c.HostLog()
	if lg == nil || len(lg.Events) != len(wfp)-1 || len(lg.Warnings) != 1 {
		t.Fatalf("host log %+v", lg)
	}
	w := lg.Warnings[0]
	if !strings.Contains(w, "bad.etl") || !strings.Contains(w, "WFP event 3 of the file") || !strings.Contains(w, "ErrWFPLength") && !strings.Contains(w, "points outside") {
		t.Errorf("warning %q", w)
	}
	t.Log(w)
}

// TestETLWFPBound: past MaxWFPEvents the events are counted, not kept,
// with one warning.
func TestETLWFPBound(t *testing.T) {
	ev := etltest.Event{Time: t0, Provider: etl.ProviderWFP, ID: 1027, Version: 1, User: []byte{0}}
	var bufs []etltest.Buffer
	total := etl.MaxWFPEvents + 10
	for i := 0; i < total; i += 4096 {
		evs := make([]etltest.Event, min(4096, total-i))
		for j := range evs {
			evs[j] = ev
		}
		bufs = append(bufs, etltest.Buffer{Events: evs})
	}
	data := etltest.Write(etltest.File{Start: t0.Add(-time.Second)}, bufs)
	r, err := etl.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var f etl.Frame
	for r.Next(&f) == nil {
	}
	st := r.Stats()
	if len(r.WFPEvents()) != etl.MaxWFPEvents || st.WFPOverflow != 10 || st.WFPEvents != total {
		t.Errorf("kept %d, overflow %d, seen %d", len(r.WFPEvents()), st.WFPOverflow, st.WFPEvents)
	}
	n := 0
	for _, w := range r.Warnings() {
		if strings.Contains(w, "WFP events") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("warnings %q", r.Warnings())
	}
}

package batch

import (
	"bytes"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"softsa/decoders/capture"
	"softsa/decoders/etl"
	"softsa/decoders/etl/etltest"
	"softsa/decoders/hostlog"
	"softsa/decoders/hostlog/hostlogtest"
)

// wfpFailure is one WFP 1005 event (main mode failed, 13806).
func wfpFailure(at time.Time) hostlog.Event {
	return hostlog.Event{Time: at, Kind: hostlog.KindMMFailure, Local: netip.MustParseAddr("10.10.1.57"), Remote: netip.MustParseAddr("10.10.1.20"),
		KeyModule: "IKEv1", ErrorCode: 13806, FailurePoint: "local", State: "SA_SENT", Role: "initiator"}
}

// ethernetPacket is the NDIS event of one small Ethernet frame.
func ethernetPacket(at time.Time) etltest.Event {
	frame := make([]byte, 60)
	frame[12], frame[13] = 0x08, 0x00
	return etltest.NDIS{Miniport: 7, Lower: 7, Fragment: frame}.Event(at, etltest.KwStart|etltest.KwEnd|etltest.KwSend)
}

func writeETL(t *testing.T, evs []hostlog.Event, packets []etltest.Event) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := hostlogtest.WriteETL(&b, evs, packets); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestDiscoverWFPOnlyETL: an ETL file holding WFP events and no packet is
// a host log, found in a folder or named; one with packets (and WFP
// events beside them) stays a capture, and so does one with neither (a
// capture of no frames, as before).
func TestDiscoverWFPOnlyETL(t *testing.T) {
	at := time.Date(2009, 11, 10, 9, 13, 0, 0, time.UTC)
	dir := t.TempDir()
	files := map[string][]byte{
		"d/wfp-only.etl": writeETL(t, []hostlog.Event{wfpFailure(at)}, nil),
		"d/packets.etl":  writeETL(t, []hostlog.Event{wfpFailure(at)}, []etltest.Event{ethernetPacket(at)}),
		"d/neither.etl":  writeETL(t, nil, nil),
		"d/one.pcap":     {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0},
	}
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d := filepath.Join(dir, "d")
	named := []string{filepath.Join(d, "neither.etl"), filepath.Join(d, "one.pcap"), filepath.Join(d, "packets.etl"), filepath.Join(d, "wfp-only.etl")}
	for _, args := range [][]string{{d}, named} {
		found, err := Discover(args)
		if err != nil {
			t.Fatal(err)
		}
		var ins []string
		for _, in := range found.Inputs {
			if in.Err != nil {
				t.Errorf("%s: %v", in.Path, in.Err)
			}
			ins = append(ins, filepath.Base(in.Path))
		}
		if want := []string{"neither.etl", "one.pcap", "packets.etl"}; !slices.Equal(ins, want) {
			t.Errorf("%v: inputs %v, want %v", args, ins, want)
		}
		if len(found.HostLogs) != 1 || filepath.Base(found.HostLogs[0].Path) != "wfp-only.etl" || found.HostLogs[0].Format != hostlog.FormatETL ||
			found.HostLogs[0].Named != (len(args) > 1) {
			t.Errorf("%v: host logs %+v", args, found.HostLogs)
		}
		if len(found.Skipped) != 0 {
			t.Errorf("%v: skipped %+v", args, found.Skipped)
		}
		orphans := AttachHostLogs(found.Inputs, found.HostLogs)
		if len(orphans) != 0 || len(found.Inputs[1].HostLogs) != 1 {
			t.Errorf("%v: orphans %+v, inputs %+v", args, orphans, found.Inputs)
		}
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// sampleTwin is the ETL twin of a sample: its frames as NDIS events, with
// WFP events after them in the file.
func sampleTwin(t testing.TB, path string) []byte {
	t.Helper()
	c, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var pk []etltest.Event
	var f capture.Frame
	for c.Next(&f) == nil {
		pk = append(pk, etltest.NDIS{Miniport: 7, Lower: 7, Fragment: append([]byte(nil), f.Data...)}.Event(f.Time, etltest.KwStart|etltest.KwEnd|etltest.KwSend))
	}
	var b bytes.Buffer
	if err := hostlogtest.WriteETL(&b, []hostlog.Event{wfpFailure(f.Time)}, pk); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestETLScanStopsEarly: the scan of a packet capture stops at the first
// buffer that holds a packet: of the twin of the KB sample it reads the
// logfile header's buffer and the first packet buffer, a fraction of the
// file; a WFP-only file is read to its end.
func TestETLScanStopsEarly(t *testing.T) {
	twin := sampleTwin(t, "../samples/kb977526-vista-to-xp.pcapng")
	cr := &countingReader{r: bytes.NewReader(twin)}
	if etlWFPOnly(cr) {
		t.Fatal("the twin, which holds packets, taken for a host log")
	}
	t.Logf("scan read %d of %d bytes", cr.n, len(twin))
	if cr.n > len(twin)/3 {
		t.Errorf("scan read %d of %d bytes", cr.n, len(twin))
	}
	var evs []hostlog.Event
	at := time.Date(2009, 11, 10, 9, 13, 0, 0, time.UTC)
	for i := range 2000 {
		evs = append(evs, wfpFailure(at.Add(time.Duration(i)*time.Second)))
	}
	only := writeETL(t, evs, nil)
	cr = &countingReader{r: bytes.NewReader(only)}
	if !etlWFPOnly(cr) || cr.n != len(only) {
		t.Errorf("WFP-only file: read %d of %d bytes", cr.n, len(only))
	}
	// A packet after the WFP events' buffers is found: the file is a
	// capture.
	late := etltest.Write(etltest.File{Start: at.Add(-time.Second)}, []etltest.Buffer{
		{CPU: 1, Events: hostlogtest.WFPEvents(evs[:200])},
		{CPU: 1, Events: hostlogtest.WFPEvents(evs[200:400])},
		{CPU: 0, Events: []etltest.Event{ethernetPacket(at.Add(time.Hour))}},
	})
	if etlWFPOnly(bytes.NewReader(late)) {
		t.Error("a file with a packet after WFP buffers taken for a host log")
	}
	// Damage and other files: not a host log.
	for _, b := range [][]byte{nil, []byte("MSCF"), only[:len(only)/2], late[:0x100]} {
		etlWFPOnly(bytes.NewReader(b))
	}
	if etlWFPOnly(bytes.NewReader([]byte("not an etl file at all"))) {
		t.Error("garbage taken for a host log")
	}
}

// BenchmarkETLScan measures what discovery adds for an ETL capture (the
// scan, on the twin of the KB sample) beside what its analysis reads
// anyway (every frame of the file).
func BenchmarkETLScan(b *testing.B) {
	twin := sampleTwin(b, "../samples/kb977526-vista-to-xp.pcapng")
	b.Run("scan", func(b *testing.B) {
		b.SetBytes(int64(len(twin)))
		for b.Loop() {
			etlWFPOnly(bytes.NewReader(twin))
		}
	})
	b.Run("read-all", func(b *testing.B) {
		b.SetBytes(int64(len(twin)))
		for b.Loop() {
			er, err := etl.NewReader(bytes.NewReader(twin))
			if err != nil {
				b.Fatal(err)
			}
			var f etl.Frame
			for er.Next(&f) == nil {
			}
		}
	})
}

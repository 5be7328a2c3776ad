package hostlog_test

import (
	"bytes"
	"testing"

	"softsa/decoders/hostlog"
	"softsa/decoders/hostlog/hostlogtest"
)

// FuzzWFPEvent feeds the WFP user-data decoder every event ID it decodes
// (and both template versions) with arbitrary bytes: an error or an
// event, never a panic, and the decoder reads nothing past the data.
func FuzzWFPEvent(f *testing.F) {
	for _, ev := range sample() {
		id, v, user, ok := hostlogtest.WFPUserData(ev)
		if ok {
			f.Add(id, v, user)
			f.Add(id, v^1, user)
		}
	}
	f.Fuzz(func(t *testing.T, id uint16, version uint8, user []byte) {
		var ev hostlog.Event
		in := bytes.Clone(user)
		if err := hostlog.DecodeWFP(id, version, user, &ev); err == nil && ev.Source == "" {
			t.Fatal("decoded without a source")
		}
		if !bytes.Equal(in, user) {
			t.Fatal("decoder changed its input")
		}
	})
}

// FuzzRead feeds hostlog.Read arbitrary files, seeded with one of each
// format. The seeds are small (two events): the fuzzer minimises every
// new input, which takes minutes on one of tens of KiB.
func FuzzRead(f *testing.F) {
	sample := func() []hostlog.Event { return sample()[2:4] }
	var b bytes.Buffer
	hostlogtest.WriteSecurityXML(&b, sample(), false)
	f.Add(bytes.Clone(b.Bytes()))
	b.Reset()
	hostlogtest.WriteSecurityXML(&b, sample(), true)
	f.Add(bytes.Clone(b.Bytes()))
	b.Reset()
	hostlogtest.WriteWFPDiag(&b, sample())
	f.Add(bytes.Clone(b.Bytes()))
	b.Reset()
	hostlogtest.WriteWFPDiagCAB(&b, sample())
	f.Add(bytes.Clone(b.Bytes()))
	b.Reset()
	hostlogtest.WriteETL(&b, sample(), nil)
	f.Add(bytes.Clone(b.Bytes()))
	f.Fuzz(func(t *testing.T, data []byte) {
		lg, err := hostlog.Read("fuzz", bytes.NewReader(data))
		if err == nil && lg == nil {
			t.Fatal("nil log without an error")
		}
	})
}

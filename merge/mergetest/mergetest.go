// Package mergetest writes, for tests, the two captures the two hosts of a
// conversation would have taken of it.
package mergetest

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"

	"softsa/decoders"
	"softsa/decoders/capture"
)

// Views writes sample as two hosts would have captured it: A on the host
// hostA, with its clock; B on the peer, whose clock is skew ahead, each
// packet seen there latency after (from hostA) or before (to hostA) A saw
// it. drop, when set, leaves a packet out of B: lost before it reached the
// peer. It returns the two files' paths.
func Views(tb testing.TB, sample string, hostA netip.Addr, skew, latency time.Duration, drop func(m *decoders.Message) bool) (string, string) {
	tb.Helper()
	c, err := capture.Open(sample)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	var bufA, bufB bytes.Buffer
	var wa, wb *pcapgo.NgWriter
	d := decoders.NewDecoder()
	var f capture.Frame
	var m decoders.Message
	for c.Next(&f) == nil {
		if wa == nil {
			wa, _ = pcapgo.NewNgWriter(&bufA, f.Link)
			wb, _ = pcapgo.NewNgWriter(&bufB, f.Link)
		}
		d.Decode(&f, &m)
		ci := gopacket.CaptureInfo{Timestamp: f.Time, CaptureLength: len(f.Data), Length: f.WireLen}
		wa.WritePacket(ci, f.Data)
		if drop != nil && drop(&m) {
			continue
		}
		if m.Src == hostA {
			ci.Timestamp = f.Time.Add(skew + latency)
		} else {
			ci.Timestamp = f.Time.Add(skew - latency)
		}
		wb.WritePacket(ci, f.Data)
	}
	if wa == nil {
		tb.Fatalf("%s: no frames", sample)
	}
	wa.Flush()
	wb.Flush()
	dir := tb.TempDir()
	a, b := filepath.Join(dir, "host-a.pcapng"), filepath.Join(dir, "host-b.pcapng")
	if err := os.WriteFile(a, bufA.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(b, bufB.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	return a, b
}

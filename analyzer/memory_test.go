package analyzer

import (
	"bufio"
	"context"
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"softsa/decoders/capture"
	"softsa/decoders/ike"
)

// Memory with many pairs: a capture of memPairs frames, each between a
// distinct host pair, must leave the analysis bounded by the pair cap.
const (
	memPairs    = 1_000_000
	memHeapMax  = 512 << 20
	memFrameGap = time.Millisecond
)

// TestMemoryManyPairs writes a pcap of 1,000,000 frames, each between a
// distinct host pair (10.x.y.z → 172.16.y.z: UDP datagrams, TCP SYNs to
// 445, and a few hundred IKEv1 main mode messages with a Windows vendor
// ID, some among the first pairs and some after the cap), analyses it with
// the default options and checks that the pair cap was reported and that
// the heap stayed under 512 MiB. The heap is sampled every 2 ms from
// runtime/metrics: /memory/classes/heap/objects:bytes (live objects plus
// dead ones not yet swept, an upper bound whatever GOGC is) and
// /gc/heap/live:bytes (what the last GC found live). The figures are
// logged.
func TestMemoryManyPairs(t *testing.T) {
	// About a second in all (a 73 MiB file written and read back), so it
	// runs under -short too.
	path := filepath.Join(t.TempDir(), "pairs.pcap")
	start := time.Now()
	ike := writeManyPairs(t, path, memPairs)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d frames (%d IKE), %.1f MiB, in %v", memPairs, ike, float64(st.Size())/(1<<20), time.Since(start).Round(time.Millisecond))

	c, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	runtime.GC()
	heap := startHeapSampler()
	start = time.Now()
	r, err := Analyze(context.Background(), c, DefaultOptions())
	elapsed := time.Since(start)
	peak, live, base := heap.stop()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("analysed in %v: peak heap objects %.1f MiB (%.1f MiB before), peak live heap %.1f MiB; %d pairs reported",
		elapsed.Round(time.Millisecond), mib(peak), mib(base), mib(live), len(r.Pairs))

	if r.Frames != memPairs {
		t.Errorf("%d frames read, want %d", r.Frames, memPairs)
	}
	capped := false
	for _, w := range r.Warnings {
		capped = capped || strings.Contains(w, "pair cap")
	}
	if !capped {
		t.Errorf("no pair cap warning in %q", r.Warnings)
	}
	if len(r.Pairs) != defaultMaxPairs {
		t.Errorf("%d pairs reported, want the cap, %d", len(r.Pairs), defaultMaxPairs)
	}
	negs := 0
	for i := range r.Pairs {
		negs += len(r.Pairs[i].Negotiations)
	}
	if negs == 0 {
		t.Error("no IKE negotiation among the pairs kept")
	}
	if peak >= memHeapMax {
		t.Errorf("peak heap %.1f MiB, want under %.0f MiB", mib(peak), mib(memHeapMax))
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// heapSampler records the highest heap figures while it runs.
type heapSampler struct {
	done              chan struct{}
	wg                sync.WaitGroup
	peak, live, first uint64
}

func startHeapSampler() *heapSampler {
	h := &heapSampler{done: make(chan struct{})}
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
	read := func() {
		metrics.Read(s)
		for i, p := range []*uint64{&h.peak, &h.live} {
			if s[i].Value.Kind() == metrics.KindUint64 {
				*p = max(*p, s[i].Value.Uint64())
			}
		}
	}
	read()
	h.first = h.peak
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		tk := time.NewTicker(2 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-h.done:
				read()
				return
			case <-tk.C:
				read()
			}
		}
	}()
	return h
}

// stop ends the sampling and returns the peak heap objects, the peak live
// heap and the heap objects when sampling began.
func (h *heapSampler) stop() (peak, live, first uint64) {
	close(h.done)
	h.wg.Wait()
	return h.peak, h.live, h.first
}

// writeManyPairs writes n Ethernet frames to path, frame i from
// 10.i>>16.i>>8.i to 172.16.i>>8.i, one template per kind with only the
// addresses (and the IPv4 and TCP checksums; UDP's is left 0) patched in.
// It returns how many are IKE.
func writeManyPairs(t *testing.T, path string, n int) int {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 65535)
	binary.LittleEndian.PutUint32(hdr[20:], uint32(layers.LinkTypeEthernet))
	w.Write(hdr)

	var ispi [8]byte
	copy(ispi[:], "softsa\x00\x01")
	tmpl := [3][]byte{
		memTemplate(t, &layers.UDP{SrcPort: 50000, DstPort: 137}, gopacket.Payload(make([]byte, 20))),
		memTemplate(t, &layers.TCP{SrcPort: 50000, DstPort: 445, Seq: 977526, SYN: true, Window: 8192}),
		memTemplate(t, &layers.UDP{SrcPort: 500, DstPort: 500},
			gopacket.Payload(ikeBytes(0x10, ispi, [8]byte{}, ike.ExchangeMain, 0, 0, plSA(), vidNT5(5)))),
	}
	rec := make([]byte, 16)
	t0 := epoch
	ikes := 0
	for i := 0; i < n; i++ {
		kind := i % 2
		// A few hundred IKE pairs: some among the pairs kept, the others
		// after the cap.
		if (i < defaultMaxPairs && i%64 == 32) || i%6000 == 3000 {
			kind = 2
			ikes++
		}
		b := tmpl[kind]
		ip := b[14:34]
		copy(ip[12:16], []byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		copy(ip[16:20], []byte{172, 16, byte(i >> 8), byte(i)})
		ip[10], ip[11] = 0, 0
		binary.BigEndian.PutUint16(ip[10:], ^fold(sum16(ip, 0)))
		if kind == 1 {
			tcp := b[34 : 14+binary.BigEndian.Uint16(ip[2:])] // not the Ethernet padding
			tcp[16], tcp[17] = 0, 0
			ps := sum16(ip[12:20], 6+uint32(len(tcp)))
			binary.BigEndian.PutUint16(tcp[16:], ^fold(sum16(tcp, ps)))
		}
		ts := t0.Add(time.Duration(i) * memFrameGap)
		binary.LittleEndian.PutUint32(rec[0:], uint32(ts.Unix()))
		binary.LittleEndian.PutUint32(rec[4:], uint32(ts.Nanosecond()/1000))
		binary.LittleEndian.PutUint32(rec[8:], uint32(len(b)))
		binary.LittleEndian.PutUint32(rec[12:], uint32(len(b)))
		w.Write(rec)
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return ikes
}

// memTemplate serialises Ethernet, IPv4 and l4 (with payload).
func memTemplate(t *testing.T, l4 gopacket.SerializableLayer, payload ...gopacket.SerializableLayer) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{0, 1, 2, 3, 4, 5}, DstMAC: net.HardwareAddr{0, 1, 2, 3, 4, 6}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 128, SrcIP: net.IP{10, 0, 0, 1}, DstIP: net.IP{172, 16, 0, 1}}
	switch l := l4.(type) {
	case *layers.TCP:
		ip.Protocol = layers.IPProtocolTCP
		l.SetNetworkLayerForChecksum(ip)
	case *layers.UDP:
		ip.Protocol = layers.IPProtocolUDP
	}
	sb := gopacket.NewSerializeBuffer()
	ls := append([]gopacket.SerializableLayer{eth, ip, l4}, payload...)
	if err := gopacket.SerializeLayers(sb, gopacket.SerializeOptions{FixLengths: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), sb.Bytes()...)
}

// sum16 adds b as big-endian 16-bit words to s (the Internet checksum
// before folding).
func sum16(b []byte, s uint32) uint32 {
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	return s
}

func fold(s uint32) uint16 {
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

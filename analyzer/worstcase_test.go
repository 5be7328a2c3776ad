package analyzer

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"softsa/analyzer/result"
	"softsa/decoders/capture"
)

// Worst cases through the whole analysis: the crafted inputs of
// decoders/worstcase_test.go (IP fragments that never complete, ISAKMP
// chains of 10,000 payloads and lengths past the end, a pcapng block
// claiming 4 GiB, NetMon frame tables pointing outside the file, SMB
// compound and AndX chains that loop) written into captures and analysed
// as softsa analyses a file. Each must finish (a watchdog fails only on a
// hang), allocate no more than its bound — the growth of
// runtime.MemStats.TotalAlloc, garbage included, so the bound covers the
// peak heap whatever the GC did — and report what happened in the
// result's warnings or error. The figures are logged (go test -v -run
// WorstCase).

const wcWatchdog = 2 * time.Minute

var (
	wcEpoch = time.Date(2009, 11, 10, 9, 0, 0, 0, time.UTC)
	wcMacs  = []byte{0, 0x15, 0x5d, 1, 1, 1, 0, 0x15, 0x5d, 2, 2, 2}
)

// wcIPv4 is an Ethernet frame with an IPv4 header (no checksum: softsa does
// not check them) from 10.a.b.c to 10.x.y.z and payload.
func wcIPv4(src, dst [4]byte, proto uint8, id, fragField uint16, payload []byte) []byte {
	b := append(append([]byte(nil), wcMacs...), 0x08, 0x00)
	ip := []byte{0x45, 0, 0, 0, byte(id >> 8), byte(id), byte(fragField >> 8), byte(fragField), 64, proto, 0, 0}
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(payload)))
	ip = append(append(ip, src[:]...), dst[:]...)
	return append(append(b, ip...), payload...)
}

func wcUDP(sport, dport uint16, payload []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, sport)
	b = binary.BigEndian.AppendUint16(b, dport)
	b = binary.BigEndian.AppendUint16(b, uint16(8+len(payload)))
	b = append(b, 0, 0)
	return append(b, payload...)
}

func wcTCP(sport, dport uint16, seq, ack uint32, flags uint8, payload []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, sport)
	b = binary.BigEndian.AppendUint16(b, dport)
	b = binary.BigEndian.AppendUint32(b, seq)
	b = binary.BigEndian.AppendUint32(b, ack)
	b = append(b, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0)
	return append(b, payload...)
}

// wcPcap writes frames, 1 ms apart, into a pcap file.
func wcPcap(t *testing.T, frames [][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriterNanos(&buf)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for i, f := range frames {
		ci := gopacket.CaptureInfo{Timestamp: wcEpoch.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(f), Length: len(f)}
		if err := w.WritePacket(ci, f); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// wcAnalyze analyses data under the watchdog and returns the result, the
// bytes allocated meanwhile and the error.
func wcAnalyze(t *testing.T, name string, data []byte) (*result.CaptureResult, uint64, error) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	type out struct {
		r   *result.CaptureResult
		err error
		p   any
	}
	done := make(chan out, 1)
	go func() {
		var o out
		defer func() { o.p = recover(); done <- o }()
		c, err := capture.NewCapture(name, bytes.NewReader(data))
		if err != nil {
			o.err = err
			return
		}
		o.r, o.err = Analyze(context.Background(), c, Options{})
	}()
	var o out
	select {
	case o = <-done:
	case <-time.After(wcWatchdog):
		t.Fatalf("still analysing after %v: a loop?", wcWatchdog)
	}
	if o.p != nil {
		t.Fatalf("panic: %v", o.p)
	}
	runtime.ReadMemStats(&after)
	return o.r, after.TotalAlloc - before.TotalAlloc, o.err
}

// wcWarned reports whether a warning says sub.
func wcWarned(r *result.CaptureResult, sub string) bool {
	for _, w := range r.Warnings {
		if strings.Contains(w, sub) {
			return true
		}
	}
	return false
}

// wcIKE is an ISAKMP message (IKEv1 main mode from initiator SPI ispi):
// the header, then body; length is what the header claims (0: the truth).
func wcIKE(ispi byte, next uint8, body []byte, length uint32) []byte {
	h := make([]byte, 28)
	h[0], h[7] = 0x4d, ispi
	h[16], h[17], h[18] = next, 0x10, 2
	if length == 0 {
		length = uint32(28 + len(body))
	}
	binary.BigEndian.PutUint32(h[24:], length)
	return append(h, body...)
}

// wcSMB2 is an NBSS message holding SMB2 ECHO requests chained by
// NextCommand values next(i) for member i.
func wcSMB2(members int, next func(i int) uint32) []byte {
	var out []byte
	for i := range members {
		h := make([]byte, 64+8)
		copy(h, "\xfeSMB")
		h[4], h[12] = 64, 0x0d
		binary.LittleEndian.PutUint32(h[20:], next(i))
		binary.LittleEndian.PutUint64(h[24:], uint64(i))
		out = append(out, h...)
	}
	n := len(out)
	return append([]byte{0, byte(n >> 16), byte(n >> 8), byte(n)}, out...)
}

// wcSMB1AndX is an NBSS message holding an SMB1 READ_ANDX whose chain has
// blocks blocks, block i's AndXOffset being offset(i).
func wcSMB1AndX(blocks int, offset func(i int) uint16) []byte {
	m := make([]byte, 32)
	copy(m, "\xffSMB")
	m[4] = 0x2e
	for i := range blocks {
		o := offset(i)
		m = append(m, 2, 0x2e, 0, byte(o), byte(o>>8), 0, 0)
	}
	n := len(m)
	return append([]byte{0, byte(n >> 16), byte(n >> 8), byte(n)}, m...)
}

func TestWorstCaseAnalysis(t *testing.T) {
	a, b := [4]byte{10, 1, 1, 1}, [4]byte{10, 2, 2, 2}

	// 100,000 first fragments of UDP datagrams that never complete,
	// between 1,000 pairs.
	var frags [][]byte
	first := wcUDP(500, 500, make([]byte, 56))
	for i := range 100000 {
		src := [4]byte{10, 1, byte(i % 1000 >> 8), byte(i % 1000)}
		frags = append(frags, wcIPv4(src, b, 17, uint16(i), 0x2000, first))
	}

	// 10,000 IKE messages between one pair: one in ten a chain of 10,000
	// payloads, the others with a length pointing past their end.
	var chain []byte
	for range 10000 {
		chain = append(chain, 13, 0, 0, 4)
	}
	var ike [][]byte
	for i := range 10000 {
		var msg []byte
		switch {
		case i%10 == 0:
			msg = wcIKE(byte(i), 13, chain, 0)
		case i%2 == 1:
			msg = wcIKE(byte(i), 13, []byte{0, 0, 0, 8, 1, 2, 3, 4}, 65535)
		default:
			msg = wcIKE(byte(i), 13, []byte{0, 0, 0xff, 0xf0, 1, 2, 3, 4}, 0)
		}
		from, to := a, b
		if i%2 == 1 {
			from, to = b, a
		}
		ike = append(ike, wcIPv4(from, to, 17, uint16(i), 0, wcUDP(500, 500, msg)))
	}

	// 10,000 SMB segments on one connection to port 445: compounds
	// pointing back or of 100 members, AndX chains looping or too long.
	var smb [][]byte
	seq := [2]uint32{1000, 5000}
	smb = append(smb, wcIPv4(a, b, 6, 1, 0, wcTCP(49152, 445, seq[0]-1, 0, 0x02, nil)),
		wcIPv4(b, a, 6, 1, 0, wcTCP(445, 49152, seq[1]-1, seq[0], 0x12, nil)))
	for i := range 10000 {
		var pdu []byte
		switch i % 4 {
		case 0:
			pdu = wcSMB2(2, func(int) uint32 { return 0xffffffc0 })
		case 1:
			pdu = wcSMB2(100, func(k int) uint32 { return uint32(72 * min(1, 99-k)) })
		case 2:
			pdu = wcSMB1AndX(2, func(int) uint16 { return 32 })
		default:
			pdu = wcSMB1AndX(100, func(k int) uint16 { return uint16(32 + 7*(k+1)) })
		}
		side := i % 2
		from, to, sp, dp := a, b, uint16(49152), uint16(445)
		if side == 1 {
			from, to, sp, dp = b, a, 445, 49152
		}
		smb = append(smb, wcIPv4(from, to, 6, uint16(i), 0, wcTCP(sp, dp, seq[side], seq[1-side], 0x18, pdu)))
		seq[side] += uint32(len(pdu))
	}

	// Good frames, then a pcapng block claiming 4 GiB.
	good := wcIPv4(a, b, 17, 1, 0, wcUDP(53, 53, make([]byte, 40)))
	var ng []byte
	ng = append(ng, wcNgBlock(0x0a0d0d0a, []byte{0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})...)
	ng = append(ng, wcNgBlock(1, []byte{1, 0, 0, 0, 0, 0, 4, 0})...)
	for i := range 1000 {
		ng = append(ng, wcNgBlock(6, wcEPB(good, uint64(i)))...)
	}
	huge := binary.LittleEndian.AppendUint32(nil, 6)
	huge = binary.LittleEndian.AppendUint32(huge, 0xfffffffc)
	huge = append(huge, wcEPB(good, 1000)...)
	binary.LittleEndian.PutUint32(huge[8+12:], 0xffffffe0) // captured length
	ng = append(ng, huge...)

	// A NetMon file whose frame table's 1,001st entry points outside it.
	nm := wcNetMon(good, 1000, 0xfffffff0)

	for _, tc := range []struct {
		name     string
		file     string
		data     []byte
		maxAlloc uint64
		check    func(t *testing.T, r *result.CaptureResult, err error)
	}{
		{"100,000 IP fragments that never complete", "frags.pcap", wcPcap(t, frags), 40 << 20,
			func(t *testing.T, r *result.CaptureResult, err error) {
				if err != nil || r.Frames != len(frags) || !wcWarned(r, "IP reassembly: ") || !wcWarned(r, "incomplete datagrams expired") {
					t.Errorf("error %v, %d frames, warnings %q", err, r.Frames, r.Warnings)
				}
			}},
		{"ISAKMP chains of 10,000 payloads and lengths past the end", "ike.pcap", wcPcap(t, ike), 16 << 20,
			func(t *testing.T, r *result.CaptureResult, err error) {
				if err != nil || r.Frames != len(ike) || len(r.Pairs) != 1 || len(r.Pairs[0].Negotiations) == 0 {
					t.Errorf("error %v, %d frames, %d pairs", err, r.Frames, len(r.Pairs))
				}
			}},
		{"SMB compounds and AndX chains that loop", "smb.pcap", wcPcap(t, smb), 16 << 20,
			func(t *testing.T, r *result.CaptureResult, err error) {
				if err != nil || r.Frames != len(smb) || len(r.Pairs) != 1 {
					t.Errorf("error %v, %d frames, %d pairs", err, r.Frames, len(r.Pairs))
				}
			}},
		{"pcapng block claiming 4 GiB", "huge.pcapng", ng, 8 << 20,
			func(t *testing.T, r *result.CaptureResult, err error) {
				var ce *capture.CaptureError
				if !errors.As(err, &ce) || ce.Frame != 1001 || r.Frames != 1000 || r.Error != "" || !wcWarned(r, "frame 1001") {
					t.Errorf("error %v, %d frames, result error %q, warnings %q", err, r.Frames, r.Error, r.Warnings)
				}
			}},
		{"NetMon frame table entry outside the file", "table.cap", nm, 8 << 20,
			func(t *testing.T, r *result.CaptureResult, err error) {
				var ce *capture.CaptureError
				if !errors.As(err, &ce) || ce.Frame != 1001 || ce.Offset != 0xfffffff0 || r.Frames != 1000 || !wcWarned(r, "frame 1001") {
					t.Errorf("error %v, %d frames, warnings %q", err, r.Frames, r.Warnings)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, alloc, err := wcAnalyze(t, tc.file, tc.data)
			if r == nil {
				t.Fatalf("no result: %v", err)
			}
			t.Logf("%d frames, %.1f MiB file: allocated %.1f MiB in all (bound %.0f MiB); warnings %q",
				r.Frames, float64(len(tc.data))/(1<<20), float64(alloc)/(1<<20), float64(tc.maxAlloc)/(1<<20), r.Warnings)
			tc.check(t, r, err)
			if alloc > tc.maxAlloc {
				t.Errorf("allocated %d bytes, more than the %d allowed", alloc, tc.maxAlloc)
			}
		})
	}
}

// wcNgBlock is a little-endian pcapng block.
func wcNgBlock(typ uint32, body []byte) []byte {
	n := uint32(12 + len(body))
	b := binary.LittleEndian.AppendUint32(nil, typ)
	b = binary.LittleEndian.AppendUint32(b, n)
	b = append(b, body...)
	return binary.LittleEndian.AppendUint32(b, n)
}

// wcEPB is the body of an enhanced packet block on interface 0, at ts µs.
func wcEPB(data []byte, ts uint64) []byte {
	ts += uint64(wcEpoch.UnixMicro())
	b := binary.LittleEndian.AppendUint32(nil, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(ts>>32))
	b = binary.LittleEndian.AppendUint32(b, uint32(ts))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	b = append(b, data...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// wcNetMon is a NetMon 2.1 file: frames records of data, then a frame
// table listing them and one more entry, bad.
func wcNetMon(data []byte, frames int, bad uint32) []byte {
	h := make([]byte, 128)
	copy(h, "GMBU")
	h[4], h[5], h[6] = 1, 2, 1
	binary.LittleEndian.PutUint16(h[8:], 2009)
	binary.LittleEndian.PutUint16(h[10:], 11)
	binary.LittleEndian.PutUint16(h[14:], 10)
	var table []uint32
	for i := range frames {
		table = append(table, uint32(len(h)))
		h = binary.LittleEndian.AppendUint64(h, uint64(i)*1000)
		h = binary.LittleEndian.AppendUint32(h, uint32(len(data)))
		h = binary.LittleEndian.AppendUint32(h, uint32(len(data)))
		h = append(h, data...)
		h = binary.LittleEndian.AppendUint16(h, 1) // Ethernet
	}
	table = append(table, bad)
	binary.LittleEndian.PutUint32(h[24:], uint32(len(h)))
	binary.LittleEndian.PutUint32(h[28:], uint32(4*len(table)))
	for _, e := range table {
		h = binary.LittleEndian.AppendUint32(h, e)
	}
	return h
}

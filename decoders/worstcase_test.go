package decoders

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Worst cases: inputs crafted to make a decoder loop, allocate what a length
// field claims, or keep state without end. Each case must finish (a
// watchdog fails the test only on a hang: no timing is asserted), allocate
// no more than its bound, and end with the error or statistics that say
// what happened. The allocation is measured as the growth of
// runtime.MemStats.TotalAlloc over the case: every byte allocated counts,
// garbage included, whatever the GC did meanwhile, so the bound holds for
// the peak heap too. The figures are logged (go test -v -run WorstCase).

// worstWatchdog is how long a case may run before it counts as a hang:
// generous, since the machine may be busy; each case takes well under a
// second.
const worstWatchdog = 2 * time.Minute

// worstCase is one crafted input and what must come of it.
type worstCase struct {
	name     string
	maxAlloc uint64 // bytes the case may allocate in all
	run      func(t *testing.T)
}

// runWorstCases runs each case under the watchdog, measures what it
// allocates and fails it above its bound or on a panic.
func runWorstCases(t *testing.T, cases []worstCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			alloc, live := measureAlloc(t, func() { tc.run(t) })
			t.Logf("allocated %.2f MiB in all (bound %.0f MiB), %.2f MiB still live after",
				float64(alloc)/(1<<20), float64(tc.maxAlloc)/(1<<20), float64(live)/(1<<20))
			if alloc > tc.maxAlloc {
				t.Errorf("allocated %d bytes, more than the %d allowed", alloc, tc.maxAlloc)
			}
		})
	}
}

// measureAlloc runs fn on its own goroutine, fails the test if it panics or
// does not return within worstWatchdog, and returns the bytes it allocated
// and how much more heap is live after it than before.
func measureAlloc(t *testing.T, fn func()) (alloc, live uint64) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		fn()
	}()
	select {
	case p := <-done:
		if p != nil {
			t.Fatalf("panic: %v", p)
		}
	case <-time.After(worstWatchdog):
		t.Fatalf("still running after %v: a loop?", worstWatchdog)
	}
	runtime.ReadMemStats(&after)
	alloc = after.TotalAlloc - before.TotalAlloc
	runtime.GC()
	runtime.ReadMemStats(&after)
	if after.HeapAlloc > before.HeapAlloc {
		live = after.HeapAlloc - before.HeapAlloc
	}
	return alloc, live
}

// wantErr fails unless err wraps target and, when sub is not empty, says sub.
func wantErr(t *testing.T, err, target error, sub string) {
	t.Helper()
	if err == nil || (target != nil && !errors.Is(err, target)) || !strings.Contains(err.Error(), sub) {
		t.Errorf("error %v, want one wrapping %v and saying %q", err, target, sub)
	}
}

func TestWorstCaseFragments(t *testing.T) {
	const n = 100000
	l4 := udpBytes(t, make([]byte, 3000))
	frags := fragments(t, 0, l4, 1480) // first, middle, last
	// decodeAll feeds n frames made by frame(i) at time at(i).
	decodeAll := func(t *testing.T, frame func(i int) []byte, at func(i int) time.Time) DefragStats {
		d := NewDecoder()
		var m Message
		for i := range n {
			d.Decode(&Frame{Number: i + 1, Time: at(i), Link: layers.LinkTypeEthernet, Data: frame(i)}, &m)
			if m.Reassembled {
				t.Errorf("frame %d: a datagram completed", i+1)
				break
			}
		}
		return d.DefragStats()
	}
	// withID returns fragment k of the template with IP ID id.
	withID := func(k, id int) []byte {
		b := frags[k]
		binary.BigEndian.PutUint16(b[14+4:], uint16(id))
		return b
	}
	ms := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Millisecond) }
	same := func(int) time.Time { return t0 }
	// The reassembler holds DefragMaxDatagrams slots of up to 64 KiB.
	const bound = DefragMaxDatagrams*(64<<10) + 4<<20
	runWorstCases(t, []worstCase{
		{"100k first fragments, 1 ms apart", bound, func(t *testing.T) {
			st := decodeAll(t, func(i int) []byte { return withID(0, i) }, ms)
			if st.Fragments != n || st.Reassembled != 0 || st.Expired < n-DefragMaxDatagrams {
				t.Errorf("stats %+v", st)
			}
		}},
		{"100k first and last fragments of different datagrams, same instant", bound, func(t *testing.T) {
			// Each datagram gets its first or its last fragment, never
			// both: the slots fill and the oldest are pushed out.
			st := decodeAll(t, func(i int) []byte { return withID(2*(i%2), i) }, same)
			if st.Fragments != n || st.Reassembled != 0 || st.Expired < n-DefragMaxDatagrams {
				t.Errorf("stats %+v", st)
			}
		}},
		{"100k disjoint pieces of one datagram", bound, func(t *testing.T) {
			// 8-byte pieces with a gap after each: the piece list of the
			// one datagram overflows, is dropped, starts again.
			piece := buildFrame(t, eth(layers.EthernetTypeIPv4), &layers.IPv4{Version: 4, TTL: 64, Id: 77,
				Flags: layers.IPv4MoreFragments, Protocol: layers.IPProtocolUDP, SrcIP: ip4A, DstIP: ip4B}, gopacket.Payload(make([]byte, 8)))
			st := decodeAll(t, func(i int) []byte {
				binary.BigEndian.PutUint16(piece[14+6:], 0x2000|uint16(2*(i%4000)))
				return piece
			}, same)
			if st.Fragments != n || st.Reassembled != 0 || st.Dropped == 0 {
				t.Errorf("stats %+v", st)
			}
		}},
		{"100k IPv6 fragments that never complete", bound, func(t *testing.T) {
			frame := ipv6Fragment(t)
			st := decodeAll(t, func(i int) []byte {
				binary.BigEndian.PutUint32(frame[14+40+4:], uint32(i)) // identification
				return frame
			}, ms)
			if st.Fragments != n || st.Reassembled != 0 || st.Expired < n-DefragMaxDatagrams {
				t.Errorf("stats %+v", st)
			}
		}},
	})
}

// ipv6Fragment is an Ethernet frame with an IPv6 header, a fragment header
// (offset 0, more fragments) and 64 bytes of UDP.
func ipv6Fragment(t *testing.T) []byte {
	t.Helper()
	b := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x86, 0xdd}
	ip := make([]byte, 40)
	ip[0] = 0x60
	binary.BigEndian.PutUint16(ip[4:], 8+64)
	ip[6], ip[7] = 44, 64
	ip[23], ip[39] = 1, 2 // ::1 → ::2, in fe80::/10 to keep them unicast
	ip[8], ip[9], ip[24], ip[25] = 0xfe, 0x80, 0xfe, 0x80
	frag := []byte{17, 0, 0, 1, 0, 0, 0, 0} // next UDP, offset 0, M flag
	return append(append(append(b, ip...), frag...), make([]byte, 64)...)
}

// ikeMessage returns an ISAKMP message: the header, then body, with the
// header's next payload and length set.
func ikeMessage(next uint8, body []byte, length uint32) []byte {
	h := ikeHeader()
	h[16] = next
	binary.BigEndian.PutUint32(h[24:], length)
	return append(h, body...)
}

func TestWorstCaseISAKMP(t *testing.T) {
	// 10,000 chained vendor ID payloads of 4 bytes each.
	var chain []byte
	for range 10000 {
		chain = append(chain, IKEPayloadVendorID, 0, 0, 4)
	}
	chain10k := ikeMessage(IKEPayloadVendorID, chain, uint32(28+len(chain)))

	// An SA payload holding 8,000 proposals (8 bytes each, all but the last
	// saying another follows), each claiming 255 transforms it lacks.
	sa := []byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1} // generic header, DOI 1, situation 1
	for i := range 8000 {
		next := byte(IKEPayloadProposal)
		if i == 7999 {
			next = 0
		}
		sa = append(sa, next, 0, 0, 8, byte(i), 1, 0, 255)
	}
	binary.BigEndian.PutUint16(sa[2:], uint16(len(sa)))
	nested := ikeMessage(IKEPayloadSA, sa, uint32(28+len(sa)))

	// Lengths pointing past the end: the header claims 65535 bytes, the
	// first payload 0xfff0, the next one (in a second message) 0xffff.
	pastHeader := ikeMessage(IKEPayloadVendorID, []byte{0, 0, 0, 8, 1, 2, 3, 4}, 65535)
	pastPayload := ikeMessage(IKEPayloadVendorID, []byte{0, 0, 0xff, 0xf0, 1, 2, 3, 4}, 36)
	pastSecond := ikeMessage(IKEPayloadVendorID, []byte{IKEPayloadNonce, 0, 0, 8, 1, 2, 3, 4, 0, 0, 0xff, 0xff}, 40)

	// walk runs the parser over msg and returns its last error and the
	// number of payloads it returned.
	walk := func(msg []byte) (int, error) {
		var p IKEParser
		if _, err := p.Start(msg); err != nil && !p.Truncated() {
			return 0, err
		}
		for {
			pl, err := p.Next()
			if err != nil {
				if err == ErrDone {
					err = nil
				}
				return p.Count(), err
			}
			if pl.Type == IKEPayloadSA {
				it, _ := pl.SA()
				for {
					pr, err := it.Next()
					if err != nil {
						if err != ErrDone {
							return p.Count(), err
						}
						break
					}
					tr := pr.TransformIter()
					for {
						if _, err := tr.Next(); err != nil {
							break
						}
					}
				}
			}
		}
	}
	// Each message is also decoded as a UDP 500 frame and summarised, as the
	// analyzer does, many times over: nothing may be kept between messages.
	summarise := func(t *testing.T, msg []byte, times int, target error) {
		frame := buildFrame(t, eth(layers.EthernetTypeIPv4), ipv4(layers.IPProtocolUDP),
			&layers.UDP{SrcPort: 500, DstPort: 500}, gopacket.Payload(msg))
		d := NewDecoder()
		var (
			m Message
			s IKESummary
		)
		for i := range times {
			d.Decode(&Frame{Number: i + 1, Time: t0, Link: layers.LinkTypeEthernet, Data: frame}, &m)
			if m.App != AppISAKMP {
				t.Fatalf("not decoded as ISAKMP: %v", m.App)
			}
			err := s.Parse(m.AppData)
			if err == nil {
				err = s.PayloadErr
			}
			if !errors.Is(err, target) {
				t.Fatalf("summary error %v, want %v", err, target)
			}
		}
	}
	// Each summary of a malformed message builds its error text: some
	// hundred bytes of garbage per message, 10,000 times, and nothing kept.
	const bound = 4 << 20
	runWorstCases(t, []worstCase{
		{"10,000 chained payloads", bound, func(t *testing.T) {
			n, err := walk(chain10k)
			wantErr(t, err, ErrTooMany, "isakmp payload 65")
			if n != IKEMaxPayloads {
				t.Errorf("%d payloads returned, want %d", n, IKEMaxPayloads)
			}
			summarise(t, chain10k, 10000, ErrTooMany)
		}},
		{"8,000 proposals nested in one SA", bound, func(t *testing.T) {
			_, err := walk(nested)
			wantErr(t, err, ErrTooMany, "isakmp proposal 65")
			// The summary reads the first proposal only, whose 255
			// transforms are missing.
			summarise(t, nested, 10000, ErrTruncated)
		}},
		{"header length past the end", bound, func(t *testing.T) {
			n, err := walk(pastHeader)
			if err != nil || n != 1 {
				t.Errorf("%d payloads, error %v: want the one payload present", n, err)
			}
			summarise(t, pastHeader, 10000, ErrTruncated)
		}},
		{"payload length past the end", bound, func(t *testing.T) {
			_, err := walk(pastPayload)
			wantErr(t, err, ErrBadLength, "length 65520")
			summarise(t, pastPayload, 10000, ErrBadLength)
		}},
		{"second payload's length past the end", bound, func(t *testing.T) {
			n, err := walk(pastSecond)
			wantErr(t, err, ErrBadLength, "payload 2")
			if n != 1 {
				t.Errorf("%d payloads before the error, want 1", n)
			}
			summarise(t, pastSecond, 10000, ErrBadLength)
		}},
	})
}

// pcapngBlock is a little-endian pcapng block of type typ with body, its
// length fields claiming length (0: the true length).
func pcapngBlock(typ uint32, body []byte, length uint32) []byte {
	if length == 0 {
		length = uint32(12 + len(body))
	}
	b := binary.LittleEndian.AppendUint32(nil, typ)
	b = binary.LittleEndian.AppendUint32(b, length)
	b = append(b, body...)
	return binary.LittleEndian.AppendUint32(b, length)
}

// pcapngFile is a section header, an Ethernet interface and then blocks.
func pcapngFile(blocks ...[]byte) []byte {
	shb := []byte{0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	idb := []byte{1, 0, 0, 0, 0, 0, 4, 0}
	out := append(pcapngBlock(0x0a0d0d0a, shb, 0), pcapngBlock(1, idb, 0)...)
	for _, b := range blocks {
		out = append(out, b...)
	}
	return out
}

// epb is an enhanced packet block carrying data; capLen and length, when
// not zero, are what its header claims instead of the truth.
func epb(data []byte, capLen, length uint32) []byte {
	if capLen == 0 {
		capLen = uint32(len(data))
	}
	body := binary.LittleEndian.AppendUint32(nil, 0) // interface
	body = binary.LittleEndian.AppendUint64(body, 0) // timestamp
	body = binary.LittleEndian.AppendUint32(body, capLen)
	body = binary.LittleEndian.AppendUint32(body, uint32(len(data)))
	body = append(body, data...)
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	if length != 0 {
		// A header and a bit of data, then the file ends: what a cut or
		// hostile file claiming a huge block looks like.
		b := binary.LittleEndian.AppendUint32(nil, 6)
		b = binary.LittleEndian.AppendUint32(b, length)
		return append(b, body...)
	}
	return pcapngBlock(6, body, 0)
}

// readCapture reads every frame of data and returns how many there were and
// the error that ended the reading.
func readCapture(name string, data []byte) (int, error) {
	c, err := NewCapture(name, bytes.NewReader(data))
	if err != nil {
		return 0, err
	}
	var f Frame
	for {
		if err := c.Next(&f); err != nil {
			if err == io.EOF {
				return c.Frames(), nil
			}
			return c.Frames(), err
		}
	}
}

func TestWorstCaseCaptureLengths(t *testing.T) {
	frame := make([]byte, 60)
	good := epb(frame, 0, 0)
	// Bounds: the 1 MiB read buffer at most (smaller files get a smaller
	// one), pcapgo's buffers, and what was actually read — never what a
	// length field claims.
	const bound = 8 << 20
	// wantCut checks a capture that delivers frames good frames, then fails
	// at the next one saying why.
	wantCut := func(t *testing.T, data []byte, frames int, why string) {
		t.Helper()
		n, err := readCapture("x", data)
		var ce *CaptureError
		if !errors.As(err, &ce) || n != frames || ce.Frame != frames+1 || !strings.Contains(err.Error(), why) {
			t.Errorf("%d frames, error %v: want %d frames, then an error at frame %d saying %q", n, err, frames, frames+1, why)
		}
	}
	pcapRecord := func(incl, orig uint32, data []byte) []byte {
		b := binary.LittleEndian.AppendUint32(nil, 1)
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint32(b, incl)
		b = binary.LittleEndian.AppendUint32(b, orig)
		return append(b, data...)
	}
	pcapHeader := []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0}
	runWorstCases(t, []worstCase{
		{"pcapng block claiming 4 GiB", bound, func(t *testing.T) {
			wantCut(t, pcapngFile(good, good, epb(frame, 0xffffffe0, 0xfffffffc)), 2, "unexpected EOF")
		}},
		{"pcapng block claiming 4 GiB, gzip-compressed", bound, func(t *testing.T) {
			wantCut(t, gzipBytes(t, pcapngFile(good, epb(frame, 0xffffffe0, 0xfffffffc))), 1, "unexpected EOF")
		}},
		{"pcapng block of 4 GiB claiming a small packet", bound, func(t *testing.T) {
			wantCut(t, pcapngFile(good, epb(frame, 0, 0xfffffffc)), 1, "unexpected EOF")
		}},
		{"pcapng interface block claiming 4 GiB", bound, func(t *testing.T) {
			idb := binary.LittleEndian.AppendUint32(nil, 1)
			idb = binary.LittleEndian.AppendUint32(idb, 0xfffffffc)
			idb = append(idb, 1, 0, 0, 0, 0, 0, 4, 0)
			wantCut(t, pcapngFile(good, idb), 1, "")
		}},
		{"pcap record claiming 4 GiB", bound, func(t *testing.T) {
			data := append(append(append([]byte(nil), pcapHeader...), pcapRecord(60, 60, frame)...), pcapRecord(0xffffffff, 0xffffffff, frame)...)
			wantCut(t, data, 1, "exceeds snap length")
		}},
		{"pcap record claiming 256 KiB, cut", bound, func(t *testing.T) {
			data := append(append(append([]byte(nil), pcapHeader...), pcapRecord(60, 60, frame)...), pcapRecord(262144, 262144, frame)...)
			wantCut(t, data, 1, "unexpected EOF")
		}},
	})
}

func TestWorstCaseNetMon(t *testing.T) {
	// record is a NetMon 2.1 record holding data: the 16-byte header, the
	// data, and the 2-byte media type trailer.
	record := func(data []byte) []byte {
		b := binary.LittleEndian.AppendUint64(nil, 1000) // µs since the start
		b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
		b = append(b, data...)
		return binary.LittleEndian.AppendUint16(b, 1)
	}
	// file lays out the header, one record at offset 128 and a frame table
	// of entries; off(i) is entry i, with recordAt standing for the record.
	const recordAt = netmonHeaderSize
	file := func(entries []uint32, tableOff, tableLen uint32) []byte {
		rec := record(make([]byte, 60))
		data := append([]byte(nil), netmonHeader(1, 1, 0, 0)...)
		data = append(data, rec...)
		if tableOff == 0 {
			tableOff = uint32(len(data))
		}
		if tableLen == 0 {
			tableLen = uint32(4 * len(entries))
		}
		for _, e := range entries {
			data = binary.LittleEndian.AppendUint32(data, e)
		}
		binary.LittleEndian.PutUint32(data[24:], tableOff)
		binary.LittleEndian.PutUint32(data[28:], tableLen)
		return data
	}
	const bound = 8 << 20
	// The files are built before the cases run, so that only the reading
	// is measured.
	var (
		tableOutside = file([]uint32{recordAt}, 0xfffffff0, 0)
		tableHuge    = file([]uint32{recordAt}, 0, 0xfffffffc)
		outside      = file([]uint32{recordAt, recordAt, 0xfffffff0, recordAt}, 0, 0)
		atHeader     = file([]uint32{recordAt, 0}, 0, 0)
		million      = make([]uint32, 1_000_000)
	)
	for i := range million {
		million[i] = recordAt
	}
	sameRecord := file(million, 0, 0)
	runWorstCases(t, []worstCase{
		{"frame table outside the file", bound, func(t *testing.T) {
			_, err := readCapture("x.cap", tableOutside)
			wantErr(t, err, nil, "outside the file")
		}},
		{"frame table claiming 4 GiB of entries", bound, func(t *testing.T) {
			_, err := readCapture("x.cap", tableHuge)
			wantErr(t, err, nil, "outside the file")
		}},
		{"entries pointing outside the file", bound, func(t *testing.T) {
			n, err := readCapture("x.cap", outside)
			var ce *CaptureError
			if !errors.As(err, &ce) || n != 2 || ce.Frame != 3 || ce.Offset != 0xfffffff0 {
				t.Errorf("%d frames, error %v: want 2 frames, then an error at frame 3, offset 4294967280", n, err)
			}
		}},
		{"entries pointing at the header", bound, func(t *testing.T) {
			// Offset 0 reads the file header as a record, whose length
			// field claims 64 KiB the file does not have.
			n, err := readCapture("x.cap", atHeader)
			var ce *CaptureError
			if !errors.As(err, &ce) || n != 1 || ce.Frame != 2 || ce.Offset != 0 || !strings.Contains(err.Error(), "record data") {
				t.Errorf("%d frames, error %v: want 1 frame, then an error about frame 2's record data at offset 0", n, err)
			}
		}},
		{"a million entries all pointing at one record", bound, func(t *testing.T) {
			n, err := readCapture("x.cap", sameRecord)
			if n != len(million) || err != nil {
				t.Errorf("%d frames, error %v: want every entry read", n, err)
			}
		}},
	})
}

// smb1Message is an SMB1 message with command cmd and the given blocks
// after the 32-byte header, in an NBSS header.
func smb1Message(cmd uint8, blocks []byte) []byte {
	h := make([]byte, SMB1HeaderLen)
	copy(h, "\xffSMB")
	h[4] = cmd
	return smbTestNBSS(append(h, blocks...))
}

// andXBlock is an SMB1 AndX command block: word count 2 (AndX command,
// reserved, AndX offset) and an empty byte count.
func andXBlock(next uint8, offset uint16) []byte {
	return []byte{2, next, 0, byte(offset), byte(offset >> 8), 0, 0}
}

func TestWorstCaseSMBChains(t *testing.T) {
	// walkSegment runs the parser over seg, walking every SMB1 AndX chain,
	// and returns the messages and the errors it met.
	walkSegment := func(seg []byte) (msgs int, errs []error) {
		var p SMBParser
		if err := p.Start(seg); err != nil {
			return 0, []error{err}
		}
		for {
			m, err := p.Next()
			if errors.Is(err, ErrDone) {
				return msgs, errs
			}
			if err != nil {
				errs = append(errs, err)
				if p.err != nil { // final
					return msgs, errs
				}
				continue
			}
			msgs++
			w := m.AndX()
			for range 1000 {
				if _, err := w.Next(); err != nil {
					if !errors.Is(err, ErrDone) && !errors.Is(err, ErrNotFound) {
						errs = append(errs, err)
					}
					break
				}
			}
		}
	}
	has := func(errs []error, sub string) bool {
		for _, e := range errs {
			if strings.Contains(e.Error(), sub) {
				return true
			}
		}
		return false
	}
	const readAndX = 0x2e
	var (
		// A compound whose first member's NextCommand is -64 as a
		// signed number: "the previous member" if it were trusted.
		back = smbTestNBSS(smbTestSMB2(smbTestH2{cmd: SMB2Read, next: 0xffffffc0}, make([]byte, 64)))
		// 2,000 compound members, each pointing at the next.
		members [][]byte
		// An AndX chain whose second block points back at the first.
		andXLoop = smb1Message(readAndX, append(andXBlock(readAndX, SMB1HeaderLen+7), andXBlock(readAndX, SMB1HeaderLen)...))
		// 1,000 AndX blocks, each pointing forward at the next.
		andXLong []byte
		// 100,000 NBSS keep-alives, then an SMB2 message.
		keepAlives = append(bytes.Repeat([]byte{NBSSKeepAlive, 0, 0, 0}, 100000), smbTestNBSS(smbTestSMB2(smbTestH2{cmd: SMB2Echo}, make([]byte, 4)))...)
		// 20,000 NBSS messages of one SMB2 header each.
		manyPDUs = bytes.Repeat(smbTestNBSS(smbTestSMB2(smbTestH2{cmd: SMB2Echo}, make([]byte, 4))), 20000)
	)
	for range 2000 {
		members = append(members, smbTestSMB2(smbTestH2{cmd: SMB2Echo}, make([]byte, 8)))
	}
	compound := smbTestNBSS(smbTestCompound(members...))
	for i := range 1000 {
		andXLong = append(andXLong, andXBlock(readAndX, uint16(SMB1HeaderLen+7*(i+1)))...)
	}
	andXLong = smb1Message(readAndX, andXLong)
	runWorstCases(t, []worstCase{
		{"SMB2 compound pointing back", 1 << 20, func(t *testing.T) {
			n, errs := walkSegment(back)
			if n != 1 || !has(errs, "NextCommand points past") {
				t.Errorf("%d messages, errors %v", n, errs)
			}
		}},
		{"SMB2 compound of 2,000 members", 1 << 20, func(t *testing.T) {
			n, errs := walkSegment(compound)
			if n != SMBMaxMessages || !has(errs, fmt.Sprintf("more than %d messages", SMBMaxMessages)) {
				t.Errorf("%d messages, errors %v", n, errs)
			}
		}},
		{"SMB1 AndX chain looping back", 1 << 20, func(t *testing.T) {
			n, errs := walkSegment(andXLoop)
			if n != 1 || !has(errs, "does not move forward") {
				t.Errorf("%d messages, errors %v", n, errs)
			}
		}},
		{"SMB1 AndX chain of 1,000 blocks", 1 << 20, func(t *testing.T) {
			n, errs := walkSegment(andXLong)
			if n != 1 || !has(errs, "chained commands") {
				t.Errorf("%d messages, errors %v", n, errs)
			}
		}},
		{"100,000 NBSS keep-alives", 1 << 20, func(t *testing.T) {
			if n, errs := walkSegment(keepAlives); n != 1 || len(errs) != 0 {
				t.Errorf("%d messages, errors %v: want the one message after them", n, errs)
			}
		}},
		{"20,000 NBSS messages in one segment", 1 << 20, func(t *testing.T) {
			n, errs := walkSegment(manyPDUs)
			if n != SMBMaxMessages || !has(errs, "messages in one segment") {
				t.Errorf("%d messages, errors %v", n, errs)
			}
		}},
	})
}

package decoders

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"softsa/decoders/capture"
	"softsa/decoders/internal/worstcase"
)

// Worst cases of the frame decoder and the payload walkers: see package
// worstcase for the rules.

func TestWorstCaseFragments(t *testing.T) {
	const n = 100000
	l4 := udpBytes(t, make([]byte, 3000))
	frags := fragments(t, 0, l4, 1480) // first, middle, last
	// decodeAll feeds n frames made by frame(i) at time at(i).
	decodeAll := func(t *testing.T, frame func(i int) []byte, at func(i int) time.Time) DefragStats {
		d := NewDecoder()
		var m Message
		for i := range n {
			d.Decode(&capture.Frame{Number: i + 1, Time: at(i), Link: layers.LinkTypeEthernet, Data: frame(i)}, &m)
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
	worstcase.Run(t, []worstcase.Case{
		{Name: "100k first fragments, 1 ms apart", MaxAlloc: bound, Run: func(t *testing.T) {
			st := decodeAll(t, func(i int) []byte { return withID(0, i) }, ms)
			if st.Fragments != n || st.Reassembled != 0 || st.Expired < n-DefragMaxDatagrams {
				t.Errorf("stats %+v", st)
			}
		}},
		{Name: "100k first and last fragments of different datagrams, same instant", MaxAlloc: bound, Run: func(t *testing.T) {
			// Each datagram gets its first or its last fragment, never
			// both: the slots fill and the oldest are pushed out.
			st := decodeAll(t, func(i int) []byte { return withID(2*(i%2), i) }, same)
			if st.Fragments != n || st.Reassembled != 0 || st.Expired < n-DefragMaxDatagrams {
				t.Errorf("stats %+v", st)
			}
		}},
		{Name: "100k disjoint pieces of one datagram", MaxAlloc: bound, Run: func(t *testing.T) {
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
		{Name: "100k IPv6 fragments that never complete", MaxAlloc: bound, Run: func(t *testing.T) {
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
	worstcase.Run(t, []worstcase.Case{
		{Name: "SMB2 compound pointing back", MaxAlloc: 1 << 20, Run: func(t *testing.T) {
			n, errs := walkSegment(back)
			if n != 1 || !has(errs, "NextCommand points past") {
				t.Errorf("%d messages, errors %v", n, errs)
			}
		}},
		{Name: "SMB2 compound of 2,000 members", MaxAlloc: 1 << 20, Run: func(t *testing.T) {
			n, errs := walkSegment(compound)
			if n != SMBMaxMessages || !has(errs, fmt.Sprintf("more than %d messages", SMBMaxMessages)) {
				t.Errorf("%d messages, errors %v", n, errs)
			}
		}},
		{Name: "SMB1 AndX chain looping back", MaxAlloc: 1 << 20, Run: func(t *testing.T) {
			n, errs := walkSegment(andXLoop)
			if n != 1 || !has(errs, "does not move forward") {
				t.Errorf("%d messages, errors %v", n, errs)
			}
		}},
		{Name: "SMB1 AndX chain of 1,000 blocks", MaxAlloc: 1 << 20, Run: func(t *testing.T) {
			n, errs := walkSegment(andXLong)
			if n != 1 || !has(errs, "chained commands") {
				t.Errorf("%d messages, errors %v", n, errs)
			}
		}},
		{Name: "100,000 NBSS keep-alives", MaxAlloc: 1 << 20, Run: func(t *testing.T) {
			if n, errs := walkSegment(keepAlives); n != 1 || len(errs) != 0 {
				t.Errorf("%d messages, errors %v: want the one message after them", n, errs)
			}
		}},
		{Name: "20,000 NBSS messages in one segment", MaxAlloc: 1 << 20, Run: func(t *testing.T) {
			n, errs := walkSegment(manyPDUs)
			if n != SMBMaxMessages || !has(errs, "messages in one segment") {
				t.Errorf("%d messages, errors %v", n, errs)
			}
		}},
	})
}

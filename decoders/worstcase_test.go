package decoders

import (
	"encoding/binary"
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
	// The reassembler holds defragMaxDatagrams slots of up to 64 KiB.
	const bound = defragMaxDatagrams*(64<<10) + 4<<20
	worstcase.Run(t, []worstcase.Case{
		{Name: "100k first fragments, 1 ms apart", MaxAlloc: bound, Run: func(t *testing.T) {
			st := decodeAll(t, func(i int) []byte { return withID(0, i) }, ms)
			if st.Fragments != n || st.Reassembled != 0 || st.Expired < n-defragMaxDatagrams {
				t.Errorf("stats %+v", st)
			}
		}},
		{Name: "100k first and last fragments of different datagrams, same instant", MaxAlloc: bound, Run: func(t *testing.T) {
			// Each datagram gets its first or its last fragment, never
			// both: the slots fill and the oldest are pushed out.
			st := decodeAll(t, func(i int) []byte { return withID(2*(i%2), i) }, same)
			if st.Fragments != n || st.Reassembled != 0 || st.Expired < n-defragMaxDatagrams {
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
			if st.Fragments != n || st.Reassembled != 0 || st.Expired < n-defragMaxDatagrams {
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

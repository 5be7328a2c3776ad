// Package merge puts two captures of the same conversation, taken on its two
// hosts with clocks that disagree, on one timeline. It estimates the clock
// offset from the packets both captures hold (matched by IP addresses, IP ID,
// TCP sequence and acknowledgement numbers and length), merges the frames in
// corrected time order with each packet once, and remembers which capture saw
// each frame — so that for every outage it can tell whether the unanswered
// packets reached the other host (which then dropped them, as an IPsec policy
// does) or were lost on the way.
package merge

import (
	"errors"
	"fmt"
	"hash/maphash"
	"net/netip"
	"slices"
	"time"

	"softsa/decoders"
	"softsa/decoders/capture"
)

// MaxFingerprints bounds the packets of the first capture remembered for
// matching; past it, later packets are matched and de-duplicated no more
// (a warning says so). 4 Mi entries cost about 100 MiB.
const MaxFingerprints = 4 << 20

// maxSamples bounds the offset samples kept per direction.
const maxSamples = 1 << 16

// Estimate is the clock offset of capture B against capture A.
type Estimate struct {
	// Offset is added to A's clock to get B's: B's times minus Offset are
	// on A's timeline.
	Offset time.Duration
	// Latency is the one-way network delay between the capture points,
	// from the two directions' difference (zero when only one direction
	// was matched, and the offset then includes it).
	Latency time.Duration
	// Matched counts the packets found in both captures.
	Matched int
	// Directions is how many directions of traffic were matched (1 or 2).
	Directions int
	// Truncated is set when A had more packets than MaxFingerprints.
	Truncated bool
	// HostA and HostB are the hosts the captures were taken on, told by
	// timing: a packet reaches the sender's capture before the receiver's,
	// so the direction whose B-A difference is larger was sent from A's
	// host. Invalid when only one direction was matched.
	HostA, HostB netip.Addr
}

// key identifies a packet in both captures: what the network does not
// change (addresses, IP ID, transport header fields, length).
type key uint64

var seed = maphash.MakeSeed()

func fingerprint(m *decoders.Message) (key, bool) {
	// An ETL file's WFP-layer copies are not what went on the wire
	// (decrypted, IP header rebuilt): only wire packets match.
	if m.IPVersion == 0 || m.Fragment || m.Layer != capture.LayerWire {
		return 0, false
	}
	var h maphash.Hash
	h.SetSeed(seed)
	src, dst := m.Src.As16(), m.Dst.As16()
	h.Write(src[:])
	h.Write(dst[:])
	var b [26]byte
	b[0], b[1] = byte(m.Proto), byte(m.TCPFlags)
	putU32(b[2:], m.IPID)
	putU32(b[6:], m.Seq)
	putU32(b[10:], m.Ack)
	putU32(b[14:], uint32(len(m.Payload)))
	b[18], b[19] = byte(m.SrcPort>>8), byte(m.SrcPort)
	b[20], b[21] = byte(m.DstPort>>8), byte(m.DstPort)
	putU32(b[22:], m.ESP.Seq^m.ESP.SPI)
	h.Write(b[:])
	return key(h.Sum64()), true
}

func putU32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
}

// sighting is where and when capture A saw a packet.
type sighting struct {
	t     int64 // ns
	frame int32
}

// index is capture A's packets by fingerprint.
type index struct {
	seen      map[key]sighting
	both      map[key]bool // also seen in B
	truncated bool
}

// ErrNoCommonPackets means the two captures share no packet, so they cannot
// be put on one timeline.
var ErrNoCommonPackets = errors.New("the two captures have no packet in common")

func buildIndex(path string) (*index, error) {
	ix := &index{seen: map[key]sighting{}, both: map[key]bool{}}
	err := decoders.Walk(path, func(f *capture.Frame, m *decoders.Message) error {
		k, ok := fingerprint(m)
		switch {
		case !ok:
		case len(ix.seen) >= MaxFingerprints:
			ix.truncated = true
		default:
			if _, dup := ix.seen[k]; !dup { // a retransmission keeps the first sighting
				ix.seen[k] = sighting{f.Time.UnixNano(), int32(f.Number)}
			}
		}
		return nil
	})
	return ix, err
}

// EstimateOffset reads both captures and estimates B's clock offset. For a
// packet from A's side, B's time minus A's is the offset plus the network
// delay; for one from B's side, the offset minus it: the mean of the two
// directions' medians is the offset, half their difference the delay.
func EstimateOffset(pathA, pathB string) (Estimate, *index, error) {
	ix, err := buildIndex(pathA)
	if err != nil {
		return Estimate{}, nil, fmt.Errorf("%s: %w", pathA, err)
	}
	bySrc := map[netip.Addr][]int64{}
	est := Estimate{Truncated: ix.truncated}
	err = decoders.Walk(pathB, func(f *capture.Frame, m *decoders.Message) error {
		if k, ok := fingerprint(m); ok {
			if s, hit := ix.seen[k]; hit {
				est.Matched++
				ix.both[k] = true
				if v := bySrc[m.Src]; len(v) < maxSamples {
					bySrc[m.Src] = append(v, f.Time.UnixNano()-s.t)
				}
			}
		}
		return nil
	})
	if err != nil {
		return est, nil, fmt.Errorf("%s: %w", pathB, err)
	}
	if est.Matched == 0 {
		return est, nil, ErrNoCommonPackets
	}
	// The two busiest senders are the two directions of the conversation.
	var meds []int64
	var counts []int
	var srcs []netip.Addr
	for src, v := range bySrc {
		slices.Sort(v)
		meds = append(meds, v[len(v)/2])
		counts = append(counts, len(v))
		srcs = append(srcs, src)
	}
	order := make([]int, len(meds))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if counts[a] != counts[b] {
			return counts[b] - counts[a]
		}
		return srcs[a].Compare(srcs[b])
	})
	if len(order) >= 2 {
		i1, i2 := order[0], order[1]
		m1, m2 := meds[i1], meds[i2]
		est.Offset = time.Duration((m1 + m2) / 2)
		est.Latency = time.Duration(abs(m1-m2) / 2)
		est.Directions = 2
		if m1 > m2 {
			est.HostA, est.HostB = srcs[i1], srcs[i2]
		} else if m2 > m1 {
			est.HostA, est.HostB = srcs[i2], srcs[i1]
		}
	} else {
		est.Offset = time.Duration(meds[order[0]])
		est.Directions = 1
	}
	return est, ix, nil
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

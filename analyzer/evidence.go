package analyzer

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"softsa/analyzer/result"
	"softsa/decoders/ike"
)

// Evidence lists and Wireshark filters: what every finding cites.

// evidence collects at most max entries of one pair and counts the rest.
type evidence struct {
	addr    [2]netip.Addr
	max     int
	items   []result.Evidence
	omitted int
}

func newEvidence(p *pair, max int) *evidence { return &evidence{addr: p.addr, max: max} }

// add lists frame r, sent by from (noSide: not known) and carrying proto
// (one of the result.Proto* constants, "" when not known).
func (e *evidence) add(r ref, from side, proto, what string) {
	if !r.valid() {
		return
	}
	if len(e.items) >= e.max {
		e.omitted++
		return
	}
	if r.proto != protoNone {
		from, proto = r.sender(), protoNames[r.proto]
	}
	ev := result.Evidence{Frame: r.frame, Time: result.At(r.t.Time()), Proto: proto, What: what}
	if from.known() {
		ev.Src = e.addr[from].String()
	}
	e.items = append(e.items, ev)
}

var protoNames = [...]string{protoISAKMP: result.ProtoISAKMP, protoESP: result.ProtoESP, protoTCP: result.ProtoTCP, protoUDP: result.ProtoUDP, protoOther: result.ProtoOther, protoICMP: result.ProtoICMP}

// Without a sender and protocol in the ref (a ref not taken in add), the
// helpers below tell them where the state says so for certain.

// negSender returns the side that sent msg, one of n's messages, or noSide
// when that is not known: any message when only one side ever sent, and the
// first message in IKEv1 and AuthIP, whose sender is the initiator by
// definition (in IKEv2 the I flag says who the initiator is, and the first
// message captured may be the responder's).
func negSender(n *negotiation, msg ref) side {
	switch {
	case n.dirMsgs[1] == 0:
		return n.init
	case n.dirMsgs[0] == 0:
		return n.init.other()
	case msg.frame == n.first.frame && n.family != ike.FamilyV2:
		return n.init
	}
	return noSide
}

// runFrameProto is the protocol of a run's evidence frame: SYN retries and
// retransmissions are TCP and IKE messages ISAKMP; the first unanswered
// packet can be any clear packet, whose transport is not recorded.
func runFrameProto(e evRef) string {
	switch e.what {
	case evSYNRetry, evRetrans:
		return result.ProtoTCP
	case evEchoFirst, evEcho:
		return result.ProtoICMP
	case evUDPFirst, evUDP:
		return result.ProtoUDP
	case evIKE:
		return result.ProtoISAKMP
	}
	return ""
}

// list returns the entries in frame order.
func (e *evidence) list() ([]result.Evidence, int) {
	sort.SliceStable(e.items, func(i, j int) bool { return e.items[i].Frame < e.items[j].Frame })
	if e.items == nil {
		e.items = []result.Evidence{}
	}
	return e.items, e.omitted
}

// pairFilter selects the pair's frames in Wireshark.
func pairFilter(p *pair) string {
	f := "ip.addr"
	if p.ipVersion6 {
		f = "ipv6.addr"
	}
	return f + "==" + p.addr[0].String() + " && " + f + "==" + p.addr[1].String()
}

// maxFilterFrames bounds the frame list of one filter, which Wireshark
// must parse.
const maxFilterFrames = 200

// frameSet is "frame.number in {1, 2, 3}" (Wireshark 4 wants commas).
func frameSet(frames []int) string {
	fs := sortedUnique(frames)
	if len(fs) == 0 {
		return "frame.number in {0}"
	}
	if len(fs) > maxFilterFrames {
		fs = fs[:maxFilterFrames]
	}
	var b strings.Builder
	b.WriteString("frame.number in {")
	for i, f := range fs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(f))
	}
	b.WriteString("}")
	return b.String()
}

// ispiFilter selects negotiations by initiator cookie/SPI.
func ispiFilter(negs []*negotiation) string {
	var parts []string
	for _, n := range negs {
		var b strings.Builder
		for i, c := range n.ispi {
			if i > 0 {
				b.WriteByte(':')
			}
			fmt.Fprintf(&b, "%02x", c)
		}
		parts = appendUnique(parts, "isakmp.ispi == "+b.String())
		if len(parts) >= 32 {
			break
		}
	}
	return "(" + strings.Join(parts, " || ") + ")"
}

func sortedUnique(xs []int) []int {
	out := append([]int(nil), xs...)
	sort.Ints(out)
	j := 0
	for i, x := range out {
		if x == 0 || (i > 0 && x == out[i-1]) {
			continue
		}
		out[j] = x
		j++
	}
	return out[:j]
}

func appendUnique(xs []string, s string) []string {
	for _, x := range xs {
		if x == s {
			return xs
		}
	}
	return append(xs, s)
}

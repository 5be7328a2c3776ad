package analyzer

import (
	"slices"
	"time"

	"github.com/gopacket/gopacket/layers"

	"softsa/decoders"
	"softsa/decoders/smb"
)

// Clear traffic.
//
// Clear traffic is not kept frame by frame. Each side has at most one open
// "run": the time since its first clear packet that expected an answer and
// has not had one. A packet from the other side answers it (for TCP any
// segment but a new SYN, a keep-alive or a retransmission of old data; for
// other protocols any datagram; and ESP too, since a reply protected by
// IPsec is still a reply). An ICMP or ICMPv6 echo request (ping) expects
// an answer like a SYN, and the echo reply with its identifier and
// sequence number answers it (echoTrack); any other ICMP neither asks nor
// answers, because an ICMP error is not the peer's application talking. A
// run that lasted at least recordRun is kept as a runRec with counters
// copied at both ends; shorter runs are ordinary round trips and vanish. So
// memory grows with the number of outages, never with the number of frames.
//
// What "expects an answer": a TCP SYN, FIN or segment with data (except a
// keep-alive), a UDP datagram unless it follows one from the other side
// within udpReply with the ports swapped (then it is the reply), and any
// other non-ICMP packet. A UDP request (DNS, Kerberos, LDAP, SNMP,
// NetBIOS, any service) that opens a run is cited as such, and the
// requests after it count as asking again, like echo requests. A bare ACK
// does not: the last ACK of a connection is never answered, and counting it
// would turn every pause after a connection closes into an outage.

// udpReply is how soon after the other side's datagram one is its reply.
const udpReply = time.Second

const (
	gapUnanswered = iota
	gapIdle
)

// runFrames is how many evidence frames a run keeps.
const runFrames = 10

// What an evidence frame of a run shows.
const (
	evFirst     = iota // the first unanswered packet
	evSYNRetry         // a SYN retransmission
	evRetrans          // a data retransmission
	evIKE              // an IKE message of the unanswered side
	evEchoFirst        // the first unanswered packet, an echo request
	evEcho             // a further unanswered echo request
	evUDPFirst         // the first unanswered packet, a UDP request
	evUDP              // a further unanswered UDP request
)

// echoRing is how many echo requests per side are kept for pairing: ping
// sends one a second, and its replies come back within its 4 s timeout.
const echoRing = 8

// echoTrack is one side's latest echo requests, to pair the other side's
// replies with them by identifier and sequence number.
type echoTrack struct {
	req  [echoRing]echoReq
	n    int // entries in use
	next int // slot the next request takes
}

type echoReq struct {
	id, seq uint16
	open    bool // not answered yet
}

// sent records an echo request.
func (e *echoTrack) sent(id, seq uint16) {
	e.req[e.next] = echoReq{id: id, seq: seq, open: true}
	e.next = (e.next + 1) % echoRing
	e.n = min(e.n+1, echoRing)
}

// answered reports whether a reply with id and seq answers one of the
// requests still open, which it then closes. A reply to a request not
// kept (sent before the capture began, or pushed out of the ring) answers
// too, unless its identifier is that of a request kept: then it is a
// duplicate or a late reply to an old request, not an answer to the ping
// that is waiting.
func (e *echoTrack) answered(id, seq uint16) bool {
	known := false
	for i := 0; i < e.n; i++ {
		r := &e.req[i]
		if r.id == id && r.seq == seq && r.open {
			r.open = false
			return true
		}
		known = known || r.id == id
	}
	return !known
}

// evRef is an evidence frame and what it shows.
type evRef struct {
	ref
	what uint8
}

// runState is the open run of one side.
type runState struct {
	open       bool
	start      ref // first unanswered packet
	lastSend   ref // last packet this side sent during the run
	packets    int
	synRetries int
	retrans    int
	echoes     int  // unanswered echo or UDP requests after the first: asking again
	ikeMsgs    int  // this side's IKE messages during the run
	ikeBefore  bool // this side sent IKE within negLead before start
	snap       counters
	ev         runEvidence
}

// runEvidence is the frames a run keeps to show what happened in it.
type runEvidence struct {
	frames    [runFrames]evRef
	nframes   int
	ikeFrames [4]evRef
	nike      int
}

// runRec is a recorded gap: an unanswered run or an idle silence.
type runRec struct {
	kind       int
	side       side // the unanswered side; noSide for idle
	start, end ref  // end: the answer, or the first packet after silence
	lastSend   ref
	open       bool // unanswered until the end of the capture
	packets    int
	synRetries int
	retrans    int
	echoes     int
	ikeMsgs    int
	ikeBefore  bool
	snapStart  counters
	snapEnd    counters
	ev         *runEvidence // nil for an idle gap
	smbFlight  []string
	held       bool // a KB outage inferred from a negotiation (kb977526.go)
	// fix is what clock steps inside the gap took from its length.
	fix time.Duration
}

// dur is the gap's length on the monotonic timeline (clock.go).
func (r *runRec) dur() float64 { return seconds(r.end.t.Sub(r.start.t) + r.fix) }

// ikeActivity reports whether the unanswered side negotiated IKE during
// the run or just before it.
func (r *runRec) ikeActivity() bool { return r.ikeBefore || r.ikeMsgs > 0 }

// udpLast is the last UDP datagram a side sent.
type udpLast struct {
	t            stamp
	sport, dport uint16
}

// tcpHalf is one direction of a TCP connection.
type tcpHalf struct {
	isn   uint32
	nxt   uint32 // highest sequence number sent, plus one
	syn   bool
	valid bool
	smb   smb.Stream
}

// tcpConn is one tracked connection; port[i] is side i's port.
type tcpConn struct {
	port [2]uint16
	half [2]tcpHalf
	used uint64
}

// seqLess compares TCP sequence numbers modulo 2^32 (RFC 1982).
func seqLess(a, b uint32) bool { return int32(a-b) < 0 }

// tcpVerdict is what tracking the segment found.
type tcpVerdict struct {
	synRetry  bool // a SYN with the ISN already seen
	retrans   bool // data (or FIN) wholly or partly sent before
	keepalive bool
	conn      *tcpConn
}

// conn finds or makes the tracked connection of m; the least recently used
// slot is reused when all are taken, which only costs retransmission
// detection on a connection that had been quiet.
func (p *pair) conn(from side, m *decoders.Message) *tcpConn {
	var ports [2]uint16
	ports[from], ports[from.other()] = m.SrcPort, m.DstPort
	p.connTick++
	// Most segments belong to the connection of the pair's previous one.
	if i := p.lastConn; i < len(p.conns) && p.conns[i].port == ports {
		c := &p.conns[i]
		c.used = p.connTick
		return c
	}
	oldest := -1
	for i := range p.conns {
		c := &p.conns[i]
		if c.port == ports {
			c.used = p.connTick
			p.lastConn = i
			return c
		}
		if oldest < 0 || c.used < p.conns[oldest].used {
			oldest = i
		}
	}
	if len(p.conns) < maxConns {
		p.conns = append(p.conns, tcpConn{port: ports, used: p.connTick})
		p.lastConn = len(p.conns) - 1
		return &p.conns[p.lastConn]
	}
	c := &p.conns[oldest]
	*c = tcpConn{port: ports, used: p.connTick}
	p.lastConn = oldest
	return c
}

// trackTCP follows the sequence numbers of one segment, Wireshark-style
// but simpler: a SYN repeating the ISN is a SYN retry; data or a FIN below
// the highest sequence number already sent is a retransmission; a 0- or
// 1-byte segment one below it is a keep-alive.
func (p *pair) trackTCP(from side, m *decoders.Message) tcpVerdict {
	c := p.conn(from, m)
	h := &c.half[from]
	v := tcpVerdict{conn: c}
	fl := m.TCPFlags
	n := uint32(len(m.Payload))
	if fl&decoders.TCPSyn != 0 {
		if h.syn && m.Seq == h.isn {
			v.synRetry = fl&decoders.TCPAck == 0
			v.retrans = !v.synRetry
		} else {
			*h = tcpHalf{isn: m.Seq, nxt: m.Seq + 1 + n, syn: true, valid: true}
		}
		return v
	}
	end := m.Seq + n
	if fl&decoders.TCPFin != 0 {
		end++
	}
	if !h.valid {
		h.valid, h.nxt = true, end
		return v
	}
	switch {
	case n <= 1 && fl&decoders.TCPFin == 0 && m.Seq == h.nxt-1:
		v.keepalive = true
	case end != m.Seq && seqLess(m.Seq, h.nxt):
		v.retrans = true
	}
	if seqLess(h.nxt, end) {
		h.nxt = end
	}
	return v
}

// addClear handles a clear (non-IKE, non-ESP) packet.
func (a *analysis) addClear(p *pair, from side, m *decoders.Message, now ref) {
	other := from.other()
	expects, answers := true, true
	echo := false   // an echo request
	udpReq := false // a UDP datagram that is not a reply: a request
	var tv tcpVerdict
	switch {
	case m.Err != nil:
		// A mangled header: the packet was sent, but what it is cannot
		// be told.
		expects, answers = false, false
	case m.TCP():
		tv = p.trackTCP(from, m)
		fl := m.TCPFlags
		if fl&decoders.TCPSyn != 0 && fl&decoders.TCPAck == 0 {
			answers = false // a new connection is not a reply
			if p.synSide == noSide {
				p.synSide = from
			}
		}
		if tv.keepalive || (tv.retrans && fl&decoders.TCPSyn == 0) {
			// A keep-alive or a retransmission of old data says the
			// sender is alive, not that it heard anything new.
			answers = false
		}
		expects = fl&(decoders.TCPSyn|decoders.TCPFin) != 0 || (len(m.Payload) > 0 && !tv.keepalive)
		if fl&decoders.TCPRst != 0 {
			expects = false
		}
	case m.App == decoders.AppEcho && m.Echo.Reply:
		expects = false
		answers = p.echo[other].answered(m.Echo.ID, m.Echo.Seq)
	case m.App == decoders.AppEcho:
		// A ping: a request like a SYN, never a reply.
		answers, echo = false, true
		p.echo[from].sent(m.Echo.ID, m.Echo.Seq)
	case m.Proto == layers.IPProtocolICMPv4 || m.Proto == layers.IPProtocolICMPv6:
		expects, answers = false, false
	case m.UDP():
		// A datagram right after one from the other side with the ports
		// swapped is its reply and expects nothing: otherwise the side
		// that answers a UDP query would seem to wait for an answer.
		o, me := &p.lastUDP[other], &p.lastUDP[from]
		if o.t.After(me.t) && now.t.Sub(o.t) < udpReply && o.sport == m.DstPort && o.dport == m.SrcPort {
			expects = false
		}
		udpReq = expects
		*me = udpLast{t: now.t, sport: m.SrcPort, dport: m.DstPort}
	}

	if answers && p.run[other].open {
		a.closeRun(p, other, now, true)
	}
	r := &p.run[from]
	opened := false
	if !r.open && expects {
		r.reset(now, p.cnt)
		r.ikeBefore = p.lastIKE[from].valid() && now.t.Sub(p.lastIKE[from].t) <= negLead
		switch {
		case echo:
			r.addFrame(now, evEchoFirst)
		case udpReq:
			r.addFrame(now, evUDPFirst)
		default:
			r.addFrame(now, evFirst)
		}
		opened = true
	}
	if r.open {
		r.packets++
		r.lastSend = now
		if (echo || udpReq) && !opened {
			// A ping or a UDP query sent again (a resolver's retry, the
			// next query) unanswered: like a SYN retry, the sender is
			// still asking.
			r.echoes++
			if echo {
				r.addFrame(now, evEcho)
			} else {
				r.addFrame(now, evUDP)
			}
		}
		if tv.synRetry || tv.retrans {
			if tv.synRetry {
				r.synRetries++
				r.addFrame(now, evSYNRetry)
			} else {
				r.retrans++
				r.addFrame(now, evRetrans)
			}
		}
	}

	p.cnt.clear[from]++
	p.cnt.clearBytes += m.WireLen
	p.lastClear = now
	p.lastClearFrom[from] = now
	if expects {
		p.lastExpect[from] = now
	}
	if m.App == decoders.AppSMB && tv.conn != nil && !tv.retrans && !tv.synRetry {
		a.addSMB(p, from, m, now, tv.conn)
	}
}

// reset opens a new run at now. It is what assigning a fresh runState
// would do, without clearing the evidence arrays (some 600 bytes, at every
// request that follows an answer): only their first nframes and nike
// entries are ever read.
func (r *runState) reset(now ref, snap counters) {
	r.open, r.start, r.lastSend = true, now, ref{}
	r.packets, r.synRetries, r.retrans, r.echoes, r.ikeMsgs, r.ikeBefore = 0, 0, 0, 0, 0, false
	r.snap = snap
	r.ev.nframes, r.ev.nike = 0, 0
}

// addFrame keeps an evidence frame: the first ones, then the latest in the
// last slot, so the list shows the start and the end of the run.
func (r *runState) addFrame(now ref, what uint8) {
	e := &r.ev
	if e.nframes > 0 && e.frames[e.nframes-1].frame == now.frame {
		return
	}
	if e.nframes < runFrames {
		e.frames[e.nframes] = evRef{now, what}
		e.nframes++
		return
	}
	e.frames[runFrames-1] = evRef{now, what}
}

// closeRun ends the run of s: now is the other side's answer. Only a clear
// answer tells a negotiation that clear traffic is admitted; an ESP answer
// means IPsec carries the traffic.
func (a *analysis) closeRun(p *pair, s side, now ref, clear bool) {
	r := &p.run[s]
	if clear {
		p.answerNegotiations(s, r.lastSend, now)
	}
	if now.t.Sub(r.start.t) >= recordRun {
		rec := r.record(s, now, false, p.cnt)
		if p.smb != nil {
			// Requests still unanswered now were in flight when the
			// traffic stopped: the reply has not been walked yet. Those
			// sent before the gap are then forgotten: the client gave up
			// on them or their response follows the reply, and either
			// way they must not be blamed for the next gap too.
			rec.smbFlight = p.smb.inFlight(s, 4)
			p.smb.forget(s, r.start.t)
		}
		a.addRun(p, rec)
	}
	r.open = false
}

// record turns the open run into a runRec ending at end.
func (r *runState) record(s side, end ref, open bool, snapEnd counters) runRec {
	ev := r.ev
	return runRec{
		kind: gapUnanswered, side: s, start: r.start, end: end, lastSend: r.lastSend,
		open: open, packets: r.packets, synRetries: r.synRetries, retrans: r.retrans, echoes: r.echoes,
		ikeMsgs: r.ikeMsgs, ikeBefore: r.ikeBefore, snapStart: r.snap, snapEnd: snapEnd,
		ev: &ev,
	}
}

// addRun keeps a gap, up to maxRuns per pair (maxIdleRuns idle ones) while
// historyBudget lasts.
func (a *analysis) addRun(p *pair, rec runRec) {
	rec.fix = a.clock.between(rec.start.frame, rec.end.frame)
	if rec.kind == gapIdle {
		if p.idleRuns >= maxIdleRuns {
			p.idleCut++
			return
		}
		p.idleRuns++
	}
	// Gaps are kept by value: the slice's growth is what costs memory.
	cost, grow := 0, 0
	if rec.ev != nil {
		cost = runEvCost
	}
	if len(p.runs) == cap(p.runs) {
		// Doubling, but never past maxRuns: room that can never be
		// used would be charged for nothing.
		grow = min(max(4, cap(p.runs)), maxRuns-len(p.runs))
		cost += grow * runCost
	}
	if len(p.runs) >= maxRuns || !a.charge(cost, rec.end.frame) {
		p.runsCut++
		return
	}
	p.runs = slices.Grow(p.runs, grow)
	p.runs = append(p.runs, rec)
}

// noteIKEInRun counts an IKE message sent by from in its open run.
func (p *pair) noteIKEInRun(from side, now ref) {
	r := &p.run[from]
	if !r.open {
		return
	}
	r.ikeMsgs++
	if e := &r.ev; e.nike < len(e.ikeFrames) {
		e.ikeFrames[e.nike] = evRef{now, evIKE}
		e.nike++
	}
}

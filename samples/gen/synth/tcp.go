package synth

import (
	"time"

	"github.com/gopacket/gopacket/layers"
)

// delayedACK is Windows' delayed-ACK timer.
const delayedACK = 200 * time.Millisecond

// conn is one TCP connection from the pair's initiator (client) to its
// responder (server), with exact sequence and acknowledgement numbers.
type conn struct {
	s            *pairSim
	cli, srv     *node
	cport, sport uint16
	cseq, sseq   uint32 // next sequence number each side sends
	open         bool
	mss          int
	// ackDue is when the client's delayed ACK for server data fires; zero
	// when nothing is waiting to be acknowledged.
	ackDue time.Time
}

func (s *pairSim) newConn(port uint16) *conn {
	mss := 1460
	if s.esp != nil {
		// Windows lowers the MSS by the IPsec overhead so that protected
		// segments still fit the MTU.
		mss = 1380
		if s.esp.udp {
			mss = 1360
		}
	}
	return &conn{s: s, cli: s.ini, srv: s.rsp, cport: s.ini.ephemeralPort(), sport: port, mss: mss}
}

// seg emits one segment. fromCli selects the direction; seq is explicit so
// that retransmissions repeat it.
func (c *conn) seg(t time.Time, fromCli bool, seq uint32, syn, fin, psh bool, payload []byte) {
	tcp := &layers.TCP{Seq: seq, SYN: syn, FIN: fin, PSH: psh, Window: 65535}
	from, to := c.srv, c.cli
	tcp.SrcPort, tcp.DstPort = layers.TCPPort(c.sport), layers.TCPPort(c.cport)
	tcp.Ack, tcp.ACK = c.cseq, true
	if fromCli {
		from, to = c.cli, c.srv
		tcp.SrcPort, tcp.DstPort = layers.TCPPort(c.cport), layers.TCPPort(c.sport)
		tcp.Ack = c.sseq
	}
	if syn {
		tcp.Window = 8192
		tcp.Options = synOptions(from.Release, c.mss)
		if fromCli {
			tcp.ACK, tcp.Ack = false, 0
		}
	}
	c.s.transportTCP(t, from, to, tcp, payload)
	if !fromCli && c.s.esp == nil {
		c.s.led.reply(t)
	}
}

// synOptions are the options a Windows SYN carries: MSS, window scale (Vista
// and later only) and SACK permitted.
func synOptions(r Release, mss int) []layers.TCPOption {
	o := []layers.TCPOption{{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{byte(mss >> 8), byte(mss)}}}
	if r.VistaOrLater() {
		o = append(o, layers.TCPOption{OptionType: layers.TCPOptionKindNop},
			layers.TCPOption{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{8}})
	}
	return append(o, layers.TCPOption{OptionType: layers.TCPOptionKindNop},
		layers.TCPOption{OptionType: layers.TCPOptionKindNop},
		layers.TCPOption{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2})
}

// flushACK emits the client's pending delayed ACK if it fires before t; a
// client segment sent before then carries the acknowledgement itself.
func (c *conn) flushACK(t time.Time) {
	if !c.ackDue.IsZero() && c.ackDue.Before(t) {
		c.seg(c.ackDue, true, c.cseq, false, false, false, nil)
	}
	c.ackDue = time.Time{}
}

// connect opens the connection at t: SYNs on Windows' schedule until one is
// answered. It returns when the handshake ended, or when the attempt failed.
func (c *conn) connect(t time.Time) (time.Time, bool) {
	s := c.s
	c.cseq = s.rng.Uint32()
	isn := c.cseq
	for _, d := range s.tm.SYNRetry {
		t = t.Add(d)
		at, ok := s.gate.release(t)
		t = at
		c.seg(t, true, isn, true, false, false, nil)
		if !ok {
			s.led.unanswered(t)
			continue
		}
		c.cseq = isn + 1
		c.sseq = s.rng.Uint32()
		t = t.Add(s.half() + s.proc()/8)
		c.seg(t, false, c.sseq, true, false, false, nil)
		c.sseq++
		t = t.Add(s.half())
		c.seg(t, true, c.cseq, false, false, false, nil)
		c.open = true
		return t, true
	}
	return t.Add(s.tm.SYNGiveUp), false
}

// clientSend sends data from the client in MSS-sized segments starting at t
// and returns the time of the last one.
func (c *conn) clientSend(t time.Time, seq uint32, data []byte) time.Time {
	for off := 0; off < len(data); off += c.mss {
		end := min(off+c.mss, len(data))
		if off > 0 {
			t = t.Add(12 * time.Microsecond)
		}
		c.seg(t, true, seq+uint32(off), false, false, end == len(data), data[off:end])
	}
	return t
}

// exchange sends a request from the client at t and, if it gets through,
// the server's response. Unanswered, the client retransmits its first
// unacknowledged segment with exponential backoff; when that runs out the
// connection is dead. It returns when the exchange ended.
func (c *conn) exchange(t time.Time, req, resp []byte) (time.Time, bool) {
	s := c.s
	c.flushACK(t)
	at, ok := s.gate.release(t)
	t = at
	seq := c.cseq
	last := c.clientSend(t, seq, req)
	if !ok {
		s.led.unanswered(t)
		rto := s.tm.DataRTO
		for i := 0; i < s.tm.MaxDataRetrans && !ok; i++ {
			t = t.Add(rto)
			rto *= 2
			t, ok = s.gate.release(t)
			if len(req) > c.mss {
				c.seg(t, true, seq, false, false, false, req[:c.mss])
			} else {
				c.seg(t, true, seq, false, false, true, req)
			}
			last = t
		}
		if !ok {
			c.open = false
			return t.Add(rto), false
		}
		if len(req) > c.mss {
			// The server acknowledges the retransmitted segment; the rest
			// of the request follows.
			c.cseq = seq + uint32(c.mss)
			t = t.Add(s.half())
			c.seg(t, false, c.sseq, false, false, false, nil)
			t = t.Add(s.half())
			last = c.clientSend(t, c.cseq, req[c.mss:])
		}
	}
	c.cseq = seq + uint32(len(req))
	t = last.Add(s.half())
	// The server acknowledges every second full segment of a long request.
	if n := (len(req) + c.mss - 1) / c.mss; n > 2 {
		c.seg(t, false, c.sseq, false, false, false, nil)
	}
	t = t.Add(s.proc())
	if len(resp) == 0 {
		c.seg(t, false, c.sseq, false, false, false, nil)
		return t.Add(s.half()), true
	}
	segs := 0
	for off := 0; off < len(resp); off += c.mss {
		end := min(off+c.mss, len(resp))
		if off > 0 {
			t = t.Add(12 * time.Microsecond)
		}
		c.seg(t, false, c.sseq, false, false, end == len(resp), resp[off:end])
		c.sseq += uint32(end - off)
		segs++
		if segs%2 == 0 {
			c.seg(t.Add(s.half()), true, c.cseq, false, false, false, nil)
		}
	}
	// The client has the whole response half a round trip later.
	t = t.Add(s.half())
	if segs%2 == 1 {
		c.ackDue = t.Add(delayedACK)
	}
	return t, true
}

// close ends the connection with FINs, client first.
func (c *conn) close(t time.Time) time.Time {
	s := c.s
	c.flushACK(t)
	c.seg(t, true, c.cseq, false, true, false, nil)
	c.cseq++
	t = t.Add(s.half() + s.proc()/4)
	c.seg(t, false, c.sseq, false, true, false, nil)
	c.sseq++
	t = t.Add(s.half())
	c.seg(t, true, c.cseq, false, false, false, nil)
	c.open = false
	return t
}

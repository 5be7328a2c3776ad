package analyzer

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"net/netip"
	"sort"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"softsa/analyzer/result"
	"softsa/decoders"
	"softsa/decoders/ike"
)

// A small builder of synthetic decoders.Message streams. Times are seconds
// from a fixed epoch; frames are numbered after sorting by time, as a
// capture would number them.

var epoch = time.Date(2009, 11, 10, 9, 0, 0, 0, time.UTC)

// zeros backs the payload of every synthetic segment (read-only).
var zeros = make([]byte, 1500)

type stream struct {
	t    testing.TB
	msgs []decoders.Message
}

func newStream(t testing.TB) *stream {
	t.Helper()
	return &stream{t: t}
}

func at(sec float64) time.Time { return epoch.Add(time.Duration(sec * float64(time.Second))) }

func ipv(a netip.Addr) uint8 {
	if a.Is4() {
		return 4
	}
	return 6
}

func (s *stream) tcp(sec float64, src, dst netip.Addr, sp, dp uint16, flags uint8, seq, ack uint32, n int) {
	m := decoders.Message{Time: at(sec), IPVersion: ipv(src), Src: src, Dst: dst, Proto: layers.IPProtocolTCP,
		SrcPort: sp, DstPort: dp, TCPFlags: flags, Seq: seq, Ack: ack, WireLen: 54 + n}
	if n > 0 {
		m.Payload = zeros[:min(n, len(zeros))]
	}
	s.msgs = append(s.msgs, m)
}

// tcpData adds a segment with real payload bytes (SMB).
func (s *stream) tcpData(sec float64, src, dst netip.Addr, sp, dp uint16, flags uint8, seq, ack uint32, data []byte) {
	m := decoders.Message{Time: at(sec), IPVersion: ipv(src), Src: src, Dst: dst, Proto: layers.IPProtocolTCP,
		SrcPort: sp, DstPort: dp, TCPFlags: flags, Seq: seq, Ack: ack, WireLen: 54 + len(data), Payload: data}
	if sp == decoders.PortSMB || dp == decoders.PortSMB {
		m.App, m.AppData = decoders.AppSMB, data
	}
	s.msgs = append(s.msgs, m)
}

func (s *stream) udp(sec float64, src, dst netip.Addr, sp, dp uint16, n int) {
	s.msgs = append(s.msgs, decoders.Message{Time: at(sec), IPVersion: ipv(src), Src: src, Dst: dst,
		Proto: layers.IPProtocolUDP, SrcPort: sp, DstPort: dp, Payload: zeros[:n], WireLen: 42 + n})
}

// echo adds an ICMP (or ICMPv6) echo request or reply.
func (s *stream) echo(sec float64, src, dst netip.Addr, reply bool, id, seq uint16) {
	proto := layers.IPProtocolICMPv4
	if !src.Is4() {
		proto = layers.IPProtocolICMPv6
	}
	s.msgs = append(s.msgs, decoders.Message{Time: at(sec), IPVersion: ipv(src), Src: src, Dst: dst, Proto: proto,
		App: decoders.AppEcho, Echo: decoders.Echo{Reply: reply, ID: id, Seq: seq}, Payload: zeros[:40], WireLen: 74})
}

func (s *stream) ike(sec float64, src, dst netip.Addr, msg []byte) {
	s.msgs = append(s.msgs, decoders.Message{Time: at(sec), IPVersion: ipv(src), Src: src, Dst: dst,
		Proto: layers.IPProtocolUDP, SrcPort: 500, DstPort: 500, Payload: msg, App: decoders.AppISAKMP,
		AppData: msg, WireLen: 42 + len(msg)})
}

func (s *stream) esp(sec float64, src, dst netip.Addr, spi, seq uint32, n int) {
	s.msgs = append(s.msgs, decoders.Message{Time: at(sec), IPVersion: ipv(src), Src: src, Dst: dst,
		Proto: layers.IPProtocolESP, App: decoders.AppESP, ESP: decoders.ESPHeader{SPI: spi, Seq: seq},
		WireLen: 34 + 8 + n})
}

// ipFrag adds a UDP IP fragment that did not complete its datagram.
func (s *stream) ipFrag(sec float64, src, dst netip.Addr, id uint32) {
	s.msgs = append(s.msgs, decoders.Message{Time: at(sec), IPVersion: ipv(src), Src: src, Dst: dst,
		Proto: layers.IPProtocolUDP, IPID: id, Fragment: true, WireLen: 1514})
}

// window keeps only the messages of this stream inside [from, to] seconds.
func (s *stream) window(from, to float64) {
	lo, hi := at(from), at(to)
	out := s.msgs[:0]
	for _, m := range s.msgs {
		if !m.Time.Before(lo) && !m.Time.After(hi) {
			out = append(out, m)
		}
	}
	s.msgs = out
}

func (s *stream) merge(o *stream) { s.msgs = append(s.msgs, o.msgs...) }

// sorted numbers the frames in time order and returns them.
func (s *stream) sorted() []decoders.Message {
	sort.SliceStable(s.msgs, func(i, j int) bool { return s.msgs[i].Time.Before(s.msgs[j].Time) })
	for i := range s.msgs {
		s.msgs[i].Frame = i + 1
	}
	return s.msgs
}

// run feeds the stream to a new analysis and returns the result.
func (s *stream) run(opts Options) *result.CaptureResult {
	s.t.Helper()
	a := newAnalysis(opts)
	for i := range s.sorted() {
		a.add(&s.msgs[i])
	}
	return a.finish()
}

// IKE messages.

type payload struct {
	typ  uint8
	body []byte
}

func ikeBytes(version uint8, ispi, rspi [8]byte, exch, flags uint8, msgid uint32, pls ...payload) []byte {
	b := make([]byte, 28, 256)
	copy(b[0:8], ispi[:])
	copy(b[8:16], rspi[:])
	if len(pls) > 0 {
		b[16] = pls[0].typ
	}
	b[17], b[18], b[19] = version, exch, flags
	binary.BigEndian.PutUint32(b[20:], msgid)
	if flags&ike.FlagEncrypted != 0 && version == 0x10 {
		// E flag: everything after the header is ciphertext.
		for _, p := range pls {
			b = append(b, p.body...)
		}
	} else {
		for i, p := range pls {
			var next uint8
			if i+1 < len(pls) {
				next = pls[i+1].typ
			}
			h := []byte{next, 0, 0, 0}
			binary.BigEndian.PutUint16(h[2:], uint16(4+len(p.body)))
			b = append(b, h...)
			b = append(b, p.body...)
		}
	}
	binary.BigEndian.PutUint32(b[24:], uint32(len(b)))
	return b
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// vidNT5 is "MS NT5 ISAKMPOAKLEY" with a Windows IPsec version.
func vidNT5(ver uint32) payload {
	b := mustHex("1e2b516905991c7d7c96fcbfb587e461")
	b = binary.BigEndian.AppendUint32(b, ver)
	return payload{ike.PayloadVendorID, b}
}

func vidAuthIP() payload {
	return payload{ike.PayloadVendorID, mustHex("fb1de3cdf341b7ea16b7e5be0855f120")}
}

func plSA() payload {
	// DOI IPsec, situation identity only; no proposal (enough for softsa).
	return payload{ike.PayloadSA, []byte{0, 0, 0, 1, 0, 0, 0, 1}}
}

func plNonce(rng *rand.Rand, n int) payload {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return payload{ike.PayloadNonce, b}
}

func plNotifyV1(typ uint16) payload {
	b := []byte{0, 0, 0, 1, 1, 0, 0, 0}
	binary.BigEndian.PutUint16(b[6:], typ)
	return payload{ike.PayloadNotify, b}
}

func plNotifyV2(typ uint16) payload {
	b := []byte{0, 0, 0, 0}
	binary.BigEndian.PutUint16(b[2:], typ)
	return payload{ike.PayloadNotifyV2, b}
}

func plFragment(id uint16, num uint8, last bool, n int) payload {
	b := make([]byte, 4+n)
	binary.BigEndian.PutUint16(b, id)
	b[2] = num
	if last {
		b[3] = 1
	}
	return payload{ike.PayloadFragment, b}
}

func spi8(rng *rand.Rand) [8]byte {
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], rng.Uint64()|1)
	return s
}

// scen generates the traffic of one pair: a initiates, b responds.
type scen struct {
	s    *stream
	rng  *rand.Rand
	a, b netip.Addr
	port uint16
	aSeq uint32
	bSeq uint32
	vidA []payload // vendor IDs a sends in its first IKE message
	vidB []payload
	// pingID and pingSeq are a's ping -t: one identifier, the sequence
	// number counting up.
	pingID, pingSeq uint16
	// udpSvc is the port of the UDP service a queries (DNS, Kerberos,
	// LDAP, SNMP, NetBIOS); udpSrc a's source port of the current query.
	udpSvc, udpSrc uint16
}

// udpQuery is one UDP request from a at t (a new query from a new source
// port unless retry), answered by b when answered; it returns the time of
// the reply (or t).
func (c *scen) udpQuery(t float64, retry, answered bool) float64 {
	if !retry {
		c.udpSrc = uint16(49152 + c.rng.IntN(16000))
	}
	c.s.udp(t, c.a, c.b, c.udpSrc, c.udpSvc, 40+c.rng.IntN(60))
	if !answered {
		return t
	}
	t += c.rtt()
	c.s.udp(t, c.b, c.a, c.udpSvc, c.udpSrc, 80+c.rng.IntN(300))
	return t
}

// udpTwoWay is a's queries answered over [from, to], one every 1–3 s. It
// returns the time of the last reply (<= to).
func (c *scen) udpTwoWay(from, to float64) float64 {
	last := from
	for t := from; t+0.1 <= to; t = last + c.u(1, 3) {
		last = c.udpQuery(t, false, true)
	}
	return last
}

// outageUDP: from t0 a's queries go unanswered, each retried after 1 and
// 2 s as a Windows resolver does, the next query after that, until b's
// reply to a query at t0+d. It returns t0+d.
func (c *scen) outageUDP(t0, d float64) float64 {
	end := t0 + d
	last := end - c.rtt()
	for t := t0; t < last-0.05; {
		c.udpQuery(t, false, false)
		for _, w := range []float64{1, 2} {
			if t += w; t < last-0.05 {
				c.udpQuery(t, true, false)
			}
		}
		t += c.u(1, 2)
	}
	c.udpSrc = uint16(49152 + c.rng.IntN(16000))
	c.s.udp(last, c.a, c.b, c.udpSrc, c.udpSvc, 50)
	c.s.udp(end, c.b, c.a, c.udpSvc, c.udpSrc, 120)
	return end
}

// ping is one echo request from a at t, answered by b when answered; it
// returns the time of the reply (or t).
func (c *scen) ping(t float64, answered bool) float64 {
	c.pingSeq++
	c.s.echo(t, c.a, c.b, false, c.pingID, c.pingSeq)
	if !answered {
		return t
	}
	t += c.rtt()
	c.s.echo(t, c.b, c.a, true, c.pingID, c.pingSeq)
	return t
}

// pingTwoWay is ping -t answered over [from, to]: a request a second
// after each reply. It returns the time of the last reply (<= to).
func (c *scen) pingTwoWay(from, to float64) float64 {
	last := from
	for t := from; t+0.1 <= to; t = last + c.u(0.98, 1.02) {
		last = c.ping(t, true)
	}
	return last
}

// outagePing: from t0 a's pings go unanswered (ping waits 4 s for each,
// then sends the next) until b's reply at t0+d. It returns t0+d.
func (c *scen) outagePing(t0, d float64) float64 {
	end := t0 + d
	last := end - c.rtt()
	for t := t0; t < last-0.05; t += c.u(4, 4.1) {
		c.ping(t, false)
	}
	c.pingSeq++
	c.s.echo(last, c.a, c.b, false, c.pingID, c.pingSeq)
	c.s.echo(end, c.b, c.a, true, c.pingID, c.pingSeq)
	return end
}

func newScen(t testing.TB, rng *rand.Rand, a, b netip.Addr) *scen {
	return &scen{s: newStream(t), rng: rng, a: a, b: b, port: uint16(49152 + rng.IntN(16000)),
		aSeq: rng.Uint32(), bSeq: rng.Uint32()}
}

func (c *scen) u(lo, hi float64) float64 { return lo + c.rng.Float64()*(hi-lo) }

func (c *scen) rtt() float64 { return c.u(0.0005, 0.02) }

// connect opens a new TCP connection to port 445 at t (answered at once)
// and returns the time after the handshake.
func (c *scen) connect(t float64) float64 {
	c.port++
	c.aSeq = c.rng.Uint32()
	c.bSeq = c.rng.Uint32()
	c.s.tcp(t, c.a, c.b, c.port, 445, decoders.TCPSyn, c.aSeq, 0, 0)
	c.aSeq++
	t += c.rtt()
	c.s.tcp(t, c.b, c.a, 445, c.port, decoders.TCPSyn|decoders.TCPAck, c.bSeq, c.aSeq, 0)
	c.bSeq++
	t += c.rtt()
	c.s.tcp(t, c.a, c.b, c.port, 445, decoders.TCPAck, c.aSeq, c.bSeq, 0)
	return t
}

// exchange is one request from a answered by b; it returns the time of
// a's final ACK.
func (c *scen) exchange(t float64) float64 {
	n := 100 + c.rng.IntN(1300)
	c.s.tcp(t, c.a, c.b, c.port, 445, decoders.TCPAck|decoders.TCPPsh, c.aSeq, c.bSeq, n)
	c.aSeq += uint32(n)
	t += c.rtt()
	r := 60 + c.rng.IntN(1400)
	c.s.tcp(t, c.b, c.a, 445, c.port, decoders.TCPAck|decoders.TCPPsh, c.bSeq, c.aSeq, r)
	c.bSeq += uint32(r)
	t += c.rtt()
	c.s.tcp(t, c.a, c.b, c.port, 445, decoders.TCPAck, c.aSeq, c.bSeq, 0)
	return t
}

// twoWay fills [from, to] with answered exchanges and natural pauses of up
// to maxPause seconds; it returns the time of the last packet (<= to).
func (c *scen) twoWay(from, to, maxPause float64) float64 {
	t, last := from, from
	for {
		step := c.u(0.05, 2)
		if c.rng.IntN(20) == 0 {
			step = c.u(5, maxPause)
		}
		if t+0.1 > to {
			return last
		}
		last = c.exchange(t)
		t = last + step
	}
}

// outageData: from t0 a's data goes unanswered (retransmitted with
// backoff) until b's ACK at t0+d. It returns t0+d.
func (c *scen) outageData(t0, d float64) float64 {
	n := 100 + c.rng.IntN(1300)
	seq := c.aSeq
	c.s.tcp(t0, c.a, c.b, c.port, 445, decoders.TCPAck|decoders.TCPPsh, seq, c.bSeq, n)
	back := 0.3
	end := t0 + d
	last := end - c.rtt()
	for t := t0 + back; t < last-0.05; t += back {
		c.s.tcp(t, c.a, c.b, c.port, 445, decoders.TCPAck|decoders.TCPPsh, seq, c.bSeq, n)
		back = min(back*2, 12+c.u(0, 8))
	}
	c.s.tcp(last, c.a, c.b, c.port, 445, decoders.TCPAck|decoders.TCPPsh, seq, c.bSeq, n)
	c.aSeq += uint32(n)
	c.s.tcp(end, c.b, c.a, 445, c.port, decoders.TCPAck, c.bSeq, c.aSeq, 0)
	return end
}

// outageSYN: from t0 a's new connection goes unanswered (SYN retries with
// the same ISN) until b's SYN-ACK at t0+d. It returns the time after a's
// ACK.
func (c *scen) outageSYN(t0, d float64) float64 {
	c.port++
	isn := c.rng.Uint32()
	c.bSeq = c.rng.Uint32()
	end := t0 + d
	last := end - c.rtt()
	back := 3.0
	c.s.tcp(t0, c.a, c.b, c.port, 445, decoders.TCPSyn, isn, 0, 0)
	for t := t0 + back; t < last-0.05; t += back {
		c.s.tcp(t, c.a, c.b, c.port, 445, decoders.TCPSyn, isn, 0, 0)
		back = min(back*2, 12)
	}
	c.s.tcp(last, c.a, c.b, c.port, 445, decoders.TCPSyn, isn, 0, 0)
	c.aSeq = isn + 1
	c.s.tcp(end, c.b, c.a, 445, c.port, decoders.TCPSyn|decoders.TCPAck, c.bSeq, c.aSeq, 0)
	c.bSeq++
	t := end + c.rtt()
	c.s.tcp(t, c.a, c.b, c.port, 445, decoders.TCPAck, c.aSeq, c.bSeq, 0)
	return t
}

// ikeMode says how a negotiation goes.
type ikeMode int

const (
	ikeSilent       ikeMode = iota // IKEv1 main mode, no response
	ikeAnswered                    // IKEv1: MM1-MM4 answered, MM5 retransmitted, never MM6
	ikeAuthIP                      // AuthIP main mode, no response
	ikeNoProposal                  // IKEv1: answered by NO-PROPOSAL-CHOSEN
	ikeHealthy                     // IKEv1 MM1-6 and QM1-3
	ikeFragLost                    // IKEv1: MM5 in three fragments, the third never sent
	ikeV2Healthy                   // IKEv2 SA_INIT and AUTH
	ikeV2NoProposal                // IKEv2 SA_INIT answered by NO_PROPOSAL_CHOSEN
)

// negotiate emits one negotiation by from to to starting at t0 whose
// messages stop before until; retransmissions follow the Windows schedule
// (1, 2, 4, 8, 16 s, then every 16 s). It returns the time of the last
// message.
func (c *scen) negotiate(t0, until float64, from, to netip.Addr, mode ikeMode, vids []payload) float64 {
	rng := c.rng
	ispi := spi8(rng)
	var rspi [8]byte
	var fam uint8 = 0x10
	mainX := ike.ExchangeMain
	if mode == ikeAuthIP {
		mainX = ike.AuthIPExchangeMain
	}
	mm1 := ikeBytes(fam, ispi, rspi, mainX, 0, 0, append([]payload{plSA()}, vids...)...)
	retransmit := func(msg []byte, src, dst netip.Addr, t float64) float64 {
		last := t
		c.s.ike(t, src, dst, msg)
		for _, off := range []float64{1, 3, 7, 15, 31, 47, 63, 79, 95} {
			if t+off >= until {
				break
			}
			c.s.ike(t+off, src, dst, msg)
			last = t + off
		}
		return last
	}
	switch mode {
	case ikeSilent, ikeAuthIP:
		return retransmit(mm1, from, to, t0)
	case ikeNoProposal:
		c.s.ike(t0, from, to, mm1)
		t := t0 + c.rtt()
		c.s.ike(t, to, from, ikeBytes(fam, ispi, rspi, ike.ExchangeInformational, 0, rng.Uint32(), plNotifyV1(14)))
		return t
	case ikeV2NoProposal:
		init := ikeBytes(0x20, ispi, rspi, ike.ExchangeSAInit, ike.FlagInitiator, 0,
			payload{ike.PayloadSAv2, []byte{0, 0, 0, 0}}, plNonce(rng, 32))
		c.s.ike(t0, from, to, init)
		t := t0 + c.rtt()
		c.s.ike(t, to, from, ikeBytes(0x20, ispi, rspi, ike.ExchangeSAInit, ike.FlagResponse, 0, plNotifyV2(14)))
		return t
	case ikeV2Healthy:
		rspi = spi8(rng)
		var zero [8]byte
		t := t0
		c.s.ike(t, from, to, ikeBytes(0x20, ispi, zero, ike.ExchangeSAInit, ike.FlagInitiator, 0, plNonce(rng, 32)))
		t += c.rtt()
		c.s.ike(t, to, from, ikeBytes(0x20, ispi, rspi, ike.ExchangeSAInit, ike.FlagResponse, 0, plNonce(rng, 32)))
		t += c.rtt()
		c.s.ike(t, from, to, ikeBytes(0x20, ispi, rspi, ike.ExchangeAuth, ike.FlagInitiator, 1,
			payload{ike.PayloadEncrypted, plNonce(rng, 80).body}))
		t += c.rtt()
		c.s.ike(t, to, from, ikeBytes(0x20, ispi, rspi, ike.ExchangeAuth, ike.FlagResponse, 1,
			payload{ike.PayloadEncrypted, plNonce(rng, 80).body}))
		return t
	}
	// Main mode with answers.
	rspi = spi8(rng)
	t := t0
	c.s.ike(t, from, to, mm1)
	t += c.rtt()
	c.s.ike(t, to, from, ikeBytes(fam, ispi, rspi, mainX, 0, 0, append([]payload{plSA()}, c.vidB...)...))
	t += c.rtt()
	c.s.ike(t, from, to, ikeBytes(fam, ispi, rspi, mainX, 0, 0, plNonce(rng, 40)))
	t += c.rtt()
	c.s.ike(t, to, from, ikeBytes(fam, ispi, rspi, mainX, 0, 0, plNonce(rng, 40)))
	t += c.rtt()
	switch mode {
	case ikeAnswered:
		mm5 := ikeBytes(fam, ispi, rspi, mainX, ike.FlagEncrypted, 0, plNonce(rng, 60))
		return retransmit(mm5, from, to, t)
	case ikeFragLost:
		id := uint16(rng.Uint32())
		f1 := ikeBytes(fam, ispi, rspi, mainX, 0, 0, plFragment(id, 1, false, 500))
		f2 := ikeBytes(fam, ispi, rspi, mainX, 0, 0, plFragment(id, 2, false, 500))
		last := t
		for _, off := range []float64{0, 1, 3, 7, 15} {
			if t+off >= until {
				break
			}
			c.s.ike(t+off, from, to, f1)
			c.s.ike(t+off+0.0001, from, to, f2)
			last = t + off + 0.0001
		}
		return last
	}
	c.s.ike(t, from, to, ikeBytes(fam, ispi, rspi, mainX, ike.FlagEncrypted, 0, plNonce(rng, 60)))
	t += c.rtt()
	c.s.ike(t, to, from, ikeBytes(fam, ispi, rspi, mainX, ike.FlagEncrypted, 0, plNonce(rng, 60)))
	qmX := ike.ExchangeQuick
	msgid := rng.Uint32()
	for i := 0; i < 3; i++ {
		t += c.rtt()
		src, dst := from, to
		if i == 1 {
			src, dst = to, from
		}
		c.s.ike(t, src, dst, ikeBytes(fam, ispi, rspi, qmX, ike.FlagEncrypted, msgid, plNonce(rng, 50)))
	}
	return t
}

// espFlow sends request/response ESP traffic between a and b over
// [from, to] with SPIs sa (a to b) and sb (b to a); oneWay drops b's.
func (c *scen) espFlow(from, to float64, sa, sb uint32, oneWay bool, maxPause float64) {
	var qa, qb uint32
	for t := from; t < to; {
		qa++
		c.s.esp(t, c.a, c.b, sa, qa, 100+c.rng.IntN(1200))
		if !oneWay {
			qb++
			c.s.esp(t+c.rtt(), c.b, c.a, sb, qb, 60+c.rng.IntN(1200))
		}
		step := c.u(0.05, 2)
		if c.rng.IntN(20) == 0 {
			step = c.u(5, maxPause)
		}
		t += step
	}
}

// randAddr returns a random unicast address: IPv4 in 10/8, or IPv6 in
// 2001:db8::/32.
func randAddr(rng *rand.Rand, v6 bool) netip.Addr {
	if v6 {
		var b [16]byte
		b[0], b[1], b[2], b[3] = 0x20, 0x01, 0x0d, 0xb8
		for i := 4; i < 16; i++ {
			b[i] = byte(rng.Uint32())
		}
		return netip.AddrFrom16(b)
	}
	return netip.AddrFrom4([4]byte{10, byte(rng.IntN(256)), byte(rng.IntN(256)), byte(1 + rng.IntN(254))})
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

package synth

import (
	"fmt"
	"hash/fnv"
	"net"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// smbSession is an SMB2 client session on one TCP connection.
type smbSession struct {
	s      *pairSim
	c      *conn
	msgID  uint64
	sid    uint64
	tid    uint32
	fid    []byte
	fileSz uint64
}

// think is the client's delay between a response and its next request.
func (s *pairSim) think() time.Duration {
	return 150*time.Microsecond + time.Duration(s.rng.IntN(600))*time.Microsecond
}

// call runs one SMB2 request/response over the connection.
func (m *smbSession) call(t time.Time, cmd uint16, req, resp []byte, status uint32) (time.Time, bool) {
	h := smb2Header{cmd: cmd, msgID: m.msgID, treeID: m.tid, sessionID: m.sid, credits: 1}
	rq := smb2Message(h, req)
	h.response, h.status = true, status
	if cmd == smb2SessionSetup && m.sid == 0 {
		h.sessionID = m.s.rng.Uint64()&0x0000ffffffffffff | 0x0000040000000001
	}
	if cmd == smb2TreeConnect {
		h.treeID = m.s.rng.Uint32()&0xffff | 1
	}
	m.msgID++
	t, ok := m.c.exchange(t, rq, smb2Message(h, resp))
	if ok {
		m.sid, m.tid = h.sessionID, h.treeID
	}
	return t.Add(m.s.think()), ok
}

// handshake negotiates the dialect, authenticates with NTLMSSP and connects
// to the share.
func (m *smbSession) handshake(t time.Time) (time.Time, bool) {
	s := m.s
	server, client := s.rsp.Name, s.ini.Name
	now := t
	t, ok := m.call(t, smb2Negotiate, smb2NegotiateReq(randBytes(s.rng, 16), dialect202),
		smb2NegotiateResp(randBytes(s.rng, 16), now, now.Add(-72*time.Hour), spnegoInit(nil, oidMSKRB5, oidKRB5, oidNTLMSSP)), statusSuccess)
	if !ok {
		return t, false
	}
	info := avPairs("CONTOSO", strings.ToUpper(server), "contoso.local", now)
	t, ok = m.call(t, smb2SessionSetup, smb2SessionSetupReq(spnegoInit(ntlmNegotiate(), oidNTLMSSP)),
		smb2SessionSetupResp(spnegoResp(1, oidNTLMSSP, ntlmChallenge(s.rng, "CONTOSO", info))), statusMoreProcessingRequired)
	if !ok {
		return t, false
	}
	t, ok = m.call(t, smb2SessionSetup,
		smb2SessionSetupReq(spnegoResp(-1, nil, ntlmAuthenticate(s.rng, "CONTOSO", "jsmith", strings.ToUpper(client), info, now))),
		smb2SessionSetupResp(spnegoResp(0, nil, nil)), statusSuccess)
	if !ok {
		return t, false
	}
	share := s.p.Traffic.Share
	if share == "" {
		share = "share"
	}
	return m.call(t, smb2TreeConnect, smb2TreeConnectReq(`\\`+server+`\`+share), smb2TreeConnectResp(), statusSuccess)
}

// open opens a file to read, or to write at off (created when off is 0).
func (m *smbSession) open(t time.Time, f File, write bool, off int) (time.Time, bool) {
	fid := randBytes(m.s.rng, 16)
	size := uint64(f.Size)
	if write {
		size = uint64(off)
	}
	t, ok := m.call(t, smb2Create, smb2CreateReq(f.Name, write),
		smb2CreateResp(fid, write && off == 0, size, filetime(m.s.start.Add(-30*24*time.Hour))), statusSuccess)
	if ok {
		m.fid, m.fileSz = fid, uint64(f.Size)
	}
	return t, ok
}

// closeFile closes the open file.
func (m *smbSession) closeFile(t time.Time) (time.Time, bool) {
	return m.call(t, smb2Close, smb2CloseReq(m.fid), smb2CloseResp(), statusSuccess)
}

// io reads or writes n bytes at off.
func (m *smbSession) io(t time.Time, write bool, off uint64, n int) (time.Time, bool) {
	data := randBytes(m.s.rng, n)
	if write {
		return m.call(t, smb2Write, smb2WriteReq(m.fid, off, data), smb2WriteResp(uint32(n)), statusSuccess)
	}
	return m.call(t, smb2Read, smb2ReadReq(m.fid, off, uint32(n)), smb2ReadResp(data), statusSuccess)
}

// runSMB drives an SMB client copying files (read or write) or, idle, using
// a share now and then. A failed exchange kills the connection; the client
// reconnects and resumes where it stopped, as the SMB redirector does.
func (s *pairSim) runSMB() {
	tr := s.p.Traffic
	write := tr.Kind == TrafficSMBWrite
	files := tr.Files
	if len(files) == 0 {
		files = []File{{Name: `data\file.bin`, Size: 1 << 20}}
	}
	chunk := tr.Chunk
	if chunk == 0 {
		chunk = 4096
	}
	var m *smbSession
	fi, off := 0, 0
	t := s.start
	activeUntil := t.Add(tr.ActiveFor)
	for t.Before(s.stop) {
		if m == nil {
			c := s.newConn(445)
			var ok bool
			if t, ok = c.connect(t); !ok {
				t = t.Add(s.jitter(s.tm.Reconnect, 0.2))
				continue
			}
			m = &smbSession{s: s, c: c}
			t = t.Add(s.think())
			if t, ok = m.handshake(t); ok {
				t, ok = m.open(t, files[fi], write, off)
			}
			if !ok {
				m = nil
				t = t.Add(s.jitter(s.tm.Reconnect, 0.2))
				continue
			}
		}
		next := t.Add(s.jitter(tr.Interval, 0.25))
		if tr.Kind == TrafficSMBIdle && !next.Before(activeUntil) {
			// A natural pause: the user stops working with the share.
			next = next.Add(s.jitter(tr.PauseFor, 0.2))
			activeUntil = next.Add(s.jitter(tr.ActiveFor, 0.3))
		}
		if !next.Before(s.stop) {
			break
		}
		t = s.idle(t, next)
		n := min(chunk, files[fi].Size-off)
		var ok bool
		if t, ok = m.io(t, write, uint64(off), n); !ok {
			m = nil
			t = t.Add(s.jitter(s.tm.Reconnect, 0.2))
			continue
		}
		off += n
		if off >= files[fi].Size {
			fi, off = (fi+1)%len(files), 0
			if t, ok = m.closeFile(t); ok {
				t, ok = m.open(t, files[fi], write, 0)
			}
			if !ok {
				m = nil
			}
		}
	}
	if m != nil && m.c.open {
		t = t.Add(s.think())
		if t, ok := m.closeFile(t); ok {
			if t, ok = m.call(t, smb2TreeDisconnect, smb2TreeDisconnectBody(), smb2TreeDisconnectBody(), statusSuccess); ok {
				m.c.close(t.Add(s.think()))
			}
		}
	}
}

// runDNS sends queries for the traffic's names, one every Interval.
func (s *pairSim) runDNS() {
	names := s.p.Traffic.Names
	for i, t := 0, s.start; t.Before(s.stop); i++ {
		name := names[i%len(names)]
		id := uint16(s.rng.Uint32())
		q := layers.DNSQuestion{Name: []byte(name), Type: layers.DNSTypeA, Class: layers.DNSClassIN}
		query := &layers.DNS{ID: id, RD: true, Questions: []layers.DNSQuestion{q}}
		port := s.ini.ephemeralPort()
		s.transportUDP(t, s.ini, s.rsp, &layers.UDP{SrcPort: layers.UDPPort(port), DstPort: 53}, dnsBytes(query))
		h := fnv.New32a()
		h.Write([]byte(name))
		v := h.Sum32()
		ans := layers.DNSResourceRecord{Name: []byte(name), Type: layers.DNSTypeA, Class: layers.DNSClassIN, TTL: 3600,
			IP: net.IPv4(10, byte(v>>16), byte(v>>8), byte(v)|1)}
		resp := &layers.DNS{ID: id, QR: true, RD: true, RA: true, AA: true, Questions: []layers.DNSQuestion{q},
			Answers: []layers.DNSResourceRecord{ans}}
		tr := t.Add(s.half() + s.proc())
		s.transportUDP(tr, s.rsp, s.ini, &layers.UDP{SrcPort: 53, DstPort: layers.UDPPort(port)}, dnsBytes(resp))
		t = tr.Add(s.jitter(s.p.Traffic.Interval, 0.5))
	}
}

func dnsBytes(d *layers.DNS) []byte {
	buf := gopacket.NewSerializeBuffer()
	must(gopacket.SerializeLayers(buf, serializeOpts, d))
	return buf.Bytes()
}

// runHTTP fetches the traffic's paths, one connection per request.
func (s *pairSim) runHTTP() {
	paths := s.p.Traffic.Names
	for i, t := 0, s.start; t.Before(s.stop); i++ {
		path := paths[i%len(paths)]
		c := s.newConn(80)
		var ok bool
		if t, ok = c.connect(t); !ok {
			continue
		}
		req := fmt.Sprintf("GET %s HTTP/1.1\r\nAccept: */*\r\nUser-Agent: Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.0)\r\nHost: %s\r\nConnection: close\r\n\r\n",
			path, s.rsp.Name)
		body := htmlBody(path, 1500+s.rng.IntN(6000))
		resp := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
		if t, ok = c.exchange(t.Add(s.think()), []byte(req), []byte(resp)); ok {
			t = c.close(t.Add(2 * time.Millisecond))
		}
		t = t.Add(s.jitter(s.p.Traffic.Interval, 0.5))
	}
}

// htmlBody is an intranet page of about n bytes.
func htmlBody(title string, n int) string {
	var b strings.Builder
	b.WriteString("<html><head><title>" + title + "</title></head><body>\n")
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "<p>Item %d: quarterly figures and team notes for the intranet page %s.</p>\n", i, title)
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

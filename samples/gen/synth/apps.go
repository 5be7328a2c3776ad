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

// smbClient is the client side of one SMB connection, in SMB2 or SMB1 as
// the two hosts' releases decide (speaksSMB2).
type smbClient interface {
	// handshake negotiates the dialect, authenticates with NTLMSSP and
	// connects to the share.
	handshake(t time.Time) (time.Time, bool)
	// open opens a file to read, or to write at off (created when off is 0).
	open(t time.Time, f File, write bool, off int) (time.Time, bool)
	// io reads or writes n bytes at off of the open file.
	io(t time.Time, write bool, off uint64, n int) (time.Time, bool)
	// closeFile closes the open file.
	closeFile(t time.Time) (time.Time, bool)
	// treeDisconnect leaves the share.
	treeDisconnect(t time.Time) (time.Time, bool)
	connection() *conn
}

// newSMBClient starts an SMB client on an open connection.
func (s *pairSim) newSMBClient(c *conn) smbClient {
	if speaksSMB2(s.ini.Release, s.rsp.Release) {
		return &smb2Session{s: s, c: c}
	}
	return &smb1Session{s: s, c: c, tid: 0xffff}
}

// think is the client's delay between a response and its next request.
func (s *pairSim) think() time.Duration {
	return 150*time.Microsecond + time.Duration(s.rng.IntN(600))*time.Microsecond
}

// shareName is the pair's share, "share" when the scenario names none.
func (s *pairSim) shareName() string {
	if s.p.Traffic.Share == "" {
		return "share"
	}
	return s.p.Traffic.Share
}

// targetInfo is the NTLMSSP target information the server sends: with a
// timestamp from Vista and Server 2008 on.
func (s *pairSim) targetInfo(now time.Time) []byte {
	var ts time.Time
	if s.rsp.Release.VistaOrLater() {
		ts = now
	}
	return avPairs("CONTOSO", strings.ToUpper(s.rsp.Name), "contoso.local", ts)
}

// smbMechs are the mechanisms a server lists in its NEGOTIATE response:
// Kerberos and NTLMSSP for a Windows domain member, NTLMSSP alone for Samba.
func (s *pairSim) smbMechs() []byte {
	if s.rsp.Release == ReleaseOther {
		return spnegoInit(nil, oidNTLMSSP)
	}
	return spnegoInit(nil, oidMSKRB5, oidKRB5, oidNTLMSSP)
}

// smb2Session is an SMB2 client session on one TCP connection.
type smb2Session struct {
	s     *pairSim
	c     *conn
	msgID uint64
	sid   uint64
	tid   uint32
	fid   []byte
}

func (m *smb2Session) connection() *conn { return m.c }

// call runs one SMB2 request/response over the connection.
func (m *smb2Session) call(t time.Time, cmd uint16, req, resp []byte, status uint32) (time.Time, bool) {
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

// handshake starts, as Windows does on a new connection, with an SMB1
// multi-protocol NEGOTIATE offering "SMB 2.002" ([MS-SMB2] §4.1); the server
// answers with an SMB2 NEGOTIATE response, with the wildcard 0x02FF when
// both sides know SMB 2.1 and an SMB2 NEGOTIATE follows (§4.2).
func (m *smb2Session) handshake(t time.Time) (time.Time, bool) {
	s := m.s
	server, client := s.rsp.Name, s.ini.Name
	now := t
	dialect := smb2Dialect(s.ini.Release, s.rsp.Release)
	serverGUID := randBytes(s.rng, 16)
	boot := now.Add(-72 * time.Hour)
	first := dialect
	if dialect != dialect202 {
		first = dialectWildcard
	}
	rq := smb1Message(smb1Header{cmd: smb1Negotiate, tid: 0xffff, pid: 0xfeff}, smb1NegotiateReq(smb1Dialects(s.ini.Release)))
	rp := smb2Message(smb2Header{cmd: smb2Negotiate, response: true, credits: 1},
		smb2NegotiateResp(first, serverGUID, now, boot, s.smbMechs()))
	t, ok := m.c.exchange(t, rq, rp)
	if !ok {
		return t, false
	}
	t = t.Add(s.think())
	m.msgID = 1
	if first == dialectWildcard {
		t, ok = m.call(t, smb2Negotiate, smb2NegotiateReq(randBytes(s.rng, 16), dialect202, dialect),
			smb2NegotiateResp(dialect, serverGUID, now, boot, s.smbMechs()), statusSuccess)
		if !ok {
			return t, false
		}
	}
	info := s.targetInfo(now)
	cv, sv := ntlmVersion(s.ini.Release), ntlmVersion(s.rsp.Release)
	t, ok = m.call(t, smb2SessionSetup, smb2SessionSetupReq(spnegoInit(ntlmNegotiate(cv), oidNTLMSSP)),
		smb2SessionSetupResp(spnegoResp(1, oidNTLMSSP, ntlmChallenge(s.rng, "CONTOSO", info, sv))), statusMoreProcessingRequired)
	if !ok {
		return t, false
	}
	t, ok = m.call(t, smb2SessionSetup,
		smb2SessionSetupReq(spnegoResp(-1, nil, ntlmAuthenticate(s.rng, "CONTOSO", "jsmith", strings.ToUpper(client), info, now, cv, s.rsp.Release.VistaOrLater()))),
		smb2SessionSetupResp(spnegoResp(0, nil, nil)), statusSuccess)
	if !ok {
		return t, false
	}
	return m.call(t, smb2TreeConnect, smb2TreeConnectReq(`\\`+server+`\`+s.shareName()), smb2TreeConnectResp(), statusSuccess)
}

func (m *smb2Session) open(t time.Time, f File, write bool, off int) (time.Time, bool) {
	fid := randBytes(m.s.rng, 16)
	size := uint64(f.Size)
	if write {
		size = uint64(off)
	}
	t, ok := m.call(t, smb2Create, smb2CreateReq(f.Name, write),
		smb2CreateResp(fid, write && off == 0, size, filetime(m.s.start.Add(-30*24*time.Hour))), statusSuccess)
	if ok {
		m.fid = fid
	}
	return t, ok
}

func (m *smb2Session) closeFile(t time.Time) (time.Time, bool) {
	return m.call(t, smb2Close, smb2CloseReq(m.fid), smb2CloseResp(), statusSuccess)
}

func (m *smb2Session) treeDisconnect(t time.Time) (time.Time, bool) {
	return m.call(t, smb2TreeDisconnect, smb2TreeDisconnectBody(), smb2TreeDisconnectBody(), statusSuccess)
}

func (m *smb2Session) io(t time.Time, write bool, off uint64, n int) (time.Time, bool) {
	data := randBytes(m.s.rng, n)
	if write {
		return m.call(t, smb2Write, smb2WriteReq(m.fid, off, data), smb2WriteResp(uint32(n)), statusSuccess)
	}
	return m.call(t, smb2Read, smb2ReadReq(m.fid, off, uint32(n)), smb2ReadResp(data), statusSuccess)
}

// smb1Session is an SMB1 client session on one TCP connection: the
// redirector's PID 0xFEFF, MIDs counting from 0, TID 0xFFFF until the tree
// is connected.
type smb1Session struct {
	s             *pairSim
	c             *conn
	mid           uint16
	uid, tid, fid uint16
}

func (m *smb1Session) connection() *conn { return m.c }

// call runs one SMB1 request/response over the connection; the server
// assigns the UID in its first SESSION_SETUP_ANDX response and the TID in
// TREE_CONNECT_ANDX's.
func (m *smb1Session) call(t time.Time, cmd uint8, req, resp smb1Body, status uint32) (time.Time, bool) {
	h := smb1Header{cmd: cmd, tid: m.tid, pid: 0xfeff, uid: m.uid, mid: m.mid}
	rq := smb1Message(h, req)
	h.response, h.status = true, status
	if cmd == smb1SessionSetupAndX && m.uid == 0 {
		h.uid = uint16(m.s.rng.Uint32())&0x7ff8 | 0x0800
	}
	if cmd == smb1TreeConnectAndX {
		h.tid = uint16(m.s.rng.Uint32())&0x7ff8 | 0x0800
	}
	m.mid++
	t, ok := m.c.exchange(t, rq, smb1Message(h, resp))
	if ok {
		m.uid, m.tid = h.uid, h.tid
	}
	return t.Add(m.s.think()), ok
}

// handshake negotiates NT LM 0.12 (the client offers its whole list, "SMB
// 2.002" included when it is Vista or later; the server picks by index),
// authenticates with NTLMSSP inside SPNEGO and connects to the share.
func (m *smb1Session) handshake(t time.Time) (time.Time, bool) {
	s := m.s
	cli, srv := s.ini.Release, s.rsp.Release
	now := t
	dialects := smb1Dialects(cli)
	t, ok := m.call(t, smb1Negotiate, smb1NegotiateReq(dialects),
		smb1NegotiateResp(dialectIndex(dialects, dialectNTLM012), smb1Capabilities(srv), now, randBytes(s.rng, 16), s.smbMechs()),
		statusSuccess)
	if !ok {
		return t, false
	}
	info := s.targetInfo(now)
	cv, sv := ntlmVersion(cli), ntlmVersion(srv)
	cos, clm := nativeOS(cli)
	sos, slm := nativeOS(srv)
	t, ok = m.call(t, smb1SessionSetupAndX, smb1SessionSetupReq(spnegoInit(ntlmNegotiate(cv), oidNTLMSSP), cos, clm),
		smb1SessionSetupResp(spnegoResp(1, oidNTLMSSP, ntlmChallenge(s.rng, "CONTOSO", info, sv)), sos, slm),
		statusMoreProcessingRequired)
	if !ok {
		return t, false
	}
	auth := ntlmAuthenticate(s.rng, "CONTOSO", "jsmith", strings.ToUpper(s.ini.Name), info, now, cv, srv.VistaOrLater())
	t, ok = m.call(t, smb1SessionSetupAndX, smb1SessionSetupReq(spnegoResp(-1, nil, auth), cos, clm),
		smb1SessionSetupResp(spnegoResp(0, nil, nil), sos, slm), statusSuccess)
	if !ok {
		return t, false
	}
	// The SMB1 redirector sends the UNC path in upper case.
	path := strings.ToUpper(`\\` + s.rsp.Name + `\` + s.shareName())
	return m.call(t, smb1TreeConnectAndX, smb1TreeConnectReq(path), smb1TreeConnectResp(), statusSuccess)
}

func (m *smb1Session) open(t time.Time, f File, write bool, off int) (time.Time, bool) {
	fid := uint16(m.s.rng.Uint32())&0x3fff | 0x4000
	size := uint64(f.Size)
	if write {
		size = uint64(off)
	}
	t, ok := m.call(t, smb1NTCreateAndX, smb1NTCreateReq(`\`+f.Name, write),
		smb1NTCreateResp(fid, write && off == 0, size, filetime(m.s.start.Add(-30*24*time.Hour))), statusSuccess)
	if ok {
		m.fid = fid
	}
	return t, ok
}

func (m *smb1Session) closeFile(t time.Time) (time.Time, bool) {
	return m.call(t, smb1Close, smb1CloseReq(m.fid), smb1Empty(), statusSuccess)
}

func (m *smb1Session) treeDisconnect(t time.Time) (time.Time, bool) {
	return m.call(t, smb1TreeDisconnect, smb1Empty(), smb1Empty(), statusSuccess)
}

func (m *smb1Session) io(t time.Time, write bool, off uint64, n int) (time.Time, bool) {
	data := randBytes(m.s.rng, n)
	if write {
		return m.call(t, smb1WriteAndX, smb1WriteReq(m.fid, off, data), smb1WriteResp(uint32(n)), statusSuccess)
	}
	return m.call(t, smb1ReadAndX, smb1ReadReq(m.fid, off, uint32(n)), smb1ReadResp(data), statusSuccess)
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
	var m smbClient
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
			m = s.newSMBClient(c)
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
	if m != nil && m.connection().open {
		t = t.Add(s.think())
		if t, ok := m.closeFile(t); ok {
			if t, ok = m.treeDisconnect(t); ok {
				m.connection().close(t.Add(s.think()))
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
		var connected bool
		if t, connected = s.fetchPage(t, paths[i%len(paths)]); connected {
			t = t.Add(s.jitter(s.p.Traffic.Interval, 0.5))
		}
	}
}

// fetchPage fetches path on a new connection from t and returns when the
// fetch ended, and whether the connection was made (a failed connect
// tries again at once).
func (s *pairSim) fetchPage(t time.Time, path string) (time.Time, bool) {
	c := s.newConn(80)
	var ok bool
	if t, ok = c.connect(t); !ok {
		return t, false
	}
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nAccept: */*\r\nUser-Agent: Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.0)\r\nHost: %s\r\nConnection: close\r\n\r\n",
		path, s.rsp.Name)
	body := htmlBody(path, 1500+s.rng.IntN(6000))
	resp := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
	if t, ok = c.exchange(t.Add(s.think()), []byte(req), []byte(resp)); ok {
		t = c.close(t.Add(2 * time.Millisecond))
	}
	return t, true
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

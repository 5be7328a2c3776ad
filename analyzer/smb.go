package analyzer

import (
	"errors"
	"strconv"
	"strings"

	"softsa/analyzer/result"
	"softsa/decoders"
	"softsa/decoders/smb"
)

// SMB sessions and operations: what the user was doing when the traffic
// stopped. Each TCP segment on port 445/139 that is not a retransmission is
// walked with smb.Parser from where its connection's SMBStream says
// the next NetBIOS message begins; nothing is reassembled. Requests are
// remembered until their response (by message ID), in a fixed number of
// slots: when the responder goes silent, the requests left are the ones in
// flight. Only a CREATE (for its file name) or a new dialect allocates.

// statusPending is STATUS_PENDING, the status of an SMB2 interim response.
const statusPending = 0x00000103

const (
	smbPending  = 32
	smbSessions = 16
	smbFiles    = 32
	smbCreates  = 16
	smbFIDs     = 32
)

// smbReq is one request awaiting its response.
type smbReq struct {
	side   side
	kind   smb.Kind
	cmd    uint16
	msgID  uint64
	frame  int
	t      stamp
	length uint32
	offset uint64
	fileID [16]byte
	fid    uint16
	name   string // for a CREATE
}

type smbFile struct {
	id   [16]byte // SMB2 FileId, or SMB1 FID in the first two bytes
	name string
}

// smbState is the SMB summary of one pair.
type smbState struct {
	kind      smb.Kind
	encrypted bool // SMB3 transform headers seen
	dialect   uint16
	dialectOK bool
	sessions  [smbSessions]uint64
	nsess     int
	sessMore  int
	read      int64
	written   int64
	files     []string
	filesCut  int
	requests  int
	responses int
	pending   [smbPending]smbReq
	npending  int
	fids      [smbFIDs]smbFile
	nfid      int
}

// addSMB walks the SMB messages of one segment sent by from.
func (a *analysis) addSMB(p *pair, from side, m *decoders.Message, now ref, c *tcpConn) {
	h := &c.half[from]
	off := h.smb.Offset(m.Seq, len(m.Payload))
	if off < 0 || off >= len(m.Payload) {
		return
	}
	sp := &a.smbp
	if sp.Start(m.Payload[off:]) != nil {
		return
	}
	if p.smb == nil {
		p.smb = &smbState{}
	}
	for i := 0; i < 2*smb.MaxMessages; i++ {
		msg := &a.smbm
		err := sp.NextInto(msg)
		// Most segments end with ErrDone itself: compared first, it
		// spares errors.Is its reflection.
		if err == decoders.ErrDone || errors.Is(err, decoders.ErrDone) {
			break
		}
		if err != nil {
			// One message's contents were bad; Next goes on with the
			// next PDU, or keeps failing when the framing is lost (the
			// loop bound stops that).
			continue
		}
		a.smbMessage(p.smb, from, msg, now)
	}
	h.smb.Update(m.Seq, off, sp)
}

// smbMessage records one SMB message.
func (a *analysis) smbMessage(s *smbState, from side, msg *smb.Message, now ref) {
	if msg.Kind == smb.KindNone {
		return
	}
	if s.kind < msg.Kind && msg.Kind <= smb.KindSMB2 {
		s.kind = msg.Kind
	}
	if msg.Kind != smb.KindSMB1 && msg.Kind != smb.KindSMB2 {
		// Encrypted or compressed: only the transform header is clear.
		s.encrypted = s.encrypted || msg.Kind == smb.KindTransform
		return
	}
	if msg.SessionID != 0 {
		s.addSession(msg.SessionID)
	}
	if !msg.Response {
		s.requests++
		r := smbReq{side: from, kind: msg.Kind, cmd: msg.Command, msgID: msg.MessageID, frame: now.frame, t: now.t,
			length: msg.DataLength, offset: msg.FileOffset, fileID: msg.FileID, fid: msg.FID}
		if s.isCreate(msg) && msg.Fields&smb.FieldName != 0 {
			a.name = msg.AppendName(a.name[:0])
			r.name = s.addFile(a.name)
		}
		s.push(r)
		return
	}
	if msg.Kind == smb.KindSMB2 && msg.Async && msg.Status == statusPending {
		return // an interim response: the real one follows
	}
	s.responses++
	req, ok := s.pop(msg.Kind, msg.MessageID)
	switch {
	case msg.Fields&smb.FieldDialect != 0 && msg.Kind == smb.KindSMB2 && s.isCommand(msg, smb.SMB2Negotiate, 0):
		s.dialect, s.dialectOK = msg.DialectRevision, true
	case msg.Fields&smb.FieldDialect != 0 && msg.Kind == smb.KindSMB1 && msg.Command == smb.SMB1Negotiate:
		s.dialectOK = true
	}
	if msg.Status != 0 && msg.Kind == smb.KindSMB2 {
		return // an error response carries no data
	}
	switch {
	case s.isCommand(msg, smb.SMB2Read, smb.SMB1ReadAndX) && msg.Fields&smb.FieldLength != 0:
		s.read += int64(msg.DataLength)
	case s.isCommand(msg, smb.SMB2Write, smb.SMB1WriteAndX) && msg.Fields&smb.FieldLength != 0:
		s.written += int64(msg.DataLength)
	case s.isCreate(msg) && ok && req.name != "" && msg.Fields&smb.FieldFileID != 0:
		id := msg.FileID
		if msg.Kind == smb.KindSMB1 {
			id = [16]byte{byte(msg.FID), byte(msg.FID >> 8)}
		}
		s.fids[s.nfid%smbFIDs] = smbFile{id: id, name: req.name}
		s.nfid++
	}
}

func (s *smbState) isCommand(msg *smb.Message, smb2 uint16, smb1 uint8) bool {
	if msg.Kind == smb.KindSMB2 {
		return msg.Command == smb2
	}
	return smb1 != 0 && msg.Command == uint16(smb1)
}

func (s *smbState) isCreate(msg *smb.Message) bool {
	return s.isCommand(msg, smb.SMB2Create, smb.SMB1NTCreateAndX)
}

func (s *smbState) addSession(id uint64) {
	for i := 0; i < s.nsess; i++ {
		if s.sessions[i] == id {
			return
		}
	}
	if s.nsess < smbSessions {
		s.sessions[s.nsess] = id
		s.nsess++
		return
	}
	s.sessMore++
}

// addFile records a file name (UTF-8 in b) and returns it as a string; a
// name already known costs no allocation.
func (s *smbState) addFile(b []byte) string {
	for _, f := range s.files {
		if f == string(b) {
			return f
		}
	}
	name := string(b)
	if name == "" {
		name = `\` // the share root
	}
	if len(s.files) < smbFiles {
		s.files = append(s.files, name)
	} else {
		s.filesCut++
	}
	return name
}

// push remembers a request; when every slot is taken the oldest goes, as
// it is the least likely ever to be answered.
func (s *smbState) push(r smbReq) {
	if s.npending == smbPending {
		copy(s.pending[:], s.pending[1:])
		s.npending--
	}
	s.pending[s.npending] = r
	s.npending++
}

// pop removes and returns the request a response answers.
func (s *smbState) pop(kind smb.Kind, id uint64) (smbReq, bool) {
	for i := 0; i < s.npending; i++ {
		if r := s.pending[i]; r.kind == kind && r.msgID == id {
			copy(s.pending[i:], s.pending[i+1:s.npending])
			s.npending--
			return r, true
		}
	}
	return smbReq{}, false
}

// forget drops the requests that from sent at or before t. At: the
// request that opened a gap is sent at the gap's start, and it is the one
// most likely in flight.
func (s *smbState) forget(from side, t stamp) {
	j := 0
	for i := 0; i < s.npending; i++ {
		r := s.pending[i]
		if r.side == from && !r.t.After(t) {
			continue
		}
		s.pending[j] = r
		j++
	}
	s.npending = j
}

// fileName returns the name of an open file, or "".
func (s *smbState) fileName(r *smbReq) string {
	id := r.fileID
	if r.kind == smb.KindSMB1 {
		id = [16]byte{byte(r.fid), byte(r.fid >> 8)}
	}
	for i := 0; i < min(s.nfid, smbFIDs); i++ {
		if s.fids[i].id == id {
			return s.fids[i].name
		}
	}
	return ""
}

// inFlight describes up to limit requests sent by from and not answered.
func (s *smbState) inFlight(from side, limit int) []string {
	var out []string
	for i := 0; i < s.npending && len(out) < limit; i++ {
		r := &s.pending[i]
		if r.side != from {
			continue
		}
		out = append(out, s.describe(r))
	}
	return out
}

// describe says what a request was doing, e.g. "READ 65536 bytes at offset
// 1048576 of big.iso (frame 812)".
func (s *smbState) describe(r *smbReq) string {
	var b strings.Builder
	if r.kind == smb.KindSMB2 {
		b.WriteString(smb.SMB2CommandName(r.cmd))
	} else {
		b.WriteString(smb.SMB1CommandName(uint8(r.cmd)))
	}
	isRW := (r.kind == smb.KindSMB2 && (r.cmd == smb.SMB2Read || r.cmd == smb.SMB2Write)) ||
		(r.kind == smb.KindSMB1 && (r.cmd == smb.SMB1ReadAndX || r.cmd == smb.SMB1WriteAndX))
	if isRW && r.length > 0 {
		b.WriteString(" " + strconv.FormatUint(uint64(r.length), 10) + " bytes at offset " + strconv.FormatUint(r.offset, 10))
	}
	name := r.name
	if name == "" {
		name = s.fileName(r)
	}
	if name != "" {
		if r.name != "" {
			b.WriteString(" " + name)
		} else {
			b.WriteString(" of " + name)
		}
	}
	b.WriteString(" (frame " + strconv.Itoa(r.frame) + ")")
	return b.String()
}

// toResult converts the SMB summary for the JSON.
func (s *smbState) toResult() *result.SMB {
	r := &result.SMB{
		Sessions:     s.nsess + s.sessMore,
		BytesRead:    s.read,
		BytesWritten: s.written,
		Files:        append([]string{}, s.files...),
		Requests:     s.requests,
		Responses:    s.responses,
	}
	switch {
	case s.kind == smb.KindSMB2 && s.dialectOK:
		r.Dialect = smb.DialectName(s.dialect)
	case s.kind == smb.KindSMB2:
		r.Dialect = "SMB2/3 (dialect not seen)"
	case s.kind == smb.KindSMB1:
		r.Dialect = "SMB1"
	case s.encrypted:
		r.Dialect = "SMB 3.x (encrypted)"
	}
	for i := 0; i < s.npending && len(r.InFlight) < 8; i++ {
		r.InFlight = append(r.InFlight, s.describe(&s.pending[i]))
	}
	return r
}

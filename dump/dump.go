// Package dump writes every decoded IKE, ESP and SMB message of a capture as
// one JSON object per line, keyed by the frame numbers Wireshark shows, so
// that anyone can check softsa's decoding against Wireshark's.
package dump

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"time"

	"softsa/decoders"
	"softsa/decoders/capture"
	"softsa/decoders/ike"
	"softsa/decoders/smb"
)

// Options selects what to print.
type Options struct {
	ISAKMP, ESP, SMB bool
	// Capture, when set, is written in every record's capture field: a
	// dump of several files says on each line which one it came from.
	Capture string
}

// Record is one line of dump output. Field names are a public interface,
// like the analysis JSON: add freely, never rename.
type Record struct {
	// Capture names the capture file, in a dump of several (Options.Capture).
	// Not "file", which is an SMB message's file name.
	Capture  string `json:"capture,omitempty"`
	Frame    int    `json:"frame"`
	Time     string `json:"time"`
	Src      string `json:"src"`
	Dst      string `json:"dst"`
	SrcPort  uint16 `json:"sport,omitempty"`
	DstPort  uint16 `json:"dport,omitempty"`
	Proto    string `json:"proto"`
	UDPEncap bool   `json:"udp_encap,omitempty"`
	// Reassembled marks a message that came in several IP fragments; Frame
	// is then its last fragment's, as in Wireshark.
	Reassembled bool `json:"reassembled,omitempty"`
	// Fragment marks what the first fragment of a datagram that never
	// completed holds: the message is cut where the fragment ends.
	Fragment bool `json:"fragment,omitempty"`

	// ISAKMP (IKEv1, AuthIP, IKEv2).
	Family       string   `json:"family,omitempty"`
	Version      *uint8   `json:"version,omitempty"`
	Exchange     *uint8   `json:"exchange,omitempty"`
	ExchangeName string   `json:"exchange_name,omitempty"`
	ISPI         string   `json:"ispi,omitempty"`
	RSPI         string   `json:"rspi,omitempty"`
	MsgID        *uint32  `json:"msgid,omitempty"`
	Flags        *uint8   `json:"flags,omitempty"`
	Payloads     []int    `json:"payloads,omitempty"`
	PayloadNames []string `json:"payload_names,omitempty"`
	Encrypted    bool     `json:"encrypted,omitempty"`
	Notify       []Notify `json:"notify,omitempty"`
	VendorIDs    []Vendor `json:"vendor_ids,omitempty"`
	DeleteSPIs   []string `json:"delete_spis,omitempty"`

	// ESP.
	SPI string  `json:"spi,omitempty"`
	Seq *uint32 `json:"seq,omitempty"`

	// SMB.
	Command     *uint16 `json:"command,omitempty"`
	CommandName string  `json:"command_name,omitempty"`
	Status      *uint32 `json:"status,omitempty"`
	StatusName  string  `json:"status_name,omitempty"`
	SMBMsgID    *uint64 `json:"smb_msgid,omitempty"`
	SessionID   string  `json:"session_id,omitempty"`
	TreeID      *uint32 `json:"tree_id,omitempty"`
	Response    *bool   `json:"response,omitempty"`
	Dialect     string  `json:"dialect,omitempty"`
	File        string  `json:"file,omitempty"`
	Length      *uint32 `json:"length,omitempty"`
	Partial     bool    `json:"partial,omitempty"`
	// AndX lists the SMB1 commands chained behind the header's command.
	AndX []int `json:"andx,omitempty"`

	// Error says why decoding of this message stopped early; what was
	// decoded before it is still in the record.
	Error string `json:"error,omitempty"`
}

// Notify is one notify payload.
type Notify struct {
	Type uint16 `json:"type"`
	Name string `json:"name"`
}

// Vendor is one vendor ID payload.
type Vendor struct {
	Hex  string `json:"hex"`
	Name string `json:"name"`
}

// WriteFile dumps the capture at path. It reads the file twice: the first
// pass finds the IP datagrams that are later reassembled, so that, as in
// Wireshark, a datagram's first fragment is shown on its own only when the
// datagram never completes (its later fragments were lost); a completed one
// is shown once, at its last fragment.
func WriteFile(w io.Writer, path string, o Options) (int, error) {
	completed, _ := completedFirstFragments(path)
	c, err := capture.Open(path)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return write(w, c, o, completed)
}

type fragKey struct {
	src, dst netip.Addr
	id       uint32
}

// completedFirstFragments returns the frame numbers of first fragments whose
// datagram was reassembled later in the capture.
func completedFirstFragments(path string) (map[int]bool, error) {
	firsts := map[fragKey]int{}
	done := map[int]bool{}
	err := decoders.Walk(path, func(_ *capture.Frame, m *decoders.Message) error {
		k := fragKey{m.Src, m.Dst, m.IPID}
		switch {
		case m.Fragment && m.SrcPort|m.DstPort != 0:
			firsts[k] = m.Frame
		case m.Reassembled:
			if n, ok := firsts[k]; ok {
				done[n] = true
				delete(firsts, k)
			}
		}
		return nil
	})
	return done, err
}

// Write decodes every frame of c and writes a line per selected message to
// w, showing every first fragment on its own (see WriteFile). It returns how
// many records it wrote and the capture's error, if the file is damaged
// (every message before the damage has been written).
func Write(w io.Writer, c *capture.Capture, o Options) (int, error) {
	return write(w, c, o, nil)
}

func write(w io.Writer, c *capture.Capture, o Options, completed map[int]bool) (int, error) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	d := decoders.NewDecoder()
	var f capture.Frame
	var m decoders.Message
	var st state
	n := 0
	for {
		if err := c.Next(&f); err != nil {
			if err == io.EOF {
				return n, nil
			}
			return n, err
		}
		d.Decode(&f, &m)
		if m.Fragment && completed[m.Frame] {
			continue
		}
		recs := st.records(&m, o)
		for i := range recs {
			if err := enc.Encode(&recs[i]); err != nil {
				return n, fmt.Errorf("writing dump: %w", err)
			}
			n++
		}
	}
}

// state holds what records reuses between frames.
type state struct {
	recs    []Record
	streams map[flow]*smb.Stream
	ike     ike.Summary
	smb     smb.Parser
	name    []byte
	types   []uint8
}

func (s *state) records(m *decoders.Message, o Options) []Record {
	s.recs = s.recs[:0]
	base := Record{Capture: o.Capture, Frame: m.Frame, Time: m.Time.UTC().Format(time.RFC3339Nano), SrcPort: m.SrcPort, DstPort: m.DstPort,
		UDPEncap: m.UDPEncap, Reassembled: m.Reassembled, Fragment: m.Fragment}
	if m.IPVersion != 0 {
		base.Src, base.Dst = m.Src.String(), m.Dst.String()
	}
	switch m.App {
	case decoders.AppISAKMP:
		if o.ISAKMP {
			s.recs = append(s.recs, s.isakmp(base, m.AppData))
		}
	case decoders.AppESP:
		if o.ESP {
			r := base
			r.Proto = "esp"
			r.SPI = fmt.Sprintf("0x%08x", m.ESP.SPI)
			seq := m.ESP.Seq
			r.Seq = &seq
			s.recs = append(s.recs, r)
		}
	case decoders.AppSMB:
		if o.SMB {
			s.smb1or2(base, m)
		}
	case decoders.AppNone:
		if m.TCPFlags&decoders.TCPSyn != 0 && s.streams != nil {
			delete(s.streams, flow{m.Src, m.Dst, m.SrcPort, m.DstPort}) // a new connection
		}
	}
	return s.recs
}

// flow is one direction of a TCP connection.
type flow struct {
	src, dst     netip.Addr
	sport, dport uint16
}

// smb1or2 walks an SMB segment from where the connection's stream says the
// next message starts: a segment may begin with the tail of a message begun
// earlier, or lie wholly inside one.
func (s *state) smb1or2(base Record, m *decoders.Message) {
	if s.streams == nil {
		s.streams = map[flow]*smb.Stream{}
	}
	k := flow{m.Src, m.Dst, m.SrcPort, m.DstPort}
	st := s.streams[k]
	if st == nil {
		st = &smb.Stream{}
		s.streams[k] = st
	}
	off := st.Offset(m.Seq, m.PayloadLen)
	if off < 0 || off > len(m.AppData) {
		return
	}
	s.smbRecords(base, m.AppData[off:])
	st.Update(m.Seq, off, &s.smb)
}

func (s *state) isakmp(r Record, msg []byte) Record {
	r.Proto = "isakmp"
	err := s.ike.Parse(msg)
	h := s.ike.Header
	if s.ike.HeaderOK {
		fam := h.Family()
		r.Family = fam.String()
		v, e, fl, id := h.Version, h.Exchange, h.Flags, h.MsgID
		r.Version, r.Exchange, r.Flags, r.MsgID = &v, &e, &fl, &id
		r.ExchangeName = ike.ExchangeName(fam, h.Exchange)
		r.ISPI, r.RSPI = hex.EncodeToString(h.ISPI[:]), hex.EncodeToString(h.RSPI[:])
		s.types = wiresharkPayloadTypes(msg, s.types[:0])
		for _, t := range s.types {
			r.Payloads = append(r.Payloads, int(t))
			r.PayloadNames = append(r.PayloadNames, ike.PayloadName(fam, t))
		}
		r.Encrypted = s.ike.Opaque
		for _, t := range s.ike.NotifyTypes() {
			r.Notify = append(r.Notify, Notify{Type: t, Name: ike.NotifyName(fam, t)})
		}
		for _, vid := range s.ike.VendorIDs() {
			r.VendorIDs = append(r.VendorIDs, Vendor{Hex: hex.EncodeToString(vid), Name: ike.VendorIDName(vid)})
		}
		for _, spi := range s.ike.DeleteSPIs() {
			r.DeleteSPIs = append(r.DeleteSPIs, hex.EncodeToString(spi))
		}
	}
	if err != nil {
		r.Error = err.Error()
	}
	return r
}

func (s *state) smbRecords(base Record, seg []byte) {
	if err := s.smb.Start(seg); err != nil {
		return // not the start of an SMB message (a continuation segment)
	}
	for {
		sm, err := s.smb.Next()
		if err != nil {
			if err != decoders.ErrDone && len(s.recs) > 0 {
				s.recs[len(s.recs)-1].Error = err.Error()
			}
			return
		}
		r := base
		cmd, status, resp := sm.Command, sm.Status, sm.Response
		r.Command, r.Status, r.Response = &cmd, &status, &resp
		r.Partial = sm.Partial
		switch sm.Kind {
		case smb.KindSMB1:
			r.Proto = "smb1"
			r.CommandName = smb.SMB1CommandName(uint8(sm.Command))
			mid := sm.MessageID
			r.SMBMsgID = &mid
			w := sm.AndX()
			for {
				b, err := w.Next()
				if err != nil {
					break
				}
				if b.HasAndX {
					r.AndX = append(r.AndX, int(b.AndXCommand))
				}
			}
		case smb.KindSMB2:
			r.Proto = "smb2"
			r.CommandName = smb.SMB2CommandName(sm.Command)
			mid, tid := sm.MessageID, sm.TreeID
			r.SMBMsgID, r.TreeID = &mid, &tid
			r.SessionID = fmt.Sprintf("0x%016x", sm.SessionID)
		default:
			r.Proto = "smb3-transform"
			r.Command, r.Status, r.Response = nil, nil, nil
			r.SessionID = fmt.Sprintf("0x%016x", sm.SessionID)
		}
		if r.Status != nil {
			r.StatusName = smb.StatusName(sm.Status)
		}
		if sm.Fields&smb.FieldDialect != 0 && sm.Kind == smb.KindSMB2 {
			r.Dialect = smb.DialectName(sm.DialectRevision)
		}
		if sm.Fields&smb.FieldName != 0 {
			s.name = sm.AppendName(s.name[:0])
			r.File = string(s.name)
		}
		if sm.Fields&smb.FieldLength != 0 {
			l := sm.DataLength
			r.Length = &l
		}
		s.recs = append(s.recs, r)
	}
}

package hostlog

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// The Security log's IPsec audit events (provider
// Microsoft-Windows-Security-Auditing), as `wevtutil qe Security /f:xml`
// prints them (<Event> elements back to back, no root element) or Event
// Viewer's "Save as XML" writes them (inside <Events>). Event IDs and
// meanings: MicrosoftDocs windows-itpro-docs audit-ipsec-{main-mode,
// quick-mode,extended-mode,driver}.md; field names: jdu2600/Windows10EtwEvents
// manifest/Microsoft-Windows-Security-Auditing.tsv (windows-formats.md
// §5.1) and a real 4653 quoted in DigitalRuby/IPBan issue #98:
//
//	<EventID>4653</EventID> ... <TimeCreated SystemTime="2020-07-10T17:20:06.687103300Z"/>
//	<Data Name="LocalAddress">…</Data><Data Name="LocalKeyModPort">4500</Data>
//	<Data Name="KeyModName">%%8222</Data><Data Name="FailurePoint">%%8199</Data>
//	<Data Name="FailureReason">Negotiation timed out</Data>
//	<Data Name="State">%%8202</Data><Data Name="Role">%%8205</Data>
//	<Data Name="InitiatorCookie">db55d3767e51b422</Data>
//
// Unrendered XML gives enumerated fields as "%%NNNN" message references
// into msobjs.dll, which softsa cannot resolve offline: such a value is
// kept as it is. FailureReason is the error's message text: kept, and
// mapped back to the code when it equals a documented message.

// securityNS is the event schema namespace every <Event> carries.
const securityNS = "http://schemas.microsoft.com/win/2004/08/events/event"

// securityKind says what an IPsec audit event ID reports; ok is false for
// IDs softsa does not read.
func securityKind(id int) (Kind, bool) {
	switch {
	case id == 4650 || id == 4651 || id >= 4979 && id <= 4982:
		return KindMMEstablished, true
	case id == 4652 || id == 4653:
		return KindMMFailure, true
	case id == 4654:
		return KindQMFailure, true
	case id >= 4976 && id <= 4978:
		return KindInvalidPacket, true
	case id == 4983 || id == 4984:
		return KindEMFailure, true
	case id == 4963:
		return KindClearTextDrop, true
	case id >= 4960 && id <= 4965 && id != 4964:
		return KindKernelDrop, true
	case id == 5451:
		return KindQMEstablished, true
	case id == 5452 || id == 5453:
		return KindUnknown, true // QM SA ended; IKEEXT not started: kept, kind unknown
	}
	return KindUnknown, false
}

// readSecurity reads the IPsec events of a Security log XML export.
func readSecurity(file string, r io.Reader) (*Log, error) {
	lg := &Log{File: file, Format: FormatSecurity}
	s := newXMLStream(file, r)
	seen, skipped := 0, 0
	for {
		t, err := s.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if seen == 0 && len(lg.Events) == 0 {
				return lg, err
			}
			lg.Warnings = append(lg.Warnings, fmt.Sprintf("%v; the %d events before it are kept", err, len(lg.Events)))
			break
		}
		st, ok := t.(xml.StartElement)
		if !ok || st.Name.Local != "Event" {
			continue
		}
		seen++
		n, err := s.subtree(st)
		if err != nil {
			lg.Warnings = append(lg.Warnings, fmt.Sprintf("event %d: %v; the %d events before it are kept", seen, err, len(lg.Events)))
			break
		}
		ev, ok, err := securityEvent(n)
		if err != nil {
			lg.Warnings = append(lg.Warnings, fmt.Sprintf("%s: event %d: %v (skipped)", file, seen, err))
			continue
		}
		if !ok {
			skipped++
			continue
		}
		if len(lg.Events) >= maxLogEvents {
			lg.Warnings = append(lg.Warnings, fmt.Sprintf("%s: more than %d IPsec events: the rest are not read", file, maxLogEvents))
			break
		}
		ev.File, ev.Record = file, seen
		lg.Events = append(lg.Events, ev)
	}
	if seen == 0 {
		return lg, fmt.Errorf("%s: no <Event> element: %w", file, ErrNotHostLog)
	}
	if skipped > 0 {
		lg.Warnings = append(lg.Warnings, fmt.Sprintf("%s: %d events that are not IPsec audit events skipped", file, skipped))
	}
	return lg, nil
}

// securityEvent turns one <Event> into an Event; ok is false for an event
// ID softsa does not read.
func securityEvent(n *node) (Event, bool, error) {
	var ev Event
	idText := n.text["System/EventID"]
	id, err := strconv.Atoi(idText)
	if err != nil {
		return ev, false, fmt.Errorf("EventID %q is no number", idText)
	}
	kind, ok := securityKind(id)
	if !ok {
		return ev, false, nil
	}
	ev.Kind = kind
	ev.Source = "Security " + idText
	if ts := n.text["System/TimeCreated/@SystemTime"]; ts != "" {
		if ev.Time, err = time.Parse(time.RFC3339Nano, ts); err != nil {
			return ev, false, fmt.Errorf("event %d: TimeCreated %q: %v", id, ts, err)
		}
		ev.Time = ev.Time.UTC()
	}
	d := n.data
	ev.Local = parseAddr(first(d, "LocalAddress", "LocalMMAddress"))
	ev.Remote = parseAddr(first(d, "RemoteAddress", "RemoteMMAddress"))
	ev.LocalPort = parsePort(first(d, "LocalKeyModPort", "LocalPort", "LocalProtocolPort"))
	ev.RemotePort = parsePort(first(d, "RemoteKeyModPort", "RemotePort", "RemoteProtocolPort"))
	ev.KeyModule = securityKeyModule(d["KeyModName"])
	ev.FailurePoint = securityFailurePoint(d["FailurePoint"])
	ev.State = d["State"]
	ev.Role = securityRole(d["Role"])
	if reason := d["FailureReason"]; reason != "" {
		ev.Reason = reason
		ev.ErrorCode = ErrorCodeOf(reason)
	}
	ev.ICookie, _ = parseHex64(d["InitiatorCookie"])
	ev.RCookie, _ = parseHex64(d["ResponderCookie"])
	if v, err := strconv.ParseUint(strings.TrimSpace(d["MessageID"]), 0, 32); err == nil {
		ev.MessageID = uint32(v)
	}
	if spi := first(d, "SPI", "InboundSpi", "InboundSPI"); spi != "" {
		if v, err := strconv.ParseUint(spi, 0, 32); err == nil {
			ev.SPI = uint32(v)
		}
	}
	// The driver events (4960-4965) are all about inbound packets.
	ev.Inbound = id >= 4960 && id <= 4965
	return ev, true, nil
}

// first returns the first of names present in d.
func first(d map[string]string, names ...string) string {
	for _, n := range names {
		if v, ok := d[n]; ok && v != "-" {
			return v
		}
	}
	return ""
}

func parseAddr(s string) netip.Addr {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

func parsePort(s string) uint16 {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
	if err != nil {
		return 0
	}
	return uint16(v)
}

// securityKeyModule reads KeyModName as rendered ("IKEv1", "AuthIP",
// "IKEv2"); a "%%" reference is kept as it is.
func securityKeyModule(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "ikev1", "ike":
		return "IKEv1"
	case "authip":
		return "AuthIP"
	case "ikev2":
		return "IKEv2"
	}
	return s
}

// securityFailurePoint reads FailurePoint as rendered: "Local computer"
// is local, "Remote computer"/"Peer" is peer; a "%%" reference is kept.
func securityFailurePoint(s string) string {
	l := strings.ToLower(strings.TrimSpace(s))
	switch {
	case l == "":
		return ""
	case strings.Contains(l, "local") || l == "me":
		return "local"
	case strings.Contains(l, "remote") || strings.Contains(l, "peer"):
		return "peer"
	}
	return s
}

func securityRole(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "initiator":
		return "initiator"
	case "responder":
		return "responder"
	}
	return s
}

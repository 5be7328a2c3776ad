package hostlog

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// wfpdiag.xml, what `netsh wfp capture start` / `stop` writes (inside
// wfpdiag.cab): the WFP state and the net events it logged, each
// <netEvent> (or <item> of <netEvents>, as `netsh wfp show netevents`
// writes them) holding a <header> (FWPM_NET_EVENT_HEADER: timeStamp,
// ipVersion, localAddrV4/V6, remoteAddrV4/V6, localPort, remotePort ...),
// a <type> (FWPM_NET_EVENT_TYPE_*) and the member of the FWPM_NET_EVENT
// union it names: ikeMmFailure, ikeQmFailure, ikeEmFailure, ipsecDrop,
// classifyDrop, with the FWPM_NET_EVENT_* struct members as child
// elements (fwpmtypes.h on learn.microsoft.com). netsh writes each
// member under its C name, enumerations by their C names
// (IPSEC_FAILURE_ME, IKEEXT_MM_SA_STATE_SA_SENT ...) and numbers in
// decimal or hex; softsa accepts either form for every field.
// [inference: no public wfpdiag.xml was found to check the element names
// against; they are the struct member names, which is how netsh names
// the elements of every other WFP object it dumps.]

// readWFPDiag reads the net events of a wfpdiag.xml.
func readWFPDiag(file string, r io.Reader) (*Log, error) {
	lg := &Log{File: file, Format: FormatWFPDiag}
	s := newXMLStream(file, r)
	var parents []string
	seen, skipped, root := 0, 0, false
	for {
		t, err := s.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if !root {
				return lg, err
			}
			lg.Warnings = append(lg.Warnings, fmt.Sprintf("%v; the %d events before it are kept", err, len(lg.Events)))
			break
		}
		switch v := t.(type) {
		case xml.EndElement:
			if len(parents) > 0 {
				parents = parents[:len(parents)-1]
			}
			continue
		case xml.StartElement:
			parent := ""
			if len(parents) > 0 {
				parent = parents[len(parents)-1]
			}
			if v.Name.Local == "wfpdiag" || v.Name.Local == "netEvents" {
				root = true
			}
			if v.Name.Local != "netEvent" && !(v.Name.Local == "item" && parent == "netEvents") {
				parents = append(parents, v.Name.Local)
				continue
			}
			root = true
			seen++
			n, err := s.subtree(v)
			if err != nil {
				lg.Warnings = append(lg.Warnings, fmt.Sprintf("netEvent %d: %v; the %d events before it are kept", seen, err, len(lg.Events)))
				return lg, nil
			}
			ev, ok, err := wfpDiagEvent(n)
			if err != nil {
				lg.Warnings = append(lg.Warnings, fmt.Sprintf("%s: netEvent %d: %v (skipped)", file, seen, err))
				continue
			}
			if !ok {
				skipped++
				continue
			}
			if len(lg.Events) >= maxLogEvents {
				lg.Warnings = append(lg.Warnings, fmt.Sprintf("%s: more than %d net events: the rest are not read", file, maxLogEvents))
				return lg, nil
			}
			ev.File, ev.Record = file, seen
			lg.Events = append(lg.Events, ev)
		}
	}
	if !root {
		return lg, fmt.Errorf("%s: no wfpdiag or netEvents element: %w", file, ErrNotHostLog)
	}
	if skipped > 0 {
		lg.Warnings = append(lg.Warnings, fmt.Sprintf("%s: %d net events of other types skipped", file, skipped))
	}
	return lg, nil
}

// The FWPM_NET_EVENT_TYPE values softsa reads, by the names netsh writes;
// the other types (allows, DoS protection and capability drops ...) are
// counted and skipped.
var wfpDiagTypes = map[string]Kind{
	"FWPM_NET_EVENT_TYPE_CLASSIFY_DROP":     KindClassifyDrop,
	"FWPM_NET_EVENT_TYPE_IKEEXT_MM_FAILURE": KindMMFailure,
	"FWPM_NET_EVENT_TYPE_IKEEXT_QM_FAILURE": KindQMFailure,
	"FWPM_NET_EVENT_TYPE_IKEEXT_EM_FAILURE": KindEMFailure,
	"FWPM_NET_EVENT_TYPE_IPSEC_KERNEL_DROP": KindKernelDrop,
}

// wfpDiagEvent turns one netEvent into an Event.
func wfpDiagEvent(n *node) (Event, bool, error) {
	var ev Event
	typ := strings.TrimSpace(n.text["type"])
	kind, ok := wfpDiagTypes[typ]
	if !ok {
		return ev, false, nil
	}
	ev.Kind = kind
	ev.Source = "wfpdiag.xml " + strings.TrimPrefix(typ, "FWPM_NET_EVENT_TYPE_")
	h := func(f string) string { return n.text["header/"+f] }
	if ts := h("timeStamp"); ts != "" {
		t, err := parseWFPTime(ts)
		if err != nil {
			return ev, false, fmt.Errorf("timeStamp %q: %v", ts, err)
		}
		ev.Time = t
	}
	ev.Local = parseAddr(firstNonEmpty(h("localAddrV4"), h("localAddrV6")))
	ev.Remote = parseAddr(firstNonEmpty(h("remoteAddrV4"), h("remoteAddrV6")))
	ev.LocalPort = uint16(enumValue(h("localPort"), nil))
	ev.RemotePort = uint16(enumValue(h("remotePort"), nil))
	f := func(member, field string) string { return n.text[member+"/"+field] }
	failure := func(member string) {
		ev.ErrorCode = uint32(enumValue(f(member, "failureErrorCode"), nil))
		_, ev.Reason, _ = Win32Error(ev.ErrorCode)
		ev.FailurePoint = FailurePoint(uint32(enumValue(f(member, "failurePoint"), failurePointNames)))
		ev.Role = Role(uint32(enumValue(f(member, "saRole"), roleNames)))
	}
	switch kind {
	case KindMMFailure:
		failure("ikeMmFailure")
		ev.KeyModule = KeyModule(uint32(enumValue(f("ikeMmFailure", "keyingModuleType"), keyModuleNames)))
		ev.State = MMState(uint32(enumValue(f("ikeMmFailure", "mmState"), stateNames("IKEEXT_MM_SA_STATE_", "NONE", "SA_SENT", "SSPI_SENT", "FINAL", "FINAL_SENT", "COMPLETE"))))
	case KindQMFailure:
		failure("ikeQmFailure")
		ev.KeyModule = KeyModule(uint32(enumValue(f("ikeQmFailure", "keyingModuleType"), keyModuleNames)))
		ev.State = QMState(uint32(enumValue(f("ikeQmFailure", "qmState"), stateNames("IKEEXT_QM_SA_STATE_", "NONE", "INITIAL", "FINAL", "COMPLETE"))))
	case KindEMFailure:
		failure("ikeEmFailure")
		ev.KeyModule = "AuthIP"
		ev.State = EMState(uint32(enumValue(f("ikeEmFailure", "emState"), stateNames("IKEEXT_EM_SA_STATE_", "NONE", "SENT_ATTS", "SSPI_SENT", "AUTH_COMPLETE", "FINAL", "COMPLETE"))))
	case KindKernelDrop:
		ev.ErrorCode = uint32(enumValue(f("ipsecDrop", "failureStatus"), nil))
		_, ev.Reason, _ = Win32Error(ev.ErrorCode)
		if ev.ErrorCode == statusIPsecClearTextDrop {
			ev.Kind = KindClearTextDrop
		}
		ev.SPI = uint32(enumValue(f("ipsecDrop", "spi"), nil))
		// FWP_DIRECTION: 0 outbound, 1 inbound (fwptypes.h).
		ev.Inbound = enumValue(f("ipsecDrop", "direction"), directionNames) == 1
	case KindClassifyDrop:
		ev.Inbound = enumValue(f("classifyDrop", "msFwpDirection"), directionNames) == 1
	}
	return ev, true, nil
}

var (
	failurePointNames = map[string]uint64{"IPSEC_FAILURE_NONE": 0, "IPSEC_FAILURE_ME": 1, "IPSEC_FAILURE_PEER": 2}
	roleNames         = map[string]uint64{"IKEEXT_SA_ROLE_INITIATOR": 0, "IKEEXT_SA_ROLE_RESPONDER": 1}
	keyModuleNames    = map[string]uint64{"IKEEXT_KEY_MODULE_IKE": 0, "IKEEXT_KEY_MODULE_AUTHIP": 1, "IKEEXT_KEY_MODULE_IKEV2": 2}
	directionNames    = map[string]uint64{"FWP_DIRECTION_OUTBOUND": 0, "FWP_DIRECTION_INBOUND": 1}
)

func stateNames(prefix string, names ...string) map[string]uint64 {
	m := make(map[string]uint64, len(names))
	for i, n := range names {
		m[prefix+n] = uint64(i)
	}
	return m
}

// enumValue reads a field given as a number (decimal or 0x hex) or as one
// of names; an unknown or empty one is 0.
func enumValue(s string, names map[string]uint64) uint64 {
	s = strings.TrimSpace(s)
	if v, ok := names[s]; ok {
		return v
	}
	v, err := strconv.ParseUint(s, 0, 64)
	if err != nil {
		return 0
	}
	return v
}

// parseWFPTime reads a timeStamp: an ISO 8601 time (UTC when no zone is
// given) or a FILETIME number.
func parseWFPTime(s string) (time.Time, error) {
	if v, err := strconv.ParseUint(s, 0, 64); err == nil {
		const epochDiff = 116444736000000000
		if v < epochDiff || v > epochDiff+(1<<62)/100 {
			return time.Time{}, fmt.Errorf("FILETIME out of range")
		}
		return time.Unix(0, int64(v-epochDiff)*100).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("neither ISO 8601 nor a FILETIME")
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

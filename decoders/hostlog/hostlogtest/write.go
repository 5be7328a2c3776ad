package hostlogtest

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strings"
	"time"

	"softsa/decoders/cab/cabtest"
	"softsa/decoders/etl/etltest"
	"softsa/decoders/hostlog"
)

// maxBufferEvents is how many events a written ETL buffer holds, to stay
// well inside the 1 MiB buffer size the files declare.
const maxBufferEvents = 256

// WriteETL writes an ETL file holding the WFP events of evs (buffers of
// CPU 1) beside packets, any etltest events such as NDIS-PacketCapture
// fragments (etltest.NDIS.Event; buffers of CPU 0), each list in time
// order: what `netsh trace start capture=yes` with the WFP provider
// writes. The logfile starts a second before the earliest event.
func WriteETL(w io.Writer, evs []hostlog.Event, packets []etltest.Event) error {
	wfp := WFPEvents(evs)
	start := time.Time{}
	for _, e := range append(append([]etltest.Event(nil), wfp...), packets...) {
		if start.IsZero() || e.Time.Before(start) {
			start = e.Time
		}
	}
	if start.IsZero() {
		start = time.Date(2009, 11, 1, 0, 0, 0, 0, time.UTC)
	}
	f := etltest.File{Start: start.Add(-time.Second)}
	var bufs []etltest.Buffer
	for _, part := range []struct {
		cpu uint16
		evs []etltest.Event
	}{{0, packets}, {1, wfp}} {
		sorted := append([]etltest.Event(nil), part.evs...)
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Time.Before(sorted[j].Time) })
		for len(sorted) > 0 {
			n := min(len(sorted), maxBufferEvents)
			bufs = append(bufs, etltest.Buffer{CPU: part.cpu, Events: sorted[:n]})
			sorted = sorted[n:]
		}
	}
	_, err := w.Write(etltest.Write(f, bufs))
	return err
}

// wfpDiagType is the FWPM_NET_EVENT_TYPE and union member of a kind.
func wfpDiagType(k hostlog.Kind) (typ, member string, ok bool) {
	switch k {
	case hostlog.KindMMFailure:
		return "IKEEXT_MM_FAILURE", "ikeMmFailure", true
	case hostlog.KindQMFailure:
		return "IKEEXT_QM_FAILURE", "ikeQmFailure", true
	case hostlog.KindEMFailure:
		return "IKEEXT_EM_FAILURE", "ikeEmFailure", true
	case hostlog.KindKernelDrop, hostlog.KindClearTextDrop:
		return "IPSEC_KERNEL_DROP", "ipsecDrop", true
	case hostlog.KindClassifyDrop:
		return "CLASSIFY_DROP", "classifyDrop", true
	}
	return "", "", false
}

// WriteWFPDiag writes a wfpdiag.xml holding evs as <netEvent>s: the kinds
// a WFP net event has (failures, kernel and classify drops); the others
// are skipped. Enumerations are written by their C names, as netsh does.
func WriteWFPDiag(w io.Writer, evs []hostlog.Event) error {
	bw := bufio.NewWriter(w)
	fmt.Fprint(bw, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<wfpdiag>\n <sysInfo><osVersion>6.0.6002</osVersion></sysInfo>\n <events>\n")
	for _, ev := range evs {
		typ, member, ok := wfpDiagType(ev.Kind)
		if !ok {
			continue
		}
		fmt.Fprintf(bw, "  <netEvent>\n   <header>\n    <timeStamp>%s</timeStamp>\n", ev.Time.UTC().Format("2006-01-02T15:04:05.000Z07:00"))
		ipv, suffix := "FWP_IP_VERSION_V4", "V4"
		if ev.Local.Is6() || ev.Remote.Is6() {
			ipv, suffix = "FWP_IP_VERSION_V6", "V6"
		}
		fmt.Fprintf(bw, "    <ipVersion>%s</ipVersion>\n    <ipProtocol>17</ipProtocol>\n", ipv)
		for _, a := range []struct {
			name string
			addr netip.Addr
		}{{"localAddr", ev.Local}, {"remoteAddr", ev.Remote}} {
			if a.addr.IsValid() {
				fmt.Fprintf(bw, "    <%s%s>%s</%s%s>\n", a.name, suffix, a.addr, a.name, suffix)
			}
		}
		fmt.Fprintf(bw, "    <localPort>%d</localPort>\n    <remotePort>%d</remotePort>\n   </header>\n", ev.LocalPort, ev.RemotePort)
		fmt.Fprintf(bw, "   <type>FWPM_NET_EVENT_TYPE_%s</type>\n   <%s>\n", typ, member)
		field := func(name, value string) {
			fmt.Fprintf(bw, "    <%s>", name)
			xml.EscapeText(bw, []byte(value))
			fmt.Fprintf(bw, "</%s>\n", name)
		}
		fp := [...]string{"IPSEC_FAILURE_NONE", "IPSEC_FAILURE_ME", "IPSEC_FAILURE_PEER"}[FailurePointValue(ev.FailurePoint)]
		role := [...]string{"IKEEXT_SA_ROLE_INITIATOR", "IKEEXT_SA_ROLE_RESPONDER"}[RoleValue(ev.Role)]
		km := [...]string{"IKEEXT_KEY_MODULE_IKE", "IKEEXT_KEY_MODULE_AUTHIP", "IKEEXT_KEY_MODULE_IKEV2"}[KeyModuleValue(ev.KeyModule)]
		switch ev.Kind {
		case hostlog.KindMMFailure:
			field("failureErrorCode", fmt.Sprint(ev.ErrorCode))
			field("failurePoint", fp)
			field("flags", "0")
			field("keyingModuleType", km)
			field("mmState", "IKEEXT_MM_SA_STATE_"+orNone(ev.State))
			field("saRole", role)
			field("mmAuthMethod", "IKEEXT_CERTIFICATE")
			field("endCertHash", strings.Repeat("00", 20))
			field("mmId", "7")
			field("mmFilterId", "1911")
		case hostlog.KindQMFailure:
			field("failureErrorCode", fmt.Sprintf("0x%08x", ev.ErrorCode)) // netsh's hex form, read too
			field("failurePoint", fp)
			field("keyingModuleType", km)
			field("qmState", "IKEEXT_QM_SA_STATE_"+orNone(ev.State))
			field("saRole", role)
			field("saTrafficType", "IPSEC_TRAFFIC_TYPE_TRANSPORT")
			field("qmFilterId", "2184")
		case hostlog.KindEMFailure:
			field("failureErrorCode", fmt.Sprint(ev.ErrorCode))
			field("failurePoint", fp)
			field("flags", "0")
			field("emState", "IKEEXT_EM_SA_STATE_"+orNone(ev.State))
			field("saRole", role)
			field("emAuthMethod", "IKEEXT_KERBEROS")
			field("mmId", "7")
			field("qmFilterId", "2184")
		case hostlog.KindKernelDrop, hostlog.KindClearTextDrop:
			status := ev.ErrorCode
			if status == 0 && ev.Kind == hostlog.KindClearTextDrop {
				status = statusClearTextDrop
			}
			field("failureStatus", fmt.Sprintf("0x%08x", status))
			field("direction", map[bool]string{true: "FWP_DIRECTION_INBOUND", false: "FWP_DIRECTION_OUTBOUND"}[ev.Inbound])
			field("spi", fmt.Sprint(ev.SPI))
			field("filterId", "4660")
			field("layerId", "44")
		case hostlog.KindClassifyDrop:
			field("filterId", "4660")
			field("layerId", "44")
			field("msFwpDirection", map[bool]string{true: "FWP_DIRECTION_INBOUND", false: "FWP_DIRECTION_OUTBOUND"}[ev.Inbound])
		}
		fmt.Fprintf(bw, "   </%s>\n  </netEvent>\n", member)
	}
	fmt.Fprint(bw, " </events>\n</wfpdiag>\n")
	return bw.Flush()
}

func orNone(s string) string {
	if s == "" {
		return "NONE"
	}
	return s
}

// WriteWFPDiagCAB writes wfpdiag.cab: the wfpdiag.xml of evs in an MSZIP
// cabinet, as netsh wfp capture stop leaves it.
func WriteWFPDiagCAB(w io.Writer, evs []hostlog.Event) error {
	var x strings.Builder
	if err := WriteWFPDiag(&x, evs); err != nil {
		return err
	}
	_, err := w.Write(cabtest.Write([]cabtest.File{{Name: "wfpdiag.xml", Data: []byte(x.String())}}, true))
	return err
}

// securityID is the Security audit event ID that logs an event of kind k.
func securityID(ev hostlog.Event) (int, bool) {
	switch ev.Kind {
	case hostlog.KindMMFailure:
		return 4653, true
	case hostlog.KindQMFailure:
		return 4654, true
	case hostlog.KindEMFailure:
		return 4984, true
	case hostlog.KindMMEstablished:
		return 4650, true
	case hostlog.KindQMEstablished:
		return 5451, true
	case hostlog.KindClearTextDrop:
		return 4963, true
	case hostlog.KindKernelDrop:
		switch ev.ErrorCode {
		case 0xC0360004:
			return 4961, true // STATUS_IPSEC_REPLAY_CHECK_FAILED
		case 0xC0360001:
			return 4965, true // STATUS_IPSEC_BAD_SPI
		}
		return 4960, true
	case hostlog.KindInvalidPacket:
		return 4976, true
	}
	return 0, false
}

// WriteSecurityXML writes evs as Security log events: bare <Event>
// elements back to back as `wevtutil qe Security /f:xml` prints them, or
// inside <Events> (wrapped) as Event Viewer's "Save as XML" does. IKE
// packet events have no Security event and are skipped. Enumerated fields
// are written rendered (KeyModName "AuthIP", FailurePoint "Local
// computer"/"Remote computer", Role "Initiator"), FailureReason as the
// error's documented message without its final period, as the real 4653
// quoted in hostlog/security.go shows it.
func WriteSecurityXML(w io.Writer, evs []hostlog.Event, wrapped bool) error {
	bw := bufio.NewWriter(w)
	if wrapped {
		fmt.Fprint(bw, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Events>\n")
	}
	for i, ev := range evs {
		id, ok := securityID(ev)
		if !ok {
			continue
		}
		fmt.Fprintf(bw, "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-A5BA-3E3B0328C30D}'/>"+
			"<EventID>%d</EventID><Version>0</Version><Level>0</Level><Task>12547</Task><Opcode>0</Opcode><Keywords>0x8010000000000000</Keywords>"+
			"<TimeCreated SystemTime='%s'/><EventRecordID>%d</EventRecordID><Correlation/><Execution ProcessID='660' ThreadID='124'/><Channel>Security</Channel><Computer>HOST</Computer><Security/></System><EventData>",
			id, ev.Time.UTC().Format("2006-01-02T15:04:05.000000000Z"), 1000+i)
		data := func(name, value string) {
			fmt.Fprintf(bw, "<Data Name='%s'>", name)
			xml.EscapeText(bw, []byte(value))
			fmt.Fprint(bw, "</Data>")
		}
		addr := func(a netip.Addr) string {
			if !a.IsValid() {
				return "-"
			}
			return a.String()
		}
		switch {
		case id >= 4960 && id <= 4965:
			data("RemoteAddress", addr(ev.Remote))
			data("SPI", fmt.Sprint(ev.SPI))
		default:
			data("LocalAddress", addr(ev.Local))
			data("LocalKeyModPort", fmt.Sprint(ev.LocalPort))
			data("RemoteAddress", addr(ev.Remote))
			data("RemoteKeyModPort", fmt.Sprint(ev.RemotePort))
			data("KeyModName", ev.KeyModule)
			if ev.Kind == hostlog.KindMMFailure || ev.Kind == hostlog.KindQMFailure || ev.Kind == hostlog.KindEMFailure {
				data("FailurePoint", map[string]string{"local": "Local computer", "peer": "Remote computer", "": "-"}[ev.FailurePoint])
				reason := ev.Reason
				if reason == "" {
					_, reason, _ = hostlog.Win32Error(ev.ErrorCode)
				}
				data("FailureReason", strings.TrimSuffix(reason, "."))
				data("State", ev.State)
			}
			data("Role", map[string]string{"initiator": "Initiator", "responder": "Responder", "": "-"}[ev.Role])
			if ev.Kind == hostlog.KindQMFailure {
				data("MessageID", fmt.Sprint(ev.MessageID))
			}
			if ev.Kind == hostlog.KindQMEstablished {
				data("InboundSpi", fmt.Sprint(ev.SPI))
			}
			if ev.Kind != hostlog.KindQMFailure && ev.Kind != hostlog.KindQMEstablished {
				data("InitiatorCookie", fmt.Sprintf("%016x", ev.ICookie))
				data("ResponderCookie", fmt.Sprintf("%016x", ev.RCookie))
			}
		}
		fmt.Fprint(bw, "</EventData></Event>\n")
	}
	if wrapped {
		fmt.Fprint(bw, "</Events>\n")
	}
	return bw.Flush()
}

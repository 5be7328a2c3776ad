package hostlog

import (
	"strconv"
	"strings"
)

// The value maps of the WFP net-event structures, from Microsoft's public
// API documentation (learn.microsoft.com/windows/win32/api/iketypes and
// fwpmtypes): IPSEC_FAILURE_POINT, IKEEXT_MM_SA_STATE, IKEEXT_QM_SA_STATE,
// IKEEXT_EM_SA_STATE, IKEEXT_SA_ROLE and IKEEXT_KEY_MODULE_TYPE. These are
// what wfpdiag.xml's netEvents hold (by name or number).
//
// The Microsoft-Windows-WFP ETW manifest numbers two of them differently
// (fox-it/dissect.etl manifests/xml/{0c478c5b-0351-41b1-8c58-4a6737da32e3}.xml,
// valueMaps KeyModMap and RoleMap): KeyModMap 0 NONE, 1 IKEv1, 2 IKEv2,
// 3 AuthIP; RoleMap 1 initiator, 2 responder. The manifest attaches
// KeyModMap to the KeyingModule field of 1013/1043 and RoleMap to Role of
// 1014-1019/1043, but not to the KeyingModuleType and SaRole fields of the
// failure events 1005/1007/1009, which carry the FWPM struct members
// (keyingModuleType, saRole) one for one: softsa reads the failure events'
// fields with the FWPM numbering and the SA events' with the manifest's.
// [inference, unchecked on a real trace: the field names and order of
// 1005/1007/1009 match FWPM_NET_EVENT_IKEEXT_*_FAILURE0 member for member.]

// FailurePoint names an IPSEC_FAILURE_POINT: 0 NONE, 1 ME, 2 PEER.
func FailurePoint(v uint32) string {
	switch v {
	case 1:
		return "local"
	case 2:
		return "peer"
	}
	return ""
}

// MMState names an IKEEXT_MM_SA_STATE.
func MMState(v uint32) string {
	return enumName(v, "NONE", "SA_SENT", "SSPI_SENT", "FINAL", "FINAL_SENT", "COMPLETE")
}

// QMState names an IKEEXT_QM_SA_STATE.
func QMState(v uint32) string {
	return enumName(v, "NONE", "INITIAL", "FINAL", "COMPLETE")
}

// EMState names an IKEEXT_EM_SA_STATE.
func EMState(v uint32) string {
	return enumName(v, "NONE", "SENT_ATTS", "SSPI_SENT", "AUTH_COMPLETE", "FINAL", "COMPLETE")
}

// Role names an IKEEXT_SA_ROLE: 0 INITIATOR, 1 RESPONDER.
func Role(v uint32) string {
	return enumName(v, "initiator", "responder")
}

// KeyModule names an IKEEXT_KEY_MODULE_TYPE: 0 IKE (IKEv1), 1 AuthIP,
// 2 IKEv2.
func KeyModule(v uint32) string {
	return enumName(v, "IKEv1", "AuthIP", "IKEv2")
}

// manifestKeyModule names the WFP manifest's KeyModMap value.
func manifestKeyModule(v uint32) string {
	switch v {
	case 1:
		return "IKEv1"
	case 2:
		return "IKEv2"
	case 3:
		return "AuthIP"
	}
	return ""
}

// The WFP manifest's DirectionMap (FWP_DIRECTION as the kernel logs it,
// 0x3900 inbound, 0x3901 outbound); FWP_DIRECTION itself is 0 outbound,
// 1 inbound (fwptypes.h), what wfpdiag.xml shows by name.
const (
	dirInbound  = 0x3900
	dirOutbound = 0x3901
)

func enumName(v uint32, names ...string) string {
	if int64(v) < int64(len(names)) {
		return names[v]
	}
	return strconv.FormatUint(uint64(v), 10)
}

// messageKey is how a failure reason is compared with the documented
// messages: lower case, without surrounding space and a final period.
func messageKey(s string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "."))
}

package ike

import "strconv"

// Names of exchanges, payloads and notify types, as Wireshark 4.0 spells
// them.

// Names.

var unknownNames [256]string

func init() {
	for i := range unknownNames {
		unknownNames[i] = "Unknown (" + strconv.Itoa(i) + ")"
	}
}

// ExchangeName names an exchange type as Wireshark 4.0 does ("Identity
// Protection (Main Mode)", "Quick Mode", "IKE_SA_INIT"); AuthIP's private
// types get names from [MS-AIPS]; anything else is "Unknown (N)". The result
// is a constant string: no allocation.
func ExchangeName(f Family, exch uint8) string {
	if f == FamilyV2 {
		switch exch {
		case ExchangeSAInit:
			return "IKE_SA_INIT"
		case ExchangeAuth:
			return "IKE_AUTH"
		case ExchangeCreateChildSA:
			return "CREATE_CHILD_SA"
		case ExchangeInformational2:
			return "INFORMATIONAL"
		case ExchangeSessionResume:
			return "IKE_SESSION_RESUME"
		}
		return unknownNames[exch]
	}
	switch exch {
	case 0:
		return "NONE"
	case ExchangeBase:
		return "Base"
	case ExchangeMain:
		return "Identity Protection (Main Mode)"
	case ExchangeAuthOnly:
		return "Authentication Only"
	case ExchangeAggressive:
		return "Aggressive"
	case ExchangeInformational:
		return "Informational"
	case ExchangeTransaction:
		return "Transaction (Config Mode)"
	case ExchangeQuick:
		return "Quick Mode"
	case ExchangeNewGroup:
		return "New Group Mode"
	case AuthIPExchangeMain:
		return "AuthIP Main Mode"
	case AuthIPExchangeQuick:
		return "AuthIP Quick Mode"
	case AuthIPExchangeExtended:
		return "AuthIP Extended Mode"
	case AuthIPExchangeNotify:
		return "AuthIP Notify"
	}
	return unknownNames[exch]
}

// payloadNames are Wireshark 4.0's isakmp.typepayload names. Wireshark
// uses one table for every version; so does softsa, except for AuthIP's
// private payloads. Ranges Wireshark names collectively ("Private Use") are
// reported as "Unknown (N)".
var payloadNames = [...]string{
	0: "NONE / No Next Payload", 1: "Security Association", 2: "Proposal", 3: "Transform",
	4: "Key Exchange", 5: "Identification", 6: "Certificate", 7: "Certificate Request",
	8: "Hash", 9: "Signature", 10: "Nonce", 11: "Notification", 12: "Delete",
	13: "Vendor ID", 14: "Attributes", 15: "SA KEK Payload", 16: "SA TEK Payload",
	17: "Key Download", 18: "Sequence Number", 19: "Proof of Possession",
	20: "NAT-D (RFC 3947)", 21: "NAT-OA (RFC 3947)", 22: "Group Associated Policy",
	33: "Security Association", 34: "Key Exchange", 35: "Identification - Initiator",
	36: "Identification - Responder", 37: "Certificate", 38: "Certificate Request",
	39: "Authentication", 40: "Nonce", 41: "Notify", 42: "Delete", 43: "Vendor ID",
	44: "Traffic Selector - Initiator", 45: "Traffic Selector - Responder",
	46: "Encrypted and Authenticated", 47: "Configuration", 48: "Extensible Authentication",
	49: "Generic Secure Password Method", 50: "Group Identification",
	51: "Group Security Association", 52: "Key Download",
	53:  "Encrypted and Authenticated Fragment",
	130: "NAT-D (draft-ietf-ipsec-nat-t-ike-01 to 03)",
	131: "NAT-OA (draft-ietf-ipsec-nat-t-ike-01 to 03)",
	132: "Cisco-Fragmentation",
}

// PayloadName names a payload type as Wireshark 4.0 does ("Security
// Association", "Vendor ID", "Encrypted and Authenticated"); AuthIP's private
// payloads get [MS-AIPS] names; anything else is "Unknown (N)". No
// allocation.
func PayloadName(f Family, t uint8) string {
	if f == FamilyAuthIP {
		switch t {
		case AuthIPPayloadGSSAPI:
			return "GSS-API (AuthIP)"
		case AuthIPPayloadCrypto:
			return "Crypto (AuthIP)"
		case AuthIPPayloadGSSID:
			return "GSS_ID (AuthIP)"
		case AuthIPPayloadAuth:
			return "Auth (AuthIP)"
		}
	}
	if int(t) < len(payloadNames) && payloadNames[t] != "" {
		return payloadNames[t]
	}
	return unknownNames[t]
}

// notifyV1Names: RFC 2408 §3.14.1 errors and status, RFC 2407 §4.6.3,
// RFC 3706 (DPD), Cisco Unity; spelled as Wireshark 4.0 prints them.
var notifyV1Names = map[uint16]string{
	1: "INVALID-PAYLOAD-TYPE", 2: "DOI-NOT-SUPPORTED", 3: "SITUATION-NOT-SUPPORTED",
	4: "INVALID-COOKIE", 5: "INVALID-MAJOR-VERSION", 6: "INVALID-MINOR-VERSION",
	7: "INVALID-EXCHANGE-TYPE", 8: "INVALID-FLAGS", 9: "INVALID-MESSAGE-ID",
	10: "INVALID-PROTOCOL-ID", 11: "INVALID-SPI", 12: "INVALID-TRANSFORM-ID",
	13: "ATTRIBUTES-NOT-SUPPORTED", 14: "NO-PROPOSAL-CHOSEN", 15: "BAD-PROPOSAL-SYNTAX",
	16: "PAYLOAD-MALFORMED", 17: "INVALID-KEY-INFORMATION", 18: "INVALID-ID-INFORMATION",
	19: "INVALID-CERT-ENCODING", 20: "INVALID-CERTIFICATE", 21: "CERT-TYPE-UNSUPPORTED",
	22: "INVALID-CERT-AUTHORITY", 23: "INVALID-HASH-INFORMATION", 24: "AUTHENTICATION-FAILED",
	25: "INVALID-SIGNATURE", 26: "ADDRESS-NOTIFICATION", 27: "NOTIFY-SA-LIFETIME",
	28: "CERTIFICATE-UNAVAILABLE", 29: "UNSUPPORTED-EXCHANGE-TYPE", 30: "UNEQUAL-PAYLOAD-LENGTHS",
	16384: "CONNECTED", 24576: "RESPONDER-LIFETIME", 24577: "REPLAY-STATUS", 24578: "INITIAL-CONTACT",
	36136: "R-U-THERE", 36137: "R-U-THERE-ACK",
	40501: "UNITY-LOAD-BALANCE", 40502: "UNITY-UNKNOWN", 40503: "UNITY-GROUP-HASH",
	// [MS-IKEE] §2.2.6 / [MS-AIPS] §2.2.3.5 private types (Wireshark: "Private Use").
	0x9C43: "NOTIFY_STATUS", 0x9C44: "NOTIFY_DOS_COOKIE", 0x9C45: "EXCHANGE_INFO",
}

// notifyV2Names: RFC 7296 §3.10.1 and the IANA IKEv2 registry, spelled as
// Wireshark 4.0 prints them. Wireshark 4.0 labels 46 "CHILD_SA_NOT_FOUND" (a
// duplicate of 44); IANA assigns it AUTHORIZATION_FAILED, used here.
var notifyV2Names = map[uint16]string{
	1: "UNSUPPORTED_CRITICAL_PAYLOAD", 4: "INVALID_IKE_SPI", 5: "INVALID_MAJOR_VERSION",
	7: "INVALID_SYNTAX", 9: "INVALID_MESSAGE_ID", 11: "INVALID_SPI", 14: "NO_PROPOSAL_CHOSEN",
	17: "INVALID_KE_PAYLOAD", 24: "AUTHENTICATION_FAILED", 34: "SINGLE_PAIR_REQUIRED",
	35: "NO_ADDITIONAL_SAS", 36: "INTERNAL_ADDRESS_FAILURE", 37: "FAILED_CP_REQUIRED",
	38: "TS_UNACCEPTABLE", 39: "INVALID_SELECTORS", 40: "UNACCEPTABLE_ADDRESSES",
	41: "UNEXPECTED_NAT_DETECTED", 42: "USE_ASSIGNED_HoA", 43: "TEMPORARY_FAILURE",
	44: "CHILD_SA_NOT_FOUND", 45: "INVALID_GROUP_ID", 46: "AUTHORIZATION_FAILED",
	16384: "INITIAL_CONTACT", 16385: "SET_WINDOW_SIZE", 16386: "ADDITIONAL_TS_POSSIBLE",
	16387: "IPCOMP_SUPPORTED", 16388: "NAT_DETECTION_SOURCE_IP", 16389: "NAT_DETECTION_DESTINATION_IP",
	16390: "COOKIE", 16391: "USE_TRANSPORT_MODE", 16392: "HTTP_CERT_LOOKUP_SUPPORTED",
	16393: "REKEY_SA", 16394: "ESP_TFC_PADDING_NOT_SUPPORTED", 16395: "NON_FIRST_FRAGMENTS_ALSO",
	16396: "MOBIKE_SUPPORTED", 16397: "ADDITIONAL_IP4_ADDRESS", 16398: "ADDITIONAL_IP6_ADDRESS",
	16399: "NO_ADDITIONAL_ADDRESSES", 16400: "UPDATE_SA_ADDRESSES", 16401: "COOKIE2",
	16402: "NO_NATS_ALLOWED", 16403: "AUTH_LIFETIME", 16404: "MULTIPLE_AUTH_SUPPORTED",
	16405: "ANOTHER_AUTH_FOLLOWS", 16406: "REDIRECT_SUPPORTED", 16407: "REDIRECT",
	16408: "REDIRECTED_FROM", 16409: "TICKET_LT_OPAQUE", 16410: "TICKET_REQUEST",
	16411: "TICKET_ACK", 16412: "TICKET_NACK", 16413: "TICKET_OPAQUE", 16414: "LINK_ID",
	16415: "USE_WESP_MODE", 16416: "ROHC_SUPPORTED", 16417: "EAP_ONLY_AUTHENTICATION",
	16418: "CHILDLESS_IKEV2_SUPPORTED", 16419: "QUICK_CRASH_DETECTION",
	16420: "IKEV2_MESSAGE_ID_SYNC_SUPPORTED", 16421: "IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED",
	16422: "IKEV2_MESSAGE_ID_SYNC", 16423: "IPSEC_REPLAY_COUNTER_SYNC",
	16424: "SECURE_PASSWORD_METHODS", 16425: "PSK_PERSIST", 16426: "PSK_CONFIRM",
	16427: "ERX_SUPPORTED", 16428: "IFOM_CAPABILITY", 16429: "SENDER_REQUEST_ID",
	16430: "IKEV2_FRAGMENTATION_SUPPORTED", 16431: "SIGNATURE_HASH_ALGORITHMS",
	16432: "CLONE_IKE_SA_SUPPORTED", 16433: "CLONE_IKE_SA", 16434: "PUZZLE",
	16435: "USE_PPK", 16436: "PPK_IDENTITY", 16437: "NO_PPK_AUTH",
}

// NotifyName names a notify message type: IKEv1 and AuthIP as RFC 2408
// ("NO-PROPOSAL-CHOSEN"), IKEv2 as RFC 7296 ("AUTHENTICATION_FAILED"), both
// spelled as Wireshark 4.0 prints them. Known names are constants; an
// unknown type yields "Unknown (N)", which allocates.
func NotifyName(f Family, code uint16) string {
	names := notifyV1Names
	if f == FamilyV2 {
		names = notifyV2Names
	}
	if s, ok := names[code]; ok {
		return s
	}
	if code < uint16(len(unknownNames)) {
		return unknownNames[code]
	}
	return "Unknown (" + strconv.Itoa(int(code)) + ")"
}

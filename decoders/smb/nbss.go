package smb

// NetBIOS session service (RFC 1002) framing: on port 445 every SMB
// message comes in a session message, whose 4-byte header gives its length.

// NetBIOS session service message types (RFC 1002 §4.3.1). On port 445
// ("direct hosting") only session messages and keep-alives occur; the others
// are seen on port 139 while a NetBIOS session is being set up and never carry
// SMB.
const (
	NBSSSessionMessage   = 0x00
	NBSSSessionRequest   = 0x81
	NBSSPositiveResponse = 0x82
	NBSSNegativeResponse = 0x83
	NBSSRetargetResponse = 0x84
	NBSSKeepAlive        = 0x85
)

// nbssTypeName names a NetBIOS session service message type, or returns ""
// for a type RFC 1002 does not define.
func nbssTypeName(t uint8) string {
	switch t {
	case NBSSSessionMessage:
		return "session message"
	case NBSSSessionRequest:
		return "session request"
	case NBSSPositiveResponse:
		return "positive session response"
	case NBSSNegativeResponse:
		return "negative session response"
	case NBSSRetargetResponse:
		return "retarget session response"
	case NBSSKeepAlive:
		return "session keep-alive"
	}
	return ""
}

const (
	nbssHeaderLen  = 4
	nbssExtendFlag = 0x01 // RFC 1002 E flag: bit 16 of a 17-bit length
)

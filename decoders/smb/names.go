package smb

// Names of commands, dialects and NT status values.

// SMB2 dialect revisions (MS-SMB2 §2.2.3, §2.2.4).
const (
	Dialect202      = 0x0202
	Dialect210      = 0x0210
	Dialect300      = 0x0300
	Dialect302      = 0x0302
	Dialect311      = 0x0311
	DialectWildcard = 0x02FF
)

// smb2CommandNames are MS-SMB2's command names without the SMB2 prefix.
var smb2CommandNames = [...]string{
	SMB2Negotiate:      "NEGOTIATE",
	SMB2SessionSetup:   "SESSION_SETUP",
	SMB2Logoff:         "LOGOFF",
	SMB2TreeConnect:    "TREE_CONNECT",
	SMB2TreeDisconnect: "TREE_DISCONNECT",
	SMB2Create:         "CREATE",
	SMB2Close:          "CLOSE",
	SMB2Flush:          "FLUSH",
	SMB2Read:           "READ",
	SMB2Write:          "WRITE",
	SMB2Lock:           "LOCK",
	SMB2Ioctl:          "IOCTL",
	SMB2Cancel:         "CANCEL",
	SMB2Echo:           "ECHO",
	SMB2QueryDirectory: "QUERY_DIRECTORY",
	SMB2ChangeNotify:   "CHANGE_NOTIFY",
	SMB2QueryInfo:      "QUERY_INFO",
	SMB2SetInfo:        "SET_INFO",
	SMB2OplockBreak:    "OPLOCK_BREAK",
	SMB2Notification:   "SERVER_TO_CLIENT_NOTIFICATION",
}

// SMB2CommandName names an SMB2 command as MS-SMB2 does ("READ",
// "SESSION_SETUP"), or returns "" for an unknown one so that the caller can
// print the number instead.
func SMB2CommandName(c uint16) string {
	if int(c) < len(smb2CommandNames) {
		return smb2CommandNames[c]
	}
	return ""
}

// smb1CommandNames are MS-CIFS's command names without the SMB_COM_ prefix.
var smb1CommandNames = [256]string{
	0x00: "CREATE_DIRECTORY", 0x01: "DELETE_DIRECTORY", 0x02: "OPEN", 0x03: "CREATE",
	0x04: "CLOSE", 0x05: "FLUSH", 0x06: "DELETE", 0x07: "RENAME",
	0x08: "QUERY_INFORMATION", 0x09: "SET_INFORMATION", 0x0A: "READ", 0x0B: "WRITE",
	0x0C: "LOCK_BYTE_RANGE", 0x0D: "UNLOCK_BYTE_RANGE", 0x0E: "CREATE_TEMPORARY", 0x0F: "CREATE_NEW",
	0x10: "CHECK_DIRECTORY", 0x11: "PROCESS_EXIT", 0x12: "SEEK", 0x13: "LOCK_AND_READ",
	0x14: "WRITE_AND_UNLOCK", 0x1A: "READ_RAW", 0x1B: "READ_MPX", 0x1C: "READ_MPX_SECONDARY",
	0x1D: "WRITE_RAW", 0x1E: "WRITE_MPX", 0x1F: "WRITE_MPX_SECONDARY", 0x20: "WRITE_COMPLETE",
	0x21: "QUERY_SERVER", 0x22: "SET_INFORMATION2", 0x23: "QUERY_INFORMATION2", 0x24: "LOCKING_ANDX",
	0x25: "TRANSACTION", 0x26: "TRANSACTION_SECONDARY", 0x27: "IOCTL", 0x28: "IOCTL_SECONDARY",
	0x29: "COPY", 0x2A: "MOVE", 0x2B: "ECHO", 0x2C: "WRITE_AND_CLOSE",
	0x2D: "OPEN_ANDX", 0x2E: "READ_ANDX", 0x2F: "WRITE_ANDX", 0x30: "NEW_FILE_SIZE",
	0x31: "CLOSE_AND_TREE_DISC", 0x32: "TRANSACTION2", 0x33: "TRANSACTION2_SECONDARY", 0x34: "FIND_CLOSE2",
	0x35: "FIND_NOTIFY_CLOSE", 0x70: "TREE_CONNECT", 0x71: "TREE_DISCONNECT", 0x72: "NEGOTIATE",
	0x73: "SESSION_SETUP_ANDX", 0x74: "LOGOFF_ANDX", 0x75: "TREE_CONNECT_ANDX", 0x7E: "SECURITY_PACKAGE_ANDX",
	0x80: "QUERY_INFORMATION_DISK", 0x81: "SEARCH", 0x82: "FIND", 0x83: "FIND_UNIQUE",
	0x84: "FIND_CLOSE", 0xA0: "NT_TRANSACT", 0xA1: "NT_TRANSACT_SECONDARY", 0xA2: "NT_CREATE_ANDX",
	0xA4: "NT_CANCEL", 0xA5: "NT_RENAME", 0xC0: "OPEN_PRINT_FILE", 0xC1: "WRITE_PRINT_FILE",
	0xC2: "CLOSE_PRINT_FILE", 0xC3: "GET_PRINT_QUEUE", 0xD8: "READ_BULK", 0xD9: "WRITE_BULK",
	0xDA: "WRITE_BULK_DATA", 0xFE: "INVALID", 0xFF: "NO_ANDX_COMMAND",
}

// SMB1CommandName names an SMB1 command as MS-CIFS does without the SMB_COM_
// prefix ("NEGOTIATE", "READ_ANDX"), or returns "" for an unknown one.
func SMB1CommandName(c uint8) string { return smb1CommandNames[c] }

// DialectName names an SMB2 dialect revision ("SMB 3.1.1"); 0x02FF is the
// wildcard a server answers to a multi-protocol SMB1 NEGOTIATE. It returns ""
// for an unknown revision.
func DialectName(d uint16) string {
	switch d {
	case Dialect202:
		return "SMB 2.0.2"
	case Dialect210:
		return "SMB 2.1"
	case 0x0222:
		return "SMB 2.2.2"
	case 0x0224:
		return "SMB 2.2.4"
	case Dialect300:
		return "SMB 3.0"
	case Dialect302:
		return "SMB 3.0.2"
	case 0x0310:
		return "SMB 3.1.0"
	case Dialect311:
		return "SMB 3.1.1"
	case DialectWildcard:
		return "SMB 2.???"
	}
	return ""
}

// Common NT status values (MS-ERREF §2.3.1) that the analyzer tests for.
const (
	StatusSuccess                = 0x00000000 // STATUS_SUCCESS
	StatusPending                = 0x00000103 // STATUS_PENDING
	StatusBufferOverflow         = 0x80000005 // STATUS_BUFFER_OVERFLOW
	StatusMoreProcessingRequired = 0xC0000016 // STATUS_MORE_PROCESSING_REQUIRED
	StatusEndOfFile              = 0xC0000011 // STATUS_END_OF_FILE
	StatusAccessDenied           = 0xC0000022 // STATUS_ACCESS_DENIED
	StatusObjectNameNotFound     = 0xC0000034 // STATUS_OBJECT_NAME_NOT_FOUND
	StatusLogonFailure           = 0xC000006D // STATUS_LOGON_FAILURE
	StatusIOTimeout              = 0xC00000B5 // STATUS_IO_TIMEOUT
	StatusNetworkNameDeleted     = 0xC00000C9 // STATUS_NETWORK_NAME_DELETED
	StatusCancelled              = 0xC0000120 // STATUS_CANCELLED
	StatusUserSessionDeleted     = 0xC0000203 // STATUS_USER_SESSION_DELETED
	StatusNetworkSessionExpired  = 0xC000035C // STATUS_NETWORK_SESSION_EXPIRED
)

// statusNames are the NT status values softsa names: the ones SMB servers
// commonly return, checked against Wireshark's table in the tests.
var statusNames = [...]struct {
	code uint32
	name string
}{
	{0x00000000, "STATUS_SUCCESS"},
	{0x00000103, "STATUS_PENDING"},
	{0x00000104, "STATUS_REPARSE"},
	{0x0000010B, "STATUS_NOTIFY_CLEANUP"},
	{0x0000010C, "STATUS_NOTIFY_ENUM_DIR"},
	{0x80000005, "STATUS_BUFFER_OVERFLOW"},
	{0x80000006, "STATUS_NO_MORE_FILES"},
	{0xC0000001, "STATUS_UNSUCCESSFUL"},
	{0xC0000002, "STATUS_NOT_IMPLEMENTED"},
	{0xC0000003, "STATUS_INVALID_INFO_CLASS"},
	{0xC0000008, "STATUS_INVALID_HANDLE"},
	{0xC000000D, "STATUS_INVALID_PARAMETER"},
	{0xC000000E, "STATUS_NO_SUCH_DEVICE"},
	{0xC000000F, "STATUS_NO_SUCH_FILE"},
	{0xC0000010, "STATUS_INVALID_DEVICE_REQUEST"},
	{0xC0000011, "STATUS_END_OF_FILE"},
	{0xC0000016, "STATUS_MORE_PROCESSING_REQUIRED"},
	{0xC0000017, "STATUS_NO_MEMORY"},
	{0xC0000022, "STATUS_ACCESS_DENIED"},
	{0xC0000023, "STATUS_BUFFER_TOO_SMALL"},
	{0xC0000033, "STATUS_OBJECT_NAME_INVALID"},
	{0xC0000034, "STATUS_OBJECT_NAME_NOT_FOUND"},
	{0xC0000035, "STATUS_OBJECT_NAME_COLLISION"},
	{0xC000003A, "STATUS_OBJECT_PATH_NOT_FOUND"},
	{0xC0000043, "STATUS_SHARING_VIOLATION"},
	{0xC0000044, "STATUS_QUOTA_EXCEEDED"},
	{0xC0000054, "STATUS_FILE_LOCK_CONFLICT"},
	{0xC0000055, "STATUS_LOCK_NOT_GRANTED"},
	{0xC0000056, "STATUS_DELETE_PENDING"},
	{0xC000005F, "STATUS_NO_SUCH_LOGON_SESSION"},
	{0xC0000061, "STATUS_PRIVILEGE_NOT_HELD"},
	{0xC0000064, "STATUS_NO_SUCH_USER"},
	{0xC000006A, "STATUS_WRONG_PASSWORD"},
	{0xC000006D, "STATUS_LOGON_FAILURE"},
	{0xC000006E, "STATUS_ACCOUNT_RESTRICTION"},
	{0xC000006F, "STATUS_INVALID_LOGON_HOURS"},
	{0xC0000070, "STATUS_INVALID_WORKSTATION"},
	{0xC0000071, "STATUS_PASSWORD_EXPIRED"},
	{0xC0000072, "STATUS_ACCOUNT_DISABLED"},
	{0xC000007E, "STATUS_RANGE_NOT_LOCKED"},
	{0xC000007F, "STATUS_DISK_FULL"},
	{0xC000009A, "STATUS_INSUFFICIENT_RESOURCES"},
	{0xC00000AC, "STATUS_PIPE_NOT_AVAILABLE"},
	{0xC00000AD, "STATUS_INVALID_PIPE_STATE"},
	{0xC00000AE, "STATUS_PIPE_BUSY"},
	{0xC00000B0, "STATUS_PIPE_DISCONNECTED"},
	{0xC00000B1, "STATUS_PIPE_CLOSING"},
	{0xC00000B5, "STATUS_IO_TIMEOUT"},
	{0xC00000BA, "STATUS_FILE_IS_A_DIRECTORY"},
	{0xC00000BB, "STATUS_NOT_SUPPORTED"},
	{0xC00000BE, "STATUS_BAD_NETWORK_PATH"},
	{0xC00000C3, "STATUS_INVALID_NETWORK_RESPONSE"},
	{0xC00000C4, "STATUS_UNEXPECTED_NETWORK_ERROR"},
	{0xC00000C9, "STATUS_NETWORK_NAME_DELETED"},
	{0xC00000CA, "STATUS_NETWORK_ACCESS_DENIED"},
	{0xC00000CC, "STATUS_BAD_NETWORK_NAME"},
	{0xC00000D0, "STATUS_REQUEST_NOT_ACCEPTED"},
	{0xC00000E5, "STATUS_INTERNAL_ERROR"},
	{0xC0000101, "STATUS_DIRECTORY_NOT_EMPTY"},
	{0xC0000103, "STATUS_NOT_A_DIRECTORY"},
	{0xC0000120, "STATUS_CANCELLED"},
	{0xC0000128, "STATUS_FILE_CLOSED"},
	{0xC000014B, "STATUS_PIPE_BROKEN"},
	{0xC000015B, "STATUS_LOGON_TYPE_NOT_GRANTED"},
	{0xC0000184, "STATUS_INVALID_DEVICE_STATE"},
	{0xC000018D, "STATUS_TRUSTED_RELATIONSHIP_FAILURE"},
	{0xC0000193, "STATUS_ACCOUNT_EXPIRED"},
	{0xC0000203, "STATUS_USER_SESSION_DELETED"},
	{0xC0000205, "STATUS_INSUFF_SERVER_RESOURCES"},
	{0xC000020C, "STATUS_CONNECTION_DISCONNECTED"},
	{0xC000020D, "STATUS_CONNECTION_RESET"},
	{0xC0000224, "STATUS_PASSWORD_MUST_CHANGE"},
	{0xC0000225, "STATUS_NOT_FOUND"},
	{0xC0000234, "STATUS_ACCOUNT_LOCKED_OUT"},
	{0xC0000236, "STATUS_CONNECTION_REFUSED"},
	{0xC000023C, "STATUS_NETWORK_UNREACHABLE"},
	{0xC000023D, "STATUS_HOST_UNREACHABLE"},
	{0xC0000241, "STATUS_CONNECTION_ABORTED"},
	{0xC0000257, "STATUS_PATH_NOT_COVERED"},
	{0xC000035C, "STATUS_NETWORK_SESSION_EXPIRED"},
	{0xC000A002, "STATUS_AUTH_TAG_MISMATCH"},
}

// StatusName names a common NT status as Windows headers and Wireshark do
// ("STATUS_ACCESS_DENIED"), or returns "" for one it does not know so that the
// caller can print the number instead.
func StatusName(s uint32) string {
	// The table is sorted by code: binary search, no map, no allocation.
	lo, hi := 0, len(statusNames)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if statusNames[mid].code < s {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(statusNames) && statusNames[lo].code == s {
		return statusNames[lo].name
	}
	return ""
}

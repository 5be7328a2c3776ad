package ike

import "encoding/binary"

// The fixed ISAKMP header and what it tells: the family (IKEv1, AuthIP,
// IKEv2), the exchange type and the flags.

// HeaderLen is the size of the fixed ISAKMP header (RFC 2408 §3.1,
// RFC 7296 §3.1).
const HeaderLen = 28

// Family tells which protocol an ISAKMP header belongs to.
type Family uint8

// IKE families. AuthIP shares IKEv1's major version 1 and is recognised by its
// private exchange types.
const (
	FamilyUnknown Family = iota
	FamilyV1
	FamilyAuthIP
	FamilyV2
)

// String returns the protocol name used in softsa's JSON ("ikev1", "authip",
// "ikev2") or "unknown".
func (f Family) String() string {
	switch f {
	case FamilyV1:
		return "ikev1"
	case FamilyAuthIP:
		return "authip"
	case FamilyV2:
		return "ikev2"
	}
	return "unknown"
}

// Exchange types. IKEv1: RFC 2408 §3.1 and RFC 2409; AuthIP: [MS-AIPS] (see
// the package comment for the sections); IKEv2: RFC 7296 §3.1 and RFC 5723.
const (
	ExchangeBase          uint8 = 1
	ExchangeMain          uint8 = 2 // Identity Protection
	ExchangeAuthOnly      uint8 = 3
	ExchangeAggressive    uint8 = 4
	ExchangeInformational uint8 = 5
	ExchangeTransaction   uint8 = 6 // Config Mode
	ExchangeQuick         uint8 = 32
	ExchangeNewGroup      uint8 = 33

	ExchangeSAInit         uint8 = 34
	ExchangeAuth           uint8 = 35
	ExchangeCreateChildSA  uint8 = 36
	ExchangeInformational2 uint8 = 37
	ExchangeSessionResume  uint8 = 38

	AuthIPExchangeMain     uint8 = 243
	AuthIPExchangeQuick    uint8 = 244
	AuthIPExchangeExtended uint8 = 245
	AuthIPExchangeNotify   uint8 = 246
)

// Header flags. IKEv1/AuthIP (RFC 2408 §3.1): E encryption, C commit, A
// authentication only. IKEv2 (RFC 7296 §3.1): I initiator, V version, R
// response.
const (
	FlagEncrypted uint8 = 0x01
	FlagCommit    uint8 = 0x02
	FlagAuthOnly  uint8 = 0x04
	FlagInitiator uint8 = 0x08
	FlagVersion   uint8 = 0x10
	FlagResponse  uint8 = 0x20
)

// Header is the fixed 28-byte ISAKMP header. Version is the raw byte (0x10
// for IKEv1 and AuthIP, 0x20 for IKEv2).
type Header struct {
	ISPI, RSPI  [8]byte
	NextPayload uint8
	Version     uint8
	Exchange    uint8
	Flags       uint8
	MsgID       uint32
	Length      uint32
}

// MajorVersion returns the high nibble of Version.
func (h Header) MajorVersion() uint8 { return h.Version >> 4 }

// Family classifies the header: major version 2 is IKEv2; major version 1 is
// AuthIP when the exchange type is one of AuthIP's private ones, else IKEv1.
func (h Header) Family() Family {
	switch h.Version >> 4 {
	case 1:
		if isAuthIPExchange(h.Exchange) {
			return FamilyAuthIP
		}
		return FamilyV1
	case 2:
		return FamilyV2
	}
	return FamilyUnknown
}

// Encrypted reports the IKEv1/AuthIP E flag: everything after the header is
// ciphertext. IKEv2 has no such flag (it uses the Encrypted payload).
func (h Header) Encrypted() bool {
	f := h.Family()
	return (f == FamilyV1 || f == FamilyAuthIP) && h.Flags&FlagEncrypted != 0
}

// IsResponse reports the IKEv2 R flag. IKEv1 has no response flag, so it is
// always false there; pair IKEv1 messages by cookies and direction instead.
func (h Header) IsResponse() bool {
	return h.Family() == FamilyV2 && h.Flags&FlagResponse != 0
}

// IsInitiator reports the IKEv2 I flag (sent by the original initiator of the
// IKE SA). Always false for IKEv1.
func (h Header) IsInitiator() bool {
	return h.Family() == FamilyV2 && h.Flags&FlagInitiator != 0
}

func isAuthIPExchange(exch uint8) bool {
	return exch >= AuthIPExchangeMain && exch <= AuthIPExchangeNotify
}

func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }

// parseHeader decodes the header; the caller has checked len(b) >= 28.
func parseHeader(b []byte) Header {
	var h Header
	copy(h.ISPI[:], b[0:8])
	copy(h.RSPI[:], b[8:16])
	h.NextPayload = b[16]
	h.Version = b[17]
	h.Exchange = b[18]
	h.Flags = b[19]
	h.MsgID = be32(b[20:24])
	h.Length = be32(b[24:28])
	return h
}

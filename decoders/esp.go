package decoders

import (
	"encoding/binary"
	"fmt"
)

// ESPHeader is the clear part of an ESP packet (RFC 4303 §2): everything
// after the sequence number is encrypted and opaque to softsa.
type ESPHeader struct {
	SPI uint32
	Seq uint32
}

// ESPReservedSPI reports whether spi is in the range RFC 4303 §2.1 reserves
// (1–255, and 0 for local use); a packet carrying one is not a real SA's.
func ESPReservedSPI(spi uint32) bool { return spi < 256 }

// parseESP reads the SPI and sequence number of an ESP packet, raw (after the
// IP header) or UDP-encapsulated (after the UDP header, RFC 3948).
func parseESP(b []byte) (ESPHeader, error) {
	if len(b) < 8 {
		return ESPHeader{}, fmt.Errorf("esp: %d bytes, need 8: %w", len(b), ErrTruncated)
	}
	return ESPHeader{SPI: binary.BigEndian.Uint32(b[0:4]), Seq: binary.BigEndian.Uint32(b[4:8])}, nil
}

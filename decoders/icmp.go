package decoders

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/gopacket/gopacket/layers"
)

// Echo is an ICMP or ICMPv6 echo request or reply (RFC 792, RFC 4443 §4.1
// and §4.2): what `ping` sends and what answers it. A reply carries the
// identifier and sequence number of the request it answers.
type Echo struct {
	Reply   bool
	ID, Seq uint16
}

// ICMP types of the echo messages.
const (
	icmp4EchoReply   = 0
	icmp4EchoRequest = 8
	icmp6EchoRequest = 128
	icmp6EchoReply   = 129
)

// errNotEcho: an ICMP message of another type (an error, a router
// advertisement, …), which softsa does not pair.
var errNotEcho = errors.New("icmp: not an echo request or reply")

// parseEcho reads an echo request or reply from the ICMP (proto 1) or
// ICMPv6 (proto 58) message b: type, code, checksum, identifier, sequence
// number (8 bytes), then data softsa does not read.
func parseEcho(proto layers.IPProtocol, b []byte) (Echo, error) {
	if len(b) < 8 {
		return Echo{}, fmt.Errorf("icmp: %d bytes, need 8: %w", len(b), ErrTruncated)
	}
	e := Echo{ID: binary.BigEndian.Uint16(b[4:6]), Seq: binary.BigEndian.Uint16(b[6:8])}
	switch {
	case proto == layers.IPProtocolICMPv4 && b[0] == icmp4EchoRequest,
		proto == layers.IPProtocolICMPv6 && b[0] == icmp6EchoRequest:
	case proto == layers.IPProtocolICMPv4 && b[0] == icmp4EchoReply,
		proto == layers.IPProtocolICMPv6 && b[0] == icmp6EchoReply:
		e.Reply = true
	default:
		return Echo{}, errNotEcho
	}
	if b[1] != 0 {
		return Echo{}, errNotEcho // echo messages have code 0
	}
	return e, nil
}

// fromICMP fills m from the ICMP or ICMPv6 message b when it is an echo
// request or reply; other ICMP messages leave m as it is.
func fromICMP(m *Message, b []byte) {
	if e, err := parseEcho(m.Proto, b); err == nil {
		m.App, m.Echo = AppEcho, e
		m.Payload = b
	}
}

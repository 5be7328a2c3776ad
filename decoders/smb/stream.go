package smb

// Stream follows one direction of a TCP connection on port 445 or 139 so
// that SMB messages starting in the middle of a segment are found. When a
// message runs past the end of a segment, the following segments first carry
// its tail; a segment lying wholly inside that tail must not be walked (it
// has no NBSS header; its bytes are file data), and the segment in which the
// tail ends must be walked from where the next PDU begins. Wireshark does the
// same with desegmentation off (packet-tcp.c scan_for_next_pdu). A zero
// Stream is ready; it is two sequence numbers, so the analyzer can keep
// one per direction of every connection.
type Stream struct {
	start uint32 // sequence number of the segment that set next
	next  uint32 // sequence number where the next NBSS PDU begins
	valid bool
}

// seqLess compares TCP sequence numbers modulo 2^32 (RFC 1982).
func seqLess(a, b uint32) bool { return int32(a-b) < 0 }

// Offset returns where the walk of a segment with sequence number seq and
// wireLen payload bytes (as the IP header declares them) should start, or -1
// when the segment lies wholly inside a message begun in an earlier segment.
func (s *Stream) Offset(seq uint32, wireLen int) int {
	if !s.valid || !seqLess(s.start, seq) {
		return 0
	}
	end := seq + uint32(wireLen)
	if !seqLess(s.next, end) { // end <= next
		return -1
	}
	if seqLess(seq, s.next) { // seq < next < end
		return int(s.next - seq)
	}
	return 0
}

// Update records what walking a segment taught: seq is the segment's
// sequence number, off the offset Offset returned, and p the parser that
// walked the segment from off (after Start and Next up to
// decoders.ErrDone). A
// retransmission of older data does not move the stream back.
func (s *Stream) Update(seq uint32, off int, p *Parser) {
	if p.pending <= 0 || off < 0 {
		return
	}
	if s.valid && !seqLess(s.start, seq) {
		return
	}
	s.valid = true
	s.start = seq
	s.next = seq + uint32(off) + uint32(len(p.seg)) + uint32(p.pending)
}

package ike

import "softsa/decoders"

// Capacities of the fixed arrays in Summary.
const (
	SummaryMaxPayloads = 32
	SummaryMaxNotifies = 8
	SummaryMaxVendors  = 16
	SummaryMaxDeletes  = 8
)

// Summary is what the analyzer needs from one ISAKMP message, decoded in
// one call without allocating. Every slice in it points into the message
// passed to Parse and is valid only as long as that buffer is.
type Summary struct {
	Header    Header
	Family    Family
	Truncated bool // the message is shorter than its header Length

	// HeaderOK means the 28-byte header was present and Header is valid
	// (its Length may still be wrong; see Err).
	HeaderOK bool

	// Top-level payload types in order (PayloadTypes): NumPayloads are
	// stored, ExtraPayloads counts those beyond the capacity. The same
	// scheme holds notify types, vendor IDs and the SPIs of Delete payloads;
	// DeleteProtocol is the protocol of the first Delete payload.
	payloads      [SummaryMaxPayloads]uint8
	NumPayloads   int
	ExtraPayloads int

	notifies      [SummaryMaxNotifies]uint16
	NumNotifies   int
	ExtraNotifies int

	vendorIDs    [SummaryMaxVendors][]byte
	NumVendorIDs int
	ExtraVendors int

	deleteSPIs     [SummaryMaxDeletes][]byte
	NumDeleteSPIs  int
	ExtraDeletes   int
	DeleteProtocol uint8

	HasFragment    bool // an IKEv1 fragment (132) or IKEv2 Encrypted Fragment (53)
	FragmentID     uint16
	FragmentNumber uint16
	FragmentTotal  uint16 // IKEv2 only
	FragmentLast   bool

	// Opaque means the rest of the message is ciphertext (E flag, or an
	// IKEv2 Encrypted/Encrypted Fragment payload).
	Opaque bool

	// Proposal holds the first proposal of the first SA payload.
	Proposal ProposalFacts

	// Err is the error that stopped the walk (nil when the chain ended
	// normally); what was decoded before it is kept. PayloadErr is the first
	// error decoding the body of a payload, which does not stop the walk.
	Err        error
	PayloadErr error
}

// Reset clears the summary without allocating.
func (s *Summary) Reset() { *s = Summary{} }

// Parse decodes msg (an ISAKMP message: a UDP 500 payload, or a UDP 4500
// payload after its non-ESP marker). It returns the error that stopped the
// walk, also kept in s.Err; a truncated message is walked as far as it goes
// and reports decoders.ErrTruncated. For an E-flagged IKEv1/AuthIP message the
// payload list holds one entry, the header's next payload (the type of the
// first encrypted payload), and Opaque is set.
func (s *Summary) Parse(msg []byte) error {
	s.Reset()
	var p Parser
	h, startErr := p.Start(msg)
	s.Header, s.Family, s.Truncated = h, p.Family(), p.Truncated()
	s.HeaderOK = len(msg) >= HeaderLen
	if startErr != nil && !p.Truncated() {
		s.Err = startErr
		return startErr
	}
	for {
		pl, err := p.Next()
		if err == decoders.ErrDone {
			s.Err = startErr // a truncated message whose chain still ended
			break
		}
		if err != nil {
			s.Err = err
			break
		}
		s.add(pl)
	}
	s.Opaque = p.Opaque()
	return s.Err
}

// add records one payload.
func (s *Summary) add(pl Payload) {
	if s.NumPayloads < len(s.payloads) {
		s.payloads[s.NumPayloads] = pl.Type
		s.NumPayloads++
	} else {
		s.ExtraPayloads++
	}
	if pl.opaque {
		if pl.Type == PayloadEncFragment && pl.family == FamilyV2 {
			s.noteErr(s.addEncFragment(pl))
		}
		return
	}
	switch {
	case pl.is(PayloadNotify, PayloadNotifyV2):
		s.noteErr(s.addNotify(pl))
	case pl.is(PayloadVendorID, PayloadVendorIDV2):
		s.addVendor(pl.Body)
	case pl.is(PayloadDelete, PayloadDeleteV2):
		s.noteErr(s.addDelete(pl))
	case pl.is(PayloadSA, PayloadSAv2):
		if !s.Proposal.Present {
			f, err := firstProposalFacts(pl)
			s.Proposal = f
			s.noteErr(err)
		}
	case pl.Type == PayloadFragment && pl.family != FamilyV2:
		s.noteErr(s.addFragment(pl))
	}
}

func (s *Summary) noteErr(err error) {
	if err != nil && s.PayloadErr == nil {
		s.PayloadErr = err
	}
}

func (s *Summary) addNotify(pl Payload) error {
	n, err := pl.Notify()
	if err != nil {
		return err
	}
	if s.NumNotifies < len(s.notifies) {
		s.notifies[s.NumNotifies] = n.Type
		s.NumNotifies++
	} else {
		s.ExtraNotifies++
	}
	return nil
}

func (s *Summary) addVendor(vid []byte) {
	if s.NumVendorIDs < len(s.vendorIDs) {
		s.vendorIDs[s.NumVendorIDs] = vid
		s.NumVendorIDs++
	} else {
		s.ExtraVendors++
	}
}

func (s *Summary) addDelete(pl Payload) error {
	d, err := pl.Delete()
	if err != nil {
		return err
	}
	if s.NumDeleteSPIs == 0 && s.ExtraDeletes == 0 {
		s.DeleteProtocol = d.Protocol
	}
	for i := 0; i < int(d.Count); i++ {
		if s.NumDeleteSPIs < len(s.deleteSPIs) {
			s.deleteSPIs[s.NumDeleteSPIs] = d.SPI(i)
			s.NumDeleteSPIs++
		} else {
			// Count is bounded by the payload length over the SPI size,
			// or by 65535 for zero-size SPIs: count, don't loop.
			s.ExtraDeletes += int(d.Count) - i
			break
		}
	}
	return nil
}

func (s *Summary) addFragment(pl Payload) error {
	fr, err := pl.Fragment()
	if err != nil {
		return err
	}
	s.HasFragment, s.FragmentID, s.FragmentNumber, s.FragmentLast = true, fr.ID, uint16(fr.Number), fr.Last
	return nil
}

func (s *Summary) addEncFragment(pl Payload) error {
	fr, err := pl.EncryptedFragment()
	if err != nil {
		return err
	}
	s.HasFragment, s.FragmentNumber, s.FragmentTotal = true, fr.Number, fr.Total
	s.FragmentLast = fr.Number != 0 && fr.Number == fr.Total
	return nil
}

// PayloadTypes returns the stored top-level payload types, in order.
func (s *Summary) PayloadTypes() []uint8 { return s.payloads[:s.NumPayloads] }

// NotifyTypes returns the stored notify message types, in order.
func (s *Summary) NotifyTypes() []uint16 { return s.notifies[:s.NumNotifies] }

// VendorIDs returns the stored vendor IDs (sub-slices of the message).
func (s *Summary) VendorIDs() [][]byte { return s.vendorIDs[:s.NumVendorIDs] }

// DeleteSPIs returns the stored SPIs of Delete payloads (sub-slices of the
// message).
func (s *Summary) DeleteSPIs() [][]byte { return s.deleteSPIs[:s.NumDeleteSPIs] }

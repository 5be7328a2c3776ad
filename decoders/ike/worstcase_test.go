package ike_test

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"softsa/decoders"
	"softsa/decoders/capture"
	"softsa/decoders/ike"
	"softsa/decoders/internal/worstcase"
	"softsa/internal/iketest"
)

// Worst cases of the ISAKMP walkers: chains and lengths crafted to make
// them loop or allocate. See package worstcase for the rules.

var t0 = time.Date(2009, 11, 20, 9, 0, 0, 0, time.UTC)

// ikeMessage returns an ISAKMP message: the header, then body, with the
// header's next payload and length set.
func ikeMessage(next uint8, body []byte, length uint32) []byte {
	h := iketest.SetLength(iketest.SetNext(iketest.Msg(0x10, ike.ExchangeMain, 0, 0), next), length)
	return append(h, body...)
}

func TestWorstCaseISAKMP(t *testing.T) {
	// 10,000 chained vendor ID payloads of 4 bytes each.
	var chain []byte
	for range 10000 {
		chain = append(chain, ike.PayloadVendorID, 0, 0, 4)
	}
	chain10k := ikeMessage(ike.PayloadVendorID, chain, uint32(28+len(chain)))

	// An SA payload holding 8,000 proposals (8 bytes each, all but the last
	// saying another follows), each claiming 255 transforms it lacks.
	sa := []byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1} // generic header, DOI 1, situation 1
	for i := range 8000 {
		next := byte(ike.PayloadProposal)
		if i == 7999 {
			next = 0
		}
		sa = append(sa, next, 0, 0, 8, byte(i), 1, 0, 255)
	}
	binary.BigEndian.PutUint16(sa[2:], uint16(len(sa)))
	nested := ikeMessage(ike.PayloadSA, sa, uint32(28+len(sa)))

	// Lengths pointing past the end: the header claims 65535 bytes, the
	// first payload 0xfff0, the next one (in a second message) 0xffff.
	pastHeader := ikeMessage(ike.PayloadVendorID, []byte{0, 0, 0, 8, 1, 2, 3, 4}, 65535)
	pastPayload := ikeMessage(ike.PayloadVendorID, []byte{0, 0, 0xff, 0xf0, 1, 2, 3, 4}, 36)
	pastSecond := ikeMessage(ike.PayloadVendorID, []byte{ike.PayloadNonce, 0, 0, 8, 1, 2, 3, 4, 0, 0, 0xff, 0xff}, 40)

	// walk runs the parser over msg and returns its last error and the
	// number of payloads it returned.
	walk := func(msg []byte) (int, error) {
		var p ike.Parser
		if _, err := p.Start(msg); err != nil && !p.Truncated() {
			return 0, err
		}
		for {
			pl, err := p.Next()
			if err != nil {
				if err == decoders.ErrDone {
					err = nil
				}
				return p.Count(), err
			}
			if pl.Type == ike.PayloadSA {
				it, _ := pl.SA()
				for {
					pr, err := it.Next()
					if err != nil {
						if err != decoders.ErrDone {
							return p.Count(), err
						}
						break
					}
					tr := pr.TransformIter()
					for {
						if _, err := tr.Next(); err != nil {
							break
						}
					}
				}
			}
		}
	}
	// Each message is also decoded as a UDP 500 frame and summarised, as the
	// analyzer does, many times over: nothing may be kept between messages.
	summarise := func(t *testing.T, msg []byte, times int, target error) {
		frame := append([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00}, iketest.UDP(msg)...) // Ethernet, IPv4
		d := decoders.NewDecoder()
		var (
			m decoders.Message
			s ike.Summary
		)
		for i := range times {
			d.Decode(&capture.Frame{Number: i + 1, Time: t0, Link: layers.LinkTypeEthernet, Data: frame}, &m)
			if m.App != decoders.AppISAKMP {
				t.Fatalf("not decoded as ISAKMP: %v", m.App)
			}
			err := s.Parse(m.AppData)
			if err == nil {
				err = s.PayloadErr
			}
			if !errors.Is(err, target) {
				t.Fatalf("summary error %v, want %v", err, target)
			}
		}
	}
	// Each summary of a malformed message builds its error text: some
	// hundred bytes of garbage per message, 10,000 times, and nothing kept.
	const bound = 4 << 20
	worstcase.Run(t, []worstcase.Case{
		{Name: "10,000 chained payloads", MaxAlloc: bound, Run: func(t *testing.T) {
			n, err := walk(chain10k)
			worstcase.WantErr(t, err, decoders.ErrTooMany, "isakmp payload 65")
			if n != ike.MaxPayloads {
				t.Errorf("%d payloads returned, want %d", n, ike.MaxPayloads)
			}
			summarise(t, chain10k, 10000, decoders.ErrTooMany)
		}},
		{Name: "8,000 proposals nested in one SA", MaxAlloc: bound, Run: func(t *testing.T) {
			_, err := walk(nested)
			worstcase.WantErr(t, err, decoders.ErrTooMany, "isakmp proposal 65")
			// The summary reads the first proposal only, whose 255
			// transforms are missing.
			summarise(t, nested, 10000, decoders.ErrTruncated)
		}},
		{Name: "header length past the end", MaxAlloc: bound, Run: func(t *testing.T) {
			n, err := walk(pastHeader)
			if err != nil || n != 1 {
				t.Errorf("%d payloads, error %v: want the one payload present", n, err)
			}
			summarise(t, pastHeader, 10000, decoders.ErrTruncated)
		}},
		{Name: "payload length past the end", MaxAlloc: bound, Run: func(t *testing.T) {
			_, err := walk(pastPayload)
			worstcase.WantErr(t, err, decoders.ErrBadLength, "length 65520")
			summarise(t, pastPayload, 10000, decoders.ErrBadLength)
		}},
		{Name: "second payload's length past the end", MaxAlloc: bound, Run: func(t *testing.T) {
			n, err := walk(pastSecond)
			worstcase.WantErr(t, err, decoders.ErrBadLength, "payload 2")
			if n != 1 {
				t.Errorf("%d payloads before the error, want 1", n)
			}
			summarise(t, pastSecond, 10000, decoders.ErrBadLength)
		}},
	})
}

package ike_test

import (
	"errors"
	"testing"

	"softsa/decoders"
	"softsa/decoders/ike"
	"softsa/internal/iketest"
)

func TestSAIterators(t *testing.T) {
	t.Run("ikev1 phase 1 facts", func(t *testing.T) {
		var s ike.Summary
		if err := s.Parse(iketest.VistaMM1()); err != nil {
			t.Fatal(err)
		}
		want := ike.ProposalFacts{Present: true, Number: 1, Protocol: 1, NumTransforms: 1,
			Encryption: 5, Hash: 2, AuthMethod: 3, Group: 2, LifeSeconds: 28800}
		if s.Proposal != want {
			t.Errorf("%+v", s.Proposal)
		}
	})
	t.Run("ikev2 transforms", func(t *testing.T) {
		var s ike.Summary
		if err := s.Parse(iketest.V2SAInit()); err != nil {
			t.Fatal(err)
		}
		want := ike.ProposalFacts{Present: true, Number: 1, Protocol: 1, NumTransforms: 4,
			Encryption: 12, KeyLength: 256, Hash: 5, Integrity: 12, Group: 14}
		if s.Proposal != want {
			t.Errorf("%+v", s.Proposal)
		}
	})
	t.Run("two proposals, ESP with SPI, TLV life in kilobytes", func(t *testing.T) {
		// Hand-built after RFC 2408 §4.2 (quick mode proposal list).
		sa := iketest.V1SA(
			iketest.Proposal(false, 1, 3, iketest.Hex("01020304"), iketest.V1Transform(true, 1, 3, iketest.TV(1, 2), iketest.TLV(2, []byte{0, 1, 0, 0}))),
			iketest.Proposal(true, 2, 2, iketest.Hex("05060708"), iketest.V1Transform(false, 1, 2), iketest.V1Transform(true, 2, 3)))
		pl := firstPayload(t, iketest.Msg(0x10, ike.ExchangeQuick, 0, 1, iketest.PL{Type: ike.PayloadSA, Body: sa}))
		it, err := pl.SA()
		if err != nil || it.DOI != 1 || it.Situation != 1 {
			t.Fatal(it, err)
		}
		var n, nt int
		for {
			pr, err := it.Next()
			if err == decoders.ErrDone {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			n++
			tit := pr.TransformIter()
			for {
				tr, err := tit.Next()
				if err == decoders.ErrDone {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				nt++
				checkSub(t, pl.Body, tr.Attrs)
				if n == 1 {
					// RFC 2407 §4.5: SA Life Type (1) as TV, SA Life
					// Duration (2) as a 4-byte TLV.
					ait := tr.AttrIter()
					a1, err1 := ait.Next()
					a2, err2 := ait.Next()
					v2, _ := a2.Uint()
					if _, err3 := ait.Next(); err1 != nil || err2 != nil || err3 != decoders.ErrDone ||
						a1.Type != 1 || !a1.TV || a2.Type != 2 || a2.TV || v2 != 65536 {
						t.Errorf("%+v %+v %v %v %v", a1, a2, err1, err2, err3)
					}
				}
			}
		}
		if n != 2 || nt != 3 {
			t.Errorf("%d proposals, %d transforms", n, nt)
		}
	})
	t.Run("attribute length past the end", func(t *testing.T) {
		sa := iketest.V1SA(iketest.Proposal(true, 1, 1, nil, iketest.V1Transform(true, 1, 1, []byte{0, 12, 0, 9, 1})))
		var s ike.Summary
		s.Parse(iketest.Msg(0x10, 2, 0, 0, iketest.PL{Type: ike.PayloadSA, Body: sa}))
		if !errors.Is(s.PayloadErr, decoders.ErrBadLength) || s.Err != nil {
			t.Errorf("%v / %v", s.PayloadErr, s.Err)
		}
	})
	t.Run("proposal chain with a non-proposal next", func(t *testing.T) {
		sa := iketest.V1SA(iketest.Sub(13, []byte{1, 1, 0, 0}))
		pl := firstPayload(t, iketest.Msg(0x10, 2, 0, 0, iketest.PL{Type: ike.PayloadSA, Body: sa}))
		it, _ := pl.SA()
		if _, err := it.Next(); err != nil {
			t.Fatal(err)
		}
		if _, err := it.Next(); !errors.Is(err, decoders.ErrBadLength) {
			t.Error(err)
		}
	})
	t.Run("non-IPsec DOI yields no proposals", func(t *testing.T) {
		pl := firstPayload(t, iketest.Msg(0x10, 2, 0, 0, iketest.PL{Type: ike.PayloadSA, Body: iketest.Hex("00000002 00000000 0000000c")}))
		it, err := pl.SA()
		if err != nil || it.DOI != 2 {
			t.Fatal(err)
		}
		if _, err := it.Next(); err != decoders.ErrDone {
			t.Error(err)
		}
	})
}

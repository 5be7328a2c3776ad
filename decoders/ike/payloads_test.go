package ike_test

import (
	"bytes"
	"errors"
	"testing"

	"softsa/decoders"
	"softsa/decoders/ike"
	"softsa/internal/iketest"
)

func TestAccessors(t *testing.T) {
	t.Run("notify ikev1 with cookie SPI", func(t *testing.T) {
		// Hand-built after RFC 2408 §3.14: NO-PROPOSAL-CHOSEN, protocol
		// ISAKMP, SPI = the 16-byte cookie pair.
		body := append(iketest.Hex("00000001 01 10 000e"), bytes.Repeat([]byte{0xc0}, 16)...)
		pl := firstPayload(t, iketest.Msg(0x10, ike.ExchangeInformational, 0, 5, iketest.PL{Type: ike.PayloadNotify, Body: body}))
		n, err := pl.Notify()
		if err != nil || n.DOI != 1 || n.Protocol != 1 || n.SPISize != 16 || len(n.SPI) != 16 || n.Type != 14 || len(n.Data) != 0 || !n.IsError(ike.FamilyV1) {
			t.Errorf("%+v %v", n, err)
		}
		if ike.NotifyName(ike.FamilyV1, n.Type) != "NO-PROPOSAL-CHOSEN" {
			t.Error(ike.NotifyName(ike.FamilyV1, n.Type))
		}
	})
	t.Run("notify authip flags", func(t *testing.T) {
		var p ike.Parser
		msg := iketest.AuthIPNotify()
		if _, err := p.Start(msg); err != nil {
			t.Fatal(err)
		}
		p.Next()
		if _, err := p.Notify(); !errors.Is(err, decoders.ErrNotFound) {
			t.Errorf("notify on the crypto payload: %v", err)
		}
		p.Next()
		n, err := p.Notify()
		if err != nil || !n.AuthIPReliable() || n.SPISize != 0 || n.SPI != nil || n.Type != 0x9c45 || !bytes.Equal(n.Data, iketest.Hex("deadbeef")) {
			t.Errorf("%+v %v", n, err)
		}
		if ike.NotifyName(ike.FamilyAuthIP, n.Type) != "EXCHANGE_INFO" {
			t.Error(ike.NotifyName(ike.FamilyAuthIP, n.Type))
		}
	})
	t.Run("notify ikev2 and SPI size too big", func(t *testing.T) {
		pl := firstPayload(t, iketest.Msg(0x20, ike.ExchangeAuth, 0, 0, iketest.PL{Type: ike.PayloadNotifyV2, Body: iketest.Hex("03 04 0018 aabbccdd")}))
		n, err := pl.Notify()
		if err != nil || n.Protocol != 3 || n.SPISize != 4 || n.Type != 24 || len(n.Data) != 0 || ike.NotifyName(ike.FamilyV2, n.Type) != "AUTHENTICATION_FAILED" {
			t.Errorf("%+v %v", n, err)
		}
		pl = firstPayload(t, iketest.Msg(0x20, ike.ExchangeAuth, 0, 0, iketest.PL{Type: ike.PayloadNotifyV2, Body: iketest.Hex("03 08 0018 aabbccdd")}))
		if _, err := pl.Notify(); !errors.Is(err, decoders.ErrBadLength) {
			t.Error(err)
		}
	})
	t.Run("delete", func(t *testing.T) {
		// Hand-built after RFC 2408 §3.15: two ESP SPIs.
		body := iketest.Hex("00000001 03 04 0002 11111111 22222222")
		pl := firstPayload(t, iketest.Msg(0x10, ike.ExchangeInformational, 0, 5, iketest.PL{Type: ike.PayloadDelete, Body: body}))
		d, err := pl.Delete()
		if err != nil || d.Protocol != 3 || d.Count != 2 || !bytes.Equal(d.SPI(1), iketest.Hex("22222222")) || d.SPI(2) != nil || d.SPI(-1) != nil {
			t.Errorf("%+v %v", d, err)
		}
		body = iketest.Hex("00000001 03 04 0003 11111111 22222222")
		pl = firstPayload(t, iketest.Msg(0x10, ike.ExchangeInformational, 0, 5, iketest.PL{Type: ike.PayloadDelete, Body: body}))
		if _, err := pl.Delete(); !errors.Is(err, decoders.ErrBadLength) {
			t.Errorf("count beyond length: %v", err)
		}
		// IKEv2 delete of the IKE SA: protocol 1, no SPIs.
		pl = firstPayload(t, iketest.Msg(0x20, ike.ExchangeInformational2, 0, 2, iketest.PL{Type: ike.PayloadDeleteV2, Body: iketest.Hex("01 00 0000")}))
		if d, err := pl.Delete(); err != nil || d.Protocol != 1 || d.Count != 0 {
			t.Errorf("%+v %v", d, err)
		}
	})
	t.Run("ke id nonce cert certreq", func(t *testing.T) {
		msg := iketest.Msg(0x20, ike.ExchangeAuth, 0, 0,
			iketest.PL{Type: ike.PayloadKEv2, Body: iketest.Hex("000e 0000 0102")},
			iketest.PL{Type: ike.PayloadIDi, Body: iketest.Hex("01 000000 0a000001")},
			iketest.PL{Type: ike.PayloadNonceV2, Body: iketest.Hex("0102030405060708")},
			iketest.PL{Type: ike.PayloadCertV2, Body: iketest.Hex("04 3082")},
			iketest.PL{Type: ike.PayloadCertReqV2, Body: iketest.Hex("04")})
		var p ike.Parser
		p.Start(msg)
		p.Next()
		if ke, err := p.KE(); err != nil || ke.Group != 14 || len(ke.Data) != 2 {
			t.Errorf("%+v %v", ke, err)
		}
		p.Next()
		if id, err := p.ID(); err != nil || id.Type != 1 || !bytes.Equal(id.Data, []byte{10, 0, 0, 1}) {
			t.Errorf("%+v %v", id, err)
		}
		p.Next()
		if n, err := p.Nonce(); err != nil || len(n) != 8 {
			t.Errorf("%v %v", n, err)
		}
		p.Next()
		if c, err := p.Cert(); err != nil || c.Encoding != 4 || len(c.Data) != 2 {
			t.Errorf("%+v %v", c, err)
		}
		p.Next()
		if c, err := p.CertReq(); err != nil || c.Encoding != 4 || len(c.Data) != 0 {
			t.Errorf("%+v %v", c, err)
		}
		if _, err := p.KE(); !errors.Is(err, decoders.ErrNotFound) {
			t.Error(err)
		}
	})
	t.Run("ikev1 id and ke", func(t *testing.T) {
		msg := iketest.Msg(0x10, ike.ExchangeAggressive, 0, 0,
			iketest.PL{Type: ike.PayloadKE, Body: iketest.Hex("0102030405")},
			iketest.PL{Type: ike.PayloadID, Body: iketest.Hex("02 11 01f4 686f7374")})
		var p ike.Parser
		p.Start(msg)
		p.Next()
		if ke, err := p.KE(); err != nil || ke.Group != 0 || len(ke.Data) != 5 {
			t.Errorf("%+v %v", ke, err)
		}
		p.Next()
		if id, err := p.ID(); err != nil || id.Type != 2 || id.Protocol != 17 || id.Port != 500 || string(id.Data) != "host" {
			t.Errorf("%+v %v", id, err)
		}
	})
	t.Run("fragments", func(t *testing.T) {
		// Hand-built: IKEv1 fragment payload 132 (ID 7, number 2, last).
		pl := firstPayload(t, iketest.Msg(0x10, ike.ExchangeMain, 0, 0, iketest.PL{Type: ike.PayloadFragment, Body: iketest.Hex("0007 02 01 cafe")}))
		if f, err := pl.Fragment(); err != nil || f.ID != 7 || f.Number != 2 || !f.Last || len(f.Data) != 2 {
			t.Errorf("%+v %v", f, err)
		}
		// Hand-built after RFC 7383 §2.5: Encrypted Fragment 1 of 3.
		pl = firstPayload(t, iketest.Msg(0x20, ike.ExchangeAuth, 0, 1, iketest.PL{Type: ike.PayloadEncFragment, Body: iketest.Hex("0001 0003 00112233")}))
		if f, err := pl.EncryptedFragment(); err != nil || f.Number != 1 || f.Total != 3 || !pl.Opaque() {
			t.Errorf("%+v %v", f, err)
		}
		var s ike.Summary
		s.Parse(iketest.Msg(0x20, ike.ExchangeAuth, 0, 1, iketest.PL{Type: ike.PayloadEncFragment, Body: iketest.Hex("0003 0003 00112233")}))
		if !s.HasFragment || s.FragmentNumber != 3 || s.FragmentTotal != 3 || !s.FragmentLast || !s.Opaque {
			t.Errorf("%+v", s)
		}
	})
	t.Run("accessors refuse opaque payloads", func(t *testing.T) {
		pl := firstPayload(t, iketest.Msg(0x10, ike.ExchangeQuick, ike.FlagEncrypted, 1, iketest.PL{Type: ike.PayloadSA, Body: make([]byte, 40)}))
		if !pl.Opaque() || pl.Length != 0 || pl.Offset != ike.HeaderLen || pl.Type != ike.PayloadSA {
			t.Errorf("%+v", pl)
		}
		if _, err := pl.SA(); !errors.Is(err, decoders.ErrNotFound) {
			t.Error(err)
		}
	})
}

func firstPayload(t *testing.T, msg []byte) ike.Payload {
	t.Helper()
	var p ike.Parser
	if _, err := p.Start(msg); err != nil {
		t.Fatal(err)
	}
	pl, err := p.Next()
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

package ike_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"softsa/decoders"
	"softsa/decoders/ike"
	"softsa/internal/iketest"
)

func TestParserWalk(t *testing.T) {
	type want struct {
		types  []uint8
		errIs  error // the error that ends the walk (decoders.ErrDone when clean)
		startE error
		opaque bool
	}
	vista := iketest.VistaMM1()
	sainit := iketest.V2SAInit()
	vid := func(b []byte) iketest.PL { return iketest.PL{Type: ike.PayloadVendorID, Body: b} }
	many := make([]iketest.PL, ike.MaxPayloads+1)
	for i := range many {
		many[i] = vid(nil)
	}
	tests := []struct {
		name string
		msg  []byte
		want want
	}{
		{"hand-built Vista MM1", vista, want{types: []uint8{1, 13, 13, 13, 13, 13, 13, 13}, errIs: decoders.ErrDone}},
		{"hand-built IKEv2 SA_INIT", sainit, want{types: []uint8{33, 34, 40, 41, 41, 41, 43}, errIs: decoders.ErrDone}},
		{"hand-built AuthIP MM1", iketest.AuthIPMM1(), want{types: []uint8{0x85, 1, 13, 13, 0x87}, errIs: decoders.ErrDone}},
		{"hand-built IKEv1 E flag: one opaque pseudo-payload",
			iketest.Msg(0x10, ike.ExchangeQuick, ike.FlagEncrypted, 9, iketest.PL{Type: ike.PayloadHash, Body: make([]byte, 44)}),
			want{types: []uint8{8}, errIs: decoders.ErrDone, opaque: true}},
		{"hand-built AuthIP notify, E flag", iketest.Msg(0x10, ike.AuthIPExchangeNotify, ike.FlagEncrypted, 9,
			iketest.PL{Type: ike.AuthIPPayloadCrypto, Body: make([]byte, 40)}),
			want{types: []uint8{0x85}, errIs: decoders.ErrDone, opaque: true}},
		{"hand-built IKEv2 IKE_AUTH: SK payload is last and opaque", iketest.Msg(0x20, ike.ExchangeAuth, ike.FlagInitiator, 1,
			iketest.PL{Type: ike.PayloadEncrypted, Body: make([]byte, 80)}),
			want{types: []uint8{46}, errIs: decoders.ErrDone, opaque: true}},
		{"hand-built: bytes after SK are not guessed at", append(iketest.Msg(0x20, ike.ExchangeAuth, 0, 1,
			iketest.PL{Type: ike.PayloadEncrypted, Body: make([]byte, 16)}), 0, 0, 0, 4),
			want{types: []uint8{46}, errIs: decoders.ErrDone, opaque: true}},
		{"hand-built: payload length 3", iketest.Msg(0x10, 2, 0, 0, iketest.PL{Type: 13, Body: nil, LenAdj: -1}),
			want{errIs: decoders.ErrBadLength}},
		{"hand-built: payload length past Length", iketest.Msg(0x10, 2, 0, 0, vid(iketest.VIDDPD), iketest.PL{Type: 13, Body: []byte{1, 2}, LenAdj: 10}),
			want{types: []uint8{13}, errIs: decoders.ErrBadLength}},
		{"hand-built: 65 payloads", iketest.Msg(0x10, 2, 0, 0, many...),
			want{types: bytes.Repeat([]byte{13}, ike.MaxPayloads), errIs: decoders.ErrTooMany}},
		{"hand-built: header only, 27 bytes", iketest.Msg(0x10, 2, 0, 0)[:27], want{startE: decoders.ErrTruncated, errIs: decoders.ErrTruncated}},
		{"hand-built: Length 20", iketest.SetLength(iketest.Msg(0x10, 2, 0, 0), 20), want{startE: decoders.ErrBadLength, errIs: decoders.ErrBadLength}},
		{"hand-built: capture cut inside the 3rd VID", vista[:len(vista)-90],
			want{types: []uint8{1, 13, 13}, startE: decoders.ErrTruncated, errIs: decoders.ErrTruncated}},
		{"hand-built: trailing bytes beyond Length are ignored", append(slices.Clone(vista), 0xde, 0xad, 0xbe, 0xef),
			want{types: []uint8{1, 13, 13, 13, 13, 13, 13, 13}, errIs: decoders.ErrDone}},
		{"hand-built: header next payload with no bytes", iketest.SetNext(iketest.Msg(0x10, 2, 0, 0), 13),
			want{errIs: decoders.ErrBadLength}},
	}
	for _, tc := range tests {
		var p ike.Parser
		_, err := p.Start(tc.msg)
		if !errors.Is(err, tc.want.startE) && !(err == nil && tc.want.startE == nil) {
			t.Errorf("%s: Start error %v, want %v", tc.name, err, tc.want.startE)
		}
		var got []uint8
		for {
			pl, err := p.Next()
			if err != nil {
				if !errors.Is(err, tc.want.errIs) {
					t.Errorf("%s: walk ended with %v, want %v", tc.name, err, tc.want.errIs)
				}
				break
			}
			checkSub(t, tc.msg, pl.Body)
			got = append(got, pl.Type)
		}
		if !slices.Equal(got, tc.want.types) {
			t.Errorf("%s: types %v, want %v", tc.name, got, tc.want.types)
		}
		if p.Opaque() != tc.want.opaque {
			t.Errorf("%s: Opaque %v, want %v", tc.name, p.Opaque(), tc.want.opaque)
		}
	}
}

// checkSub fails unless sub is a sub-slice of msg (zero copy).
func checkSub(t testing.TB, msg, sub []byte) {
	t.Helper()
	if len(sub) == 0 {
		return
	}
	start := cap(msg) - cap(sub)
	if start < 0 || start+len(sub) > len(msg) || &msg[start] != &sub[0] {
		t.Fatalf("slice of %d bytes is not inside the message", len(sub))
	}
}

func TestErrorContext(t *testing.T) {
	// Hand-built: a transform whose length (6) is below the 8-byte minimum.
	bad := iketest.V1SA(iketest.Proposal(true, 2, 1, nil, iketest.Sub(0, []byte{1, 1})))
	msg := iketest.Msg(0x10, 2, 0, 0, iketest.PL{Type: ike.PayloadSA, Body: bad})
	var p ike.Parser
	if _, err := p.Start(msg); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Next(); err != nil {
		t.Fatal(err)
	}
	it, err := p.SA()
	if err != nil {
		t.Fatal(err)
	}
	pr, err := it.Next()
	if err != nil {
		t.Fatal(err)
	}
	tit := pr.TransformIter()
	_, err = tit.Next()
	if !errors.Is(err, decoders.ErrBadLength) || !strings.Contains(err.Error(), "proposal 2: transform 1") {
		t.Errorf("error %v", err)
	}
	if _, err2 := tit.Next(); err2 != err {
		t.Errorf("error not sticky: %v", err2)
	}
}

func FuzzParser(f *testing.F) {
	for _, s := range iketest.Seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		var p ike.Parser
		_, err := p.Start(msg)
		if err != nil && !errors.Is(err, decoders.ErrTruncated) && !errors.Is(err, decoders.ErrBadLength) {
			t.Fatalf("Start: unexpected error %v", err)
		}
		n := 0
		for {
			pl, err := p.Next()
			if err != nil {
				if err2 := walkErr(err); err2 != nil {
					t.Fatal(err2)
				}
				break
			}
			n++
			if n > ike.MaxPayloads {
				t.Fatalf("%d payloads", n)
			}
			checkSub(t, msg, pl.Body)
			exercise(t, msg, pl)
		}
	})
}

func walkErr(err error) error {
	for _, s := range []error{decoders.ErrDone, decoders.ErrTruncated, decoders.ErrBadLength, decoders.ErrTooMany} {
		if errors.Is(err, s) {
			return nil
		}
	}
	return fmt.Errorf("unexpected error %v", err)
}

// exercise calls every accessor and iterator on a payload and checks
// that everything they return lies inside msg.
func exercise(t *testing.T, msg []byte, pl ike.Payload) {
	if n, err := pl.Notify(); err == nil {
		checkSub(t, msg, n.SPI)
		checkSub(t, msg, n.Data)
	}
	if d, err := pl.Delete(); err == nil {
		for i := 0; i < int(d.Count) && i < 1000; i++ {
			checkSub(t, msg, d.SPI(i))
		}
	}
	if v, err := pl.VendorID(); err == nil {
		_ = ike.VendorIDName(v)
		_, _ = ike.VendorIDWindows(v)
	}
	if k, err := pl.KE(); err == nil {
		checkSub(t, msg, k.Data)
	}
	if id, err := pl.ID(); err == nil {
		checkSub(t, msg, id.Data)
	}
	if c, err := pl.Cert(); err == nil {
		checkSub(t, msg, c.Data)
	}
	if c, err := pl.CertReq(); err == nil {
		checkSub(t, msg, c.Data)
	}
	if fr, err := pl.Fragment(); err == nil {
		checkSub(t, msg, fr.Data)
	}
	if fr, err := pl.EncryptedFragment(); err == nil {
		checkSub(t, msg, fr.Data)
	}
	it, err := pl.SA()
	if err != nil {
		return
	}
	for np := 0; ; np++ {
		pr, err := it.Next()
		if err != nil {
			return
		}
		if np > ike.MaxPayloads {
			t.Fatal("proposal iterator does not stop")
		}
		checkSub(t, msg, pr.SPI)
		checkSub(t, msg, pr.Transforms)
		tit := pr.TransformIter()
		for nt := 0; ; nt++ {
			tr, err := tit.Next()
			if err != nil {
				break
			}
			if nt > 255 {
				t.Fatal("transform iterator does not stop")
			}
			checkSub(t, msg, tr.Attrs)
			_, _ = tr.V1Attrs()
			_, _, _ = tr.KeyLength()
			ait := tr.AttrIter()
			for na := 0; ; na++ {
				a, err := ait.Next()
				if err != nil {
					break
				}
				if na > ike.MaxPayloads {
					t.Fatal("attribute iterator does not stop")
				}
				checkSub(t, msg, a.Value)
				_, _ = a.Uint()
			}
		}
	}
}

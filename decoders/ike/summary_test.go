package ike_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"softsa/decoders"
	"softsa/decoders/ike"
	"softsa/internal/iketest"
	"softsa/internal/testenv"
)

func TestSummary(t *testing.T) {
	var s ike.Summary
	if err := s.Parse(iketest.VistaMM1()); err != nil {
		t.Fatal(err)
	}
	if !s.HeaderOK || s.Family != ike.FamilyV1 || s.NumVendorIDs != 7 || s.Opaque || s.Truncated {
		t.Errorf("%+v", s)
	}
	var win, vista int
	for _, v := range s.VendorIDs() {
		if r, ok := ike.VendorIDWindows(v); ok && r == "Windows Vista" {
			win++
		}
		if ike.VendorIDIsVistaOrLater(v) {
			vista++
		}
	}
	if win != 1 || vista != 4 {
		t.Errorf("windows %d vista-or-later %d", win, vista)
	}

	// Hand-built: more payloads, notifies, vendor IDs and delete SPIs than
	// the arrays hold.
	var pls []iketest.PL
	for i := 0; i < 10; i++ {
		pls = append(pls, iketest.PL{Type: ike.PayloadNotify, Body: iketest.Hex("00000001 01 00 6002")})
	}
	for i := 0; i < 20; i++ {
		pls = append(pls, iketest.PL{Type: ike.PayloadVendorID, Body: iketest.VIDDPD})
	}
	del := iketest.Hex("00000001 03 04 000a")
	for i := 0; i < 10; i++ {
		del = binary.BigEndian.AppendUint32(del, uint32(i))
	}
	pls = append(pls, iketest.PL{Type: ike.PayloadDelete, Body: del})
	pls = append(pls, iketest.PL{Type: ike.PayloadHash, Body: []byte{1}}, iketest.PL{Type: ike.PayloadHash, Body: []byte{1}})
	if err := s.Parse(iketest.Msg(0x10, ike.ExchangeInformational, 0, 1, pls...)); err != nil {
		t.Fatal(err)
	}
	if s.NumPayloads != 32 || s.ExtraPayloads != 1 || s.NumNotifies != 8 || s.ExtraNotifies != 2 ||
		s.NumVendorIDs != 16 || s.ExtraVendors != 4 || s.NumDeleteSPIs != 8 || s.ExtraDeletes != 2 || s.DeleteProtocol != 3 {
		t.Errorf("%d+%d payloads %d+%d notifies %d+%d vids %d+%d spis", s.NumPayloads, s.ExtraPayloads,
			s.NumNotifies, s.ExtraNotifies, s.NumVendorIDs, s.ExtraVendors, s.NumDeleteSPIs, s.ExtraDeletes)
	}
	if !bytes.Equal(s.DeleteSPIs()[7], []byte{0, 0, 0, 7}) {
		t.Error(s.DeleteSPIs())
	}

	// The walk error is kept with what came before it.
	mm1 := iketest.VistaMM1()
	s.Parse(mm1[:len(mm1)-10])
	if !errors.Is(s.Err, decoders.ErrTruncated) || s.NumVendorIDs != 6 || !s.Truncated || !s.Proposal.Present {
		t.Errorf("%v %d", s.Err, s.NumVendorIDs)
	}
	s.Parse(mm1[:20])
	if s.HeaderOK || !errors.Is(s.Err, decoders.ErrTruncated) {
		t.Errorf("%+v", s)
	}
	// A capture cut inside an IKEv2 Encrypted payload, and inside an
	// E-flagged IKEv1 message: the rest is ciphertext either way.
	ike2 := iketest.Msg(0x20, ike.ExchangeAuth, 0, 1, iketest.PL{Type: ike.PayloadNonceV2, Body: []byte{1, 2, 3, 4}},
		iketest.PL{Type: ike.PayloadEncrypted, Body: make([]byte, 200)})
	s.Parse(ike2[:100])
	if !errors.Is(s.Err, decoders.ErrTruncated) || !s.Opaque || s.NumPayloads != 1 {
		t.Errorf("%v %v %d", s.Err, s.Opaque, s.NumPayloads)
	}
	enc := iketest.Msg(0x10, ike.ExchangeMain, ike.FlagEncrypted, 0, iketest.PL{Type: ike.PayloadID, Body: make([]byte, 60)})
	s.Parse(enc[:50])
	if !errors.Is(s.Err, decoders.ErrTruncated) || !s.Opaque || s.NumPayloads != 1 || s.PayloadTypes()[0] != ike.PayloadID {
		t.Errorf("%v %v %v", s.Err, s.Opaque, s.PayloadTypes())
	}
}

func TestSummaryZeroAlloc(t *testing.T) {
	msgs := [][]byte{iketest.VistaMM1(), iketest.V2SAInit(), iketest.AuthIPMM1(), iketest.AuthIPNotify()}
	var s ike.Summary
	for _, m := range msgs {
		allocs := testing.AllocsPerRun(100, func() {
			s.Parse(m)
			for _, v := range s.VendorIDs() {
				_ = ike.VendorIDName(v)
				_, _ = ike.VendorIDWindows(v)
			}
			_ = ike.ExchangeName(s.Family, s.Header.Exchange)
			for _, p := range s.PayloadTypes() {
				_ = ike.PayloadName(s.Family, p)
			}
			for _, n := range s.NotifyTypes() {
				_ = ike.NotifyName(s.Family, n)
			}
		})
		if allocs != 0 {
			t.Errorf("exchange %d: %v allocs per message", m[18], allocs)
		}
	}
}

// TestCorpusFacts pins facts of real corpus frames, read at test time.
func TestCorpusFacts(t *testing.T) {
	dir := testenv.CorpusDir(t)
	files := iketest.CorpusMessages(t, dir)
	get := func(file string, num int) []byte {
		for _, fr := range files[file] {
			if fr.Num == num {
				return fr.Msg
			}
		}
		t.Skipf("%s frame %d not in the corpus", file, num)
		return nil
	}
	var s ike.Summary
	// zeek-spicy-ipsec main mode, frame 1: the initiator's SA with 4 VIDs.
	if err := s.Parse(get(filepath.Join("zeek-spicy-ipsec", "ipsec-ikev1-isakmp-main-mode.pcap"), 1)); err != nil {
		t.Fatal(err)
	}
	if s.Family != ike.FamilyV1 || !s.Proposal.Present || s.NumVendorIDs != 4 || s.Header.Exchange != ike.ExchangeMain {
		t.Errorf("%+v", s)
	}
	// Frame 5 of the same capture is encrypted (E flag): opaque.
	s.Parse(get(filepath.Join("zeek-spicy-ipsec", "ipsec-ikev1-isakmp-main-mode.pcap"), 5))
	if !s.Opaque || s.NumPayloads != 1 {
		t.Errorf("%+v", s)
	}
	// tcpdump ikev2four frame 2: the responder asks for a COOKIE.
	s.Parse(get(filepath.Join("tcpdump", "ikev2four.pcap"), 2))
	if s.Family != ike.FamilyV2 || !s.Header.IsResponse() || s.NumNotifies != 1 || s.NotifyTypes()[0] != 16390 {
		t.Errorf("%+v", s)
	}
	// tcpdump ikev2four frame 5: IKE_AUTH, everything in the SK payload.
	s.Parse(get(filepath.Join("tcpdump", "ikev2four.pcap"), 5))
	if !s.Opaque || s.PayloadTypes()[0] != ike.PayloadEncrypted {
		t.Errorf("%+v", s)
	}
	// zeek-spicy-ipsec bad length: the second VID claims more than is left.
	s.Parse(get(filepath.Join("zeek-spicy-ipsec", "ipsec-ikev1-payload-bad-length.pcap"), 1))
	if !errors.Is(s.Err, decoders.ErrBadLength) {
		t.Errorf("%v", s.Err)
	}
}

func FuzzSummary(f *testing.F) {
	for _, s := range iketest.Seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		var s ike.Summary
		s.Parse(msg)
		if s.NumPayloads > ike.SummaryMaxPayloads || s.NumNotifies > ike.SummaryMaxNotifies ||
			s.NumVendorIDs > ike.SummaryMaxVendors || s.NumDeleteSPIs > ike.SummaryMaxDeletes {
			t.Fatalf("counts beyond capacity: %+v", s)
		}
		if s.NumPayloads+s.ExtraPayloads > ike.MaxPayloads {
			t.Fatalf("%d payloads", s.NumPayloads+s.ExtraPayloads)
		}
		if s.Err != nil {
			if err := walkErr(s.Err); err != nil {
				t.Fatal(err)
			}
		}
		for _, v := range s.VendorIDs() {
			checkSub(t, msg, v)
		}
		for _, spi := range s.DeleteSPIs() {
			checkSub(t, msg, spi)
		}
		// Parsing again gives the same result: nothing leaks between calls.
		var s2 ike.Summary
		s2.Parse(msg)
		if s2.NumPayloads != s.NumPayloads || !slices.Equal(s2.PayloadTypes(), s.PayloadTypes()) || s2.Opaque != s.Opaque {
			t.Fatal("Parse is not deterministic")
		}
	})
}

func BenchmarkSummary(b *testing.B) {
	for _, bc := range []struct {
		name string
		msg  []byte
	}{
		{"ikev1-main-mode-SA-7VIDs", iketest.VistaMM1()},
		{"ikev2-IKE_SA_INIT", iketest.V2SAInit()},
		{"authip-main-mode", iketest.AuthIPMM1()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var s ike.Summary
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.msg)))
			for b.Loop() {
				if err := s.Parse(bc.msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

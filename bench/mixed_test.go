package bench

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"slices"
	"sort"
	"testing"

	"softsa/analyzer"
	"softsa/analyzer/result"
	"softsa/decoders/capture"
	"softsa/samples/gen/synth"
)

// TestMixedChecksums checks every IPv4 header, TCP and UDP checksum of a
// mixed capture: a rewritten field whose checksum was not fixed up would
// make tshark flag the frame.
func TestMixedChecksums(t *testing.T) {
	var buf bytes.Buffer
	st, err := WriteMixed(&buf, MixedOptions{Size: 40 << 20, Blocks: 2})
	if err != nil {
		t.Fatal(err)
	}
	if st.Tiles < 3 {
		t.Fatalf("only %d tiles: the test needs rewritten ones", st.Tiles)
	}
	c, err := capture.NewCapture("mixed", bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var f capture.Frame
	var bad, tcp, udp int
	for {
		if err := c.Next(&f); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
		tf := tmplFrame{ip: -1, l4: -1, ike: -1, esp: -1}
		tl := &tiler{index: map[netip.Addr]uint8{}}
		if err := tl.locate(&tf, f.Link, f.Data); err != nil || tf.ip < 0 || tf.v6 {
			continue
		}
		ip := f.Data[tf.ip:]
		ihl := int(ip[0]&15) * 4
		if checksum(ip[:ihl]) != 0 {
			bad++
			t.Errorf("frame %d: bad IPv4 header checksum", f.Number)
		}
		if tf.l4 < 0 || binary.BigEndian.Uint16(ip[6:])&0x2000 != 0 {
			continue // a fragment: its checksum covers the whole datagram
		}
		total := int(binary.BigEndian.Uint16(ip[2:]))
		seg := ip[ihl:total]
		if tf.proto == 17 && binary.BigEndian.Uint16(seg[6:]) == 0 {
			continue
		}
		pseudo := make([]byte, 0, 12+len(seg)+1)
		pseudo = append(pseudo, ip[12:20]...)
		pseudo = append(pseudo, 0, tf.proto, byte(len(seg)>>8), byte(len(seg)))
		pseudo = append(pseudo, seg...)
		if len(pseudo)%2 == 1 {
			pseudo = append(pseudo, 0)
		}
		if checksum(pseudo) != 0 {
			bad++
			if bad < 10 {
				t.Errorf("frame %d: bad transport checksum (protocol %d)", f.Number, tf.proto)
			}
		}
		if tf.proto == 6 {
			tcp++
		} else {
			udp++
		}
	}
	t.Logf("%d frames, %d tiles: %d TCP and %d UDP checksums checked, %d bad", st.Frames, st.Tiles, tcp, udp, bad)
}

// TestMixedTilesKeepVerdicts analyses a mixed capture and checks that every
// tile that is wholly in it gives each pair the verdict and findings the
// generator expects: the tiles are faithful copies of the samples, so the
// benchmark measures the analysis of real work.
func TestMixedTilesKeepVerdicts(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and analyses 100 MB")
	}
	opts := MixedOptions{Size: 100 << 20, Overlap: DefaultOverlap, Blocks: DefaultBlocks}
	var buf bytes.Buffer
	st, err := WriteMixed(&buf, opts)
	if err != nil {
		t.Fatal(err)
	}
	tl, err := newTiler(opts)
	if err != nil {
		t.Fatal(err)
	}
	c, err := capture.NewCapture("mixed", bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	r, err := analyzer.Analyze(context.Background(), c, analyzer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pairs := map[[2]string]*result.Pair{}
	for i := range r.Pairs {
		p := &r.Pairs[i]
		pairs[[2]string{p.Initiator, p.Responder}] = p
	}
	var expected [][]synth.ExpectedPair
	for _, sc := range Scenarios() {
		out, err := synth.Generate(sc)
		if err != nil {
			t.Fatal(err)
		}
		expected = append(expected, out.Expected.Pairs)
	}
	complete := 0
	for k := 0; k < st.Tiles; k++ {
		if !tl.tileEnd(k).Before(st.Last) {
			continue
		}
		complete++
		for i, ep := range expected {
			for _, w := range ep {
				ini := tl.addr(tl.index[netip.MustParseAddr(w.Initiator)], k%opts.Blocks).String()
				rsp := tl.addr(tl.index[netip.MustParseAddr(w.Responder)], k%opts.Blocks).String()
				p := pairs[[2]string{ini, rsp}]
				if p == nil {
					t.Errorf("tile %d, %s: pair %s → %s (%s → %s) not reported", k, tl.scens[i].name, ini, rsp, w.Initiator, w.Responder)
					continue
				}
				var got []string
				for _, f := range p.Findings {
					got = append(got, f.ID)
				}
				want := slices.Clone(w.Findings)
				sort.Strings(got)
				sort.Strings(want)
				if p.Verdict != w.Verdict || !slices.Equal(got, want) {
					t.Errorf("tile %d, %s: %s → %s: verdict %s %v, want %s %v", k, tl.scens[i].name, ini, rsp, p.Verdict, got, w.Verdict, want)
				}
			}
		}
	}
	if complete < 2 {
		t.Fatalf("only %d complete tiles", complete)
	}
	t.Logf("%d frames, %d tiles (%d complete), %d pairs reported", st.Frames, st.Tiles, complete, len(r.Pairs))
}

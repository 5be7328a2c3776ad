package decoders

import (
	"errors"
	"io"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"softsa/decoders/capture"
	"softsa/decoders/internal/capturetest"
)

// The fast path (fast.go) must fill every Message exactly as the
// DecodingLayerParser path does. These tests decode the same frames both
// ways and compare: every frame of the samples and of the public corpus,
// the same frames with their header fields pushed to the edges the fast
// path must refuse or handle, and whatever the fuzzer makes.

// fastPair is two decoders, one with the fast path and one without.
type fastPair struct {
	fast, parser *Decoder
	accepted     int // frames the fast path took
	frames       int
}

func newFastPair() *fastPair {
	p := &fastPair{fast: NewDecoder(), parser: NewDecoder()}
	p.parser.parserOnly = true
	return p
}

// check decodes f both ways and fails on any difference.
func (p *fastPair) check(t testing.TB, what string, f *capture.Frame) {
	t.Helper()
	var mf, mp, probe Message
	p.frames++
	if p.fast.fast(f, &probe) {
		p.accepted++
	}
	p.fast.Decode(f, &mf)
	p.parser.Decode(f, &mp)
	if !reflect.DeepEqual(mf, mp) {
		t.Errorf("%s frame %d (link %v, %d bytes): fast path\n%+v\nparser\n%+v", what, f.Number, f.Link, len(f.Data), mf, mp)
	}
}

// captureFrames calls fn with a copy of every frame of the capture at path.
func captureFrames(t *testing.T, path string, fn func(f *capture.Frame)) {
	t.Helper()
	c, err := capture.Open(path)
	if err != nil {
		return // not a capture softsa reads: nothing to compare
	}
	defer c.Close()
	var f capture.Frame
	for {
		if err := c.Next(&f); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Logf("%s: %v", path, err)
			}
			return
		}
		g := f
		g.Data = append([]byte(nil), f.Data...)
		fn(&g)
	}
}

func TestFastPathMatchesParser(t *testing.T) {
	files := capturetest.Files(t)
	p := newFastPair()
	mutants := newFastPair()
	for _, path := range files {
		n := 0
		captureFrames(t, path, func(f *capture.Frame) {
			p.check(t, filepath.Base(path), f)
			// Every 7th frame also in its mutated forms, with fresh
			// decoders so that reassembly state stays with the originals.
			if n++; n%7 == 1 {
				for _, m := range mutate(f) {
					mutants.check(t, filepath.Base(path)+" mutant", m)
				}
			}
		})
	}
	t.Logf("%d frames, %d on the fast path; %d mutants, %d on the fast path", p.frames, p.accepted, mutants.frames, mutants.accepted)
	if p.accepted*2 < p.frames {
		t.Errorf("the fast path took only %d of %d frames", p.accepted, p.frames)
	}
}

// mutate returns copies of f with one header field each set to a value on
// an edge of what the fast path accepts.
func mutate(f *capture.Frame) []*capture.Frame {
	ipAt := -1
	switch f.Link {
	case layers.LinkTypeEthernet:
		ipAt = 14
	case layers.LinkTypeLinuxSLL:
		ipAt = 16
	case layers.LinkTypeRaw:
		ipAt = 0
	}
	var out []*capture.Frame
	add := func(edit func(b []byte) []byte) {
		g := *f
		g.Data = edit(append([]byte(nil), f.Data...))
		out = append(out, &g)
	}
	set := func(off int, v ...byte) {
		if off >= 0 && off+len(v) <= len(f.Data) {
			add(func(b []byte) []byte { copy(b[off:], v); return b })
		}
	}
	for _, cut := range []int{0, 1, 13, 14, 15, 16, 17, 33, 34, 35, 41, 42, 53, 54, 55} {
		if cut < len(f.Data) {
			add(func(b []byte) []byte { return b[:cut] })
		}
	}
	// A snap length: captured shorter than on the wire.
	g := *f
	g.WireLen = len(f.Data) + 100
	out = append(out, &g)
	if f.Link == layers.LinkTypeEthernet {
		set(12, 0x05, 0xdc)     // an 802.3 length
		set(12, 0x86, 0xdd)     // IPv6 EtherType on IPv4 bytes
		set(12, 0x81, 0x00)     // an 802.1Q tag
		set(ipAt-2, 0x08, 0x06) // ARP
	}
	if f.Link == layers.LinkTypeLinuxSLL {
		set(4, 0, 9)       // address length > 8
		set(14, 0, 4)      // LLC
		set(2, 0x03, 0x23) // radiotap hardware type
	}
	if ipAt < 0 || ipAt+20 > len(f.Data) {
		return out
	}
	for _, v := range []byte{0x44, 0x46, 0x4f, 0x55, 0x65, 0x40, 0x00} {
		set(ipAt, v)
	}
	total := len(f.Data) - ipAt
	for _, l := range []int{0, 1, 19, 20, 21, 27, 28, 39, 40, total - 1, total, total + 1, 65535} {
		set(ipAt+2, byte(l>>8), byte(l))
	}
	set(ipAt+6, 0x20, 0)    // more fragments
	set(ipAt+6, 0x00, 0x01) // an offset
	set(ipAt+6, 0x40, 0)    // don't fragment
	set(ipAt+6, 0x80, 0)    // the reserved bit
	for _, p := range []byte{0, 1, 2, 4, 6, 17, 41, 43, 44, 47, 50, 51, 58, 60, 132, 255} {
		set(ipAt+9, p)
	}
	l4 := ipAt + 20
	if l4+20 <= len(f.Data) {
		for _, v := range []byte{0x00, 0x40, 0x50, 0x60, 0xf0} {
			set(l4+12, v) // TCP data offset
		}
		for _, v := range []byte{0x00, 0xff, 0x3f} {
			set(l4+13, v) // TCP flags
		}
		for _, n := range []int{0, 1, 7, 8, 9, total - 20, total - 19, 65535} {
			set(l4+4, byte(n>>8), byte(n)) // UDP length
		}
		set(l4, 0x01, 0xf4)   // source port 500
		set(l4+2, 0x11, 0x94) // destination port 4500
		set(l4+2, 0x01, 0xbd) // destination port 445
		set(l4+2, 0x12, 0xb5) // destination port 4789 (VXLAN)
	}
	return out
}

// FuzzFastPath decodes arbitrary frames both ways.
func FuzzFastPath(f *testing.F) {
	f.Add(uint16(layers.LinkTypeEthernet), []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 8, 0,
		0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 1, 0xf4, 1, 0xf4, 0, 8, 0, 0}, 28)
	f.Add(uint16(layers.LinkTypeRaw), []byte{0x45, 0, 0, 28, 0, 1, 0, 0, 64, 50, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
		0, 0, 1, 0, 0, 0, 0, 1}, 28)
	f.Add(uint16(layers.LinkTypeLinuxSLL), []byte{0, 4, 0, 1, 0, 6, 0, 1, 2, 3, 4, 5, 0, 0, 8, 0,
		0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
		0xc0, 0, 1, 0xbd, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0}, 60)
	p := newFastPair()
	f.Fuzz(func(t *testing.T, link uint16, data []byte, wire int) {
		p.check(t, "fuzz", &capture.Frame{Number: 1, Time: t0, Link: layers.LinkType(link), Data: data, WireLen: wire})
	})
}

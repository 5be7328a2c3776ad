package bench

import (
	"bufio"
	"bytes"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"softsa/decoders/capture"
	"softsa/samples/gen/synth"
)

// A mixed capture is the sample scenarios tiled: tile k replays every
// scenario once, shifted in time and moved to address block k mod Blocks.
// Tiles overlap in time (Overlap of them are in flight at once), so the file
// interleaves some 150 pairs at any moment, as a capture of a busy segment
// does. Each scenario is generated once, in memory (a few MB); the
// tiles are copies of its frames with addresses, TCP sequence numbers, IKE
// and ESP SPIs rewritten and checksums fixed up, written as they are merged
// by time. Memory stays at the size of the scenarios whatever the size of
// the file.
//
// Rewriting rather than generating keeps the writer at disk speed (the
// generator serializes every packet with gopacket, tens of MB/s), and
// rewriting every identifier a tile repeats keeps the tiles independent:
// when an address block comes round again, its TCP connections have new
// initial sequence numbers and its negotiations and SAs new SPIs, so the
// analyzer sees new conversations of the same hosts, not retransmissions.

// MixedOptions shape a mixed capture. Zero fields take the defaults.
type MixedOptions struct {
	// Size is how many bytes to write: the capture stops at the first frame
	// that reaches it. Required.
	Size int64
	// Overlap is how many tiles are in flight at once (4).
	Overlap int
	// Blocks is how many address blocks are used before addresses repeat
	// (16; at most 32768). Block 0 keeps the samples' own addresses. With
	// 37 pairs a tile, the default gives about 600 pairs whatever the
	// size, so memory can be compared across sizes.
	Blocks int
}

// Defaults of MixedOptions.
const (
	DefaultOverlap = 4
	DefaultBlocks  = 16
	maxBlocks      = 32768
)

// MixedStats describes what WriteMixed wrote.
type MixedStats struct {
	Frames      int
	Bytes       int64 // file size
	Tiles       int   // tiles started
	Scenarios   int   // scenarios per tile
	First, Last time.Time
}

// The pcapng interfaces of a mixed capture, one per link type the samples
// use.
const (
	ifEthernet = iota
	ifSLL
	ifRaw
	numIfaces
)

// tmplFrame is one frame of a generated scenario with where its rewritable
// fields are. Offsets are from the start of the frame; -1 when absent.
type tmplFrame struct {
	off, n   int           // bytes in the slab
	rel      time.Duration // time since the scenario's start
	iface    uint8
	ip       int // IP header
	v6       bool
	src, dst uint8 // indexes into the address table
	l4       int   // TCP or UDP header (first fragments and whole datagrams only)
	proto    uint8 // 6 TCP, 17 UDP
	ike      int   // ISAKMP header
	esp      int   // ESP SPI
}

// scenarioTmpl is one scenario's frames.
type scenarioTmpl struct {
	name   string
	frames []tmplFrame
	span   time.Duration
}

// tiler holds the templates and the address table.
type tiler struct {
	slab  []byte
	scens []scenarioTmpl
	addrs []netip.Addr
	index map[netip.Addr]uint8
	opts  MixedOptions
	step  time.Duration // time between the starts of two tiles
	base  time.Time
}

// stagger spaces the scenarios of one tile, so their handshakes do not all
// fall on the same instant.
const stagger = 7 * time.Second

// Scenarios returns the scenarios a mixed capture tiles: the samples, plus
// two clear SMB2 copies between Windows 7 and Server 2008 R2 (the samples'
// SMB2 is one idle session, and a busy network is mostly bulk copies).
// The copies run for three minutes at 16 KiB a second, so that they make
// about a third of the bytes of a tile and not all of it. Samples that are
// partial views of a scenario (Cut: short or one-way captures) are left
// out: inside a longer tiled capture they are neither short nor one-way.
func Scenarios() []*synth.Scenario {
	var scs []*synth.Scenario
	for _, sc := range synth.Scenarios() {
		if sc.Cut == nil {
			scs = append(scs, sc)
		}
	}
	plain := synth.Policy{}
	eth := []synth.Interface{{Name: "eth0", Kind: synth.LinkEthernet}}
	start, _ := time.Parse(time.RFC3339, "2010-03-01T10:00:00Z")
	for i, kind := range []synth.TrafficKind{synth.TrafficSMBRead, synth.TrafficSMBWrite} {
		cli := fmt.Sprintf("WIN7-COPY%d", i+1)
		srv := fmt.Sprintf("SRV08R2-FS%d", i+1)
		scs = append(scs, &synth.Scenario{
			Name: fmt.Sprintf("bench-smb2-copy-%d", i+1), Format: synth.PCAPNG, Interfaces: eth,
			Start: start, Duration: 3 * time.Minute, Seed: uint64(2002 + i),
			Hosts: []synth.Host{
				{Name: cli, Addr: netip.AddrFrom4([4]byte{10, 80, byte(i), 7}), Release: synth.Win7, Policy: plain},
				{Name: srv, Addr: netip.AddrFrom4([4]byte{10, 80, byte(i), 8}), Release: synth.Win2008R2, Policy: plain},
			},
			Pairs: []synth.Pair{{Initiator: cli, Responder: srv, Start: time.Second,
				Traffic: synth.Traffic{Kind: kind, Share: "media", Chunk: 16384, Interval: time.Second,
					Files: []synth.File{{Name: `iso\install-dvd.iso`, Size: 4 << 30}}}}},
		})
	}
	return scs
}

// newTiler generates every scenario and indexes its frames.
func newTiler(o MixedOptions) (*tiler, error) {
	t := &tiler{opts: o, index: map[netip.Addr]uint8{}}
	var tileSpan time.Duration
	for _, sc := range Scenarios() {
		out, err := synth.Generate(sc)
		if err != nil {
			return nil, err
		}
		st, err := t.load(sc, out.Capture)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
		}
		t.scens = append(t.scens, st)
		tileSpan = max(tileSpan, st.span+time.Duration(len(t.scens))*stagger)
	}
	t.step = (tileSpan + time.Minute) / time.Duration(o.Overlap)
	t.base, _ = time.Parse(time.RFC3339, "2011-01-03T08:00:00Z")
	return t, nil
}

// load reads one scenario's capture into the slab and finds the fields of
// every frame.
func (t *tiler) load(sc *synth.Scenario, file []byte) (scenarioTmpl, error) {
	st := scenarioTmpl{name: sc.Name}
	c, err := capture.NewCapture(sc.Name, bytes.NewReader(file))
	if err != nil {
		return st, err
	}
	var f capture.Frame
	for {
		if err := c.Next(&f); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return st, err
		}
		tf := tmplFrame{off: len(t.slab), n: len(f.Data), rel: f.Time.Sub(sc.Start), ip: -1, l4: -1, ike: -1, esp: -1}
		t.slab = append(t.slab, f.Data...)
		if err := t.locate(&tf, f.Link, f.Data); err != nil {
			return st, fmt.Errorf("frame %d: %w", f.Number, err)
		}
		st.frames = append(st.frames, tf)
		st.span = max(st.span, tf.rel)
	}
	return st, nil
}

// locate finds the IP header and what the tiler rewrites above it.
func (t *tiler) locate(tf *tmplFrame, link layers.LinkType, b []byte) error {
	switch link {
	case layers.LinkTypeEthernet:
		tf.iface, tf.ip = ifEthernet, 14
		if len(b) >= 18 && binary.BigEndian.Uint16(b[12:]) == uint16(layers.EthernetTypeDot1Q) {
			tf.ip = 18
		}
	case layers.LinkTypeLinuxSLL:
		tf.iface, tf.ip = ifSLL, 16
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6:
		tf.iface, tf.ip = ifRaw, 0
	default:
		return fmt.Errorf("link type %v", link)
	}
	if tf.ip >= len(b) {
		tf.ip = -1
		return nil
	}
	ip := b[tf.ip:]
	var src, dst netip.Addr
	switch ip[0] >> 4 {
	case 4:
		ihl := int(ip[0]&15) * 4
		src, dst = netip.AddrFrom4([4]byte(ip[12:16])), netip.AddrFrom4([4]byte(ip[16:20]))
		tf.proto = ip[9]
		if binary.BigEndian.Uint16(ip[6:])&0x1fff == 0 {
			tf.l4 = tf.ip + ihl
		}
	case 6:
		tf.v6 = true
		src, dst = netip.AddrFrom16([16]byte(ip[8:24])), netip.AddrFrom16([16]byte(ip[24:40]))
		tf.proto = ip[6]
		tf.l4 = tf.ip + 40 // the samples' IPv6 carries no extension headers
	default:
		tf.ip = -1
		return nil
	}
	for _, a := range []netip.Addr{src, dst} {
		if _, ok := t.index[a]; !ok {
			if len(t.addrs) >= 250 {
				return errors.New("more than 250 addresses in the scenarios")
			}
			t.index[a] = uint8(len(t.addrs))
			t.addrs = append(t.addrs, a)
		}
	}
	tf.src, tf.dst = t.index[src], t.index[dst]
	if tf.l4 < 0 {
		return nil
	}
	switch tf.proto {
	case 6:
		if tf.l4+20 > len(b) {
			tf.l4 = -1
		}
	case 17:
		if tf.l4+8 > len(b) {
			tf.l4 = -1
			return nil
		}
		u := b[tf.l4:]
		sport, dport := binary.BigEndian.Uint16(u), binary.BigEndian.Uint16(u[2:])
		// The UDP length, not the frame, says where the payload ends:
		// a short frame carries Ethernet padding after it.
		ulen := int(binary.BigEndian.Uint16(u[4:]))
		if ulen < 8 || ulen > len(u) {
			ulen = len(u)
		}
		pl := u[8:ulen]
		switch {
		case sport == 500 || dport == 500:
			tf.ike = tf.l4 + 8
		case sport == 4500 || dport == 4500:
			switch {
			case len(pl) >= 4 && binary.BigEndian.Uint32(pl) == 0:
				tf.ike = tf.l4 + 12
			case len(pl) >= 8:
				tf.esp = tf.l4 + 8
			}
		}
		if tf.ike >= 0 && tf.ike+16 > len(b) {
			tf.ike = -1
		}
	case 50:
		if tf.l4+8 <= len(b) {
			tf.esp = tf.l4
		}
		tf.l4 = -1 // no checksum over ESP
	default:
		tf.l4 = -1
	}
	return nil
}

// addr returns address i of the table as it is in block.
func (t *tiler) addr(i uint8, block int) netip.Addr {
	a := t.addrs[i]
	if block == 0 {
		return a
	}
	if a.Is4() {
		return netip.AddrFrom4([4]byte{10, byte(128 + block>>8), byte(block), i + 1})
	}
	return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, byte(block >> 8), byte(block), 15: i + 1})
}

// mask is what tile k adds to TCP sequence numbers and XORs into SPIs:
// zero for tile 0, which is the samples unchanged.
func mask(k int) uint32 { return uint32(k) * 0x9E3779B1 }

// csum updates an Internet checksum incrementally (RFC 1624, eqn. 3):
// HC' = ~(~HC + ~m + m') for every 16-bit word m that became m'.
type csum uint32

func (c *csum) change(old, new []byte) {
	for i := 0; i+1 < len(old); i += 2 {
		*c += csum(^binary.BigEndian.Uint16(old[i:])) + csum(binary.BigEndian.Uint16(new[i:]))
	}
}

func (c csum) fold() uint16 {
	for c>>16 != 0 {
		c = c&0xffff + c>>16
	}
	return ^uint16(c)
}

// checksum is the Internet checksum of b (RFC 1071), b of even length.
func checksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// rewrite copies frame tf into buf as tile k has it.
func (t *tiler) rewrite(buf []byte, tf *tmplFrame, k int) []byte {
	buf = append(buf[:0], t.slab[tf.off:tf.off+tf.n]...)
	if tf.ip < 0 || k == 0 {
		return buf
	}
	block := k % t.opts.Blocks
	m := mask(k)
	var c csum
	var sumOff int
	if tf.l4 >= 0 {
		sumOff = tf.l4 + 16
		if tf.proto == 17 {
			sumOff = tf.l4 + 6
		}
		c = csum(^binary.BigEndian.Uint16(buf[sumOff:]))
	}
	set := func(off int, nb []byte) {
		if tf.l4 >= 0 {
			c.change(buf[off:off+len(nb)], nb)
		}
		copy(buf[off:], nb)
	}
	ip := tf.ip
	if tf.v6 {
		s, d := t.addr(tf.src, block).As16(), t.addr(tf.dst, block).As16()
		set(ip+8, s[:])
		set(ip+24, d[:])
	} else {
		s, d := t.addr(tf.src, block).As4(), t.addr(tf.dst, block).As4()
		set(ip+12, s[:])
		set(ip+16, d[:])
		ihl := int(buf[ip]&15) * 4
		binary.BigEndian.PutUint16(buf[ip+10:], 0)
		binary.BigEndian.PutUint16(buf[ip+10:], checksum(buf[ip:ip+ihl]))
	}
	var w [4]byte
	if tf.l4 >= 0 && tf.proto == 6 {
		binary.BigEndian.PutUint32(w[:], binary.BigEndian.Uint32(buf[tf.l4+4:])+m)
		set(tf.l4+4, w[:])
		if buf[tf.l4+13]&0x10 != 0 { // ACK
			binary.BigEndian.PutUint32(w[:], binary.BigEndian.Uint32(buf[tf.l4+8:])+m)
			set(tf.l4+8, w[:])
		}
	}
	if tf.ike >= 0 {
		for _, off := range []int{tf.ike, tf.ike + 8} {
			if binary.BigEndian.Uint64(buf[off:]) != 0 {
				binary.BigEndian.PutUint32(w[:], binary.BigEndian.Uint32(buf[off+4:])^m)
				set(off+4, w[:])
			}
		}
	}
	if tf.esp >= 0 {
		// Reserved SPIs (below 256) stay as they are, and no real SPI
		// becomes one.
		if spi := binary.BigEndian.Uint32(buf[tf.esp:]); spi >= 256 && spi^m >= 256 {
			binary.BigEndian.PutUint32(w[:], spi^m)
			set(tf.esp, w[:])
		}
	}
	if tf.l4 >= 0 {
		old := binary.BigEndian.Uint16(buf[sumOff:])
		if !(tf.proto == 17 && old == 0 && !tf.v6) { // a UDP/IPv4 checksum of 0 means none
			s := c.fold()
			if tf.proto == 17 && s == 0 {
				s = 0xffff
			}
			binary.BigEndian.PutUint16(buf[sumOff:], s)
		}
	}
	return buf
}

// tileStart is when tile k starts.
func (t *tiler) tileStart(k int) time.Time { return t.base.Add(time.Duration(k) * t.step) }

// tileEnd is the time of tile k's last frame.
func (t *tiler) tileEnd(k int) time.Time {
	var end time.Duration
	for i := range t.scens {
		end = max(end, time.Duration(i)*stagger+t.scens[i].span)
	}
	return t.tileStart(k).Add(end)
}

// stream is one scenario of one tile being replayed.
type stream struct {
	scen  *scenarioTmpl
	tile  int
	start time.Time
	next  int
	seq   int // creation order, to break ties in time
}

func (s *stream) at() time.Time { return s.start.Add(s.scen.frames[s.next].rel) }

type streamHeap []*stream

func (h streamHeap) Len() int { return len(h) }
func (h streamHeap) Less(i, j int) bool {
	if c := h[i].at().Compare(h[j].at()); c != 0 {
		return c < 0
	}
	return h[i].seq < h[j].seq
}
func (h streamHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *streamHeap) Push(x any)   { *h = append(*h, x.(*stream)) }
func (h *streamHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// countWriter counts what goes through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// WriteMixed writes a mixed pcapng capture of about o.Size bytes to w.
func WriteMixed(w io.Writer, o MixedOptions) (MixedStats, error) {
	if o.Size <= 0 {
		return MixedStats{}, errors.New("bench: a size is required")
	}
	if o.Overlap <= 0 {
		o.Overlap = DefaultOverlap
	}
	if o.Blocks <= 0 {
		o.Blocks = DefaultBlocks
	}
	if o.Blocks > maxBlocks {
		return MixedStats{}, fmt.Errorf("bench: at most %d address blocks", maxBlocks)
	}
	t, err := newTiler(o)
	if err != nil {
		return MixedStats{}, err
	}
	cw := &countWriter{w: w}
	bw := bufio.NewWriterSize(cw, 1<<20)
	intf := func(name string, lt layers.LinkType) pcapgo.NgInterface {
		return pcapgo.NgInterface{Name: name, LinkType: lt, SnapLength: 65535, TimestampResolution: 9}
	}
	ng, err := pcapgo.NewNgWriterInterface(bw, intf("eth0", layers.LinkTypeEthernet),
		pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "softsa bench/bigcap"}})
	if err != nil {
		return MixedStats{}, err
	}
	if _, err := ng.AddInterface(intf("any", layers.LinkTypeLinuxSLL)); err != nil {
		return MixedStats{}, err
	}
	if _, err := ng.AddInterface(intf("tun0", layers.LinkTypeRaw)); err != nil {
		return MixedStats{}, err
	}
	st := MixedStats{Scenarios: len(t.scens)}
	var (
		h       streamHeap
		seq     int
		buf     = make([]byte, 0, 65536)
		written int64 // frame bytes so far, as pcapng blocks
	)
	startTile := func(k int) {
		ts := t.tileStart(k)
		for i := range t.scens {
			s := &stream{scen: &t.scens[i], tile: k, start: ts.Add(time.Duration(i) * stagger), seq: seq}
			seq++
			if len(s.scen.frames) > 0 {
				heap.Push(&h, s)
			}
		}
		st.Tiles++
	}
	startTile(0)
	for written < o.Size {
		// Start the next tile once the merge has reached its start time.
		for len(h) == 0 || !t.tileStart(st.Tiles).After(h[0].at()) {
			startTile(st.Tiles)
		}
		s := h[0]
		tf := &s.scen.frames[s.next]
		ts := s.at()
		buf = t.rewrite(buf, tf, s.tile)
		ci := gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(buf), Length: len(buf), InterfaceIndex: int(tf.iface)}
		if err := ng.WritePacket(ci, buf); err != nil {
			return st, err
		}
		if st.Frames == 0 {
			st.First = ts
		}
		st.Last = ts
		st.Frames++
		written += int64(32 + (len(buf)+3)&^3) // enhanced packet block
		s.next++
		if s.next == len(s.scen.frames) {
			heap.Pop(&h)
		} else {
			heap.Fix(&h, 0)
		}
	}
	if err := ng.Flush(); err != nil {
		return st, err
	}
	if err := bw.Flush(); err != nil {
		return st, err
	}
	st.Bytes = cw.n
	return st, nil
}

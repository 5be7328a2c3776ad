// Package capturetest builds the capture files the tests of the capture
// reader and of the read-ahead pipeline feed them, and finds the real ones:
// the samples and the public corpus.
package capturetest

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"softsa/internal/testenv"
)

// Files lists the samples and, when it is there, every capture of the
// corpus; it skips the test when there are none.
func Files(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(testenv.ModuleRoot(), "samples", "*.pcap*"))
	if dir, _ := testenv.Corpus(); DirExists(dir) {
		files = append(files, testenv.CorpusFiles(t)...)
	}
	if len(files) == 0 {
		t.Skip("no samples and no corpus")
	}
	return files
}

// DirExists reports whether dir is a folder.
func DirExists(dir string) bool {
	st, err := os.Stat(dir)
	return err == nil && st.IsDir()
}

// FirstDiff shows where two descriptions of a capture, a line a frame,
// part: the fast readers' (a) and pcapgo's (b).
func FirstDiff(a, b string) string {
	la, lb := bytes.Split([]byte(a), []byte("\n")), bytes.Split([]byte(b), []byte("\n"))
	for i := 0; i < len(la) && i < len(lb); i++ {
		if !bytes.Equal(la[i], lb[i]) {
			return fmt.Sprintf("line %d:\nfast:   %.300s\npcapgo: %.300s", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("fast %d lines, pcapgo %d lines", len(la), len(lb))
}

// Gzip compresses b.
func Gzip(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// NetmonHeader builds a NetMon 2.minor file header (hand-built from the
// layout in Wireshark's wiretap/netmon.c).
func NetmonHeader(minor uint8, network uint16, tableOff, tableLen uint32) []byte {
	h := make([]byte, 128)
	copy(h, "GMBU")
	h[4], h[5] = minor, 2
	le := func(off int, v uint32) {
		h[off], h[off+1], h[off+2], h[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	h[6] = byte(network)
	h[8], h[9] = 0xE8, 0x07 // 2024
	h[10], h[14] = 1, 1     // January 1st
	le(24, tableOff)
	le(28, tableLen)
	return h
}

// MixedPcapNG writes frames on two interfaces of different link types, the
// shape of a Windows capture taken on an Ethernet NIC and a VPN adapter:
// six UDP 500 datagrams to 10.0.0.2, .3 and so on, with 36 bytes of
// payload, alternately over Ethernet and raw IP. It returns the file and
// the frames.
func MixedPcapNG(t testing.TB) ([]byte, [][]byte) {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriter(&buf, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := w.AddInterface(pcapgo.NgInterface{Name: "vpn", LinkType: layers.LinkTypeRaw, SnapLength: 65535})
	if err != nil {
		t.Fatal(err)
	}
	var frames [][]byte
	start := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := 0; i < 6; i++ {
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP,
			SrcIP: []byte{10, 0, 0, 1}, DstIP: []byte{10, 0, 0, byte(2 + i)}}
		udp := &layers.UDP{SrcPort: 500, DstPort: 500}
		udp.SetNetworkLayerForChecksum(ip)
		payload := gopacket.Payload(bytes.Repeat([]byte{byte(i)}, 36))
		sb := gopacket.NewSerializeBuffer()
		opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
		iface := 0
		var err error
		if i%2 == 0 {
			eth := &layers.Ethernet{SrcMAC: []byte{0, 1, 2, 3, 4, 5}, DstMAC: []byte{0, 1, 2, 3, 4, 6}, EthernetType: layers.EthernetTypeIPv4}
			err = gopacket.SerializeLayers(sb, opts, eth, ip, udp, payload)
		} else {
			iface = raw
			err = gopacket.SerializeLayers(sb, opts, ip, udp, payload)
		}
		if err != nil {
			t.Fatal(err)
		}
		b := append([]byte(nil), sb.Bytes()...)
		frames = append(frames, b)
		ci := gopacket.CaptureInfo{Timestamp: start.Add(time.Duration(i) * time.Second), CaptureLength: len(b), Length: len(b), InterfaceIndex: iface}
		if err := w.WritePacket(ci, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), frames
}

// PcapngBlock is a little-endian pcapng block of type typ with body, its
// length fields claiming length (0: the true length).
func PcapngBlock(typ uint32, body []byte, length uint32) []byte {
	if length == 0 {
		length = uint32(12 + len(body))
	}
	b := binary.LittleEndian.AppendUint32(nil, typ)
	b = binary.LittleEndian.AppendUint32(b, length)
	b = append(b, body...)
	return binary.LittleEndian.AppendUint32(b, length)
}

// PcapngFile is a section header, an Ethernet interface and then blocks.
func PcapngFile(blocks ...[]byte) []byte {
	shb := []byte{0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	idb := []byte{1, 0, 0, 0, 0, 0, 4, 0}
	out := append(PcapngBlock(0x0a0d0d0a, shb, 0), PcapngBlock(1, idb, 0)...)
	for _, b := range blocks {
		out = append(out, b...)
	}
	return out
}

// EPB is an enhanced packet block carrying data; capLen and length, when
// not zero, are what its header claims instead of the truth.
func EPB(data []byte, capLen, length uint32) []byte {
	if capLen == 0 {
		capLen = uint32(len(data))
	}
	body := binary.LittleEndian.AppendUint32(nil, 0) // interface
	body = binary.LittleEndian.AppendUint64(body, 0) // timestamp
	body = binary.LittleEndian.AppendUint32(body, capLen)
	body = binary.LittleEndian.AppendUint32(body, uint32(len(data)))
	body = append(body, data...)
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	if length != 0 {
		// A header and a bit of data, then the file ends: what a cut or
		// hostile file claiming a huge block looks like.
		b := binary.LittleEndian.AppendUint32(nil, 6)
		b = binary.LittleEndian.AppendUint32(b, length)
		return append(b, body...)
	}
	return PcapngBlock(6, body, 0)
}

// HeldFrames is a pcapng file of n frames of size bytes, frame i filled
// with byte i, and what each frame holds.
func HeldFrames(n, size int) ([]byte, [][]byte) {
	var blocks, want [][]byte
	for i := range n {
		d := bytes.Repeat([]byte{byte(i)}, size)
		want = append(want, d)
		blocks = append(blocks, EPB(d, 0, 0))
	}
	return PcapngFile(blocks...), want
}

// TrailingBlocks are the non-packet blocks a pcapng file may end with, as
// the pcapng specification (draft-ietf-opsawg-pcapng) lays them out, by
// what they are; a name's blocks follow each other.
func TrailingBlocks() map[string][][]byte {
	le := binary.LittleEndian
	// Interface statistics: interface 0, a timestamp, isb_ifrecv (4) and
	// isb_ifdrop (5) as dumpcap writes them, end of options.
	isb := le.AppendUint32(nil, 0)
	isb = le.AppendUint32(isb, 0x00062a1b)
	isb = le.AppendUint32(isb, 0x12345678)
	isb = append(isb, 4, 0, 8, 0, 10, 0, 0, 0, 0, 0, 0, 0)
	isb = append(isb, 5, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	isb = append(isb, 0, 0, 0, 0)
	// Name resolution: an IPv4 record (127.0.0.1, "localhost"), padded,
	// then the end record.
	nrb := append([]byte{1, 0, 14, 0, 127, 0, 0, 1}, "localhost\x00"...)
	nrb = append(nrb, 0, 0, 0, 0, 0, 0)
	// Decryption secrets: a TLS key log line, padded to 4 bytes.
	secret := []byte("CLIENT_RANDOM 00 11\n")
	dsb := le.AppendUint32(nil, 0x544c534b)
	dsb = le.AppendUint32(dsb, uint32(len(secret)))
	dsb = append(dsb, secret...)
	// Custom blocks: a private enterprise number, then its own data.
	custom := append(le.AppendUint32(nil, 32473), "softsa test"...)
	custom = append(custom, 0)
	shb := []byte{0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	// A big-endian section header: a new section may change byte order.
	shbBig := []byte{0x1a, 0x2b, 0x3c, 0x4d, 0, 1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	bigBlock := func(typ uint32, body []byte) []byte {
		be := binary.BigEndian
		b := be.AppendUint32(nil, typ)
		b = be.AppendUint32(b, uint32(12+len(body)))
		b = append(b, body...)
		return be.AppendUint32(b, uint32(12+len(body)))
	}
	idb := []byte{1, 0, 0, 0, 0, 0, 4, 0}
	block := PcapngBlock
	return map[string][][]byte{
		"interface statistics":           {block(5, isb, 0)},
		"name resolution":                {block(4, nrb, 0)},
		"decryption secrets":             {block(10, dsb, 0)},
		"custom 0x00000BAD":              {block(0x00000bad, custom, 0)},
		"custom 0x40000BAD":              {block(0x40000bad, custom, 0)},
		"section header":                 {block(0x0a0d0d0a, shb, 0)},
		"section header and interface":   {block(0x0a0d0d0a, shb, 0), block(1, idb, 0)},
		"big-endian section header":      {bigBlock(0x0a0d0d0a, shbBig)},
		"statistics and name resolution": {block(5, isb, 0), block(4, nrb, 0)},
	}
}

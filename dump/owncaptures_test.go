package dump

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// writeOwnCaptures writes captures with cases the public corpus lacks: a
// pcapng with an Ethernet and a raw-IP interface carrying IKEv1 main mode, an
// IP-fragmented IKE message, IKEv2 over UDP 4500 with a NAT keepalive, raw
// and UDP-encapsulated ESP, an AuthIP-numbered exchange and an SMB2 compound.
func writeOwnCaptures(t *testing.T) []string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "own-mixed.pcapng")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := pcapgo.NewNgWriter(f, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := w.AddInterface(pcapgo.NgInterface{Name: "tunnel", LinkType: layers.LinkTypeRaw, SnapLength: 65535})
	if err != nil {
		t.Fatal(err)
	}
	a, b := []byte{192, 0, 2, 10}, []byte{198, 51, 100, 20}
	when := time.Date(2009, 11, 20, 9, 0, 0, 0, time.UTC)
	id := uint16(100)
	put := func(iface int, src, dst []byte, l4 gopacket.SerializableLayer, payload []byte, frag bool) {
		t.Helper()
		id++
		ip := &layers.IPv4{Version: 4, TTL: 128, Id: id, SrcIP: src, DstIP: dst}
		switch l := l4.(type) {
		case *layers.UDP:
			ip.Protocol = layers.IPProtocolUDP
			l.SetNetworkLayerForChecksum(ip)
		case *layers.TCP:
			ip.Protocol = layers.IPProtocolTCP
			l.SetNetworkLayerForChecksum(ip)
		case nil:
			ip.Protocol = layers.IPProtocolESP
		}
		// Serialise the transport layer alone first, so that it can be
		// cut into IP fragments.
		sb := gopacket.NewSerializeBuffer()
		opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
		var ls []gopacket.SerializableLayer
		if l4 != nil {
			ls = append(ls, l4)
		}
		ls = append(ls, gopacket.Payload(payload))
		if err := gopacket.SerializeLayers(sb, opts, ls...); err != nil {
			t.Fatal(err)
		}
		l4bytes := append([]byte(nil), sb.Bytes()...)
		pieces := [][]byte{l4bytes}
		if frag {
			pieces = [][]byte{l4bytes[:600], l4bytes[600:1200], l4bytes[1200:]}
		}
		off := 0
		for i, p := range pieces {
			ip.FragOffset = uint16(off / 8)
			ip.Flags = 0
			if i < len(pieces)-1 {
				ip.Flags = layers.IPv4MoreFragments
			}
			off += len(p)
			out := gopacket.NewSerializeBuffer()
			var err error
			if iface == raw {
				err = gopacket.SerializeLayers(out, opts, ip, gopacket.Payload(p))
			} else {
				eth := &layers.Ethernet{SrcMAC: []byte{0, 0x15, 0x5d, 1, 1, 1}, DstMAC: []byte{0, 0x15, 0x5d, 2, 2, 2}, EthernetType: layers.EthernetTypeIPv4}
				err = gopacket.SerializeLayers(out, opts, eth, ip, gopacket.Payload(p))
			}
			if err != nil {
				t.Fatal(err)
			}
			data := out.Bytes()
			when = when.Add(100 * time.Millisecond)
			ci := gopacket.CaptureInfo{Timestamp: when, CaptureLength: len(data), Length: len(data), InterfaceIndex: iface}
			if err := w.WritePacket(ci, data); err != nil {
				t.Fatal(err)
			}
		}
	}
	ispi := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	rspi := []byte{9, 10, 11, 12, 13, 14, 15, 16}
	zero := make([]byte, 8)
	msMSVID := hexBytes("1e2b516905991c7d7c96fcbfb587e46100000005") // MS NT5 ISAKMPOAKLEY, Vista

	// IKEv1 main mode 1 and 2 (SA with one proposal and transform, VID).
	mm1 := ikeMsg(ispi, zero, 0x10, 2, 0, 0, saPayload(), vidPayload(msMSVID))
	put(0, a, b, &layers.UDP{SrcPort: 500, DstPort: 500}, mm1, false)
	mm2 := ikeMsg(ispi, rspi, 0x10, 2, 0, 0, saPayload())
	put(raw, b, a, &layers.UDP{SrcPort: 500, DstPort: 500}, mm2, false)
	// A certificate-sized MM5 in three IP fragments; encrypted (E flag).
	mm5 := ikeMsg(ispi, rspi, 0x10, 2, 1, 0, rawPayload(5, make([]byte, 1500)))
	put(0, a, b, &layers.UDP{SrcPort: 500, DstPort: 500}, mm5, true)
	// An informational with a NO-PROPOSAL-CHOSEN notify.
	put(0, b, a, &layers.UDP{SrcPort: 500, DstPort: 500}, ikeMsg(ispi, rspi, 0x10, 5, 0, 0x11223344, notifyPayload(14)), false)
	// An AuthIP-numbered exchange (private type 243) with a private payload.
	put(0, a, b, &layers.UDP{SrcPort: 500, DstPort: 500}, ikeMsg(ispi, zero, 0x10, 243, 0, 0, rawPayload(0x85, make([]byte, 40))), false)
	// IKEv2 IKE_SA_INIT on UDP 4500 behind the non-ESP marker, a keepalive.
	v2 := ikeMsg(ispi, zero, 0x20, 34, 0x08, 0, rawPayload(33, make([]byte, 8)))
	put(0, a, b, &layers.UDP{SrcPort: 4500, DstPort: 4500}, append([]byte{0, 0, 0, 0}, v2...), false)
	put(0, a, b, &layers.UDP{SrcPort: 4500, DstPort: 4500}, []byte{0xff}, false)
	// ESP in UDP and raw ESP.
	esp := make([]byte, 64)
	binary.BigEndian.PutUint32(esp, 0xa1b2c3d4)
	binary.BigEndian.PutUint32(esp[4:], 7)
	put(0, a, b, &layers.UDP{SrcPort: 4500, DstPort: 4500}, esp, false)
	binary.BigEndian.PutUint32(esp[4:], 8)
	put(raw, a, b, nil, esp, false)
	// An SMB2 compound: CREATE + READ in one NetBIOS message.
	put(0, a, b, &layers.TCP{SrcPort: 49200, DstPort: 445, Seq: 1000, Ack: 2000, ACK: true, PSH: true, Window: 8192}, smb2Compound(), false)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return []string{path}
}

func hexBytes(s string) []byte {
	b := make([]byte, len(s)/2)
	for i := range b {
		var v byte
		for _, c := range s[2*i : 2*i+2] {
			v <<= 4
			switch {
			case c >= '0' && c <= '9':
				v |= byte(c - '0')
			default:
				v |= byte(c-'a') + 10
			}
		}
		b[i] = v
	}
	return b
}

// payload is one generic ISAKMP payload: its type, and the bytes after the
// 4-byte generic header.
type payload struct {
	typ  uint8
	body []byte
}

func rawPayload(typ uint8, body []byte) payload { return payload{typ, body} }

func vidPayload(vid []byte) payload { return payload{13, vid} }

// notifyPayload is an IKEv1 notify (RFC 2408 §3.14): DOI, protocol, SPI size
// 0, type.
func notifyPayload(typ uint16) payload {
	b := make([]byte, 8)
	binary.BigEndian.PutUint32(b, 1)
	b[4] = 1
	binary.BigEndian.PutUint16(b[6:], typ)
	return payload{11, b}
}

// saPayload is an IKEv1 SA (RFC 2408 §3.4) with one proposal (§3.5) holding
// one transform (§3.6) with two TV attributes (RFC 2409 App. A: encryption
// 3DES, hash SHA).
func saPayload() payload {
	transform := []byte{0, 0, 0, 16, 1, 1, 0, 0, 0x80, 1, 0, 5, 0x80, 2, 0, 2}
	proposal := append([]byte{0, 0, 0, byte(8 + len(transform)), 1, 1, 0, 1}, transform...)
	body := append([]byte{0, 0, 0, 1, 0, 0, 0, 1}, proposal...)
	return payload{1, body}
}

// ikeMsg builds an ISAKMP message (RFC 2408 §3.1 header) with the payload
// chain linked through each generic header's next-payload field.
func ikeMsg(ispi, rspi []byte, version, exch, flags uint8, msgid uint32, ps ...payload) []byte {
	m := make([]byte, 28)
	copy(m, ispi)
	copy(m[8:], rspi)
	if len(ps) > 0 {
		m[16] = ps[0].typ
	}
	m[17], m[18], m[19] = version, exch, flags
	binary.BigEndian.PutUint32(m[20:], msgid)
	for i, p := range ps {
		next := uint8(0)
		if i+1 < len(ps) {
			next = ps[i+1].typ
		}
		h := []byte{next, 0, 0, 0}
		binary.BigEndian.PutUint16(h[2:], uint16(4+len(p.body)))
		m = append(append(m, h...), p.body...)
	}
	binary.BigEndian.PutUint32(m[24:], uint32(len(m)))
	return m
}

// smb2Compound builds a NetBIOS session message holding an SMB2 CREATE
// request for "a.txt" and a related READ request ([MS-SMB2] 2.2.1, 2.2.13,
// 2.2.19), hand-built to exercise compound walking.
func smb2Compound() []byte {
	hdr := func(cmd uint16, msgid uint64, next uint32, flags uint32) []byte {
		h := make([]byte, 64)
		copy(h, "\xfeSMB")
		binary.LittleEndian.PutUint16(h[4:], 64)
		binary.LittleEndian.PutUint16(h[12:], cmd)
		binary.LittleEndian.PutUint32(h[16:], flags)
		binary.LittleEndian.PutUint32(h[20:], next)
		binary.LittleEndian.PutUint64(h[24:], msgid)
		binary.LittleEndian.PutUint32(h[36:], 1)
		binary.LittleEndian.PutUint64(h[40:], 0x4400000000001)
		return h
	}
	name := []byte{'a', 0, '.', 0, 't', 0, 'x', 0, 't', 0}
	create := make([]byte, 56)
	binary.LittleEndian.PutUint16(create, 57)
	binary.LittleEndian.PutUint16(create[44:], 64+56)
	binary.LittleEndian.PutUint16(create[46:], uint16(len(name)))
	createBody := append(create, name...)
	for len(createBody)%8 != 0 {
		createBody = append(createBody, 0)
	}
	read := make([]byte, 49)
	binary.LittleEndian.PutUint16(read, 49)
	binary.LittleEndian.PutUint32(read[4:], 65536)
	msg1 := append(hdr(5, 7, uint32(64+len(createBody)), 0), createBody...)
	msg2 := append(hdr(8, 8, 0, 4), read...)
	smb := append(msg1, msg2...)
	nb := []byte{0, byte(len(smb) >> 16), byte(len(smb) >> 8), byte(len(smb))}
	return append(nb, smb...)
}

package bench

import (
	"bufio"
	"io"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// The two reference loops softsa is measured against. Both read through a
// 1 MiB bufio.Reader, as softsa's capture reader does, so that the
// comparison is of the work per frame and not of read sizes.

// LoopStats is what a reference loop saw.
type LoopStats struct {
	Frames int
	Bytes  int64 // captured bytes of all frames
	TCP    int   // frames that decoded to TCP (ParseLoop only)
	UDP    int   // frames that decoded to UDP (ParseLoop only)
}

// zeroCopyReader is what pcapgo's Reader and NgReader have in common.
type zeroCopyReader interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// openLoop opens a pcap or pcapng stream; fixed is a pcap file's one link
// type (pcapng gives it per frame).
func openLoop(r io.Reader) (zr zeroCopyReader, fixed layers.LinkType, err error) {
	br := bufio.NewReaderSize(r, 1<<20)
	magic, err := br.Peek(4)
	if err != nil {
		return nil, 0, err
	}
	if magic[0] == 0x0a && magic[1] == 0x0d {
		zr, err = pcapgo.NewNgReader(br, pcapgo.NgReaderOptions{WantMixedLinkType: true})
		return zr, 0, err
	}
	pr, err := pcapgo.NewReader(br)
	if err != nil {
		return nil, 0, err
	}
	return pr, pr.LinkType(), nil
}

// ReadLoop is a bare pcapgo zero-copy read loop: the floor of any tool that
// reads the file through gopacket.
func ReadLoop(r io.Reader) (LoopStats, error) {
	var st LoopStats
	zr, _, err := openLoop(r)
	if err != nil {
		return st, err
	}
	for {
		data, _, err := zr.ZeroCopyReadPacketData()
		if err == io.EOF {
			return st, nil
		}
		if err != nil {
			return st, err
		}
		st.Frames++
		st.Bytes += int64(len(data))
	}
}

// ParseLoop is ReadLoop plus one preallocated gopacket DecodingLayerParser
// per first layer (Ethernet with 802.1Q, Linux cooked capture, raw IPv4 and
// IPv6) decoding IPv4, IPv6, TCP and UDP: what a hand-written Go tool that
// looks at the transport layer costs.
func ParseLoop(r io.Reader) (LoopStats, error) {
	var st LoopStats
	zr, fixed, err := openLoop(r)
	if err != nil {
		return st, err
	}
	var (
		eth   layers.Ethernet
		dot1q layers.Dot1Q
		sll   layers.LinuxSLL
		ip4   layers.IPv4
		ip6   layers.IPv6
		tcp   layers.TCP
		udp   layers.UDP
	)
	all := []gopacket.DecodingLayer{&eth, &dot1q, &sll, &ip4, &ip6, &tcp, &udp}
	parser := func(first gopacket.LayerType) *gopacket.DecodingLayerParser {
		p := gopacket.NewDecodingLayerParser(first, all...)
		p.IgnoreUnsupported = true
		return p
	}
	pEth, pSLL, pIP4, pIP6 := parser(layers.LayerTypeEthernet), parser(layers.LayerTypeLinuxSLL),
		parser(layers.LayerTypeIPv4), parser(layers.LayerTypeIPv6)
	decoded := make([]gopacket.LayerType, 0, 8)
	for {
		data, ci, err := zr.ZeroCopyReadPacketData()
		if err == io.EOF {
			return st, nil
		}
		if err != nil {
			return st, err
		}
		st.Frames++
		st.Bytes += int64(len(data))
		lt := fixed
		if len(ci.AncillaryData) > 0 {
			lt, _ = ci.AncillaryData[0].(layers.LinkType)
		}
		var p *gopacket.DecodingLayerParser
		switch lt {
		case layers.LinkTypeEthernet:
			p = pEth
		case layers.LinkTypeLinuxSLL:
			p = pSLL
		case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6:
			p = pIP4
			if len(data) > 0 && data[0]>>4 == 6 {
				p = pIP6
			}
		default:
			continue
		}
		_ = p.DecodeLayers(data, &decoded)
		for _, t := range decoded {
			switch t {
			case layers.LayerTypeTCP:
				st.TCP++
			case layers.LayerTypeUDP:
				st.UDP++
			}
		}
	}
}

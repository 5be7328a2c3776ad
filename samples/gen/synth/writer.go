package synth

import (
	"fmt"
	"io"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// snapLen is the snapshot length written in file headers; every frame is
// captured whole.
const snapLen = 65535

func linkType(k LinkKind) layers.LinkType {
	switch k {
	case LinkLinuxSLL:
		return layers.LinkTypeLinuxSLL
	case LinkRawIP:
		return layers.LinkTypeRaw
	}
	return layers.LinkTypeEthernet
}

// writeCapture writes frames in the scenario's format. The pcapng section and
// interface blocks carry fixed strings only (gopacket's defaults name the
// build machine's OS and architecture, which would make the bytes depend on
// where the generator runs).
func writeCapture(out io.Writer, sc *Scenario, frames []frame) error {
	if len(sc.Interfaces) == 0 {
		return fmt.Errorf("scenario %s: no interfaces", sc.Name)
	}
	switch sc.Format {
	case PCAP:
		if len(sc.Interfaces) != 1 {
			return fmt.Errorf("scenario %s: pcap holds one interface, not %d", sc.Name, len(sc.Interfaces))
		}
		w := pcapgo.NewWriter(out)
		if err := w.WriteFileHeader(snapLen, linkType(sc.Interfaces[0].Kind)); err != nil {
			return err
		}
		for _, f := range frames {
			ci := gopacket.CaptureInfo{Timestamp: f.t, CaptureLength: len(f.data), Length: len(f.data)}
			if err := w.WritePacket(ci, f.data); err != nil {
				return err
			}
		}
		return nil
	default:
		intf := func(i Interface) pcapgo.NgInterface {
			return pcapgo.NgInterface{Name: i.Name, LinkType: linkType(i.Kind), SnapLength: snapLen,
				TimestampResolution: 9}
		}
		opts := pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "softsa samples/gen"}}
		w, err := pcapgo.NewNgWriterInterface(out, intf(sc.Interfaces[0]), opts)
		if err != nil {
			return err
		}
		for _, i := range sc.Interfaces[1:] {
			if _, err := w.AddInterface(intf(i)); err != nil {
				return err
			}
		}
		for _, f := range frames {
			ci := gopacket.CaptureInfo{Timestamp: f.t, CaptureLength: len(f.data), Length: len(f.data),
				InterfaceIndex: f.iface}
			if err := w.WritePacket(ci, f.data); err != nil {
				return err
			}
		}
		return w.Flush()
	}
}

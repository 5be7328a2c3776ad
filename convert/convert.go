// Package convert writes the frames of any capture softsa reads (pcap,
// pcapng, NetMon 2.x, gzip, ETL from netsh trace and pktmon) as a pcapng
// file Wireshark opens.
//
// Frame N of the file written is frame N of the capture as softsa reads
// and analyses it: for an ETL file, which Wireshark cannot open, that is
// how a frame number of softsa's report is looked at in Wireshark. So every
// frame the capture delivers is written, in the order it is delivered, and
// nothing else becomes a packet block.
package convert

import (
	"fmt"
	"io"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"softsa/decoders/capture"
)

// Stats says what Write wrote.
type Stats struct {
	Frames     int // packet blocks
	Interfaces int // interface description blocks: one per link type, adapter, switch port and VLAN, and layer
	Dropped    int // frames the source logged as dropped, each with a comment
}

// Write reads every frame of c and writes it to w as pcapng: one interface
// per link type and adapter where the source names adapters (an ETL
// file's NDIS miniport; and per Hyper-V switch port and VLAN for its
// VMSwitch packets), one of its own for the packets of the WFP layer (seen
// above IPsec, named so), in the order they first appear, the frame's
// timestamp to the nanosecond, its captured bytes and wire length, the
// direction in epb_flags where the source knows it, and a comment with the
// drop reason on a frame the source logged as dropped.
//
// A damaged capture has every frame before the damage written, and its
// *capture.CaptureError returned; the pcapng written so far is whole. An
// error of w is returned as it is.
func Write(w io.Writer, c *capture.Capture) (Stats, error) {
	var (
		st    Stats
		f     capture.Frame
		ng    *pcapgo.NgWriter
		ids   = map[iface]int{}
		flags pcapgo.NgEpbFlags
		opts  pcapgo.NgPacketOptions
	)
	intf := func(k iface) pcapgo.NgInterface {
		desc := fmt.Sprintf("frames of link type %s (%d) from the %s capture", k.link, int(k.link), c.Format())
		if k.adapter != 0 {
			desc += fmt.Sprintf(", adapter with interface index %d", k.adapter)
		}
		if k.port != 0 || k.vlan != 0 {
			desc += fmt.Sprintf(", Hyper-V switch port %d, VLAN %d", k.port, k.vlan)
		}
		name := fmt.Sprintf("softsa-%d", len(ids))
		if k.layer == capture.LayerWFP {
			// The IP header of these packets is softsa's: the WFP
			// capture provider logs addresses, protocol and the
			// transport segment.
			name += "-wfp"
			desc += ", " + capture.WFPInterfaceNote
		}
		return pcapgo.NgInterface{
			Name:                name,
			Description:         desc,
			LinkType:            k.link,
			TimestampResolution: 9,
		}
	}
	// The first interface goes with the section header, so the writer is
	// made when the first frame's link type is known.
	start := func(k iface) error {
		var err error
		ng, err = pcapgo.NewNgWriterInterface(w, intf(k), pcapgo.NgWriterOptions{
			SectionInfo: pcapgo.NgSectionInfo{Application: "softsa convert"},
		})
		ids[k] = 0
		return err
	}
	var rerr error
	for {
		err := c.Next(&f)
		if err == io.EOF {
			break
		}
		if err != nil {
			rerr = err
			break
		}
		k := iface{f.Link, f.Adapter, f.Port, f.VLAN, f.Layer}
		id, ok := ids[k]
		switch {
		case ng == nil:
			if err := start(k); err != nil {
				return st, err
			}
		case !ok:
			if id, err = ng.AddInterface(intf(k)); err != nil {
				return st, err
			}
			ids[k] = id
		}
		wire := max(f.WireLen, len(f.Data))
		ci := gopacket.CaptureInfo{Timestamp: f.Time, CaptureLength: len(f.Data), Length: wire, InterfaceIndex: id}
		opts = pcapgo.NgPacketOptions{}
		if f.Outbound != f.Inbound { // both or neither: the source does not say
			flags.Direction = pcapgo.NgEpbFlagDirectionInbound
			if f.Outbound {
				flags.Direction = pcapgo.NgEpbFlagDirectionOutbound
			}
			opts.Flags = &flags
		}
		if f.Dropped {
			opts.Comments = []string{DropComment(f.DropReason)}
			st.Dropped++
		}
		if err := ng.WritePacketWithOptions(ci, f.Data, opts); err != nil {
			return st, err
		}
		st.Frames++
	}
	if ng == nil {
		// No frame: a valid, empty pcapng all the same.
		if err := start(iface{link: layers.LinkTypeEthernet}); err != nil {
			return st, err
		}
	}
	st.Interfaces = len(ids)
	if err := ng.Flush(); err != nil {
		return st, err
	}
	return st, rerr
}

// iface is what gets an interface of its own.
type iface struct {
	link    layers.LinkType
	adapter uint32
	port    uint32
	vlan    uint16
	layer   capture.Layer
}

// DropComment is the comment on a frame pktmon logged as dropped.
func DropComment(reason uint32) string {
	return fmt.Sprintf("softsa: pktmon logged this packet as dropped, drop reason %d", reason)
}

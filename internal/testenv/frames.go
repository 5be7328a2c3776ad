package testenv

import (
	"bufio"
	"io"
	"os"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Frame is one record of a capture file as ReadFrames returns it.
type Frame struct {
	Data []byte
	Link layers.LinkType
	Time time.Time
}

// ReadFrames reads every record of a pcap or pcapng file with gopacket's
// pcapgo, a reader independent of softsa's, so that tests of the decoders do
// not depend on the capture reader they may be checking. Frame i of the
// result is Wireshark's frame i+1. A file that is neither pcap nor pcapng,
// or whose records stop being readable, returns the frames before that with
// the error; a file that cannot be opened fails the test.
func ReadFrames(tb testing.TB, path string) ([]Frame, error) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	magic, err := br.Peek(4)
	if err != nil {
		return nil, err
	}
	// Each reader hands out a frame's data and capture info; the link type
	// is the file's for pcap, the interface's for pcapng.
	var next func() ([]byte, gopacket.CaptureInfo, error)
	var link func(gopacket.CaptureInfo) layers.LinkType
	if string(magic) == "\x0a\x0d\x0d\x0a" {
		r, err := pcapgo.NewNgReader(br, pcapgo.NgReaderOptions{WantMixedLinkType: true, SkipUnknownVersion: true})
		if err != nil {
			return nil, err
		}
		next = r.ReadPacketData
		link = func(ci gopacket.CaptureInfo) layers.LinkType {
			if len(ci.AncillaryData) > 0 {
				if lt, ok := ci.AncillaryData[0].(layers.LinkType); ok {
					return lt
				}
			}
			return layers.LinkTypeNull
		}
	} else {
		r, err := pcapgo.NewReader(br)
		if err != nil {
			return nil, err
		}
		next = r.ReadPacketData
		link = func(gopacket.CaptureInfo) layers.LinkType { return r.LinkType() }
	}
	var frames []Frame
	for {
		data, ci, err := next()
		if err == io.EOF {
			return frames, nil
		}
		if err != nil {
			return frames, err
		}
		frames = append(frames, Frame{Data: data, Link: link(ci), Time: ci.Timestamp})
	}
}

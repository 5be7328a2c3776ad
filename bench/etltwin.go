package bench

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket/layers"

	"softsa/decoders/capture"
	"softsa/decoders/etl/etltest"
)

// An ETL twin is a capture's packets as Windows would have logged them,
// written by package etltest: every packet once (a single component or
// layer, so nothing is folded), in uncompressed buffers of a fixed size,
// as ETW writes them, one CPU's at a time. Packets go to the CPUs in turn,
// and a CPU's buffer is written when it is full, so the file is in time
// order only per CPU, as real traces are, and the reader's reordering
// window does its work.

// ETLTwinOptions shape an ETL twin. Zero fields take the defaults.
type ETLTwinOptions struct {
	// NDIS writes NDIS-PacketCapture 1001 events (netsh trace), each
	// packet one event with PacketStart and PacketEnd; otherwise PktMon
	// 160 events.
	NDIS bool
	// CPUs is how many per-CPU buffers packets are spread over (2).
	CPUs int
	// BufferSize is the size of every buffer in memory (1 MiB), and on
	// disk when not compressed.
	BufferSize int
	// Compressed writes the buffers compressed (plain LZ77), as pktmon
	// does with its 16 MiB buffers.
	Compressed bool
}

// ETLTwinStats describes what WriteETLTwin wrote.
type ETLTwinStats struct {
	Frames  int
	Buffers int
	Bytes   int64
	// Relinked counts Linux-cooked frames, which no ETL framing carries,
	// written as raw IP (or Ethernet for other protocols).
	Relinked int
}

// WriteETLTwin writes the ETL twin of c's frames to w.
func WriteETLTwin(w io.Writer, c *capture.Capture, o ETLTwinOptions) (ETLTwinStats, error) {
	var st ETLTwinStats
	if o.CPUs <= 0 {
		o.CPUs = 2
	}
	if o.BufferSize <= 0 {
		o.BufferSize = 1 << 20
	}
	if o.BufferSize < 4096 || o.BufferSize > 16<<20 {
		return st, fmt.Errorf("buffer size %d: want 4 KiB to 16 MiB", o.BufferSize)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var (
		f      capture.Frame
		file   etltest.File
		bufs   = make([]etltest.Buffer, o.CPUs)
		used   = make([]int, o.CPUs) // record bytes in each CPU's buffer
		cpu    int
		eth    []byte
		header bool
	)
	flush := func(k int) error {
		b := &bufs[k]
		if len(b.Events) == 0 {
			return nil
		}
		b.CPU, b.Pad, b.Compressed = uint16(k), o.BufferSize-0x48-used[k], o.Compressed
		out := etltest.WriteBuffer(file, *b)
		b.Events, used[k] = b.Events[:0], 0
		st.Buffers++
		st.Bytes += int64(len(out))
		_, err := bw.Write(out)
		return err
	}
	for {
		if err := c.Next(&f); err != nil {
			if !errors.Is(err, io.EOF) {
				return st, err
			}
			break
		}
		if !header {
			// The session starts a second before the first packet.
			file = etltest.File{Start: f.Time.Add(-time.Second), BufferSize: uint32(o.BufferSize)}
			h := etltest.Write(file, nil)
			if _, err := bw.Write(h); err != nil {
				return st, err
			}
			st.Bytes += int64(len(h))
			header = true
		}
		link, data := f.Link, f.Data
		if link == layers.LinkTypeLinuxSLL {
			st.Relinked++
			link, data, eth = relinkSLL(data, eth)
		}
		var ev etltest.Event
		switch {
		case o.NDIS:
			kw := uint64(etltest.KwStart | etltest.KwEnd | etltest.KwReceive)
			switch link {
			case layers.LinkTypeEthernet:
				kw |= etltest.KwEthernet
			case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6:
				kw |= etltest.KwWirelessWAN
			default:
				return st, fmt.Errorf("frame %d: link type %v has no NDIS framing", f.Number, link)
			}
			ev = etltest.NDIS{Miniport: 7, Lower: 7, Fragment: data}.Event(f.Time, kw)
		default:
			pt := uint16(1)
			switch link {
			case layers.LinkTypeEthernet:
			case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6:
				pt = 3
			default:
				return st, fmt.Errorf("frame %d: link type %v has no pktmon packet type", f.Number, link)
			}
			ev = etltest.Pktmon{Group: uint64(st.Frames) + 1, Appearance: 1, PacketType: pt,
				Original: f.WireLen, Payload: data}.Event(f.Time, false)
		}
		n := (0x50 + len(ev.User) + 7) &^ 7
		if 0x48+n > o.BufferSize {
			return st, fmt.Errorf("frame %d: %d bytes do not fit a %d-byte buffer", f.Number, len(data), o.BufferSize)
		}
		if 0x48+used[cpu]+n > o.BufferSize {
			if err := flush(cpu); err != nil {
				return st, err
			}
		}
		bufs[cpu].Events = append(bufs[cpu].Events, ev)
		used[cpu] += n
		st.Frames++
		cpu = (cpu + 1) % o.CPUs
	}
	for k := range bufs {
		if err := flush(k); err != nil {
			return st, err
		}
	}
	return st, bw.Flush()
}

// relinkSLL turns a Linux-cooked frame into raw IP, or into Ethernet for
// protocols other than IP, using scratch for the Ethernet header.
func relinkSLL(b, scratch []byte) (layers.LinkType, []byte, []byte) {
	if len(b) < 16 {
		return layers.LinkTypeEthernet, b, scratch
	}
	proto := binary.BigEndian.Uint16(b[14:])
	if proto == 0x0800 || proto == 0x86DD {
		return layers.LinkTypeRaw, b[16:], scratch
	}
	scratch = append(scratch[:0], 2, 0, 0, 0, 0, 1)
	scratch = append(scratch, b[6:12]...)
	scratch = binary.BigEndian.AppendUint16(scratch, proto)
	scratch = append(scratch, b[16:]...)
	return layers.LinkTypeEthernet, scratch, scratch
}

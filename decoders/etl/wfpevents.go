package etl

import "time"

// Microsoft-Windows-WFP, the Windows Filtering Platform's manifest
// provider: its IKE/AuthIP and IPsec diagnostic events ride in the same
// ETL file as the packets when `netsh trace` enables it (scenario=...,
// provider=Microsoft-Windows-WFP); windows-formats.md §1.6. The reader
// keeps the events softsa decodes (package hostlog) as they are, copied,
// beside the packets: their time, ID, version and user data.
var ProviderWFP = mustGUID("0C478C5B-0351-41B1-8C58-4A6737DA32E3")

// The WFP events kept: IPsec kernel drop (1003), main, quick and extended
// mode failures (1005, 1007, 1009), main mode SA established (1013,
// 1043), IKE packet sent and received (1024, 1025), quick mode SA
// established (1027).
func wfpKept(id uint16) bool {
	switch id {
	case 1003, 1005, 1007, 1009, 1013, 1024, 1025, 1027, 1043:
		return true
	}
	return false
}

// Bounds of the WFP events one Reader keeps: a hostile or enormous trace
// costs at most this much; the events past either bound are counted
// (Stats.WFPOverflow) and warned about once.
const (
	MaxWFPEvents = 1 << 16
	MaxWFPBytes  = 16 << 20 // user data, summed
)

// WFPEvent is one Microsoft-Windows-WFP event of an ETL file, undecoded.
type WFPEvent struct {
	Time    time.Time // the event header's, on the logfile's clock
	ID      uint16
	Version uint8
	User    []byte // the user data, a copy owned by the event
	// Offset is the file offset of the buffer holding the event, and
	// At its offset inside the (decompressed) buffer: where a message
	// about it points.
	Offset int64
	At     int
}

// WFPEvents returns the WFP events read so far, in file order (not time
// order: buffers are per CPU).
func (r *Reader) WFPEvents() []WFPEvent { return r.wfp.events }

// wfpKeep is the reader's WFP event list.
type wfpKeep struct {
	events []WFPEvent
	bytes  int
}

// wfpEvent keeps the current event (provider WFP) when its ID is one
// softsa decodes. Only WFP events pay for the copy; the packet path is
// untouched.
func (r *Reader) wfpEvent(at int) {
	r.stats.WFPEvents++
	if !wfpKept(r.ev.id) {
		return
	}
	w := &r.wfp
	if len(w.events) >= MaxWFPEvents || w.bytes+len(r.ev.user) > MaxWFPBytes {
		if r.stats.WFPOverflow == 0 {
			r.warnf("more than %d WFP events or %d MiB of them: the rest are counted, not kept", MaxWFPEvents, MaxWFPBytes>>20)
		}
		r.stats.WFPOverflow++
		return
	}
	w.bytes += len(r.ev.user)
	w.events = append(w.events, WFPEvent{
		Time:    time.Unix(0, r.header.unixNS(r.ev.raw)).UTC(),
		ID:      r.ev.id,
		Version: r.ev.version,
		User:    append([]byte(nil), r.ev.user...),
		Offset:  r.curOff,
		At:      bufferHeaderSize + at,
	})
}

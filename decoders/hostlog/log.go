package hostlog

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"unicode/utf16"

	"softsa/decoders/cab"
	"softsa/decoders/etl"
)

// Format is a kind of host log file.
type Format uint8

// The host log formats softsa recognises by content.
const (
	FormatNone     Format = iota // not a host log
	FormatETL                    // an Event Trace Log: its Microsoft-Windows-WFP events
	FormatWFPDiag                // wfpdiag.xml (netsh wfp capture)
	FormatCAB                    // wfpdiag.cab: the wfpdiag.xml inside it
	FormatSecurity               // Security log exported as XML (wevtutil qe /f:xml, Event Viewer "Save as XML")
	FormatEVTX                   // a binary .evtx: refused with how to export it as XML
)

// String names the format.
func (f Format) String() string {
	switch f {
	case FormatETL:
		return "ETL (WFP events)"
	case FormatWFPDiag:
		return "wfpdiag.xml"
	case FormatCAB:
		return "wfpdiag.cab"
	case FormatSecurity:
		return "Security log XML"
	case FormatEVTX:
		return "EVTX"
	}
	return "none"
}

// Log is what one host log file held.
type Log struct {
	File   string
	Format Format
	Events []Event
	// Warnings say what was skipped or cut short; the events before it
	// are kept.
	Warnings []string
}

// ErrNotHostLog means the content is no host log softsa reads.
var ErrNotHostLog = errors.New("not a host log softsa reads")

// ErrEVTX means the file is a binary event log, which softsa does not
// read; the message says how to export it as XML.
var ErrEVTX = errors.New("a binary .evtx event log: softsa reads event logs exported as XML; on Windows run " +
	"`wevtutil qe FILE.evtx /lf:true /f:xml /e:Events > FILE.xml` " +
	"(or in Event Viewer: open the log, Save All Events As..., type XML) and give softsa FILE.xml")

// SniffLen is how many leading bytes Sniff looks at (fewer will do for
// the magic numbers; XML needs its root element in them).
const SniffLen = 4096

// Limits of Read.
const (
	// MaxCABSize bounds a wfpdiag.cab, which is read into memory to be
	// extracted; real ones are a few MiB.
	MaxCABSize = 256 << 20
	// maxDecodeWarnings bounds the warnings of undecodable WFP events.
	maxDecodeWarnings = 20
)

// Sniff says which host log format a file's first bytes are.
func Sniff(head []byte) Format {
	switch {
	case bytes.HasPrefix(head, []byte("MSCF")):
		return FormatCAB
	case bytes.HasPrefix(head, []byte("ElfFile\x00")):
		return FormatEVTX
	case sniffETL(head):
		return FormatETL
	}
	text := xmlHead(head)
	switch {
	case strings.Contains(text, "<wfpdiag") || strings.Contains(text, "<netEvents"):
		return FormatWFPDiag
	case (strings.Contains(text, "<Events") || strings.Contains(text, "<Event ") || strings.Contains(text, "<Event>")) &&
		strings.Contains(text, securityNS):
		return FormatSecurity
	}
	return FormatNone
}

// sniffETL is capture's ETL test (decoders/capture/etl.go sniffETL;
// windows-formats.md §1.1-1.2): the first buffer's size is sane and it
// starts with the SYSTEM_TRACE_HEADER of EventTrace's header event.
func sniffETL(head []byte) bool {
	if len(head) < 0x50 {
		return false
	}
	size := binary.LittleEndian.Uint32(head)
	return size >= 0x48+0x20+0x110 && size <= 64<<20 &&
		head[0x49] == 0 && (head[0x4A] == 1 || head[0x4A] == 2) && head[0x4B] == 0xC0 &&
		head[0x4E] == 0 && head[0x4F] == 0
}

// xmlHead returns head as text: UTF-16 (by its byte order mark) decoded,
// a UTF-8 byte order mark dropped.
func xmlHead(head []byte) string {
	if len(head) >= 2 && (head[0] == 0xFF && head[1] == 0xFE || head[0] == 0xFE && head[1] == 0xFF) {
		be := head[0] == 0xFE
		u := make([]uint16, (len(head)-2)/2)
		for i := range u {
			b := head[2+2*i:]
			if be {
				u[i] = binary.BigEndian.Uint16(b)
			} else {
				u[i] = binary.LittleEndian.Uint16(b)
			}
		}
		return string(utf16.Decode(u))
	}
	return string(bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF")))
}

// Read reads a host log from r, named file in messages: recognised by
// content, as Sniff says. Damage after the first event is a warning in
// the Log, with every event before it kept; an error means nothing was
// read (ErrNotHostLog for content softsa does not read, ErrEVTX for a
// binary event log).
func Read(file string, r io.Reader) (*Log, error) {
	br := bufio.NewReaderSize(r, SniffLen)
	head, _ := br.Peek(SniffLen)
	switch Sniff(head) {
	case FormatETL:
		return readETL(file, br)
	case FormatWFPDiag:
		return readWFPDiag(file, br)
	case FormatSecurity:
		return readSecurity(file, br)
	case FormatCAB:
		return readCAB(file, br)
	case FormatEVTX:
		return nil, fmt.Errorf("%s: %w", file, ErrEVTX)
	}
	return nil, fmt.Errorf("%s: %w (an ETL file with Microsoft-Windows-WFP events, wfpdiag.xml or .cab, or a Security log exported as XML)", file, ErrNotHostLog)
}

// readETL reads the WFP events of an ETL file (its packets are read and
// dropped: a capture beside them is read by package capture, whose
// Capture.HostLog gives the same events in the same pass).
func readETL(file string, r io.Reader) (*Log, error) {
	er, err := etl.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var f etl.Frame
	for {
		if err = er.Next(&f); err != nil {
			break
		}
	}
	lg := FromWFPEvents(file, er.WFPEvents())
	lg.Warnings = append(er.Warnings()[:len(er.Warnings()):len(er.Warnings())], lg.Warnings...)
	if err != io.EOF {
		lg.Warnings = append(lg.Warnings, fmt.Sprintf("%s: %v; the events before it are kept", file, err))
	}
	if st := er.Stats(); st.WFPEvents == 0 {
		lg.Warnings = append(lg.Warnings, fmt.Sprintf("%s: no Microsoft-Windows-WFP events (netsh trace with the WFP provider logs them)", file))
	}
	return lg, nil
}

// FromWFPEvents decodes the WFP events an ETL reader kept (etl.Reader's
// WFPEvents) into a Log of file, in time order; an event that does not
// decode is skipped with a warning naming the file, its position among
// the file's WFP events and where it is.
func FromWFPEvents(file string, evs []etl.WFPEvent) *Log {
	lg := &Log{File: file, Format: FormatETL}
	bad := 0
	for i, w := range evs {
		ev := Event{Time: w.Time}
		if err := DecodeWFP(w.ID, w.Version, w.User, &ev); err != nil {
			if bad++; bad <= maxDecodeWarnings {
				lg.Warnings = append(lg.Warnings, fmt.Sprintf("%s: WFP event %d of the file (ETL buffer at byte %d, record at %#x): %v; skipped",
					file, i+1, w.Offset, w.At, err))
			}
			continue
		}
		ev.File, ev.Record = file, i+1
		lg.Events = append(lg.Events, ev)
	}
	if bad > maxDecodeWarnings {
		lg.Warnings = append(lg.Warnings, fmt.Sprintf("%s: %d more WFP events did not decode", file, bad-maxDecodeWarnings))
	}
	sort.SliceStable(lg.Events, func(i, j int) bool { return lg.Events[i].Time.Before(lg.Events[j].Time) })
	return lg
}

// readCAB reads the wfpdiag.xml inside a wfpdiag.cab.
func readCAB(file string, r io.Reader) (*Log, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxCABSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(data) > MaxCABSize {
		return nil, fmt.Errorf("%s: cabinet larger than %d MiB", file, MaxCABSize>>20)
	}
	c, err := cab.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var xmlFile *cab.File
	for i, f := range c.Files() {
		name := strings.ToLower(path.Base(strings.ReplaceAll(f.Name, `\`, "/")))
		if name == "wfpdiag.xml" {
			xmlFile = &c.Files()[i]
			break
		}
		if xmlFile == nil && strings.HasSuffix(name, ".xml") {
			xmlFile = &c.Files()[i]
		}
	}
	if xmlFile == nil {
		return nil, fmt.Errorf("%s: a cabinet without wfpdiag.xml: %w", file, ErrNotHostLog)
	}
	xr, err := c.Open(*xmlFile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	lg, err := readWFPDiag(file+":"+xmlFile.Name, xr)
	if lg != nil {
		lg.File, lg.Format = file, FormatCAB
	}
	return lg, err
}

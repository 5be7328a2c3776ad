package batch

import (
	"errors"
	"io"
	"os"
	"path/filepath"

	"softsa/decoders/capture"
	"softsa/decoders/etl"
	"softsa/decoders/hostlog"
)

// Host-side logs among the inputs (issue #15): wfpdiag.xml and .cab,
// Security log XML exports, and a binary .evtx (read only to say how to
// export it). They are recognised by content, like captures, and go with
// captures rather than being analysed on their own:
//   - a host log named on the command line goes with every capture named
//     on the command line (standard input included);
//   - a host log a folder walk finds goes with the captures in the same
//     folder.
// An ETL file is told by its content too: one that holds packets is a
// capture, the WFP events beside them coming with it
// (capture.Capture.HostLog); one that holds Microsoft-Windows-WFP events
// and no packet (netsh trace with the WFP provider, capture=no) is a host
// log (etlWFPOnly).

// HostLog is a host-side log file found among the inputs.
type HostLog struct {
	Path   string
	Format hostlog.Format
	// Named is set when the user named the file itself, clear when a
	// folder walk found it.
	Named bool
}

// hostLogHead is how much of a file is read to recognise a host log: an
// XML export may open with a byte-order mark, a declaration and comments.
const hostLogHead = 4096

// sniffHostLog recognises a host log's first bytes (a variable so that
// tests can stand in for formats whose readers live elsewhere).
var sniffHostLog = hostlog.Sniff

// HostLogFormat reports which host log the file at p is, FormatNone when
// it is none or when it is a capture (whatever hostlog.Sniff says of it).
func HostLogFormat(p string) hostlog.Format {
	fh, err := os.Open(p)
	if err != nil {
		return hostlog.FormatNone
	}
	defer fh.Close()
	head := make([]byte, hostLogHead)
	n, _ := io.ReadFull(fh, head)
	head = head[:n]
	if cf, err := capture.Sniff(head); !errors.Is(err, capture.ErrUnknownFormat) {
		if cf == capture.FormatETL && err == nil {
			if _, err := fh.Seek(0, io.SeekStart); err == nil && etlWFPOnly(fh) {
				return hostlog.FormatETL
			}
		}
		return hostlog.FormatNone
	}
	return sniffHostLog(head)
}

// errScanDone stops the ETL reader under etlWFPOnly.
var errScanDone = errors.New("scan done")

// scanReader feeds an etl.Reader until the buffers it has read hold a
// packet. There is no byte limit: stopping early on a long run of buffers
// without packets would turn a capture whose packets start late into a
// host log and lose its packets; a trace without any is read to its end,
// as the host log reader reads it again. The reader asks for a buffer only once it
// has walked every record of the one before, so checking its Stats on
// each read stops the scan at the first buffer that holds a packet.
type scanReader struct {
	r  io.Reader
	er *etl.Reader
}

func (s *scanReader) Read(p []byte) (int, error) {
	if s.er != nil && s.er.Stats().Packets > 0 {
		return 0, errScanDone
	}
	return s.r.Read(p)
}

// etlWFPOnly reports whether the ETL file r holds Microsoft-Windows-WFP
// events and no packet event: such a
// trace is a host log to go with the captures, not an empty capture. A
// packet capture costs one or two buffers of reading here; a file with
// neither packets nor WFP events stays a capture (with no frames), as does
// one the ETL reader refuses (the capture reader says why).
func etlWFPOnly(r io.Reader) bool {
	sr := &scanReader{r: r}
	er, err := etl.NewReader(sr)
	if err != nil {
		return false
	}
	sr.er = er
	var f etl.Frame
	if er.Next(&f) == nil {
		return false
	}
	st := er.Stats()
	return st.Packets == 0 && st.WFPEvents > 0
}

// AttachHostLogs gives each input the host logs that go with it (the
// rules above; named says which inputs the user named) and returns the
// logs that went with none.
func AttachHostLogs(inputs []Input, logs []HostLog) (orphans []HostLog) {
	for _, l := range logs {
		used := false
		for i := range inputs {
			in := &inputs[i]
			if in.Err != nil {
				continue
			}
			var goes bool
			if l.Named {
				goes = in.Named
			} else {
				goes = !in.Named && filepath.Dir(in.Path) == filepath.Dir(l.Path)
			}
			if goes {
				in.HostLogs = append(in.HostLogs, l.Path)
				used = true
			}
		}
		if !used {
			orphans = append(orphans, l)
		}
	}
	return orphans
}

// HostLogKind names a host log format for messages.
func HostLogKind(f hostlog.Format) string {
	switch f {
	case hostlog.FormatETL:
		return "ETL trace of WFP events without packets"
	case hostlog.FormatWFPDiag:
		return "wfpdiag.xml (netsh wfp capture)"
	case hostlog.FormatCAB:
		return "wfpdiag.cab (netsh wfp capture)"
	case hostlog.FormatSecurity:
		return "Security log XML export"
	case hostlog.FormatEVTX:
		return "binary event log (.evtx)"
	}
	return "host log"
}

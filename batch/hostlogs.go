package batch

import (
	"errors"
	"io"
	"os"
	"path/filepath"

	"softsa/decoders/capture"
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
// An ETL file is always a capture: the WFP events it holds beside its
// packets come with it (capture.Capture.HostLog).

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
	if _, err := capture.Sniff(head); !errors.Is(err, capture.ErrUnknownFormat) {
		return hostlog.FormatNone
	}
	return sniffHostLog(head)
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
		return "ETL trace"
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

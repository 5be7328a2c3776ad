package hostlog

import (
	"errors"
	"io"
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

// Sniff says which host log format a file's first bytes are.
func Sniff(head []byte) Format {
	_ = head
	return FormatNone // TODO(hostlog branch)
}

// Read reads a host log from r, named file in messages.
func Read(file string, r io.Reader) (*Log, error) {
	_, _ = file, r
	return nil, ErrNotHostLog // TODO(hostlog branch)
}

// Win32Error names a Win32 error code of the IKE/IPsec range
// (ERROR_IPSEC_IKE_*, 13800-13999, and the other codes WFP logs) and gives
// its message, as Microsoft documents them; ok is false for a code it does
// not know.
func Win32Error(code uint32) (name, message string, ok bool) {
	_ = code
	return "", "", false // TODO(hin branch)
}

package smb

import (
	"fmt"

	"softsa/decoders"
)

// The walker's errors. They are built once so that Next never allocates,
// not even for the continuation segments that make up most of a file copy.
var (
	errNotSMB  = fmt.Errorf("nbss: segment does not start with a session message carrying an SMB header (continuation or not SMB): %w", decoders.ErrNotFound)
	errType    = fmt.Errorf("nbss: PDU type is not a session message or keep-alive: %w", decoders.ErrNotFound)
	errMagic   = fmt.Errorf("nbss: session message does not carry an SMB header: %w", decoders.ErrNotFound)
	errTooMany = fmt.Errorf("smb: more than %d messages in one segment: %w", MaxMessages, decoders.ErrTooMany)

	errHdrCut1    = fmt.Errorf("smb1: header cut by the segment end: %w", decoders.ErrTruncated)
	errHdrShort1  = fmt.Errorf("smb1: NBSS length shorter than the 32-byte header: %w", decoders.ErrBadLength)
	errHdrCut2    = fmt.Errorf("smb2: header cut by the segment end: %w", decoders.ErrTruncated)
	errHdrShort2  = fmt.Errorf("smb2: message shorter than the 64-byte header: %w", decoders.ErrBadLength)
	errStruct2    = fmt.Errorf("smb2: header StructureSize is not 64: %w", decoders.ErrBadLength)
	errHdrShortT  = fmt.Errorf("smb3 transform: NBSS length shorter than the 52-byte header: %w", decoders.ErrBadLength)
	errHdrShortC  = fmt.Errorf("smb3 compression: NBSS length shorter than the 16-byte header: %w", decoders.ErrBadLength)
	errNextSmall  = fmt.Errorf("smb2 compound: NextCommand smaller than the 64-byte header: %w", decoders.ErrBadLength)
	errNextAlign  = fmt.Errorf("smb2 compound: NextCommand not 8-byte aligned: %w", decoders.ErrBadLength)
	errNextPast   = fmt.Errorf("smb2 compound: NextCommand points past the NBSS PDU: %w", decoders.ErrBadLength)
	errNextMagic  = fmt.Errorf("smb2 compound: next member is not an SMB2 header: %w", decoders.ErrBadLength)
	errAndXBack   = fmt.Errorf("smb1 AndX: AndXOffset does not move forward (loop): %w", decoders.ErrBadLength)
	errAndXPast   = fmt.Errorf("smb1 AndX: AndXOffset points past the message: %w", decoders.ErrBadLength)
	errAndXMany   = fmt.Errorf("smb1 AndX: more than %d chained commands: %w", maxAndX, decoders.ErrTooMany)
	errAndXCut    = fmt.Errorf("smb1 AndX: block cut by the segment end: %w", decoders.ErrTruncated)
	errAndXNotMsg = fmt.Errorf("smb1 AndX: not an SMB1 message: %w", decoders.ErrNotFound)
)

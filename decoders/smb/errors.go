package smb

import (
	"errors"
	"fmt"
)

// Sentinel errors of the walkers. Callers test them with errors.Is; every
// error a walker returns wraps one of them with what failed.
var (
	// ErrTruncated means a structure is cut by the end of the segment.
	ErrTruncated = errors.New("truncated")
	// ErrBadLength means a length or offset field is impossible: smaller
	// than the header it must cover, or pointing past its container.
	ErrBadLength = errors.New("bad length")
	// ErrDone is returned by a walker's Next when there is nothing more.
	ErrDone = errors.New("no more items")
	// ErrTooMany means a chain is longer than the walker accepts; it bounds
	// the work a crafted segment can cause.
	ErrTooMany = errors.New("too many items")
	// ErrNotFound means the bytes are not what was asked for: a segment
	// that does not start an SMB message, or an SMB1 walk of another kind.
	ErrNotFound = errors.New("not this item type")
)

// The walker's errors. They are built once so that Next never allocates,
// not even for the continuation segments that make up most of a file copy.
var (
	errNotSMB  = fmt.Errorf("nbss: segment does not start with a session message carrying an SMB header (continuation or not SMB): %w", ErrNotFound)
	errType    = fmt.Errorf("nbss: PDU type is not a session message or keep-alive: %w", ErrNotFound)
	errMagic   = fmt.Errorf("nbss: session message does not carry an SMB header: %w", ErrNotFound)
	errTooMany = fmt.Errorf("smb: more than %d messages in one segment: %w", MaxMessages, ErrTooMany)

	errHdrCut1    = fmt.Errorf("smb1: header cut by the segment end: %w", ErrTruncated)
	errHdrShort1  = fmt.Errorf("smb1: NBSS length shorter than the 32-byte header: %w", ErrBadLength)
	errHdrCut2    = fmt.Errorf("smb2: header cut by the segment end: %w", ErrTruncated)
	errHdrShort2  = fmt.Errorf("smb2: message shorter than the 64-byte header: %w", ErrBadLength)
	errStruct2    = fmt.Errorf("smb2: header StructureSize is not 64: %w", ErrBadLength)
	errHdrShortT  = fmt.Errorf("smb3 transform: NBSS length shorter than the 52-byte header: %w", ErrBadLength)
	errHdrShortC  = fmt.Errorf("smb3 compression: NBSS length shorter than the 16-byte header: %w", ErrBadLength)
	errNextSmall  = fmt.Errorf("smb2 compound: NextCommand smaller than the 64-byte header: %w", ErrBadLength)
	errNextAlign  = fmt.Errorf("smb2 compound: NextCommand not 8-byte aligned: %w", ErrBadLength)
	errNextPast   = fmt.Errorf("smb2 compound: NextCommand points past the NBSS PDU: %w", ErrBadLength)
	errNextMagic  = fmt.Errorf("smb2 compound: next member is not an SMB2 header: %w", ErrBadLength)
	errAndXBack   = fmt.Errorf("smb1 AndX: AndXOffset does not move forward (loop): %w", ErrBadLength)
	errAndXPast   = fmt.Errorf("smb1 AndX: AndXOffset points past the message: %w", ErrBadLength)
	errAndXMany   = fmt.Errorf("smb1 AndX: more than %d chained commands: %w", maxAndX, ErrTooMany)
	errAndXCut    = fmt.Errorf("smb1 AndX: block cut by the segment end: %w", ErrTruncated)
	errAndXNotMsg = fmt.Errorf("smb1 AndX: not an SMB1 message: %w", ErrNotFound)
)

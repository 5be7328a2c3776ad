package decoders

import "errors"

// Sentinel errors shared by the payload walkers. Callers test them with
// errors.Is; the walkers wrap them with the context that failed, such as
// "proposal 2: transform 1: truncated".
var (
	// ErrTruncated means a structure claims more bytes than the buffer holds.
	ErrTruncated = errors.New("truncated")
	// ErrBadLength means a length field is impossible (smaller than the
	// fixed header it must cover, or larger than its container).
	ErrBadLength = errors.New("bad length")
	// ErrDone is returned by a walker's Next when there is nothing more.
	ErrDone = errors.New("no more items")
	// ErrTooMany means a chain is longer than the walker accepts; it bounds
	// the work a crafted message can cause.
	ErrTooMany = errors.New("too many items")
	// ErrNotFound is returned by an accessor called for the wrong item type.
	ErrNotFound = errors.New("not this item type")
)

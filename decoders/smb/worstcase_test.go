package smb

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"softsa/decoders"
	"softsa/decoders/internal/worstcase"
)

// Worst cases of the SMB walker: compounds, AndX chains and NBSS streams
// crafted to make it loop or allocate. See package worstcase for the rules.

// smb1Message is an SMB1 message with command cmd and the given blocks
// after the 32-byte header, in an NBSS header.
func smb1Message(cmd uint8, blocks []byte) []byte {
	h := make([]byte, SMB1HeaderLen)
	copy(h, "\xffSMB")
	h[4] = cmd
	return withNBSS(append(h, blocks...))
}

// andXBlock is an SMB1 AndX command block: word count 2 (AndX command,
// reserved, AndX offset) and an empty byte count.
func andXBlock(next uint8, offset uint16) []byte {
	return []byte{2, next, 0, byte(offset), byte(offset >> 8), 0, 0}
}

func TestWorstCaseSMBChains(t *testing.T) {
	// walkSegment runs the parser over seg, walking every SMB1 AndX chain,
	// and returns the messages and the errors it met.
	walkSegment := func(seg []byte) (msgs int, errs []error) {
		var p Parser
		if err := p.Start(seg); err != nil {
			return 0, []error{err}
		}
		for {
			m, err := p.Next()
			if errors.Is(err, decoders.ErrDone) {
				return msgs, errs
			}
			if err != nil {
				errs = append(errs, err)
				if p.err != nil { // final
					return msgs, errs
				}
				continue
			}
			msgs++
			w := m.AndX()
			for range 1000 {
				if _, err := w.Next(); err != nil {
					if !errors.Is(err, decoders.ErrDone) && !errors.Is(err, decoders.ErrNotFound) {
						errs = append(errs, err)
					}
					break
				}
			}
		}
	}
	has := func(errs []error, sub string) bool {
		for _, e := range errs {
			if strings.Contains(e.Error(), sub) {
				return true
			}
		}
		return false
	}
	const readAndX = 0x2e
	var (
		// A compound whose first member's NextCommand is -64 as a
		// signed number: "the previous member" if it were trusted.
		back = withNBSS(smb2Msg(h2{cmd: SMB2Read, next: 0xffffffc0}, make([]byte, 64)))
		// 2,000 compound members, each pointing at the next.
		members [][]byte
		// An AndX chain whose second block points back at the first.
		andXLoop = smb1Message(readAndX, append(andXBlock(readAndX, SMB1HeaderLen+7), andXBlock(readAndX, SMB1HeaderLen)...))
		// 1,000 AndX blocks, each pointing forward at the next.
		andXLong []byte
		// 100,000 NBSS keep-alives, then an SMB2 message.
		keepAlives = append(bytes.Repeat([]byte{NBSSKeepAlive, 0, 0, 0}, 100000), withNBSS(smb2Msg(h2{cmd: SMB2Echo}, make([]byte, 4)))...)
		// 20,000 NBSS messages of one SMB2 header each.
		manyPDUs = bytes.Repeat(withNBSS(smb2Msg(h2{cmd: SMB2Echo}, make([]byte, 4))), 20000)
	)
	for range 2000 {
		members = append(members, smb2Msg(h2{cmd: SMB2Echo}, make([]byte, 8)))
	}
	compound := withNBSS(compoundOf(members...))
	for i := range 1000 {
		andXLong = append(andXLong, andXBlock(readAndX, uint16(SMB1HeaderLen+7*(i+1)))...)
	}
	andXLong = smb1Message(readAndX, andXLong)
	worstcase.Run(t, []worstcase.Case{
		{Name: "SMB2 compound pointing back", MaxAlloc: 1 << 20, Run: func(t *testing.T) {
			n, errs := walkSegment(back)
			if n != 1 || !has(errs, "NextCommand points past") {
				t.Errorf("%d messages, errors %v", n, errs)
			}
		}},
		{Name: "SMB2 compound of 2,000 members", MaxAlloc: 1 << 20, Run: func(t *testing.T) {
			n, errs := walkSegment(compound)
			if n != MaxMessages || !has(errs, fmt.Sprintf("more than %d messages", MaxMessages)) {
				t.Errorf("%d messages, errors %v", n, errs)
			}
		}},
		{Name: "SMB1 AndX chain looping back", MaxAlloc: 1 << 20, Run: func(t *testing.T) {
			n, errs := walkSegment(andXLoop)
			if n != 1 || !has(errs, "does not move forward") {
				t.Errorf("%d messages, errors %v", n, errs)
			}
		}},
		{Name: "SMB1 AndX chain of 1,000 blocks", MaxAlloc: 1 << 20, Run: func(t *testing.T) {
			n, errs := walkSegment(andXLong)
			if n != 1 || !has(errs, "chained commands") {
				t.Errorf("%d messages, errors %v", n, errs)
			}
		}},
		{Name: "100,000 NBSS keep-alives", MaxAlloc: 1 << 20, Run: func(t *testing.T) {
			if n, errs := walkSegment(keepAlives); n != 1 || len(errs) != 0 {
				t.Errorf("%d messages, errors %v: want the one message after them", n, errs)
			}
		}},
		{Name: "20,000 NBSS messages in one segment", MaxAlloc: 1 << 20, Run: func(t *testing.T) {
			n, errs := walkSegment(manyPDUs)
			if n != MaxMessages || !has(errs, "messages in one segment") {
				t.Errorf("%d messages, errors %v", n, errs)
			}
		}},
	})
}

package merge

import (
	"fmt"
	"io"
	"time"

	"softsa/decoders"
	"softsa/decoders/capture"
)

// Origin says which capture saw a merged frame.
type Origin uint8

// The origins of a merged frame.
const (
	OnlyA Origin = 1
	OnlyB Origin = 2
	Both  Origin = 3
)

// Source reads two captures as one timeline: B's frames are moved by the
// estimated offset onto A's clock, frames are delivered in time order, and a
// packet both captures hold is delivered once (A's copy). Frames are
// numbered in the merged order. It implements analyzer.Source.
type Source struct {
	a, b         *capture.Capture
	fa, fb       capture.Frame
	okA, okB     bool
	errA, errB   error
	da, db       *decoders.Decoder
	m            decoders.Message
	offset       time.Duration
	ix           *index
	frames       int
	nameA, nameB string
	last         Origin
	// pendA/pendB: the frame last delivered came from that capture, whose
	// buffer must stay untouched until the caller has used it, so the next
	// frame is read at the start of the next call.
	pendA, pendB bool
}

// Merge is two captures of one conversation and the clock offset between
// them.
type Merge struct {
	A, B     string
	Estimate Estimate
	ix       *index
}

// New reads both captures and estimates B's clock offset against A.
func New(pathA, pathB string) (*Merge, error) {
	est, ix, err := EstimateOffset(pathA, pathB)
	if err != nil {
		return nil, err
	}
	return &Merge{A: pathA, B: pathB, Estimate: est, ix: ix}, nil
}

// Source opens the merged timeline; each call starts it from the beginning.
func (mg *Merge) Source() (*Source, error) {
	return newSource(mg.A, mg.B, mg.Estimate.Offset, mg.ix)
}

func newSource(pathA, pathB string, offset time.Duration, ix *index) (*Source, error) {
	a, err := capture.Open(pathA)
	if err != nil {
		return nil, err
	}
	b, err := capture.Open(pathB)
	if err != nil {
		a.Close()
		return nil, err
	}
	s := &Source{a: a, b: b, offset: offset, ix: ix, da: decoders.NewDecoder(), db: decoders.NewDecoder(), nameA: pathA, nameB: pathB}
	s.advanceA()
	s.advanceB()
	return s, nil
}

func (s *Source) advanceA() {
	if err := s.a.Next(&s.fa); err != nil {
		s.okA, s.errA = false, err
		return
	}
	s.okA = true
}

func (s *Source) advanceB() {
	for {
		if err := s.b.Next(&s.fb); err != nil {
			s.okB, s.errB = false, err
			return
		}
		s.fb.Time = s.fb.Time.Add(-s.offset)
		// A packet A also holds is delivered once, as A's frame.
		s.db.Decode(&s.fb, &s.m)
		if k, ok := fingerprint(&s.m); ok {
			if _, dup := s.ix.seen[k]; dup {
				continue
			}
		}
		s.okB = true
		return
	}
}

// Next delivers the next frame of the merged timeline. A damaged capture
// ends the merge with its error; every frame before it has been delivered.
func (s *Source) Next(f *capture.Frame) error {
	if s.pendA {
		s.pendA = false
		s.advanceA()
	}
	if s.pendB {
		s.pendB = false
		s.advanceB()
	}
	if !s.okA && s.errA != io.EOF {
		return fmt.Errorf("merging: %w", s.errA)
	}
	if !s.okB && s.errB != io.EOF {
		return fmt.Errorf("merging: %w", s.errB)
	}
	switch {
	case s.okA && (!s.okB || !s.fb.Time.Before(s.fa.Time)):
		*f = s.fa
		s.last = OnlyA
		s.da.Decode(&s.fa, &s.m)
		if k, ok := fingerprint(&s.m); ok && s.ix.both[k] {
			s.last = Both
		}
		s.frames++
		f.Number = s.frames
		s.pendA = true
		return nil
	case s.okB:
		*f = s.fb
		s.last = OnlyB
		s.frames++
		f.Number = s.frames
		s.pendB = true
		return nil
	}
	return io.EOF
}

// LastOrigin says which capture saw the frame Next delivered last.
func (s *Source) LastOrigin() Origin { return s.last }

// Name names both captures.
func (s *Source) Name() string { return s.nameA + " + " + s.nameB }

// Format is A's format.
func (s *Source) Format() capture.Format { return s.a.Format() }

// Frames returns how many merged frames were delivered.
func (s *Source) Frames() int { return s.frames }

// Close closes both captures.
func (s *Source) Close() error {
	s.a.Close()
	return s.b.Close()
}

package decoders

import (
	"io"

	"softsa/decoders/capture"
)

// Walk opens the capture at path and calls fn with every frame and its
// decoded message, in order, until the end of the file, a damaged record or
// an error from fn. It returns nil at the clean end of the file. f and m are
// reused: fn must copy what it keeps.
func Walk(path string, fn func(f *capture.Frame, m *Message) error) error {
	c, err := capture.Open(path)
	if err != nil {
		return err
	}
	defer c.Close()
	d := NewDecoder()
	var f capture.Frame
	var m Message
	for {
		if err := c.Next(&f); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		d.Decode(&f, &m)
		if err := fn(&f, &m); err != nil {
			return err
		}
	}
}

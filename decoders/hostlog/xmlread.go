package hostlog

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Bounds of the XML readers. The logs are read as a stream of tokens
// (encoding/xml's Token), never as a tree of the whole file: memory is one
// event's fields, the element stack and one token.
const (
	// maxDepth bounds element nesting; event logs nest 4 or 5 deep.
	maxDepth = 64
	// maxToken bounds the bytes between two angle brackets: one text
	// node, or one tag with its attributes. encoding/xml holds a whole
	// token in memory, so a giant text node would otherwise cost its size.
	maxToken = 1 << 20
	// maxFields bounds the fields kept of one event.
	maxFields = 256
	// maxLogEvents bounds the events one file yields; the rest are
	// counted in a warning.
	maxLogEvents = 1 << 20
)

// Errors of the XML readers, wrapped with the file and the byte offset.
var (
	// ErrXMLDepth means elements nest deeper than any event log does.
	ErrXMLDepth = errors.New("XML elements nested deeper than an event log's")
	// ErrXMLToken means one text node or tag is larger than maxToken.
	ErrXMLToken = errors.New("XML text node or tag larger than 1 MiB")
	// ErrXMLEntity means the document declares entities: softsa reads no
	// DTD (an entity expansion bomb looks like this).
	ErrXMLEntity = errors.New("XML document declares entities (a DTD); softsa expands none")
)

// tokenGuard passes a reader's bytes through, failing when one token
// would hold more than maxToken bytes: outside CDATA sections and
// comments a token ends at the next '<' (which text and attribute values
// cannot hold unescaped); inside them, at "]]>" or "-->". It keeps the
// last 8 bytes seen to find those marks across reads.
type tokenGuard struct {
	r    io.Reader
	run  int
	last uint64 // the last 8 bytes, the latest lowest
	in   byte   // 0, or 'C' inside a CDATA section, '-' inside a comment
}

// The marks, as the low bytes of last: "![CDATA[", "<!--", "]]>", "-->".
const (
	markCDATA   = uint64('!')<<56 | uint64('[')<<48 | uint64('C')<<40 | uint64('D')<<32 | uint64('A')<<24 | uint64('T')<<16 | uint64('A')<<8 | uint64('[')
	markComment = uint64('<')<<24 | uint64('!')<<16 | uint64('-')<<8 | uint64('-')
	markCDEnd   = uint64(']')<<16 | uint64(']')<<8 | uint64('>')
	markComEnd  = uint64('-')<<16 | uint64('-')<<8 | uint64('>')
)

func (g *tokenGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for i := range n {
		c := p[i]
		g.last = g.last<<8 | uint64(c)
		g.run++
		switch g.in {
		case 0:
			switch {
			case c == '<':
				g.run = 0
			case g.last == markCDATA:
				g.in, g.run = 'C', 0
			case g.last&0xFFFFFFFF == markComment:
				g.in, g.run = '-', 0
			}
		case 'C':
			if g.last&0xFFFFFF == markCDEnd {
				g.in, g.run = 0, 0
			}
		case '-':
			if g.last&0xFFFFFF == markComEnd {
				g.in, g.run = 0, 0
			}
		}
		if g.run > maxToken {
			return i, ErrXMLToken
		}
	}
	return n, err
}

// utf16Reader turns UTF-16 (little- or big-endian, after its byte order
// mark) into UTF-8, as a stream: Event Viewer may save XML as UTF-16, and
// Windows PowerShell's `>` writes UTF-16LE.
type utf16Reader struct {
	r    *bufio.Reader
	be   bool
	out  []byte
	done error
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.done != nil {
			return 0, u.done
		}
		var in [2]byte
		if _, err := io.ReadFull(u.r, in[:]); err != nil {
			if err == io.ErrUnexpectedEOF {
				err = io.EOF // an odd last byte is dropped
			}
			u.done = err
			continue
		}
		c := binary.LittleEndian.Uint16(in[:])
		if u.be {
			c = binary.BigEndian.Uint16(in[:])
		}
		r := rune(c)
		if utf16.IsSurrogate(r) {
			var lo [2]byte
			if _, err := io.ReadFull(u.r, lo[:]); err == nil {
				l := binary.LittleEndian.Uint16(lo[:])
				if u.be {
					l = binary.BigEndian.Uint16(lo[:])
				}
				r = utf16.DecodeRune(r, rune(l))
			} else {
				r = utf8.RuneError
			}
		}
		u.out = utf8.AppendRune(u.out[:0], r)
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

// xmlStream is the bounded token reader both XML formats use.
type xmlStream struct {
	file  string
	d     *xml.Decoder
	depth int
}

// newXMLStream reads r, UTF-8 or UTF-16 with a byte order mark.
func newXMLStream(file string, r io.Reader) *xmlStream {
	br := bufio.NewReader(r)
	var src io.Reader = br
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xEF\xBB\xBF")) {
		br.Discard(3) // UTF-8 byte order mark, which encoding/xml refuses
	}
	if bom, _ := br.Peek(2); len(bom) == 2 && (bom[0] == 0xFF && bom[1] == 0xFE || bom[0] == 0xFE && bom[1] == 0xFF) {
		be := bom[0] == 0xFE
		br.Discard(2)
		src = &utf16Reader{r: br, be: be}
	}
	d := xml.NewDecoder(&tokenGuard{r: src})
	d.Strict = true
	// The input is UTF-8 by now, whatever the declaration says.
	d.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	return &xmlStream{file: file, d: d}
}

// next returns the next token, with the nesting checked; its error names
// the file and the byte offset. As with xml.Decoder.Token, the bytes of a
// CharData, Comment or Directive are valid only until the next call: the
// readers copy what they keep at once (names and attribute values are
// strings, safe to keep).
func (s *xmlStream) next() (xml.Token, error) {
	t, err := s.d.Token()
	if err != nil {
		if err == io.EOF {
			if s.depth > 0 {
				return nil, s.wrap(io.ErrUnexpectedEOF)
			}
			return nil, io.EOF
		}
		return nil, s.wrap(err)
	}
	switch v := t.(type) {
	case xml.StartElement:
		if s.depth++; s.depth > maxDepth {
			return nil, s.wrap(ErrXMLDepth)
		}
	case xml.EndElement:
		s.depth--
	case xml.Directive:
		if bytes.Contains(v, []byte("ENTITY")) {
			return nil, s.wrap(ErrXMLEntity)
		}
	}
	return t, nil
}

func (s *xmlStream) wrap(err error) error {
	return fmt.Errorf("%s: XML at byte %d: %w", s.file, s.d.InputOffset(), err)
}

// node is one element of an event, with its text and attributes, and its
// children flattened by path ("System/EventID").
type node struct {
	name  string
	attrs map[string]string
	text  map[string]string // path -> text
	data  map[string]string // Data[@Name] -> text (Security events)
	order []string          // the Data names in order
}

// subtree reads the element start began until its end, keeping the text
// of each leaf by path (at most maxFields of them), the attributes of
// start and of leaves (as "path/@attr"), and EventData's Data elements by
// their Name.
func (s *xmlStream) subtree(start xml.StartElement) (*node, error) {
	n := &node{name: start.Name.Local, attrs: map[string]string{}, text: map[string]string{}, data: map[string]string{}}
	for _, a := range start.Attr {
		n.attrs[a.Name.Local] = a.Value
	}
	path := []string{}
	var text strings.Builder
	dataName := ""
	for {
		t, err := s.next()
		if err != nil {
			if err == io.EOF {
				err = s.wrap(io.ErrUnexpectedEOF)
			}
			return n, err
		}
		switch v := t.(type) {
		case xml.StartElement:
			path = append(path, v.Name.Local)
			text.Reset()
			p := strings.Join(path, "/")
			for _, a := range v.Attr {
				if len(n.text) < maxFields {
					n.text[p+"/@"+a.Name.Local] = a.Value
				}
				if v.Name.Local == "Data" && a.Name.Local == "Name" {
					dataName = a.Value
				}
			}
		case xml.CharData:
			if text.Len()+len(v) <= maxToken {
				text.Write(v)
			}
		case xml.EndElement:
			if len(path) == 0 {
				return n, nil // start's end
			}
			p := strings.Join(path, "/")
			val := strings.TrimSpace(text.String())
			if dataName != "" && v.Name.Local == "Data" {
				if len(n.data) < maxFields {
					if _, dup := n.data[dataName]; !dup {
						n.order = append(n.order, dataName)
					}
					n.data[dataName] = val
				}
				dataName = ""
			} else if len(n.text) < maxFields {
				if _, seen := n.text[p]; !seen {
					n.text[p] = val
				}
			}
			text.Reset()
			path = path[:len(path)-1]
		}
	}
}

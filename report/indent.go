package report

import "bytes"

// appendIndent appends src, a value as encoding/json encodes it compactly,
// to dst indented exactly as json.Indent(dst, src, prefix, indent) would:
// a line per element and member, ": " after names, empty arrays and objects
// kept as [] and {}. json.Indent runs its full scanner over every byte and
// took about 5 % of softsa's time on a 1 GiB capture; compact input needs
// only to know whether it is inside a string.
func appendIndent(dst, src []byte, prefix, indent string) []byte {
	depth := 0
	// nl is a line break and the indentation of the deepest level so far:
	// the break at depth d is its first 1+len(prefix)+d*len(indent) bytes,
	// appended at once.
	var nlBuf [64]byte
	nl := append(append(nlBuf[:0], '\n'), prefix...)
	newline := func() {
		n := 1 + len(prefix) + depth*len(indent)
		for len(nl) < n {
			nl = append(nl, indent...)
		}
		dst = append(dst, nl[:n]...)
	}
	start := 0 // of the bytes not yet copied
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '"':
			// Skip the string: it ends at the first quote after an
			// even run of backslashes (each escape is a backslash and
			// one byte; \uXXXX is four plain bytes after the u).
			open := i
			for {
				j := bytes.IndexByte(src[i+1:], '"')
				if j < 0 {
					i = len(src)
					break
				}
				i += 1 + j
				k := i - 1
				for k > open && src[k] == '\\' {
					k--
				}
				if (i-1-k)%2 == 0 {
					break
				}
			}
		case '{', '[':
			dst = append(dst, src[start:i+1]...)
			start = i + 1
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst = append(dst, src[i+1])
				i++
				start = i + 1
				continue
			}
			depth++
			newline()
		case '}', ']':
			dst = append(dst, src[start:i]...)
			depth--
			newline()
			dst = append(dst, c)
			start = i + 1
		case ',':
			dst = append(dst, src[start:i+1]...)
			start = i + 1
			newline()
		case ':':
			dst = append(dst, src[start:i+1]...)
			dst = append(dst, ' ')
			start = i + 1
		}
	}
	return append(dst, src[start:]...)
}

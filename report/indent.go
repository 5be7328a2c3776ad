package report

// appendIndent appends src, a value as encoding/json encodes it compactly,
// to dst indented exactly as json.Indent(dst, src, prefix, indent) would:
// a line per element and member, ": " after names, empty arrays and objects
// kept as [] and {}. json.Indent runs its full scanner over every byte and
// took about 5 % of softsa's time on a 1 GiB capture; compact input needs
// only to know whether it is inside a string.
func appendIndent(dst, src []byte, prefix, indent string) []byte {
	depth := 0
	newline := func() {
		dst = append(dst, '\n')
		dst = append(dst, prefix...)
		for range depth {
			dst = append(dst, indent...)
		}
	}
	start := 0 // of the bytes not yet copied
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '"':
			// Skip the string: escapes are a backslash and one byte
			// (\uXXXX is four plain bytes after the u).
			for i++; i < len(src) && src[i] != '"'; i++ {
				if src[i] == '\\' {
					i++
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

package jsonscan

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Decode decodes a JSON string literal the scan has accepted, as
// encoding/json does: escapes resolved, a surrogate pair joined, a lone
// surrogate and invalid UTF-8 replaced by U+FFFD.
func Decode(lit []byte) string {
	s := lit[1 : len(lit)-1]
	var b strings.Builder
	b.Grow(len(s))
	for r := 0; r < len(s); {
		switch c := s[r]; {
		case c == '\\':
			r++
			switch s[r] {
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				rr := Hex4(s[r+1:])
				r += 5
				if utf16.IsSurrogate(rr) {
					if len(s) >= r+6 && s[r] == '\\' && s[r+1] == 'u' {
						if dec := utf16.DecodeRune(rr, Hex4(s[r+2:])); dec != unicode.ReplacementChar {
							b.WriteRune(dec)
							r += 6
							continue
						}
					}
					rr = unicode.ReplacementChar
				}
				b.WriteRune(rr)
				continue
			default: // '"', '\\', '/'
				b.WriteByte(s[r])
			}
			r++
		case c < utf8.RuneSelf:
			start := r // copy the run of plain ASCII at once
			for r < len(s) && s[r] != '\\' && s[r] < utf8.RuneSelf {
				r++
			}
			b.Write(s[start:r])
		default:
			rr, size := utf8.DecodeRune(s[r:])
			b.WriteRune(rr) // RuneError for an invalid byte, as encoding/json writes
			r += size
		}
	}
	return b.String()
}

// Hex4 reads the four hexadecimal digits of a \u escape.
func Hex4(h []byte) rune {
	var r rune
	for _, c := range h[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		default:
			c = c - 'A' + 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

package httpserver

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/crmgateway/gateway/internal/jsonscan"
)

// readString reads the JSON string at the cursor, checking it as jsonscan
// does and decoding it as encoding/json does, in one pass: runs of plain
// ASCII are passed eight bytes at a time and copied whole, escapes and
// other bytes are decoded as they are checked, and a string that needs no
// decoding is copied once. long says the string may fill the rest of the
// text (a query): the decoded copy is then sized for that at once.
func readString(c *jsonscan.Cursor, long bool) (string, error) {
	b, start := c.B, c.I+1
	var out strings.Builder
	run, i := start, start
	for {
		i = plainRun(b, i)
		if i >= len(b) {
			c.I = i
			return "", c.Fail("in string literal")
		}
		ch := b[i]
		if ch == '"' {
			c.I = i + 1
			if run == start {
				return string(b[start:i]), nil
			}
			out.Write(b[run:i])
			return out.String(), nil
		}
		if run == start {
			if long {
				out.Grow(len(b) - start)
			} else {
				out.Grow(i - start + 64)
			}
		}
		out.Write(b[run:i])
		switch {
		case ch == '\\':
			if i+1 >= len(b) {
				c.I = len(b)
				return "", c.Fail("in string escape code")
			}
			switch e := b[i+1]; e {
			case '"', '\\', '/':
				out.WriteByte(e)
			case 'b':
				out.WriteByte('\b')
			case 'f':
				out.WriteByte('\f')
			case 'n':
				out.WriteByte('\n')
			case 'r':
				out.WriteByte('\r')
			case 't':
				out.WriteByte('\t')
			case 'u':
				rr, ok := hex4ok(b, i+2)
				if !ok {
					c.I = i + 2
					return "", c.Fail("in \\u hexadecimal character escape")
				}
				i += 6
				if utf16.IsSurrogate(rr) {
					if rr2, ok := hex4ok(b, i+2); ok && i+1 < len(b) && b[i] == '\\' && b[i+1] == 'u' {
						if dec := utf16.DecodeRune(rr, rr2); dec != unicode.ReplacementChar {
							out.WriteRune(dec)
							i += 6
							run = i
							continue
						}
					}
					rr = unicode.ReplacementChar
				}
				out.WriteRune(rr)
				run = i
				continue
			default:
				c.I = i + 1
				return "", c.Fail("in string escape code")
			}
			i += 2
		case ch < 0x20:
			c.I = i
			return "", c.Fail("in string literal")
		default: // beyond ASCII
			rr, size := utf8.DecodeRune(b[i:])
			out.WriteRune(rr) // RuneError for an invalid byte, as encoding/json writes
			i += size
		}
		run = i
	}
}

// plainRun returns the end of the plain ASCII bytes (no quote, backslash
// or control character) from b[i:], eight at a time while it can.
func plainRun(b []byte, i int) int {
	for i+8 <= len(b) {
		x := uint64(b[i]) | uint64(b[i+1])<<8 | uint64(b[i+2])<<16 | uint64(b[i+3])<<24 |
			uint64(b[i+4])<<32 | uint64(b[i+5])<<40 | uint64(b[i+6])<<48 | uint64(b[i+7])<<56
		if jsonscan.Special(x) || x&0x8080808080808080 != 0 {
			break
		}
		i += 8
	}
	for i < len(b) && jsonscan.PlainASCII(b[i]) {
		i++
	}
	return i
}

// hex4ok reads four hexadecimal digits at b[i:].
func hex4ok(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	for _, c := range b[i : i+4] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return 0, false
		}
	}
	return jsonscan.Hex4(b[i:]), true
}

package solos

// A validating JSON scanner over text in memory. It accepts and rejects
// exactly what encoding/json does (the RFC 8259 grammar, raw control
// characters refused in strings, invalid UTF-8 tolerated, nesting bounded
// at encoding/json's 10000) but returns positions instead of building
// values, so decode.go reads an answer in one pass without allocating.
// It works on both []byte (a body) and string (a record), so values cut
// from a record are substrings of it.

import (
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"
	"unicode/utf8"
)

// text is what the scanner reads.
type text interface{ ~string | ~[]byte }

// maxNesting is encoding/json's bound on nested arrays and objects,
// counted from the value being read.
const maxNesting = 10000

var errTooDeep = errors.New("exceeded max depth")

// syntaxError says where a body stops being JSON.
type syntaxError struct {
	msg string
	off int
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%s (offset %d)", e.msg, e.off) }

func badSyntax[S text](d S, i int, context string) error {
	if i >= len(d) {
		return &syntaxError{msg: "unexpected end of JSON input", off: i}
	}
	return &syntaxError{msg: fmt.Sprintf("invalid character %q %s", d[i], context), off: i}
}

func skipSpace[S text](d S, i int) int {
	for i < len(d) {
		switch d[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// valueEnd returns the end of the JSON value that starts at d[i]; depth is
// the number of arrays and objects already open around it.
func valueEnd[S text](d S, i, depth int) (int, error) {
	if i >= len(d) {
		return i, badSyntax(d, i, "")
	}
	var err error
	switch c := d[i]; c {
	case '{':
		if depth++; depth > maxNesting {
			return i, errTooDeep
		}
		if i = skipSpace(d, i+1); i < len(d) && d[i] == '}' {
			return i + 1, nil
		}
		for {
			if i >= len(d) || d[i] != '"' {
				return i, badSyntax(d, i, "looking for beginning of object key string")
			}
			if i, _, err = stringEnd(d, i); err != nil {
				return i, err
			}
			if i = skipSpace(d, i); i >= len(d) || d[i] != ':' {
				return i, badSyntax(d, i, "after object key")
			}
			if i, err = valueEnd(d, skipSpace(d, i+1), depth); err != nil {
				return i, err
			}
			if i = skipSpace(d, i); i < len(d) && d[i] == ',' {
				i = skipSpace(d, i+1)
				continue
			}
			if i < len(d) && d[i] == '}' {
				return i + 1, nil
			}
			return i, badSyntax(d, i, "after object key:value pair")
		}
	case '[':
		if depth++; depth > maxNesting {
			return i, errTooDeep
		}
		if i = skipSpace(d, i+1); i < len(d) && d[i] == ']' {
			return i + 1, nil
		}
		for {
			if i, err = valueEnd(d, i, depth); err != nil {
				return i, err
			}
			if i = skipSpace(d, i); i < len(d) && d[i] == ',' {
				i = skipSpace(d, i+1)
				continue
			}
			if i < len(d) && d[i] == ']' {
				return i + 1, nil
			}
			return i, badSyntax(d, i, "after array element")
		}
	case '"':
		i, _, err = stringEnd(d, i)
		return i, err
	case 't':
		return literalEnd(d, i, "true")
	case 'f':
		return literalEnd(d, i, "false")
	case 'n':
		return literalEnd(d, i, "null")
	default:
		if c == '-' || c >= '0' && c <= '9' {
			return numberEnd(d, i)
		}
		return i, badSyntax(d, i, "looking for beginning of value")
	}
}

// plainByte marks the bytes that stand for themselves inside a JSON string.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// stringEnd returns the end of the string that starts at d[i] and whether
// it holds an escape sequence.
func stringEnd[S text](d S, i int) (end int, escaped bool, err error) {
	for i++; ; i++ {
		for i < len(d) && plainByte[d[i]] {
			i++
		}
		if i >= len(d) {
			return i, escaped, badSyntax(d, i, "")
		}
		switch d[i] {
		case '"':
			return i + 1, escaped, nil
		case '\\':
			escaped = true
			if i++; i >= len(d) {
				return i, true, badSyntax(d, i, "")
			}
			switch d[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				for k := 0; k < 4; k++ {
					if i++; i >= len(d) || !isHex(d[i]) {
						return i, true, badSyntax(d, i, "in \\u hexadecimal character escape")
					}
				}
			default:
				return i, true, badSyntax(d, i, "in string escape code")
			}
		default:
			return i, escaped, badSyntax(d, i, "in string literal")
		}
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isDigit[S text](d S, i int) bool { return i < len(d) && d[i] >= '0' && d[i] <= '9' }

func numberEnd[S text](d S, i int) (int, error) {
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case isDigit(d, i):
		for i++; isDigit(d, i); i++ {
		}
	default:
		return i, badSyntax(d, i, "in numeric literal")
	}
	if i < len(d) && d[i] == '.' {
		if i++; !isDigit(d, i) {
			return i, badSyntax(d, i, "after decimal point in numeric literal")
		}
		for i++; isDigit(d, i); i++ {
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		if i++; i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if !isDigit(d, i) {
			return i, badSyntax(d, i, "in exponent of numeric literal")
		}
		for i++; isDigit(d, i); i++ {
		}
	}
	return i, nil
}

func literalEnd[S text](d S, i int, lit string) (int, error) {
	for k := 0; k < len(lit); k++ {
		if i+k >= len(d) || d[i+k] != lit[k] {
			return i + k, badSyntax(d, i+k, "in literal "+lit)
		}
	}
	return i + len(lit), nil
}

// span locates one member of an object: the key with its quotes, and the
// value, as offsets into the scanned text.
type span struct {
	ks, ke, vs, ve int
	escaped        bool // the key holds an escape sequence
	keep           bool // scratch for the record decoder
}

// scanObject appends the members of the object that d holds (and nothing
// else but JSON white space) to ms. Like a json.Decoder reading member by
// member, it bounds the nesting of each value from the value itself.
func scanObject[S text](d S, ms []span) ([]span, error) {
	i := skipSpace(d, 0)
	if i >= len(d) || d[i] != '{' {
		if i >= len(d) {
			return ms, badSyntax(d, i, "")
		}
		return ms, fmt.Errorf("expected a JSON object, got %s", kindOf(d[i:]))
	}
	var err error
	if i = skipSpace(d, i+1); i < len(d) && d[i] == '}' {
		return ms, trailing(d, i+1)
	}
	for {
		var m span
		if i >= len(d) || d[i] != '"' {
			return ms, badSyntax(d, i, "looking for beginning of object key string")
		}
		m.ks = i
		if i, m.escaped, err = stringEnd(d, i); err != nil {
			return ms, err
		}
		m.ke = i
		if i = skipSpace(d, i); i >= len(d) || d[i] != ':' {
			return ms, badSyntax(d, i, "after object key")
		}
		m.vs = skipSpace(d, i+1)
		if m.ve, err = valueEnd(d, m.vs, 0); err != nil {
			return ms, err
		}
		ms = append(ms, m)
		if i = skipSpace(d, m.ve); i < len(d) && d[i] == ',' {
			i = skipSpace(d, i+1)
			continue
		}
		if i < len(d) && d[i] == '}' {
			return ms, trailing(d, i+1)
		}
		return ms, badSyntax(d, i, "after object key:value pair")
	}
}

// scanArray returns the elements of the array that d holds (and nothing
// else but JSON white space), as json.Unmarshal into []json.RawMessage
// would: the nesting is bounded from the array.
func scanArray[S text](d S) ([]S, error) {
	i := skipSpace(d, 0)
	if i >= len(d) || d[i] != '[' {
		return nil, badSyntax(d, i, "looking for beginning of array")
	}
	out := make([]S, 0, 8)
	if i = skipSpace(d, i+1); i < len(d) && d[i] == ']' {
		if err := trailing(d, i+1); err != nil {
			return nil, err
		}
		return out, nil
	}
	for {
		end, err := valueEnd(d, i, 1)
		if err != nil {
			return nil, err
		}
		out = append(out, d[i:end])
		if i = skipSpace(d, end); i < len(d) && d[i] == ',' {
			i = skipSpace(d, i+1)
			continue
		}
		if i < len(d) && d[i] == ']' {
			if err := trailing(d, i+1); err != nil {
				return nil, err
			}
			return out, nil
		}
		return nil, badSyntax(d, i, "after array element")
	}
}

// countElements validates the array that d holds (and nothing else but
// JSON white space) and counts its elements.
func countElements[S text](d S) (int, error) {
	i := skipSpace(d, 0)
	if i >= len(d) || d[i] != '[' {
		return 0, badSyntax(d, i, "looking for beginning of array")
	}
	end, err := valueEnd(d, i, 0)
	if err != nil {
		return 0, err
	}
	if err := trailing(d, end); err != nil {
		return 0, err
	}
	n := 0
	for range elements(d) {
		n++
	}
	return n, nil
}

// elements yields the elements of an array countElements accepted.
func elements[S text](d S) iter.Seq[S] {
	return func(yield func(S) bool) {
		i := skipSpace(d, skipSpace(d, 0)+1)
		if d[i] == ']' {
			return
		}
		for {
			end, _ := valueEnd(d, i, 1)
			if !yield(d[i:end]) {
				return
			}
			if i = skipSpace(d, end); d[i] != ',' {
				return
			}
			i = skipSpace(d, i+1)
		}
	}
}

func trailing[S text](d S, i int) error {
	if i = skipSpace(d, i); i < len(d) {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// keyOf is a member's key as encoding/json decodes it.
func keyOf[S text](d S, m span) string {
	if k := string(d[m.ks+1 : m.ke-1]); !m.escaped && utf8.ValidString(k) {
		return k
	}
	var s string
	_ = json.Unmarshal([]byte(d[m.ks:m.ke]), &s) // valid: scanned
	return s
}

// keyIs reports whether a member's key is k (an ASCII name) without
// allocating. An unescaped key with invalid UTF-8 decodes to one holding
// U+FFFD, which no ASCII name equals, so the raw bytes decide.
func keyIs[S text](d S, m span, k string) bool {
	if !m.escaped {
		return string(d[m.ks+1:m.ke-1]) == k
	}
	return keyOf(d, m) == k
}

// appendKey writes a member's key as json.Marshal writes the decoded key:
// its own bytes when they need no escaping, else re-encoded.
func appendKey(b []byte, rec string, m span) []byte {
	raw := rec[m.ks:m.ke]
	if !m.escaped && marshalsAsIs(raw[1:len(raw)-1]) {
		return append(b, raw...)
	}
	k, _ := json.Marshal(keyOf(rec, m))
	return append(b, k...)
}

// marshalsAsIs reports whether json.Marshal writes s (already free of
// quotes, backslashes and control characters) unchanged: no HTML-escaped
// characters, valid UTF-8, no U+2028/U+2029.
func marshalsAsIs(s string) bool {
	high := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '<' || c == '>' || c == '&':
			return false
		case c >= utf8.RuneSelf:
			high = true
		}
	}
	return !high || utf8.ValidString(s) && !strings.Contains(s, "\u2028") && !strings.Contains(s, "\u2029")
}

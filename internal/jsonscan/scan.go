// Package jsonscan owns the validating JSON scanner the adapters' one-pass decoders share:
// encoding/json's grammar and 10000 nesting limit, with positions and sub-slices instead of values.
package jsonscan

// The scanner accepts and rejects exactly what encoding/json does (RFC
// 8259, raw control characters refused in strings, invalid UTF-8
// tolerated) without building values or allocating. Its functions work on
// both []byte (a body) and string (a record cut from one), so the slices
// they give are sub-slices of the text read.

import (
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math/bits"
	"strings"
	"unicode/utf8"
)

// Text is what the scanner reads.
type Text interface{ ~string | ~[]byte }

// MaxDepth is encoding/json's bound on nested arrays and objects.
const MaxDepth = 10000

// SyntaxError says where a text stops being JSON, so that a decoder can
// report the offending offset.
type SyntaxError struct {
	Msg    string
	Offset int
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%s (offset %d)", e.Msg, e.Offset) }

// errAt is the error of the byte at d[i] (or of the end of d) in context.
func errAt[S Text](d S, i int, context string) error {
	if i >= len(d) {
		return &SyntaxError{Msg: "unexpected end of JSON input", Offset: i}
	}
	return &SyntaxError{Msg: fmt.Sprintf("invalid character %q %s", d[i], context), Offset: i}
}

func tooDeep(i int) error { return &SyntaxError{Msg: "exceeded max depth", Offset: i} }

// SkipSpace returns the first offset from i that is not JSON white space.
func SkipSpace[S Text](d S, i int) int {
	// Any byte above the space is not white space: one test for the
	// common case of none.
	for i < len(d) && d[i] <= ' ' {
		switch d[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// ValueEnd validates the JSON value that starts at d[i] and returns its
// end; depth is the number of arrays and objects already open around it.
func ValueEnd[S Text](d S, i, depth int) (int, error) {
	if i >= len(d) {
		return i, errAt(d, i, "")
	}
	var err error
	switch c := d[i]; c {
	case '{':
		if depth++; depth > MaxDepth {
			return i, tooDeep(i)
		}
		if i = SkipSpace(d, i+1); i < len(d) && d[i] == '}' {
			return i + 1, nil
		}
		for {
			if i >= len(d) || d[i] != '"' {
				return i, errAt(d, i, "looking for beginning of object key string")
			}
			if end := shortEnd(d, i); end > 0 {
				i = end
			} else if i, _, _, err = StringEnd(d, i); err != nil {
				return i, err
			}
			if i = SkipSpace(d, i); i >= len(d) || d[i] != ':' {
				return i, errAt(d, i, "after object key")
			}
			// A string, the most common member, without a call of ValueEnd.
			if i = SkipSpace(d, i+1); i < len(d) && d[i] == '"' {
				i, _, _, err = StringEnd(d, i)
			} else {
				i, err = ValueEnd(d, i, depth)
			}
			if err != nil {
				return i, err
			}
			if i = SkipSpace(d, i); i < len(d) && d[i] == ',' {
				i = SkipSpace(d, i+1)
				continue
			}
			if i < len(d) && d[i] == '}' {
				return i + 1, nil
			}
			return i, errAt(d, i, "after object key:value pair")
		}
	case '[':
		if depth++; depth > MaxDepth {
			return i, tooDeep(i)
		}
		if i = SkipSpace(d, i+1); i < len(d) && d[i] == ']' {
			return i + 1, nil
		}
		for {
			if i, err = ValueEnd(d, i, depth); err != nil {
				return i, err
			}
			if i = SkipSpace(d, i); i < len(d) && d[i] == ',' {
				i = SkipSpace(d, i+1)
				continue
			}
			if i < len(d) && d[i] == ']' {
				return i + 1, nil
			}
			return i, errAt(d, i, "after array element")
		}
	case '"':
		i, _, _, err = StringEnd(d, i)
		return i, err
	case 't':
		return LiteralEnd(d, i, "true")
	case 'f':
		return LiteralEnd(d, i, "false")
	case 'n':
		return LiteralEnd(d, i, "null")
	default:
		if c == '-' || c >= '0' && c <= '9' {
			return NumberEnd(d, i)
		}
		return i, errAt(d, i, "looking for beginning of value")
	}
}

// plainASCII marks the string bytes that need no attention: not a quote,
// not a backslash, not a control character, ASCII.
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// PlainASCII reports whether c stands for itself in a JSON string and is
// ASCII: the bytes Special lets through.
func PlainASCII(c byte) bool { return plainASCII[c] }

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// Special tells whether any of the 8 bytes in x is a quote, a backslash or
// a control character. It lets StringEnd pass eight bytes at a time.
func Special(x uint64) bool { return specialMask(x) != 0 }

// specialMask sets the high bit of the bytes of x that are a quote, a
// backslash or a control character. A bit may also be set above such a
// byte (a borrow spreads up from it), never below: the lowest bit set marks
// the first of them exactly.
func specialMask(x uint64) uint64 {
	q := x ^ ('"' * ones)
	s := x ^ ('\\' * ones)
	return ((x-0x20*ones)&^x | (q-ones)&^q | (s-ones)&^s) & highs
}

// firstByte is the index (0 to 7) of the lowest byte whose high bit m
// sets, 8 when it sets none: with specialMask, the first byte of a word
// that is a quote, a backslash or a control character.
func firstByte(m uint64) int { return bits.TrailingZeros64(m) >> 3 }

// load64 reads d[i:i+8] as a little-endian word.
func load64[S Text](d S, i int) uint64 {
	_ = d[i+7]
	return uint64(d[i]) | uint64(d[i+1])<<8 | uint64(d[i+2])<<16 | uint64(d[i+3])<<24 |
		uint64(d[i+4])<<32 | uint64(d[i+5])<<40 | uint64(d[i+6])<<48 | uint64(d[i+7])<<56
}

// PlainPrefix is how many bytes at the start of s stand for themselves in
// a JSON string: up to the first quote, backslash or control character
// (len(s) when there is none). Bytes beyond ASCII count as plain.
func PlainPrefix(s string) int {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if m := specialMask(load64(s, i)); m != 0 {
			return i + firstByte(m)
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			return i
		}
	}
	return i
}

// HTMLSafePrefix is how many bytes at the start of b encoding/json's
// HTML-safe output leaves as they are for certain: up to the first <, > or
// &, or the first byte 0xE2 (which U+2028 and U+2029 begin with; len(b)
// when there is none).
func HTMLSafePrefix(b []byte) int {
	zero := func(v uint64) uint64 { return (v - ones) &^ v & highs }
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := load64(b, i)
		if m := zero(x^('<'*ones)) | zero(x^('>'*ones)) | zero(x^('&'*ones)) | zero(x^(0xE2*ones)); m != 0 {
			// A borrow only spreads above a byte that matches: the lowest
			// bit set marks the first of them.
			return i + firstByte(m)
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '<' || c == '>' || c == '&' || c == 0xE2 {
			return i
		}
	}
	return i
}

// shortEnd reads the common short string at d[i] (a quote): at most seven
// printable ASCII bytes without escapes, seen in one word. It returns the
// string's end, or 0 for any other string, which StringEnd then reads.
func shortEnd[S Text](d S, i int) int {
	if i+9 > len(d) {
		return 0
	}
	x := load64(d, i+1)
	m := specialMask(x)
	if m == 0 {
		return 0
	}
	k := firstByte(m)
	if d[i+1+k] != '"' || x&(1<<(8*k)-1)&highs != 0 {
		return 0
	}
	return i + 2 + k
}

// StringEnd validates the string that starts at d[i] and returns its end,
// whether it holds an escape sequence and whether it holds a byte beyond
// ASCII (only then can its contents be invalid UTF-8).
func StringEnd[S Text](d S, i int) (end int, escaped, wide bool, err error) {
	i++
	for {
		// Eight bytes at a time while none needs attention; non-ASCII
		// bytes are noted, not stopped at.
		var acc uint64
		for i+8 <= len(d) {
			x := load64(d, i)
			if m := specialMask(x); m != 0 {
				// Up to the first byte that needs attention.
				k := firstByte(m)
				acc |= x & (1<<(8*k) - 1)
				i += k
				break
			}
			acc |= x
			i += 8
		}
		wide = wide || acc&highs != 0
		for i < len(d) && plainASCII[d[i]] {
			i++
		}
		if i >= len(d) {
			return i, escaped, wide, errAt(d, i, "")
		}
		switch c := d[i]; {
		case c == '"':
			return i + 1, escaped, wide, nil
		case c == '\\':
			escaped = true
			if i++; i >= len(d) {
				return i, true, wide, errAt(d, i, "")
			}
			switch d[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				for k := 0; k < 4; k++ {
					if i++; i >= len(d) || !isHex(d[i]) {
						return i, true, wide, errAt(d, i, "in \\u hexadecimal character escape")
					}
				}
				i++
			default:
				return i, true, wide, errAt(d, i, "in string escape code")
			}
		case c < 0x20:
			return i, escaped, wide, errAt(d, i, "in string literal")
		default:
			wide = true
			i++
		}
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isDigit[S Text](d S, i int) bool { return i < len(d) && d[i] >= '0' && d[i] <= '9' }

// NumberEnd validates the number that starts at d[i] and returns its end.
func NumberEnd[S Text](d S, i int) (int, error) {
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case isDigit(d, i):
		for i++; isDigit(d, i); i++ {
		}
	default:
		return i, errAt(d, i, "in numeric literal")
	}
	if i < len(d) && d[i] == '.' {
		if i++; !isDigit(d, i) {
			return i, errAt(d, i, "after decimal point in numeric literal")
		}
		for i++; isDigit(d, i); i++ {
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		if i++; i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if !isDigit(d, i) {
			return i, errAt(d, i, "in exponent of numeric literal")
		}
		for i++; isDigit(d, i); i++ {
		}
	}
	return i, nil
}

// LiteralEnd checks that lit (true, false or null) starts at d[i] and
// returns its end.
func LiteralEnd[S Text](d S, i int, lit string) (int, error) {
	for k := 0; k < len(lit); k++ {
		if i+k >= len(d) || d[i+k] != lit[k] {
			return i + k, errAt(d, i+k, "in literal "+lit)
		}
	}
	return i + len(lit), nil
}

// Trailing fails unless only JSON white space follows d[i].
func Trailing[S Text](d S, i int) error {
	if i = SkipSpace(d, i); i < len(d) {
		return &SyntaxError{Msg: "invalid character after top-level value", Offset: i}
	}
	return nil
}

// Valid reports whether d is one JSON value, as json.Valid does.
func Valid[S Text](d S) bool {
	end, err := ValueEnd(d, SkipSpace(d, 0), 0)
	return err == nil && Trailing(d, end) == nil
}

// Member locates one member of an object as offsets into the scanned
// text: the key with its quotes and the value.
type Member struct {
	KeyStart, KeyEnd     int
	ValueStart, ValueEnd int
	Escaped              bool // the key holds an escape sequence
	Mark                 bool // free for the caller (members to keep, say)
}

// ErrNotObject is ScanObject's answer to a value that is not an object.
var ErrNotObject = errors.New("the JSON value is not an object")

// ScanObject appends the members of the object that d holds (and nothing
// else but JSON white space) to ms. Like a json.Decoder reading member by
// member, it bounds the nesting of each value from the value itself. Text
// that does not start with an object is ErrNotObject.
func ScanObject[S Text](d S, ms []Member) ([]Member, error) {
	i := SkipSpace(d, 0)
	if i >= len(d) {
		return ms, errAt(d, i, "")
	}
	if d[i] != '{' {
		return ms, ErrNotObject
	}
	var err error
	if i = SkipSpace(d, i+1); i < len(d) && d[i] == '}' {
		return ms, Trailing(d, i+1)
	}
	for {
		var m Member
		if i >= len(d) || d[i] != '"' {
			return ms, errAt(d, i, "looking for beginning of object key string")
		}
		m.KeyStart = i
		if i, m.Escaped, _, err = StringEnd(d, i); err != nil {
			return ms, err
		}
		m.KeyEnd = i
		if i = SkipSpace(d, i); i >= len(d) || d[i] != ':' {
			return ms, errAt(d, i, "after object key")
		}
		m.ValueStart = SkipSpace(d, i+1)
		if m.ValueEnd, err = ValueEnd(d, m.ValueStart, 0); err != nil {
			return ms, err
		}
		ms = append(ms, m)
		if i = SkipSpace(d, m.ValueEnd); i < len(d) && d[i] == ',' {
			i = SkipSpace(d, i+1)
			continue
		}
		if i < len(d) && d[i] == '}' {
			return ms, Trailing(d, i+1)
		}
		return ms, errAt(d, i, "after object key:value pair")
	}
}

// ScanArray returns the elements of the array that d holds (and nothing
// else but JSON white space), as json.Unmarshal into []json.RawMessage
// would: the nesting is bounded from the array.
func ScanArray[S Text](d S) ([]S, error) {
	i := SkipSpace(d, 0)
	if i >= len(d) || d[i] != '[' {
		return nil, errAt(d, i, "looking for beginning of array")
	}
	out := make([]S, 0, 8)
	if i = SkipSpace(d, i+1); i < len(d) && d[i] == ']' {
		if err := Trailing(d, i+1); err != nil {
			return nil, err
		}
		return out, nil
	}
	for {
		end, err := ValueEnd(d, i, 1)
		if err != nil {
			return nil, err
		}
		out = append(out, d[i:end])
		if i = SkipSpace(d, end); i < len(d) && d[i] == ',' {
			i = SkipSpace(d, i+1)
			continue
		}
		if i < len(d) && d[i] == ']' {
			if err := Trailing(d, i+1); err != nil {
				return nil, err
			}
			return out, nil
		}
		return nil, errAt(d, i, "after array element")
	}
}

// CountElements validates the array that d holds (and nothing else but
// JSON white space) and counts its elements, so that a caller can size
// what it fills from Elements.
func CountElements[S Text](d S) (int, error) {
	i := SkipSpace(d, 0)
	if i >= len(d) || d[i] != '[' {
		return 0, errAt(d, i, "looking for beginning of array")
	}
	end, err := ValueEnd(d, i, 0)
	if err != nil {
		return 0, err
	}
	if err := Trailing(d, end); err != nil {
		return 0, err
	}
	n := 0
	for range Elements(d) {
		n++
	}
	return n, nil
}

// Elements yields the elements of an array CountElements accepted.
func Elements[S Text](d S) iter.Seq[S] {
	return func(yield func(S) bool) {
		i := SkipSpace(d, SkipSpace(d, 0)+1)
		if d[i] == ']' {
			return
		}
		for {
			end, _ := ValueEnd(d, i, 1)
			if !yield(d[i:end]) {
				return
			}
			if i = SkipSpace(d, end); d[i] != ',' {
				return
			}
			i = SkipSpace(d, i+1)
		}
	}
}

// PlainString reports whether a JSON string's contents decode to
// themselves: no escapes, quotes or control characters, valid UTF-8.
func PlainString(s string) bool {
	ascii := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' || c == '"' || c < 0x20:
			return false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return ascii || utf8.ValidString(s)
}

// KeyOf is a member's key as encoding/json decodes it, without copying
// the unquoting work when the key decodes to itself.
func KeyOf[S Text](d S, m Member) string {
	if k := string(d[m.KeyStart+1 : m.KeyEnd-1]); !m.Escaped && utf8.ValidString(k) {
		return k
	}
	return Decode([]byte(d[m.KeyStart:m.KeyEnd])) // valid: scanned
}

// AppendKey writes m's key (of the object d holds) as json.Marshal writes
// the decoded key: its own bytes when they need no escaping, else
// re-encoded.
func AppendKey[S Text](b []byte, d S, m Member) []byte {
	raw := d[m.KeyStart:m.KeyEnd]
	if !m.Escaped && marshalsAsIs(raw[1:len(raw)-1]) {
		return append(b, raw...)
	}
	k, _ := json.Marshal(KeyOf(d, m))
	return append(b, k...)
}

// marshalsAsIs reports whether json.Marshal writes s (already free of
// quotes, backslashes and control characters) unchanged: no HTML-escaped
// characters, valid UTF-8, no U+2028/U+2029.
func marshalsAsIs[S Text](s S) bool {
	high := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '<' || c == '>' || c == '&':
			return false
		case c >= utf8.RuneSelf:
			high = true
		}
	}
	if !high {
		return true
	}
	str := string(s)
	return utf8.ValidString(str) && !strings.Contains(str, "\u2028") && !strings.Contains(str, "\u2029")
}

// KeyIs reports whether a member's key is k (an ASCII name) without
// allocating. An unescaped key with invalid UTF-8 decodes to one holding
// U+FFFD, which no ASCII name equals, so the raw bytes decide.
func KeyIs[S Text](d S, m Member, k string) bool {
	if !m.Escaped {
		return string(d[m.KeyStart+1:m.KeyEnd-1]) == k
	}
	return KeyOf(d, m) == k
}

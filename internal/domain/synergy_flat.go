package domain

import (
	"bytes"
	"unicode/utf8"
)

// The attributes of most SynergyCRM resources a page carries are strings
// and nulls (names, phones, addresses, as sparse fieldsets trim them). For
// such an object the generated decodeFlat methods set the fields directly,
// without encoding/json's reflection, and answer exactly what
// json.Unmarshal would: they decline (and json.Unmarshal runs) whenever a
// member could be read differently by it — a value that is not a string or
// null, a string with escapes or invalid UTF-8, a key with escapes, or a
// key that matches a field only case-insensitively.

// flatMember is one member of a flat attributes object: a string value
// (without its quotes) or null.
type flatMember struct {
	key, val []byte
	at       int // offset of val in the object
	null     bool
}

// str is m's value as a Go string: cut from text (the object as a
// string) when the caller has it, else copied.
func (m flatMember) str(text string) string {
	if text != "" {
		return text[m.at : m.at+len(m.val)]
	}
	return string(m.val)
}

// flatKept is how many string members a decodeFlat keeps from its first
// pass over an object; an object with more is read a second time.
const flatKept = 16

// What flatNext found.
const (
	flatMore = iota // a member
	flatEnd         // the end of the object
	flatBad         // something else than a flat object of strings and nulls
)

// flatFirst starts reading a JSON object whose values are all plain
// strings or null; the input has already been checked to be valid JSON.
func flatFirst(raw []byte) (m flatMember, next, state int) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return m, 0, flatBad
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		if skipSpace(raw, i+1) != len(raw) {
			return m, 0, flatBad
		}
		return m, i + 1, flatEnd
	}
	return flatMemberAt(raw, i)
}

// flatNext reads the member after the one flatFirst or flatNext returned.
func flatNext(raw []byte, i int) (m flatMember, next, state int) {
	i = skipSpace(raw, i)
	if i >= len(raw) {
		return m, 0, flatBad
	}
	switch raw[i] {
	case ',':
		return flatMemberAt(raw, skipSpace(raw, i+1))
	case '}':
		if skipSpace(raw, i+1) != len(raw) {
			return m, 0, flatBad
		}
		return m, i + 1, flatEnd
	}
	return m, 0, flatBad
}

func flatMemberAt(raw []byte, i int) (m flatMember, next, state int) {
	key, i, ok := plainString(raw, i)
	if !ok {
		return m, 0, flatBad
	}
	i = skipSpace(raw, i)
	if i >= len(raw) || raw[i] != ':' {
		return m, 0, flatBad
	}
	i = skipSpace(raw, i+1)
	m.key = key
	switch {
	case i < len(raw) && raw[i] == '"':
		m.at = i + 1
		if m.val, i, ok = plainString(raw, i); !ok {
			return m, 0, flatBad
		}
	case bytes.HasPrefix(raw[i:], []byte("null")):
		m.null = true
		i += 4
	default:
		return m, 0, flatBad
	}
	return m, i, flatMore
}

// plainString reads the string starting at raw[i] (a quote); ok is false
// when it holds an escape or invalid UTF-8, which encoding/json rewrites.
func plainString(raw []byte, i int) (s []byte, next int, ok bool) {
	if i >= len(raw) || raw[i] != '"' {
		return nil, 0, false
	}
	j := bytes.IndexByte(raw[i+1:], '"')
	if j < 0 {
		return nil, 0, false
	}
	s = raw[i+1 : i+1+j]
	if bytes.IndexByte(s, '\\') >= 0 || !utf8.Valid(s) {
		return nil, 0, false
	}
	return s, i + 2 + j, true
}

func skipSpace(raw []byte, i int) int {
	for i < len(raw) {
		switch raw[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// foldsToAny reports whether key, not being any of names exactly, could
// still be taken for one by encoding/json's case-insensitive matching. Any
// key beyond ASCII counts as such: Unicode folding has surprises (ſ, K).
func foldsToAny(key []byte, names []string) bool {
	for _, c := range key {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	for _, n := range names {
		if bytes.EqualFold(key, []byte(n)) {
			return true
		}
	}
	return false
}

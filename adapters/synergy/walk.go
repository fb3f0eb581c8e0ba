package synergy

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/crmgateway/gateway/internal/domain"
	spec "github.com/crmgateway/gateway/internal/synergyspec"
)

// The single-pass reader of JSON:API documents behind Decode.
//
// walker checks the whole body as encoding/json does (same grammar, same
// nesting limit) and on the way keeps, as sub-slices of the body, what
// Decode needs: each resource's type, id, attributes object and
// relationships' data members. Where the document's shape is wrong it
// notes the fault and reads on, as encoding/json does with a value of the
// wrong type, so that a syntax error later in the body still wins.
//
// Members are matched as encoding/json matches struct fields: the exact
// name or the same name under Unicode case folding, after unescaping; the
// last of repeated members wins, a repeated relationships object adds to
// the first (a map), null leaves a string member as it was and clears an
// id (it goes through flexID.UnmarshalJSON), and a repeated included array
// decodes onto the resources of the earlier one (a reused slice).

// maxDepth is encoding/json's limit on nesting.
const maxDepth = 10000

// wireText is a JSON string's contents as they stand in the body, or a
// number literal (an id). raw marks a string with escapes or invalid UTF-8:
// s is then the quoted literal, unquoted by encoding/json when needed.
type wireText struct {
	s   []byte
	raw bool
}

// wireResource is a resource object as read: nothing decoded yet. Its
// relationship members are walker.rels[relLo:relHi].
type wireResource struct {
	typ, id      wireText
	attrs        []byte // the attributes value; nil when absent
	relLo, relHi int
}

// wireRel is one member of a relationships object; data is its data
// member's value, nil when absent (linkage unknown).
type wireRel struct {
	key  wireText
	data []byte
}

type walker struct {
	b     []byte
	i     int
	depth int

	// docErr is the first member of the wrong shape outside data, dataErr
	// the first in the last data member; dataKind is that member's kind:
	// 0 absent or null, '[', '{' or 's' (any other value).
	docErr, dataErr error
	dataKind        byte

	data      []wireResource
	included  []wireResource // included[:nIncluded] is the array; the rest is what an earlier, longer array left
	nIncluded int
	rels      []wireRel
	refs      []domain.SynergyRef

	recordCount, pageCount *int
}

// syntaxError is a body that is not JSON.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%s at offset %d", e.msg, e.off) }

var (
	errNotObject     = errors.New("the document is not an object")
	errNotResource   = errors.New("a resource is not an object")
	errNotArray      = errors.New("included is not an array")
	errMeta          = errors.New("meta is not an object of integers")
	errType          = errors.New("type is not a string")
	errID            = errors.New("id must be a string or a number")
	errRelationships = errors.New("relationships is not an object of objects")
	errNotIdentifier = errors.New("linkage is not a resource identifier")
)

// interned holds the strings every page repeats (types and relationship
// keys), so that reading them allocates nothing.
var interned = func() map[string]string {
	m := map[string]string{}
	for _, r := range spec.Resources {
		m[r.Type] = r.Type
		for _, rel := range r.Rels {
			m[rel.Key] = rel.Key
		}
	}
	return m
}()

// text is t as a Go string, unquoted as encoding/json unquotes.
func text(t wireText) string {
	if t.raw {
		var s string
		_ = json.Unmarshal(t.s, &s) // checked by the walk
		return s
	}
	if s, ok := interned[string(t.s)]; ok {
		return s
	}
	return string(t.s)
}

func sameText(a, b wireText) bool {
	if !a.raw && !b.raw {
		return bytes.Equal(a.s, b.s)
	}
	return text(a) == text(b)
}

// is tells whether member name k matches name as encoding/json matches a
// struct field's name.
func is(k wireText, name string) bool {
	if k.raw {
		return bytes.EqualFold([]byte(text(k)), []byte(name))
	}
	s := k.s
	if string(s) == name {
		return true
	}
	for _, c := range s {
		if c >= utf8.RuneSelf {
			return bytes.EqualFold(s, []byte(name))
		}
	}
	if len(s) != len(name) {
		return false
	}
	for i, c := range s {
		if lower(c) != lower(name[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func (w *walker) fail(msg string) error { return &syntaxError{off: w.i, msg: msg} }

func (w *walker) ws() {
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case ' ', '\t', '\n', '\r':
			w.i++
		default:
			return
		}
	}
}

// peek skips white space and gives the next byte, 0 at the end.
func (w *walker) peek() byte {
	w.ws()
	if w.i < len(w.b) {
		return w.b[w.i]
	}
	return 0
}

// object reads the object at w.i, calling member for each member with w.i
// at its value, which member must read.
func (w *walker) object(member func(key wireText) error) error {
	w.i++
	if w.depth++; w.depth > maxDepth {
		return w.fail("exceeded max depth")
	}
	if w.peek() == '}' {
		w.i++
		w.depth--
		return nil
	}
	for {
		if w.peek() != '"' {
			return w.fail("expected a member name")
		}
		key, err := w.str()
		if err != nil {
			return err
		}
		if w.peek() != ':' {
			return w.fail("expected ':' after a member name")
		}
		w.i++
		w.ws()
		if err := member(key); err != nil {
			return err
		}
		switch w.peek() {
		case ',':
			w.i++
		case '}':
			w.i++
			w.depth--
			return nil
		default:
			return w.fail("expected ',' or '}' after a member")
		}
	}
}

// array reads the array at w.i, calling elem with w.i at each element,
// which elem must read.
func (w *walker) array(elem func() error) error {
	w.i++
	if w.depth++; w.depth > maxDepth {
		return w.fail("exceeded max depth")
	}
	if w.peek() == ']' {
		w.i++
		w.depth--
		return nil
	}
	for {
		w.ws()
		if err := elem(); err != nil {
			return err
		}
		switch w.peek() {
		case ',':
			w.i++
		case ']':
			w.i++
			w.depth--
			return nil
		default:
			return w.fail("expected ',' or ']' after an element")
		}
	}
}

// value reads (checks and skips) any value.
func (w *walker) value() error {
	switch c := w.peek(); {
	case c == '{':
		return w.object(func(wireText) error { return w.value() })
	case c == '[':
		return w.array(w.value)
	case c == '"':
		_, err := w.str()
		return err
	case c == 't':
		return w.lit("true")
	case c == 'f':
		return w.lit("false")
	case c == 'n':
		return w.lit("null")
	case c == '-' || '0' <= c && c <= '9':
		return w.number()
	}
	return w.fail("expected a value")
}

// skipValue reads a value and gives its bytes, capped so that appending
// to them never writes into the body.
func (w *walker) skipValue() ([]byte, error) {
	start := w.i
	err := w.value()
	return w.b[start:w.i:w.i], err
}

func (w *walker) lit(s string) error {
	if !bytes.HasPrefix(w.b[w.i:], []byte(s)) {
		return w.fail("invalid literal")
	}
	w.i += len(s)
	return nil
}

func digit(c byte) bool { return '0' <= c && c <= '9' }

func (w *walker) number() error {
	b, i := w.b, w.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i < len(b) && digit(b[i]) {
			i++
		}
	default:
		w.i = i
		return w.fail("invalid number")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !digit(b[i]) {
			w.i = i
			return w.fail("invalid number")
		}
		for i < len(b) && digit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !digit(b[i]) {
			w.i = i
			return w.fail("invalid number")
		}
		for i < len(b) && digit(b[i]) {
			i++
		}
	}
	w.i = i
	return nil
}

// plain marks the string bytes that need no attention: not a quote, not a
// backslash, not a control character, ASCII.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// special tells whether any of the 8 bytes in x is a quote, a backslash or
// a control character (exact as a yes or no: a borrow only spreads above a
// byte that matches).
func special(x uint64) bool {
	q := x ^ ('"' * ones)
	s := x ^ ('\\' * ones)
	return ((x-0x20*ones)&^x|(q-ones)&^q|(s-ones)&^s)&highs != 0
}

// str reads the string at w.i.
func (w *walker) str() (wireText, error) {
	b := w.b
	start := w.i
	i := start + 1
	esc, wide := false, false
	for {
		// Eight bytes at a time while none needs attention; non-ASCII
		// bytes are noted, not stopped at.
		var acc uint64
		for i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			if special(x) {
				break
			}
			acc |= x
			i += 8
		}
		wide = wide || acc&highs != 0
		for i < len(b) && plain[b[i]] {
			i++
		}
		if i >= len(b) {
			w.i = i
			return wireText{}, w.fail("unexpected end of input in a string")
		}
		switch c := b[i]; {
		case c == '"':
			w.i = i + 1
			s := b[start+1 : i]
			if esc || wide && !utf8.Valid(s) {
				return wireText{s: b[start : i+1], raw: true}, nil
			}
			return wireText{s: s}, nil
		case c == '\\':
			esc = true
			i++
			if i >= len(b) {
				w.i = i
				return wireText{}, w.fail("unexpected end of input in a string")
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				for k := 1; k <= 4; k++ {
					if i+k >= len(b) || !hex(b[i+k]) {
						w.i = i + k
						return wireText{}, w.fail("invalid \\u escape in a string")
					}
				}
				i += 5
			default:
				w.i = i
				return wireText{}, w.fail("invalid escape in a string")
			}
		case c < 0x20:
			w.i = i
			return wireText{}, w.fail("control character in a string")
		default:
			wide = true
			i++
		}
	}
}

func hex(c byte) bool { return digit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// document reads the whole body.
func (w *walker) document() error {
	var err error
	switch w.peek() {
	case '{':
		err = w.object(w.docMember)
	case 'n':
		err = w.lit("null")
	default:
		err = w.value()
		w.docErr = cmp.Or(w.docErr, errNotObject)
	}
	if err != nil {
		return err
	}
	if w.ws(); w.i != len(w.b) {
		return w.fail("data after the document")
	}
	return nil
}

func (w *walker) docMember(key wireText) error {
	switch {
	case is(key, "data"):
		return w.dataMember()
	case is(key, "included"):
		return w.includedMember()
	case is(key, "meta"):
		return w.metaMember()
	}
	return w.value()
}

func (w *walker) dataMember() error {
	w.dataErr, w.data = nil, w.data[:0]
	switch w.peek() {
	case 'n':
		w.dataKind = 0
		return w.lit("null")
	case '{':
		w.dataKind = '{'
		w.data = append(w.data, wireResource{})
		return w.resource(&w.data[0], &w.dataErr)
	case '[':
		w.dataKind = '['
		return w.array(func() error {
			switch w.peek() {
			case 'n':
				w.data = append(w.data, wireResource{})
				return w.lit("null")
			case '{':
				w.data = append(w.data, wireResource{})
				return w.resource(&w.data[len(w.data)-1], &w.dataErr)
			}
			w.dataErr = cmp.Or(w.dataErr, errNotResource)
			return w.value()
		})
	}
	w.dataKind = 's'
	return w.value()
}

func (w *walker) includedMember() error {
	switch w.peek() {
	case 'n':
		w.included, w.nIncluded = w.included[:0], 0
		return w.lit("null")
	case '[':
		n := 0
		err := w.array(func() error {
			if n == len(w.included) {
				w.included = append(w.included, wireResource{})
			}
			n++
			switch w.peek() {
			case 'n':
				return w.lit("null") // leaves the element as it was
			case '{':
				return w.resource(&w.included[n-1], &w.docErr)
			}
			w.docErr = cmp.Or(w.docErr, errNotResource)
			return w.value()
		})
		if n == 0 {
			w.included = w.included[:0]
		}
		w.nIncluded = n
		return err
	}
	w.docErr = cmp.Or(w.docErr, errNotArray)
	return w.value()
}

func (w *walker) metaMember() error {
	switch w.peek() {
	case 'n':
		return w.lit("null")
	case '{':
		return w.object(func(key wireText) error {
			switch {
			case is(key, "record-count"):
				return w.count(&w.recordCount)
			case is(key, "page-count"):
				return w.count(&w.pageCount)
			}
			return w.value()
		})
	}
	w.docErr = cmp.Or(w.docErr, errMeta)
	return w.value()
}

// count reads an integer member of meta into *p.
func (w *walker) count(p **int) error {
	switch c := w.peek(); {
	case c == 'n':
		*p = nil
		return w.lit("null")
	case c == '-' || digit(c):
		start := w.i
		if err := w.number(); err != nil {
			return err
		}
		n, err := strconv.ParseInt(string(w.b[start:w.i]), 10, 64)
		if err != nil {
			w.docErr = cmp.Or(w.docErr, errMeta)
			return nil
		}
		v := int(n)
		*p = &v
		return nil
	}
	w.docErr = cmp.Or(w.docErr, errMeta)
	return w.value()
}

// resource reads a resource object onto r, noting a member of the wrong
// shape in *bad.
func (w *walker) resource(r *wireResource, bad *error) error {
	return w.object(func(key wireText) error {
		switch {
		case is(key, "type"):
			switch w.peek() {
			case '"':
				t, err := w.str()
				r.typ = t
				return err
			case 'n':
				return w.lit("null")
			}
			*bad = cmp.Or(*bad, errType)
			return w.value()
		case is(key, "id"):
			return w.id(&r.id, bad)
		case is(key, "attributes"):
			v, err := w.skipValue()
			r.attrs = v
			return err
		case is(key, "relationships"):
			switch w.peek() {
			case 'n':
				r.relLo, r.relHi = 0, 0
				return w.lit("null")
			case '{':
				return w.object(func(key wireText) error { return w.relationship(r, key, bad) })
			}
			*bad = cmp.Or(*bad, errRelationships)
			return w.value()
		}
		return w.value()
	})
}

// id reads an id: a string, a number, or null (no id).
func (w *walker) id(t *wireText, bad *error) error {
	switch c := w.peek(); {
	case c == '"':
		s, err := w.str()
		*t = s
		return err
	case c == 'n':
		*t = wireText{}
		return w.lit("null")
	case c == '-' || digit(c):
		start := w.i
		err := w.number()
		*t = wireText{s: w.b[start:w.i]}
		return err
	}
	*bad = cmp.Or(*bad, errID)
	return w.value()
}

// relationship reads one member of r's relationships object.
func (w *walker) relationship(r *wireResource, key wireText, bad *error) error {
	var data []byte
	switch w.peek() {
	case 'n':
		if err := w.lit("null"); err != nil {
			return err
		}
	case '{':
		err := w.object(func(k wireText) error {
			if is(k, "data") {
				v, err := w.skipValue()
				data = v
				return err
			}
			return w.value()
		})
		if err != nil {
			return err
		}
	default:
		*bad = cmp.Or(*bad, errRelationships)
		return w.value()
	}
	if data == nil && !w.hasRel(r, key) {
		return nil // unknown linkage that overrides nothing
	}
	if r.relHi != len(w.rels) || r.relLo == r.relHi {
		// Keep r's members together at the end (r is an included
		// resource decoded onto again).
		lo := len(w.rels)
		w.rels = append(w.rels, w.rels[r.relLo:r.relHi]...)
		r.relLo, r.relHi = lo, len(w.rels)
	}
	w.rels = append(w.rels, wireRel{key: key, data: data})
	r.relHi++
	return nil
}

// hasRel tells whether r already has a member named key; past a few
// members it answers yes rather than search.
func (w *walker) hasRel(r *wireResource, key wireText) bool {
	rels := w.rels[r.relLo:r.relHi]
	if len(rels) > 32 {
		return true
	}
	for i := range rels {
		if sameText(rels[i].key, key) {
			return true
		}
	}
	return false
}

// identifier reads a resource identifier object onto ref, noting a member
// of the wrong shape in *bad.
func (w *walker) identifier(ref *domain.SynergyRef, bad *error) error {
	return w.object(func(k wireText) error {
		switch {
		case is(k, "type"):
			switch w.peek() {
			case '"':
				t, err := w.str()
				ref.Type = text(t)
				return err
			case 'n':
				return w.lit("null")
			}
			*bad = cmp.Or(*bad, errNotIdentifier)
			return w.value()
		case is(k, "id"):
			var t wireText
			err := w.id(&t, bad)
			ref.ID = text(t)
			return err
		}
		return w.value()
	})
}

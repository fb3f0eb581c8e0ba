package synergy

import (
	"bytes"
	"cmp"
	"errors"
	"strconv"
	"strings"

	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/jsonscan"
	spec "github.com/crmgateway/gateway/internal/synergyspec"
)

// The single-pass reader of JSON:API documents behind Decode.
//
// walker checks the whole body with jsonscan.Cursor (encoding/json's grammar and
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

// maxDepth is encoding/json's limit on nesting, which jsonscan keeps.
const maxDepth = jsonscan.MaxDepth

// wireText is a JSON string's contents as they stand in the body, or a
// number literal (an id); Raw marks a string with escapes or invalid UTF-8,
// S is then the quoted literal, unquoted by encoding/json when needed.
type wireText = jsonscan.Str

// wireResource is a resource object as read: nothing decoded yet. Its
// relationship members are walker.rels[relLo:relHi].
type wireResource struct {
	typ, id      wireText
	attrs        []byte // the attributes value; nil when absent (a slice of the body)
	raw          []byte // the whole resource object (a slice of the body)
	rawAt        int    // offset of raw in the body
	attrsAt      int    // offset of attrs in the body
	relLo, relHi int
	// Set when the walk is over (walker.prepare):
	name   string // typ as a string
	textAt int    // offset of attrs in walker.text
	whole  bool   // the record and its attributes object are kept
}

// attrsInRaw tells whether r's attributes lie inside its resource object
// (they are outside only when a repeated member left an earlier one).
func (r *wireResource) attrsInRaw() bool {
	return r.attrsAt >= r.rawAt && r.attrsAt+len(r.attrs) <= r.rawAt+len(r.raw)
}

// wireRel is one member of a relationships object; data is its data
// member's value, nil when absent (linkage unknown).
type wireRel struct {
	key  wireText
	data []byte
	// plain says data is a compact resource identifier (plainIdentifier),
	// read on the way: typ and id are its members.
	plain   bool
	typ, id wireText
}

type walker struct {
	jsonscan.Cursor

	// docErr is the first member of the wrong shape outside data, dataErr
	// the first in the last data member; dataKind is that member's kind:
	// 0 absent or null, '[', '{' or 's' (any other value).
	docErr, dataErr error
	dataKind        byte

	data      []wireResource
	included  []wireResource // included[:nIncluded] is the array; the rest is what an earlier, longer array left
	nIncluded int
	rels      []wireRel
	// arena holds the copies of the attributes entities keep whole.
	arena []byte
	// text holds the attributes objects, which the strings decoded from
	// them are cut from, and sb the ids read after them (str); slab
	// holds the entities.
	text   string
	sb     strings.Builder
	recent [16]string // see name
	slab   *domain.SynergySlab

	recordCount, pageCount *int
}

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
	if t.Raw {
		return t.String()
	}
	if s, ok := interned[string(t.S)]; ok {
		return s
	}
	return string(t.S)
}

// str is t as text gives it, its bytes cut from the document's string
// block (sb) rather than a string of their own: for ids, which are seldom
// the same twice.
func (w *walker) str(t wireText) string {
	if t.Raw || len(t.S) == 0 {
		return text(t)
	}
	lo := w.sb.Len()
	w.sb.Write(t.S)
	return w.sb.String()[lo:]
}

// name is t as text gives it, for the types and relationship keys a page
// repeats over and over: the last ones met are kept by a hash of their
// length and ends, which spares most lookups in interned.
func (w *walker) name(t wireText) string {
	if t.Raw || len(t.S) == 0 {
		return text(t)
	}
	h := (len(t.S) + int(t.S[0]) + int(t.S[len(t.S)-1])) % len(w.recent)
	if s := w.recent[h]; s == string(t.S) {
		return s
	}
	s := text(t)
	w.recent[h] = s
	return s
}

func sameText(a, b wireText) bool {
	if !a.Raw && !b.Raw {
		return bytes.Equal(a.S, b.S)
	}
	return text(a) == text(b)
}

// is tells whether member name k matches name as encoding/json matches a
// struct field's name.
func is(k wireText, name string) bool {
	if k.Raw {
		return bytes.EqualFold([]byte(text(k)), []byte(name))
	}
	s := k.S
	if string(s) == name {
		return true
	}
	if k.Wide {
		return bytes.EqualFold(s, []byte(name))
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

// document reads the whole body.
func (w *walker) document() error {
	var err error
	switch w.Peek() {
	case '{':
		err = w.Object(w.docMember)
	case 'n':
		err = w.Lit("null")
	default:
		err = w.Value()
		w.docErr = cmp.Or(w.docErr, errNotObject)
	}
	if err != nil {
		return err
	}
	if w.Space(); w.I != len(w.B) {
		return w.Fail("data after the document")
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
	return w.Value()
}

func (w *walker) dataMember() error {
	w.dataErr, w.data = nil, w.data[:0]
	switch w.Peek() {
	case 'n':
		w.dataKind = 0
		return w.Lit("null")
	case '{':
		w.dataKind = '{'
		w.data = append(w.data, wireResource{})
		return w.resource(&w.data[0], &w.dataErr)
	case '[':
		w.dataKind = '['
		return w.Array(func() error {
			switch w.Peek() {
			case 'n':
				w.data = append(w.data, wireResource{})
				return w.Lit("null")
			case '{':
				w.data = append(w.data, wireResource{})
				return w.resource(&w.data[len(w.data)-1], &w.dataErr)
			}
			w.dataErr = cmp.Or(w.dataErr, errNotResource)
			return w.Value()
		})
	}
	w.dataKind = 's'
	return w.Value()
}

func (w *walker) includedMember() error {
	switch w.Peek() {
	case 'n':
		w.included, w.nIncluded = w.included[:0], 0
		return w.Lit("null")
	case '[':
		n := 0
		err := w.Array(func() error {
			if n == len(w.included) {
				w.included = append(w.included, wireResource{})
			}
			n++
			switch w.Peek() {
			case 'n':
				return w.Lit("null") // leaves the element as it was
			case '{':
				return w.resource(&w.included[n-1], &w.docErr)
			}
			w.docErr = cmp.Or(w.docErr, errNotResource)
			return w.Value()
		})
		if n == 0 {
			w.included = w.included[:0]
		}
		w.nIncluded = n
		return err
	}
	w.docErr = cmp.Or(w.docErr, errNotArray)
	return w.Value()
}

func (w *walker) metaMember() error {
	switch w.Peek() {
	case 'n':
		return w.Lit("null")
	case '{':
		return w.Object(func(key wireText) error {
			switch {
			case is(key, "record-count"):
				return w.count(&w.recordCount)
			case is(key, "page-count"):
				return w.count(&w.pageCount)
			}
			return w.Value()
		})
	}
	w.docErr = cmp.Or(w.docErr, errMeta)
	return w.Value()
}

// count reads an integer member of meta into *p.
func (w *walker) count(p **int) error {
	switch c := w.Peek(); {
	case c == 'n':
		*p = nil
		return w.Lit("null")
	case c == '-' || '0' <= c && c <= '9':
		start := w.I
		if err := w.Number(); err != nil {
			return err
		}
		n, err := strconv.ParseInt(string(w.B[start:w.I]), 10, 64)
		if err != nil {
			w.docErr = cmp.Or(w.docErr, errMeta)
			return nil
		}
		v := int(n)
		*p = &v
		return nil
	}
	w.docErr = cmp.Or(w.docErr, errMeta)
	return w.Value()
}

// resource reads a resource object onto r, noting a member of the wrong
// shape in *bad.
func (w *walker) resource(r *wireResource, bad *error) error {
	start := w.I
	r.raw, r.rawAt = nil, start
	defer func() { r.raw = w.B[start:w.I:w.I] }()
	return w.Object(func(key wireText) error {
		switch {
		case is(key, "type"):
			switch w.Peek() {
			case '"':
				t, err := w.Str()
				r.typ = t
				return err
			case 'n':
				return w.Lit("null")
			}
			*bad = cmp.Or(*bad, errType)
			return w.Value()
		case is(key, "id"):
			return w.id(&r.id, bad)
		case is(key, "attributes"):
			v, err := w.SkipValue()
			r.attrs, r.attrsAt = v, w.I-len(v)
			return err
		case is(key, "relationships"):
			switch w.Peek() {
			case 'n':
				r.relLo, r.relHi = 0, 0
				return w.Lit("null")
			case '{':
				return w.Object(func(key wireText) error { return w.relationship(r, key, bad) })
			}
			*bad = cmp.Or(*bad, errRelationships)
			return w.Value()
		}
		return w.Value()
	})
}

// id reads an id: a string, a number, or null (no id).
func (w *walker) id(t *wireText, bad *error) error {
	switch c := w.Peek(); {
	case c == '"':
		s, err := w.Str()
		*t = s
		return err
	case c == 'n':
		*t = wireText{}
		return w.Lit("null")
	case c == '-' || '0' <= c && c <= '9':
		start := w.I
		err := w.Number()
		*t = wireText{S: w.B[start:w.I]}
		return err
	}
	*bad = cmp.Or(*bad, errID)
	return w.Value()
}

// relationship reads one member of r's relationships object.
func (w *walker) relationship(r *wireResource, key wireText, bad *error) error {
	var data []byte
	var plain bool
	var typ, id wireText
	switch w.Peek() {
	case 'n':
		if err := w.Lit("null"); err != nil {
			return err
		}
	case '{':
		err := w.Object(func(k wireText) error {
			if !is(k, "data") {
				return w.Value()
			}
			var n int
			if typ, id, n, plain = plainIdentifier(w.B[w.I:]); plain {
				data = w.B[w.I : w.I+n : w.I+n]
				w.I += n
				return nil
			}
			v, err := w.SkipValue()
			data = v
			return err
		})
		if err != nil {
			return err
		}
	default:
		*bad = cmp.Or(*bad, errRelationships)
		return w.Value()
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
	w.rels = append(w.rels, wireRel{key: key, data: data, plain: plain, typ: typ, id: id})
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

// identifier reads a resource identifier object onto typ and id, noting
// a member of the wrong shape in *bad.
func (w *walker) identifier(typ, id *wireText, bad *error) error {
	return w.Object(func(k wireText) error {
		switch {
		case is(k, "type"):
			switch w.Peek() {
			case '"':
				t, err := w.Str()
				*typ = t
				return err
			case 'n':
				return w.Lit("null")
			}
			*bad = cmp.Or(*bad, errNotIdentifier)
			return w.Value()
		case is(k, "id"):
			return w.id(id, bad)
		}
		return w.Value()
	})
}

package solos

// The one place that knows what Solos answers look like. The Solos docs
// show no response body at all, so this file accepts the shapes a PHP CRM
// commonly produces (see README.md, "Response shapes"); correcting the
// assumption against a live account means editing this file only.
//
// Speed: a page of 100 projects is read in one validating pass per level
// (internal/jsonscan) with no reflection. Each record is scanned once into member
// offsets, its typed attributes are parsed from substrings of one copy of
// the page, and the attributes kept verbatim are appended to one shared
// buffer; the small values records point at come from an arena. The
// previous decoder lives on in decode_old_test.go, and the differential
// fuzz tests hold this one to its results.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/crmgateway/gateway/internal/domain"

	"github.com/crmgateway/gateway/internal/jsonscan"
	"github.com/crmgateway/gateway/internal/scalar"
)

// wrapperKeys are the members that may hold the payload of an answer, in
// the order they are tried.
var wrapperKeys = []string{"data", "result", "items", "payload", "response"}

// totalKeys are the members that may hold the record count of a list.
var totalKeys = []string{"total", "count", "total_count", "totalCount"}

// errorKeys are members by which an answer with HTTP 200 reports a failure.
var errorKeys = []string{"error", "errors"}

// maxWrapDepth bounds how many envelopes may nest ({"result":{"data":[...]}}).
const maxWrapDepth = 3

// errUpstreamReported is an HTTP 200 answer whose body says it failed.
var errUpstreamReported = errors.New("the answer reports an error")

// find returns the value of the first member named by the first of keys
// present.
func find[S text](d S, ms []span, keys ...string) (S, bool) {
	for _, k := range keys {
		for _, m := range ms {
			if jsonscan.KeyIs(d, m, k) {
				return d[m.ValueStart:m.ValueEnd], true
			}
		}
	}
	return d[:0], false
}

func kindOf[S text](raw S) string {
	t := strings.TrimSpace(string(raw))
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

// isNothing reports the values a PHP backend uses for "no data".
func isNothing(raw string) bool {
	switch strings.TrimSpace(raw) {
	case "null", "false", `""`:
		return true
	}
	return false
}

// nothing is isNothing for a body.
func nothing(raw []byte) bool {
	switch string(bytes.TrimSpace(raw)) {
	case "null", "false", `""`:
		return true
	}
	return false
}

// reportsError finds a truthy error member in an answer without a payload.
func reportsError(d json.RawMessage, ms []span) error {
	v, ok := find(d, ms, errorKeys...)
	if !ok || nothing(v) {
		return nil
	}
	if t := string(bytes.TrimSpace(v)); t == "[]" || t == "{}" {
		return nil
	}
	return fmt.Errorf("%w: %s", errUpstreamReported, truncate(string(v), 200))
}

// decodeList reads a list answer: a bare array, an object keyed by id, or
// either wrapped in data/result/items/payload with the record count in
// total/count. total is nil when the answer carries none. The records are
// slices of body.
func decodeList(body []byte) (items []json.RawMessage, total *int, err error) {
	return decodeListAt(json.RawMessage(bytes.TrimSpace(body)), 0)
}

func decodeListAt(raw json.RawMessage, depth int) ([]json.RawMessage, *int, error) {
	if len(raw) == 0 {
		return nil, nil, errors.New("empty body")
	}
	if nothing(raw) {
		return nil, nil, nil
	}
	switch raw[0] {
	case '[':
		els, err := jsonscan.ScanArray(raw)
		return els, nil, err
	case '{':
	default:
		return nil, nil, fmt.Errorf("expected a list, got %s", kindOf(raw))
	}
	var scratch [8]span
	ms, err := jsonscan.ScanObject(raw, scratch[:0])
	if err != nil {
		return nil, nil, err
	}
	if len(ms) == 0 {
		return nil, nil, nil
	}
	if inner, ok := find(raw, ms, wrapperKeys...); ok && depth < maxWrapDepth {
		if nothing(inner) {
			if err := reportsError(raw, ms); err != nil {
				return nil, nil, err
			}
		}
		total, err := totalOf(raw, ms)
		if err != nil {
			return nil, nil, err
		}
		items, innerTotal, err := decodeListAt(inner, depth+1)
		if err != nil {
			return nil, nil, err
		}
		if total == nil {
			total = innerTotal
		}
		return items, total, nil
	}
	if err := reportsError(raw, ms); err != nil {
		return nil, nil, err
	}
	if _, ok := find(raw, ms, "id"); ok {
		return []json.RawMessage{raw}, nil, nil // one record where a list was expected
	}
	// A PHP array with non-sequential keys is encoded as an object keyed
	// by id: its values are the records, in document order.
	out := make([]json.RawMessage, 0, len(ms))
	for _, m := range ms {
		if v := raw[m.ValueStart:m.ValueEnd]; v[0] != '{' {
			return nil, nil, fmt.Errorf("list member %q is %s, not a record", truncate(jsonscan.KeyOf(raw, m), 40), kindOf(v))
		}
		out = append(out, raw[m.ValueStart:m.ValueEnd])
	}
	return out, nil, nil
}

func totalOf(d json.RawMessage, ms []span) (*int, error) {
	v, ok := find(d, ms, totalKeys...)
	if !ok || nothing(v) {
		return nil, nil
	}
	n, err := intOf(string(v))
	if err != nil || n < 0 {
		return nil, fmt.Errorf("record count %s is not a count", truncate(string(v), 40))
	}
	return &n, nil
}

// decodeOne reads a single-record answer: the bare object, or the object
// wrapped as in decodeList (also a one-element list). found is false for
// the empty answers (null, false, {}, []) a PHP backend gives for an
// unknown id. The record is a slice of body.
func decodeOne(body []byte) (rec json.RawMessage, found bool, err error) {
	return decodeOneAt(json.RawMessage(bytes.TrimSpace(body)), 0)
}

func decodeOneAt(raw json.RawMessage, depth int) (json.RawMessage, bool, error) {
	if len(raw) == 0 {
		return nil, false, errors.New("empty body")
	}
	if nothing(raw) {
		return nil, false, nil
	}
	switch raw[0] {
	case '[':
		els, err := jsonscan.ScanArray(raw)
		switch {
		case err != nil:
			return nil, false, err
		case len(els) == 0:
			return nil, false, nil
		case len(els) > 1:
			return nil, false, fmt.Errorf("expected one record, got %d", len(els))
		}
		return decodeOneAt(els[0], depth+1)
	case '{':
	default:
		return nil, false, fmt.Errorf("expected a record, got %s", kindOf(raw))
	}
	var scratch [8]span
	ms, err := jsonscan.ScanObject(raw, scratch[:0])
	if err != nil {
		return nil, false, err
	}
	if len(ms) == 0 {
		return nil, false, nil
	}
	if _, ok := find(raw, ms, "id"); ok {
		return raw, true, nil
	}
	if inner, ok := find(raw, ms, wrapperKeys...); ok && depth < maxWrapDepth {
		if nothing(inner) {
			if err := reportsError(raw, ms); err != nil {
				return nil, false, err
			}
		}
		return decodeOneAt(inner, depth+1)
	}
	if err := reportsError(raw, ms); err != nil {
		return nil, false, err
	}
	return nil, false, errors.New("the record has no id")
}

// field decodes one upstream attribute into a record of type T. raw is the
// attribute's JSON text; what the record points at comes from a.
type field[T any] struct {
	set func(x *T, raw string, a *arena) error
	// keep also copies the attribute into the record's JSON map.
	keep bool
}

// resource is the declarative description of one Solos record type: the
// global ID type, the attributes with typed fields, and what to do with
// the id and the attributes left over.
type resource[T any] struct {
	name   string // for messages: "project", "payment", ...
	typ    string // global ID type
	fields map[string]field[T]
	// fallbackID names attributes that identify a record without an "id".
	fallbackID []string
	finish     func(x *T, globalID, sourceID string, rest scalar.JSON)

	once  sync.Once
	byLen [][]named[T] // fields by the length of their name, for lookup
}

type named[T any] struct {
	name string
	f    field[T]
}

// field finds the attribute's field: a handful of string comparisons
// instead of hashing every attribute name of every record.
func (r *resource[T]) field(key string) (field[T], bool) {
	r.once.Do(func() {
		for name, f := range r.fields {
			for len(r.byLen) <= len(name) {
				r.byLen = append(r.byLen, nil)
			}
			r.byLen[len(name)] = append(r.byLen[len(name)], named[T]{name, f})
		}
	})
	if len(key) < len(r.byLen) {
		for _, n := range r.byLen[len(key)] {
			if n.name == key {
				return n.f, true
			}
		}
	}
	return field[T]{}, false
}

// decode turns one record into T; attributes without a field are kept.
func (r *resource[T]) decode(raw json.RawMessage) (*T, error) {
	raw = bytes.TrimSpace(raw)
	a := newArena(1, len(raw))
	return r.decodeInto(new(T), string(raw), a)
}

// decodeAll decodes every record of a list. The records are copied once,
// into one string their typed attributes are cut from.
func (r *resource[T]) decodeAll(raws []json.RawMessage) ([]*T, error) {
	size := 0
	for _, raw := range raws {
		size += len(raw)
	}
	var b strings.Builder
	b.Grow(size)
	for _, raw := range raws {
		b.Write(raw)
	}
	all := b.String()
	a := newArena(len(raws), size)
	block := make([]T, len(raws))
	out := make([]*T, 0, len(raws))
	at := 0
	for i, raw := range raws {
		rec := strings.TrimSpace(all[at : at+len(raw)])
		at += len(raw)
		x, err := r.decodeInto(&block[i], rec, a)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// decodeInto decodes the record rec into x: one scan for the members, one
// walk for the typed attributes, one for the attributes kept verbatim.
func (r *resource[T]) decodeInto(x *T, rec string, a *arena) (*T, error) {
	base := len(a.spans)
	all, err := jsonscan.ScanObject(rec, a.spans)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.name, err)
	}
	// The members stay on the arena's span stack while this record is
	// decoded: a nested list (checklist items) pushes above them.
	a.spans = all
	defer func() { a.spans = a.spans[:base] }()
	ms := all[base:]
	var id string
	for k := range ms {
		m := &ms[k]
		m.Mark = false
		key := rec[m.KeyStart+1 : m.KeyEnd-1]
		if m.Escaped {
			key = jsonscan.KeyOf(rec, *m)
		}
		v := rec[m.ValueStart:m.ValueEnd]
		if key == "id" {
			if id, err = idOf(v); err != nil {
				return nil, fmt.Errorf("%s.id: %w", r.name, err)
			}
			continue
		}
		f, ok := r.field(key)
		if !ok {
			m.Mark = true
			continue
		}
		if err := f.set(x, v, a); err != nil {
			return nil, fmt.Errorf("%s.%s: %w", r.name, key, err)
		}
		m.Mark = f.keep
	}
	for _, k := range r.fallbackID {
		if id != "" {
			break
		}
		if v, ok := find(rec, ms, k); ok {
			id, _ = idOf(v)
		}
	}
	if id == "" {
		return nil, fmt.Errorf("%s: the record has no id", r.name)
	}
	r.finish(x, encodeID(r.typ, id), id, a.object(rec, ms))
	if m, ok := any(x).(domain.MetaSetter); ok {
		// rec is a copy of the answer the records own (decode and
		// decodeAll make it); the raw record is a read-only view of it.
		m.SetMeta(nil, unsafe.Slice(unsafe.StringData(rec), len(rec)))
	}
	return x, nil
}

// arena hands out the small values the records of one list point at from
// a few shared blocks, instead of one allocation each. A nil arena
// allocates normally.
type arena struct {
	n     int // records the blocks are sized for
	strs  []string
	times []scalar.LocalDateTime
	dates []scalar.Date
	decs  []scalar.Decimal
	bools []bool
	out   []byte // the kept attributes of the records, back to back
	chunk int    // the size of a block of out
	spans []span // a stack of the members of the records being decoded
}

func newArena(records, size int) *arena {
	return &arena{n: records, chunk: min(size+2*records, outChunk), spans: make([]span, 0, 32)}
}

// outChunk bounds the blocks the kept attributes are written to, so a page
// holds little more than it keeps.
const outChunk = 8 << 10

// grab returns a pointer to a fresh element of blk, starting a block of
// size elements when blk is full.
func grab[E any](blk *[]E, size int) *E {
	if len(*blk) == cap(*blk) {
		*blk = make([]E, 0, size)
	}
	var zero E
	*blk = append(*blk, zero)
	return &(*blk)[len(*blk)-1]
}

func (a *arena) str(s string) *string {
	if a == nil {
		p := new(string)
		*p = s
		return p
	}
	p := grab(&a.strs, a.strChunk())
	*p = s
	return p
}

// strSlice returns an empty slice with room for n strings that callers
// fill; it never shares capacity with another.
func (a *arena) strSlice(n int) []string {
	if n == 0 {
		return []string{}
	}
	if a == nil || n > 64 {
		return make([]string, 0, n)
	}
	if cap(a.strs)-len(a.strs) < n {
		a.strs = make([]string, 0, max(a.strChunk(), n))
	}
	l := len(a.strs)
	a.strs = a.strs[:l+n]
	return a.strs[l : l : l+n]
}

func (a *arena) strChunk() int { return min(8*a.n+8, 256) }

func (a *arena) time(t scalar.LocalDateTime) *scalar.LocalDateTime {
	if a == nil {
		p := new(scalar.LocalDateTime)
		*p = t
		return p
	}
	p := grab(&a.times, a.n+1)
	*p = t
	return p
}

func (a *arena) date(d scalar.Date) *scalar.Date {
	if a == nil {
		p := new(scalar.Date)
		*p = d
		return p
	}
	p := grab(&a.dates, a.n+1)
	*p = d
	return p
}

func (a *arena) decimal(d scalar.Decimal) *scalar.Decimal {
	if a == nil {
		p := new(scalar.Decimal)
		*p = d
		return p
	}
	p := grab(&a.decs, a.n+1)
	*p = d
	return p
}

func (a *arena) bool(b bool) *bool {
	if a == nil {
		p := new(bool)
		*p = b
		return p
	}
	p := grab(&a.bools, a.n+1)
	*p = b
	return p
}

// object writes the members of rec marked keep as one JSON object, each
// as its own bytes, and returns it capped so it never shares an append.
func (a *arena) object(rec string, ms []span) scalar.JSON {
	kept := false
	for _, m := range ms {
		kept = kept || m.Mark
	}
	if !kept {
		return nil // no attribute left over: extra is null, not {}
	}
	if cap(a.out)-len(a.out) < len(rec)+2 { // what one record keeps, as a rule
		a.out = make([]byte, 0, max(a.chunk, len(rec)+2))
	}
	start := len(a.out)
	a.out = append(a.out, '{')
	n := 0
	for _, m := range ms {
		if !m.Mark {
			continue
		}
		if n > 0 {
			a.out = append(a.out, ',')
		}
		n++
		a.out = jsonscan.AppendKey(a.out, rec, m)
		a.out = append(a.out, ':')
		a.out = append(a.out, rec[m.ValueStart:m.ValueEnd]...)
	}
	a.out = append(a.out, '}')
	return scalar.JSON(a.out[start:len(a.out):len(a.out)])
}

// Scalar readers. Each takes the JSON text of one value, accepts a JSON
// number or a numeric string, treats null and "" as absent (ok false), and
// fails on anything else.

// unquote returns a JSON string's contents (as encoding/json decodes them)
// or any other value's text.
func unquote(raw string) (s string, isString bool, err error) {
	raw = strings.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		return raw, false, nil
	}
	if len(raw) < 2 || raw[len(raw)-1] != '"' {
		return "", true, fmt.Errorf("unterminated string %.40q", raw)
	}
	if jsonscan.PlainString(raw[1 : len(raw)-1]) {
		return raw[1 : len(raw)-1], true, nil
	}
	// The value was scanned already, so the literal is well-formed.
	return jsonscan.Decode([]byte(raw)), true, nil
}

// idOf reads an id: a non-negative integer or a non-empty string.
func idOf(raw string) (string, error) {
	s, quoted, err := unquote(raw)
	if err != nil {
		return "", err
	}
	s = strings.TrimSpace(s)
	if quoted {
		if s == "" {
			return "", errors.New("empty id")
		}
		return s, nil
	}
	if _, err := strconv.ParseUint(s, 10, 64); err != nil {
		return "", fmt.Errorf("%s is not an id", truncate(s, 40))
	}
	return s, nil
}

// refOf reads an optional reference id (0 and "" mean none, as in PHP).
func refOf(raw string) (string, bool, error) {
	if isNothing(raw) {
		return "", false, nil
	}
	s, err := idOf(raw)
	if err != nil || s == "0" {
		return "", false, err
	}
	return s, true, nil
}

// asIDs reads a list of ids: a JSON array, one id, or ids joined by commas
// or underscores in a string.
func asIDs[S text](raw S) ([]string, error) { return idsOf(string(raw), nil) }

func idsOf(raw string, a *arena) ([]string, error) {
	raw = strings.TrimSpace(raw)
	if isNothing(raw) {
		return []string{}, nil
	}
	if len(raw) > 0 && raw[0] == '[' {
		n, err := jsonscan.CountElements(raw)
		if err != nil {
			return nil, err
		}
		out := a.strSlice(n)
		for e := range jsonscan.Elements(raw) {
			id, err := idOf(e)
			if err != nil {
				return nil, err
			}
			out = append(out, id)
		}
		return out, nil
	}
	s, quoted, err := unquote(raw)
	if err != nil {
		return nil, err
	}
	if !quoted {
		id, err := idOf(raw)
		if err != nil {
			return nil, err
		}
		return append(a.strSlice(1), id), nil
	}
	isSep := func(r rune) bool { return r == ',' || r == '_' || r == ';' }
	n := 0
	for part := range strings.FieldsFuncSeq(s, isSep) {
		if strings.TrimSpace(part) != "" {
			n++
		}
	}
	if n == 0 {
		return []string{}, nil
	}
	out := a.strSlice(n)
	for part := range strings.FieldsFuncSeq(s, isSep) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out, nil
}

func intOf(raw string) (int, error) {
	s, _, err := unquote(raw)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%s is not an integer", truncate(s, 40))
	}
	return n, nil
}

func textOf(raw string) (string, bool, error) {
	if strings.TrimSpace(raw) == "null" {
		return "", false, nil
	}
	s, quoted, err := unquote(raw)
	if err != nil {
		return "", false, err
	}
	if !quoted {
		if len(s) > 0 && (s[0] == '{' || s[0] == '[') {
			return "", false, fmt.Errorf("expected text, got %s", kindOf(raw))
		}
		if s == "false" {
			return "", false, nil
		}
	}
	return s, true, nil
}

// optDecimal reads a decimal; a comma is a decimal point.
func optDecimal[S text](raw S) (*scalar.Decimal, error) {
	d, ok, err := decimalOf(string(raw))
	if !ok {
		return nil, err
	}
	return &d, nil
}

func decimalOf(raw string) (scalar.Decimal, bool, error) {
	if isNothing(raw) {
		return "", false, nil
	}
	s, _, err := unquote(raw)
	if err != nil {
		return "", false, err
	}
	d, err := scalar.ParseDecimal(strings.ReplaceAll(s, ",", "."))
	if err != nil {
		return "", false, err
	}
	return d, true, nil
}

// asBool reads the flags PHP sends: true/false, 1/0, "1"/"0", "true"/"false"; null and "" are false.
func asBool[S text](raw S) (bool, error) {
	raw0 := string(raw)
	if isNothing(raw0) {
		return false, nil
	}
	s, _, err := unquote(raw0)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "y", "yes":
		return true, nil
	case "0", "false", "n", "no":
		return false, nil
	}
	return false, fmt.Errorf("%s is not a flag", truncate(s, 40))
}

// optFlagOf reads a flag that may be absent (null, "").
func optFlagOf(raw string) (bool, bool, error) {
	if isNothing(raw) {
		return false, false, nil
	}
	b, err := asBool(raw)
	if err != nil {
		return false, false, err
	}
	return b, true, nil
}

// isZeroDate reports MySQL's "no date" values.
func isZeroDate(s string) bool {
	return s == "" || strings.HasPrefix(s, "0000-00-00")
}

// optLocalTime reads a zone-less date-time ("2021-05-21 14:03:00", a bare
// date, or ISO 8601); a JSON number is a Unix time, kept as UTC wall time.
func optLocalTime[S text](raw S) (*scalar.LocalDateTime, error) {
	t, ok, err := localTimeOf(string(raw))
	if !ok {
		return nil, err
	}
	return &t, nil
}

func localTimeOf(raw string) (scalar.LocalDateTime, bool, error) {
	if isNothing(raw) {
		return scalar.LocalDateTime{}, false, nil
	}
	s, quoted, err := unquote(raw)
	if err != nil {
		return scalar.LocalDateTime{}, false, err
	}
	s = strings.TrimSpace(s)
	if isZeroDate(s) {
		return scalar.LocalDateTime{}, false, nil
	}
	if !quoted {
		secs, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return scalar.LocalDateTime{}, false, fmt.Errorf("%s is not a Unix time", truncate(s, 40))
		}
		return scalar.LocalDateTime{Time: time.Unix(secs, 0).UTC()}, true, nil
	}
	if t, ok := sqlDateTime(s); ok {
		return scalar.LocalDateTime{Time: t}, true, nil
	}
	if t, err := scalar.ParseLocalDateTime(s); err == nil {
		return t, true, nil
	}
	dt, err := scalar.ParseDateTime(s)
	if err != nil {
		return scalar.LocalDateTime{}, false, err
	}
	y, mo, d := dt.Date()
	h, mi, sec := dt.Clock()
	return scalar.LocalDateTime{Time: time.Date(y, mo, d, h, mi, sec, dt.Nanosecond(), time.UTC)}, true, nil
}

// sqlDateTime reads the two forms Solos sends, "YYYY-MM-DD HH:MM:SS" (or
// with a T) and "YYYY-MM-DD", without time.Parse's cost. It answers only
// for well-formed, in-range values, which scalar.ParseLocalDateTime reads
// the same; anything else is left to it.
func sqlDateTime(s string) (time.Time, bool) {
	if len(s) != 10 && len(s) != 19 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, mo, d := num(0, 4), num(5, 2), num(8, 2)
	h, mi, sec := 0, 0, 0
	if len(s) == 19 {
		if s[10] != ' ' && s[10] != 'T' || s[13] != ':' || s[16] != ':' {
			return time.Time{}, false
		}
		h, mi, sec = num(11, 2), num(14, 2), num(17, 2)
	}
	if y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, false // past the end of the month
	}
	return t, true
}

// dateOf reads a calendar date; a date-time keeps its date part.
func dateOf(raw string) (scalar.Date, bool, error) {
	t, ok, err := localTimeOf(raw)
	if !ok {
		return scalar.Date{}, false, err
	}
	y, m, d := t.Date()
	return scalar.Date{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}, true, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

package solos

// The one place that knows what Solos answers look like. The Solos docs
// show no response body at all, so this file accepts the shapes a PHP CRM
// commonly produces (see README.md, "Response shapes"); correcting the
// assumption against a live account means editing this file only.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

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

// member is one name/value pair of a JSON object, in document order.
type member struct {
	Key   string
	Value json.RawMessage
}

// members splits a JSON object into its members, keeping their order and
// their bytes. Anything but an object is an error.
func members(raw []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("expected a JSON object, got %s", kindOf(raw))
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errors.New("object key is not a string")
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, member{Key: key, Value: v})
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON object")
	}
	return out, nil
}

// elements splits a JSON array into its elements.
func elements(raw []byte) ([]json.RawMessage, error) {
	var out []json.RawMessage
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// objectOf joins members back into one JSON object, byte for byte.
func objectOf(ms []member) scalar.JSON {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.Key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(m.Value)
	}
	b.WriteByte('}')
	return scalar.JSON(b.Bytes())
}

func find(ms []member, keys ...string) (json.RawMessage, bool) {
	for _, k := range keys {
		for _, m := range ms {
			if m.Key == k {
				return m.Value, true
			}
		}
	}
	return nil, false
}

func kindOf(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
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
func isNothing(raw []byte) bool {
	switch string(bytes.TrimSpace(raw)) {
	case "null", "false", `""`:
		return true
	}
	return false
}

// reportsError finds a truthy error member in an answer without a payload.
func reportsError(ms []member) error {
	v, ok := find(ms, errorKeys...)
	if !ok || isNothing(v) || string(bytes.TrimSpace(v)) == "[]" || string(bytes.TrimSpace(v)) == "{}" {
		return nil
	}
	return fmt.Errorf("%w: %s", errUpstreamReported, truncate(string(v), 200))
}

// decodeList reads a list answer: a bare array, an object keyed by id, or
// either wrapped in data/result/items/payload with the record count in
// total/count. total is nil when the answer carries none.
func decodeList(body []byte) (items []json.RawMessage, total *int, err error) {
	return decodeListAt(bytes.TrimSpace(body), 0)
}

func decodeListAt(raw []byte, depth int) ([]json.RawMessage, *int, error) {
	if len(raw) == 0 {
		return nil, nil, errors.New("empty body")
	}
	if isNothing(raw) {
		return nil, nil, nil
	}
	switch raw[0] {
	case '[':
		els, err := elements(raw)
		return els, nil, err
	case '{':
	default:
		return nil, nil, fmt.Errorf("expected a list, got %s", kindOf(raw))
	}
	ms, err := members(raw)
	if err != nil {
		return nil, nil, err
	}
	if len(ms) == 0 {
		return nil, nil, nil
	}
	if inner, ok := find(ms, wrapperKeys...); ok && depth < maxWrapDepth {
		if isNothing(inner) {
			if err := reportsError(ms); err != nil {
				return nil, nil, err
			}
		}
		total, err := totalOf(ms)
		if err != nil {
			return nil, nil, err
		}
		items, innerTotal, err := decodeListAt(bytes.TrimSpace(inner), depth+1)
		if err != nil {
			return nil, nil, err
		}
		if total == nil {
			total = innerTotal
		}
		return items, total, nil
	}
	if err := reportsError(ms); err != nil {
		return nil, nil, err
	}
	if _, ok := find(ms, "id"); ok {
		return []json.RawMessage{raw}, nil, nil // one record where a list was expected
	}
	// A PHP array with non-sequential keys is encoded as an object keyed
	// by id: its values are the records, in document order.
	out := make([]json.RawMessage, 0, len(ms))
	for _, m := range ms {
		if v := bytes.TrimSpace(m.Value); len(v) == 0 || v[0] != '{' {
			return nil, nil, fmt.Errorf("list member %q is %s, not a record", truncate(m.Key, 40), kindOf(v))
		}
		out = append(out, m.Value)
	}
	return out, nil, nil
}

func totalOf(ms []member) (*int, error) {
	v, ok := find(ms, totalKeys...)
	if !ok || isNothing(v) {
		return nil, nil
	}
	n, err := asInt(v)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("record count %s is not a count", truncate(string(v), 40))
	}
	return &n, nil
}

// decodeOne reads a single-record answer: the bare object, or the object
// wrapped as in decodeList (also a one-element list). found is false for
// the empty answers (null, false, {}, []) a PHP backend gives for an
// unknown id.
func decodeOne(body []byte) (rec json.RawMessage, found bool, err error) {
	return decodeOneAt(bytes.TrimSpace(body), 0)
}

func decodeOneAt(raw []byte, depth int) (json.RawMessage, bool, error) {
	if len(raw) == 0 {
		return nil, false, errors.New("empty body")
	}
	if isNothing(raw) {
		return nil, false, nil
	}
	switch raw[0] {
	case '[':
		els, err := elements(raw)
		switch {
		case err != nil:
			return nil, false, err
		case len(els) == 0:
			return nil, false, nil
		case len(els) > 1:
			return nil, false, fmt.Errorf("expected one record, got %d", len(els))
		}
		return decodeOneAt(bytes.TrimSpace(els[0]), depth+1)
	case '{':
	default:
		return nil, false, fmt.Errorf("expected a record, got %s", kindOf(raw))
	}
	ms, err := members(raw)
	if err != nil {
		return nil, false, err
	}
	if len(ms) == 0 {
		return nil, false, nil
	}
	if _, ok := find(ms, "id"); ok {
		return raw, true, nil
	}
	if inner, ok := find(ms, wrapperKeys...); ok && depth < maxWrapDepth {
		if isNothing(inner) {
			if err := reportsError(ms); err != nil {
				return nil, false, err
			}
		}
		return decodeOneAt(bytes.TrimSpace(inner), depth+1)
	}
	if err := reportsError(ms); err != nil {
		return nil, false, err
	}
	return nil, false, errors.New("the record has no id")
}

// field decodes one upstream attribute into a record of type T.
type field[T any] struct {
	set func(*T, json.RawMessage) error
	// keep also copies the attribute into the record's JSON map (the
	// documented dynamic fields are typed and still listed with the rest).
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
}

// decode turns one record into T; attributes without a field are kept.
func (r *resource[T]) decode(raw json.RawMessage) (*T, error) {
	ms, err := members(bytes.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.name, err)
	}
	x := new(T)
	var id string
	rest := make([]member, 0, len(ms))
	for _, m := range ms {
		if m.Key == "id" {
			if id, err = asID(m.Value); err != nil {
				return nil, fmt.Errorf("%s.id: %w", r.name, err)
			}
			continue
		}
		f, ok := r.fields[m.Key]
		if !ok {
			rest = append(rest, m)
			continue
		}
		if err := f.set(x, m.Value); err != nil {
			return nil, fmt.Errorf("%s.%s: %w", r.name, m.Key, err)
		}
		if f.keep {
			rest = append(rest, m)
		}
	}
	for _, k := range r.fallbackID {
		if id != "" {
			break
		}
		if v, ok := find(ms, k); ok {
			id, _ = asID(v)
		}
	}
	if id == "" {
		return nil, fmt.Errorf("%s: the record has no id", r.name)
	}
	r.finish(x, encodeID(r.typ, id), id, objectOf(rest))
	return x, nil
}

// decodeAll decodes every record of a list.
func (r *resource[T]) decodeAll(raws []json.RawMessage) ([]*T, error) {
	out := make([]*T, 0, len(raws))
	for _, raw := range raws {
		x, err := r.decode(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// Scalar readers. Each accepts a JSON number or a numeric string, treats
// null and "" as absent, and fails on anything else.

func unquote(raw json.RawMessage) (s string, isString bool, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		err = json.Unmarshal(raw, &s)
		return s, true, err
	}
	return string(raw), false, nil
}

// asID reads an id: a non-negative integer or a non-empty string.
func asID(raw json.RawMessage) (string, error) {
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

// optID reads an optional reference id (0 and "" mean none, as in PHP).
func optID(raw json.RawMessage) (*string, error) {
	if isNothing(raw) {
		return nil, nil
	}
	s, err := asID(raw)
	if err != nil || s == "0" {
		return nil, err
	}
	return &s, nil
}

// asIDs reads a list of ids: a JSON array, one id, or ids joined by commas
// or underscores in a string.
func asIDs(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if isNothing(raw) {
		return []string{}, nil
	}
	if len(raw) > 0 && raw[0] == '[' {
		els, err := elements(raw)
		if err != nil {
			return nil, err
		}
		out := make([]string, 0, len(els))
		for _, e := range els {
			id, err := asID(e)
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
		id, err := asID(raw)
		if err != nil {
			return nil, err
		}
		return []string{id}, nil
	}
	out := []string{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '_' || r == ';' }) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out, nil
}

func asInt(raw json.RawMessage) (int, error) {
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

func optString(raw json.RawMessage) (*string, error) {
	if string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	s, quoted, err := unquote(raw)
	if err != nil {
		return nil, err
	}
	if !quoted {
		if len(s) > 0 && (s[0] == '{' || s[0] == '[') {
			return nil, fmt.Errorf("expected text, got %s", kindOf(raw))
		}
		if s == "false" {
			return nil, nil
		}
	}
	return &s, nil
}

func optDecimal(raw json.RawMessage) (*scalar.Decimal, error) {
	if isNothing(raw) {
		return nil, nil
	}
	s, _, err := unquote(raw)
	if err != nil {
		return nil, err
	}
	d, err := scalar.ParseDecimal(strings.ReplaceAll(s, ",", "."))
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// asBool reads the flags PHP sends: true/false, 1/0, "1"/"0", "true"/"false"; null and "" are false.
func asBool(raw json.RawMessage) (bool, error) {
	if isNothing(raw) {
		return false, nil
	}
	s, _, err := unquote(raw)
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

func optBool(raw json.RawMessage) (*bool, error) {
	if isNothing(raw) {
		return nil, nil
	}
	b, err := asBool(raw)
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// isZeroDate reports MySQL's "no date" values.
func isZeroDate(s string) bool {
	return s == "" || strings.HasPrefix(s, "0000-00-00")
}

// optLocalTime reads a zone-less date-time ("2021-05-21 14:03:00", a bare
// date, or ISO 8601); a JSON number is a Unix time, kept as UTC wall time.
func optLocalTime(raw json.RawMessage) (*scalar.LocalDateTime, error) {
	if isNothing(raw) {
		return nil, nil
	}
	s, quoted, err := unquote(raw)
	if err != nil {
		return nil, err
	}
	s = strings.TrimSpace(s)
	if isZeroDate(s) {
		return nil, nil
	}
	if !quoted {
		secs, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s is not a Unix time", truncate(s, 40))
		}
		t := scalar.LocalDateTime{Time: time.Unix(secs, 0).UTC()}
		return &t, nil
	}
	if t, err := scalar.ParseLocalDateTime(s); err == nil {
		return &t, nil
	}
	dt, err := scalar.ParseDateTime(s)
	if err != nil {
		return nil, err
	}
	y, mo, d := dt.Date()
	h, mi, sec := dt.Clock()
	t := scalar.LocalDateTime{Time: time.Date(y, mo, d, h, mi, sec, dt.Nanosecond(), time.UTC)}
	return &t, nil
}

// optDate reads a calendar date; a date-time keeps its date part.
func optDate(raw json.RawMessage) (*scalar.Date, error) {
	t, err := optLocalTime(raw)
	if err != nil || t == nil {
		return nil, err
	}
	y, m, d := t.Date()
	out := scalar.Date{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
	return &out, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

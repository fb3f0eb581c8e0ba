package solos

// The decoder as it was before the single-pass rewrite, kept verbatim (names
// suffixed "Old") so the differential tests can prove the rewrite decodes
// every body exactly as it did. It is test code only.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/globalid"
	"github.com/crmgateway/gateway/internal/scalar"
)

// wrapperKeys are the members that may hold the payload of an answer, in
// the order they are tried.
var wrapperKeysOld = []string{"data", "result", "items", "payload", "response"}

// totalKeys are the members that may hold the record count of a list.
var totalKeysOld = []string{"total", "count", "total_count", "totalCount"}

// errorKeys are members by which an answer with HTTP 200 reports a failure.
var errorKeysOld = []string{"error", "errors"}

// maxWrapDepth bounds how many envelopes may nest ({"result":{"data":[...]}}).
const maxWrapDepthOld = 3

// member is one name/value pair of a JSON object, in document order.
type memberOld struct {
	Key   string
	Value json.RawMessage
}

// members splits a JSON object into its members, keeping their order and
// their bytes. Anything but an object is an error.
func membersOld(raw []byte) ([]memberOld, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("expected a JSON object, got %s", kindOfOld(raw))
	}
	var out []memberOld
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
		out = append(out, memberOld{Key: key, Value: v})
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
func elementsOld(raw []byte) ([]json.RawMessage, error) {
	var out []json.RawMessage
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// objectOf joins members back into one JSON object, byte for byte.
func objectOfOld(ms []memberOld) scalar.JSON {
	if len(ms) == 0 {
		return nil
	}
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

func findOld(ms []memberOld, keys ...string) (json.RawMessage, bool) {
	for _, k := range keys {
		for _, m := range ms {
			if m.Key == k {
				return m.Value, true
			}
		}
	}
	return nil, false
}

func kindOfOld(raw []byte) string {
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
func isNothingOld(raw []byte) bool {
	switch string(bytes.TrimSpace(raw)) {
	case "null", "false", `""`:
		return true
	}
	return false
}

// reportsError finds a truthy error member in an answer without a payload.
func reportsErrorOld(ms []memberOld) error {
	v, ok := findOld(ms, errorKeysOld...)
	if !ok || isNothingOld(v) || string(bytes.TrimSpace(v)) == "[]" || string(bytes.TrimSpace(v)) == "{}" {
		return nil
	}
	return fmt.Errorf("%w: %s", errUpstreamReported, truncateOld(string(v), 200))
}

// decodeList reads a list answer: a bare array, an object keyed by id, or
// either wrapped in data/result/items/payload with the record count in
// total/count. total is nil when the answer carries none.
func decodeListOld(body []byte) (items []json.RawMessage, total *int, err error) {
	return decodeListAtOld(bytes.TrimSpace(body), 0)
}

func decodeListAtOld(raw []byte, depth int) ([]json.RawMessage, *int, error) {
	if len(raw) == 0 {
		return nil, nil, errors.New("empty body")
	}
	if isNothingOld(raw) {
		return nil, nil, nil
	}
	switch raw[0] {
	case '[':
		els, err := elementsOld(raw)
		return els, nil, err
	case '{':
	default:
		return nil, nil, fmt.Errorf("expected a list, got %s", kindOfOld(raw))
	}
	ms, err := membersOld(raw)
	if err != nil {
		return nil, nil, err
	}
	if len(ms) == 0 {
		return nil, nil, nil
	}
	if inner, ok := findOld(ms, wrapperKeysOld...); ok && depth < maxWrapDepthOld {
		if isNothingOld(inner) {
			if err := reportsErrorOld(ms); err != nil {
				return nil, nil, err
			}
		}
		total, err := totalOfOld(ms)
		if err != nil {
			return nil, nil, err
		}
		items, innerTotal, err := decodeListAtOld(bytes.TrimSpace(inner), depth+1)
		if err != nil {
			return nil, nil, err
		}
		if total == nil {
			total = innerTotal
		}
		return items, total, nil
	}
	if err := reportsErrorOld(ms); err != nil {
		return nil, nil, err
	}
	if _, ok := findOld(ms, "id"); ok {
		return []json.RawMessage{raw}, nil, nil // one record where a list was expected
	}
	// A PHP array with non-sequential keys is encoded as an object keyed
	// by id: its values are the records, in document order.
	out := make([]json.RawMessage, 0, len(ms))
	for _, m := range ms {
		if v := bytes.TrimSpace(m.Value); len(v) == 0 || v[0] != '{' {
			return nil, nil, fmt.Errorf("list memberOld %q is %s, not a record", truncateOld(m.Key, 40), kindOfOld(v))
		}
		out = append(out, m.Value)
	}
	return out, nil, nil
}

func totalOfOld(ms []memberOld) (*int, error) {
	v, ok := findOld(ms, totalKeysOld...)
	if !ok || isNothingOld(v) {
		return nil, nil
	}
	n, err := asIntOld(v)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("record count %s is not a count", truncateOld(string(v), 40))
	}
	return &n, nil
}

// decodeOne reads a single-record answer: the bare object, or the object
// wrapped as in decodeList (also a one-element list). found is false for
// the empty answers (null, false, {}, []) a PHP backend gives for an
// unknown id.
func decodeOneOld(body []byte) (rec json.RawMessage, found bool, err error) {
	return decodeOneAtOld(bytes.TrimSpace(body), 0)
}

func decodeOneAtOld(raw []byte, depth int) (json.RawMessage, bool, error) {
	if len(raw) == 0 {
		return nil, false, errors.New("empty body")
	}
	if isNothingOld(raw) {
		return nil, false, nil
	}
	switch raw[0] {
	case '[':
		els, err := elementsOld(raw)
		switch {
		case err != nil:
			return nil, false, err
		case len(els) == 0:
			return nil, false, nil
		case len(els) > 1:
			return nil, false, fmt.Errorf("expected one record, got %d", len(els))
		}
		return decodeOneAtOld(bytes.TrimSpace(els[0]), depth+1)
	case '{':
	default:
		return nil, false, fmt.Errorf("expected a record, got %s", kindOfOld(raw))
	}
	ms, err := membersOld(raw)
	if err != nil {
		return nil, false, err
	}
	if len(ms) == 0 {
		return nil, false, nil
	}
	if _, ok := findOld(ms, "id"); ok {
		return raw, true, nil
	}
	if inner, ok := findOld(ms, wrapperKeysOld...); ok && depth < maxWrapDepthOld {
		if isNothingOld(inner) {
			if err := reportsErrorOld(ms); err != nil {
				return nil, false, err
			}
		}
		return decodeOneAtOld(bytes.TrimSpace(inner), depth+1)
	}
	if err := reportsErrorOld(ms); err != nil {
		return nil, false, err
	}
	return nil, false, errors.New("the record has no id")
}

// field decodes one upstream attribute into a record of type T.
type fieldOld[T any] struct {
	set func(*T, json.RawMessage) error
	// keep also copies the attribute into the record's JSON map (the
	// documented dynamic fields are typed and still listed with the rest).
	keep bool
}

// resource is the declarative description of one Solos record type: the
// global ID type, the attributes with typed fields, and what to do with
// the id and the attributes left over.
type resourceOld[T any] struct {
	name   string // for messages: "project", "payment", ...
	typ    string // global ID type
	fields map[string]fieldOld[T]
	// fallbackID names attributes that identify a record without an "id".
	fallbackID []string
	finish     func(x *T, globalID, sourceID string, rest scalar.JSON)
}

// decode turns one record into T; attributes without a field are kept.
func (r *resourceOld[T]) decodeOld(raw json.RawMessage) (*T, error) {
	ms, err := membersOld(bytes.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.name, err)
	}
	x := new(T)
	var id string
	rest := make([]memberOld, 0, len(ms))
	for _, m := range ms {
		if m.Key == "id" {
			if id, err = asIDOld(m.Value); err != nil {
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
		if v, ok := findOld(ms, k); ok {
			id, _ = asIDOld(v)
		}
	}
	if id == "" {
		return nil, fmt.Errorf("%s: the record has no id", r.name)
	}
	r.finish(x, encodeIDOld(r.typ, id), id, objectOfOld(rest))
	return x, nil
}

// decodeAll decodes every record of a list.
func (r *resourceOld[T]) decodeAllOld(raws []json.RawMessage) ([]*T, error) {
	out := make([]*T, 0, len(raws))
	for _, raw := range raws {
		x, err := r.decodeOld(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// Scalar readers. Each accepts a JSON number or a numeric string, treats
// null and "" as absent, and fails on anything else.

func unquoteOld(raw json.RawMessage) (s string, isString bool, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		err = json.Unmarshal(raw, &s)
		return s, true, err
	}
	return string(raw), false, nil
}

// asID reads an id: a non-negative integer or a non-empty string.
func asIDOld(raw json.RawMessage) (string, error) {
	s, quoted, err := unquoteOld(raw)
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
		return "", fmt.Errorf("%s is not an id", truncateOld(s, 40))
	}
	return s, nil
}

// optID reads an optional reference id (0 and "" mean none, as in PHP).
func optIDOld(raw json.RawMessage) (*string, error) {
	if isNothingOld(raw) {
		return nil, nil
	}
	s, err := asIDOld(raw)
	if err != nil || s == "0" {
		return nil, err
	}
	return &s, nil
}

// asIDs reads a list of ids: a JSON array, one id, or ids joined by commas
// or underscores in a string.
func asIDsOld(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if isNothingOld(raw) {
		return []string{}, nil
	}
	if len(raw) > 0 && raw[0] == '[' {
		els, err := elementsOld(raw)
		if err != nil {
			return nil, err
		}
		out := make([]string, 0, len(els))
		for _, e := range els {
			id, err := asIDOld(e)
			if err != nil {
				return nil, err
			}
			out = append(out, id)
		}
		return out, nil
	}
	s, quoted, err := unquoteOld(raw)
	if err != nil {
		return nil, err
	}
	if !quoted {
		id, err := asIDOld(raw)
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

func asIntOld(raw json.RawMessage) (int, error) {
	s, _, err := unquoteOld(raw)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%s is not an integer", truncateOld(s, 40))
	}
	return n, nil
}

func optStringOld(raw json.RawMessage) (*string, error) {
	if string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	s, quoted, err := unquoteOld(raw)
	if err != nil {
		return nil, err
	}
	if !quoted {
		if len(s) > 0 && (s[0] == '{' || s[0] == '[') {
			return nil, fmt.Errorf("expected text, got %s", kindOfOld(raw))
		}
		if s == "false" {
			return nil, nil
		}
	}
	return &s, nil
}

func optDecimalOld(raw json.RawMessage) (*scalar.Decimal, error) {
	if isNothingOld(raw) {
		return nil, nil
	}
	s, _, err := unquoteOld(raw)
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
func asBoolOld(raw json.RawMessage) (bool, error) {
	if isNothingOld(raw) {
		return false, nil
	}
	s, _, err := unquoteOld(raw)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "y", "yes":
		return true, nil
	case "0", "false", "n", "no":
		return false, nil
	}
	return false, fmt.Errorf("%s is not a flag", truncateOld(s, 40))
}

func optBoolOld(raw json.RawMessage) (*bool, error) {
	if isNothingOld(raw) {
		return nil, nil
	}
	b, err := asBoolOld(raw)
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// isZeroDate reports MySQL's "no date" values.
func isZeroDateOld(s string) bool {
	return s == "" || strings.HasPrefix(s, "0000-00-00")
}

// optLocalTime reads a zone-less date-time ("2021-05-21 14:03:00", a bare
// date, or ISO 8601); a JSON number is a Unix time, kept as UTC wall time.
func optLocalTimeOld(raw json.RawMessage) (*scalar.LocalDateTime, error) {
	if isNothingOld(raw) {
		return nil, nil
	}
	s, quoted, err := unquoteOld(raw)
	if err != nil {
		return nil, err
	}
	s = strings.TrimSpace(s)
	if isZeroDateOld(s) {
		return nil, nil
	}
	if !quoted {
		secs, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s is not a Unix time", truncateOld(s, 40))
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
func optDateOld(raw json.RawMessage) (*scalar.Date, error) {
	t, err := optLocalTimeOld(raw)
	if err != nil || t == nil {
		return nil, err
	}
	y, m, d := t.Date()
	out := scalar.Date{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
	return &out, nil
}

func truncateOld(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func encodeIDOld(typ, source string) string { return globalid.Encode(globalid.Solos, typ, source) }

// Field builders: each reads one attribute into the field get points at.

func textFieldOld[T any](get func(*T) **string) fieldOld[T] {
	return fieldOld[T]{set: func(x *T, raw json.RawMessage) (err error) { *get(x), err = optStringOld(raw); return }}
}

func refFieldOld[T any](get func(*T) **string) fieldOld[T] {
	return fieldOld[T]{set: func(x *T, raw json.RawMessage) (err error) { *get(x), err = optIDOld(raw); return }}
}

func refsFieldOld[T any](get func(*T) *[]string) fieldOld[T] {
	return fieldOld[T]{set: func(x *T, raw json.RawMessage) (err error) { *get(x), err = asIDsOld(raw); return }}
}

func decimalFieldOld[T any](get func(*T) **scalar.Decimal) fieldOld[T] {
	return fieldOld[T]{set: func(x *T, raw json.RawMessage) (err error) { *get(x), err = optDecimalOld(raw); return }}
}

func timeFieldOld[T any](get func(*T) **scalar.LocalDateTime) fieldOld[T] {
	return fieldOld[T]{set: func(x *T, raw json.RawMessage) (err error) { *get(x), err = optLocalTimeOld(raw); return }}
}

func dateFieldOld[T any](get func(*T) **scalar.Date) fieldOld[T] {
	return fieldOld[T]{set: func(x *T, raw json.RawMessage) (err error) { *get(x), err = optDateOld(raw); return }}
}

func flagFieldOld[T any](get func(*T) *bool) fieldOld[T] {
	return fieldOld[T]{set: func(x *T, raw json.RawMessage) (err error) { *get(x), err = asBoolOld(raw); return }}
}

// projects: GET /projects, POST /projects/filter, GET /projects/info.
// Every attribute that is not a documented built-in is a dynamic field.
var projectsOld = &resourceOld[domain.Project]{
	name: "project",
	typ:  TypeProject,
	fields: map[string]fieldOld[domain.Project]{
		"name":                  textFieldOld(func(p *domain.Project) **string { return &p.Name }),
		"created":               timeFieldOld(func(p *domain.Project) **scalar.LocalDateTime { return &p.CreatedAt }),
		"deleted":               flagFieldOld(func(p *domain.Project) *bool { return &p.Deleted }),
		"sales_funnel_id":       refFieldOld(func(p *domain.Project) **string { return &p.SalesFunnelID }),
		"step_id":               refFieldOld(func(p *domain.Project) **string { return &p.StepID }),
		"user_id":               refFieldOld(func(p *domain.Project) **string { return &p.UserID }),
		"group_id":              refFieldOld(func(p *domain.Project) **string { return &p.GroupID }),
		"price":                 decimalFieldOld(func(p *domain.Project) **scalar.Decimal { return &p.Price }),
		"currency_id":           refFieldOld(func(p *domain.Project) **string { return &p.CurrencyID }),
		"participants_user_id":  refsFieldOld(func(p *domain.Project) *[]string { return &p.ParticipantsUserID }),
		"participants_group_id": refsFieldOld(func(p *domain.Project) *[]string { return &p.ParticipantsGroupID }),
		// The dynamic fields the Solos docs name (in the filter example).
		"client_id":     refsFieldOld(func(p *domain.Project) *[]string { return &p.ClientID }),
		"contract_date": dateFieldOld(func(p *domain.Project) **scalar.Date { return &p.ContractDate }),
	},
	finish: func(p *domain.Project, gid, sid string, rest scalar.JSON) {
		p.ID, p.SourceID, p.Extra = gid, sid, rest
		if p.ParticipantsUserID == nil {
			p.ParticipantsUserID = []string{}
		}
		if p.ParticipantsGroupID == nil {
			p.ParticipantsGroupID = []string{}
		}
		if p.ClientID == nil {
			p.ClientID = []string{}
		}
	},
}

// steps: GET /projects/steps. A record without its own id is named by its step.
var stepsOld = &resourceOld[domain.ProjectStep]{
	name:       "step",
	typ:        TypeStep,
	fallbackID: []string{"step_id"},
	fields: map[string]fieldOld[domain.ProjectStep]{
		"step_id":         refFieldOld(func(s *domain.ProjectStep) **string { return &s.StepID }),
		"name":            textFieldOld(func(s *domain.ProjectStep) **string { return &s.Name }),
		"sales_funnel_id": refFieldOld(func(s *domain.ProjectStep) **string { return &s.SalesFunnelID }),
		"date":            timeFieldOld(func(s *domain.ProjectStep) **scalar.LocalDateTime { return &s.Date }),
		"user_id":         refFieldOld(func(s *domain.ProjectStep) **string { return &s.UserID }),
	},
	finish: func(s *domain.ProjectStep, gid, sid string, rest scalar.JSON) {
		s.ID, s.SourceID, s.Extra = gid, sid, rest
	},
}

// actions: GET /projects/actions and GET /projects/actions/info.
var actionsOld = &resourceOld[domain.ProjectAction]{
	name: "action",
	typ:  TypeAction,
	fields: map[string]fieldOld[domain.ProjectAction]{
		"project_id": {set: func(a *domain.ProjectAction, raw json.RawMessage) error {
			id, err := optIDOld(raw)
			if id != nil {
				a.ProjectSourceID = *id
			}
			return err
		}},
		"type_id":   refFieldOld(func(a *domain.ProjectAction) **string { return &a.TypeID }),
		"type_name": textFieldOld(func(a *domain.ProjectAction) **string { return &a.TypeName }),
		"date":      timeFieldOld(func(a *domain.ProjectAction) **scalar.LocalDateTime { return &a.Date }),
		"user_id":   refFieldOld(func(a *domain.ProjectAction) **string { return &a.UserID }),
		"text":      textFieldOld(func(a *domain.ProjectAction) **string { return &a.Text }),
	},
	finish: func(a *domain.ProjectAction, gid, sid string, rest scalar.JSON) {
		a.ID, a.SourceID, a.Extra = gid, sid, rest
	},
}

// checklistItems are the "items" of a checklist.
var checklistItemsOld = &resourceOld[domain.ProjectChecklistItem]{
	name: "checklist item",
	typ:  TypeChecklistItem,
	fields: map[string]fieldOld[domain.ProjectChecklistItem]{
		"name": textFieldOld(func(i *domain.ProjectChecklistItem) **string { return &i.Name }),
		"done": flagFieldOld(func(i *domain.ProjectChecklistItem) *bool { return &i.Done }),
	},
	finish: func(i *domain.ProjectChecklistItem, gid, sid string, rest scalar.JSON) {
		i.ID, i.SourceID, i.Extra = gid, sid, rest
	},
}

// checklists: GET /projects/checklists.
var checklistsOld = &resourceOld[domain.ProjectChecklist]{
	name: "checklist",
	typ:  TypeChecklist,
	fields: map[string]fieldOld[domain.ProjectChecklist]{
		"name":     textFieldOld(func(c *domain.ProjectChecklist) **string { return &c.Name }),
		"deadline": timeFieldOld(func(c *domain.ProjectChecklist) **scalar.LocalDateTime { return &c.Deadline }),
		"done":     flagFieldOld(func(c *domain.ProjectChecklist) *bool { return &c.Done }),
		"items": {set: func(c *domain.ProjectChecklist, raw json.RawMessage) error {
			raws, _, err := decodeListOld(raw)
			if err != nil {
				return err
			}
			c.Items, err = checklistItemsOld.decodeAllOld(raws)
			return err
		}},
	},
	finish: func(c *domain.ProjectChecklist, gid, sid string, rest scalar.JSON) {
		c.ID, c.SourceID, c.Extra = gid, sid, rest
		if c.Items == nil {
			c.Items = []*domain.ProjectChecklistItem{}
		}
	},
}

// goods: GET /projects/goods. A line without its own id is named by its good.
var goodsOld = &resourceOld[domain.ProjectGood]{
	name:       "good",
	typ:        TypeGood,
	fallbackID: []string{"good_id"},
	fields: map[string]fieldOld[domain.ProjectGood]{
		"good_id":     refFieldOld(func(g *domain.ProjectGood) **string { return &g.GoodID }),
		"name":        textFieldOld(func(g *domain.ProjectGood) **string { return &g.Name }),
		"quantity":    decimalFieldOld(func(g *domain.ProjectGood) **scalar.Decimal { return &g.Quantity }),
		"unit":        textFieldOld(func(g *domain.ProjectGood) **string { return &g.Unit }),
		"price":       decimalFieldOld(func(g *domain.ProjectGood) **scalar.Decimal { return &g.Price }),
		"sum":         decimalFieldOld(func(g *domain.ProjectGood) **scalar.Decimal { return &g.Sum }),
		"currency_id": refFieldOld(func(g *domain.ProjectGood) **string { return &g.CurrencyID }),
	},
	finish: func(g *domain.ProjectGood, gid, sid string, rest scalar.JSON) {
		g.ID, g.SourceID, g.Extra = gid, sid, rest
	},
}

// payments: GET /projects/payments.
var paymentsOld = &resourceOld[domain.ProjectPayment]{
	name: "payment",
	typ:  TypePayment,
	fields: map[string]fieldOld[domain.ProjectPayment]{
		"type": {set: func(p *domain.ProjectPayment, raw json.RawMessage) (err error) {
			p.Income, err = optBoolOld(raw)
			return
		}},
		"sum":         decimalFieldOld(func(p *domain.ProjectPayment) **scalar.Decimal { return &p.Sum }),
		"currency_id": refFieldOld(func(p *domain.ProjectPayment) **string { return &p.CurrencyID }),
		"date":        dateFieldOld(func(p *domain.ProjectPayment) **scalar.Date { return &p.Date }),
		"name":        textFieldOld(func(p *domain.ProjectPayment) **string { return &p.Name }),
		"user_id":     refFieldOld(func(p *domain.ProjectPayment) **string { return &p.UserID }),
	},
	finish: func(p *domain.ProjectPayment, gid, sid string, rest scalar.JSON) {
		p.ID, p.SourceID, p.Extra = gid, sid, rest
	},
}

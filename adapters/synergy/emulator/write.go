package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crmgateway/gateway/internal/synergyspec"
)

// wireTime is the datetime form of every timestamp the emulator writes, as
// in the docs: "2022-02-22T12:02:22.222+03:00".
const wireTime = "2006-01-02T15:04:05.000-07:00"

// decimalStringTypes hold their decimal attributes as JSON strings, as the
// docs show for orders ("amount": "2222.0"); other types use JSON numbers.
var decimalStringTypes = map[string]bool{"orders": true}

var decimalRe = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// writeSet is a validated write body: the attributes and relationships it
// sends, in a fixed order.
type writeSet struct {
	attrs     map[string]any
	attrOrder []string
	rels      map[string][]ref
	relOrder  []string
}

func (ws *writeSet) sentAttr(name string) bool { _, ok := ws.attrs[name]; return ok }

// checkMediaType enforces the JSON:API rule for request bodies: exactly
// application/vnd.api+json, without media type parameters.
func checkMediaType(r *http.Request) *reply {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != MediaType || len(params) > 0 {
		return errReply(http.StatusUnsupportedMediaType, codeUnsupportedMedia,
			fmt.Sprintf("Content-Type must be %s without parameters, got %q", MediaType, ct))
	}
	return nil
}

// create serves POST /{type}.
func (e *Emulator) create(t *table, r *http.Request, body []byte) *reply {
	if rep := checkMediaType(r); rep != nil {
		return rep
	}
	opts, rep := e.parseReadOpts([]string{t.res.Type}, r.URL.Query())
	if rep != nil {
		return rep
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	ws, rep := e.decodeWrite(t, body, 0)
	if rep != nil {
		return rep
	}
	rec := e.store.create(t.res.Type)
	e.apply(t, rec, ws, true)
	return (&reply{status: http.StatusCreated, body: encode(e.single(rec, opts))}).
		setHeader("Location", selfLink(rec.ref()))
}

// update serves PATCH /{type}/{id}: only the members sent change.
func (e *Emulator) update(t *table, id int, r *http.Request, body []byte) *reply {
	if rep := checkMediaType(r); rep != nil {
		return rep
	}
	opts, rep := e.parseReadOpts([]string{t.res.Type}, r.URL.Query())
	if rep != nil {
		return rep
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	rec := t.recs[id]
	if rec == nil {
		return notFound(fmt.Sprintf("%s %d does not exist", t.res.Type, id))
	}
	ws, rep := e.decodeWrite(t, body, id)
	if rep != nil {
		return rep
	}
	e.apply(t, rec, ws, false)
	return &reply{status: http.StatusOK, body: encode(e.single(rec, opts))}
}

// delete serves DELETE /{type}/{id}: a hard delete that also removes every
// linkage to the record.
func (e *Emulator) delete(t *table, id int) *reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	if t.recs[id] == nil {
		return notFound(fmt.Sprintf("%s %d does not exist", t.res.Type, id))
	}
	e.store.remove(ref{t.res.Type, id})
	return &reply{status: http.StatusNoContent}
}

// decodeJSON decodes exactly one JSON value, keeping numbers as text.
func decodeJSON(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("data after the JSON value")
	}
	return nil
}

var dataMembers = []string{"type", "id", "attributes", "relationships", "links", "meta"}

// decodeWrite validates a write body against the spec; id is 0 for create.
// Structural problems are 400, type/id conflicts 409, a client id on create
// 403; every attribute or relationship problem is reported together as 422.
func (e *Emulator) decodeWrite(t *table, body []byte, id int) (*writeSet, *reply) {
	var top any
	if err := decodeJSON(body, &top); err != nil {
		return nil, errReply(http.StatusBadRequest, codeInvalidJSON, "request body is not valid JSON: "+err.Error())
	}
	doc, ok := top.(map[string]any)
	if !ok {
		return nil, errReply(http.StatusBadRequest, codeInvalidDocument, "request body must be a JSON object with a data member")
	}
	data, ok := doc["data"].(map[string]any)
	if !ok {
		return nil, pointerError(http.StatusBadRequest, codeInvalidDocument, "/data", "data must be a resource object")
	}
	for k := range data {
		if !slices.Contains(dataMembers, k) {
			return nil, pointerError(http.StatusBadRequest, codeInvalidDocument, "/data/"+k, "unknown member "+quote(k))
		}
	}
	typ, ok := data["type"].(string)
	if !ok {
		return nil, pointerError(http.StatusBadRequest, codeInvalidDocument, "/data/type", "data.type must be a string")
	}
	if typ != t.res.Type {
		return nil, pointerError(http.StatusConflict, codeConflict, "/data/type",
			fmt.Sprintf("type %q does not match the endpoint's type %q", typ, t.res.Type))
	}
	rawID, hasID := data["id"]
	switch {
	case id == 0 && hasID:
		return nil, pointerError(http.StatusForbidden, codeClientID, "/data/id", "ids are assigned by the server; send no id on create")
	case id != 0 && !hasID:
		return nil, pointerError(http.StatusBadRequest, codeInvalidDocument, "/data/id", "data.id is required on update")
	case id != 0:
		got, ok := idValue(rawID)
		if !ok || got != id {
			return nil, pointerError(http.StatusConflict, codeConflict, "/data/id",
				fmt.Sprintf("data.id %v does not match the id %d in the URL", rawID, id))
		}
	}
	ws := &writeSet{attrs: map[string]any{}, rels: map[string][]ref{}}
	var errs []apiError
	if raw, ok := data["attributes"]; ok {
		attrs, ok := raw.(map[string]any)
		if !ok {
			return nil, pointerError(http.StatusBadRequest, codeInvalidDocument, "/data/attributes", "attributes must be an object")
		}
		errs = append(errs, e.decodeAttrs(t, attrs, ws)...)
	}
	if id == 0 {
		for _, a := range t.res.Attrs {
			if a.Required && !ws.sentAttr(a.Name) && !slices.ContainsFunc(errs, func(x apiError) bool {
				return x.Pointer == "/data/attributes/"+a.Name
			}) {
				errs = append(errs, apiError{Status: http.StatusUnprocessableEntity, Code: codeRequired,
					Pointer: "/data/attributes/" + a.Name, Detail: a.Name + " is required"})
			}
		}
	}
	if raw, ok := data["relationships"]; ok {
		rels, ok := raw.(map[string]any)
		if !ok {
			return nil, pointerError(http.StatusBadRequest, codeInvalidDocument, "/data/relationships", "relationships must be an object")
		}
		errs = append(errs, e.decodeRels(t, rels, ws)...)
	}
	if len(errs) > 0 {
		return nil, errorsReply(errs...)
	}
	return ws, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func unprocessable(code, pointer, detail string) apiError {
	return apiError{Status: http.StatusUnprocessableEntity, Code: code, Pointer: pointer, Detail: detail}
}

func (e *Emulator) decodeAttrs(t *table, attrs map[string]any, ws *writeSet) []apiError {
	var errs []apiError
	for _, key := range sortedKeys(attrs) {
		ptr := "/data/attributes/" + key
		name, ok := canonicalAttr(t, key)
		if !ok {
			errs = append(errs, unprocessable(codeUnknownAttribute, ptr, fmt.Sprintf("%s has no attribute %q", t.res.Type, key)))
			continue
		}
		if ws.sentAttr(name) {
			errs = append(errs, unprocessable(codeDuplicate, ptr, fmt.Sprintf("%q is sent twice (under %q and an alias)", name, key)))
			continue
		}
		spec, _ := t.res.Attr(name)
		if !spec.Writable {
			errs = append(errs, unprocessable(codeReadOnly, ptr, name+" is read-only"))
			continue
		}
		v := attrs[key]
		if v == nil {
			if spec.Required {
				errs = append(errs, unprocessable(codeRequired, ptr, name+" is required and cannot be null"))
				continue
			}
			ws.attrs[name] = nil
			ws.attrOrder = append(ws.attrOrder, name)
			continue
		}
		val, code, detail := coerce(t.res.Type, spec, v)
		if code != "" {
			errs = append(errs, unprocessable(code, ptr, detail))
			continue
		}
		ws.attrs[name] = val
		ws.attrOrder = append(ws.attrOrder, name)
	}
	return errs
}

// coerce checks a non-null attribute value against its kind and returns it
// in stored form, or an error code and detail.
func coerce(typ string, a synergyspec.Attr, v any) (any, string, string) {
	bad := func(want string) (any, string, string) {
		return nil, codeInvalidType, fmt.Sprintf("%s must be %s", a.Name, want)
	}
	switch a.Kind {
	case synergyspec.String:
		if s, ok := v.(string); ok {
			if a.Required && strings.TrimSpace(s) == "" {
				return nil, codeRequired, a.Name + " is required and cannot be blank"
			}
			return s, "", ""
		}
		return bad("a string")
	case synergyspec.Int:
		n, ok := v.(json.Number)
		if !ok {
			return bad("an integer")
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return bad("an integer")
		}
		return json.Number(strconv.FormatInt(i, 10)), "", ""
	case synergyspec.Decimal:
		var text string
		switch x := v.(type) {
		case json.Number:
			text = string(x)
		case string:
			text = x
		default:
			return bad("a decimal number")
		}
		if !decimalRe.MatchString(text) {
			return bad("a decimal number like 2200000.50")
		}
		if decimalStringTypes[typ] {
			return text, "", ""
		}
		return json.Number(text), "", ""
	case synergyspec.Bool:
		if b, ok := v.(bool); ok {
			return b, "", ""
		}
		return bad("true or false")
	case synergyspec.Date:
		if s, ok := v.(string); ok {
			if _, err := time.Parse(time.DateOnly, s); err == nil {
				return s, "", ""
			}
		}
		return bad("a date like 2022-02-22")
	case synergyspec.DateTime:
		if s, ok := v.(string); ok {
			if _, ok := parseDateTime(s); ok {
				return s, "", ""
			}
		}
		return bad("a datetime like 2022-02-22T12:02:22.222+03:00")
	case synergyspec.JSON:
		if m, ok := v.(map[string]any); ok {
			return m, "", ""
		}
		return bad("an object of custom-<N> keys")
	case synergyspec.Enum:
		s, ok := v.(string)
		if !ok {
			return bad("a string")
		}
		if !slices.Contains(a.Enum, s) {
			return nil, codeInclusion, fmt.Sprintf("%s must be one of %s, got %q", a.Name, strings.Join(a.Enum, ", "), s)
		}
		return s, "", ""
	}
	return bad("a known value")
}

// idValue reads a resource id given as a JSON string or number (the docs'
// examples send both).
func idValue(v any) (int, bool) {
	switch x := v.(type) {
	case string:
		return parseID(x)
	case json.Number:
		return parseID(string(x))
	}
	return 0, false
}

func (e *Emulator) decodeRels(t *table, rels map[string]any, ws *writeSet) []apiError {
	var errs []apiError
	for _, key := range sortedKeys(rels) {
		ptr := "/data/relationships/" + key
		spec, ok := t.res.Rel(key)
		if !ok {
			errs = append(errs, unprocessable(codeUnknownRel, ptr, fmt.Sprintf("%s has no relationship %q", t.res.Type, key)))
			continue
		}
		m, ok := rels[key].(map[string]any)
		data, has := m["data"]
		if !ok || !has {
			errs = append(errs, unprocessable(codeInvalidLinkage, ptr, "a relationship must be an object with a data member"))
			continue
		}
		var items []any
		switch {
		case spec.Many:
			list, ok := data.([]any)
			if !ok {
				errs = append(errs, unprocessable(codeInvalidLinkage, ptr, key+" is to-many: data must be an array of resource identifiers"))
				continue
			}
			items = list
		case data != nil:
			items = []any{data}
		}
		refs := make([]ref, 0, len(items))
		var bad *apiError
		for _, item := range items {
			r, err := e.identifierValue(spec, item)
			if err != nil {
				bad = err
				break
			}
			refs = append(refs, r)
		}
		if bad != nil {
			bad.Pointer = ptr
			errs = append(errs, *bad)
			continue
		}
		ws.rels[key] = refs
		ws.relOrder = append(ws.relOrder, key)
	}
	return errs
}

func (e *Emulator) identifierValue(spec synergyspec.Rel, item any) (ref, *apiError) {
	m, ok := item.(map[string]any)
	if !ok {
		return ref{}, &apiError{Status: http.StatusUnprocessableEntity, Code: codeInvalidLinkage,
			Detail: "a resource identifier must be an object with type and id"}
	}
	typ, _ := m["type"].(string)
	if !slices.Contains(spec.Targets, typ) {
		return ref{}, &apiError{Status: http.StatusUnprocessableEntity, Code: codeInvalidLinkage,
			Detail: fmt.Sprintf("%s takes %s, got type %q", spec.Key, strings.Join(spec.Targets, " or "), typ)}
	}
	id, ok := idValue(m["id"])
	if !ok {
		return ref{}, &apiError{Status: http.StatusUnprocessableEntity, Code: codeInvalidLinkage,
			Detail: fmt.Sprintf("%s: id must be a positive integer as a string or number, got %v", spec.Key, m["id"])}
	}
	r := ref{typ, id}
	if e.store.get(r) == nil {
		return ref{}, &apiError{Status: http.StatusUnprocessableEntity, Code: codeTargetNotFound,
			Detail: fmt.Sprintf("%s %d does not exist", typ, id)}
	}
	return r, nil
}

// apply stores a validated write and the values the server maintains:
// timestamps, contract cached-at, the next number on create, a deal's funnel
// following its stage, and a deal's profit.
func (e *Emulator) apply(t *table, rec *record, ws *writeSet, create bool) {
	for _, a := range ws.attrOrder {
		rec.attrs[a] = ws.attrs[a]
	}
	for _, rel := range ws.relOrder {
		e.store.setLinks(rec, rel, ws.rels[rel])
	}
	now := e.now().In(synergyspec.FilterZone).Format(wireTime)
	has := func(name string) bool { _, ok := t.res.Attr(name); return ok }
	if create && has("created-at") && !ws.sentAttr("created-at") {
		rec.attrs["created-at"] = now
	}
	for _, a := range []string{"updated-at", "cached-at"} {
		if has(a) {
			rec.attrs[a] = now
		}
	}
	if a, ok := t.res.Attr("number"); create && ok && a.Kind == synergyspec.Int && !ws.sentAttr("number") {
		rec.attrs["number"] = json.Number(strconv.Itoa(e.nextNumber(t)))
	}
	if rec.typ == "deals" {
		_, stageSent := ws.rels["stage"]
		_, catSent := ws.rels["stage-category"]
		if stageSent && !catSent {
			var cat []ref
			for _, s := range rec.rels["stage"] {
				if st := e.store.get(s); st != nil {
					cat = st.rels["deal-stage-category"]
				}
			}
			e.store.setLinks(rec, "stage-category", cat)
		}
		rec.attrs["profit"] = profit(rec.attrs["amount"], rec.attrs["cost"])
	}
}

func (e *Emulator) nextNumber(t *table) int {
	n := 0
	for _, rec := range t.recs {
		if v, err := strconv.Atoi(stringAttr(rec, "number")); err == nil && v > n {
			n = v
		}
	}
	return n + 1
}

// profit is amount − cost, exact, with as many decimals as the longer of the
// two (at least one, as the docs print "222.0"); null unless both are set.
func profit(amount, cost any) any {
	a, aok := amount.(json.Number)
	c, cok := cost.(json.Number)
	if !aok || !cok {
		return nil
	}
	ra, ok1 := new(big.Rat).SetString(string(a))
	rc, ok2 := new(big.Rat).SetString(string(c))
	if !ok1 || !ok2 {
		return nil
	}
	scale := max(decimals(string(a)), decimals(string(c)), 1)
	return json.Number(new(big.Rat).Sub(ra, rc).FloatString(scale))
}

func decimals(s string) int {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

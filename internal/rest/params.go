package rest

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/crmgateway/gateway/internal/apierr"
)

// JSONScalar is the scalar whose query-parameter values are JSON texts;
// every other custom scalar is passed on as the string given.
const JSONScalar = "JSON"

// paramError is a BAD_USER_INPUT naming the REST parameter at fault.
type paramError struct {
	*apierr.Error
	Param  string
	Status int // 400 unless the body's media type is wrong (415)
}

func badParam(param, format string, args ...any) *paramError {
	param = clip(param)
	for i, a := range args {
		if s, ok := a.(string); ok && len(s) > 256 {
			args[i] = clip(s)
		}
	}
	return &paramError{Error: apierr.Invalid(param, format, args...), Param: param, Status: http.StatusBadRequest}
}

// clip bounds what an error message repeats of the client's input.
func clip(s string) string {
	const max = 64
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}

// variables reads a request's path, query and body into the route's
// GraphQL variables. Values are coerced from strings by the argument's
// GraphQL type; anything wrong is refused before the operation runs.
func (a *API) variables(rt *Route, r *http.Request) (map[string]any, *paramError) {
	vars := map[string]any{}
	for _, p := range rt.Params {
		if p.In == "path" {
			v := chi.URLParam(r, p.Name)
			if u, err := url.PathUnescape(v); err == nil {
				v = u
			}
			if v == "" {
				return nil, badParam(p.Name, "the path parameter %s is empty", p.Name)
			}
			vars[p.Var] = v
		}
	}
	if err := a.queryVariables(rt, r.URL.RawQuery, vars); err != nil {
		return nil, err
	}
	if rt.Body != nil {
		if err := bodyVariables(rt, r, vars); err != nil {
			return nil, err
		}
	}
	return vars, nil
}

// queryKey splits filter[createdAtGte] into filter and [createdAtGte].
func queryKey(key string) (base string, path []string, ok bool) {
	i := strings.IndexByte(key, '[')
	if i < 0 {
		return key, nil, !strings.Contains(key, "]")
	}
	base, rest := key[:i], key[i:]
	for rest != "" {
		if rest[0] != '[' {
			return "", nil, false
		}
		j := strings.IndexByte(rest, ']')
		if j < 2 || strings.ContainsRune(rest[1:j], '[') {
			return "", nil, false
		}
		path = append(path, rest[1:j])
		rest = rest[j+1:]
	}
	return base, path, base != ""
}

func (a *API) queryVariables(rt *Route, raw string, vars map[string]any) *paramError {
	values, err := url.ParseQuery(raw)
	if err != nil {
		return badParam("", "the query string is malformed: %v", err)
	}
	byName := map[string]*Param{}
	for _, p := range rt.Params {
		if p.In == "query" {
			byName[p.Name] = p
		}
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	objects := map[string]map[string]any{}
	for _, key := range keys {
		base, path, ok := queryKey(key)
		if !ok {
			return badParam(key, "%q is not a parameter name (objects take name[field])", clip(key))
		}
		p := byName[base]
		if p == nil {
			return badParam(key, "unknown query parameter %q%s", clip(key), known(byName))
		}
		def := a.schema.Types[p.Arg.Type.Name()]
		if def.Kind == ast.InputObject && p.Arg.Type.Elem == nil {
			if len(path) == 0 {
				return badParam(key, "%s is an object: give its fields as %s[field]", key, key)
			}
			obj := objects[p.Var]
			if obj == nil {
				obj = map[string]any{}
				objects[p.Var] = obj
			}
			if err := a.setField(obj, def, base, path, values[key]); err != nil {
				return err
			}
			continue
		}
		if len(path) > 0 {
			return badParam(key, "%s is not an object", base)
		}
		v, err := a.coerce(values[key], p.Arg.Type, key)
		if err != nil {
			return err
		}
		vars[p.Var] = v
	}
	for _, p := range rt.Params {
		if p.In != "query" {
			continue
		}
		if obj, ok := objects[p.Var]; ok {
			if err := a.requireFields(obj, a.schema.Types[p.Arg.Type.Name()], p.Name); err != nil {
				return err
			}
			vars[p.Var] = obj
		}
		if _, set := vars[p.Var]; !set && p.Arg.Type.NonNull && p.Arg.DefaultValue == nil {
			return badParam(p.Name, "the query parameter %s is required", p.Name)
		}
	}
	return nil
}

func known(ps map[string]*Param) string {
	if len(ps) == 0 {
		return "; this resource takes none"
	}
	names := make([]string, 0, len(ps))
	for n := range ps {
		names = append(names, n)
	}
	sort.Strings(names)
	return "; known: " + strings.Join(names, ", ")
}

// setField puts one name[a][b] value into an input object.
func (a *API) setField(obj map[string]any, def *ast.Definition, name string, path []string, vals []string) *paramError {
	key := name + "[" + path[0] + "]"
	f := def.Fields.ForName(path[0])
	if f == nil {
		return badParam(key, "%s has no field %q", name, path[0])
	}
	fd := a.schema.Types[f.Type.Name()]
	if fd.Kind == ast.InputObject {
		if f.Type.Elem != nil {
			return badParam(key, "%s is a list of objects, which a query string cannot express", key)
		}
		if len(path) == 1 {
			return badParam(key, "%s is an object: give its fields as %s[field]", key, key)
		}
		sub, _ := obj[f.Name].(map[string]any)
		if sub == nil {
			sub = map[string]any{}
			obj[f.Name] = sub
		}
		return a.setField(sub, fd, key, path[1:], vals)
	}
	if len(path) > 1 {
		return badParam(key, "%s is not an object", key)
	}
	v, err := a.coerce(vals, f.Type, key)
	if err != nil {
		return err
	}
	obj[f.Name] = v
	return nil
}

// requireFields checks the non-null fields without default of an input
// object given in the query string.
func (a *API) requireFields(obj map[string]any, def *ast.Definition, name string) *paramError {
	for _, f := range def.Fields {
		key := name + "[" + f.Name + "]"
		v, set := obj[f.Name]
		if !set {
			if f.Type.NonNull && f.DefaultValue == nil {
				return badParam(key, "%s is required when %s is given", key, name)
			}
			continue
		}
		if sub, ok := v.(map[string]any); ok {
			if err := a.requireFields(sub, a.schema.Types[f.Type.Name()], key); err != nil {
				return err
			}
		}
	}
	return nil
}

// coerce turns query-string values into the JSON value of GraphQL type t:
// Int, Float and Boolean are parsed, enums checked (case-insensitively),
// JSON parsed, other scalars passed as strings for the schema to check.
// A list takes the parameter repeated.
func (a *API) coerce(vals []string, t *ast.Type, key string) (any, *paramError) {
	if t.Elem != nil {
		if t.Elem.Elem != nil {
			return nil, badParam(key, "%s is a list of lists, which a query string cannot express", key)
		}
		out := make([]any, 0, len(vals))
		for _, v := range vals {
			x, err := a.coerce([]string{v}, t.Elem, key)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	}
	if len(vals) != 1 {
		return nil, badParam(key, "%s is given %d times; it takes one value", key, len(vals))
	}
	v := vals[0]
	def := a.schema.Types[t.NamedType]
	if def.Kind == ast.InputObject {
		return nil, badParam(key, "%s is a list of objects, which a query string cannot express", key)
	}
	if def.Kind == ast.Enum {
		for _, e := range def.EnumValues {
			if strings.EqualFold(e.Name, v) {
				return e.Name, nil
			}
		}
		names := make([]string, len(def.EnumValues))
		for i, e := range def.EnumValues {
			names[i] = e.Name
		}
		return nil, badParam(key, "%s must be one of %s, got %q", key, strings.Join(names, ", "), clip(v))
	}
	switch t.NamedType {
	case "Int":
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
		if err != nil {
			return nil, badParam(key, "%s must be a 32-bit integer, got %q", key, clip(v))
		}
		return n, nil
	case "Float":
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, badParam(key, "%s must be a number, got %q", key, clip(v))
		}
		return f, nil
	case "Boolean":
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, badParam(key, "%s must be true or false, got %q", key, clip(v))
	case JSONScalar:
		if !json.Valid([]byte(v)) {
			return nil, badParam(key, "%s must be a JSON text, e.g. %s={\"a\":1}", key, key)
		}
		return json.RawMessage(v), nil
	}
	return v, nil
}

// bodyVariables reads the JSON body: the one input object of a write, or
// an object with a member per argument. A body must be sent as
// application/json (a cross-site form cannot), and no body at all, with no
// Content-Type, is the empty object.
func bodyVariables(rt *Route, r *http.Request, vars map[string]any) *paramError {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return badParam("body", "the body could not be read")
	}
	raw = bytes.TrimSpace(raw)
	if ct := r.Header.Get("Content-Type"); ct != "" || len(raw) > 0 {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			e := badParam("body", "the body must be sent as application/json, not %q", clip(ct))
			e.Status = http.StatusUnsupportedMediaType
			return e
		}
	}
	if len(raw) == 0 {
		raw = []byte("{}")
	}
	if raw[0] != '{' || !json.Valid(raw) {
		return badParam("body", "the body must be a JSON object")
	}
	if p := rt.Body.Param; p != nil {
		vars[p.Var] = json.RawMessage(raw)
		return nil
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return badParam("body", "the body must be a JSON object")
	}
	byName := map[string]*Param{}
	for _, p := range rt.Body.Args {
		byName[p.Name] = p
	}
	for k, v := range members {
		p := byName[k]
		if p == nil {
			return badParam("body."+k, "unknown body member %q%s", clip(k), known(byName))
		}
		vars[p.Var] = v
	}
	for _, p := range rt.Body.Args {
		if _, set := members[p.Name]; !set && p.Arg.Type.NonNull && p.Arg.DefaultValue == nil {
			return badParam("body."+p.Name, "the body member %s is required", p.Name)
		}
	}
	return nil
}

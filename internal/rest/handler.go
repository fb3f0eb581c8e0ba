package rest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/reqinfo"
)

// handler serves one route: parameters → variables → the route's GraphQL
// operation through the /graphql handler → the REST answer.
func (a *API) handler(rt *Route, gql http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vars, perr := a.variables(rt, r)
		if perr != nil {
			ext := map[string]any{"code": string(perr.Code)}
			if perr.Param != "" {
				ext["parameter"] = perr.Param
			}
			e := map[string]any{"message": perr.Message, "extensions": ext}
			a.red.Value(e)
			writeJSON(w, perr.Status, errorDocument{Errors: []map[string]any{e}})
			return
		}
		res, err := execute(r, gql, rt.Document, vars)
		if err != nil {
			writeError(w, apierr.Internal, "internal error")
			return
		}
		a.respond(w, rt, res)
	}
}

// gqlResult is a GraphQL response as the /graphql handler wrote it.
type gqlResult struct {
	Data   json.RawMessage  `json:"data"`
	Errors []map[string]any `json:"errors"`
}

// execute runs one operation through the same handler /graphql serves, in
// process: the request's context (request ID, per-request loaders) and
// headers go with it, so limits, loaders and the error presenter apply.
func execute(r *http.Request, gql http.Handler, doc string, vars map[string]any) (*gqlResult, error) {
	// The facade's documents are the gateway's own, fixed at start-up:
	// their operation names may label metrics.
	reqinfo.From(r.Context()).MarkTrusted()
	body, err := json.Marshal(map[string]any{"query": doc, "variables": vars})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, "/graphql", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = r.Header.Clone()
	req.Header.Del("Content-Length")
	req.Header.Del("Accept-Encoding")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.RemoteAddr = r.RemoteAddr
	rec := &recorder{header: http.Header{}}
	gql.ServeHTTP(rec, req)
	var out gqlResult
	if err := json.Unmarshal(rec.body.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("the GraphQL handler answered %d with a body that is not JSON: %w", rec.status, err)
	}
	return &out, nil
}

// recorder captures the in-process GraphQL response.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }
func (w *recorder) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
}
func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(p)
}

type errorDocument struct {
	Errors []map[string]any `json:"errors"`
}

// respond translates the GraphQL response. Any error makes the answer an
// error: the status is the first error's code's HTTPStatus and the body
// carries every error with its extensions. A null with no error is
// NOT_FOUND.
func (a *API) respond(w http.ResponseWriter, rt *Route, res *gqlResult) {
	if len(res.Errors) > 0 {
		a.writeErrors(w, rt, res.Errors)
		return
	}
	val := res.Data
	for i, name := range rt.Result.Path {
		obj, ok := members(val)
		if !ok {
			writeError(w, apierr.Internal, "internal error")
			return
		}
		if i == 1 && rt.ViaNode != "" && !hasTypename(obj, rt.ViaNode) {
			writeError(w, apierr.NotFound, "no %s has this id", rt.ViaNode)
			return
		}
		val = obj.get(name)
		if isNull(val) {
			writeError(w, apierr.NotFound, "%s", a.notFoundMessage(rt, i))
			return
		}
	}
	var out json.RawMessage
	switch rt.Result.Kind {
	case ResultObject:
		obj, ok := members(val)
		if !ok {
			writeError(w, apierr.Internal, "internal error")
			return
		}
		if rt.ViaNode != "" && len(rt.Result.Path) == 1 {
			if !hasTypename(obj, rt.ViaNode) {
				writeError(w, apierr.NotFound, "no %s has this id", rt.ViaNode)
				return
			}
			obj = obj.without("__typename")
		}
		out = obj.encode()
	case ResultList:
		out = (object{{"items", val}}).encode()
	case ResultConnection:
		conn, _ := members(val)
		out = connection(conn, rt.Result.Nodes)
	default:
		out = val
	}
	status := http.StatusOK
	if rt.Kind == KindCreate {
		status = http.StatusCreated
		if rt.created != "" {
			if loc := a.location(rt.created, out); loc != "" {
				w.Header().Set("Location", a.red.String(loc))
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(out)
	_, _ = io.WriteString(w, "\n")
}

func (a *API) notFoundMessage(rt *Route, depth int) string {
	parent := rt.Field.Type.Name()
	if rt.ViaNode != "" {
		parent = rt.ViaNode
	}
	switch {
	case rt.Operation == "mutation" || rt.Kind == KindList:
		return rt.Field.Name + " returned nothing"
	case depth == 0:
		return "no " + parent + " has this id"
	}
	return "this " + parent + " has no " + rt.Sub.Name
}

// connection renders {items, pageInfo, <other scalars such as totalCount>}.
func connection(conn object, nodes string) json.RawMessage {
	items := conn.get("nodes")
	if nodes == "edges" {
		var edges []struct {
			Node json.RawMessage `json:"node"`
		}
		_ = json.Unmarshal(conn.get("edges"), &edges)
		list := make([]json.RawMessage, len(edges))
		for i, e := range edges {
			list[i] = e.Node
		}
		items, _ = json.Marshal(list)
	}
	out := object{{"items", items}}
	for _, m := range conn {
		if m.Key != "nodes" && m.Key != "edges" {
			out = append(out, m)
		}
	}
	return out.encode()
}

// location is the item URL of a created entity, when it has an id.
func (a *API) location(typ string, body json.RawMessage) string {
	obj, ok := members(body)
	if !ok {
		return ""
	}
	var id string
	if json.Unmarshal(obj.get("id"), &id) != nil || id == "" {
		return ""
	}
	pattern := a.itemPaths[typ]
	if pattern == "" {
		return ""
	}
	return strings.Replace(pattern, "{id}", url.PathEscape(id), 1)
}

// writeErrors answers with the GraphQL errors, locations dropped (REST has
// no document) and extensions.parameter naming the REST parameter an
// input error is about. Every string in them is redacted once more here,
// the facade's exit, whatever produced it.
func (a *API) writeErrors(w http.ResponseWriter, rt *Route, errs []map[string]any) {
	for _, e := range errs {
		a.red.Value(map[string]any(e))
		delete(e, "locations")
		ext, _ := e["extensions"].(map[string]any)
		if ext == nil {
			ext = map[string]any{"code": string(apierr.Internal)}
			e["extensions"] = ext
		}
		if p := rt.parameterOf(e, ext); p != "" {
			ext["parameter"] = p
		}
	}
	ext := errs[0]["extensions"].(map[string]any)
	code, _ := ext["code"].(string)
	status := apierr.Code(code).HTTPStatus()
	if n, ok := ext["retryAfterSeconds"].(float64); ok && n > 0 && code == string(apierr.RateLimited) {
		w.Header().Set("Retry-After", strconv.Itoa(int(n)))
	}
	writeJSON(w, status, errorDocument{Errors: errs})
}

// parameterOf finds the REST parameter behind an input error, from a
// variable path (["variable", "filter", "createdAtGte"]), an argument path
// below a field (["contacts", "filter", "createdAtGte"]) or the input
// field a resolver named (extensions.field "input.firstName"). Only
// BAD_USER_INPUT errors are about parameters.
func (rt *Route) parameterOf(e map[string]any, ext map[string]any) string {
	if ext["code"] != string(apierr.BadUserInput) {
		return ""
	}
	path, _ := e["path"].([]any)
	if len(path) >= 2 && path[0] == "variable" {
		v, _ := path[1].(string)
		return rt.paramName(v, path[2:])
	}
	// The fields the route selects, by level: the root field, then the
	// sub-resource field, skipping node's inline fragment.
	fields := []*ast.FieldDefinition{rt.Field}
	if rt.Sub != nil {
		fields = append(fields, rt.Sub)
	}
	for level, f := range fields {
		if len(path) < level+2 || path[level] != f.Name {
			break
		}
		if name, ok := path[level+1].(string); ok && f.Arguments.ForName(name) != nil {
			if p := rt.paramOfArg(level, name); p != nil {
				return rt.paramName(p.Var, path[level+2:])
			}
		}
	}
	field, _ := ext["field"].(string)
	if field == "" {
		return ""
	}
	segs := strings.Split(field, ".")
	level := 0
	if rt.Sub != nil && len(path) >= 2 && path[1] == rt.Sub.Name {
		level = 1
	}
	p := rt.paramOfArg(level, segs[0])
	if p == nil {
		return ""
	}
	var rest []any
	for _, s := range segs[1:] {
		rest = append(rest, s)
	}
	return rt.paramName(p.Var, rest)
}

func (rt *Route) paramOfArg(level int, arg string) *Param {
	for _, p := range rt.allParams() {
		if p.Arg.Name == arg && p.Level == level {
			return p
		}
	}
	return nil
}

// paramName renders a variable path as the REST parameter a client sent:
// filter[createdAtGte], id, body.firstName.
func (rt *Route) paramName(v string, rest []any) string {
	for _, p := range rt.allParams() {
		if p.Var != v {
			continue
		}
		var b strings.Builder
		switch {
		case p.In == "body" && rt.Body.Param == p:
			b.WriteString("body")
		case p.In == "body":
			b.WriteString("body." + p.Name)
		default:
			b.WriteString(p.Name)
		}
		for _, s := range rest {
			seg, ok := s.(string)
			switch {
			case p.In == "body" && ok:
				b.WriteString("." + seg)
			case p.In == "body":
				fmt.Fprintf(&b, "[%v]", s)
			case ok:
				b.WriteString("[" + seg + "]")
			}
		}
		return b.String()
	}
	return ""
}

func writeError(w http.ResponseWriter, code apierr.Code, format string, args ...any) {
	writeJSON(w, code.HTTPStatus(), errorDocument{Errors: []map[string]any{{
		"message": fmt.Sprintf(format, args...), "extensions": map[string]any{"code": string(code)}}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// object is a JSON object with its members in the order GraphQL wrote
// them, so answers list fields in schema order.
type object []member

type member struct {
	Key   string
	Value json.RawMessage
}

func members(raw json.RawMessage) (object, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	var out object
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, false
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		out = append(out, member{k, v})
	}
	return out, true
}

func (o object) get(k string) json.RawMessage {
	for _, m := range o {
		if m.Key == k {
			return m.Value
		}
	}
	return nil
}

func (o object) without(k string) object {
	out := make(object, 0, len(o))
	for _, m := range o {
		if m.Key != k {
			out = append(out, m)
		}
	}
	return out
}

func (o object) encode() json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.Key)
		b.Write(k)
		b.WriteByte(':')
		if m.Value == nil {
			b.WriteString("null")
		} else {
			b.Write(m.Value)
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

func hasTypename(o object, name string) bool {
	var t string
	return json.Unmarshal(o.get("__typename"), &t) == nil && t == name
}

func isNull(v json.RawMessage) bool {
	v = bytes.TrimSpace(v)
	return len(v) == 0 || bytes.Equal(v, []byte("null"))
}

// notFound answers paths under the prefix that no route serves.
func notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, apierr.NotFound, "no REST resource at %s; %s lists them all", r.URL.Path, Prefix+"/openapi.json")
}

// methodNotAllowed answers a known path asked with another method, naming
// the methods it takes.
func (a *API) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete} {
		if a.shadow.Match(chi.NewRouteContext(), m, r.URL.Path) {
			allowed = append(allowed, m)
		}
	}
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	writeJSON(w, http.StatusMethodNotAllowed, errorDocument{Errors: []map[string]any{{
		"message":    fmt.Sprintf("%s does not take %s; it takes %s", r.URL.Path, r.Method, strings.Join(allowed, ", ")),
		"extensions": map[string]any{"code": string(apierr.BadUserInput)}}}})
}

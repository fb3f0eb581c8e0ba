package rest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/problem"
	"github.com/crmgateway/gateway/internal/reqinfo"
)

// handler serves one route: parameters → variables → (for a conditional
// write, the If-Match check) → the route's GraphQL operation through the
// /graphql handler → the REST answer.
func (a *API) handler(rt *Route, gql http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vars, perr := a.variables(rt, r)
		if perr != nil {
			a.writeProblem(w, r, perr.Status, []problem.Item{{Code: string(perr.Code), Detail: perr.Message, Field: perr.Param}})
			return
		}
		if (rt.Kind == KindUpdate || rt.Kind == KindDelete) && !a.ifMatch(w, r, rt, gql, vars) {
			return
		}
		res, err := execute(r, gql, rt.Document, vars)
		if err != nil {
			a.fail(w, r, apierr.Internal, "internal error")
			return
		}
		out := a.render(r, rt, res)
		if out.problem != nil {
			a.writeProblem(w, r, out.problem.status, out.problem.items)
			return
		}
		a.answer(w, r, rt, out)
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

// rendered is a route's answer before it is written: a body, or the
// problem the GraphQL response amounts to.
type rendered struct {
	status  int
	body    []byte
	next    string // the URL of the next page of a connection, if any
	prev    string // the URL of the page before, if any
	problem *failure
}

type failure struct {
	status int
	items  []problem.Item
}

func failed(code apierr.Code, format string, args ...any) rendered {
	return rendered{problem: &failure{status: code.HTTPStatus(),
		items: []problem.Item{{Code: string(code), Detail: fmt.Sprintf(format, args...)}}}}
}

// render translates the GraphQL response. Any error makes the answer a
// problem: the status is the first error's code's HTTPStatus and the
// document carries every error. A null with no error is NOT_FOUND.
func (a *API) render(r *http.Request, rt *Route, res *gqlResult) rendered {
	if len(res.Errors) > 0 {
		return a.problemOf(rt, res.Errors)
	}
	val := res.Data
	for i, name := range rt.Result.Path {
		obj, ok := members(val)
		if !ok {
			return failed(apierr.Internal, "internal error")
		}
		if i == 1 && rt.ViaNode != "" && !hasTypename(obj, rt.ViaNode) {
			return failed(apierr.NotFound, "no %s has this id", rt.ViaNode)
		}
		val = obj.get(name)
		if isNull(val) {
			return failed(apierr.NotFound, "%s", a.notFoundMessage(rt, i))
		}
	}
	out := rendered{status: http.StatusOK}
	switch rt.Result.Kind {
	case ResultObject:
		obj, ok := members(val)
		if !ok {
			return failed(apierr.Internal, "internal error")
		}
		if rt.ViaNode != "" && len(rt.Result.Path) == 1 {
			if !hasTypename(obj, rt.ViaNode) {
				return failed(apierr.NotFound, "no %s has this id", rt.ViaNode)
			}
			obj = obj.without("__typename")
		}
		if rt.aliased {
			obj = unalias(obj)
		}
		out.body = obj.encode()
	case ResultList:
		if rt.aliased {
			val = unaliasList(val)
		}
		out.body = (object{{"items", val}}).encode()
	case ResultConnection:
		conn, _ := members(val)
		out.next, out.prev = pageLinks(r, rt, conn)
		out.body = connection(conn, rt.Result.Nodes, out.next, out.prev)
		if rt.aliased {
			if o, ok := members(out.body); ok {
				for i, m := range o {
					if m.Key == "items" {
						o[i].Value = unaliasList(m.Value)
					}
				}
				out.body = o.encode()
			}
		}
	default:
		out.body = val
	}
	if rt.Kind == KindCreate {
		out.status = http.StatusCreated
	}
	out.body = append(out.body[:len(out.body):len(out.body)], '\n')
	return out
}

// answer writes a successful answer with its validators and caching
// rules: every GET carries a strong ETag of its body, answers 304 to a
// matching If-None-Match, and says how long it may be reused; a page
// links to the next one.
func (a *API) answer(w http.ResponseWriter, r *http.Request, rt *Route, out rendered) {
	h := w.Header()
	switch rt.Method {
	case http.MethodGet:
		h.Set("Cache-Control", a.cacheControl(rt))
		h.Add("Vary", "Authorization, X-API-Key")
		var links []string
		if out.next != "" {
			links = append(links, "<"+a.red.String(out.next)+`>; rel="next"`)
		}
		if out.prev != "" {
			links = append(links, "<"+a.red.String(out.prev)+`>; rel="prev"`)
		}
		if len(links) > 0 {
			h.Set("Link", strings.Join(links, ", "))
		}
		if a.validated(w, r, out.body) {
			return
		}
	case http.MethodPatch:
		h.Set("Cache-Control", "no-store")
		if a.items[rt.Path] != nil {
			// The answer is the entity's new representation, as its GET
			// would answer it.
			h.Set("ETag", etag(out.body))
		}
	default:
		h.Set("Cache-Control", "no-store")
	}
	if rt.Kind == KindCreate && rt.created != "" {
		if loc := a.location(rt.created, out.body); loc != "" {
			h.Set("Location", a.red.String(loc))
		}
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(out.body)))
	w.WriteHeader(out.status)
	_, _ = w.Write(out.body)
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

// connection renders {items, pageInfo, <other scalars such as
// totalCount>, next, prev}.
func connection(conn object, nodes, next, prev string) json.RawMessage {
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
	link := func(u string) json.RawMessage {
		if u == "" {
			return json.RawMessage("null")
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // the URL's & stays readable
		_ = enc.Encode(u)
		return bytes.TrimSpace(b.Bytes())
	}
	return append(out, member{"next", link(next)}, member{"prev", link(prev)}).encode()
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

// problemOf turns the GraphQL errors into one problem: each error an
// item with its code, message, upstream and the REST parameter an input
// error is about, its other extensions kept (the CRM's own request id as
// upstreamRequestId, requestId being the gateway's). Every string in them
// is redacted once more here, the facade's exit, whatever produced it.
func (a *API) problemOf(rt *Route, errs []map[string]any) rendered {
	items := make([]problem.Item, 0, len(errs))
	for _, e := range errs {
		a.red.Value(map[string]any(e))
		ext, _ := e["extensions"].(map[string]any)
		if ext == nil {
			ext = map[string]any{"code": string(apierr.Internal)}
		}
		code, _ := ext["code"].(string)
		if code == "" {
			code = string(apierr.Internal)
		}
		msg, _ := e["message"].(string)
		it := problem.Item{Code: code, Detail: msg, Field: rt.parameterOf(e, ext), Extra: map[string]any{}}
		it.Upstream, _ = ext["upstream"].(string)
		for k, v := range ext {
			switch k {
			case "code", "upstream", "field":
			case "requestId":
				it.Extra["upstreamRequestId"] = v
			default:
				it.Extra[k] = v
			}
		}
		items = append(items, it)
	}
	return rendered{problem: &failure{status: apierr.Code(items[0].Code).HTTPStatus(), items: items}}
}

// writeProblem answers with a problem document; a RATE_LIMITED one says
// in Retry-After what its retryAfterSeconds says.
func (a *API) writeProblem(w http.ResponseWriter, r *http.Request, status int, items []problem.Item) {
	if len(items) > 0 && items[0].Code == string(apierr.RateLimited) {
		if n, ok := items[0].Extra["retryAfterSeconds"].(float64); ok && n > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(n)))
		}
	}
	problem.Write(w, problem.Problem{Status: status, Instance: a.red.String(r.URL.EscapedPath()),
		RequestID: reqinfo.IDFrom(r.Context()), Items: items})
}

// fail answers with one problem of a code.
func (a *API) fail(w http.ResponseWriter, r *http.Request, code apierr.Code, format string, args ...any) {
	a.writeProblem(w, r, code.HTTPStatus(), []problem.Item{{Code: string(code), Detail: fmt.Sprintf(format, args...)}})
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
func (a *API) notFound(w http.ResponseWriter, r *http.Request) {
	a.fail(w, r, apierr.NotFound, "no REST resource at %s; %s lists them all", r.URL.EscapedPath(), Prefix+"/openapi.json")
}

// methodNotAllowed answers a known path asked with another method, naming
// the methods it takes.
func (a *API) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPatch, http.MethodDelete} {
		if a.shadow.Match(chi.NewRouteContext(), m, r.URL.Path) {
			allowed = append(allowed, m)
		}
	}
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	a.writeProblem(w, r, http.StatusMethodNotAllowed, []problem.Item{{Code: string(apierr.BadUserInput),
		Detail: fmt.Sprintf("%s does not take %s; it takes %s", r.URL.EscapedPath(), r.Method, strings.Join(allowed, ", "))}})
}

package httpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/jsonscan"
	"github.com/crmgateway/gateway/internal/limits"
)

// Media types of the GraphQL-over-HTTP specification.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// allowedMethods is what /graphql answers; everything else is a 405.
const allowedMethods = "GET, POST, OPTIONS"

// httpTransport serves GraphQL over HTTP as the specification
// (graphql.github.io/graphql-over-http) describes it, in place of gqlgen's
// GET and POST transports, which echo a malformed body back in the error,
// answer a GET mutation with 406 and always send "data": null.
//
//   - Requests: GET with query/operationName/variables/extensions in the URL
//     (queries only: a mutation is a 405), POST with an application/json
//     body in UTF-8; any other content type is a 415.
//   - Responses: application/graphql-response+json when the client asks for
//     it, application/json otherwise (no Accept, */*, application/*).
//   - Status: a request that is not a well-formed GraphQL request (bad JSON,
//     a query that is not a string, variables that are not an object) is a
//     400 under both media types. A request error (parse, validation,
//     variable coercion, limits, unknown persisted query) is a 400 with no
//     "data" under application/graphql-response+json and a 200 under
//     application/json, as legacy clients expect. Executed operations are
//     200, field errors and all.
//
// Every response's error list is bounded (boundErrors); an introspection
// answer from the cache is written as it was encoded the first time.
type httpTransport struct {
	// tokenLimit bounds the parse made to refuse GET mutations early.
	tokenLimit int
	// limits, when set, bounds variables and extensions before they are
	// decoded, and unpacks the validation errors it attaches.
	limits *limits.Extension
	// introspection, when set, is the cache of introspection answers.
	introspection *introspectionCache
}

var _ graphql.Transport = httpTransport{}

// Supports claims every plain HTTP request so that a wrong method or media
// type gets a precise status instead of gqlgen's generic 400.
func (httpTransport) Supports(r *http.Request) bool { return r.Header.Get("Upgrade") == "" }

// Do answers one request.
func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	start := graphql.Now()
	w.Header().Add("Vary", "Accept")
	switch r.Method {
	case http.MethodGet, http.MethodPost:
	case http.MethodOptions:
		w.Header().Set("Allow", allowedMethods)
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		w.Header().Set("Allow", allowedMethods)
		writeRequestError(ctx, w, exec, mediaJSON, http.StatusMethodNotAllowed,
			"/graphql accepts GET and POST requests only")
		return
	}

	media, ok := negotiate(r.Header.Values("Accept"))
	if !ok {
		writeRequestError(ctx, w, exec, mediaJSON, http.StatusNotAcceptable,
			"the Accept header must allow application/graphql-response+json or application/json")
		return
	}

	var (
		params  *graphql.RawParams
		msg     string
		refusal *gqlerror.Error
	)
	if r.Method == http.MethodGet {
		params, msg, refusal = paramsFromURL(r.URL.RawQuery, t.checkInput)
	} else {
		if status, m := checkContentType(r.Header.Get("Content-Type")); status != 0 {
			writeRequestError(ctx, w, exec, media, status, m)
			return
		}
		body, err := bodyBytes(r)
		if err != nil {
			writeRequestError(ctx, w, exec, media, http.StatusBadRequest, "the request body could not be read")
			return
		}
		params, msg, refusal = paramsFromBody(body, t.checkInput)
	}
	if msg != "" {
		writeRequestError(ctx, w, exec, media, http.StatusBadRequest, msg)
		return
	}
	if refusal != nil {
		writeRefusal(ctx, w, exec, media, gqlerror.List{refusal})
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	if r.Method == http.MethodGet && t.isNotQuery(params.Query, params.OperationName) {
		refuseGetMutation(ctx, w, exec, media)
		return
	}

	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		errs = limits.Errors(errs)
		nameInputFields(opCtx, params.Query, errs)
		writeRefusal(graphql.WithOperationContext(ctx, opCtx), w, exec, media, errs)
		return
	}
	if r.Method == http.MethodGet && opCtx.Operation.Operation != ast.Query {
		// A persisted mutation looked up by hash.
		refuseGetMutation(ctx, w, exec, media)
		return
	}

	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := responses(ctx)
	if resp == nil {
		return // the client went away
	}
	boundResponse(resp)
	cached := t.introspection.cached(ctx, opCtx, resp)
	if cached != nil {
		if b := cached.body.Load(); b != nil {
			writeBody(w, media, *b)
			return
		}
	}
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			bufPool.Put(buf)
		}
	}()
	if err := encodeResponse(buf, resp); err != nil {
		writeRequestError(ctx, w, exec, media, http.StatusInternalServerError, "internal error")
		return
	}
	if cached != nil {
		b := bytes.Clone(buf.Bytes())
		cached.body.Store(&b)
	}
	writeBody(w, media, buf.Bytes())
}

// checkInput applies the request limits to variables or extensions.
func (t httpTransport) checkInput(name string, raw []byte) *gqlerror.Error {
	if t.limits == nil {
		return nil
	}
	return t.limits.CheckInput(name, raw)
}

func writeBody(w http.ResponseWriter, media string, b []byte) {
	setContentType(w, media)
	// The whole answer is at hand: a Content-Length spares the client
	// chunked framing and the server a write per chunk.
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// writeRefusal answers a request error (parse, validation, variables,
// limits, persisted query): a 400 under the specification's media type, a
// 200 under application/json. The list is bounded before it is presented.
func writeRefusal(ctx context.Context, w http.ResponseWriter, exec graphql.GraphExecutor, media string, errs gqlerror.List) {
	status := http.StatusOK
	if media == mediaGraphQLResponse {
		status = http.StatusBadRequest
	}
	errs, omitted := boundErrors(errs)
	resp := exec.DispatchError(ctx, errs)
	if omitted > 0 {
		if resp.Extensions == nil {
			resp.Extensions = map[string]any{}
		}
		resp.Extensions[omittedErrorsKey] = omitted
	}
	writeErrors(w, media, status, resp)
}

// isNotQuery reports whether the document's selected operation is a
// mutation or subscription. It runs before validation so that a GET
// mutation is a 405 even when the schema has no such operation type, and
// reads tokens only (the parser allocates for every one): the operations
// are the definitions at the top level, outside any bracket.
func (t httpTransport) isNotQuery(query, operationName string) bool {
	if query == "" {
		return false
	}
	type op struct{ kind, name string }
	var (
		ops       []op
		depth     int
		expectDef = true // at the top level, between definitions
		named     = false
	)
	l := lexer.New(&ast.Source{Input: query})
	for n := 0; n <= t.tokenLimit; n++ {
		tok, err := l.ReadToken()
		if err != nil {
			return false // gqlgen reports the syntax error with its location
		}
		switch tok.Kind {
		case lexer.EOF:
			if depth != 0 {
				return false // unbalanced: gqlgen reports the syntax error
			}
			var selected *op
			for i := range ops {
				if ops[i].name == operationName || operationName == "" && len(ops) == 1 {
					selected = &ops[i]
					break
				}
			}
			return selected != nil && selected.kind != "query"
		case lexer.Comment:
			continue
		case lexer.BraceL, lexer.ParenL, lexer.BracketL:
			if depth == 0 && expectDef {
				if tok.Kind != lexer.BraceL {
					return false
				}
				ops = append(ops, op{kind: "query"}) // the { … } shorthand
				expectDef = false
			}
			depth++
			named = false
			continue
		case lexer.BraceR, lexer.ParenR, lexer.BracketR:
			if depth--; depth < 0 {
				return false
			}
			if depth == 0 && tok.Kind == lexer.BraceR {
				expectDef = true
			}
			named = false
			continue
		}
		if depth > 0 {
			continue
		}
		switch {
		case expectDef && tok.Kind == lexer.Name && (tok.Value == "query" || tok.Value == "mutation" || tok.Value == "subscription"):
			ops = append(ops, op{kind: tok.Value})
			expectDef, named = false, true
		case expectDef && tok.Kind == lexer.Name && tok.Value == "fragment":
			expectDef = false
		case expectDef:
			return false
		case named && tok.Kind == lexer.Name:
			ops[len(ops)-1].name = tok.Value
			named = false
		default:
			named = false
		}
	}
	return false // past the token limit, which the request limits refuse
}

func refuseGetMutation(ctx context.Context, w http.ResponseWriter, exec graphql.GraphExecutor, media string) {
	w.Header().Set("Allow", "POST")
	writeRequestError(ctx, w, exec, media, http.StatusMethodNotAllowed,
		"GET requests may only run queries; send mutations with POST")
}

// negotiate picks the response media type from the Accept header values:
// an explicit media range beats a wildcard, a higher q beats a lower one,
// and on a tie between the two explicit types the specification's own type
// wins while wildcards alone get application/json.
func negotiate(values []string) (string, bool) {
	var (
		explicitGR, explicitJSON bool
		qGR, qJSON, qAny, qApp   = -1.0, -1.0, -1.0, -1.0
		seen                     bool
	)
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			seen = true
			mt, p, err := mime.ParseMediaType(part)
			if err != nil {
				continue
			}
			q := 1.0
			if s, ok := p["q"]; ok {
				if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 && f <= 1 {
					q = f
				}
			}
			switch mt {
			case mediaGraphQLResponse:
				explicitGR, qGR = true, max(qGR, q)
			case mediaJSON:
				explicitJSON, qJSON = true, max(qJSON, q)
			case "application/*":
				qApp = max(qApp, q)
			case "*/*":
				qAny = max(qAny, q)
			}
		}
	}
	if !seen {
		return mediaJSON, true
	}
	wild := qAny
	if qApp >= 0 {
		wild = qApp // the more specific range decides
	}
	if !explicitGR {
		qGR = wild
	}
	if !explicitJSON {
		qJSON = wild
	}
	switch {
	case qGR <= 0 && qJSON <= 0:
		return "", false
	case qGR > qJSON:
		return mediaGraphQLResponse, true
	case qJSON > qGR:
		return mediaJSON, true
	case explicitGR:
		return mediaGraphQLResponse, true
	default:
		return mediaJSON, true
	}
}

// checkContentType accepts application/json in UTF-8 (the charset may be
// omitted). Anything else is a 415, which also keeps the endpoint out of
// reach of cross-site form posts.
func checkContentType(ct string) (int, string) {
	if strings.TrimSpace(ct) == "" {
		return http.StatusUnsupportedMediaType, "a POST request needs Content-Type: application/json"
	}
	mt, p, err := mime.ParseMediaType(ct)
	if err != nil || mt != mediaJSON {
		return http.StatusUnsupportedMediaType, "a POST request needs Content-Type: application/json"
	}
	if cs, ok := p["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return http.StatusUnsupportedMediaType, "the request body must be UTF-8"
	}
	return 0, ""
}

// inputCheck bounds a request's variables or extensions (name says which)
// from their JSON text, before they are decoded; nil accepts any.
type inputCheck func(name string, raw []byte) *gqlerror.Error

// paramsFromBody decodes a POST body. The message never quotes the body:
// it may hold secrets, and echoing it invites reflected content. A
// malformed request gets a message; one whose variables or extensions
// cross a request limit gets the refusal check made.
func paramsFromBody(body []byte, check inputCheck) (*graphql.RawParams, string, *gqlerror.Error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, "the request body is empty; send a JSON object with a query", nil
	}
	// One pass over the body (jsonscan accepts what encoding/json does):
	// the members are cut out of it, and only variables and extensions are
	// decoded, after their limits are checked.
	c := &jsonscan.Cursor{B: body}
	var (
		query, operationName  stringMember
		documentIDMember      stringMember
		variables, extensions []byte
		err                   error
		refusal               *gqlerror.Error
	)
	if c.Peek() == '{' {
		err = c.Object(func(key jsonscan.Str) error {
			// encoding/json matches member names regardless of case; the last one wins.
			k := key.String()
			object := strings.EqualFold(k, "variables") || strings.EqualFold(k, "extensions")
			if object && check != nil && c.Peek() == '{' {
				// Measured before being read: a request over a limit is
				// refused without reading the rest of its body.
				if refusal = check(strings.ToLower(k), c.B[c.I:]); refusal != nil {
					return refusal
				}
			}
			switch {
			case strings.EqualFold(k, "query"):
				return query.read(c)
			case strings.EqualFold(k, "operationName"):
				return operationName.read(c)
			case strings.EqualFold(k, "documentId"):
				return documentIDMember.read(c)
			}
			v, err := c.SkipValue()
			switch {
			case strings.EqualFold(k, "variables"):
				variables = v
			case strings.EqualFold(k, "extensions"):
				extensions = v
			}
			return err
		})
	} else {
		err = c.Value()
	}
	if refusal != nil {
		return nil, "", refusal
	}
	if err == nil {
		if c.Space(); c.I < len(body) {
			err = c.Fail("after top-level value")
		}
	}
	if err != nil {
		return nil, fmt.Sprintf("the request body is not valid JSON (syntax error at byte %d)", syntaxOffset(err, len(body))), nil
	}
	if b := bytes.TrimSpace(body); b[0] != '{' && string(b) != "null" {
		return nil, "the request body must be a JSON object", nil
	}
	p := &graphql.RawParams{}
	var msg string
	if p.Query, msg = query.param("query"); msg != "" {
		return nil, msg, nil
	}
	if p.OperationName, msg = operationName.param("operationName"); msg != "" {
		return nil, msg, nil
	}
	// Measured already: decoded without a second check.
	if p.Variables, msg, _ = objectParam("variables", variables, nil); msg != "" {
		return nil, msg, nil
	}
	if p.Extensions, msg, _ = objectParam("extensions", extensions, nil); msg != "" {
		return nil, msg, nil
	}
	var id string
	if id, msg = documentIDMember.param("documentId"); msg != "" {
		return nil, msg, nil
	}
	if msg = documentID(p, id); msg != "" {
		return nil, msg, nil
	}
	if msg = requireQuery(p); msg != "" {
		return nil, msg, nil
	}
	return p, "", nil
}

// stringMember is a member of the body that must be a string: decoded as
// it is read when it is one (a query of a megabyte is read once), kept as
// text otherwise for stringParam to judge.
type stringMember struct {
	raw     []byte
	text    string
	decoded bool
}

func (m *stringMember) read(c *jsonscan.Cursor) (err error) {
	*m = stringMember{}
	if c.Peek() == '"' {
		m.text, err = readString(c, true)
		m.decoded = true
		return err
	}
	m.raw, err = c.SkipValue()
	return err
}

func (m *stringMember) param(name string) (string, string) {
	if m.decoded {
		return m.text, ""
	}
	return stringParam(name, m.raw)
}

// syntaxOffset is where a syntax error is, counted as encoding/json does
// (the bytes read when it was found).
func syntaxOffset(err error, size int) int {
	var syn *jsonscan.SyntaxError
	if !errors.As(err, &syn) {
		return size
	}
	return min(syn.Offset+1, size)
}

// documentID takes a persisted document named as the GraphQL-over-HTTP
// persisted-documents convention does ("documentId": "sha256:<hex>", what
// GraphQL Codegen's client preset emits) as the Apollo extension would
// name it, so both protocols reach the same lookup.
func documentID(p *graphql.RawParams, id string) string {
	if id == "" {
		return ""
	}
	hash, ok := strings.CutPrefix(id, "sha256:")
	if !ok || len(hash) != 64 || strings.Trim(strings.ToLower(hash), "0123456789abcdef") != "" {
		return `documentId must be "sha256:" followed by 64 hex digits`
	}
	if p.Extensions == nil {
		p.Extensions = map[string]any{}
	}
	p.Extensions["persistedQuery"] = map[string]any{"version": float64(1), "sha256Hash": strings.ToLower(hash)}
	return ""
}

// paramsFromURL decodes a GET request's parameters; variables and
// extensions are URL-encoded JSON objects.
func paramsFromURL(rawQuery string, check inputCheck) (*graphql.RawParams, string, *gqlerror.Error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, "the URL query string is malformed", nil
	}
	p := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	var (
		msg     string
		refusal *gqlerror.Error
	)
	if v := q.Get("variables"); v != "" {
		if p.Variables, msg, refusal = objectParam("variables", []byte(v), check); msg != "" || refusal != nil {
			return nil, msg, refusal
		}
	}
	if v := q.Get("extensions"); v != "" {
		if p.Extensions, msg, refusal = objectParam("extensions", []byte(v), check); msg != "" || refusal != nil {
			return nil, msg, refusal
		}
	}
	if msg = documentID(p, q.Get("documentId")); msg != "" {
		return nil, msg, nil
	}
	if msg = requireQuery(p); msg != "" {
		return nil, msg, nil
	}
	return p, "", nil
}

// requireQuery insists on a document unless the request names a persisted
// query by hash.
func requireQuery(p *graphql.RawParams) string {
	if p.Query != "" {
		return ""
	}
	if _, ok := p.Extensions["persistedQuery"]; ok {
		return ""
	}
	return "the request has no query"
}

func isNull(raw []byte) bool {
	s := bytes.TrimSpace(raw)
	return len(s) == 0 || string(s) == "null"
}

func stringParam(name string, raw []byte) (string, string) {
	if isNull(raw) {
		return "", ""
	}
	c := &jsonscan.Cursor{B: raw}
	if c.Peek() != '"' {
		return "", "the " + name + " parameter must be a string"
	}
	s, err := c.Str()
	if c.Space(); err != nil || c.I != len(raw) {
		return "", "the " + name + " parameter must be a string"
	}
	return s.String(), ""
}

// objectParam decodes a JSON object parameter; check sees its text first,
// and a text that crosses a limit is refused only when it is valid JSON
// (a malformed one is a malformed request whatever its size).
func objectParam(name string, raw []byte, check inputCheck) (map[string]any, string, *gqlerror.Error) {
	if isNull(raw) {
		return nil, "", nil
	}
	notObject := "the " + name + " parameter must be a JSON object"
	c := &jsonscan.Cursor{B: raw}
	if c.Peek() != '{' {
		return nil, notObject, nil
	}
	if check != nil {
		if refusal := check(name, raw); refusal != nil {
			if end, err := jsonscan.ValueEnd(raw, c.I, 0); err != nil || jsonscan.SkipSpace(raw, end) != len(raw) {
				return nil, notObject, nil
			}
			return nil, "", refusal
		}
	}
	v, err := decodeJSON(c)
	if c.Space(); err != nil || c.I != len(raw) {
		return nil, notObject, nil
	}
	return v.(map[string]any), "", nil
}

// decodeJSON reads the value at the cursor as encoding/json decodes into
// an interface with UseNumber: maps, slices, strings, json.Number, bools
// and nil.
func decodeJSON(c *jsonscan.Cursor) (any, error) {
	switch c.Peek() {
	case '{':
		m := map[string]any{}
		err := c.Object(func(key jsonscan.Str) error {
			v, err := decodeJSON(c)
			m[key.String()] = v
			return err
		})
		return m, err
	case '[':
		a := []any{}
		err := c.Array(func() error {
			v, err := decodeJSON(c)
			a = append(a, v)
			return err
		})
		return a, err
	case '"':
		return readString(c, false)
	case 't':
		return true, c.Lit("true")
	case 'f':
		return false, c.Lit("false")
	case 'n':
		return nil, c.Lit("null")
	default:
		start := c.I
		err := c.Number()
		return json.Number(c.B[start:c.I]), err
	}
}

// writeRequestError answers a request that never reached GraphQL. The error
// still passes through the error presenter (codes, metrics).
func writeRequestError(ctx context.Context, w http.ResponseWriter, exec graphql.GraphExecutor, media string, status int, msg string) {
	code := apierr.BadUserInput
	if status >= 500 {
		code = apierr.Internal
	}
	err := &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": string(code)}}
	writeErrors(w, media, status, exec.DispatchError(ctx, gqlerror.List{err}))
}

// writeErrors sends a response without "data": the specification's shape
// of a request error.
func writeErrors(w http.ResponseWriter, media string, status int, resp *graphql.Response) {
	b, err := json.Marshal(struct {
		Errors     gqlerror.List  `json:"errors"`
		Extensions map[string]any `json:"extensions,omitempty"`
	}{resp.Errors, resp.Extensions})
	if err != nil {
		b = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)
		status = http.StatusInternalServerError
	}
	setContentType(w, media)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func setContentType(w http.ResponseWriter, media string) {
	switch media {
	case mediaJSON:
		w.Header()["Content-Type"] = jsonContentType
	case mediaGraphQLResponse:
		w.Header()["Content-Type"] = graphQLContentType
	default:
		w.Header().Set("Content-Type", media+"; charset=utf-8")
	}
}

// The Content-Type lines of the two media an answer has, built once and
// shared by every response (a handler that changes one replaces the
// slice, never its contents).
var (
	jsonContentType    = []string{mediaJSON + "; charset=utf-8"}
	graphQLContentType = []string{mediaGraphQLResponse + "; charset=utf-8"}
)

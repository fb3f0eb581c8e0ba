package httpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/crmgateway/gateway/internal/apierr"
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
type httpTransport struct {
	// tokenLimit bounds the parse made to refuse GET mutations early.
	tokenLimit int
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
		params *graphql.RawParams
		msg    string
	)
	if r.Method == http.MethodGet {
		params, msg = paramsFromURL(r.URL.RawQuery)
	} else {
		if status, m := checkContentType(r.Header.Get("Content-Type")); status != 0 {
			writeRequestError(ctx, w, exec, media, status, m)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			writeRequestError(ctx, w, exec, media, http.StatusBadRequest, "the request body could not be read")
			return
		}
		params, msg = paramsFromBody(body)
	}
	if msg != "" {
		writeRequestError(ctx, w, exec, media, http.StatusBadRequest, msg)
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
		status := http.StatusOK
		if media == mediaGraphQLResponse {
			status = http.StatusBadRequest
		}
		writeErrors(w, media, status, exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs))
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
	setContentType(w, media)
	// The whole answer is at hand: a Content-Length spares the client
	// chunked framing and the server a write per chunk.
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// isNotQuery reports whether the document's selected operation is a
// mutation or subscription. It runs before validation so that a GET
// mutation is a 405 even when the schema has no such operation type.
func (t httpTransport) isNotQuery(query, operationName string) bool {
	if query == "" {
		return false
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, t.tokenLimit)
	if err != nil {
		return false // gqlgen reports the syntax error with its location
	}
	op := doc.Operations.ForName(operationName)
	return op != nil && op.Operation != ast.Query
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

// paramsFromBody decodes a POST body. The message never quotes the body:
// it may hold secrets, and echoing it invites reflected content.
func paramsFromBody(body []byte) (*graphql.RawParams, string) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, "the request body is empty; send a JSON object with a query"
	}
	var raw struct {
		Query         json.RawMessage `json:"query"`
		OperationName json.RawMessage `json:"operationName"`
		Variables     json.RawMessage `json:"variables"`
		Extensions    json.RawMessage `json:"extensions"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return nil, fmt.Sprintf("the request body is not valid JSON (syntax error at byte %d)", syn.Offset)
		case errors.As(err, &typ) && typ.Field == "":
			return nil, "the request body must be a JSON object"
		default:
			return nil, "the request body is not valid JSON"
		}
	}
	p := &graphql.RawParams{}
	var msg string
	if p.Query, msg = stringParam("query", raw.Query); msg != "" {
		return nil, msg
	}
	if p.OperationName, msg = stringParam("operationName", raw.OperationName); msg != "" {
		return nil, msg
	}
	if p.Variables, msg = objectParam("variables", raw.Variables); msg != "" {
		return nil, msg
	}
	if p.Extensions, msg = objectParam("extensions", raw.Extensions); msg != "" {
		return nil, msg
	}
	if msg = requireQuery(p); msg != "" {
		return nil, msg
	}
	return p, ""
}

// paramsFromURL decodes a GET request's parameters; variables and
// extensions are URL-encoded JSON objects.
func paramsFromURL(rawQuery string) (*graphql.RawParams, string) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, "the URL query string is malformed"
	}
	p := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	var msg string
	if v := q.Get("variables"); v != "" {
		if p.Variables, msg = objectParam("variables", json.RawMessage(v)); msg != "" {
			return nil, msg
		}
	}
	if v := q.Get("extensions"); v != "" {
		if p.Extensions, msg = objectParam("extensions", json.RawMessage(v)); msg != "" {
			return nil, msg
		}
	}
	if msg = requireQuery(p); msg != "" {
		return nil, msg
	}
	return p, ""
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

func isNull(raw json.RawMessage) bool {
	s := bytes.TrimSpace(raw)
	return len(s) == 0 || string(s) == "null"
}

func stringParam(name string, raw json.RawMessage) (string, string) {
	if isNull(raw) {
		return "", ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", "the " + name + " parameter must be a string"
	}
	return s, ""
}

func objectParam(name string, raw json.RawMessage) (map[string]any, string) {
	if isNull(raw) {
		return nil, ""
	}
	if s := bytes.TrimSpace(raw); len(s) == 0 || s[0] != '{' {
		return nil, "the " + name + " parameter must be a JSON object"
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || dec.More() {
		return nil, "the " + name + " parameter must be a JSON object"
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, "the " + name + " parameter must be a JSON object"
	}
	return m, ""
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
	w.Header().Set("Content-Type", media+"; charset=utf-8")
}

// Package emulator is an in-memory SynergyCRM: a JSON:API http.Handler with
// seeded Russian CRM data for sandbox mode, adapter tests and benchmarks.
//
// It follows the SynergyCRM docs (upstream-apis.md §1) and the resource
// description in internal/synergyspec; README.md lists every decision taken
// where the docs are silent. It records and counts the requests it serves
// and can inject faults, so tests can assert batching and resilience.
package emulator

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crmgateway/gateway/internal/emukit"
)

// DefaultToken is the bearer token the emulator expects when Options.Token is
// empty; sandbox mode points the adapter at the emulator with it.
const DefaultToken = "synergy-sandbox-token"

// MediaType is the JSON:API media type of every response body and of every
// write request body.
const MediaType = "application/vnd.api+json"

// maxBody bounds a request body; larger bodies get 413.
const maxBody = 1 << 20

// Options configure an Emulator.
type Options struct {
	Token string           // Bearer token required on every request (401 JSON:API error otherwise); "" = DefaultToken
	Delay time.Duration    // added latency per request (benchmarks)
	Now   func() time.Time // clock for created-at/updated-at on writes; nil = time.Now
	// FlatIncludeOnly models a server without nested include paths
	// ("company.contacts"): it answers them 400 naming include, as JSON:API
	// requires of a server that cannot include a path.
	FlatIncludeOnly bool
	// NoSparseFieldsets models a server that refuses fields[...] with a 400
	// naming the parameter.
	NoSparseFieldsets bool
}

// Request is one request the emulator served, recorded for tests that assert
// what the adapter sent.
type Request struct {
	Method, Path string
	Query        url.Values
	Header       http.Header
	Body         []byte
}

// Fault makes the emulator misbehave for the next Times matching requests,
// so tests can drive the gateway's resilience paths.
type Fault struct {
	Status     int                      // answer with this status and a JSON:API error body (e.g. 500, 503, 429, 401, 403, 404, 422)
	RetryAfter string                   // Retry-After header value, with Status 429/503
	Stall      time.Duration            // sleep this long before answering; stops when the client goes away
	Reset      bool                     // hijack and close the connection without answering (connection reset)
	Malformed  bool                     // 200 with a body that is not valid JSON
	Times      int                      // how many subsequent matching requests get the fault (0 = 1)
	Match      func(*http.Request) bool // nil = every request; must not call Inject
	// Errors, with Status, are the error objects of the answer instead of
	// the one the emulator writes: what a CRM that refuses several fields
	// at once, or echoes what it was sent, would answer.
	Errors []ErrorObject
	// Header, with Status, adds these headers to the answer.
	Header http.Header
}

// ErrorObject is one JSON:API error object an injected fault answers with;
// empty members are left out.
type ErrorObject struct {
	Status, Code, Title, Detail string
	Pointer, Parameter          string // source.pointer, source.parameter
	Meta                        map[string]any
}

func (o ErrorObject) encode() obj {
	var out obj
	for _, m := range []field{{"status", o.Status}, {"code", o.Code}, {"title", o.Title}, {"detail", o.Detail}} {
		if m.v != "" {
			out = append(out, m)
		}
	}
	var src obj
	if o.Pointer != "" {
		src = append(src, field{"pointer", o.Pointer})
	}
	if o.Parameter != "" {
		src = append(src, field{"parameter", o.Parameter})
	}
	if src != nil {
		out = append(out, field{"source", src})
	}
	if o.Meta != nil {
		out = append(out, field{"meta", o.Meta})
	}
	return out
}

// Emulator is the in-memory SynergyCRM. It is safe for concurrent use.
type Emulator struct {
	token string
	delay time.Duration
	now   func() time.Time
	opts  Options

	mu    sync.RWMutex // guards store
	store *store

	requests emukit.Recorder[Request]
	faults   emukit.Queue[Fault]
}

// faultStyle is how the emulator answers a reset or malformed fault.
var faultStyle = emukit.Style{ContentType: MediaType,
	Malformed: `{"data":[{"type":"contacts","id":"1","attributes":{`}

// New returns an emulator holding the deterministic seed data.
func New(o Options) *Emulator {
	e := &Emulator{token: o.Token, delay: o.Delay, now: o.Now, opts: o}
	if e.token == "" {
		e.token = DefaultToken
	}
	if e.now == nil {
		e.now = time.Now
	}
	e.store = newStore()
	seed(e.store)
	return e
}

// Token is the bearer token the emulator accepts.
func (e *Emulator) Token() string { return e.token }

// Requests returns a copy of every request served since New or Reset, in
// the order they arrived.
func (e *Emulator) Requests() []Request {
	all := e.requests.All()
	out := make([]Request, len(all))
	for i, r := range all {
		out[i] = Request{Method: r.Method, Path: r.Path, Query: cloneValues(r.Query),
			Header: r.Header.Clone(), Body: slices.Clone(r.Body)}
	}
	return out
}

// Count is the number of requests served since New or Reset, including
// rejected and fault-injected ones.
func (e *Emulator) Count() int { return e.requests.Count(nil) }

// Reset forgets the recorded requests (and so zeroes Count); data and
// pending faults stay.
func (e *Emulator) Reset() { e.requests.Reset() }

// Inject queues a fault. Faults are tried in the order injected; a request
// consumes one use of the first fault whose Match accepts it.
func (e *Emulator) Inject(f Fault) { e.faults.Add(f, f.Times) }

// ClearFaults drops every pending fault.
func (e *Emulator) ClearFaults() { e.faults.Clear() }

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// ServeHTTP serves the SynergyCRM API. Paths are matched on what follows the
// first "/api/v1" in the path, or on the whole path when it has none, so the
// handler works mounted at the root or under any prefix. The order of work
// is: record → Delay → injected fault → auth → route.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, tooLarge := readBody(w, r)
	r.Body = io.NopCloser(bytes.NewReader(body))
	e.record(r, body)

	if e.delay > 0 && !emukit.Sleep(r.Context(), e.delay) {
		return
	}
	if f, ok := e.takeFault(r, body); ok {
		if faultStyle.Apply(w, r, emukit.Generic{Stall: f.Stall, Reset: f.Reset, Malformed: f.Malformed}) {
			return
		}
		if f.Status != 0 {
			rep := errReply(f.Status, faultCode(f.Status), "injected fault")
			if len(f.Errors) > 0 {
				list := make(arr, len(f.Errors))
				for i, o := range f.Errors {
					list[i] = o.encode()
				}
				rep = &reply{status: f.Status, body: encode(obj{{"errors", list}})}
			}
			if f.RetryAfter != "" {
				rep.setHeader("Retry-After", f.RetryAfter)
			}
			for k, vs := range f.Header {
				for _, v := range vs {
					rep.setHeader(k, v)
				}
			}
			write(w, rep)
			return
		}
	}
	if !e.authorized(r) {
		write(w, errReply(http.StatusUnauthorized, codeUnauthorized,
			"send Authorization: Bearer <api token>").setHeader("WWW-Authenticate", `Bearer realm="SynergyCRM"`))
		return
	}
	if tooLarge {
		write(w, errReply(http.StatusRequestEntityTooLarge, codeBodyTooLarge, "request body exceeds 1 MiB"))
		return
	}
	write(w, e.route(r, body))
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.Body == nil {
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var mbe *http.MaxBytesError
	return body, errors.As(err, &mbe)
}

func (e *Emulator) record(r *http.Request, body []byte) {
	e.requests.Add(Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(),
		Header: r.Header.Clone(), Body: slices.Clone(body)})
}

// takeFault consumes one use of the first pending fault that matches r;
// each Match sees the whole body.
func (e *Emulator) takeFault(r *http.Request, body []byte) (Fault, bool) {
	return e.faults.Take(func(f Fault) bool {
		if f.Match == nil {
			return true
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		return f.Match(r)
	})
}

func (e *Emulator) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(e.token)) == 1
}

func write(w http.ResponseWriter, rep *reply) {
	for k, vs := range rep.header {
		w.Header()[k] = vs
	}
	if rep.body != nil {
		w.Header().Set("Content-Type", MediaType)
	}
	w.WriteHeader(rep.status)
	if rep.body != nil {
		_, _ = w.Write(rep.body)
	}
}

// route dispatches on the path after /api/v1:
//
//	/{type}                         GET list, POST create
//	/{type}/{id}                    GET, PATCH, DELETE
//	/{type}/{id}/{rel}              GET related resources
//	/{type}/{id}/relationships/{rel} GET linkage
func (e *Emulator) route(r *http.Request, body []byte) *reply {
	p := r.URL.Path
	if i := strings.Index(p, BasePath+"/"); i >= 0 {
		p = p[i+len(BasePath):]
	} else if strings.HasSuffix(p, BasePath) {
		p = "/"
	}
	p = strings.Trim(p, "/")
	if p == "" {
		return notFound("no resource type in the path")
	}
	seg := strings.Split(p, "/")
	t := e.store.tables[seg[0]]
	if t == nil {
		return notFound("unknown resource type " + quote(seg[0]))
	}
	if len(seg) > 4 || (len(seg) == 4 && seg[2] != "relationships") {
		return notFound("no such route " + quote(r.URL.Path))
	}
	var id int
	if len(seg) > 1 {
		n, ok := parseID(seg[1])
		if !ok {
			return notFound(quote(seg[1]) + " is not an id of " + t.res.Type)
		}
		id = n
	}
	writable := t.res.Writable && !t.res.Opaque
	switch len(seg) {
	case 1:
		switch {
		case r.Method == http.MethodGet:
			return e.list(t, r)
		case r.Method == http.MethodPost && writable:
			return e.create(t, r, body)
		}
		return methodNotAllowed(r.Method, allow(writable, http.MethodPost))
	case 2:
		switch {
		case r.Method == http.MethodGet:
			return e.get(t, id, r)
		case r.Method == http.MethodPatch && writable:
			return e.update(t, id, r, body)
		case r.Method == http.MethodDelete && writable:
			return e.delete(t, id)
		}
		return methodNotAllowed(r.Method, allow(writable, http.MethodPatch, http.MethodDelete))
	case 3:
		if r.Method != http.MethodGet {
			return methodNotAllowed(r.Method, http.MethodGet)
		}
		return e.related(t, id, seg[2], r)
	default:
		if r.Method != http.MethodGet {
			return methodNotAllowed(r.Method, http.MethodGet)
		}
		return e.linkage(t, id, seg[3], r)
	}
}

func allow(writable bool, writes ...string) string {
	if !writable {
		return http.MethodGet
	}
	return strings.Join(append([]string{http.MethodGet}, writes...), ", ")
}

func quote(s string) string { return `"` + s + `"` }

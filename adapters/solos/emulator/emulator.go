// Package emulator owns an in-memory Solos CRM: the nine documented
// project endpoints over seeded Russian data, with the credential check,
// request recording and fault injection the tests need. It shares no code
// with the adapter, so a drift between the two is caught by tests.
package emulator

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/crmgateway/gateway/internal/emukit"
)

// Sandbox credentials: the gateway's sandbox mode sends these.
const (
	SandboxToken  = "solos-sandbox-token-7f3a9c"
	SandboxSecret = "solos-sandbox-secret-2b8e41d6"
)

// BasePath is the path under which Solos serves its API on a customer's
// host; requests may also come without it.
const BasePath = "/backend/public"

// Options configures an Emulator; zero values take the defaults.
type Options struct {
	Token, Secret string    // default SandboxToken, SandboxSecret
	Style         Style     // answer shape, default StyleData
	Today         time.Time // "now" for overdue checklists, default 2021-06-01
}

// Request is one request as the emulator received it.
type Request struct {
	Method string
	Path   string // without BasePath, e.g. "/projects/payments"
	Query  url.Values
	Body   []byte
	Header http.Header
}

// Fault makes the next Times matching requests fail in one way.
type Fault struct {
	Path  string // only requests to this path ("" = any)
	Times int    // how many requests it affects (0 = 1)
	// Status answers with this HTTP status and a JSON error body.
	Status int
	// RetryAfter is sent as Retry-After (with Status 429, typically).
	RetryAfter string
	// Stall waits this long (or until the client gives up) before answering.
	Stall time.Duration
	// Reset closes the connection without answering.
	Reset bool
	// Malformed answers 200 with a truncated JSON body.
	Malformed bool
	// Body, with Status, is the JSON error body's members instead of the
	// emulator's {"status": "error", "error": "<text>"}: what a Solos that
	// echoes what it was sent would answer. With Status 200 it is the
	// error-in-a-200 answer PHP back ends give.
	Body map[string]any
	// Header, with Status, adds these headers to the answer.
	Header http.Header
}

// Emulator is an http.Handler speaking the Solos projects API.
type Emulator struct {
	opts Options
	r    renderer
	data *data

	requests emukit.Recorder[Request]
	faults   emukit.Queue[Fault]
}

// faultStyle is how the emulator answers a reset or malformed fault; a
// reset closes the connection without a TCP RST.
var faultStyle = emukit.Style{ContentType: "application/json",
	Malformed: `{"data": [{"id": 1, "name": "Внедрение`, Graceful: true}

// New builds an emulator over freshly seeded data.
func New(o Options) *Emulator {
	if o.Token == "" {
		o.Token = SandboxToken
	}
	if o.Secret == "" {
		o.Secret = SandboxSecret
	}
	if o.Today.IsZero() {
		o.Today = time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	}
	return &Emulator{opts: o, r: renderer{o.Style}, data: seed(o.Today)}
}

// Inject queues a fault; each request takes the first fault that matches it.
func (e *Emulator) Inject(f Fault) { e.faults.Add(f, f.Times) }

// Requests returns every request received so far, in order.
func (e *Emulator) Requests() []Request { return e.requests.All() }

// RequestsTo returns the requests received for one path.
func (e *Emulator) RequestsTo(path string) []Request {
	var out []Request
	for _, r := range e.Requests() {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// Count is the number of requests received for path ("" for all).
func (e *Emulator) Count(path string) int {
	if path == "" {
		return e.requests.Count(nil)
	}
	return e.requests.Count(func(r Request) bool { return r.Path == path })
}

// Forget drops the recorded requests (the data and faults stay).
func (e *Emulator) Forget() { e.requests.Reset() }

// ServeHTTP records the request, applies a pending fault, checks both
// credential headers, then routes.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, BasePath), "/")
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	e.requests.Add(Request{Method: r.Method, Path: path, Query: r.URL.Query(),
		Body: body, Header: r.Header.Clone()})

	if f, ok := e.faults.Take(func(f Fault) bool { return f.Path == "" || f.Path == path }); ok {
		if e.fail(w, r, f) {
			return
		}
	}
	if !e.authorized(r) {
		writeError(w, http.StatusUnauthorized, "Неверный токен или секретный ключ")
		return
	}
	h, ok := e.route(r.Method, path)
	if !ok {
		writeError(w, http.StatusNotFound, "Метод не найден")
		return
	}
	status, v := h(r.URL.Query(), body)
	writeJSON(w, status, v)
}

// fail applies f; it reports whether the request has been answered.
func (e *Emulator) fail(w http.ResponseWriter, r *http.Request, f Fault) bool {
	if faultStyle.Apply(w, r, emukit.Generic{Stall: f.Stall, Reset: f.Reset, Malformed: f.Malformed}) {
		return true
	}
	if f.Status == 0 {
		return false
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	for k, vs := range f.Header {
		w.Header()[k] = vs
	}
	if f.Body != nil {
		writeJSON(w, f.Status, f.Body)
		return true
	}
	writeError(w, f.Status, http.StatusText(f.Status))
	return true
}

func (e *Emulator) authorized(r *http.Request) bool {
	tok := r.Header.Get("X-Crypto-Token")
	sec := r.Header.Get("X-Crypto-Secret")
	okTok := subtle.ConstantTimeCompare([]byte(tok), []byte(e.opts.Token)) == 1
	okSec := subtle.ConstantTimeCompare([]byte(sec), []byte(e.opts.Secret)) == 1
	return okTok && okSec
}

type handler func(q url.Values, body []byte) (int, any)

func (e *Emulator) route(method, path string) (handler, bool) {
	type key struct{ m, p string }
	routes := map[key]handler{
		{http.MethodGet, "/projects"}:              e.listProjects,
		{http.MethodPost, "/projects/filter"}:      e.filterProjects,
		{http.MethodGet, "/projects/info"}:         e.projectInfo,
		{http.MethodGet, "/projects/steps"}:        e.projectSteps,
		{http.MethodGet, "/projects/actions"}:      e.projectActions,
		{http.MethodGet, "/projects/actions/info"}: e.actionInfo,
		{http.MethodGet, "/projects/checklists"}:   e.projectChecklists,
		{http.MethodGet, "/projects/goods"}:        e.projectGoods,
		{http.MethodGet, "/projects/payments"}:     e.projectPayments,
	}
	h, ok := routes[key{method, path}]
	return h, ok
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, obj{{"status", "error"}, {"error", msg}})
}

func errorBody(msg string) any { return obj{{"status", "error"}, {"error", msg}} }

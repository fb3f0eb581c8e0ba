// Package emulator is an in-memory r_keeper WebDelivery CRM: every CRM API
// call of the docs in the response envelope, with the sid and objectId
// checks, seeded data, request recording and fault injection for tests.
package emulator

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crmgateway/gateway/internal/emukit"
)

// Defaults of the sandbox: a 64-hex-character sid as the vendor's keys are,
// an object (restaurant) number, and the docs' base path.
const (
	DefaultSID      = "5f2b8c6e1d0a4f3b9e7c2a1d8b6f4e3c0a9d7b5e3c1f2a4b6d8e0c2a4f6b8d0e"
	DefaultObjectID = "1001"
	BasePath        = "/api/v1/crm"
	// Ver is the WebDelivery version the envelope reports.
	Ver = "1.3.0.32"
)

// Error codes the emulator answers with. The docs list none but DLW-0023;
// the others are the project's assumption, shared with the adapter in its
// README (each side keeps its own copy on purpose).
const (
	CodeBadSID      = "DLW-0001"
	CodeBadObject   = "DLW-0002"
	CodeBadRequest  = "DLW-0003"
	CodeNotFound    = "DLW-0004"
	CodeUnsupported = "DLW-0005"
	CodeInUse       = "DLW-0006"
	CodeRK7         = "DLW-0023"
)

var codeStatus = map[string]int{
	CodeBadSID: http.StatusUnauthorized, CodeBadObject: http.StatusForbidden, CodeBadRequest: http.StatusBadRequest,
	CodeNotFound: http.StatusNotFound, CodeUnsupported: http.StatusNotImplemented, CodeInUse: http.StatusConflict,
	CodeRK7: http.StatusServiceUnavailable,
}

// Request is one request the emulator received, as it arrived.
type Request struct {
	Method string
	Path   string // relative to the base path, e.g. "Clients/Contacts"
	Query  url.Values
	Body   []byte
	Header http.Header
	// RequestID is the requestId the emulator answered with ("" if none).
	RequestID string
}

// Fault is injected into the next Times matching requests.
type Fault struct {
	Method string // "" matches any method
	Path   string // "" matches any path
	Times  int    // how many requests it hits (0 means 1)
	// Status answers with this HTTP status. With Code set the body is an
	// Err envelope with that upstream code; otherwise a plain-text body.
	Status int
	Code   string
	// RetryAfter sets the Retry-After header (seconds) on a Status answer.
	RetryAfter int
	// Stall holds the answer this long (or until the caller gives up, in
	// which case nothing is applied), then answers normally.
	Stall time.Duration
	// Reset closes the connection without an answer (TCP RST).
	Reset bool
	// Malformed answers 200 with a truncated JSON body.
	Malformed bool
	// Errors answers an Err envelope with these elements (under Status, or
	// 200 when Status is 0): a refusal of several fields, or texts that
	// echo what the CRM was sent.
	Errors []EnvelopeError
	// RequestID, with Errors, is the envelope's requestId instead of the
	// emulator's own.
	RequestID string
	// Header adds these headers to a Status or Errors answer.
	Header http.Header
	// Empty answers status "Ok" with this JSON text as data ("null", "{}",
	// "[]"): how a CRM may answer a read of an id it does not hold.
	Empty string
}

// EnvelopeError is one element of an Err envelope's errors.
type EnvelopeError struct {
	Code    string `json:"code"`
	Text    string `json:"text"`
	Details string `json:"details"`
}

// Emulator is an http.Handler; build it with New. Safe for concurrent use.
type Emulator struct {
	SID      string
	ObjectID string
	basePath string

	mu                sync.Mutex
	st                *store
	reqs              emukit.Recorder[Request]
	faults            emukit.Queue[Fault]
	deleteUnsupported bool
	errorStatus       bool
	seq               int
}

// faultStyle is how the emulator answers a reset or malformed fault.
var faultStyle = emukit.Style{ContentType: "application/json", Malformed: `{"data": [{"id": "1", "name": "Дом`}

// New returns an emulator with the seeded data and default credentials.
func New() *Emulator {
	return &Emulator{SID: DefaultSID, ObjectID: DefaultObjectID, basePath: BasePath, st: newStore()}
}

// SetClientDeleteUnsupported makes DELETE Clients fail as it does in the
// CRM versions that do not support it.
func (e *Emulator) SetClientDeleteUnsupported(v bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.deleteUnsupported = v
}

// SetErrorHTTPStatus chooses how "status": "Err" answers are sent: false
// (the default) under HTTP 200, true under a matching 4xx/5xx status.
func (e *Emulator) SetErrorHTTPStatus(v bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errorStatus = v
}

// Inject adds a fault for the next matching requests.
func (e *Emulator) Inject(f Fault) { e.faults.Add(f, f.Times) }

// Requests returns a copy of every request received so far.
func (e *Emulator) Requests() []Request {
	if out := e.reqs.All(); out != nil {
		return out
	}
	return []Request{}
}

// Count reports the requests received with method ("" any) and path ("" any).
func (e *Emulator) Count(method, path string) int {
	return e.reqs.Count(func(r Request) bool {
		return (method == "" || r.Method == method) && (path == "" || r.Path == path)
	})
}

// ResetRequests forgets the recorded requests.
func (e *Emulator) ResetRequests() { e.reqs.Reset() }

// ClientIDs lists the seeded and created clients' ids, sorted.
func (e *Emulator) ClientIDs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var ids []string
	for id := range e.st.clients {
		ids = append(ids, id)
	}
	sortStrings(ids)
	return ids
}

// apiError is an Err answer: code, text and the details that name the
// offending parameter or field.
type apiError struct {
	code, text, details string
}

func (a *apiError) Error() string { return a.code + " " + a.text }

func badRequest(field, text string) *apiError {
	return &apiError{code: CodeBadRequest, text: text, details: field}
}
func notFound(what, id string) *apiError {
	return &apiError{code: CodeNotFound, text: what + " не найден(а)", details: id}
}

func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	path := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, e.basePath), "/")
	rec := Request{Method: r.Method, Path: path, Query: r.URL.Query(), Body: body, Header: r.Header.Clone()}

	// Under e.mu, requests are numbered, recorded and matched to faults
	// in one order.
	e.mu.Lock()
	e.seq++
	rec.RequestID = fmt.Sprintf("%016x%016x", uint64(time.Now().UnixNano()), uint64(e.seq))
	ticket := e.reqs.Add(rec)
	f, faulty := e.faults.Take(func(f Fault) bool {
		return (f.Method == "" || f.Method == r.Method) && (f.Path == "" || f.Path == path)
	})
	e.mu.Unlock()

	if faulty {
		if done := e.applyFault(w, r, f, rec.RequestID); done {
			e.reqs.Update(ticket, func(r *Request) { r.RequestID = "" })
			return
		}
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	data, aerr := e.route(r, path, rec.Query, body)
	status := http.StatusOK
	env := map[string]any{"ver": Ver, "timestamp": time.Now().Format("2006-01-02T15:04:05"), "requestId": rec.RequestID}
	if aerr != nil {
		env["status"] = "Err"
		env["errors"] = []map[string]string{{"code": aerr.code, "text": aerr.text, "details": aerr.details}}
		if e.errorStatus {
			status = codeStatus[aerr.code]
		}
	} else {
		env["status"] = "Ok"
		env["data"] = data
	}
	writeJSON(w, status, env)
}

// applyFault carries a fault out; it reports whether the answer is done.
func (e *Emulator) applyFault(w http.ResponseWriter, r *http.Request, f Fault, reqID string) bool {
	if faultStyle.Apply(w, r, emukit.Generic{Stall: f.Stall, Reset: f.Reset, Malformed: f.Malformed}) {
		return true
	}
	if f.Empty != "" {
		writeJSON(w, http.StatusOK, map[string]any{"ver": Ver, "timestamp": time.Now().Format("2006-01-02T15:04:05"),
			"status": "Ok", "requestId": reqID, "data": json.RawMessage(f.Empty)})
		return true
	}
	if f.Status == 0 && len(f.Errors) == 0 {
		return false
	}
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
	}
	for k, vs := range f.Header {
		w.Header()[k] = vs
	}
	if len(f.Errors) > 0 {
		if f.RequestID != "" {
			reqID = f.RequestID
		}
		writeJSON(w, cmp.Or(f.Status, http.StatusOK), map[string]any{"ver": Ver,
			"timestamp": time.Now().Format("2006-01-02T15:04:05"), "status": "Err", "requestId": reqID, "errors": f.Errors})
		return true
	}
	if f.Code != "" {
		writeJSON(w, f.Status, map[string]any{"ver": Ver, "timestamp": time.Now().Format("2006-01-02T15:04:05"),
			"status": "Err", "requestId": reqID,
			"errors": []map[string]string{{"code": f.Code, "text": "RK7 error", "details": "Not answer from WS"}}})
		return true
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(f.Status)
	_, _ = io.WriteString(w, http.StatusText(f.Status))
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// route checks the credentials and serves one call. The caller holds e.mu.
func (e *Emulator) route(r *http.Request, path string, q url.Values, body []byte) (any, *apiError) {
	if r.Header.Get("sid") != e.SID {
		return nil, &apiError{code: CodeBadSID, text: "Неверный ключ доступа (sid)", details: "sid"}
	}
	if !q.Has("objectId") {
		return nil, badRequest("objectId", "Не указан идентификатор объекта")
	}
	if q.Get("objectId") != e.ObjectID {
		return nil, &apiError{code: CodeBadObject, text: "Объект недоступен", details: "objectId"}
	}
	s := e.st
	switch r.Method + " " + path {
	case "GET TypesContacts":
		out := make([]contactType, len(s.contactTypes))
		copy(out, s.contactTypes)
		sortContactTypes(out)
		return out, nil
	case "GET TypesAddresses":
		return plainList(byName(s.addressTypes)), nil
	case "GET Countries":
		return plainList(byName(s.countries)), nil
	case "GET Cities":
		return e.listCities(q)
	case "POST Cities":
		return e.createCity(q, body)
	case "PUT Cities":
		return e.updateCity(q, body)
	case "DELETE Cities":
		return e.deleteCity(q)
	case "GET MetroStations":
		id, err := param(q, "cityId")
		if err != nil {
			return nil, err
		}
		if _, _, ok := s.cityCountry(id); !ok {
			return nil, notFound("Город", id)
		}
		return plainList(s.metro[id]), nil
	case "GET Streets":
		id, err := param(q, "cityId")
		if err != nil {
			return nil, err
		}
		if _, _, ok := s.cityCountry(id); !ok {
			return nil, notFound("Город", id)
		}
		return streetList(byName(s.streets[id])), nil
	case "POST Streets":
		return e.createStreet(q, body)
	case "PUT Streets":
		return e.updateStreet(q, body)
	case "DELETE Streets":
		return e.deleteStreet(q)
	case "GET Clients":
		id, err := param(q, "Id")
		if err != nil {
			return nil, err
		}
		c, ok := s.clients[id]
		if !ok {
			return nil, notFound("Клиент", id)
		}
		return c, nil
	case "POST Clients":
		return e.createClient(body)
	case "PUT Clients":
		return e.updateClient(q, body)
	case "DELETE Clients":
		return e.deleteClient(q)
	case "POST Clients/Contacts", "PUT Clients/Contacts", "DELETE Clients/Contacts":
		return e.contacts(r.Method, q, body)
	case "POST Clients/Addresses", "PUT Clients/Addresses", "DELETE Clients/Addresses":
		return e.addresses(r.Method, q, body)
	}
	return nil, &apiError{code: CodeBadRequest, text: "Неизвестный метод API", details: r.Method + " " + path}
}

func param(q url.Values, name string) (string, *apiError) {
	v := q.Get(name)
	if v == "" {
		return "", badRequest(name, "Не указан параметр "+name)
	}
	return v, nil
}

func plainList(refs []ref) []map[string]string {
	out := make([]map[string]string, 0, len(refs))
	for _, r := range refs {
		out = append(out, r.plain())
	}
	return out
}

func streetList(refs []ref) []map[string]string {
	out := make([]map[string]string, 0, len(refs))
	for _, r := range refs {
		out = append(out, r.street())
	}
	return out
}

func formatID(n int64) string { return strconv.FormatInt(n, 10) }

// Package reqinfo owns the record of one request as it runs: its id,
// route, GraphQL operation, outcome, upstream calls and cache use. Every
// layer adds to it; the access log and the metrics read it once at the
// end, so the two cannot disagree. It is a leaf: it imports nothing of
// the project.
package reqinfo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"maps"
	"slices"
	"sync"
	"time"
)

// Record is what one request did. Fields set once at the start (ID,
// Start) are read freely; the rest go through the methods, which are safe
// for the concurrent resolvers of one request.
type Record struct {
	ID    string
	Start time.Time

	mu            sync.Mutex
	route         string
	operationType string
	operationName string
	trusted       bool
	codes         []string
	upstream      map[string]int
	shared        int
	cacheHits     int
	cacheMisses   int
	caller        string
	tenant        string
	stale         []Stale
	outcome       string
}

// Stale is one upstream answer served from the last good one. Where is
// the context of the call: the GraphQL layer reads the field's path from
// it when it writes the response.
type Stale struct {
	Backend string
	Cause   string // the contract code of the failure the stale answer covers
	Age     time.Duration
	Where   context.Context
}

// New starts a record with id (a well-formed caller-supplied id, else a
// fresh one).
func New(id string) *Record {
	if !ValidID(id) {
		id = NewID()
	}
	return &Record{ID: id, Start: time.Now()}
}

// NewID makes a request id: 16 random bytes, hex.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ValidID accepts what a caller may name its request with: 1 to 128
// letters, digits and "-_.:/" — enough for UUIDs, ULIDs and most proxies'
// ids, and nothing that could break a log line or a header.
func ValidID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-' || c == '_' || c == '.' || c == ':' || c == '/':
		default:
			return false
		}
	}
	return true
}

type ctxKey struct{}

// With returns ctx carrying r.
func With(ctx context.Context, r *Record) context.Context {
	return context.WithValue(ctx, ctxKey{}, r)
}

// From returns the request's record; nil outside a request (every method
// is safe on nil).
func From(ctx context.Context) *Record {
	r, _ := ctx.Value(ctxKey{}).(*Record)
	return r
}

// IDFrom is the request id, "" outside a request.
func IDFrom(ctx context.Context) string {
	if r := From(ctx); r != nil {
		return r.ID
	}
	return ""
}

// SetRoute records the matched route pattern.
func (r *Record) SetRoute(route string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.route = route
	r.mu.Unlock()
}

// SetOperation records the GraphQL operation.
func (r *Record) SetOperation(typ, name string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.operationType, r.operationName = typ, name
	r.mu.Unlock()
}

// MarkTrusted records that the document is a trusted one, vetted by the
// operator: its operation name may then label metrics.
func (r *Record) MarkTrusted() {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.trusted = true
	r.mu.Unlock()
}

// AddErrorCode records one error the caller received.
func (r *Record) AddErrorCode(code string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	if !slices.Contains(r.codes, code) {
		r.codes = append(r.codes, code)
	}
	r.mu.Unlock()
}

// AddUpstreamCall records one call to a backend.
func (r *Record) AddUpstreamCall(backend string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	if r.upstream == nil {
		r.upstream = map[string]int{}
	}
	r.upstream[backend]++
	r.mu.Unlock()
}

// AddSharedCall records an upstream answer the request took from an
// identical call already in flight instead of calling itself.
func (r *Record) AddSharedCall() {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.shared++
	r.mu.Unlock()
}

// AddCache records one cache lookup.
func (r *Record) AddCache(hit bool) {
	if r == nil {
		return
	}
	r.mu.Lock()
	if hit {
		r.cacheHits++
	} else {
		r.cacheMisses++
	}
	r.mu.Unlock()
}

// SetOutcome records how a GraphQL operation ended: "ok" (no error),
// "partial" (data and errors) or "error" (no data).
func (r *Record) SetOutcome(outcome string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.outcome = outcome
	r.mu.Unlock()
}

// AddStale records an answer served from stale data, by the call's
// context.
func (r *Record) AddStale(where context.Context, backend, cause string, age time.Duration) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.stale = append(r.stale, Stale{Backend: backend, Cause: cause, Age: age, Where: where})
	r.mu.Unlock()
}

// StaleAnswers lists the stale answers served so far.
func (r *Record) StaleAnswers() []Stale {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.stale)
}

// SetCaller records who called (a key name or a token subject) and the
// caller's tenant.
func (r *Record) SetCaller(name, tenant string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.caller, r.tenant = name, tenant
	r.mu.Unlock()
}

// Snapshot is a copy of the record, read once the request is over.
type Snapshot struct {
	ID, Route                    string
	OperationType, OperationName string
	Trusted                      bool
	ErrorCodes                   []string
	Upstream                     map[string]int
	SharedCalls                  int
	CacheHits, CacheMisses       int
	Caller, Tenant               string
	Stale                        bool
	Outcome                      string
}

// Snapshot copies the record.
func (r *Record) Snapshot() Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	var up map[string]int // nil when no upstream was called
	if len(r.upstream) > 0 {
		up = maps.Clone(r.upstream)
	}
	return Snapshot{ID: r.ID, Route: r.route, OperationType: r.operationType, OperationName: r.operationName,
		Trusted: r.trusted, ErrorCodes: slices.Clone(r.codes), Upstream: up, SharedCalls: r.shared, CacheHits: r.cacheHits,
		CacheMisses: r.cacheMisses, Caller: r.caller, Tenant: r.tenant, Stale: len(r.stale) > 0, Outcome: r.outcome}
}

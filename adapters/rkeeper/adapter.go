// Package rkeeper is the r_keeper WebDelivery CRM adapter: delivery clients
// (contacts, addresses, accounts, cards) and the address reference data,
// spoken over the shared upstream client in r_keeper's response envelope.
package rkeeper

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/metrics"
	"github.com/crmgateway/gateway/internal/upstream"
)

// Options configures the adapter.
type Options struct {
	// ObjectID is the restaurant (object) number sent as objectId on every call.
	ObjectID string
	// CacheTTL is how long reference lists are reused; 0 turns the shared
	// cache off (one request still reads each list once).
	CacheTTL time.Duration
	// CacheEntries and CacheItems bound the cache (lists, and elements of
	// all lists); zero takes the defaults (1024 lists, 500 000 elements).
	CacheEntries int
	CacheItems   int
	Metrics      *metrics.Metrics
	// Shared is the cache's second level, shared by every replica of the
	// gateway (Redis); nil keeps the cache in process.
	Shared SharedCache
}

// SharedCache is a second-level cache every replica reads. Values live
// for a TTL; a write bumps the generation, which makes every replica drop
// the lists it holds before its next read. The cache given to an adapter
// is already scoped to its account.
type SharedCache interface {
	Get(ctx context.Context, key string) ([]byte, bool)
	Set(ctx context.Context, key string, value []byte, ttl time.Duration)
	// Generation is false when the shared cache cannot say.
	Generation(ctx context.Context) (uint64, bool)
	Bump(ctx context.Context)
}

// Adapter reads and writes one r_keeper object. Safe for concurrent use.
type Adapter struct {
	http     *upstream.Client
	objectID string
	cache    *refCache
}

// New builds the adapter over the shared upstream client, whose Authorize
// adds the sid header.
func New(client *upstream.Client, o Options) *Adapter {
	return &Adapter{
		http:     client,
		objectID: o.ObjectID,
		cache:    newRefCache(o.CacheTTL, o.CacheEntries, o.CacheItems, o.Metrics, o.Shared),
	}
}

// call is one upstream call, described once: path and query as the docs
// spell them (objectId is added here), the JSON body, and the wire field →
// input path map for upstream validation errors.
type call struct {
	method string
	path   string
	query  url.Values
	body   any
	fields map[string]string
	// reference marks a read of reference data, which may be served from
	// the last good answer while the upstream is down.
	reference bool
}

// do sends c and returns the envelope's data. Writes are sent exactly once
// (the shared client never retries them).
func (a *Adapter) do(ctx context.Context, c call) (json.RawMessage, error) {
	data, _, err := a.doFetched(ctx, c)
	return data, err
}

// doFetched is do that also says how the answer was obtained (fresh, or
// the last good one while the upstream is down).
func (a *Adapter) doFetched(ctx context.Context, c call) (json.RawMessage, *domain.Fetched, error) {
	q := url.Values{}
	for k, v := range c.query {
		q[k] = v
	}
	q.Set("objectId", a.objectID)
	req := &upstream.Request{Method: c.method, Path: c.path, Query: q, Accept: "application/json", Reference: c.reference}
	if c.body != nil {
		b, err := json.Marshal(c.body)
		if err != nil {
			return nil, nil, &apierr.Error{Code: apierr.Internal, Message: "internal error", Err: err, Outcome: apierr.OutcomeNotSent}
		}
		req.Body, req.ContentType = b, "application/json"
	}
	resp, err := a.http.Do(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	// decodeEnvelope copies data out of the body (encoding/json does).
	defer resp.Release()
	// Every text the envelope supplies may echo the sid: it is redacted
	// as it is read.
	d, err := decodeEnvelope(c.method, resp.Status, resp.Body, c.fields, a.http.Redact)
	if err != nil {
		// The envelope can refuse the gateway under an HTTP 200: the
		// client's view of the upstream's health must hear of it.
		a.http.Observe(apierr.CodeOf(err))
		if e, ok := apierr.As(err); ok && e.Code == apierr.RateLimited {
			if d, ok := upstream.RetryAfter(resp.Header, time.Now()); ok {
				e.RetryAfterSeconds = int((d + time.Second - 1) / time.Second)
			}
		}
		return nil, nil, err
	}
	return d.Data, domain.FetchedNow(resp.Stale, a.http.RedactBytes), nil
}

// badPayload wraps a payload the adapter could not decode, keeping the
// cause internal; for a write the outcome is unknown, as it was applied
// or not before the answer came.
func badPayload(method string, err error) error {
	return malformed(method, "the r_keeper answer could not be read", err)
}

func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// notFound is the error of an id the upstream's lists do not hold.
func notFound(what, id string) error {
	return &apierr.Error{Code: apierr.NotFound, Upstream: Upstream,
		Message: "r_keeper has no " + what + " with id " + truncate(strings.TrimSpace(id), 40)}
}

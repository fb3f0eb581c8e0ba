// Package upstream owns the one HTTP client every adapter uses to reach a
// CRM: per-call deadline, circuit breaker, GET-only retries, a bound on
// concurrent calls, metrics, and redaction of credentials from errors.
package upstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/sony/gobreaker/v2"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/metrics"
	"github.com/crmgateway/gateway/internal/redact"
	"github.com/crmgateway/gateway/internal/reqinfo"
)

// Options configures the client of one backend.
type Options struct {
	Name          string // synergy | solos | rkeeper: metric label and error upstream
	BaseURL       string
	Timeout       time.Duration // deadline of one call, retries included
	MaxConcurrent int
	MaxRetries    int
	// Authorize adds the backend's credentials to each outgoing request.
	Authorize func(*http.Request)
	// Secrets are redacted from every error and log line, with Redactor's
	// when both are set.
	Secrets []string
	// Redactor, when set, is used instead of one built from Secrets: the
	// process-wide redactor of every configured credential.
	Redactor *redact.Redactor
	// Transport is the innermost RoundTripper; nil means a shared pooled one.
	Transport http.RoundTripper
	Metrics   *metrics.Metrics
	Logger    *slog.Logger
	// MaxResponseBytes is the largest answer read (default 32 MiB); a
	// longer one is UPSTREAM_ERROR, refused without being read whole.
	MaxResponseBytes int64
	// Budget, shared by every client of the process, bounds the answers
	// held in memory at once; nil: no bound.
	Budget *Budget
	// Breaker tunes the circuit breaker; zero values take the defaults.
	Breaker BreakerSettings
	// Tracer makes one client span per attempt; nil when tracing is off.
	Tracer trace.TracerProvider
	// StaleFor is how long the last good answer of a GET may be served,
	// marked stale, when the upstream cannot answer (no answer, 5xx, open
	// breaker); ReferenceStaleFor the same for requests marked Reference.
	// Zero: never.
	StaleFor          time.Duration
	ReferenceStaleFor time.Duration
	// Account names whose credentials the client sends ("default" for the
	// process's own, else the tenant), for the metrics of the upstream's
	// own rate limit.
	Account string
	// Coalesce lets a GET identical to one in flight (same URL, same
	// Accept) take that one's answer instead of being sent.
	Coalesce bool
}

// Request is one call to the upstream, relative to its base URL.
type Request struct {
	Method string
	// Path is appended to the base URL. It is already escaped: adapters
	// escape each segment once (url.PathEscape) and the client sends it as
	// it is, never escaping it again. A "." or ".." segment is refused.
	Path        string
	Query       url.Values
	Body        []byte
	ContentType string
	Accept      string
	// Reference marks a read of reference data (lists that change
	// rarely), which Options.ReferenceStaleFor governs.
	Reference bool
}

// Response is an upstream answer read in full; any HTTP status is a
// Response, only a call that got no answer is an error. Body lives in a
// pooled buffer that counts against the process's Budget until Release:
// the caller releases it once decoded (see Release for the rule).
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// Stale is the age of an answer served from the last good one because
	// the upstream could not answer; zero for a fresh answer.
	Stale time.Duration
	// staleCause is the failure a stale answer covers.
	staleCause apierr.Code
	hold       *hold
	// shared is set when coalesced calls hold the answer together;
	// released marks this holder's Release done.
	shared   *sharedAnswer
	released atomic.Bool
}

// Client is safe for concurrent use; build one per backend with New.
type Client struct {
	account  string
	breaker  func() gobreaker.State
	health   health
	name     string
	base     *url.URL
	timeout  time.Duration
	rt       http.RoundTripper
	auth     func(*http.Request) // Options.Authorize
	redactor *redact.Redactor
	maxBody  int64
	budget   *Budget
	log      *slog.Logger
	stale    *staleStore
	flights  *flights // nil unless Options.Coalesce
	// staleFor and refStaleFor are Options.StaleFor and ReferenceStaleFor.
	staleFor, refStaleFor time.Duration
}

var sharedTransport = &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	MaxIdleConns:          256,
	MaxIdleConnsPerHost:   64,
	IdleConnTimeout:       90 * time.Second,
	TLSHandshakeTimeout:   5 * time.Second,
	ExpectContinueTimeout: time.Second,
	ForceAttemptHTTP2:     true,
	// A page of a CRM list is tens of kilobytes: read with a buffer that
	// holds it, it comes in with one read instead of three.
	ReadBufferSize: 64 << 10,
}

// New builds the client and its RoundTripper chain.
func New(o Options) (*Client, error) {
	base, err := url.Parse(strings.TrimRight(o.BaseURL, "/"))
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("upstream %s: invalid base URL", o.Name)
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = 16
	}
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = 32 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Redactor == nil {
		o.Redactor = redact.New(o.Secrets...)
	} else if len(o.Secrets) > 0 {
		o.Redactor = o.Redactor.With(o.Secrets...)
	}
	if o.Metrics == nil {
		o.Metrics = metrics.New()
	}
	if o.Transport == nil {
		o.Transport = sharedTransport
	}
	c := &Client{
		name:     o.Name,
		base:     base,
		timeout:  o.Timeout,
		redactor: o.Redactor,
		maxBody:  o.MaxResponseBytes,
		budget:   o.Budget,
		log:      o.Logger,
		auth:     o.Authorize,
	}
	c.rt, c.breaker = chain(o)
	c.staleFor, c.refStaleFor = o.StaleFor, o.ReferenceStaleFor
	if c.staleFor > 0 || c.refStaleFor > 0 {
		c.stale = newStaleStore(staleStoreBytes)
	}
	c.account = o.Account
	if c.account == "" {
		c.account = "default"
	}
	if o.Coalesce {
		c.flights = newFlights(o.Metrics.UpstreamCoalesced.WithLabelValues(o.Name))
	}
	return c, nil
}

// Health is what the client knows of its upstream's state, for /readyz.
type Health struct {
	Backend, Account string
	// Breaker is "closed", "half-open" or "open".
	Breaker     string
	LastSuccess time.Time // zero: no call has succeeded yet
	LastError   time.Time // zero: no call has failed yet
	// LastErrorCode is the contract code of the last failure.
	LastErrorCode apierr.Code
}

// Reachable reports whether the upstream can serve calls as far as the
// client knows: its breaker is not open and its last call, if any, did
// not fail. A failure is no answer, a 5xx, or a refusal of the gateway's
// credentials.
func (h Health) Reachable() bool {
	return h.Breaker != "open" && !h.LastError.After(h.LastSuccess)
}

// health tracks call outcomes without a lock.
type health struct {
	success, failure atomic.Int64 // unix nanoseconds
	code             atomic.Value // apierr.Code
}

func (h *health) ok() { h.success.Store(time.Now().UnixNano()) }

func (h *health) failed(code apierr.Code) {
	h.code.Store(code)
	h.failure.Store(time.Now().UnixNano())
}

// Observe corrects the client's view of its upstream with what an adapter
// read in an answer the client took for a success: an error envelope
// under HTTP 200 that refuses the gateway's credentials or says the
// upstream is down is a failure for /readyz.
func (c *Client) Observe(code apierr.Code) {
	switch code {
	case apierr.UpstreamUnauthenticated, apierr.UpstreamForbidden, apierr.UpstreamUnavailable:
		c.health.failed(code)
	}
}

// Health returns the client's view of its upstream.
func (c *Client) Health() Health {
	out := Health{Backend: c.name, Account: c.account, Breaker: c.breaker().String()}
	if ns := c.health.success.Load(); ns != 0 {
		out.LastSuccess = time.Unix(0, ns)
	}
	if ns := c.health.failure.Load(); ns != 0 {
		out.LastError = time.Unix(0, ns)
		out.LastErrorCode, _ = c.health.code.Load().(apierr.Code)
	}
	return out
}

// Name is the backend's name as it appears in errors and metrics.
func (c *Client) Name() string { return c.name }

// Do sends r and reads the whole answer. Transport failures come back as
// *apierr.Error with the contract's code and, for writes, the outcome.
// With Options.Coalesce, a GET identical to one in flight takes that
// one's answer instead of being sent (see flights).
func (c *Client) Do(ctx context.Context, r *Request) (*Response, error) {
	u := *c.base
	if err := c.setPath(&u, r.Path); err != nil {
		return nil, c.fail(r.Method, apierr.Internal, "could not build the upstream request", apierr.OutcomeNotSent, err)
	}
	if len(r.Query) > 0 {
		// The base URL's own query (a fixed parameter of the backend) is
		// kept; the request's parameters follow it.
		if u.RawQuery != "" {
			u.RawQuery += "&" + r.Query.Encode()
		} else {
			u.RawQuery = r.Query.Encode()
		}
	}
	switch {
	case c.flights == nil:
	case r.Method == http.MethodGet:
		return c.coalesced(ctx, r, &u)
	case IsWrite(r.Method):
		c.flights.forget()
	}
	return c.do(ctx, r, &u)
}

// do sends r to u.
func (c *Client) do(ctx context.Context, r *Request, u *url.URL) (*Response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	// The URL is given as built, not printed and parsed again.
	req, err := http.NewRequestWithContext(ctx, r.Method, "", body)
	if err != nil {
		return nil, c.fail(r.Method, apierr.Internal, "could not build the upstream request", apierr.OutcomeNotSent, err)
	}
	req.URL, req.Host = u, u.Host
	if r.ContentType != "" {
		req.Header.Set("Content-Type", r.ContentType)
	}
	if r.Accept != "" {
		req.Header.Set("Accept", r.Accept)
	}
	rec := reqinfo.From(ctx)
	if rec != nil {
		req.Header.Set("X-Request-Id", rec.ID)
	}
	// The credentials go on the request Do owns, before the chain: a
	// RoundTripper would have to copy the request to add them.
	if c.auth != nil {
		c.auth(req)
	}
	rec.AddUpstreamCall(c.name)
	start := time.Now()
	window := c.staleWindow(r)
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		e := c.transportError(ctx, r.Method, err)
		if e.Code != apierr.RateLimited && ctx.Err() != context.Canceled {
			c.health.failed(e.Code)
		}
		c.logFailure(ctx, r.Method, u.Path, 0, time.Since(start), e)
		if e.Code != apierr.RateLimited && e.Code != apierr.Internal {
			if out, ok := c.serveStale(ctx, req.URL.String(), window, e.Code); ok {
				return out, nil
			}
		}
		return nil, e
	}
	switch code := CodeForStatus(resp.StatusCode); {
	case resp.StatusCode >= 500, code == apierr.UpstreamUnauthenticated, code == apierr.UpstreamForbidden:
		c.health.failed(code)
	default:
		c.health.ok()
	}
	defer resp.Body.Close()
	h, err := readBody(ctx, resp.Body, resp.ContentLength, c.maxBody, c.budget)
	switch {
	case errors.Is(err, errTooLarge):
		return nil, c.fail(r.Method, apierr.UpstreamError,
			fmt.Sprintf("the %s answer is too large: the gateway accepts at most %d bytes", c.name, c.maxBody), apierr.OutcomeUnknown, nil)
	case errors.Is(err, errNoRoom):
		return nil, c.fail(r.Method, apierr.UpstreamTimeout,
			"the gateway is holding too many upstream answers; no room for this one before the deadline", apierr.OutcomeUnknown, err)
	case err != nil:
		return nil, c.transportError(ctx, r.Method, err)
	}
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		c.logFailure(ctx, r.Method, u.Path, resp.StatusCode, time.Since(start), nil)
	} else {
		c.log.LogAttrs(ctx, slog.LevelDebug, "upstream call",
			slog.String("upstream", c.name), slog.String("method", r.Method),
			slog.String("path", c.redactor.String(u.Path)), slog.Int("status", resp.StatusCode),
			slog.Duration("took", time.Since(start)))
	}
	if window > 0 {
		switch {
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			c.stale.put(req.URL.String(), resp.StatusCode, resp.Header, h.buf.Bytes())
		case resp.StatusCode >= 500:
			if out, ok := c.serveStale(ctx, req.URL.String(), window, apierr.UpstreamError); ok {
				failed := &Response{}
				failed.attach(h)
				failed.Release()
				return out, nil
			}
		}
	}
	out := &Response{Status: resp.StatusCode, Header: resp.Header}
	out.attach(h)
	return out, nil
}

// staleWindow is how old an answer to r may be served when the upstream
// cannot answer; zero for writes and when staleness is off.
func (c *Client) staleWindow(r *Request) time.Duration {
	if c.stale == nil || r.Method != http.MethodGet {
		return 0
	}
	if r.Reference {
		return c.refStaleFor
	}
	return c.staleFor
}

// serveStale answers from the last good answer to the same URL, if it is
// young enough, and records the staleness for the caller's response.
func (c *Client) serveStale(ctx context.Context, key string, window time.Duration, cause apierr.Code) (*Response, bool) {
	if window <= 0 {
		return nil, false
	}
	e, ok := c.stale.get(key, window)
	if !ok {
		return nil, false
	}
	age := time.Since(e.at)
	reqinfo.From(ctx).AddStale(ctx, c.name, string(cause), age)
	c.log.LogAttrs(ctx, slog.LevelWarn, "serving a stale answer", slog.String("upstream", c.name),
		slog.String("cause", string(cause)), slog.Duration("age", age))
	return &Response{Status: e.status, Header: e.header, Body: e.body, Stale: age, staleCause: cause}, true
}

// setPath appends the escaped path p to u's path. The escaped form is kept
// as the URL's RawPath, so what the adapter escaped is sent escaped once.
func (c *Client) setPath(u *url.URL, p string) error {
	p = strings.TrimLeft(p, "/")
	for _, seg := range strings.Split(p, "/") {
		s, err := url.PathUnescape(seg)
		if err != nil {
			return fmt.Errorf("path segment %q is not escaped correctly", seg)
		}
		if s == "." || s == ".." {
			return fmt.Errorf("path segment %q would climb the upstream's path", seg)
		}
	}
	raw := strings.TrimRight(c.base.EscapedPath(), "/") + "/" + p
	dec, err := url.PathUnescape(raw)
	if err != nil {
		return fmt.Errorf("the path is not escaped correctly")
	}
	u.Path, u.RawPath = dec, raw
	return nil
}

// logFailure writes one WARN line for a call that failed: no answer, a
// 5xx, or a 429. The line carries the request id (from ctx) and the cause.
func (c *Client) logFailure(ctx context.Context, method, path string, status int, took time.Duration, cause *apierr.Error) {
	attrs := []slog.Attr{slog.String("upstream", c.name), slog.String("method", method),
		slog.String("path", c.redactor.String(path)), slog.Duration("took", took)}
	if status != 0 {
		attrs = append(attrs, slog.Int("status", status))
	}
	if cause != nil {
		attrs = append(attrs, slog.String("code", string(cause.Code)), slog.String("error", cause.Error()))
	}
	c.log.LogAttrs(ctx, slog.LevelWarn, "upstream call failed", attrs...)
}

// Redact removes the client's secrets (Options.Secrets) from s. Adapters
// pass every upstream-supplied text through it before it goes into an
// error, since an upstream may echo the credentials it refuses.
func (c *Client) Redact(s string) string { return c.redactor.String(s) }

// RedactBytes is Redact for a record kept as bytes; b itself when it holds
// no credential.
func (c *Client) RedactBytes(b []byte) []byte { return c.redactor.Bytes(b) }

// IsWrite reports whether a method changes upstream state.
func IsWrite(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

func (c *Client) fail(method string, code apierr.Code, msg string, outcome apierr.Outcome, cause error) *apierr.Error {
	e := &apierr.Error{Code: code, Upstream: c.name, Message: msg}
	if cause != nil {
		e.Err = errors.New(c.redactor.String(cause.Error()))
	}
	if IsWrite(method) {
		e.Outcome = outcome
		e.Message = WriteMessage(msg, outcome)
	}
	return e
}

// WriteMessage states a failed write's outcome in its message, so that a
// client reading only the message knows whether to check before retrying.
func WriteMessage(msg string, outcome apierr.Outcome) string {
	switch outcome {
	case apierr.OutcomeUnknown:
		return msg + "; the write may or may not have been applied (outcome unknown): read the entity back before retrying"
	case apierr.OutcomeNotSent:
		return msg + "; the write was not sent, nothing was changed"
	}
	return msg
}

func (c *Client) transportError(ctx context.Context, method string, err error) *apierr.Error {
	switch {
	case errors.As(err, new(*coolingDown)):
		cd := err.(*coolingDown)
		e := c.fail(method, apierr.RateLimited, c.name+" asked the gateway to slow down; calls are paused until its Retry-After passes", apierr.OutcomeNotSent, nil)
		e.RetryAfterSeconds = cd.seconds()
		return e
	case errors.Is(err, errBreakerOpen):
		return c.fail(method, apierr.UpstreamUnavailable, c.name+" is failing; calls are paused by the circuit breaker", apierr.OutcomeNotSent, err)
	case errors.Is(err, errNoSlot):
		return c.fail(method, apierr.UpstreamTimeout, c.name+" is saturated; no call slot became free before the deadline", apierr.OutcomeNotSent, err)
	case isDialError(err):
		return c.fail(method, apierr.UpstreamUnavailable, c.name+" is unreachable", apierr.OutcomeNotSent, err)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) || isTimeout(err):
		return c.fail(method, apierr.UpstreamTimeout, c.name+" did not answer in time", apierr.OutcomeUnknown, err)
	case errors.Is(err, context.Canceled):
		return c.fail(method, apierr.UpstreamTimeout, "the request was cancelled before "+c.name+" answered", apierr.OutcomeUnknown, err)
	default:
		return c.fail(method, apierr.UpstreamError, "the connection to "+c.name+" failed", apierr.OutcomeUnknown, err)
	}
}

// StatusError maps an upstream HTTP error status to the contract's codes.
// msg is the client-facing text; for writes the outcome is stated too.
func StatusError(upstream, method string, status int, msg string) *apierr.Error {
	code := CodeForStatus(status)
	if msg == "" {
		msg = fmt.Sprintf("%s answered HTTP %d", upstream, status)
	}
	e := &apierr.Error{Code: code, Upstream: upstream, Message: msg}
	if IsWrite(method) {
		if status >= 500 || status == http.StatusRequestTimeout {
			e.Outcome = apierr.OutcomeUnknown
		} else {
			e.Outcome = apierr.OutcomeRejected
		}
		e.Message = WriteMessage(msg, e.Outcome)
	}
	return e
}

// CodeForStatus is the contract's code for an upstream HTTP status.
func CodeForStatus(status int) apierr.Code {
	switch {
	case status == http.StatusUnauthorized:
		return apierr.UpstreamUnauthenticated
	case status == http.StatusForbidden:
		return apierr.UpstreamForbidden
	case status == http.StatusNotFound || status == http.StatusGone:
		return apierr.NotFound
	case status == http.StatusTooManyRequests:
		return apierr.RateLimited
	case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout:
		return apierr.UpstreamTimeout
	case status == http.StatusBadRequest || status == http.StatusConflict || status == http.StatusUnprocessableEntity:
		return apierr.BadUserInput
	default:
		return apierr.UpstreamError
	}
}

// maxRetryAfter caps a Retry-After, so that an absurd value stays a long
// wait instead of overflowing time.Duration (or a caller's arithmetic on it).
const maxRetryAfter = time.Duration(math.MaxInt32) * time.Second

// RetryAfter parses a Retry-After header: delay-seconds (digits only, per
// RFC 9110) or an HTTP date. Anything else is no Retry-After at all.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if strings.Trim(v, "0123456789") == "" {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true // only digits: too many of them
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfter), true
	}
	return 0, false
}

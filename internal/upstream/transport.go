package upstream

import (
	"context"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/crmgateway/gateway/internal/metrics"
)

// BreakerSettings tunes the per-backend circuit breaker.
type BreakerSettings struct {
	ConsecutiveFailures uint32        // failures in a row that open it (default 8)
	OpenFor             time.Duration // how long it stays open (default 5s)
}

var (
	errBreakerOpen = errors.New("circuit breaker open")
	errNoSlot      = errors.New("no concurrency slot before the deadline")
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// chain builds the RoundTripper chain in its one visible order. Before it,
// Do lets an identical GET in flight answer (flights, coalesce.go), and
// sets the per-call deadline and the credentials (Options.Authorize) on
// the request it sends down all of it; then, outermost first:
//
//	cooldown → circuit breaker → retry (GET only) → trace → concurrency bound → metrics → transport
//
// The breaker sees one result per logical call; every retry attempt takes
// its own concurrency slot and is counted in the metrics.
func chain(o Options) (http.RoundTripper, func() gobreaker.State) {
	rt := o.Transport
	rt = instrument(o.Name, o.Metrics, rt)
	rt = bound(o.Name, o.MaxConcurrent, o.Metrics, rt)
	rt = traced(o.Name, o.Tracer, rt)
	rt = retry(o.Name, o.MaxRetries, o.Metrics, rt)
	rt, state := breaker(o.Name, o.Account, o.Breaker, o.Metrics, rt)
	rt = cooldown(o.Name, o.Account, o.Metrics, rt)
	return rt, state
}

// Bounds of the pause an upstream's 429 imposes: its Retry-After, never
// more than maxCooldown. A 429 without Retry-After pauses nothing at first;
// from the freeStrikes+1-th in a row the pause doubles from one second up
// to maxGuessedCooldown, until any other answer.
const (
	maxCooldown        = 10 * time.Minute
	freeStrikes        = 2
	maxGuessedCooldown = time.Minute
)

// coolingDown refuses a call while the upstream's own rate limit is in
// force.
type coolingDown struct{ left time.Duration }

func (c *coolingDown) Error() string { return "upstream rate limit in force for " + c.left.String() }

func (c *coolingDown) seconds() int { return max(1, int(math.Ceil(c.left.Seconds()))) }

// cooldown honours the upstream's own budget: once a call ends in 429
// (after any retry within the call's deadline), every call of this client
// (one CRM account) is refused at once with RATE_LIMITED until the
// Retry-After passes, instead of hammering an upstream that asked for
// quiet. Each tenant's account has its own client, so its own pause.
func cooldown(name, account string, m *metrics.Metrics, next http.RoundTripper) http.RoundTripper {
	if account == "" {
		account = "default"
	}
	var until atomic.Int64   // unix nanoseconds
	var strikes atomic.Int64 // 429s without Retry-After in a row
	throttled := m.UpstreamThrottled.MustCurryWith(prometheus.Labels{"upstream": name, "account": account})
	gauge := m.UpstreamCooldownUntil.WithLabelValues(name, account)
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		now := time.Now()
		if u := until.Load(); now.UnixNano() < u {
			throttled.WithLabelValues("paused").Inc()
			return nil, &coolingDown{left: time.Duration(u - now.UnixNano())}
		}
		resp, err := next.RoundTrip(r)
		if err != nil {
			return resp, err
		}
		if resp.StatusCode != http.StatusTooManyRequests {
			strikes.Store(0)
			return resp, err
		}
		throttled.WithLabelValues("429").Inc()
		wait, ok := RetryAfter(resp.Header, now)
		if !ok {
			wait = 0
			if n := strikes.Add(1); n > freeStrikes {
				wait = min(time.Second<<min(n-freeStrikes-1, 16), maxGuessedCooldown)
			}
		}
		if wait > 0 { // "Retry-After: 0" asks for no pause
			end := now.Add(min(wait, maxCooldown))
			until.Store(end.UnixNano())
			gauge.Set(float64(end.Unix()))
		}
		return resp, err
	})
}

// traced gives every attempt its client span (otelhttp): method, URL,
// status, the retry attempt, and the trace context sent upstream. Span
// strings are redacted when exported.
func traced(name string, tp trace.TracerProvider, next http.RoundTripper) http.RoundTripper {
	if tp == nil {
		return next // tracing is off: not even no-op spans
	}
	attempt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		span := trace.SpanFromContext(r.Context())
		span.SetAttributes(attribute.String("peer.service", name))
		if n, ok := r.Context().Value(attemptKey{}).(int); ok && n > 0 {
			span.SetAttributes(attribute.Int("http.request.resend_count", n))
		}
		return next.RoundTrip(r)
	})
	return otelhttp.NewTransport(attempt, otelhttp.WithTracerProvider(tp),
		otelhttp.WithPropagators(otel.GetTextMapPropagator()),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + name }))
}

// attemptKey carries a retried request's attempt number (1 for the first
// retry) to its span.
type attemptKey struct{}

// serverFailure marks a 5xx answer as a failure for the breaker while still
// handing the response back.
type serverFailure struct{ resp *http.Response }

func (s serverFailure) Error() string { return "upstream status " + strconv.Itoa(s.resp.StatusCode) }

func breaker(name, account string, s BreakerSettings, m *metrics.Metrics, next http.RoundTripper) (http.RoundTripper, func() gobreaker.State) {
	if s.ConsecutiveFailures == 0 {
		s.ConsecutiveFailures = 8
	}
	if s.OpenFor == 0 {
		s.OpenFor = 5 * time.Second
	}
	if account == "" {
		account = "default"
	}
	gauge := m.BreakerState.WithLabelValues(name, account)
	gauge.Set(0)
	cb := gobreaker.NewCircuitBreaker[*http.Response](gobreaker.Settings{
		Name:        name,
		MaxRequests: 1,
		Timeout:     s.OpenFor,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= s.ConsecutiveFailures },
		OnStateChange: func(_ string, _, to gobreaker.State) {
			gauge.Set(float64(to))
		},
		// A caller that gave up says nothing about the upstream's health.
		IsExcluded: func(err error) bool { return errors.Is(err, context.Canceled) || errors.Is(err, errNoSlot) },
	})
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := cb.Execute(func() (*http.Response, error) {
			resp, err := next.RoundTrip(r)
			if err == nil && resp.StatusCode >= 500 {
				return resp, serverFailure{resp}
			}
			return resp, err
		})
		var sf serverFailure
		switch {
		case errors.As(err, &sf):
			return sf.resp, nil
		case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
			return nil, errBreakerOpen
		}
		return resp, err
	}), cb.State
}

// retry re-sends a GET after a transient failure: 429, 500, 502, 503, 504
// or a connection error. It waits a jittered exponential backoff, or the
// upstream's Retry-After, on a timer that yields to cancellation, and never
// waits past the call's deadline. Writes pass through untouched.
func retry(name string, max int, m *metrics.Metrics, next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			return next.RoundTrip(r)
		}
		ctx := r.Context()
		req := r
		for attempt := 0; ; attempt++ {
			if attempt > 0 {
				req = r.Clone(context.WithValue(ctx, attemptKey{}, attempt))
				if r.GetBody != nil {
					// The transport consumed the body: send a fresh copy.
					body, err := r.GetBody()
					if err != nil {
						return nil, err
					}
					req.Body = body
				}
			}
			resp, err := next.RoundTrip(req)
			reason := retryReason(resp, err)
			if reason == "" || attempt >= max || ctx.Err() != nil {
				return resp, err
			}
			wait := backoff(attempt)
			if resp != nil {
				if ra, ok := RetryAfter(resp.Header, time.Now()); ok {
					wait = ra
				}
			}
			if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
				return resp, err // the wait would outlive the call: answer now
			}
			if resp != nil {
				_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
				resp.Body.Close()
			}
			m.UpstreamRetries.WithLabelValues(name, reason).Inc()
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			case <-t.C:
			}
		}
	})
}

func retryReason(resp *http.Response, err error) string {
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
			errors.Is(err, errBreakerOpen) || errors.Is(err, errNoSlot) {
			return ""
		}
		return "connection"
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return "status_" + strconv.Itoa(resp.StatusCode)
	}
	return ""
}

// backoff is full-jitter exponential: uniform in [0, 100ms·2^attempt], capped at 2s.
func backoff(attempt int) time.Duration {
	ceil := 100 * time.Millisecond << attempt
	if ceil > 2*time.Second {
		ceil = 2 * time.Second
	}
	return time.Duration(rand.Int64N(int64(ceil))) + time.Millisecond
}

// bound lets at most n attempts talk to the upstream at once. An attempt
// holds its slot until its answer's body is closed, not just until the
// headers arrive: a slow body is still a call the upstream is serving.
func bound(name string, n int, m *metrics.Metrics, next http.RoundTripper) http.RoundTripper {
	slots := make(chan struct{}, n)
	inFlight := m.UpstreamInFlight.WithLabelValues(name)
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		select {
		case slots <- struct{}{}:
		case <-r.Context().Done():
			return nil, errNoSlot
		}
		inFlight.Inc()
		release := sync.OnceFunc(func() {
			inFlight.Dec()
			<-slots
		})
		resp, err := next.RoundTrip(r)
		if err != nil {
			release()
			return resp, err
		}
		resp.Body = &slotBody{ReadCloser: resp.Body, release: release}
		return resp, nil
	})
}

// slotBody gives the concurrency slot back when the body is closed.
type slotBody struct {
	io.ReadCloser
	release func()
}

func (b *slotBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}

func instrument(name string, m *metrics.Metrics, next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		start := time.Now()
		resp, err := next.RoundTrip(r)
		m.UpstreamDuration.WithLabelValues(name, r.Method).Observe(time.Since(start).Seconds())
		status := "error"
		switch {
		case err == nil:
			status = strconv.Itoa(resp.StatusCode)
		case isTimeout(err) || errors.Is(err, context.DeadlineExceeded):
			status = "timeout"
		}
		m.UpstreamRequests.WithLabelValues(name, r.Method, status).Inc()
		return resp, err
	})
}

func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

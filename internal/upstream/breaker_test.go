package upstream_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/metrics"
	"github.com/crmgateway/gateway/internal/upstream"
)

const (
	breakerClosed = 0
	breakerOpen   = 2
)

func breakerState(m *metrics.Metrics) float64 {
	return testutil.ToFloat64(m.BreakerState.WithLabelValues("synergy", "default"))
}

// tripped builds a client whose breaker opens after 3 failed calls and
// trips it with failing calls of method against s.
func tripped(t *testing.T, s *stub, method string, openFor time.Duration, maxRetries int) (*upstream.Client, *metrics.Metrics) {
	t.Helper()
	c, m := newClient(t, s.srv.URL, func(o *upstream.Options) {
		o.MaxRetries = maxRetries
		o.Breaker = upstream.BreakerSettings{ConsecutiveFailures: 3, OpenFor: openFor}
	})
	for i := range 3 {
		if got := breakerState(m); got != breakerClosed {
			t.Fatalf("breaker state %v before failure %d, want closed", got, i+1)
		}
		resp, err := c.Do(context.Background(), &upstream.Request{Method: method, Path: "/x", Body: bodyFor(method)})
		if err != nil {
			t.Fatalf("failing call %d: %v", i+1, err)
		}
		if resp.Status < 500 {
			t.Fatalf("failing call %d answered %d", i+1, resp.Status)
		}
	}
	if got := breakerState(m); got != breakerOpen {
		t.Fatalf("breaker state %v after 3 failures, want open", got)
	}
	return c, m
}

func TestBreakerOpensAndFailsFast(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		trip       string // method of the failing calls
		maxRetries int
		status     int
	}{
		{"POST 500s", http.MethodPost, 0, 500},
		{"GET 503s without retries", http.MethodGet, 0, 503},
		// The breaker counts calls, not attempts: 3 calls of 3 attempts.
		{"GET 502s with retries", http.MethodGet, 2, 502},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, step{status: tc.status, retryAfter: "0"})
			c, _ := tripped(t, s, tc.trip, time.Minute, tc.maxRetries)
			if got, want := s.count(), 3*(tc.maxRetries+1); got != want {
				t.Fatalf("upstream saw %d requests while tripping, want %d", got, want)
			}
			before := s.count()
			for _, method := range allMethods {
				resp, err := c.Do(context.Background(), &upstream.Request{Method: method, Path: "/x", Body: bodyFor(method)})
				if resp != nil {
					t.Fatalf("%s: got a response %d through an open breaker", method, resp.Status)
				}
				e := mustAPIErr(t, err, apierr.UpstreamUnavailable, method, apierr.OutcomeNotSent)
				if !strings.Contains(e.Message, "circuit breaker") {
					t.Errorf("%s: message = %q", method, e.Message)
				}
			}
			if got := s.count(); got != before {
				t.Errorf("upstream saw %d requests through an open breaker", got-before)
			}
		})
	}
}

func TestBreakerProbeCloses(t *testing.T) {
	t.Parallel()
	const openFor = 100 * time.Millisecond
	s := newStub(t, step{status: 500})
	c, m := tripped(t, s, http.MethodPost, openFor, 0)
	s.setSteps(step{status: 200, body: "healthy"})
	tripCount := s.count()

	// Poll until the breaker lets a probe through; every refused call must
	// leave the upstream untouched.
	var resp *upstream.Response
	for i := 0; ; i++ {
		if i == 200 {
			t.Fatal("the breaker never let a probe through")
		}
		r, err := c.Do(context.Background(), &upstream.Request{Method: http.MethodGet, Path: "/probe"})
		if err == nil {
			resp = r
			break
		}
		mustAPIErr(t, err, apierr.UpstreamUnavailable, http.MethodGet, "")
		if got := s.count(); got != tripCount {
			t.Fatalf("a refused call reached the upstream (%d requests, want %d)", got, tripCount)
		}
		time.Sleep(openFor / 5)
	}
	if resp.Status != 200 || string(resp.Body) != "healthy" {
		t.Fatalf("probe got %d %q", resp.Status, resp.Body)
	}
	if got := s.count(); got != tripCount+1 {
		t.Errorf("upstream saw %d probes, want 1", got-tripCount)
	}
	if got := breakerState(m); got != breakerClosed {
		t.Errorf("breaker state %v after a good probe, want closed", got)
	}
	for _, method := range allMethods {
		if _, err := c.Do(context.Background(), &upstream.Request{Method: method, Path: "/y", Body: bodyFor(method)}); err != nil {
			t.Errorf("%s after closing: %v", method, err)
		}
	}
	if got := s.count(); got != tripCount+1+len(allMethods) {
		t.Errorf("upstream saw %d requests after closing, want %d", got-tripCount-1, len(allMethods))
	}
}

func TestBreakerFailedProbeReopens(t *testing.T) {
	t.Parallel()
	const openFor = 100 * time.Millisecond
	s := newStub(t, step{status: 503})
	c, m := tripped(t, s, http.MethodGet, openFor, 0)
	tripCount := s.count()
	for i := 0; s.count() == tripCount; i++ {
		if i == 200 {
			t.Fatal("the breaker never let a probe through")
		}
		time.Sleep(openFor / 5)
		_, _ = c.Do(context.Background(), &upstream.Request{Method: http.MethodGet, Path: "/probe"})
	}
	if got := s.count(); got != tripCount+1 {
		t.Fatalf("upstream saw %d probes, want 1", got-tripCount)
	}
	if got := breakerState(m); got != breakerOpen {
		t.Fatalf("breaker state %v after a failed probe, want open", got)
	}
	_, err := c.Do(context.Background(), &upstream.Request{Method: http.MethodPost, Path: "/x", Body: []byte("{}")})
	mustAPIErr(t, err, apierr.UpstreamUnavailable, http.MethodPost, apierr.OutcomeNotSent)
	if got := s.count(); got != tripCount+1 {
		t.Errorf("a call reached the upstream through the reopened breaker")
	}
}

func TestBreakerIgnores(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		step step
	}{
		{"4xx", step{status: 404}},
		{"422", step{status: 422}},
		{"429", step{status: 429, retryAfter: "0"}},
		{"2xx", step{status: 200}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, tc.step)
			c, m := newClient(t, s.srv.URL, func(o *upstream.Options) {
				o.MaxRetries = 0
				o.Breaker = upstream.BreakerSettings{ConsecutiveFailures: 2, OpenFor: time.Minute}
			})
			for i := range 6 {
				resp, err := c.Do(context.Background(), &upstream.Request{Method: http.MethodPost, Path: "/x", Body: []byte("{}")})
				if err != nil {
					t.Fatalf("call %d: %v", i+1, err)
				}
				if resp.Status != tc.step.status {
					t.Fatalf("call %d: status %d", i+1, resp.Status)
				}
			}
			if got := s.count(); got != 6 {
				t.Errorf("upstream saw %d requests, want 6", got)
			}
			if got := breakerState(m); got != breakerClosed {
				t.Errorf("breaker state %v, want closed", got)
			}
		})
	}
}

func TestBreakerOpensOnTransportFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		step    step
		timeout time.Duration
		code    apierr.Code
	}{
		{"stalls", step{stall: true}, 100 * time.Millisecond, apierr.UpstreamTimeout},
		{"resets", step{reset: true}, 5 * time.Second, apierr.UpstreamError},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, tc.step)
			c, m := newClient(t, s.srv.URL, func(o *upstream.Options) {
				o.MaxRetries = 0
				o.Timeout = tc.timeout
				o.Breaker = upstream.BreakerSettings{ConsecutiveFailures: 2, OpenFor: time.Minute}
			})
			for range 2 {
				_, err := c.Do(context.Background(), &upstream.Request{Method: http.MethodPost, Path: "/x", Body: []byte("{}")})
				mustAPIErr(t, err, tc.code, http.MethodPost, apierr.OutcomeUnknown)
			}
			if got := breakerState(m); got != breakerOpen {
				t.Fatalf("breaker state %v, want open", got)
			}
			_, err := c.Do(context.Background(), &upstream.Request{Method: http.MethodPost, Path: "/x", Body: []byte("{}")})
			mustAPIErr(t, err, apierr.UpstreamUnavailable, http.MethodPost, apierr.OutcomeNotSent)
			if got := s.count(); got != 2 {
				t.Errorf("upstream saw %d requests, want 2", got)
			}
		})
	}
}

// A caller that gives up says nothing about the upstream's health.
func TestBreakerIgnoresCancelledCalls(t *testing.T) {
	t.Parallel()
	s := newStub(t, step{stall: true})
	c, m := newClient(t, s.srv.URL, func(o *upstream.Options) {
		o.Timeout = 30 * time.Second
		o.Breaker = upstream.BreakerSettings{ConsecutiveFailures: 1, OpenFor: time.Minute}
	})
	for i := range 3 {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := c.Do(ctx, &upstream.Request{Method: http.MethodGet, Path: "/x"})
			done <- err
		}()
		waitFor(t, "the call to reach the upstream", func() bool { return s.count() == i+1 })
		cancel()
		err := <-done
		e := mustAPIErr(t, err, apierr.UpstreamTimeout, http.MethodGet, "")
		if !strings.Contains(e.Message, "cancelled") {
			t.Errorf("message = %q", e.Message)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("a cancellation reported as a deadline: %v", err)
		}
	}
	if got := breakerState(m); got != breakerClosed {
		t.Errorf("breaker state %v after cancelled calls, want closed", got)
	}
	s.setSteps(step{status: 200})
	if _, err := c.Do(context.Background(), &upstream.Request{Method: http.MethodGet, Path: "/x"}); err != nil {
		t.Errorf("after cancelled calls: %v", err)
	}
}

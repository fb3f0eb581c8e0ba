package upstream_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/upstream"
)

var allMethods = append([]string{http.MethodGet}, writeMethods...)

func TestDeadline(t *testing.T) {
	t.Parallel()
	stalls := []struct {
		name string
		step step
	}{
		{"no headers", step{stall: true}},
		{"headers then no body", step{status: 200, stallBody: true, body: "late"}},
	}
	for _, st := range stalls {
		for _, method := range allMethods {
			t.Run(st.name+"/"+method, func(t *testing.T) {
				t.Parallel()
				s := newStub(t, st.step)
				c, m := newClient(t, s.srv.URL, func(o *upstream.Options) { o.Timeout = 150 * time.Millisecond })
				resp, err := c.Do(context.Background(), &upstream.Request{Method: method, Path: "/slow", Body: bodyFor(method)})
				if resp != nil {
					t.Fatalf("got a response %d from a stalled upstream", resp.Status)
				}
				e := mustAPIErr(t, err, apierr.UpstreamTimeout, method, apierr.OutcomeUnknown)
				if !strings.Contains(e.Message, "did not answer in time") {
					t.Errorf("message = %q", e.Message)
				}
				// A deadline is not retried: the call's time is spent.
				if got := s.count(); got != 1 {
					t.Errorf("upstream saw %d requests, want 1", got)
				}
				if got := testutil.ToFloat64(m.UpstreamInFlight.WithLabelValues("synergy")); got != 0 {
					t.Errorf("in-flight gauge = %v after the call, want 0", got)
				}
			})
		}
	}
}

func TestCallerDeadlineShorterThanTimeout(t *testing.T) {
	t.Parallel()
	s := newStub(t, step{stall: true})
	c, _ := newClient(t, s.srv.URL, func(o *upstream.Options) { o.Timeout = time.Minute })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.Do(ctx, &upstream.Request{Method: http.MethodPost, Path: "/x", Body: []byte("{}")})
	mustAPIErr(t, err, apierr.UpstreamTimeout, http.MethodPost, apierr.OutcomeUnknown)
}

func TestConnectionRefused(t *testing.T) {
	t.Parallel()
	for _, method := range allMethods {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			c, m := newClient(t, "http://"+closedAddr(t)+"/api", func(o *upstream.Options) { o.MaxRetries = 2 })
			resp, err := c.Do(context.Background(), &upstream.Request{Method: method, Path: "/x", Body: bodyFor(method)})
			if resp != nil {
				t.Fatalf("got a response %d", resp.Status)
			}
			e := mustAPIErr(t, err, apierr.UpstreamUnavailable, method, apierr.OutcomeNotSent)
			if !strings.Contains(e.Message, "unreachable") {
				t.Errorf("message = %q", e.Message)
			}
			// A GET is retried on a connection error; a write is tried once.
			want := 1.0
			if method == http.MethodGet {
				want = 3
			}
			if got := testutil.ToFloat64(m.UpstreamRequests.WithLabelValues("synergy", method, "error")); got != want {
				t.Errorf("requests_total{status=error} = %v, want %v", got, want)
			}
		})
	}
}

func TestConcurrencyBound(t *testing.T) {
	t.Parallel()
	blocks := []struct {
		name string
		step step
	}{
		{"blocks before answering", step{stall: true}},
		{"blocks in the body", step{status: 200, stallBody: true, body: "done"}},
	}
	for _, b := range blocks {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, b.step)
			c, m := newClient(t, s.srv.URL, func(o *upstream.Options) { o.MaxConcurrent = 2; o.Timeout = 30 * time.Second })
			const calls = 8
			var wg sync.WaitGroup
			errs := make(chan error, calls)
			for i := range calls {
				method := allMethods[i%len(allMethods)]
				wg.Go(func() {
					_, err := c.Do(context.Background(), &upstream.Request{Method: method, Path: "/x", Body: bodyFor(method)})
					errs <- err
				})
			}
			waitFor(t, "two requests in flight", func() bool { n, _ := s.current(); return n >= 2 })
			if got := testutil.ToFloat64(m.UpstreamInFlight.WithLabelValues("synergy")); got != 2 {
				t.Errorf("in-flight gauge = %v, want 2", got)
			}
			// Give the other callers the chance to overrun the bound; the
			// assertion below is on the server's count, not on time.
			time.Sleep(50 * time.Millisecond)
			if _, peak := s.current(); peak > 2 {
				t.Fatalf("upstream saw %d requests in flight, bound is 2", peak)
			}
			s.releaseAll()
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Errorf("Do: %v", err)
				}
			}
			if _, peak := s.current(); peak != 2 {
				t.Errorf("peak in flight = %d, want exactly 2", peak)
			}
			if got := s.count(); got != calls {
				t.Errorf("upstream saw %d requests, want %d", got, calls)
			}
			if got := testutil.ToFloat64(m.UpstreamInFlight.WithLabelValues("synergy")); got != 0 {
				t.Errorf("in-flight gauge = %v after all calls, want 0", got)
			}
		})
	}
}

func TestNoSlotBeforeDeadline(t *testing.T) {
	t.Parallel()
	for _, method := range allMethods {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, step{stall: true})
			c, _ := newClient(t, s.srv.URL, func(o *upstream.Options) {
				o.MaxConcurrent = 2
				o.Timeout = 30 * time.Second
				o.Breaker = upstream.BreakerSettings{ConsecutiveFailures: 1, OpenFor: time.Minute}
			})
			var wg sync.WaitGroup
			for range 2 {
				wg.Go(func() {
					_, _ = c.Do(context.Background(), &upstream.Request{Method: http.MethodGet, Path: "/hold"})
				})
			}
			waitFor(t, "both slots taken", func() bool { n, _ := s.current(); return n == 2 })

			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			_, err := c.Do(ctx, &upstream.Request{Method: method, Path: "/waiting", Body: bodyFor(method)})
			e := mustAPIErr(t, err, apierr.UpstreamTimeout, method, apierr.OutcomeNotSent)
			if !strings.Contains(e.Message, "saturated") {
				t.Errorf("message = %q", e.Message)
			}
			if got := s.count(); got != 2 {
				t.Errorf("upstream saw %d requests, want the 2 holders only", got)
			}
			s.setSteps(step{status: 200, body: "ok"})
			s.releaseAll()
			wg.Wait()
			// Waiting for a slot says nothing about the upstream's health:
			// the breaker (tripping on one failure here) stays closed.
			resp, err := c.Do(context.Background(), &upstream.Request{Method: method, Path: "/after", Body: bodyFor(method)})
			if err != nil || resp.Status != 200 {
				t.Fatalf("after the holders finished: %v %v", resp, err)
			}
		})
	}
}

func TestMaxResponseBytes(t *testing.T) {
	t.Parallel()
	const limit = 1024
	cases := []struct {
		name   string
		method string
		size   int
		ok     bool
	}{
		{"GET at the limit", http.MethodGet, limit, true},
		{"GET one byte over", http.MethodGet, limit + 1, false},
		{"GET far over", http.MethodGet, 1 << 20, false},
		{"POST at the limit", http.MethodPost, limit, true},
		{"POST over", http.MethodPost, limit + 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, step{status: 200, body: strings.Repeat("я", tc.size/2) + strings.Repeat("x", tc.size%2)})
			c, _ := newClient(t, s.srv.URL, func(o *upstream.Options) { o.MaxResponseBytes = limit })
			resp, err := c.Do(context.Background(), &upstream.Request{Method: tc.method, Path: "/big", Body: bodyFor(tc.method)})
			if tc.ok {
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				if len(resp.Body) != tc.size {
					t.Errorf("body is %d bytes, want %d", len(resp.Body), tc.size)
				}
				return
			}
			if resp != nil {
				t.Fatalf("got a response of %d bytes over the cap", len(resp.Body))
			}
			e := mustAPIErr(t, err, apierr.UpstreamError, tc.method, apierr.OutcomeUnknown)
			if !strings.Contains(e.Message, "too large") {
				t.Errorf("message = %q", e.Message)
			}
			if got := s.count(); got != 1 {
				t.Errorf("upstream saw %d requests, want 1", got)
			}
		})
	}
}

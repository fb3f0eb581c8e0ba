package upstream_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/upstream"
)

// TestUpstreamRateLimitPausesCalls: once the upstream answers 429 with a
// Retry-After past the call's deadline, the account's next calls, reads
// and writes, are refused at once with RATE_LIMITED and the seconds left,
// and the upstream hears nothing more; another account is not paused.
func TestUpstreamRateLimitPausesCalls(t *testing.T) {
	s := newStub(t, step{status: http.StatusTooManyRequests, retryAfter: "120"}, step{status: 200, body: "ok"})
	c, m := newClient(t, s.srv.URL, func(o *upstream.Options) { o.Account = "acme" })
	resp, err := c.Do(context.Background(), &upstream.Request{Method: http.MethodGet, Path: "/x"})
	if err != nil || resp.Status != http.StatusTooManyRequests {
		t.Fatalf("first call: %v %v", resp, err)
	}
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		_, err := c.Do(context.Background(), &upstream.Request{Method: method, Path: "/x", Body: []byte("{}")})
		e := mustAPIErr(t, err, apierr.RateLimited, method, apierr.OutcomeNotSent)
		if e.RetryAfterSeconds < 110 || e.RetryAfterSeconds > 120 {
			t.Fatalf("%s: retryAfterSeconds %d", method, e.RetryAfterSeconds)
		}
	}
	if s.count() != 1 {
		t.Fatalf("the upstream heard %d requests during its pause", s.count())
	}
	if got := testutil.ToFloat64(m.UpstreamThrottled.WithLabelValues("synergy", "acme", "paused")); got != 2 {
		t.Fatalf("paused calls counted: %v", got)
	}
	if got := testutil.ToFloat64(m.UpstreamThrottled.WithLabelValues("synergy", "acme", "429")); got != 1 {
		t.Fatalf("429s counted: %v", got)
	}
	if v := testutil.ToFloat64(m.UpstreamCooldownUntil.WithLabelValues("synergy", "acme")); v == 0 {
		t.Fatal("the pause's end is not exported")
	}
	other, _ := newClient(t, s.srv.URL, func(o *upstream.Options) { o.Account = "globex" })
	if resp, err := other.Do(context.Background(), &upstream.Request{Method: http.MethodGet, Path: "/x"}); err != nil || resp.Status != 200 {
		t.Fatalf("another account was paused: %v %v", resp, err)
	}
}

// TestRepeated429WithoutRetryAfter: a 429 that says nothing of when to
// come back pauses nothing at first; one that keeps coming pauses the
// account, so the gateway does not hammer it.
func TestRepeated429WithoutRetryAfter(t *testing.T) {
	s := newStub(t, step{status: http.StatusTooManyRequests})
	c, _ := newClient(t, s.srv.URL, func(o *upstream.Options) { o.MaxRetries = 0 })
	for i := 0; i < 3; i++ {
		if resp, err := c.Do(context.Background(), &upstream.Request{Method: http.MethodGet, Path: "/x"}); err != nil || resp.Status != 429 {
			t.Fatalf("call %d: %v %v", i, resp, err)
		}
	}
	_, err := c.Do(context.Background(), &upstream.Request{Method: http.MethodGet, Path: "/x"})
	mustAPIErr(t, err, apierr.RateLimited, http.MethodGet, "")
	if s.count() != 3 {
		t.Fatalf("the upstream heard %d requests", s.count())
	}
}

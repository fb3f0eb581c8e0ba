package adaptertest

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/crmgateway/gateway/internal/apierr"
)

// op is the adapter call a check makes.
type op int

const (
	opRead op = iota
	opReadByID
	opReadMissing
	opWrite
)

func (o op) do(ctx context.Context, h Harness) error {
	switch o {
	case opReadByID:
		return h.ReadByID(ctx, false)
	case opReadMissing:
		return h.ReadByID(ctx, true)
	case opWrite:
		return h.Write(ctx)
	}
	return h.Read(ctx)
}

// check is one behaviour every adapter shares.
type check struct {
	name  string
	setup Setup
	fault *Fault // nil: the upstream behaves
	op    op
	// code is the contract code of the error; "" when the call succeeds.
	code apierr.Code
	// outcome is a failed write's outcome (reads carry none).
	outcome apierr.Outcome
	// requests is how many requests the emulator must have received;
	// -1 when the fault is answered before the emulator (EchoSecrets).
	requests int
	// retryAfter is the RetryAfterSeconds a RATE_LIMITED error carries.
	retryAfter int
}

const transientReadFailures = MaxRetries + 1 // a GET is sent this often before it fails

// readChecks hold for every adapter. A failed read carries no outcome.
var readChecks = []check{
	{name: "a read succeeds with one request", op: opRead, requests: 1},
	{name: "a seeded id reads with one request", op: opReadByID, requests: 1},
	{name: "an unknown id is NOT_FOUND", op: opReadMissing, code: apierr.NotFound, requests: 1},
	{name: "refused credentials are UPSTREAM_UNAUTHENTICATED", setup: Setup{WrongCredentials: true},
		code: apierr.UpstreamUnauthenticated, requests: 1},
	{name: "401 is UPSTREAM_UNAUTHENTICATED", fault: &Fault{Status: http.StatusUnauthorized}, code: apierr.UpstreamUnauthenticated, requests: 1},
	{name: "401 in the error document is UPSTREAM_UNAUTHENTICATED", fault: &Fault{Status: http.StatusUnauthorized, Envelope: true},
		code: apierr.UpstreamUnauthenticated, requests: 1},
	{name: "403 is UPSTREAM_FORBIDDEN", fault: &Fault{Status: http.StatusForbidden}, code: apierr.UpstreamForbidden, requests: 1},
	{name: "403 in the error document is UPSTREAM_FORBIDDEN", fault: &Fault{Status: http.StatusForbidden, Envelope: true},
		code: apierr.UpstreamForbidden, requests: 1},
	{name: "404 is NOT_FOUND", fault: &Fault{Status: http.StatusNotFound}, code: apierr.NotFound, requests: 1},
	{name: "429 with Retry-After beyond the deadline is RATE_LIMITED at once",
		fault: &Fault{Status: http.StatusTooManyRequests, RetryAfter: "120", Times: transientReadFailures},
		code:  apierr.RateLimited, requests: 1, retryAfter: RetryAfterSeconds},
	{name: "500 after every retry is UPSTREAM_ERROR", fault: &Fault{Status: http.StatusInternalServerError, Times: transientReadFailures},
		code: apierr.UpstreamError, requests: transientReadFailures},
	{name: "502 after every retry is UPSTREAM_ERROR", fault: &Fault{Status: http.StatusBadGateway, Times: transientReadFailures},
		code: apierr.UpstreamError, requests: transientReadFailures},
	{name: "503 after every retry is UPSTREAM_ERROR", fault: &Fault{Status: http.StatusServiceUnavailable, Times: transientReadFailures},
		code: apierr.UpstreamError, requests: transientReadFailures},
	{name: "one transient 503 is recovered by one retry", fault: &Fault{Status: http.StatusServiceUnavailable, RetryAfter: "0"},
		requests: 2},
	{name: "one reset connection is recovered by one retry", fault: &Fault{Reset: true}, requests: 2},
	{name: "a stall past the deadline is UPSTREAM_TIMEOUT", fault: &Fault{Stall: true}, code: apierr.UpstreamTimeout, requests: 1},
	{name: "a connection reset on every retry is UPSTREAM_ERROR", fault: &Fault{Reset: true, Times: transientReadFailures},
		code: apierr.UpstreamError, requests: transientReadFailures},
	{name: "a malformed body is UPSTREAM_ERROR", fault: &Fault{Malformed: true}, code: apierr.UpstreamError, requests: 1},
	{name: "a refused connection is UPSTREAM_UNAVAILABLE", fault: &Fault{Down: true}, code: apierr.UpstreamUnavailable},
	{name: "credentials echoed by the upstream are not shown", fault: &Fault{EchoSecrets: true},
		code: apierr.UpstreamUnauthenticated, requests: -1},
}

// writeChecks hold for every adapter that writes. A write is never
// retried: the emulator sees exactly one request whatever happens, and a
// failed write states its outcome.
var writeChecks = []check{
	{name: "a write succeeds with one request", requests: 1},
	{name: "refused credentials are UPSTREAM_UNAUTHENTICATED, REJECTED", setup: Setup{WrongCredentials: true},
		code: apierr.UpstreamUnauthenticated, outcome: apierr.OutcomeRejected, requests: 1},
	{name: "401 is UPSTREAM_UNAUTHENTICATED, REJECTED", fault: &Fault{Status: http.StatusUnauthorized},
		code: apierr.UpstreamUnauthenticated, outcome: apierr.OutcomeRejected, requests: 1},
	{name: "403 is UPSTREAM_FORBIDDEN, REJECTED", fault: &Fault{Status: http.StatusForbidden},
		code: apierr.UpstreamForbidden, outcome: apierr.OutcomeRejected, requests: 1},
	{name: "429 is RATE_LIMITED, REJECTED, not retried", fault: &Fault{Status: http.StatusTooManyRequests, RetryAfter: "120", Times: 2},
		code: apierr.RateLimited, outcome: apierr.OutcomeRejected, requests: 1, retryAfter: RetryAfterSeconds},
	{name: "500 is UPSTREAM_ERROR, UNKNOWN, not retried", fault: &Fault{Status: http.StatusInternalServerError, Times: 2},
		code: apierr.UpstreamError, outcome: apierr.OutcomeUnknown, requests: 1},
	{name: "503 is UPSTREAM_ERROR, UNKNOWN, not retried", fault: &Fault{Status: http.StatusServiceUnavailable, RetryAfter: "0", Times: 2},
		code: apierr.UpstreamError, outcome: apierr.OutcomeUnknown, requests: 1},
	{name: "a connection reset after sending is UPSTREAM_ERROR, UNKNOWN, not retried", fault: &Fault{Reset: true, Times: 2},
		code: apierr.UpstreamError, outcome: apierr.OutcomeUnknown, requests: 1},
	{name: "a stall past the deadline is UPSTREAM_TIMEOUT, UNKNOWN", fault: &Fault{Stall: true},
		code: apierr.UpstreamTimeout, outcome: apierr.OutcomeUnknown, requests: 1},
	{name: "a malformed answer is UPSTREAM_ERROR, UNKNOWN", fault: &Fault{Malformed: true},
		code: apierr.UpstreamError, outcome: apierr.OutcomeUnknown, requests: 1},
	{name: "a refused connection is UPSTREAM_UNAVAILABLE, NOT_SENT", fault: &Fault{Down: true},
		code: apierr.UpstreamUnavailable, outcome: apierr.OutcomeNotSent},
	{name: "credentials echoed by the upstream are not shown", fault: &Fault{EchoSecrets: true},
		code: apierr.UpstreamUnauthenticated, outcome: apierr.OutcomeRejected, requests: -1},
}

// Run runs every shared check against fresh harnesses from newHarness, in
// parallel subtests: "read/…" for every adapter, "write/…" for adapters
// that write. A read-only backend gets one "write/not applicable: …"
// subtest naming the reason instead of the write checks.
func Run(t *testing.T, newHarness NewHarness) {
	t.Helper()
	probe := newHarness(t, Setup{})
	if probe.Name() == "" {
		t.Fatal("the harness names no backend")
	}
	t.Run("read", func(t *testing.T) {
		for _, c := range readChecks {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				c.run(t, newHarness)
			})
		}
	})
	t.Run("write", func(t *testing.T) {
		if why := probe.ReadOnly(); why != "" {
			t.Run("not applicable: "+probe.Name()+" is read-only: "+why, func(t *testing.T) {
				t.Logf("%d write checks do not apply to %s: %s", len(writeChecks), probe.Name(), why)
			})
			return
		}
		for _, c := range writeChecks {
			c.op = opWrite
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				c.run(t, newHarness)
			})
		}
	})
}

func (c check) run(t *testing.T, newHarness NewHarness) {
	h := newHarness(t, c.setup)
	if c.fault != nil {
		h.Inject(*c.fault)
	}
	err := c.op.do(t.Context(), h)
	if c.requests >= 0 {
		defer func() {
			if got := h.Requests(); got != c.requests {
				t.Errorf("the emulator received %d requests, want %d", got, c.requests)
			}
		}()
	}
	if c.code == "" {
		if err != nil {
			t.Fatalf("want success, got %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("want %s, got success", c.code)
	}
	e, ok := apierr.As(err)
	if !ok {
		t.Fatalf("want an *apierr.Error %s, got %T: %v", c.code, err, err)
	}
	if e.Code != c.code {
		t.Errorf("code = %s, want %s (%v)", e.Code, c.code, err)
	}
	if e.Upstream != h.Name() {
		t.Errorf("upstream = %q, want %q (%v)", e.Upstream, h.Name(), err)
	}
	if e.Outcome != c.outcome {
		t.Errorf("outcome = %q, want %q (%v)", e.Outcome, c.outcome, err)
	}
	if c.retryAfter != 0 && e.RetryAfterSeconds != c.retryAfter {
		t.Errorf("retryAfterSeconds = %d, want %d", e.RetryAfterSeconds, c.retryAfter)
	}
	if e.Message == "" {
		t.Errorf("the error has no client-facing message: %v", err)
	}
	for _, s := range h.Secrets() {
		for field, text := range map[string]string{"Error()": err.Error(), "Message": e.Message,
			"Field": e.Field, "UpstreamCode": e.UpstreamCode, "RequestID": e.RequestID} {
			if s != "" && strings.Contains(text, s) {
				t.Errorf("a credential shows in the error's %s: %q", field, text)
			}
		}
	}
}

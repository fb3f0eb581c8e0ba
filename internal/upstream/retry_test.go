package upstream_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/upstream"
)

// numbered makes n steps of the same failure whose bodies name the attempt,
// so a test can tell which answer came back.
func numbered(n int, s step) []step {
	out := make([]step, n)
	for i := range out {
		out[i] = s
		out[i].body = "attempt " + strconv.Itoa(i+1)
	}
	return out
}

func TestRetryPolicy(t *testing.T) {
	t.Parallel()
	const maxRetries = 2
	failures := []struct {
		name string
		step step
	}{
		{"500", step{status: http.StatusInternalServerError}},
		{"502", step{status: http.StatusBadGateway}},
		{"503", step{status: http.StatusServiceUnavailable}},
		{"504", step{status: http.StatusGatewayTimeout}},
		{"429 without Retry-After", step{status: http.StatusTooManyRequests}},
		{"429 Retry-After 0", step{status: http.StatusTooManyRequests, retryAfter: "0"}},
		{"connection reset", step{reset: true}},
	}
	for _, f := range failures {
		for _, method := range append([]string{http.MethodGet, http.MethodHead}, writeMethods...) {
			t.Run(f.name+"/"+method, func(t *testing.T) {
				t.Parallel()
				s := newStub(t, numbered(10, f.step)...)
				c, _ := newClient(t, s.srv.URL, func(o *upstream.Options) { o.MaxRetries = maxRetries })
				resp, err := c.Do(context.Background(), &upstream.Request{Method: method, Path: "/things", Body: bodyFor(method)})

				want := 1
				if !upstream.IsWrite(method) {
					want = maxRetries + 1
				}
				if got := s.count(); got != want {
					t.Fatalf("upstream saw %d requests, want %d", got, want)
				}
				for i, r := range s.requests() {
					if r.method != method || r.path != "/things" {
						t.Errorf("request %d = %s %s, want %s /things", i, r.method, r.path, method)
					}
				}
				if f.step.reset {
					if resp != nil {
						t.Fatalf("reset: got a response %d", resp.Status)
					}
					mustAPIErr(t, err, apierr.UpstreamError, method, apierr.OutcomeUnknown)
					return
				}
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				if resp.Status != f.step.status {
					t.Errorf("status = %d, want %d", resp.Status, f.step.status)
				}
				if method != http.MethodHead {
					if wantBody := fmt.Sprintf("attempt %d", want); string(resp.Body) != wantBody {
						t.Errorf("body = %q, want the last answer %q", resp.Body, wantBody)
					}
				}
			})
		}
	}
}

func bodyFor(method string) []byte {
	if upstream.IsWrite(method) && method != http.MethodDelete {
		return []byte(`{"name":"Иван"}`)
	}
	return nil
}

func TestRetryRecovers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		script []step
		want   int // requests the upstream sees
	}{
		{"503 then 200", []step{{status: 503}, {status: 200, body: "done"}}, 2},
		{"reset then 200", []step{{reset: true}, {status: 200, body: "done"}}, 2},
		{"429, 502, then 200", []step{{status: 429, retryAfter: "0"}, {status: 502}, {status: 200, body: "done"}}, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, tc.script...)
			c, _ := newClient(t, s.srv.URL, nil)
			resp, err := c.Do(context.Background(), &upstream.Request{Method: http.MethodGet, Path: "/x"})
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			if resp.Status != 200 || string(resp.Body) != "done" {
				t.Errorf("got %d %q, want 200 \"done\"", resp.Status, resp.Body)
			}
			if got := s.count(); got != tc.want {
				t.Errorf("upstream saw %d requests, want %d", got, tc.want)
			}
		})
	}
}

func TestNoRetryOnOtherStatuses(t *testing.T) {
	t.Parallel()
	for _, status := range []int{200, 201, 204, 301, 400, 401, 403, 404, 409, 410, 422, 501, 505} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			s := newStub(t, step{status: status})
			c, _ := newClient(t, s.srv.URL, func(o *upstream.Options) { o.MaxRetries = 3 })
			resp, err := c.Do(context.Background(), &upstream.Request{Method: http.MethodGet, Path: "/x"})
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			if resp.Status != status {
				t.Errorf("status = %d, want %d", resp.Status, status)
			}
			if got := s.count(); got != 1 {
				t.Errorf("upstream saw %d requests, want 1", got)
			}
		})
	}
}

func TestMaxRetriesZero(t *testing.T) {
	t.Parallel()
	s := newStub(t, step{status: 503})
	c, _ := newClient(t, s.srv.URL, func(o *upstream.Options) { o.MaxRetries = 0 })
	resp, err := c.Do(context.Background(), &upstream.Request{Method: http.MethodGet, Path: "/x"})
	if err != nil || resp.Status != 503 {
		t.Fatalf("got %v %v, want the 503", resp, err)
	}
	if got := s.count(); got != 1 {
		t.Errorf("upstream saw %d requests, want 1", got)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// header builds Retry-After from the first arrival; earliest is the
		// instant before which the retry must not arrive.
		header func(first time.Time) (value string, earliest time.Time)
	}{
		{"seconds", func(first time.Time) (string, time.Time) {
			return "1", first.Add(time.Second)
		}},
		{"HTTP date", func(first time.Time) (string, time.Time) {
			at := first.UTC().Truncate(time.Second).Add(2 * time.Second)
			return at.Format(http.TimeFormat), at
		}},
	}
	for _, tc := range cases {
		for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
			t.Run(fmt.Sprintf("%s/%d", tc.name, status), func(t *testing.T) {
				t.Parallel()
				h := &retryAfterStub{status: status, header: tc.header}
				srv := h.start(t)
				c, m := newClient(t, srv, func(o *upstream.Options) { o.Timeout = 10 * time.Second; o.MaxRetries = 1 })
				resp, err := c.Do(context.Background(), &upstream.Request{Method: http.MethodGet, Path: "/x"})
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				if resp.Status != http.StatusOK {
					t.Fatalf("status = %d, want 200 after the retry", resp.Status)
				}
				arrivals, earliest := h.result()
				if len(arrivals) != 2 {
					t.Fatalf("upstream saw %d requests, want 2", len(arrivals))
				}
				if arrivals[1].Before(earliest) {
					t.Errorf("retry arrived at %v, before Retry-After allowed (%v); first at %v",
						arrivals[1], earliest, arrivals[0])
				}
				reason := "rate_limited"
				if status != http.StatusTooManyRequests {
					reason = "status_" + strconv.Itoa(status)
				}
				if got := testutil.ToFloat64(m.UpstreamRetries.WithLabelValues("synergy", reason)); got != 1 {
					t.Errorf("retries_total{%s} = %v, want 1", reason, got)
				}
			})
		}
	}
}

func TestRetryAfterBeyondDeadline(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		status     int
		retryAfter string
	}{
		{"429 seconds", http.StatusTooManyRequests, "30"},
		{"429 HTTP date", http.StatusTooManyRequests, time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)},
		{"503 seconds", http.StatusServiceUnavailable, "120"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, step{status: tc.status, retryAfter: tc.retryAfter, body: "slow down"})
			c, m := newClient(t, s.srv.URL, func(o *upstream.Options) { o.Timeout = 2 * time.Second; o.MaxRetries = 3 })
			// Had the client waited, the call would end at its deadline with
			// UPSTREAM_TIMEOUT instead of handing back the upstream's answer.
			resp, err := c.Do(context.Background(), &upstream.Request{Method: http.MethodGet, Path: "/x"})
			if err != nil {
				t.Fatalf("Do: %v (the client waited instead of answering)", err)
			}
			if resp.Status != tc.status || string(resp.Body) != "slow down" {
				t.Errorf("got %d %q, want the upstream's %d", resp.Status, resp.Body, tc.status)
			}
			if got := resp.Header.Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After = %q, want %q passed through", got, tc.retryAfter)
			}
			if got := s.count(); got != 1 {
				t.Errorf("upstream saw %d requests, want 1", got)
			}
			if got := testutil.CollectAndCount(m.UpstreamRetries); got != 0 {
				t.Errorf("retries recorded: %d series, want none", got)
			}
		})
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		step step
	}{
		{"Retry-After", step{status: 503, retryAfter: "5"}},
		{"429 Retry-After", step{status: 429, retryAfter: "5"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, tc.step)
			c, m := newClient(t, s.srv.URL, func(o *upstream.Options) { o.Timeout = 30 * time.Second; o.MaxRetries = 5 })
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := c.Do(ctx, &upstream.Request{Method: http.MethodGet, Path: "/x"})
				done <- err
			}()
			// The retry counter moves just before the client starts waiting.
			waitFor(t, "the client to start its backoff", func() bool {
				return testutil.CollectAndCount(m.UpstreamRetries) == 1
			})
			cancel()
			err := <-done
			mustAPIErr(t, err, apierr.UpstreamTimeout, http.MethodGet, "")
			if got := s.count(); got != 1 {
				t.Errorf("upstream saw %d requests after cancellation, want 1", got)
			}
		})
	}
}

// retryAfterStub answers its first request with status and a Retry-After
// computed from that request's arrival, and every later one with 200.
type retryAfterStub struct {
	status int
	header func(first time.Time) (string, time.Time)

	mu       sync.Mutex
	at       []time.Time
	earliest time.Time
}

func (h *retryAfterStub) start(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		now := time.Now()
		h.mu.Lock()
		defer h.mu.Unlock()
		h.at = append(h.at, now)
		if len(h.at) == 1 {
			v, earliest := h.header(now)
			h.earliest = earliest
			w.Header().Set("Retry-After", v)
			w.WriteHeader(h.status)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (h *retryAfterStub) result() ([]time.Time, time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Time(nil), h.at...), h.earliest
}

// A GET that carries a body (a search some CRMs take as JSON) sends the
// same body on every attempt.
func TestRetryResendsBody(t *testing.T) {
	t.Parallel()
	s := newStub(t, step{status: 503, retryAfter: "0"}, step{reset: true}, step{status: 200, body: "found"})
	c, _ := newClient(t, s.srv.URL, nil)
	const body = `{"filter":{"city":"Казань"}}`
	resp, err := c.Do(context.Background(), &upstream.Request{Method: http.MethodGet, Path: "/search",
		Body: []byte(body), ContentType: "application/json"})
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if string(resp.Body) != "found" {
		t.Errorf("body = %q", resp.Body)
	}
	reqs := s.requests()
	if len(reqs) != 3 {
		t.Fatalf("upstream saw %d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		if r.body != body {
			t.Errorf("attempt %d sent body %q, want %q", i+1, r.body, body)
		}
	}
}

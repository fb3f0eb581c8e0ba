package upstream_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/metrics"
	"github.com/crmgateway/gateway/internal/upstream"
)

// durationCount is the number of observations of the duration histogram
// for one upstream and method.
func durationCount(t *testing.T, m *metrics.Metrics, method string) uint64 {
	t.Helper()
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "crm_gateway_upstream_request_duration_seconds" {
			continue
		}
		for _, s := range f.GetMetric() {
			if labels(s)["upstream"] == "synergy" && labels(s)["method"] == method {
				return s.GetHistogram().GetSampleCount()
			}
		}
	}
	return 0
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	type count struct {
		method, status string
		n              float64
	}
	cases := []struct {
		name     string
		method   string
		script   []step
		timeout  time.Duration
		requests []count
		retries  map[string]float64
	}{
		{
			name: "GET retried until 200", method: http.MethodGet,
			script:   []step{{status: 503, retryAfter: "0"}, {status: 502, retryAfter: "0"}, {status: 200}},
			requests: []count{{"GET", "503", 1}, {"GET", "502", 1}, {"GET", "200", 1}},
			retries:  map[string]float64{"status_503": 1, "status_502": 1},
		},
		{
			name: "GET exhausts its retries", method: http.MethodGet,
			script:   []step{{status: 429, retryAfter: "0"}},
			requests: []count{{"GET", "429", 3}},
			retries:  map[string]float64{"rate_limited": 2},
		},
		{
			name: "GET through resets", method: http.MethodGet,
			script:   []step{{reset: true}, {status: 200}},
			requests: []count{{"GET", "error", 1}, {"GET", "200", 1}},
			retries:  map[string]float64{"connection": 1},
		},
		{
			name: "POST 500 once", method: http.MethodPost,
			script:   []step{{status: 500}},
			requests: []count{{"POST", "500", 1}},
		},
		{
			name: "DELETE 204", method: http.MethodDelete,
			script:   []step{{status: 204}},
			requests: []count{{"DELETE", "204", 1}},
		},
		{
			name: "PATCH times out", method: http.MethodPatch, timeout: 100 * time.Millisecond,
			script:   []step{{stall: true}},
			requests: []count{{"PATCH", "timeout", 1}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, tc.script...)
			c, m := newClient(t, s.srv.URL, func(o *upstream.Options) {
				if tc.timeout > 0 {
					o.Timeout = tc.timeout
				}
			})
			_, _ = c.Do(context.Background(), &upstream.Request{Method: tc.method, Path: "/x", Body: bodyFor(tc.method)})

			var attempts float64
			for _, want := range tc.requests {
				got := testutil.ToFloat64(m.UpstreamRequests.WithLabelValues("synergy", want.method, want.status))
				if got != want.n {
					t.Errorf("requests_total{%s,%s} = %v, want %v", want.method, want.status, got, want.n)
				}
				attempts += want.n
			}
			if got := testutil.CollectAndCount(m.UpstreamRequests); got != len(tc.requests) {
				t.Errorf("requests_total has %d series, want %d", got, len(tc.requests))
			}
			if got := float64(s.count()); got != attempts {
				t.Errorf("upstream saw %v requests, metrics counted %v", got, attempts)
			}
			if got := durationCount(t, m, tc.method); float64(got) != attempts {
				t.Errorf("duration histogram has %d observations, want %v", got, attempts)
			}
			for reason, want := range tc.retries {
				if got := testutil.ToFloat64(m.UpstreamRetries.WithLabelValues("synergy", reason)); got != want {
					t.Errorf("retries_total{%s} = %v, want %v", reason, got, want)
				}
			}
			if got := testutil.CollectAndCount(m.UpstreamRetries); got != len(tc.retries) {
				t.Errorf("retries_total has %d series, want %d", got, len(tc.retries))
			}
			if got := testutil.ToFloat64(m.UpstreamInFlight.WithLabelValues("synergy")); got != 0 {
				t.Errorf("in-flight gauge = %v, want 0", got)
			}
		})
	}
}

func TestMetricsNotCountedWhenNotSent(t *testing.T) {
	t.Parallel()
	s := newStub(t, step{status: 500})
	c, m := tripped(t, s, http.MethodPost, time.Minute, 0)
	for range 3 {
		_, _ = c.Do(context.Background(), &upstream.Request{Method: http.MethodGet, Path: "/x"})
	}
	if got := testutil.ToFloat64(m.UpstreamRequests.WithLabelValues("synergy", "POST", "500")); got != 3 {
		t.Errorf("requests_total{POST,500} = %v, want 3", got)
	}
	if got := testutil.CollectAndCount(m.UpstreamRequests); got != 1 {
		t.Errorf("calls refused by the breaker were counted as requests (%d series)", got)
	}
}

const secret = "tok-S3cr3t/42+x"

// leaks reports every form of the secret found in s.
func leaks(s string) []string {
	var out []string
	for _, form := range []string{secret, url.PathEscape(secret), url.QueryEscape(secret), "S3cr3t"} {
		if strings.Contains(s, form) {
			out = append(out, form)
		}
	}
	return out
}

func TestRedaction(t *testing.T) {
	t.Parallel()
	authorize := func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+secret)
		r.Header.Set("X-Crypto-Secret", secret)
	}
	cases := []struct {
		name    string
		base    func(t *testing.T) string
		timeout time.Duration
		code    apierr.Code
		// redacted: the cause must show the secret was found and replaced.
		redacted bool
	}{
		{"closed port", func(t *testing.T) string {
			return "http://" + closedAddr(t) + "/api/" + secret + "?token=" + url.QueryEscape(secret)
		}, 0, apierr.UpstreamUnavailable, false},
		{"secret in an unresolvable host", func(t *testing.T) string {
			return "http://" + strings.ToLower("tok-S3cr3t-42") + ".invalid/api"
		}, 0, apierr.UpstreamUnavailable, false},
		{"stalled upstream", func(t *testing.T) string {
			return newStub(t, step{stall: true}).srv.URL + "/api/" + secret + "?token=" + url.QueryEscape(secret)
		}, 100 * time.Millisecond, apierr.UpstreamTimeout, false},
		{"reset upstream", func(t *testing.T) string {
			return newStub(t, step{reset: true}).srv.URL + "/" + secret
		}, 0, apierr.UpstreamError, false},
	}
	for _, tc := range cases {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			t.Run(tc.name+"/"+method, func(t *testing.T) {
				t.Parallel()
				var logs bytes.Buffer
				c, _ := newClient(t, tc.base(t), func(o *upstream.Options) {
					o.Authorize = authorize
					o.Secrets = []string{secret, "tok-s3cr3t-42"}
					o.MaxRetries = 1
					o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
					if tc.timeout > 0 {
						o.Timeout = tc.timeout
					}
				})
				_, err := c.Do(context.Background(), &upstream.Request{Method: method, Path: "/" + secret,
					Query: url.Values{"q": {secret}}, Body: bodyFor(method)})
				e := mustAPIErr(t, err, tc.code, method, outcomeFor(tc.code))
				for what, text := range map[string]string{"Error()": err.Error(), "Message": e.Message, "log": logs.String()} {
					if l := leaks(text); len(l) > 0 {
						t.Errorf("%s leaks %q: %s", what, l, text)
					}
				}
				if e.Err == nil {
					t.Fatal("the internal cause was dropped")
				}
				if tc.name == "secret in an unresolvable host" && !strings.Contains(e.Err.Error(), "[REDACTED]") {
					t.Errorf("cause %q does not show the redacted host", e.Err)
				}
			})
		}
	}
}

func outcomeFor(code apierr.Code) apierr.Outcome {
	if code == apierr.UpstreamUnavailable {
		return apierr.OutcomeNotSent
	}
	return apierr.OutcomeUnknown
}

func TestRedactionInLogs(t *testing.T) {
	t.Parallel()
	s := newStub(t, step{status: 200})
	var logs bytes.Buffer
	c, _ := newClient(t, s.srv.URL+"/v1/"+secret, func(o *upstream.Options) {
		o.Secrets = []string{secret}
		o.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	if _, err := c.Do(context.Background(), &upstream.Request{Method: http.MethodGet, Path: "/users/" + secret}); err != nil {
		t.Fatal(err)
	}
	if got := s.requests()[0].path; got != "/v1/"+secret+"/users/"+secret {
		t.Fatalf("upstream saw path %q", got)
	}
	if !strings.Contains(logs.String(), "upstream call") {
		t.Fatalf("no call was logged: %s", logs.String())
	}
	if l := leaks(logs.String()); len(l) > 0 {
		t.Errorf("log leaks %q: %s", l, logs.String())
	}
}

func TestRequestBuilding(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		basePath  string
		req       upstream.Request
		wantPath  string
		wantQuery url.Values
	}{
		{"path joined", "/api", upstream.Request{Method: "GET", Path: "/v1/deals"}, "/api/v1/deals", url.Values{}},
		{"trailing and missing slashes", "/api/", upstream.Request{Method: "GET", Path: "deals"}, "/api/deals", url.Values{}},
		{"no base path", "", upstream.Request{Method: "GET", Path: "/deals/7"}, "/deals/7", url.Values{}},
		{"query encoded", "/api", upstream.Request{Method: "GET", Path: "/deals",
			Query: url.Values{"filter[name]": {"Иван Петров"}, "page[size]": {"50"}}},
			"/api/deals", url.Values{"filter[name]": {"Иван Петров"}, "page[size]": {"50"}}},
		{"base query kept", "/api?objectId=42", upstream.Request{Method: "GET", Path: "/clients"},
			"/api/clients", url.Values{"objectId": {"42"}}},
		{"base query merged with the request's", "/api?objectId=42", upstream.Request{Method: "GET", Path: "/clients",
			Query: url.Values{"limit": {"10"}}},
			"/api/clients", url.Values{"objectId": {"42"}, "limit": {"10"}}},
		{"escaped once", "/api", upstream.Request{Method: "GET", Path: "/deals/" + url.PathEscape("a/b c%")},
			"/api/deals/a%2Fb%20c%25", url.Values{}},
		{"write body and headers", "/api", upstream.Request{Method: "POST", Path: "/deals",
			Body: []byte(`{"title":"Сделка"}`), ContentType: "application/vnd.api+json", Accept: "application/vnd.api+json"},
			"/api/deals", url.Values{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, step{status: 503, retryAfter: "0"}, step{status: 200})
			calls := 0
			c, _ := newClient(t, s.srv.URL+tc.basePath, func(o *upstream.Options) {
				o.Authorize = func(r *http.Request) {
					calls++
					r.Header.Set("Authorization", "Bearer t0ken")
				}
			})
			req := tc.req
			if _, err := c.Do(context.Background(), &req); err != nil {
				t.Fatal(err)
			}
			got := s.requests()
			wantN := 2 // a GET is retried after the 503
			if upstream.IsWrite(tc.req.Method) {
				wantN = 1
			}
			if len(got) != wantN {
				t.Fatalf("upstream saw %d requests, want %d", len(got), wantN)
			}
			for i, r := range got {
				if r.method != tc.req.Method || r.path != tc.wantPath {
					t.Errorf("request %d: %s %s, want %s %s", i, r.method, r.path, tc.req.Method, tc.wantPath)
				}
				q, err := url.ParseQuery(r.query)
				if err != nil {
					t.Fatal(err)
				}
				if q.Encode() != tc.wantQuery.Encode() {
					t.Errorf("request %d: query %q, want %q", i, q.Encode(), tc.wantQuery.Encode())
				}
				if r.body != string(tc.req.Body) {
					t.Errorf("request %d: body %q, want %q", i, r.body, tc.req.Body)
				}
				if h := r.header.Get("Authorization"); h != "Bearer t0ken" {
					t.Errorf("request %d: Authorization %q", i, h)
				}
				if tc.req.ContentType != "" && r.header.Get("Content-Type") != tc.req.ContentType {
					t.Errorf("request %d: Content-Type %q", i, r.header.Get("Content-Type"))
				}
				if tc.req.Accept != "" && r.header.Get("Accept") != tc.req.Accept {
					t.Errorf("request %d: Accept %q", i, r.header.Get("Accept"))
				}
			}
			if calls != 1 {
				t.Errorf("Authorize ran %d times, want once per call", calls)
			}
			if req.Path != tc.req.Path {
				t.Errorf("the caller's Request was changed")
			}
		})
	}
}

func TestNewRejectsBadBaseURL(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"", "not a url", "/relative/path", "http://", "://missing-scheme", "http://[::1"} {
		t.Run(base, func(t *testing.T) {
			t.Parallel()
			if c, err := upstream.New(upstream.Options{Name: "solos", BaseURL: base}); err == nil {
				t.Errorf("New accepted base URL %q (client %v)", base, c)
			}
		})
	}
	c, err := upstream.New(upstream.Options{Name: "rkeeper", BaseURL: "https://example.invalid/api"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Name() != "rkeeper" {
		t.Errorf("Name() = %q", c.Name())
	}
}

// TestDotSegmentsAreNeverSent: a path segment "." or "..", escaped or
// not, would make the upstream serve another resource; the client
// refuses it without a request.
func TestDotSegmentsAreNeverSent(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"/contacts/..", "/contacts/.", "/contacts/%2e%2e", "/contacts/%2E", "/contacts/../admin", "/bad/%zz"} {
		s := newStub(t, step{status: 200})
		c, _ := newClient(t, s.srv.URL+"/api", nil)
		_, err := c.Do(context.Background(), &upstream.Request{Method: "GET", Path: p})
		if err == nil {
			t.Errorf("%s: sent", p)
		}
		if n := len(s.requests()); n != 0 {
			t.Errorf("%s: the upstream saw %d requests", p, n)
		}
	}
}

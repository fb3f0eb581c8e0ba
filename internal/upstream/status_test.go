package upstream_test

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/upstream"
)

func TestStatusError(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status  int
		code    apierr.Code
		outcome apierr.Outcome // of a write
	}{
		{400, apierr.BadUserInput, apierr.OutcomeRejected},
		{401, apierr.UpstreamUnauthenticated, apierr.OutcomeRejected},
		{403, apierr.UpstreamForbidden, apierr.OutcomeRejected},
		{404, apierr.NotFound, apierr.OutcomeRejected},
		{408, apierr.UpstreamTimeout, apierr.OutcomeUnknown},
		{409, apierr.BadUserInput, apierr.OutcomeRejected},
		{410, apierr.NotFound, apierr.OutcomeRejected},
		{422, apierr.BadUserInput, apierr.OutcomeRejected},
		{429, apierr.RateLimited, apierr.OutcomeRejected},
		{405, apierr.UpstreamError, apierr.OutcomeRejected},
		{500, apierr.UpstreamError, apierr.OutcomeUnknown},
		{501, apierr.UpstreamError, apierr.OutcomeUnknown},
		{502, apierr.UpstreamError, apierr.OutcomeUnknown},
		{503, apierr.UpstreamError, apierr.OutcomeUnknown},
		{504, apierr.UpstreamTimeout, apierr.OutcomeUnknown},
	}
	for _, tc := range cases {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			t.Parallel()
			if got := upstream.CodeForStatus(tc.status); got != tc.code {
				t.Errorf("CodeForStatus(%d) = %s, want %s", tc.status, got, tc.code)
			}
			for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodOptions} {
				e := upstream.StatusError("solos", method, tc.status, "Solos refused")
				if e.Code != tc.code || e.Upstream != "solos" || e.Outcome != "" || e.Message != "Solos refused" {
					t.Errorf("%s: got %+v, want code %s, no outcome, message kept", method, e, tc.code)
				}
			}
			for _, method := range writeMethods {
				e := upstream.StatusError("solos", method, tc.status, "Solos refused")
				if e.Code != tc.code || e.Outcome != tc.outcome {
					t.Errorf("%s: code %s outcome %q, want %s %q", method, e.Code, e.Outcome, tc.code, tc.outcome)
				}
				if !strings.HasPrefix(e.Message, "Solos refused") {
					t.Errorf("%s: message %q lost the caller's text", method, e.Message)
				}
				if want := upstream.WriteMessage("Solos refused", tc.outcome); e.Message != want {
					t.Errorf("%s: message %q, want %q", method, e.Message, want)
				}
				if tc.outcome == apierr.OutcomeUnknown && !strings.Contains(e.Message, "outcome unknown") {
					t.Errorf("%s: message %q does not say the outcome is unknown", method, e.Message)
				}
			}
			e := upstream.StatusError("rkeeper", http.MethodGet, tc.status, "")
			if want := "rkeeper answered HTTP " + strconv.Itoa(tc.status); e.Message != want {
				t.Errorf("default message %q, want %q", e.Message, want)
			}
		})
	}
}

func TestStatusErrorFromALiveAnswer(t *testing.T) {
	t.Parallel()
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, step{status: 422, body: `{"errors":[{"detail":"bad"}]}`})
			c, _ := newClient(t, s.srv.URL, nil)
			resp, err := c.Do(context.Background(), &upstream.Request{Method: method, Path: "/x", Body: bodyFor(method)})
			if err != nil {
				t.Fatalf("an HTTP error status must come back as a Response: %v", err)
			}
			e := upstream.StatusError(c.Name(), method, resp.Status, "")
			mustAPIErr(t, e, apierr.BadUserInput, method, apierr.OutcomeRejected)
		})
	}
}

func TestWriteMessage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		outcome apierr.Outcome
		has     string
	}{
		{apierr.OutcomeUnknown, "outcome unknown"},
		{apierr.OutcomeNotSent, "not sent"},
		{apierr.OutcomeRejected, ""},
		{"", ""},
	}
	for _, tc := range cases {
		t.Run(string(tc.outcome), func(t *testing.T) {
			t.Parallel()
			got := upstream.WriteMessage("boom", tc.outcome)
			if tc.has == "" && got != "boom" {
				t.Errorf("WriteMessage = %q, want the message unchanged", got)
			}
			if tc.has != "" && (!strings.HasPrefix(got, "boom") || !strings.Contains(got, tc.has)) {
				t.Errorf("WriteMessage = %q, want it to start with the message and say %q", got, tc.has)
			}
		})
	}
}

func TestIsWrite(t *testing.T) {
	t.Parallel()
	for method, want := range map[string]bool{
		http.MethodGet: false, http.MethodHead: false, http.MethodOptions: false,
		http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true, http.MethodDelete: true,
	} {
		if got := upstream.IsWrite(method); got != want {
			t.Errorf("IsWrite(%s) = %v, want %v", method, got, want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	maxWait := time.Duration(math.MaxInt32) * time.Second
	cases := []struct {
		name   string
		values []string // nil: no header
		want   time.Duration
		ok     bool
	}{
		{"absent", nil, 0, false},
		{"empty", []string{""}, 0, false},
		{"zero", []string{"0"}, 0, true},
		{"seconds", []string{"120"}, 2 * time.Minute, true},
		{"leading zeros", []string{"007"}, 7 * time.Second, true},
		{"surrounding spaces", []string{"  5 "}, 5 * time.Second, true},
		{"negative", []string{"-5"}, 0, false},
		{"plus sign", []string{"+5"}, 0, false},
		{"fraction", []string{"1.5"}, 0, false},
		{"trailing junk", []string{"10s"}, 0, false},
		{"words", []string{"soon"}, 0, false},
		{"huge seconds are capped, not wrapped", []string{"99999999999"}, maxWait, true},
		{"beyond int64 are capped", []string{"99999999999999999999999"}, maxWait, true},
		{"IMF date ahead", []string{"Fri, 14 Mar 2025 09:30:30 GMT"}, 30 * time.Second, true},
		{"IMF date behind", []string{"Fri, 14 Mar 2025 09:29:00 GMT"}, 0, true},
		{"RFC 850 date", []string{"Friday, 14-Mar-25 09:31:00 GMT"}, time.Minute, true},
		{"ANSI C date", []string{"Fri Mar 14 09:30:10 2025"}, 10 * time.Second, true},
		{"date far ahead is capped", []string{"Fri, 31 Dec 9999 23:59:59 GMT"}, maxWait, true},
		{"ISO date is not an HTTP date", []string{"2025-03-14T09:31:00Z"}, 0, false},
		{"first of two values", []string{"3", "60"}, 3 * time.Second, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for _, v := range tc.values {
				h.Add("Retry-After", v)
			}
			got, ok := upstream.RetryAfter(h, now)
			if got != tc.want || ok != tc.ok {
				t.Errorf("RetryAfter(%q) = %v, %v; want %v, %v", tc.values, got, ok, tc.want, tc.ok)
			}
			if got < 0 {
				t.Errorf("negative wait %v", got)
			}
		})
	}
}

// An absurd Retry-After must not turn into an immediate retry storm.
func TestHugeRetryAfterIsNotRetried(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"99999999999", "99999999999999999999999"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, step{status: 503, retryAfter: v})
			c, _ := newClient(t, s.srv.URL, func(o *upstream.Options) { o.MaxRetries = 3 })
			resp, err := c.Do(context.Background(), &upstream.Request{Method: http.MethodGet, Path: "/x"})
			if err != nil || resp.Status != 503 {
				t.Fatalf("got %v %v, want the 503 at once", resp, err)
			}
			if got := s.count(); got != 1 {
				t.Errorf("upstream saw %d requests, want 1", got)
			}
		})
	}
}

func FuzzRetryAfter(f *testing.F) {
	for _, seed := range []string{"", "0", "120", " 7 ", "-1", "+5", "1.5", "99999999999999999999",
		"Fri, 14 Mar 2025 09:30:30 GMT", "Friday, 14-Mar-25 09:31:00 GMT", "Fri Mar 14 09:30:10 2025",
		"Fri, 31 Dec 9999 23:59:59 GMT", "2025-03-14T09:31:00Z", "soon"} {
		f.Add(seed)
	}
	now := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{}
		h.Set("Retry-After", v)
		d, ok := upstream.RetryAfter(h, now)
		if d < 0 || d > time.Duration(math.MaxInt32)*time.Second {
			t.Fatalf("RetryAfter(%q) = %v out of range", v, d)
		}
		if !ok && d != 0 {
			t.Fatalf("RetryAfter(%q) = %v without a header value", v, d)
		}
		if trimmed := strings.TrimSpace(v); ok && trimmed != "" && strings.Trim(trimmed, "0123456789") == "" {
			if n, err := strconv.ParseInt(trimmed, 10, 64); err == nil && n < math.MaxInt32 && d != time.Duration(n)*time.Second {
				t.Fatalf("RetryAfter(%q) = %v, want %ds", v, d, n)
			}
		}
	})
}

package upstream_test

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/metrics"
	"github.com/crmgateway/gateway/internal/upstream"
)

// step is what the stub upstream does with one request.
type step struct {
	status     int
	retryAfter string
	body       string
	reset      bool // hijack the connection and close it with a TCP RST
	stall      bool // never answer: block until the client gives up or the test ends
	stallBody  bool // send the headers, then block before the body
}

// seen is one request as the stub upstream received it.
type seen struct {
	method string
	path   string
	query  string
	header http.Header
	body   string
	at     time.Time
}

// stub is an httptest upstream that plays a script, one step per request
// (the last step repeats), and records every request it receives.
type stub struct {
	srv *httptest.Server

	mu          sync.Mutex
	steps       []step
	offset      int // requests served before the current script
	reqs        []seen
	inFlight    int
	maxInFlight int

	release     chan struct{}
	releaseOnce sync.Once
}

func newStub(t *testing.T, steps ...step) *stub {
	t.Helper()
	s := &stub{steps: steps, release: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		s.releaseAll()
		s.srv.Close()
	})
	return s
}

func (s *stub) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	st := step{status: http.StatusOK, body: "ok"}
	if len(s.steps) > 0 {
		st = s.steps[min(len(s.reqs)-s.offset, len(s.steps)-1)]
	}
	s.reqs = append(s.reqs, seen{method: r.Method, path: r.URL.EscapedPath(), query: r.URL.RawQuery,
		header: r.Header.Clone(), body: string(body), at: time.Now()})
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()

	switch {
	case st.reset:
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		_ = conn.Close()
		return
	case st.stall:
		select {
		case <-r.Context().Done():
		case <-s.release:
		}
		return
	}
	if st.retryAfter != "" {
		w.Header().Set("Retry-After", st.retryAfter)
	}
	if st.status == 0 {
		st.status = http.StatusOK
	}
	w.WriteHeader(st.status)
	if st.stallBody {
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			return
		case <-s.release:
		}
	}
	_, _ = io.WriteString(w, st.body)
}

// setSteps replaces the script; the next request plays its first step.
func (s *stub) setSteps(steps ...step) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.steps = steps
	s.offset = len(s.reqs)
}

func (s *stub) releaseAll() { s.releaseOnce.Do(func() { close(s.release) }) }

func (s *stub) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

func (s *stub) requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.reqs...)
}

func (s *stub) current() (inFlight, maxInFlight int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inFlight, s.maxInFlight
}

// waitFor polls cond in a bounded loop; it fails the test if cond never holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("gave up waiting for %s", what)
}

// newClient builds a client with a private transport (so no connection is
// shared between tests), fresh metrics, a silent logger, a breaker that does
// not trip unless a test asks, and MaxRetries 2.
func newClient(t *testing.T, base string, mod func(*upstream.Options)) (*upstream.Client, *metrics.Metrics) {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	m := metrics.New()
	o := upstream.Options{
		Name:       "synergy",
		BaseURL:    base,
		Timeout:    5 * time.Second,
		MaxRetries: 2,
		Transport:  tr,
		Metrics:    m,
		Logger:     slog.New(slog.DiscardHandler),
		Breaker:    upstream.BreakerSettings{ConsecutiveFailures: 1000},
	}
	if mod != nil {
		mod(&o)
	}
	c, err := upstream.New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, m
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// mustAPIErr asserts err is an *apierr.Error with the code, upstream and
// outcome expected (outcome "" for reads), and that a write's message states
// its outcome.
func mustAPIErr(t *testing.T, err error, code apierr.Code, method string, outcome apierr.Outcome) *apierr.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s error, got nil", code)
	}
	e, ok := apierr.As(err)
	if !ok {
		t.Fatalf("want *apierr.Error, got %T: %v", err, err)
	}
	if e.Code != code {
		t.Errorf("code = %s, want %s (%v)", e.Code, code, err)
	}
	if e.Upstream != "synergy" {
		t.Errorf("upstream = %q, want synergy", e.Upstream)
	}
	if !upstream.IsWrite(method) {
		outcome = ""
	}
	if e.Outcome != outcome {
		t.Errorf("outcome = %q, want %q (%v)", e.Outcome, outcome, err)
	}
	switch outcome {
	case apierr.OutcomeUnknown:
		if !strings.Contains(e.Message, "outcome unknown") {
			t.Errorf("message %q does not say the outcome is unknown", e.Message)
		}
	case apierr.OutcomeNotSent:
		if !strings.Contains(e.Message, "not sent") {
			t.Errorf("message %q does not say the write was not sent", e.Message)
		}
	}
	return e
}

var writeMethods = []string{http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete}

// Package adaptertest owns the conformance suite every CRM adapter passes:
// the behaviour the three adapters (SynergyCRM, Solos, r_keeper) must share
// when their upstream fails — which contract code each failure becomes,
// which backend it names, what a failed write says about its outcome, how
// many requests reached the upstream, and that no credential leaks into an
// error. Each adapter's tests implement Harness over the adapter, the
// shared upstream client and the adapter's own emulator served over real
// HTTP, and call Run. The package is imported only from tests.
package adaptertest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/crmgateway/gateway/internal/emukit"
	"github.com/crmgateway/gateway/internal/upstream"
)

// The upstream client settings every harness builds its client with (see
// ClientOptions): the suite's request counts rely on MaxRetries, and a
// stalled upstream costs one Timeout.
const (
	// Timeout is the deadline of one adapter call. Generous next to the
	// retry backoffs (at most about 300ms for two retries), so that only a
	// stall reaches it.
	Timeout = time.Second
	// MaxRetries is how often the shared client re-sends a failed GET.
	MaxRetries = 2
	// RetryAfterSeconds is the Retry-After of the rate-limit checks: far
	// beyond Timeout, so the client answers RATE_LIMITED instead of waiting.
	RetryAfterSeconds = 120
)

// Fault is one upstream misbehaviour, stated neutrally; each harness maps
// it onto its emulator's own fault hooks (or, for EchoSecrets and Down,
// onto Server). A Fault sets exactly one of Status, Stall, Reset,
// Malformed, EchoSecrets and Down.
type Fault struct {
	// Status answers with this HTTP status and the emulator's error body.
	Status int
	// RetryAfter is the Retry-After header of a Status answer ("" = none).
	RetryAfter string
	// Envelope asks for the status inside the backend's own error
	// document where its emulator tells the two apart: r_keeper's "Err"
	// envelope with the upstream code of that status (DLW-0001 for 401,
	// DLW-0002 for 403). Emulators whose status faults always carry their
	// error document ignore it.
	Envelope bool
	// Stall holds the answer until the client gives up.
	Stall bool
	// Reset drops the connection without an answer.
	Reset bool
	// Malformed answers 200 with a truncated JSON body.
	Malformed bool
	// EchoSecrets answers 401 with the backend's own error document whose
	// text repeats the credentials the request carried, as some CRMs do
	// with a token they refuse.
	EchoSecrets bool
	// Down stops the upstream listening: connections are refused.
	Down bool
	// Times is how many requests in a row get the fault (0 = 1).
	Times int
}

// N is the number of requests the fault affects.
func (f Fault) N() int { return max(f.Times, 1) }

// Harness drives one adapter for the suite. Every harness is fresh: its
// own emulator on its own server, its own upstream client (built with
// ClientOptions) and adapter, no request sent yet.
type Harness interface {
	// Name is the adapter's backend name, the Upstream of its errors.
	Name() string
	// Read is one representative read through the adapter (a GET).
	Read(ctx context.Context) error
	// ReadByID reads one entity by id: a seeded one, or one the
	// emulator does not hold when missing is set.
	ReadByID(ctx context.Context, missing bool) error
	// Write is one representative write through the adapter, sent as
	// exactly one request. Never called when ReadOnly reports a reason.
	Write(ctx context.Context) error
	// ReadOnly is why the backend has no write ("" when it has one).
	ReadOnly() string
	// Inject queues a fault for the next requests.
	Inject(f Fault)
	// Requests is how many requests the emulator received so far.
	Requests() int
	// Secrets are the credentials the client sends; no error may show them.
	Secrets() []string
}

// Setup varies how a harness is built.
type Setup struct {
	// WrongCredentials builds the client with credentials the emulator
	// refuses (still redacted: Secrets returns them).
	WrongCredentials bool
}

// NewHarness builds a fresh harness for one check.
type NewHarness func(t *testing.T, s Setup) Harness

// Server serves one emulator over real HTTP for a harness, and answers
// the faults no emulator has a hook for.
type Server struct {
	*httptest.Server
	answers emukit.Queue[http.HandlerFunc]
}

// Serve starts emulator on a loopback port; the server is closed when the
// test ends.
func Serve(t *testing.T, emulator http.Handler) *Server {
	t.Helper()
	s := &Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if answer, _ := s.answers.Take(nil); answer != nil {
			answer(w, r)
			return
		}
		emulator.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// Answer makes the next request get answer instead of reaching the
// emulator (which therefore does not count it).
func (s *Server) Answer(answer http.HandlerFunc) { s.answers.Add(answer, 1) }

// Down stops the server: from now on connections to it are refused.
func (s *Server) Down() { s.Close() }

// ClientOptions are the upstream options of a harness's client: the
// suite's Timeout and MaxRetries, the server's own transport (so no
// connection is shared with another test), basePath appended to the
// server's URL.
func ClientOptions(name string, s *Server, basePath string, authorize func(*http.Request), secrets ...string) upstream.Options {
	return upstream.Options{
		Name: name, BaseURL: s.URL + basePath, Timeout: Timeout, MaxRetries: MaxRetries,
		Authorize: authorize, Secrets: secrets, Transport: s.Client().Transport,
	}
}

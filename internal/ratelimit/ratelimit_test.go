package ratelimit

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/caller"
	"github.com/crmgateway/gateway/internal/realserver"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// gate is one replica: the middleware over a handler that counts what
// gets through, with the caller identified by X-Caller and X-Tenant (the
// authentication middleware's job in the gateway).
type gate struct {
	*httptest.Server
	passed atomic.Int64
}

func newGate(t *testing.T, store Store, p Policy) *gate {
	t.Helper()
	g := &gate{}
	write := func(w http.ResponseWriter, _ *http.Request, status int, code apierr.Code, msg string) {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, string(code)+": "+msg)
	}
	mw := Middleware(store, p, nil, write)
	inner := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { g.passed.Add(1) }))
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if name := r.Header.Get("X-Caller"); name != "" {
			r = r.WithContext(caller.With(r.Context(), &caller.Identity{Method: caller.APIKey, Name: name, Tenant: r.Header.Get("X-Tenant")}))
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *gate) get(t *testing.T, who, tenant string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", g.URL, nil)
	if who != "" {
		req.Header.Set("X-Caller", who)
		req.Header.Set("X-Tenant", tenant)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestLocalBudget(t *testing.T) {
	p := Policy{Count: 3, Period: time.Minute, Burst: 3}
	g := newGate(t, NewLocal(), p)
	for i := 0; i < 3; i++ {
		resp := g.get(t, "ci", "")
		if resp.StatusCode != 200 || resp.Header.Get("RateLimit-Policy") != `"default";q=3;w=60` ||
			!strings.HasPrefix(resp.Header.Get("RateLimit"), `"default";r=`+string(rune('2'-i))+";t=") {
			t.Fatalf("request %d: %d %q %q", i, resp.StatusCode, resp.Header.Get("RateLimit-Policy"), resp.Header.Get("RateLimit"))
		}
	}
	resp := g.get(t, "ci", "")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "20" ||
		!strings.HasPrefix(resp.Header.Get("RateLimit"), `"default";r=0;t=`) {
		t.Fatalf("over budget: %d Retry-After %q RateLimit %q", resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("RateLimit"))
	}
	if g.passed.Load() != 3 {
		t.Fatalf("%d requests got through", g.passed.Load())
	}
	// Another caller, or the same name in another tenant, has its own bucket.
	if g.get(t, "reporting", "").StatusCode != 200 || g.get(t, "ci", "acme").StatusCode != 200 {
		t.Fatal("buckets are shared between callers or tenants")
	}
	// Anonymous callers are counted per client IP.
	for i := 0; i < 3; i++ {
		g.get(t, "", "")
	}
	if g.get(t, "", "").StatusCode != http.StatusTooManyRequests {
		t.Fatal("anonymous callers are not limited by IP")
	}
}

func TestLocalRefills(t *testing.T) {
	l := NewLocal()
	now := time.Unix(1_700_000_000, 0)
	l.now = func() time.Time { return now }
	p := Policy{Count: 10, Period: time.Second, Burst: 2}
	for i := 0; i < 2; i++ {
		if d, _ := l.Allow(t.Context(), "k", p); !d.Allowed {
			t.Fatalf("burst request %d refused", i)
		}
	}
	d, _ := l.Allow(t.Context(), "k", p)
	if d.Allowed || d.RetryAfter != 100*time.Millisecond {
		t.Fatalf("%+v", d)
	}
	now = now.Add(100 * time.Millisecond)
	if d, _ := l.Allow(t.Context(), "k", p); !d.Allowed {
		t.Fatalf("not refilled: %+v", d)
	}
}

// TestRedisSharedBudget: two replicas on one real redis-server share each
// caller's budget; with Redis killed every request is still decided (each
// replica on its own), and once Redis is back the budget is shared again.
func TestRedisSharedBudget(t *testing.T) {
	srv := realserver.StartRedis(t)
	p := Policy{Count: 4, Period: time.Minute, Burst: 4}
	replica := func() (*gate, *atomic.Int64) {
		client := redis.NewClient(&redis.Options{Addr: srv.Addr, DialTimeout: 100 * time.Millisecond,
			ReadTimeout: 100 * time.Millisecond, WriteTimeout: 100 * time.Millisecond, MaxRetries: -1})
		t.Cleanup(func() { client.Close() })
		s := NewRedis(client, 150*time.Millisecond, discard)
		errs := &atomic.Int64{}
		s.OnError = func() { errs.Add(1) }
		return newGate(t, s, p), errs
	}
	a, aErrs := replica()
	b, _ := replica()
	codes := ""
	for i := 0; i < 6; i++ {
		g := a
		if i%2 == 1 {
			g = b
		}
		codes += map[int]string{200: "+", 429: "-"}[g.get(t, "ci", "").StatusCode]
	}
	if codes != "++++--" {
		t.Fatalf("shared budget of 4 across replicas: %s", codes)
	}

	srv.Kill()
	for i := 0; i < 3; i++ {
		if code := a.get(t, "fresh", "").StatusCode; code != 200 {
			t.Fatalf("with Redis down, request %d: %d", i, code)
		}
	}
	if aErrs.Load() == 0 {
		t.Fatal("Redis failures were not counted")
	}
	srv.Restart()
	realserver.WaitContext(t, 10*time.Second, func() bool {
		return a.get(t, "after", "").StatusCode == 200
	})
	codes = ""
	for i := 0; i < 5; i++ {
		g := a
		if i%2 == 1 {
			g = b
		}
		codes += map[int]string{200: "+", 429: "-"}[g.get(t, "again", "").StatusCode]
	}
	if codes != "++++-" {
		t.Fatalf("after Redis came back: %s", codes)
	}
}

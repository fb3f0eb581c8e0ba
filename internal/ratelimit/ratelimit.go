// Package ratelimit owns the per-caller request budget (RATE_LIMIT): a
// token bucket per caller, in process or shared by every replica through
// Redis, and the middleware that answers 429 and sets the IETF RateLimit
// headers on every API response.
package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/caller"
)

// Policy is a budget: Count requests per Period, bursts up to Burst.
type Policy struct {
	Count  int
	Period time.Duration
	Burst  int
}

// Decision is the bucket's answer for one request.
type Decision struct {
	Allowed    bool
	Remaining  int           // requests left in the bucket now
	RetryAfter time.Duration // when refused: until the next request fits
	Reset      time.Duration // until the bucket is full again
}

// Store decides for one key. Implementations are safe for concurrent use.
type Store interface {
	Allow(ctx context.Context, key string, p Policy) (Decision, error)
}

// maxLocalKeys bounds the in-process buckets: the least recently seen
// callers' buckets are dropped first (a dropped bucket starts full again).
const maxLocalKeys = 100_000

// Local keeps one token bucket (golang.org/x/time/rate) per key in
// process.
type Local struct {
	mu      sync.Mutex
	buckets *lru.Cache[string, *rate.Limiter]
	now     func() time.Time
}

// NewLocal makes an empty in-process store.
func NewLocal() *Local {
	c, _ := lru.New[string, *rate.Limiter](maxLocalKeys)
	return &Local{buckets: c, now: time.Now}
}

// Allow implements Store.
func (l *Local) Allow(_ context.Context, key string, p Policy) (Decision, error) {
	per := rate.Limit(float64(p.Count) / p.Period.Seconds())
	l.mu.Lock()
	b, ok := l.buckets.Get(key)
	if !ok {
		b = rate.NewLimiter(per, p.Burst)
		l.buckets.Add(key, b)
	}
	l.mu.Unlock()
	now := l.now()
	r := b.ReserveN(now, 1)
	d := Decision{Allowed: true}
	if delay := r.DelayFrom(now); !r.OK() || delay > 0 {
		r.CancelAt(now)
		d.Allowed = false
		d.RetryAfter = delay
	}
	tokens := b.TokensAt(now)
	d.Remaining = max(0, int(math.Floor(tokens)))
	d.Reset = time.Duration((float64(p.Burst) - tokens) / float64(per) * float64(time.Second))
	return d, nil
}

// Redis shares the buckets of every replica through Redis with
// go-redis/redis_rate (GCRA). A Redis that is slow or down never holds a
// request longer than Timeout: the decision falls back to the in-process
// store, the outage is logged once and counted, and Redis is used again
// as soon as it answers.
type Redis struct {
	limiter  *redis_rate.Limiter
	fallback *Local
	timeout  time.Duration
	log      *slog.Logger
	failing  atomic.Bool
	// OnError counts Redis failures (a metric).
	OnError func()
}

// NewRedis builds the shared store on client.
func NewRedis(client redis.UniversalClient, timeout time.Duration, log *slog.Logger) *Redis {
	return &Redis{limiter: redis_rate.NewLimiter(client), fallback: NewLocal(), timeout: timeout, log: log}
}

// Allow implements Store.
func (s *Redis) Allow(ctx context.Context, key string, p Policy) (Decision, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	defer cancel()
	res, err := s.limiter.Allow(ctx, "crmgw:rl:"+key, redis_rate.Limit{Rate: p.Count, Burst: p.Burst, Period: p.Period})
	if err != nil {
		if s.OnError != nil {
			s.OnError()
		}
		if !s.failing.Swap(true) {
			s.log.Warn("rate limits: Redis unavailable, each replica counts on its own until it answers",
				slog.String("error", err.Error()))
		}
		return s.fallback.Allow(ctx, key, p)
	}
	if s.failing.Swap(false) {
		s.log.Info("rate limits: Redis answers again, budgets are shared")
	}
	d := Decision{Allowed: res.Allowed > 0, Remaining: res.Remaining, Reset: max(res.ResetAfter, 0)}
	if !d.Allowed {
		d.RetryAfter = max(res.RetryAfter, 0)
	}
	return d, nil
}

// KeyOf is the bucket of a request: the caller's identity (API key name or
// JWT subject) within its tenant, or the client's IP for anonymous callers
// (AUTH_MODE=none). The IP is the connection's: X-Forwarded-For is not
// trusted, since any caller can send it.
func KeyOf(r *http.Request) string {
	id := caller.From(r.Context())
	if id != nil && id.Method != caller.Anonymous {
		return caller.Key(r.Context(), "rl", string(id.Method), id.Name)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return caller.Key(r.Context(), "rl", "ip", host)
}

// Refuser writes a refusal in the format of the route it happens on.
type Refuser func(w http.ResponseWriter, r *http.Request, status int, code apierr.Code, msg string)

// policyName names the one policy in the IETF headers.
const policyName = `"default"`

// Middleware spends one token of the caller's bucket per request. Every
// answer carries RateLimit-Policy and RateLimit (draft-ietf-httpapi-
// ratelimit-headers); a refused request is a 429 with Retry-After and
// RATE_LIMITED, and nothing behind the middleware runs. A store error
// (never expected: Redis falls back on its own) lets the request through.
func Middleware(store Store, p Policy, onRefuse func(), write Refuser) func(http.Handler) http.Handler {
	policy := fmt.Sprintf("%s;q=%d;w=%d", policyName, p.Count, int(p.Period.Seconds()))
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			d, err := store.Allow(r.Context(), KeyOf(r), p)
			if err != nil {
				next.ServeHTTP(w, r)
				return
			}
			h := w.Header()
			h.Set("RateLimit-Policy", policy)
			h.Set("RateLimit", fmt.Sprintf("%s;r=%d;t=%d", policyName, d.Remaining, ceilSeconds(d.Reset)))
			if d.Allowed {
				next.ServeHTTP(w, r)
				return
			}
			if onRefuse != nil {
				onRefuse()
			}
			secs := max(1, ceilSeconds(d.RetryAfter))
			h.Set("Retry-After", strconv.Itoa(secs))
			write(w, r, http.StatusTooManyRequests, apierr.RateLimited,
				fmt.Sprintf("rate limit exceeded: %d requests per %s; retry in %d s", p.Count, p.Period, secs))
		})
	}
}

func ceilSeconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }

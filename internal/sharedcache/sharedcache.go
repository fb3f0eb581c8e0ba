// Package sharedcache owns the second-level cache that replicas share
// through Redis: values by key with a lifetime, and a generation number
// per scope that a write bumps, so that every replica drops what it held
// at once. Redis slow or down is a miss, never an error and never a wait
// beyond the client's timeout; the outage is logged once and counted.
package sharedcache

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Store is the Redis behind every Scope. A nil *Store is valid: every
// method is then a miss or a no-op, which is the in-process deployment.
type Store struct {
	rdb     redis.UniversalClient
	timeout time.Duration
	log     *slog.Logger
	failing atomic.Bool
	// OnError counts failed calls (a metric), by use.
	OnError func(use string)
}

// New builds the store on rdb; each call is bounded by timeout.
func New(rdb redis.UniversalClient, timeout time.Duration, log *slog.Logger) *Store {
	return &Store{rdb: rdb, timeout: timeout, log: log}
}

// Scope is one user's part of the store (a tenant's r_keeper lists, the
// persisted queries): its keys are prefixed with the scope's name.
type Scope struct {
	s      *Store
	prefix string
	use    string
}

// Scope returns the part of the store under name; use labels its errors.
// Names must be built with caller.Key (or include the tenant otherwise),
// so that two tenants' entries never meet.
func (s *Store) Scope(name, use string) *Scope {
	return &Scope{s: s, prefix: "crmgw:" + name + ":", use: use}
}

// Enabled reports whether a Redis is behind the scope.
func (sc *Scope) Enabled() bool { return sc != nil && sc.s != nil }

func (sc *Scope) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), sc.s.timeout)
}

// result absorbs a Redis error: logged once per outage, counted, and
// reported as a miss to the caller.
func (sc *Scope) result(err error) bool {
	if err == nil || errors.Is(err, redis.Nil) {
		if sc.s.failing.Swap(false) {
			sc.s.log.Info("shared cache: Redis answers again")
		}
		return err == nil
	}
	if sc.s.OnError != nil {
		sc.s.OnError(sc.use)
	}
	if !sc.s.failing.Swap(true) {
		sc.s.log.Warn("shared cache: Redis unavailable; serving from each replica's own cache and the CRMs",
			slog.String("error", err.Error()))
	}
	return false
}

// Get returns the value under key, false on a miss or a Redis failure.
func (sc *Scope) Get(ctx context.Context, key string) ([]byte, bool) {
	if !sc.Enabled() {
		return nil, false
	}
	ctx, cancel := sc.ctx(ctx)
	defer cancel()
	b, err := sc.s.rdb.Get(ctx, sc.prefix+key).Bytes()
	if !sc.result(err) {
		return nil, false
	}
	return b, true
}

// Set stores value under key for ttl.
func (sc *Scope) Set(ctx context.Context, key string, value []byte, ttl time.Duration) {
	if !sc.Enabled() || ttl <= 0 {
		return
	}
	ctx, cancel := sc.ctx(ctx)
	defer cancel()
	sc.result(sc.s.rdb.Set(ctx, sc.prefix+key, value, ttl).Err())
}

// Generation is the scope's current generation; false when Redis cannot
// say (the caller then trusts what it holds).
func (sc *Scope) Generation(ctx context.Context) (uint64, bool) {
	if !sc.Enabled() {
		return 0, false
	}
	ctx, cancel := sc.ctx(ctx)
	defer cancel()
	s, err := sc.s.rdb.Get(ctx, sc.prefix+"generation").Result()
	if errors.Is(err, redis.Nil) {
		sc.result(nil)
		return 0, true
	}
	if !sc.result(err) {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

// Bump starts a new generation: every replica drops what the scope held.
func (sc *Scope) Bump(ctx context.Context) {
	if !sc.Enabled() {
		return
	}
	ctx, cancel := sc.ctx(ctx)
	defer cancel()
	sc.result(sc.s.rdb.Incr(ctx, sc.prefix+"generation").Err())
}

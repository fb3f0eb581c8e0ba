// Package redisclient opens the one Redis client the gateway shares state
// through (rate limits, caches, persisted queries), with timeouts short
// enough that a slow or dead Redis never holds a request for long.
package redisclient

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Timeout bounds every Redis call: past it the caller falls back to its
// in-process state.
const Timeout = 150 * time.Millisecond

func init() {
	// go-redis prints its connection failures to stderr; the gateway's
	// users of Redis log an outage once, in the gateway's log, and count it.
	redis.SetLogger(quiet{})
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// Open parses REDIS_URL (redis://, rediss:// or unix://). It does not
// connect: the first use does, and failures are the callers' to absorb.
func Open(url string) (*redis.Client, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	opts.DialTimeout = Timeout
	opts.ReadTimeout = Timeout
	opts.WriteTimeout = Timeout
	opts.PoolTimeout = Timeout
	opts.MaxRetries = -1 // a retry would double the wait; the fallback is cheaper
	opts.ContextTimeoutEnabled = true
	return redis.NewClient(opts), nil
}

// Package loaders owns per-request dataloaders: a request-scoped set that
// any backend's resolvers fill lazily, and the batching defaults they share.
package loaders

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/graph-gophers/dataloader/v7"
	"golang.org/x/sync/errgroup"

	"github.com/crmgateway/gateway/internal/safe"
)

// Wait is how long a loader collects keys before it fetches. Resolvers of
// one level run concurrently, so a short wait batches them without adding
// noticeable latency.
const Wait = 500 * time.Microsecond

// MaxBatch caps keys per batch (SynergyCRM's page size maximum).
const MaxBatch = 100

type ctxKey struct{}

// Set holds the loaders of one request, created on first use.
type Set struct {
	mu sync.Mutex
	m  map[any]any
}

// With returns ctx carrying a fresh, empty set.
func With(ctx context.Context) context.Context {
	ctx, _ = with(ctx)
	return ctx
}

func with(ctx context.Context) (context.Context, *Set) {
	s := &Set{m: map[any]any{}}
	return context.WithValue(ctx, ctxKey{}, s), s
}

// Releaser is a per-request value that holds something to hand back
// when the request is over, such as blocks from a pool.
type Releaser interface{ Release() }

// Middleware gives every HTTP request its own set, so nothing cached by a
// loader outlives the request that loaded it. Once the handler has
// returned, every resolver, loader batch and fetch it started has
// finished (each waits for what it started), so the set's values that
// are Releasers are released then. A handler that panics releases
// nothing: what it held is left to the collector.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, s := with(r.Context())
		next.ServeHTTP(w, r.WithContext(ctx))
		s.release()
	})
}

// release empties the set and releases its Releasers, outside the set's
// lock (a Release may look in the set).
func (s *Set) release() {
	s.mu.Lock()
	var few [8]any
	vals := few[:0]
	for _, v := range s.m {
		vals = append(vals, v)
	}
	clear(s.m)
	s.mu.Unlock()
	for _, v := range vals {
		if r, ok := v.(Releaser); ok {
			r.Release()
		}
	}
}

// Get returns the request's value under key, creating it with create on
// first use. Without a set in ctx (a call outside any request) it returns
// a fresh value each time, which is correct but unbatched.
func Get[T any](ctx context.Context, key any, create func() T) T {
	s, _ := ctx.Value(ctxKey{}).(*Set)
	if s == nil {
		return create()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.m[key]; ok {
		return v.(T)
	}
	v := create()
	s.m[key] = v
	return v
}

// New builds a loader with the shared batching options.
func New[K comparable, V any](fetch dataloader.BatchFunc[K, V]) *dataloader.Loader[K, V] {
	return dataloader.NewBatchedLoader(fetch,
		dataloader.WithWait[K, V](Wait),
		dataloader.WithBatchCapacity[K, V](MaxBatch))
}

// FanOut serves a batch from an upstream that has no batch endpoint: one
// call per distinct key, at most limit at a time. Duplicate keys in a batch
// are fetched once.
func FanOut[K comparable, V any](ctx context.Context, keys []K, limit int,
	fetch func(context.Context, K) (V, error)) []*dataloader.Result[V] {
	type res struct {
		v   V
		err error
	}
	uniq := map[K]*res{}
	var distinct []K
	for _, k := range keys {
		if _, seen := uniq[k]; !seen {
			uniq[k] = nil
			distinct = append(distinct, k)
		}
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	for _, k := range distinct {
		g.Go(func() error {
			var v V
			err := safe.Call(func() (err error) {
				v, err = fetch(gctx, k)
				return err
			})
			mu.Lock()
			uniq[k] = &res{v, err}
			mu.Unlock()
			return nil // one key's failure must not cancel the others
		})
	}
	_ = g.Wait()
	out := make([]*dataloader.Result[V], len(keys))
	for i, k := range keys {
		r := uniq[k]
		out[i] = &dataloader.Result[V]{Data: r.v, Error: r.err}
	}
	return out
}

// Lookup returns the request's value under key without creating it.
func Lookup[T any](ctx context.Context, key any) (T, bool) {
	var zero T
	s, _ := ctx.Value(ctxKey{}).(*Set)
	if s == nil {
		return zero, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	if !ok {
		return zero, false
	}
	return v.(T), true
}

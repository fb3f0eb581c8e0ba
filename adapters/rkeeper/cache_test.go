package rkeeper

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/crmgateway/gateway/internal/loaders"
	"github.com/crmgateway/gateway/internal/metrics"
)

type fakeClock struct{ t time.Time }

func (f *fakeClock) now() time.Time { return f.t }

// counted returns a fetch that counts its calls and answers n elements.
func counted(calls *atomic.Int32, n int) func(context.Context) ([]wireRef, error) {
	return func(context.Context) ([]wireRef, error) {
		calls.Add(1)
		return make([]wireRef, n), nil
	}
}

func TestRefCacheTTL(t *testing.T) {
	m := metrics.New()
	c := newRefCache(time.Minute, 0, 0, m, nil)
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	c.now = clk.now
	var calls atomic.Int32
	get := func() {
		// A fresh context each time: no request memo, the shared cache alone.
		if _, err := c.get(context.Background(), "countries", "k", counted(&calls, 3)); err != nil {
			t.Fatal(err)
		}
	}
	get()
	get()
	clk.t = clk.t.Add(59 * time.Second)
	get()
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d fetches within the TTL, want 1", n)
	}
	clk.t = clk.t.Add(2 * time.Second)
	get()
	if n := calls.Load(); n != 2 {
		t.Fatalf("%d fetches after the TTL, want 2", n)
	}
	if hit := counter(t, m, "hit"); hit != 2 {
		t.Errorf("hits = %v", hit)
	}
	if miss := counter(t, m, "miss"); miss != 2 {
		t.Errorf("misses = %v", miss)
	}
}

func TestRefCacheBounds(t *testing.T) {
	t.Run("entries, least recently used first", func(t *testing.T) {
		c := newRefCache(time.Minute, 3, 0, nil, nil)
		var calls atomic.Int32
		ctx := context.Background()
		for _, k := range []string{"a", "b", "c", "a", "d"} { // "b" is the least recently used when "d" comes
			_, _ = c.get(ctx, "cities", k, counted(&calls, 1))
		}
		if c.len() != 3 {
			t.Fatalf("len = %d", c.len())
		}
		before := calls.Load()
		_, _ = c.get(ctx, "cities", "a", counted(&calls, 1))
		if calls.Load() != before {
			t.Error("a was evicted")
		}
		_, _ = c.get(ctx, "cities", "b", counted(&calls, 1))
		if calls.Load() != before+1 {
			t.Error("b was kept")
		}
	})
	t.Run("elements", func(t *testing.T) {
		c := newRefCache(time.Minute, 100, 25, nil, nil)
		var calls atomic.Int32
		for _, k := range []string{"a", "b", "c"} {
			_, _ = c.get(context.Background(), "streets", k, counted(&calls, 10))
		}
		if c.len() != 2 || c.items > 25 {
			t.Fatalf("len %d items %d", c.len(), c.items)
		}
		_, _ = c.get(context.Background(), "streets", "huge", counted(&calls, 100))
		if c.items > 25 {
			t.Fatalf("a list larger than the cache was stored: %d items", c.items)
		}
	})
}

func TestRefCacheInvalidation(t *testing.T) {
	c := newRefCache(time.Minute, 0, 0, nil, nil)
	ctx := context.Background()
	var calls atomic.Int32
	_, _ = c.get(ctx, "cities", "k", counted(&calls, 1))
	c.invalidate(context.Background(), "k")
	_, _ = c.get(ctx, "cities", "k", counted(&calls, 1))
	if calls.Load() != 2 {
		t.Fatalf("fetches = %d, want 2", calls.Load())
	}

	t.Run("a read in flight during a write is not stored", func(t *testing.T) {
		c := newRefCache(time.Minute, 0, 0, nil, nil)
		started, release := make(chan struct{}), make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = c.get(ctx, "cities", "k", func(context.Context) ([]wireRef, error) {
				close(started)
				<-release
				return []wireRef{{ID: "old"}}, nil
			})
		}()
		<-started
		c.invalidate(context.Background(), "k")
		close(release)
		<-done
		if c.len() != 0 {
			t.Fatal("the pre-write read was stored")
		}
		refs, _ := c.get(ctx, "cities", "k", func(context.Context) ([]wireRef, error) { return []wireRef{{ID: "new"}}, nil })
		if refs[0].ID != "new" {
			t.Errorf("got %v", refs)
		}
	})
}

func TestRefCacheRequestMemo(t *testing.T) {
	c := newRefCache(0, 0, 0, nil, nil) // shared cache off
	var calls atomic.Int32
	req := loaders.With(context.Background())
	for i := 0; i < 3; i++ {
		_, _ = c.get(req, "countries", "k", counted(&calls, 1))
	}
	if calls.Load() != 1 {
		t.Fatalf("one request fetched %d times, want 1", calls.Load())
	}
	_, _ = c.get(loaders.With(context.Background()), "countries", "k", counted(&calls, 1))
	if calls.Load() != 2 {
		t.Fatalf("a second request was served from the first's memo")
	}
	c.invalidate(context.Background(), "k")
	_, _ = c.get(req, "countries", "k", counted(&calls, 1))
	if calls.Load() != 3 {
		t.Fatalf("a write did not invalidate the request's memo")
	}
}

func TestRefCacheErrorsAreNotCached(t *testing.T) {
	c := newRefCache(time.Minute, 0, 0, nil, nil)
	var calls atomic.Int32
	fail := func(context.Context) ([]wireRef, error) {
		calls.Add(1)
		return nil, context.DeadlineExceeded
	}
	for i := 0; i < 2; i++ {
		if _, err := c.get(context.Background(), "countries", "k", fail); err == nil || !strings.Contains(err.Error(), "deadline") {
			t.Fatalf("err = %v", err)
		}
	}
	if calls.Load() != 2 || c.len() != 0 {
		t.Fatalf("calls %d len %d", calls.Load(), c.len())
	}
}

func counter(t *testing.T, m *metrics.Metrics, result string) float64 {
	t.Helper()
	var pb dto.Metric
	if err := m.CacheRequests.WithLabelValues(Upstream, "countries", result).Write(&pb); err != nil {
		t.Fatal(err)
	}
	return pb.GetCounter().GetValue()
}

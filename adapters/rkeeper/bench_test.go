package rkeeper

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/crmgateway/gateway/internal/loaders"
)

func BenchmarkDecodeClient(b *testing.B) {
	d, err := decodeEnvelope(http.MethodGet, 200, []byte(docsClient), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeClient(d.Data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRefCacheHit is the cost of one reference lookup served from the
// shared cache in a fresh request.
func BenchmarkRefCacheHit(b *testing.B) {
	c := newRefCache(time.Minute, 0, 0, nil, nil)
	fetch := func(context.Context) ([]wireRef, error) { return make([]wireRef, 500), nil }
	_, _ = c.get(context.Background(), "streets", "k", fetch)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.get(loaders.With(context.Background()), "streets", "k", fetch); err != nil {
			b.Fatal(err)
		}
	}
}

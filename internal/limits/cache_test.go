package limits

import (
	"context"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
)

// countingCache counts hits, to prove a cached document is not parsed again.
type countingCache struct {
	graphql.Cache[Measures]
	hits int
}

func (c *countingCache) Get(ctx context.Context, key string) (Measures, bool) {
	m, ok := c.Cache.Get(ctx, key)
	if ok {
		c.hits++
	}
	return m, ok
}

// TestCachedVerdicts: with a cache, every document gets the verdict it gets
// without one, the first time and from the cache.
func TestCachedVerdicts(t *testing.T) {
	base := Extension{MaxTokens: 60, MaxDepth: 3, MaxAliases: 2, MaxFields: 8}
	cached := base
	cc := &countingCache{Cache: lru.New[Measures](10)}
	cached.Cache = cc
	docs := []string{
		`{ a }`,
		`{ a { b { c { d } } } }`,
		`{ x: a y: a z: a }`,
		`{ a b c d e f g h i }`,
		`{ a ` + strings.Repeat("b ", 80) + `}`,
		`{ a(`,
		`query Q { ...F } fragment F on Query { a { b } }`,
	}
	ctx := context.Background()
	for round := 0; round < 2; round++ {
		for _, d := range docs {
			want := base.MutateOperationParameters(ctx, &graphql.RawParams{Query: d})
			got := cached.MutateOperationParameters(ctx, &graphql.RawParams{Query: d})
			if (want == nil) != (got == nil) || (want != nil && (want.Message != got.Message || want.Extensions["limit"] != got.Extensions["limit"])) {
				t.Errorf("round %d, %q: cached %v, uncached %v", round, d, got, want)
			}
		}
	}
	if cc.hits != len(docs) {
		t.Errorf("%d cache hits, want %d (every document once in the second round)", cc.hits, len(docs))
	}
}

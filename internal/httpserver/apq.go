package httpserver

import (
	"container/list"
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/crmgateway/gateway/internal/apierr"
)

// apqMaxBytes bounds the memory the persisted-query cache may hold, whatever
// APQ_CACHE_SIZE says: 1000 entries of a 1 MiB body each would be a gigabyte.
const apqMaxBytes = 32 << 20

// persistedQueries is gqlgen's automatic persisted queries with the
// contract's error codes: gqlgen leaves "unsupported APQ version" and
// "provided APQ hash does not match query" without a code, which the error
// presenter would turn into INTERNAL; they are the client's mistakes.
// PERSISTED_QUERY_NOT_FOUND keeps its message (clients match on it) and is
// presented as BAD_USER_INPUT with the original code as extensions.reason.
type persistedQueries struct {
	extension.AutomaticPersistedQuery
}

var (
	_ graphql.HandlerExtension          = persistedQueries{}
	_ graphql.OperationParameterMutator = persistedQueries{}
)

func newPersistedQueries(entries int) persistedQueries {
	return persistedQueries{extension.AutomaticPersistedQuery{Cache: newQueryCache(entries, apqMaxBytes)}}
}

// MutateOperationParameters resolves or registers the persisted query.
func (p persistedQueries) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	err := p.AutomaticPersistedQuery.MutateOperationParameters(ctx, raw)
	if err == nil {
		return nil
	}
	if c, _ := err.Extensions["code"].(string); c == "" {
		if err.Extensions == nil {
			err.Extensions = map[string]any{}
		}
		err.Extensions["code"] = string(apierr.BadUserInput)
	}
	return err
}

// queryCache is an LRU of query documents by hash, bounded both by entry
// count and by the total size of the documents it holds.
type queryCache struct {
	mu         sync.Mutex
	maxEntries int
	maxBytes   int
	bytes      int
	order      *list.List // front = most recently used
	items      map[string]*list.Element
}

type cacheEntry struct {
	key, value string
}

var _ graphql.Cache[string] = (*queryCache)(nil)

func newQueryCache(maxEntries, maxBytes int) *queryCache {
	return &queryCache{maxEntries: maxEntries, maxBytes: maxBytes, order: list.New(), items: map[string]*list.Element{}}
}

// Get returns the document stored under key, marking it recently used.
func (c *queryCache) Get(_ context.Context, key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return "", false
	}
	c.order.MoveToFront(el)
	return el.Value.(*cacheEntry).value, true
}

// Add stores value under key, evicting the least recently used documents
// until both bounds hold. A document larger than the byte bound is not kept.
func (c *queryCache) Add(_ context.Context, key, value string) {
	size := len(key) + len(value)
	if size > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.order.MoveToFront(el)
		return // same hash, same document
	}
	c.items[key] = c.order.PushFront(&cacheEntry{key: key, value: value})
	c.bytes += size
	for c.order.Len() > c.maxEntries || c.bytes > c.maxBytes {
		el := c.order.Back()
		e := el.Value.(*cacheEntry)
		c.order.Remove(el)
		delete(c.items, e.key)
		c.bytes -= len(e.key) + len(e.value)
	}
}

// Len reports how many documents are cached.
func (c *queryCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

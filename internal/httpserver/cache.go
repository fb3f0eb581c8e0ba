package httpserver

import (
	"container/list"
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/crmgateway/gateway/internal/limits"
)

// lruCache is a least-recently-used cache bounded both by entry count and
// by the total size of what it holds, as sizeOf measures it.
type lruCache[V any] struct {
	mu         sync.Mutex
	maxEntries int
	maxBytes   int
	bytes      int
	sizeOf     func(key string, v V) int
	order      *list.List // front = most recently used
	items      map[string]*list.Element
}

type lruEntry[V any] struct {
	key   string
	value V
	size  int
}

func newLRU[V any](maxEntries, maxBytes int, sizeOf func(string, V) int) *lruCache[V] {
	return &lruCache[V]{maxEntries: maxEntries, maxBytes: maxBytes, sizeOf: sizeOf, order: list.New(), items: map[string]*list.Element{}}
}

// newDocumentCache holds parsed and validated documents by their text, for
// gqlgen (graphql.Cache). A parsed document outweighs its text, most of all
// when its tokens are small: each node counts 256 bytes besides the text.
func newDocumentCache(maxEntries, maxBytes int) *lruCache[*ast.QueryDocument] {
	return newLRU(maxEntries, maxBytes, func(k string, doc *ast.QueryDocument) int {
		return 2*len(k) + 256*limits.Nodes(doc)
	})
}

var (
	_ graphql.Cache[string]             = (*lruCache[string])(nil)
	_ graphql.Cache[*ast.QueryDocument] = (*lruCache[*ast.QueryDocument])(nil)
)

// Get returns the value stored under key, marking it recently used.
func (c *lruCache[V]) Get(_ context.Context, key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*lruEntry[V]).value, true
}

// Add stores value under key, evicting the least recently used entries
// until both bounds hold. A value larger than the byte bound is not kept.
func (c *lruCache[V]) Add(_ context.Context, key string, value V) {
	size := c.sizeOf(key, value)
	if size > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.order.MoveToFront(el)
		return // same key, same value
	}
	c.items[key] = c.order.PushFront(&lruEntry[V]{key: key, value: value, size: size})
	c.bytes += size
	for c.order.Len() > c.maxEntries || c.bytes > c.maxBytes {
		el := c.order.Back()
		e := el.Value.(*lruEntry[V])
		c.order.Remove(el)
		delete(c.items, e.key)
		c.bytes -= e.size
	}
}

// Len reports how many entries are cached.
func (c *lruCache[V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

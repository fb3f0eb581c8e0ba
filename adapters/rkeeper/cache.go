package rkeeper

import (
	"container/list"
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/loaders"
	"github.com/crmgateway/gateway/internal/metrics"
	"github.com/crmgateway/gateway/internal/reqinfo"
)

// refCache keeps reference lists (contact types, address types, countries,
// cities, metro stations, streets) for up to ttl per key (objectId,
// resource, parameters), because the upstream itself refreshes its GETs
// only once a minute. It is an LRU bounded both in entries and in list
// elements held; concurrent identical misses share one upstream call; the
// gateway's own writes invalidate the lists they change at once.
//
// With a shared second level (Redis), a miss here reads the list there
// before calling the upstream, and what the upstream answers is stored in
// both. Every request that reads lists first asks the shared generation
// (once per request); a write anywhere bumps it, so a replica drops its
// own lists before serving a stale one.
//
// A request also keeps a memo of the lists it has read, so that one query
// sees one consistent snapshot and costs one call per list even when the
// shared cache is off (ttl 0).
type refCache struct {
	ttl        time.Duration
	maxEntries int
	maxItems   int
	now        func() time.Time
	m          *metrics.Metrics

	mu    sync.Mutex
	lru   *list.List // of *cacheEntry, most recently used first
	byKey map[string]*list.Element
	items int
	// epoch counts invalidations. A fetch started before one is neither
	// stored nor joined by callers that arrive after it, so a write is
	// never hidden by a read that was already in flight.
	epoch uint64
	sf    singleflight.Group
	// shared is the second level, nil without one; gen is the shared
	// generation the lists held here belong to.
	shared SharedCache
	gen    uint64
}

type cacheEntry struct {
	key     string
	refs    []wireRef
	expires time.Time
}

func newRefCache(ttl time.Duration, maxEntries, maxItems int, m *metrics.Metrics, shared SharedCache) *refCache {
	if maxEntries <= 0 {
		maxEntries = 1024
	}
	if maxItems <= 0 {
		maxItems = 500_000
	}
	if m == nil {
		m = metrics.New()
	}
	return &refCache{ttl: ttl, maxEntries: maxEntries, maxItems: maxItems, now: time.Now, m: m,
		lru: list.New(), byKey: map[string]*list.Element{}, shared: shared}
}

// memo is one request's snapshot of the lists it has read.
type memo struct {
	mu sync.Mutex
	m  map[string]memoEntry
}

type memoEntry struct {
	refs  []wireRef
	epoch uint64
}

type memoKey struct{ c *refCache }

type generationKey struct{ c *refCache }

// sync asks the shared generation once per request; when it moved (a
// write on any replica), every list held here is dropped.
func (c *refCache) sync(ctx context.Context) {
	if c.shared == nil || c.ttl <= 0 {
		return
	}
	type gen struct {
		n  uint64
		ok bool
	}
	g := loaders.Get(ctx, generationKey{c}, func() gen {
		n, ok := c.shared.Generation(ctx)
		return gen{n, ok}
	})
	if !g.ok {
		return // Redis cannot say: trust what is held, for its TTL at most
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if g.n != c.gen {
		for c.lru.Len() > 0 {
			c.remove(c.lru.Back())
		}
		c.gen = g.n
		c.epoch++
	}
}

// get returns the list under key, from the request's memo, the cache, or
// one shared call of fetch. The returned slice is shared: never modify it.
func (c *refCache) get(ctx context.Context, resource, key string,
	fetch func(context.Context) ([]wireRef, error)) ([]wireRef, error) {
	mm := loaders.Get(ctx, memoKey{c}, func() *memo { return &memo{m: map[string]memoEntry{}} })
	c.sync(ctx)

	c.mu.Lock()
	epoch, gen := c.epoch, c.gen
	mm.mu.Lock()
	me, inMemo := mm.m[key]
	mm.mu.Unlock()
	if inMemo && me.epoch == epoch {
		c.mu.Unlock()
		c.count(ctx, resource, "hit")
		return me.refs, nil
	}
	if el, ok := c.byKey[key]; ok {
		e := el.Value.(*cacheEntry)
		if c.now().Before(e.expires) {
			c.lru.MoveToFront(el)
			c.mu.Unlock()
			c.remember(mm, key, e.refs, epoch)
			c.count(ctx, resource, "hit")
			return e.refs, nil
		}
		c.remove(el)
	}
	c.mu.Unlock()
	c.count(ctx, resource, "miss")

	ch := c.sf.DoChan(key+"@"+strconv.FormatUint(epoch, 10), func() (any, error) {
		// A flight that finished between this caller's miss and its call
		// may have stored the list already: use it rather than fetch again.
		if refs, ok := c.fresh(key, epoch); ok {
			return refs, nil
		}
		sharedKey := key + "@" + strconv.FormatUint(gen, 10)
		if refs, ok := c.fromShared(ctx, sharedKey); ok {
			c.count(ctx, resource, "shared_hit")
			c.store(key, refs, epoch)
			return refs, nil
		}
		// The call outlives any one waiting caller; the upstream client's
		// own deadline bounds it.
		refs, err := fetch(context.WithoutCancel(ctx))
		if err == nil {
			kept := cached(refs)
			c.store(key, kept, epoch)
			c.toShared(ctx, sharedKey, kept)
		}
		return refs, err
	})
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		refs := r.Val.([]wireRef)
		c.remember(mm, key, refs, epoch)
		return refs, nil
	}
}

// fromShared reads a list from the second level.
func (c *refCache) fromShared(ctx context.Context, key string) ([]wireRef, bool) {
	if c.shared == nil || c.ttl <= 0 {
		return nil, false
	}
	b, ok := c.shared.Get(ctx, key)
	if !ok {
		return nil, false
	}
	var refs []wireRef
	if err := json.Unmarshal(b, &refs); err != nil {
		return nil, false // an entry this version cannot read is a miss
	}
	return refs, true
}

// toShared stores a list in the second level for the cache's lifetime.
func (c *refCache) toShared(ctx context.Context, key string, refs []wireRef) {
	if c.shared == nil || c.ttl <= 0 {
		return
	}
	if b, err := json.Marshal(refs); err == nil {
		c.shared.Set(ctx, key, b, c.ttl)
	}
}

// fresh returns the cached list under key if it is unexpired and no write
// has invalidated lists since epoch.
func (c *refCache) fresh(key string, epoch uint64) ([]wireRef, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch != epoch {
		return nil, false
	}
	el, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	if !c.now().Before(e.expires) {
		return nil, false
	}
	return e.refs, true
}

func (c *refCache) remember(mm *memo, key string, refs []wireRef, epoch uint64) {
	mm.mu.Lock()
	mm.m[key] = memoEntry{refs: refs, epoch: epoch}
	mm.mu.Unlock()
}

func (c *refCache) store(key string, refs []wireRef, epoch uint64) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch != epoch {
		return // a write invalidated lists while this fetch was in flight
	}
	if el, ok := c.byKey[key]; ok {
		c.remove(el)
	}
	if len(refs)+1 > c.maxItems {
		return // larger than the whole cache: serve it uncached
	}
	el := c.lru.PushFront(&cacheEntry{key: key, refs: refs, expires: c.now().Add(c.ttl)})
	c.byKey[key] = el
	c.items += len(refs) + 1
	for c.lru.Len() > c.maxEntries || c.items > c.maxItems {
		c.remove(c.lru.Back())
	}
}

func (c *refCache) remove(el *list.Element) {
	e := c.lru.Remove(el).(*cacheEntry)
	delete(c.byKey, e.key)
	c.items -= len(e.refs) + 1
}

// invalidate drops keys at once, before the write that changed them
// returns, and makes reads already in flight unstorable.
func (c *refCache) invalidate(ctx context.Context, keys ...string) {
	c.mu.Lock()
	c.epoch++
	for _, k := range keys {
		if el, ok := c.byKey[k]; ok {
			c.remove(el)
		}
	}
	c.mu.Unlock()
	if c.shared != nil {
		// Every replica, this one included, drops its lists before its
		// next read; the shared entries of the old generation are never
		// read again and expire.
		c.shared.Bump(ctx)
	}
}

// len reports the cached lists (for tests).
func (c *refCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

func (c *refCache) count(ctx context.Context, resource, result string) {
	c.m.CacheRequests.WithLabelValues(Upstream, resource, result).Inc()
	reqinfo.From(ctx).AddCache(result != "miss")
}

// cached is the list as the cache keeps it: whoever reads it from there
// was served by the cache, not by the upstream (a stale answer stays
// marked stale).
func cached(refs []wireRef) []wireRef {
	if len(refs) == 0 || refs[0].Fetch == nil || refs[0].Fetch.Origin != domain.OriginUpstream {
		return refs
	}
	f := &domain.Fetched{At: refs[0].Fetch.At, Origin: domain.OriginCache}
	out := make([]wireRef, len(refs))
	for i, x := range refs {
		x.Fetch = f
		out[i] = x
	}
	return out
}

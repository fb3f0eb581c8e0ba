package httpserver

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/caller"
	"github.com/crmgateway/gateway/internal/reqinfo"
	"github.com/crmgateway/gateway/internal/sharedcache"
)

// apqMaxBytes bounds the memory the persisted-query cache may hold, whatever
// APQ_CACHE_SIZE says: 1000 entries of a 1 MiB body each would be a gigabyte.
const apqMaxBytes = 32 << 20

// persistedQueries resolves documents by hash: trusted documents first
// (PERSISTED_DOCUMENTS_FILE, the manifest GraphQL Codegen's client preset
// and Apollo's persisted-query lists emit), then gqlgen's automatic
// persisted queries (the Apollo protocol), whose cache is keyed by tenant.
// With only set, nothing but a trusted document runs: an unknown hash or a
// document that is not in the manifest is PERSISTED_QUERY_NOT_FOUND, and
// nothing is registered.
//
// gqlgen leaves "unsupported APQ version" and "provided APQ hash does not
// match query" without a code, which the error presenter would turn into
// INTERNAL; they are the client's mistakes and become BAD_USER_INPUT.
// PersistedQueryNotFound keeps its message, which clients match on.
type persistedQueries struct {
	apq     extension.AutomaticPersistedQuery
	trusted map[string]string // sha256 hex → document
	only    bool
}

var (
	_ graphql.HandlerExtension          = persistedQueries{}
	_ graphql.OperationParameterMutator = persistedQueries{}
)

func newPersistedQueries(entries int, trusted map[string]string, only bool, shared *sharedcache.Scope) persistedQueries {
	return persistedQueries{
		apq:     extension.AutomaticPersistedQuery{Cache: tenantCache{newQueryCache(entries, apqMaxBytes), shared}},
		trusted: trusted,
		only:    only,
	}
}

func (persistedQueries) ExtensionName() string                   { return "PersistedQueries" }
func (persistedQueries) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters resolves, checks or registers the document.
func (p persistedQueries) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	hash := persistedHash(raw.Extensions)
	if raw.Query == "" && hash != "" {
		if doc, ok := p.trusted[hash]; ok {
			raw.Query = doc
			reqinfo.From(ctx).MarkTrusted()
			return nil
		}
	}
	if p.only {
		if raw.Query == "" {
			return notFound("PersistedQueryNotFound")
		}
		sum := sha256.Sum256([]byte(raw.Query))
		if doc, ok := p.trusted[hex.EncodeToString(sum[:])]; !ok || doc != raw.Query {
			return notFound("only trusted documents run on this gateway: send the hash of a document from its persisted-documents manifest")
		}
		reqinfo.From(ctx).MarkTrusted()
		return nil
	}
	err := p.apq.MutateOperationParameters(ctx, raw)
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

func notFound(msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": string(apierr.PersistedQueryNotFound)}}
}

// persistedHash reads extensions.persistedQuery.sha256Hash, "" if absent.
func persistedHash(ext map[string]any) string {
	pq, _ := ext["persistedQuery"].(map[string]any)
	h, _ := pq["sha256Hash"].(string)
	return strings.ToLower(h)
}

// LoadTrustedDocuments reads a persisted-documents manifest: a JSON object
// of SHA-256 hex (or "sha256:<hex>") → document. Each hash is checked against its document, so
// a manifest that does not match what it claims cannot be loaded. extra
// documents (the REST facade's own) are trusted too.
func LoadTrustedDocuments(path string, extra ...string) (map[string]string, error) {
	out := map[string]string{}
	for _, d := range extra {
		sum := sha256.Sum256([]byte(d))
		out[hex.EncodeToString(sum[:])] = d
	}
	if path == "" {
		return out, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("PERSISTED_DOCUMENTS_FILE: %w", err)
	}
	var manifest map[string]string
	if err := json.Unmarshal(data, &manifest); err != nil {
		return nil, fmt.Errorf("PERSISTED_DOCUMENTS_FILE %s: not a JSON object of sha256 → document: %w", path, err)
	}
	var errs []error
	for key, doc := range manifest {
		// Keys are hex, or "sha256:<hex>" as the client preset writes them.
		h := strings.ToLower(strings.TrimPrefix(key, "sha256:"))
		sum := sha256.Sum256([]byte(doc))
		if hex.EncodeToString(sum[:]) != h {
			errs = append(errs, fmt.Errorf("PERSISTED_DOCUMENTS_FILE: %.16s… is not the SHA-256 of its document", h))
			continue
		}
		out[h] = doc
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// tenantCache keys the APQ cache by the caller's tenant, so that one
// tenant's registrations are never served to another. With a shared
// second level (Redis), a query registered on one replica is found by
// every other.
type tenantCache struct {
	c      *queryCache
	shared *sharedcache.Scope
}

// apqSharedTTL is how long a registration lives in the shared level; a
// client whose hash expired simply registers again.
const apqSharedTTL = 24 * time.Hour

func (t tenantCache) Get(ctx context.Context, key string) (string, bool) {
	k := caller.Key(ctx, "apq", key)
	if doc, ok := t.c.Get(ctx, k); ok {
		return doc, true
	}
	if b, ok := t.shared.Get(ctx, k); ok {
		t.c.Add(ctx, k, string(b))
		return string(b), true
	}
	return "", false
}

func (t tenantCache) Add(ctx context.Context, key, value string) {
	k := caller.Key(ctx, "apq", key)
	t.c.Add(ctx, k, value)
	if len(value) <= apqMaxBytes {
		t.shared.Set(ctx, k, []byte(value), apqSharedTTL)
	}
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

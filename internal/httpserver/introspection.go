package httpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/crmgateway/gateway/internal/apierr"
)

// introspectionOff refuses operations that select __schema or __type when
// introspection is disabled (__typename stays available: clients use it
// to tell union members apart). It runs on the operation gqlgen chose,
// fragments included, before anything executes.
type introspectionOff struct{}

var (
	_ graphql.HandlerExtension        = introspectionOff{}
	_ graphql.OperationContextMutator = introspectionOff{}
)

// ExtensionName names the extension in gqlgen's list.
func (introspectionOff) ExtensionName() string { return "IntrospectionDisabled" }

// Validate is gqlgen's hook to check the extension against the schema.
func (introspectionOff) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext refuses the operation if it asks for the schema.
func (introspectionOff) MutateOperationContext(_ context.Context, op *graphql.OperationContext) *gqlerror.Error {
	f := findRootField(op.Doc, op.Operation.SelectionSet, func(name string) bool {
		return name == "__schema" || name == "__type"
	}, map[string]bool{})
	if f == nil {
		return nil
	}
	err := &gqlerror.Error{
		Message: "introspection is disabled on this gateway: " + f.Name + " is not answered (__typename is)",
		Extensions: map[string]any{
			"code": string(apierr.BadUserInput), "reason": "INTROSPECTION_DISABLED",
		},
	}
	if f.Position != nil {
		err.Locations = []gqlerror.Location{{Line: f.Position.Line, Column: f.Position.Column}}
	}
	return err
}

// findRootField returns the first field of set (through inline fragments
// and fragment spreads, each fragment once) whose name matches.
func findRootField(doc *ast.QueryDocument, set ast.SelectionSet, match func(string) bool, seen map[string]bool) *ast.Field {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if match(s.Name) {
				return s
			}
		case *ast.InlineFragment:
			if f := findRootField(doc, s.SelectionSet, match, seen); f != nil {
				return f
			}
		case *ast.FragmentSpread:
			if seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			if def := doc.Fragments.ForName(s.Name); def != nil {
				if f := findRootField(doc, def.SelectionSet, match, seen); f != nil {
					return f
				}
			}
		}
	}
	return nil
}

// Bounds of the introspection answer cache: a full introspection of this
// schema is about 350 KB, and a handful of tools' queries cover the
// clients that send one.
const (
	introspectionCacheEntries = 32
	introspectionCacheBytes   = 16 << 20
)

// introspectionCache keeps the answers of introspection operations. The
// schema is fixed for the life of the process, so an answer depends only
// on the document, the operation name and the variables: a full
// introspection (GraphiQL's, Apollo's, graphql-codegen's query) is
// executed once and then answered with the same data. It is the innermost
// response interceptor: the operation has passed every check, and the
// interceptors around it see a cached answer as they see a computed one.
// Only answers without errors or extensions are kept. The transport keeps
// the encoded response beside the data (body), so a cached answer is not
// encoded again either.
type introspectionCache struct {
	answers *lruCache[*answer]
	// count records a lookup's result, "hit" or "miss"; nil records none.
	count func(result string)
}

// answer is one cached introspection answer: its data, and the response
// the transport encoded for it once.
type answer struct {
	data json.RawMessage
	body atomic.Pointer[[]byte]
}

var (
	_ graphql.HandlerExtension    = (*introspectionCache)(nil)
	_ graphql.ResponseInterceptor = (*introspectionCache)(nil)
)

func newIntrospectionCache(count func(result string)) *introspectionCache {
	return &introspectionCache{answers: newLRU(introspectionCacheEntries, introspectionCacheBytes,
		func(k string, v *answer) int { return len(k) + 2*len(v.data) }), count: count}
}

// ExtensionName names the extension in gqlgen's list.
func (c *introspectionCache) ExtensionName() string { return "IntrospectionCache" }

// Validate is gqlgen's hook to check the extension against the schema.
func (c *introspectionCache) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse answers an introspection operation from the cache, or
// executes it and keeps the answer.
func (c *introspectionCache) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	key, ok := c.key(graphql.GetOperationContext(ctx))
	if !ok {
		return next(ctx)
	}
	a, hit := c.answers.Get(ctx, key)
	if c.count != nil {
		c.count(map[bool]string{true: "hit", false: "miss"}[hit])
	}
	if hit {
		return &graphql.Response{Data: a.data}
	}
	resp := next(ctx)
	if resp != nil && len(resp.Errors) == 0 && len(resp.Extensions) == 0 && resp.HasNext == nil && len(resp.Data) > 0 {
		// The cache keeps a copy: an executor's answer may live in a
		// buffer its request hands back when it is over.
		resp.Data = bytes.Clone(resp.Data)
		c.answers.Add(ctx, key, &answer{data: resp.Data})
	}
	return resp
}

// cached returns the cache entry resp was answered from: resp carries its
// data and nothing else (an interceptor around the cache may have added
// errors or extensions, and then the response is not the cached one).
func (c *introspectionCache) cached(ctx context.Context, op *graphql.OperationContext, resp *graphql.Response) *answer {
	if c == nil || op == nil || len(resp.Data) == 0 || len(resp.Errors) > 0 || len(resp.Extensions) > 0 || resp.HasNext != nil {
		return nil
	}
	key, ok := c.key(op)
	if !ok {
		return nil
	}
	a, ok := c.answers.Get(ctx, key)
	if !ok || len(a.data) != len(resp.Data) || &a.data[0] != &resp.Data[0] {
		return nil
	}
	return a
}

// key returns the cache key of an operation whose root fields are all
// introspection (__schema, __type, __typename, at least one of the first
// two); ok is false for any other operation.
func (c *introspectionCache) key(op *graphql.OperationContext) (string, bool) {
	if op.Operation == nil || op.Operation.Operation != ast.Query {
		return "", false
	}
	if findRootField(op.Doc, op.Operation.SelectionSet, func(name string) bool {
		return name != "__schema" && name != "__type" && name != "__typename"
	}, map[string]bool{}) != nil {
		return "", false
	}
	if findRootField(op.Doc, op.Operation.SelectionSet, func(name string) bool {
		return name == "__schema" || name == "__type"
	}, map[string]bool{}) == nil {
		return "", false
	}
	v, err := json.Marshal(op.Variables) // map keys come out sorted
	if err != nil {
		return "", false
	}
	return op.RawQuery + "\x00" + op.OperationName + "\x00" + string(v), true
}

package graph

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/crmgateway/gateway/internal/domain"
)

// opMemoEntries is how many operations' plans are kept; gqlgen keeps the
// parsed documents of as many queries, so a repeated query finds both.
const opMemoEntries = 1000

// opMemo is what the resolvers work out from one operation's document:
// sparse fieldsets, include paths, fill plans. gqlgen hands every request
// of a cached query the same parsed operation, so these are worked out once
// per operation instead of once per request. Plans built from the selection
// sets the executor collects depend on variables only through @skip and
// @include; an operation whose directives read a variable is planned per
// request.
type opMemo struct {
	static bool

	fieldsOnce sync.Once
	fields     domain.SynergyFields

	mu    sync.Mutex
	plans map[memoKey]any

	compiledOnce sync.Once
	compiled     *cPlan // nil: the compiled executor cannot serve the operation
}

// memoKey names one plan: the field it is made for, what it is, and the
// GraphQL type it applies to.
type memoKey struct {
	field    *ast.Field
	kind     string
	typeName string
}

// opMemoFor returns the memo of the request's operation, nil outside one.
func (r *Resolver) opMemoFor(ctx context.Context) *opMemo {
	if !graphql.HasOperationContext(ctx) {
		return nil
	}
	opCtx := graphql.GetOperationContext(ctx)
	op := opCtx.Operation
	if op == nil {
		return nil
	}
	r.memoOnce.Do(func() { r.memos, _ = lru.New[*ast.OperationDefinition, *opMemo](opMemoEntries) })
	if m, ok := r.memos.Get(op); ok {
		return m
	}
	m := &opMemo{static: !readsVariables(op.SelectionSet, map[string]bool{}), plans: map[memoKey]any{}}
	r.memos.Add(op, m)
	return m
}

// memoized returns the plan under key, computing it once per operation when
// the operation's plans cannot change between requests.
func memoized[T any](ctx context.Context, r *Resolver, key memoKey, compute func() T) T {
	m := r.opMemoFor(ctx)
	if m == nil || !m.static || key.field == nil {
		return compute()
	}
	m.mu.Lock()
	v, ok := m.plans[key]
	m.mu.Unlock()
	if ok {
		return v.(T)
	}
	t := compute()
	m.mu.Lock()
	m.plans[key] = t
	m.mu.Unlock()
	return t
}

// readsVariables reports whether a @skip or @include in set, fragments
// included, takes its condition from a variable.
func readsVariables(set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		var dirs ast.DirectiveList
		var sub ast.SelectionSet
		switch s := sel.(type) {
		case *ast.Field:
			dirs, sub = s.Directives, s.SelectionSet
		case *ast.InlineFragment:
			dirs, sub = s.Directives, s.SelectionSet
		case *ast.FragmentSpread:
			dirs = s.Directives
			if s.Definition != nil && !seen[s.Name] {
				seen[s.Name] = true
				sub = s.Definition.SelectionSet
			}
		}
		for _, d := range dirs {
			for _, a := range d.Arguments {
				if a.Value != nil && a.Value.Kind == ast.Variable {
					return true
				}
			}
		}
		if readsVariables(sub, seen) {
			return true
		}
	}
	return false
}

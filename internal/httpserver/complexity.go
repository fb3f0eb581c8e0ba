package httpserver

import (
	"context"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// complexityLimit is gqlgen's FixedComplexityLimit with each operation's
// complexity remembered: gqlgen keeps the parsed document of a repeated
// query, so an operation without variables (whose complexity cannot
// change) is walked once, not on every request. Operations with variables
// are walked each time, as their arguments may differ.
type complexityLimit struct {
	limit int
	opts  []complexity.Option
	es    graphql.ExecutableSchema
	seen  *lru.Cache[*ast.OperationDefinition, int]
}

var (
	_ graphql.HandlerExtension        = (*complexityLimit)(nil)
	_ graphql.OperationContextMutator = (*complexityLimit)(nil)
)

func newComplexityLimit(limit, entries int, opts ...complexity.Option) *complexityLimit {
	seen, _ := lru.New[*ast.OperationDefinition, int](max(entries, 1))
	return &complexityLimit{limit: limit, opts: opts, seen: seen}
}

// ExtensionName is gqlgen's, so extension.GetComplexityStats still works.
func (*complexityLimit) ExtensionName() string { return "ComplexityLimit" }

// Validate keeps the schema whose complexity functions weigh fields.
func (c *complexityLimit) Validate(es graphql.ExecutableSchema) error {
	c.es = es
	return nil
}

// MutateOperationContext refuses an operation over the limit, with
// gqlgen's message and code.
func (c *complexityLimit) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	op := opCtx.Doc.Operations.ForName(opCtx.OperationName)
	n, ok := 0, false
	if op != nil && len(op.VariableDefinitions) == 0 {
		n, ok = c.seen.Get(op)
	}
	if !ok {
		n = complexity.Calculate(ctx, c.es, op, opCtx.Variables, c.opts...)
		if op != nil && len(op.VariableDefinitions) == 0 {
			c.seen.Add(op, n)
		}
	}
	opCtx.Stats.SetExtension("ComplexityLimit", &extension.ComplexityStats{Complexity: n, ComplexityLimit: c.limit})
	if n > c.limit {
		err := gqlerror.Errorf("operation has complexity %d, which exceeds the limit of %d", n, c.limit)
		errcode.Set(err, "COMPLEXITY_LIMIT_EXCEEDED")
		return err
	}
	return nil
}

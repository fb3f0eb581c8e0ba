package httpserver

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestComplexityRemembered: an operation without variables is weighed once
// and gets the same verdict every time; one with variables is weighed per
// request, since its arguments change its weight.
func TestComplexityRemembered(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `type Query { list(first: Int): [Item] } type Item { a: Int }`})
	calls := 0
	es := &graphql.ExecutableSchemaMock{
		SchemaFunc: func() *ast.Schema { return schema },
		ComplexityFunc: func(_ context.Context, typ, field string, child int, args map[string]any) (int, bool) {
			calls++
			if n, ok := args["first"].(int64); ok {
				return 1 + child*int(n), true
			}
			return 1 + child, true
		},
	}
	c := newComplexityLimit(10, 10)
	if err := c.Validate(es); err != nil {
		t.Fatal(err)
	}
	withVars := gqlparser.MustLoadQueryWithRules(schema, `query($n: Int) { list(first: $n) { a } }`, nil)
	run := func(vars map[string]any) (bool, int) {
		doc := withVars
		before := calls
		opCtx := &graphql.OperationContext{Doc: doc, Variables: vars}
		// gqlgen hands the same parsed document to every request of a query
		return c.MutateOperationContext(context.Background(), opCtx) == nil, calls - before
	}
	doc := gqlparser.MustLoadQueryWithRules(schema, `{ list(first: 3) { a } }`, nil)
	for round := 0; round < 3; round++ {
		before := calls
		ok := c.MutateOperationContext(context.Background(), &graphql.OperationContext{Doc: doc}) == nil
		if !ok {
			t.Fatalf("round %d: weight 4 refused under a limit of 10", round)
		}
		if weighed := calls - before; (round == 0) != (weighed > 0) {
			t.Fatalf("round %d: weighed %d times", round, weighed)
		}
	}
	big := gqlparser.MustLoadQueryWithRules(schema, `{ list(first: 30) { a } }`, nil)
	for round := 0; round < 2; round++ {
		if err := c.MutateOperationContext(context.Background(), &graphql.OperationContext{Doc: big}); err == nil ||
			err.Message != "operation has complexity 31, which exceeds the limit of 10" {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	if ok, weighed := run(map[string]any{"n": int64(3)}); !ok || weighed == 0 {
		t.Fatalf("first: 3 → ok %v, weighed %d", ok, weighed)
	}
	if ok, weighed := run(map[string]any{"n": int64(30)}); ok || weighed == 0 {
		t.Fatalf("first: 30 → ok %v, weighed %d", ok, weighed)
	}
}

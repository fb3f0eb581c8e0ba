package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/crmgateway/gateway/graph/generated"
)

// DefaultListSize is the page a list field with a `first` argument is
// assumed to return when the client does not say: the connections'
// default page.
const DefaultListSize = DefaultFirst

// Schema is the executable schema with the gateway's cost model, the
// demand-control one of the best gateways (Apollo Router's, the IBM GraphQL
// cost specification): a scalar or enum costs 0 (the HTTP server's
// complexity limit is set so), an object 1 plus its selection, and a field
// with a `first` argument its selection once per record it may return. Cost
// thus follows upstream work and response size, not the number of columns
// a client asks for.
//
// Exec hands the operations the compiled executor can plan to it
// (compiled.go) and the rest to gqlgen's generated executor.
func (r *Resolver) Schema() graphql.ExecutableSchema {
	return costed{generated.NewExecutableSchema(r.Config()), r}
}

type costed struct {
	graphql.ExecutableSchema
	r *Resolver
}

// Exec runs an operation: compiled when it can be, else by gqlgen.
func (c costed) Exec(ctx context.Context) graphql.ResponseHandler {
	if h := c.r.compiledExec(ctx); h != nil {
		return h
	}
	return c.ExecutableSchema.Exec(ctx)
}

func (c costed) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	t := c.Schema().Types[typeName]
	if t == nil {
		return 0, false
	}
	def := t.Fields.ForName(field)
	if def == nil {
		return 0, false
	}
	first := def.Arguments.ForName("first")
	if first == nil {
		return c.ExecutableSchema.Complexity(ctx, typeName, field, child, args)
	}
	n := DefaultListSize
	if first.DefaultValue != nil {
		if v, err := first.DefaultValue.Value(nil); err == nil {
			if d, ok := v.(int64); ok && d > 0 {
				n = int(d)
			}
		}
	}
	for _, name := range []string{"first", "last"} {
		switch v := args[name].(type) {
		case int:
			n = v
		case *int:
			if v != nil {
				n = *v
			}
		case int64:
			n = int(v)
		}
	}
	if n < 1 {
		n = 1
	}
	return 1 + child*n, true
}

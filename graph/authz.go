package graph

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/caller"
	"github.com/crmgateway/gateway/internal/globalid"
)

// authorizer enforces the caller's scopes on the operation before any
// resolver runs: a root field of a backend the caller may not read (or, in
// a mutation, write) is null with FORBIDDEN at its path, and nothing of it
// reaches the CRM. node and nodes check each ID's backend in their
// resolver, the only root fields that span backends.
type authorizer struct {
	backend map[string]map[string]string // root type → field → backend
}

var (
	_ graphql.HandlerExtension     = authorizer{}
	_ graphql.RootFieldInterceptor = authorizer{}
)

// Authorizer builds the scope check from the schema: a root field belongs
// to the backend whose schema file (graph/schema/<backend>.graphqls)
// declares it; fields of the core schema (node, nodes, __typename) belong
// to none. A root field in any other file is an error, so a new backend
// cannot slip past the check.
func Authorizer(schema *ast.Schema) (graphql.HandlerExtension, error) {
	a := authorizer{backend: map[string]map[string]string{}}
	for _, root := range []*ast.Definition{schema.Query, schema.Mutation} {
		if root == nil {
			continue
		}
		m := map[string]string{}
		for _, f := range root.Fields {
			if strings.HasPrefix(f.Name, "__") || f.Position == nil || f.Position.Src == nil {
				continue
			}
			file := strings.TrimSuffix(path.Base(f.Position.Src.Name), ".graphqls")
			switch file {
			case globalid.Synergy, globalid.Solos, globalid.RKeeper:
				m[f.Name] = file
			case "common":
				if !spanningRootFields[f.Name] {
					return nil, fmt.Errorf("root field %s.%s is in the common model but not known to span backends", root.Name, f.Name)
				}
			case "schema":
				if !coreRootFields[f.Name] {
					return nil, fmt.Errorf("root field %s.%s is in the core schema but not known to span backends", root.Name, f.Name)
				}
			default:
				return nil, fmt.Errorf("root field %s.%s is declared in %s, which names no backend", root.Name, f.Name, f.Position.Src.Name)
			}
		}
		a.backend[root.Name] = m
	}
	return a, nil
}

// coreRootFields resolve IDs of any backend and authorize each ID.
var coreRootFields = map[string]bool{"node": true, "nodes": true}

// spanningRootFields read every backend the caller may read and report the
// others as skipped (graph/common.go), so no one scope covers them.
var spanningRootFields = map[string]bool{"people": true, "opportunities": true}

func (authorizer) ExtensionName() string                   { return "Authorization" }
func (authorizer) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptRootField refuses a root field the caller's scopes do not cover.
func (a authorizer) InterceptRootField(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	rc := graphql.GetRootFieldContext(ctx)
	op := graphql.GetOperationContext(ctx)
	if rc == nil || op.Operation == nil {
		return next(ctx)
	}
	root := "Query"
	write := op.Operation.Operation == ast.Mutation
	if write {
		root = "Mutation"
	}
	backend, ok := a.backend[root][rc.Field.Name]
	if !ok {
		return next(ctx)
	}
	err := authorize(ctx, backend, write)
	if err == nil {
		return next(ctx)
	}
	graphql.AddError(ctx, &gqlerror.Error{
		Err: err, Message: err.Error(),
		Path:      ast.Path{ast.PathName(rc.Field.Alias)},
		Locations: []gqlerror.Location{{Line: rc.Field.Position.Line, Column: rc.Field.Position.Column}},
	})
	if rc.Field.Definition != nil && rc.Field.Definition.Type.NonNull {
		return graphql.RequiredNull
	}
	return graphql.Null
}

// authorize checks the request's caller for the scope a backend's read or
// write needs. A request no authentication middleware saw has no caller
// and is refused: nothing is open by default.
func authorize(ctx context.Context, backend string, write bool) error {
	need := caller.ScopeFor(backend, write)
	if caller.From(ctx).Has(need) {
		return nil
	}
	return &apierr.Error{Code: apierr.Forbidden, Upstream: "",
		Message: fmt.Sprintf("the caller lacks the %s scope", need)}
}

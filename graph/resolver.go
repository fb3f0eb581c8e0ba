// Package graph owns the GraphQL resolvers and the error presenter. It
// reaches the CRMs only through the interfaces declared here (one file per
// backend) and never imports an adapter.
package graph

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/crmgateway/gateway/graph/generated"
	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/globalid"
)

// NodeSource reads any entity of one backend by its decoded global ID.
type NodeSource interface {
	Node(ctx context.Context, id globalid.ID) (domain.Node, error)
}

// Backends are the CRMs one caller reaches. A nil backend is a backend that
// is not configured for that caller: its fields answer UPSTREAM_DISABLED.
type Backends struct {
	Synergy SynergyAPI
	Solos   SolosBackend
	// RKeeper is the r_keeper WebDelivery CRM (clients, address reference data).
	RKeeper RKeeperBackend
}

type backendsKey struct{}

// WithBackends binds a request to one set of backends (a tenant's), which
// every resolver of that request uses instead of the resolver's own.
func WithBackends(ctx context.Context, b *Backends) context.Context {
	return context.WithValue(ctx, backendsKey{}, b)
}

// Resolver is the root of all resolvers. Its embedded Backends serve every
// request that WithBackends did not bind to other ones.
type Resolver struct {
	Log *slog.Logger
	Backends
	// NaiveRelationships turns include planning and the per-request loaders
	// off, so every relationship costs one request per parent and resolver
	// call: the baseline `make bench` compares with.
	NaiveRelationships bool
	// GeneralOnly sends every operation through gqlgen's general executor,
	// never the compiled one: the oracle the compiled executor's
	// differential tests compare it with.
	GeneralOnly bool

	memoOnce sync.Once
	memos    *lru.Cache[*ast.OperationDefinition, *opMemo]
	compiled atomic.Int64 // operations the compiled executor answered
}

// CompiledOperations is how many operations the compiled executor has
// answered so far (the rest went through gqlgen's).
func (r *Resolver) CompiledOperations() int64 { return r.compiled.Load() }

// backends returns the backends the request is bound to.
func (r *Resolver) backends(ctx context.Context) *Backends {
	if b, ok := ctx.Value(backendsKey{}).(*Backends); ok {
		return b
	}
	return &r.Backends
}

// synergy returns the request's SynergyCRM backend or UPSTREAM_DISABLED.
func (r *Resolver) synergy(ctx context.Context) (SynergyAPI, error) {
	b := r.backends(ctx).Synergy
	if b == nil {
		return nil, apierr.Disabled(globalid.Synergy)
	}
	return b, nil
}

// Config wires the resolver into gqlgen's executable schema.
func (r *Resolver) Config() generated.Config {
	return generated.Config{Resolvers: r, Schema: servedSchema}
}

// servedSchema is the schema the gateway validates against and shows
// (introspection, the playground, the REST facade's OpenAPI document): the
// parsed schema without the directives that are not the API's.
//
//   - `@defer`: gqlparser's prelude declares it, but the gateway answers
//     every operation in one response (its HTTP transport writes one JSON
//     document), so it does not advertise incremental delivery, and an
//     operation that uses @defer is refused at validation instead of being
//     answered as if the directive were not there.
//   - gqlgen's code-generation directives (`@goField`, `@goModel`, …),
//     should a schema file declare one: they steer the generator, not
//     clients. gqlgen.yml is where the schema's Go bindings are declared.
var servedSchema = func() *ast.Schema {
	parsed := generated.NewExecutableSchema(generated.Config{}).Schema()
	s := *parsed
	s.Directives = make(map[string]*ast.DirectiveDefinition, len(parsed.Directives))
	for name, d := range parsed.Directives {
		if !notServed[name] {
			s.Directives[name] = d
		}
	}
	return &s
}()

// notServed are the directives servedSchema leaves out.
var notServed = map[string]bool{
	"defer": true, "goField": true, "goModel": true, "goTag": true, "goExtraField": true, "goEnum": true,
	"inlineArguments": true,
}

// nodeSource returns the source of a backend's nodes, nil when disabled.
func (r *Resolver) nodeSource(ctx context.Context, backend string) NodeSource {
	b := r.backends(ctx)
	switch backend {
	case globalid.Synergy:
		if b.Synergy != nil {
			return synergyNodes{r}
		}
	case globalid.Solos:
		if b.Solos != nil {
			return solosNodes{r}
		}
	case globalid.RKeeper:
		if b.RKeeper != nil {
			return b.RKeeper
		}
	}
	return nil
}

// Query returns the root query resolver.
func (r *Resolver) Query() generated.QueryResolver { return &queryResolver{r} }

type queryResolver struct{ *Resolver }

// Mutation returns the root mutation resolver.
func (r *Resolver) Mutation() generated.MutationResolver { return &mutationResolver{r} }

type mutationResolver struct{ *Resolver }

// Package graph owns the GraphQL resolvers and the error presenter. It
// reaches the CRMs only through the interfaces declared here (one file per
// backend) and never imports an adapter.
package graph

import (
	"context"
	"log/slog"

	"github.com/crmgateway/gateway/graph/generated"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/globalid"
)

// NodeSource reads any entity of one backend by its decoded global ID.
type NodeSource interface {
	Node(ctx context.Context, id globalid.ID) (domain.Node, error)
}

// Resolver is the root of all resolvers. A nil backend is a backend that is
// not configured: its fields answer UPSTREAM_DISABLED.
type Resolver struct {
	Log     *slog.Logger
	Synergy SynergyAPI
	// NaiveRelationships turns include planning and the per-request loaders
	// off, so every relationship costs one request per parent and resolver
	// call: the baseline `make bench` compares with.
	NaiveRelationships bool
	Solos              SolosBackend
	// RKeeper is the r_keeper WebDelivery CRM (clients, address reference data).
	RKeeper RKeeperBackend
}

// Config wires the resolver into gqlgen's executable schema.
func (r *Resolver) Config() generated.Config {
	return generated.Config{Resolvers: r}
}

// nodeSource returns the source of a backend's nodes, nil when disabled.
func (r *Resolver) nodeSource(backend string) NodeSource {
	switch backend {
	case globalid.Synergy:
		if r.Synergy != nil {
			return synergyNodes{r}
		}
	case globalid.Solos:
		if r.Solos != nil {
			return solosNodes{r}
		}
	case globalid.RKeeper:
		if r.RKeeper != nil {
			return r.RKeeper
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

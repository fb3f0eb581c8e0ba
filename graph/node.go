package graph

import (
	"context"
	"errors"
	"sync"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/globalid"
	"github.com/crmgateway/gateway/internal/safe"
)

// MaxNodes bounds nodes(ids:) so one request cannot fan out without limit.
const MaxNodes = 100

func (r *queryResolver) Node(ctx context.Context, id string) (domain.Node, error) {
	return r.resolveNode(ctx, id)
}

// Nodes resolves every ID concurrently, so the per-request loaders batch
// them; an unreadable ID is a null entry with its own error.
func (r *queryResolver) Nodes(ctx context.Context, ids []string) ([]domain.Node, error) {
	if len(ids) > MaxNodes {
		return nil, apierr.Invalid("ids", "at most %d IDs may be asked at once, got %d", MaxNodes, len(ids))
	}
	out := make([]domain.Node, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		safe.Go(func() (err error) {
			out[i], err = r.resolveNode(ctx, id)
			return err
		}, func(err error) {
			errs[i] = err
			wg.Done()
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			addPathError(ctx, err, i)
		}
	}
	return out, nil
}

func (r *Resolver) resolveNode(ctx context.Context, raw string) (domain.Node, error) {
	id, err := globalid.Decode(raw)
	if err != nil {
		return nil, invalidID("id", err)
	}
	if err := authorize(ctx, id.Backend, false); err != nil {
		return nil, err
	}
	src := r.nodeSource(ctx, id.Backend)
	if src == nil {
		return nil, apierr.Disabled(id.Backend)
	}
	n, err := src.Node(ctx, id)
	if err != nil {
		return nil, err
	}
	if n == nil {
		return nil, errors.New("node source returned neither a node nor an error")
	}
	return n, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

package graph

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/crmgateway/gateway/graph/model"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/loaders"
)

// Solos has no batch endpoint: every relationship is one request per
// (project, parameters). The per-request loaders make each distinct
// request once, however many fields ask for it, and run them concurrently.

// solosFanOut bounds the concurrent Solos calls of one batch (the upstream
// client bounds the calls of the whole process on top).
const solosFanOut = 8

// solosMaxFirst is the largest page of a Solos connection.
const solosMaxFirst = 100

type solosLoadersKey struct{}

// solosStepsKey, solosActionsKey and solosPaymentsKey are the distinct
// requests of the sub-resources: the project and every parameter.
type solosStepsKey struct{ project, date, steps string }

type solosActionsKey struct {
	project       string
	offset, count int
	id, date      string
	types         string
}

type solosPaymentsKey struct {
	project       string
	offset, count int
	id, date, typ string
}

// solosLoaderSet holds one request's Solos loaders.
type solosLoaderSet struct {
	project    *dataloader.Loader[string, *domain.Project]
	action     *dataloader.Loader[string, *domain.ProjectAction]
	steps      *dataloader.Loader[solosStepsKey, []*domain.ProjectStep]
	actions    *dataloader.Loader[solosActionsKey, domain.Page[*domain.ProjectAction]]
	checklists *dataloader.Loader[string, []*domain.ProjectChecklist]
	goods      *dataloader.Loader[string, []*domain.ProjectGood]
	payments   *dataloader.Loader[solosPaymentsKey, domain.Page[*domain.ProjectPayment]]
}

// fanOut makes a batch function that fetches each distinct key once.
func solosBatch[K comparable, V any](fetch func(context.Context, K) (V, error)) dataloader.BatchFunc[K, V] {
	return func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		return loaders.FanOut(ctx, keys, solosFanOut, fetch)
	}
}

func (r *Resolver) solosLoaders(ctx context.Context) *solosLoaderSet {
	if r.NaiveRelationships {
		// The benchmark's baseline: every resolver call its own request.
		return newSolosLoaders(r.backends(ctx).Solos)
	}
	return loaders.Get(ctx, solosLoadersKey{}, func() *solosLoaderSet { return newSolosLoaders(r.backends(ctx).Solos) })
}

func newSolosLoaders(s SolosBackend) *solosLoaderSet {
	return &solosLoaderSet{
		project: loaders.New(solosBatch(s.Project)),
		action:  loaders.New(solosBatch(s.ProjectAction)),
		steps: loaders.New(solosBatch(func(ctx context.Context, k solosStepsKey) ([]*domain.ProjectStep, error) {
			return s.ProjectSteps(ctx, k.project, domain.ProjectStepQuery{Date: solosDay(k.date), StepIDs: solosSplit(k.steps)})
		})),
		actions: loaders.New(solosBatch(func(ctx context.Context, k solosActionsKey) (domain.Page[*domain.ProjectAction], error) {
			return s.ProjectActions(ctx, k.project, domain.ProjectActionQuery{Offset: k.offset, Count: k.count,
				ID: k.id, Date: solosDay(k.date), TypeIDs: solosSplit(k.types)})
		})),
		checklists: loaders.New(solosBatch(s.ProjectChecklists)),
		goods:      loaders.New(solosBatch(s.ProjectGoods)),
		payments: loaders.New(solosBatch(func(ctx context.Context, k solosPaymentsKey) (domain.Page[*domain.ProjectPayment], error) {
			q := domain.ProjectPaymentQuery{Offset: k.offset, Count: k.count, ID: k.id, Date: solosDay(k.date)}
			if k.typ != "" {
				income := k.typ == string(model.PaymentTypeIncome)
				q.Income = &income
			}
			return s.ProjectPayments(ctx, k.project, q)
		})),
	}
}

// solosJoin and solosSplit carry an id list inside a comparable key.
func solosJoin(ids []uint64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatUint(id, 10)
	}
	return strings.Join(parts, ",")
}

func solosSplit(s string) []uint64 {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	out := make([]uint64, len(parts))
	for i, p := range parts {
		out[i], _ = strconv.ParseUint(p, 10, 64)
	}
	return out
}

func solosDay(s string) *time.Time {
	if s == "" {
		return nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return nil
	}
	return &t
}

// Cursors are opaque to clients: base64 of "offset:N", the position of the
// edge in the list as sorted and filtered by the same arguments.
const solosCursorPrefix = "offset:"

func solosCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(solosCursorPrefix + strconv.Itoa(offset)))
}

func solosParseCursor(c string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(raw), solosCursorPrefix) {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(raw), solosCursorPrefix))
	return n, err == nil && n >= 0
}

// solosWindow validates the paging arguments into an upstream offset and
// count. The bounds are every connection's (first 0 to 100): Solos has no
// count of zero, so a page of none (first: 0, or last records before the
// first one) asks for one record and is empty: solosEmptyPage drops it,
// and the answer still tells whether records follow and, when Solos says,
// how many there are.
func solosWindow(p pageRequest) (offset, count int, empty bool, err error) {
	offset, count, err = p.window(0, solosMaxFirst, solosParseCursor)
	if err == nil && count == 0 {
		return offset, 1, true, nil
	}
	return offset, count, false, err
}

// solosEmptyPage empties a page read for a request of no records.
func solosEmptyPage[T any](page *domain.Page[T], empty bool) {
	if empty {
		page.HasMore = page.HasMore || len(page.Items) > 0
		page.Items = page.Items[:0]
	}
}

// solosPageInfo builds the cursors of a window of n edges and its PageInfo.
func solosPageInfo(n, offset int, hasMore bool) ([]string, *domain.PageInfo) {
	cursors := make([]string, n)
	for i := range cursors {
		cursors[i] = solosCursor(offset + i)
	}
	info := &domain.PageInfo{HasNextPage: hasMore, HasPreviousPage: offset > 0}
	if n > 0 {
		info.StartCursor, info.EndCursor = &cursors[0], &cursors[n-1]
	}
	return cursors, info
}

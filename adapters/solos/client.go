// Package solos owns the Solos CRM adapter: the requests of the nine
// documented project endpoints, the decoding of their answers into domain
// types, and the mapping of Solos failures to the contract's error codes.
// Its emulator lives in adapters/solos/emulator.
package solos

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/globalid"
	"github.com/crmgateway/gateway/internal/upstream"
)

// Name is the backend's name in errors, metrics and global IDs.
const Name = globalid.Solos

// The two credential headers Solos requires on every request.
const (
	TokenHeader  = "X-Crypto-Token"
	SecretHeader = "X-Crypto-Secret"
)

// Authorize is the upstream client's Authorize hook for Solos: it sets both
// credential headers on every outgoing request.
func Authorize(token, secret string) func(*http.Request) {
	return func(r *http.Request) {
		r.Header.Set(TokenHeader, token)
		r.Header.Set(SecretHeader, secret)
	}
}

// Adapter reads Solos projects and their sub-resources. It is read-only:
// the Solos docs describe no write endpoint.
type Adapter struct {
	c *upstream.Client
}

// New builds the adapter over an upstream client made for Solos (base URL
// ending in /backend/public, Authorize from this package).
func New(c *upstream.Client) *Adapter { return &Adapter{c: c} }

// Default sort of project lists: stable paging needs an explicit order.
const defaultOrderBy = "id"

// Projects reads one window of projects: GET /projects, or POST
// /projects/filter when the query carries a search.
func (a *Adapter) Projects(ctx context.Context, q domain.ProjectListQuery) (domain.Page[*domain.Project], error) {
	if q.OrderBy == "" {
		q.OrderBy = defaultOrderBy
	}
	var req *upstream.Request
	if q.Search == nil {
		v := url.Values{}
		v.Set("count", strconv.Itoa(q.Count))
		v.Set("offset", strconv.Itoa(q.Offset))
		v.Set("order_by", q.OrderBy)
		v.Set("reverse", flag(q.Reverse))
		v.Set("deleted", flag(q.Deleted))
		req = &upstream.Request{Method: http.MethodGet, Path: "/projects", Query: v, Accept: "application/json"}
	} else {
		body, err := json.Marshal(newFilterBody(q))
		if err != nil {
			return domain.Page[*domain.Project]{}, &apierr.Error{Code: apierr.Internal, Message: "internal error", Err: err}
		}
		req = &upstream.Request{Method: http.MethodPost, Path: "/projects/filter", Body: body,
			ContentType: "application/json", Accept: "application/json"}
	}
	return list(ctx, a, req, "projects", projects, q.Offset, q.Count)
}

// Project reads one project by its Solos id: GET /projects/info.
func (a *Adapter) Project(ctx context.Context, id string) (*domain.Project, error) {
	return one(ctx, a, "/projects/info", id, "project", projects)
}

// ProjectSteps reads a project's steps: GET /projects/steps.
func (a *Adapter) ProjectSteps(ctx context.Context, projectID string, q domain.ProjectStepQuery) ([]*domain.ProjectStep, error) {
	v := url.Values{"id": {projectID}}
	if q.Date != nil {
		v.Set("filter_date", sqlDate(*q.Date))
	}
	if len(q.StepIDs) > 0 {
		v.Set("filter_steps", underscored(q.StepIDs))
	}
	return all(ctx, a, "/projects/steps", v, "project "+projectID+" steps", steps)
}

// ProjectActions reads one window of a project's actions: GET /projects/actions.
func (a *Adapter) ProjectActions(ctx context.Context, projectID string, q domain.ProjectActionQuery) (domain.Page[*domain.ProjectAction], error) {
	v := url.Values{"id": {projectID}, "count": {strconv.Itoa(q.Count)}, "offset": {strconv.Itoa(q.Offset)}}
	if q.ID != "" {
		v.Set("filter_id", q.ID)
	}
	if q.Date != nil {
		v.Set("filter_date", sqlDate(*q.Date))
	}
	if len(q.TypeIDs) > 0 {
		v.Set("filter_actions", underscored(q.TypeIDs))
	}
	req := &upstream.Request{Method: http.MethodGet, Path: "/projects/actions", Query: v, Accept: "application/json"}
	page, err := list(ctx, a, req, "project "+projectID+" actions", actions, q.Offset, q.Count)
	for _, act := range page.Items {
		if act.ProjectSourceID == "" {
			act.ProjectSourceID = projectID
		}
	}
	return page, err
}

// ProjectAction reads one action (event) by its own id: GET /projects/actions/info.
func (a *Adapter) ProjectAction(ctx context.Context, id string) (*domain.ProjectAction, error) {
	return one(ctx, a, "/projects/actions/info", id, "action", actions)
}

// ProjectChecklists reads a project's checklists: GET /projects/checklists.
func (a *Adapter) ProjectChecklists(ctx context.Context, projectID string) ([]*domain.ProjectChecklist, error) {
	return all(ctx, a, "/projects/checklists", url.Values{"id": {projectID}}, "project "+projectID+" checklists", checklists)
}

// ProjectGoods reads a project's goods: GET /projects/goods.
func (a *Adapter) ProjectGoods(ctx context.Context, projectID string) ([]*domain.ProjectGood, error) {
	return all(ctx, a, "/projects/goods", url.Values{"id": {projectID}}, "project "+projectID+" goods", goods)
}

// ProjectPayments reads one window of a project's payments: GET /projects/payments.
func (a *Adapter) ProjectPayments(ctx context.Context, projectID string, q domain.ProjectPaymentQuery) (domain.Page[*domain.ProjectPayment], error) {
	v := url.Values{"id": {projectID}, "count": {strconv.Itoa(q.Count)}, "offset": {strconv.Itoa(q.Offset)}}
	if q.ID != "" {
		v.Set("filter_id", q.ID)
	}
	if q.Date != nil {
		v.Set("filter_date", sqlDate(*q.Date))
	}
	if q.Income != nil {
		v.Set("filter_type", flag(*q.Income))
	}
	req := &upstream.Request{Method: http.MethodGet, Path: "/projects/payments", Query: v, Accept: "application/json"}
	return list(ctx, a, req, "project "+projectID+" payments", payments, q.Offset, q.Count)
}

// list sends a paged request and decodes the window.
func list[T any](ctx context.Context, a *Adapter, req *upstream.Request, what string, r *resource[T], offset, count int) (domain.Page[*T], error) {
	resp, err := a.do(ctx, req, what)
	if err != nil {
		return domain.Page[*T]{}, err
	}
	defer resp.Release()
	raws, total, err := decodeList(resp.Body)
	if err != nil {
		return domain.Page[*T]{}, a.malformed(what, err)
	}
	items, err := r.decodeAll(raws)
	if err != nil {
		return domain.Page[*T]{}, a.malformed(what, err)
	}
	setFetched(items, domain.FetchedNow(resp.Stale, a.c.RedactBytes))
	page := domain.Page[*T]{Items: items, Total: total}
	if total != nil {
		page.HasMore = offset+len(items) < *total
	} else {
		page.HasMore = count > 0 && len(items) >= count
	}
	return page, nil
}

// all sends an unpaged list request.
func all[T any](ctx context.Context, a *Adapter, path string, v url.Values, what string, r *resource[T]) ([]*T, error) {
	page, err := list(ctx, a, &upstream.Request{Method: http.MethodGet, Path: path, Query: v, Accept: "application/json"}, what, r, 0, 0)
	return page.Items, err
}

// one reads a single record by id; an empty answer is NOT_FOUND.
func one[T any](ctx context.Context, a *Adapter, path, id, what string, r *resource[T]) (*T, error) {
	req := &upstream.Request{Method: http.MethodGet, Path: path, Query: url.Values{"id": {id}}, Accept: "application/json"}
	resp, err := a.do(ctx, req, what+" "+id)
	if err != nil {
		return nil, err
	}
	defer resp.Release()
	raw, found, err := decodeOne(resp.Body)
	if err != nil {
		return nil, a.malformed(what, err)
	}
	if !found {
		return nil, notFound(what + " " + id)
	}
	x, err := r.decode(raw)
	if err != nil {
		return nil, a.malformed(what, err)
	}
	setFetched([]*T{x}, domain.FetchedNow(resp.Stale, a.c.RedactBytes))
	return x, nil
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func sqlDate(t time.Time) string { return t.Format("2006-01-02") }

func underscored(ids []uint64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatUint(id, 10)
	}
	return strings.Join(parts, "_")
}

// setFetched records how the records of one answer were fetched, a
// checklist's items included.
func setFetched[T any](items []*T, f *domain.Fetched) {
	for _, x := range items {
		if m, ok := any(x).(domain.MetaSetter); ok {
			m.SetFetch(f)
		}
		if c, ok := any(x).(*domain.ProjectChecklist); ok {
			for _, it := range c.Items {
				it.SetFetch(f)
			}
		}
	}
}

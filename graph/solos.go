package graph

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/crmgateway/gateway/graph/generated"
	"github.com/crmgateway/gateway/graph/model"
	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/globalid"
)

// SolosBackend is what the resolvers need from the Solos CRM. Ids are the
// CRM's own (unsigned integer) ids; every method reads, none writes.
type SolosBackend interface {
	Projects(ctx context.Context, q domain.ProjectListQuery) (domain.Page[*domain.Project], error)
	Project(ctx context.Context, id string) (*domain.Project, error)
	ProjectSteps(ctx context.Context, projectID string, q domain.ProjectStepQuery) ([]*domain.ProjectStep, error)
	ProjectActions(ctx context.Context, projectID string, q domain.ProjectActionQuery) (domain.Page[*domain.ProjectAction], error)
	ProjectAction(ctx context.Context, id string) (*domain.ProjectAction, error)
	ProjectChecklists(ctx context.Context, projectID string) ([]*domain.ProjectChecklist, error)
	ProjectGoods(ctx context.Context, projectID string) ([]*domain.ProjectGood, error)
	ProjectPayments(ctx context.Context, projectID string, q domain.ProjectPaymentQuery) (domain.Page[*domain.ProjectPayment], error)
}

// Global ID types of the Solos records.
const (
	solosProjects       = domain.SolosProjects
	solosActions        = domain.SolosActions
	solosPayments       = domain.SolosPayments
	solosSteps          = domain.SolosSteps
	solosChecklists     = domain.SolosChecklists
	solosChecklistItems = domain.SolosChecklistItems
	solosGoods          = domain.SolosGoods
)

// solos returns the backend or the UPSTREAM_DISABLED error.
func (r *Resolver) solos(ctx context.Context) (SolosBackend, error) {
	b := r.backends(ctx).Solos
	if b == nil {
		return nil, apierr.Disabled(globalid.Solos)
	}
	return b, nil
}

// solosNodes resolves Solos global IDs through the request's loaders.
type solosNodes struct{ r *Resolver }

// Node reads projects and actions; the other Solos records have no
// endpoint that reads one alone, so they are reachable only from a project.
func (n solosNodes) Node(ctx context.Context, id globalid.ID) (domain.Node, error) {
	if _, err := solosSourceID(id.Source, "id"); err != nil {
		return nil, err
	}
	switch id.Type {
	case solosProjects:
		return n.r.solosLoaders(ctx).project.Load(ctx, id.Source)()
	case solosActions:
		return n.r.solosLoaders(ctx).action.Load(ctx, id.Source)()
	case solosPayments, solosSteps, solosChecklists, solosChecklistItems, solosGoods:
		return nil, apierr.Invalid("id", "Solos has no endpoint that reads one %s record alone; read it through its project", id.Type)
	}
	return nil, apierr.Invalid("id", "the ID names an unknown Solos type %q", truncate(id.Type, 32))
}

// solosSourceID checks that a Solos id is an unsigned integer, as the
// Solos docs type every id parameter.
func solosSourceID(s, field string) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, apierr.Invalid(field, "%q is not a Solos id (an unsigned integer)", truncate(s, 32))
	}
	return n, nil
}

// solosDecodeID decodes a global ID argument of one Solos type.
func solosDecodeID(raw, typ, field string) (string, error) {
	id, err := globalid.DecodeAs(raw, globalid.Solos, typ)
	if err != nil {
		return "", invalidID(field, err)
	}
	if _, err := solosSourceID(id.Source, field); err != nil {
		return "", err
	}
	return id.Source, nil
}

// solosIDs parses a list of Solos ids of an input field.
func solosIDs(ids []string, field string) ([]uint64, error) {
	if ids == nil {
		return nil, nil
	}
	out := make([]uint64, len(ids))
	for i, s := range ids {
		n, err := solosSourceID(strings.TrimSpace(s), field+"["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

func (r *queryResolver) Projects(ctx context.Context, first *int, after *string, last *int, before *string, filter *model.ProjectFilter,
	orderBy *model.ProjectOrderBy, deleted *bool) (*model.ProjectConnection, error) {
	s, err := r.solos(ctx)
	if err != nil {
		return nil, err
	}
	offset, count, empty, err := solosWindow(pageRequest{first, after, last, before})
	if err != nil {
		return nil, err
	}
	q := domain.ProjectListQuery{Offset: offset, Count: count, OrderBy: "id", Deleted: deleted != nil && *deleted}
	if orderBy != nil {
		q.OrderBy = solosOrderFields[orderBy.Field]
		q.Reverse = orderBy.Descending != nil && *orderBy.Descending
	}
	if filter != nil {
		if q.Search, err = solosSearch(filter); err != nil {
			return nil, err
		}
	}
	page, err := s.Projects(ctx, q)
	if err != nil {
		return nil, err
	}
	solosEmptyPage(&page, empty)
	l := r.solosLoaders(ctx)
	for _, p := range page.Items {
		l.project.Prime(ctx, p.SourceID, p)
	}
	cursors, info := solosPageInfo(len(page.Items), offset, page.HasMore)
	conn := &model.ProjectConnection{Nodes: page.Items, PageInfo: info, TotalCount: page.Total,
		Edges: make([]*model.ProjectEdge, len(page.Items))}
	for i, p := range page.Items {
		conn.Edges[i] = &model.ProjectEdge{Cursor: cursors[i], Node: p}
	}
	return conn, nil
}

// solosOrderFields are the upstream's `order_by` names of the sort fields.
var solosOrderFields = map[model.ProjectOrderField]string{
	model.ProjectOrderFieldID:        "id",
	model.ProjectOrderFieldName:      "name",
	model.ProjectOrderFieldCreatedAt: "created",
	model.ProjectOrderFieldPrice:     "price",
}

// solosSearch validates a ProjectFilter into the search it asks for.
func solosSearch(f *model.ProjectFilter) (*domain.ProjectSearch, error) {
	s := &domain.ProjectSearch{Or: f.Condition != nil && *f.Condition == model.FilterConditionOr, Price: f.Price}
	if f.Having != nil {
		s.Having = strings.ToLower(string(*f.Having))
	}
	if c := f.Created; c != nil {
		if c.From.After(c.To.Time) {
			return nil, apierr.Invalid("filter.created", "from (%s) is after to (%s)", c.From, c.To)
		}
		from, to := c.From.Time, c.To.Time
		s.CreatedFrom, s.CreatedTo = &from, &to
	}
	lists := []struct {
		name string
		in   []string
		out  *[]uint64
	}{
		{"salesFunnelId", f.SalesFunnelID, &s.SalesFunnelID},
		{"stepId", f.StepID, &s.StepID},
		{"userId", f.UserID, &s.UserID},
		{"groupId", f.GroupID, &s.GroupID},
		{"currencyId", f.CurrencyID, &s.CurrencyID},
		{"participantsUserId", f.ParticipantsUserID, &s.ParticipantsUserID},
		{"participantsGroupId", f.ParticipantsGroupID, &s.ParticipantsGroupID},
		{"actionsTypeId", f.ActionsTypeID, &s.ActionsTypeID},
		{"goodId", f.GoodID, &s.GoodID},
	}
	for _, l := range lists {
		ids, err := solosIDs(l.in, "filter."+l.name)
		if err != nil {
			return nil, err
		}
		*l.out = ids
	}
	if len(f.Data) > 0 && string(f.Data) != "null" {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(f.Data, &m); err != nil {
			return nil, apierr.Invalid("filter.data", "data must be a JSON object of dynamic field name → value, e.g. {\"client_id\": [1, 3]}")
		}
		for k := range m {
			if strings.TrimSpace(k) == "" {
				return nil, apierr.Invalid("filter.data", "a dynamic field name must not be empty")
			}
		}
		s.Data = f.Data
	}
	return s, nil
}

func (r *queryResolver) Project(ctx context.Context, id string) (*domain.Project, error) {
	if _, err := r.solos(ctx); err != nil {
		return nil, err
	}
	src, err := solosDecodeID(id, solosProjects, "id")
	if err != nil {
		return nil, err
	}
	return r.solosLoaders(ctx).project.Load(ctx, src)()
}

func (r *queryResolver) ProjectAction(ctx context.Context, id string) (*domain.ProjectAction, error) {
	if _, err := r.solos(ctx); err != nil {
		return nil, err
	}
	src, err := solosDecodeID(id, solosActions, "id")
	if err != nil {
		return nil, err
	}
	return r.solosLoaders(ctx).action.Load(ctx, src)()
}

// Project returns the Project field resolvers (its relationships).
func (r *Resolver) Project() generated.ProjectResolver { return &projectResolver{r} }

type projectResolver struct{ *Resolver }

func (r *projectResolver) Steps(ctx context.Context, obj *domain.Project, filter *model.ProjectStepFilter) ([]*domain.ProjectStep, error) {
	key := solosStepsKey{project: obj.SourceID}
	if filter != nil {
		if filter.Date != nil {
			key.date = filter.Date.String()
		}
		ids, err := solosIDs(filter.StepID, "filter.stepId")
		if err != nil {
			return nil, err
		}
		key.steps = solosJoin(ids)
	}
	return r.solosLoaders(ctx).steps.Load(ctx, key)()
}

func (r *projectResolver) Actions(ctx context.Context, obj *domain.Project, first *int, after *string, last *int, before *string,
	filter *model.ProjectActionFilter) (*model.ProjectActionConnection, error) {
	offset, count, empty, err := solosWindow(pageRequest{first, after, last, before})
	if err != nil {
		return nil, err
	}
	key := solosActionsKey{project: obj.SourceID, offset: offset, count: count}
	if filter != nil {
		if filter.ID != nil {
			if key.id, err = solosDecodeID(*filter.ID, solosActions, "filter.id"); err != nil {
				return nil, err
			}
		}
		if filter.Date != nil {
			key.date = filter.Date.String()
		}
		ids, err := solosIDs(filter.ActionTypeID, "filter.actionTypeId")
		if err != nil {
			return nil, err
		}
		key.types = solosJoin(ids)
	}
	l := r.solosLoaders(ctx)
	page, err := l.actions.Load(ctx, key)()
	if err != nil {
		return nil, err
	}
	solosEmptyPage(&page, empty)
	for _, a := range page.Items {
		l.action.Prime(ctx, a.SourceID, a)
	}
	cursors, info := solosPageInfo(len(page.Items), offset, page.HasMore)
	conn := &model.ProjectActionConnection{Nodes: page.Items, PageInfo: info, TotalCount: page.Total,
		Edges: make([]*model.ProjectActionEdge, len(page.Items))}
	for i, a := range page.Items {
		conn.Edges[i] = &model.ProjectActionEdge{Cursor: cursors[i], Node: a}
	}
	return conn, nil
}

func (r *projectResolver) Checklists(ctx context.Context, obj *domain.Project) ([]*domain.ProjectChecklist, error) {
	return r.solosLoaders(ctx).checklists.Load(ctx, obj.SourceID)()
}

func (r *projectResolver) Goods(ctx context.Context, obj *domain.Project) ([]*domain.ProjectGood, error) {
	return r.solosLoaders(ctx).goods.Load(ctx, obj.SourceID)()
}

func (r *projectResolver) Payments(ctx context.Context, obj *domain.Project, first *int, after *string, last *int, before *string,
	filter *model.ProjectPaymentFilter) (*model.ProjectPaymentConnection, error) {
	offset, count, empty, err := solosWindow(pageRequest{first, after, last, before})
	if err != nil {
		return nil, err
	}
	key := solosPaymentsKey{project: obj.SourceID, offset: offset, count: count}
	if filter != nil {
		if filter.ID != nil {
			if key.id, err = solosDecodeID(*filter.ID, solosPayments, "filter.id"); err != nil {
				return nil, err
			}
		}
		if filter.Date != nil {
			key.date = filter.Date.String()
		}
		if filter.Type != nil {
			key.typ = string(*filter.Type)
		}
	}
	page, err := r.solosLoaders(ctx).payments.Load(ctx, key)()
	if err != nil {
		return nil, err
	}
	solosEmptyPage(&page, empty)
	cursors, info := solosPageInfo(len(page.Items), offset, page.HasMore)
	conn := &model.ProjectPaymentConnection{Nodes: page.Items, PageInfo: info, TotalCount: page.Total,
		Edges: make([]*model.ProjectPaymentEdge, len(page.Items))}
	for i, p := range page.Items {
		conn.Edges[i] = &model.ProjectPaymentEdge{Cursor: cursors[i], Node: p}
	}
	return conn, nil
}

// ProjectAction returns the ProjectAction field resolvers.
func (r *Resolver) ProjectAction() generated.ProjectActionResolver { return &projectActionResolver{r} }

type projectActionResolver struct{ *Resolver }

// Project is the action's project, read through the request's project
// loader (free when the project was listed in the same request).
func (r *projectActionResolver) Project(ctx context.Context, obj *domain.ProjectAction) (*domain.Project, error) {
	if obj.ProjectSourceID == "" {
		return nil, nil // Solos did not say which project; the field is absent, not missing
	}
	return r.solosLoaders(ctx).project.Load(ctx, obj.ProjectSourceID)()
}

// ProjectPayment returns the ProjectPayment field resolvers.
func (r *Resolver) ProjectPayment() generated.ProjectPaymentResolver {
	return &projectPaymentResolver{r}
}

type projectPaymentResolver struct{ *Resolver }

func (r *projectPaymentResolver) Type(_ context.Context, obj *domain.ProjectPayment) (*model.PaymentType, error) {
	if obj.Income == nil {
		return nil, nil // Solos did not say
	}
	t := model.PaymentTypeExpense
	if *obj.Income {
		t = model.PaymentTypeIncome
	}
	return &t, nil
}

package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"hash/fnv"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"golang.org/x/sync/errgroup"

	"github.com/crmgateway/gateway/graph/generated"
	"github.com/crmgateway/gateway/graph/model"
	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/caller"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/globalid"
	"github.com/crmgateway/gateway/internal/loaders"
	"github.com/crmgateway/gateway/internal/safe"
	spec "github.com/crmgateway/gateway/internal/synergyspec"
)

// The cross-CRM reads (people, opportunities): one read fans out to every
// source (a backend's list) the caller may read, in parallel, each with the
// parts of the filter its CRM can apply, and the answers are merged into
// one connection.
//
// Merge order. The n-th record of every source comes before the (n+1)-th
// of any, sources in a fixed order: a record's key is (its index in its
// source's own order, the source's rank), and the merged order is the
// order of keys. It is stable (the same upstream data gives the same
// order), independent of page sizes, and needs no comparable field across
// CRMs.
//
// Cursors. A cursor is a key plus the read it belongs to (the field and a
// hash of its filter), so it resumes every source where it stopped: after
// key (k, s), source j continues at index k+1 if j <= s and at k otherwise.
// A page reads at most one window of `first` records per source, so a page
// that the gateway filters locally may hold fewer records than asked while
// hasNextPage is still true; its endCursor then points past everything
// read, never at a record skipped.

// crossMaxFirst and crossDefaultFirst bound a cross-CRM page.
const (
	crossMaxFirst     = 100
	crossDefaultFirst = 20
)

// crossSource is one list of one backend in a cross-CRM read.
type crossSource struct {
	backend domain.Backend
	gid     string // the backend's name in global IDs, scopes and errors
	name    string // the CRM's list, e.g. "contacts"
	// unsupported, when set, is why this source cannot serve the read at
	// all: it is reported and never called.
	unsupported string
	// What happens to each filter field given: sent upstream (field →
	// the upstream parameter), applied by the gateway, or not applicable.
	pushed  map[string]string
	local   []string
	cannot  []string
	refuse  error // the filter would mean reading the whole CRM
	enabled bool
	read    func(ctx context.Context, from, n int) ([]any, bool, error)
	match   func(any) bool
}

// crossKey is a record's place in the merged order.
type crossKey struct{ k, s int }

func (a crossKey) less(b crossKey) bool { return a.k < b.k || a.k == b.k && a.s < b.s }

// pred is the key just before a in the order over nSources sources.
func (a crossKey) pred(nSources int) crossKey {
	if a.s > 0 {
		return crossKey{a.k, a.s - 1}
	}
	return crossKey{a.k - 1, nSources - 1}
}

type crossItem struct {
	key  crossKey
	node any
}

// crossPage is a merged page.
type crossPage struct {
	items    []crossItem
	cursors  []string
	info     *domain.PageInfo
	backends []*model.BackendReport
}

const crossCursorVersion = "x1"

func encodeCrossCursor(read string, k crossKey) string {
	return base64.RawURLEncoding.EncodeToString([]byte(crossCursorVersion + ":" + read + ":" + strconv.Itoa(k.k) + ":" + strconv.Itoa(k.s)))
}

func decodeCrossCursor(field, read, c string, nSources int) (crossKey, error) {
	bad := apierr.Invalid(field, "%s is not a cursor of this read (cursors belong to one field and one filter)", field)
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return crossKey{}, bad
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != 4 || parts[0] != crossCursorVersion || parts[1] != read {
		return crossKey{}, bad
	}
	k, err1 := strconv.Atoi(parts[2])
	s, err2 := strconv.Atoi(parts[3])
	if err1 != nil || err2 != nil || k < -1 || s < 0 || s >= nSources {
		return crossKey{}, bad
	}
	return crossKey{k, s}, nil
}

// readID names one read for its cursors: the field and its filter.
func readID(field string, filter any) string {
	b, _ := json.Marshal(filter)
	h := fnv.New64a()
	h.Write(b)
	return field + "." + strconv.FormatUint(h.Sum64(), 36)
}

// crossArgs checks the paging arguments: forward with first/after, or
// backward with last and before.
func crossArgs(first *int, after *string, last *int, before *string) (n int, backward bool, err error) {
	if first != nil && last != nil {
		return 0, false, apierr.Invalid("last", "first and last cannot be combined; page forward with first/after or backward with last/before")
	}
	if after != nil && before != nil {
		return 0, false, apierr.Invalid("before", "after and before cannot be combined")
	}
	if last != nil || before != nil {
		if before == nil {
			return 0, false, apierr.Invalid("last", "last needs before: page backward from a cursor of this read")
		}
		if first != nil { // (after with before was refused above)
			return 0, false, apierr.Invalid("first", "first cannot page backward; use last with before")
		}
		backward, n = true, crossDefaultFirst
		if last != nil {
			n = *last
		}
		if n < 0 || n > crossMaxFirst {
			return 0, false, apierr.Invalid("last", "last must be between 0 and %d, got %d", crossMaxFirst, n)
		}
		return n, true, nil
	}
	n = crossDefaultFirst
	if first != nil {
		n = *first
	}
	if n < 0 || n > crossMaxFirst {
		return 0, false, apierr.Invalid("first", "first must be between 0 and %d, got %d", crossMaxFirst, n)
	}
	return n, false, nil
}

// crossNodes gives a merged page's items as a connection's nodes (of the
// read's common type N) and its edges, made by edge from each cursor and node.
func crossNodes[N, E any](page *crossPage, edge func(cursor string, node N) E) ([]N, []E) {
	nodes, edges := make([]N, len(page.items)), make([]E, len(page.items))
	for i, it := range page.items {
		n := it.node.(N)
		nodes[i], edges[i] = n, edge(page.cursors[i], n)
	}
	return nodes, edges
}

// crossRead reads one merged page from sources.
func (r *Resolver) crossRead(ctx context.Context, read string, sources []*crossSource,
	first *int, after *string, last *int, before *string) (*crossPage, error) {
	n, backward, err := crossArgs(first, after, last, before)
	if err != nil {
		return nil, err
	}
	var cur *crossKey
	if after != nil {
		k, err := decodeCrossCursor("after", read, *after, len(sources))
		if err != nil {
			return nil, err
		}
		cur = &k
	}
	if before != nil {
		k, err := decodeCrossCursor("before", read, *before, len(sources))
		if err != nil {
			return nil, err
		}
		cur = &k
	}

	reports := make([]*model.BackendReport, len(sources))
	active := make([]bool, len(sources))
	errs := make([]error, len(sources))
	for j, src := range sources {
		rep := &model.BackendReport{Backend: src.backend, Source: src.name, Status: model.BackendStatusOk,
			Pushed: slices.Sorted(maps.Keys(src.pushed)), Local: nonNil(src.local), Unsupported: nonNil(src.cannot)}
		reports[j] = rep
		forbidden := authorize(ctx, src.gid, false)
		switch {
		case forbidden != nil:
			errs[j] = forbidden
			rep.Status, rep.Code = model.BackendStatusSkipped, ptr(string(apierr.Forbidden))
			rep.Message = ptr("the caller lacks the " + string(caller.ScopeFor(src.gid, false)) + " scope; nothing was sent")
		case !src.enabled:
			errs[j] = apierr.Disabled(src.gid)
			rep.Status, rep.Code = model.BackendStatusSkipped, ptr(string(apierr.UpstreamDisabled))
			rep.Message = ptr(src.gid + " is not configured on this gateway")
		case src.unsupported != "":
			rep.Status, rep.Message = model.BackendStatusUnsupported, ptr(src.unsupported)
		case src.refuse != nil:
			return nil, src.refuse
		default:
			active[j] = true
		}
	}

	// The window each source reads.
	from := make([]int, len(sources))
	size := make([]int, len(sources))
	for j := range sources {
		switch {
		case cur == nil:
			from[j], size[j] = 0, n
		case !backward:
			from[j] = cur.k
			if j <= cur.s {
				from[j]++
			}
			size[j] = n
		default:
			end := cur.k
			if j < cur.s {
				end++
			}
			from[j] = max(0, end-n)
			size[j] = end - from[j]
		}
	}

	got := make([][]any, len(sources))
	more := make([]bool, len(sources))
	var g errgroup.Group
	for j, src := range sources {
		if !active[j] || size[j] <= 0 || from[j] < 0 {
			continue
		}
		g.Go(func() error {
			err := safe.Call(func() error {
				var err error
				got[j], more[j], err = src.read(ctx, from[j], size[j])
				return err
			})
			if err != nil {
				errs[j] = err
				e, _ := apierr.As(err)
				reports[j].Status = model.BackendStatusError
				code := string(apierr.CodeOf(err))
				reports[j].Code = &code
				msg := "internal error"
				if e != nil {
					msg = e.ClientMessage()
				}
				reports[j].Message = &msg
				got[j], more[j] = nil, false
			}
			return nil
		})
	}
	_ = g.Wait()
	r.reportPushdown(ctx, sources, reports)
	// When no source could answer, the read fails as a one-backend field
	// would: with the first failure, else the first reason a source was
	// skipped (FORBIDDEN, UPSTREAM_DISABLED).
	served := false
	for j := range sources {
		served = served || active[j] && errs[j] == nil
	}
	if !served {
		for _, want := range []model.BackendStatus{model.BackendStatusError, model.BackendStatusSkipped} {
			for j := range sources {
				if reports[j].Status == want {
					return nil, errs[j]
				}
			}
		}
	}

	// Candidates, and the bound past which a source that may hold more
	// records than it returned leaves the order unknown.
	var cands []crossItem
	var bound *crossKey
	for j := range sources {
		for i, x := range got[j] {
			if sources[j].match == nil || sources[j].match(x) {
				cands = append(cands, crossItem{crossKey{from[j] + i, j}, x})
			}
		}
		if backward {
			if active[j] && from[j] > 0 && reports[j].Status == model.BackendStatusOk {
				b := crossKey{from[j], j}
				if bound == nil || bound.less(b) {
					bound = &b
				}
			}
		} else if more[j] {
			b := crossKey{from[j] + len(got[j]), j}
			if bound == nil || b.less(*bound) {
				bound = &b
			}
		}
	}
	slices.SortFunc(cands, func(a, b crossItem) int {
		if a.key.less(b.key) {
			return -1
		}
		if b.key.less(a.key) {
			return 1
		}
		return 0
	})
	// split: the candidates before the bound (all when there is none).
	split := len(cands)
	if bound != nil {
		split = sort.Search(len(cands), func(i int) bool { return !cands[i].key.less(*bound) })
	}
	page := &crossPage{info: &domain.PageInfo{}, backends: reports}
	if !backward {
		in := cands[:split]
		take := min(n, len(in))
		page.items = in[:take]
		page.info.HasNextPage = take < len(cands) || bound != nil
		page.info.HasPreviousPage = cur != nil
		end := (*crossKey)(nil)
		if take > 0 {
			end = &page.items[take-1].key
		}
		if take < n && bound != nil {
			p := bound.pred(len(sources))
			end = &p
		}
		if end != nil {
			page.info.EndCursor = ptr(encodeCrossCursor(read, *end))
		}
	} else {
		in := cands
		if bound != nil {
			in = cands[split:]
		}
		take := min(n, len(in))
		page.items = in[len(in)-take:]
		page.info.HasPreviousPage = take < len(cands) || bound != nil
		page.info.HasNextPage = true
		start := (*crossKey)(nil)
		if take > 0 {
			start = &page.items[0].key
		}
		if take < n && bound != nil {
			start = bound
		}
		if start != nil {
			page.info.StartCursor = ptr(encodeCrossCursor(read, *start))
		}
	}
	page.cursors = make([]string, len(page.items))
	for i, it := range page.items {
		page.cursors[i] = encodeCrossCursor(read, it.key)
		reports[it.key.s].Count++
	}
	if len(page.cursors) > 0 {
		if page.info.StartCursor == nil {
			page.info.StartCursor = &page.cursors[0]
		}
		if page.info.EndCursor == nil {
			page.info.EndCursor = &page.cursors[len(page.cursors)-1]
		}
	}
	return page, nil
}

// --- extensions.pushdown ---

// pushdownEntry is what one source of a cross-CRM read did with the filter.
type pushdownEntry struct {
	Path        []string          `json:"path"`
	Backend     domain.Backend    `json:"backend"`
	Source      string            `json:"source"`
	Status      string            `json:"status"`
	Pushed      map[string]string `json:"pushed"`
	Local       []string          `json:"local"`
	Unsupported []string          `json:"unsupported"`
}

// pushdownReport collects a request's entries; it is registered once as
// extensions.pushdown.
type pushdownReport struct {
	mu      sync.Mutex
	entries []pushdownEntry
}

func (p *pushdownReport) MarshalJSON() ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return json.Marshal(p.entries)
}

type pushdownKey struct{}

// reportPushdown adds the sources of one read, as they ended, to
// extensions.pushdown.
func (r *Resolver) reportPushdown(ctx context.Context, sources []*crossSource, reports []*model.BackendReport) {
	if !graphql.HasOperationContext(ctx) {
		return
	}
	rep := loaders.Get(ctx, pushdownKey{}, func() *pushdownReport {
		p := &pushdownReport{}
		graphql.RegisterExtension(ctx, "pushdown", p)
		return p
	})
	var path []string
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		path = []string{fc.Field.Alias}
	}
	rep.mu.Lock()
	defer rep.mu.Unlock()
	for j, src := range sources {
		pushed := src.pushed
		if pushed == nil {
			pushed = map[string]string{}
		}
		rep.entries = append(rep.entries, pushdownEntry{Path: path, Backend: src.backend, Source: src.name,
			Status: strings.ToLower(string(reports[j].Status)), Pushed: pushed, Local: nonNil(src.local), Unsupported: nonNil(src.cannot)})
	}
}

// --- people ---

func (r *queryResolver) People(ctx context.Context, filter *model.PeopleFilter, first *int, after *string, last *int, before *string) (*model.PersonConnection, error) {
	f := model.PeopleFilter{}
	if filter != nil {
		f = *filter
	}
	for _, p := range []struct {
		name string
		v    *string
	}{{"phone", f.Phone}, {"email", f.Email}, {"name", f.Name}} {
		if p.v != nil && strings.TrimSpace(*p.v) == "" {
			return nil, apierr.Invalid("filter."+p.name, "filter.%s must not be empty", p.name)
		}
	}
	if f.Phone != nil && digitsOf(*f.Phone) == "" {
		return nil, apierr.Invalid("filter.phone", "filter.phone holds no digits of a phone number")
	}
	sources := []*crossSource{r.peopleSynergy(ctx, f), r.peopleRKeeper(ctx, f)}
	page, err := r.crossRead(ctx, readID("people", f), sources, first, after, last, before)
	if err != nil {
		return nil, err
	}
	nodes, edges := crossNodes(page, func(c string, p domain.Person) *model.PersonEdge { return &model.PersonEdge{Cursor: c, Node: p} })
	return &model.PersonConnection{PageInfo: page.info, Backends: page.backends, Nodes: nodes, Edges: edges}, nil
}

// peopleSynergy reads SynergyCRM contacts: phone and e-mail are sent as
// filters, the name is matched here.
func (r *Resolver) peopleSynergy(ctx context.Context, f model.PeopleFilter) *crossSource {
	src := &crossSource{backend: domain.BackendSynergy, gid: globalid.Synergy, name: "contacts",
		enabled: r.backends(ctx).Synergy != nil, pushed: map[string]string{}}
	var filters []filterValue
	if f.Phone != nil {
		src.pushed["phone"] = "filter[any_phone]"
		filters = append(filters, filterValue{Field: "phone", Param: "any_phone", Value: f.Phone})
	}
	if f.Email != nil {
		src.pushed["email"] = "filter[email]"
		e := strings.TrimSpace(*f.Email)
		filters = append(filters, filterValue{Field: "email", Param: "email", Value: &e})
	}
	if f.Name != nil {
		src.local = append(src.local, "name")
		words := nameWords(*f.Name)
		src.match = func(x any) bool {
			c := x.(*domain.Contact)
			return hasWords(domain.JoinName(c.FirstName, c.MiddleName, c.LastName), words)
		}
		if f.Phone == nil && f.Email == nil {
			src.refuse = apierr.Invalid("filter.name", "SynergyCRM cannot search contacts by name, and matching it in the gateway would mean reading every contact: give filter.phone or filter.email with it")
		}
	}
	src.read = synergyCrossRead(r, "contacts", filters)
	return src
}

// peopleRKeeper: the r_keeper API reads a client only by its id.
func (r *Resolver) peopleRKeeper(ctx context.Context, f model.PeopleFilter) *crossSource {
	src := &crossSource{backend: domain.BackendRKeeper, gid: globalid.RKeeper, name: "clients",
		enabled:     r.backends(ctx).RKeeper != nil,
		unsupported: "r_keeper has no client search or list (not even by phone): a client can only be read by its id, with client(id:)"}
	for _, p := range []struct {
		name string
		v    *string
	}{{"phone", f.Phone}, {"email", f.Email}, {"name", f.Name}} {
		if p.v != nil {
			src.cannot = append(src.cannot, p.name)
		}
	}
	return src
}

// synergyCrossRead reads records [from, from+n) of a SynergyCRM list with
// filters, through the list resolvers' own path (include planning, the
// fill pass, the request's store).
func synergyCrossRead(r *Resolver, typ string, filters []filterValue) func(ctx context.Context, from, n int) ([]any, bool, error) {
	return func(ctx context.Context, from, n int) ([]any, bool, error) {
		var after *string
		if from > 0 {
			after = ptr(encodeCursor(from - 1))
		}
		page, err := synergyListPage(ctx, r, typ, pageRequest{first: &n, after: after}, filters)
		if err != nil {
			return nil, false, err
		}
		out := make([]any, len(page.Items))
		for i, e := range page.Items {
			out[i] = e
		}
		return out, page.PageInfo.HasNextPage, nil
	}
}

// --- opportunities ---

func (r *queryResolver) Opportunities(ctx context.Context, filter *model.OpportunityFilter, first *int, after *string, last *int, before *string) (*model.OpportunityConnection, error) {
	f := model.OpportunityFilter{}
	if filter != nil {
		f = *filter
	}
	if f.Title != nil && strings.TrimSpace(*f.Title) == "" {
		return nil, apierr.Invalid("filter.title", "filter.title must not be empty")
	}
	if f.CreatedFrom != nil && f.CreatedTo != nil && f.CreatedFrom.After(f.CreatedTo.Time) {
		return nil, apierr.Invalid("filter.createdFrom", "filter.createdFrom (%s) is after filter.createdTo (%s)", f.CreatedFrom, f.CreatedTo)
	}
	sources := []*crossSource{
		r.opportunitiesSynergy(ctx, f, "deals"),
		r.opportunitiesSynergy(ctx, f, "orders"),
		r.opportunitiesSolos(ctx, f),
	}
	page, err := r.crossRead(ctx, readID("opportunities", f), sources, first, after, last, before)
	if err != nil {
		return nil, err
	}
	nodes, edges := crossNodes(page, func(c string, o domain.Opportunity) *model.OpportunityEdge {
		return &model.OpportunityEdge{Cursor: c, Node: o}
	})
	return &model.OpportunityConnection{PageInfo: page.info, Backends: page.backends, Nodes: nodes, Edges: edges}, nil
}

// titleMatch is the local title filter of every opportunity source, and
// the refusal when no date bounds what would be read.
func titleMatch(src *crossSource, f model.OpportunityFilter, crm string) {
	if f.Title == nil {
		return
	}
	src.local = append(src.local, "title")
	words := nameWords(*f.Title)
	src.match = func(x any) bool {
		return hasWords(x.(domain.Opportunity).Title(), words)
	}
	if f.CreatedFrom == nil && f.CreatedTo == nil {
		src.refuse = apierr.Invalid("filter.title", "%s cannot search %s by title, and matching it in the gateway would mean reading all of them: give filter.createdFrom or filter.createdTo with it", crm, src.name)
	}
}

func (r *Resolver) opportunitiesSynergy(ctx context.Context, f model.OpportunityFilter, typ string) *crossSource {
	src := &crossSource{backend: domain.BackendSynergy, gid: globalid.Synergy, name: typ,
		enabled: r.backends(ctx).Synergy != nil, pushed: map[string]string{}}
	var filters []filterValue
	if f.CreatedFrom != nil {
		v := time.Date(f.CreatedFrom.Year(), f.CreatedFrom.Month(), f.CreatedFrom.Day(), 0, 0, 0, 0, spec.FilterZone).Format(spec.FilterTimeLayout)
		src.pushed["createdFrom"] = "filter[created-at-gte]"
		filters = append(filters, filterValue{Field: "createdFrom", Param: "created-at-gte", Value: &v})
	}
	if f.CreatedTo != nil {
		v := time.Date(f.CreatedTo.Year(), f.CreatedTo.Month(), f.CreatedTo.Day(), 23, 59, 0, 0, spec.FilterZone).Format(spec.FilterTimeLayout)
		src.pushed["createdTo"] = "filter[created-at-lte]"
		filters = append(filters, filterValue{Field: "createdTo", Param: "created-at-lte", Value: &v})
	}
	titleMatch(src, f, "SynergyCRM")
	src.read = synergyCrossRead(r, typ, filters)
	return src
}

// solosOpenFrom and solosOpenTo close a half-open creation range, as the
// Solos search takes both ends.
var (
	solosOpenFrom = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	solosOpenTo   = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
)

func (r *Resolver) opportunitiesSolos(ctx context.Context, f model.OpportunityFilter) *crossSource {
	src := &crossSource{backend: domain.BackendSolos, gid: globalid.Solos, name: "projects",
		enabled: r.backends(ctx).Solos != nil, pushed: map[string]string{}}
	var search *domain.ProjectSearch
	if f.CreatedFrom != nil || f.CreatedTo != nil {
		from, to := solosOpenFrom, solosOpenTo
		if f.CreatedFrom != nil {
			from = f.CreatedFrom.Time
			src.pushed["createdFrom"] = "POST /projects/filter buildin_data.created"
		}
		if f.CreatedTo != nil {
			to = f.CreatedTo.Time
			src.pushed["createdTo"] = "POST /projects/filter buildin_data.created"
		}
		search = &domain.ProjectSearch{CreatedFrom: &from, CreatedTo: &to}
	}
	titleMatch(src, f, "Solos")
	src.read = func(ctx context.Context, from, n int) ([]any, bool, error) {
		s, err := r.solos(ctx)
		if err != nil {
			return nil, false, err
		}
		page, err := s.Projects(ctx, domain.ProjectListQuery{Offset: from, Count: n, OrderBy: "id", Search: search})
		if err != nil {
			return nil, false, err
		}
		l := r.solosLoaders(ctx)
		out := make([]any, len(page.Items))
		for i, p := range page.Items {
			l.project.Prime(ctx, p.SourceID, p)
			out[i] = p
		}
		return out, page.HasMore, nil
	}
	return src
}

// --- r_keeper Client as a Person ---

// Client returns the resolvers of the Client type's common-model fields.
func (r *Resolver) Client() generated.ClientResolver { return &clientResolver{r} }

type clientResolver struct{ *Resolver }

// Phones are the client's contacts of a phone type (the contact types
// come from the cached reference list, read at most once per request).
func (r *clientResolver) Phones(ctx context.Context, obj *domain.Client) ([]*domain.Phone, error) {
	out := []*domain.Phone{}
	err := r.contactsOf(ctx, obj, func(t *domain.ClientContactType) bool { return t.IsPhone }, func(value string, t *domain.ClientContactType) {
		out = append(out, &domain.Phone{Number: value, Kind: rkPhoneKind(t.Name)})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Emails are the client's contacts of an e-mail type; the first is MAIN.
func (r *clientResolver) Emails(ctx context.Context, obj *domain.Client) ([]*domain.Email, error) {
	out := []*domain.Email{}
	err := r.contactsOf(ctx, obj, func(t *domain.ClientContactType) bool { return t.IsEmail }, func(value string, _ *domain.ClientContactType) {
		kind := domain.EmailOther
		if len(out) == 0 {
			kind = domain.EmailMain
		}
		out = append(out, &domain.Email{Address: value, Kind: kind})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// contactsOf calls add with each non-blank contact of obj (trimmed) whose
// type is known and picked by is.
func (r *clientResolver) contactsOf(ctx context.Context, obj *domain.Client, is func(*domain.ClientContactType) bool,
	add func(value string, t *domain.ClientContactType)) error {
	types, err := r.contactTypes(ctx)
	if err != nil {
		return err
	}
	for _, c := range obj.Contacts {
		t, ok := types[c.TypeID]
		if v := strings.TrimSpace(c.Value); ok && is(t) && v != "" {
			add(v, t)
		}
	}
	return nil
}

func (r *clientResolver) contactTypes(ctx context.Context) (map[string]*domain.ClientContactType, error) {
	b, err := r.rk(ctx)
	if err != nil {
		return nil, err
	}
	list, err := b.ClientContactTypes(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]*domain.ClientContactType, len(list))
	for _, t := range list {
		m[t.SourceID] = t
	}
	return m, nil
}

// rkPhoneKind reads a phone kind from an r_keeper contact type's name
// ("Телефон домашний", "Телефон мобильный", "Телефон рабочий").
func rkPhoneKind(name string) domain.PhoneKind {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "моб") || strings.Contains(n, "mobile"):
		return domain.PhoneMobile
	case strings.Contains(n, "раб") || strings.Contains(n, "work"):
		return domain.PhoneWork
	case strings.Contains(n, "дом") || strings.Contains(n, "home"):
		return domain.PhoneHome
	}
	return domain.PhoneOther
}

// --- helpers ---

func nameWords(s string) []string { return strings.Fields(strings.ToLower(s)) }

func hasWords(s *string, words []string) bool {
	if s == nil {
		return len(words) == 0
	}
	l := strings.ToLower(*s)
	for _, w := range words {
		if !strings.Contains(l, w) {
			return false
		}
	}
	return true
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func ptr[T any](v T) *T { return &v }

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

package graph

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/graph-gophers/dataloader/v7"
	"github.com/vektah/gqlparser/v2/ast"
	"golang.org/x/sync/errgroup"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/blocks"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/globalid"
	"github.com/crmgateway/gateway/internal/loaders"
	"github.com/crmgateway/gateway/internal/safe"
	"github.com/crmgateway/gateway/internal/scalar"
	spec "github.com/crmgateway/gateway/internal/synergyspec"
)

// SynergyAPI is what the resolvers need from the SynergyCRM adapter.
type SynergyAPI interface {
	// List reads one page of a collection.
	List(ctx context.Context, q domain.SynergyQuery) (*domain.SynergyDocument, error)
	// Get reads one resource with the given relationship paths included.
	Get(ctx context.Context, typ, id string, include []string, fields domain.SynergyFields) (*domain.SynergyDocument, error)
	// Related reads the resources a relationship of one resource points to.
	Related(ctx context.Context, typ, id, rel string, fields domain.SynergyFields) (*domain.SynergyDocument, error)
}

// maxIncludeDepth bounds nested include paths ("a.b.c"); deeper
// relationships are served by the per-request loaders.
const maxIncludeDepth = 3

// fanOutLimit bounds concurrent upstream calls of one loader batch.
const fanOutLimit = 8

// synergyRelField is one relationship field of a GraphQL type.
type synergyRelField struct {
	Key     string   // JSON:API relationship key
	Index   int      // position in the type's relationships (domain.SynergyRecord.Rels)
	Many    bool     // to-many
	Targets []string // GraphQL type names
	Types   []string // their JSON:API types
}

// --- filters ---

// filterValue is one filter input field and its wire form.
type filterValue struct {
	Field string  // GraphQL input field
	Param string  // sent as filter[Param]
	Value *string // nil when the client did not set it
}

func filterString(v *string) *string { return v }

func filterInt(v *int) *string {
	if v == nil {
		return nil
	}
	s := strconv.Itoa(*v)
	return &s
}

// filterTime writes a DateTime bound in the documented filter format,
// converted to the zone the upstream reads it in.
func filterTime(v *scalar.DateTime) *string {
	if v == nil {
		return nil
	}
	s := v.In(spec.FilterZone).Format(spec.FilterTimeLayout)
	return &s
}

func filterParams(fs []filterValue) map[string]string {
	out := map[string]string{}
	for _, f := range fs {
		if f.Value != nil {
			out[f.Param] = *f.Value
		}
	}
	return out
}

// --- paging ---

// synergyPage is one Relay window of a SynergyCRM collection.
type synergyPage[T any] struct {
	Items    []T
	Cursors  []string // only when Edges or PageInfo's cursors are selected
	PageInfo domain.PageInfo
	Total    *int
	Edges    bool // the connection's edges are selected
}

// connectionUse is what a connection field selects besides its nodes.
type connectionUse struct{ edges, cursors bool }

// connectionUses tells whether edges and cursors must be built: a
// connection asked only for nodes, as most are, needs neither.
func connectionUses(ctx context.Context, r *Resolver) connectionUse {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil {
		return connectionUse{true, true}
	}
	return memoized(ctx, r, memoKey{fc.Field.Field, "uses", ""}, func() connectionUse {
		var u connectionUse
		for _, f := range graphql.CollectFields(graphql.GetOperationContext(ctx), fc.Field.Selections, nil) {
			switch f.Name {
			case "edges":
				u.edges, u.cursors = true, true
			case "pageInfo":
				u.cursors = true
			}
		}
		return u
	})
}

const cursorPrefix = "synergy:"

// encodeCursor makes the opaque cursor of the record at offset.
func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.Itoa(offset)))
}

func decodeCursor(c string) (int, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(raw), cursorPrefix) {
		return 0, fmt.Errorf("invalid cursor")
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(raw), cursorPrefix))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid cursor")
	}
	return n, nil
}

// pageWindow chooses how to serve records [offset, offset+n) with
// page[number]/page[size]: the smallest page size ≤ 100 whose one page
// holds the whole window, else two pages of size n. It returns the page size
// and the 1-based page numbers to fetch.
func pageWindow(offset, n int) (size int, pages []int) {
	for s := n; s <= spec.MaxPageSize; s++ {
		if offset/s == (offset+n-1)/s {
			return s, []int{offset/s + 1}
		}
	}
	return n, []int{offset/n + 1, offset/n + 2}
}

func pageArgs(p pageRequest) (offset, n int, err error) {
	return p.window(0, spec.MaxPageSize, func(c string) (int, bool) {
		o, err := decodeCursor(c)
		return o, err == nil
	})
}

func synergyList[T domain.SynergyEntity](ctx context.Context, r *Resolver, typ string, pr pageRequest, filters []filterValue) (*synergyPage[T], error) {
	p, err := synergyListPage(ctx, r, typ, pr, filters)
	if err != nil {
		return nil, err
	}
	out := &synergyPage[T]{Items: make([]T, len(p.Items)), Cursors: p.Cursors, PageInfo: p.PageInfo, Total: p.Total, Edges: p.Edges}
	for i, e := range p.Items {
		out.Items[i] = e.(T) // synergyListPage checked the type
	}
	return out, nil
}

// synergyListPage reads one Relay window of a collection, its entities'
// selected relationships resolved.
func synergyListPage(ctx context.Context, r *Resolver, typ string, pr pageRequest, filters []filterValue) (*synergyPage[domain.SynergyEntity], error) {
	syn, err := r.synergy(ctx)
	if err != nil {
		return nil, err
	}
	offset, n, err := pageArgs(pr)
	if err != nil {
		return nil, err
	}
	include := connectionIncludes(ctx, r, synergyTypeNames[typ])
	params := filterParams(filters)
	size, pages := 1, []int{1}
	if n > 0 {
		size, pages = pageWindow(offset, n)
	}
	docs := make([]*domain.SynergyDocument, len(pages))
	read := func(ctx context.Context, i int) error {
		return safe.Call(func() error {
			d, err := syn.List(ctx, domain.SynergyQuery{Type: typ, PageNumber: pages[i], PageSize: size,
				Filters: params, Include: include, Fields: sparseFields(ctx, r)})
			docs[i] = d
			return err
		})
	}
	if len(pages) == 1 {
		if err := read(ctx, 0); err != nil {
			return nil, err
		}
	} else {
		g, gctx := errgroup.WithContext(ctx)
		for i := range pages {
			g.Go(func() error { return read(gctx, i) })
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
	}
	st := synergyStoreFor(ctx)
	for _, d := range docs {
		st.putDoc(d)
	}
	all := docs[0].Data // one page (the common case): its own list, not a copy
	if len(docs) > 1 {
		all = nil
		for _, d := range docs {
			all = append(all, d.Data...)
		}
	}
	use := connectionUses(ctx, r)
	out := &synergyPage[domain.SynergyEntity]{Total: docs[0].RecordCount, Edges: use.edges}
	if n > 0 {
		start := offset - (pages[0]-1)*size
		stop := min(start+n, len(all))
		if start < stop {
			out.Items = all[start:stop:stop]
		}
		for i, e := range out.Items {
			if e.Record().Type != typ {
				return nil, &apierr.Error{Code: apierr.UpstreamError, Upstream: globalid.Synergy,
					Message: fmt.Sprintf("SynergyCRM answered a %s list with a %s", typ, e.Record().Type)}
			}
			if use.cursors {
				if out.Cursors == nil {
					out.Cursors = make([]string, 0, len(out.Items))
				}
				out.Cursors = append(out.Cursors, encodeCursor(offset+i))
			}
		}
	}
	items := out.Items
	// Asking the same pages again, with more paths included, serves the
	// levels below the include plan.
	root := func(ctx context.Context, include []string) error {
		for _, p := range pages {
			d, err := syn.List(ctx, domain.SynergyQuery{Type: typ, PageNumber: p, PageSize: size,
				Filters: params, Include: include, Fields: sparseFields(ctx, r)})
			if err != nil {
				return err
			}
			st.putDoc(d)
		}
		return nil
	}
	r.fillEntities(ctx, items, fillSite(ctx, "nodes"), connectionSelection(ctx, r), root)
	end := offset + len(out.Items)
	if out.Total != nil {
		out.PageInfo.HasNextPage = end < *out.Total
	} else {
		last := docs[len(docs)-1]
		out.PageInfo.HasNextPage = len(last.Data) == size
	}
	out.PageInfo.HasPreviousPage = offset > 0
	if len(out.Cursors) > 0 {
		out.PageInfo.StartCursor = &out.Cursors[0]
		out.PageInfo.EndCursor = &out.Cursors[len(out.Cursors)-1]
	}
	return out, nil
}

func synergyByID[T domain.SynergyEntity](ctx context.Context, r *Resolver, typ, id string) (T, error) {
	var zero T
	e, err := synergyByIDEntity(ctx, r, typ, id)
	if err != nil {
		return zero, err
	}
	return e.(T), nil // synergyByIDEntity checked the type
}

// synergyByIDEntity reads one entity of typ by its global ID, its selected
// relationships resolved.
func synergyByIDEntity(ctx context.Context, r *Resolver, typ, id string) (domain.SynergyEntity, error) {
	if _, err := r.synergy(ctx); err != nil {
		return nil, err
	}
	gid, err := globalid.DecodeAs(id, globalid.Synergy, typ)
	if err != nil {
		return nil, invalidID("id", err)
	}
	e, err := synergyFetch(ctx, r, domain.SynergyRef{Type: typ, ID: gid.Source}, synergyTypeNames[typ])
	if err != nil {
		return nil, err
	}
	if e.Record().Type != typ {
		return nil, apierr.New(apierr.UpstreamError, "SynergyCRM answered with a %s", e.Record().Type)
	}
	return e, nil
}

// synergyFetch reads one resource for a field that returns it directly,
// including the relationships the field's selection asks for.
func synergyFetch(ctx context.Context, r *Resolver, ref domain.SynergyRef, typeName string) (domain.SynergyEntity, error) {
	var include []string
	sel := fillSelection(ctx, "")
	if sel != nil {
		include = memoized(ctx, r, memoKey{graphql.GetFieldContext(ctx).Field.Field, "include", typeName}, func() []string {
			return planIncludes(ctx, r, sel, typeName)
		})
	}
	var e domain.SynergyEntity
	var err error
	if len(include) == 0 {
		e, err = synergyLoad(ctx, r, ref)
	} else {
		e, err = synergyLoadThunk(ctx, r, fetchKey{Ref: ref, Include: strings.Join(include, ",")})()
	}
	if err != nil {
		return nil, err
	}
	r.fillEntities(ctx, []domain.SynergyEntity{e}, fillSite(ctx, "own"), sel, byIDRoot(r, ref))
	return e, nil
}

// --- include planning ---

// connectionIncludes plans the include paths of a connection field from
// its nodes { ... } and edges { node { ... } } selections.
func connectionIncludes(ctx context.Context, r *Resolver, typeName string) []string {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil {
		return nil
	}
	return memoized(ctx, r, memoKey{fc.Field.Field, "include", typeName}, func() []string {
		return planIncludes(ctx, r, connectionSelection(ctx, r), typeName)
	})
}

// planIncludes walks a selection set of typeName and returns every
// relationship path it selects, nested up to maxIncludeDepth, sorted.
func planIncludes(ctx context.Context, r *Resolver, sel ast.SelectionSet, typeName string) []string {
	if r.NaiveRelationships {
		return nil
	}
	out := map[string]struct{}{}
	walkIncludes(graphql.GetOperationContext(ctx), sel, typeName, "", 0, out)
	paths := make([]string, 0, len(out))
	for p := range out {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

func walkIncludes(opCtx *graphql.OperationContext, sel ast.SelectionSet, typeName, prefix string, depth int, out map[string]struct{}) {
	rels := synergyRelFields[typeName]
	if len(rels) == 0 || len(sel) == 0 {
		return
	}
	for _, f := range graphql.CollectFields(opCtx, sel, satisfiesOf(typeName)) {
		rf, ok := rels[f.Name]
		if !ok {
			continue
		}
		path := prefix + rf.Key
		out[path] = struct{}{}
		if depth+1 < maxIncludeDepth {
			for _, t := range rf.Targets {
				walkIncludes(opCtx, f.Selections, t, path+".", depth+1, out)
			}
		}
	}
}

// --- sparse fieldsets ---

// sparseFields asks SynergyCRM for only the attributes and relationships
// the operation selects. It is the union over the whole operation per type,
// so every copy of an entity the request holds (shared by all resolvers
// through the store) carries every member any selection of it needs. A type
// whose `extra` is selected gets everything (extra is what no field maps).
func sparseFields(ctx context.Context, r *Resolver) domain.SynergyFields {
	if r.NaiveRelationships || !graphql.HasOperationContext(ctx) {
		return nil
	}
	m := r.opMemoFor(ctx)
	if m == nil {
		return nil
	}
	m.fieldsOnce.Do(func() { m.fields = planFields(graphql.GetOperationContext(ctx).Operation) })
	return m.fields
}

func planFields(op *ast.OperationDefinition) domain.SynergyFields {
	selected := map[string]map[string]bool{} // GraphQL type → fields
	seen := map[*ast.FragmentDefinition]bool{}
	mark := func(typ, field string) {
		if selected[typ] == nil {
			selected[typ] = map[string]bool{}
		}
		selected[typ][field] = true
	}
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if s.ObjectDefinition != nil {
					// A field selected on an interface (Node, Person,
					// Opportunity, ...) is selected on every type that
					// implements it.
					for _, t := range implementorsOf(s.ObjectDefinition.Name) {
						mark(t, s.Name)
					}
					if s.ObjectDefinition.Name == "Query" {
						for t, f := range crossFilterFields[s.Name] {
							mark(t, f)
						}
					}
				}
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				if s.Definition != nil && !seen[s.Definition] {
					seen[s.Definition] = true
					walk(s.Definition.SelectionSet)
				}
			}
		}
	}
	walk(op.SelectionSet)
	out := domain.SynergyFields{}
	// Only provenance's raw record needs the whole resource; its other
	// fields come from the fetch, not the attributes.
	rawRecord := selected["Provenance"]["raw"]
	for _, res := range spec.Resources {
		fields := selected[res.Name]
		if fields == nil || fields["extra"] || fields["provenance"] && rawRecord {
			continue // the raw attributes and record are asked whole
		}
		members := []string{}
		for f, attrs := range commonFieldAttrs[res.Name] {
			if fields[f] {
				for _, a := range attrs {
					fields[spec.Camel(a)] = true
				}
			}
		}
		for _, a := range res.Attrs {
			if fields[spec.Camel(a.Name)] {
				members = append(members, a.Name)
			}
		}
		for _, x := range res.Rels {
			if fields[spec.Camel(x.Key)] {
				members = append(members, x.Key)
			}
		}
		out[res.Type] = members
	}
	return out
}

// --- per-request store and loaders ---

// synergyStore holds every SynergyCRM resource this request has seen, so a
// resource included by one request serves every resolver that needs it.
type synergyStore struct {
	mu sync.Mutex
	m  map[domain.SynergyRef]domain.SynergyEntity
	// docs are the documents the request read, which it releases when it
	// is over (Release); after that, done, the store keeps nothing.
	docs []*domain.SynergyDocument
	done bool
	// kept are the map and the blocks resolved relationships are cut
	// from, from the pool of released stores once the store holds
	// something.
	kept *storeBlocks
}

// storeBlocks are what a released store hands on to the next one.
type storeBlocks struct {
	m    map[domain.SynergyRef]domain.SynergyEntity
	rels []*domain.SynergyRel
	vals []domain.SynergyRel
}

// storeKept keeps the blocks of released stores; maxKeptStore bounds the
// entities a store may have held for its map to be kept.
var storeKept = sync.Pool{New: func() any { return new(storeBlocks) }}

const maxKeptStore = 4096

// blocks gives the store's blocks, taken from the pool the first time.
func (s *synergyStore) blocks() *storeBlocks {
	if s.kept == nil {
		s.kept = storeKept.Get().(*storeBlocks)
	}
	return s.kept
}

type synergyStoreKey struct{}

func synergyStoreFor(ctx context.Context) *synergyStore {
	return loaders.Get(ctx, synergyStoreKey{}, func() *synergyStore {
		return &synergyStore{m: map[domain.SynergyRef]domain.SynergyEntity{}}
	})
}

// put keeps the first copy of a resource and adds linkage that later
// copies know, so no relationship the request has seen is forgotten.
func (s *synergyStore) put(e domain.SynergyEntity) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.putLocked(e)
}

func (s *synergyStore) putLocked(e domain.SynergyEntity) {
	if s.done {
		return
	}
	rec := e.Record()
	ref := domain.SynergyRef{Type: rec.Type, ID: rec.SourceID}
	old, ok := s.m[ref]
	if !ok {
		s.m[ref] = e
		return
	}
	o := old.Record()
	for _, l := range rec.Links {
		if _, known := o.Links.Get(l.Key); !known {
			o.Links = append(o.Links, l)
		}
	}
}

// putDoc keeps every resource of a document; the request's first document
// sizes the store.
func (s *synergyStore) putDoc(d *domain.SynergyDocument) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return
	}
	s.docs = append(s.docs, d)
	if len(s.m) == 0 {
		if k := s.blocks(); k.m != nil {
			s.m, k.m = k.m, nil
		} else {
			s.m = make(map[domain.SynergyRef]domain.SynergyEntity, len(d.Data)+len(d.Included))
		}
	}
	for _, e := range d.Data {
		s.putLocked(e)
	}
	for _, e := range d.Included {
		s.putLocked(e)
	}
}

// Release hands back what the request read when the request is over
// (the request's loader set calls it once its handler has returned, so
// nothing the request ran reads an entity any more): the documents'
// blocks and the store's own, cleared, for the next request to cut from.
func (s *synergyStore) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = true
	for _, d := range s.docs {
		d.Release()
	}
	s.docs = nil
	if k := s.kept; k != nil {
		if s.m != nil && len(s.m) <= maxKeptStore {
			clear(s.m)
			k.m = s.m
		}
		k.rels = blocks.Recycle(k.rels)
		k.vals = blocks.Recycle(k.vals)
		s.kept = nil
		storeKept.Put(k)
	}
	s.m = nil
}

func (s *synergyStore) get(ref domain.SynergyRef) domain.SynergyEntity {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[ref]
}

// forget drops a resource after the gateway wrote it.
func (s *synergyStore) forget(ref domain.SynergyRef) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, ref)
}

type synergyRelatedLoaderKey struct{}

type relatedKey struct {
	Type, ID, Rel string
}

// fetchKey is one by-id read: the entity and the include paths asked with
// it ("" for none), comma-separated.
type fetchKey struct {
	Ref     domain.SynergyRef
	Include string
}

type synergyFetchLoaderKey struct{}

// synergyLoad returns a resource from the request's store or, batched and
// de-duplicated with every other load of this tick, from the upstream.
func synergyLoad(ctx context.Context, r *Resolver, ref domain.SynergyRef) (domain.SynergyEntity, error) {
	if e := synergyStoreFor(ctx).get(ref); e != nil {
		return e, nil
	}
	return synergyLoadThunk(ctx, r, fetchKey{Ref: ref})()
}

// synergyLoadThunk queues the read of one resource with its include paths,
// de-duplicated per request: the same entity asked twice with the same
// selection costs one upstream request. SynergyCRM has no batch read, so a
// batch fans out with bounded concurrency. Calling the thunk waits for it.
func synergyLoadThunk(ctx context.Context, r *Resolver, key fetchKey) func() (domain.SynergyEntity, error) {
	syn, err := r.synergy(ctx)
	if err != nil {
		return func() (domain.SynergyEntity, error) { return nil, err }
	}
	st := synergyStoreFor(ctx)
	fields := sparseFields(ctx, r)
	l := loaders.Get(ctx, synergyFetchLoaderKey{}, func() *dataloader.Loader[fetchKey, domain.SynergyEntity] {
		return loaders.New(func(ctx context.Context, keys []fetchKey) []*dataloader.Result[domain.SynergyEntity] {
			return loaders.FanOut(ctx, keys, fanOutLimit, func(ctx context.Context, k fetchKey) (domain.SynergyEntity, error) {
				var include []string
				if k.Include != "" {
					include = strings.Split(k.Include, ",")
				} else if e := st.get(k.Ref); e != nil {
					return e, nil // an earlier answer of this request included it
				}
				doc, err := syn.Get(ctx, k.Ref.Type, k.Ref.ID, include, fields)
				if err != nil {
					return nil, err
				}
				if len(doc.Data) != 1 {
					return nil, apierr.New(apierr.UpstreamError, "SynergyCRM answered a read of one %s with %d resources", k.Ref.Type, len(doc.Data))
				}
				st.putDoc(doc)
				return st.get(k.Ref), nil
			})
		})
	})
	return l.Load(ctx, key)
}

// synergyRelatedThunk queues the read of a relationship whose linkage the
// request does not know, through the related-resources endpoint, batched
// per tick. Calling the thunk waits for it.
func synergyRelatedThunk(ctx context.Context, r *Resolver, key relatedKey) func() ([]domain.SynergyEntity, error) {
	syn, err := r.synergy(ctx)
	if err != nil {
		return func() ([]domain.SynergyEntity, error) { return nil, err }
	}
	st := synergyStoreFor(ctx)
	fields := sparseFields(ctx, r)
	l := loaders.Get(ctx, synergyRelatedLoaderKey{}, func() *dataloader.Loader[relatedKey, []domain.SynergyEntity] {
		return loaders.New(func(ctx context.Context, keys []relatedKey) []*dataloader.Result[[]domain.SynergyEntity] {
			return loaders.FanOut(ctx, keys, fanOutLimit, func(ctx context.Context, k relatedKey) ([]domain.SynergyEntity, error) {
				doc, err := syn.Related(ctx, k.Type, k.ID, k.Rel, fields)
				if err != nil {
					return nil, err
				}
				st.putDoc(doc)
				out := make([]domain.SynergyEntity, 0, len(doc.Data))
				for _, e := range doc.Data {
					rec := e.Record()
					out = append(out, st.get(domain.SynergyRef{Type: rec.Type, ID: rec.SourceID}))
				}
				return out, nil
			})
		})
	})
	return l.Load(ctx, key)
}

// synergyNodes resolves node(id:) for SynergyCRM IDs.
type synergyNodes struct{ r *Resolver }

func (s synergyNodes) Node(ctx context.Context, id globalid.ID) (domain.Node, error) {
	name, ok := synergyTypeNames[id.Type]
	if !ok {
		return nil, apierr.Invalid("id", "the ID names an unknown SynergyCRM type")
	}
	return synergyFetch(ctx, s.r, domain.SynergyRef{Type: id.Type, ID: id.Source}, name)
}

// implementorsOf is the object types a selection on typeName applies to:
// the type itself, or every object type implementing an interface.
func implementorsOf(typeName string) []string {
	if impl, ok := schemaImplementors()[typeName]; ok {
		return impl
	}
	return []string{typeName}
}

var schemaImplementors = sync.OnceValue(func() map[string][]string {
	out := map[string][]string{}
	for obj, sat := range schemaSatisfies() {
		for _, s := range sat[1:] {
			out[s] = append(out[s], obj)
		}
	}
	return out
})

// crossFilterFields are, per cross-CRM read, the fields whose attributes
// its local filters read (a person's name, an opportunity's title): they
// are fetched whatever the operation selects.
var crossFilterFields = map[string]map[string]string{
	"people":        {"Contact": "displayName"},
	"opportunities": {"Deal": "title", "Order": "title"},
}

// commonFieldAttrs are the SynergyCRM attributes each field of the common
// model (graph/schema/common.graphqls) is computed from, so sparse
// fieldsets ask for them.
var commonFieldAttrs = func() map[string]map[string][]string {
	phones := []string{"general-phone", "mobile-phone", "work-phone", "work-phone-postfix", "other-phone", "other-phone-postfix", "fax"}
	emails := []string{"email", "other-email"}
	name := append([]string{"first-name", "middle-name", "last-name"}, append(emails, phones...)...)
	return map[string]map[string][]string{
		"Contact": {"displayName": name, "phones": phones, "emails": emails},
		"Company": {"phones": phones, "emails": emails},
		"Deal":    {"title": {"name"}, "value": {"amount"}},
		"Order":   {"title": {"name"}, "value": {"amount"}},
	}
}()

package graph

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/crmgateway/gateway/graph/generated"
	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/blocks"
	"github.com/crmgateway/gateway/internal/domain"
)

// The fill pass resolves, before a resolver hands SynergyCRM entities to
// the executor, every relationship the operation selects on them, at every
// depth, level by level: each level's missing entities are read in one
// round of loader calls, and the results are written into the entities
// (domain.SynergyRecord.Rels), where the generated accessors the executor
// calls (Deal.Company, ...) read them without a context, a goroutine or a
// loader. Answers and errors are those relationship resolvers gave: the
// targets the linkage names, from the request's store or read by id, or
// the related-resources endpoint when the linkage is unknown.
//
// A level deeper than the include plan reaches (maxIncludeDepth) is read by
// asking the root read again with the deeper paths included: one request
// for the next maxIncludeDepth levels, where a relationship below the plan
// would otherwise cost one request per parent.

// fillPlan is one selection set on one concrete SynergyCRM type, reduced to
// the relationship fields it selects; nil when it selects none.
type fillPlan struct {
	typeName string
	relCount int    // relationships of the type (of domain.SynergyRecord.Rels)
	path     string // include path from the fill's root ("" at the root)
	depth    int    // relationships from the root
	rels     []fillRel
}

// fillRel is one selected relationship field and the plans of its targets'
// selections, by target GraphQL type (absent: nothing to fill below).
type fillRel struct {
	rel      synergyRelField
	children map[string]*fillPlan
}

// satisfiesOf is what a selection on typeName may name in fragments: the
// type, the interfaces it implements and the unions it belongs to, as the
// schema declares them.
func satisfiesOf(typeName string) []string {
	if s, ok := schemaSatisfies()[typeName]; ok {
		return s
	}
	return []string{typeName}
}

// schemaSatisfies maps every object type of the schema to what it satisfies.
var schemaSatisfies = sync.OnceValue(func() map[string][]string {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	out := map[string][]string{}
	for name, def := range schema.Types {
		if def.Kind != ast.Object {
			continue
		}
		s := []string{name}
		for _, in := range schema.GetImplements(def) {
			s = append(s, in.Name)
		}
		out[name] = s
	}
	return out
})

// compileFill plans the fill of sel on typeName; nil when sel selects no
// relationship.
func compileFill(opCtx *graphql.OperationContext, sel ast.SelectionSet, typeName, path string, depth int) *fillPlan {
	rels := synergyRelFields[typeName]
	if len(rels) == 0 || len(sel) == 0 {
		return nil
	}
	var p *fillPlan
	for _, f := range graphql.CollectFields(opCtx, sel, satisfiesOf(typeName)) {
		rf, ok := rels[f.Name]
		if !ok {
			continue
		}
		if p == nil {
			p = &fillPlan{typeName: typeName, relCount: len(rels), path: path, depth: depth}
		}
		fr := fillRel{rel: rf}
		childPath := rf.Key
		if path != "" {
			childPath = path + "." + rf.Key
		}
		for _, t := range rf.Targets {
			if c := compileFill(opCtx, f.Selections, t, childPath, depth+1); c != nil {
				if fr.children == nil {
					fr.children = map[string]*fillPlan{}
				}
				fr.children[t] = c
			}
		}
		p.rels = append(p.rels, fr)
	}
	return p
}

// includePaths lists the relationship paths below p, at most levels deep,
// each prefixed with p's own path.
func (p *fillPlan) includePaths(levels int, out map[string]struct{}) {
	if p == nil || levels == 0 {
		return
	}
	for _, fr := range p.rels {
		path := fr.rel.Key
		if p.path != "" {
			path = p.path + "." + fr.rel.Key
		}
		out[path] = struct{}{}
		for _, c := range fr.children {
			c.includePaths(levels-1, out)
		}
	}
}

// fillRoot says how to read the fill's root again with more paths
// included; nil when it cannot be (entities that came from a write, or
// loaders' own reads).
type fillRoot func(ctx context.Context, include []string) error

// fillGroup is a level's entities that share one plan.
type fillGroup struct {
	plan *fillPlan
	ents []domain.SynergyEntity
}

// fillSite names where a resolver's entities sit in the operation, so
// their fill plans are made once per operation: the field being resolved
// and which of its selections applies (own, nodes, or a payload member).
func fillSite(ctx context.Context, kind string) memoKey {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return memoKey{kind: kind}
	}
	return memoKey{field: fc.Field.Field, kind: "fill:" + kind}
}

// fillEntities resolves what sel selects on ents, whatever their concrete
// types (a node(id:) or a union's members may differ).
func (r *Resolver) fillEntities(ctx context.Context, ents []domain.SynergyEntity, site memoKey, sel ast.SelectionSet, root fillRoot) {
	if len(ents) == 0 || !graphql.HasOperationContext(ctx) {
		return
	}
	opCtx := graphql.GetOperationContext(ctx)
	var groups []fillGroup
	last, lastType := (*fillPlan)(nil), ""
	for _, e := range ents {
		name := synergyTypeNames[e.Record().Type]
		p := last
		if name != lastType {
			key := site
			key.typeName = name
			p = memoized(ctx, r, key, func() *fillPlan { return compileFill(opCtx, sel, name, "", 0) })
			last, lastType = p, name
		}
		if p == nil {
			continue
		}
		i := 0
		for i < len(groups) && groups[i].plan != p {
			i++
		}
		if i == len(groups) {
			if len(groups) == 0 && sameType(ents) {
				// One type (most lists): the entities are the group as
				// they are, no copy (a level's groups are only read).
				groups = append(groups, fillGroup{plan: p, ents: ents})
				break
			}
			groups = append(groups, fillGroup{plan: p, ents: make([]domain.SynergyEntity, 0, len(ents))})
		}
		groups[i].ents = append(groups[i].ents, e)
	}
	for len(groups) > 0 {
		groups = r.fillLevel(ctx, groups, root)
	}
}

// sameType tells whether every entity of ents has the first one's type.
func sameType(ents []domain.SynergyEntity) bool {
	typ := ents[0].Record().Type
	for _, e := range ents[1:] {
		if e.Record().Type != typ {
			return false
		}
	}
	return true
}

// relNeed is one relationship of one entity that is not resolved yet.
type relNeed struct {
	e     domain.SynergyEntity
	rel   *synergyRelField // in plan's rels
	plan  *fillPlan
	refs  []domain.SynergyRef // the linkage, when known
	known bool
	// held is the target of a to-one linkage that the request held when
	// the level looked (missing): the store keeps the first copy of an
	// entity, so resolve need not look again.
	held domain.SynergyEntity
}

// fillLevel resolves the relationships of one level and returns the next.
func (r *Resolver) fillLevel(ctx context.Context, groups []fillGroup, root fillRoot) []fillGroup {
	st := synergyStoreFor(ctx)
	scratch := needsScratch.Get().(*[]relNeed)
	needs := st.needs(groups, (*scratch)[:0])
	defer func() {
		// Nothing keeps a level's needs once it is resolved; a second
		// listing may have been shorter than the first, so all is cleared.
		*scratch = blocks.Recycle(needs[:cap(needs)])
		needsScratch.Put(scratch)
	}()
	if len(needs) == 0 {
		return st.nextLevel(groups)
	}
	if root != nil && !r.NaiveRelationships {
		// Below the include plan: ask the root again, with the paths from
		// here down included.
		var paths map[string]struct{}
		for _, n := range needs {
			if !n.known && n.plan.depth >= maxIncludeDepth {
				if paths == nil {
					paths = map[string]struct{}{}
				}
				sub := &fillPlan{path: n.plan.path, rels: []fillRel{findRel(n.plan, *n.rel)}}
				sub.includePaths(maxIncludeDepth, paths)
			}
		}
		if len(paths) > 0 {
			include := make([]string, 0, len(paths))
			for p := range paths {
				include = append(include, p)
			}
			sort.Strings(include)
			if root(ctx, include) == nil {
				needs = st.needs(groups, needs[:0])
			}
		}
	}

	// One round of loads for the whole level: every call is queued on the
	// request's loaders before any answer is awaited, so they batch.
	var fetches map[domain.SynergyRef]func() (domain.SynergyEntity, error)
	for _, ref := range st.missing(needs) {
		if fetches == nil {
			fetches = map[domain.SynergyRef]func() (domain.SynergyEntity, error){}
		}
		fetches[ref] = synergyLoadThunk(ctx, r, fetchKey{Ref: ref})
	}
	var related []func() ([]domain.SynergyEntity, error)
	for i, n := range needs {
		if !n.known {
			if related == nil {
				related = make([]func() ([]domain.SynergyEntity, error), len(needs))
			}
			rec := n.e.Record()
			related[i] = synergyRelatedThunk(ctx, r, relatedKey{Type: rec.Type, ID: rec.SourceID, Rel: n.rel.Key})
		}
	}
	var lr levelReads
	if len(fetches) > 0 {
		lr.fetched = make(map[domain.SynergyRef]fetched, len(fetches))
		for ref, thunk := range fetches {
			e, err := thunk()
			lr.fetched[ref] = fetched{e, err}
		}
	}
	if related != nil {
		lr.related = make([]fetchedMany, len(needs))
		for i, thunk := range related {
			if thunk != nil {
				lr.related[i].es, lr.related[i].err = thunk()
			}
		}
	}
	st.resolve(needs, &lr)
	return st.nextLevel(groups)
}

// levelReads are what a level read from the upstream: entities by id, and
// related-resources answers by need.
type levelReads struct {
	fetched map[domain.SynergyRef]fetched
	related []fetchedMany
}

type fetched struct {
	e   domain.SynergyEntity
	err error
}

type fetchedMany struct {
	es  []domain.SynergyEntity
	err error
}

// missing lists, once each, the entities the level's known linkage names
// that the request does not hold yet, and notes in needs the targets of
// to-one linkage that it holds.
func (s *synergyStore) missing(needs []relNeed) []domain.SynergyRef {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []domain.SynergyRef
	for i := range needs {
		n := &needs[i]
		if !n.known {
			continue
		}
		for _, ref := range n.refs {
			e := s.m[ref]
			if e == nil && !slices.Contains(out, ref) {
				out = append(out, ref)
			}
			if len(n.refs) == 1 && !n.rel.Many {
				n.held = e
			}
		}
	}
	return out
}

// resolve works out each need's value — its targets, or the first error
// among their reads — and writes it into the entity, under one hold of the
// store's lock; a relationship another fill resolved meanwhile keeps its
// value.
func (s *synergyStore) resolve(needs []relNeed, lr *levelReads) {
	s.mu.Lock()
	defer s.mu.Unlock()
	lookup := func(ref domain.SynergyRef) (domain.SynergyEntity, error) {
		if f, ok := lr.fetched[ref]; ok {
			return f.e, f.err
		}
		return s.m[ref], nil
	}
	// The entities' relationship arrays, cut from one block, and the
	// values they point to, from another.
	total := 0
	for i, n := range needs {
		// An entity's needs are listed together (and rarely again under
		// another plan, which only leaves some spare).
		if rec := n.e.Record(); rec.Rels == nil && (i == 0 || needs[i-1].e != n.e) {
			total += n.plan.relCount
		}
	}
	k := s.blocks()
	block := blocks.Cut(&k.rels, total, 64)
	values := blocks.Cut(&k.vals, len(needs), 64)
	for i, n := range needs {
		rec := n.e.Record()
		if rec.Rels == nil {
			c := n.plan.relCount
			if len(block) < c {
				block = blocks.Cut(&k.rels, c, 64)
			}
			rec.Rels, block = block[:c:c], block[c:]
		}
		if rec.Rels[n.rel.Index] != nil {
			continue
		}
		v := &values[i]
		var es []domain.SynergyEntity
		switch {
		case !n.known:
			es, v.Err = lr.related[i].es, lr.related[i].err
		case n.rel.Many:
			es = make([]domain.SynergyEntity, len(n.refs))
			for j, ref := range n.refs {
				var err error
				es[j], err = lookup(ref)
				if v.Err == nil {
					v.Err = err
				}
			}
		default:
			// A to-one relationship: its first target, once every target
			// the linkage names is read (held: its one target, found).
			v.One = n.held
			if n.held == nil {
				for j, ref := range n.refs {
					e, err := lookup(ref)
					if v.Err == nil {
						v.Err = err
					}
					if j == 0 {
						v.One = e
					}
				}
			}
			if v.Err == nil && v.One != nil {
				v.Err = checkTarget(n.rel, v.One)
			}
			if v.Err != nil {
				v.One = nil
			}
			rec.Rels[n.rel.Index] = v
			continue
		}
		for _, e := range es {
			if v.Err == nil && e != nil {
				v.Err = checkTarget(n.rel, e)
			}
		}
		switch {
		case v.Err != nil:
		case n.rel.Many:
			v.Many = es
		case len(es) > 0:
			v.One = es[0]
		}
		rec.Rels[n.rel.Index] = v
	}
}

// findRel returns p's entry for rel.
func findRel(p *fillPlan, rel synergyRelField) fillRel {
	for _, fr := range p.rels {
		if fr.rel.Index == rel.Index {
			return fr
		}
	}
	return fillRel{rel: rel}
}

// checkTarget refuses a target of a type the relationship cannot hold,
// as the relationship resolvers did.
func checkTarget(rel *synergyRelField, e domain.SynergyEntity) error {
	if slices.Contains(rel.Types, e.Record().Type) {
		return nil
	}
	return apierr.New(apierr.UpstreamError, "SynergyCRM linked %s to a %s", rel.Key, e.Record().Type)
}

// needsScratch keeps the slices levels list their needs in, which live
// only while a level is resolved.
var needsScratch = sync.Pool{New: func() any { return new([]relNeed) }}

// needs lists in out the selected relationships of the level's entities
// that are not resolved yet, with their linkage when the request knows it. An
// entity and relationship asked twice on one level (two aliases, or the
// same entity under two parents) is listed once.
func (s *synergyStore) needs(groups []fillGroup, out []relNeed) []relNeed {
	s.mu.Lock()
	defer s.mu.Unlock()
	size := 0
	for _, g := range groups {
		size += len(g.ents) * len(g.plan.rels)
	}
	out = slices.Grow(out[:0], size)
	type key struct {
		e   domain.SynergyEntity
		idx int
	}
	// Entities are unique within a group; the same entity and relationship
	// can meet twice only across groups or through two aliases of a field.
	var seen map[key]struct{}
	if len(groups) > 1 || repeatsRel(groups[0].plan) {
		seen = map[key]struct{}{}
	}
	for _, g := range groups {
		for _, e := range g.ents {
			rec := e.Record()
			for k := range g.plan.rels {
				fr := &g.plan.rels[k]
				if rec.Rels != nil && rec.Rels[fr.rel.Index] != nil {
					continue
				}
				if seen != nil {
					k := key{e, fr.rel.Index}
					if _, dup := seen[k]; dup {
						continue
					}
					seen[k] = struct{}{}
				}
				l, known := rec.Links.Get(fr.rel.Key)
				out = append(out, relNeed{e: e, rel: &fr.rel, plan: g.plan, refs: l.Refs, known: known})
			}
		}
	}
	return out
}

// repeatsRel tells whether p selects one relationship under two aliases.
func repeatsRel(p *fillPlan) bool {
	for i := range p.rels {
		for j := i + 1; j < len(p.rels); j++ {
			if p.rels[i].rel.Index == p.rels[j].rel.Index {
				return true
			}
		}
	}
	return false
}

// nextLevel gathers the targets of this level's relationships under the
// plans of their selections, each entity once per plan.
func (s *synergyStore) nextLevel(groups []fillGroup) []fillGroup {
	s.mu.Lock()
	defer s.mu.Unlock()
	var next []fillGroup
	var index map[*fillPlan]int
	var seen map[*fillPlan]map[domain.SynergyEntity]struct{}
	add := func(p *fillPlan, e domain.SynergyEntity) {
		if p == nil || e == nil {
			return
		}
		i, ok := index[p]
		if !ok {
			if index == nil {
				index = map[*fillPlan]int{}
				seen = map[*fillPlan]map[domain.SynergyEntity]struct{}{}
			}
			i = len(next)
			index[p] = i
			next = append(next, fillGroup{plan: p})
			seen[p] = map[domain.SynergyEntity]struct{}{}
		}
		if _, dup := seen[p][e]; dup {
			return
		}
		seen[p][e] = struct{}{}
		next[i].ents = append(next[i].ents, e)
	}
	for _, g := range groups {
		for _, fr := range g.plan.rels {
			if len(fr.children) == 0 {
				continue
			}
			for _, e := range g.ents {
				v := e.Record().Rels[fr.rel.Index]
				if v == nil || v.Err != nil {
					continue
				}
				if v.One != nil {
					add(fr.children[synergyTypeNames[v.One.Record().Type]], v.One)
				}
				for _, t := range v.Many {
					if t != nil {
						add(fr.children[synergyTypeNames[t.Record().Type]], t)
					}
				}
			}
		}
	}
	return next
}

// clearRels forgets every resolved relationship of the request: after a
// write they may name entities that changed. Mutations run one at a time,
// and each answer is written before the next runs, so nothing reads them.
func (s *synergyStore) clearRels() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.m {
		e.Record().Rels = nil
	}
}

// fillSelection is the selection set a resolver's entities are read with:
// the field's own, or for a payload field the selection of its member.
func fillSelection(ctx context.Context, member string) ast.SelectionSet {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil {
		return nil
	}
	if member == "" {
		return fc.Field.Selections
	}
	var out ast.SelectionSet
	for _, f := range graphql.CollectFields(graphql.GetOperationContext(ctx), fc.Field.Selections, nil) {
		if f.Name == member {
			out = append(out, f.Selections...)
		}
	}
	return out
}

// connectionSelection is the selection set of a connection's nodes: its
// nodes { ... } and edges { node { ... } } together.
func connectionSelection(ctx context.Context, r *Resolver) ast.SelectionSet {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil {
		return nil
	}
	return memoized(ctx, r, memoKey{fc.Field.Field, "nodes", ""}, func() ast.SelectionSet {
		return collectNodes(graphql.GetOperationContext(ctx), fc.Field.Selections)
	})
}

// collectNodes gathers a connection's nodes { ... } and edges { node { ... } }.
func collectNodes(opCtx *graphql.OperationContext, sel ast.SelectionSet) ast.SelectionSet {
	var all ast.SelectionSet
	for _, f := range graphql.CollectFields(opCtx, sel, nil) {
		switch f.Name {
		case "nodes":
			all = append(all, f.Selections...)
		case "edges":
			for _, e := range graphql.CollectFields(opCtx, f.Selections, nil) {
				if e.Name == "node" {
					all = append(all, e.Selections...)
				}
			}
		}
	}
	return all
}

// byIDRoot reads one entity again with more paths included.
func byIDRoot(r *Resolver, ref domain.SynergyRef) fillRoot {
	return func(ctx context.Context, include []string) error {
		syn, err := r.synergy(ctx)
		if err != nil {
			return err
		}
		doc, err := syn.Get(ctx, ref.Type, ref.ID, include, sparseFields(ctx, r))
		if err != nil {
			return err
		}
		st := synergyStoreFor(ctx)
		st.putDoc(doc)
		return nil
	}
}

// payloadMember is the field of a write's payload that holds the entity.
func payloadMember(typeName string) string {
	return strings.ToLower(typeName[:1]) + typeName[1:]
}

// fillWritten resolves what a write's payload selects on the entity the
// upstream answered with.
func (r *Resolver) fillWritten(ctx context.Context, e domain.SynergyEntity) {
	rec := e.Record()
	name := synergyTypeNames[rec.Type]
	r.fillEntities(ctx, []domain.SynergyEntity{e}, fillSite(ctx, "payload"), fillSelection(ctx, payloadMember(name)),
		byIDRoot(r, domain.SynergyRef{Type: rec.Type, ID: rec.SourceID}))
}

package graph

import (
	"context"
	"io"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/jsonscan"
	"github.com/crmgateway/gateway/internal/loaders"
	"github.com/crmgateway/gateway/internal/scalar"
	spec "github.com/crmgateway/gateway/internal/synergyspec"
)

// The compiled executor answers the operations whose whole plan is known —
// planned SynergyCRM lists and by-id reads, r_keeper reference lists,
// __typename — without gqlgen's general executor: the selection set is
// compiled once per operation into a tree of field plans, the root
// resolvers run as they do under gqlgen (same loaders, include planning,
// fill pass, errors), and the response is written straight from the
// decoded records into one buffer, with no goroutine, map or interface per
// field. gqlgen stays the schema, the validator and the executor of
// everything else: an operation the compiler does not know in full falls
// back to it before anything is read.
//
// The answer is the one gqlgen gives, byte for byte: fields in the order
// gqlgen collects them (fragments, aliases, @skip/@include), every scalar
// written by the marshaler gqlgen uses for it, errors raised through
// gqlgen's own error functions on a field context with gqlgen's path and
// location, and null propagation as gqlgen does it (siblings still run
// and report their errors). Errors come in document order; gqlgen's own
// order depends on goroutine scheduling. TestCompiledMatchesGQLGen and
// FuzzCompiledMatchesGQLGen (e2e_compiled_test.go) hold the two executors
// to this. A panic while a root field is written (a bug) nulls the whole
// root field, where gqlgen would null only the field that panicked.

// fieldOp is what a compiled field writes.
type fieldOp uint8

const (
	opTypename fieldOp = iota
	// entities
	opID
	opSourceID
	opExtra
	opAttr
	opRelOne
	opRelMany
	// connections
	opEdges
	opNodes
	opPageInfo
	opTotalCount
	// edges
	opCursor
	opNode
	// page info
	opHasNextPage
	opHasPreviousPage
	opStartCursor
	opEndCursor
	// r_keeper reference records
	opRK
)

// cField is one field of a compiled selection.
type cField struct {
	cf   graphql.CollectedField
	op   fieldOp
	idx  int             // attribute or relationship index, r_keeper field
	rel  synergyRelField // relationships
	sub  *cObj           // object-valued fields
	name string          // __typename's answer
}

// cObj is a compiled selection set: its fields on one concrete type, or
// for an abstract position (a union) one selection per concrete type.
type cObj struct {
	typeName string
	fields   []cField
	byType   map[string]*cObj
}

// rootKind is what a root field reads.
type rootKind uint8

const (
	rootTypename rootKind = iota
	rootSynergyList
	rootSynergyOne
	rootRKList
)

// cRoot is one root field of a compiled operation.
type cRoot struct {
	cf   graphql.CollectedField
	kind rootKind
	typ  string // JSON:API type, or the r_keeper list
	obj  *cObj  // the entity selection (nodes of a list), or the connection
}

// cPlan is a compiled operation.
type cPlan struct {
	roots []cRoot
	// size is the largest answer written so far, so the next one's buffer
	// is allocated once, at about its size.
	size atomic.Int64
}

// maxSizeHint bounds the buffer a plan preallocates.
const maxSizeHint = 1 << 20

// compiledPlan returns the operation's plan, nil when the compiled
// executor cannot serve it. A plan is made once per operation unless a
// directive reads a variable.
func (r *Resolver) compiledPlan(ctx context.Context, opCtx *graphql.OperationContext) *cPlan {
	m := r.opMemoFor(ctx)
	if m == nil || !m.static {
		return compilePlan(opCtx)
	}
	m.compiledOnce.Do(func() { m.compiled = compilePlan(opCtx) })
	return m.compiled
}

// compilePlan compiles the operation, or answers nil.
func compilePlan(opCtx *graphql.OperationContext) *cPlan {
	op := opCtx.Operation
	if op == nil || op.Operation != ast.Query {
		return nil
	}
	c := compiler{opCtx: opCtx}
	plan := &cPlan{}
	for _, f := range graphql.CollectFields(opCtx, op.SelectionSet, []string{"Query"}) {
		if !c.plainField(f) {
			return nil
		}
		root := cRoot{cf: f}
		switch {
		case f.Name == "__typename":
			root.kind = rootTypename
		case synergyLists[f.Name] != "":
			root.kind, root.typ = rootSynergyList, synergyLists[f.Name]
			root.obj = c.connection(f.Selections, synergyTypeNames[root.typ])
		case synergyOnes[f.Name] != "":
			root.kind, root.typ = rootSynergyOne, synergyOnes[f.Name]
			root.obj = c.entity(f.Selections, synergyTypeNames[root.typ])
		case rkLists[f.Name] != nil:
			root.kind, root.typ = rootRKList, f.Name
			root.obj = c.rkRecord(f.Selections, rkLists[f.Name])
		default:
			return nil
		}
		if c.failed {
			return nil
		}
		plan.roots = append(plan.roots, root)
	}
	return plan
}

type compiler struct {
	opCtx  *graphql.OperationContext
	failed bool
}

// plainField refuses what the compiled executor does not carry out: a
// directive other than @skip/@include on the field (those CollectFields
// has applied), a deferred fragment, or a schema directive on the field's
// definition that gqlgen would run.
func (c *compiler) plainField(f graphql.CollectedField) bool {
	if len(f.Deferrables) > 0 {
		return false
	}
	for _, d := range f.Directives {
		if d.Name != "skip" && d.Name != "include" {
			return false
		}
	}
	if f.Definition != nil {
		for _, d := range f.Definition.Directives {
			if d.Name != "deprecated" {
				return false
			}
		}
	}
	return true
}

// collect collects a selection set's fields as gqlgen does. A field gqlgen
// collects twice under one alias (a union's __typename and a member's, which
// it does not merge) is written once, the first, as gqlgen's field set
// writes it; only fields that cannot fail (scalars of an interface or a
// union) are collected so, and the later one is dropped here.
func (c *compiler) collect(sel ast.SelectionSet, satisfies ...string) []graphql.CollectedField {
	fields := graphql.CollectFields(c.opCtx, sel, satisfies)
	out := fields[:0:0]
	for i, f := range fields {
		if !c.plainField(f) {
			c.failed = true
		}
		dup := false
		for _, g := range fields[:i] {
			dup = dup || g.Alias == f.Alias
		}
		if dup {
			if len(f.Selections) > 0 {
				c.failed = true // an object-valued duplicate: gqlgen would still run it
			}
			continue
		}
		out = append(out, f)
	}
	return out
}

// connection compiles a SynergyCRM connection's selection.
func (c *compiler) connection(sel ast.SelectionSet, typeName string) *cObj {
	conn := &cObj{typeName: typeName + "Connection"}
	for _, f := range c.collect(sel, conn.typeName) {
		cf := cField{cf: f}
		switch f.Name {
		case "__typename":
			cf.op, cf.name = opTypename, conn.typeName
		case "edges":
			cf.op, cf.sub = opEdges, &cObj{typeName: typeName + "Edge"}
			for _, e := range c.collect(f.Selections, cf.sub.typeName) {
				ef := cField{cf: e}
				switch e.Name {
				case "__typename":
					ef.op, ef.name = opTypename, cf.sub.typeName
				case "cursor":
					ef.op = opCursor
				case "node":
					ef.op, ef.sub = opNode, c.entity(e.Selections, typeName)
				default:
					c.failed = true
				}
				cf.sub.fields = append(cf.sub.fields, ef)
			}
		case "nodes":
			cf.op, cf.sub = opNodes, c.entity(f.Selections, typeName)
		case "pageInfo":
			cf.op, cf.sub = opPageInfo, &cObj{typeName: "PageInfo"}
			for _, p := range c.collect(f.Selections, "PageInfo") {
				pf := cField{cf: p}
				switch p.Name {
				case "__typename":
					pf.op, pf.name = opTypename, "PageInfo"
				case "hasNextPage":
					pf.op = opHasNextPage
				case "hasPreviousPage":
					pf.op = opHasPreviousPage
				case "startCursor":
					pf.op = opStartCursor
				case "endCursor":
					pf.op = opEndCursor
				default:
					c.failed = true
				}
				cf.sub.fields = append(cf.sub.fields, pf)
			}
		case "totalCount":
			cf.op = opTotalCount
		default:
			c.failed = true
		}
		conn.fields = append(conn.fields, cf)
	}
	return conn
}

// entity compiles a selection on one SynergyCRM type.
func (c *compiler) entity(sel ast.SelectionSet, typeName string) *cObj {
	o := &cObj{typeName: typeName}
	attrs, rels := synergyAttrFields[typeName], synergyRelFields[typeName]
	for _, f := range c.collect(sel, satisfiesOf(typeName)...) {
		cf := cField{cf: f}
		if i, ok := attrs[f.Name]; ok {
			cf.op, cf.idx = opAttr, i
		} else if rf, ok := rels[f.Name]; ok {
			cf.op, cf.rel = opRelOne, rf
			if rf.Many {
				cf.op = opRelMany
			}
			if len(rf.Targets) == 1 {
				cf.sub = c.entity(f.Selections, rf.Targets[0])
			} else {
				cf.sub = &cObj{byType: map[string]*cObj{}}
				for _, t := range rf.Targets {
					cf.sub.byType[t] = c.entity(f.Selections, t)
				}
			}
		} else {
			switch f.Name {
			case "__typename":
				cf.op, cf.name = opTypename, typeName
			case "id":
				cf.op = opID
			case "sourceId":
				cf.op = opSourceID
			case "extra":
				cf.op = opExtra
			default:
				c.failed = true
			}
		}
		o.fields = append(o.fields, cf)
	}
	return o
}

// rkRecord compiles a selection on an r_keeper reference record: scalar
// fields only (their relationships go through gqlgen).
func (c *compiler) rkRecord(sel ast.SelectionSet, t *rkType) *cObj {
	o := &cObj{typeName: t.name}
	for _, f := range c.collect(sel, t.name, "Node") {
		cf := cField{cf: f}
		if f.Name == "__typename" {
			cf.op, cf.name = opTypename, t.name
		} else if i, ok := t.index[f.Name]; ok {
			cf.op, cf.idx = opRK, i
		} else if f.Name == "extra" {
			cf.op, cf.idx = opRK, rkExtra
		} else {
			c.failed = true
		}
		o.fields = append(o.fields, cf)
	}
	return o
}

// synergyLists and synergyOnes map root fields to JSON:API types.
var synergyLists, synergyOnes = func() (lists, ones map[string]string) {
	lists, ones = map[string]string{}, map[string]string{}
	for _, r := range spec.Resources {
		if r.List != "" {
			lists[r.List] = r.Type
			ones[r.One] = r.Type
		}
	}
	return lists, ones
}()

// --- execution ---

// compiledExec returns the compiled executor's response handler for the
// operation in ctx, nil when gqlgen's executor must serve it (then nothing
// has been read or reported). It is called by the schema's Exec, inside
// gqlgen's operation pipeline, so the extensions' operation, root-field
// and response interceptors and the error presenter apply as they do to
// gqlgen's own execution.
func (r *Resolver) compiledExec(ctx context.Context) graphql.ResponseHandler {
	if r.GeneralOnly || !graphql.HasOperationContext(ctx) {
		return nil
	}
	opCtx := graphql.GetOperationContext(ctx)
	plan := r.compiledPlan(ctx, opCtx)
	if plan == nil {
		return nil
	}
	// Arguments first: one gqlgen would refuse is left to gqlgen.
	args := make([]rootArgs, len(plan.roots))
	for i, root := range plan.roots {
		var ok bool
		if args[i], ok = root.args(opCtx); !ok {
			return nil
		}
	}
	done := false
	return func(ctx context.Context) *graphql.Response {
		if done {
			return nil
		}
		done = true
		r.compiled.Add(1)
		return &graphql.Response{Data: r.runCompiled(ctx, opCtx, plan, args)}
	}
}

// runCompiled executes a plan and returns the response's data. Root fields
// run concurrently when several read a backend, as under gqlgen.
func (r *Resolver) runCompiled(ctx context.Context, opCtx *graphql.OperationContext, plan *cPlan, args []rootArgs) []byte {
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: "Query"})
	reading := 0
	for i := range plan.roots {
		if plan.roots[i].kind != rootTypename {
			reading++
		}
	}
	out := answerBuffer(int(max(512, plan.size.Load()+64)))
	defer func() {
		if n := int64(len(out)); n > plan.size.Load() && n <= maxSizeHint {
			plan.size.Store(n)
		}
		keepAnswer(ctx, out)
	}()
	out = append(out, '{')
	if reading <= 1 {
		x := &cExec{r: r, ctx: ctx, opCtx: opCtx, w: jsonWriter{buf: out}}
		for i := range plan.roots {
			if i > 0 {
				x.w.buf = append(x.w.buf, ',')
			}
			x.root(&plan.roots[i], args[i])
		}
		out = append(x.w.buf, '}')
		return out
	}
	xs := make([]cExec, len(plan.roots))
	var wg sync.WaitGroup
	for i := range plan.roots {
		xs[i] = cExec{r: r, ctx: ctx, opCtx: opCtx}
		wg.Add(1)
		go func() {
			defer wg.Done()
			xs[i].root(&plan.roots[i], args[i])
		}()
	}
	wg.Wait()
	for i := range xs {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, xs[i].w.buf...)
	}
	out = append(out, '}')
	return out
}

// answerBuffers keeps the buffers answers were written to, for the next
// requests' answers; maxKeptAnswer bounds the buffers kept.
var answerBuffers sync.Pool

const maxKeptAnswer = 64 << 10

// answerBuffer gives an empty buffer of at least size bytes: a kept one
// when it is that large (a smaller one goes to the collector, so that the
// buffers kept come to fit the larger answers).
func answerBuffer(size int) []byte {
	if b, _ := answerBuffers.Get().(*[]byte); b != nil && cap(*b) >= size {
		return (*b)[:0]
	}
	return make([]byte, 0, size)
}

// requestAnswers are the buffers a request's answers were written to,
// which it hands back when it is over: the transport has then encoded
// them into the response, and nothing keeps them (a cache of answers
// keeps a copy).
type requestAnswers struct {
	mu   sync.Mutex
	bufs [][]byte
}

type requestAnswersKey struct{}

// Release hands the request's answer buffers back to answerBuffers.
func (a *requestAnswers) Release() {
	for _, b := range a.bufs {
		if cap(b) <= maxKeptAnswer {
			answerBuffers.Put(&b)
		}
	}
	a.bufs = nil
}

// keepAnswer notes that the request's answer is in b, to hand b back
// when the request is over (outside a request, to the collector).
func keepAnswer(ctx context.Context, b []byte) {
	a := loaders.Get(ctx, requestAnswersKey{}, func() *requestAnswers { return new(requestAnswers) })
	a.mu.Lock()
	a.bufs = append(a.bufs, b)
	a.mu.Unlock()
}

// rootArgs are a root field's arguments, coerced as gqlgen coerces them.
type rootArgs struct {
	raw     map[string]any
	page    pageRequest
	id      string
	filters []filterValue
}

func (root *cRoot) args(opCtx *graphql.OperationContext) (rootArgs, bool) {
	var a rootArgs
	if len(root.cf.Arguments) == 0 {
		return a, true
	}
	a.raw = root.cf.ArgumentMap(opCtx.Variables)
	switch root.kind {
	case rootSynergyList:
		for _, p := range []struct {
			name string
			n    **int
			s    **string
		}{{"first", &a.page.first, nil}, {"after", nil, &a.page.after}, {"last", &a.page.last, nil}, {"before", nil, &a.page.before}} {
			v := a.raw[p.name]
			if v == nil {
				continue
			}
			if p.n != nil {
				n, err := graphql.UnmarshalInt(v)
				if err != nil {
					return a, false
				}
				*p.n = &n
				continue
			}
			s, err := graphql.UnmarshalString(v)
			if err != nil {
				return a, false
			}
			*p.s = &s
		}
		if v := a.raw["filter"]; v != nil {
			f, ok := synergyFilterArgs(root.typ, v)
			if !ok {
				return a, false
			}
			a.filters = f
		}
	case rootSynergyOne:
		id, err := graphql.UnmarshalID(a.raw["id"])
		if err != nil {
			return a, false
		}
		a.id = id
	case rootRKList:
		t := rkLists[root.typ]
		if t.arg == "" || len(root.cf.Arguments) != 1 {
			return a, false
		}
		id, err := graphql.UnmarshalID(a.raw[t.arg])
		if err != nil {
			return a, false
		}
		a.id = id
	default:
		return a, false
	}
	return a, true
}

// cExec writes one root field of a compiled plan.
type cExec struct {
	r     *Resolver
	ctx   context.Context // the root field's, for errors below it
	opCtx *graphql.OperationContext
	w     jsonWriter
	path  []pathStep
}

// pathStep is one step below the root field being written: a field of an
// object, or an index in a list.
type pathStep struct {
	field  *graphql.CollectedField
	object string
	index  int // -1 for a field
}

// written is what the compiled root resolver hands back through the
// root-field interceptors: its value is already in the buffer, between
// start and end. An interceptor that answers with something of its own
// (which may wrap this) gets the value copied out first.
type written struct {
	start, end int
	data       []byte
}

func (m *written) MarshalGQL(w io.Writer) { _, _ = w.Write(m.data) }

// root writes one root field: through the operation's root-field
// interceptors, which may answer in its place, then resolved and written
// as gqlgen's generated root field does.
func (x *cExec) root(root *cRoot, a rootArgs) {
	x.w.key(root.cf.Alias)
	if root.kind == rootTypename {
		x.w.str("Query")
		return
	}
	start := len(x.w.buf)
	mark := &written{start: start, end: start}
	inner := graphql.WithRootFieldContext(x.ctx, &graphql.RootFieldContext{Object: root.cf.Name, Field: root.cf})
	m := x.opCtx.RootResolverMiddleware(inner, func(ctx context.Context) graphql.Marshaler {
		x.w.buf = x.w.buf[:start]
		x.resolve(ctx, root, a)
		mark.end = len(x.w.buf)
		return mark
	})
	if m != graphql.Marshaler(mark) {
		mark.data = append([]byte(nil), x.w.buf[mark.start:mark.end]...)
		x.w.buf = x.w.buf[:start]
		m.MarshalGQL(&x.w)
	}
}

// resolve calls the root field's resolver under the field context gqlgen
// gives it, reports its error or panic as gqlgen's resolveField does, and
// writes its value.
func (x *cExec) resolve(ctx context.Context, root *cRoot, a rootArgs) {
	start := len(x.w.buf)
	// Errors below the root field are reported on field contexts rebuilt
	// from here down, as gqlgen's would be.
	x.ctx = ctx
	fc := &graphql.FieldContext{Object: "Query", Field: root.cf, Args: a.raw, IsMethod: true, IsResolver: true}
	ctx = graphql.WithFieldContext(ctx, fc)
	defer func() {
		if p := recover(); p != nil {
			x.opCtx.Error(ctx, x.opCtx.Recover(ctx, p))
			x.path = x.path[:0]
			x.w.buf = append(x.w.buf[:start], "null"...)
		}
	}()
	var (
		page *synergyPage[domain.SynergyEntity]
		one  domain.SynergyEntity
		rk   []any
		err  error
	)
	switch root.kind {
	case rootSynergyList:
		page, err = synergyListPage(ctx, x.r, root.typ, a.page, a.filters)
	case rootSynergyOne:
		one, err = synergyByIDEntity(ctx, x.r, root.typ, a.id)
	case rootRKList:
		rk, err = rkLists[root.typ].list(ctx, x.r, a.id)
	}
	if err != nil {
		x.opCtx.Error(ctx, graphql.AddFieldLocationToError(ctx, err))
		x.w.null()
		return
	}
	ok := true
	switch root.kind {
	case rootSynergyList:
		ok = x.writeConnection(root.obj, &root.cf, page)
	case rootSynergyOne:
		ok = x.writeEntityAt(root.obj, &root.cf, "Query", one, false)
	case rootRKList:
		ok = x.writeRKList(root.obj, &root.cf, rk)
	}
	x.path = x.path[:0]
	if !ok {
		x.w.buf = append(x.w.buf[:start], "null"...)
	}
}

// fieldError reports err at the field being written, as gqlgen's
// resolveField does (location of the field, path from the field context).
func (x *cExec) fieldError(err error) {
	ctx := x.fieldCtx()
	x.opCtx.Error(ctx, graphql.AddFieldLocationToError(ctx, err))
}

// fieldCtx rebuilds the field context gqlgen would have at the current
// path; made only when an error needs it.
func (x *cExec) fieldCtx() context.Context {
	ctx := x.ctx
	for _, s := range x.path {
		if s.index >= 0 {
			i := s.index
			ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
			continue
		}
		ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: s.object, Field: *s.field})
	}
	return ctx
}

func (x *cExec) push(s pathStep) { x.path = append(x.path, s) }
func (x *cExec) pop()            { x.path = x.path[:len(x.path)-1] }

// writeConnection writes a SynergyCRM connection; false when a non-null
// member turned out null (the root is then null).
func (x *cExec) writeConnection(conn *cObj, at *graphql.CollectedField, page *synergyPage[domain.SynergyEntity]) bool {
	if page == nil {
		x.w.null()
		return true
	}
	x.push(pathStep{field: at, object: "Query", index: -1})
	defer x.pop()
	ok := true
	x.w.buf = append(x.w.buf, '{')
	for i := range conn.fields {
		f := &conn.fields[i]
		if i > 0 {
			x.w.buf = append(x.w.buf, ',')
		}
		x.w.key(f.cf.Alias)
		switch f.op {
		case opTypename:
			x.w.str(f.name)
		case opTotalCount:
			writeOptInt(&x.w, page.Total)
		case opPageInfo:
			x.writePageInfo(f.sub, &page.PageInfo)
		case opNodes:
			x.push(pathStep{field: &f.cf, object: conn.typeName, index: -1})
			ok = x.writeEntityList(f.sub, page.Items) && ok
			x.pop()
		case opEdges:
			x.push(pathStep{field: &f.cf, object: conn.typeName, index: -1})
			ok = x.writeEdges(f.sub, page) && ok
			x.pop()
		}
	}
	x.w.buf = append(x.w.buf, '}')
	return ok
}

func (x *cExec) writePageInfo(o *cObj, p *domain.PageInfo) {
	x.w.buf = append(x.w.buf, '{')
	for i := range o.fields {
		f := &o.fields[i]
		if i > 0 {
			x.w.buf = append(x.w.buf, ',')
		}
		x.w.key(f.cf.Alias)
		switch f.op {
		case opTypename:
			x.w.str(f.name)
		case opHasNextPage:
			x.w.bool(p.HasNextPage)
		case opHasPreviousPage:
			x.w.bool(p.HasPreviousPage)
		case opStartCursor:
			writeOptString(&x.w, p.StartCursor)
		case opEndCursor:
			writeOptString(&x.w, p.EndCursor)
		}
	}
	x.w.buf = append(x.w.buf, '}')
}

// writeEdges writes [Edge!]!: an edge whose node is null makes the whole
// list null.
func (x *cExec) writeEdges(o *cObj, page *synergyPage[domain.SynergyEntity]) bool {
	ok := true
	x.w.buf = append(x.w.buf, '[')
	for i, e := range page.Items {
		if i > 0 {
			x.w.buf = append(x.w.buf, ',')
		}
		x.push(pathStep{index: i})
		x.w.buf = append(x.w.buf, '{')
		for j := range o.fields {
			f := &o.fields[j]
			if j > 0 {
				x.w.buf = append(x.w.buf, ',')
			}
			x.w.key(f.cf.Alias)
			switch f.op {
			case opTypename:
				x.w.str(f.name)
			case opCursor:
				x.w.str(page.Cursors[i])
			case opNode:
				ok = x.writeEntityAt(f.sub, &f.cf, o.typeName, e, true) && ok
			}
		}
		x.w.buf = append(x.w.buf, '}')
		x.pop()
	}
	x.w.buf = append(x.w.buf, ']')
	return ok
}

// writeEntityList writes [T!]! of entities (byType: the plan per concrete
// type of a union's members); false when an element is null.
func (x *cExec) writeEntityList(o *cObj, es []domain.SynergyEntity) bool {
	ok := true
	x.w.buf = append(x.w.buf, '[')
	for i, e := range es {
		if i > 0 {
			x.w.buf = append(x.w.buf, ',')
		}
		x.push(pathStep{index: i})
		ok = x.writeEntity(planFor(o, e), e) && ok
		x.pop()
	}
	x.w.buf = append(x.w.buf, ']')
	return ok
}

// planFor picks the selection of e's concrete type at an abstract position.
func planFor(o *cObj, e domain.SynergyEntity) *cObj {
	if o.byType == nil {
		return o
	}
	return o.byType[synergyTypeNames[e.Record().Type]]
}

// writeEntityAt writes an entity-valued field whose key is written; a
// nullable field becomes null when the entity does, a non-null one
// reports false.
func (x *cExec) writeEntityAt(o *cObj, at *graphql.CollectedField, object string, e domain.SynergyEntity, nonNull bool) bool {
	if e == nil {
		x.w.null()
		return !nonNull
	}
	x.push(pathStep{field: at, object: object, index: -1})
	start := len(x.w.buf)
	ok := x.writeEntity(planFor(o, e), e)
	x.pop()
	if !ok && !nonNull {
		x.w.buf = append(x.w.buf[:start], "null"...)
		return true
	}
	return ok
}

// writeEntity writes one SynergyCRM entity's selection; false when a
// non-null field of it is null, which makes the entity null. Every field
// is still written, so each reports its own errors as under gqlgen.
func (x *cExec) writeEntity(o *cObj, e domain.SynergyEntity) bool {
	rec := e.Record()
	ok := true
	x.w.buf = append(x.w.buf, '{')
	for i := range o.fields {
		f := &o.fields[i]
		if i > 0 {
			x.w.buf = append(x.w.buf, ',')
		}
		x.w.key(f.cf.Alias)
		switch f.op {
		case opTypename:
			x.w.str(f.name)
		case opID:
			x.w.str(rec.ID())
		case opSourceID:
			x.w.str(rec.SourceID)
		case opExtra:
			writeJSONScalar(&x.w, rec.Extra())
		case opAttr:
			writeSynergyAttr(&x.w, e, f.idx)
		case opRelOne, opRelMany:
			ok = x.writeRel(f, o.typeName, rec) && ok
		}
	}
	x.w.buf = append(x.w.buf, '}')
	return ok
}

// writeRel writes a relationship from what the fill pass resolved.
func (x *cExec) writeRel(f *cField, object string, rec *domain.SynergyRecord) bool {
	var v *domain.SynergyRel
	if f.rel.Index < len(rec.Rels) {
		v = rec.Rels[f.rel.Index]
	}
	if v == nil {
		v = &domain.SynergyRel{Err: domain.ErrRelUnresolved}
	}
	err := v.Err
	if err != nil {
		x.push(pathStep{field: &f.cf, object: object, index: -1})
		x.fieldError(err)
		x.pop()
		x.w.null()
		return f.op == opRelOne // a to-many relationship is non-null
	}
	if f.op == opRelOne {
		return x.writeEntityAt(f.sub, &f.cf, object, v.One, false)
	}
	x.push(pathStep{field: &f.cf, object: object, index: -1})
	start := len(x.w.buf)
	ok := x.writeEntityList(f.sub, v.Many)
	x.pop()
	if !ok {
		x.w.buf = append(x.w.buf[:start], "null"...)
	}
	return ok
}

// --- JSON writing, as gqlgen's marshalers write ---

// jsonWriter is the response buffer; it is an io.Writer for the scalars
// that marshal themselves.
type jsonWriter struct{ buf []byte }

func (w *jsonWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	return len(p), nil
}

func (w *jsonWriter) null() { w.buf = append(w.buf, "null"...) }

func (w *jsonWriter) bool(b bool) { w.buf = strconv.AppendBool(w.buf, b) }

func (w *jsonWriter) key(k string) {
	w.str(k)
	w.buf = append(w.buf, ':')
}

// str writes s quoted exactly as gqlgen's writeQuotedString does: only
// control characters, quotes and backslashes are escaped, anything else
// (invalid UTF-8 included) is copied. gqlgen walks runes, but every byte it
// escapes is ASCII and no ASCII byte is ever part of a multi-byte rune, so
// walking bytes finds the same ones.
func (w *jsonWriter) str(s string) {
	w.buf = append(w.buf, '"')
	start := 0
	for i := jsonscan.PlainPrefix(s); i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '\\' && c != '"' {
			continue
		}
		w.buf = append(w.buf, s[start:i]...)
		switch c {
		case '\t':
			w.buf = append(w.buf, `\t`...)
		case '\r':
			w.buf = append(w.buf, `\r`...)
		case '\n':
			w.buf = append(w.buf, `\n`...)
		case '\\':
			w.buf = append(w.buf, `\\`...)
		case '"':
			w.buf = append(w.buf, `\"`...)
		default:
			w.buf = append(w.buf, `\u00`...)
			w.buf = append(w.buf, hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	w.buf = append(w.buf, s[start:]...)
	w.buf = append(w.buf, '"')
}

// hexDigits are gqlgen's (upper-case), not encoding/json's.
const hexDigits = "0123456789ABCDEF"

func writeOptString(w *jsonWriter, s *string) {
	if s == nil {
		w.null()
		return
	}
	w.str(*s)
}

func writeOptInt(w *jsonWriter, n *int) {
	if n == nil {
		w.null()
		return
	}
	w.buf = strconv.AppendInt(w.buf, int64(*n), 10)
}

func writeOptBool(w *jsonWriter, b *bool) {
	if b == nil {
		w.null()
		return
	}
	w.bool(*b)
}

func writeJSONScalar(w *jsonWriter, v scalar.JSON) {
	if v == nil {
		w.null()
		return
	}
	v.MarshalGQL(w)
}

// writeOptMarshaler writes a nullable scalar that marshals itself.
func writeOptMarshaler[T any, P interface {
	*T
	graphql.Marshaler
}](w *jsonWriter, v P) {
	if v == nil {
		w.null()
		return
	}
	v.MarshalGQL(w)
}

// synergyFilterArgs turns a filter argument, as the validator left it,
// into filter parameters, coercing each field as gqlgen's generated
// unmarshalers do; ok is false when one does not coerce (gqlgen then
// reports it).
func synergyFilterArgs(typ string, v any) ([]filterValue, bool) {
	raw, ok := v.(map[string]any)
	res := spec.ByType(typ)
	if !ok || res == nil {
		return nil, false
	}
	out := make([]filterValue, 0, len(raw))
	for _, f := range res.Filters {
		field := spec.Camel(f.Key)
		val, present := raw[field]
		if !present || val == nil {
			continue
		}
		fv := filterValue{Field: field, Param: f.Param}
		switch f.Kind {
		case spec.Int:
			n, err := graphql.UnmarshalInt(val)
			if err != nil {
				return nil, false
			}
			fv.Value = filterInt(&n)
		case spec.DateTime:
			t := new(scalar.DateTime)
			if err := t.UnmarshalGQL(val); err != nil {
				return nil, false
			}
			fv.Value = filterTime(t)
		default:
			s, err := graphql.UnmarshalString(val)
			if err != nil {
				return nil, false
			}
			fv.Value = &s
		}
		out = append(out, fv)
	}
	if len(out) != len(raw) {
		for k, val := range raw {
			if val != nil && !hasFilter(res, k) {
				return nil, false
			}
		}
	}
	return out, true
}

func hasFilter(res *spec.Resource, field string) bool {
	for _, f := range res.Filters {
		if spec.Camel(f.Key) == field {
			return true
		}
	}
	return false
}

package rest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Prefix is where the facade is mounted.
const Prefix = "/rest/v1"

// Kind says what a route does; it decides the success status and how the
// route is documented.
type Kind string

// The kinds of route the schema yields.
const (
	KindList   Kind = "list"   // GET a collection (a connection or a list field)
	KindItem   Kind = "item"   // GET one entity by global ID
	KindSub    Kind = "sub"    // GET a relationship of one entity
	KindCreate Kind = "create" // POST a new entity (201)
	KindUpdate Kind = "update" // PATCH an entity
	KindDelete Kind = "delete" // DELETE an entity
	KindAction Kind = "action" // POST any other mutation
)

// ProvenanceField is the common model's record of where a node came from.
// It is no sub-resource: its fetch time changes with every read, so no
// entity tag of it could ever match, and it describes a read rather than
// the CRM's record the facade's resources are.
const ProvenanceField = "provenance"

// Param is one path or query parameter; it fills one GraphQL variable.
type Param struct {
	Name string // the REST name: "first", "filter", "id", "contactId"
	In   string // "path" or "query"
	Var  string // the GraphQL variable it fills
	Arg  *ast.ArgumentDefinition
	// Level is 0 for an argument of the root field, 1 for one of the field a
	// sub-resource reads.
	Level int
}

// Body is what the JSON body of a POST or PATCH fills.
type Body struct {
	// Param is the one input-object argument the body is, e.g. input.
	// Nil when the body is an object with one member per argument (Args).
	Param *Param
	Args  []*Param
}

// Route is one REST operation and the GraphQL operation it runs.
type Route struct {
	Method    string
	Path      string // chi and OpenAPI pattern, e.g. /rest/v1/contacts/{id}
	Kind      Kind
	Operation string               // "query" or "mutation"
	Field     *ast.FieldDefinition // the root field the route runs
	// Sub is the field of the entity a KindSub route reads.
	Sub *ast.FieldDefinition
	// ViaNode names the type an item is read as through node(id:), when the
	// schema has no item field for it.
	ViaNode string
	Params  []*Param
	Body    *Body
	Result  Result
	// Collection is the first path segment after the prefix; the OpenAPI
	// tag of the route.
	Collection string
	// Document is the GraphQL operation the route runs, fixed at start-up;
	// a request only supplies its variables.
	Document string
	// Runs is the GraphQL field path the route runs, e.g.
	// query.deal.company or mutation.createDeal.
	Runs string
	// OperationID names the route in the OpenAPI document the way client
	// generators turn into method names: listDeals, getDeal,
	// getCompanyOfDeal, listPaymentsOfProject, createDeal, updateDeal,
	// deleteDeal, addClientContact (see operationName).
	OperationID string
	// created is the type whose item route a 201 answer's Location names.
	created string
	// aliased: Document selects a field under an alias (see selection),
	// which the answer's records are renamed back from.
	aliased bool
}

// ResultKind is the shape of a route's answer.
type ResultKind int

// Result shapes.
const (
	ResultObject     ResultKind = iota // one entity, its scalar fields flat
	ResultList                         // {"items": [...]}
	ResultConnection                   // {"items": [...], "pageInfo": {...}, "totalCount": n}
	ResultValue                        // a mutation's scalar answer, as it is
)

// Result is what a route answers and where it sits in the GraphQL data.
type Result struct {
	Kind ResultKind
	// Type is the entity type: the object itself or the items. It may be a
	// union or an interface, whose members add "__typename".
	Type *ast.Definition
	// Conn is the connection type of a ResultConnection; Nodes is "nodes"
	// or "edges".
	Conn  *ast.Definition
	Nodes string
	// Path leads from data to the value: [contacts], [deal company],
	// [createContact contact].
	Path []string
	// Payload is the field of a mutation's <Type>Payload the answer is.
	Payload string
}

// itemSource is how one entity of a type is read by ID.
type itemSource struct {
	field *ast.FieldDefinition // the item field, or node
	node  bool
}

type builder struct {
	s      *ast.Schema
	coll   map[string]string // type name → collection segment
	items  map[string]itemSource
	routes []*Route
	seen   map[string]*Route // "METHOD path"
	ids    map[string]*Route // operation id
	errs   []string
}

// Build derives the route table from an executable schema. The rules, in
// the order they apply (README, "REST facade"):
//
//  1. Collections: a Query field returning a connection or a list of an
//     object type T → GET /rest/v1/<kebab(field)>; the field is T's
//     collection (the first such field in schema order wins).
//  2. Items: a Query field with the single argument id: ID! returning an
//     object type T → GET /rest/v1/<collection of T>/{id}; without a
//     collection T's is kebab(plural(field)). A type with a collection but
//     no item field is read through node(id:) when it implements the
//     interface node returns.
//  3. Sub-resources: every field of a type with an item route that returns
//     an object, a union, an interface, a list of them or a connection →
//     GET /rest/v1/<collection>/{id}/<kebab(field)>.
//  4. Writes: create<T>/add<T>(input) → POST /<collection of T>;
//     update<T>(id, input) → PATCH /<collection>/{id}; delete<T>/remove<T>(id)
//     → DELETE /<collection>/{id}. <verb><P><C>(<p>Id, [<c>Id], [input])
//     where P has a collection → POST /<coll P>/{id}/<segment of C>,
//     PATCH and DELETE /<coll P>/{id}/<segment of C>/{<c>Id}. Any other
//     mutation → POST /rest/v1/<kebab(mutation)> with one body member per
//     argument. The one input-object argument of a write is its JSON body;
//     other arguments are query parameters.
//
// Arguments become query parameters named as the argument; an input-object
// argument's fields are given as name[field] (name[a][b] when nested).
func Build(s *ast.Schema) ([]*Route, error) {
	if s == nil || s.Query == nil {
		return nil, fmt.Errorf("rest: the schema has no Query type")
	}
	b := &builder{s: s, coll: map[string]string{}, items: map[string]itemSource{}, seen: map[string]*Route{},
		ids: map[string]*Route{OpenAPIOperationID: {Runs: "the OpenAPI document"}}}
	b.collections()
	b.itemRoutes()
	b.subResources()
	if s.Mutation != nil {
		for _, m := range s.Mutation.Fields {
			if !strings.HasPrefix(m.Name, "__") {
				b.mutation(m)
			}
		}
	}
	if len(b.errs) > 0 {
		return nil, fmt.Errorf("rest: conflicting routes:\n%s", strings.Join(b.errs, "\n"))
	}
	return b.routes, nil
}

func (b *builder) add(rt *Route) {
	key := rt.Method + " " + rt.Path
	if old, ok := b.seen[key]; ok {
		b.errs = append(b.errs, fmt.Sprintf("%s: both %s and %s", key, old.Runs, rt.Runs))
		return
	}
	b.seen[key] = rt
	rt.OperationID = operationName(rt)
	if old, ok := b.ids[rt.OperationID]; ok {
		b.errs = append(b.errs, fmt.Sprintf("operation id %s: both %s and %s", rt.OperationID, old.Runs, rt.Runs))
		return
	}
	b.ids[rt.OperationID] = rt
	rt.Collection = strings.SplitN(strings.TrimPrefix(rt.Path, Prefix+"/"), "/", 2)[0]
	rt.Document = document(b.s, rt)
	rt.aliased = strings.Contains(rt.Document, aliasMark)
	b.routes = append(b.routes, rt)
}

func (b *builder) queryFields() []*ast.FieldDefinition {
	var out []*ast.FieldDefinition
	for _, f := range b.s.Query.Fields {
		if !strings.HasPrefix(f.Name, "__") {
			out = append(out, f)
		}
	}
	return out
}

// collections applies rule 1.
func (b *builder) collections() {
	for _, f := range b.queryFields() {
		res, ok := b.resultOf(f.Type)
		// A connection of an interface (a cross-CRM read) is a collection
		// too; a plain list of one (nodes(ids:)) is not.
		if !ok || res.Kind == ResultObject || res.Type.Kind != ast.Object && (res.Type.Kind != ast.Interface || res.Kind != ResultConnection) {
			continue
		}
		seg := kebab(f.Name)
		if _, ok := b.coll[res.Type.Name]; !ok {
			b.coll[res.Type.Name] = seg
		}
		res.Path = []string{f.Name}
		rt := &Route{Method: http.MethodGet, Path: Prefix + "/" + seg, Kind: KindList, Operation: "query",
			Field: f, Result: res, Runs: "query." + f.Name}
		rt.Params = b.queryParams(f.Arguments, 0)
		b.add(rt)
	}
}

// OpenAPIOperationID names the operation that serves the OpenAPI document.
const OpenAPIOperationID = "getOpenAPIDocument"

// operationName is a route's operation id, which client generators turn
// into a method name: a collection is list<Field> (listDeals,
// listDealStageCategories), an item get<Type> (getDeal, getCountry), a
// sub-resource get<Field>Of<Type> for one entity (getCompanyOfDeal,
// getStageOfDeal, which get<Type><Field> would confuse with the item
// getDealStage) or list<Field>Of<Type> for several
// (listPaymentsOfProject), and a write the
// mutation's own name (createDeal, updateDeal, deleteDeal,
// addClientContact).
func operationName(rt *Route) string {
	switch rt.Kind {
	case KindList:
		return "list" + upperFirst(rt.Field.Name)
	case KindItem:
		return "get" + rt.Result.Type.Name
	case KindSub:
		verb := "get"
		if rt.Result.Kind == ResultList || rt.Result.Kind == ResultConnection {
			verb = "list"
		}
		return verb + upperFirst(rt.Sub.Name) + "Of" + pathOwner(rt)
	}
	return rt.Field.Name
}

// isItemField: a single argument id: ID! and an object result.
func (b *builder) isItemField(f *ast.FieldDefinition) (*ast.Definition, bool) {
	if len(f.Arguments) != 1 || f.Arguments[0].Name != "id" || f.Arguments[0].Type.String() != "ID!" || f.Type.Elem != nil {
		return nil, false
	}
	def := b.s.Types[f.Type.NamedType]
	if def == nil || def.Kind != ast.Object || isConnection(b.s, def) {
		return nil, false
	}
	return def, true
}

// itemRoutes applies rule 2.
func (b *builder) itemRoutes() {
	for _, f := range b.queryFields() {
		def, ok := b.isItemField(f)
		if !ok {
			continue
		}
		if _, dup := b.items[def.Name]; dup {
			continue
		}
		if _, ok := b.coll[def.Name]; !ok {
			b.coll[def.Name] = kebab(plural(f.Name))
		}
		b.items[def.Name] = itemSource{field: f}
		rt := &Route{Method: http.MethodGet, Path: b.itemPath(def.Name), Kind: KindItem, Operation: "query",
			Field: f, Result: Result{Kind: ResultObject, Type: def, Path: []string{f.Name}}, Runs: "query." + f.Name}
		rt.Params = []*Param{b.idParam(f.Arguments[0], "id", 0)}
		b.add(rt)
	}
	node := b.s.Query.Fields.ForName("node")
	if node == nil || len(node.Arguments) != 1 || node.Arguments[0].Type.String() != "ID!" || node.Type.Elem != nil {
		return
	}
	iface := b.s.Types[node.Type.NamedType]
	if iface == nil || iface.Kind != ast.Interface {
		return
	}
	for _, t := range b.s.GetPossibleTypes(iface) {
		if _, has := b.coll[t.Name]; !has {
			continue
		}
		if _, has := b.items[t.Name]; has {
			continue
		}
		b.items[t.Name] = itemSource{field: node, node: true}
		rt := &Route{Method: http.MethodGet, Path: b.itemPath(t.Name), Kind: KindItem, Operation: "query",
			Field: node, ViaNode: t.Name, Runs: "query.node." + t.Name,
			Result: Result{Kind: ResultObject, Type: t, Path: []string{node.Name}}}
		rt.Params = []*Param{b.idParam(node.Arguments[0], "id", 0)}
		b.add(rt)
	}
}

func (b *builder) itemPath(typ string) string {
	return Prefix + "/" + b.coll[typ] + "/{id}"
}

// subResources applies rule 3, for every type with an item route, in
// schema order of the item fields.
func (b *builder) subResources() {
	var types []string
	for _, rt := range b.routes {
		if rt.Kind == KindItem {
			types = append(types, rt.Result.Type.Name)
		}
	}
	for _, name := range types {
		def := b.s.Types[name]
		src := b.items[name]
		for _, g := range def.Fields {
			if strings.HasPrefix(g.Name, "__") || g.Name == ProvenanceField {
				continue
			}
			res, ok := b.resultOf(g.Type)
			if !ok {
				continue
			}
			res.Path = []string{src.field.Name, g.Name}
			rt := &Route{Method: http.MethodGet, Path: b.itemPath(name) + "/" + kebab(g.Name), Kind: KindSub,
				Operation: "query", Field: src.field, Sub: g, Result: res,
				Runs: "query." + src.field.Name + "." + g.Name}
			if src.node {
				rt.ViaNode = name
				rt.Runs = "query.node." + name + "." + g.Name
			}
			rt.Params = append([]*Param{b.idParam(src.field.Arguments[0], "id", 0)}, b.queryParams(g.Arguments, 1)...)
			b.add(rt)
		}
	}
}

// mutation applies rule 4 to one mutation field.
func (b *builder) mutation(m *ast.FieldDefinition) {
	verb, rest := splitVerb(m.Name)
	inputs := b.inputArgs(m)
	idArg := m.Arguments.ForName("id")
	isID := func(a *ast.ArgumentDefinition) bool { return a != nil && a.Type.String() == "ID!" }
	rt := &Route{Operation: "mutation", Field: m, Runs: "mutation." + m.Name}
	var ok bool
	if rt.Result, ok = b.resultOf(m.Type); !ok {
		rt.Result = Result{Kind: ResultValue}
	}
	rt.Result.Path = []string{m.Name}
	rt.Result = b.unwrapPayload(rt.Result)

	if seg, ok := b.coll[rest]; ok {
		base := Prefix + "/" + seg
		switch {
		case (verb == "create" || verb == "add") && len(inputs) == 1 && idArg == nil:
			rt.Method, rt.Path, rt.Kind = http.MethodPost, base, KindCreate
			if rt.Result.Type != nil && rt.Result.Type.Name == rest && rt.Result.Kind == ResultObject {
				rt.created = rest
			}
			b.write(rt, inputs[0], nil)
			return
		case verb == "update" && len(inputs) == 1 && isID(idArg):
			rt.Method, rt.Path, rt.Kind = http.MethodPatch, base+"/{id}", KindUpdate
			b.write(rt, inputs[0], map[string]string{"id": "id"})
			return
		case (verb == "delete" || verb == "remove") && len(inputs) == 0 && isID(idArg):
			rt.Method, rt.Path, rt.Kind = http.MethodDelete, base+"/{id}", KindDelete
			b.write(rt, nil, map[string]string{"id": "id"})
			return
		}
	}
	if b.nested(rt, verb, rest, inputs) {
		return
	}
	rt.Method, rt.Path, rt.Kind = http.MethodPost, Prefix+"/"+kebab(m.Name), KindAction
	rt.Body = &Body{}
	for _, a := range m.Arguments {
		rt.Body.Args = append(rt.Body.Args, &Param{Name: a.Name, In: "body", Var: a.Name, Arg: a})
	}
	b.add(rt)
}

// nested routes <verb><P><C>(<p>Id, [<c>Id], [input]) under P's items.
func (b *builder) nested(rt *Route, verb, rest string, inputs []*ast.ArgumentDefinition) bool {
	m := rt.Field
	for _, a := range m.Arguments {
		if a.Name == "id" || !strings.HasSuffix(a.Name, "Id") || a.Type.String() != "ID!" {
			continue
		}
		parent := upperFirst(strings.TrimSuffix(a.Name, "Id"))
		if _, ok := b.items[parent]; !ok || !strings.HasPrefix(rest, parent) || rest == parent {
			continue
		}
		child := rest[len(parent):]
		base := b.itemPath(parent) + "/" + b.childSegment(b.s.Types[parent], rest, child)
		childID := m.Arguments.ForName(lowerFirst(child) + "Id")
		if childID != nil && childID.Type.String() != "ID!" {
			childID = nil
		}
		paths := map[string]string{a.Name: "id"}
		switch {
		case (verb == "create" || verb == "add") && len(inputs) == 1 && childID == nil:
			rt.Method, rt.Path, rt.Kind = http.MethodPost, base, KindCreate
			b.write(rt, inputs[0], paths)
			return true
		case verb == "update" && len(inputs) == 1 && childID != nil:
			paths[childID.Name] = childID.Name
			rt.Method, rt.Path, rt.Kind = http.MethodPatch, base+"/{"+childID.Name+"}", KindUpdate
			b.write(rt, inputs[0], paths)
			return true
		case (verb == "delete" || verb == "remove") && len(inputs) == 0 && childID != nil:
			paths[childID.Name] = childID.Name
			rt.Method, rt.Path, rt.Kind = http.MethodDelete, base+"/{"+childID.Name+"}", KindDelete
			b.write(rt, nil, paths)
			return true
		}
	}
	return false
}

// childSegment names a nested collection after the field of the parent
// that holds it (Client.contacts for ClientContact), else plural(child).
func (b *builder) childSegment(parent *ast.Definition, full, child string) string {
	for _, f := range parent.Fields {
		if f.Type.Name() == full && f.Type.Elem != nil {
			return kebab(f.Name)
		}
	}
	for _, f := range parent.Fields {
		if f.Name == lowerFirst(plural(child)) {
			return kebab(f.Name)
		}
	}
	return kebab(plural(lowerFirst(child)))
}

// write finishes a write route: the body argument, path arguments (arg
// name → path parameter name) and every other argument as a query parameter.
func (b *builder) write(rt *Route, body *ast.ArgumentDefinition, paths map[string]string) {
	var rest ast.ArgumentDefinitionList
	for _, a := range rt.Field.Arguments {
		switch {
		case paths[a.Name] != "":
			rt.Params = append(rt.Params, b.idParam(a, paths[a.Name], 0))
		case a == body:
			rt.Body = &Body{Param: &Param{Name: "body", In: "body", Var: a.Name, Arg: a}}
		default:
			rest = append(rest, a)
		}
	}
	slices.SortStableFunc(rt.Params, func(x, y *Param) int { // path order
		return strings.Index(rt.Path, "{"+x.Name+"}") - strings.Index(rt.Path, "{"+y.Name+"}")
	})
	rt.Params = append(rt.Params, b.queryParams(rest, 0)...)
	b.add(rt)
}

func (b *builder) inputArgs(m *ast.FieldDefinition) []*ast.ArgumentDefinition {
	var out []*ast.ArgumentDefinition
	for _, a := range m.Arguments {
		if d := b.s.Types[a.Type.Name()]; d != nil && d.Kind == ast.InputObject && a.Type.Elem == nil {
			out = append(out, a)
		}
	}
	return out
}

func (b *builder) idParam(a *ast.ArgumentDefinition, name string, level int) *Param {
	return &Param{Name: name, In: "path", Var: varName(a.Name, level), Arg: a, Level: level}
}

func (b *builder) queryParams(args ast.ArgumentDefinitionList, level int) []*Param {
	var out []*Param
	for _, a := range args {
		out = append(out, &Param{Name: a.Name, In: "query", Var: varName(a.Name, level), Arg: a, Level: level})
	}
	return out
}

// varName keeps the sub-resource field's arguments apart from the root's.
func varName(arg string, level int) string {
	if level == 0 {
		return arg
	}
	return "sub_" + arg
}

// resultOf classifies a field type: a connection, a list of composites or
// one composite. Scalars, enums and lists of lists are not resources.
func (b *builder) resultOf(t *ast.Type) (Result, bool) {
	if t.Elem != nil {
		if t.Elem.Elem != nil {
			return Result{}, false
		}
		def := b.s.Types[t.Elem.NamedType]
		if def == nil || !def.IsCompositeType() {
			return Result{}, false
		}
		return Result{Kind: ResultList, Type: def}, true
	}
	def := b.s.Types[t.NamedType]
	if def == nil || !def.IsCompositeType() {
		return Result{}, false
	}
	if def.Kind == ast.Object && isConnection(b.s, def) {
		node, nodes := connectionNode(b.s, def)
		return Result{Kind: ResultConnection, Type: node, Conn: def, Nodes: nodes}, true
	}
	return Result{Kind: ResultObject, Type: def}, true
}

// unwrapPayload answers a mutation's <Type>Payload { <type> } with the
// entity itself.
func (b *builder) unwrapPayload(r Result) Result {
	if r.Type == nil || r.Kind != ResultObject || r.Type.Kind != ast.Object {
		return r
	}
	var fields ast.FieldList
	for _, f := range r.Type.Fields {
		if !strings.HasPrefix(f.Name, "__") {
			fields = append(fields, f)
		}
	}
	if len(fields) != 1 || fields[0].Type.Elem != nil {
		return r
	}
	inner := b.s.Types[fields[0].Type.NamedType]
	if inner == nil || inner.Kind != ast.Object || isConnection(b.s, inner) {
		return r
	}
	return Result{Kind: ResultObject, Type: inner, Path: append(slices.Clip(r.Path), fields[0].Name), Payload: fields[0].Name}
}

// isConnection: a Relay connection has pageInfo and nodes or edges { node }.
func isConnection(s *ast.Schema, def *ast.Definition) bool {
	if def.Fields.ForName("pageInfo") == nil {
		return false
	}
	node, _ := connectionNode(s, def)
	return node != nil
}

func connectionNode(s *ast.Schema, def *ast.Definition) (*ast.Definition, string) {
	if f := def.Fields.ForName("nodes"); f != nil && f.Type.Elem != nil {
		if d := s.Types[f.Type.Elem.NamedType]; d != nil && d.IsCompositeType() {
			return d, "nodes"
		}
	}
	if f := def.Fields.ForName("edges"); f != nil && f.Type.Elem != nil {
		if e := s.Types[f.Type.Elem.NamedType]; e != nil {
			if n := e.Fields.ForName("node"); n != nil && n.Type.Elem == nil {
				if d := s.Types[n.Type.NamedType]; d != nil && d.IsCompositeType() {
					return d, "edges"
				}
			}
		}
	}
	return nil, ""
}

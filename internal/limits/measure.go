package limits

import (
	"math"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Measures of one document, computed without expanding fragments: each
// fragment is measured once per context and its figures are reused
// wherever it is spread, so a document of forty fragments each spreading
// the next twice costs forty small walks, not 2^40. Counts saturate at
// math.MaxInt64.
type Measures struct {
	// Depth is the deepest selection of any operation, fragments expanded;
	// introspection subtrees and __typename add no depth.
	Depth int
	// Fields and Aliases are what the operations select, each fragment
	// counted once per use. Fields leave introspection subtrees out (the
	// introspection rules bound them); Aliases count everywhere.
	Fields, Aliases int64
	// Selections is what validation walks: fields, fragment spreads and
	// inline fragments of every operation and of every fragment definition
	// on its own (validation checks unused fragments too), expanded.
	Selections int64
	// Directives, InputDepth and InputValues are read from the document as
	// written. InputDepth is the deepest nesting of lists and objects in
	// one literal value (an argument's or a variable's default), and
	// InputValues the most values one such literal holds.
	Directives, InputDepth, InputValues int
	// LongestName is the longest name validation may look up in the schema
	// (fields, types, arguments, input fields, enum values, directives):
	// the names its "Did you mean" suggestions are computed for.
	LongestName int
	// Schemas is the largest number of __schema selections in one
	// operation, fragments expanded.
	Schemas int64
	// Introspection describes the first introspection selection that
	// breaks the introspection rules (see introspectionMembers), or is "";
	// IntrospectionMax is the bound it breaks.
	Introspection    string
	IntrospectionMax int
}

// Measure computes the measures of doc. Fragment cycles (which validation
// refuses) are cut where they close, so every figure is finite.
func Measure(doc *ast.QueryDocument) Measures {
	m := newMeasurer(doc)
	var out Measures
	for _, op := range doc.Operations {
		c := m.set(op.SelectionSet, normal)
		out.Fields = sat(out.Fields, c.fields)
		out.Aliases = sat(out.Aliases, c.aliases)
		out.Selections = sat(out.Selections, c.selections)
		out.Depth = max(out.Depth, c.depth)
		out.Schemas = max(out.Schemas, c.schemas)
		if out.Introspection == "" {
			out.Introspection, out.IntrospectionMax = c.introspection, c.introspectionMax
		}
	}
	for _, f := range doc.Fragments {
		var c cost
		if m.frags[f.Name] == f {
			c = m.fragment(f.Name, normal)
		} else { // a duplicate name, which validation refuses; walked on its own
			c = m.set(f.SelectionSet, normal)
		}
		out.Selections = sat(out.Selections, c.selections)
	}
	w := writtenWalker{}
	w.document(doc)
	out.Directives, out.InputDepth, out.InputValues, out.LongestName = w.directives, w.inputDepth, w.inputValues, w.longestName
	return out
}

// Nodes counts the selections, arguments, values, directives and
// definitions of doc as written: the size of the parsed document.
func Nodes(doc *ast.QueryDocument) int {
	w := writtenWalker{}
	w.document(doc)
	return w.nodes
}

// place is where a selection set stands: in the schema's own types, or
// inside introspection before or after a step from a type into its
// members.
type place uint8

const (
	normal place = iota
	introspection
	introspectionMember
)

// introspectionMembers are the __Type fields that list what a type holds.
// Inside introspection one step from a type into its members is allowed
// (types → fields → args → type → ofType…, the shape of every tool's
// introspection query); a second (fields → type → fields) multiplies the
// answer by the schema's size again and is refused.
var introspectionMembers = map[string]bool{
	"fields": true, "inputFields": true, "enumValues": true, "interfaces": true, "possibleTypes": true,
}

// cost is what one selection set adds, fragments expanded.
type cost struct {
	fields, aliases, selections, schemas int64
	depth, introspectionMax              int
	introspection                        string
}

func (c *cost) add(o cost) {
	c.fields = sat(c.fields, o.fields)
	c.aliases = sat(c.aliases, o.aliases)
	c.selections = sat(c.selections, o.selections)
	c.schemas = sat(c.schemas, o.schemas)
	c.depth = max(c.depth, o.depth)
	if c.introspection == "" {
		c.introspection, c.introspectionMax = o.introspection, o.introspectionMax
	}
}

type memoKey struct {
	name string
	ctx  place
}

type measurer struct {
	frags  map[string]*ast.FragmentDefinition
	memo   map[memoKey]cost
	active map[memoKey]bool
}

func newMeasurer(doc *ast.QueryDocument) *measurer {
	m := &measurer{
		frags:  make(map[string]*ast.FragmentDefinition, len(doc.Fragments)),
		memo:   map[memoKey]cost{},
		active: map[memoKey]bool{},
	}
	for _, f := range doc.Fragments {
		if _, dup := m.frags[f.Name]; !dup { // the first of duplicates, as validation does
			m.frags[f.Name] = f
		}
	}
	return m
}

// fragment is the memoised cost of one fragment in one context. A
// fragment reached again while it is being measured closes a cycle and
// adds nothing there.
func (m *measurer) fragment(name string, ctx place) cost {
	k := memoKey{name, ctx}
	if c, ok := m.memo[k]; ok {
		return c
	}
	f := m.frags[name]
	if f == nil || m.active[k] {
		return cost{}
	}
	m.active[k] = true
	c := m.set(f.SelectionSet, ctx)
	delete(m.active, k)
	m.memo[k] = c
	return c
}

func (m *measurer) set(set ast.SelectionSet, ctx place) cost {
	var c cost
	for _, sel := range set {
		c.selections = sat(c.selections, 1)
		switch s := sel.(type) {
		case *ast.Field:
			c.add(m.field(s, ctx))
		case *ast.InlineFragment:
			c.add(m.set(s.SelectionSet, ctx))
		case *ast.FragmentSpread:
			c.add(m.fragment(s.Name, ctx))
		}
	}
	return c
}

func (m *measurer) field(f *ast.Field, ctx place) cost {
	var c cost
	aliased := f.Alias != "" && f.Alias != f.Name
	if aliased {
		c.aliases = 1
	}
	if f.Name == "__schema" {
		c.schemas = 1
	}
	if ctx != normal {
		child := ctx
		switch {
		case aliased:
			c.introspection = "selections inside introspection may not be aliased (\"" + f.Alias + "\")"
		case introspectionMembers[f.Name] && ctx == introspectionMember:
			c.introspection = "introspection may step from a type into its members (fields, inputFields, enumValues, interfaces, possibleTypes) once per path; \"" + f.Name + "\" is a second step"
			c.introspectionMax = 1
		case introspectionMembers[f.Name]:
			child = introspectionMember
		}
		sub := m.set(f.SelectionSet, child)
		sub.fields, sub.depth = 0, 0
		c.add(sub)
		return c
	}
	c.fields = 1
	switch {
	case f.Name == "__schema" || f.Name == "__type":
		sub := m.set(f.SelectionSet, introspection)
		sub.fields, sub.depth = 0, 0
		c.add(sub)
	case strings.HasPrefix(f.Name, "__"): // __typename
	default:
		sub := m.set(f.SelectionSet, normal)
		sub.depth++
		c.add(sub)
	}
	return c
}

// writtenWalker reads the document as written, once.
type writtenWalker struct {
	directives, inputDepth, inputValues, nodes, longestName int
}

func (w *writtenWalker) name(s string) { w.longestName = max(w.longestName, len(s)) }

func (w *writtenWalker) document(doc *ast.QueryDocument) {
	for _, op := range doc.Operations {
		w.nodes++
		for _, v := range op.VariableDefinitions {
			w.nodes++
			w.typeRef(v.Type)
			if v.DefaultValue != nil {
				w.literal(v.DefaultValue)
			}
			w.directiveList(v.Directives)
		}
		w.directiveList(op.Directives)
		w.selections(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		w.nodes++
		w.name(f.TypeCondition)
		w.directiveList(f.Directives)
		w.selections(f.SelectionSet)
	}
}

func (w *writtenWalker) typeRef(t *ast.Type) {
	for ; t != nil; t = t.Elem {
		if t.NamedType != "" {
			w.name(t.NamedType)
		}
	}
}

func (w *writtenWalker) directiveList(list ast.DirectiveList) {
	for _, d := range list {
		w.directives++
		w.nodes++
		w.name(d.Name)
		w.arguments(d.Arguments)
	}
}

func (w *writtenWalker) arguments(list ast.ArgumentList) {
	for _, a := range list {
		w.nodes++
		w.name(a.Name)
		w.literal(a.Value)
	}
}

func (w *writtenWalker) selections(set ast.SelectionSet) {
	for _, sel := range set {
		w.nodes++
		switch s := sel.(type) {
		case *ast.Field:
			w.name(s.Name)
			w.arguments(s.Arguments)
			w.directiveList(s.Directives)
			w.selections(s.SelectionSet)
		case *ast.InlineFragment:
			w.name(s.TypeCondition)
			w.directiveList(s.Directives)
			w.selections(s.SelectionSet)
		case *ast.FragmentSpread:
			w.directiveList(s.Directives)
		}
	}
}

// literal walks one argument's value or one variable's default.
func (w *writtenWalker) literal(v *ast.Value) {
	before := w.nodes
	w.value(v, 0)
	w.inputValues = max(w.inputValues, w.nodes-before)
}

// value walks one literal; depth counts the lists and objects around it.
func (w *writtenWalker) value(v *ast.Value, depth int) {
	w.nodes++
	if v == nil {
		return
	}
	switch v.Kind {
	case ast.EnumValue:
		w.name(v.Raw)
	case ast.ListValue, ast.ObjectValue:
		depth++
		w.inputDepth = max(w.inputDepth, depth)
		for _, ch := range v.Children {
			if v.Kind == ast.ObjectValue {
				w.name(ch.Name)
			}
			w.value(ch.Value, depth)
		}
	}
}

// sat adds without overflowing: a fragment bomb's count pins at the top.
func sat(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

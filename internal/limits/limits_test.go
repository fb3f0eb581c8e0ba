package limits

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

func parse(t testing.TB, q string) *ast.QueryDocument {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: q})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc
}

// bomb is n fragments each spreading the next twice.
func bomb(n int) string {
	var b strings.Builder
	b.WriteString("{ ...F0 }\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { a%d: f ...F%d ...F%d }\n", i, i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Query { x { y } }", n)
	return b.String()
}

// TestMeasureCountsExpansionExactly: a fragment bomb is measured exactly,
// from its fragments alone: fields and aliases double per level, depth
// does not, and a bomb past 2^63 saturates instead of wrapping.
func TestMeasureCountsExpansionExactly(t *testing.T) {
	m := Measure(parse(t, bomb(40)))
	// Level i is reached 2^i times and holds one aliased field; the last
	// fragment (2^40 uses) holds x { y }.
	wantAliases := int64(1)<<40 - 1
	if m.Aliases != wantAliases || m.Fields != wantAliases+2<<40 || m.Depth != 2 {
		t.Fatalf("%+v", m)
	}
	// Selections: the operation's expansion plus each fragment's own.
	if m.Selections <= m.Fields {
		t.Fatalf("selections %d", m.Selections)
	}
	m = Measure(parse(t, bomb(100)))
	if m.Fields != math.MaxInt64 || m.Aliases != math.MaxInt64 || m.Selections != math.MaxInt64 {
		t.Fatalf("%+v", m)
	}
}

// TestMeasureSurvivesCycles: fragments spreading each other in a cycle
// (which validation refuses) are measured in finite time.
func TestMeasureSurvivesCycles(t *testing.T) {
	for _, q := range []string{
		"{ ...A } fragment A on Query { ...A f }",
		"{ ...A } fragment A on Query { ...B ...B } fragment B on Query { ...A ...A g }",
		"{ ...A ...Missing } fragment A on Query { ...B } fragment B on Query { ...C } fragment C on Query { ...A h { i } }",
	} {
		m := Measure(parse(t, q))
		if m.Fields < 1 || m.Fields > 100 || m.Depth < 1 {
			t.Errorf("%q: %+v", q, m)
		}
		if _, ok := FieldPairs(parse(t, q), 1000); !ok {
			t.Errorf("%q: pairs did not finish", q)
		}
	}
}

// naive expands fragments one use at a time, the way the measures are
// defined (and the way the gateway measured before).
type naive struct {
	frags        map[string]*ast.FragmentDefinition
	fields, alis int64
}

func (n *naive) walk(set ast.SelectionSet, depth int, active map[string]bool) int {
	deepest := depth
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			n.fields++
			if s.Alias != s.Name {
				n.alis++
			}
			deepest = max(deepest, n.walk(s.SelectionSet, depth+1, active))
		case *ast.InlineFragment:
			deepest = max(deepest, n.walk(s.SelectionSet, depth, active))
		case *ast.FragmentSpread:
			if f := n.frags[s.Name]; f != nil && !active[s.Name] {
				active[s.Name] = true
				deepest = max(deepest, n.walk(f.SelectionSet, depth, active))
				delete(active, s.Name)
			}
		}
	}
	return deepest
}

// TestMeasureMatchesNaiveExpansion: on random acyclic documents the
// memoised measures equal a plain expansion.
func TestMeasureMatchesNaiveExpansion(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 300; round++ {
		nFrags := 1 + rng.IntN(6)
		var selection func(frag, depth int) string
		selection = func(frag, depth int) string {
			var b strings.Builder
			for k := 0; k < 1+rng.IntN(3); k++ {
				switch r := rng.IntN(5); {
				case r == 0 && frag+1 < nFrags: // fragments spread only later ones: acyclic
					fmt.Fprintf(&b, " ...F%d", frag+1+rng.IntN(nFrags-frag-1))
				case r == 1 && depth < 4:
					fmt.Fprintf(&b, " ... on T {%s }", selection(frag, depth+1))
				case r == 2 && depth < 4:
					fmt.Fprintf(&b, " f%d {%s }", k, selection(frag, depth+1))
				case r == 3:
					fmt.Fprintf(&b, " a%d: g", k)
				default:
					fmt.Fprintf(&b, " h%d", k)
				}
			}
			return b.String()
		}
		var doc strings.Builder
		fmt.Fprintf(&doc, "{%s ...F0 }\n", selection(-1, 0))
		for i := 0; i < nFrags; i++ {
			fmt.Fprintf(&doc, "fragment F%d on T {%s }\n", i, selection(i, 0))
		}
		d := parse(t, doc.String())
		n := &naive{frags: map[string]*ast.FragmentDefinition{}}
		for _, f := range d.Fragments {
			n.frags[f.Name] = f
		}
		depth := n.walk(d.Operations[0].SelectionSet, 0, map[string]bool{})
		m := Measure(d)
		if m.Fields != n.fields || m.Aliases != n.alis || m.Depth != depth {
			t.Fatalf("%s\nmemoised %+v, naive fields %d aliases %d depth %d", doc.String(), m, n.fields, n.alis, depth)
		}
	}
}

func TestMeasureWritten(t *testing.T) {
	m := Measure(parse(t, `query Q($v: [[Int]] = [[1]] @d) @d { f(a: {b: [{c: [1]}]}, e: LONGENUMVALUE) @skip(if: true) { ... on Typ @d { g } ...X @d } }
		fragment X on Typ @d { h }`))
	if m.Directives != 6 || m.InputDepth != 4 || m.InputValues != 5 || m.LongestName != len("LONGENUMVALUE") {
		t.Fatalf("%+v", m)
	}
}

// TestIntrospectionRules: every tool's introspection shape passes; a
// second step from a type into its members, an alias inside introspection,
// or __schema twice in one operation is caught.
func TestIntrospectionRules(t *testing.T) {
	ok := []string{
		`{ __schema { queryType { name } types { ...FullType } directives { name args { ...InputValue } } } }
		 fragment FullType on __Type { kind name fields(includeDeprecated: true) { name args { ...InputValue } type { ...TypeRef } }
		   inputFields { ...InputValue } interfaces { ...TypeRef } enumValues { name } possibleTypes { ...TypeRef } }
		 fragment InputValue on __InputValue { name type { ...TypeRef } defaultValue }
		 fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`,
		`{ contact: __type(name: "Contact") { fields { name type { name kind ofType { name } } } } }`,
		`{ __schema { queryType { fields { name description } } } }`,
		`{ a: __schema { queryType { name } } } query Other { __schema { types { name } } }`,
		// An ordinary field may be called "fields" or "type".
		`{ type { fields { type { fields { x } } } } }`,
	}
	for _, q := range ok {
		if m := Measure(parse(t, q)); m.Introspection != "" || m.Schemas > 1 {
			t.Errorf("%q: %+v", q, m)
		}
	}
	bad := map[string]int{
		`{ __schema { types { fields { type { fields { name } } } } } }`:               1,
		`{ __type(name: "Node") { possibleTypes { fields { name } } } }`:               1,
		`{ __schema { types { ...T } } } fragment T on __Type { interfaces { ...T } }`: 1,
		`{ __schema { types { fields { args { type { inputFields { name } } } } } } }`: 1,
		`{ __schema { t1: types { name } t2: types { name } } }`:                       0,
		`{ ...F } fragment F on Query { __type(name: "X") { f: fields { name } } }`:    0,
	}
	for q, max := range bad {
		m := Measure(parse(t, q))
		if m.Introspection == "" || m.IntrospectionMax != max {
			t.Errorf("%q: %+v", q, m)
		}
	}
	if m := Measure(parse(t, `{ a: __schema { queryType { name } } b: __schema { queryType { name } } }`)); m.Schemas != 2 {
		t.Errorf("%+v", m)
	}
	if m := Measure(parse(t, `{ ...F ...F } fragment F on Query { __schema { queryType { name } } }`)); m.Schemas != 2 {
		t.Errorf("%+v", m)
	}
}

func TestFieldPairs(t *testing.T) {
	for q, want := range map[string]int64{
		"{ a b c }":                               0,
		"{ a a a }":                               3,
		"{ x: a x: b }":                           1,
		"{ a { b } a { b b } }":                   1 + 3,
		"{ ...F ...F } fragment F on Q { a }":     1, // the operation's pair; the fragment alone has none
		"{ ... on Q { a } ... on R { a } a }":     3,
		"{ a } fragment U on Q { b b b b }":       6,
		"{ n { a } } fragment F on Q { n { a } }": 0,
	} {
		got, ok := FieldPairs(parse(t, q), 1000)
		if !ok || got != want {
			t.Errorf("%q: %d pairs (ok %v), want %d", q, got, ok, want)
		}
	}
	if _, ok := FieldPairs(parse(t, bomb(30)), 10000); ok {
		t.Error("a bomb must exhaust the steps")
	}
}

func TestJSONShape(t *testing.T) {
	for _, tc := range []struct {
		json          string
		depth, values int
	}{
		{`{}`, 1, 1},
		{`{"a":1,"b":"x","c":null}`, 1, 4},
		{`{"a":[1,2,[3,{"b":true}]]}`, 4, 8},
		{`{"a":"[[[{{{\"","b":[]}`, 2, 3},
		{`{"k":{"k":{"k":{}}}}`, 4, 4},
	} {
		d, v := jsonShape([]byte(tc.json), 100, 100)
		if d != tc.depth || v != tc.values {
			t.Errorf("%s: depth %d values %d, want %d %d", tc.json, d, v, tc.depth, tc.values)
		}
	}
	// It stops as soon as a bound is crossed.
	if d, _ := jsonShape([]byte(`{"a":`+strings.Repeat("[", 1000)), 10, 1<<20); d != 11 {
		t.Errorf("depth %d", d)
	}
	if _, v := jsonShape([]byte(`[`+strings.Repeat("1,", 1000)), 100, 10); v != 11 {
		t.Errorf("values %d", v)
	}
}

var testSchema = gqlparser.MustLoadSchema(&ast.Source{Name: "test.graphqls", Input: `
	type Query { contacts(first: Int): [Contact] contact(id: ID!): Contact companies: [Company] deals: [Deal] }
	type Contact { id: ID! firstName: String lastName: String }
	type Company { id: ID! name: String }
	type Deal { id: ID! name: String }
`})

// TestValidateIsBounded: validation stops at MaxValidationErrors and
// offers suggestions only for small mistakes.
func TestValidateIsBounded(t *testing.T) {
	check := func(q string, suggest bool) gqlerror.List {
		doc := parse(t, q)
		return Validate(testSchema, doc, Measure(doc), suggest)
	}
	errs := check("{ contactz { id } }", true)
	if len(errs) != 1 || !strings.Contains(errs[0].Message, `Did you mean "contacts" or "contact"?`) {
		t.Fatalf("%v", errs)
	}
	if errs[0].Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
		t.Fatalf("%v", errs[0].Extensions)
	}
	if errs := check("{ contactz { id } }", false); len(errs) != 1 || strings.Contains(errs[0].Message, "Did you mean") {
		t.Fatalf("suggestions off: %v", errs)
	}
	many := "{" + strings.Repeat(" contactz { id }", maxSuggestedErrors+1) + " }"
	for _, e := range check(many, true) {
		if strings.Contains(e.Message, "Did you mean") {
			t.Fatalf("a suggestion among %d errors: %q", maxSuggestedErrors+1, e.Message)
		}
	}
	long := "{ contactz" + strings.Repeat("z", maxSuggestedName) + " }"
	if errs := check(long, true); len(errs) != 1 || strings.Contains(errs[0].Message, "Did you mean") {
		t.Fatalf("long name: %v", errs)
	}
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&b, " c%d", i)
	}
	b.WriteString(" }")
	errs = check(b.String(), true)
	if len(errs) != MaxValidationErrors || !strings.Contains(errs[len(errs)-1].Message, "validation stopped after 100 errors") {
		t.Fatalf("%d errors, last %q", len(errs), errs[len(errs)-1].Message)
	}
	if errs := check("{ contacts(first: 1) { id firstName } deals { name } }", true); len(errs) != 0 {
		t.Fatalf("valid: %v", errs)
	}
}

// memCache is a graphql.Cache for the extension's tests.
type memCache map[string]*ast.QueryDocument

func (c memCache) Get(_ context.Context, k string) (*ast.QueryDocument, bool) {
	d, ok := c[k]
	return d, ok
}
func (c memCache) Add(_ context.Context, k string, d *ast.QueryDocument) { c[k] = d }

// TestExtension: refusals carry the limit and its bound, validation errors
// travel whole through the single error a mutator may return, and a valid
// document is cached for gqlgen, after which it is not looked at again.
func TestExtension(t *testing.T) {
	cache := memCache{}
	e := New(Config{MaxAliases: 2}, testSchema, cache)
	run := func(q string) gqlerror.List {
		err := e.MutateOperationParameters(context.Background(), &graphql.RawParams{Query: q})
		if err == nil {
			return nil
		}
		return Errors(gqlerror.List{err})
	}
	if errs := run("{ a: contacts { id } b: deals { id } c: companies { id } }"); len(errs) != 1 ||
		errs[0].Extensions["limit"] != "aliases" || errs[0].Extensions["max"] != 2 || errs[0].Extensions["code"] != "QUERY_TOO_COMPLEX" {
		t.Fatalf("%v", errs)
	}
	if errs := run("{ x y z }"); len(errs) != 3 {
		t.Fatalf("%v", errs)
	}
	if errs := run("{ contacts { id "); len(errs) != 1 || errs[0].Extensions["code"] != "GRAPHQL_PARSE_FAILED" {
		t.Fatalf("%v", errs)
	}
	q := "{ contacts { id } }"
	if errs := run(q); errs != nil || cache[q] == nil {
		t.Fatalf("%v", errs)
	}
	op := &graphql.OperationContext{}
	ctx := graphql.WithOperationContext(context.Background(), op)
	if err := e.MutateOperationParameters(ctx, &graphql.RawParams{Query: "{ deals { id } }"}); err != nil {
		t.Fatal(err)
	}
	if tm := TimingOf(op); tm == nil || tm.Parsing.End.Before(tm.Parsing.Start) || tm.Validation.Start.Before(tm.Parsing.End) || tm.Validation.End.IsZero() {
		t.Fatalf("timing %+v", tm)
	}
	if err := (&Extension{cfg: e.cfg, cache: cache}).MutateOperationParameters(context.Background(), &graphql.RawParams{Query: q}); err != nil {
		t.Fatal(err) // no schema: had it been validated again, this would fail
	}
	if errs := run(strings.Repeat("{ a } ", DefaultMaxTokens)); len(errs) != 1 || errs[0].Extensions["limit"] != "tokens" {
		t.Fatalf("%v", errs)
	}
	if err := e.CheckInput("variables", []byte(`{"a":`+strings.Repeat("[", 40)+strings.Repeat("]", 40)+`}`)); err == nil || err.Extensions["limit"] != "inputDepth" {
		t.Fatalf("%v", err)
	}
	if err := e.CheckInput("variables", []byte(`{"ids":[`+strings.Repeat(`"x",`, DefaultMaxInputValues)+`"x"]}`)); err == nil || err.Extensions["limit"] != "inputValues" {
		t.Fatalf("%v", err)
	}
	if err := e.CheckInput("variables", []byte(`{"ids":["x","y"]}`)); err != nil {
		t.Fatal(err)
	}
}

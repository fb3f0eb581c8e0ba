package httpserver

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

func TestBoundErrors(t *testing.T) {
	at := func(line int) []gqlerror.Location { return []gqlerror.Location{{Line: line, Column: 1}} }
	t.Run("identical errors merge their locations", func(t *testing.T) {
		var list gqlerror.List
		for i := 1; i <= 30; i++ {
			list = append(list, &gqlerror.Error{Message: "twice", Locations: at(i), Extensions: map[string]any{"code": "X"}})
		}
		list = append(list, &gqlerror.Error{Message: "twice", Locations: at(99), Extensions: map[string]any{"code": "Y"}})
		kept, omitted := boundErrors(list)
		if len(kept) != 2 || len(kept[0].Locations) != maxLocations || omitted != 29 {
			t.Fatalf("%d kept, %d locations, %d omitted", len(kept), len(kept[0].Locations), omitted)
		}
		if len(list[0].Locations) != 1 {
			t.Fatal("the caller's error was changed")
		}
	})
	t.Run("errors at different paths stay apart, up to the cap", func(t *testing.T) {
		var list gqlerror.List
		for i := 0; i < 250; i++ {
			list = append(list, &gqlerror.Error{Message: "failed", Path: ast.Path{ast.PathName(fmt.Sprintf("a%d", i))}})
		}
		kept, omitted := boundErrors(list)
		if len(kept) != maxErrors || omitted != 150 || kept[99].Path.String() != "a99" {
			t.Fatalf("%d kept, %d omitted", len(kept), omitted)
		}
	})
	t.Run("long messages are cut on a character boundary", func(t *testing.T) {
		msg := strings.Repeat("я", maxMessageBytes)
		kept, _ := boundErrors(gqlerror.List{{Message: msg}})
		if got := kept[0].Message; len(got) > maxMessageBytes+len("…") || !strings.HasSuffix(got, "…") || !strings.HasPrefix(msg, strings.TrimSuffix(got, "…")) {
			t.Fatalf("%d bytes: %q", len(got), got[len(got)-10:])
		}
	})
	t.Run("short lists pass untouched", func(t *testing.T) {
		list := gqlerror.List{{Message: "one"}}
		if kept, omitted := boundErrors(list); kept[0] != list[0] || omitted != 0 {
			t.Fatal("changed")
		}
	})
}

// TestIntrospectionCache: an introspection operation is executed once per
// document, operation name and variables; other operations, and answers
// with errors, never come from the cache.
func TestIntrospectionCache(t *testing.T) {
	var counted []string
	c := newIntrospectionCache(func(r string) { counted = append(counted, r) })
	executed := 0
	run := func(query, name string, vars map[string]any, answer *graphql.Response) *graphql.Response {
		doc, err := parser.ParseQuery(&ast.Source{Input: query})
		if err != nil {
			t.Fatal(err)
		}
		op := &graphql.OperationContext{RawQuery: query, OperationName: name, Doc: doc,
			Operation: doc.Operations.ForName(name), Variables: vars}
		ctx := graphql.WithOperationContext(context.Background(), op)
		return c.InterceptResponse(ctx, func(context.Context) *graphql.Response {
			executed++
			r := *answer
			return &r
		})
	}
	data := &graphql.Response{Data: []byte(`{"__schema":{"queryType":{"name":"Query"}}}`)}
	q := "{ __schema { queryType { name } } }"
	first, second := run(q, "", nil, data), run(q, "", nil, data)
	if executed != 1 || string(first.Data) != string(second.Data) || string(second.Data) != string(data.Data) {
		t.Fatalf("executed %d times: %s / %s", executed, first.Data, second.Data)
	}
	if strings.Join(counted, ",") != "miss,hit" {
		t.Fatalf("counted %v", counted)
	}
	typeQuery := "query($n: String!) { __type(name: $n) { name } }"
	for _, tc := range []struct {
		query, name string
		vars        map[string]any
	}{
		{typeQuery, "", map[string]any{"n": "A"}},
		{typeQuery, "", map[string]any{"n": "B"}},
		{"query A { __schema { queryType { name } } } query B { __typename }", "A", nil},
		{"{ ...F } fragment F on Query { __schema { queryType { name } } }", "", nil},
	} {
		before := executed
		run(tc.query, tc.name, tc.vars, data)
		run(tc.query, tc.name, tc.vars, data)
		if executed != before+1 {
			t.Fatalf("%s %v: executed %d times", tc.query, tc.vars, executed-before)
		}
	}
	for _, tc := range []struct{ query, name string }{
		{"{ __typename }", ""},
		{"{ __schema { queryType { name } } contacts { id } }", ""},
		{"query A { __schema { queryType { name } } } query B { __typename }", "B"},
		{"mutation { __typename }", ""},
	} {
		before := executed
		run(tc.query, tc.name, nil, data)
		run(tc.query, tc.name, nil, data)
		if executed != before+2 {
			t.Fatalf("%s: executed %d times, want every time", tc.query, executed-before)
		}
	}
	before := executed
	failing := &graphql.Response{Data: []byte(`{"__type":null}`), Errors: gqlerror.List{{Message: "boom"}}}
	run(`{ __type(name: "X") { name } }`, "", nil, failing)
	run(`{ __type(name: "X") { name } }`, "", nil, failing)
	if executed != before+2 {
		t.Fatal("an answer with errors was cached")
	}
}

// TestReadBodyOnce: the transport takes the bytes limitBody has read.
func TestReadBodyOnce(t *testing.T) {
	var seen []byte
	h := limitBody(1<<20, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		seen, _ = bodyBytes(r)
	}))
	body := strings.Repeat("x", 5000)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body)))
	if string(seen) != body {
		t.Fatalf("read %d bytes", len(seen))
	}
	got, err := readAll(strings.NewReader(body), 10) // a Content-Length that lies
	if err != nil || string(got) != body {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
}

// TestIsNotQuery: the token-level reading of a GET document picks the
// operation as the parser would.
func TestIsNotQuery(t *testing.T) {
	tr := httpTransport{tokenLimit: 1000}
	for _, tc := range []struct {
		doc, op string
		want    bool
	}{
		{"{ a }", "", false},
		{"query { a }", "", false},
		{"mutation { a }", "", true},
		{"subscription S { a }", "", true},
		{"mutation M($v: In = {x: [1, {y: 2}]}) @d(a: {b: 1}) { a(x: {y: 1}) { b } }", "", true},
		{"query Q { a } mutation M { b }", "", false}, // ambiguous: validation answers
		{"query Q { a } mutation M { b }", "M", true},
		{"query Q { a } mutation M { b }", "Q", false},
		{"mutation M { b } query { a }", "", false},
		{"fragment F on Mutation { a } mutation { ...F }", "", true},
		{"fragment F on Query { mutation } { ...F }", "", false},
		{"# mutation\n{ a }", "", false},
		{"mutation { a", "", false}, // a syntax error: gqlgen reports it
		{"mutation ( { a }", "", false},
		{"} mutation { a }", "", false},
		{`query { a(s: "mutation") }`, "", false},
	} {
		doc, err := parser.ParseQuery(&ast.Source{Input: tc.doc})
		parsed := false
		if err == nil {
			if op := doc.Operations.ForName(tc.op); op != nil {
				parsed = op.Operation != ast.Query
			}
		}
		if got := tr.isNotQuery(tc.doc, tc.op); got != tc.want || (err == nil && got != parsed) {
			t.Errorf("%q %q: %v, want %v (parser: %v)", tc.doc, tc.op, got, tc.want, parsed)
		}
	}
}

// FuzzIsNotQuery: on any document the parser accepts, the token-level
// reading agrees with the parsed one.
func FuzzIsNotQuery(f *testing.F) {
	for _, s := range []string{"{ a }", "mutation M { b } query Q { a }", "query($v: [In] = [{a: 1}]) @d { a }", "fragment F on T { a } subscription { ...F }"} {
		f.Add(s, "")
		f.Add(s, "M")
	}
	tr := httpTransport{tokenLimit: 10000}
	f.Fuzz(func(t *testing.T, q, name string) {
		doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: q}, 10000)
		if err != nil {
			return
		}
		want := false
		if op := doc.Operations.ForName(name); op != nil {
			want = op.Operation != ast.Query
		}
		if got := tr.isNotQuery(q, name); got != want {
			t.Fatalf("%q %q: %v, parser %v", q, name, got, want)
		}
	})
}

// TestParamsFromBodyChecksInput: variables and extensions are measured
// before they are read, and a request over a limit is refused there; one
// within the limits is decoded as usual.
func TestParamsFromBodyChecksInput(t *testing.T) {
	var checked []string
	check := func(name string, raw []byte) *gqlerror.Error {
		checked = append(checked, name)
		if strings.HasPrefix(string(raw), `{"big"`) {
			return &gqlerror.Error{Message: "too big"}
		}
		return nil
	}
	p, msg, refusal := paramsFromBody([]byte(`{"query":"{ a }","variables":{"n":1},"Extensions":{"e":true}}`), check)
	if msg != "" || refusal != nil || p.Variables["n"] == nil || p.Extensions["e"] != true {
		t.Fatalf("%v %q %v", p, msg, refusal)
	}
	if strings.Join(checked, ",") != "variables,extensions" {
		t.Fatalf("checked %v", checked)
	}
	// Refused where it is measured: what follows is not read.
	_, msg, refusal = paramsFromBody([]byte(`{"query":"{ a }","variables":{"big":[1,2,3]}, "rest": not json`), check)
	if refusal == nil || msg != "" {
		t.Fatalf("%q %v", msg, refusal)
	}
	// Malformed before the limit is reached: a malformed request.
	_, msg, refusal = paramsFromBody([]byte(`{"query":"{ a }" x, "variables":{"big":[1]}}`), check)
	if refusal != nil || !strings.Contains(msg, "not valid JSON") {
		t.Fatalf("%q %v", msg, refusal)
	}
}

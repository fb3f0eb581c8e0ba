package graph

import (
	"bytes"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
)

// TestCompiledServesWhatItPlans: the compiled executor plans the shared
// benchmark's scenarios and what is like them, and leaves the rest to
// gqlgen (the differential tests in the root package hold the answers
// equal).
func TestCompiledServesWhatItPlans(t *testing.T) {
	schema := (&Resolver{}).Schema().Schema()
	for _, c := range []struct {
		query    string
		compiled bool
	}{
		{`{ countries { name } }`, true},
		{`{ deals(first: 50) { nodes { name } } }`, true},
		{`{ deals(first: 50) { nodes { name company { name } contact { firstName } stage { name } status { name } } } }`, true},
		{`query($id: ID!) { deal(id: $id) { name company { contacts { deals { name } } } } }`, true},
		{`{ contracts { nodes { firstParty { ... on Company { name } } } pageInfo { endCursor } totalCount } __typename }`, true},
		{`{ deals(first: 2) { nodes { name } } projects(first: 1) { nodes { name } } }`, false},
		{`{ countries { cities { name } } }`, false},
		{`{ cities(countryId: "x") { id name } streets(cityId: "y") { postCode } }`, true},
		{`{ cities(countryId: "x") { country { name } } }`, false},
		{`{ node(id: "x") { id } }`, false},
		{`{ __schema { queryType { name } } }`, false},
		{`mutation { deleteDeal(id: "x") { deletedId } }`, false},
	} {
		doc, errs := gqlparser.LoadQueryWithRules(schema, c.query, nil)
		if errs != nil {
			t.Fatalf("%s: %v", c.query, errs)
		}
		opCtx := &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0], Variables: map[string]any{}}
		if got := compilePlan(opCtx) != nil; got != c.compiled {
			t.Errorf("%s: compiled %v, want %v", c.query, got, c.compiled)
		}
	}
}

// FuzzStringLikeGQLGen: the compiled executor quotes every string exactly
// as gqlgen's MarshalString does, invalid UTF-8 and control characters
// included.
func FuzzStringLikeGQLGen(f *testing.F) {
	for _, s := range []string{"", "Сделка №1", "a\"b\\c\n\t\r\x00\x1f", "\xff\xfe<>&", "\u2028", "x\xe2\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		graphql.MarshalString(s).MarshalGQL(&want)
		var w jsonWriter
		w.str(s)
		if string(w.buf) != want.String() {
			t.Fatalf("%q: %q, gqlgen writes %q", s, w.buf, want.String())
		}
	})
}

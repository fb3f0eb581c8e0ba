package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/crmgateway/gateway/adapters/synergy/emulator"
	"github.com/crmgateway/gateway/internal/config"
	"github.com/crmgateway/gateway/internal/globalid"
	spec "github.com/crmgateway/gateway/internal/synergyspec"
)

// relSelection selects sourceId of every relationship of r.
func relSelection(r spec.Resource) string {
	var b strings.Builder
	for _, x := range r.Rels {
		inner := "sourceId"
		if len(x.Targets) > 1 {
			inner = "... on Company { sourceId } ... on Contact { sourceId } __typename"
		}
		fmt.Fprintf(&b, " %s { %s }", spec.Camel(x.Key), inner)
	}
	return b.String()
}

func refsOf(v any) []emulator.Ref {
	var out []emulator.Ref
	add := func(m map[string]any) {
		typ := ""
		switch m["__typename"] {
		case "Company":
			typ = "companies"
		case "Contact":
			typ = "contacts"
		}
		out = append(out, emulator.Ref{Type: typ, ID: m["sourceId"].(string)})
	}
	switch x := v.(type) {
	case map[string]any:
		add(x)
	case []any:
		for _, e := range x {
			add(e.(map[string]any))
		}
	}
	return out
}

// TestSynergyEveryRelationship resolves every relationship of every type
// against the emulator's linkage, both with include planning (one request
// per page) and through the related-resources fallback.
func TestSynergyEveryRelationship(t *testing.T) {
	for _, naive := range []bool{false, true} {
		emu, g := startSynergy(t, nil)
		g.App.Resolver.NaiveRelationships = naive
		for _, r := range spec.Resources {
			if r.List == "" || len(r.Rels) == 0 {
				continue
			}
			t.Run(fmt.Sprintf("%s/naive=%v", r.Type, naive), func(t *testing.T) {
				emu.Reset()
				q := fmt.Sprintf(`{ %s(first: 6) { nodes { sourceId %s } } }`, r.List, relSelection(r))
				resp := g.gql(t, q, nil)
				resp.mustData(t)
				page := decodeField[listData](t, resp, r.List)
				linked := 0
				for _, n := range page.Nodes {
					id := n["sourceId"].(string)
					for _, x := range r.Rels {
						want := emu.Linkage(r.Type, id, x.Key)
						got := refsOf(n[spec.Camel(x.Key)])
						if len(x.Targets) == 1 {
							for i := range got {
								got[i].Type = x.Targets[0]
							}
						}
						if !slices.Equal(got, want) {
							t.Errorf("%s %s.%s = %v, emulator links %v", r.Type, id, x.Key, got, want)
						}
						linked += len(want)
					}
				}
				if !naive && emu.Count() != 1 {
					t.Errorf("%d upstream requests, want 1 (everything included)", emu.Count())
				}
				if linked == 0 {
					t.Errorf("no linked resources among the first page: the test proves nothing")
				}
			})
		}
	}
}

func TestSynergyNeverNPlusOne(t *testing.T) {
	emu, g := startSynergy(t, nil)
	t.Run("50 deals with five relationships cost one request", func(t *testing.T) {
		emu.Reset()
		r := g.gql(t, `{ deals(first: 50) { nodes { name company { name } contact { firstName } stage { name } status { name } source { extra } } } }`, nil)
		r.mustData(t)
		if n := emu.Count(); n != 1 {
			t.Fatalf("%d upstream requests, want 1", n)
		}
		q := emu.Requests()[0].Query
		if inc := q.Get("include"); inc != "company,contact,source,stage,status" {
			t.Fatalf("include = %q", inc)
		}
		// Only what the query selects is asked for; extra (what no field maps) means everything.
		if f := q.Get("fields[deals]"); f != "name,company,contact,stage,source,status" {
			t.Fatalf("fields[deals] = %q", f)
		}
		if f := q.Get("fields[companies]"); f != "name" {
			t.Fatalf("fields[companies] = %q", f)
		}
		if _, ok := q["fields[sources]"]; ok {
			t.Fatalf("sources' extra is selected, yet fields[sources] = %q", q.Get("fields[sources]"))
		}
	})
	t.Run("two levels cost at most one request per level", func(t *testing.T) {
		emu.Reset()
		r := g.gql(t, `{ deals(first: 30) { nodes { company { name contacts { firstName deals { name } } } } } }`, nil)
		r.mustData(t)
		if n := emu.Count(); n > 3 {
			t.Fatalf("%d upstream requests for three levels", n)
		}
		if !strings.Contains(r.Raw, `"contacts":[{`) {
			t.Fatalf("no nested contacts: %s", r.Raw)
		}
	})
	t.Run("the same entity twice is fetched once", func(t *testing.T) {
		id := globalid.Encode("synergy", "contacts", emu.IDs("contacts")[0])
		other := globalid.Encode("synergy", "contacts", emu.IDs("contacts")[1])
		emu.Reset()
		r := g.gql(t, `query($a: ID!, $b: ID!) { x: contact(id: $a) { firstName } y: contact(id: $a) { firstName } nodes(ids: [$a, $a, $b]) { id } }`,
			map[string]any{"a": id, "b": other})
		r.mustData(t)
		seen := map[string]int{}
		for _, req := range emu.Requests() {
			seen[req.Path]++
		}
		for p, n := range seen {
			if n > 1 {
				t.Fatalf("%s fetched %d times (%v)", p, n, seen)
			}
		}
	})
	t.Run("deeper than the include plan batches through loaders", func(t *testing.T) {
		emu.Reset()
		r := g.gql(t, `{ deals(first: 10) { nodes { company { contacts { companies { status { name } } } } } } }`, nil)
		r.mustData(t)
		paths := map[string]int{}
		for _, req := range emu.Requests() {
			paths[req.Method+" "+req.Path+"?"+req.Query.Encode()]++
		}
		for p, n := range paths {
			if n > 1 {
				t.Fatalf("%s requested %d times", p, n)
			}
		}
	})
}

// TestSynergyDegradesWithoutNestedIncludeOrFieldsets: against a server that
// refuses nested include paths and sparse fieldsets (neither is in the
// docs), answers stay correct, the refusal is remembered, and the missing
// linkage comes through the related-resources endpoint without repeats.
func TestSynergyDegradesWithoutNestedIncludeOrFieldsets(t *testing.T) {
	full, gFull := startSynergy(t, nil)
	q := `{ deals(first: 10) { nodes { name company { name contacts { firstName } } stage { name } } } }`
	want := gFull.gql(t, q, nil)
	want.mustData(t)
	if full.Count() != 1 {
		t.Fatalf("a capable server answers in %d requests", full.Count())
	}

	emu := emulator.New(emulator.Options{Token: synergyTestToken, FlatIncludeOnly: true, NoSparseFieldsets: true})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	cfg := config.Defaults()
	cfg.Synergy.BaseURL, cfg.Synergy.Token = srv.URL+"/api/v1", synergyTestToken
	g := startGateway(t, cfg)
	for round := 0; round < 2; round++ {
		emu.Reset()
		got := g.gql(t, q, nil)
		got.mustData(t)
		if string(got.Data) != string(want.Data) {
			t.Fatalf("round %d: answers differ:\n%s\n%s", round, got.Data, want.Data)
		}
		seen := map[string]int{}
		for _, r := range emu.Requests() {
			key := r.Path + "?" + r.Query.Encode()
			seen[key]++
			if seen[key] > 1 {
				t.Fatalf("round %d: %s sent twice", round, key)
			}
			if round == 1 && (strings.Contains(r.Query.Get("include"), ".") || strings.Contains(r.Query.Encode(), "fields%5B")) {
				t.Fatalf("the refusal was not remembered: %s", key)
			}
		}
		if round == 1 && len(emu.Requests()) > 11 {
			t.Fatalf("%d requests: one list plus one per company at most", len(emu.Requests()))
		}
	}
}

// TestSynergyLinkageToTheWrongType: a relationship whose linkage names a
// resource of a type it cannot hold is an UPSTREAM_ERROR on that field,
// whether the target came in the same answer (held by the request when the
// relationship is resolved) or not, through both executors.
func TestSynergyLinkageToTheWrongType(t *testing.T) {
	const page = `{"data":[` +
		`{"type":"deals","id":"1","attributes":{"name":"held"},"relationships":{"company":{"data":{"type":"users","id":"9"}}}},` +
		`{"type":"deals","id":"2","attributes":{"name":"right"},"relationships":{"company":{"data":{"type":"companies","id":"5"}}}}],` +
		`"included":[{"type":"users","id":"9","attributes":{"name":"a user"}},{"type":"companies","id":"5","attributes":{"name":"a company"}}]}`
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.api+json")
		_, _ = io.WriteString(w, page)
	}))
	t.Cleanup(stub.Close)
	cfg := config.Defaults()
	cfg.Synergy.BaseURL, cfg.Synergy.Token = stub.URL+"/api/v1", "wrong-type-token"
	g := startGateway(t, cfg)
	for _, general := range []bool{false, true} {
		g.App.Resolver.GeneralOnly = general
		r := g.gql(t, `{ deals(first: 2) { nodes { name company { name } } } }`, nil)
		want := `{"deals":{"nodes":[{"name":"held","company":null},{"name":"right","company":{"name":"a company"}}]}}`
		if string(r.Data) != want {
			t.Fatalf("general executor %v: data %s, want %s", general, r.Data, want)
		}
		if len(r.Errors) != 1 || r.codes()[0] != "UPSTREAM_ERROR" || !strings.Contains(r.Errors[0].Message, "linked company to a users") {
			t.Fatalf("general executor %v: errors %s", general, r.Raw)
		}
	}
}

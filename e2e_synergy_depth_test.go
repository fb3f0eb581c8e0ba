package main

import (
	"strings"
	"testing"

	"github.com/crmgateway/gateway/internal/globalid"
)

// TestSynergyDeeperThanTheIncludePlan: relationships below the include
// plan's three levels cost one more request for the next three levels (the
// root read again with the deeper paths included), never one per parent,
// and answer exactly what one relationship read per parent answers.
func TestSynergyDeeperThanTheIncludePlan(t *testing.T) {
	emu, g := startSynergy(t, nil)
	naiveEmu, naive := startSynergy(t, nil)
	naive.App.Resolver.NaiveRelationships = true
	dealID := globalid.Encode("synergy", "deals", emu.IDs("deals")[0])
	cases := []struct {
		name, query string
		vars        map[string]any
		requests    int
		reread      string // include of the second request
	}{
		{"a fourth level", `{ deals(first: 10) { nodes { name company { contacts { companies { status { name } } } } } } }`, nil,
			2, "company.contacts.companies.status"},
		{"a sixth level", `{ deals(first: 5) { nodes { company { contacts { companies { contacts { companies { name status { name } } } } } } } } }`, nil,
			2, "company.contacts.companies.contacts,company.contacts.companies.contacts.companies,company.contacts.companies.contacts.companies.status"},
		{"a fourth level under a read by id", `query($id: ID!) { deal(id: $id) { company { contacts { companies { status { name } } } } } }`,
			map[string]any{"id": dealID}, 2, "company.contacts.companies.status"},
		{"a fourth level under node(id:)", `query($id: ID!) { node(id: $id) { ... on Deal { company { contacts { companies { companyType { name } } } } } } }`,
			map[string]any{"id": dealID}, 2, "company.contacts.companies.company-type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			emu.Reset()
			got := g.gql(t, c.query, c.vars)
			got.mustData(t)
			reqs := emu.Requests()
			if len(reqs) != c.requests {
				for _, r := range reqs {
					t.Logf("%s %s?%s", r.Method, r.Path, r.Query.Encode())
				}
				t.Fatalf("%d upstream requests, want %d", len(reqs), c.requests)
			}
			if inc := reqs[len(reqs)-1].Query.Get("include"); inc != c.reread {
				t.Errorf("second request includes %q, want %q", inc, c.reread)
			}
			if reqs[0].Path != reqs[len(reqs)-1].Path {
				t.Errorf("the deeper levels were read from %s, not the root %s", reqs[len(reqs)-1].Path, reqs[0].Path)
			}
			naiveEmu.Reset()
			want := naive.gql(t, c.query, c.vars)
			want.mustData(t)
			if string(got.Data) != string(want.Data) {
				t.Fatalf("answers differ:\nplanned %s\n  naive %s", got.Data, want.Data)
			}
			if n := naiveEmu.Count(); n <= c.requests {
				t.Fatalf("the naive strategy took %d requests: the query does not reach below the plan", n)
			}
			if !strings.Contains(string(got.Data), `"name"`) {
				t.Fatalf("nothing named at the deepest level: %s", got.Data)
			}
		})
	}
}

package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	solosemu "github.com/crmgateway/gateway/adapters/solos/emulator"
)

// TestObjectForAnyScalarIsBadUserInput: an input object ({}) where a
// scalar or enum is expected, as a literal or a variable, through GraphQL
// or REST, is BAD_USER_INPUT naming the argument or input field; nothing
// reaches the CRM and nothing is logged as an internal error.
func TestObjectForAnyScalarIsBadUserInput(t *testing.T) {
	emu, g := startSynergy(t, nil)
	sg, sem := startSolos(t, solosemu.Options{}, nil)
	type probe struct {
		g     *testGateway
		query string
		vars  map[string]any
		field string
	}
	obj := map[string]any{}
	probes := []probe{
		{g, `{ contact(id: {}) { id } }`, nil, "id"},                                                              // ID
		{g, `{ contacts(first: {}) { totalCount } }`, nil, "first"},                                               // Int
		{g, `{ contacts(after: {}) { totalCount } }`, nil, "after"},                                               // String
		{g, `{ contacts(filter: {lastName: {}}) { totalCount } }`, nil, "filter.lastName"},                        // String in an input
		{g, `{ contacts(filter: {createdAtGte: {}}) { totalCount } }`, nil, "filter.createdAtGte"},                // DateTime
		{g, `mutation { createDeal(input: {name: "x", amount: {}}) { deal { id } } }`, nil, "input.amount"},       // Decimal
		{g, `mutation { createDeal(input: {name: "x", plannedAt: {}}) { deal { id } } }`, nil, "input.plannedAt"}, // Date
		{g, `mutation { createDeal(input: {name: {}}) { deal { id } } }`, nil, "input.name"},
		{g, `mutation { createContact(input: {firstName: "a", lastName: "b", companyIds: [{}]}) { contact { id } } }`, nil, "input.companyIds.0"},
		{sg, `{ projects(deleted: {}) { totalCount } }`, nil, "deleted"},                // Boolean
		{sg, `{ projects(filter: {having: {}}) { totalCount } }`, nil, "filter.having"}, // enum
		{sg, `{ projects(filter: {price: {}}) { totalCount } }`, nil, "filter.price"},   // Decimal
		{sg, `{ projects(filter: {salesFunnelId: [{}]}) { totalCount } }`, nil, "filter.salesFunnelId.0"},
		{g, `query($v: ID!) { contact(id: $v) { id } }`, map[string]any{"v": obj}, "v"},
		{g, `query($v: Int) { contacts(first: $v) { totalCount } }`, map[string]any{"v": obj}, "v"},
		{g, `query($v: DateTime) { contacts(filter: {createdAtGte: $v}) { totalCount } }`, map[string]any{"v": obj}, "filter.createdAtGte"},
		{g, `query($f: ContactFilter) { contacts(filter: $f) { totalCount } }`, map[string]any{"f": map[string]any{"lastName": obj}}, "f.lastName"},
		{sg, `query($v: Boolean) { projects(deleted: $v) { totalCount } }`, map[string]any{"v": obj}, "v"},
		{sg, `query($v: ProjectHaving) { projects(filter: {having: $v}) { totalCount } }`, map[string]any{"v": obj}, "v"},
	}
	for _, p := range probes {
		r := p.g.gql(t, p.query, p.vars)
		if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != p.field {
			t.Errorf("%s %v: want one BAD_USER_INPUT naming %s, got %s", p.query, p.vars, p.field, r.Raw)
		}
	}
	for _, c := range []struct {
		method, path, body, param string
	}{
		{http.MethodPost, "/rest/v1/contacts", `{"firstName": {}, "lastName": "b"}`, "body.firstName"},
		{http.MethodPost, "/rest/v1/deals", `{"name": "x", "amount": {}}`, "body.amount"},
		{http.MethodGet, "/rest/v1/contacts?filter[createdAtGte][x]=1", "", "filter[createdAtGte]"},
		{http.MethodGet, "/rest/v1/contacts?after[x]=1", "", "after"},
	} {
		a := restCall(t, c.method, g.URL+c.path, c.body)
		if a.Status != http.StatusBadRequest || a.ext("code") != "BAD_USER_INPUT" || !strings.HasPrefix(fmt.Sprint(a.ext("field")), c.param) {
			t.Errorf("REST %s %s %s: want 400 naming %s, got %d %s", c.method, c.path, c.body, c.param, a.Status, a.Raw)
		}
	}
	if n := emu.Count() + len(sem.Requests()); n != 0 {
		t.Errorf("%d upstream requests for refused input", n)
	}
	for _, l := range []string{g.Logs.String(), sg.Logs.String()} {
		if strings.Contains(l, `"level":"ERROR"`) {
			t.Errorf("refused input was logged as an error:\n%s", l)
		}
	}
}

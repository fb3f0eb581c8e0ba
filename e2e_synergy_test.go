package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmgateway/gateway/adapters/synergy/emulator"
	"github.com/crmgateway/gateway/internal/config"
	"github.com/crmgateway/gateway/internal/globalid"
	spec "github.com/crmgateway/gateway/internal/synergyspec"
)

const synergyTestToken = "syn-test-token-7f3a9c"

// startSynergy runs a SynergyCRM emulator on its own listener and a gateway
// configured for it alone (not sandbox mode), so tests own its faults.
func startSynergy(t testing.TB, tune func(*config.Config)) (*emulator.Emulator, *testGateway) {
	t.Helper()
	emu := emulator.New(emulator.Options{Token: synergyTestToken})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	cfg := config.Defaults()
	cfg.Synergy.BaseURL = srv.URL + "/api/v1"
	cfg.Synergy.Token = synergyTestToken
	if tune != nil {
		tune(&cfg)
	}
	return emu, startGateway(t, cfg)
}

// scalarFields selects every attribute of a resource.
func scalarFields(r spec.Resource) string {
	f := []string{"id", "sourceId", "extra"}
	for _, a := range r.Attrs {
		f = append(f, spec.Camel(a.Name))
	}
	return strings.Join(f, " ")
}

type listData struct {
	TotalCount *int `json:"totalCount"`
	PageInfo   struct {
		HasNextPage bool    `json:"hasNextPage"`
		EndCursor   *string `json:"endCursor"`
	} `json:"pageInfo"`
	Edges []struct {
		Cursor string `json:"cursor"`
	} `json:"edges"`
	Nodes []map[string]any `json:"nodes"`
}

func decodeField[T any](t testing.TB, r *gqlResponse, field string) T {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.Data, &m); err != nil {
		t.Fatalf("data: %v (%s)", err, r.Raw)
	}
	var v T
	if err := json.Unmarshal(m[field], &v); err != nil {
		t.Fatalf("%s: %v (%s)", field, err, m[field])
	}
	return v
}

func TestSynergyEveryTypeListAndByID(t *testing.T) {
	emu, g := startSynergy(t, nil)
	for _, r := range spec.Resources {
		if r.List == "" {
			continue
		}
		t.Run(r.Type, func(t *testing.T) {
			q := fmt.Sprintf(`{ %s(first: 5) { totalCount nodes { %s } } }`, r.List, scalarFields(r))
			resp := g.gql(t, q, nil)
			resp.mustData(t)
			page := decodeField[listData](t, resp, r.List)
			ids := emu.IDs(r.Type)
			if page.TotalCount == nil || *page.TotalCount != len(ids) {
				t.Fatalf("totalCount = %v, emulator has %d", page.TotalCount, len(ids))
			}
			if len(ids) == 0 {
				t.Fatalf("emulator has no %s", r.Type)
			}
			want := ids[:min(5, len(ids))]
			var got []string
			for _, n := range page.Nodes {
				got = append(got, n["sourceId"].(string))
			}
			if !slices.Equal(got, want) {
				t.Fatalf("ids = %v, want %v", got, want)
			}
			first := page.Nodes[0]
			q = fmt.Sprintf(`query($id: ID!) { %s(id: $id) { %s } }`, r.One, scalarFields(r))
			one := g.gql(t, q, map[string]any{"id": first["id"]})
			one.mustData(t)
			item := decodeField[map[string]any](t, one, r.One)
			for _, a := range r.Attrs {
				k := spec.Camel(a.Name)
				if fmt.Sprint(item[k]) != fmt.Sprint(first[k]) {
					t.Errorf("%s: by id %v, in list %v", k, item[k], first[k])
				}
			}
			if v, ok := emu.Attr(r.Type, want[0], "name"); ok && v != nil && item["name"] != v {
				t.Errorf("name = %v, emulator has %v", item["name"], v)
			}
		})
	}
}

func TestSynergyCyrillicAndTypedValues(t *testing.T) {
	_, g := startSynergy(t, nil)
	r := g.gql(t, `{ deals(first: 20) { nodes { name amount createdAt plannedAt customs company { name } } } }`, nil)
	r.mustData(t)
	if !strings.ContainsAny(r.Raw, "абвгдеёжзийклмнопрстуфхцчшщыэюя") {
		t.Fatalf("no Cyrillic in %s", r.Raw)
	}
	page := decodeField[listData](t, r, "deals")
	for _, n := range page.Nodes {
		if a, ok := n["amount"].(string); n["amount"] != nil && (!ok || !strings.ContainsAny(a, "0123456789")) {
			t.Fatalf("amount must be a decimal string, got %#v", n["amount"])
		}
		if c, ok := n["createdAt"].(string); ok {
			if _, err := time.Parse(time.RFC3339, c); err != nil {
				t.Fatalf("createdAt %q: %v", c, err)
			}
		}
	}
}

func TestSynergyPagingWalksEveryRecordOnce(t *testing.T) {
	emu, g := startSynergy(t, nil)
	for _, size := range []int{7, 13, 100} {
		var seen []string
		var after any
		for pages := 0; pages < 100; pages++ {
			r := g.gql(t, `query($n: Int, $after: String) { contacts(first: $n, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor } nodes { sourceId } } }`,
				map[string]any{"n": size, "after": after})
			r.mustData(t)
			page := decodeField[listData](t, r, "contacts")
			for _, n := range page.Nodes {
				seen = append(seen, n["sourceId"].(string))
			}
			if len(page.Edges) != len(page.Nodes) {
				t.Fatalf("edges %d nodes %d", len(page.Edges), len(page.Nodes))
			}
			if !page.PageInfo.HasNextPage {
				break
			}
			after = *page.PageInfo.EndCursor
		}
		if want := emu.IDs("contacts"); !slices.Equal(seen, want) {
			t.Fatalf("size %d: walked %d records %v, want %d %v", size, len(seen), seen, len(want), want)
		}
	}
	for _, req := range emu.Requests() {
		if n := req.Query.Get("page[size]"); n != "" && len(n) > 3 {
			t.Fatalf("page[size] = %s", n)
		}
	}
	r := g.gql(t, `{ contacts(first: 101) { totalCount } }`, nil)
	if c := r.codes(); len(c) != 1 || c[0] != "BAD_USER_INPUT" || !strings.Contains(r.Raw, `"field":"first"`) {
		t.Fatalf("first: 101 → %s", r.Raw)
	}
	r = g.gql(t, `{ contacts(after: "bogus") { totalCount } }`, nil)
	if c := r.codes(); len(c) != 1 || c[0] != "BAD_USER_INPUT" {
		t.Fatalf("bad cursor → %s", r.Raw)
	}
}

// TestSynergyFiltersReachUpstream sends every documented filter of every
// type and checks the emulator received it as filter[...] in wire form.
func TestSynergyFiltersReachUpstream(t *testing.T) {
	emu, g := startSynergy(t, nil)
	for _, r := range spec.Resources {
		if r.List == "" || len(r.Filters) == 0 {
			continue
		}
		for _, f := range r.Filters {
			t.Run(r.Type+"/"+f.Key, func(t *testing.T) {
				var value any = "Иванов"
				want := "Иванов"
				gqlType := "String"
				if f.Param != f.Key || strings.Contains(f.Key, "phone") {
					value, want = "+79876543211", "+79876543211"
				}
				switch f.Kind {
				case spec.Int:
					value, want, gqlType = 2, "2", "Int"
				case spec.DateTime:
					value, want, gqlType = "2022-02-22T09:00:00Z", "2022.02.22 12:00", "DateTime"
				}
				emu.Reset()
				q := fmt.Sprintf(`query($v: %s) { %s(first: 3, filter: {%s: $v}) { totalCount } }`, gqlType, r.List, spec.Camel(f.Key))
				resp := g.gql(t, q, map[string]any{"v": value})
				resp.mustData(t)
				reqs := emu.Requests()
				if len(reqs) != 1 {
					t.Fatalf("%d upstream requests", len(reqs))
				}
				if got := reqs[0].Query.Get("filter[" + f.Param + "]"); got != want {
					t.Fatalf("filter[%s] = %q, want %q (query %v)", f.Param, got, want, reqs[0].Query)
				}
			})
		}
	}
}

func TestSynergyFilterSemantics(t *testing.T) {
	emu, g := startSynergy(t, nil)
	id := emu.IDs("contacts")[3]
	last, _ := emu.Attr("contacts", id, "last-name")
	r := g.gql(t, `query($v: String) { contacts(filter: {lastName: $v}) { totalCount nodes { lastName } } }`, map[string]any{"v": last})
	r.mustData(t)
	page := decodeField[listData](t, r, "contacts")
	if len(page.Nodes) == 0 || *page.TotalCount != len(page.Nodes) {
		t.Fatalf("filter by %v: %s", last, r.Raw)
	}
	for _, n := range page.Nodes {
		if n["lastName"] != last {
			t.Fatalf("filter returned %v", n["lastName"])
		}
	}
}

func TestSynergyErrorMapping(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fault  emulator.Fault
		code   string
		status int
	}{
		{"401", emulator.Fault{Status: 401}, "UPSTREAM_UNAUTHENTICATED", 0},
		{"403", emulator.Fault{Status: 403}, "UPSTREAM_FORBIDDEN", 0},
		{"404", emulator.Fault{Status: 404}, "NOT_FOUND", 0},
		{"422", emulator.Fault{Status: 422}, "BAD_USER_INPUT", 0},
		{"429", emulator.Fault{Status: 429, RetryAfter: "0", Times: 3}, "RATE_LIMITED", 0},
		{"500", emulator.Fault{Status: 500, Times: 3}, "UPSTREAM_ERROR", 0},
		{"503", emulator.Fault{Status: 503, Times: 3}, "UPSTREAM_ERROR", 0},
		{"malformed", emulator.Fault{Malformed: true, Times: 3}, "UPSTREAM_ERROR", 0},
		{"reset", emulator.Fault{Reset: true, Times: 3}, "UPSTREAM_ERROR", 0},
		{"stall", emulator.Fault{Stall: 2 * time.Second, Times: 3}, "UPSTREAM_TIMEOUT", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu, g := startSynergy(t, func(c *config.Config) { c.Synergy.Upstream.Timeout = 300 * time.Millisecond })
			emu.Inject(tc.fault)
			r := g.gql(t, `{ contacts(first: 2) { totalCount } }`, nil)
			if c := r.codes(); len(c) != 1 || c[0] != tc.code {
				t.Fatalf("codes = %v: %s", c, r.Raw)
			}
			if r.Errors[0].Extensions["upstream"] != "synergy" {
				t.Fatalf("extensions = %v", r.Errors[0].Extensions)
			}
			if !strings.Contains(r.Raw, `"contacts":null`) {
				t.Fatalf("the field must be null: %s", r.Raw)
			}
			// The gateway is healthy afterwards and the next query works.
			emu.ClearFaults()
			g.gql(t, `{ contacts(first: 1) { totalCount } }`, nil).mustData(t)
		})
	}
}

func TestSynergyTransientFailureRecoveredByRetry(t *testing.T) {
	for _, f := range []emulator.Fault{{Status: 503}, {Reset: true}, {Status: 429, RetryAfter: "1"}} {
		emu, g := startSynergy(t, nil)
		emu.Inject(f)
		g.gql(t, `{ contacts(first: 1) { totalCount } }`, nil).mustData(t)
		if n := emu.Count(); n != 2 {
			t.Fatalf("%+v: %d upstream requests, want 2 (one failure, one retry)", f, n)
		}
	}
}

func TestSynergyNotFoundAndWrongID(t *testing.T) {
	_, g := startSynergy(t, nil)
	r := g.gql(t, `query($id: ID!) { contact(id: $id) { sourceId } }`, map[string]any{"id": globalid.Encode("synergy", "contacts", "999999")})
	if c := r.codes(); len(c) != 1 || c[0] != "NOT_FOUND" {
		t.Fatalf("codes = %v %s", c, r.Raw)
	}
	r = g.gql(t, `query($id: ID!) { contact(id: $id) { sourceId } }`, map[string]any{"id": globalid.Encode("synergy", "deals", "1")})
	if c := r.codes(); len(c) != 1 || c[0] != "BAD_USER_INPUT" {
		t.Fatalf("deal id for a contact: codes = %v", c)
	}
}

func TestSynergyNoCredentialLeaks(t *testing.T) {
	emu, g := startSynergy(t, func(c *config.Config) { c.Synergy.Upstream.Timeout = 200 * time.Millisecond })
	var bodies []string
	for _, f := range []*emulator.Fault{nil, {Status: 401}, {Status: 500, Times: 3}, {Reset: true, Times: 3}, {Stall: time.Second, Times: 3}} {
		if f != nil {
			emu.Inject(*f)
		}
		bodies = append(bodies, g.gql(t, `{ contacts(first: 2) { nodes { firstName } } }`, nil).Raw)
	}
	resp, err := http.Get(g.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	bodies = append(bodies, string(m), g.Logs.String())
	for _, b := range bodies {
		if strings.Contains(b, synergyTestToken) {
			t.Fatalf("the token leaked: %s", b)
		}
	}
	for _, req := range emu.Requests() {
		if req.Header.Get("Authorization") != "Bearer "+synergyTestToken {
			t.Fatalf("request without the token: %v", req.Header)
		}
	}
}

// TestSandboxServesSynergy is `make run` on a fresh machine: no CRM is
// configured, and contacts, companies and deals answer from the emulator.
func TestSandboxServesSynergy(t *testing.T) {
	g := startGateway(t, config.Defaults())
	r := g.gql(t, `{ contacts(first: 3) { totalCount nodes { firstName lastName } } companies(first: 3) { nodes { name } } deals(first: 3) { nodes { name amount company { name } } } }`, nil)
	r.mustData(t)
	for _, want := range []string{`"firstName":"`, `"companies":{"nodes":[{"name":"`, `"deals":{"nodes":[{"name":"`} {
		if !strings.Contains(r.Raw, want) {
			t.Fatalf("missing %s in %s", want, r.Raw)
		}
	}
	if !strings.Contains(g.Logs.String(), "sandbox mode") {
		t.Fatal("the log does not say sandbox mode")
	}
}

// TestBadScalarNamesTheArgument: a value a scalar refuses is BAD_USER_INPUT
// naming the argument path, and no upstream call is made.
func TestBadScalarNamesTheArgument(t *testing.T) {
	emu, g := startSynergy(t, nil)
	for q, field := range map[string]string{
		`{ contacts(filter: {createdAtGte: "garbage"}) { totalCount } }`:           "filter.createdAtGte",
		`{ deals(filter: {updatedAtLte: "2022-02-30T00:00:00Z"}) { totalCount } }`: "filter.updatedAtLte",
	} {
		r := g.gql(t, q, nil)
		if c := r.codes(); len(c) != 1 || c[0] != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != field {
			t.Fatalf("%s → %s", q, r.Raw)
		}
	}
	if emu.Count() != 0 {
		t.Fatalf("%d upstream calls for refused input", emu.Count())
	}
}

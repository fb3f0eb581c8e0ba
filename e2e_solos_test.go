package main

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	solosemu "github.com/crmgateway/gateway/adapters/solos/emulator"
	"github.com/crmgateway/gateway/internal/config"
	"github.com/crmgateway/gateway/internal/globalid"
)

// startSolos serves a Solos emulator the test can inspect and a gateway
// with only Solos configured, pointed at it.
func startSolos(t *testing.T, opts solosemu.Options, tune func(*config.Config)) (*testGateway, *solosemu.Emulator) {
	t.Helper()
	em := solosemu.New(opts)
	srv := httptest.NewServer(em)
	t.Cleanup(srv.Close)
	cfg := config.Defaults()
	cfg.Solos.BaseURL = srv.URL + solosemu.BasePath
	cfg.Solos.Token, cfg.Solos.Secret = solosemu.SandboxToken, solosemu.SandboxSecret
	if tune != nil {
		tune(&cfg)
	}
	return startGateway(t, cfg), em
}

func solosID(typ, id string) string { return globalid.Encode("solos", typ, id) }

// decode unmarshals the response data into v.
func decode(t *testing.T, r *gqlResponse, v any) {
	t.Helper()
	r.mustData(t)
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode %s: %v", r.Data, err)
	}
}

func TestSolosSandboxServesProjects(t *testing.T) {
	g := startGateway(t, config.Defaults())
	var out struct {
		Projects struct {
			TotalCount int
			Nodes      []struct{ SourceID, Name string }
		}
	}
	decode(t, g.gql(t, `{ projects(first: 2) { totalCount nodes { sourceId name } } }`, nil), &out)
	if out.Projects.TotalCount != 36 || len(out.Projects.Nodes) != 2 || out.Projects.Nodes[0].Name != "Внедрение CRM для ООО «Ромашка»" {
		t.Fatalf("projects = %+v", out.Projects)
	}
}

func TestSolosEveryEndpointThroughGraphQL(t *testing.T) {
	g, em := startSolos(t, solosemu.Options{}, nil)
	q := `query($p: ID!, $a: ID!) {
	  project(id: $p) {
	    id sourceId name createdAt deleted salesFunnelId stepId userId groupId price currencyId
	    participantsUserId participantsGroupId clientId contractDate extra
	    steps { id sourceId stepId name date }
	    actions(first: 2) { totalCount nodes { sourceId typeId typeName text date extra } }
	    checklists { sourceId name deadline done items { sourceId name done } }
	    goods { sourceId goodId name quantity unit price sum currencyId }
	    payments(first: 3) { totalCount nodes { id sourceId type sum currencyId date name } }
	  }
	  projectAction(id: $a) { id sourceId typeName project { sourceId name } }
	  n1: node(id: $p) { id ... on Project { name } }
	  n2: node(id: $a) { id ... on ProjectAction { text } }
	}`
	r := g.gql(t, q, map[string]any{"p": solosID("projects", "2"), "a": solosID("actions", "24")})
	var out struct {
		Project struct {
			ID, SourceID, Name, CreatedAt, Price, CurrencyID, ContractDate string
			Deleted                                                        bool
			ParticipantsUserID, ClientID                                   []string
			Extra                                                          map[string]any
			Steps                                                          []struct{ StepID, Name, Date string }
			Actions                                                        struct {
				TotalCount int
				Nodes      []struct {
					SourceID, TypeName, Text string
					Extra                    map[string]any
				}
			}
			Checklists []struct {
				Name  string
				Done  bool
				Items []struct{ Name string }
			}
			Goods    []struct{ Name, Quantity, Unit, Price, Sum string }
			Payments struct {
				TotalCount int
				Nodes      []struct{ ID, SourceID, Type, Sum, Date, Name string }
			}
		}
		ProjectAction struct {
			SourceID, TypeName string
			Project            struct{ SourceID, Name string }
		}
		N1 struct{ ID, Name string }
		N2 struct{ ID, Text string }
	}
	decode(t, r, &out)
	p := out.Project
	if p.ID != solosID("projects", "2") || p.SourceID != "2" || p.Name != "Интеграция с 1С — ИП Соколов А. В." ||
		p.CreatedAt != "2020-01-27T13:23:00" || p.Deleted || p.Price != "797000.00" || p.CurrencyID != "1" ||
		p.ContractDate != "2020-02-10" || !reflect.DeepEqual(p.ClientID, []string{"3"}) {
		t.Errorf("project = %+v", p)
	}
	// extra holds the dynamic fields no field maps; client_id and
	// contract_date have fields of their own.
	if p.Extra["address"] != "г. Казань, ул. Баумана, д. 5" || p.Extra["source"] != "Выставка" ||
		p.Extra["client_id"] != nil || p.Extra["contract_date"] != nil || p.Extra["name"] != nil {
		t.Errorf("extra = %v", p.Extra)
	}
	if len(p.Steps) != 3 || p.Steps[1].Name != "Разработка" || p.Steps[1].Date != "2020-02-07T13:23:00" {
		t.Errorf("steps = %+v", p.Steps)
	}
	if p.Actions.TotalCount != 1 || p.Actions.Nodes[0].SourceID != "24" || p.Actions.Nodes[0].Extra["user_name"] == nil {
		t.Errorf("actions = %+v", p.Actions)
	}
	if len(p.Checklists) != 2 || len(p.Checklists[1].Items) != 3 || p.Checklists[1].Name != "Запуск проекта" {
		t.Errorf("checklists = %+v", p.Checklists)
	}
	if len(p.Goods) != 3 || p.Goods[0].Name != "Обучение персонала" || p.Goods[0].Sum != "25000.00" || p.Goods[0].Unit != "ч" {
		t.Errorf("goods = %+v", p.Goods)
	}
	if p.Payments.TotalCount != 5 || len(p.Payments.Nodes) != 3 || p.Payments.Nodes[0].Type != "INCOME" ||
		p.Payments.Nodes[0].Sum != "34000.00" || p.Payments.Nodes[0].ID != solosID("payments", p.Payments.Nodes[0].SourceID) {
		t.Errorf("payments = %+v", p.Payments)
	}
	if out.ProjectAction.SourceID != "24" || out.ProjectAction.Project.SourceID != "2" {
		t.Errorf("projectAction = %+v", out.ProjectAction)
	}
	if out.N1.Name != p.Name || out.N2.Text != p.Actions.Nodes[0].Text {
		t.Errorf("node = %+v %+v", out.N1, out.N2)
	}
	// Project 2 was asked three times (project, node, the action's project)
	// and action 24 twice: the loaders made one request of each.
	for path, want := range map[string]int{"/projects/info": 1, "/projects/actions/info": 1, "/projects/steps": 1,
		"/projects/actions": 1, "/projects/checklists": 1, "/projects/goods": 1, "/projects/payments": 1} {
		if got := em.Count(path); got != want {
			t.Errorf("%s: %d requests, want %d", path, got, want)
		}
	}
}

func TestSolosPagingWalksWholeCollection(t *testing.T) {
	g, em := startSolos(t, solosemu.Options{}, nil)
	type page struct {
		TotalCount *int
		PageInfo   struct {
			HasNextPage, HasPreviousPage bool
			StartCursor, EndCursor       *string
		}
		Edges []struct{ Cursor string }
		Nodes []struct{ SourceID string }
	}
	walk := func(t *testing.T, query string, pick func(json.RawMessage) page, vars map[string]any) ([]string, int) {
		var ids []string
		var after any
		pages := 0
		for {
			vars["after"] = after
			var data json.RawMessage
			decode(t, g.gql(t, query, vars), &data)
			p := pick(data)
			pages++
			if p.PageInfo.HasPreviousPage != (after != nil) {
				t.Errorf("page %d: hasPreviousPage = %v", pages, p.PageInfo.HasPreviousPage)
			}
			if len(p.Nodes) > 0 && (*p.PageInfo.StartCursor != p.Edges[0].Cursor || *p.PageInfo.EndCursor != p.Edges[len(p.Edges)-1].Cursor) {
				t.Errorf("page %d: cursors %+v", pages, p.PageInfo)
			}
			for _, n := range p.Nodes {
				ids = append(ids, n.SourceID)
			}
			if !p.PageInfo.HasNextPage {
				return ids, pages
			}
			after = *p.PageInfo.EndCursor
			if pages > 20 {
				t.Fatal("paging does not end")
			}
		}
	}
	t.Run("projects", func(t *testing.T) {
		ids, pages := walk(t, `query($after: String) { projects(first: 7, after: $after) {
		    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor } nodes { sourceId } } }`,
			func(d json.RawMessage) page {
				var v struct{ Projects page }
				_ = json.Unmarshal(d, &v)
				if v.Projects.TotalCount == nil || *v.Projects.TotalCount != 36 {
					t.Errorf("totalCount = %v", v.Projects.TotalCount)
				}
				return v.Projects
			}, map[string]any{})
		var want []string
		for id := 1; id <= solosemu.NumProjects; id++ {
			if id%9 != 0 {
				want = append(want, fmt.Sprint(id))
			}
		}
		if !reflect.DeepEqual(ids, want) || pages != 6 {
			t.Errorf("walked %d pages: %v", pages, ids)
		}
		offsets := map[string]bool{}
		for _, r := range em.RequestsTo("/projects") {
			if r.Query.Get("count") != "7" || offsets[r.Query.Get("offset")] {
				t.Errorf("request %v", r.Query)
			}
			offsets[r.Query.Get("offset")] = true
		}
		if len(offsets) != 6 {
			t.Errorf("offsets = %v", offsets)
		}
	})
	t.Run("payments of project 1", func(t *testing.T) {
		ids, pages := walk(t, `query($after: String, $p: ID!) { project(id: $p) { payments(first: 7, after: $after) {
		    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor } nodes { sourceId } } } }`,
			func(d json.RawMessage) page {
				var v struct{ Project struct{ Payments page } }
				_ = json.Unmarshal(d, &v)
				return v.Project.Payments
			}, map[string]any{"p": solosID("projects", "1")})
		seen := map[string]bool{}
		for _, id := range ids {
			seen[id] = true
		}
		if len(ids) != 17 || len(seen) != 17 || pages != 3 {
			t.Errorf("walked %d pages: %v", pages, ids)
		}
	})
	t.Run("actions of project 1", func(t *testing.T) {
		ids, _ := walk(t, `query($after: String, $p: ID!) { project(id: $p) { actions(first: 7, after: $after) {
		    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor } nodes { sourceId } } } }`,
			func(d json.RawMessage) page {
				var v struct{ Project struct{ Actions page } }
				_ = json.Unmarshal(d, &v)
				return v.Project.Actions
			}, map[string]any{"p": solosID("projects", "1")})
		if len(ids) != 23 || ids[0] != "1" || ids[22] != "23" {
			t.Errorf("actions = %v", ids)
		}
	})
}

func TestSolosPagingWithoutTotal(t *testing.T) {
	g, _ := startSolos(t, solosemu.Options{Style: solosemu.StyleBare}, nil)
	var out struct {
		Projects struct {
			TotalCount *int
			PageInfo   struct{ HasNextPage bool }
		}
	}
	decode(t, g.gql(t, `{ projects(first: 5) { totalCount pageInfo { hasNextPage } } }`, nil), &out)
	if out.Projects.TotalCount != nil || !out.Projects.PageInfo.HasNextPage {
		t.Errorf("projects = %+v", out.Projects)
	}
}

func TestSolosFiltersReachUpstream(t *testing.T) {
	g, em := startSolos(t, solosemu.Options{}, nil)
	t.Run("project search", func(t *testing.T) {
		em.Forget()
		q := `query($f: ProjectFilter) { projects(first: 10, filter: $f, orderBy: {field: CREATED_AT, descending: true}) { totalCount nodes { sourceId } } }`
		r := g.gql(t, q, map[string]any{"f": map[string]any{
			"condition": "OR", "having": "CHECKLISTS_EXPIRED", "created": map[string]any{"from": "2020-01-01", "to": "2020-12-31"},
			"salesFunnelId": []string{"1", "2"}, "stepId": []string{"1", "2", "3", "4", "5"}, "userId": []string{"2", "4", "6", "8"},
			"groupId": []string{"1", "2", "3"}, "price": "100", "currencyId": []string{"1", "2", "3"},
			"participantsUserId": []string{"1", "2"}, "participantsGroupId": []string{"1"},
			"actionsTypeId": []string{"1", "2", "3"}, "goodId": []string{"10", "11", "12"},
			"data": map[string]any{"client_id": []int{1, 3}, "contract_date": "2020-01-01"},
		}})
		r.mustData(t)
		reqs := em.RequestsTo("/projects/filter")
		if len(reqs) != 1 || em.Count("/projects") != 0 {
			t.Fatalf("requests = %+v", em.Requests())
		}
		var got, want any
		_ = json.Unmarshal(reqs[0].Body, &got)
		_ = json.Unmarshal([]byte(`{"count": 10, "offset": 0, "order_by": "created", "reverse": "1", "deleted": "0",
			"condition": "or", "having": "checklists_expired",
			"buildin_data": {"created": "2020-01-01;2020-12-31", "sales_funnel_id": [1, 2], "step_id": [1, 2, 3, 4, 5],
				"user_id": [2, 4, 6, 8], "group_id": [1, 2, 3], "price": 100, "currency_id": [1, 2, 3],
				"participants_user_id": [1, 2], "participants_group_id": [1],
				"actions_type_id": [1, 2, 3], "good_id": [10, 11, 12]},
			"data": {"client_id": [1, 3], "contract_date": "2020-01-01"}}`), &want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("body = %s", reqs[0].Body)
		}
	})
	t.Run("search result", func(t *testing.T) {
		var out struct {
			Projects struct {
				TotalCount int
				Nodes      []struct{ SourceID string }
			}
		}
		decode(t, g.gql(t, `{ projects(first: 10, deleted: true, filter: {having: NO_GOODS}) { totalCount nodes { sourceId } } }`, nil), &out)
		if out.Projects.TotalCount != 2 || out.Projects.Nodes[0].SourceID != "18" || out.Projects.Nodes[1].SourceID != "36" {
			t.Errorf("deleted projects without goods = %+v", out.Projects)
		}
	})
	t.Run("sub-resource filters", func(t *testing.T) {
		em.Forget()
		q := `query($p: ID!, $a: ID!, $pay: ID!) { project(id: $p) {
		    steps(filter: {date: "2020-02-07", stepId: ["6", "7"]}) { sourceId }
		    actions(first: 5, filter: {id: $a, date: "2020-01-19", actionTypeId: ["1", "4"]}) { nodes { sourceId } }
		    payments(first: 5, filter: {id: $pay, date: "2020-01-21", type: EXPENSE}) { nodes { sourceId } }
		    income: payments(first: 5, filter: {type: INCOME}) { totalCount } } }`
		g.gql(t, q, map[string]any{"p": solosID("projects", "2"), "a": solosID("actions", "24"), "pay": solosID("payments", "3")}).mustData(t)
		want := map[string]map[string]string{
			"/projects/steps":   {"id": "2", "filter_date": "2020-02-07", "filter_steps": "6_7"},
			"/projects/actions": {"id": "2", "count": "5", "offset": "0", "filter_id": "24", "filter_date": "2020-01-19", "filter_actions": "1_4"},
		}
		for path, w := range want {
			reqs := em.RequestsTo(path)
			if len(reqs) != 1 {
				t.Fatalf("%s: %d requests", path, len(reqs))
			}
			if got := flat(reqs[0].Query); !reflect.DeepEqual(got, w) {
				t.Errorf("%s query = %v, want %v", path, got, w)
			}
		}
		var pays []map[string]string
		for _, r := range em.RequestsTo("/projects/payments") {
			pays = append(pays, flat(r.Query))
		}
		sort.Slice(pays, func(i, j int) bool { return pays[i]["filter_type"] < pays[j]["filter_type"] })
		wantPays := []map[string]string{
			{"id": "2", "count": "5", "offset": "0", "filter_id": "3", "filter_date": "2020-01-21", "filter_type": "0"},
			{"id": "2", "count": "5", "offset": "0", "filter_type": "1"},
		}
		if !reflect.DeepEqual(pays, wantPays) {
			t.Errorf("payments queries = %v", pays)
		}
	})
}

func flat(q map[string][]string) map[string]string {
	out := map[string]string{}
	for k, v := range q {
		out[k] = strings.Join(v, "|")
	}
	return out
}

func TestSolosBatching(t *testing.T) {
	g, em := startSolos(t, solosemu.Options{}, nil)
	t.Run("payments of ten projects", func(t *testing.T) {
		em.Forget()
		var out struct {
			Projects struct {
				Nodes []struct {
					Payments struct{ Nodes []struct{ ID string } }
				}
			}
		}
		decode(t, g.gql(t, `{ projects(first: 10) { nodes { payments(first: 5) { nodes { id } } } } }`, nil), &out)
		if len(out.Projects.Nodes) != 10 || len(out.Projects.Nodes[0].Payments.Nodes) != 5 {
			t.Fatalf("data = %+v", out)
		}
		reqs := em.RequestsTo("/projects/payments")
		seen := map[string]bool{}
		for _, r := range reqs {
			key := r.Query.Encode()
			if seen[key] {
				t.Errorf("request made twice: %s", key)
			}
			seen[key] = true
		}
		if len(reqs) != 10 || em.Count("/projects") != 1 || em.Count("") != 11 {
			t.Errorf("requests: %d payments, %d in all; want 10 and 11", len(reqs), em.Count(""))
		}
	})
	t.Run("same project through aliases", func(t *testing.T) {
		em.Forget()
		q := `query($p: ID!) {
		  a: project(id: $p) { name payments(first: 5) { totalCount } goods { name } }
		  b: project(id: $p) { sourceId payments(first: 5) { nodes { sum } } goods { sum } }
		  c: node(id: $p) { id } }`
		g.gql(t, q, map[string]any{"p": solosID("projects", "3")}).mustData(t)
		for path, want := range map[string]int{"/projects/info": 1, "/projects/payments": 1, "/projects/goods": 1, "": 3} {
			if got := em.Count(path); got != want {
				t.Errorf("%q: %d requests, want %d", path, got, want)
			}
		}
	})
	t.Run("every relationship of a page", func(t *testing.T) {
		em.Forget()
		g.gql(t, `{ projects(first: 7) { nodes { steps { id } checklists { id } goods { id }
		    actions(first: 3) { nodes { id project { id } } } payments(first: 2, filter: {type: INCOME}) { nodes { id } } } } }`, nil).mustData(t)
		for _, path := range []string{"/projects/steps", "/projects/checklists", "/projects/goods", "/projects/actions", "/projects/payments"} {
			if got := em.Count(path); got != 7 {
				t.Errorf("%s: %d requests, want 7", path, got)
			}
		}
		if em.Count("/projects/info") != 0 {
			t.Errorf("the listed projects were read again: %d", em.Count("/projects/info"))
		}
	})
}

func TestSolosInputValidation(t *testing.T) {
	g, em := startSolos(t, solosemu.Options{}, nil)
	p1 := solosID("projects", "1")
	tests := []struct {
		name, query string
		vars        map[string]any
		field       string
	}{
		{"first above 100", `{ projects(first: 101) { totalCount } }`, nil, "first"},
		{"first negative", `{ projects(first: -1) { totalCount } }`, nil, "first"},
		{"nested first", `query($p: ID!) { project(id: $p) { payments(first: 500) { totalCount } } }`, map[string]any{"p": p1}, "first"},
		{"bad cursor", `{ projects(after: "bm90LWEtY3Vyc29y") { totalCount } }`, nil, "after"},
		{"bad id list", `{ projects(filter: {stepId: ["1", "два"]}) { totalCount } }`, nil, "filter.stepId[1]"},
		{"data not an object", `{ projects(filter: {data: [1, 2]}) { totalCount } }`, nil, "filter.data"},
		{"inverted range", `{ projects(filter: {created: {from: "2021-01-01", to: "2020-01-01"}}) { totalCount } }`, nil, "filter.created"},
		{"contact ID as project", `query($p: ID!) { project(id: $p) { name } }`, map[string]any{"p": globalid.Encode("synergy", "contacts", "1")}, "id"},
		{"non-numeric source id", `query($p: ID!) { project(id: $p) { name } }`, map[string]any{"p": solosID("projects", "abc")}, "id"},
		{"payment filter with an action ID", `query($p: ID!, $a: ID!) { project(id: $p) { payments(filter: {id: $a}) { totalCount } } }`,
			map[string]any{"p": p1, "a": solosID("actions", "1")}, "filter.id"},
		{"payment through node", `query($p: ID!) { node(id: $p) { id } }`, map[string]any{"p": solosID("payments", "1")}, "id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			em.Forget()
			r := g.gql(t, tt.query, tt.vars)
			if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != tt.field {
				t.Fatalf("errors = %s", r.Raw)
			}
			if strings.Contains(tt.query, "project(id") {
				return // the project itself may be read before its field is refused
			}
			if n := em.Count(""); n != 0 {
				t.Errorf("bad input reached Solos (%d requests)", n)
			}
		})
	}
	t.Run("first 100 is allowed", func(t *testing.T) {
		g.gql(t, `{ projects(first: 100) { totalCount } }`, nil).mustData(t)
	})
}

func TestSolosErrorMapping(t *testing.T) {
	projects := `{ projects(first: 3) { nodes { name } } }`
	payments := `query($p: ID!) { project(id: $p) { name payments(first: 3) { nodes { sum } } } }`
	tests := []struct {
		name   string
		fault  *solosemu.Fault
		secret string
		query  string
		vars   map[string]any
		code   string
		path   string
	}{
		{"401 wrong credentials", nil, "wrong-secret-value", projects, nil, "UPSTREAM_UNAUTHENTICATED", "projects"},
		{"403", &solosemu.Fault{Status: 403}, "", projects, nil, "UPSTREAM_FORBIDDEN", "projects"},
		{"404 unknown project", nil, "", `query($p: ID!) { project(id: $p) { name } }`, map[string]any{"p": solosID("projects", "999")}, "NOT_FOUND", "project"},
		{"429 with Retry-After", &solosemu.Fault{Status: 429, RetryAfter: "30", Times: 5}, "", projects, nil, "RATE_LIMITED", "projects"},
		{"500", &solosemu.Fault{Status: 500, Times: 5}, "", projects, nil, "UPSTREAM_ERROR", "projects"},
		{"503 on a search", &solosemu.Fault{Status: 503}, "", `{ projects(filter: {having: GOODS}) { totalCount } }`, nil, "UPSTREAM_ERROR", "projects"},
		{"stall past the deadline", &solosemu.Fault{Stall: 30 * time.Second}, "", projects, nil, "UPSTREAM_TIMEOUT", "projects"},
		{"connection reset", &solosemu.Fault{Reset: true, Times: 10}, "", projects, nil, "UPSTREAM_ERROR", "projects"},
		{"malformed JSON", &solosemu.Fault{Malformed: true, Times: 5}, "", projects, nil, "UPSTREAM_ERROR", "projects"},
		{"payments fail, project stays", &solosemu.Fault{Status: 502, Times: 5, Path: "/projects/payments"}, "", payments,
			map[string]any{"p": solosID("projects", "1")}, "UPSTREAM_ERROR", "project.payments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, em := startSolos(t, solosemu.Options{}, func(c *config.Config) {
				c.Solos.Upstream.Timeout = 300 * time.Millisecond
				if tt.secret != "" {
					c.Solos.Secret = tt.secret
				}
			})
			if tt.fault != nil {
				em.Inject(*tt.fault)
			}
			r := g.gql(t, tt.query, tt.vars)
			if len(r.Errors) != 1 {
				t.Fatalf("errors = %s", r.Raw)
			}
			e := r.Errors[0]
			var path []string
			for _, p := range e.Path {
				path = append(path, fmt.Sprint(p))
			}
			if e.Extensions["code"] != tt.code || e.Extensions["upstream"] != "solos" || strings.Join(path, ".") != tt.path {
				t.Fatalf("error = %+v, want %s from solos at %s", e, tt.code, tt.path)
			}
			if _, ok := e.Extensions["outcome"]; ok {
				t.Errorf("a read carries a write outcome: %+v", e)
			}
			if tt.code == "RATE_LIMITED" && e.Extensions["retryAfterSeconds"] != float64(30) {
				t.Errorf("retryAfterSeconds = %v", e.Extensions["retryAfterSeconds"])
			}
			if tt.path == "project.payments" && !strings.Contains(r.Raw, `"name":"Внедрение CRM для ООО «Ромашка»"`) {
				t.Errorf("the project was lost with its payments: %s", r.Raw)
			}
		})
	}
}

func TestSolosDisabled(t *testing.T) {
	cfg := config.Defaults()
	cfg.RKeeper.BaseURL = "http://127.0.0.1:1/api/v1/crm" // not sandbox, Solos unset
	g := startGateway(t, cfg)
	r := g.gql(t, `query($p: ID!) { projects { totalCount } project(id: $p) { name } node(id: $p) { id } }`,
		map[string]any{"p": solosID("projects", "1")})
	if len(r.Errors) != 3 {
		t.Fatalf("errors = %s", r.Raw)
	}
	for _, e := range r.Errors {
		if e.Extensions["code"] != "UPSTREAM_DISABLED" || e.Extensions["upstream"] != "solos" {
			t.Errorf("error = %+v", e)
		}
	}
}

func TestSolosCredentialsNeverLeak(t *testing.T) {
	token, secret := "tok-7d1c0e5a9b3f", "sec-42f0aa17c9e8b6d5"
	em := solosemu.New(solosemu.Options{Token: token, Secret: secret})
	srv := httptest.NewServer(em)
	t.Cleanup(srv.Close)
	cfg := config.Defaults()
	cfg.Solos.BaseURL = srv.URL + solosemu.BasePath
	cfg.Solos.Token, cfg.Solos.Secret = token, secret
	cfg.Solos.Upstream.Timeout = 300 * time.Millisecond
	cfg.LogLevel = "debug"
	g := startGateway(t, cfg)
	em.Inject(solosemu.Fault{Status: 500, Times: 3, Path: "/projects/goods"})
	em.Inject(solosemu.Fault{Stall: 10 * time.Second, Path: "/projects/payments"})
	em.Inject(solosemu.Fault{Malformed: true, Path: "/projects/checklists"})
	em.Inject(solosemu.Fault{Status: 401, Path: "/projects/steps"})
	bodies := []string{
		g.gql(t, `{ projects(first: 2) { nodes { name goods { id } payments { totalCount } checklists { id } steps { id } } } }`, nil).Raw,
		g.gql(t, `{ projects(first: 1, filter: {having: GOODS}) { nodes { name } } }`, nil).Raw,
		g.gql(t, `{ projects(first: 1, after: "garbage") { totalCount } }`, nil).Raw,
	}
	if !strings.Contains(bodies[0], "UPSTREAM_TIMEOUT") || !strings.Contains(bodies[0], "UPSTREAM_UNAUTHENTICATED") {
		t.Fatalf("the faults did not fire: %s", bodies[0])
	}
	if len(em.Requests()) == 0 || em.Requests()[0].Header.Get("X-Crypto-Secret") != secret {
		t.Fatal("the emulator did not receive the secret")
	}
	logs := g.Logs.String()
	if !strings.Contains(logs, "upstream call") {
		t.Fatalf("no upstream calls were logged:\n%s", logs)
	}
	for _, s := range []string{token, secret} {
		for i, b := range bodies {
			if strings.Contains(b, s) {
				t.Errorf("response %d contains a credential: %s", i, b)
			}
		}
		if strings.Contains(logs, s) {
			t.Errorf("the logs contain a credential:\n%s", logs)
		}
	}
}

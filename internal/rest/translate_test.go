package rest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"
)

// scriptedGraphQL stands in for /graphql on the shapes schema: it records
// each operation and answers with the response scripted for its root field.
type scriptedGraphQL struct {
	mu      sync.Mutex
	answers map[string]string // root field → GraphQL response
	last    struct {
		Query     string
		Variables map[string]json.RawMessage
		Header    http.Header
	}
}

func (g *scriptedGraphQL) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	g.last.Header = r.Header
	g.last.Variables = nil
	_ = json.Unmarshal(body, &g.last)
	// The root field is the first name inside the operation's braces.
	q := g.last.Query[strings.Index(g.last.Query, "{ ")+2:]
	root := q[:strings.IndexAny(q, "( ")]
	if answer, ok := g.answers[root]; ok {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, answer)
		return
	}
	http.Error(w, "unscripted", http.StatusTeapot)
}

func (g *scriptedGraphQL) vars() map[string]string {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := map[string]string{}
	for k, v := range g.last.Variables {
		out[k] = string(v)
	}
	return out
}

func shapesServer(t *testing.T, answers map[string]string) (*server, *scriptedGraphQL) {
	api, err := New(loadSDL(t, shapesSDL))
	if err != nil {
		t.Fatal(err)
	}
	gql := &scriptedGraphQL{answers: answers}
	r := chi.NewRouter()
	api.Mount(r, gql)
	ts := httptest.NewServer(r)
	t.Cleanup(ts.Close)
	return &server{Server: ts, api: api}, gql
}

func TestTranslationOnOtherShapes(t *testing.T) {
	s, gql := shapesServer(t, map[string]string{
		"projects": `{"data":{"projects":{"nodes":[{"id":"p1","name":"Ремонт","created":null,"stage":"WON","data":{"k":1},"tags":["a"]}],` +
			`"pageInfo":{"hasNextPage":false,"hasPreviousPage":false,"startCursor":"c1","endCursor":"c1"},"totalCount":1}}}`,
		"project": `{"data":{"project":{"actions":{"edges":[{"node":{"id":"a1","note":"Звонок"}},{"node":{"id":"a2","note":null}}],` +
			`"pageInfo":{"hasNextPage":true,"hasPreviousPage":false,"startCursor":"x","endCursor":"y"}}}}}`,
		"node":                `{"data":{"node":{"__typename":"Country","id":"c1","name":"Россия"}}}`,
		"addClientContact":    `{"data":{"addClientContact":{"client":{"id":"cl1","firstName":"Ольга"}}}}`,
		"deleteClientContact": `{"data":{"deleteClientContact":{"client":{"id":"cl1","firstName":"Ольга"}}}}`,
		"createCity":          `{"data":{"createCity":{"city":{"id":"ct9","name":"Тверь"}}}}`,
		"recalculate":         `{"data":{"recalculate":true}}`,
		"countries":           `{"data":{"countries":null}}`,
	})

	t.Run("connection with nested and list filters", func(t *testing.T) {
		a := s.get(t, "/rest/v1/projects?filter[stage]=won&filter[created][from]=2024-01-01T00:00:00Z"+
			"&filter[ids]=i1&filter[ids]=i2&filter[data]="+url.QueryEscape(`{"client_id":[1,3]}`)+"&deleted=TRUE")
		if a.Status != 200 || string(a.Raw) != `{"items":[{"id":"p1","name":"Ремонт","created":null,"stage":"WON","data":{"k":1},"tags":["a"]}],`+
			`"pageInfo":{"hasNextPage":false,"hasPreviousPage":false,"startCursor":"c1","endCursor":"c1"},"totalCount":1,"next":null,"prev":null}`+"\n" {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
		v := gql.vars()
		if v["filter"] != `{"created":{"from":"2024-01-01T00:00:00Z"},"data":{"client_id":[1,3]},"ids":["i1","i2"],"stage":"WON"}` ||
			v["deleted"] != "true" || len(v) != 2 {
			t.Errorf("variables = %v (defaults are the schema's: unset parameters are not sent)", v)
		}
	})
	t.Run("a nested object's required field", func(t *testing.T) {
		a := s.get(t, "/rest/v1/projects?filter[created][to]=2024-01-01T00:00:00Z")
		if a.Status != 400 || a.ext("field") != "filter[created][from]" {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
		a = s.get(t, "/rest/v1/projects?filter[stage]=archived")
		if a.Status != 400 || a.ext("field") != "filter[stage]" || !strings.Contains(string(a.Raw), "NEW, WON, LOST") {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
	})
	t.Run("edges-only connection of a sub-resource", func(t *testing.T) {
		a := s.get(t, "/rest/v1/projects/p1/actions?first=2")
		if a.Status != 200 || !strings.HasPrefix(string(a.Raw), `{"items":[{"id":"a1","note":"Звонок"},{"id":"a2","note":null}],"pageInfo":{"hasNextPage":true`) {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
		if v := gql.vars(); v["id"] != `"p1"` || v["sub_first"] != "2" {
			t.Errorf("variables = %v", v)
		}
		// A connection that takes no after cannot link to a next page.
		if next, has := a.Body["next"]; !has || next != nil || a.Header.Get("Link") != "" {
			t.Errorf("next = %v, Link = %q", a.Body["next"], a.Header.Get("Link"))
		}
	})
	t.Run("item read through node", func(t *testing.T) {
		a := s.get(t, "/rest/v1/countries/c1")
		if a.Status != 200 || string(a.Raw) != `{"id":"c1","name":"Россия"}`+"\n" {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
		a = s.get(t, "/rest/v1/cities/c1") // a Country's ID under cities
		if a.Status != 404 || a.code() != "NOT_FOUND" || !strings.Contains(string(a.Raw), "no City has this id") {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
	})
	t.Run("nested write", func(t *testing.T) {
		a := s.do(t, "POST", "/rest/v1/clients/cl1/contacts", "application/json", `{"value":"+7 900 000-00-00"}`)
		if a.Status != 201 || a.Header.Get("Location") != "" || a.Body["firstName"] != "Ольга" {
			t.Fatalf("status %d Location %q: %s", a.Status, a.Header.Get("Location"), a.Raw)
		}
		if v := gql.vars(); v["clientId"] != `"cl1"` || v["input"] != `{"value":"+7 900 000-00-00"}` {
			t.Errorf("variables = %v", v)
		}
		a = s.do(t, "DELETE", "/rest/v1/clients/cl1/contacts/k7", "", "")
		if a.Status != 200 || a.Body["id"] != "cl1" {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
		if v := gql.vars(); v["clientId"] != `"cl1"` || v["contactId"] != `"k7"` {
			t.Errorf("variables = %v", v)
		}
	})
	t.Run("create with a query argument", func(t *testing.T) {
		a := s.do(t, "POST", "/rest/v1/cities?countryId=c1", "application/json", `{"name":"Тверь"}`)
		if a.Status != 201 || a.Header.Get("Location") != "/rest/v1/cities/ct9" {
			t.Fatalf("status %d Location %q: %s", a.Status, a.Header.Get("Location"), a.Raw)
		}
		a = s.do(t, "POST", "/rest/v1/cities", "application/json", `{"name":"Тверь"}`)
		if a.Status != 400 || a.ext("field") != "countryId" {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
	})
	t.Run("other mutation", func(t *testing.T) {
		a := s.do(t, "POST", "/rest/v1/recalculate", "application/json", `{"projectId":"p1","force":true}`)
		if a.Status != 200 || string(a.Raw) != "true\n" {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
		if v := gql.vars(); v["projectId"] != `"p1"` || v["force"] != "true" {
			t.Errorf("variables = %v", v)
		}
		a = s.do(t, "POST", "/rest/v1/recalculate", "application/json", `{"force":true}`)
		if a.Status != 400 || a.ext("field") != "body.projectId" {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
	})
	t.Run("null with no error", func(t *testing.T) {
		a := s.get(t, "/rest/v1/countries")
		if a.Status != 404 || a.code() != "NOT_FOUND" {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
	})
	t.Run("headers reach the GraphQL handler", func(t *testing.T) {
		req, _ := http.NewRequest("GET", s.URL+"/rest/v1/countries/c1", nil)
		req.Header.Set("Authorization", "Bearer client-token")
		req.Header.Set("X-Request-Id", "req-42")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		gql.mu.Lock()
		defer gql.mu.Unlock()
		h := gql.last.Header
		if h.Get("Authorization") != "Bearer client-token" || h.Get("X-Request-Id") != "req-42" ||
			h.Get("Content-Type") != "application/json" || h.Get("Accept") != "application/json" {
			t.Errorf("headers = %v", h)
		}
	})
	t.Run("a GraphQL handler that answers no JSON", func(t *testing.T) {
		a := s.get(t, "/rest/v1/cities?countryId=c1") // unscripted: 418 text
		if a.Status != 500 || a.code() != "INTERNAL" {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
	})
}

// Errors name the REST parameter whether gqlgen reports them on a
// variable, on a field's argument or through a resolver's field name.
func TestParameterOfErrors(t *testing.T) {
	idx := routeIndex(mustBuild(t, loadSDL(t, shapesSDL)))
	cases := []struct {
		route string
		path  []any
		field string
		want  string
	}{
		{"GET /rest/v1/projects", []any{"variable", "filter", "created", "from"}, "", "filter[created][from]"},
		{"GET /rest/v1/projects", []any{"projects", "filter", "created", "from"}, "", "filter[created][from]"},
		{"GET /rest/v1/projects", []any{"projects"}, "first", "first"},
		{"GET /rest/v1/projects", []any{"projects", "nodes", 0, "name"}, "", ""},
		{"GET /rest/v1/projects/{id}/payments", []any{"project", "payments", "filter", "minAmount"}, "", "filter[minAmount]"},
		{"GET /rest/v1/projects/{id}/payments", []any{"project", "payments"}, "first", "first"},
		{"GET /rest/v1/projects/{id}/payments", []any{"project"}, "id", "id"},
		{"GET /rest/v1/countries/{id}/cities", []any{"node"}, "id", "id"},
		{"POST /rest/v1/clients", []any{"variable", "input", "firstName"}, "", "body.firstName"},
		{"POST /rest/v1/clients", []any{"createClient"}, "input.firstName", "body.firstName"},
		{"PATCH /rest/v1/clients/{id}/contacts/{contactId}", []any{"updateClientContact"}, "contactId", "contactId"},
		{"PATCH /rest/v1/clients/{id}/contacts/{contactId}", []any{"updateClientContact"}, "clientId", "id"},
		{"POST /rest/v1/recalculate", []any{"variable", "projectId"}, "", "body.projectId"},
		{"POST /rest/v1/cities", []any{"createCity"}, "countryId", "countryId"},
	}
	for _, c := range cases {
		ext := map[string]any{"code": "BAD_USER_INPUT"}
		if c.field != "" {
			ext["field"] = c.field
		}
		if got := idx[c.route].parameterOf(map[string]any{"path": c.path}, ext); got != c.want {
			t.Errorf("%s %v %q: %q, want %q", c.route, c.path, c.field, got, c.want)
		}
	}
	ext := map[string]any{"code": "UPSTREAM_ERROR", "field": "first"}
	if got := idx["GET /rest/v1/projects"].parameterOf(map[string]any{"path": []any{"projects"}}, ext); got != "" {
		t.Errorf("only input errors name a parameter, got %q", got)
	}
}

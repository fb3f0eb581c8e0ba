package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/go-chi/chi/v5"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/crmgateway/gateway/graph"
	"github.com/crmgateway/gateway/internal/config"
)

// loadOpenAPI parses and validates a document with kin-openapi, which
// validates OpenAPI 3.1 documents (JSON Schema 2020-12) since v0.13x.
func loadOpenAPI(t testing.TB, raw []byte) (*openapi3.T, error) {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, err
	}
	return doc, doc.Validate(context.Background(), openapi3.EnableMultiError())
}

func schemas(t testing.TB) map[string]*ast.Schema {
	return map[string]*ast.Schema{"gateway": gatewaySchema(), "shapes": loadSDL(t, shapesSDL)}
}

func TestOpenAPIDocumentIsValid31(t *testing.T) {
	for name, s := range schemas(t) {
		t.Run(name, func(t *testing.T) {
			api, err := New(s)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := loadOpenAPI(t, api.OpenAPI())
			if err != nil {
				t.Fatalf("the validator refuses the document: %v", err)
			}
			if doc.OpenAPI != "3.1.0" || !doc.IsOpenAPI31OrLater() {
				t.Fatalf("openapi = %q", doc.OpenAPI)
			}
		})
	}
}

// The validator is not a rubber stamp: the same document with one defect
// is refused.
func TestOpenAPIValidatorCatchesDefects(t *testing.T) {
	api, err := New(loadSDL(t, shapesSDL))
	if err != nil {
		t.Fatal(err)
	}
	defects := map[string]func(doc map[string]any){
		"undeclared path parameter": func(doc map[string]any) {
			op := doc["paths"].(map[string]any)["/rest/v1/clients/{id}"].(map[string]any)["get"].(map[string]any)
			delete(op, "parameters")
		},
		"unknown schema type": func(doc map[string]any) {
			doc["components"].(map[string]any)["schemas"].(map[string]any)["Client"].(map[string]any)["type"] = "record"
		},
		"dangling reference": func(doc map[string]any) {
			delete(doc["components"].(map[string]any)["schemas"].(map[string]any), "ProjectStage")
		},
		"operation without responses": func(doc map[string]any) {
			op := doc["paths"].(map[string]any)["/rest/v1/countries"].(map[string]any)["get"].(map[string]any)
			op["responses"] = map[string]any{}
		},
	}
	for name, breakIt := range defects {
		t.Run(name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(api.OpenAPI(), &doc); err != nil {
				t.Fatal(err)
			}
			breakIt(doc)
			raw, _ := json.Marshal(doc)
			if _, err := loadOpenAPI(t, raw); err == nil {
				t.Fatal("the broken document validates")
			}
		})
	}
}

type opKey struct{ Method, Path string }

func documentedOperations(t testing.TB, doc *openapi3.T) map[opKey]*openapi3.Operation {
	out := map[opKey]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			out[opKey{method, path}] = op
		}
	}
	return out
}

// Every route is documented as the operation it is, every documented
// operation is a route, and the router serves exactly the documented
// operations.
func TestOpenAPICoversRoutesBothWays(t *testing.T) {
	for name, s := range schemas(t) {
		t.Run(name, func(t *testing.T) {
			api, err := New(s)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := loadOpenAPI(t, api.OpenAPI())
			if err != nil {
				t.Fatal(err)
			}
			ops := documentedOperations(t, doc)
			routes := map[opKey]bool{{http.MethodGet, Prefix + "/openapi.json"}: true}
			for _, rt := range api.Routes() {
				k := opKey{rt.Method, rt.Path}
				routes[k] = true
				op := ops[k]
				if op == nil {
					t.Errorf("%v is not documented", k)
					continue
				}
				if op.OperationID != rt.OperationID {
					t.Errorf("%v documented as %s, runs %s", k, op.OperationID, rt.OperationID)
				}
				var documented []string
				var conditional string
				for _, p := range op.Parameters {
					if p.Value.In == "header" {
						conditional = p.Value.Name
						continue
					}
					documented = append(documented, p.Value.In+":"+p.Value.Name)
				}
				if want := map[string]string{"GET": "If-None-Match", "PATCH": "If-Match", "DELETE": "If-Match"}[rt.Method]; conditional != want {
					t.Errorf("%v documents the conditional header %q, want %q", k, conditional, want)
				}
				if !slices.Equal(documented, paramNames(rt)) {
					t.Errorf("%v documents %v, takes %v", k, documented, paramNames(rt))
				}
				if (op.RequestBody != nil) != (rt.Body != nil) {
					t.Errorf("%v: request body documented %v, taken %v", k, op.RequestBody != nil, rt.Body != nil)
				}
			}
			for k := range ops {
				if !routes[k] {
					t.Errorf("%v is documented but no route", k)
				}
			}

			r := chi.NewRouter()
			api.Mount(r, http.NotFoundHandler())
			// HEAD is served on every GET route and documented with it.
			served := map[opKey]bool{}
			err = chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
				if method == http.MethodHead {
					if ops[opKey{http.MethodGet, route}] == nil {
						t.Errorf("HEAD %s is served without a GET", route)
					}
					served[opKey{"HEAD-of-GET", route}] = true
					return nil
				}
				served[opKey{method, route}] = true
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			gets := 0
			for k := range ops {
				if !served[k] {
					t.Errorf("%v is documented but not served", k)
				}
				if k.Method == http.MethodGet {
					gets++
					if !served[opKey{"HEAD-of-GET", k.Path}] {
						t.Errorf("HEAD %s is not served", k.Path)
					}
				}
			}
			if len(served) != len(ops)+gets {
				t.Errorf("the router serves %d operations, the document lists %d and %d GETs answer HEAD", len(served), len(ops), gets)
			}
		})
	}
}

// Real answers match the documented schemas, status included: the
// document describes what the facade does, not what it was meant to do.
func TestAnswersMatchTheDocument(t *testing.T) {
	syn := newFakeSynergy()
	s := newServer(t, syn, config.Defaults())
	doc, err := loadOpenAPI(t, s.api.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	calls := []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/rest/v1/contacts?first=2&filter[lastName]=" + url.QueryEscape("Иванов"), "", 200},
		{"GET", "/rest/v1/deal-stage-categories", "", 200},
		{"GET", "/rest/v1/contacts/" + gid("contacts", "1"), "", 200},
		{"GET", "/rest/v1/contacts/" + gid("contacts", "1") + "/companies", "", 200},
		{"GET", "/rest/v1/contracts/" + gid("contracts", "9") + "/first-party", "", 200},
		{"GET", "/rest/v1/deals/" + gid("deals", "7") + "/company", "", 404},
		{"GET", "/rest/v1/contacts/nope", "", 400},
		{"GET", "/rest/v1/contacts?first=x", "", 400},
		{"POST", "/rest/v1/contacts", `{"firstName":"Анна","lastName":"Смирнова"}`, 201},
		{"POST", "/rest/v1/contacts", `{}`, 400},
		{"PATCH", "/rest/v1/contacts/" + gid("contacts", "2"), `{"description":"VIP"}`, 200},
		{"DELETE", "/rest/v1/contacts/" + gid("contacts", "2"), "", 200},
	}
	for _, c := range calls {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			ct := ""
			if c.body != "" {
				ct = "application/json"
			}
			a := s.do(t, c.method, c.path, ct, c.body)
			if a.Status != c.status {
				t.Fatalf("status %d, want %d: %s", a.Status, c.status, a.Raw)
			}
			validateAnswer(t, router, c.method, s.URL+c.path, ct, c.body, a)
		})
	}
	t.Run("a wrong answer is caught", func(t *testing.T) {
		u := s.URL + "/rest/v1/contacts"
		for _, wrong := range []*answer{
			{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Raw: []byte(`{"items":[{"id":1}],"pageInfo":{}}`)},
			{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Raw: []byte(`{"data":{}}`)},
			{Status: 418, Header: http.Header{"Content-Type": {"application/json"}}, Raw: []byte(`{"errors":[]}`)},
			{Status: 400, Header: http.Header{"Content-Type": {"application/json"}}, Raw: []byte(`{"errors":[{"message":"x","extensions":{"code":"OOPS"}}]}`)},
		} {
			if answerMismatch(router, "GET", u, "", "", wrong) == nil {
				t.Errorf("%d %s passes", wrong.Status, wrong.Raw)
			}
		}
	})
	t.Run("every error status", func(t *testing.T) {
		s := newServer(t, nil, config.Defaults())
		a := s.get(t, "/rest/v1/deals")
		if a.Status != 503 {
			t.Fatalf("status %d", a.Status)
		}
		validateAnswer(t, router, "GET", s.URL+"/rest/v1/deals", "", "", a)
	})
}

func validateAnswer(t *testing.T, router routers.Router, method, u, ct, body string, a *answer) {
	t.Helper()
	if err := answerMismatch(router, method, u, ct, body, a); err != nil {
		t.Errorf("the answer does not match the document: %v\n%s", err, a.Raw)
	}
}

func answerMismatch(router routers.Router, method, u, ct, body string, a *answer) error {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, u, rd)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		return err
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 a.Status, Header: a.Header, Body: io.NopCloser(bytes.NewReader(a.Raw)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// Components hold every GraphQL type the routes use, by its GraphQL name.
func TestOpenAPIComponents(t *testing.T) {
	api, err := New(loadSDL(t, shapesSDL))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
		Paths map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(api.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range doc.Components.Schemas {
		names = append(names, n)
	}
	sort.Strings(names)
	want := []string{"Client", "ClientAddress", "ClientContact", "ClientContactInput", "City", "CityInput", "Country",
		"CreateClientInput", "DateRange", "DateTime", "DeletePayload", "JSON", "PageInfo", "Payment", "PaymentFilter",
		"Project", "ProjectAction", "ProjectFilter", "ProjectStage", "UpdateClientInput", "Owner", "rest.Problem", "rest.ProblemItem"}
	sort.Strings(want)
	if !slices.Equal(names, want) {
		t.Errorf("components = %v\nwant %v", names, want)
	}
	project := doc.Components.Schemas["Project"]
	props := project["properties"].(map[string]any)
	if _, ok := props["title"]; ok {
		t.Error("a field that needs an argument is not in the answer")
	}
	if _, ok := props["payments"]; ok {
		t.Error("relationships are sub-resources, not properties")
	}
	if got := props["stage"]; !jsonEqual(got, map[string]any{"$ref": "#/components/schemas/ProjectStage"}) {
		t.Errorf("stage = %v", got)
	}
	if got := props["name"]; !jsonEqual(got, map[string]any{"type": []any{"string", "null"}}) {
		t.Errorf("nullable name = %v", got)
	}
	if got := doc.Components.Schemas["ProjectStage"]["enum"]; !jsonEqual(got, []any{"NEW", "WON", "LOST"}) {
		t.Errorf("enum = %v", got)
	}
	if got := doc.Components.Schemas["DateRange"]["required"]; !jsonEqual(got, []any{"from"}) {
		t.Errorf("DateRange.required = %v", got)
	}
	params := doc.Paths["/rest/v1/projects"]["get"]["parameters"].([]any)
	filter := params[2].(map[string]any)
	if filter["style"] != "deepObject" || filter["explode"] != true || !jsonEqual(filter["schema"],
		map[string]any{"$ref": "#/components/schemas/ProjectFilter"}) {
		t.Errorf("filter parameter = %v", filter)
	}
	first := params[0].(map[string]any)
	if !jsonEqual(first["schema"], map[string]any{"type": "integer", "format": "int32", "default": 20}) || first["required"] != false {
		t.Errorf("first parameter = %v", first)
	}
	city := doc.Paths["/rest/v1/cities"]["get"]["parameters"].([]any)[0].(map[string]any)
	if city["name"] != "countryId" || city["required"] != true {
		t.Errorf("countryId parameter = %v", city)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// What generators and linters read: servers, the two security schemes
// with the scope each operation needs, a tag per CRM, operation ids that
// make good method names, a license, `first` bounded as the resolvers
// bound it, conditional headers and their answers, problem documents,
// and no component nothing uses.
func TestOpenAPIForClientGenerators(t *testing.T) {
	for _, anonymous := range []bool{false, true} {
		api, err := NewWithOptions(gatewaySchema(), Options{FirstBounds: graph.FirstBounds(), DefaultFirst: graph.DefaultFirst, Anonymous: anonymous})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := loadOpenAPI(t, api.OpenAPI()); err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(api.OpenAPI(), &doc); err != nil {
			t.Fatal(err)
		}
		info := doc["info"].(map[string]any)
		if lic, _ := info["license"].(map[string]any); lic["name"] == nil || lic["identifier"] == nil {
			t.Errorf("license = %v", info["license"])
		}
		servers, _ := doc["servers"].([]any)
		if len(servers) != 1 || servers[0].(map[string]any)["url"] != "{scheme}://{host}" {
			t.Errorf("servers = %v", doc["servers"])
		}
		comps := doc["components"].(map[string]any)
		schemes := comps["securitySchemes"].(map[string]any)
		if !jsonEqual(schemes["apiKey"], map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Key",
			"description": schemes["apiKey"].(map[string]any)["description"]}) ||
			schemes["bearer"].(map[string]any)["scheme"] != "bearer" || schemes["bearer"].(map[string]any)["type"] != "http" {
			t.Errorf("securitySchemes = %v", schemes)
		}
		tags := map[string]bool{}
		for _, tg := range doc["tags"].([]any) {
			m := tg.(map[string]any)
			if m["description"] == "" {
				t.Errorf("tag %v has no description", m["name"])
			}
			tags[m["name"].(string)] = true
		}
		if !tags["SynergyCRM"] || !tags["Solos CRM"] || !tags["r_keeper"] {
			t.Errorf("tags = %v", tags)
		}
		ids := map[string]string{}
		idRE := regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)
		paths := doc["paths"].(map[string]any)
		for path, item := range paths {
			for method, o := range item.(map[string]any) {
				op := o.(map[string]any)
				key := strings.ToUpper(method) + " " + path
				id, _ := op["operationId"].(string)
				if !idRE.MatchString(id) || ids[id] != "" {
					t.Errorf("%s: operation id %q (also %s)", key, id, ids[id])
				}
				ids[id] = key
				sec := op["security"].([]any)
				if len(sec) != map[bool]int{false: 2, true: 3}[anonymous] {
					t.Errorf("%s: security %v", key, sec)
				}
				tag := op["tags"].([]any)[0].(string)
				if !tags[tag] {
					t.Errorf("%s: tag %s is not declared", key, tag)
				}
				scopes := sec[0].(map[string]any)["apiKey"].([]any)
				wantScope := map[string]string{"SynergyCRM": "synergy", "Solos CRM": "solos", "r_keeper": "rkeeper"}[tag]
				if wantScope != "" {
					wantScope += map[bool]string{true: ":write", false: ":read"}[method != "get"]
					if fmt.Sprint(scopes) != "["+wantScope+"]" || !jsonEqual(sec[1].(map[string]any)["bearer"], scopes) {
						t.Errorf("%s: scopes %v, want %s", key, scopes, wantScope)
					}
				}
				responses := op["responses"].(map[string]any)
				var cond string
				switch method {
				case "get":
					cond = "304"
				case "patch", "delete":
					cond = "412"
				}
				if cond != "" && responses[cond] == nil {
					t.Errorf("%s does not document %s", key, cond)
				}
			}
		}
		for key, id := range map[string]string{
			"GET /rest/v1/deals": "listDeals", "GET /rest/v1/deals/{id}": "getDeal", "POST /rest/v1/deals": "createDeal",
			"PATCH /rest/v1/deals/{id}": "updateDeal", "DELETE /rest/v1/deals/{id}": "deleteDeal",
			"GET /rest/v1/deals/{id}/company": "getCompanyOfDeal", "GET /rest/v1/deals/{id}/stage": "getStageOfDeal",
			"GET /rest/v1/deal-stages/{id}": "getDealStage", "GET /rest/v1/projects/{id}/payments": "listPaymentsOfProject",
			"GET /rest/v1/countries": "listCountries", "GET /rest/v1/cities": "listCities", "GET /rest/v1/clients/{id}": "getClient",
			"POST /rest/v1/clients/{id}/contacts": "addClientContact", "GET /rest/v1/openapi.json": "getOpenAPIDocument",
		} {
			if ids[id] != key {
				t.Errorf("%s is %q, want %s", key, ids[id], id)
			}
		}
		first := func(path string) map[string]any {
			for _, p := range paths[path].(map[string]any)["get"].(map[string]any)["parameters"].([]any) {
				if m := p.(map[string]any); m["name"] == "first" {
					return m["schema"].(map[string]any)
				}
			}
			return nil
		}
		param := func(path, name string) map[string]any {
			for _, p := range paths[path].(map[string]any)["get"].(map[string]any)["parameters"].([]any) {
				if m := p.(map[string]any); m["name"] == name {
					return m["schema"].(map[string]any)
				}
			}
			return nil
		}
		// The same bounds and default on every backend's lists.
		for _, p := range []string{"/rest/v1/deals", "/rest/v1/projects", "/rest/v1/projects/{id}/payments"} {
			if sc := first(p); sc["minimum"] != float64(0) || sc["maximum"] != float64(100) || sc["default"] != float64(20) {
				t.Errorf("%s first = %v", p, sc)
			}
			if sc := param(p, "last"); sc["minimum"] != float64(1) || sc["maximum"] != float64(100) || sc["default"] != nil {
				t.Errorf("%s last = %v", p, sc)
			}
		}
		deals := paths["/rest/v1/deals"].(map[string]any)["get"].(map[string]any)
		ok := deals["responses"].(map[string]any)["200"].(map[string]any)
		if h := ok["headers"].(map[string]any); h["ETag"] == nil || h["Link"] == nil || h["Cache-Control"] == nil {
			t.Errorf("deals 200 headers = %v", h)
		}
		notFound := comps["responses"].(map[string]any)["Error404"].(map[string]any)["content"].(map[string]any)
		if notFound["application/problem+json"] == nil {
			t.Errorf("errors are not problem documents: %v", notFound)
		}

		// No component is left unused: every one is reached from the paths.
		raw, _ := json.Marshal(paths)
		reached := map[string]bool{}
		var walk func(string)
		walk = func(s string) {
			for _, m := range regexp.MustCompile(`#/components/([A-Za-z]+)/([A-Za-z0-9._-]+)`).FindAllStringSubmatch(s, -1) {
				if k := m[1] + "/" + m[2]; !reached[k] {
					reached[k] = true
					c, _ := json.Marshal(comps[m[1]].(map[string]any)[m[2]])
					walk(string(c))
				}
			}
		}
		walk(string(raw))
		for kind, v := range comps {
			if kind == "securitySchemes" {
				continue
			}
			for name := range v.(map[string]any) {
				if !reached[kind+"/"+name] {
					t.Errorf("component %s/%s is unused", kind, name)
				}
			}
		}
	}
}

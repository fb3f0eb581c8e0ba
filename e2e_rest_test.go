package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/go-chi/chi/v5"

	"github.com/crmgateway/gateway/adapters/synergy"
	"github.com/crmgateway/gateway/graph"
	"github.com/crmgateway/gateway/graph/generated"
	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/config"
	"github.com/crmgateway/gateway/internal/globalid"
	"github.com/crmgateway/gateway/internal/httpserver"
	"github.com/crmgateway/gateway/internal/loaders"
	"github.com/crmgateway/gateway/internal/metrics"
	"github.com/crmgateway/gateway/internal/redact"
	"github.com/crmgateway/gateway/internal/rest"
	"github.com/crmgateway/gateway/internal/upstream"
)

// restAnswer is a decoded REST answer.
type restAnswer struct {
	Status int
	Header http.Header
	Raw    []byte
	Body   map[string]any
}

// ext is a member of a problem document (code, field, upstream, …); nil
// for any other answer.
func (a *restAnswer) ext(key string) any {
	if !strings.HasPrefix(a.Header.Get("Content-Type"), "application/problem+json") {
		return nil
	}
	return a.Body[key]
}

func restCall(t testing.TB, method, u, body string) *restAnswer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := &restAnswer{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	_ = json.Unmarshal(raw, &a.Body)
	return a
}

// noCRMConfig is a gateway with no reachable CRM, whatever server.go
// wires: a base URL is set, so no sandbox emulator starts; SynergyCRM and
// r_keeper are not configured and Solos points at a closed port.
func noCRMConfig(t *testing.T) config.Config {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := config.Defaults()
	cfg.Solos.BaseURL, cfg.Solos.Token, cfg.Solos.Secret = "http://"+addr+"/backend/public", "token", "secret"
	cfg.Solos.Upstream.MaxRetries = 0
	return cfg
}

func loadServedOpenAPI(t *testing.T, base string) *openapi3.T {
	t.Helper()
	a := restCall(t, "GET", base+"/rest/v1/openapi.json", "")
	if a.Status != 200 || a.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("openapi.json: %d %s", a.Status, a.Header.Get("Content-Type"))
	}
	doc, err := openapi3.NewLoader().LoadFromData(a.Raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableMultiError()); err != nil {
		t.Fatalf("the served document is not valid OpenAPI %s: %v", doc.OpenAPI, err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi = %s, want 3.1", doc.OpenAPI)
	}
	return doc
}

// The served document is valid OpenAPI 3.1, holds the contract's
// resources, and the gateway's router serves exactly its operations.
func TestRESTOpenAPIMatchesTheRouter(t *testing.T) {
	g := startGateway(t, noCRMConfig(t))
	doc := loadServedOpenAPI(t, g.URL)
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	for _, k := range []string{
		"GET /rest/v1/contacts", "GET /rest/v1/contacts/{id}", "GET /rest/v1/deal-stage-categories",
		"GET /rest/v1/deals/{id}/company", "POST /rest/v1/contacts", "PATCH /rest/v1/deals/{id}",
		"DELETE /rest/v1/companies/{id}", "GET /rest/v1/openapi.json",
	} {
		if !documented[k] {
			t.Errorf("%s is not documented", k)
		}
	}
	served := map[string]bool{}
	err := chi.Walk(g.App.Server.Handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.HasPrefix(route, rest.Prefix+"/") {
			served[method+" "+route] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for k := range documented {
		if !served[k] {
			t.Errorf("%s is documented but the router does not serve it", k)
		}
	}
	// Every GET route answers HEAD too (the document says so once, in its
	// description), and nothing else is served.
	for k := range documented {
		if method, path, _ := strings.Cut(k, " "); method == "GET" && !served["HEAD "+path] {
			t.Errorf("HEAD %s is not served", path)
		}
	}
	for k := range served {
		method, path, _ := strings.Cut(k, " ")
		if !documented[k] && !(method == "HEAD" && documented["GET "+path]) {
			t.Errorf("%s is served but not documented", k)
		}
	}
}

// Every documented operation answers (no router 404 or 405), with a status
// the document lists and a body matching its schema. No CRM is reachable,
// so nothing succeeds: reads answer UPSTREAM_DISABLED or
// UPSTREAM_UNAVAILABLE, writes refuse their empty input first.
func TestRESTEveryDocumentedOperationIsServed(t *testing.T) {
	g := startGateway(t, noCRMConfig(t))
	doc := loadServedOpenAPI(t, g.URL)
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	params := regexp.MustCompile(`\{[^}]+\}`)
	id := globalid.Encode(globalid.Synergy, "contacts", "1")
	n := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			n++
			u := g.URL + params.ReplaceAllString(path, id)
			body := ""
			if op.RequestBody != nil {
				body = "{}"
			}
			a := restCall(t, method, u, body)
			if a.Status == http.StatusMethodNotAllowed || strings.Contains(string(a.Raw), "no REST resource") {
				t.Errorf("%s %s: the router does not serve it: %d %s", method, path, a.Status, a.Raw)
				continue
			}
			req, _ := http.NewRequest(method, u, strings.NewReader(body))
			route, pathParams, err := router.FindRoute(req)
			if err != nil {
				t.Errorf("%s %s: %v", method, path, err)
				continue
			}
			err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: pathParams, Route: route},
				Status:                 a.Status, Header: a.Header, Body: io.NopCloser(bytes.NewReader(a.Raw)),
				Options: &openapi3filter.Options{IncludeResponseStatus: true},
			})
			if err != nil {
				t.Errorf("%s %s: %d does not match the document: %v\n%s", method, path, a.Status, err, a.Raw)
			}
			if path != rest.Prefix+"/openapi.json" && a.Status < 400 {
				t.Errorf("%s %s: %d with no CRM wired: %s", method, path, a.Status, a.Raw)
			}
		}
	}
	if n < 150 {
		t.Errorf("only %d operations documented", n)
	}
}

func TestRESTDisabledBackendAndBadParameters(t *testing.T) {
	g := startGateway(t, noCRMConfig(t))
	cases := []struct {
		method, path, body string
		status             int
		code, param        string
	}{
		{"GET", "/rest/v1/contacts", "", 503, "UPSTREAM_DISABLED", ""},
		{"GET", "/rest/v1/deal-stage-categories?first=5", "", 503, "UPSTREAM_DISABLED", ""},
		{"GET", "/rest/v1/contacts?first=many", "", 400, "BAD_USER_INPUT", "first"},
		{"GET", "/rest/v1/contacts?filter[firstname]=x", "", 400, "BAD_USER_INPUT", "filter[firstname]"},
		{"GET", "/rest/v1/deals?filter[createdAtGte]=today", "", 400, "BAD_USER_INPUT", "filter[createdAtGte]"},
		{"GET", "/rest/v1/contacts?sort=name", "", 400, "BAD_USER_INPUT", "sort"},
		{"POST", "/rest/v1/contacts", `{"firstName":"Анна"}`, 400, "BAD_USER_INPUT", "body.lastName"},
		{"GET", "/rest/v1/nothing-here", "", 404, "NOT_FOUND", ""},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			a := restCall(t, c.method, g.URL+c.path, c.body)
			if a.Status != c.status || a.ext("code") != c.code {
				t.Fatalf("status %d: %s", a.Status, a.Raw)
			}
			if p, _ := a.ext("field").(string); p != c.param {
				t.Errorf("parameter = %q, want %q", p, c.param)
			}
			if c.code == "UPSTREAM_DISABLED" && a.ext("upstream") != "synergy" {
				t.Errorf("upstream = %v", a.ext("upstream"))
			}
		})
	}
	// REST requests are counted under their route pattern, not their path.
	resp, err := http.Get(g.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `crm_gateway_http_requests_total{method="GET",route="/rest/v1/contacts",status="503"}`) {
		t.Errorf("metrics lack the REST request by route")
	}
}

// jsonAPIServer speaks just enough SynergyCRM (JSON:API) for a contacts
// list and read, and records what it was asked.
type jsonAPIServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func newJSONAPIServer(t *testing.T, token string) *jsonAPIServer {
	s := &jsonAPIServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, r)
		s.mu.Unlock()
		w.Header().Set("Content-Type", synergy.MediaType)
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"errors":[{"status":"401","title":"Unauthorized"}]}`)
			return
		}
		ivan := `{"type":"contacts","id":"1","attributes":{"first-name":"Иван","last-name":"Иванов","email":"ivanov@example.ru"}}`
		switch r.URL.Path {
		case "/api/v1/contacts":
			_, _ = io.WriteString(w, `{"data":[`+ivan+`],"meta":{"record-count":1}}`)
		case "/api/v1/contacts/1":
			_, _ = io.WriteString(w, `{"data":`+ivan+`}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"errors":[{"status":"404","title":"Record not found"}]}`)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jsonAPIServer) requests() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.reqs...)
}

// startGatewayWithSynergy serves the gateway with the real SynergyCRM
// adapter pointed at base: upstream client, adapter, resolvers, HTTP
// surface and REST facade, put together as build() does but with the
// adapter wired here, so these tests hold however wireBackends evolves.
func startGatewayWithSynergy(t *testing.T, base, token string) *httptest.Server {
	t.Helper()
	cfg := config.Defaults()
	cfg.Synergy.BaseURL, cfg.Synergy.Token = base, token
	cfg.Synergy.Upstream.MaxRetries = 0
	log := newLogger(cfg, io.Discard)
	m := metrics.New()
	up, err := upstream.New(upstream.Options{Name: synergy.Name, BaseURL: base, Timeout: cfg.Synergy.Upstream.Timeout,
		MaxConcurrent: cfg.Synergy.Upstream.MaxConcurrent, MaxResponseBytes: cfg.Synergy.Upstream.MaxResponseBytes,
		Authorize: synergy.Authorize(token), Redactor: redact.New(token), Metrics: m, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	res := &graph.Resolver{Log: log, Backends: graph.Backends{Synergy: synergy.New(up)}}
	exec := generated.NewExecutableSchema(res.Config())
	api, err := rest.New(exec.Schema())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpserver.New(httpserver.Deps{
		Config: cfg, Schema: exec, Metrics: m, Log: log,
		ErrorPresenter: graph.ErrorPresenter(log, redact.New(token), func(apierr.Code) {}), Recover: graph.Recover(log),
		PerRequest: loaders.Middleware, Mount: api.Mount,
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRESTOverTheSynergyAdapter(t *testing.T) {
	const token = "syn-test-token-3f9a"
	up := newJSONAPIServer(t, token)
	g := startGatewayWithSynergy(t, up.URL+"/api/v1", token)
	ivan := globalid.Encode(globalid.Synergy, "contacts", "1")

	t.Run("list", func(t *testing.T) {
		a := restCall(t, "GET", g.URL+"/rest/v1/contacts?first=10&filter[lastName]="+url.QueryEscape("Иванов"), "")
		if a.Status != 200 {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
		items, _ := a.Body["items"].([]any)
		if len(items) != 1 || a.Body["totalCount"] != float64(1) {
			t.Fatalf("body %s", a.Raw)
		}
		c := items[0].(map[string]any)
		if c["id"] != ivan || c["firstName"] != "Иван" || c["email"] != "ivanov@example.ru" {
			t.Errorf("item %v", c)
		}
		reqs := up.requests()
		if len(reqs) != 1 {
			t.Fatalf("upstream requests = %d", len(reqs))
		}
		q := reqs[0].URL.Query()
		if reqs[0].URL.Path != "/api/v1/contacts" || q.Get("filter[last-name]") != "Иванов" || q.Get("page[size]") != "10" {
			t.Errorf("upstream request %s", reqs[0].URL)
		}
		if strings.Contains(string(a.Raw), token) {
			t.Error("the token leaked into the answer")
		}
	})
	t.Run("item", func(t *testing.T) {
		a := restCall(t, "GET", g.URL+"/rest/v1/contacts/"+ivan, "")
		if a.Status != 200 || a.Body["lastName"] != "Иванов" {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
	})
	t.Run("upstream 404", func(t *testing.T) {
		a := restCall(t, "GET", g.URL+"/rest/v1/contacts/"+globalid.Encode(globalid.Synergy, "contacts", "2"), "")
		if a.Status != 404 || a.ext("code") != "NOT_FOUND" || a.ext("upstream") != "synergy" {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
	})
	t.Run("invalid id never reaches the upstream", func(t *testing.T) {
		before := len(up.requests())
		a := restCall(t, "GET", g.URL+"/rest/v1/contacts/definitely-not-an-id", "")
		if a.Status != 400 || a.ext("code") != "BAD_USER_INPUT" || a.ext("field") != "id" {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
		if len(up.requests()) != before {
			t.Error("the upstream was called")
		}
	})
	t.Run("wrong token", func(t *testing.T) {
		g := startGatewayWithSynergy(t, up.URL+"/api/v1", "wrong")
		a := restCall(t, "GET", g.URL+"/rest/v1/contacts", "")
		if a.Status != http.StatusBadGateway || a.ext("code") != "UPSTREAM_UNAUTHENTICATED" || a.ext("upstream") != "synergy" {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
	})
}

func TestRESTUnreachableUpstreamIs503(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	g := startGatewayWithSynergy(t, "http://127.0.0.1:"+strconv.Itoa(port)+"/api/v1", "t")
	a := restCall(t, "GET", g.URL+"/rest/v1/contacts", "")
	if a.Status != http.StatusServiceUnavailable || a.ext("code") != "UPSTREAM_UNAVAILABLE" || a.ext("upstream") != "synergy" {
		t.Fatalf("status %d: %s", a.Status, a.Raw)
	}
}

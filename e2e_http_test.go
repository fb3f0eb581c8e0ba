package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/crmgateway/gateway/internal/config"
)

// End-to-end tests of the HTTP surface: GraphQL over HTTP (methods, media
// types, status codes, malformed requests), persisted queries, CORS,
// security headers and the playground's files. The graphql-http audit and
// the browser test (tests/) cover the same surface from outside.

// httpResult is a raw HTTP answer.
type httpResult struct {
	Status int
	Header http.Header
	Body   string
}

// json decodes the body as a GraphQL response.
func (r httpResult) json(t testing.TB) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
		t.Fatalf("body is not JSON (HTTP %d): %q", r.Status, r.Body)
	}
	return out
}

// errorCodes lists extensions.code and extensions.reason of each error.
func (r httpResult) errorCodes(t testing.TB) (codes, reasons []string) {
	t.Helper()
	errs, _ := r.json(t)["errors"].([]any)
	for _, e := range errs {
		ext, _ := e.(map[string]any)["extensions"].(map[string]any)
		c, _ := ext["code"].(string)
		rs, _ := ext["reason"].(string)
		codes = append(codes, c)
		reasons = append(reasons, rs)
	}
	return codes, reasons
}

func (g *testGateway) do(t testing.TB, method, path string, header map[string]string, body string) httpResult {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, g.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return httpResult{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

func getPath(query string, vars map[string]any, ext map[string]any) string {
	v := url.Values{}
	if query != "" {
		v.Set("query", query)
	}
	if vars != nil {
		b, _ := json.Marshal(vars)
		v.Set("variables", string(b))
	}
	if ext != nil {
		b, _ := json.Marshal(ext)
		v.Set("extensions", string(b))
	}
	return "/graphql?" + v.Encode()
}

const (
	jsonCT = "application/json"
	grCT   = "application/graphql-response+json"
)

// TestGraphQLOverHTTPStatusCodes pins the status code and media type of each
// kind of answer under both media types, as the GraphQL-over-HTTP
// specification gives them.
func TestGraphQLOverHTTPStatusCodes(t *testing.T) {
	g := startGateway(t, config.Defaults())
	for _, tc := range []struct {
		name       string
		accept     string
		body       string
		wantStatus int
		wantCT     string
		wantData   bool   // a "data" entry is present
		wantReason string // extensions.reason of the first error
	}{
		{"ok, no Accept", "", `{"query":"{ __typename }"}`, 200, jsonCT, true, ""},
		{"ok, */*", "*/*", `{"query":"{ __typename }"}`, 200, jsonCT, true, ""},
		{"ok, json", jsonCT, `{"query":"{ __typename }"}`, 200, jsonCT, true, ""},
		{"ok, graphql-response", grCT, `{"query":"{ __typename }"}`, 200, grCT, true, ""},
		{"ok, preference order", grCT + ", " + jsonCT + ";q=0.9", `{"query":"{ __typename }"}`, 200, grCT, true, ""},
		{"parse error, json", jsonCT, `{"query":"{"}`, 200, jsonCT, false, "GRAPHQL_PARSE_FAILED"},
		{"parse error, graphql-response", grCT, `{"query":"{"}`, 400, grCT, false, "GRAPHQL_PARSE_FAILED"},
		{"validation error, json", jsonCT, `{"query":"{ noSuchField }"}`, 200, jsonCT, false, "GRAPHQL_VALIDATION_FAILED"},
		{"validation error, graphql-response", grCT, `{"query":"{ noSuchField }"}`, 400, grCT, false, "GRAPHQL_VALIDATION_FAILED"},
		{"variable coercion, json", jsonCT, `{"query":"query($id: ID!) { __typename }","variables":{"id":null}}`, 200, jsonCT, false, "GRAPHQL_VALIDATION_FAILED"},
		{"variable coercion, graphql-response", grCT, `{"query":"query($id: ID!) { __typename }","variables":{"id":null}}`, 400, grCT, false, "GRAPHQL_VALIDATION_FAILED"},
		{"unknown operationName, graphql-response", grCT, `{"query":"query A { __typename }","operationName":"B"}`, 400, grCT, false, "GRAPHQL_VALIDATION_FAILED"},
		{"field error executes, graphql-response", grCT, `{"query":"{ node(id: \"bad\") { id } }"}`, 200, grCT, true, ""},
		{"malformed JSON, json", jsonCT, `{"query": "{`, 400, jsonCT, false, ""},
		{"malformed JSON, graphql-response", grCT, `{"query": "{`, 400, grCT, false, ""},
		{"no query, graphql-response", grCT, `{"notquery":"{ __typename }"}`, 400, grCT, false, ""},
		{"object query", jsonCT, `{"query":{"obj":"ect"}}`, 400, jsonCT, false, ""},
		{"array variables", jsonCT, `{"query":"{ __typename }","variables":["array"]}`, 400, jsonCT, false, ""},
		{"string extensions", jsonCT, `{"query":"{ __typename }","extensions":"string"}`, 400, jsonCT, false, ""},
		{"false operationName", jsonCT, `{"query":"{ __typename }","operationName":false}`, 400, jsonCT, false, ""},
		{"null parameters", grCT, `{"query":"{ __typename }","variables":null,"operationName":null,"extensions":null}`, 200, grCT, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{"Content-Type": "application/json"}
			if tc.accept != "" {
				h["Accept"] = tc.accept
			}
			r := g.do(t, http.MethodPost, "/graphql", h, tc.body)
			if r.Status != tc.wantStatus {
				t.Fatalf("status = %d, want %d: %s", r.Status, tc.wantStatus, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); ct != tc.wantCT+"; charset=utf-8" {
				t.Fatalf("Content-Type = %q, want %s", ct, tc.wantCT)
			}
			doc := r.json(t)
			if _, has := doc["data"]; has != tc.wantData {
				t.Fatalf("data present = %v, want %v: %s", has, tc.wantData, r.Body)
			}
			if !tc.wantData || tc.wantReason != "" {
				codes, reasons := r.errorCodes(t)
				if len(codes) == 0 || codes[0] != "BAD_USER_INPUT" {
					t.Fatalf("codes = %v, want BAD_USER_INPUT: %s", codes, r.Body)
				}
				if reasons[0] != tc.wantReason {
					t.Fatalf("reason = %q, want %q", reasons[0], tc.wantReason)
				}
			}
		})
	}
}

func TestGraphQLOverHTTPRefusals(t *testing.T) {
	g := startGateway(t, config.Defaults())
	q := `{"query":"{ __typename }"}`
	for _, tc := range []struct {
		name       string
		method     string
		header     map[string]string
		body       string
		wantStatus int
		wantAllow  string
	}{
		{"no content type", http.MethodPost, nil, q, http.StatusUnsupportedMediaType, ""},
		{"text/plain (cross-site simple request)", http.MethodPost, map[string]string{"Content-Type": "text/plain"}, q, http.StatusUnsupportedMediaType, ""},
		{"form post", http.MethodPost, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "query=%7B__typename%7D", http.StatusUnsupportedMediaType, ""},
		{"application/graphql", http.MethodPost, map[string]string{"Content-Type": "application/graphql"}, "{ __typename }", http.StatusUnsupportedMediaType, ""},
		{"latin-1 body", http.MethodPost, map[string]string{"Content-Type": "application/json; charset=iso-8859-1"}, q, http.StatusUnsupportedMediaType, ""},
		{"utf-8 charset accepted", http.MethodPost, map[string]string{"Content-Type": "application/json; charset=UTF-8"}, q, http.StatusOK, ""},
		{"empty body", http.MethodPost, map[string]string{"Content-Type": "application/json"}, "", http.StatusBadRequest, ""},
		{"nothing acceptable", http.MethodPost, map[string]string{"Content-Type": "application/json", "Accept": "text/html"}, q, http.StatusNotAcceptable, ""},
		{"PUT", http.MethodPut, map[string]string{"Content-Type": "application/json"}, q, http.StatusMethodNotAllowed, "GET, POST, OPTIONS"},
		{"DELETE", http.MethodDelete, nil, "", http.StatusMethodNotAllowed, "GET, POST, OPTIONS"},
		{"HEAD", http.MethodHead, nil, "", http.StatusMethodNotAllowed, "GET, POST, OPTIONS"},
		{"OPTIONS without CORS", http.MethodOptions, nil, "", http.StatusNoContent, "GET, POST, OPTIONS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := g.do(t, tc.method, "/graphql", tc.header, tc.body)
			if r.Status != tc.wantStatus {
				t.Fatalf("status = %d, want %d: %s", r.Status, tc.wantStatus, r.Body)
			}
			if got := r.Header.Get("Allow"); got != tc.wantAllow {
				t.Fatalf("Allow = %q, want %q", got, tc.wantAllow)
			}
			if r.Status >= 400 && tc.method != http.MethodHead {
				if codes, _ := r.errorCodes(t); len(codes) != 1 || codes[0] != "BAD_USER_INPUT" {
					t.Fatalf("codes = %v: %s", codes, r.Body)
				}
			}
		})
	}
}

// TestMalformedBodiesAreNotEchoed: whatever the client sent, the error
// never quotes it back (it may carry secrets, and echoing invites
// reflected content).
func TestMalformedBodiesAreNotEchoed(t *testing.T) {
	g := startGateway(t, config.Defaults())
	const secret = "SECRET-TOKEN-8c1f2"
	for _, body := range []string{
		`{"query": "` + secret,
		`{"query": {"` + secret + `": 1}}`,
		`{"query": "{ __typename }", "variables": "` + secret + `"}`,
		`{"query": "{ __typename }", "extensions": ["` + secret + `"]}`,
		`["` + secret + `"]`,
		`{"query": "{ __typename }"} ` + secret,
		secret,
	} {
		for _, accept := range []string{jsonCT, grCT} {
			r := g.do(t, http.MethodPost, "/graphql", map[string]string{"Content-Type": "application/json", "Accept": accept}, body)
			if r.Status != http.StatusBadRequest {
				t.Errorf("%q (%s): status = %d, want 400", body, accept, r.Status)
			}
			if strings.Contains(r.Body, secret) {
				t.Errorf("%q (%s): the answer echoes the body: %s", body, accept, r.Body)
			}
		}
	}
	r := g.do(t, http.MethodGet, "/graphql?query=%7B__typename%7D&variables=%7B"+secret, nil, "")
	if r.Status != http.StatusBadRequest || strings.Contains(r.Body, secret) {
		t.Errorf("GET variables: status %d body %s", r.Status, r.Body)
	}
}

func TestGraphQLOverGET(t *testing.T) {
	g := startGateway(t, config.Defaults())
	t.Run("query", func(t *testing.T) {
		r := g.do(t, http.MethodGet, getPath(`{ __typename }`, nil, nil), nil, "")
		if r.Status != 200 || r.Body != `{"data":{"__typename":"Query"}}` {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("variables", func(t *testing.T) {
		r := g.do(t, http.MethodGet, getPath(`query($n: String!) { __type(name: $n) { name } }`, map[string]any{"n": "Query"}, nil),
			map[string]string{"Accept": grCT}, "")
		if r.Status != 200 || r.Body != `{"data":{"__type":{"name":"Query"}}}` {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	for _, tc := range []struct{ name, query, op string }{
		{"mutation", `mutation { __typename }`, ""},
		{"real mutation", `mutation { deleteContactStatus(id: "x") { deletedId } }`, ""},
		{"selected mutation", `query A { __typename } mutation B { __typename }`, "B"},
		{"subscription", `subscription { __typename }`, ""},
	} {
		for _, accept := range []string{jsonCT, grCT} {
			t.Run(tc.name+" is 405 ("+accept+")", func(t *testing.T) {
				p := getPath(tc.query, nil, nil)
				if tc.op != "" {
					p += "&operationName=" + tc.op
				}
				r := g.do(t, http.MethodGet, p, map[string]string{"Accept": accept}, "")
				if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "POST" {
					t.Fatalf("status %d Allow %q: %s", r.Status, r.Header.Get("Allow"), r.Body)
				}
				if _, has := r.json(t)["data"]; has {
					t.Fatal("a refused request has no data")
				}
			})
		}
	}
	t.Run("selected query of a document with a mutation runs", func(t *testing.T) {
		r := g.do(t, http.MethodGet, getPath(`query A { __typename } mutation B { __typename }`, nil, nil)+"&operationName=A", nil, "")
		if r.Status != http.StatusOK || r.Body != `{"data":{"__typename":"Query"}}` {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("no query", func(t *testing.T) {
		r := g.do(t, http.MethodGet, "/graphql", nil, "")
		if r.Status != http.StatusBadRequest {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
}

func apqExt(query string) map[string]any {
	sum := sha256.Sum256([]byte(query))
	return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
}

// TestAutomaticPersistedQueries walks the APQ protocol: a hash the gateway
// does not know → PERSISTED_QUERY_NOT_FOUND, registration with the full query, then
// the hash alone, over POST and over GET.
func TestAutomaticPersistedQueries(t *testing.T) {
	cfg := config.Defaults()
	cfg.Limits.APQCacheSize = 2
	g := startGateway(t, cfg)
	post := func(t *testing.T, query string, ext map[string]any) httpResult {
		b, _ := json.Marshal(map[string]any{"query": query, "extensions": ext})
		if query == "" {
			b, _ = json.Marshal(map[string]any{"extensions": ext})
		}
		return g.do(t, http.MethodPost, "/graphql", map[string]string{"Content-Type": "application/json"}, string(b))
	}
	get := func(t *testing.T, query string, ext map[string]any) httpResult {
		return g.do(t, http.MethodGet, getPath(query, nil, ext), nil, "")
	}
	notFound := func(t *testing.T, r httpResult) {
		t.Helper()
		codes, _ := r.errorCodes(t)
		if r.Status != 200 || len(codes) != 1 || codes[0] != "PERSISTED_QUERY_NOT_FOUND" {
			t.Fatalf("want PERSISTED_QUERY_NOT_FOUND, got %d %s", r.Status, r.Body)
		}
		if msg := r.json(t)["errors"].([]any)[0].(map[string]any)["message"]; msg != "PersistedQueryNotFound" {
			t.Fatalf("message = %v (clients match on PersistedQueryNotFound)", msg)
		}
	}
	for _, tc := range []struct {
		name string
		send func(*testing.T, string, map[string]any) httpResult
	}{{"POST", post}, {"GET", get}} {
		t.Run(tc.name, func(t *testing.T) {
			query := `query APQ` + tc.name + ` { __typename }`
			ext := apqExt(query)
			notFound(t, tc.send(t, "", ext))
			if r := tc.send(t, query, ext); r.Status != 200 || r.Body != `{"data":{"__typename":"Query"}}` {
				t.Fatalf("register: %d %s", r.Status, r.Body)
			}
			if r := tc.send(t, "", ext); r.Status != 200 || r.Body != `{"data":{"__typename":"Query"}}` {
				t.Fatalf("hash-only hit: %d %s", r.Status, r.Body)
			}
		})
	}
	t.Run("registered with POST, read with GET", func(t *testing.T) {
		query := `query Shared { __typename }`
		post(t, query, apqExt(query))
		if r := get(t, "", apqExt(query)); r.Status != 200 || !strings.Contains(r.Body, `"Query"`) {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("a persisted mutation is refused over GET", func(t *testing.T) {
		query := `mutation M { __typename }`
		if r := post(t, query, apqExt(query)); r.Status != 200 {
			t.Fatalf("registering over POST: %d %s", r.Status, r.Body)
		}
		r := get(t, "", apqExt(query))
		if r.Status != http.StatusMethodNotAllowed {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		if _, has := r.json(t)["data"]; has {
			t.Fatalf("mutation ran over GET: %s", r.Body)
		}
	})
	t.Run("the cache is bounded", func(t *testing.T) {
		first := `query First { __typename }`
		post(t, first, apqExt(first))
		for _, q := range []string{`query Second { __typename }`, `query Third { __typename }`} {
			post(t, q, apqExt(q))
		}
		notFound(t, post(t, "", apqExt(first)))
	})
	for _, tc := range []struct {
		name string
		ext  map[string]any
	}{
		{"hash mismatch", map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": "00"}}},
		{"unsupported version", map[string]any{"persistedQuery": map[string]any{"version": 2, "sha256Hash": "00"}}},
		{"malformed extension", map[string]any{"persistedQuery": "yes"}},
	} {
		t.Run(tc.name+" is BAD_USER_INPUT", func(t *testing.T) {
			r := post(t, `{ __typename }`, tc.ext)
			if codes, _ := r.errorCodes(t); len(codes) != 1 || codes[0] != "BAD_USER_INPUT" {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		})
	}
}

func TestCORS(t *testing.T) {
	preflight := func(g *testGateway, origin string) httpResult {
		return g.do(t, http.MethodOptions, "/graphql", map[string]string{
			"Origin":                         origin,
			"Access-Control-Request-Method":  "POST",
			"Access-Control-Request-Headers": "content-type",
		}, "")
	}
	t.Run("sandbox default: localhost origins", func(t *testing.T) {
		g := startGateway(t, config.Defaults())
		for origin, allowed := range map[string]bool{
			"http://localhost:5173":   true,
			"http://127.0.0.1:3000":   true,
			"https://evil.example":    false,
			"http://localhost.evil.x": false,
		} {
			r := preflight(g, origin)
			acao := r.Header.Get("Access-Control-Allow-Origin")
			if allowed {
				if r.Status != http.StatusNoContent || acao != origin ||
					!strings.Contains(r.Header.Get("Access-Control-Allow-Methods"), "POST") ||
					!strings.Contains(strings.ToLower(r.Header.Get("Access-Control-Allow-Headers")), "content-type") {
					t.Errorf("%s: status %d headers %v", origin, r.Status, r.Header)
				}
			} else if acao != "" || r.Header.Get("Access-Control-Allow-Methods") != "" {
				t.Errorf("%s must not be allowed: %v", origin, r.Header)
			}
			// The actual request carries the header only for an allowed origin.
			act := g.do(t, http.MethodPost, "/graphql", map[string]string{"Origin": origin, "Content-Type": "application/json"}, `{"query":"{ __typename }"}`)
			if got := act.Header.Get("Access-Control-Allow-Origin"); (got == origin) != allowed || (!allowed && got != "") {
				t.Errorf("%s: actual request Access-Control-Allow-Origin = %q", origin, got)
			}
			if act.Status != 200 {
				t.Errorf("%s: actual request status %d", origin, act.Status)
			}
		}
	})
	t.Run("configured origins replace the default", func(t *testing.T) {
		cfg := config.Defaults()
		cfg.CORSAllowedOrigins = []string{"https://crm.example.com"}
		g := startGateway(t, cfg)
		if got := preflight(g, "https://crm.example.com").Header.Get("Access-Control-Allow-Origin"); got != "https://crm.example.com" {
			t.Errorf("configured origin: %q", got)
		}
		if got := preflight(g, "http://localhost:5173").Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("localhost must not be allowed once origins are configured: %q", got)
		}
	})
	t.Run("CORS_ALLOWED_ORIGINS is read from the environment", func(t *testing.T) {
		env := map[string]string{"CORS_ALLOWED_ORIGINS": " https://a.example.com , https://b.example.com,"}
		cfg, err := config.Load(env)
		if err != nil {
			t.Fatal(err)
		}
		g := startGateway(t, cfg)
		for _, o := range []string{"https://a.example.com", "https://b.example.com"} {
			if got := preflight(g, o).Header.Get("Access-Control-Allow-Origin"); got != o {
				t.Errorf("%s: %q", o, got)
			}
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	g := startGateway(t, config.Defaults())
	for _, tc := range []struct{ method, path, body string }{
		{http.MethodPost, "/graphql", `{"query":"{ __typename }"}`},
		{http.MethodPost, "/graphql", `{"query": "{`},
		{http.MethodGet, "/graphql?query=%7B__typename%7D", ""},
		{http.MethodGet, "/healthz", ""},
		{http.MethodGet, "/readyz", ""},
		{http.MethodGet, "/metrics", ""},
		{http.MethodGet, "/playground", ""},
		{http.MethodGet, "/no-such-path", ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			r := g.do(t, tc.method, tc.path, map[string]string{"Content-Type": "application/json"}, tc.body)
			for h, want := range map[string]string{
				"X-Content-Type-Options": "nosniff",
				"X-Frame-Options":        "DENY",
				"Referrer-Policy":        "no-referrer",
			} {
				if got := r.Header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
			csp := r.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("Content-Security-Policy = %q", csp)
			}
		})
	}
}

// TestPlaygroundAssets: the page and every file it references come from the
// binary, under a CSP that allows no inline or foreign script.
func TestPlaygroundAssets(t *testing.T) {
	g := startGateway(t, config.Defaults())
	page := g.do(t, http.MethodGet, "/playground", nil, "")
	if page.Status != 200 || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %s", page.Status, page.Header.Get("Content-Type"))
	}
	csp := page.Header.Get("Content-Security-Policy")
	scriptSrc := regexp.MustCompile(`script-src ([^;]*)`).FindStringSubmatch(csp)
	if scriptSrc == nil || strings.TrimSpace(scriptSrc[1]) != "'self'" {
		t.Fatalf("script-src must be 'self' alone: %q", csp)
	}
	for _, d := range []string{"default-src 'none'", "connect-src 'self'", "worker-src 'self'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("CSP lacks %s: %q", d, csp)
		}
	}
	if strings.Contains(page.Body, "<script>") || regexp.MustCompile(`<script(?:[^>]*)>[^<]`).MatchString(page.Body) {
		t.Errorf("the page has an inline script:\n%s", page.Body)
	}
	if regexp.MustCompile(`(?:src|href)="(?:https?:)?//`).MatchString(page.Body) {
		t.Errorf("the page references another origin:\n%s", page.Body)
	}
	if slash := g.do(t, http.MethodGet, "/playground/", nil, ""); slash.Status != 200 || slash.Body != page.Body {
		t.Errorf("/playground/: %d", slash.Status)
	}

	refs := regexp.MustCompile(`(?:src|href)="(/playground/[^"]+)"`).FindAllStringSubmatch(page.Body, -1)
	if len(refs) < 2 {
		t.Fatalf("the page references %d files:\n%s", len(refs), page.Body)
	}
	wantType := map[string]string{".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
	for _, ref := range refs {
		r := g.do(t, http.MethodGet, ref[1], nil, "")
		ext := ref[1][strings.LastIndex(ref[1], "."):]
		if r.Status != 200 || len(r.Body) == 0 || !strings.HasPrefix(r.Header.Get("Content-Type"), wantType[ext]) {
			t.Errorf("%s: %d %q (%d bytes)", ref[1], r.Status, r.Header.Get("Content-Type"), len(r.Body))
		}
		if strings.Contains(ref[1], "/assets/") && !strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: Cache-Control %q", ref[1], r.Header.Get("Cache-Control"))
		}
	}
	for _, p := range []string{"/playground/assets/", "/playground/assets/nope.js", "/playground/../server.go", "/playground/dist/index.html"} {
		if r := g.do(t, http.MethodGet, p, nil, ""); r.Status != http.StatusNotFound {
			t.Errorf("%s: %d", p, r.Status)
		}
	}
	if r := g.do(t, http.MethodPost, "/playground", nil, "x"); r.Status != http.StatusMethodNotAllowed {
		t.Errorf("POST /playground: %d", r.Status)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(g.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/playground" {
		t.Errorf("/ → %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

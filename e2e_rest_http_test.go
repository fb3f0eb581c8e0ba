package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	synergyemu "github.com/crmgateway/gateway/adapters/synergy/emulator"
	"github.com/crmgateway/gateway/internal/caller"
	"github.com/crmgateway/gateway/internal/config"
	"github.com/crmgateway/gateway/internal/globalid"
	"github.com/crmgateway/gateway/internal/playground"
)

// httpCall is one request with headers, its answer read raw (no
// transparent decompression: the test asks for codings itself).
type httpCall struct {
	Status int
	Header http.Header
	Raw    []byte
}

func (c httpCall) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(c.Raw, &m); err != nil {
		t.Fatalf("not JSON (%d %s): %.300s", c.Status, c.Header.Get("Content-Encoding"), c.Raw)
	}
	return m
}

func do(t testing.TB, method, u string, headers map[string]string, body string) httpCall {
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
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	// A transport of its own that never adds Accept-Encoding: what the
	// gateway compresses is what the test asked for.
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return httpCall{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
}

func decoded(t testing.TB, c httpCall) []byte {
	t.Helper()
	switch c.Header.Get("Content-Encoding") {
	case "":
		return c.Raw
	case "gzip":
		r, err := gzip.NewReader(bytes.NewReader(c.Raw))
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	case "zstd":
		r, err := zstd.NewReader(bytes.NewReader(c.Raw))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	t.Fatalf("unknown coding %q", c.Header.Get("Content-Encoding"))
	return nil
}

func varies(h http.Header, name string) bool {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), name) {
				return true
			}
		}
	}
	return false
}

func isProblem(c httpCall) bool {
	return strings.HasPrefix(c.Header.Get("Content-Type"), "application/problem+json")
}

// REST errors are RFC 9457 problem documents: type, title, status,
// detail, instance, the gateway's code, upstream and field, the request's
// X-Request-Id as requestId, and every error when there are several.
func TestRESTProblemDocuments(t *testing.T) {
	emu := synergyemu.New(synergyemu.Options{Token: "syn-problem-token"})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	cfg := config.Defaults()
	cfg.Synergy.BaseURL, cfg.Synergy.Token = srv.URL+"/api/v1", "syn-problem-token"
	cfg.Synergy.Upstream.MaxRetries = 0
	g := startGateway(t, cfg)

	t.Run("bad parameter", func(t *testing.T) {
		c := do(t, "GET", g.URL+"/rest/v1/deals?first=many", map[string]string{"X-Request-Id": "req-problem-1"}, "")
		p := c.json(t)
		want := map[string]any{"type": "tag:crm-gateway,2025:problem/bad-user-input", "title": "The request is not valid",
			"status": float64(400), "instance": "/rest/v1/deals", "code": "BAD_USER_INPUT", "field": "first", "requestId": "req-problem-1"}
		for k, v := range want {
			if p[k] != v {
				t.Errorf("%s = %v, want %v", k, p[k], v)
			}
		}
		if c.Status != 400 || !isProblem(c) || c.Header.Get("X-Request-Id") != "req-problem-1" ||
			!strings.Contains(p["detail"].(string), "first") || c.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%d %v %s", c.Status, c.Header, c.Raw)
		}
		for _, k := range []string{"errors", "extensions", "message", "path"} {
			if _, has := p[k]; has {
				t.Errorf("%s is GraphQL's shape, not a problem's: %s", k, c.Raw)
			}
		}
	})
	t.Run("upstream failure names the CRM", func(t *testing.T) {
		emu.Inject(synergyemu.Fault{Status: 500, Times: 1})
		c := do(t, "GET", g.URL+"/rest/v1/contacts?first=1", nil, "")
		p := c.json(t)
		if c.Status != 502 || !isProblem(c) || p["code"] != "UPSTREAM_ERROR" || p["upstream"] != "synergy" ||
			p["type"] != "tag:crm-gateway,2025:problem/upstream-error" || p["requestId"] != c.Header.Get("X-Request-Id") || p["requestId"] == "" {
			t.Fatalf("%d %s", c.Status, c.Raw)
		}
	})
	t.Run("every offending field", func(t *testing.T) {
		emu.Inject(synergyemu.Fault{Status: 422, Times: 1, Errors: []synergyemu.ErrorObject{
			{Status: "422", Title: "is invalid", Detail: "Фамилия слишком длинная", Pointer: "/data/attributes/last-name"},
			{Status: "422", Title: "is invalid", Detail: "Неверный e-mail", Pointer: "/data/attributes/email"},
		}})
		c := do(t, "POST", g.URL+"/rest/v1/contacts", nil, `{"firstName":"Анна","lastName":"Смирнова","email":"anna@example.ru"}`)
		p := c.json(t)
		items, _ := p["errors"].([]any)
		if c.Status != 400 || !isProblem(c) || p["code"] != "BAD_USER_INPUT" || len(items) != 2 {
			t.Fatalf("%d %s", c.Status, c.Raw)
		}
		var fields []string
		for _, it := range items {
			m := it.(map[string]any)
			if m["code"] != "BAD_USER_INPUT" || m["type"] != "tag:crm-gateway,2025:problem/bad-user-input" || m["detail"] == "" {
				t.Errorf("item %v", m)
			}
			f, _ := m["field"].(string)
			fields = append(fields, f)
		}
		if p["field"] != fields[0] || p["detail"] != items[0].(map[string]any)["detail"] {
			t.Errorf("the problem's own members are not its first error's: %s", c.Raw)
		}
		sort.Strings(fields)
		if fmt.Sprint(fields) != "[body.email body.lastName]" {
			t.Errorf("fields = %v", fields)
		}
	})
	t.Run("router refusals", func(t *testing.T) {
		for _, c := range []struct {
			method, path, ct string
			status           int
		}{
			{"GET", "/rest/v1/no-such-things", "", 404},
			{"PUT", "/rest/v1/contacts", "application/json", 405},
			{"POST", "/rest/v1/contacts", "text/plain", 415},
		} {
			call := do(t, c.method, g.URL+c.path, map[string]string{"Content-Type": c.ct}, map[bool]string{true: "x"}[c.ct != ""])
			if call.Status != c.status || !isProblem(call) || call.json(t)["status"] != float64(c.status) {
				t.Errorf("%s %s: %d %s %s", c.method, c.path, call.Status, call.Header.Get("Content-Type"), call.Raw)
			}
		}
		big := `{"firstName":"` + strings.Repeat("я", int(config.Defaults().Limits.MaxBodyBytes)) + `"}`
		call := do(t, "POST", g.URL+"/rest/v1/contacts", nil, big)
		if call.Status != 413 || !isProblem(call) || call.json(t)["code"] != "BAD_USER_INPUT" {
			t.Errorf("too large: %d %s", call.Status, call.Raw)
		}
		// /graphql keeps GraphQL's shape for the same refusal.
		call = do(t, "POST", g.URL+"/graphql", nil, big)
		if call.Status != 413 || isProblem(call) || !strings.Contains(string(call.Raw), `"errors":[{"message"`) {
			t.Errorf("/graphql too large: %d %s", call.Status, call.Raw)
		}
	})
}

// The middleware's refusals (authentication, tenant, rate limit) are
// problem documents on REST routes and GraphQL documents on /graphql.
func TestRefusalsSpeakEachRoutesFormat(t *testing.T) {
	crms := startCRMs(t, "refusal")
	key, entry := newKey(t, "reader", "", caller.Scopes...)
	cfg := productionConfig(t, crms, entry)
	cfg.RateLimit = config.RateLimit{Count: 1, Period: time.Hour, Burst: 1}
	g := startGateway(t, cfg)

	rest := do(t, "GET", g.URL+"/rest/v1/countries", nil, "")
	p := rest.json(t)
	if rest.Status != 401 || !isProblem(rest) || p["code"] != "UNAUTHENTICATED" || p["status"] != float64(401) ||
		p["type"] != "tag:crm-gateway,2025:problem/unauthenticated" || p["instance"] != "/rest/v1/countries" ||
		p["requestId"] != rest.Header.Get("X-Request-Id") || !strings.HasPrefix(rest.Header.Get("WWW-Authenticate"), "Bearer ") {
		t.Errorf("REST 401: %d %v %s", rest.Status, rest.Header, rest.Raw)
	}
	gql := do(t, "POST", g.URL+"/graphql", nil, `{"query":"{ __typename }"}`)
	if gql.Status != 401 || isProblem(gql) || !strings.Contains(string(gql.Raw), `"extensions":{"code":"UNAUTHENTICATED"}`) {
		t.Errorf("GraphQL 401: %d %s", gql.Status, gql.Raw)
	}

	if c := do(t, "GET", g.URL+"/rest/v1/address-types", withKey(key), ""); c.Status != 200 {
		t.Fatalf("within budget: %d %s", c.Status, c.Raw)
	}
	rest = do(t, "GET", g.URL+"/rest/v1/address-types", withKey(key), "")
	p = rest.json(t)
	if rest.Status != 429 || !isProblem(rest) || p["code"] != "RATE_LIMITED" || rest.Header.Get("Retry-After") == "" ||
		fmt.Sprint(p["retryAfterSeconds"]) != rest.Header.Get("Retry-After") {
		t.Errorf("REST 429: %d %v %s", rest.Status, rest.Header, rest.Raw)
	}
	gql = do(t, "POST", g.URL+"/graphql", withKey(key), `{"query":"{ __typename }"}`)
	if gql.Status != 429 || isProblem(gql) || !strings.Contains(string(gql.Raw), `"code":"RATE_LIMITED"`) {
		t.Errorf("GraphQL 429: %d %s", gql.Status, gql.Raw)
	}
}

// Every GET carries a strong ETag of its body and answers 304 to a
// matching If-None-Match (the weak comparison: W/ and * match too).
func TestRESTConditionalGet(t *testing.T) {
	g := startGateway(t, config.Defaults())
	deals := do(t, "GET", g.URL+"/rest/v1/deals?first=3", nil, "")
	deal := deals.json(t)["items"].([]any)[0].(map[string]any)["id"].(string)
	project := do(t, "GET", g.URL+"/rest/v1/projects?first=1", nil, "").json(t)["items"].([]any)[0].(map[string]any)["id"].(string)
	strong := regexp.MustCompile(`^"[A-Za-z0-9_-]+"$`)
	for _, path := range []string{
		"/rest/v1/deals?first=3", "/rest/v1/deals/" + deal, "/rest/v1/deals/" + deal + "/company",
		"/rest/v1/projects/" + project + "/payments?first=2", "/rest/v1/countries", "/rest/v1/openapi.json",
	} {
		t.Run(path, func(t *testing.T) {
			a := do(t, "GET", g.URL+path, nil, "")
			tag := a.Header.Get("ETag")
			if a.Status != 200 || !strong.MatchString(tag) {
				t.Fatalf("%d ETag %q", a.Status, tag)
			}
			if b := do(t, "GET", g.URL+path, nil, ""); b.Header.Get("ETag") != tag || !bytes.Equal(b.Raw, a.Raw) {
				t.Fatalf("the same body has another tag: %q vs %q", b.Header.Get("ETag"), tag)
			}
			for _, inm := range []string{tag, "W/" + tag, `"other", ` + tag, "*"} {
				c := do(t, "GET", g.URL+path, map[string]string{"If-None-Match": inm}, "")
				if c.Status != 304 || len(c.Raw) != 0 || c.Header.Get("ETag") != tag || c.Header.Get("Cache-Control") == "" {
					t.Errorf("If-None-Match %s: %d %q %q", inm, c.Status, c.Header.Get("ETag"), c.Raw)
				}
			}
			if c := do(t, "GET", g.URL+path, map[string]string{"If-None-Match": `"stale"`}, ""); c.Status != 200 || !bytes.Equal(c.Raw, a.Raw) {
				t.Errorf("a stale tag: %d", c.Status)
			}
		})
	}
}

// Reference data may be reused for the gateway's own cache lifetime;
// entities are revalidated; errors and writes are never stored.
func TestRESTCacheControl(t *testing.T) {
	for _, ttl := range []time.Duration{time.Minute, 20 * time.Second, 0} {
		t.Run(ttl.String(), func(t *testing.T) {
			cfg := config.Defaults()
			cfg.RKeeper.CacheTTL = ttl
			g := startGateway(t, cfg)
			want := "private, no-cache"
			if ttl > 0 {
				want = fmt.Sprintf("private, max-age=%d", int(ttl.Seconds()))
			}
			countries := do(t, "GET", g.URL+"/rest/v1/countries", nil, "")
			russia := ""
			for _, c := range countries.json(t)["items"].([]any) {
				if m := c.(map[string]any); m["name"] == "Россия" {
					russia = m["id"].(string)
				}
			}
			for _, path := range []string{"/rest/v1/countries", "/rest/v1/address-types", "/rest/v1/client-contact-types",
				"/rest/v1/cities?countryId=" + url.QueryEscape(russia), "/rest/v1/countries/" + russia + "/cities"} {
				if c := do(t, "GET", g.URL+path, nil, ""); c.Status != 200 || c.Header.Get("Cache-Control") != want {
					t.Errorf("%s: %d Cache-Control %q, want %q", path, c.Status, c.Header.Get("Cache-Control"), want)
				}
			}
			for _, path := range []string{"/rest/v1/contacts?first=1", "/rest/v1/projects?first=1",
				"/rest/v1/clients/" + rkClientID, "/rest/v1/clients/" + rkClientID + "/addresses"} {
				if c := do(t, "GET", g.URL+path, nil, ""); c.Status != 200 || c.Header.Get("Cache-Control") != "private, no-cache" {
					t.Errorf("%s: %d Cache-Control %q", path, c.Status, c.Header.Get("Cache-Control"))
				}
			}
			for _, c := range []httpCall{
				do(t, "GET", g.URL+"/rest/v1/contacts/nope", nil, ""),
				do(t, "POST", g.URL+"/rest/v1/contacts", nil, `{"firstName":"Анна","lastName":"Кэшева"}`),
			} {
				if c.Header.Get("Cache-Control") != "no-store" {
					t.Errorf("%d: Cache-Control %q", c.Status, c.Header.Get("Cache-Control"))
				}
			}
		})
	}
}

// If-Match is honoured where the CRM keeps a version (SynergyCRM's
// updated-at): a stale tag changes nothing and answers 412 with the
// current tag; the current one lets the write through. Where the CRM
// keeps none (r_keeper), any If-Match is refused with 412 and nothing is
// sent.
func TestRESTIfMatch(t *testing.T) {
	var mu sync.Mutex
	clock := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	emu := synergyemu.New(synergyemu.Options{Token: "syn-ifmatch-token", Now: func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Second)
		return clock
	}})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	cfg := config.Defaults()
	cfg.Synergy.BaseURL, cfg.Synergy.Token = srv.URL+"/api/v1", "syn-ifmatch-token"
	g := startGateway(t, cfg)
	writes := func() int {
		n := 0
		for _, r := range emu.Requests() {
			if r.Method == http.MethodPatch || r.Method == http.MethodDelete {
				n++
			}
		}
		return n
	}

	contact := do(t, "GET", g.URL+"/rest/v1/contacts?first=1", nil, "").json(t)["items"].([]any)[0].(map[string]any)
	item := g.URL + "/rest/v1/contacts/" + contact["id"].(string)
	first := do(t, "GET", item, nil, "")
	tag := first.Header.Get("ETag")
	middle, _ := first.json(t)["middleName"].(string)
	body := `{"middleName":` + fmt.Sprintf("%q", middle) + `}` // the same value: only the version changes

	ok := do(t, "PATCH", item, map[string]string{"If-Match": tag}, body)
	newTag := ok.Header.Get("ETag")
	if ok.Status != 200 || newTag == "" || newTag == tag || writes() != 1 {
		t.Fatalf("current tag: %d ETag %q (was %q), writes %d: %s", ok.Status, newTag, tag, writes(), ok.Raw)
	}
	if again := do(t, "GET", item, nil, ""); again.Header.Get("ETag") != newTag {
		t.Errorf("the PATCH answer's ETag %q is not the entity's %q", newTag, again.Header.Get("ETag"))
	}
	for _, m := range []string{"PATCH", "DELETE"} {
		stale := do(t, m, item, map[string]string{"If-Match": tag}, map[bool]string{true: body}[m == "PATCH"])
		p := stale.json(t)
		if stale.Status != 412 || !isProblem(stale) || p["code"] != "PRECONDITION_FAILED" ||
			p["type"] != "tag:crm-gateway,2025:problem/precondition-failed" || stale.Header.Get("ETag") != newTag || writes() != 1 {
			t.Fatalf("%s with a stale tag: %d ETag %q writes %d: %s", m, stale.Status, stale.Header.Get("ETag"), writes(), stale.Raw)
		}
	}
	if weak := do(t, "PATCH", item, map[string]string{"If-Match": "W/" + newTag}, body); weak.Status != 412 || writes() != 1 {
		t.Errorf("a weak tag never matches If-Match: %d", weak.Status)
	}
	if gone := do(t, "DELETE", item, map[string]string{"If-Match": newTag}, ""); gone.Status != 200 || writes() != 2 {
		t.Fatalf("DELETE with the current tag: %d %s", gone.Status, gone.Raw)
	}
	if c := do(t, "PATCH", item, map[string]string{"If-Match": "*"}, body); c.Status != 412 || writes() != 2 {
		t.Errorf("If-Match: * on a deleted entity: %d %s", c.Status, c.Raw)
	}

	rk := startRK(t, nil)
	before := len(rk.emu.Requests())
	for _, c := range []struct{ method, path, body string }{
		{"PATCH", "/rest/v1/clients/" + rkClientID, `{"firstName":"Сергей"}`},
		{"DELETE", "/rest/v1/clients/" + rkClientID, ""},
		{"PATCH", "/rest/v1/clients/" + rkClientID + "/contacts/" + rkID("client-contacts", rkDocsClient+"/10000000008064"), `{"value":"444"}`},
		{"PATCH", "/rest/v1/cities/" + rkMoscowID, `{"name":"Москва"}`},
	} {
		for _, im := range []string{"*", `"anything"`} {
			a := do(t, c.method, rk.URL+c.path, map[string]string{"If-Match": im}, c.body)
			if a.Status != 412 || !isProblem(a) || a.json(t)["code"] != "PRECONDITION_FAILED" ||
				!strings.Contains(a.json(t)["detail"].(string), "keeps no version") {
				t.Errorf("%s %s If-Match %s: %d %s", c.method, c.path, im, a.Status, a.Raw)
			}
		}
	}
	if n := len(rk.emu.Requests()); n != before {
		t.Errorf("refused conditional writes reached r_keeper: %d requests", n-before)
	}
	if a := do(t, "PATCH", rk.URL+"/rest/v1/clients/"+rkClientID, nil, `{"firstName":"Сергей"}`); a.Status != 200 {
		t.Errorf("an unconditional write still works: %d %s", a.Status, a.Raw)
	}
}

// Answers from 1 KiB on are compressed with the coding Accept-Encoding
// prefers (zstd, gzip), with Vary: Accept-Encoding, on /graphql and REST
// alike; a compressed answer's ETag names its coding, and sending it back
// revalidates.
func TestCompression(t *testing.T) {
	g := startGateway(t, config.Defaults())
	bigQuery := `{"query":"{ deals(first: 20) { nodes { id name description amount createdAt } } }"}`
	plain := do(t, "POST", g.URL+"/graphql", nil, bigQuery)
	if plain.Status != 200 || plain.Header.Get("Content-Encoding") != "" || len(plain.Raw) < 2048 || !varies(plain.Header, "Accept-Encoding") {
		t.Fatalf("identity: %d %q %d bytes, Vary %v", plain.Status, plain.Header.Get("Content-Encoding"), len(plain.Raw), plain.Header.Values("Vary"))
	}
	for _, c := range []struct{ accept, want string }{
		{"gzip", "gzip"}, {"zstd", "zstd"}, {"gzip, deflate, br, zstd", "zstd"}, {"x-gzip", "gzip"},
		{"zstd;q=0.5, gzip", "gzip"}, {"gzip;q=0, zstd;q=0", ""}, {"br", ""}, {"*", "zstd"}, {"*;q=0, gzip", "gzip"}, {"identity", ""},
	} {
		t.Run("graphql/"+c.accept, func(t *testing.T) {
			a := do(t, "POST", g.URL+"/graphql", map[string]string{"Accept-Encoding": c.accept}, bigQuery)
			if a.Header.Get("Content-Encoding") != c.want || !varies(a.Header, "Accept-Encoding") {
				t.Fatalf("Content-Encoding %q, want %q", a.Header.Get("Content-Encoding"), c.want)
			}
			if got := decoded(t, a); !bytes.Equal(got, plain.Raw) {
				t.Fatalf("decoded answer differs:\n%.200s\n%.200s", got, plain.Raw)
			}
			if c.want != "" && len(a.Raw) >= len(plain.Raw)/2 {
				t.Errorf("%s: %d bytes of %d", c.want, len(a.Raw), len(plain.Raw))
			}
		})
	}
	small := do(t, "POST", g.URL+"/graphql", map[string]string{"Accept-Encoding": "gzip"}, `{"query":"{ __typename }"}`)
	if small.Header.Get("Content-Encoding") != "" || !varies(small.Header, "Accept-Encoding") {
		t.Errorf("a %d-byte answer was compressed", len(small.Raw))
	}

	doc := do(t, "GET", g.URL+"/rest/v1/openapi.json", nil, "")
	for _, coding := range []string{"gzip", "zstd"} {
		t.Run("rest/"+coding, func(t *testing.T) {
			a := do(t, "GET", g.URL+"/rest/v1/openapi.json", map[string]string{"Accept-Encoding": coding}, "")
			if a.Header.Get("Content-Encoding") != coding || !bytes.Equal(decoded(t, a), doc.Raw) || len(a.Raw) > len(doc.Raw)/5 {
				t.Fatalf("%q: %d of %d bytes", a.Header.Get("Content-Encoding"), len(a.Raw), len(doc.Raw))
			}
			tag := a.Header.Get("ETag")
			if tag != strings.TrimSuffix(doc.Header.Get("ETag"), `"`)+"+"+coding+`"` {
				t.Fatalf("ETag %q of the %s representation, identity's %q", tag, coding, doc.Header.Get("ETag"))
			}
			nm := do(t, "GET", g.URL+"/rest/v1/openapi.json", map[string]string{"Accept-Encoding": coding, "If-None-Match": tag}, "")
			if nm.Status != 304 || nm.Header.Get("ETag") != tag || len(nm.Raw) != 0 {
				t.Errorf("revalidating the %s representation: %d ETag %q", coding, nm.Status, nm.Header.Get("ETag"))
			}
			head := do(t, "HEAD", g.URL+"/rest/v1/openapi.json", map[string]string{"Accept-Encoding": coding}, "")
			if head.Status != 200 || head.Header.Get("Content-Encoding") != coding || head.Header.Get("ETag") != tag || len(head.Raw) != 0 {
				t.Errorf("HEAD: %d %q %q", head.Status, head.Header.Get("Content-Encoding"), head.Header.Get("ETag"))
			}
		})
	}
	deals := do(t, "GET", g.URL+"/rest/v1/deals?first=20", map[string]string{"Accept-Encoding": "gzip"}, "")
	if deals.Header.Get("Content-Encoding") != "gzip" || !varies(deals.Header, "Accept-Encoding") {
		t.Errorf("a REST list: %q", deals.Header.Get("Content-Encoding"))
	}
	p := do(t, "GET", g.URL+"/rest/v1/contacts/nope", map[string]string{"Accept-Encoding": "gzip"}, "")
	if p.Header.Get("Content-Encoding") != "" || !isProblem(p) {
		t.Errorf("a short problem: %q", p.Header.Get("Content-Encoding"))
	}
}

// A page links to the next one and to the one before (Link rel="next" and
// rel="prev", next and prev in the body) keeping its other parameters;
// following next reads every item once, and following prev back from the
// last page reads the same pages in reverse; the last page links nowhere
// forward, the first nowhere back.
func TestRESTPaging(t *testing.T) {
	g := startGateway(t, config.Defaults())
	linkRE := regexp.MustCompile(`<([^>]+)>; rel="(next|prev)"`)
	type page struct {
		ids        []string
		next, prev string
	}
	read := func(u string) page {
		c := do(t, "GET", g.URL+u, nil, "")
		body := c.json(t)
		if c.Status != 200 {
			t.Fatalf("%s: %d %s", u, c.Status, c.Raw)
		}
		var p page
		for _, it := range body["items"].([]any) {
			p.ids = append(p.ids, it.(map[string]any)["id"].(string))
		}
		p.next, _ = body["next"].(string)
		p.prev, _ = body["prev"].(string)
		links := map[string]string{}
		for _, m := range linkRE.FindAllStringSubmatch(c.Header.Get("Link"), -1) {
			links[m[2]] = m[1]
		}
		if links["next"] != p.next || links["prev"] != p.prev {
			t.Fatalf("%s: Link %q, next %q, prev %q", u, c.Header.Get("Link"), p.next, p.prev)
		}
		for _, l := range []string{p.next, p.prev} {
			if l != "" && (!strings.Contains(l, "filter[createdAtGte]=2000-01-01T00:00:00Z") ||
				strings.Count(l, "after=")+strings.Count(l, "before=") != 1 || strings.Count(l, "=30") != 1) {
				t.Fatalf("link %q lost a parameter or kept a cursor", l)
			}
		}
		return p
	}
	seen := map[string]bool{}
	var forward []page
	next := "/rest/v1/deals?first=30&filter[createdAtGte]=2000-01-01T00:00:00Z"
	for next != "" {
		p := read(next)
		if len(forward) > 20 {
			t.Fatal("more than 20 pages")
		}
		if (len(forward) == 0) != (p.prev == "") {
			t.Fatalf("page %d links back to %q", len(forward)+1, p.prev)
		}
		for _, id := range p.ids {
			if seen[id] {
				t.Fatalf("%s twice", id)
			}
			seen[id] = true
		}
		forward = append(forward, p)
		next = p.next
	}
	total := do(t, "GET", g.URL+"/rest/v1/deals?first=1&filter[createdAtGte]=2000-01-01T00:00:00Z", nil, "").json(t)["totalCount"].(float64)
	if len(forward) < 3 || float64(len(seen)) != total {
		t.Fatalf("%d pages, %d items, totalCount %v", len(forward), len(seen), total)
	}
	// Back from the last page: the pages before it, as forward read them.
	prev := forward[len(forward)-1].prev
	for i := len(forward) - 2; i >= 0; i-- {
		p := read(prev)
		if strings.Join(p.ids, ",") != strings.Join(forward[i].ids, ",") {
			t.Fatalf("page %d backward = %v, forward %v", i+1, p.ids, forward[i].ids)
		}
		prev = p.prev
	}
	if prev != "" {
		t.Fatalf("the first page links back to %q", prev)
	}
}

// Every documented GET route answers HEAD with GET's status and headers
// and no body, in sandbox (success) and with no CRM (errors).
func TestRESTHeadOnEveryGetRoute(t *testing.T) {
	sandbox := startGateway(t, config.Defaults())
	noCRM := startGateway(t, noCRMConfig(t))
	doc := loadServedOpenAPI(t, noCRM.URL)
	params := regexp.MustCompile(`\{[^}]+\}`)
	ids := map[string]string{
		globalid.Synergy: do(t, "GET", sandbox.URL+"/rest/v1/deals?first=1", nil, "").json(t)["items"].([]any)[0].(map[string]any)["id"].(string),
		globalid.Solos:   do(t, "GET", sandbox.URL+"/rest/v1/projects?first=1", nil, "").json(t)["items"].([]any)[0].(map[string]any)["id"].(string),
	}
	n := 0
	for path, item := range doc.Paths.Map() {
		if item.Get == nil {
			continue
		}
		n++
		for _, g := range []*testGateway{sandbox, noCRM} {
			u := path
			switch {
			case strings.HasPrefix(path, "/rest/v1/deals/"):
				u = params.ReplaceAllString(path, ids[globalid.Synergy])
			case strings.HasPrefix(path, "/rest/v1/projects/"):
				u = params.ReplaceAllString(path, ids[globalid.Solos])
			case strings.HasPrefix(path, "/rest/v1/clients/"):
				u = params.ReplaceAllString(path, rkClientID)
			default:
				u = params.ReplaceAllString(path, globalid.Encode(globalid.Synergy, "contacts", "1"))
			}
			if strings.HasPrefix(path, "/rest/v1/cities") && !strings.Contains(path, "{") {
				u += "?countryId=" + url.QueryEscape(rkRussiaID)
			}
			get := do(t, "GET", g.URL+u, map[string]string{"X-Request-Id": "head-check"}, "")
			head := do(t, "HEAD", g.URL+u, map[string]string{"X-Request-Id": "head-check"}, "")
			if head.Status != get.Status || len(head.Raw) != 0 {
				t.Errorf("HEAD %s: %d (GET %d), %d body bytes", u, head.Status, get.Status, len(head.Raw))
				continue
			}
			for _, h := range []string{"Content-Type", "Content-Length", "ETag", "Cache-Control", "Link"} {
				if head.Header.Get(h) != get.Header.Get(h) {
					t.Errorf("HEAD %s: %s %q, GET's %q", u, h, head.Header.Get(h), get.Header.Get(h))
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d GET routes", n)
	}
}

// /playground/config.json tells the page the mode, how callers
// authenticate (never with what), the sandbox's r_keeper data, which
// resolves, and the schema grouped by CRM.
func TestPlaygroundConfig(t *testing.T) {
	g := startGateway(t, config.Defaults())
	c := do(t, "GET", g.URL+playground.ConfigPath, nil, "")
	var pc playground.Config
	if err := json.Unmarshal(c.Raw, &pc); err != nil || c.Status != 200 {
		t.Fatalf("%d %s", c.Status, c.Raw)
	}
	rk := pc.Sandbox
	if pc.Mode != "sandbox" || len(pc.Auth.Methods) != 0 || len(pc.Auth.Headers) != 0 || rk == nil || len(rk.RKeeper.ClientIDs) < 10 {
		t.Fatalf("sandbox config: %s", c.Raw)
	}
	r := g.gql(t, `query($c: ID!, $ids: [ID!]!) { client(id: $c) { lastName } nodes(ids: $ids) { __typename } }`,
		map[string]any{"c": rk.RKeeper.ClientIDs[0], "ids": []string{rk.RKeeper.ContactTypeID, rk.RKeeper.AddressTypeID, rk.RKeeper.CityID, rk.RKeeper.StreetID}})
	r.mustData(t)
	if !strings.Contains(string(r.Data), `"lastName":"Безногов"`) ||
		!strings.Contains(string(r.Data), `[{"__typename":"ClientContactType"},{"__typename":"AddressType"},{"__typename":"City"},{"__typename":"Street"}]`) {
		t.Errorf("the sample data does not resolve: %s", r.Data)
	}
	for _, id := range rk.RKeeper.ClientIDs {
		if r := g.gql(t, `query($c: ID!) { client(id: $c) { id } }`, map[string]any{"c": id}); len(r.Errors) > 0 || strings.Contains(string(r.Data), "null") {
			t.Errorf("client %s: %s", id, r.Raw)
		}
	}
	in := func(b playground.Backend, list []string, names ...string) {
		for _, n := range names {
			found := false
			for _, x := range list {
				found = found || x == n
			}
			if !found {
				t.Errorf("%s lacks %s", b.Name, n)
			}
		}
	}
	byName := map[string]playground.Backend{}
	for _, b := range pc.Backends {
		byName[b.Name] = b
	}
	in(byName["synergy"], byName["synergy"].Queries, "deals", "contacts", "dealStages")
	in(byName["synergy"], byName["synergy"].Mutations, "createDeal")
	in(byName["synergy"], byName["synergy"].Types, "Deal", "Company", "DealFilter")
	in(byName["solos"], byName["solos"].Queries, "projects")
	in(byName["solos"], byName["solos"].Types, "Project", "ProjectPayment")
	in(byName["rkeeper"], byName["rkeeper"].Queries, "client", "countries", "streets")
	in(byName["rkeeper"], byName["rkeeper"].Mutations, "createClient", "addClientAddress")
	in(byName["rkeeper"], byName["rkeeper"].Types, "Client", "Street")
	in(byName["core"], byName["core"].Queries, "node", "nodes", "people", "opportunities")
	in(byName["core"], byName["core"].Types, "Person", "Opportunity", "Provenance")
	in(byName["core"], byName["core"].Types, "Node", "PageInfo", "DateTime")
	if len(pc.Backends) != 4 || len(byName["synergy"].Queries)+len(byName["solos"].Queries)+len(byName["rkeeper"].Queries)+len(byName["core"].Queries) !=
		len(g.App.Resolver.Schema().Schema().Query.Fields)-2 /* __schema, __type */ {
		t.Errorf("every root field belongs to one group: %+v", pc.Backends)
	}

	crms := startCRMs(t, "pgcfg")
	key, entry := newKey(t, "pg", "", caller.Scopes...)
	cfg := productionConfig(t, crms, entry)
	cfg.Playground = true
	prod := startGateway(t, cfg)
	c = do(t, "GET", prod.URL+playground.ConfigPath, nil, "")
	pc = playground.Config{}
	if err := json.Unmarshal(c.Raw, &pc); err != nil || c.Status != 200 {
		t.Fatalf("%d %s", c.Status, c.Raw)
	}
	if pc.Mode != "production" || pc.Sandbox != nil || fmt.Sprint(pc.Auth.Methods) != "[apikey]" ||
		pc.Auth.Headers["Authorization"] != "Bearer <your API key>" {
		t.Errorf("production config: %s", c.Raw)
	}
	for _, secret := range []string{key, entry.SHA256, crms.synergy.Token, crms.sol.Token, crms.sol.Secret, crms.rkeeper.SID} {
		if strings.Contains(string(c.Raw), secret) {
			t.Errorf("config.json holds a secret")
		}
	}
	if jwt := playground.AuthFor([]string{"apikey", "jwt"}); jwt.Headers["Authorization"] != "Bearer <your API key or JWT>" {
		t.Errorf("apikey,jwt: %v", jwt.Headers)
	}
}

// A browser client of the REST facade on another origin may send the
// conditional headers and read the validators, the next-page link and the
// created entity's location.
func TestRESTCORSForBrowserClients(t *testing.T) {
	g := startGateway(t, config.Defaults()) // the sandbox allows localhost origins
	const origin = "http://localhost:5173"
	pre := do(t, "OPTIONS", g.URL+"/rest/v1/contacts/x", map[string]string{"Origin": origin,
		"Access-Control-Request-Method": "PATCH", "Access-Control-Request-Headers": "content-type,if-match"}, "") // as browsers send it
	if pre.Header.Get("Access-Control-Allow-Origin") != origin ||
		!strings.Contains(strings.ToLower(pre.Header.Get("Access-Control-Allow-Headers")), "if-match") {
		t.Fatalf("preflight: %d %v", pre.Status, pre.Header)
	}
	c := do(t, "GET", g.URL+"/rest/v1/deals?first=1", map[string]string{"Origin": origin}, "")
	exposed := strings.ToLower(c.Header.Get("Access-Control-Expose-Headers"))
	for _, h := range []string{"etag", "link", "location", "retry-after", "x-request-id"} {
		if !strings.Contains(exposed, h) {
			t.Errorf("%s is not exposed: %q", h, exposed)
		}
	}
}

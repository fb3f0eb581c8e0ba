package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	rkemulator "github.com/crmgateway/gateway/adapters/rkeeper/emulator"
	solosemu "github.com/crmgateway/gateway/adapters/solos/emulator"
	synergyemu "github.com/crmgateway/gateway/adapters/synergy/emulator"
	"github.com/crmgateway/gateway/internal/auth"
	"github.com/crmgateway/gateway/internal/auth/authtest"
	"github.com/crmgateway/gateway/internal/caller"
	"github.com/crmgateway/gateway/internal/config"
)

// crmSet is one CRM account set: the three emulators behind real HTTP,
// each holding its own credentials.
type crmSet struct {
	syn   *synergyemu.Emulator
	solos *solosemu.Emulator
	rk    *rkemulator.Emulator
	// Credentials and base URLs, as a tenant's accounts or the process's.
	synergy config.Synergy
	sol     config.Solos
	rkeeper config.RKeeper
}

func startCRMs(t testing.TB, tag string) *crmSet {
	t.Helper()
	c := &crmSet{}
	token := "syn-token-" + tag
	c.syn = synergyemu.New(synergyemu.Options{Token: token})
	solosToken, solosSecret := "solos-token-"+tag, "solos-secret-"+tag
	c.solos = solosemu.New(solosemu.Options{Token: solosToken, Secret: solosSecret})
	c.rk = rkemulator.New()
	c.rk.SID = "rk-sid-" + tag + "-0123456789abcdef"
	serve := func(h http.Handler) string {
		s := httptest.NewServer(h)
		t.Cleanup(s.Close)
		return s.URL
	}
	up := config.Defaults().Synergy.Upstream
	c.synergy = config.Synergy{BaseURL: serve(c.syn) + "/api/v1", Token: token, Upstream: up}
	c.sol = config.Solos{BaseURL: serve(c.solos) + solosemu.BasePath, Token: solosToken, Secret: solosSecret, Upstream: up}
	c.rkeeper = config.RKeeper{BaseURL: serve(c.rk) + rkemulator.BasePath, SID: c.rk.SID, ObjectID: c.rk.ObjectID, Upstream: up, CacheTTL: 0}
	return c
}

// counts returns how many requests each emulator has served.
func (c *crmSet) counts() map[string]int {
	return map[string]int{"synergy": c.syn.Count(), "solos": len(c.solos.Requests()), "rkeeper": len(c.rk.Requests())}
}

// productionConfig is a gateway in front of crms, callers authenticated
// by the keys in keys.
func productionConfig(t testing.TB, crms *crmSet, keys ...auth.KeyEntry) config.Config {
	t.Helper()
	cfg := config.Defaults()
	cfg.Synergy, cfg.Solos, cfg.RKeeper = crms.synergy, crms.sol, crms.rkeeper
	cfg.Auth.Mode = "apikey"
	cfg.Auth.APIKeysFile = writeJSON(t, "keys.json", keys)
	cfg.Playground, cfg.Introspection = false, false
	cfg.MetricsAddr = "127.0.0.1:0"
	return cfg
}

func writeJSON(t testing.TB, name string, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// newKey issues a key with scopes for the test.
func newKey(t testing.TB, name string, tenant string, scopes ...caller.Scope) (string, auth.KeyEntry) {
	t.Helper()
	var s []string
	for _, sc := range scopes {
		s = append(s, string(sc))
	}
	key, e, err := auth.NewKey(name, s, tenant)
	if err != nil {
		t.Fatal(err)
	}
	return key, e
}

// authed is one HTTP call with a credential header.
type authed struct {
	Status int
	Header http.Header
	Body   string
}

func (a authed) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(a.Body), &m); err != nil {
		t.Fatalf("not JSON (%d): %s", a.Status, a.Body)
	}
	return m
}

// codes lists the error codes, in order: extensions.code of a GraphQL
// answer's errors, or a REST problem document's code (every item's, when
// it lists several).
func (a authed) codes(t testing.TB) []string {
	var out []string
	body := a.json(t)
	if strings.HasPrefix(a.Header.Get("Content-Type"), "application/problem+json") {
		items, _ := body["errors"].([]any)
		if len(items) == 0 {
			items = []any{body}
		}
		for _, it := range items {
			c, _ := it.(map[string]any)["code"].(string)
			out = append(out, c)
		}
		return out
	}
	errs, _ := body["errors"].([]any)
	for _, e := range errs {
		ext, _ := e.(map[string]any)["extensions"].(map[string]any)
		c, _ := ext["code"].(string)
		out = append(out, c)
	}
	return out
}

func send(t testing.TB, method, url string, headers map[string]string, body string) authed {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return authed{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

func gqlBody(query string, vars map[string]any) string {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return string(b)
}

func withKey(key string) map[string]string { return map[string]string{"X-API-Key": key} }

// TestProductionRequiresCredentials: outside the sandbox every API route
// answers 401 without credentials, on GraphQL and REST alike, and nothing
// reaches a CRM; health and readiness stay open; the playground,
// introspection and the public /metrics are off by default.
func TestProductionRequiresCredentials(t *testing.T) {
	crms := startCRMs(t, "p")
	key, entry := newKey(t, "ci", "", caller.Scopes...)
	g := startGateway(t, productionConfig(t, crms, entry))
	before := crms.counts()

	for _, tc := range []struct{ method, path, body string }{
		{"POST", "/graphql", gqlBody(`{ contacts(first: 1) { nodes { id } } }`, nil)},
		{"GET", "/graphql?query=%7B__typename%7D", ""},
		{"GET", "/rest/v1/contacts", ""},
		{"POST", "/rest/v1/contacts", `{"firstName": "A", "lastName": "B"}`},
		{"GET", "/rest/v1/openapi.json", ""},
	} {
		r := send(t, tc.method, g.URL+tc.path, nil, tc.body)
		if r.Status != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") != `Bearer realm="crm-gateway"` ||
			fmt.Sprint(r.codes(t)) != "[UNAUTHENTICATED]" {
			t.Errorf("%s %s: %d %q %s", tc.method, tc.path, r.Status, r.Header.Get("WWW-Authenticate"), r.Body)
		}
		bad := send(t, tc.method, g.URL+tc.path, withKey("crmgw_not-a-key"), tc.body)
		if bad.Status != http.StatusUnauthorized || !strings.Contains(bad.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("%s %s with a wrong key: %d %s", tc.method, tc.path, bad.Status, bad.Body)
		}
	}
	if after := crms.counts(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("refused requests reached a CRM: %v → %v", before, after)
	}
	for _, path := range []string{"/livez", "/healthz", "/readyz"} {
		if r := send(t, "GET", g.URL+path, nil, ""); r.Status != 200 {
			t.Errorf("%s: %d", path, r.Status)
		}
	}
	for _, path := range []string{"/playground", "/metrics", "/"} {
		if r := send(t, "GET", g.URL+path, withKey(key), ""); r.Status != http.StatusNotFound {
			t.Errorf("%s is exposed by default outside the sandbox: %d", path, r.Status)
		}
	}
	r := send(t, "POST", g.URL+"/graphql", withKey(key), gqlBody(`{ __schema { queryType { name } } }`, nil))
	if strings.Contains(r.Body, `"queryType"`) || !strings.Contains(r.Body, `"INTROSPECTION_DISABLED"`) {
		t.Errorf("introspection is on by default outside the sandbox: %s", r.Body)
	}

	for name, h := range map[string]map[string]string{
		"Authorization: Bearer": {"Authorization": "Bearer " + key},
		"X-API-Key":             withKey(key),
	} {
		r := send(t, "POST", g.URL+"/graphql", h, gqlBody(`{ contacts(first: 1) { nodes { firstName } } }`, nil))
		if r.Status != 200 || len(r.codes(t)) != 0 || !strings.Contains(r.Body, "firstName") {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	if strings.Contains(g.Logs.String(), key) {
		t.Fatal("the key reached the log")
	}
}

// scopeCase is one backend operation, as GraphQL and as REST.
type scopeCase struct {
	backend string
	write   bool
	query   string
	vars    map[string]any
	rest    func(countryID string) (method, path, body string)
}

// TestScopeMatrix: per backend × read/write × GraphQL/REST, a caller
// without the scope gets FORBIDDEN (the field null, the rest served; REST
// 403) and the CRM receives nothing; with the scope, the call succeeds.
func TestScopeMatrix(t *testing.T) {
	crms := startCRMs(t, "s")
	all, allEntry := newKey(t, "all", "", caller.Scopes...)
	entries := []auth.KeyEntry{allEntry}
	lacking := map[caller.Scope]string{}
	for _, s := range caller.Scopes {
		var rest []caller.Scope
		for _, o := range caller.Scopes {
			if o != s {
				rest = append(rest, o)
			}
		}
		k, e := newKey(t, "without-"+string(s), "", rest...)
		lacking[s] = k
		entries = append(entries, e)
	}
	g := startGateway(t, productionConfig(t, crms, entries...))

	countries := send(t, "POST", g.URL+"/graphql", withKey(all), gqlBody(`{ countries { id } }`, nil))
	var cd struct {
		Data struct{ Countries []struct{ ID string } }
	}
	_ = json.Unmarshal([]byte(countries.Body), &cd)
	if len(cd.Data.Countries) == 0 {
		t.Fatalf("countries: %s", countries.Body)
	}
	country := cd.Data.Countries[0].ID

	cases := []scopeCase{
		{backend: "synergy", query: `{ contacts(first: 1) { nodes { id } } }`,
			rest: func(string) (string, string, string) { return "GET", "/rest/v1/contacts?first=1", "" }},
		{backend: "synergy", write: true, query: `mutation { createContact(input: {firstName: "Анна", lastName: "Смирнова"}) { contact { id } } }`,
			rest: func(string) (string, string, string) {
				return "POST", "/rest/v1/contacts", `{"firstName": "Анна", "lastName": "Смирнова"}`
			}},
		{backend: "solos", query: `{ projects(first: 1) { nodes { id } } }`,
			rest: func(string) (string, string, string) { return "GET", "/rest/v1/projects?first=1", "" }},
		{backend: "rkeeper", query: `{ addressTypes { id } }`,
			rest: func(string) (string, string, string) { return "GET", "/rest/v1/address-types", "" }},
		{backend: "rkeeper", write: true, query: `mutation($c: ID!) { createCity(countryId: $c, input: {name: "Тверь"}) { city { id } } }`,
			vars: map[string]any{"c": country},
			rest: func(c string) (string, string, string) {
				return "POST", "/rest/v1/cities?countryId=" + c, `{"name": "Торжок"}`
			}},
	}
	for _, tc := range cases {
		need := caller.ScopeFor(tc.backend, tc.write)
		t.Run(string(need), func(t *testing.T) {
			before := crms.counts()[tc.backend]
			r := send(t, "POST", g.URL+"/graphql", withKey(lacking[need]), gqlBody(tc.query, tc.vars))
			if r.Status != 200 || fmt.Sprint(r.codes(t)) != "[FORBIDDEN]" || !strings.Contains(r.Body, string(need)) {
				t.Fatalf("GraphQL without %s: %d %s", need, r.Status, r.Body)
			}
			method, path, body := tc.rest(country)
			rr := send(t, method, g.URL+path, withKey(lacking[need]), body)
			if rr.Status != http.StatusForbidden || fmt.Sprint(rr.codes(t)) != "[FORBIDDEN]" {
				t.Fatalf("REST without %s: %d %s", need, rr.Status, rr.Body)
			}
			if after := crms.counts()[tc.backend]; after != before {
				t.Fatalf("refused calls reached %s: %d requests", tc.backend, after-before)
			}
			ok := send(t, "POST", g.URL+"/graphql", withKey(all), gqlBody(tc.query, tc.vars))
			if ok.Status != 200 || len(ok.codes(t)) != 0 {
				t.Fatalf("GraphQL with %s: %d %s", need, ok.Status, ok.Body)
			}
			if rr := send(t, method, g.URL+path, withKey(all), body); rr.Status >= 300 {
				t.Fatalf("REST with %s: %d %s", need, rr.Status, rr.Body)
			}
		})
	}

	t.Run("the rest of the response is served", func(t *testing.T) {
		r := send(t, "POST", g.URL+"/graphql", withKey(lacking[caller.SynergyRead]),
			gqlBody(`{ contacts(first: 1) { nodes { id } } addressTypes { name } }`, nil))
		m := r.json(t)
		data, _ := m["data"].(map[string]any)
		errs, _ := m["errors"].([]any)
		if data["contacts"] != nil || data["addressTypes"] == nil || len(errs) != 1 ||
			fmt.Sprint(errs[0].(map[string]any)["path"]) != "[contacts]" {
			t.Fatalf("%s", r.Body)
		}
	})
	t.Run("node and nodes follow the ID's backend", func(t *testing.T) {
		r := send(t, "POST", g.URL+"/graphql", withKey(all), gqlBody(`{ contacts(first: 1) { nodes { id } } }`, nil))
		var d struct {
			Data struct {
				Contacts struct{ Nodes []struct{ ID string } }
			}
		}
		_ = json.Unmarshal([]byte(r.Body), &d)
		contact := d.Data.Contacts.Nodes[0].ID
		before := crms.counts()["synergy"]
		r = send(t, "POST", g.URL+"/graphql", withKey(lacking[caller.SynergyRead]),
			gqlBody(`query($a: ID!, $b: ID!) { node(id: $a) { id } nodes(ids: [$a, $b]) { id } }`, map[string]any{"a": contact, "b": country}))
		m := r.json(t)
		data := m["data"].(map[string]any)
		nodes, _ := data["nodes"].([]any)
		if data["node"] != nil || len(nodes) != 2 || nodes[0] != nil || nodes[1] == nil ||
			fmt.Sprint(r.codes(t)) != "[FORBIDDEN FORBIDDEN]" {
			t.Fatalf("%s", r.Body)
		}
		if crms.counts()["synergy"] != before {
			t.Fatal("a refused node read reached SynergyCRM")
		}
	})
	t.Run("a key without scopes reads nothing", func(t *testing.T) {
		bare, e := newKey(t, "bare", "")
		g := startGateway(t, productionConfig(t, crms, e))
		r := send(t, "POST", g.URL+"/graphql", withKey(bare), gqlBody(`{ contacts(first: 1) { nodes { id } } projects(first: 1) { nodes { id } } countries { id } __typename }`, nil))
		if fmt.Sprint(r.codes(t)) != "[FORBIDDEN FORBIDDEN FORBIDDEN]" || !strings.Contains(r.Body, `"__typename":"Query"`) {
			t.Fatalf("%s", r.Body)
		}
	})
}

// TestJWTCallers: a gateway in AUTH_MODE=jwt takes the caller's identity,
// scopes and tenant from a token the test's identity provider signs.
func TestJWTCallers(t *testing.T) {
	crms := startCRMs(t, "j")
	idp := authtest.New(t)
	cfg := productionConfig(t, crms)
	cfg.Auth = config.Auth{Mode: "jwt", JWKSURL: idp.JWKSURL(), JWTIssuer: authtest.Issuer, JWTAudience: authtest.Audience,
		JWTAlgorithms: []string{"RS256", "ES256"}, JWTLeeway: 60e9, TenantClaim: "tenant"}
	g := startGateway(t, cfg)
	tok := idp.SignRS256(t, authtest.Claims("svc-reporting", "rkeeper:read"))
	r := send(t, "POST", g.URL+"/graphql", map[string]string{"Authorization": "Bearer " + tok},
		gqlBody(`{ countries { name } contacts(first: 1) { nodes { id } } }`, nil))
	if r.Status != 200 || fmt.Sprint(r.codes(t)) != "[FORBIDDEN]" || !strings.Contains(r.Body, `"countries":[{`) {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	r = send(t, "GET", g.URL+"/rest/v1/countries", map[string]string{"Authorization": "Bearer " + tok + "x"}, "")
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("tampered token: %d %s", r.Status, r.Body)
	}
	if strings.Contains(g.Logs.String(), tok) {
		t.Fatal("the token reached the log")
	}
	claims := authtest.Claims("svc-other", "rkeeper:read")
	claims["tenant"] = "nobody"
	r = send(t, "POST", g.URL+"/graphql", map[string]string{"Authorization": "Bearer " + idp.SignRS256(t, claims)},
		gqlBody(`{ countries { name } }`, nil))
	if r.Status != http.StatusForbidden || fmt.Sprint(r.codes(t)) != "[FORBIDDEN]" {
		t.Fatalf("a tenant the gateway does not have: %d %s", r.Status, r.Body)
	}
}

// TestTenantIsolation: two tenants whose CRMs hold different data, queried
// concurrently through one gateway for thousands of requests: no answer
// ever carries the other tenant's data (the r_keeper reference cache and
// APQ included), and each CRM only ever sees its own tenant's credentials.
func TestTenantIsolation(t *testing.T) {
	a, b := startCRMs(t, "alpha"), startCRMs(t, "beta")
	b.rk.ObjectID = "2002"
	b.rkeeper.ObjectID = "2002"
	for _, c := range []*crmSet{a, b} {
		c.rkeeper.CacheTTL = config.Defaults().RKeeper.CacheTTL
	}
	// Credentials by reference: environment variables and files.
	t.Setenv("ALPHA_SYNERGY_TOKEN", a.synergy.Token)
	t.Setenv("BETA_SYNERGY_TOKEN", b.synergy.Token)
	t.Setenv("ALPHA_RK_SID", a.rkeeper.SID)
	secretFile := func(v string) map[string]string {
		p := filepath.Join(t.TempDir(), "secret")
		if err := os.WriteFile(p, []byte(v+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return map[string]string{"file": p}
	}
	account := func(c *crmSet, synEnv string, rkSID map[string]string) map[string]any {
		return map[string]any{
			"synergy": map[string]any{"baseUrl": c.synergy.BaseURL, "token": map[string]string{"env": synEnv}},
			"solos": map[string]any{"baseUrl": c.sol.BaseURL, "token": secretFile(c.sol.Token),
				"secret": secretFile(c.sol.Secret)},
			"rkeeper": map[string]any{"baseUrl": c.rkeeper.BaseURL, "sid": rkSID, "objectId": c.rkeeper.ObjectID},
		}
	}
	tenants := writeJSON(t, "tenants.json", map[string]any{
		"alpha": account(a, "ALPHA_SYNERGY_TOKEN", map[string]string{"env": "ALPHA_RK_SID"}),
		"beta":  account(b, "BETA_SYNERGY_TOKEN", secretFile(b.rkeeper.SID)),
	})
	ka, ea := newKey(t, "alpha-app", "alpha", caller.Scopes...)
	kb, eb := newKey(t, "beta-app", "beta", caller.Scopes...)
	kn, en := newKey(t, "no-tenant", "", caller.Scopes...)
	cfg := config.Defaults()
	cfg.TenantsFile = tenants
	cfg.Auth.Mode = "apikey"
	cfg.Auth.APIKeysFile = writeJSON(t, "keys.json", []auth.KeyEntry{ea, eb, en})
	g := startGateway(t, cfg)

	r := send(t, "POST", g.URL+"/graphql", withKey(kn), gqlBody(`{ contacts(first: 1) { nodes { id } } }`, nil))
	if fmt.Sprint(r.codes(t)) != "[UPSTREAM_DISABLED]" {
		t.Fatalf("a caller without a tenant reaches no tenant's CRM: %s", r.Body)
	}

	// Each tenant writes its own marker records.
	markers := map[string]string{ka: "Альфа", kb: "Бета"}
	for key, m := range markers {
		r := send(t, "POST", g.URL+"/graphql", withKey(key), gqlBody(`{ countries { id } }`, nil))
		var d struct {
			Data struct{ Countries []struct{ ID string } }
		}
		_ = json.Unmarshal([]byte(r.Body), &d)
		if len(d.Data.Countries) == 0 {
			t.Fatalf("countries: %s", r.Body)
		}
		w := send(t, "POST", g.URL+"/graphql", withKey(key), gqlBody(`mutation($c: ID!, $n: String!, $city: String!) {
			createContact(input: {firstName: "Тест", lastName: $n}) { contact { id } }
			createCity(countryId: $c, input: {name: $city}) { city { id } } }`,
			map[string]any{"c": d.Data.Countries[0].ID, "n": m + "-контакт", "city": m + "град"}))
		if len(w.codes(t)) != 0 {
			t.Fatalf("writes: %s", w.Body)
		}
	}
	// APQ registrations are the tenant's own.
	apqQuery := `query TenantAPQ { __typename }`
	ext := apqExt(apqQuery)
	reg, _ := json.Marshal(map[string]any{"query": apqQuery, "extensions": ext})
	send(t, "POST", g.URL+"/graphql", withKey(ka), string(reg))
	hashOnly, _ := json.Marshal(map[string]any{"extensions": ext})
	if r := send(t, "POST", g.URL+"/graphql", withKey(kb), string(hashOnly)); fmt.Sprint(r.codes(t)) != "[PERSISTED_QUERY_NOT_FOUND]" {
		t.Fatalf("beta used alpha's persisted query: %s", r.Body)
	}
	if r := send(t, "POST", g.URL+"/graphql", withKey(ka), string(hashOnly)); r.Status != 200 || len(r.codes(t)) != 0 {
		t.Fatalf("alpha's own persisted query: %s", r.Body)
	}

	const query = `query($own: String!, $other: String!) {
		own: contacts(first: 5, filter: {lastName: $own}) { nodes { lastName } }
		other: contacts(first: 5, filter: {lastName: $other}) { nodes { lastName } }
		countries { name cities { name } }
		projects(first: 2) { nodes { id } } }`
	const workers, perWorker = 8, 130
	errs := make(chan error, 2*workers)
	for key, own := range markers {
		other := "Альфа"
		if own == "Альфа" {
			other = "Бета"
		}
		body := gqlBody(query, map[string]any{"own": own + "-контакт", "other": other + "-контакт"})
		for w := 0; w < workers; w++ {
			go func() {
				for i := 0; i < perWorker; i++ {
					req, _ := http.NewRequest("POST", g.URL+"/graphql", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("X-API-Key", key)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						errs <- err
						return
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					s := string(b)
					switch {
					case resp.StatusCode != 200 || strings.Contains(s, `"errors"`):
						errs <- fmt.Errorf("%s: %d %s", own, resp.StatusCode, s)
						return
					case strings.Contains(s, other):
						errs <- fmt.Errorf("%s's answer carries %s's data: %s", own, other, s)
						return
					case !strings.Contains(s, own+"-контакт") || !strings.Contains(s, own+"град"):
						errs <- fmt.Errorf("%s's answer lacks its own data: %s", own, s)
						return
					}
				}
				errs <- nil
			}()
		}
	}
	for i := 0; i < 2*workers; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}

	// Each CRM saw only its own tenant's credentials.
	for _, c := range []*crmSet{a, b} {
		for _, r := range c.syn.Requests() {
			if got := r.Header.Get("Authorization"); got != "Bearer "+c.synergy.Token {
				t.Fatalf("SynergyCRM %s received %q", c.synergy.Token, got)
			}
		}
		for _, r := range c.solos.Requests() {
			if r.Header.Get("X-Crypto-Token") != c.sol.Token || r.Header.Get("X-Crypto-Secret") != c.sol.Secret {
				t.Fatalf("Solos %s received foreign credentials", c.sol.Token)
			}
		}
		for _, r := range c.rk.Requests() {
			if r.Header.Get("sid") != c.rkeeper.SID || r.Query.Get("objectId") != c.rkeeper.ObjectID {
				t.Fatalf("r_keeper %s received sid %q objectId %q", c.rkeeper.SID, r.Header.Get("sid"), r.Query.Get("objectId"))
			}
		}
		if c.syn.Count() == 0 || len(c.solos.Requests()) == 0 || len(c.rk.Requests()) == 0 {
			t.Fatal("a tenant's CRM was never called")
		}
	}
}

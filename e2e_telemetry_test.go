package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	synergyemu "github.com/crmgateway/gateway/adapters/synergy/emulator"
	"github.com/crmgateway/gateway/internal/caller"
	"github.com/crmgateway/gateway/internal/config"
)

// logLines decodes the gateway's JSON log lines.
func logLines(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("a log line is not JSON: %s", sc.Text())
		}
		out = append(out, m)
	}
	return out
}

// TestAccessLog: at the default level every API request leaves one
// access-log line with its id, route, operation, status, error codes,
// duration, upstream calls per backend, cache use, caller and tenant;
// never a credential.
func TestAccessLog(t *testing.T) {
	crms := startCRMs(t, "log")
	key, entry := newKey(t, "reporting", "", caller.Scopes...)
	cfg := productionConfig(t, crms, entry)
	cfg.RKeeper.CacheTTL = time.Minute
	cfg.LogLevel = "info"
	g := startGateway(t, cfg)
	const n = 100
	for i := 0; i < n; i++ {
		q := `query Mixed { contacts(first: 2) { nodes { firstName } } countries { name } }`
		if i%2 == 1 {
			q = `query Broken { deal(id: "bad") { name } }`
		}
		headers := withKey(key)
		headers["X-Request-Id"] = fmt.Sprintf("req-%03d", i)
		send(t, "POST", g.URL+"/graphql", headers, gqlBody(q, nil))
	}
	send(t, "GET", g.URL+"/rest/v1/address-types", map[string]string{"X-Request-Id": "rest-1", "X-API-Key": key}, "")
	send(t, "GET", g.URL+"/healthz", nil, "")

	var access []map[string]any
	for _, l := range logLines(t, g.Logs.String()) {
		if l["msg"] == "request" {
			access = append(access, l)
		}
	}
	if len(access) != n+1 {
		t.Fatalf("%d access-log lines for %d API requests (probes are logged at debug)", len(access), n+1)
	}
	first, second := access[0], access[1]
	if first["request_id"] != "req-000" || first["route"] != "/graphql" || first["method"] != "POST" ||
		first["status"] != float64(200) || first["operation_type"] != "query" || first["operation_name"] != "Mixed" ||
		first["outcome"] != "ok" || first["caller"] != "reporting" || first["level"] != "INFO" {
		t.Fatalf("first line: %v", first)
	}
	if up, _ := first["upstream_calls"].(map[string]any); up["synergy"] != float64(1) || up["rkeeper"] != float64(1) {
		t.Fatalf("upstream calls: %v", first)
	}
	if _, ok := first["duration_ms"].(float64); !ok {
		t.Fatalf("no duration: %v", first)
	}
	if fmt.Sprint(second["error_codes"]) != "[BAD_USER_INPUT]" || second["outcome"] != "partial" {
		t.Fatalf("second line: %v", second)
	}
	third := access[2]
	if third["cache_hits"] != float64(1) {
		t.Fatalf("the cached reference list is not counted as a hit: %v", third)
	}
	last := access[n]
	if last["request_id"] != "rest-1" || last["route"] != "/rest/v1/address-types" || last["operation_type"] != "query" {
		t.Fatalf("REST line: %v", last)
	}
	if strings.Contains(g.Logs.String(), key) {
		t.Fatal("the API key reached the log")
	}
}

// TestRequestID: a well-formed X-Request-Id is used, echoed and sent to
// every upstream; a malformed one is replaced; an upstream failure is
// logged at WARN with the request's id and the cause.
func TestRequestID(t *testing.T) {
	crms := startCRMs(t, "rid")
	cfg := productionConfig(t, crms)
	cfg.Auth.Mode = "none"
	cfg.Synergy.Upstream.MaxRetries = 0
	g := startGateway(t, cfg)
	r := send(t, "POST", g.URL+"/graphql", map[string]string{"X-Request-Id": "7b0c1c2e-trace:42"},
		gqlBody(`{ contacts(first: 1) { nodes { id } } projects(first: 1) { nodes { id } } countries { name } }`, nil))
	if r.Header.Get("X-Request-Id") != "7b0c1c2e-trace:42" {
		t.Fatalf("echoed %q", r.Header.Get("X-Request-Id"))
	}
	got := map[string]string{}
	for _, req := range crms.syn.Requests() {
		got["synergy"] = req.Header.Get("X-Request-Id")
	}
	for _, req := range crms.solos.Requests() {
		got["solos"] = req.Header.Get("X-Request-Id")
	}
	for _, req := range crms.rk.Requests() {
		got["rkeeper"] = req.Header.Get("X-Request-Id")
	}
	for _, b := range []string{"synergy", "solos", "rkeeper"} {
		if got[b] != "7b0c1c2e-trace:42" {
			t.Fatalf("%s received X-Request-Id %q", b, got[b])
		}
	}
	for _, bad := range []string{strings.Repeat("x", 129), "has space", `quote"d`} {
		r := send(t, "POST", g.URL+"/graphql", map[string]string{"X-Request-Id": bad}, gqlBody(`{ __typename }`, nil))
		if id := r.Header.Get("X-Request-Id"); id == bad || len(id) != 32 {
			t.Fatalf("malformed id %q answered with %q", bad, id)
		}
	}
	if id := send(t, "GET", g.URL+"/healthz", nil, "").Header.Get("X-Request-Id"); len(id) != 32 {
		t.Fatalf("a request without an id gets a new one: %q", id)
	}

	crms.syn.Inject(synergyemu.Fault{Status: http.StatusBadGateway, Times: 1})
	send(t, "POST", g.URL+"/graphql", map[string]string{"X-Request-Id": "failing-1"}, gqlBody(`{ contacts(first: 1) { nodes { id } } }`, nil))
	found := false
	for _, l := range logLines(t, g.Logs.String()) {
		if l["msg"] == "upstream call failed" && l["request_id"] == "failing-1" && l["level"] == "WARN" &&
			l["upstream"] == "synergy" && l["status"] == float64(502) {
			found = true
		}
	}
	if !found {
		t.Fatalf("no WARN line for the failed upstream call:\n%s", g.Logs.String())
	}
}

// TestRequestMetrics: the request histogram is labelled by operation type
// and outcome, and by operation name only for trusted documents.
func TestRequestMetrics(t *testing.T) {
	const trusted = `query Trusted { __typename }`
	cfg := config.Defaults()
	cfg.PersistedDocumentsFile = writeJSON(t, "docs.json", map[string]string{sha(trusted): trusted})
	g := startGateway(t, cfg)
	send(t, "POST", g.URL+"/graphql", nil, gqlBody(`query Adhoc { __typename }`, nil))
	send(t, "POST", g.URL+"/graphql", nil, `{"documentId": "sha256:`+sha(trusted)+`"}`)
	send(t, "POST", g.URL+"/graphql", nil, gqlBody(`{ nope }`, nil))
	m := send(t, "GET", g.URL+"/metrics", nil, "").Body
	for _, want := range []string{
		`crm_gateway_graphql_request_duration_seconds_count{operation_name="",operation_type="query",outcome="ok"} 1`,
		`crm_gateway_graphql_request_duration_seconds_count{operation_name="Trusted",operation_type="query",outcome="ok"} 1`,
		`crm_gateway_graphql_request_duration_seconds_count{operation_name="",operation_type="query",outcome="error"} 1`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if t.Failed() {
		t.Log(m)
	}
	if strings.Contains(m, `operation_name="Adhoc"`) {
		t.Error("an ad-hoc operation name labels a metric")
	}
}

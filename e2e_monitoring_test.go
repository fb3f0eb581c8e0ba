package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	solosemu "github.com/crmgateway/gateway/adapters/solos/emulator"
	synergyemu "github.com/crmgateway/gateway/adapters/synergy/emulator"
	"github.com/crmgateway/gateway/internal/auth"
	"github.com/crmgateway/gateway/internal/caller"
	"github.com/crmgateway/gateway/internal/globalid"
	"github.com/crmgateway/gateway/internal/realserver"
)

// The monitoring files operators load, checked by the tests below.
const (
	dashboardFile = "deploy/grafana/crm-gateway.json"
	recordingFile = "deploy/prometheus/recording.yml"
	alertsFile    = "deploy/prometheus/alerts.yml"
)

var alertTestFiles = []string{"deploy/prometheus/alerts_test.yml", "deploy/prometheus/alerts_week_test.yml"}

// TestMonitoringAlertRules: promtool accepts the rule files, and the
// rules' own unit tests (synthetic series over simulated hours and a
// week) pass: every alert fires after its `for` with its labels and
// rendered annotations, and its look-alike healthy cases stay quiet. The
// README documents every metric the gateway declares and every alert.
func TestMonitoringAlertRules(t *testing.T) {
	promtool := realserver.Promtool(t)
	if out, err := exec.Command(promtool, "check", "rules", recordingFile, alertsFile).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	if out, err := exec.Command(promtool, append([]string{"test", "rules"}, alertTestFiles...)...).CombinedOutput(); err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
	tested := map[string]bool{}
	for _, f := range alertTestFiles {
		for _, m := range regexp.MustCompile(`alertname: (\w+)`).FindAllStringSubmatch(readFile(t, f), -1) {
			tested[m[1]] = true
		}
	}
	for _, name := range ruleNames(t, alertsFile, "alert") {
		if !tested[name] {
			t.Errorf("%s has no unit test in %v", name, alertTestFiles)
		}
	}

	readme := readFile(t, "README.md")
	start := strings.Index(readme, "### Metrics, dashboard and alerts")
	if start < 0 {
		t.Fatal(`README has no "### Metrics, dashboard and alerts"`)
	}
	section := readme[start:]
	if end := strings.Index(section[4:], "\n## "); end >= 0 {
		section = section[:end+4]
	}
	for _, name := range declaredMetrics(t) {
		if !strings.Contains(section, name) {
			t.Errorf("README does not document the metric %s", name)
		}
	}
	for _, name := range ruleNames(t, alertsFile, "alert") {
		if !strings.Contains(section, name) {
			t.Errorf("README does not explain the alert %s", name)
		}
	}
}

// TestMonitoringDashboardAndAlerts runs two real gateway processes (one
// Redis, a tenant, rate limits, trusted documents) in front of the CRM
// emulators, and a real Prometheus (Debian's) scraping both every second
// with the rule files loaded. Under a healthy mixed load no alert is
// pending. Then faults: SynergyCRM answers 503 (retries, breaker open,
// REST 5xx), Solos answers a tenant 429 (cooldown), a caller exceeds
// RATE_LIMIT, Redis dies, one replica dies; exactly the alerts those
// faults mean go pending. Every dashboard target (template variables
// resolved as Grafana would) and every rule expression is valid PromQL;
// every dashboard target returns data; every recording rule records.
func TestMonitoringDashboardAndAlerts(t *testing.T) {
	started := time.Now()
	redis := realserver.StartRedis(t)
	def, acme := startCRMs(t, "monitoring"), startCRMs(t, "monitoring-acme")

	reporting, reportingEntry := newKey(t, "reporting", "", caller.Scopes...)
	acmeKey, acmeEntry := newKey(t, "acme-app", "acme", caller.Scopes...)
	greedy, greedyEntry := newKey(t, "greedy", "", caller.Scopes...)
	ops, opsEntry := newKey(t, "ops", "", caller.Scopes...) // the fault phase's own budget
	tenants := writeJSON(t, "tenants.json", map[string]any{"acme": map[string]any{
		"synergy": map[string]any{"baseUrl": acme.synergy.BaseURL, "token": map[string]string{"env": "ACME_SYNERGY_TOKEN"}},
		"solos": map[string]any{"baseUrl": acme.sol.BaseURL, "token": map[string]string{"env": "ACME_SOLOS_TOKEN"},
			"secret": map[string]string{"env": "ACME_SOLOS_SECRET"}},
		"rkeeper": map[string]any{"baseUrl": acme.rkeeper.BaseURL, "sid": map[string]string{"env": "ACME_RKEEPER_SID"},
			"objectId": acme.rkeeper.ObjectID},
	}})
	trustedDocs := []string{
		`query MonitoringContacts { contacts(first: 2) { nodes { id } } }`,
		`query MonitoringCountries { countries { id name } }`,
	}
	manifest := map[string]string{}
	for _, d := range trustedDocs {
		manifest[sha256Hex(d)] = d
	}
	env := []string{
		"SYNERGY_BASE_URL=" + def.synergy.BaseURL, "SYNERGY_TOKEN=" + def.synergy.Token,
		"SOLOS_BASE_URL=" + def.sol.BaseURL, "SOLOS_TOKEN=" + def.sol.Token, "SOLOS_SECRET=" + def.sol.Secret,
		"RKEEPER_BASE_URL=" + def.rkeeper.BaseURL, "RKEEPER_SID=" + def.rkeeper.SID, "RKEEPER_OBJECT_ID=" + def.rkeeper.ObjectID,
		"ACME_SYNERGY_TOKEN=" + acme.synergy.Token, "ACME_SOLOS_TOKEN=" + acme.sol.Token,
		"ACME_SOLOS_SECRET=" + acme.sol.Secret, "ACME_RKEEPER_SID=" + acme.rkeeper.SID,
		"TENANTS_FILE=" + tenants, "AUTH_MODE=apikey",
		"AUTH_API_KEYS_FILE=" + writeJSON(t, "keys.json", []auth.KeyEntry{reportingEntry, acmeEntry, greedyEntry, opsEntry}),
		"PERSISTED_DOCUMENTS_FILE=" + writeJSON(t, "persisted-documents.json", manifest),
		"RATE_LIMIT=600/m", "RATE_LIMIT_BURST=300", "REDIS_URL=" + redis.URL(), "GOMEMLIMIT=1GiB",
	}
	a, b := startMonitoredReplica(t, env...), startMonitoredReplica(t, env...)
	t.Logf("gateways up after %s", time.Since(started).Round(100*time.Millisecond))

	prom := realserver.StartPrometheus(t, prometheusConfig(t, a.metricsAddr, b.metricsAddr))
	promtool := realserver.Promtool(t)
	if out, err := exec.Command(promtool, "check", "config", prom.Config).CombinedOutput(); err != nil {
		t.Fatalf("promtool check config: %v\n%s", err, out)
	}

	t.Logf("prometheus up after %s", time.Since(started).Round(100*time.Millisecond))

	// --- a healthy mixed load -------------------------------------------
	var sent int // API requests, every one counted by the gateway
	call := func(r *monitoredReplica, method, path, key, body string, want int) string {
		t.Helper()
		h := map[string]string{}
		if key != "" {
			h = withKey(key)
		}
		res := send(t, method, r.base+path, h, body)
		sent++
		if res.Status != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, res.Status, want, res.Body)
		}
		return res.Body
	}
	gql := func(r *monitoredReplica, key, query string, vars map[string]any) string {
		t.Helper()
		return call(r, "POST", "/graphql", key, gqlBody(query, vars), 200)
	}
	byHash := func(r *monitoredReplica, key, doc string) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"extensions": map[string]any{
			"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha256Hex(doc)}}})
		if out := call(r, "POST", "/graphql", key, string(body), 200); strings.Contains(out, `"errors"`) {
			t.Fatalf("trusted document by hash: %s", out)
		}
	}
	var country string
	for round := 0; round < 4; round++ {
		for _, r := range []*monitoredReplica{a, b} { // A fills Redis first: B's first lists are shared hits
			out := gql(r, reporting, `{ countries { id name } }`, nil)
			if country == "" {
				var d struct {
					Data struct{ Countries []struct{ ID string } }
				}
				_ = json.Unmarshal([]byte(out), &d)
				if len(d.Data.Countries) == 0 {
					t.Fatalf("countries: %s", out)
				}
				country = d.Data.Countries[0].ID
			}
			gql(r, reporting, `query($c: ID!) { cities(countryId: $c) { name } }`, map[string]any{"c": country})
			gql(r, reporting, `{ contacts(first: 2) { nodes { id } } projects(first: 2) { nodes { id } } countries { id } }`, nil)
			gql(r, acmeKey, `{ contacts(first: 1) { nodes { id } } projects(first: 1) { nodes { id } } countries { id } }`, nil)
			byHash(r, reporting, trustedDocs[0])
			byHash(r, reporting, trustedDocs[1])
			call(r, "GET", "/rest/v1/contacts?first=2", reporting, "", 200)
			call(r, "GET", "/rest/v1/projects?first=1", reporting, "", 200)
			// The callers' own mistakes: no credentials, an invalid
			// query, an unknown record, a refused REST parameter.
			call(r, "POST", "/graphql", "", gqlBody(`{ countries { id } }`, nil), 401)
			gql(r, reporting, `{ nothingHere }`, nil)
			gql(r, reporting, `query($id: ID!) { contact(id: $id) { id } }`,
				map[string]any{"id": globalid.Encode(globalid.Synergy, "contacts", "987654")})
			call(r, "GET", "/rest/v1/contacts?first=many", reporting, "", 400)
			if round == 0 {
				if out := gql(r, reporting, `mutation { createContact(input: {firstName: "Мониторинг", lastName: "Тест"}) { contact { id } } }`, nil); strings.Contains(out, `"errors"`) {
					t.Fatalf("createContact: %s", out)
				}
			}
		}
		if round < 3 {
			nextScrape(t, prom) // rates need counters growing between scrapes
		}
	}
	// Prometheus has scraped all of it, and every rule group has been
	// evaluated since.
	waitFor(t, prom, "the healthy load scraped", func() (bool, string) {
		v, ok := promScalar(t, prom, `sum(crm_gateway_http_requests_total{route!~"/healthz|/livez|/readyz|/metrics"})`)
		return ok && v >= float64(sent), fmt.Sprintf("%v of %d requests", v, sent)
	})
	waitEvaluated(t, prom, time.Now())
	for name, alerts := range activeAlerts(t, prom) {
		// A Redis call slower than 150 ms is counted and alerted on;
		// on a machine that busy, that alert is the truth.
		if name == "CRMGatewayRedisErrors" && (strings.Contains(a.logs.String(), "Redis unavailable") ||
			strings.Contains(b.logs.String(), "Redis unavailable")) {
			t.Logf("Redis calls timed out under the healthy load: %v", alerts)
			continue
		}
		t.Errorf("%s is active under a healthy load: %v", name, alerts)
	}
	if t.Failed() {
		t.FailNow()
	}

	t.Logf("healthy phase checked after %s", time.Since(started).Round(100*time.Millisecond))

	// --- faults -----------------------------------------------------------
	// Each fault lasts over two scrapes at least: a counter's first
	// increment is only the value its series starts with, and a rate needs
	// it to grow under Prometheus's eyes.
	//
	// SynergyCRM (default account) answers 503 to everything: reads are
	// retried, the breaker of each replica opens, REST answers 5xx.
	// Solos tells the tenant's account to wait ten minutes, and the
	// gateway holds that account's calls back. One caller spends its
	// budget and goes on.
	def.syn.Inject(synergyemu.Fault{Status: 503, Times: 100000})
	acme.solos.Inject(solosemu.Fault{Status: 429, RetryAfter: "600"})
	refused := 0
	for half := 0; half < 2; half++ {
		for i := 0; i < 5; i++ {
			for _, r := range []*monitoredReplica{a, b} {
				gql(r, ops, `{ contacts(first: 1) { nodes { id } } }`, nil)
			}
		}
		for i := 0; i < 50; i++ {
			for _, r := range []*monitoredReplica{a, b} {
				if res := send(t, "GET", r.base+"/rest/v1/contacts?first=1", withKey(ops), ""); res.Status < 500 {
					t.Fatalf("REST with SynergyCRM down: %d %s", res.Status, res.Body)
				}
				sent++
			}
		}
		for i := 0; i < 2; i++ {
			gql(a, acmeKey, `{ projects(first: 1) { nodes { id } } }`, nil)
		}
		refused += exhaust(t, a.base, greedy, 150)
		nextScrape(t, prom)
	}
	if refused < 300 {
		t.Fatalf("only %d requests refused for RATE_LIMIT", refused)
	}
	// Redis dies: every request's rate-limit check and list lookup fails
	// over to the replica's own state.
	redis.Kill()
	for half := 0; half < 2; half++ {
		for _, r := range []*monitoredReplica{a, b} {
			for i := 0; i < 3; i++ {
				gql(r, acmeKey, `{ countries { id } }`, nil)
			}
		}
		nextScrape(t, prom)
	}
	// Replica B dies.
	b.kill()

	required := map[string]map[string]string{
		"CRMGatewayUpstreamErrors":    {"upstream": "synergy"},
		"CRMGatewayBreakerOpen":       {"upstream": "synergy", "account": "default"},
		"CRMGatewayUpstreamCooldown":  {"upstream": "solos", "account": "acme"},
		"CRMGatewayUpstreamThrottled": {"upstream": "solos", "account": "acme"},
		"CRMGatewayRateLimitingSpike": {"job": "crm-gateway"},
		"CRMGateway5xxRatio":          {"job": "crm-gateway"},
		"CRMGatewayHigh5xxRatio":      {"job": "crm-gateway"},
		"CRMGatewayRedisErrors":       {"instance": a.metricsAddr, "use": "ratelimit"},
		"CRMGatewayDown":              {"instance": b.metricsAddr},
	}
	// Its critical twin needs over 25% of synergy's attempts to fail,
	// which depends on how many the healthy load made.
	optional := map[string]bool{"CRMGatewayUpstreamErrorsHigh": true}
	waitFor(t, prom, "the faults' alerts pending", func() (bool, string) {
		active := activeAlerts(t, prom)
		for name, labels := range required {
			if !slices.ContainsFunc(active[name], func(a promAlert) bool { return a.has(labels) }) {
				return false, fmt.Sprintf("%s%v not pending; active: %v", name, labels, active)
			}
		}
		return true, ""
	})
	active := activeAlerts(t, prom)
	t.Logf("alerts after the faults: %v", active)
	for name, alerts := range active {
		if _, ok := required[name]; !ok && !optional[name] {
			t.Errorf("%s is active, no fault means it: %v", name, alerts)
		}
		for _, a := range alerts {
			if up, ok := a.Labels["upstream"]; ok && name != "CRMGatewayUpstreamCooldown" && name != "CRMGatewayUpstreamThrottled" && up != "synergy" {
				t.Errorf("%s for a healthy backend: %v", name, a)
			}
			if name == "CRMGatewayDown" && a.Labels["instance"] != b.metricsAddr {
				t.Errorf("%s for a live replica: %v", name, a)
			}
		}
	}

	t.Logf("faults' alerts checked after %s", time.Since(started).Round(100*time.Millisecond))

	// --- the rules as Prometheus loaded them ------------------------------
	groups := ruleGroups(t, prom)
	wantRules := map[string]int{"crm-gateway.recording": len(ruleNames(t, recordingFile, "record")),
		"crm-gateway.alerts": len(ruleNames(t, alertsFile, "alert"))}
	for _, g := range groups {
		if n, ok := wantRules[g.Name]; !ok || n != len(g.Rules) {
			t.Errorf("rule group %q loaded with %d rules", g.Name, len(g.Rules))
		}
		delete(wantRules, g.Name)
		for _, r := range g.Rules {
			if r.Health != "ok" {
				t.Errorf("rule %s: health %q: %s", r.Name, r.Health, r.LastError)
			}
		}
	}
	if len(wantRules) > 0 {
		t.Errorf("rule groups not loaded: %v", wantRules)
	}
	for _, g := range groups {
		for _, r := range g.Rules {
			res := promQuery(t, prom, r.Query) // an invalid expression fails here
			if r.Type == "recording" {
				if got := promQuery(t, prom, r.Name); len(got) == 0 {
					t.Errorf("recording rule %s recorded nothing (its expression returns %d series)", r.Name, len(res))
				}
			}
		}
	}

	// --- the dashboard ----------------------------------------------------
	dash := loadDashboard(t)
	vars := resolveVariables(t, prom, dash)
	seen := map[string]bool{}
	for _, p := range dash.panels() {
		for _, tg := range p.Targets {
			expr := fillVariables(tg.Expr, vars)
			res := promQuery(t, prom, expr)
			if !hasNumber(res) {
				t.Errorf("panel %q (%s) returns no data: %s\n%s", p.Title, tg.RefID, expr, truncate(fmt.Sprint(res), 300))
			}
			for _, m := range regexp.MustCompile(`crm_gateway_[a-z_]+`).FindAllString(tg.Expr, -1) {
				seen[strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(m, "_bucket"), "_count"), "_sum")] = true
			}
		}
	}
	for _, name := range declaredMetrics(t) {
		if !seen[name] {
			t.Errorf("no dashboard panel shows %s", name)
		}
		if got := promQuery(t, prom, "count("+name+withSuffix(name)+")"); len(got) == 0 {
			t.Errorf("the load never produced %s", name)
		}
	}
	t.Logf("%d panels, %d rules checked against Prometheus in %s", len(dash.panels()), countRules(groups), time.Since(started).Round(time.Second))
}

// monitoredReplica is one gateway process with /metrics on its own port.
type monitoredReplica struct {
	*process
	base, metricsAddr string
}

func startMonitoredReplica(t *testing.T, env ...string) *monitoredReplica {
	t.Helper()
	p := launch(t, append([]string{"METRICS_ADDR=127.0.0.1:0"}, env...)...)
	r := &monitoredReplica{process: p, base: p.base(), metricsAddr: p.metricsAddr}
	realserver.WaitContext(t, 20*time.Second, func() bool { return realserver.Dial(p.addr) && realserver.Dial(r.metricsAddr) })
	return r
}

func (r *monitoredReplica) kill() {
	_ = r.cmd.Process.Kill()
	err := <-r.done
	r.done <- err
}

// prometheusConfig scrapes both replicas every second and evaluates the
// rule files every second.
func prometheusConfig(t *testing.T, targets ...string) string {
	t.Helper()
	var rules []string
	for _, f := range []string{recordingFile, alertsFile} {
		abs, err := filepath.Abs(f)
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, abs)
	}
	quote := func(ss []string) string {
		b, _ := json.Marshal(ss) // a JSON array is a YAML flow sequence
		return string(b)
	}
	return "global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}\n" +
		"rule_files: " + quote(rules) + "\n" +
		"scrape_configs:\n" +
		"  - job_name: crm-gateway\n" +
		"    static_configs: [{targets: " + quote(targets) + "}]\n"
}

// exhaust sends cheap requests with key, eight at a time, until want of
// them were refused for RATE_LIMIT (or 3000 were sent); it returns how
// many were refused.
func exhaust(t *testing.T, base, key string, want int) int {
	t.Helper()
	var mu sync.Mutex
	refused, sent, failed := 0, 0, ""
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				done := refused >= want || sent >= 3000 || failed != ""
				sent++
				mu.Unlock()
				if done {
					return
				}
				req, _ := http.NewRequest("GET", base+"/graphql?query="+url.QueryEscape("{ __typename }"), nil)
				req.Header.Set("X-API-Key", key)
				resp, err := http.DefaultClient.Do(req)
				mu.Lock()
				switch {
				case err != nil:
					failed = err.Error()
				case resp.StatusCode == http.StatusTooManyRequests:
					refused++
				case resp.StatusCode != http.StatusOK:
					failed = resp.Status
				}
				mu.Unlock()
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	wg.Wait()
	if failed != "" {
		t.Fatalf("greedy caller: %s", failed)
	}
	return refused
}

// --- Prometheus's HTTP API ---------------------------------------------------

type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

func promGet(t *testing.T, prom *realserver.Prometheus, path string, params url.Values, into any) {
	t.Helper()
	resp, err := http.Get(prom.URL + path + "?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var env struct {
		Status    string          `json:"status"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Status != "success" {
		t.Fatalf("%s %v: %d %s: %s %s", path, params, resp.StatusCode, env.ErrorType, env.Error, truncate(string(body), 300))
	}
	if err := json.Unmarshal(env.Data, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// promQuery evaluates expr now; an invalid expression fails the test.
func promQuery(t *testing.T, prom *realserver.Prometheus, expr string) []promSample {
	t.Helper()
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	promGet(t, prom, "/api/v1/query", url.Values{"query": {expr}}, &data)
	switch data.ResultType {
	case "vector":
		var v []promSample
		_ = json.Unmarshal(data.Result, &v)
		return v
	case "scalar":
		var s [2]any
		_ = json.Unmarshal(data.Result, &s)
		return []promSample{{Value: s}}
	}
	t.Fatalf("%s: result type %s", expr, data.ResultType)
	return nil
}

func promScalar(t *testing.T, prom *realserver.Prometheus, expr string) (float64, bool) {
	t.Helper()
	res := promQuery(t, prom, expr)
	if len(res) != 1 {
		return 0, false
	}
	return sampleValue(res[0])
}

func sampleValue(s promSample) (float64, bool) {
	str, _ := s.Value[1].(string)
	v, err := strconv.ParseFloat(str, 64)
	return v, err == nil && !math.IsNaN(v)
}

// hasNumber: at least one series, and at least one value a number.
func hasNumber(res []promSample) bool {
	return slices.ContainsFunc(res, func(s promSample) bool { _, ok := sampleValue(s); return ok })
}

// promAlert is a pending or firing alert.
type promAlert struct {
	Labels map[string]string `json:"labels"`
	State  string            `json:"state"`
}

func (a promAlert) has(labels map[string]string) bool {
	for k, v := range labels {
		if a.Labels[k] != v {
			return false
		}
	}
	return true
}

func (a promAlert) String() string {
	var ls []string
	for k, v := range a.Labels {
		if k != "alertname" {
			ls = append(ls, fmt.Sprintf("%s=%q", k, v))
		}
	}
	sort.Strings(ls)
	return a.State + "{" + strings.Join(ls, ", ") + "}"
}

// activeAlerts are the pending and firing alerts by name.
func activeAlerts(t *testing.T, prom *realserver.Prometheus) map[string][]promAlert {
	t.Helper()
	var data struct {
		Alerts []promAlert `json:"alerts"`
	}
	promGet(t, prom, "/api/v1/alerts", nil, &data)
	out := map[string][]promAlert{}
	for _, a := range data.Alerts {
		out[a.Labels["alertname"]] = append(out[a.Labels["alertname"]], a)
	}
	return out
}

// nextScrape waits until every target has been scraped again.
func nextScrape(t *testing.T, prom *realserver.Prometheus) {
	t.Helper()
	since := float64(time.Now().UnixNano()) / 1e9
	waitFor(t, prom, "a new scrape", func() (bool, string) {
		v, ok := promScalar(t, prom, `min(timestamp(up))`)
		return ok && v > since, fmt.Sprintf("last scrape at %v", v)
	})
}

type promRuleGroup struct {
	Name           string    `json:"name"`
	LastEvaluation time.Time `json:"lastEvaluation"`
	Rules          []struct {
		Name      string `json:"name"`
		Type      string `json:"type"`
		Query     string `json:"query"`
		Health    string `json:"health"`
		LastError string `json:"lastError"`
	} `json:"rules"`
}

func ruleGroups(t *testing.T, prom *realserver.Prometheus) []promRuleGroup {
	t.Helper()
	var data struct {
		Groups []promRuleGroup `json:"groups"`
	}
	promGet(t, prom, "/api/v1/rules", nil, &data)
	return data.Groups
}

func countRules(groups []promRuleGroup) int {
	n := 0
	for _, g := range groups {
		n += len(g.Rules)
	}
	return n
}

// waitEvaluated waits until every rule group has been evaluated after since.
func waitEvaluated(t *testing.T, prom *realserver.Prometheus, since time.Time) {
	t.Helper()
	waitFor(t, prom, "rules evaluated", func() (bool, string) {
		groups := ruleGroups(t, prom)
		for _, g := range groups {
			if !g.LastEvaluation.After(since) {
				return false, g.Name + " last evaluated " + g.LastEvaluation.String()
			}
		}
		return len(groups) > 0, "no rule groups"
	})
}

// waitFor polls ok until it holds; after 30 s it fails with ok's last word.
func waitFor(t *testing.T, prom *realserver.Prometheus, what string, ok func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		done, why := ok()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 30 s: %s\nprometheus log:\n%s", what, why, truncate(prom.Log(), 3000))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// --- the rule files and the dashboard ----------------------------------------

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ruleNames are the names of a rule file's alerts (kind "alert") or
// recording rules ("record"), in order.
func ruleNames(t *testing.T, path, kind string) []string {
	t.Helper()
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^\s*- `+kind+`: (\S+)\s*$`).FindAllStringSubmatch(readFile(t, path), -1) {
		names = append(names, m[1])
	}
	if len(names) == 0 {
		t.Fatalf("%s: no %s rules", path, kind)
	}
	return names
}

// declaredMetrics are the metric names internal/metrics registers.
func declaredMetrics(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, m := range regexp.MustCompile(`Name:\s+"(crm_gateway_\w+)"`).FindAllStringSubmatch(readFile(t, "internal/metrics/metrics.go"), -1) {
		names = append(names, m[1])
	}
	if len(names) < 10 {
		t.Fatalf("found %d metrics in internal/metrics", len(names))
	}
	return names
}

// withSuffix names a histogram by its _count series.
func withSuffix(name string) string {
	if strings.HasSuffix(name, "_duration_seconds") {
		return "_count"
	}
	return ""
}

type grafanaPanel struct {
	ID         int             `json:"id"`
	Type       string          `json:"type"`
	Title      string          `json:"title"`
	Datasource json.RawMessage `json:"datasource"`
	GridPos    struct{ H, W, X, Y int }
	Targets    []struct {
		Expr       string          `json:"expr"`
		RefID      string          `json:"refId"`
		Datasource json.RawMessage `json:"datasource"`
	} `json:"targets"`
	Panels []grafanaPanel `json:"panels"`
}

type grafanaDashboard struct {
	UID           string         `json:"uid"`
	Title         string         `json:"title"`
	SchemaVersion int            `json:"schemaVersion"`
	Panels        []grafanaPanel `json:"panels"`
	Templating    struct {
		List []struct {
			Name       string `json:"name"`
			Type       string `json:"type"`
			Query      any    `json:"query"`
			IncludeAll bool   `json:"includeAll"`
			AllValue   string `json:"allValue"`
		} `json:"list"`
	} `json:"templating"`
}

// panels are the dashboard's panels that query, rows' collapsed ones included.
func (d *grafanaDashboard) panels() []grafanaPanel {
	var out []grafanaPanel
	for _, p := range d.Panels {
		if p.Type == "row" {
			out = append(out, p.Panels...)
			continue
		}
		out = append(out, p)
	}
	return out
}

// loadDashboard decodes the dashboard and checks what Grafana needs to
// import it: a uid, a current schema, one Prometheus data-source variable
// every query uses, unique panel ids, a layout within 24 columns, and the
// rows an operator looks for.
func loadDashboard(t *testing.T) *grafanaDashboard {
	t.Helper()
	var d grafanaDashboard
	if err := json.Unmarshal([]byte(readFile(t, dashboardFile)), &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	if d.UID == "" || d.Title == "" || d.SchemaVersion < 36 {
		t.Errorf("dashboard uid %q, title %q, schemaVersion %d", d.UID, d.Title, d.SchemaVersion)
	}
	if len(d.Templating.List) == 0 || d.Templating.List[0].Type != "datasource" || d.Templating.List[0].Query != "prometheus" {
		t.Errorf("the first template variable is not a Prometheus data source")
	}
	ds := `{"type":"prometheus","uid":"${` + d.Templating.List[0].Name + `}"}`
	ids := map[int]bool{}
	var rows []string
	for _, p := range d.Panels {
		for _, p := range append([]grafanaPanel{p}, p.Panels...) {
			if ids[p.ID] {
				t.Errorf("panel id %d used twice", p.ID)
			}
			ids[p.ID] = true
			if g := p.GridPos; g.W < 1 || g.X < 0 || g.X+g.W > 24 || g.H < 1 {
				t.Errorf("panel %q: gridPos %+v", p.Title, g)
			}
			if p.Type == "row" {
				rows = append(rows, p.Title)
				continue
			}
			if compact(p.Datasource) != ds || len(p.Targets) == 0 {
				t.Errorf("panel %q: datasource %s, %d targets", p.Title, p.Datasource, len(p.Targets))
			}
			refs := map[string]bool{}
			for _, tg := range p.Targets {
				if compact(tg.Datasource) != ds || tg.Expr == "" || tg.RefID == "" || refs[tg.RefID] {
					t.Errorf("panel %q: target %s: datasource %s, expr %q", p.Title, tg.RefID, tg.Datasource, tg.Expr)
				}
				refs[tg.RefID] = true
			}
		}
	}
	for _, want := range []string{"Traffic", "Latency", "Errors", "Upstreams", "Caches", "Rate limiting", "Redis", "Process"} {
		if !slices.ContainsFunc(rows, func(r string) bool { return strings.HasPrefix(r, want) }) {
			t.Errorf("no %q row; rows: %v", want, rows)
		}
	}
	return &d
}

func compact(raw json.RawMessage) string {
	var v any
	_ = json.Unmarshal(raw, &v)
	b, _ := json.Marshal(v)
	return string(b)
}

// resolveVariables gives each template variable the value Grafana would:
// a query variable's options come from Prometheus (label_values), and
// must not be empty; one that includes All takes its allValue, another
// its first option. Grafana's own interval variables get fixed values
// wide enough to cover the whole test.
func resolveVariables(t *testing.T, prom *realserver.Prometheus, d *grafanaDashboard) map[string]string {
	t.Helper()
	vars := map[string]string{"__rate_interval": "2m", "__interval": "15s", "__range": "5m"}
	labelValues := regexp.MustCompile(`^label_values\((.+),\s*(\w+)\)$`)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, _ := v.Query.(string)
		m := labelValues.FindStringSubmatch(q)
		if m == nil {
			t.Errorf("variable %s: query %q is not label_values(selector, label)", v.Name, q)
			continue
		}
		var values []string
		promGet(t, prom, "/api/v1/label/"+m[2]+"/values", url.Values{"match[]": {fillVariables(m[1], vars)}}, &values)
		if len(values) == 0 {
			t.Errorf("variable %s has no options: %s", v.Name, q)
			continue
		}
		if v.IncludeAll {
			vars[v.Name] = v.AllValue
		} else {
			vars[v.Name] = values[0]
		}
	}
	return vars
}

// fillVariables replaces $name and ${name} with their values.
func fillVariables(expr string, vars map[string]string) string {
	return regexp.MustCompile(`\$\{(\w+)\}|\$(\w+)`).ReplaceAllStringFunc(expr, func(m string) string {
		name := strings.Trim(m, "${}")
		if v, ok := vars[name]; ok {
			return v
		}
		return m
	})
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

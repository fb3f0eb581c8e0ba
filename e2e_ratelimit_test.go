package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crmgateway/gateway/internal/auth"
	"github.com/crmgateway/gateway/internal/caller"
	"github.com/crmgateway/gateway/internal/config"
	"github.com/crmgateway/gateway/internal/realserver"
)

// TestRateLimitPerCaller: RATE_LIMIT is each caller's budget, on GraphQL
// and REST together; every answer carries the IETF headers, and a caller
// over budget gets 429, Retry-After and RATE_LIMITED while another caller
// is served.
func TestRateLimitPerCaller(t *testing.T) {
	crms := startCRMs(t, "rl")
	a, ea := newKey(t, "a", "", caller.Scopes...)
	b, eb := newKey(t, "b", "", caller.Scopes...)
	cfg := productionConfig(t, crms, ea, eb)
	cfg.RateLimit = config.RateLimit{Count: 3, Period: time.Minute, Burst: 3}
	g := startGateway(t, cfg)
	q := gqlBody(`{ __typename }`, nil)
	for i, call := range []func() authed{
		func() authed { return send(t, "POST", g.URL+"/graphql", withKey(a), q) },
		func() authed { return send(t, "GET", g.URL+"/rest/v1/address-types", withKey(a), "") },
		func() authed { return send(t, "POST", g.URL+"/graphql", withKey(a), q) },
	} {
		r := call()
		if r.Status != 200 || r.Header.Get("RateLimit-Policy") != `"default";q=3;w=60` ||
			!strings.HasPrefix(r.Header.Get("RateLimit"), fmt.Sprintf(`"default";r=%d;t=`, 2-i)) {
			t.Fatalf("request %d: %d %v %s", i, r.Status, r.Header, r.Body)
		}
	}
	before := crms.counts()
	for _, r := range []authed{
		send(t, "POST", g.URL+"/graphql", withKey(a), gqlBody(`{ contacts(first: 1) { nodes { id } } }`, nil)),
		send(t, "GET", g.URL+"/rest/v1/contacts", withKey(a), ""),
	} {
		if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "20" ||
			fmt.Sprint(r.codes(t)) != "[RATE_LIMITED]" || !strings.Contains(r.Body, `"retryAfterSeconds":20`) {
			t.Fatalf("over budget: %d %v %s", r.Status, r.Header, r.Body)
		}
	}
	if fmt.Sprint(crms.counts()) != fmt.Sprint(before) {
		t.Fatal("a refused request reached a CRM")
	}
	if r := send(t, "POST", g.URL+"/graphql", withKey(b), q); r.Status != 200 {
		t.Fatalf("another caller was refused: %d %s", r.Status, r.Body)
	}
	if r := send(t, "GET", g.URL+"/healthz", nil, ""); r.Status != 200 || r.Header.Get("RateLimit") != "" {
		t.Fatal("health checks are rate limited")
	}
}

// TestRateLimitSharedThroughRedis: two gateways (replicas) on one real
// redis-server share each caller's budget; with Redis killed every request
// is still answered, and once Redis is back the budget is shared again.
func TestRateLimitSharedThroughRedis(t *testing.T) {
	rdb := realserver.StartRedis(t)
	crms := startCRMs(t, "rr")
	key, entry := newKey(t, "shared", "", caller.Scopes...)
	after, entryAfter := newKey(t, "after-restart", "", caller.Scopes...)
	warm, entryWarm := newKey(t, "warm-up", "", caller.Scopes...)
	cfg := productionConfig(t, crms, []auth.KeyEntry{entry, entryAfter, entryWarm}...)
	cfg.MetricsAddr = "" // /metrics on the public listener, to read it here
	cfg.RateLimit = config.RateLimit{Count: 4, Period: time.Minute, Burst: 4}
	cfg.RedisURL = rdb.URL()
	replicas := []*testGateway{startGateway(t, cfg), startGateway(t, cfg)}
	q := gqlBody(`{ __typename }`, nil)
	pattern := func(n int, k string) string {
		out := ""
		for i := 0; i < n; i++ {
			r := send(t, "POST", replicas[i%2].URL+"/graphql", withKey(k), q)
			out += map[int]string{200: "+", 429: "-"}[r.Status]
		}
		return out
	}
	if got := pattern(6, key); got != "++++--" {
		t.Fatalf("a budget of 4 across two replicas: %s", got)
	}
	rdb.Kill()
	for i := 0; i < 4; i++ {
		if r := send(t, "POST", replicas[i%2].URL+"/graphql", withKey(key), q); r.Status != 200 && r.Status != 429 {
			t.Fatalf("with Redis down: %d %s", r.Status, r.Body)
		}
	}
	metrics := send(t, "GET", replicas[0].URL+"/metrics", nil, "")
	if !strings.Contains(metrics.Body, `crm_gateway_redis_errors_total{use="ratelimit"}`) {
		t.Fatal("Redis failures are not in /metrics")
	}
	rdb.Restart()
	for i := 0; i < 4; i++ { // the replicas' connection pools notice the restart
		send(t, "POST", replicas[i%2].URL+"/graphql", withKey(warm), q)
	}
	if got := pattern(5, after); got != "++++-" {
		t.Fatalf("once Redis is back the budget is shared again: %s", got)
	}
}

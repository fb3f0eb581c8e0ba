package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmgateway/gateway/adapters/synergy/emulator"
	"github.com/crmgateway/gateway/internal/caller"
)

// TestConcurrentRequestsBounded: with MAX_CONCURRENT_REQUESTS requests in
// flight (held by a stalled CRM), one more is refused at once — 503,
// Retry-After, RATE_LIMITED, a GraphQL error or a problem document by
// route — without reaching a CRM or reading its body; health checks stay
// open, /metrics counts the refusals, and once the held requests end the
// gateway serves again.
func TestConcurrentRequestsBounded(t *testing.T) {
	crms := startCRMs(t, "shed")
	key, entry := newKey(t, "shed", "", caller.Scopes...)
	cfg := productionConfig(t, crms, entry)
	cfg.MetricsAddr = ""
	cfg.Limits.MaxConcurrentRequests = 2
	cfg.Synergy.Upstream.Timeout = 5 * time.Second
	cfg.Synergy.Upstream.MaxRetries = 0
	g := startGateway(t, cfg)

	const stall = 4 * time.Second
	crms.syn.Inject(emulator.Fault{Stall: stall, Times: 2})
	held := gqlBody(`{ contacts(first: 1) { nodes { id } } }`, nil)
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = send(t, "POST", g.URL+"/graphql", withKey(key), held).Status
		}()
	}
	deadline := time.Now().Add(stall / 2) // the rest of the stall is left for the checks below
	for !strings.Contains(send(t, "GET", g.URL+"/metrics", nil, "").Body, "crm_gateway_requests_in_flight 2") {
		if time.Now().After(deadline) {
			t.Fatal("the two held requests never were in flight together")
		}
		time.Sleep(10 * time.Millisecond)
	}

	before := crms.counts()
	gql := send(t, "POST", g.URL+"/graphql", withKey(key), gqlBody(`{ countries { name } }`, nil))
	if gql.Status != http.StatusServiceUnavailable || gql.Header.Get("Retry-After") != "1" ||
		fmt.Sprint(gql.codes(t)) != "[RATE_LIMITED]" || !strings.Contains(gql.Body, "limit of 2 requests") {
		t.Fatalf("GraphQL past the bound: %d %v %s", gql.Status, gql.Header, gql.Body)
	}
	rest := send(t, "GET", g.URL+"/rest/v1/countries", withKey(key), "")
	if rest.Status != http.StatusServiceUnavailable || rest.Header.Get("Retry-After") != "1" ||
		!strings.HasPrefix(rest.Header.Get("Content-Type"), "application/problem+json") ||
		!strings.Contains(rest.Body, `"code":"RATE_LIMITED"`) {
		t.Fatalf("REST past the bound: %d %v %s", rest.Status, rest.Header, rest.Body)
	}
	if fmt.Sprint(crms.counts()) != fmt.Sprint(before) {
		t.Fatalf("a refused request reached a CRM: %v → %v", before, crms.counts())
	}
	if r := send(t, "GET", g.URL+"/readyz", nil, ""); r.Status != http.StatusOK {
		t.Fatalf("/readyz while at the bound: %d %s", r.Status, r.Body)
	}
	if m := send(t, "GET", g.URL+"/metrics", nil, "").Body; !strings.Contains(m, "crm_gateway_requests_shed_total 2") {
		t.Fatalf("the refusals are not counted:\n%s", grepLines(m, "crm_gateway_requests_"))
	}

	wg.Wait()
	if fmt.Sprint(statuses) != "[200 200]" {
		t.Fatalf("the held requests: %v", statuses)
	}
	if r := send(t, "POST", g.URL+"/graphql", withKey(key), gqlBody(`{ countries { name } }`, nil)); r.Status != http.StatusOK {
		t.Fatalf("after the held requests ended: %d %s", r.Status, r.Body)
	}
	if m := send(t, "GET", g.URL+"/metrics", nil, "").Body; !strings.Contains(m, "crm_gateway_requests_in_flight 0") {
		t.Fatalf("requests still counted in flight:\n%s", grepLines(m, "crm_gateway_requests_"))
	}
}

package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	synergyemu "github.com/crmgateway/gateway/adapters/synergy/emulator"
	"github.com/crmgateway/gateway/internal/auth"
	"github.com/crmgateway/gateway/internal/caller"
	"github.com/crmgateway/gateway/internal/config"
)

// TestIdenticalReadsReachTheCRMOnce: queries that need the same SynergyCRM
// page while it is in flight make one upstream call between them, and
// each gets exactly the answer it gets alone; with UPSTREAM_COALESCE off
// each makes its own. A mutation between two reads keeps them apart.
func TestIdenticalReadsReachTheCRMOnce(t *testing.T) {
	const query = `{ deals(first: 50) { nodes { name company { name } contact { firstName } stage { name } status { name } } } }`
	const callers = 6
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprintf("UPSTREAM_COALESCE=%v", on), func(t *testing.T) {
			emu := synergyemu.New(synergyemu.Options{Token: "coalesce-token"})
			// While hold is set, a list of deals is answered by the
			// emulator at once but sent only when the gate opens: what the
			// CRM says is fixed when the call arrives.
			var hold atomic.Bool
			var gets atomic.Int32
			var gate sync.Mutex
			open := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/deals") || !hold.Load() {
					emu.ServeHTTP(w, r)
					return
				}
				gets.Add(1)
				gate.Lock()
				wait := open
				gate.Unlock()
				rec := httptest.NewRecorder()
				emu.ServeHTTP(rec, r)
				<-wait
				for k, v := range rec.Header() {
					w.Header()[k] = v
				}
				w.WriteHeader(rec.Code)
				_, _ = w.Write(rec.Body.Bytes())
			}))
			t.Cleanup(srv.Close)
			release := func() {
				gate.Lock()
				defer gate.Unlock()
				close(open)
				open = make(chan struct{})
			}
			t.Cleanup(release)
			cfg := config.Defaults()
			cfg.Synergy = config.Synergy{BaseURL: srv.URL + "/api/v1", Token: "coalesce-token", Upstream: cfg.Synergy.Upstream}
			cfg.CoalesceGets = on
			cfg.Auth.Mode = "none"
			cfg.MetricsAddr = "127.0.0.1:0"
			g := startGateway(t, cfg)

			alone := g.gql(t, query, nil)
			alone.mustData(t)
			victim := dealID(t, g)

			hold.Store(true)
			answers := make([]string, callers)
			var wg sync.WaitGroup
			for i := range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					answers[i] = g.gql(t, query, nil).Raw
				}()
			}
			if on {
				// Every query is in the gateway and the CRM holds the
				// first call; a second is the time the others take, at
				// most, to plan and join it (a millisecond or two here).
				waitUntil(t, "every query in flight", func() bool {
					return testutil.ToFloat64(g.App.Metrics.RequestsInFlight) == callers && gets.Load() >= 1
				})
				time.Sleep(time.Second)
			} else {
				waitUntil(t, "a call per query", func() bool { return gets.Load() == callers })
			}
			release()
			wg.Wait()
			for i, a := range answers {
				if a != alone.Raw {
					t.Fatalf("query %d got\n%s\nalone it gets\n%s", i, a, alone.Raw)
				}
			}
			want, shared := int32(callers), 0
			if on {
				want, shared = 1, callers-1
			}
			if n := gets.Load(); n != want {
				t.Errorf("the CRM got %d calls for %d identical queries, want %d", n, callers, want)
			}
			if n := testutil.ToFloat64(g.App.Metrics.UpstreamCoalesced.WithLabelValues("synergy")); int(n) != shared {
				t.Errorf("crm_gateway_upstream_coalesced_total = %v, want %d", n, shared)
			}
			if n := strings.Count(g.Logs.String(), `"upstream_shared":1`); n != shared {
				t.Errorf("%d access-log lines with upstream_shared, want %d", n, shared)
			}

			if !on {
				return
			}
			// A write between two reads: the read after it is sent.
			before := gets.Load()
			first := make(chan string, 1)
			go func() { first <- g.gql(t, query, nil).Raw }()
			waitUntil(t, "the first read's call", func() bool { return gets.Load() == before+1 })
			del := g.gql(t, `mutation { deleteDeal(id: "`+victim+`") { deletedId } }`, nil)
			if len(del.Errors) > 0 {
				t.Fatalf("delete: %s", del.Raw)
			}
			second := make(chan string, 1)
			go func() { second <- g.gql(t, query, nil).Raw }()
			waitUntil(t, "the read after the write sent on its own", func() bool { return gets.Load() == before+2 })
			release()
			if a, b := <-first, <-second; a == b {
				t.Error("the read after the delete has the answer of the read before it")
			}
		})
	}
}

// dealID is the global id of the first deal.
func dealID(t *testing.T, g *testGateway) string {
	t.Helper()
	var d struct {
		Deals struct{ Nodes []struct{ ID string } }
	}
	decodeData(t, g.gql(t, `{ deals(first: 1) { nodes { id } } }`, nil), &d)
	return d.Deals.Nodes[0].ID
}

// waitUntil polls cond for up to ten seconds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestCoalescingKeepsTenantsApart: two tenants whose SynergyCRM accounts
// sit behind the same URL ask for the same page at the same moment; each
// account's calls share one answer, but no tenant ever takes the other's:
// the CRM gets one call with each token.
func TestCoalescingKeepsTenantsApart(t *testing.T) {
	const query = `{ deals(first: 5) { nodes { name } } }`
	tokens := []string{"alpha-coalesce-token", "beta-coalesce-token"}
	emus := map[string]*synergyemu.Emulator{}
	for _, tok := range tokens {
		emus["Bearer "+tok] = synergyemu.New(synergyemu.Options{Token: tok})
	}
	var hold atomic.Bool
	var mu sync.Mutex
	calls := map[string]int{} // held list calls by Authorization
	open := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		emu := emus[r.Header.Get("Authorization")]
		if emu == nil {
			http.Error(w, "unknown token", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/deals") && hold.Load() {
			mu.Lock()
			calls[r.Header.Get("Authorization")]++
			mu.Unlock()
			<-open
		}
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		select {
		case <-open:
		default:
			close(open)
		}
	})
	t.Setenv("ALPHA_COALESCE_TOKEN", tokens[0])
	t.Setenv("BETA_COALESCE_TOKEN", tokens[1])
	account := func(env string) map[string]any {
		return map[string]any{"synergy": map[string]any{"baseUrl": srv.URL + "/api/v1", "token": map[string]string{"env": env}}}
	}
	ka, ea := newKey(t, "alpha-app", "alpha", caller.Scopes...)
	kb, eb := newKey(t, "beta-app", "beta", caller.Scopes...)
	cfg := config.Defaults()
	cfg.TenantsFile = writeJSON(t, "tenants.json", map[string]any{
		"alpha": account("ALPHA_COALESCE_TOKEN"), "beta": account("BETA_COALESCE_TOKEN")})
	cfg.Auth.Mode = "apikey"
	cfg.Auth.APIKeysFile = writeJSON(t, "keys.json", []auth.KeyEntry{ea, eb})
	cfg.MetricsAddr = "127.0.0.1:0"
	g := startGateway(t, cfg)

	keys := []string{ka, kb}
	alone := map[string]string{}
	for _, k := range keys {
		r := send(t, "POST", g.URL+"/graphql", withKey(k), gqlBody(query, nil))
		if r.Status != http.StatusOK || len(r.codes(t)) != 0 {
			t.Fatalf("alone: %d %s", r.Status, r.Body)
		}
		alone[k] = r.Body
	}
	hold.Store(true)
	const each = 3
	var wg sync.WaitGroup
	got := make(chan [2]string, 2*each)
	for _, k := range keys {
		for range each {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got <- [2]string{k, send(t, "POST", g.URL+"/graphql", withKey(k), gqlBody(query, nil)).Body}
			}()
		}
	}
	waitUntil(t, "a call from each tenant", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(calls) == 2 && testutil.ToFloat64(g.App.Metrics.RequestsInFlight) == 2*each
	})
	time.Sleep(time.Second) // the others join their tenant's call
	close(open)
	wg.Wait()
	close(got)
	for a := range got {
		if a[1] != alone[a[0]] {
			t.Errorf("a tenant got\n%s\nalone it gets\n%s", a[1], alone[a[0]])
		}
	}
	for auth, n := range calls {
		if n != 1 {
			t.Errorf("%d calls with %s…, want 1", n, auth[:12])
		}
	}
	if n := testutil.ToFloat64(g.App.Metrics.UpstreamCoalesced.WithLabelValues("synergy")); n != 2*(each-1) {
		t.Errorf("coalesced %v, want %d", n, 2*(each-1))
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	rkemulator "github.com/crmgateway/gateway/adapters/rkeeper/emulator"
	solosemu "github.com/crmgateway/gateway/adapters/solos/emulator"
	synergyemu "github.com/crmgateway/gateway/adapters/synergy/emulator"
)

// staleExt is a response's stale-data report.
type staleExt struct {
	Data       json.RawMessage `json:"data"`
	Errors     []any           `json:"errors"`
	Extensions struct {
		Stale []struct {
			Path       []any
			Backend    string
			AgeSeconds float64
		}
		Backends map[string]struct{ State, Cause string }
	} `json:"extensions"`
}

// TestStaleWhileDown: per backend, a read the CRM cannot serve is
// answered from its last good answer within <BACKEND>_STALE_FOR, with the
// paths and ages in extensions.stale and each backend's state in
// extensions.backends; outside the window, or with it off (the default
// for entities), the error stands. r_keeper's reference lists are served
// stale by default.
func TestStaleWhileDown(t *testing.T) {
	cases := []struct {
		name, backend, query string
		enable               func(*crmSet)
		fail                 func(*crmSet)
		path                 string
	}{
		{name: "synergy entities", backend: "synergy", query: `{ contacts(first: 2) { nodes { firstName } } }`, path: "[contacts]",
			enable: func(c *crmSet) { c.synergy.Upstream.StaleFor = time.Minute },
			fail:   func(c *crmSet) { c.syn.Inject(synergyemu.Fault{Status: 503, Times: 10}) }},
		{name: "solos entities", backend: "solos", query: `{ projects(first: 2) { nodes { name } } }`, path: "[projects]",
			enable: func(c *crmSet) { c.sol.Upstream.StaleFor = time.Minute },
			fail:   func(c *crmSet) { c.solos.Inject(solosemu.Fault{Status: 502, Times: 10}) }},
		{name: "r_keeper reference lists (on by default)", backend: "rkeeper", query: `{ countries { name } }`, path: "[countries]",
			enable: func(*crmSet) {},
			fail:   func(c *crmSet) { c.rk.Inject(rkemulator.Fault{Status: 503, Times: 10}) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			crms := startCRMs(t, "stale")
			tc.enable(crms)
			cfg := productionConfig(t, crms)
			cfg.Auth.Mode = "none"
			cfg.Synergy, cfg.Solos, cfg.RKeeper = crms.synergy, crms.sol, crms.rkeeper
			cfg.RKeeper.CacheTTL = 0 // every read reaches r_keeper
			cfg.RKeeper.ReferenceStaleFor = 10 * time.Minute
			g := startGateway(t, cfg)
			fresh := send(t, "POST", g.URL+"/graphql", nil, gqlBody(tc.query, nil))
			var f staleExt
			_ = json.Unmarshal([]byte(fresh.Body), &f)
			if len(f.Errors) != 0 || len(f.Extensions.Stale) != 0 {
				t.Fatalf("fresh: %s", fresh.Body)
			}
			tc.fail(crms)
			r := send(t, "POST", g.URL+"/graphql", nil, gqlBody(tc.query, nil))
			var s staleExt
			_ = json.Unmarshal([]byte(r.Body), &s)
			if len(s.Errors) != 0 || string(s.Data) != string(f.Data) || len(s.Extensions.Stale) != 1 ||
				fmt.Sprint(s.Extensions.Stale[0].Path) != tc.path || s.Extensions.Stale[0].Backend != tc.backend ||
				s.Extensions.Backends[tc.backend].State != "stale" || s.Extensions.Backends[tc.backend].Cause == "" {
				t.Fatalf("while down: %s", r.Body)
			}
		})
	}
	t.Run("off by default for entities", func(t *testing.T) {
		crms := startCRMs(t, "nostale")
		cfg := productionConfig(t, crms)
		cfg.Auth.Mode = "none"
		g := startGateway(t, cfg)
		q := gqlBody(`{ contacts(first: 2) { nodes { firstName } } }`, nil)
		send(t, "POST", g.URL+"/graphql", nil, q)
		crms.syn.Inject(synergyemu.Fault{Status: 503, Times: 10})
		r := send(t, "POST", g.URL+"/graphql", nil, q)
		var s staleExt
		_ = json.Unmarshal([]byte(r.Body), &s)
		if len(s.Errors) != 1 || len(s.Extensions.Stale) != 0 {
			t.Fatalf("%s", r.Body)
		}
	})
	t.Run("outside the window the error stands", func(t *testing.T) {
		crms := startCRMs(t, "window")
		crms.synergy.Upstream.StaleFor = 50 * time.Millisecond
		cfg := productionConfig(t, crms)
		cfg.Auth.Mode = "none"
		cfg.Synergy = crms.synergy
		g := startGateway(t, cfg)
		q := gqlBody(`{ contacts(first: 2) { nodes { firstName } } }`, nil)
		send(t, "POST", g.URL+"/graphql", nil, q)
		time.Sleep(100 * time.Millisecond)
		crms.syn.Inject(synergyemu.Fault{Status: 503, Times: 10})
		r := send(t, "POST", g.URL+"/graphql", nil, q)
		var s staleExt
		_ = json.Unmarshal([]byte(r.Body), &s)
		if len(s.Errors) != 1 || len(s.Extensions.Stale) != 0 {
			t.Fatalf("%s", r.Body)
		}
	})
}

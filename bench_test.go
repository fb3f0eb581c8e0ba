package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	solosemu "github.com/crmgateway/gateway/adapters/solos/emulator"
	"github.com/crmgateway/gateway/adapters/synergy/emulator"
	"github.com/crmgateway/gateway/internal/config"
)

// benchSynergy starts an emulator answering after delay and a gateway on it.
func benchSynergy(b *testing.B, delay time.Duration) (*emulator.Emulator, *httptest.Server, *testGateway) {
	emu := emulator.New(emulator.Options{Token: synergyTestToken, Delay: delay})
	srv := httptest.NewServer(emu)
	b.Cleanup(srv.Close)
	cfg := config.Defaults()
	cfg.LogLevel = "error"
	cfg.Synergy.BaseURL = srv.URL + "/api/v1"
	cfg.Synergy.Token = synergyTestToken
	return emu, srv, startGateway(b, cfg)
}

// BenchmarkSynergyRelationships compares include planning with the naive
// one-request-per-parent strategy, the emulator answering after 20 ms as a
// real CRM would. upstream-req/op is the number that matters.
func BenchmarkSynergyRelationships(b *testing.B) {
	queries := []struct{ name, q string }{
		{"deals50_5rels", `{ deals(first: 50) { nodes { name company { name } contact { firstName } stage { name } status { name } source { extra } } } }`},
		{"deals20_company_contacts", `{ deals(first: 20) { nodes { name company { name contacts { firstName } } } } }`},
	}
	for _, q := range queries {
		for _, naive := range []bool{false, true} {
			mode := "planned"
			if naive {
				mode = "naive"
			}
			b.Run(q.name+"/"+mode, func(b *testing.B) {
				emu, _, g := benchSynergy(b, 20*time.Millisecond)
				g.App.Resolver.NaiveRelationships = naive
				emu.Reset()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if r := g.gql(b, q.q, nil); len(r.Errors) > 0 {
						b.Fatal(r.Raw)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(emu.Count())/float64(b.N), "upstream-req/op")
			})
		}
	}
}

// BenchmarkGatewayOverhead measures what the gateway adds to one upstream
// call: the same ten contacts read directly from the emulator (the same
// request the gateway sends, HTTP + JSON decode) and through GraphQL, the
// emulator answering at once.
func BenchmarkGatewayOverhead(b *testing.B) {
	_, srv, g := benchSynergy(b, 0)
	b.Run("direct", func(b *testing.B) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/contacts?page[size]=10&page[number]=1&fields[contacts]=first-name,last-name,email", nil)
		req.Header.Set("Authorization", "Bearer "+synergyTestToken)
		for i := 0; i < b.N; i++ {
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var doc map[string]any
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err := json.Unmarshal(body, &doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gateway", func(b *testing.B) {
		q := `{ contacts(first: 10) { nodes { id firstName lastName email } } }`
		for i := 0; i < b.N; i++ {
			if r := g.gql(b, q, nil); len(r.Errors) > 0 {
				b.Fatal(r.Raw)
			}
		}
	})
}

// BenchmarkSolosPayments: ten projects' payments, each asked twice under
// two aliases, the emulator answering after 20 ms. Solos has no batch
// endpoint, so the per-request loaders' job is to send each distinct
// request once (10) where the naive strategy sends one per resolver call.
func BenchmarkSolosPayments(b *testing.B) {
	q := `{ projects(first: 10) { nodes { name payments(first: 5) { nodes { sum } } again: payments(first: 5) { nodes { date } } } } }`
	for _, naive := range []bool{false, true} {
		mode := "loaders"
		if naive {
			mode = "naive"
		}
		b.Run(mode, func(b *testing.B) {
			emu := solosemu.New(solosemu.Options{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				time.Sleep(20 * time.Millisecond) // a real CRM's latency
				emu.ServeHTTP(w, r)
			}))
			b.Cleanup(srv.Close)
			cfg := config.Defaults()
			cfg.LogLevel = "error"
			cfg.Solos.BaseURL = srv.URL + solosemu.BasePath
			cfg.Solos.Token, cfg.Solos.Secret = solosemu.SandboxToken, solosemu.SandboxSecret
			g := startGateway(b, cfg)
			g.App.Resolver.NaiveRelationships = naive
			before := len(emu.Requests())
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if r := g.gql(b, q, nil); len(r.Errors) > 0 {
					b.Fatal(r.Raw)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(len(emu.Requests())-before)/float64(b.N), "upstream-req/op")
		})
	}
}

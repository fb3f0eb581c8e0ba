package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/crmgateway/gateway/internal/config"
	"github.com/crmgateway/gateway/internal/domain"
)

// TestLimitsAtNAndNPlusOne: each limit lets a query at the limit through
// and refuses one a step past it, on the real schema and data.
func TestLimitsAtNAndNPlusOne(t *testing.T) {
	depth := config.Defaults()
	depth.Limits.MaxDepth = 4
	complexity := config.Defaults()
	complexity.Limits.MaxComplexity = 3
	for _, tc := range []struct {
		name, pass, refuse string
		cfg                config.Config
	}{
		{"depth", `{ contacts(first: 1) { nodes { companies { name } } } }`,
			`{ contacts(first: 1) { nodes { companies { contacts { firstName } } } } }`, depth},
		// cost: 1 per list field + its selection per record; scalars 0.
		{"complexity", `{ contacts(first: 1) { nodes { companies { name inn kpp } } } }`,
			`{ contacts(first: 1) { nodes { companies { name } contactType { name } } } }`, complexity},
		{"complexity weighs the page size", `{ contacts(first: 2) { nodes { firstName lastName } } }`,
			`{ contacts(first: 3) { nodes { firstName } } }`, complexity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := startGateway(t, tc.cfg)
			g.gql(t, tc.pass, nil).mustData(t)
			r := g.gql(t, tc.refuse, nil)
			if c := r.codes(); len(c) != 1 || c[0] != "QUERY_TOO_COMPLEX" {
				t.Fatalf("%s", r.Raw)
			}
		})
	}
}

// panicky is a SynergyCRM adapter with a bug.
type panicky struct{}

func (panicky) List(context.Context, domain.SynergyQuery) (*domain.SynergyDocument, error) {
	panic("adapter bug")
}
func (panicky) Get(context.Context, string, string, []string, domain.SynergyFields) (*domain.SynergyDocument, error) {
	panic("adapter bug")
}
func (panicky) Related(context.Context, string, string, string, domain.SynergyFields) (*domain.SynergyDocument, error) {
	panic("adapter bug")
}

// TestPanicBecomesInternal: a panicking resolver costs its own field, with
// INTERNAL and no detail, and the process and the other backends go on.
func TestPanicBecomesInternal(t *testing.T) {
	g := startGateway(t, config.Defaults())
	g.App.Resolver.Synergy = panicky{}
	r := g.gql(t, `{ contacts(first: 1) { totalCount } projects(first: 1) { totalCount } }`, nil)
	if c := r.codes(); len(c) != 1 || c[0] != "INTERNAL" || r.Errors[0].Message != "internal error" {
		t.Fatalf("%s", r.Raw)
	}
	if strings.Contains(r.Raw, "adapter bug") || !strings.Contains(r.Raw, `"projects":{"totalCount":`) {
		t.Fatalf("%s", r.Raw)
	}
	if !strings.Contains(g.Logs.String(), "adapter bug") {
		t.Fatal("the panic is not logged")
	}
	resp, err := http.Get(g.URL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("not healthy after a panic: %v", err)
	}
	resp.Body.Close()
}

// TestOneBackendFailingKeepsTheOthers: partial data with errors on paths.
func TestOneBackendFailingKeepsTheOthers(t *testing.T) {
	cfg := config.Defaults()
	g := startGateway(t, cfg)
	g.App.Resolver.Solos = nil // as if not configured
	r := g.gql(t, `{ projects(first: 1) { totalCount } contacts(first: 1) { totalCount } countries { name } }`, nil)
	if c := r.codes(); len(c) != 1 || c[0] != "UPSTREAM_DISABLED" {
		t.Fatalf("%s", r.Raw)
	}
	if r.Errors[0].Path[0] != "projects" || !strings.Contains(r.Raw, `"contacts":{"totalCount":`) || !strings.Contains(r.Raw, `"countries":[{"name":"`) {
		t.Fatalf("%s", r.Raw)
	}
}

func TestUpstreamMetrics(t *testing.T) {
	g := startGateway(t, config.Defaults())
	g.gql(t, `{ contacts(first: 1) { totalCount } projects(first: 1) { totalCount } countries { name } }`, nil).mustData(t)
	resp, err := http.Get(g.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`crm_gateway_upstream_requests_total{method="GET",status="200",upstream="synergy"}`,
		`crm_gateway_upstream_requests_total{method="GET",status="200",upstream="solos"}`,
		`crm_gateway_upstream_requests_total{method="GET",status="200",upstream="rkeeper"}`,
		`crm_gateway_upstream_request_duration_seconds_bucket{method="GET",upstream="synergy",le="0.005"}`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

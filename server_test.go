package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crmgateway/gateway/internal/config"
	"github.com/crmgateway/gateway/internal/globalid"
)

func TestHealthReadinessAndMetrics(t *testing.T) {
	g := startGateway(t, config.Defaults())
	for path, want := range map[string]string{"/livez": `"ok"`, "/healthz": `"ok"`, "/readyz": `"ready"`} {
		resp, err := http.Get(g.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("%s = %d %s", path, resp.StatusCode, b)
		}
	}
	g.gql(t, `{ __typename }`, nil).mustData(t)
	resp, err := http.Get(g.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `crm_gateway_http_requests_total{method="POST",route="/graphql",status="200"}`) {
		t.Errorf("metrics lack the GraphQL request:\n%s", b)
	}
}

func TestNodeRejectsMalformedID(t *testing.T) {
	g := startGateway(t, config.Defaults())
	r := g.gql(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": "not-an-id"})
	if got := r.codes(); len(got) != 1 || got[0] != "BAD_USER_INPUT" {
		t.Fatalf("codes = %v, body %s", got, r.Raw)
	}
	r = g.gql(t, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": make([]string, 101)})
	if got := r.codes(); len(got) != 1 || got[0] != "BAD_USER_INPUT" {
		t.Fatalf("101 ids: codes = %v", got)
	}
}

func TestRequestLimits(t *testing.T) {
	cfg := config.Defaults()
	g := startGateway(t, cfg)
	aliases := func(n int) string {
		var b strings.Builder
		b.WriteString("{")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, " a%d: __typename", i)
		}
		return b.String() + " }"
	}
	t.Run("aliases", func(t *testing.T) {
		g.gql(t, aliases(cfg.Limits.MaxAliases), nil).mustData(t)
		r := g.gql(t, aliases(cfg.Limits.MaxAliases+1), nil)
		if got := r.codes(); len(got) != 1 || got[0] != "QUERY_TOO_COMPLEX" {
			t.Fatalf("codes = %v", got)
		}
		start := time.Now()
		r = g.gql(t, aliases(2000), nil)
		if got := r.codes(); len(got) != 1 || got[0] != "QUERY_TOO_COMPLEX" {
			t.Fatalf("2000 aliases: codes = %v", got)
		}
		t.Logf("2000-alias query refused in %v", time.Since(start))
	})
	t.Run("fields", func(t *testing.T) {
		q := func(n int) string { return "{" + strings.Repeat(" __typename", n) + " }" }
		g.gql(t, q(cfg.Limits.MaxFields), nil).mustData(t)
		r := g.gql(t, q(cfg.Limits.MaxFields+1), nil)
		if got := r.codes(); len(got) != 1 || got[0] != "QUERY_TOO_COMPLEX" {
			t.Fatalf("codes = %v", got)
		}
		start := time.Now()
		r = g.gql(t, q(9000), nil)
		if got := r.codes(); len(got) != 1 || got[0] != "QUERY_TOO_COMPLEX" {
			t.Fatalf("9000 fields: codes = %v", got)
		}
		t.Logf("9000-field query refused in %v", time.Since(start))
	})
	t.Run("tokens", func(t *testing.T) {
		small := config.Defaults()
		small.Limits.MaxTokens = 200
		g := startGateway(t, small)
		// "{ __typename }" is 3 tokens; each extra "__typename" is one more.
		q := func(n int) string { return "{" + strings.Repeat(" __typename", n-2) + " }" }
		g.gql(t, q(small.Limits.MaxTokens), nil).mustData(t)
		r := g.gql(t, q(small.Limits.MaxTokens+1), nil)
		if got := r.codes(); len(got) != 1 || got[0] != "QUERY_TOO_COMPLEX" {
			t.Fatalf("codes = %v %s", got, r.Raw[:min(len(r.Raw), 300)])
		}
	})
	t.Run("depth", func(t *testing.T) {
		deep := strings.Repeat("{ node(id: \"x\") ", 50) + strings.Repeat("}", 50)
		r := g.gql(t, deep, nil)
		if got := r.codes(); len(got) != 1 || got[0] != "QUERY_TOO_COMPLEX" {
			t.Fatalf("codes = %v", got)
		}
	})
	t.Run("body", func(t *testing.T) {
		big := bytes.Repeat([]byte(" "), int(cfg.Limits.MaxBodyBytes)+1)
		r := g.post(t, "/graphql", "application/json", big)
		if r.Status != http.StatusRequestEntityTooLarge {
			t.Fatalf("status = %d", r.Status)
		}
	})
	t.Run("malformed body is not echoed", func(t *testing.T) {
		secret := "SECRET-PAYLOAD-12345"
		r := g.post(t, "/graphql", "application/json", []byte(`{"query": "`+secret))
		if r.Status != http.StatusBadRequest || strings.Contains(r.Raw, secret) {
			t.Fatalf("status = %d body %s", r.Status, r.Raw)
		}
	})
}

func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	cfg := config.Defaults()
	cfg.ShutdownTimeout = 5 * time.Second
	app, err := build(cfg, newLogger(cfg, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	slow := make(chan struct{})
	inner := app.Handler
	app.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(slow)
			time.Sleep(300 * time.Millisecond)
			_, _ = io.WriteString(w, "finished")
			return
		}
		inner.ServeHTTP(w, r)
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, ln) }()
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-slow
	cancel() // what SIGTERM does in main
	if body := <-got; body != "finished" {
		t.Fatalf("in-flight request got %q", body)
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

func TestGlobalIDRoundTrip(t *testing.T) {
	id := globalid.Encode(globalid.Synergy, "contacts", "42")
	got, err := globalid.Decode(id)
	if err != nil || got.Backend != "synergy" || got.Type != "contacts" || got.Source != "42" {
		t.Fatalf("%v %+v", err, got)
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/crmgateway/gateway/internal/config"
)

// logBuffer collects the gateway's log lines for secret-leak checks.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testGateway is a whole gateway behind a real HTTP listener.
type testGateway struct {
	*httptest.Server
	App  *App
	Logs *logBuffer
}

// startGateway builds the gateway from cfg (sandbox when cfg has no base
// URL) and serves it on loopback for the test's lifetime.
func startGateway(t testing.TB, cfg config.Config) *testGateway {
	t.Helper()
	if cfg.LogLevel == "" {
		cfg.LogLevel = "debug"
	}
	logs := &logBuffer{}
	var out io.Writer = logs
	if os.Getenv("GATEWAY_TEST_LOG") != "" {
		out = io.MultiWriter(logs, os.Stderr)
	}
	app, err := build(cfg, newLogger(cfg, out))
	if err != nil {
		t.Fatalf("build gateway: %v", err)
	}
	srv := httptest.NewServer(app.Handler)
	t.Cleanup(func() { srv.Close(); app.Close() })
	return &testGateway{Server: srv, App: app, Logs: logs}
}

// gqlResponse is a decoded GraphQL response.
type gqlResponse struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
	Raw string
}

// codes lists the extensions.code of every error.
func (r *gqlResponse) codes() []string {
	var out []string
	for _, e := range r.Errors {
		c, _ := e.Extensions["code"].(string)
		out = append(out, c)
	}
	return out
}

// gql POSTs a query and decodes the answer.
func (g *testGateway) gql(t testing.TB, query string, vars map[string]any) *gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return g.post(t, "/graphql", "application/json", body)
}

func (g *testGateway) post(t testing.TB, path, contentType string, body []byte) *gqlResponse {
	t.Helper()
	resp, err := http.Post(g.URL+path, contentType, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := &gqlResponse{Status: resp.StatusCode, Raw: string(raw)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/") {
		_ = json.Unmarshal(raw, out)
	}
	return out
}

// mustData fails the test when the response carries errors.
func (r *gqlResponse) mustData(t testing.TB) {
	t.Helper()
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		t.Fatalf("unexpected errors (HTTP %d): %s", r.Status, r.Raw)
	}
}

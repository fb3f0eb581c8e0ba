package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/crmgateway/gateway/internal/config"
)

// benchGateway is a sandbox gateway whose handler the benchmarks call in
// process: the time measured is the gateway's own, with no socket.
func benchGateway(b *testing.B) *testGateway {
	cfg := config.Defaults()
	cfg.LogLevel = "error"
	return startGateway(b, cfg)
}

// serve runs one request through the whole handler and returns the answer.
func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// BenchmarkAbuse measures what refusing each document of the adversarial
// corpus costs: ns/op is the time to refuse, bytes-in the request's size,
// bytes-out the answer's, allocs/op and B/op what it allocates.
func BenchmarkAbuse(b *testing.B) {
	g := benchGateway(b)
	for _, a := range abuseCorpus() {
		b.Run(a.name, func(b *testing.B) {
			var body []byte
			if !a.get {
				body = a.body()
			}
			target := a.target()
			var out int
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var r *http.Request
				if a.get {
					r = httptest.NewRequest(http.MethodGet, target, nil)
				} else {
					r = httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
					r.Header.Set("Content-Type", "application/json")
				}
				out = serve(g.App.Handler, r).Body.Len()
			}
			b.ReportMetric(float64(a.size()), "bytes-in")
			b.ReportMetric(float64(out), "bytes-out")
		})
	}
}

// BenchmarkIntrospection measures a full introspection (GraphiQL's
// query): "cached" is every request after the first; "computed" makes
// each document new (a comment differs), so it is parsed, validated and
// executed each time, as every introspection was before the cache.
func BenchmarkIntrospection(b *testing.B) {
	g := benchGateway(b)
	q := introspectionQueries()["graphiql"]
	post := func(query string) *httptest.ResponseRecorder {
		body, _ := jsonBody(query)
		r := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		return serve(g.App.Handler, r)
	}
	b.Run("cached", func(b *testing.B) {
		post(q)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			post(q)
		}
	})
	b.Run("computed", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			post(fmt.Sprintf("# %d\n%s", i, q))
		}
	})
}

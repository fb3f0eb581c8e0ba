package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

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
// corpus costs: ns/op is the time to refuse, cpu-ms/op the CPU time the
// process spent per request (garbage collection included; unlike ns/op it
// does not grow when other processes share the cores), bytes-in the
// request's size, bytes-out the answer's, allocs/op and B/op what it
// allocates. Each request ends its document with its own pattern of
// spaces and commas (which GraphQL ignores: no token is added), so no two
// in a row are the same document and a valid one is parsed and validated
// every time, as an attacker varying a byte would have it.
func BenchmarkAbuse(b *testing.B) {
	g := benchGateway(b)
	const width = 12 // 4,096 patterns, more than the document cache holds
	for _, a := range abuseCorpus() {
		b.Run(a.name, func(b *testing.B) {
			varied := a
			if a.query != "" {
				varied.query += "\n" + strings.Repeat(" ", width)
			}
			body, target := varied.body(), []byte(varied.target())
			tail := func(s []byte, marker string) []byte {
				i := bytes.LastIndex(s, []byte(marker))
				if a.query == "" || i < 0 {
					return nil
				}
				return s[i+len(marker)-width : i+len(marker)]
			}
			bodyTail := tail(body, `\n`+strings.Repeat(" ", width))
			targetTail := tail(target, "%0A"+strings.Repeat("+", width))
			var out int
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				var r *http.Request
				if a.get {
					pattern(targetTail, i, '+')
					r = httptest.NewRequest(http.MethodGet, string(target), nil)
				} else {
					pattern(bodyTail, i, ' ')
					r = httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
					r.Header.Set("Content-Type", "application/json")
				}
				out = serve(g.App.Handler, r).Body.Len()
			}
			if cpu >= 0 {
				b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
			}
			b.ReportMetric(float64(a.size()), "bytes-in")
			b.ReportMetric(float64(out), "bytes-out")
		})
	}
}

// pattern writes n's low bits into d as space (0) and comma (1).
func pattern(d []byte, n int, space byte) {
	for i := range d {
		d[i] = space
		if n>>i&1 == 1 {
			d[i] = ','
		}
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

// BenchmarkTypenameUnderAbuse measures `{ __typename }` over HTTP while
// four senders send one hostile request after another: a client's latency
// suffers when the gateway spends its CPU on others' documents. p50-ms and
// p99-ms are the light request's latency; "none" has no senders.
func BenchmarkTypenameUnderAbuse(b *testing.B) {
	g := benchGateway(b)
	hostile := map[string][]byte{"none": nil}
	for _, a := range abuseCorpus() {
		if a.name == "fragment-bomb-40" {
			hostile[a.name] = a.body()
		}
	}
	hostile["introspection"], _ = jsonBody(introspectionQueries()["graphiql"])
	light, _ := jsonBody("{ __typename }")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	post := func(body []byte) {
		resp, err := client.Post(g.URL+"/graphql", "application/json", bytes.NewReader(body))
		if err != nil {
			b.Error(err)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	for _, name := range []string{"none", "fragment-bomb-40", "introspection"} {
		b.Run(name, func(b *testing.B) {
			stop := make(chan struct{})
			var wg sync.WaitGroup
			if body := hostile[name]; body != nil {
				for i := 0; i < 4; i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							select {
							case <-stop:
								return
							default:
								post(body)
							}
						}
					}()
				}
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				post(light)
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			close(stop)
			wg.Wait()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

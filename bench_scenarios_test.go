package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/crmgateway/gateway/adapters/rkeeper"
	rkemulator "github.com/crmgateway/gateway/adapters/rkeeper/emulator"
	"github.com/crmgateway/gateway/adapters/synergy"
	"github.com/crmgateway/gateway/adapters/synergy/emulator"
	"github.com/crmgateway/gateway/internal/config"
	"github.com/crmgateway/gateway/internal/metrics"
	"github.com/crmgateway/gateway/internal/upstream"
)

// replayTransport answers each distinct upstream request from an emulator
// once and then from memory, as the shared side-by-side benchmark's fake
// upstream does, so that a benchmark over it measures the gateway alone:
// no loopback HTTP, no JSON rendering upstream.
type replayTransport struct {
	h     http.Handler
	mu    sync.Mutex
	cache map[string]*replayed
	calls atomic.Int64
}

type replayed struct {
	status int
	header http.Header
	body   []byte
}

func newReplay(h http.Handler) *replayTransport {
	return &replayTransport{h: h, cache: map[string]*replayed{}}
}

func (t *replayTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.calls.Add(1)
	key := r.Method + " " + r.URL.String()
	t.mu.Lock()
	c := t.cache[key]
	if c == nil {
		in := r.Clone(r.Context())
		if in.Body == nil {
			in.Body = http.NoBody // a server's request always has a body
		}
		in.RequestURI = r.URL.RequestURI()
		rec := httptest.NewRecorder()
		t.h.ServeHTTP(rec, in)
		c = &replayed{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
		if r.Method == http.MethodGet {
			t.cache[key] = c
		}
	}
	t.mu.Unlock()
	return &http.Response{StatusCode: c.status, Header: c.header, Request: r,
		ContentLength: int64(len(c.body)), Body: io.NopCloser(bytes.NewReader(c.body))}, nil
}

// scenarioGateway is a gateway whose SynergyCRM and r_keeper clients reach
// the emulators through replay transports, served in-process.
type scenarioGateway struct {
	app              *App
	synergy, rkeeper *replayTransport
}

func startScenarioGateway(b testing.TB) *scenarioGateway {
	cfg := config.Defaults()
	cfg.LogLevel = "error"
	cfg.Synergy.BaseURL, cfg.Synergy.Token = "http://synergy.invalid/api/v1", synergyTestToken
	rk := rkemulator.New()
	cfg.RKeeper.BaseURL = "http://rkeeper.invalid" + rkemulator.BasePath
	cfg.RKeeper.SID, cfg.RKeeper.ObjectID = rk.SID, rk.ObjectID
	app, err := build(cfg, newLogger(cfg, io.Discard))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(app.Close)
	g := &scenarioGateway{app: app,
		synergy: newReplay(emulator.New(emulator.Options{Token: synergyTestToken})),
		rkeeper: newReplay(rk)}
	m := metrics.New()
	syn, err := upstream.New(upstream.Options{Name: synergy.Name, BaseURL: cfg.Synergy.BaseURL,
		Authorize: synergy.Authorize(cfg.Synergy.Token), Transport: g.synergy, Metrics: m})
	if err != nil {
		b.Fatal(err)
	}
	app.Resolver.Synergy = synergy.New(syn)
	sid := cfg.RKeeper.SID
	rkc, err := upstream.New(upstream.Options{Name: "rkeeper", BaseURL: cfg.RKeeper.BaseURL,
		Authorize: func(r *http.Request) { r.Header.Set("sid", sid) }, Transport: g.rkeeper, Metrics: m})
	if err != nil {
		b.Fatal(err)
	}
	app.Resolver.RKeeper = rkeeper.New(rkc, rkeeper.Options{ObjectID: cfg.RKeeper.ObjectID, CacheTTL: cfg.RKeeper.CacheTTL, Metrics: m})
	return g
}

// do runs one GraphQL query through the whole HTTP handler.
func (g *scenarioGateway) do(b testing.TB, body []byte) []byte {
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	g.app.Handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

// benchScenarios are the shared benchmark's scenarios. budget is the most
// allocations one query may cost; the benchmark fails above it.
var benchScenarios = []struct {
	name, query string
	budget      uint64
}{
	{"S1_countries", `{ countries { name } }`, 0},
	{"S2_deals_names", `{ deals(first: 50) { nodes { name } } }`, 0},
	{"S3_deals_4rels", `{ deals(first: 50) { nodes { name company { name } contact { firstName } stage { name } status { name } } } }`, 5000},
}

// BenchmarkScenarios runs the shared benchmark's scenarios in-process over
// replayed upstream answers, through the executor the gateway picks (the
// compiled one, for all three) and through gqlgen's alone ("/gqlgen"):
// allocs/op is the gateway's allocations per query (the benchmark's own
// request and recorder included), upstream-req/op its upstream calls. S3
// fails above its budget of 5,000 allocations per query.
//
//	go test -run='^$' -bench=Scenarios -benchmem -count=6 .
func BenchmarkScenarios(b *testing.B) {
	for _, sc := range benchScenarios {
		b.Run(sc.name, func(b *testing.B) { benchScenario(b, sc.query, false, sc.budget) })
		b.Run(sc.name+"/gqlgen", func(b *testing.B) { benchScenario(b, sc.query, true, 0) })
	}
}

func benchScenario(b *testing.B, query string, general bool, budget uint64) {
	g := startScenarioGateway(b)
	g.app.Resolver.GeneralOnly = general
	body, _ := json.Marshal(map[string]string{"query": query})
	want := g.do(b, body)
	if bytes.Contains(want, []byte(`"errors"`)) || !bytes.HasPrefix(want, []byte(`{"data":`)) {
		b.Fatalf("answer: %s", want)
	}
	before := g.synergy.calls.Load() + g.rkeeper.calls.Load()
	b.ReportAllocs()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if got := g.do(b, body); len(got) != len(want) {
			b.Fatalf("answer changed:\n%s\n%s", got, want)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
	runtime.ReadMemStats(&m1)
	calls := g.synergy.calls.Load() + g.rkeeper.calls.Load() - before
	b.ReportMetric(float64(calls)/float64(b.N), "upstream-req/op")
	if perQuery := (m1.Mallocs - m0.Mallocs) / uint64(b.N); budget > 0 && perQuery > budget {
		b.Fatalf("%d allocations per query; the budget is %d", perQuery, budget)
	}
}

// TestScenarioAnswers checks that the benchmark's in-process gateway over
// replayed answers answers each scenario exactly as a sandbox gateway over
// live emulators does, so the benchmark measures the real thing.
func TestScenarioAnswers(t *testing.T) {
	live := startGateway(t, config.Defaults())
	g := startScenarioGateway(t)
	for _, sc := range benchScenarios {
		body, _ := json.Marshal(map[string]string{"query": sc.query})
		want := live.post(t, "/graphql", "application/json", body)
		want.mustData(t)
		for round := 0; round < 2; round++ { // the second from the replay cache
			if got := string(g.do(t, body)); got != want.Raw {
				t.Fatalf("%s, round %d:\n got %s\nwant %s", sc.name, round, got, want.Raw)
			}
		}
	}
}

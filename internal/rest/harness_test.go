package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/crmgateway/gateway/graph"
	"github.com/crmgateway/gateway/graph/generated"
	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/config"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/globalid"
	"github.com/crmgateway/gateway/internal/httpserver"
	"github.com/crmgateway/gateway/internal/loaders"
	"github.com/crmgateway/gateway/internal/metrics"
)

// fakeSynergy stands in for the SynergyCRM adapter behind the resolvers'
// own interfaces, so REST calls run the real resolvers, include planning
// and loaders, and the test sees every call the resolvers make.
type fakeSynergy struct {
	mu       sync.Mutex
	entities map[domain.SynergyRef]domain.SynergyEntity
	lists    []domain.SynergyQuery
	gets     []string // type/id include=a,b
	related  []string
	writes   []domain.SynergyWrite
	deletes  []string
	err      error // when set, every call fails with it
}

func ptr[T any](v T) *T { return &v }

func rec(typ, id string, links map[string]domain.SynergyLinkage) domain.SynergyRecord {
	var ls domain.SynergyLinks
	for _, k := range slices.Sorted(maps.Keys(links)) {
		ls.Set(k, links[k])
	}
	return domain.SynergyRecord{SourceID: id, Type: typ, Links: ls}
}

func one(typ, id string) domain.SynergyLinkage {
	return domain.SynergyLinkage{Refs: []domain.SynergyRef{{Type: typ, ID: id}}}
}

// newFakeSynergy is seeded with two contacts, a company, a deal without a
// company and a contract whose first party is the company.
func newFakeSynergy() *fakeSynergy {
	f := &fakeSynergy{entities: map[domain.SynergyRef]domain.SynergyEntity{}}
	f.put(&domain.Contact{SynergyRecord: rec("contacts", "1", map[string]domain.SynergyLinkage{
		"companies": {Refs: []domain.SynergyRef{{Type: "companies", ID: "5"}}, Many: true}}),
		FirstName: ptr("Иван"), LastName: ptr("Иванов")})
	f.put(&domain.Contact{SynergyRecord: rec("contacts", "2", nil), FirstName: ptr("Пётр"), LastName: ptr("Петров")})
	f.put(&domain.Company{SynergyRecord: rec("companies", "5", nil), Name: ptr("ООО «Ромашка»"), City: ptr("Казань")})
	f.put(&domain.Deal{SynergyRecord: rec("deals", "7", map[string]domain.SynergyLinkage{
		"company": {}, "contact": one("contacts", "1")}), Name: ptr("Поставка оборудования")})
	f.put(&domain.Contract{SynergyRecord: rec("contracts", "9", map[string]domain.SynergyLinkage{
		"first-party": one("companies", "5")}), Name: ptr("Договор поставки № 12")})
	return f
}

func (f *fakeSynergy) put(e domain.SynergyEntity) {
	r := e.Record()
	f.entities[domain.SynergyRef{Type: r.Type, ID: r.SourceID}] = e
}

// linked is every entity e links to, sent as JSON:API's included.
func (f *fakeSynergy) linked(es []domain.SynergyEntity) []domain.SynergyEntity {
	var out []domain.SynergyEntity
	for _, e := range es {
		for _, l := range e.Record().Links {
			for _, r := range l.Refs {
				if x := f.entities[r]; x != nil {
					out = append(out, x)
				}
			}
		}
	}
	return out
}

func (f *fakeSynergy) List(_ context.Context, q domain.SynergyQuery) (*domain.SynergyDocument, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists = append(f.lists, q)
	if f.err != nil {
		return nil, f.err
	}
	var all []domain.SynergyEntity
	for ref, e := range f.entities {
		if ref.Type == q.Type {
			all = append(all, e)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Record().SourceID < all[j].Record().SourceID })
	n := len(all)
	start := min((q.PageNumber-1)*q.PageSize, n)
	page := all[start:min(start+q.PageSize, n)]
	return &domain.SynergyDocument{Data: page, Included: f.linked(page), RecordCount: &n}, nil
}

func (f *fakeSynergy) Get(_ context.Context, typ, id string, include []string, _ domain.SynergyFields) (*domain.SynergyDocument, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets = append(f.gets, typ+"/"+id+" include="+strings.Join(include, ","))
	if f.err != nil {
		return nil, f.err
	}
	e := f.entities[domain.SynergyRef{Type: typ, ID: id}]
	if e == nil {
		return nil, &apierr.Error{Code: apierr.NotFound, Upstream: globalid.Synergy, Message: "SynergyCRM has no such " + typ}
	}
	data := []domain.SynergyEntity{e}
	return &domain.SynergyDocument{Data: data, Included: f.linked(data)}, nil
}

func (f *fakeSynergy) Related(_ context.Context, typ, id, rel string, _ domain.SynergyFields) (*domain.SynergyDocument, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.related = append(f.related, typ+"/"+id+"/"+rel)
	return &domain.SynergyDocument{}, f.err
}

func (f *fakeSynergy) Create(_ context.Context, w domain.SynergyWrite) (*domain.SynergyDocument, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writes = append(f.writes, w)
	if f.err != nil {
		return nil, f.err
	}
	c := &domain.Contact{SynergyRecord: rec(w.Type, "100", nil),
		FirstName: str(w.Attributes["first-name"]), LastName: str(w.Attributes["last-name"])}
	f.put(c)
	return &domain.SynergyDocument{Data: []domain.SynergyEntity{c}}, nil
}

func (f *fakeSynergy) Update(_ context.Context, w domain.SynergyWrite) (*domain.SynergyDocument, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writes = append(f.writes, w)
	if f.err != nil {
		return nil, f.err
	}
	e := f.entities[domain.SynergyRef{Type: w.Type, ID: w.ID}]
	if e == nil {
		return nil, &apierr.Error{Code: apierr.NotFound, Upstream: globalid.Synergy, Message: "SynergyCRM has no such " + w.Type}
	}
	if c, ok := e.(*domain.Contact); ok {
		if v, set := w.Attributes["first-name"]; set {
			c.FirstName = str(v)
		}
	}
	return &domain.SynergyDocument{Data: []domain.SynergyEntity{e}}, nil
}

func (f *fakeSynergy) Delete(_ context.Context, typ, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deletes = append(f.deletes, typ+"/"+id)
	if f.err != nil {
		return f.err
	}
	delete(f.entities, domain.SynergyRef{Type: typ, ID: id})
	return nil
}

// str reads a written string attribute; nil clears it.
func str(v any) *string {
	switch s := v.(type) {
	case string:
		return &s
	case *string:
		return s
	}
	return nil
}

// calls counts every upstream call the resolvers made.
func (f *fakeSynergy) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.lists) + len(f.gets) + len(f.related) + len(f.writes) + len(f.deletes)
}

func (f *fakeSynergy) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

// server is the real HTTP surface (httpserver) with the facade mounted, as
// server.go builds it, over resolvers whose Synergy backend is syn (nil:
// not configured).
type server struct {
	*httptest.Server
	api *API
}

func newServer(t testing.TB, syn graph.SynergyAPI, cfg config.Config) *server {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	res := &graph.Resolver{Log: log, Backends: graph.Backends{Synergy: syn}}
	exec := generated.NewExecutableSchema(res.Config())
	api, err := New(exec.Schema())
	if err != nil {
		t.Fatal(err)
	}
	h := httpserver.New(httpserver.Deps{
		Config: cfg, Schema: exec, Metrics: metrics.New(), Log: log,
		ErrorPresenter: graph.ErrorPresenter(log, nil, nil), Recover: graph.Recover(log),
		PerRequest: loaders.Middleware, Mount: api.Mount,
	})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return &server{Server: ts, api: api}
}

// answer is a decoded REST answer.
type answer struct {
	Status int
	Header http.Header
	Raw    []byte
	Body   map[string]any
}

// code is the code of a problem document ("" for any other answer).
func (a *answer) code() string {
	if !strings.HasPrefix(a.Header.Get("Content-Type"), "application/problem+json") {
		return ""
	}
	c, _ := a.Body["code"].(string)
	return c
}

// ext is a member of a problem document: field (the REST parameter at
// fault), upstream, outcome, …
func (a *answer) ext(key string) any {
	if a.code() == "" {
		return nil
	}
	return a.Body[key]
}

func (a *answer) items() []map[string]any {
	list, _ := a.Body["items"].([]any)
	out := make([]map[string]any, len(list))
	for i, x := range list {
		out[i], _ = x.(map[string]any)
	}
	return out
}

func (s *server) do(t testing.TB, method, path, contentType, body string) *answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := &answer{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if len(bytes.TrimSpace(raw)) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &a.Body); err != nil {
			t.Fatalf("%s %s: body is not JSON: %v\n%s", method, path, err, raw)
		}
	}
	return a
}

func (s *server) get(t testing.TB, path string) *answer { return s.do(t, http.MethodGet, path, "", "") }

func gid(typ, id string) string { return globalid.Encode(globalid.Synergy, typ, id) }

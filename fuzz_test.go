package main

import (
	"bytes"
	"encoding/base64"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/crmgateway/gateway/internal/config"
)

// FuzzHTTPHandler drives the whole gateway, built as the end-to-end tests
// build it (sandbox emulators behind real HTTP), with arbitrary requests:
// method, path and query string, headers ("Name: value" lines) and body,
// over GraphQL, the REST facade and every other route. Whatever arrives:
//   - no 5xx, except the documented upstream ones (502, 503, 504 with an
//     UPSTREAM_ code), which healthy emulators never cause;
//   - no panic, recovered or not (a recovered one is logged);
//   - no credential of the emulators in the answer, its headers or the
//     log, as sent or URL- or base64-encoded, in any case.
//
// `make test` runs it for a bounded time; its seeds are the requests below
// and testdata/fuzz/FuzzHTTPHandler (small documents of the adversarial
// corpus, see TestFuzzCorpusIsCurrent). Authentication headers fit the
// headers argument.
func FuzzHTTPHandler(f *testing.F) {
	for _, s := range httpSeeds() {
		f.Add(s.method, s.target, s.headers, s.body)
	}
	gw := fuzzGateway(f)
	f.Fuzz(func(t *testing.T, method, target, headers string, body []byte) {
		if !strings.HasPrefix(target, "/") {
			target = "/" + target
		}
		req, err := http.NewRequest(method, "http://gateway.test"+target, bytes.NewReader(body))
		if err != nil {
			return // not a request an HTTP client can send: nothing to serve
		}
		req.RemoteAddr = "192.0.2.10:40000"
		for _, line := range strings.Split(headers, "\n") {
			name, value, ok := strings.Cut(line, ":")
			if !ok || !validHeaderName(name) || !validHeaderValue(value) {
				continue // a server refuses such lines before any handler
			}
			req.Header.Add(name, strings.TrimSpace(value))
		}
		logged := gw.Logs.Len()
		rec := httptest.NewRecorder()
		gw.App.Handler.ServeHTTP(rec, req)

		answer := rec.Body.String()
		if rec.Code >= 500 && !(upstreamStatus[rec.Code] && strings.Contains(answer, `"UPSTREAM_`)) {
			t.Fatalf("%s %s: HTTP %d: %.500s", method, target, rec.Code, answer)
		}
		newLogs := gw.Logs.Since(logged)
		if strings.Contains(newLogs, "panic") {
			t.Fatalf("%s %s: a panic was logged: %.1000s", method, target, newLogs)
		}
		sent := strings.ToLower(method + target + headers + string(body))
		var headerText strings.Builder
		_ = rec.Header().Write(&headerText)
		for _, secret := range gw.secrets {
			if strings.Contains(sent, secret) {
				continue // the request carries it; an echo would prove nothing
			}
			for where, text := range map[string]string{"answer": answer, "headers": headerText.String(), "log": newLogs} {
				if strings.Contains(strings.ToLower(text), secret) {
					t.Fatalf("%s %s: the %s holds a credential: %.500s", method, target, where, text)
				}
			}
		}
	})
}

// upstreamStatus are the statuses of the upstream codes (apierr).
var upstreamStatus = map[int]bool{http.StatusBadGateway: true, http.StatusServiceUnavailable: true, http.StatusGatewayTimeout: true}

// fuzzTarget is a gateway for the fuzz target: built once per process
// (the fuzzing engine runs the target in several).
type fuzzTarget struct {
	*testGateway
	secrets []string // lower-cased, with their encodings
	Logs    *logBuffer
}

var (
	fuzzOnce sync.Once
	fuzzGW   *fuzzTarget
)

func fuzzGateway(tb testing.TB) *fuzzTarget {
	fuzzOnce.Do(func() {
		cfg := config.Defaults()
		cfg.LogLevel = "warn"
		// Not startGateway: the gateway outlives any one test of the process.
		logs := &logBuffer{}
		app, err := build(cfg, newLogger(cfg, logs))
		if err != nil {
			tb.Fatalf("build gateway: %v", err)
		}
		c := app.Config
		var secrets []string
		for _, s := range []string{c.Synergy.Token, c.Solos.Token, c.Solos.Secret, c.RKeeper.SID} {
			if s == "" {
				continue
			}
			for _, form := range []string{s, url.QueryEscape(s), base64.StdEncoding.EncodeToString([]byte(s)),
				base64.RawURLEncoding.EncodeToString([]byte(s))} {
				secrets = append(secrets, strings.ToLower(form))
			}
		}
		fuzzGW = &fuzzTarget{testGateway: &testGateway{App: app, Logs: logs}, secrets: secrets, Logs: logs}
	})
	if fuzzGW == nil {
		tb.Fatal("no gateway")
	}
	return fuzzGW
}

// Len and Since let the fuzz target read what one request logged.
func (l *logBuffer) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Len()
}

// Since returns what was logged after the first n bytes.
func (l *logBuffer) Since(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b.Bytes()[n:])
}

var headerName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

func validHeaderName(s string) bool { return headerName.MatchString(s) }

// validHeaderValue: no control characters but tab (RFC 9110 field-value).
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// httpSeed is one input of FuzzHTTPHandler.
type httpSeed struct {
	name                    string
	method, target, headers string
	body                    []byte
}

const jsonHeaders = "Content-Type: application/json\nAccept: application/graphql-response+json, application/json"

// httpSeeds are ordinary and hostile requests over every route.
func httpSeeds() []httpSeed {
	gql := func(name, query, vars string) httpSeed {
		body := `{"query":` + strconv.Quote(query)
		if vars != "" {
			body += `,"variables":` + vars
		}
		return httpSeed{name, http.MethodPost, "/graphql", jsonHeaders, []byte(body + "}")}
	}
	seeds := []httpSeed{
		gql("typename", "{ __typename }", ""),
		gql("deals", "{ deals(first: 2) { totalCount nodes { id name amount company { name } stage { name } } } }", ""),
		gql("node", "query($id: ID!) { node(id: $id) { id ... on Contact { firstName } } }", `{"id":"c3luZXJneTpjb250YWN0czox"}`),
		gql("projects", "{ projects(first: 2) { nodes { name payments(first: 1) { nodes { sum } } } } }", ""),
		gql("countries", "{ countries { name cities { name } } }", ""),
		gql("mutation", `mutation { createContact(input: {firstName: "Иван", lastName: "Петров"}) { contact { id } } }`, ""),
		gql("bad variables", "query($n: Int) { contacts(first: $n) { totalCount } }", `{"n":{}}`),
		gql("playground default", "query RootFields { __schema { queryType { fields { name description } } } }", ""),
		{"get", http.MethodGet, "/graphql?query=%7B+__typename+%7D", "Accept: application/json", nil},
		{"get mutation", http.MethodGet, "/graphql?query=mutation+%7B+__typename+%7D", "", nil},
		{"persisted", http.MethodPost, "/graphql", jsonHeaders, []byte(`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"}}}`)},
		{"not json", http.MethodPost, "/graphql", "Content-Type: text/plain", []byte("{ __typename }")},
		{"preflight", http.MethodOptions, "/graphql", "Origin: http://localhost:5173\nAccess-Control-Request-Method: POST", nil},
		{"upgrade", http.MethodGet, "/graphql", "Upgrade: websocket\nConnection: Upgrade", nil},
		{"rest list", http.MethodGet, "/rest/v1/contacts?first=2&filter[lastName]=Иванов", "", nil},
		{"rest item", http.MethodGet, "/rest/v1/clients/cmtlZXBlcjpjbGllbnRzOjE", "", nil},
		{"rest create", http.MethodPost, "/rest/v1/contacts", "Content-Type: application/json", []byte(`{"firstName":"Анна"}`)},
		{"rest patch", http.MethodPatch, "/rest/v1/contacts/c3luZXJneTpjb250YWN0czox", "Content-Type: application/json", []byte(`{"email":{}}`)},
		{"rest delete", http.MethodDelete, "/rest/v1/deals/x", "", nil},
		{"openapi", http.MethodGet, "/rest/v1/openapi.json", "", nil},
		{"playground", http.MethodGet, "/playground", "", nil},
		{"health", http.MethodGet, "/healthz", "", nil},
		{"ready", http.MethodGet, "/readyz", "", nil},
		{"metrics", http.MethodGet, "/metrics", "", nil},
		{"credentials", http.MethodPost, "/graphql", jsonHeaders + "\nAuthorization: Bearer k\nX-API-Key: k", []byte(`{"query":"{ __typename }"}`)},
	}
	for _, a := range abuseCorpus() {
		if a.size() <= 4<<10 {
			seeds = append(seeds, abuseSeed(a))
		}
	}
	return seeds
}

func abuseSeed(a abuse) httpSeed {
	if a.get {
		return httpSeed{a.name, http.MethodGet, a.target(), "Accept: application/json", nil}
	}
	return httpSeed{a.name, http.MethodPost, "/graphql", jsonHeaders, a.body()}
}

var updateCorpus = flag.Bool("update-fuzz-corpus", false, "rewrite testdata/fuzz/FuzzHTTPHandler from the adversarial corpus")

// fuzzCorpusDir holds FuzzHTTPHandler's committed seeds.
const fuzzCorpusDir = "testdata/fuzz/FuzzHTTPHandler"

// corpusSeeds are the documents of the adversarial corpus committed as
// seeds: those up to 32 KB, each under its name.
func corpusSeeds() map[string][]byte {
	out := map[string][]byte{}
	for _, a := range abuseCorpus() {
		if a.size() > 32<<10 {
			continue
		}
		s := abuseSeed(a)
		out[a.name] = fmt.Appendf(nil, "go test fuzz v1\nstring(%q)\nstring(%q)\nstring(%q)\n[]byte(%q)\n", s.method, s.target, s.headers, s.body)
	}
	return out
}

// TestFuzzCorpusIsCurrent: the committed seed corpus is the adversarial
// corpus as it stands (go test -run TestFuzzCorpusIsCurrent
// -update-fuzz-corpus rewrites it).
func TestFuzzCorpusIsCurrent(t *testing.T) {
	want := corpusSeeds()
	if *updateCorpus {
		if err := os.MkdirAll(fuzzCorpusDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range want {
			if err := os.WriteFile(filepath.Join(fuzzCorpusDir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	var missing []string
	for name, b := range want {
		got, err := os.ReadFile(filepath.Join(fuzzCorpusDir, name))
		if err != nil || !bytes.Equal(got, b) {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("seeds missing or stale (run with -update-fuzz-corpus): %v", missing)
	}
}

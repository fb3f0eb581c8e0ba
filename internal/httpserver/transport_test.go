package httpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/crmgateway/gateway/internal/jsonscan"
)

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct {
		accept string
		want   string // "" = 406
	}{
		{"", mediaJSON},
		{"*/*", mediaJSON},
		{"application/*", mediaJSON},
		{"application/json", mediaJSON},
		{"application/graphql-response+json", mediaGraphQLResponse},
		{"application/graphql-response+json, application/json;q=0.9", mediaGraphQLResponse},
		{"application/json, application/graphql-response+json;q=0.9", mediaJSON},
		{"application/graphql-response+json, application/json", mediaGraphQLResponse},
		{"application/json, multipart/mixed", mediaJSON},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", mediaJSON},
		{"application/graphql-response+json, */*;q=0.5", mediaGraphQLResponse},
		{"application/json;q=0.2, */*", mediaGraphQLResponse}, // the explicit range lowers json only
		{"application/json;q=0, application/graphql-response+json;q=0.1", mediaGraphQLResponse},
		{"*/*;q=0, application/json", mediaJSON},
		{"text/html", ""},
		{"application/xml, text/plain", ""},
		{"application/json;q=0", ""},
		{"not a media type;;", ""},
	} {
		t.Run(tc.accept, func(t *testing.T) {
			got, ok := negotiate([]string{tc.accept})
			if tc.want == "" {
				if ok {
					t.Fatalf("negotiate(%q) = %q, want 406", tc.accept, got)
				}
				return
			}
			if !ok || got != tc.want {
				t.Fatalf("negotiate(%q) = %q, %v; want %q", tc.accept, got, ok, tc.want)
			}
		})
	}
	if got, _ := negotiate([]string{"text/html", "application/graphql-response+json"}); got != mediaGraphQLResponse {
		t.Fatalf("several Accept headers: got %q", got)
	}
}

func TestParamsFromBody(t *testing.T) {
	for _, tc := range []struct {
		name, body, wantErr string
		wantQuery, wantOp   string
	}{
		{"plain", `{"query":"{ a }"}`, "", "{ a }", ""},
		{"all fields", `{"query":"query Q { a }","operationName":"Q","variables":{"x":1},"extensions":{"e":true}}`, "", "query Q { a }", "Q"},
		{"nulls", `{"query":"{ a }","operationName":null,"variables":null,"extensions":null}`, "", "{ a }", ""},
		{"persisted hash only", `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ab"}}}`, "", "", ""},
		{"empty", ``, "empty", "", ""},
		{"blank", " \n", "empty", "", ""},
		{"syntax", `{"query": "{ a }`, "not valid JSON", "", ""},
		{"trailing garbage", `{"query":"{ a }"} x`, "not valid JSON", "", ""},
		{"array", `["query"]`, "must be a JSON object", "", ""},
		{"string", `"{ a }"`, "must be a JSON object", "", ""},
		{"null body", `null`, "no query", "", ""},
		{"missing query", `{"qeury":"{ a }"}`, "no query", "", ""},
		{"object query", `{"query":{"a":1}}`, "query parameter must be a string", "", ""},
		{"number query", `{"query":0}`, "query parameter must be a string", "", ""},
		{"bool operationName", `{"query":"{ a }","operationName":false}`, "operationName parameter must be a string", "", ""},
		{"string variables", `{"query":"{ a }","variables":"x"}`, "variables parameter must be a JSON object", "", ""},
		{"array variables", `{"query":"{ a }","variables":[1]}`, "variables parameter must be a JSON object", "", ""},
		{"number extensions", `{"query":"{ a }","extensions":0}`, "extensions parameter must be a JSON object", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, msg, _ := paramsFromBody([]byte(tc.body), nil)
			if tc.wantErr != "" {
				if !strings.Contains(msg, tc.wantErr) {
					t.Fatalf("message %q does not say %q", msg, tc.wantErr)
				}
				return
			}
			if msg != "" {
				t.Fatalf("unexpected error %q", msg)
			}
			if p.Query != tc.wantQuery || p.OperationName != tc.wantOp {
				t.Fatalf("got query %q op %q", p.Query, p.OperationName)
			}
		})
	}
	p, _, _ := paramsFromBody([]byte(`{"query":"{ a }","variables":{"n":12345678901234567890}}`), nil)
	if got := p.Variables["n"]; got == nil || got.(interface{ String() string }).String() != "12345678901234567890" {
		t.Fatalf("large integers must stay exact: %v", got)
	}
}

func TestParamsFromURL(t *testing.T) {
	for _, tc := range []struct {
		name, raw, wantErr string
	}{
		{"query", "query=%7B+a+%7D", ""},
		{"variables", "query=%7B+a+%7D&variables=%7B%22x%22%3A1%7D", ""},
		{"empty variables", "query=%7B+a+%7D&variables=", ""},
		{"no query", "operationName=Q", "no query"},
		{"bad escape", "query=%zz", "malformed"},
		{"variables not JSON", "query=%7B+a+%7D&variables=%7B", "variables parameter must be a JSON object"},
		{"variables array", "query=%7B+a+%7D&variables=%5B%5D", "variables parameter must be a JSON object"},
		{"extensions string", "query=%7B+a+%7D&extensions=%22x%22", "extensions parameter must be a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, msg, _ := paramsFromURL(tc.raw, nil)
			if (tc.wantErr == "") != (msg == "") || !strings.Contains(msg, tc.wantErr) {
				t.Fatalf("message %q, want %q", msg, tc.wantErr)
			}
		})
	}
}

// FuzzParamsFromBody: the body decoder never panics, and its message never
// quotes the body.
func FuzzParamsFromBody(f *testing.F) {
	for _, s := range []string{
		`{"query":"{ a }"}`, `{"query":"{ a }","variables":{"x":[1,{"y":null}]}}`, `{"query": "SECRET`,
		`[]`, `null`, `{"extensions":{"persistedQuery":{"version":1}}}`, "\xff\xfe", `{"query":"\u0000"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, msg, _ := paramsFromBody(body, nil)
		if msg == "" && p == nil {
			t.Fatal("no params and no message")
		}
		if msg != "" && len(body) >= 8 && strings.Contains(msg, string(body)) {
			t.Fatalf("message %q quotes the body", msg)
		}
		// The query and operation name are what encoding/json decodes.
		var ref struct {
			Query         *string `json:"query"`
			OperationName *string `json:"operationName"`
		}
		if err := json.Unmarshal(body, &ref); err != nil {
			var syn *json.SyntaxError
			if errors.As(err, &syn) && p != nil {
				t.Fatalf("accepted a body encoding/json refuses: %v", err)
			}
			return
		}
		if p != nil && ref.Query != nil && p.Query != *ref.Query {
			t.Fatalf("query %q, encoding/json %q", p.Query, *ref.Query)
		}
		if p != nil && ref.OperationName != nil && p.OperationName != *ref.OperationName {
			t.Fatalf("operationName %q, encoding/json %q", p.OperationName, *ref.OperationName)
		}
	})
}

// FuzzParamsFromURL: the GET decoder never panics.
func FuzzParamsFromURL(f *testing.F) {
	for _, s := range []string{"query=%7B+a+%7D", "query=x&variables=%7B%7D&extensions=null", "%zz", "variables=[1]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, msg, _ := paramsFromURL(raw, nil)
		if msg == "" && p == nil {
			t.Fatal("no params and no message")
		}
	})
}

func TestQueryCacheBounds(t *testing.T) {
	ctx := context.Background()
	t.Run("entries", func(t *testing.T) {
		c := newQueryCache(2, 1<<20)
		c.Add(ctx, "a", "{ a }")
		c.Add(ctx, "b", "{ b }")
		if _, ok := c.Get(ctx, "a"); !ok { // a is now the most recently used
			t.Fatal("a missing")
		}
		c.Add(ctx, "c", "{ c }")
		if _, ok := c.Get(ctx, "b"); ok {
			t.Fatal("b should have been evicted as least recently used")
		}
		for _, k := range []string{"a", "c"} {
			if _, ok := c.Get(ctx, k); !ok {
				t.Fatalf("%s missing", k)
			}
		}
		if c.Len() != 2 {
			t.Fatalf("len = %d", c.Len())
		}
	})
	t.Run("bytes", func(t *testing.T) {
		c := newQueryCache(100, 30)
		c.Add(ctx, "k1", strings.Repeat("x", 10)) // 12 bytes
		c.Add(ctx, "k2", strings.Repeat("y", 10)) // 24
		c.Add(ctx, "k3", strings.Repeat("z", 10)) // 36 > 30: k1 goes
		if _, ok := c.Get(ctx, "k1"); ok {
			t.Fatal("k1 should have been evicted for size")
		}
		if c.Len() != 2 || c.bytes != 24 {
			t.Fatalf("len = %d bytes = %d", c.Len(), c.bytes)
		}
		c.Add(ctx, "huge", strings.Repeat("h", 31))
		if _, ok := c.Get(ctx, "huge"); ok || c.Len() != 2 {
			t.Fatal("a document over the byte bound must not be kept nor evict others")
		}
	})
}

func TestLoopbackOrigins(t *testing.T) {
	for origin, want := range map[string]bool{
		"http://localhost:5173":     true,
		"http://localhost":          true,
		"http://127.0.0.1:8080":     true,
		"http://[::1]:3000":         true,
		"https://localhost:5173":    false, // the sandbox default is plain http dev servers
		"http://localhost.evil.com": false,
		"http://evil.com":           false,
		"http://127.0.0.2:80":       false,
		"http://localhost:abc":      false,
		"http://user@localhost:1":   false,
		"null":                      false,
		"":                          false,
	} {
		if got := isLoopbackOrigin(origin); got != want {
			t.Errorf("isLoopbackOrigin(%q) = %v", origin, got)
		}
	}
}

func TestCORSDefaults(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	preflight := func(origins []string, sandbox bool, origin string) string {
		req := httptest.NewRequest(http.MethodOptions, "/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", http.MethodPost)
		req.Header.Set("Access-Control-Request-Headers", "content-type")
		rec := httptest.NewRecorder()
		newCORS(origins, sandbox).Handler(ok).ServeHTTP(rec, req)
		return rec.Header().Get("Access-Control-Allow-Origin")
	}
	for _, tc := range []struct {
		name    string
		origins []string
		sandbox bool
		origin  string
		allowed bool
	}{
		{"production default refuses localhost", nil, false, "http://localhost:5173", false},
		{"production default refuses any", nil, false, "https://app.example.com", false},
		{"sandbox default allows localhost", nil, true, "http://localhost:5173", true},
		{"sandbox default allows 127.0.0.1", nil, true, "http://127.0.0.1:3000", true},
		{"sandbox default refuses others", nil, true, "https://app.example.com", false},
		{"configured list", []string{"https://app.example.com"}, false, "https://app.example.com", true},
		{"configured list refuses others", []string{"https://app.example.com"}, true, "http://localhost:5173", false},
		{"configured wildcard", []string{"https://*.example.com"}, false, "https://crm.example.com", true},
		{"configured empty list refuses all", []string{}, true, "http://localhost:5173", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := preflight(tc.origins, tc.sandbox, tc.origin)
			if tc.allowed && got != tc.origin {
				t.Fatalf("Access-Control-Allow-Origin = %q, want %q", got, tc.origin)
			}
			if !tc.allowed && got != "" {
				t.Fatalf("Access-Control-Allow-Origin = %q, want none", got)
			}
		})
	}
}

// persistedExec stands in for gqlgen's executor: it resolves every request
// to one operation, as a persisted-query lookup by hash would, and records
// whether anything was executed.
type persistedExec struct {
	op       ast.Operation
	executed bool
}

func (e *persistedExec) CreateOperationContext(_ context.Context, _ *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	return &graphql.OperationContext{Operation: &ast.OperationDefinition{Operation: e.op}}, nil
}

func (e *persistedExec) DispatchOperation(ctx context.Context, _ *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	e.executed = true
	return graphql.OneShot(&graphql.Response{Data: []byte(`{"ok":true}`)}), ctx
}

func (e *persistedExec) DispatchError(_ context.Context, list gqlerror.List) *graphql.Response {
	return &graphql.Response{Errors: list}
}

// TestPersistedMutationOverGET: a GET that names a persisted mutation by
// hash carries no document to inspect up front; it is refused once the
// document is known, before anything executes.
func TestPersistedMutationOverGET(t *testing.T) {
	for _, tc := range []struct {
		op         ast.Operation
		method     string
		wantStatus int
		executed   bool
	}{
		{ast.Mutation, http.MethodGet, http.StatusMethodNotAllowed, false},
		{ast.Subscription, http.MethodGet, http.StatusMethodNotAllowed, false},
		{ast.Query, http.MethodGet, http.StatusOK, true},
		{ast.Mutation, http.MethodPost, http.StatusOK, true},
	} {
		t.Run(string(tc.op)+" "+tc.method, func(t *testing.T) {
			exec := &persistedExec{op: tc.op}
			ext := url.QueryEscape(`{"persistedQuery":{"version":1,"sha256Hash":"ab"}}`)
			var req *http.Request
			if tc.method == http.MethodGet {
				req = httptest.NewRequest(http.MethodGet, "/graphql?extensions="+ext, nil)
			} else {
				req = httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ab"}}}`))
				req.Header.Set("Content-Type", "application/json")
			}
			rec := httptest.NewRecorder()
			httpTransport{tokenLimit: 100}.Do(rec, req, exec)
			if rec.Code != tc.wantStatus || exec.executed != tc.executed {
				t.Fatalf("status %d executed %v: %s", rec.Code, exec.executed, rec.Body)
			}
			if tc.wantStatus == http.StatusMethodNotAllowed && rec.Header().Get("Allow") != "POST" {
				t.Fatalf("Allow = %q", rec.Header().Get("Allow"))
			}
		})
	}
}

// FuzzDecodeJSON: the one-pass decoder of variables and extensions reads
// every JSON text as encoding/json (with UseNumber) does, and refuses what
// it refuses.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"a":[1,-2.5e3,true,false,null,"x"]}`, `"\u00e9\ud83d\ude00\ud800\u0041"`, `"\ud800\ud800"`, "\"\xff\xfe\"",
		`{"a":{"a":{}}, "a": 2}`, `[]`, `"\"\\\/\b\f\n\r\t"`, `{"k\u0041": "v"}`, `[1,]`, `{"a" 1}`, `"` + strings.Repeat("é", 40) + `"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var want any
		wantErr := dec.Decode(&want)
		if wantErr == nil {
			if _, err := dec.Token(); err != io.EOF {
				wantErr = errors.New("trailing data")
			}
		}
		c := &jsonscan.Cursor{B: b}
		got, err := decodeJSON(c)
		if c.Space(); err == nil && c.I != len(b) {
			err = errors.New("trailing data")
		}
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("decodeJSON error %v, encoding/json %v", err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeJSON = %#v, encoding/json = %#v", got, want)
		}
	})
}

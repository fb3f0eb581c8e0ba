package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crmgateway/gateway/internal/config"
)

// End-to-end tests of what one request may cost: ordinary large queries
// pass, introspection is answered once per document (or refused when it is
// switched off), and error lists stay small. The adversarial corpus is in
// abuse_test.go.

// startGatewayIntrospection serves the sandbox gateway with introspection
// on or off.
func startGatewayIntrospection(t *testing.T, on bool) *httptest.Server {
	t.Helper()
	cfg := config.Defaults()
	cfg.LogLevel = "error"
	cfg.Introspection = on
	return startGateway(t, cfg).Server
}

// postQuery sends a query and returns the raw answer.
func postQuery(t *testing.T, base, query string) (int, string) {
	t.Helper()
	body, _ := jsonBody(query)
	resp, err := http.Post(base+"/graphql", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestOrdinaryQueriesPass: what clients really send, however large, is
// not caught by the limits: every tool's introspection query, the
// playground's first query, and a fragment-composed query that repeats
// id and __typename in every selection, as Apollo Client's cache makes
// queries do.
func TestOrdinaryQueriesPass(t *testing.T) {
	g := startGateway(t, config.Defaults())
	queries := map[string]string{
		"playground default": "query RootFields { __schema { queryType { fields { name description } } } }",
		"fragments repeating id and __typename": `
			query Deals { deals(first: 3) { __typename nodes { __typename id ...DealRow ...DealCompany ...DealContact ...DealStage } } }
			fragment DealRow on Deal { __typename id name amount }
			fragment DealCompany on Deal { __typename id company { __typename id name ...CompanyRow } }
			fragment DealContact on Deal { __typename id contact { __typename id firstName lastName } }
			fragment DealStage on Deal { __typename id stage { __typename id name } status { __typename id name } }
			fragment CompanyRow on Company { __typename id inn kpp }`,
		"hundred ids": `{ nodes(ids: [` + strings.TrimSuffix(rep(`"x", `, 100), ", ") + `]) { id } }`,
	}
	for name, q := range introspectionQueries() {
		queries["introspection by "+name] = q
	}
	for name, q := range queries {
		t.Run(name, func(t *testing.T) {
			r := g.gql(t, q, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("HTTP %d: %.300s", r.Status, r.Raw)
			}
			for _, c := range r.codes() {
				if c != "BAD_USER_INPUT" || name != "hundred ids" { // "x" is no global ID: field errors, not a refusal
					t.Fatalf("errors: %.500s", r.Raw)
				}
			}
			if len(r.Data) == 0 || string(r.Data) == "null" {
				t.Fatalf("no data: %.300s", r.Raw)
			}
		})
	}
}

// TestIntrospectionAnswerIsGqlgens: the introspection answer a gateway
// serves from its cache is, byte for byte, the one gqlgen computes: the
// second answer of one gateway (cached) equals the first answer of a
// fresh one (computed), for every tool's query.
func TestIntrospectionAnswerIsGqlgens(t *testing.T) {
	cached := startGatewayIntrospection(t, true)
	fresh := startGatewayIntrospection(t, true)
	for name, q := range introspectionQueries() {
		t.Run(name, func(t *testing.T) {
			_, first := postQuery(t, cached.URL, q)
			_, second := postQuery(t, cached.URL, q)
			_, computed := postQuery(t, fresh.URL, q)
			if !strings.HasPrefix(first, `{"data":{"__schema":`) {
				t.Fatalf("not an introspection answer: %.300s", first)
			}
			if second != first || second != computed {
				t.Fatalf("answers differ: %d, %d and %d bytes", len(first), len(second), len(computed))
			}
		})
	}
}

// TestIntrospectionIsComputedOnce: a full introspection is computed once;
// the same request again is served from the cache (/metrics counts both).
func TestIntrospectionIsComputedOnce(t *testing.T) {
	g := startGateway(t, config.Defaults())
	q := introspectionQueries()["graphiql"]
	for i := 0; i < 3; i++ {
		g.gql(t, q, nil).mustData(t)
	}
	resp, err := http.Get(g.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`crm_gateway_introspection_cache_requests_total{result="miss"} 1`,
		`crm_gateway_introspection_cache_requests_total{result="hit"} 2`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestIntrospectionSwitch: with introspection off, __schema and __type are
// refused before anything executes, however they are reached, with a
// message that says so, and validation no longer suggests field names;
// __typename and ordinary queries keep working. With it on, the same
// queries are answered.
func TestIntrospectionSwitch(t *testing.T) {
	refused := map[string]string{
		"__schema":         "{ __schema { queryType { name } } }",
		"__type":           `{ __type(name: "Contact") { name fields { name } } }`,
		"through fragment": "{ ...F } fragment F on Query { ... on Query { __schema { types { name } } } }",
		"beside data":      "{ countries { name } __type(name: \"Country\") { name } }",
		"tool's query":     introspectionQueries()["graphiql"],
	}
	off := startGatewayIntrospection(t, false)
	on := startGatewayIntrospection(t, true)
	for name, q := range refused {
		t.Run("off/"+name, func(t *testing.T) {
			status, raw := postQuery(t, off.URL, q)
			var body struct {
				Data   json.RawMessage `json:"data"`
				Errors []struct {
					Message    string         `json:"message"`
					Extensions map[string]any `json:"extensions"`
				} `json:"errors"`
			}
			_ = json.Unmarshal([]byte(raw), &body)
			if status != http.StatusOK || len(body.Errors) != 1 || body.Data != nil {
				t.Fatalf("HTTP %d: %.300s", status, raw)
			}
			e := body.Errors[0]
			if e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["reason"] != "INTROSPECTION_DISABLED" ||
				!strings.Contains(e.Message, "introspection is disabled on this gateway") {
				t.Fatalf("error %q %v", e.Message, e.Extensions)
			}
		})
		t.Run("on/"+name, func(t *testing.T) {
			status, raw := postQuery(t, on.URL, q)
			if status != http.StatusOK || strings.Contains(raw, `"errors"`) {
				t.Fatalf("HTTP %d: %.300s", status, raw)
			}
		})
	}
	for name, q := range map[string]string{
		"__typename":                "{ __typename }",
		"__typename in a selection": "{ countries { __typename name } }",
	} {
		t.Run("off/"+name+" works", func(t *testing.T) {
			status, raw := postQuery(t, off.URL, q)
			if status != http.StatusOK || strings.Contains(raw, `"errors"`) || !strings.Contains(raw, `"__typename":`) {
				t.Fatalf("HTTP %d: %.300s", status, raw)
			}
		})
	}
	t.Run("off/no suggestions", func(t *testing.T) {
		_, raw := postQuery(t, off.URL, "{ contactz { id } }")
		if !strings.Contains(raw, `Cannot query field \"contactz\"`) || strings.Contains(raw, "Did you mean") {
			t.Fatalf("%.300s", raw)
		}
		_, raw = postQuery(t, on.URL, "{ contactz { id } }")
		if !strings.Contains(raw, `Did you mean \"contacts\"`) {
			t.Fatalf("%.300s", raw)
		}
	})
	t.Run("off/GET", func(t *testing.T) {
		resp, err := http.Get(off.URL + "/graphql?query=" + strings.ReplaceAll("{__schema{queryType{name}}}", "{", "%7B"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), "INTROSPECTION_DISABLED") {
			t.Fatalf("HTTP %d: %.300s", resp.StatusCode, b)
		}
	})
}

// TestErrorListIsBounded: a response carries at most 100 errors, identical
// errors merged, and says how many it left out; however many fields fail.
func TestErrorListIsBounded(t *testing.T) {
	t.Run("1000 aliases failing at execution", func(t *testing.T) {
		cfg := config.Defaults()
		cfg.Limits.MaxAliases, cfg.Limits.MaxFields, cfg.Limits.MaxTokens = 1000, 2000, 20000
		g := startGateway(t, cfg)
		r := g.gql(t, "{ "+each(1000, func(i int) string { return fmt.Sprintf(`a%d: node(id: "bad%d") { id }`, i, i) })+"}", nil)
		var body struct {
			Data       map[string]any `json:"data"`
			Errors     []any          `json:"errors"`
			Extensions map[string]any `json:"extensions"`
		}
		if err := json.Unmarshal([]byte(r.Raw), &body); err != nil {
			t.Fatal(err)
		}
		if len(body.Data) != 1000 || len(body.Errors) != 100 || body.Extensions["omittedErrors"] != float64(900) {
			t.Fatalf("%d fields, %d errors, extensions %v", len(body.Data), len(body.Errors), body.Extensions)
		}
		if len(r.Raw) > 64<<10 {
			t.Fatalf("the answer is %d bytes", len(r.Raw))
		}
		for _, c := range r.codes() {
			if c != "BAD_USER_INPUT" {
				t.Fatalf("code %s", c)
			}
		}
	})
	t.Run("40 copies of one validation error", func(t *testing.T) {
		g := startGateway(t, config.Defaults())
		r := g.gql(t, "{ __typename "+rep("@skip(if: false) ", 40)+"}", nil)
		var body struct {
			Errors []struct {
				Message   string `json:"message"`
				Locations []any  `json:"locations"`
			} `json:"errors"`
			Extensions map[string]any `json:"extensions"`
		}
		if err := json.Unmarshal([]byte(r.Raw), &body); err != nil {
			t.Fatal(err)
		}
		if len(body.Errors) != 1 || len(body.Errors[0].Locations) != 10 || body.Extensions["omittedErrors"] != float64(38) {
			t.Fatalf("%.500s", r.Raw)
		}
		if !strings.Contains(body.Errors[0].Message, `The directive "@skip" can only be used once at this location.`) {
			t.Fatalf("message %q", body.Errors[0].Message)
		}
	})
	t.Run("validation stops after 100 errors", func(t *testing.T) {
		g := startGateway(t, config.Defaults())
		r := g.gql(t, "{ "+each(400, func(i int) string { return fmt.Sprintf("cntct%d", i) })+"}", nil)
		if len(r.Errors) != 100 || !strings.Contains(r.Errors[99].Message, "validation stopped after 100 errors") {
			t.Fatalf("%d errors, last %q", len(r.Errors), r.Errors[len(r.Errors)-1].Message)
		}
		if strings.Contains(r.Raw, "Did you mean") {
			t.Fatal("suggestions for a document with hundreds of errors")
		}
	})
}

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/crmgateway/gateway/internal/config"
)

// An adversarial corpus: requests under the body limit built to make the
// gateway spend CPU, memory or response bytes before it refuses them.
// TestAbuseIsRefused checks each is refused with the right code and a
// small answer; BenchmarkAbuse measures what each refusal costs; the fuzz
// target starts from the small ones.

// abuse is one hostile request and the refusal it must get.
type abuse struct {
	name   string
	get    bool   // send as GET (parameters in the URL) instead of a POST body
	query  string // the document
	vars   string // the variables, raw JSON ("" for none)
	ext    string // the extensions, raw JSON ("" for none)
	code   string // extensions.code of the first error
	limit  string // its extensions.limit, for a request limit
	reason string // its extensions.reason, where one is expected
	says   string // what its message must say, where it matters
}

// body is the POST body: JSON with the parameters as given.
func (a abuse) body() []byte {
	var b bytes.Buffer
	q, _ := json.Marshal(a.query)
	b.WriteString(`{"query":`)
	b.Write(q)
	if a.vars != "" {
		b.WriteString(`,"variables":` + a.vars)
	}
	if a.ext != "" {
		b.WriteString(`,"extensions":` + a.ext)
	}
	b.WriteString("}")
	return b.Bytes()
}

// target is the path and query string of a GET.
func (a abuse) target() string {
	v := url.Values{"query": {a.query}}
	if a.vars != "" {
		v.Set("variables", a.vars)
	}
	if a.ext != "" {
		v.Set("extensions", a.ext)
	}
	return "/graphql?" + v.Encode()
}

// request builds the request against base ("" for an in-process handler).
func (a abuse) request(base string) *http.Request {
	if a.get {
		r, _ := http.NewRequest(http.MethodGet, base+a.target(), nil)
		return r
	}
	r, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(a.body()))
	r.Header.Set("Content-Type", "application/json")
	return r
}

// size is the bytes the request sends: its body, or its URL for a GET.
func (a abuse) size() int {
	if a.get {
		return len(a.target())
	}
	return len(a.body())
}

func rep(s string, n int) string { return strings.Repeat(s, n) }

// each joins n copies of f(i).
func each(n int, f func(i int) string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(f(i))
		b.WriteByte(' ')
	}
	return b.String()
}

// fragmentBomb is the document of n fragments, each spreading the next
// twice: 2^n fields once expanded, from under 2 KB of text.
func fragmentBomb(n int, unused bool) string {
	op := "{ ...F0 }"
	if unused {
		op = "{ __typename }"
	}
	return op + "\n" + each(n, func(i int) string {
		return fmt.Sprintf("fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}) + fmt.Sprintf("fragment F%d on Query { __typename }", n)
}

var (
	corpusOnce sync.Once
	corpus     []abuse
)

// abuseCorpus builds the corpus once; some documents are near 1 MiB.
func abuseCorpus() []abuse {
	corpusOnce.Do(func() { corpus = buildAbuseCorpus() })
	return corpus
}

func buildAbuseCorpus() []abuse {
	const (
		tooComplex = "QUERY_TOO_COMPLEX"
		badInput   = "BAD_USER_INPUT"
	)
	return []abuse{
		// Fragments: expansion counted without being materialised.
		// 2^40 fields, counted exactly: a walk of the expansion would not end.
		{name: "fragment-bomb-40", query: fragmentBomb(40, false), code: tooComplex, limit: "fields", says: "selects 1099511627776 fields"},
		{name: "fragment-bomb-40-get", get: true, query: fragmentBomb(40, false), code: tooComplex, limit: "fields"},
		{name: "fragment-bomb-200", query: fragmentBomb(200, false), code: tooComplex, limit: "fields", says: "selects over 2^63 fields"},
		{name: "fragment-bomb-unused", query: fragmentBomb(40, true), code: tooComplex, limit: "selections"},
		{name: "fragment-bomb-no-fields", query: "{ ...F0 } " + each(40, func(i int) string {
			return fmt.Sprintf("fragment F%d on Query { ...F%d ...F%d }", i, i+1, i+1)
		}) + "fragment F40 on Query { ...Missing }", code: tooComplex, limit: "selections"},
		{name: "fragment-chain-1200", query: "{ ...F0 } " + each(1200, func(i int) string {
			return fmt.Sprintf("fragment F%d on Query { ...F%d }", i, i+1)
		}) + "fragment F1200 on Query { __typename }", code: tooComplex, limit: "selections"},
		{name: "fragment-cycle-ring", query: "{ ...F0 } " + each(1200, func(i int) string {
			return fmt.Sprintf("fragment F%d on Query { ...F%d }", i, (i+1)%1200)
		}), code: tooComplex, limit: "selections"},
		// Just within the selections limit: what validation may walk.
		{name: "fragment-chain-96-invalid", query: "{ ...F0 } " + each(96, func(i int) string {
			return fmt.Sprintf("fragment F%d on Query { ...F%d }", i, i+1)
		}) + "fragment F96 on Query { unknown }", code: badInput, reason: "GRAPHQL_VALIDATION_FAILED"},
		{name: "fragment-cycle-fan", query: "{ ...A } fragment A on Query { ...B ...B ...A } fragment B on Query { ...A ...B __typename }",
			code: badInput, reason: "GRAPHQL_VALIDATION_FAILED"},
		{name: "fragments-spread-each-other", query: "{ ...F0 } " + each(80, func(i int) string {
			return fmt.Sprintf("fragment F%d on Query { __typename %s}", i, each(80-i-1, func(j int) string { return fmt.Sprintf("...F%d", i+j+1) }))
		}), code: tooComplex, limit: "fields"},

		// Width and depth.
		{name: "fields-9000", query: "{" + rep(" __typename", 9000) + " }", code: tooComplex, limit: "fields"},
		{name: "aliases-2000", query: "{ " + each(2000, func(i int) string { return fmt.Sprintf("a%d: __typename", i) }) + "}", code: tooComplex, limit: "aliases"},
		{name: "depth-50", query: rep(`{ node(id: "x") `, 50) + rep("}", 50), code: tooComplex, limit: "depth"},
		{name: "tokens-10001", query: "{" + rep(" a", 10000) + " }", code: tooComplex, limit: "tokens"},
		{name: "operations-3000", query: rep("{ __typename } ", 3000), code: tooComplex, limit: "fields"},
		{name: "operations-2000-named", query: each(2000, func(i int) string { return fmt.Sprintf("query Q%d { __typename }", i) }), code: tooComplex, limit: "fields"},

		// Validation's overlapping-fields rule, quadratic in same-keyed fields.
		{name: "same-field-500", query: "{" + rep(" __typename", 500) + " }", code: tooComplex, limit: "fieldPairs"},
		{name: "conflicting-args-250", query: "{ " + each(250, func(i int) string { return fmt.Sprintf(`node(id: "%d") { id }`, i) }) + "}",
			code: tooComplex, limit: "fieldPairs"},
		{name: "nested-duplicates", query: "{ " + rep("contacts { nodes { "+rep("id ", 20)+"} } ", 11) + "}", code: tooComplex, limit: "fieldPairs"},
		{name: "conflicts-in-unused-fragment", query: "{ __typename } fragment X on Query { " + each(900, func(i int) string {
			return fmt.Sprintf(`a: node(id: "%d") { id }`, i)
		}) + "}", code: tooComplex, limit: "fieldPairs"},
		{name: "conflicting-args-44", query: "{ " + each(44, func(i int) string { return fmt.Sprintf("contacts(first: %d) { totalCount }", i) }) + "}",
			code: badInput, reason: "GRAPHQL_VALIDATION_FAILED"},
		{name: "conflicting-aliases-50", query: "{ " + each(50, func(i int) string { return fmt.Sprintf("a: contacts(first: %d) { totalCount }", i) }) + "}",
			code: tooComplex, limit: "fieldPairs"},

		// Directives.
		{name: "skip-1400", query: "{ __typename " + rep("@skip(if: false) ", 1400) + "}", code: tooComplex, limit: "directives"},
		{name: "directives-on-fragments", query: "{ ...F } fragment F on Query " + rep("@unknown ", 2000) + "{ __typename }", code: tooComplex, limit: "directives"},

		// Unknown names: suggestions cost a string distance per candidate.
		{name: "unknown-fields-499", query: "{ " + each(499, func(i int) string { return fmt.Sprintf("cntct%d", i) }) + "}",
			code: badInput, reason: "GRAPHQL_VALIDATION_FAILED"},
		{name: "unknown-long-fields-499", query: "{ " + each(499, func(i int) string { return fmt.Sprintf("%s%d", rep("contacts", 20), i) }) + "}",
			code: badInput, reason: "GRAPHQL_VALIDATION_FAILED"},
		{name: "unknown-field-500k-name", query: "{ " + rep("a", 500_000) + " }", code: badInput, reason: "GRAPHQL_VALIDATION_FAILED"},
		{name: "suggested-types-10", query: "{ " + each(10, func(i int) string {
			return fmt.Sprintf("... on %s%d { __typename }", rep("Contakt", 5), i)
		}) + "}", code: badInput, reason: "GRAPHQL_VALIDATION_FAILED"},
		{name: "unknown-types-2400", query: "query(" + each(2400, func(i int) string { return fmt.Sprintf("$v%d: Cntct%d", i, i) }) + ") { __typename }",
			code: badInput, reason: "GRAPHQL_VALIDATION_FAILED"},
		{name: "unknown-type-condition-70k", query: "{ ... on " + rep("Contakt", 10000) + " { __typename } }", code: badInput, reason: "GRAPHQL_VALIDATION_FAILED"},
		{name: "unknown-arguments-3000", query: "{ contacts(" + each(3000, func(i int) string { return fmt.Sprintf("x%d: 1", i) }) + ") { totalCount } }",
			code: badInput, reason: "GRAPHQL_VALIDATION_FAILED"},
		{name: "duplicate-arguments-3000", query: "{ contacts(" + rep("first: 1 ", 3000) + ") { totalCount } }", code: badInput, reason: "GRAPHQL_VALIDATION_FAILED"},
		{name: "unknown-input-fields-3000", query: "{ contacts(filter: {" + rep("zzzzzz: 1 ", 3000) + "}) { totalCount } }", code: tooComplex, limit: "inputValues"},
		{name: "unknown-input-fields-1999", query: "{ contacts(filter: {" + rep("zzzzzz: 1 ", 1999) + "}) { totalCount } }", code: badInput, reason: "GRAPHQL_VALIDATION_FAILED"},
		{name: "unused-variables-2400", query: "query(" + each(2400, func(i int) string { return fmt.Sprintf("$v%d: Int", i) }) + ") { __typename }",
			code: badInput, reason: "GRAPHQL_VALIDATION_FAILED"},

		// Input values: literals and variables.
		{name: "list-literal-9000", query: "{ nodes(ids: [" + rep(`"x" `, 9000) + "]) { id } }", code: tooComplex, limit: "inputValues"},
		{name: "list-literal-1999", query: "{ nodes(ids: [" + rep(`"x" `, 1999) + "]) { id } }", code: badInput},
		{name: "nested-list-literal-40", query: "{ nodes(ids: " + rep("[", 40) + rep("]", 40) + ") { id } }", code: tooComplex, limit: "inputDepth"},
		{name: "nested-list-literal-4000", query: "{ nodes(ids: " + rep("[", 4000) + rep("]", 4000) + ") { id } }", code: badInput, reason: "GRAPHQL_PARSE_FAILED"},
		{name: "nested-object-literal-2000", query: "{ contacts(filter: " + rep("{a:", 2000) + "1" + rep("}", 2000) + ") { totalCount } }", code: badInput, reason: "GRAPHQL_PARSE_FAILED"},
		{name: "string-literal-1m", query: `{ node(id: "` + rep("x", 1_000_000) + `") { id } }`, code: badInput},
		{name: "variables-nested-9000", query: "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", vars: `{"ids":` + rep("[", 9000) + rep("]", 9000) + "}",
			code: tooComplex, limit: "inputDepth"},
		{name: "variables-200k-values", query: "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", vars: `{"ids":[` + strings.TrimSuffix(rep(`"x",`, 200_000), ",") + "]}",
			code: tooComplex, limit: "inputValues"},
		{name: "variables-unused-blob", query: "{ __typename }", vars: `{"blob":[` + strings.TrimSuffix(rep(`{"a":1},`, 100_000), ",") + "]}",
			code: tooComplex, limit: "inputValues"},
		{name: "extensions-nested", query: "{ __typename }", ext: `{"x":` + rep("[", 5000) + rep("]", 5000) + "}", code: tooComplex, limit: "inputDepth"},
		{name: "persisted-hash-1m", query: "", ext: `{"persistedQuery":{"version":1,"sha256Hash":"` + rep("a", 1_000_000) + `"}}`,
			code: "PERSISTED_QUERY_NOT_FOUND"},
		{name: "invalid-utf8", get: true, query: "{ __typename \xff\xfe }", code: badInput, reason: "GRAPHQL_PARSE_FAILED"},

		{name: "variables-9999-ids", query: "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", vars: `{"ids":[` + strings.TrimSuffix(rep(`"x",`, 9998), ",") + "]}",
			code: tooComplex, limit: "inputValues"},
		{name: "variables-1990-ids", query: "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", vars: `{"ids":[` + strings.TrimSuffix(rep(`"x",`, 1990), ",") + "]}",
			code: badInput},
		{name: "comments-300k", query: "{ __typename " + rep("#\n", 300_000) + "}", code: tooComplex, limit: "tokens"},
		{name: "block-string-200k-lines", query: `{ node(id: """` + rep("\n x", 200_000) + `""") { id } }`, code: badInput},
		{name: "unused-fragments-1400", query: "{ __typename } " + each(1400, func(i int) string { return fmt.Sprintf("fragment F%d on Query { __typename }", i) }),
			code: badInput, reason: "GRAPHQL_VALIDATION_FAILED"},

		// Introspection: its answer grows with the schema.
		{name: "introspection-schema-49", query: "{ " + each(49, func(i int) string {
			return fmt.Sprintf("s%d: __schema { types { name fields { name type { name } } } }", i)
		}) + "}", code: tooComplex, limit: "introspection"},
		{name: "introspection-fields-of-fields", query: "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }",
			code: tooComplex, limit: "introspection"},
		{name: "introspection-possible-types-fields", query: "{ __schema { types { possibleTypes { fields { name } } } } }", code: tooComplex, limit: "introspection"},
		{name: "introspection-aliases", query: "{ __schema { " + each(49, func(i int) string { return fmt.Sprintf("t%d: types { name fields { name } }", i) }) + "} }",
			code: tooComplex, limit: "introspection"},
	}
}

// TestAbuseIsRefused: every document of the corpus is refused, before
// anything executes where the code says so, with the contract's code and
// the limit it crossed, in a small answer (no error list that grows with
// the request).
func TestAbuseIsRefused(t *testing.T) {
	g := startGateway(t, config.Defaults())
	for _, a := range abuseCorpus() {
		t.Run(a.name, func(t *testing.T) {
			resp, err := http.DefaultClient.Do(a.request(g.URL))
			if err != nil {
				t.Fatal(err)
			}
			var raw bytes.Buffer
			_, _ = raw.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("HTTP %d: %.300s", resp.StatusCode, raw.String())
			}
			if raw.Len() > 64<<10 {
				t.Fatalf("the answer is %d bytes: %.300s", raw.Len(), raw.String())
			}
			var body struct {
				Errors []struct {
					Message    string         `json:"message"`
					Extensions map[string]any `json:"extensions"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(raw.Bytes(), &body); err != nil || len(body.Errors) == 0 {
				t.Fatalf("no errors: %.300s", raw.String())
			}
			ext := body.Errors[0].Extensions
			if ext["code"] != a.code || (a.limit != "" && ext["limit"] != a.limit) || (a.reason != "" && ext["reason"] != a.reason) {
				t.Fatalf("first error %q %v, want code %s limit %q reason %q", body.Errors[0].Message, ext, a.code, a.limit, a.reason)
			}
			if !strings.Contains(body.Errors[0].Message, a.says) {
				t.Fatalf("message %q does not say %q", body.Errors[0].Message, a.says)
			}
			if len(body.Errors) > 100 {
				t.Fatalf("%d errors", len(body.Errors))
			}
		})
	}
}

// jsonBody is the POST body of a query without variables.
func jsonBody(query string) ([]byte, error) {
	return json.Marshal(map[string]string{"query": query})
}

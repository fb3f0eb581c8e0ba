package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/crmgateway/gateway/graph"
	"github.com/crmgateway/gateway/internal/loaders"
)

// interceptor stands for the extensions a gateway adds around execution:
// it refuses root fields aliased "refused" (as an authorization check
// would), wraps the answer of those aliased "wrapped", and marks every
// response (as telemetry would).
type interceptor struct{}

var (
	_ graphql.HandlerExtension     = interceptor{}
	_ graphql.RootFieldInterceptor = interceptor{}
	_ graphql.ResponseInterceptor  = interceptor{}
)

func (interceptor) ExtensionName() string                   { return "TestInterceptor" }
func (interceptor) Validate(graphql.ExecutableSchema) error { return nil }

func (interceptor) InterceptRootField(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	rc := graphql.GetRootFieldContext(ctx)
	if rc.Field.Alias == "refused" {
		graphql.AddError(ctx, &gqlerror.Error{Message: "refused", Extensions: map[string]any{"code": "FORBIDDEN"}})
		return graphql.Null
	}
	if rc.Field.Alias == "wrapped" {
		m := next(ctx)
		return graphql.WriterFunc(func(w io.Writer) { m.MarshalGQL(w) })
	}
	return next(ctx)
}

func (interceptor) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp != nil {
		graphql.RegisterExtension(ctx, "intercepted", true)
		resp.Extensions = graphql.GetExtensions(ctx)
	}
	return resp
}

// TestCompiledRunsTheInterceptors: the compiled executor runs inside
// gqlgen's pipeline, so a root-field interceptor's refusal and a response
// interceptor's extension come out as they do from gqlgen's executor.
func TestCompiledRunsTheInterceptors(t *testing.T) {
	tw := startTwins(t)
	var resolvers []*graph.Resolver
	serve := func(general bool) *httptest.Server {
		res := &graph.Resolver{Backends: tw.compiled.App.Resolver.Backends, GeneralOnly: general}
		resolvers = append(resolvers, res)
		srv := handler.New(res.Schema())
		srv.AddTransport(transport.POST{})
		srv.SetErrorPresenter(graph.ErrorPresenter(tw.compiled.App.Log, nil, nil))
		srv.Use(interceptor{})
		s := httptest.NewServer(loaders.Middleware(srv))
		t.Cleanup(s.Close)
		return s
	}
	compiled, general := serve(false), serve(true)
	for _, q := range []string{
		`{ refused: deals(first: 2) { nodes { name } } allowed: deals(first: 2) { nodes { name } } }`,
		`{ refused: countries { name } }`,
		`{ wrapped: deals(first: 2) { nodes { name stage { name } } } other: countries { name } }`,
		`{ deals(first: 3) { nodes { name company { name } } } }`,
	} {
		body, _ := json.Marshal(map[string]any{"query": q})
		var answers [2]string
		for i, s := range []*httptest.Server{compiled, general} {
			g := &testGateway{Server: s}
			r := g.post(t, "", "application/json", body)
			if r.Status != http.StatusOK {
				t.Fatalf("%s: HTTP %d %s", q, r.Status, r.Raw)
			}
			answers[i] = normalizeErrors(t, r.Raw)
		}
		if answers[0] != answers[1] {
			t.Fatalf("%s:\ncompiled %s\n  gqlgen %s", q, answers[0], answers[1])
		}
		var doc struct {
			Extensions map[string]any `json:"extensions"`
		}
		_ = json.Unmarshal([]byte(answers[0]), &doc)
		if doc.Extensions["intercepted"] != true {
			t.Fatalf("%s: the response interceptor did not run: %s", q, answers[0])
		}
	}
	if n := resolvers[0].CompiledOperations(); n != 4 {
		t.Fatalf("the compiled executor answered %d of 4 operations", n)
	}
}

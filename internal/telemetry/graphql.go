package telemetry

import (
	"context"
	"fmt"
	"math"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/crmgateway/gateway/internal/limits"
	"github.com/crmgateway/gateway/internal/reqinfo"
)

// GraphQL is the gqlgen extension that records each operation in the
// request's record (type, name, outcome) and, when tracing, opens the
// operation's span, named after its type (and name) as the OpenTelemetry
// GraphQL conventions say, with graphql.parse, graphql.validate (from
// gqlgen's own timings) and graphql.execute below it; resolvers' upstream
// calls become children of graphql.execute.
type GraphQL struct {
	// Tracer is nil when tracing is off.
	Tracer trace.Tracer
}

var (
	_ graphql.HandlerExtension    = GraphQL{}
	_ graphql.ResponseInterceptor = GraphQL{}
)

// ExtensionName implements graphql.HandlerExtension.
func (GraphQL) ExtensionName() string { return "Telemetry" }

// Validate implements graphql.HandlerExtension.
func (GraphQL) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse implements graphql.ResponseInterceptor.
func (g GraphQL) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	typ, name := "query", oc.OperationName
	if oc.Operation != nil {
		typ = string(oc.Operation.Operation)
		if name == "" {
			name = oc.Operation.Name
		}
	}
	rec := reqinfo.From(ctx)
	rec.SetOperation(typ, name)
	var span, exec trace.Span
	if g.Tracer != nil {
		spanName := typ
		if name != "" {
			spanName += " " + name
		}
		ctx, span = g.Tracer.Start(ctx, spanName, trace.WithTimestamp(oc.Stats.OperationStart),
			trace.WithAttributes(semconv.GraphQLOperationTypeKey.String(typ), semconv.GraphQLOperationName(name)))
		phase := func(name string, t graphql.TraceTiming) {
			if t.Start.IsZero() {
				return
			}
			_, s := g.Tracer.Start(ctx, name, trace.WithTimestamp(t.Start))
			s.End(trace.WithTimestamp(t.End))
		}
		parsing, validation := oc.Stats.Parsing, oc.Stats.Validation
		if t := limits.TimingOf(oc); t != nil {
			// The request limits parse and validate a new document
			// themselves; gqlgen then only finds it in the cache.
			parsing, validation = t.Parsing, t.Validation
		}
		phase("graphql.parse", parsing)
		phase("graphql.validate", validation)
		ctx, exec = g.Tracer.Start(ctx, "graphql.execute")
	}
	resp := next(ctx)
	if exec != nil {
		exec.End()
	}
	outcome := "ok"
	switch {
	case resp == nil:
	case len(resp.Errors) > 0 && isNull(resp.Data):
		outcome = "error"
	case len(resp.Errors) > 0:
		outcome = "partial"
	}
	rec.SetOutcome(outcome)
	if stale := rec.StaleAnswers(); len(stale) > 0 && resp != nil {
		addStale(resp, stale, rec.Snapshot().Upstream)
	}
	if span != nil {
		span.SetAttributes(attribute.String("graphql.outcome", outcome))
		if resp != nil && len(resp.Errors) > 0 {
			span.SetStatus(codes.Error, resp.Errors[0].Message)
		}
		span.End()
	}
	return resp
}

func isNull(data []byte) bool { return len(data) == 0 || string(data) == "null" }

// addStale tells the caller which parts of the answer are stale: in
// extensions.stale each path served from a last good answer, its backend
// and age in seconds; in extensions.backends the state of every backend
// the request touched ("ok", or "stale" with the failure that was
// covered).
func addStale(resp *graphql.Response, stale []reqinfo.Stale, touched map[string]int) {
	type entry struct {
		Path       []any   `json:"path"`
		Backend    string  `json:"backend"`
		AgeSeconds float64 `json:"ageSeconds"`
	}
	type state struct {
		State string `json:"state"`
		Cause string `json:"cause,omitempty"`
	}
	seen := map[string]bool{}
	var entries []entry
	backends := map[string]state{}
	for b := range touched {
		backends[b] = state{State: "ok"}
	}
	for _, s := range stale {
		var path []any
		if fc := graphql.GetFieldContext(s.Where); fc != nil {
			for _, p := range fc.Path() {
				switch x := p.(type) {
				case ast.PathName:
					path = append(path, string(x))
				case ast.PathIndex:
					path = append(path, int(x))
				}
			}
		}
		k := fmt.Sprint(path, s.Backend)
		if !seen[k] {
			seen[k] = true
			entries = append(entries, entry{Path: path, Backend: s.Backend, AgeSeconds: math.Round(s.Age.Seconds()*10) / 10})
		}
		backends[s.Backend] = state{State: "stale", Cause: s.Cause}
	}
	if resp.Extensions == nil {
		resp.Extensions = map[string]any{}
	}
	resp.Extensions["stale"] = entries
	resp.Extensions["backends"] = backends
}

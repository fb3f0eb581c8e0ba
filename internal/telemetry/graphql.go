package telemetry

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

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
		phase("graphql.parse", oc.Stats.Parsing)
		phase("graphql.validate", oc.Stats.Validation)
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

// Package telemetry owns what the gateway tells its operators: the
// access log (one line per request), the request id carried through logs
// and upstream calls, the per-request metrics, and OpenTelemetry tracing
// (configured only by the standard OTEL_* variables) with the GraphQL
// phases as spans. Logs and metrics are fed from one reqinfo.Record per
// request, so they cannot disagree.
package telemetry

import (
	"context"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/crmgateway/gateway/internal/redact"
)

// ServiceName is the service.name of the gateway's spans unless
// OTEL_SERVICE_NAME says otherwise.
const ServiceName = "crm-gateway"

// Tracing is the process's tracer provider and how to end it.
type Tracing struct {
	Provider trace.TracerProvider
	// Enabled is false when no OTEL_* variable is set (or the SDK is
	// disabled): spans are then no-ops that cost nothing.
	Enabled  bool
	Exporter string
	shutdown func(context.Context) error
}

// Shutdown flushes and stops the exporter.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t.shutdown == nil {
		return nil
	}
	return t.shutdown(ctx)
}

// SetupTracing reads the standard variables: tracing is on when any
// OTEL_* variable is set, unless OTEL_SDK_DISABLED=true or
// OTEL_TRACES_EXPORTER=none. The exporter is OTLP (OTEL_EXPORTER_OTLP_*
// variables, protocol http/protobuf or grpc) or "console"; sampling
// follows OTEL_TRACES_SAMPLER; the W3C trace context and baggage are
// propagated from callers and to every upstream. Every string a span
// carries is redacted with red before it is exported.
func SetupTracing(ctx context.Context, env map[string]string, red *redact.Redactor) (*Tracing, error) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	off := &Tracing{Provider: noop.NewTracerProvider()}
	any := false
	for k := range env {
		if strings.HasPrefix(k, "OTEL_") {
			any = true
		}
	}
	exporterName := strings.ToLower(strings.TrimSpace(env["OTEL_TRACES_EXPORTER"]))
	if !any || strings.EqualFold(env["OTEL_SDK_DISABLED"], "true") || exporterName == "none" {
		otel.SetTracerProvider(off.Provider)
		return off, nil
	}
	var exp sdktrace.SpanExporter
	var err error
	switch exporterName {
	case "", "otlp":
		proto := env["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"]
		if proto == "" {
			proto = env["OTEL_EXPORTER_OTLP_PROTOCOL"]
		}
		switch proto {
		case "", "http/protobuf":
			exporterName = "otlp http/protobuf"
			exp, err = otlptracehttp.New(ctx)
		case "grpc":
			exporterName = "otlp grpc"
			exp, err = otlptracegrpc.New(ctx)
		default:
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL: %q is not http/protobuf or grpc", proto)
		}
	case "console":
		exp, err = stdouttrace.New(stdouttrace.WithWriter(os.Stderr))
	default:
		return nil, fmt.Errorf("OTEL_TRACES_EXPORTER: %q is not otlp, console or none", exporterName)
	}
	if err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	res, err := resource.Merge(resource.NewSchemaless(semconv.ServiceName(ServiceName)), resource.Environment())
	if err != nil {
		return nil, fmt.Errorf("tracing: OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(redactingExporter{SpanExporter: exp, red: red}),
		sdktrace.WithResource(res),
	)
	otel.SetTracerProvider(tp)
	return &Tracing{Provider: tp, Enabled: true, Exporter: exporterName, shutdown: tp.Shutdown}, nil
}

package telemetry

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"

	"github.com/crmgateway/gateway/internal/metrics"
	"github.com/crmgateway/gateway/internal/reqinfo"
)

// RequestIDHeader carries the request id: accepted from the caller when
// well-formed, echoed on the answer and sent with every upstream call.
const RequestIDHeader = "X-Request-Id"

// Server wraps the whole router in the OpenTelemetry server span: the
// caller's traceparent is honoured, and the span is named after the route
// once the router has matched it.
func Server(h http.Handler, tp trace.TracerProvider) http.Handler {
	return otelhttp.NewHandler(h, "http.server", otelhttp.WithTracerProvider(tp),
		otelhttp.WithPropagators(otel.GetTextMapPropagator()))
}

// probes are logged at DEBUG: an orchestrator calls them every few seconds.
var probes = map[string]bool{"/healthz": true, "/livez": true, "/readyz": true, "/metrics": true}

// Requests is the first middleware of the router: it opens the request's
// record (its id from X-Request-Id when well-formed, else a new one, and
// echoed), and when the request is over writes the access-log line and
// the request metrics from that one record.
func Requests(log *slog.Logger, m *metrics.Metrics) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := reqinfo.New(r.Header.Get(RequestIDHeader))
			w.Header().Set(RequestIDHeader, rec.ID)
			ctx := reqinfo.With(r.Context(), rec)
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r.WithContext(ctx))

			route := chi.RouteContext(ctx).RoutePattern()
			if route == "" {
				route = "unmatched"
			}
			rec.SetRoute(route)
			status := ww.Status()
			if status == 0 {
				status = http.StatusOK
			}
			took := time.Since(rec.Start)
			span := trace.SpanFromContext(ctx)
			span.SetName(r.Method + " " + route)
			snap := rec.Snapshot()
			observe(m, r.Method, route, status, took, snap)
			accessLog(ctx, log, r, status, took, snap)
		})
	}
}

// observe feeds the request metrics. Operation names label them only
// when they come from trusted documents, so a caller cannot grow the
// label set.
func observe(m *metrics.Metrics, method, route string, status int, took time.Duration, s reqinfo.Snapshot) {
	m.HTTPRequests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.HTTPDuration.WithLabelValues(route).Observe(took.Seconds())
	if probes[route] || route == "unmatched" {
		return
	}
	opType, outcome := s.OperationType, s.Outcome
	if opType == "" {
		opType = "none"
	}
	if outcome == "" {
		outcome = "refused"
		if status < 400 {
			outcome = "ok"
		}
	}
	name := ""
	if s.Trusted {
		name = s.OperationName
	}
	m.GraphQLDuration.WithLabelValues(opType, name, outcome).Observe(took.Seconds())
}

func accessLog(ctx context.Context, log *slog.Logger, r *http.Request, status int, took time.Duration, s reqinfo.Snapshot) {
	level := slog.LevelInfo
	switch {
	case probes[s.Route]:
		level = slog.LevelDebug
	case status >= 500:
		level = slog.LevelError
	}
	if !log.Enabled(ctx, level) {
		return
	}
	var buf [16]slog.Attr // room for every attribute below: no allocation
	attrs := append(buf[:0],
		slog.String("method", r.Method),
		slog.String("route", s.Route),
		slog.Int("status", status),
		slog.Float64("duration_ms", float64(took.Microseconds())/1000),
	)
	if s.OperationType != "" {
		attrs = append(attrs, slog.String("operation_type", s.OperationType), slog.String("operation_name", s.OperationName),
			slog.String("outcome", s.Outcome))
	}
	if len(s.ErrorCodes) > 0 {
		attrs = append(attrs, slog.Any("error_codes", s.ErrorCodes))
	}
	if len(s.Upstream) > 0 {
		// A group, not the map: the same JSON object, written without
		// encoding/json's reflection on every request.
		calls := make([]slog.Attr, 0, len(s.Upstream))
		for name, n := range s.Upstream {
			calls = append(calls, slog.Int(name, n))
		}
		slices.SortFunc(calls, func(a, b slog.Attr) int { return strings.Compare(a.Key, b.Key) })
		attrs = append(attrs, slog.Attr{Key: "upstream_calls", Value: slog.GroupValue(calls...)})
	}
	if s.SharedCalls > 0 {
		attrs = append(attrs, slog.Int("upstream_shared", s.SharedCalls))
	}
	if s.CacheHits+s.CacheMisses > 0 {
		attrs = append(attrs, slog.Int("cache_hits", s.CacheHits), slog.Int("cache_misses", s.CacheMisses))
	}
	if s.Caller != "" {
		attrs = append(attrs, slog.String("caller", s.Caller))
	}
	if s.Tenant != "" {
		attrs = append(attrs, slog.String("tenant", s.Tenant))
	}
	if s.Stale {
		attrs = append(attrs, slog.Bool("stale", true))
	}
	log.LogAttrs(ctx, level, "request", attrs...)
}

// Package metrics owns the gateway's Prometheus registry and every metric
// it exports; all names carry the crm_gateway_ prefix.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the collectors; one per process, passed to whoever records.
type Metrics struct {
	Registry *prometheus.Registry

	// UpstreamRequests counts every attempt sent to a CRM, retries included.
	UpstreamRequests *prometheus.CounterVec
	// UpstreamDuration observes each attempt's latency per upstream.
	UpstreamDuration *prometheus.HistogramVec
	// UpstreamCoalesced counts GETs answered by an identical call already
	// in flight instead of one of their own.
	UpstreamCoalesced *prometheus.CounterVec
	// UpstreamInFlight gauges calls holding a concurrency slot.
	UpstreamInFlight *prometheus.GaugeVec
	// IntrospectionCache counts introspection answers by whether the
	// cache served them (hit) or gqlgen computed them (miss).
	IntrospectionCache *prometheus.CounterVec
	// UpstreamRetries counts retried GETs by reason.
	UpstreamRetries *prometheus.CounterVec
	// BreakerState is 0 closed, 1 half-open, 2 open.
	BreakerState *prometheus.GaugeVec
	// HTTPRequests counts client requests by route and status.
	HTTPRequests *prometheus.CounterVec
	// HTTPDuration observes client request latency by route.
	HTTPDuration *prometheus.HistogramVec
	// GraphQLDuration observes API requests (GraphQL and REST, which runs
	// GraphQL) by operation type, outcome and, for trusted documents only,
	// operation name.
	GraphQLDuration *prometheus.HistogramVec
	// GraphQLErrors counts errors returned to clients by code.
	GraphQLErrors *prometheus.CounterVec
	// CacheRequests counts reference-data cache lookups by result.
	CacheRequests *prometheus.CounterVec
	// UpstreamThrottled counts an upstream's own rate limit by account (the
	// process's "default" or a tenant): its 429s and the calls the
	// gateway then held back instead of sending.
	UpstreamThrottled *prometheus.CounterVec
	// UpstreamCooldownUntil is when the pause an upstream's 429 imposed
	// ends (Unix seconds); in force while above time().
	UpstreamCooldownUntil *prometheus.GaugeVec
	// RateLimited counts requests refused for a caller's budget.
	RateLimited prometheus.Counter
	// RequestsShed counts API requests refused because the process was
	// serving MAX_CONCURRENT_REQUESTS already; RequestsInFlight is how many
	// it serves now.
	RequestsShed     prometheus.Counter
	RequestsInFlight prometheus.Gauge
	// RedisErrors counts failed Redis calls by what they served; each one
	// fell back to in-process state.
	RedisErrors *prometheus.CounterVec
}

// New registers every collector on a fresh registry.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	m := &Metrics{
		Registry: reg,
		UpstreamRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crm_gateway_upstream_requests_total",
			Help: "Requests sent to an upstream CRM, by upstream, HTTP method and status (or error class).",
		}, []string{"upstream", "method", "status"}),
		UpstreamDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "crm_gateway_upstream_request_duration_seconds",
			Help:    "Latency of upstream CRM requests.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"upstream", "method"}),
		UpstreamCoalesced: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crm_gateway_upstream_coalesced_total",
			Help: "Upstream GETs not sent because an identical one (same account, same URL) was in flight: they took its answer.",
		}, []string{"upstream"}),
		UpstreamInFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "crm_gateway_upstream_in_flight",
			Help: "Upstream requests currently in flight.",
		}, []string{"upstream"}),
		IntrospectionCache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crm_gateway_introspection_cache_requests_total",
			Help: "Introspection answers by result: hit (served from the cache) or miss (computed).",
		}, []string{"result"}),
		UpstreamRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crm_gateway_upstream_retries_total",
			Help: "GET requests retried, by upstream and reason.",
		}, []string{"upstream", "reason"}),
		BreakerState: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "crm_gateway_upstream_breaker_state",
			Help: "Circuit breaker state per upstream and account (default or a tenant): 0 closed, 1 half-open, 2 open.",
		}, []string{"upstream", "account"}),
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crm_gateway_http_requests_total",
			Help: "Client HTTP requests by route and status.",
		}, []string{"route", "method", "status"}),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "crm_gateway_http_request_duration_seconds",
			Help:    "Client HTTP request latency by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		GraphQLDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "crm_gateway_graphql_request_duration_seconds",
			Help:    "API request latency by GraphQL operation type (none: refused before one ran), operation name (trusted documents only) and outcome (ok, partial, error, refused).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"operation_type", "operation_name", "outcome"}),
		GraphQLErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crm_gateway_graphql_errors_total",
			Help: "Errors returned to GraphQL clients, by code.",
		}, []string{"code"}),
		CacheRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crm_gateway_cache_requests_total",
			Help: "Reference-data cache lookups by upstream, resource and result (hit, miss).",
		}, []string{"upstream", "resource", "result"}),
		UpstreamThrottled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crm_gateway_upstream_throttled_total",
			Help: "An upstream's own rate limit, by upstream and account: its 429 answers (reason=429) and calls held back until its Retry-After (reason=paused).",
		}, []string{"upstream", "account", "reason"}),
		UpstreamCooldownUntil: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "crm_gateway_upstream_cooldown_until_seconds",
			Help: "Unix time until which calls to an upstream account are paused after its 429; in force while above time().",
		}, []string{"upstream", "account"}),
		RateLimited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "crm_gateway_rate_limited_total",
			Help: "Requests refused with 429 because the caller exceeded RATE_LIMIT.",
		}),
		RequestsShed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "crm_gateway_requests_shed_total",
			Help: "API requests refused with 503 because MAX_CONCURRENT_REQUESTS were in flight.",
		}),
		RequestsInFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "crm_gateway_requests_in_flight",
			Help: "API requests (GraphQL and REST) being served now.",
		}),
		RedisErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crm_gateway_redis_errors_total",
			Help: "Redis calls that failed or timed out (each fell back to in-process state), by use.",
		}, []string{"use"}),
	}
	// Both results exist from the start, so a dashboard shows 0, not
	// nothing, while introspection is off or unused.
	m.IntrospectionCache.WithLabelValues("hit")
	m.IntrospectionCache.WithLabelValues("miss")
	for _, c := range []prometheus.Collector{m.GraphQLDuration, m.RateLimited, m.RequestsShed, m.RequestsInFlight, m.RedisErrors, m.UpstreamThrottled, m.UpstreamCooldownUntil, m.UpstreamRequests, m.UpstreamDuration, m.UpstreamCoalesced, m.UpstreamInFlight,
		m.UpstreamRetries, m.BreakerState, m.HTTPRequests, m.HTTPDuration, m.GraphQLErrors, m.CacheRequests} {
		f(c)
	}
	f(m.IntrospectionCache)
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

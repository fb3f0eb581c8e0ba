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
	// GraphQLErrors counts errors returned to clients by code.
	GraphQLErrors *prometheus.CounterVec
	// CacheRequests counts reference-data cache lookups by result.
	CacheRequests *prometheus.CounterVec
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
			Help: "Circuit breaker state per upstream: 0 closed, 1 half-open, 2 open.",
		}, []string{"upstream"}),
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crm_gateway_http_requests_total",
			Help: "Client HTTP requests by route and status.",
		}, []string{"route", "method", "status"}),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "crm_gateway_http_request_duration_seconds",
			Help:    "Client HTTP request latency by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		GraphQLErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crm_gateway_graphql_errors_total",
			Help: "Errors returned to GraphQL clients, by code.",
		}, []string{"code"}),
		CacheRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crm_gateway_cache_requests_total",
			Help: "Reference-data cache lookups by upstream, resource and result (hit, miss).",
		}, []string{"upstream", "resource", "result"}),
	}
	for _, c := range []prometheus.Collector{m.UpstreamRequests, m.UpstreamDuration, m.UpstreamInFlight,
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

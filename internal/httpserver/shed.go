package httpserver

import (
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/metrics"
)

// shedder bounds the API requests served at once, all routes it wraps
// together. Go serves every accepted
// request concurrently, so past the process's capacity each one slows
// every other: latency grows without bound and upstream deadlines expire
// in the gateway's own queue. Past max, a request is refused before its
// body is read or its caller authenticated, with 503, Retry-After: 1 and
// RATE_LIMITED, costing next to nothing; the requests in flight keep
// their pace.
func shedder(max int, m *metrics.Metrics) func(http.Handler) http.Handler {
	if max <= 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	inFlight := new(atomic.Int64)
	msg := fmt.Sprintf("the gateway is serving its limit of %d requests at once; retry in a second", max)
	return func(next http.Handler) http.Handler {
		return shed(inFlight, max, msg, m, next)
	}
}

func shed(inFlight *atomic.Int64, max int, msg string, m *metrics.Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if inFlight.Add(1) > int64(max) {
			inFlight.Add(-1)
			if m != nil {
				m.RequestsShed.Inc()
			}
			w.Header().Set("Retry-After", "1")
			refuse(w, r, http.StatusServiceUnavailable, apierr.RateLimited, msg)
			return
		}
		if m != nil {
			m.RequestsInFlight.Inc()
		}
		defer func() {
			inFlight.Add(-1)
			if m != nil {
				m.RequestsInFlight.Dec()
			}
		}()
		next.ServeHTTP(w, r)
	})
}

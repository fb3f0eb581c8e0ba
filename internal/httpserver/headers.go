package httpserver

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/rs/cors"
)

// apiCSP is the Content-Security-Policy of every response that is not the
// playground: API answers are data, never a document to render or frame.
const apiCSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// securityHeaders sets the headers every response carries. Handlers that
// serve documents (the playground) replace Content-Security-Policy with
// their own.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for name, value := range securityValues {
			h[name] = value
		}
		next.ServeHTTP(w, r)
	})
}

// securityValues are the headers securityHeaders sets (names in canonical
// form), built once and shared by every response: a handler that changes
// one (Set, Del) replaces the slice, never its contents.
var securityValues = http.Header{
	"X-Content-Type-Options":     {"nosniff"},
	"X-Frame-Options":            {"DENY"},
	"Referrer-Policy":            {"no-referrer"},
	"Cross-Origin-Opener-Policy": {"same-origin"},
	"Content-Security-Policy":    {apiCSP},
}

// newCORS builds the CORS middleware. origins nil means the mode's default:
// no cross-origin access in production, any http://localhost:PORT or
// http://127.0.0.1:PORT origin in sandbox mode (a front-end dev server
// talking to a local gateway). A configured list is used as given; rs/cors
// understands "*" and one wildcard per origin ("https://*.example.com").
func newCORS(origins []string, sandbox bool) *cors.Cors {
	opts := cors.Options{
		// The REST facade shares the middleware, hence the write methods.
		AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
		AllowedHeaders: []string{"Content-Type", "Accept", "X-Request-Id", "Authorization", "X-API-Key",
			"If-Match", "If-None-Match"},
		// What a browser client of the REST facade reads: validators,
		// paging, the created entity, and when to come back.
		ExposedHeaders: []string{"ETag", "Link", "Location", "Retry-After", "X-Request-Id", "RateLimit", "RateLimit-Policy"},
		MaxAge:         600,
	}
	switch {
	case origins != nil:
		opts.AllowedOrigins = origins
		if len(origins) == 0 {
			opts.AllowOriginFunc = func(string) bool { return false }
		}
	case sandbox:
		opts.AllowOriginFunc = isLoopbackOrigin
	default:
		opts.AllowOriginFunc = func(string) bool { return false }
	}
	return cors.New(opts)
}

// isLoopbackOrigin accepts http origins on localhost, 127.0.0.1 or [::1],
// any port.
func isLoopbackOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Scheme != "http" || u.Path != "" || u.User != nil || u.RawQuery != "" {
		return false
	}
	host, port := u.Hostname(), u.Port()
	if port != "" && strings.Trim(port, "0123456789") != "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.Equal(net.IPv4(127, 0, 0, 1)) || ip.Equal(net.IPv6loopback))
}

// Package httpserver owns the gateway's HTTP surface: the chi router, its
// middleware in one visible order, GraphQL over HTTP at /graphql (with
// persisted queries and CORS), the playground, health, readiness and metrics.
package httpserver

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/crmgateway/gateway/internal/config"
	"github.com/crmgateway/gateway/internal/limits"
	"github.com/crmgateway/gateway/internal/metrics"
	"github.com/crmgateway/gateway/internal/playground"
)

// Deps are what the HTTP surface is built from; server.go provides them.
type Deps struct {
	Config config.Config
	// Sandbox is true when the gateway serves its built-in emulators; it
	// widens the default CORS origins to localhost.
	Sandbox bool
	Schema  graphql.ExecutableSchema
	Metrics *metrics.Metrics
	Log     *slog.Logger
	// ErrorPresenter and Recover come from the graph package.
	ErrorPresenter graphql.ErrorPresenterFunc
	Recover        graphql.RecoverFunc
	// PerRequest wraps every API request (per-request dataloaders).
	PerRequest func(http.Handler) http.Handler
	// Mount adds further routes (REST facade, playground) to the router.
	Mount func(r chi.Router, graphql http.Handler)
}

// Server is the gateway's root handler plus its readiness state.
type Server struct {
	http.Handler
	GraphQL  *handler.Server
	draining atomic.Bool
}

// Drain makes /readyz fail so load balancers stop sending traffic, while
// in-flight requests finish.
func (s *Server) Drain() { s.draining.Store(true) }

// New builds the root handler. Middleware, outermost first:
// request id → panic recovery → metrics → security headers → CORS, then on
// API routes body limit → per-request loaders.
func New(d Deps) *Server {
	s := &Server{}
	s.GraphQL = newGraphQL(d)

	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	r.Use(recoverer(d.Log))
	r.Use(instrument(d.Metrics))
	r.Use(securityHeaders)
	r.Use(newCORS(d.Config.CORSAllowedOrigins, d.Sandbox).Handler)

	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	})
	r.Get("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if s.draining.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"status":"draining"}`)
			return
		}
		_, _ = io.WriteString(w, `{"status":"ready"}`)
	})
	r.Method(http.MethodGet, "/metrics", d.Metrics.Handler())
	pg := playground.Handler("/playground")
	r.Handle("/playground", pg)
	r.Handle("/playground/*", pg)
	r.Get("/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/playground", http.StatusFound)
	})

	var gql http.Handler = s.GraphQL
	api := func(h http.Handler) http.Handler {
		h = limitBody(d.Config.Limits.MaxBodyBytes, h)
		if d.PerRequest != nil {
			h = d.PerRequest(h)
		}
		return h
	}
	gql = api(gql)
	r.Handle("/graphql", gql)
	if d.Mount != nil {
		r.Group(func(r chi.Router) {
			r.Use(func(h http.Handler) http.Handler { return api(h) })
			d.Mount(r, gql)
		})
	}
	s.Handler = r
	return s
}

// queryCacheSize is how many parsed documents, and what is known of them
// (measures, complexity), are kept between requests.
const queryCacheSize = 1000

func newGraphQL(d Deps) *handler.Server {
	srv := handler.New(d.Schema)
	srv.AddTransport(httpTransport{tokenLimit: d.Config.Limits.MaxTokens})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](queryCacheSize))
	srv.SetParserTokenLimit(d.Config.Limits.MaxTokens)
	srv.Use(extension.Introspection{})
	// Persisted queries resolve before the limits check, which needs the document.
	srv.Use(newPersistedQueries(d.Config.Limits.APQCacheSize))
	srv.Use(limits.Extension{
		MaxTokens:  d.Config.Limits.MaxTokens,
		MaxDepth:   d.Config.Limits.MaxDepth,
		MaxAliases: d.Config.Limits.MaxAliases,
		MaxFields:  d.Config.Limits.MaxFields,
		Cache:      lru.New[limits.Measures](queryCacheSize),
	})
	// Scalars cost nothing; objects and pages are weighed by the schema.
	srv.Use(newComplexityLimit(d.Config.Limits.MaxComplexity, queryCacheSize, complexity.WithFixedScalarValue(0)))
	if d.ErrorPresenter != nil {
		srv.SetErrorPresenter(d.ErrorPresenter)
	}
	if d.Recover != nil {
		srv.SetRecoverFunc(d.Recover)
	}
	return srv
}

// limitBody refuses bodies over max with 413 before anything parses them.
// The body is read here, so a lying Content-Length cannot slip past.
func limitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > max {
			tooLarge(w, max)
			return
		}
		data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				tooLarge(w, max)
				return
			}
			writeError(w, http.StatusBadRequest, "BAD_USER_INPUT", "the request body could not be read")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(data))
		r.ContentLength = int64(len(data))
		next.ServeHTTP(w, r)
	})
}

func tooLarge(w http.ResponseWriter, max int64) {
	writeError(w, http.StatusRequestEntityTooLarge, "BAD_USER_INPUT",
		"the request body is larger than "+strconv.FormatInt(max, 10)+" bytes")
}

// writeError answers with a GraphQL-shaped error document.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `{"errors":[{"message":`+strconv.Quote(msg)+`,"extensions":{"code":"`+code+`"}}]}`)
}

func recoverer(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if p := recover(); p != nil {
					if p == http.ErrAbortHandler {
						panic(p)
					}
					log.ErrorContext(r.Context(), "handler panic", slog.Any("panic", p), slog.String("path", r.URL.Path))
					writeError(w, http.StatusInternalServerError, "INTERNAL", "internal error")
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

func instrument(m *metrics.Metrics) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r)
			route := chi.RouteContext(r.Context()).RoutePattern()
			if route == "" {
				route = "unmatched"
			}
			m.HTTPRequests.WithLabelValues(route, r.Method, strconv.Itoa(ww.Status())).Inc()
			m.HTTPDuration.WithLabelValues(route).Observe(time.Since(start).Seconds())
		})
	}
}

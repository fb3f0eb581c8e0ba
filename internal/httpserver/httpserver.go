// Package httpserver owns the gateway's HTTP surface: the chi router, its
// middleware in one visible order, GraphQL over HTTP at /graphql (with
// persisted queries and CORS), the playground, health, readiness and metrics.
package httpserver

import (
	"bytes"
	"encoding/json"
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
	"github.com/go-chi/chi/v5"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/auth"
	"github.com/crmgateway/gateway/internal/config"
	"github.com/crmgateway/gateway/internal/limits"
	"github.com/crmgateway/gateway/internal/metrics"
	"github.com/crmgateway/gateway/internal/playground"
	"github.com/crmgateway/gateway/internal/problem"
	"github.com/crmgateway/gateway/internal/reqinfo"
	"github.com/crmgateway/gateway/internal/sharedcache"
	"github.com/crmgateway/gateway/internal/telemetry"
	"github.com/crmgateway/gateway/internal/upstream"
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
	// Authenticator establishes the caller of every API request; nil
	// serves every caller as anonymous (the sandbox, AUTH_MODE=none).
	Authenticator auth.Authenticator
	// Admit runs after authentication, before the body is read: rate
	// limits, the tenant binding. Nil admits everything.
	Admit func(http.Handler) http.Handler
	// PerRequest wraps every API request (per-request dataloaders).
	PerRequest func(http.Handler) http.Handler
	// Extensions are added to the GraphQL executor after the request
	// limits (authorization of root fields).
	Extensions []graphql.HandlerExtension
	// Health reports every upstream client's state for /readyz; nil: no
	// backend (the gateway is ready while not draining).
	Health func() []upstream.Health
	// Shared is the cache replicas share (Redis); nil: in process only.
	Shared *sharedcache.Store
	// TrustedDocuments are the documents that may run by hash (and, with
	// Config.PersistedOnly, the only ones that may run).
	TrustedDocuments map[string]string
	// Mount adds further routes (the REST facade) to the router. They
	// speak RFC 9457: the middleware's refusals there are problem
	// documents.
	Mount func(r chi.Router, graphql http.Handler)
	// PlaygroundConfig is what the playground reads at
	// /playground/config.json (mode, whether a credential is expected,
	// sandbox data, the schema by backend); never a secret. Nil: {}.
	PlaygroundConfig any
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
// request record (id, access log, metrics) → panic recovery → security
// headers → CORS, then on
// API routes compression → authentication → admission (rate limit,
// tenant) → body limit → per-request loaders. Health and readiness are never authenticated;
// the playground (static assets) is served only when Config.Playground is
// on, and /metrics here only when no METRICS_ADDR takes it elsewhere.
func New(d Deps) *Server {
	s := &Server{}
	s.GraphQL = newGraphQL(d)
	if d.Authenticator == nil {
		d.Authenticator = auth.Anonymous()
	}

	r := chi.NewRouter()
	r.Use(telemetry.Requests(d.Log, d.Metrics))
	r.Use(recoverer(d.Log))
	r.Use(securityHeaders)
	r.Use(newCORS(d.Config.CORSAllowedOrigins, d.Sandbox).Handler)

	// /livez (Kubernetes' liveness probe) and /healthz say only that the
	// process answers: nothing a restart cannot fix may turn them red, so a
	// CRM outage or a drain never gets the pod killed. /readyz is the one
	// that changes.
	alive := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	}
	r.Get("/livez", alive)
	r.Get("/healthz", alive)
	r.Get("/readyz", s.readiness(d.Health))

	if d.Config.MetricsAddr == "" {
		r.Method(http.MethodGet, "/metrics", d.Metrics.Handler())
	}
	if d.Config.Playground {
		pg := playground.Handler("/playground")
		r.Get(playground.ConfigPath, playground.ConfigHandler(d.PlaygroundConfig))
		r.Handle("/playground", pg)
		r.Handle("/playground/*", pg)
		r.Get("/", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/playground", http.StatusFound)
		})
	}

	var gql http.Handler = s.GraphQL
	authenticate := auth.Middleware(d.Authenticator, d.Log, refuse)
	// One bound for GraphQL and REST together: they share the process.
	admitted := shedder(d.Config.Limits.MaxConcurrentRequests, d.Metrics)
	api := func(h http.Handler) http.Handler {
		h = limitBody(d.Config.Limits.MaxBodyBytes, h)
		if d.PerRequest != nil {
			h = d.PerRequest(h)
		}
		if d.Admit != nil {
			h = d.Admit(h)
		}
		return compress(admitted(authenticate(h)))
	}
	r.Handle("/graphql", api(gql))
	if d.Mount != nil {
		// REST runs its operations through the GraphQL handler in process,
		// behind the same middleware as its own route: once.
		r.Group(func(r chi.Router) {
			// A panic on these routes is answered inside the mark, as a
			// problem document.
			r.Use(problem.Mark, recoverer(d.Log), api)
			d.Mount(r, gql)
		})
	}
	s.Handler = r
	return s
}

// Bounds of the parsed-document cache gqlgen and the limits share.
const (
	documentCacheEntries = 1000
	documentCacheBytes   = 64 << 20
)

func newGraphQL(d Deps) *handler.Server {
	srv := handler.New(d.Schema)
	docs := newDocumentCache(documentCacheEntries, documentCacheBytes)
	lim := limits.New(limits.Config{
		MaxTokens:   d.Config.Limits.MaxTokens,
		MaxDepth:    d.Config.Limits.MaxDepth,
		MaxAliases:  d.Config.Limits.MaxAliases,
		MaxFields:   d.Config.Limits.MaxFields,
		Suggestions: d.Config.Introspection,
	}, d.Schema.Schema(), docs)
	var answers *introspectionCache
	if d.Config.Introspection {
		var count func(string)
		if d.Metrics != nil {
			count = func(result string) { d.Metrics.IntrospectionCache.WithLabelValues(result).Inc() }
		}
		answers = newIntrospectionCache(count)
	}
	srv.AddTransport(httpTransport{tokenLimit: d.Config.Limits.MaxTokens, limits: lim, introspection: answers})
	srv.SetQueryCache(docs)
	srv.SetParserTokenLimit(d.Config.Limits.MaxTokens)
	srv.SetValidationRulesFn(limits.Rules)
	if d.Config.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.Use(introspectionOff{})
	}
	// Persisted queries resolve before the limits check, which needs the document.
	var apqShared *sharedcache.Scope
	if d.Shared != nil {
		apqShared = d.Shared.Scope("apq", "apq")
	}
	srv.Use(newPersistedQueries(d.Config.Limits.APQCacheSize, d.TrustedDocuments, d.Config.PersistedOnly, apqShared))
	srv.Use(lim)
	// Scalars cost nothing; objects and pages are weighed by the schema.
	srv.Use(newComplexityLimit(d.Config.Limits.MaxComplexity, documentCacheEntries, complexity.WithFixedScalarValue(0)))
	for _, e := range d.Extensions {
		srv.Use(e)
	}
	if d.ErrorPresenter != nil {
		srv.SetErrorPresenter(d.ErrorPresenter)
	}
	if d.Recover != nil {
		srv.SetRecoverFunc(d.Recover)
	}
	// Last, so that every other interceptor (telemetry) sees a cached
	// answer as it sees a computed one.
	if answers != nil {
		srv.Use(answers)
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
			tooLarge(w, r, max)
			return
		}
		data, err := readAll(http.MaxBytesReader(w, r.Body, max), r.ContentLength)
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				tooLarge(w, r, max)
				return
			}
			refuse(w, r, http.StatusBadRequest, apierr.BadUserInput, "the request body could not be read")
			return
		}
		r.Body = &readBody{Reader: bytes.NewReader(data), data: data}
		r.ContentLength = int64(len(data))
		next.ServeHTTP(w, r)
	})
}

// readBody is a body limitBody has read already; the GraphQL transport
// takes its bytes instead of copying them again.
type readBody struct {
	*bytes.Reader
	data []byte
}

// Close does nothing: the bytes are in memory.
func (*readBody) Close() error { return nil }

// bodyBytes returns what is left of a request body.
func bodyBytes(r *http.Request) ([]byte, error) {
	if b, ok := r.Body.(*readBody); ok {
		rest := b.data[len(b.data)-b.Len():]
		_, _ = b.Seek(0, io.SeekEnd)
		return rest, nil
	}
	return readAll(r.Body, r.ContentLength)
}

// readAll reads a body in one allocation when its length is declared
// (a wrong length costs a copy, nothing more); the hint is capped, so a
// lying Content-Length cannot make it allocate more than the cap.
func readAll(r io.Reader, length int64) ([]byte, error) {
	const maxHint = 4 << 20
	if length <= 0 || length > maxHint {
		return io.ReadAll(r)
	}
	buf := bytes.NewBuffer(make([]byte, 0, length+bytes.MinRead))
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

func tooLarge(w http.ResponseWriter, r *http.Request, max int64) {
	refuse(w, r, http.StatusRequestEntityTooLarge, apierr.BadUserInput,
		"the request body is larger than "+strconv.FormatInt(max, 10)+" bytes")
}

// readiness answers /readyz with each backend account's state as JSON.
// It is 503 only while draining or when no enabled backend can be
// reached, so that one CRM's outage does not pull every replica out of the
// load balancer: that CRM's fields fail alone.
func (s *Server) readiness(health func() []upstream.Health) http.HandlerFunc {
	type lastError struct {
		Code apierr.Code `json:"code"`
		At   time.Time   `json:"at"`
	}
	type backend struct {
		Backend     string     `json:"backend"`
		Account     string     `json:"account"`
		Reachable   bool       `json:"reachable"`
		Breaker     string     `json:"breaker"`
		LastSuccess *time.Time `json:"lastSuccess"`
		LastError   *lastError `json:"lastError"`
	}
	return func(w http.ResponseWriter, _ *http.Request) {
		var hs []upstream.Health
		if health != nil {
			hs = health()
		}
		out := struct {
			Status   string    `json:"status"`
			Backends []backend `json:"backends"`
		}{Status: "ready", Backends: []backend{}}
		reachable := len(hs) == 0
		for _, h := range hs {
			b := backend{Backend: h.Backend, Account: h.Account, Reachable: h.Reachable(), Breaker: h.Breaker}
			if !h.LastSuccess.IsZero() {
				b.LastSuccess = &h.LastSuccess
			}
			if !h.LastError.IsZero() {
				b.LastError = &lastError{Code: h.LastErrorCode, At: h.LastError}
			}
			reachable = reachable || b.Reachable
			out.Backends = append(out.Backends, b)
		}
		status := http.StatusOK
		switch {
		case s.draining.Load():
			out.Status, status = "draining", http.StatusServiceUnavailable
		case !reachable:
			out.Status, status = "unavailable", http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(out)
	}
}

// refuse answers a request the middleware does not let through: a GraphQL
// error document on /graphql, an RFC 9457 problem document on the REST
// routes. A 429 also says, in retryAfterSeconds, what its Retry-After says.
func refuse(w http.ResponseWriter, r *http.Request, status int, code apierr.Code, msg string) {
	secs, err := strconv.Atoi(w.Header().Get("Retry-After"))
	retry := err == nil && code == apierr.RateLimited
	if problem.Wanted(r.Context()) {
		it := problem.Item{Code: string(code), Detail: msg}
		if retry {
			it.Extra = map[string]any{"retryAfterSeconds": secs}
		}
		problem.Write(w, problem.Problem{Status: status, Instance: r.URL.EscapedPath(),
			RequestID: reqinfo.IDFrom(r.Context()), Items: []problem.Item{it}})
		return
	}
	ext := ""
	if retry {
		ext = `,"retryAfterSeconds":` + strconv.Itoa(secs)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `{"errors":[{"message":`+strconv.Quote(msg)+`,"extensions":{"code":"`+string(code)+`"`+ext+`}}]}`)
}

// Refuse is the refusal writer of the API routes, for the middleware
// server.go wires (rate limits, tenants).
func Refuse(w http.ResponseWriter, r *http.Request, status int, code apierr.Code, msg string) {
	refuse(w, r, status, code, msg)
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
					refuse(w, r, http.StatusInternalServerError, apierr.Internal, "internal error")
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

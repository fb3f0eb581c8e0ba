// Command gateway is CRM Gateway: one GraphQL API (and a REST facade over
// the same resolvers) in front of SynergyCRM, Solos CRM and r_keeper.
//
// This file is the only composition point: configuration → upstream clients
// → adapters → resolvers → HTTP server → graceful shutdown.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/crmgateway/gateway/adapters/rkeeper"
	rkemulator "github.com/crmgateway/gateway/adapters/rkeeper/emulator"
	"github.com/crmgateway/gateway/adapters/solos"
	solosemu "github.com/crmgateway/gateway/adapters/solos/emulator"
	"github.com/crmgateway/gateway/adapters/synergy"
	synergyemu "github.com/crmgateway/gateway/adapters/synergy/emulator"
	"github.com/redis/go-redis/v9"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/trace"

	"github.com/crmgateway/gateway/graph"
	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/auth"
	"github.com/crmgateway/gateway/internal/caller"
	"github.com/crmgateway/gateway/internal/config"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/httpserver"
	"github.com/crmgateway/gateway/internal/loaders"
	"github.com/crmgateway/gateway/internal/memlimit"
	"github.com/crmgateway/gateway/internal/metrics"
	"github.com/crmgateway/gateway/internal/playground"
	"github.com/crmgateway/gateway/internal/ratelimit"
	"github.com/crmgateway/gateway/internal/redact"
	"github.com/crmgateway/gateway/internal/redisclient"
	"github.com/crmgateway/gateway/internal/rest"
	"github.com/crmgateway/gateway/internal/sharedcache"
	"github.com/crmgateway/gateway/internal/telemetry"
	"github.com/crmgateway/gateway/internal/tenant"
	"github.com/crmgateway/gateway/internal/upstream"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "apikey" {
		os.Exit(apikeyCommand(os.Args[2:], os.Stdout, os.Stderr))
	}
	cfg, err := config.Load(environ())
	if err != nil {
		fmt.Fprintln(os.Stderr, "crm-gateway: invalid configuration:")
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintln(os.Stderr, "  -", line)
		}
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() {
		// A second signal during the drain stops the process at once.
		<-ctx.Done()
		stop()
	}()
	if err := run(ctx, cfg, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "crm-gateway:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends, then drains: /readyz turns 503, in-flight
// requests finish (up to ShutdownTimeout), and the process exits.
func run(ctx context.Context, cfg config.Config, logOut io.Writer) error {
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, logOut)
	gc := memlimit.Apply(cfg.Sandbox())
	log.Info("garbage collector", slog.Int("gogc", gc.GCPercent), slog.Int64("memory_limit", gc.MemoryLimit), slog.String("memory_limit_from", gc.Source))
	app, err := build(cfg, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer app.Close()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			app.Reload()
		}
	}()
	return app.Serve(ctx, ln)
}

// environ is the process environment as a map.
func environ() map[string]string {
	m := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// App is a built gateway: its handler and what must be closed with it.
type App struct {
	Handler  http.Handler
	Server   *httpserver.Server
	Resolver *graph.Resolver
	Log      *slog.Logger
	Config   config.Config
	Metrics  *metrics.Metrics
	closers  []func()
	reloads  []func()
	// sample is what the sandbox's r_keeper emulator holds that no list
	// shows; nil outside the sandbox.
	sample *playground.SandboxRKeeper
}

// Reload re-reads what can change without a restart (the API keys file);
// SIGHUP calls it.
func (a *App) Reload() {
	for _, f := range a.reloads {
		f()
	}
}

// Close stops the sandbox emulators, if any.
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
}

// Serve answers on ln until ctx is done, then drains as Kubernetes
// expects: /readyz turns 503 at once while the gateway keeps serving for
// ShutdownDelay (load balancers take time to notice), then it stops
// accepting and lets in-flight requests finish for up to ShutdownTimeout.
// Requests still running then have their context cancelled, so each is
// answered (with its upstream calls' errors) rather than cut, and Serve
// returns nil: a drain is a clean exit.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	base, cancelInFlight := context.WithCancel(context.Background())
	defer cancelInFlight()
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	if addr := a.Config.MetricsAddr; addr != "" {
		mln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("METRICS_ADDR: %w", err)
		}
		msrv := &http.Server{Handler: metricsMux(a.Metrics), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = msrv.Serve(mln) }()
		defer msrv.Close()
		a.Log.Info("metrics listening", slog.String("addr", mln.Addr().String()), slog.String("path", "/metrics"))
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.Log.Info("listening", slog.String("addr", ln.Addr().String()),
		slog.String("graphql", "/graphql"), slog.String("playground", "/playground"))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Server.Drain()
	// Answers now say "Connection: close", so clients reconnect elsewhere.
	srv.SetKeepAlivesEnabled(false)
	a.Log.Info("draining: /readyz answers 503; still serving", slog.Duration("delay", a.Config.ShutdownDelay),
		slog.Duration("timeout", a.Config.ShutdownTimeout))
	if a.Config.ShutdownDelay > 0 {
		t := time.NewTimer(a.Config.ShutdownDelay)
		select {
		case <-t.C:
		case err := <-errc:
			t.Stop()
			return err
		}
	}
	a.Log.Info("shutting down: no new connections; finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		a.Log.Warn("in-flight requests outlived SHUTDOWN_TIMEOUT: cancelling them so each is answered")
		cancelInFlight()
		grace, cancelGrace := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancelGrace()
		if err := srv.Shutdown(grace); err != nil {
			a.Log.Error("requests still running after cancellation; closing their connections", slog.String("error", err.Error()))
			_ = srv.Close()
		}
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	a.Log.Info("stopped")
	return nil
}

// build wires everything. In sandbox mode (no CRM base URL set) it first
// starts the built-in emulators on loopback and points the adapters at them,
// so the adapters speak real HTTP exactly as they would in production.
func build(cfg config.Config, log *slog.Logger) (*App, error) {
	m := metrics.New()
	app := &App{Log: log, Config: cfg, Metrics: m}
	ctx, cancel := context.WithCancel(context.Background())
	app.closers = append(app.closers, cancel)
	fail := func(err error) (*App, error) {
		app.Close()
		return nil, err
	}
	sandbox := cfg.Sandbox()
	if sandbox {
		var err error
		if cfg, err = startSandbox(cfg, app); err != nil {
			return fail(err)
		}
	}
	app.Config = cfg

	tenants := map[string]tenant.Accounts{}
	if cfg.TenantsFile != "" {
		var err error
		if tenants, err = tenant.Load(cfg.TenantsFile, os.LookupEnv, cfg); err != nil {
			return fail(err)
		}
	}
	// One redactor holds every credential the gateway may send, every
	// tenant's included: every exit (errors, REST bodies and headers, logs,
	// upstream client errors) is redacted with it.
	red := redactor(cfg)
	for _, acc := range tenants {
		red = red.With(acc.Secrets()...)
	}
	log = slog.New(redact.Handler(log.Handler(), red))
	app.Log = log
	tracing, err := telemetry.SetupTracing(ctx, cfg.OTel, red)
	if err != nil {
		return fail(err)
	}
	app.closers = append(app.closers, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tracing.Shutdown(sctx)
	})
	var tp trace.TracerProvider // nil: tracing is off, nothing traced
	var tracer trace.Tracer
	if tracing.Enabled {
		tp, tracer = tracing.Provider, tracing.Provider.Tracer("github.com/crmgateway/gateway")
	}
	budget := upstream.NewBudget(cfg.MaxBufferedBytes)
	var rdb *redis.Client // shared state across replicas; nil: in process
	if cfg.RedisURL != "" {
		var err error
		if rdb, err = redisclient.Open(cfg.RedisURL); err != nil {
			return fail(err)
		}
		app.closers = append(app.closers, func() { _ = rdb.Close() })
	}
	var shared *sharedcache.Store // nil: each replica keeps its own caches
	if rdb != nil {
		shared = sharedcache.New(rdb, redisclient.Timeout, log)
		shared.OnError = func(use string) { m.RedisErrors.WithLabelValues(use).Inc() }
	}
	// What every account's upstream clients share: the process's logger,
	// metrics, redactor, buffer budget, tracer and coalescing.
	proc := upstream.Options{Budget: budget, Redactor: red, Metrics: m, Logger: log, Tracer: tp, Coalesce: cfg.CoalesceGets}
	var clients []*upstream.Client // every account's, for /readyz
	wire := func(account string, acc tenant.Accounts, b *graph.Backends) error {
		cs, err := wireBackends(account, acc, proc, shared, b)
		clients = append(clients, cs...)
		return err
	}
	res := &graph.Resolver{Log: log}
	app.Resolver = res
	if err := wire("default", tenant.Accounts{Synergy: cfg.Synergy, Solos: cfg.Solos, RKeeper: cfg.RKeeper}, &res.Backends); err != nil {
		return fail(err)
	}
	byTenant := make(map[string]*graph.Backends, len(tenants))
	for name, acc := range tenants {
		b := &graph.Backends{}
		if err := wire(name, acc, b); err != nil {
			return fail(fmt.Errorf("tenant %q: %w", name, err))
		}
		byTenant[name] = b
	}

	authn, err := authenticator(ctx, cfg, log, tenants, app)
	if err != nil {
		return fail(err)
	}

	// The REST facade's routes are derived from the same schema.
	schema := res.Schema()
	restAPI, err := rest.NewWithOptions(schema.Schema(), rest.Options{
		ReferenceTypes: graph.ReferenceTypes, ReferenceMaxAge: cfg.RKeeper.CacheTTL,
		FirstBounds: graph.FirstBounds(), DefaultFirst: graph.DefaultFirst, Anonymous: len(cfg.Auth.Methods()) == 0,
	})
	if err != nil {
		return fail(err)
	}
	restAPI.SetRedactor(red)
	authz, err := graph.Authorizer(schema.Schema())
	if err != nil {
		return fail(err)
	}
	// The REST facade's own documents are trusted: PERSISTED_ONLY never
	// refuses them.
	var restDocs []string
	for _, rt := range restAPI.Routes() {
		restDocs = append(restDocs, rt.Document)
	}
	trusted, err := httpserver.LoadTrustedDocuments(cfg.PersistedDocumentsFile, restDocs...)
	if err != nil {
		return fail(err)
	}
	bindTenant := tenant.Middleware(byTenant, &res.Backends, func(r *http.Request, b *graph.Backends) *http.Request {
		return r.WithContext(graph.WithBackends(r.Context(), b))
	}, httpserver.Refuse)
	admit := bindTenant
	if p := cfg.RateLimit; p.Count > 0 {
		limit := ratelimit.Middleware(rateStore(rdb, log, m), ratelimit.Policy{Count: p.Count, Period: p.Period, Burst: p.Burst},
			m.RateLimited.Inc, httpserver.Refuse)
		admit = func(h http.Handler) http.Handler { return limit(bindTenant(h)) }
	}
	app.Server = httpserver.New(httpserver.Deps{
		Config:  cfg,
		Sandbox: sandbox,
		Schema:  schema,
		Metrics: m,
		Log:     log,
		ErrorPresenter: graph.ErrorPresenter(log, red, func(c apierr.Code) {
			m.GraphQLErrors.WithLabelValues(string(c)).Inc()
		}),
		Recover:          graph.Recover(log),
		Authenticator:    authn,
		Admit:            admit,
		PerRequest:       loaders.Middleware,
		Extensions:       []graphql.HandlerExtension{telemetry.GraphQL{Tracer: tracer}, authz},
		TrustedDocuments: trusted,
		Mount:            restAPI.Mount,
		PlaygroundConfig: playgroundConfig(cfg, sandbox, app.sample, schema.Schema()),
		Shared:           shared,
		Health: func() []upstream.Health {
			out := make([]upstream.Health, len(clients))
			for i, c := range clients {
				out[i] = c.Health()
			}
			return out
		},
	})
	if cfg.ProbeBackends {
		probeBackends(ctx, log, "default", &res.Backends)
		for name, b := range byTenant {
			probeBackends(ctx, log, name, b)
		}
	}
	app.Handler = app.Server
	if tracing.Enabled {
		app.Handler = telemetry.Server(app.Server, tp)
	}
	logStart(log, cfg, sandbox, len(tenants), len(trusted)-len(restDocs))
	return app, nil
}

// probeBackends makes one cheap read of each configured backend of an
// account at start-up, so that refused credentials or an unreachable CRM
// show in the log and in /readyz at once rather than at the first
// caller's request. It is never fatal.
func probeBackends(ctx context.Context, log *slog.Logger, account string, b *graph.Backends) {
	probes := map[string]func(context.Context) error{}
	if b.Synergy != nil {
		probes["synergy"] = func(ctx context.Context) error {
			_, err := b.Synergy.List(ctx, domain.SynergyQuery{Type: "deal-statuses", PageNumber: 1, PageSize: 1})
			return err
		}
	}
	if b.Solos != nil {
		probes["solos"] = func(ctx context.Context) error {
			_, err := b.Solos.Projects(ctx, domain.ProjectListQuery{Count: 1, OrderBy: "id"})
			return err
		}
	}
	if b.RKeeper != nil {
		probes["rkeeper"] = func(ctx context.Context) error {
			_, err := b.RKeeper.Countries(ctx)
			return err
		}
	}
	for backend, probe := range probes {
		go func() {
			if err := probe(ctx); err != nil {
				log.LogAttrs(ctx, slog.LevelWarn, "start-up probe failed", slog.String("backend", backend),
					slog.String("account", account), slog.String("code", string(apierr.CodeOf(err))), slog.String("error", err.Error()))
				return
			}
			log.LogAttrs(ctx, slog.LevelInfo, "start-up probe succeeded", slog.String("backend", backend), slog.String("account", account))
		}()
	}
}

// rateStore keeps the callers' buckets in Redis when REDIS_URL is set
// (every replica shares them), else in process.
func rateStore(rdb *redis.Client, log *slog.Logger, m *metrics.Metrics) ratelimit.Store {
	if rdb == nil {
		return ratelimit.NewLocal()
	}
	s := ratelimit.NewRedis(rdb, redisclient.Timeout, log)
	s.OnError = m.RedisErrors.WithLabelValues("ratelimit").Inc
	return s
}

// authenticator builds AUTH_MODE's authenticator: anonymous for none (and
// for the sandbox when AUTH_MODE is unset), else API keys, JWTs or both.
func authenticator(ctx context.Context, cfg config.Config, log *slog.Logger, tenants map[string]tenant.Accounts, app *App) (auth.Authenticator, error) {
	methods := cfg.Auth.Methods()
	if len(methods) == 0 {
		return auth.Anonymous(), nil
	}
	var m auth.Methods
	for _, method := range methods {
		switch method {
		case "apikey":
			keys, err := auth.NewAPIKeys(cfg.Auth.APIKeysFile, func(t string) bool { _, ok := tenants[t]; return ok }, log)
			if err != nil {
				return nil, err
			}
			go keys.Watch(ctx, 2*time.Second, nil)
			app.reloads = append(app.reloads, func() { _ = keys.Reload() })
			m.APIKeys = keys
		case "jwt":
			j, err := auth.NewJWT(ctx, auth.JWTOptions{
				JWKSURL: cfg.Auth.JWKSURL, Issuer: cfg.Auth.JWTIssuer, Audience: cfg.Auth.JWTAudience,
				Algorithms: cfg.Auth.JWTAlgorithms, Leeway: cfg.Auth.JWTLeeway, TenantClaim: cfg.Auth.TenantClaim, Log: log,
			})
			if err != nil {
				return nil, err
			}
			m.JWT = j
		}
	}
	return m, nil
}

// logStart writes the one line that says what this gateway is: mode,
// backends and their hosts (never a credential), authentication, tenants
// and what is exposed.
func logStart(log *slog.Logger, cfg config.Config, sandbox bool, tenants, trusted int) {
	mode := "production"
	if sandbox {
		mode = "sandbox"
	}
	backends := map[string]string{}
	for name, base := range map[string]string{"synergy": cfg.Synergy.BaseURL, "solos": cfg.Solos.BaseURL, "rkeeper": cfg.RKeeper.BaseURL} {
		if u, err := url.Parse(base); err == nil && base != "" {
			backends[name] = u.Host
		}
	}
	authMode := cfg.Auth.Mode
	if authMode == "" {
		authMode = "none"
	}
	metricsAt := cfg.MetricsAddr
	if metricsAt == "" {
		metricsAt = "/metrics on the public listener"
	}
	level := slog.LevelInfo
	if authMode == "none" && !sandbox {
		level = slog.LevelWarn
	}
	log.LogAttrs(context.Background(), level, "gateway configured",
		slog.String("mode", mode), slog.Any("backends", backends), slog.String("auth", authMode),
		slog.Int("tenants", tenants), slog.Bool("playground", cfg.Playground),
		slog.Bool("introspection", cfg.Introspection), slog.Int("trusted_documents", trusted),
		slog.Bool("persisted_only", cfg.PersistedOnly), slog.String("metrics", metricsAt))
	if authMode == "none" && !sandbox {
		log.Warn("AUTH_MODE=none: every caller that reaches this gateway reads and writes its CRMs with its credentials")
	}
}

// metricsMux serves /metrics alone, for the listener METRICS_ADDR names.
func metricsMux(m *metrics.Metrics) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	return mux
}

// startSandbox runs every emulator on a loopback port and returns cfg
// pointed at them with the emulators' credentials.
func startSandbox(cfg config.Config, app *App) (config.Config, error) {
	app.Log.Warn("sandbox mode: no CRM base URL is set, serving the built-in emulators with seeded data")
	solosBase, err := serveEmulator(app, "solos", solosemu.New(solosemu.Options{}), solosemu.BasePath)
	if err != nil {
		return cfg, err
	}
	cfg.Solos.BaseURL, cfg.Solos.Token, cfg.Solos.Secret = solosBase, solosemu.SandboxToken, solosemu.SandboxSecret

	synergyBase, err := serveEmulator(app, "synergy", synergyemu.New(synergyemu.Options{Token: synergyemu.DefaultToken}), "/api/v1")
	if err != nil {
		return cfg, err
	}
	cfg.Synergy.BaseURL, cfg.Synergy.Token = synergyBase, synergyemu.DefaultToken

	rk := rkemulator.New()
	base, err := serveEmulator(app, "rkeeper", rk, rkemulator.BasePath)
	if err != nil {
		return cfg, err
	}
	cfg.RKeeper.BaseURL, cfg.RKeeper.SID, cfg.RKeeper.ObjectID = base, rk.SID, rk.ObjectID
	app.sample = sandboxSample(rk)
	return cfg, nil
}

// sandboxSample names, as global IDs, the r_keeper emulator's seeded
// clients (r_keeper has no client list to find them with) and reference
// data a new contact and address can use, for the playground's examples.
func sandboxSample(rk *rkemulator.Emulator) *playground.SandboxRKeeper {
	s := rk.Sample()
	out := &playground.SandboxRKeeper{
		ContactTypeID: (&domain.ClientContactType{SourceID: s.ContactTypeID}).ID(),
		AddressTypeID: (&domain.AddressType{SourceID: s.AddressTypeID}).ID(),
		CityID:        (&domain.City{CountryID: s.CountryID, SourceID: s.CityID}).ID(),
		StreetID:      (&domain.Street{CityID: s.CityID, SourceID: s.StreetID}).ID(),
	}
	for _, id := range rk.ClientIDs() {
		out.ClientIDs = append(out.ClientIDs, (&domain.Client{SourceID: id}).ID())
	}
	return out
}

// playgroundConfig is what the playground page reads: the mode, how
// callers authenticate (never a credential), the sandbox's r_keeper data
// and the schema grouped by CRM.
func playgroundConfig(cfg config.Config, sandbox bool, sample *playground.SandboxRKeeper, schema *ast.Schema) playground.Config {
	pc := playground.Config{Mode: "production", Auth: playground.AuthFor(cfg.Auth.Methods()), Backends: playground.Backends(schema)}
	if sandbox {
		pc.Mode = "sandbox"
		if sample != nil {
			pc.Sandbox = &playground.Sandbox{RKeeper: *sample}
		}
	}
	return pc
}

// wireBackends builds an upstream client and adapter per configured
// backend of one CRM account set (the process's own or a tenant's): each
// gets its own client (breaker, concurrency bound, credentials) and
// adapter (caches), so no two accounts share state. proc holds what is
// the process's (redactor, buffer budget, metrics, logger, tracer).
func wireBackends(account string, acc tenant.Accounts, proc upstream.Options, shared *sharedcache.Store, b *graph.Backends) (clients []*upstream.Client, err error) {
	newClient := func(name, base string, up config.Upstream, authorize func(*http.Request), refStaleFor time.Duration) (*upstream.Client, error) {
		o := proc
		o.Name, o.BaseURL, o.Account, o.Authorize = name, base, account, authorize
		o.Timeout, o.MaxConcurrent, o.MaxRetries, o.MaxResponseBytes = up.Timeout, up.MaxConcurrent, up.MaxRetries, up.MaxResponseBytes
		o.StaleFor, o.ReferenceStaleFor = up.StaleFor, refStaleFor
		c, err := upstream.New(o)
		if err == nil {
			clients = append(clients, c)
		}
		return c, err
	}
	if c := acc.Synergy; c.BaseURL != "" {
		up, err := newClient(synergy.Name, c.BaseURL, c.Upstream, synergy.Authorize(c.Token), 0)
		if err != nil {
			return clients, err
		}
		b.Synergy = synergy.New(up)
	}
	if c := acc.Solos; c.BaseURL != "" {
		up, err := newClient(solos.Name, c.BaseURL, c.Upstream, solos.Authorize(c.Token, c.Secret), 0)
		if err != nil {
			return clients, err
		}
		b.Solos = solos.New(up)
	}
	if c := acc.RKeeper; c.BaseURL != "" {
		sid := c.SID
		up, err := newClient("rkeeper", c.BaseURL, c.Upstream, func(r *http.Request) { r.Header.Set("sid", sid) }, c.ReferenceStaleFor)
		if err != nil {
			return clients, err
		}
		o := rkeeper.Options{ObjectID: c.ObjectID, CacheTTL: c.CacheTTL, Metrics: proc.Metrics}
		if shared != nil {
			// The tenant is in the scope's name: two accounts never share lists.
			tenantName := account
			if account == "default" {
				tenantName = ""
			}
			o.Shared = shared.Scope(caller.KeyFor(tenantName, "rkeeper", c.BaseURL, c.ObjectID), "rkeeper")
		}
		b.RKeeper = rkeeper.New(up, o)
	}
	return clients, nil
}

// The adapters satisfy the resolvers' interfaces.
var (
	_ graph.SynergyAPI     = (*synergy.Client)(nil)
	_ graph.SynergyWriter  = (*synergy.Client)(nil)
	_ graph.SolosBackend   = (*solos.Adapter)(nil)
	_ graph.RKeeperBackend = (*rkeeper.Adapter)(nil)
)

// serveEmulator starts h on a loopback port and returns its base URL.
func serveEmulator(app *App, name string, h http.Handler, path string) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("sandbox %s emulator: %w", name, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	app.closers = append(app.closers, func() { _ = srv.Close() })
	base := "http://" + ln.Addr().String() + path
	app.Log.Info("sandbox emulator started", slog.String("backend", name), slog.String("base_url", base))
	return base, nil
}

// redactor holds every credential of the process configuration, the
// sandbox emulators' included; build adds every tenant's.
func redactor(cfg config.Config) *redact.Redactor {
	secrets := cfg.Secrets()
	if cfg.Sandbox() {
		secrets = append(secrets, synergyemu.DefaultToken, solosemu.SandboxToken, solosemu.SandboxSecret, rkemulator.DefaultSID)
	}
	return redact.New(secrets...)
}

// newLogger logs JSON lines with every configured secret redacted, in
// the message and every attribute.
func newLogger(cfg config.Config, out io.Writer) *slog.Logger {
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo,
		"warn": slog.LevelWarn, "error": slog.LevelError}[cfg.LogLevel]
	return slog.New(redact.Handler(telemetry.LogHandler(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: level})), redactor(cfg)))
}

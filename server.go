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
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/crmgateway/gateway/adapters/rkeeper"
	rkemulator "github.com/crmgateway/gateway/adapters/rkeeper/emulator"
	"github.com/crmgateway/gateway/adapters/solos"
	solosemu "github.com/crmgateway/gateway/adapters/solos/emulator"
	"github.com/crmgateway/gateway/adapters/synergy"
	synergyemu "github.com/crmgateway/gateway/adapters/synergy/emulator"
	"github.com/crmgateway/gateway/graph"
	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/config"
	"github.com/crmgateway/gateway/internal/httpserver"
	"github.com/crmgateway/gateway/internal/loaders"
	"github.com/crmgateway/gateway/internal/memlimit"
	"github.com/crmgateway/gateway/internal/metrics"
	"github.com/crmgateway/gateway/internal/rest"
	"github.com/crmgateway/gateway/internal/upstream"
)

func main() {
	cfg, err := config.Load(os.LookupEnv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crm-gateway: invalid configuration:")
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintln(os.Stderr, "  -", line)
		}
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
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
	gc := memlimit.Apply()
	log.Info("garbage collector", slog.Int("gogc", gc.GCPercent), slog.Int64("memory_limit", gc.MemoryLimit), slog.String("memory_limit_from", gc.Source))
	app, err := build(cfg, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer app.Close()
	return app.Serve(ctx, ln)
}

// App is a built gateway: its handler and what must be closed with it.
type App struct {
	Handler  http.Handler
	Server   *httpserver.Server
	Resolver *graph.Resolver
	Log      *slog.Logger
	Config   config.Config
	closers  []func()
}

// Close stops the sandbox emulators, if any.
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
}

// Serve answers on ln until ctx is done, then shuts down gracefully.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
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
	a.Log.Info("shutting down: draining in-flight requests", slog.Duration("timeout", a.Config.ShutdownTimeout))
	a.Server.Drain()
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
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
	app := &App{Log: log, Config: cfg}
	m := metrics.New()
	sandbox := cfg.Sandbox()
	if sandbox {
		var err error
		cfg, err = startSandbox(cfg, app)
		if err != nil {
			app.Close()
			return nil, err
		}
	}
	app.Config = cfg

	res := &graph.Resolver{Log: log}
	app.Resolver = res
	if err := wireBackends(cfg, log, m, res); err != nil {
		app.Close()
		return nil, err
	}

	// The REST facade's routes are derived from the same schema.
	schema := res.Schema()
	restAPI, err := rest.New(schema.Schema())
	if err != nil {
		app.Close()
		return nil, err
	}
	app.Server = httpserver.New(httpserver.Deps{
		Config:  cfg,
		Sandbox: sandbox,
		Schema:  schema,
		Metrics: m,
		Log:     log,
		ErrorPresenter: graph.ErrorPresenter(log, func(c apierr.Code) {
			m.GraphQLErrors.WithLabelValues(string(c)).Inc()
		}),
		Recover:    graph.Recover(log),
		PerRequest: loaders.Middleware,
		Mount:      restAPI.Mount,
	})
	app.Handler = app.Server
	return app, nil
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
	return cfg, nil
}

// wireBackends builds an upstream client and adapter per enabled backend.
func wireBackends(cfg config.Config, log *slog.Logger, m *metrics.Metrics, res *graph.Resolver) error {
	if c := cfg.Synergy; c.BaseURL != "" {
		up, err := newClient(synergy.Name, c.BaseURL, c.Upstream, log, m, synergy.Authorize(c.Token), c.Token)
		if err != nil {
			return err
		}
		res.Synergy = synergy.New(up)
	}
	if cfg.Solos.BaseURL != "" {
		c, err := newClient(solos.Name, cfg.Solos.BaseURL, cfg.Solos.Upstream, log, m,
			solos.Authorize(cfg.Solos.Token, cfg.Solos.Secret), cfg.Solos.Token, cfg.Solos.Secret)
		if err != nil {
			return err
		}
		res.Solos = solos.New(c)
	}
	if c := cfg.RKeeper; c.BaseURL != "" {
		sid := c.SID
		client, err := newClient("rkeeper", c.BaseURL, c.Upstream, log, m,
			func(r *http.Request) { r.Header.Set("sid", sid) }, sid)
		if err != nil {
			return err
		}
		res.RKeeper = rkeeper.New(client, rkeeper.Options{ObjectID: c.ObjectID, CacheTTL: c.CacheTTL,
			Metrics: m, Secrets: []string{sid}})
	}
	return nil
}

// The adapters satisfy the resolvers' interfaces.
var (
	_ graph.SynergyAPI     = (*synergy.Client)(nil)
	_ graph.SynergyWriter  = (*synergy.Client)(nil)
	_ graph.SolosBackend   = (*solos.Adapter)(nil)
	_ graph.RKeeperBackend = (*rkeeper.Adapter)(nil)
)

// newClient is the one way adapters get an upstream client.
func newClient(name, base string, up config.Upstream, log *slog.Logger, m *metrics.Metrics,
	authorize func(*http.Request), secrets ...string) (*upstream.Client, error) {
	return upstream.New(upstream.Options{
		Name: name, BaseURL: base, Timeout: up.Timeout, MaxConcurrent: up.MaxConcurrent,
		MaxRetries: up.MaxRetries, Authorize: authorize, Secrets: secrets, Metrics: m, Logger: log,
	})
}

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

// newLogger logs JSON lines with every configured secret redacted.
func newLogger(cfg config.Config, out io.Writer) *slog.Logger {
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo,
		"warn": slog.LevelWarn, "error": slog.LevelError}[cfg.LogLevel]
	red := upstream.NewRedactor(cfg.Synergy.Token, cfg.Solos.Token, cfg.Solos.Secret, cfg.RKeeper.SID)
	return slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Value.Kind() == slog.KindString {
				a.Value = slog.StringValue(red.Redact(a.Value.String()))
			}
			return a
		},
	}))
}

// Package config owns the gateway's typed configuration: it reads the
// contract's environment variables, applies defaults and validates them all.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/agnivade/levenshtein"
)

// Upstream holds the resilience settings of one backend's calls.
type Upstream struct {
	Timeout       time.Duration // deadline of one upstream call
	MaxConcurrent int           // calls in flight to this backend at once
	MaxRetries    int           // extra attempts of a failed GET (never a write)
	// MaxResponseBytes is the largest answer read from this backend; a
	// larger one is refused with UPSTREAM_ERROR without being read whole.
	MaxResponseBytes int64
	// StaleFor is how long the last good answer of a read may be served,
	// marked stale, while the backend cannot answer; 0: never.
	StaleFor time.Duration
}

// Synergy configures the SynergyCRM backend.
type Synergy struct {
	BaseURL  string
	Token    string
	Upstream Upstream
}

// Solos configures the Solos CRM backend.
type Solos struct {
	BaseURL  string
	Token    string
	Secret   string
	Upstream Upstream
}

// RKeeper configures the r_keeper WebDelivery CRM backend.
type RKeeper struct {
	BaseURL  string
	SID      string
	ObjectID string
	Upstream Upstream
	CacheTTL time.Duration // reference-data cache lifetime (the docs: 1 minute)
	// ReferenceStaleFor is StaleFor for reference lists, on by default:
	// they change rarely, and an address form without its cities is worse
	// than one a few minutes old.
	ReferenceStaleFor time.Duration
}

// Limits bound what one client request may cost, enforced before execution.
type Limits struct {
	MaxBodyBytes  int64 // request body; larger is a 413
	MaxTokens     int   // lexer tokens of one query document
	MaxDepth      int   // selection-set nesting
	MaxAliases    int   // aliased fields in one document
	MaxFields     int   // field selections in one document, fragments expanded
	MaxComplexity int   // gqlgen complexity (one per field, lists weighted)
	APQCacheSize  int   // persisted queries kept
	// MaxConcurrentRequests bounds the API requests one process serves at
	// once; one more is refused at once with 503 rather than slowing every
	// request in flight.
	MaxConcurrentRequests int
}

// Auth configures how callers of the gateway authenticate.
type Auth struct {
	// Mode is AUTH_MODE as given: "apikey", "jwt", "apikey,jwt" or "none";
	// empty means unset (the sandbox's "none"; refused outside it).
	Mode        string
	APIKeysFile string
	JWKSURL     string
	JWTIssuer   string
	JWTAudience string
	// JWTAlgorithms is the allow-list of signing algorithms.
	JWTAlgorithms []string
	// JWTLeeway is the clock skew tolerated on exp, nbf and iat.
	JWTLeeway time.Duration
	// TenantClaim names the JWT claim that carries the caller's tenant.
	TenantClaim string
}

// Methods lists the authentication methods of Mode ("apikey", "jwt");
// none for "none" or an unset mode.
func (a Auth) Methods() []string {
	var out []string
	for _, m := range strings.Split(a.Mode, ",") {
		if m = strings.TrimSpace(m); m != "" && m != "none" {
			out = append(out, m)
		}
	}
	return out
}

// RateLimit is a per-caller budget: Count requests per Period, with bursts
// up to Burst. Count 0 means no limit.
type RateLimit struct {
	Count  int
	Period time.Duration
	Burst  int
}

// Config is the whole configuration of one gateway process.
type Config struct {
	ListenAddr      string
	ShutdownTimeout time.Duration
	// ShutdownDelay is how long the gateway keeps serving after SIGTERM
	// with /readyz failing, so load balancers stop sending traffic first.
	ShutdownDelay time.Duration
	// CORSAllowedOrigins: nil means the mode's default (none in production,
	// any localhost origin in sandbox mode).
	CORSAllowedOrigins []string
	LogLevel           string
	Limits             Limits
	Synergy            Synergy
	Solos              Solos
	RKeeper            RKeeper
	Auth               Auth
	// TenantsFile maps tenants to their own CRM accounts.
	TenantsFile string
	// Playground and Introspection: on in the sandbox, off elsewhere unless set.
	Playground    bool
	Introspection bool
	// MetricsAddr, when set, serves /metrics on its own listener instead of
	// the public one (the default outside the sandbox).
	MetricsAddr string
	// PersistedDocumentsFile holds trusted documents by SHA-256; with
	// PersistedOnly no other document is executed.
	PersistedDocumentsFile string
	PersistedOnly          bool
	RateLimit              RateLimit
	RedisURL               string
	// ProbeBackends makes one cheap read of each backend at start-up, so
	// that refused credentials show at once (on outside the sandbox).
	ProbeBackends bool
	// OTel holds the OTEL_* variables as given: tracing is on when any is
	// set. OpenTelemetry's SDK reads their meaning itself.
	OTel map[string]string `json:"-"`
	// MaxBufferedBytes bounds the upstream answers held in memory at once,
	// all backends and calls together (UPSTREAM_MAX_BUFFERED_BYTES).
	MaxBufferedBytes int64
	// CoalesceGets lets an upstream GET identical to one in flight (same
	// account, same URL) take that one's answer instead of being sent
	// (UPSTREAM_COALESCE).
	CoalesceGets bool
}

// Default response caps: each CRM's largest documented page, measured from
// the emulators by the adapters' TestLargest… tests, times a safety factor
// of at least 8 (README.md, "Configuration"): SynergyCRM 100 companies with
// every relationship included, 0.85 MB; r_keeper 10,000 streets, 0.97 MB;
// Solos 100 projects, 45 kB, whose user-defined fields the seed cannot
// represent, hence a wider margin. The budget holds eight full answers.
const (
	DefaultSynergyMaxResponseBytes = 8 << 20
	DefaultSolosMaxResponseBytes   = 4 << 20
	DefaultRKeeperMaxResponseBytes = 8 << 20
	DefaultMaxBufferedBytes        = 64 << 20
	// MaxResponseBytesLimit is the largest cap the configuration accepts.
	MaxResponseBytesLimit = 1 << 30
)

// Secrets lists every CRM credential the configuration holds, for the one
// redactor that keeps them out of responses and logs. A credential added
// to the configuration is added here; tenants' credentials are added by
// whoever loads them.
func (c Config) Secrets() []string {
	return []string{c.Synergy.Token, c.Solos.Token, c.Solos.Secret, c.RKeeper.SID}
}

// Sandbox reports whether no CRM is configured, in which case the gateway
// serves the built-in emulators. A credential or a tenants file alone is
// not the sandbox: it is a configuration mistake that Validate reports.
func (c Config) Sandbox() bool {
	return c.Synergy.BaseURL == "" && c.Solos.BaseURL == "" && c.RKeeper.BaseURL == "" &&
		c.Synergy.Token == "" && c.Solos.Token == "" && c.Solos.Secret == "" &&
		c.RKeeper.SID == "" && c.RKeeper.ObjectID == "" && c.TenantsFile == ""
}

// Production defaults: what an unset variable means outside the sandbox.
const (
	productionListenAddr  = ":8080"
	productionMetricsAddr = "127.0.0.1:9090"
	productionDelay       = 5 * time.Second
)

// Defaults returns the configuration with every default applied and no
// backend configured: the sandbox's defaults.
func Defaults() Config {
	// 64 calls in flight per backend: a gateway serves at most this many
	// divided by the CRM's response time (16 held one at 20 ms to ~650
	// queries a second), and still bounds what one process asks of a CRM.
	up := func(maxBytes int64) Upstream {
		return Upstream{Timeout: 10 * time.Second, MaxConcurrent: 64, MaxRetries: 2, MaxResponseBytes: maxBytes}
	}
	return Config{
		ListenAddr:      "127.0.0.1:8080",
		ShutdownTimeout: 20 * time.Second,
		LogLevel:        "info",
		Limits: Limits{
			MaxBodyBytes:  1 << 20,
			MaxTokens:     10000,
			MaxDepth:      15,
			MaxAliases:    50,
			MaxFields:     500,
			MaxComplexity: 5000,
			APQCacheSize:  1000,
			// Enough for every backend's upstream slots to be busy with
			// room to spare; far below what a process can hold in memory.
			MaxConcurrentRequests: 512,
		},
		Synergy:          Synergy{Upstream: up(DefaultSynergyMaxResponseBytes)},
		Solos:            Solos{Upstream: up(DefaultSolosMaxResponseBytes)},
		RKeeper:          RKeeper{Upstream: up(DefaultRKeeperMaxResponseBytes), CacheTTL: time.Minute, ReferenceStaleFor: 10 * time.Minute},
		MaxBufferedBytes: DefaultMaxBufferedBytes,
		CoalesceGets:     true,
		Auth:             Auth{JWTAlgorithms: []string{"RS256", "ES256"}, JWTLeeway: 60 * time.Second, TenantClaim: "tenant"},
		Playground:       true,
		Introspection:    true,
	}
}

// Load reads the configuration from env (the process environment as a
// map) and validates it, reporting every problem at once. An unknown
// variable with one of the gateway's prefixes is an error naming the
// closest known variable, so a typo never silently changes the mode.
func Load(env map[string]string) (Config, error) {
	c := Defaults()
	r := reader{env: env, known: map[string]bool{}}

	r.str("SYNERGY_BASE_URL", &c.Synergy.BaseURL)
	r.str("SYNERGY_TOKEN", &c.Synergy.Token)
	r.upstream("SYNERGY", &c.Synergy.Upstream)

	r.str("SOLOS_BASE_URL", &c.Solos.BaseURL)
	r.str("SOLOS_TOKEN", &c.Solos.Token)
	r.str("SOLOS_SECRET", &c.Solos.Secret)
	r.upstream("SOLOS", &c.Solos.Upstream)

	r.str("RKEEPER_BASE_URL", &c.RKeeper.BaseURL)
	r.str("RKEEPER_SID", &c.RKeeper.SID)
	r.str("RKEEPER_OBJECT_ID", &c.RKeeper.ObjectID)
	r.upstream("RKEEPER", &c.RKeeper.Upstream)
	r.duration("RKEEPER_CACHE_TTL", &c.RKeeper.CacheTTL)
	r.duration("RKEEPER_REFERENCE_STALE_FOR", &c.RKeeper.ReferenceStaleFor)
	r.int64("UPSTREAM_MAX_BUFFERED_BYTES", &c.MaxBufferedBytes)
	r.boolean("UPSTREAM_COALESCE", &c.CoalesceGets)
	r.str("TENANTS_FILE", &c.TenantsFile)

	sandbox := c.Sandbox()
	if !sandbox {
		c.ListenAddr = productionListenAddr
		c.Playground, c.Introspection = false, false
		c.MetricsAddr = productionMetricsAddr
		c.ShutdownDelay = productionDelay
		c.ProbeBackends = true
	}

	r.str("LISTEN_ADDR", &c.ListenAddr)
	r.duration("SHUTDOWN_TIMEOUT", &c.ShutdownTimeout)
	r.duration("SHUTDOWN_DELAY", &c.ShutdownDelay)
	r.str("LOG_LEVEL", &c.LogLevel)
	if v, ok := r.get("CORS_ALLOWED_ORIGINS"); ok {
		c.CORSAllowedOrigins = r.list(v)
	}

	r.int64("MAX_BODY_BYTES", &c.Limits.MaxBodyBytes)
	r.int("MAX_QUERY_TOKENS", &c.Limits.MaxTokens)
	r.int("MAX_QUERY_DEPTH", &c.Limits.MaxDepth)
	r.int("MAX_QUERY_ALIASES", &c.Limits.MaxAliases)
	r.int("MAX_QUERY_FIELDS", &c.Limits.MaxFields)
	r.int("MAX_QUERY_COMPLEXITY", &c.Limits.MaxComplexity)
	r.int("APQ_CACHE_SIZE", &c.Limits.APQCacheSize)
	r.int("MAX_CONCURRENT_REQUESTS", &c.Limits.MaxConcurrentRequests)

	r.str("AUTH_MODE", &c.Auth.Mode)
	r.str("AUTH_API_KEYS_FILE", &c.Auth.APIKeysFile)
	r.str("AUTH_JWKS_URL", &c.Auth.JWKSURL)
	r.str("AUTH_JWT_ISSUER", &c.Auth.JWTIssuer)
	r.str("AUTH_JWT_AUDIENCE", &c.Auth.JWTAudience)
	if v, ok := r.get("AUTH_JWT_ALGORITHMS"); ok {
		c.Auth.JWTAlgorithms = r.list(v)
	}
	r.duration("AUTH_JWT_LEEWAY", &c.Auth.JWTLeeway)
	r.str("AUTH_TENANT_CLAIM", &c.Auth.TenantClaim)

	r.boolean("PLAYGROUND", &c.Playground)
	r.boolean("INTROSPECTION", &c.Introspection)
	r.str("METRICS_ADDR", &c.MetricsAddr)
	r.str("PERSISTED_DOCUMENTS_FILE", &c.PersistedDocumentsFile)
	r.boolean("PERSISTED_ONLY", &c.PersistedOnly)
	r.rate("RATE_LIMIT", &c.RateLimit)
	r.int("RATE_LIMIT_BURST", &c.RateLimit.Burst)
	r.str("REDIS_URL", &c.RedisURL)

	for k, v := range env {
		if strings.HasPrefix(k, "OTEL_") {
			if c.OTel == nil {
				c.OTel = map[string]string{}
			}
			c.OTel[k] = v
		}
	}

	// GOGC is the Go runtime's, which takes a malformed value for its
	// default without a word; the gateway sets its own default unless GOGC
	// is given, so a typo there would go unnoticed twice.
	if v, ok := r.get("GOGC"); ok && v != "" && v != "off" {
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			r.errs = append(r.errs, fmt.Errorf("GOGC: %q is not a percentage (a whole number, 0 or more) or off", v))
		}
	}

	errs := append(r.errs, r.unknown()...)
	errs = append(errs, c.Validate())
	return c, errors.Join(errs...)
}

// Validate reports every inconsistency of c at once.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if c.ListenAddr == "" {
		bad("LISTEN_ADDR: must not be empty")
	}
	if c.ShutdownTimeout <= 0 {
		bad("SHUTDOWN_TIMEOUT: must be positive")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("LOG_LEVEL: %q is not one of debug, info, warn, error", c.LogLevel)
	}
	for _, l := range []struct {
		name string
		v    int64
	}{
		{"MAX_BODY_BYTES", c.Limits.MaxBodyBytes},
		{"MAX_QUERY_TOKENS", int64(c.Limits.MaxTokens)},
		{"MAX_QUERY_DEPTH", int64(c.Limits.MaxDepth)},
		{"MAX_QUERY_ALIASES", int64(c.Limits.MaxAliases)},
		{"MAX_QUERY_FIELDS", int64(c.Limits.MaxFields)},
		{"MAX_QUERY_COMPLEXITY", int64(c.Limits.MaxComplexity)},
		{"APQ_CACHE_SIZE", int64(c.Limits.APQCacheSize)},
		{"MAX_CONCURRENT_REQUESTS", int64(c.Limits.MaxConcurrentRequests)},
	} {
		if l.v <= 0 {
			bad("%s: must be positive", l.name)
		}
	}

	backend := func(prefix, base string, up Upstream, secrets map[string]string) {
		checkUpstream(prefix, up, bad)
		if base == "" {
			for name, v := range secrets {
				if v != "" {
					bad("%s: set without %s_BASE_URL; set both to use this CRM, or neither for the sandbox", name, prefix)
				}
			}
			return
		}
		if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("%s_BASE_URL: must be an absolute http(s) URL", prefix)
		}
		for name, v := range secrets {
			if v == "" {
				bad("%s: required when %s_BASE_URL is set", name, prefix)
			}
		}
	}
	backend("SYNERGY", c.Synergy.BaseURL, c.Synergy.Upstream, map[string]string{"SYNERGY_TOKEN": c.Synergy.Token})
	backend("SOLOS", c.Solos.BaseURL, c.Solos.Upstream, map[string]string{"SOLOS_TOKEN": c.Solos.Token, "SOLOS_SECRET": c.Solos.Secret})
	backend("RKEEPER", c.RKeeper.BaseURL, c.RKeeper.Upstream, map[string]string{"RKEEPER_SID": c.RKeeper.SID, "RKEEPER_OBJECT_ID": c.RKeeper.ObjectID})
	if c.MaxBufferedBytes <= 0 || c.MaxBufferedBytes > 16*MaxResponseBytesLimit {
		bad("UPSTREAM_MAX_BUFFERED_BYTES: must be between 1 and %d", int64(16*MaxResponseBytesLimit))
	}
	for prefix, up := range map[string]Upstream{"SYNERGY": c.Synergy.Upstream, "SOLOS": c.Solos.Upstream, "RKEEPER": c.RKeeper.Upstream} {
		if up.MaxResponseBytes > c.MaxBufferedBytes {
			bad("%s_MAX_RESPONSE_BYTES: must not exceed UPSTREAM_MAX_BUFFERED_BYTES (%d), or no answer that large could ever be read",
				prefix, c.MaxBufferedBytes)
		}
	}
	if c.RKeeper.ReferenceStaleFor < 0 || c.RKeeper.ReferenceStaleFor > 24*time.Hour {
		bad("RKEEPER_REFERENCE_STALE_FOR: must be between 0s and 24h")
	}
	if c.RKeeper.CacheTTL < 0 || c.RKeeper.CacheTTL > time.Minute {
		bad("RKEEPER_CACHE_TTL: must be between 0 and 1m (the upstream refreshes every minute)")
	}
	if c.ShutdownDelay < 0 {
		bad("SHUTDOWN_DELAY: must not be negative")
	}
	// A stray credential alone is reported above; AUTH_MODE is asked for
	// only once something is actually configured.
	configured := c.Synergy.BaseURL != "" || c.Solos.BaseURL != "" || c.RKeeper.BaseURL != "" || c.TenantsFile != ""
	c.Auth.validate(!configured, bad)
	if c.PersistedOnly && c.PersistedDocumentsFile == "" {
		bad("PERSISTED_ONLY: needs PERSISTED_DOCUMENTS_FILE, the documents it allows")
	}
	if c.RateLimit.Count < 0 || c.RateLimit.Burst < 0 {
		bad("RATE_LIMIT: must not be negative")
	}
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			bad("REDIS_URL: must be a redis://, rediss:// or unix:// URL")
		}
	}
	if c.MetricsAddr != "" && c.MetricsAddr == c.ListenAddr && !strings.HasSuffix(c.ListenAddr, ":0") {
		bad("METRICS_ADDR: must differ from LISTEN_ADDR (unset it to serve /metrics on the public port in the sandbox)")
	}
	// Sorted so that the report reads the same on every start.
	sortErrors(errs)
	return errors.Join(errs...)
}

// jwtAlgorithms are the signing algorithms the gateway verifies with a
// public key from the JWKS. "none" and the HMAC family are never accepted:
// a symmetric algorithm would let anyone holding the public key sign.
var jwtAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// MaxJWTLeeway bounds AUTH_JWT_LEEWAY: clock skew, not a grace period.
const MaxJWTLeeway = 300 * time.Second

func (a Auth) validate(optional bool, bad func(string, ...any)) {
	switch {
	case a.Mode == "" && !optional:
		bad("AUTH_MODE: required when a CRM is configured; set apikey, jwt or apikey,jwt (or none to serve every caller without authentication)")
		return
	case a.Mode == "" || a.Mode == "none":
		return
	}
	methods := a.Methods()
	seen := map[string]bool{}
	for _, m := range methods {
		if m != "apikey" && m != "jwt" || seen[m] {
			bad("AUTH_MODE: %q is not one of apikey, jwt, apikey,jwt, none", a.Mode)
			return
		}
		seen[m] = true
	}
	if seen["apikey"] && a.APIKeysFile == "" {
		bad("AUTH_API_KEYS_FILE: required when AUTH_MODE includes apikey")
	}
	if !seen["jwt"] {
		return
	}
	if u, err := url.Parse(a.JWKSURL); a.JWKSURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("AUTH_JWKS_URL: required when AUTH_MODE includes jwt, an absolute http(s) URL")
	}
	if a.JWTIssuer == "" {
		bad("AUTH_JWT_ISSUER: required when AUTH_MODE includes jwt (tokens must name their issuer)")
	}
	if a.JWTAudience == "" {
		bad("AUTH_JWT_AUDIENCE: required when AUTH_MODE includes jwt (tokens must name this gateway)")
	}
	if len(a.JWTAlgorithms) == 0 {
		bad("AUTH_JWT_ALGORITHMS: must name at least one algorithm")
	}
	for _, alg := range a.JWTAlgorithms {
		switch {
		case strings.EqualFold(alg, "none"):
			bad("AUTH_JWT_ALGORITHMS: \"none\" is never accepted")
		case strings.HasPrefix(strings.ToUpper(alg), "HS"):
			bad("AUTH_JWT_ALGORITHMS: %q is refused: HMAC would verify with a shared secret, the gateway only verifies with the JWKS's public keys", alg)
		case !slices.Contains(jwtAlgorithms, alg):
			bad("AUTH_JWT_ALGORITHMS: %q is not one of %s", alg, strings.Join(jwtAlgorithms, ", "))
		}
	}
	if a.JWTLeeway < 0 || a.JWTLeeway > MaxJWTLeeway {
		bad("AUTH_JWT_LEEWAY: must be between 0s and %s", MaxJWTLeeway)
	}
	if a.TenantClaim == "" {
		bad("AUTH_TENANT_CLAIM: must not be empty")
	}
}

func checkUpstream(prefix string, up Upstream, bad func(string, ...any)) {
	if up.Timeout <= 0 {
		bad("%s_TIMEOUT: must be positive", prefix)
	}
	if up.MaxConcurrent <= 0 {
		bad("%s_MAX_CONCURRENCY: must be positive", prefix)
	}
	if up.MaxRetries < 0 || up.MaxRetries > 5 {
		bad("%s_MAX_RETRIES: must be between 0 and 5", prefix)
	}
	if up.StaleFor < 0 || up.StaleFor > 24*time.Hour {
		bad("%s_STALE_FOR: must be between 0s and 24h", prefix)
	}
	if up.MaxResponseBytes < 1024 || up.MaxResponseBytes > MaxResponseBytesLimit {
		bad("%s_MAX_RESPONSE_BYTES: must be between 1024 and %d", prefix, int64(MaxResponseBytesLimit))
	}
}

func sortErrors(errs []error) {
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
}

// gatewayPrefixes mark the variables that belong to the gateway: one of
// them that the gateway does not know is a typo, never ignored. OTEL_
// variables belong to OpenTelemetry; REDIS_ is left out because
// Kubernetes service links define REDIS_PORT and friends for a Service
// named redis.
var gatewayPrefixes = []string{"SYNERGY_", "SOLOS_", "RKEEPER_", "UPSTREAM_", "AUTH_", "TENANTS_", "PERSISTED_",
	"RATE_LIMIT", "METRICS_", "SHUTDOWN_", "MAX_QUERY_", "MAX_BODY_", "APQ_", "CORS_", "LISTEN_",
	"PLAYGROUND", "INTROSPECTION"}

// reader parses typed values, remembers every name it was asked for and
// collects every parse error.
type reader struct {
	env   map[string]string
	known map[string]bool
	errs  []error
}

func (r *reader) get(name string) (string, bool) {
	r.known[name] = true
	v, ok := r.env[name]
	if !ok {
		return "", false
	}
	return strings.TrimSpace(v), true
}

// unknown reports every variable with a gateway prefix that no reader
// call asked for, with the closest known name.
func (r *reader) unknown() []error {
	var errs []error
	for name := range r.env {
		if r.known[name] || !slices.ContainsFunc(gatewayPrefixes, func(p string) bool { return strings.HasPrefix(name, p) }) {
			continue
		}
		best, dist := "", 1<<30
		for k := range r.known {
			if d := levenshtein.ComputeDistance(name, k); d < dist || d == dist && k < best {
				best, dist = k, d
			}
		}
		if dist <= max(3, len(name)/3) {
			errs = append(errs, fmt.Errorf("%s: not a variable of this gateway; did you mean %s?", name, best))
		} else {
			errs = append(errs, fmt.Errorf("%s: not a variable of this gateway (see the README's configuration tables)", name))
		}
	}
	sortErrors(errs)
	return errs
}

func (r *reader) list(v string) []string {
	out := []string{}
	for _, o := range strings.Split(v, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

func (r *reader) boolean(name string, dst *bool) {
	if v, ok := r.get(name); ok && v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			r.errs = append(r.errs, fmt.Errorf("%s: %q is not true or false", name, v))
			return
		}
		*dst = b
	}
}

// rate reads "100/s", "6000/m" or "50000/h".
func (r *reader) rate(name string, dst *RateLimit) {
	v, ok := r.get(name)
	if !ok || v == "" {
		return
	}
	n, unit, found := strings.Cut(v, "/")
	count, err := strconv.Atoi(strings.TrimSpace(n))
	per := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}[strings.TrimSpace(unit)]
	if !found || err != nil || count <= 0 || per == 0 {
		r.errs = append(r.errs, fmt.Errorf("%s: %q is not a rate such as 100/s, 6000/m or 50000/h", name, v))
		return
	}
	dst.Count, dst.Period = count, per
	if dst.Burst == 0 {
		dst.Burst = count
	}
}

func (r *reader) str(name string, dst *string) {
	if v, ok := r.get(name); ok {
		*dst = v
	}
}

func (r *reader) int(name string, dst *int) {
	if v, ok := r.get(name); ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			r.errs = append(r.errs, fmt.Errorf("%s: %q is not an integer", name, v))
			return
		}
		*dst = n
	}
}

func (r *reader) int64(name string, dst *int64) {
	if v, ok := r.get(name); ok && v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			r.errs = append(r.errs, fmt.Errorf("%s: %q is not an integer", name, v))
			return
		}
		*dst = n
	}
}

func (r *reader) duration(name string, dst *time.Duration) {
	if v, ok := r.get(name); ok && v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			r.errs = append(r.errs, fmt.Errorf("%s: %q is not a duration such as 10s", name, v))
			return
		}
		*dst = d
	}
}

func (r *reader) upstream(prefix string, up *Upstream) {
	r.duration(prefix+"_TIMEOUT", &up.Timeout)
	r.int(prefix+"_MAX_CONCURRENCY", &up.MaxConcurrent)
	r.int(prefix+"_MAX_RETRIES", &up.MaxRetries)
	r.int64(prefix+"_MAX_RESPONSE_BYTES", &up.MaxResponseBytes)
	r.duration(prefix+"_STALE_FOR", &up.StaleFor)
}

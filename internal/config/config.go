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
)

// Upstream holds the resilience settings of one backend's calls.
type Upstream struct {
	Timeout       time.Duration // deadline of one upstream call
	MaxConcurrent int           // calls in flight to this backend at once
	MaxRetries    int           // extra attempts of a failed GET (never a write)
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
}

// Config is the whole configuration of one gateway process.
type Config struct {
	ListenAddr      string
	ShutdownTimeout time.Duration
	// CORSAllowedOrigins: nil means the mode's default (none in production,
	// any localhost origin in sandbox mode).
	CORSAllowedOrigins []string
	LogLevel           string
	Limits             Limits
	Synergy            Synergy
	Solos              Solos
	RKeeper            RKeeper
}

// Sandbox reports whether no CRM is configured, in which case the gateway
// serves the built-in emulators.
func (c Config) Sandbox() bool {
	return c.Synergy.BaseURL == "" && c.Solos.BaseURL == "" && c.RKeeper.BaseURL == ""
}

// Defaults returns the configuration with every default applied and no
// backend configured.
func Defaults() Config {
	// 64 calls in flight per backend: a gateway serves at most this many
	// divided by the CRM's response time (16 held one at 20 ms to ~650
	// queries a second), and still bounds what one process asks of a CRM.
	up := Upstream{Timeout: 10 * time.Second, MaxConcurrent: 64, MaxRetries: 2}
	return Config{
		ListenAddr:      ":8080",
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
		},
		Synergy: Synergy{Upstream: up},
		Solos:   Solos{Upstream: up},
		RKeeper: RKeeper{Upstream: up, CacheTTL: time.Minute},
	}
}

// Load reads the configuration through lookup (os.LookupEnv in production)
// and validates it, reporting every problem at once.
func Load(lookup func(string) (string, bool)) (Config, error) {
	c := Defaults()
	r := reader{lookup: lookup}

	r.str("LISTEN_ADDR", &c.ListenAddr)
	r.duration("SHUTDOWN_TIMEOUT", &c.ShutdownTimeout)
	r.str("LOG_LEVEL", &c.LogLevel)
	if v, ok := r.get("CORS_ALLOWED_ORIGINS"); ok {
		c.CORSAllowedOrigins = []string{}
		for _, o := range strings.Split(v, ",") {
			if o = strings.TrimSpace(o); o != "" {
				c.CORSAllowedOrigins = append(c.CORSAllowedOrigins, o)
			}
		}
	}

	r.int64("MAX_BODY_BYTES", &c.Limits.MaxBodyBytes)
	r.int("MAX_QUERY_TOKENS", &c.Limits.MaxTokens)
	r.int("MAX_QUERY_DEPTH", &c.Limits.MaxDepth)
	r.int("MAX_QUERY_ALIASES", &c.Limits.MaxAliases)
	r.int("MAX_QUERY_FIELDS", &c.Limits.MaxFields)
	r.int("MAX_QUERY_COMPLEXITY", &c.Limits.MaxComplexity)
	r.int("APQ_CACHE_SIZE", &c.Limits.APQCacheSize)

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

	return c, errors.Join(append(r.errs, c.Validate())...)
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
	} {
		if l.v <= 0 {
			bad("%s: must be positive", l.name)
		}
	}

	backend := func(prefix, base string, up Upstream, secrets map[string]string) {
		checkUpstream(prefix, up, bad)
		if base == "" {
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
	if c.RKeeper.CacheTTL < 0 || c.RKeeper.CacheTTL > time.Minute {
		bad("RKEEPER_CACHE_TTL: must be between 0 and 1m (the upstream refreshes every minute)")
	}
	// Sorted so that the report reads the same on every start.
	sortErrors(errs)
	return errors.Join(errs...)
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
}

func sortErrors(errs []error) {
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
}

// reader parses typed values and collects every parse error.
type reader struct {
	lookup func(string) (string, bool)
	errs   []error
}

func (r *reader) get(name string) (string, bool) {
	v, ok := r.lookup(name)
	if !ok {
		return "", false
	}
	return strings.TrimSpace(v), true
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
}

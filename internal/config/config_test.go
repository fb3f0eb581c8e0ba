package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) map[string]string { return m }

// TestDefaultsGolden pins every default; a change must update the golden
// file and the README's configuration table together.
func TestDefaultsGolden(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.MarshalIndent(c, "", "  ")
	path := filepath.Join("testdata", "defaults.golden.json")
	if os.Getenv("UPDATE_GOLDEN") != "" {
		_ = os.MkdirAll("testdata", 0o755)
		_ = os.WriteFile(path, append(got, '\n'), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with UPDATE_GOLDEN=1 to create it)", err)
	}
	if strings.TrimSpace(string(want)) != strings.TrimSpace(string(got)) {
		t.Fatalf("defaults changed:\n%s\nwant:\n%s", got, want)
	}
	if !c.Sandbox() {
		t.Fatal("no base URL must mean sandbox mode")
	}
}

func TestLoadReadsEveryVariable(t *testing.T) {
	c, err := Load(env(map[string]string{
		"LISTEN_ADDR": ":9090", "SYNERGY_BASE_URL": "https://app.syncrm.ru/api/v1", "SYNERGY_TOKEN": "t",
		"SOLOS_BASE_URL": "https://x.solos.pro/backend/public", "SOLOS_TOKEN": "a", "SOLOS_SECRET": "b",
		"RKEEPER_BASE_URL": "https://dlv.ucs.ru/api/v1/crm", "RKEEPER_SID": "s", "RKEEPER_OBJECT_ID": "7",
		"SYNERGY_TIMEOUT": "3s", "SOLOS_MAX_CONCURRENCY": "4", "RKEEPER_MAX_RETRIES": "0",
		"CORS_ALLOWED_ORIGINS": "https://a.example, https://b.example", "MAX_QUERY_DEPTH": "9",
		"AUTH_MODE": "apikey,jwt", "AUTH_API_KEYS_FILE": "/keys.json", "AUTH_JWKS_URL": "https://idp.example/jwks",
		"AUTH_JWT_ISSUER": "https://idp.example/", "AUTH_JWT_AUDIENCE": "crm-gateway", "AUTH_JWT_LEEWAY": "30s",
		"AUTH_JWT_ALGORITHMS": "ES256", "AUTH_TENANT_CLAIM": "org", "PLAYGROUND": "true",
		"RATE_LIMIT": "6000/m", "SHUTDOWN_DELAY": "2s", "METRICS_ADDR": ":9100", "REDIS_URL": "redis://r:6379/0",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.ListenAddr != ":9090" || c.Sandbox() || c.Synergy.Upstream.Timeout.String() != "3s" ||
		c.Solos.Upstream.MaxConcurrent != 4 || c.RKeeper.Upstream.MaxRetries != 0 || c.RKeeper.ObjectID != "7" ||
		len(c.CORSAllowedOrigins) != 2 || c.CORSAllowedOrigins[1] != "https://b.example" || c.Limits.MaxDepth != 9 ||
		len(c.Auth.Methods()) != 2 || c.Auth.JWTLeeway != 30*time.Second || c.Auth.TenantClaim != "org" ||
		!c.Playground || c.Introspection || c.RateLimit != (RateLimit{Count: 6000, Period: time.Minute, Burst: 6000}) ||
		c.ShutdownDelay != 2*time.Second || c.MetricsAddr != ":9100" || c.RedisURL == "" {
		t.Fatalf("%+v", c)
	}
}

// TestValidateReportsEveryProblemAtOnce: a start-up with five mistakes
// names all five, so nobody fixes them one restart at a time.
func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	_, err := Load(env(map[string]string{
		"SYNERGY_BASE_URL": "ftp://nope", "SOLOS_BASE_URL": "https://x.solos.pro", "SOLOS_SECRET": "b",
		"RKEEPER_BASE_URL": "https://dlv.ucs.ru", "RKEEPER_SID": "s",
		"SYNERGY_TIMEOUT": "soon", "MAX_QUERY_DEPTH": "0", "LOG_LEVEL": "loud",
		"MAX_CONCURRENT_REQUESTS": "0", "GOGC": "4OO",
	}))
	if err == nil {
		t.Fatal("invalid configuration accepted")
	}
	for _, want := range []string{"SYNERGY_BASE_URL", "SYNERGY_TOKEN", "SOLOS_TOKEN", "RKEEPER_OBJECT_ID",
		"SYNERGY_TIMEOUT", "MAX_QUERY_DEPTH", "LOG_LEVEL", "MAX_CONCURRENT_REQUESTS", "GOGC"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the report lacks %s:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), `"s"`) {
		t.Errorf("the report quotes a secret: %v", err)
	}
}

// TestProductionDefaults: with a CRM configured, every default that would
// expose something is closed.
func TestProductionDefaults(t *testing.T) {
	c, err := Load(env(map[string]string{"SYNERGY_BASE_URL": "https://app.syncrm.ru/api/v1", "SYNERGY_TOKEN": "t", "AUTH_MODE": "none"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Sandbox() || c.ListenAddr != ":8080" || c.Playground || c.Introspection || c.MetricsAddr != "127.0.0.1:9090" ||
		c.ShutdownDelay != 5*time.Second {
		t.Fatalf("%+v", c)
	}
	sb, err := Load(env(map[string]string{"SYNERGY_TIMEOUT": "3s"}))
	if err != nil || !sb.Sandbox() || sb.ListenAddr != "127.0.0.1:8080" || !sb.Playground || sb.MetricsAddr != "" {
		t.Fatalf("a tuning variable alone must keep the sandbox: %+v %v", sb, err)
	}
}

// TestStartUpCannotGoWrongQuietly: a typo, a credential without its base
// URL, or a CRM without AUTH_MODE stops the start; none falls back to the
// sandbox.
func TestStartUpCannotGoWrongQuietly(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"misspelled base URL", map[string]string{"SYNERGY_BASEURL": "https://app.syncrm.ru/api/v1"},
			[]string{"SYNERGY_BASEURL: not a variable of this gateway; did you mean SYNERGY_BASE_URL?"}},
		{"misspelled auth variable", map[string]string{"AUTH_MODES": "none"}, []string{"did you mean AUTH_MODE?"}},
		{"far from anything", map[string]string{"RKEEPER_ZZZZZZZZZZZZZZZZZZZZ": "1"}, []string{"RKEEPER_ZZZZZZZZZZZZZZZZZZZZ: not a variable of this gateway"}},
		{"credential without base URL", map[string]string{"SOLOS_TOKEN": "a"},
			[]string{"SOLOS_TOKEN: set without SOLOS_BASE_URL"}},
		{"tenants file needs AUTH_MODE", map[string]string{"TENANTS_FILE": "/t.json"}, []string{"AUTH_MODE: required"}},
		{"CRM without AUTH_MODE", map[string]string{"RKEEPER_BASE_URL": "https://dlv.ucs.ru/api/v1/crm", "RKEEPER_SID": "s", "RKEEPER_OBJECT_ID": "1"},
			[]string{"AUTH_MODE: required when a CRM is configured"}},
		{"unknown mode", map[string]string{"AUTH_MODE": "basic"}, []string{`AUTH_MODE: "basic" is not one of`}},
		{"apikey without file", map[string]string{"AUTH_MODE": "apikey"}, []string{"AUTH_API_KEYS_FILE: required"}},
		{"jwt without settings", map[string]string{"AUTH_MODE": "jwt"}, []string{"AUTH_JWKS_URL", "AUTH_JWT_ISSUER", "AUTH_JWT_AUDIENCE"}},
		{"jwt algorithms", map[string]string{"AUTH_MODE": "jwt", "AUTH_JWKS_URL": "https://i/jwks", "AUTH_JWT_ISSUER": "i",
			"AUTH_JWT_AUDIENCE": "a", "AUTH_JWT_ALGORITHMS": "none,HS256,XX1", "AUTH_JWT_LEEWAY": "10m"},
			[]string{`"none" is never accepted`, `"HS256" is refused`, `"XX1" is not one of`, "AUTH_JWT_LEEWAY"}},
		{"persisted only without documents", map[string]string{"PERSISTED_ONLY": "true"}, []string{"PERSISTED_ONLY: needs PERSISTED_DOCUMENTS_FILE"}},
		{"bad rate", map[string]string{"RATE_LIMIT": "fast"}, []string{`RATE_LIMIT: "fast" is not a rate`}},
		{"bad boolean", map[string]string{"PLAYGROUND": "yes please"}, []string{`PLAYGROUND: "yes please" is not true or false`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(env(tc.env))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the report lacks %q:\n%v", w, err)
				}
			}
		})
	}
	// Other programs' variables are not the gateway's business.
	if _, err := Load(env(map[string]string{"OTEL_SERVICE_NAME": "x", "REDIS_PORT": "tcp://10.0.0.1:6379", "HOME": "/root"})); err != nil {
		t.Fatal(err)
	}
}

// TestResponseCaps: each backend's response cap and the process-wide bound
// are read and validated; a cap above the bound could never be read.
func TestResponseCaps(t *testing.T) {
	c, err := Load(env(map[string]string{"SYNERGY_MAX_RESPONSE_BYTES": "2048", "SOLOS_MAX_RESPONSE_BYTES": "4096",
		"RKEEPER_MAX_RESPONSE_BYTES": "8192", "UPSTREAM_MAX_BUFFERED_BYTES": "65536"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Synergy.Upstream.MaxResponseBytes != 2048 || c.Solos.Upstream.MaxResponseBytes != 4096 ||
		c.RKeeper.Upstream.MaxResponseBytes != 8192 || c.MaxBufferedBytes != 65536 {
		t.Fatalf("caps not read: %+v", c)
	}
	for vars, want := range map[string]string{
		"SYNERGY_MAX_RESPONSE_BYTES=0":           "SYNERGY_MAX_RESPONSE_BYTES: must be between",
		"SOLOS_MAX_RESPONSE_BYTES=abc":           "SOLOS_MAX_RESPONSE_BYTES: \"abc\" is not an integer",
		"RKEEPER_MAX_RESPONSE_BYTES=99999999999": "RKEEPER_MAX_RESPONSE_BYTES: must be between",
		"UPSTREAM_MAX_BUFFERED_BYTES=4096":       "SYNERGY_MAX_RESPONSE_BYTES: must not exceed UPSTREAM_MAX_BUFFERED_BYTES",
		"UPSTREAM_MAX_BUFFERED_BYTES=-1":         "UPSTREAM_MAX_BUFFERED_BYTES: must be between",
	} {
		k, v, _ := strings.Cut(vars, "=")
		_, err := Load(env(map[string]string{k: v}))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", vars, err, want)
		}
	}
}

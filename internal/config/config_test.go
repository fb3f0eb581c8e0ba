package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

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
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.ListenAddr != ":9090" || c.Sandbox() || c.Synergy.Upstream.Timeout.String() != "3s" ||
		c.Solos.Upstream.MaxConcurrent != 4 || c.RKeeper.Upstream.MaxRetries != 0 || c.RKeeper.ObjectID != "7" ||
		len(c.CORSAllowedOrigins) != 2 || c.CORSAllowedOrigins[1] != "https://b.example" || c.Limits.MaxDepth != 9 {
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
	}))
	if err == nil {
		t.Fatal("invalid configuration accepted")
	}
	for _, want := range []string{"SYNERGY_BASE_URL", "SYNERGY_TOKEN", "SOLOS_TOKEN", "RKEEPER_OBJECT_ID",
		"SYNERGY_TIMEOUT", "MAX_QUERY_DEPTH", "LOG_LEVEL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the report lacks %s:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), `"s"`) {
		t.Errorf("the report quotes a secret: %v", err)
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

package auth

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/auth/authtest"
	"github.com/crmgateway/gateway/internal/caller"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// serve puts a behind the middleware in a real HTTP server whose handler
// answers with the identity it was given.
func serve(t *testing.T, a Authenticator) *httptest.Server {
	t.Helper()
	write := func(w http.ResponseWriter, _ *http.Request, status int, code apierr.Code, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{"message": msg, "extensions": map[string]any{"code": code}}}})
	}
	h := Middleware(a, discard, write)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(caller.From(r.Context()))
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

type result struct {
	status    int
	challenge string
	body      string
	id        caller.Identity
}

func call(t *testing.T, srv *httptest.Server, headers map[string]string) result {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := result{status: resp.StatusCode, challenge: resp.Header.Get("WWW-Authenticate"), body: string(b)}
	if r.status == 200 {
		_ = json.Unmarshal(b, &r.id)
	}
	return r
}

// refused asserts a 401 with the RFC 6750 challenge and UNAUTHENTICATED,
// and that the credential is not echoed.
func refused(t *testing.T, r result, credential string) {
	t.Helper()
	if r.status != http.StatusUnauthorized || !strings.HasPrefix(r.challenge, `Bearer realm="crm-gateway"`) ||
		!strings.Contains(r.body, `"UNAUTHENTICATED"`) {
		t.Fatalf("want 401 UNAUTHENTICATED with a Bearer challenge, got %d %q %s", r.status, r.challenge, r.body)
	}
	if credential != "" && strings.Contains(r.body, credential) {
		t.Fatalf("the refusal echoes the credential: %s", r.body)
	}
}

func writeKeys(t *testing.T, path string, entries ...KeyEntry) {
	t.Helper()
	b, _ := json.Marshal(entries)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil { // as a secret volume swaps files
		t.Fatal(err)
	}
}

func TestAPIKeys(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys.json")
	key, entry, err := NewKey("ci", []string{"synergy:read", "rkeeper:write"}, "acme")
	if err != nil {
		t.Fatal(err)
	}
	writeKeys(t, path, entry)
	keys, err := NewAPIKeys(path, func(t string) bool { return t == "acme" }, discard)
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(t, Methods{APIKeys: keys})

	for _, h := range []map[string]string{
		{"Authorization": "Bearer " + key}, {"X-API-Key": key}, {"Authorization": "bearer  " + key + " "},
	} {
		r := call(t, srv, h)
		if r.status != 200 || r.id.Name != "ci" || r.id.Tenant != "acme" || r.id.Method != caller.APIKey ||
			len(r.id.Scopes) != 2 || r.id.Scopes[1] != caller.RKeeperWrite {
			t.Fatalf("%v: %d %s", h, r.status, r.body)
		}
		if strings.Contains(r.body, key) {
			t.Fatal("the identity carries the key")
		}
	}
	refused(t, call(t, srv, nil), "")
	if r := call(t, srv, nil); strings.Contains(r.challenge, "invalid_token") {
		t.Errorf("a request without credentials gets no error code in the challenge: %q", r.challenge)
	}
	for name, h := range map[string]map[string]string{
		"wrong key":          {"X-API-Key": key + "x"},
		"key's hash":         {"X-API-Key": entry.SHA256},
		"basic scheme":       {"Authorization": "Basic " + key},
		"two credentials":    {"Authorization": "Bearer " + key, "X-API-Key": key},
		"oversized":          {"X-API-Key": strings.Repeat("k", maxCredentialBytes+1)},
		"JWT to a key store": {"Authorization": "Bearer a.b.c"},
	} {
		t.Run(name, func(t *testing.T) {
			r := call(t, srv, h)
			refused(t, r, h["X-API-Key"])
			if !strings.Contains(r.challenge, `error="invalid_token"`) {
				t.Errorf("challenge %q", r.challenge)
			}
		})
	}

	t.Run("the file is re-read when it changes", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go keys.Watch(ctx, 10*time.Millisecond, nil)
		key2, entry2, _ := NewKey("deploy", []string{"solos:read"}, "")
		writeKeys(t, path, entry2)
		waitFor(t, func() bool { return call(t, srv, map[string]string{"X-API-Key": key2}).status == 200 })
		refused(t, call(t, srv, map[string]string{"X-API-Key": key}), key) // removed from the file: revoked
	})
	t.Run("a broken file keeps the keys in force", func(t *testing.T) {
		key3, entry3, _ := NewKey("ops", []string{"solos:read"}, "")
		writeKeys(t, path, entry3)
		if err := keys.Reload(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(`[{"name": "x", "sha256": "nothex"}]`), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := keys.Reload(); err == nil {
			t.Fatal("a broken file reloaded")
		}
		if r := call(t, srv, map[string]string{"X-API-Key": key3}); r.status != 200 {
			t.Fatalf("the previous keys were dropped: %d", r.status)
		}
	})
	t.Run("invalid files are refused at start-up", func(t *testing.T) {
		for name, content := range map[string]string{
			"not JSON":        `{`,
			"plain key":       `[{"name": "a", "sha256": "crmgw_abc", "scopes": []}]`,
			"unknown scope":   `[{"name": "a", "sha256": "` + entry.SHA256 + `", "scopes": ["synergy:admin"]}]`,
			"duplicate names": `[{"name": "a", "sha256": "` + entry.SHA256 + `", "scopes": []}, {"name": "a", "sha256": "` + strings.Repeat("0", 64) + `", "scopes": []}]`,
			"unknown tenant":  `[{"name": "a", "sha256": "` + entry.SHA256 + `", "scopes": [], "tenant": "nobody"}]`,
			"unknown member":  `[{"name": "a", "key": "crmgw_x", "sha256": "` + entry.SHA256 + `", "scopes": []}]`,
		} {
			p := filepath.Join(dir, "bad.json")
			_ = os.WriteFile(p, []byte(content), 0o600)
			if _, err := NewAPIKeys(p, func(t string) bool { return t == "acme" }, discard); err == nil {
				t.Errorf("%s: accepted", name)
			}
		}
	})
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if ok() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition never held")
}

func newJWT(t *testing.T, idp *authtest.IdP, mod func(*JWTOptions)) *JWT {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	o := JWTOptions{JWKSURL: idp.JWKSURL(), Issuer: authtest.Issuer, Audience: authtest.Audience,
		Algorithms: []string{"RS256", "ES256"}, Leeway: time.Minute, TenantClaim: "tenant", Log: discard}
	if mod != nil {
		mod(&o)
	}
	j, err := NewJWT(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

func TestJWT(t *testing.T) {
	idp := authtest.New(t)
	srv := serve(t, Methods{JWT: newJWT(t, idp, nil)})
	now := time.Now()
	with := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		c := authtest.Claims("user-1", "synergy:read", "solos:read", "nonsense:scope")
		c["tenant"] = "acme"
		if mod != nil {
			mod(c)
		}
		return c
	}

	t.Run("valid RS256 and ES256", func(t *testing.T) {
		for _, alg := range []string{"RS256", "ES256"} {
			r := call(t, srv, bearer(idp.Sign(t, idp.KID(alg), with(nil))))
			if r.status != 200 || r.id.Name != "user-1" || r.id.Tenant != "acme" || r.id.Method != caller.JWT ||
				len(r.id.Scopes) != 2 || !r.id.Has(caller.SolosRead) {
				t.Fatalf("%s: %d %s", alg, r.status, r.body)
			}
		}
	})
	t.Run("scp as a list", func(t *testing.T) {
		c := with(func(c jwt.MapClaims) { delete(c, "scope"); c["scp"] = []string{"rkeeper:read"} })
		if r := call(t, srv, bearer(idp.SignRS256(t, c))); r.status != 200 || !r.id.Has(caller.RKeeperRead) || len(r.id.Scopes) != 1 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("leeway", func(t *testing.T) {
		c := with(func(c jwt.MapClaims) { c["exp"] = now.Add(-30 * time.Second).Unix() })
		if r := call(t, srv, bearer(idp.SignRS256(t, c))); r.status != 200 {
			t.Fatalf("30 s past exp is within the leeway: %d %s", r.status, r.body)
		}
	})

	rsaPEM := idp.PublicKeyPEM()
	for name, tok := range map[string]string{
		"expired":                         idp.SignRS256(t, with(func(c jwt.MapClaims) { c["exp"] = now.Add(-2 * time.Minute).Unix() })),
		"not yet valid (nbf)":             idp.SignRS256(t, with(func(c jwt.MapClaims) { c["nbf"] = now.Add(5 * time.Minute).Unix() })),
		"issued in the future":            idp.SignRS256(t, with(func(c jwt.MapClaims) { c["iat"] = now.Add(5 * time.Minute).Unix() })),
		"wrong issuer":                    idp.SignRS256(t, with(func(c jwt.MapClaims) { c["iss"] = "https://evil.test/" })),
		"no issuer":                       idp.SignRS256(t, with(func(c jwt.MapClaims) { delete(c, "iss") })),
		"wrong audience":                  idp.SignRS256(t, with(func(c jwt.MapClaims) { c["aud"] = "another-api" })),
		"no audience":                     idp.SignRS256(t, with(func(c jwt.MapClaims) { delete(c, "aud") })),
		"no expiry":                       idp.SignRS256(t, with(func(c jwt.MapClaims) { delete(c, "exp") })),
		"no subject":                      idp.SignRS256(t, with(func(c jwt.MapClaims) { delete(c, "sub") })),
		"tenant not a string":             idp.SignRS256(t, with(func(c jwt.MapClaims) { c["tenant"] = 7 })),
		"alg none":                        authtest.SignWith(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, idp.KID("RS256"), with(nil)),
		"HS256 with the public key":       authtest.SignWith(t, jwt.SigningMethodHS256, rsaPEM, idp.KID("RS256"), with(nil)),
		"HS256 without kid":               authtest.SignWith(t, jwt.SigningMethodHS256, rsaPEM, "", with(nil)),
		"RS256 by an unknown key":         authtest.SignWith(t, jwt.SigningMethodRS256, mustRSA(t), "key-404", with(nil)),
		"RS256 by another key, known kid": authtest.SignWith(t, jwt.SigningMethodRS256, mustRSA(t), idp.KID("RS256"), with(nil)),
		"tampered payload":                tamper(idp.SignRS256(t, with(nil))),
		"garbage with two dots":           "not.a.jwt",
	} {
		t.Run(name, func(t *testing.T) {
			r := call(t, srv, bearer(tok))
			refused(t, r, tok)
			if !strings.Contains(r.challenge, `error="invalid_token"`) {
				t.Errorf("challenge %q", r.challenge)
			}
			if name == "expired" && !strings.Contains(r.body, "expired") {
				t.Errorf("an expired token should say so: %s", r.body)
			}
		})
	}
}

func mustRSA(t *testing.T) any { return strangerKey(t) }

// TestJWKSRotation: a token signed by a key published after start-up is
// accepted at once (an unknown kid re-reads the set, rate-limited), and an
// unavailable JWKS keeps the last good keys.
func TestJWKSRotation(t *testing.T) {
	idp := authtest.New(t)
	j := newJWT(t, idp, func(o *JWTOptions) { o.Refresh = time.Hour; o.UnknownKIDEvery = time.Minute })
	srv := serve(t, Methods{JWT: j})
	old := idp.KID("RS256")
	if r := call(t, srv, bearer(idp.Sign(t, old, authtest.Claims("u")))); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	fetches := idp.Requests()
	kid := idp.Rotate(t)
	if r := call(t, srv, bearer(idp.Sign(t, kid, authtest.Claims("u")))); r.status != 200 {
		t.Fatalf("a rotated-in key was refused: %d %s", r.status, r.body)
	}
	if idp.Requests() != fetches+1 {
		t.Fatalf("JWKS fetched %d times for one unknown kid", idp.Requests()-fetches)
	}
	// The old key is gone from the set: its tokens no longer verify.
	refused(t, call(t, srv, bearer(idp.Sign(t, old, authtest.Claims("u")))), "")

	t.Run("unknown kids do not hammer the provider", func(t *testing.T) {
		before := idp.Requests()
		for i := 0; i < 50; i++ {
			refused(t, call(t, srv, bearer(authtest.SignWith(t, jwt.SigningMethodRS256, strangerKey(t), "forged", authtest.Claims("u")))), "")
		}
		// The rotation above spent this minute's re-read: forged kids
		// are refused without one.
		if n := idp.Requests() - before; n != 0 {
			t.Fatalf("%d JWKS fetches for 50 forged tokens", n)
		}
	})
	t.Run("an outage keeps the last good keys", func(t *testing.T) {
		fresh := newJWT(t, idp, func(o *JWTOptions) { o.Refresh = 20 * time.Millisecond })
		srv := serve(t, Methods{JWT: fresh})
		tok := idp.Sign(t, kid, authtest.Claims("u"))
		if r := call(t, srv, bearer(tok)); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		idp.SetDown(true)
		defer idp.SetDown(false)
		before := idp.Requests()
		waitFor(t, func() bool { return idp.Requests() >= before+3 }) // three failed refreshes
		if r := call(t, srv, bearer(tok)); r.status != 200 {
			t.Fatalf("keys lost during a JWKS outage: %d %s", r.status, r.body)
		}
	})
	t.Run("a provider down at start-up does not stop the start", func(t *testing.T) {
		idp.SetDown(true)
		defer idp.SetDown(false)
		late := newJWT(t, idp, func(o *JWTOptions) { o.Refresh = 20 * time.Millisecond })
		srv := serve(t, Methods{JWT: late})
		tok := idp.Sign(t, kid, authtest.Claims("u"))
		refused(t, call(t, srv, bearer(tok)), tok)
		idp.SetDown(false)
		waitFor(t, func() bool { return call(t, srv, bearer(tok)).status == 200 })
	})
}

func TestMethodsDispatch(t *testing.T) {
	idp := authtest.New(t)
	path := filepath.Join(t.TempDir(), "keys.json")
	key, entry, _ := NewKey("svc", []string{"solos:read"}, "")
	writeKeys(t, path, entry)
	keys, err := NewAPIKeys(path, nil, discard)
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(t, Methods{APIKeys: keys, JWT: newJWT(t, idp, nil)})
	if r := call(t, srv, bearer(key)); r.status != 200 || r.id.Method != caller.APIKey {
		t.Fatalf("key as bearer: %d %s", r.status, r.body)
	}
	if r := call(t, srv, bearer(idp.SignRS256(t, authtest.Claims("u")))); r.status != 200 || r.id.Method != caller.JWT {
		t.Fatalf("JWT: %d %s", r.status, r.body)
	}
	jwtOnly := serve(t, Methods{JWT: newJWT(t, idp, nil)})
	r := call(t, jwtOnly, map[string]string{"X-API-Key": key})
	refused(t, r, key)
	refused(t, call(t, jwtOnly, bearer(key)), key)
}

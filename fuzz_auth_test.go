package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/crmgateway/gateway/internal/auth"
	"github.com/crmgateway/gateway/internal/auth/authtest"
	"github.com/crmgateway/gateway/internal/caller"
	"github.com/crmgateway/gateway/internal/config"
)

// FuzzAuthHeaders sends arbitrary Authorization and X-API-Key headers to a
// gateway that accepts API keys and JWTs: it never answers 5xx, never
// echoes a credential, and never lets a request through unless it carries
// exactly one of the credentials the test issued.
func FuzzAuthHeaders(f *testing.F) {
	idp := authtest.New(f)
	key, entry, err := auth.NewKey("fuzz", []string{string(caller.SolosRead)}, "")
	if err != nil {
		f.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.Auth = config.Auth{Mode: "apikey,jwt", APIKeysFile: writeJSON(f, "keys.json", []auth.KeyEntry{entry}),
		JWKSURL: idp.JWKSURL(), JWTIssuer: authtest.Issuer, JWTAudience: authtest.Audience,
		JWTAlgorithms: []string{"RS256", "ES256"}, JWTLeeway: 60e9, TenantClaim: "tenant"}
	cfg.LogLevel = "error"
	g := startGateway(f, cfg)
	token := idp.SignRS256(f, authtest.Claims("fuzzer", "solos:read"))
	valid := map[string]bool{key: true, token: true}

	for _, seed := range [][2]string{
		{"Bearer " + key, ""}, {"", key}, {"Bearer " + token, ""}, {"bearer " + token, ""},
		{"Bearer " + key, key}, {"Basic " + key, ""}, {"Bearer ", ""}, {"", ""}, {"Bearer a.b.c", ""},
		{"Bearer " + token + "x", ""}, {"Bearer " + strings.ToUpper(key), ""}, {"", key[:len(key)-1]},
		{"Bearer " + authtest.SignWith(f, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "", authtest.Claims("x")), ""},
		{"Bearer " + strings.Repeat("a.", 5000), ""}, {"Bearer\t" + key, ""}, {"Bearer  " + key, ""},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, authorization, apiKey string) {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
		req.Header.Set("Content-Type", "application/json")
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		if apiKey != "" {
			req.Header.Set("X-API-Key", apiKey)
		}
		rec := httptest.NewRecorder()
		g.App.Handler.ServeHTTP(rec, req)
		body := rec.Body.String()
		if rec.Code >= 500 {
			t.Fatalf("%d %s", rec.Code, body)
		}
		if (strings.Contains(body, key) || strings.Contains(body, token)) && rec.Code != 200 {
			t.Fatalf("a refusal echoes a credential: %s", body)
		}
		if rec.Code == http.StatusOK {
			presented := strings.TrimSpace(apiKey)
			if apiKey == "" {
				scheme, v, _ := strings.Cut(strings.TrimSpace(authorization), " ")
				if !strings.EqualFold(scheme, "Bearer") {
					t.Fatalf("authenticated with scheme %q", scheme)
				}
				presented = strings.TrimSpace(v)
			}
			if authorization != "" && apiKey != "" || !valid[presented] {
				t.Fatalf("authenticated by accident: Authorization %q, X-API-Key %q", authorization, apiKey)
			}
		} else if rec.Code != http.StatusUnauthorized {
			t.Fatalf("status %d: %s", rec.Code, body)
		}
	})
}

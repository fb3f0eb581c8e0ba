package auth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"

	"github.com/crmgateway/gateway/internal/caller"
)

// JWTOptions configure token verification.
type JWTOptions struct {
	JWKSURL     string
	Issuer      string
	Audience    string
	Algorithms  []string      // allow-list; never "none" nor HMAC (config refuses them)
	Leeway      time.Duration // clock skew on exp, nbf, iat
	TenantClaim string
	// Refresh is how often the JWKS is re-read (default one minute).
	Refresh time.Duration
	// UnknownKIDEvery bounds re-reads caused by tokens naming a key the
	// set does not hold (default one per 10 s), so forged kids cannot make
	// the gateway hammer the identity provider.
	UnknownKIDEvery time.Duration
	// Client fetches the JWKS (default: a client with a 5 s timeout).
	Client *http.Client
	Log    *slog.Logger
}

// JWT verifies bearer tokens with the keys of a JWKS that it keeps fresh:
// re-read every minute and, rate-limited, when a token names an unknown
// key, so that key rotation needs no restart. A failed read keeps the last
// good keys; the first read failing does not stop the start.
type JWT struct {
	keys        keyfunc.Keyfunc
	parser      *jwt.Parser
	tenantClaim string
}

// NewJWT starts the JWKS refresh, which lives until ctx ends.
func NewJWT(ctx context.Context, o JWTOptions) (*JWT, error) {
	if o.Refresh <= 0 {
		o.Refresh = time.Minute
	}
	if o.UnknownKIDEvery <= 0 {
		o.UnknownKIDEvery = 10 * time.Second
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 5 * time.Second}
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	log := o.Log
	kf, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{o.JWKSURL}, keyfunc.Override{
		Client:          o.Client,
		RefreshInterval: o.Refresh,
		// A request may wait this long for an unknown-kid re-read; past
		// it the token is refused at once rather than queued.
		RateLimitWaitMax:  2 * time.Second,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(o.UnknownKIDEvery), 1),
		RefreshErrorHandlerFunc: func(u string) func(context.Context, error) {
			return func(ctx context.Context, err error) {
				log.WarnContext(ctx, "JWKS refresh failed; the last good keys stay in force",
					slog.String("url", u), slog.String("error", err.Error()))
			}
		},
	})
	if err != nil {
		return nil, err
	}
	return &JWT{
		keys: kf,
		parser: jwt.NewParser(
			jwt.WithValidMethods(o.Algorithms),
			jwt.WithIssuer(o.Issuer),
			jwt.WithAudience(o.Audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(o.Leeway),
		),
		tenantClaim: o.TenantClaim,
	}, nil
}

// verify checks signature, algorithm, iss, aud, exp, nbf and iat, then
// reads the identity: sub (required), scopes from "scope" or "scp", the
// tenant from the configured claim.
func (j *JWT) verify(ctx context.Context, token string) (*caller.Identity, error) {
	claims := jwt.MapClaims{}
	_, err := j.parser.ParseWithClaims(token, claims, j.keys.KeyfuncCtx(ctx))
	if err != nil {
		r := refuse("JWT: " + err.Error())
		if errors.Is(err, jwt.ErrTokenExpired) {
			r.Client = "the token has expired"
		}
		return nil, r
	}
	sub, _ := claims["sub"].(string)
	if sub == "" {
		return nil, refuse("JWT without sub")
	}
	id := &caller.Identity{Method: caller.JWT, Name: sub}
	if t, ok := claims[j.tenantClaim]; ok {
		s, isString := t.(string)
		if !isString {
			return nil, refuse("JWT tenant claim is not a string")
		}
		id.Tenant = s
	}
	for _, s := range tokenScopes(claims) {
		if caller.Known(s) {
			id.Scopes = append(id.Scopes, caller.Scope(s))
		}
	}
	return id, nil
}

// tokenScopes reads "scope" (RFC 8693: space-separated) or, failing that,
// "scp" (a list, or a space-separated string as some providers send).
func tokenScopes(c jwt.MapClaims) []string {
	if s, ok := c["scope"].(string); ok {
		return strings.Fields(s)
	}
	switch v := c["scp"].(type) {
	case string:
		return strings.Fields(v)
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Package auth owns caller authentication: API keys from a file, JWTs
// verified against a JWKS, and the HTTP middleware that refuses a request
// without valid credentials before anything else reads it.
package auth

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/caller"
	"github.com/crmgateway/gateway/internal/reqinfo"
)

// Authenticator establishes who sent a request. It returns ErrNoCredentials
// when the request carries none it understands, and an *Refusal when it
// carries credentials that are not accepted.
type Authenticator interface {
	Authenticate(r *http.Request) (*caller.Identity, error)
}

// ErrNoCredentials: the request carries no credentials.
var ErrNoCredentials = errors.New("no credentials")

// Refusal is a credential that was presented and not accepted. Reason is
// for the log (never the credential itself); Client is what the caller is
// told, which says no more than it needs to.
type Refusal struct {
	Reason string
	Client string
}

func (r *Refusal) Error() string { return "credentials refused: " + r.Reason }

func refuse(reason string) *Refusal {
	return &Refusal{Reason: reason, Client: "the credentials were not accepted"}
}

// maxCredentialBytes bounds what the gateway will look at: no key or
// token it issues or accepts comes near it, so anything longer is refused
// without hashing or parsing.
const maxCredentialBytes = 8 << 10

// credential is what a request presents.
type credential struct {
	kind  string // "apikey" (X-API-Key) or "bearer" (Authorization: Bearer)
	value string
}

// presented reads the request's one credential. Sending both headers, or
// Authorization with another scheme, is refused rather than guessed at.
func presented(r *http.Request) (credential, error) {
	key := r.Header.Values("X-API-Key")
	authz := r.Header.Values("Authorization")
	switch {
	case len(key) == 0 && len(authz) == 0:
		return credential{}, ErrNoCredentials
	case len(key)+len(authz) > 1:
		return credential{}, &Refusal{Reason: "more than one credential header",
			Client: "send one credential: either Authorization: Bearer or X-API-Key"}
	case len(key) == 1:
		return check(credential{kind: "apikey", value: strings.TrimSpace(key[0])})
	}
	scheme, value, ok := strings.Cut(strings.TrimSpace(authz[0]), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return credential{}, &Refusal{Reason: "authorization scheme is not Bearer",
			Client: "the Authorization header must use the Bearer scheme"}
	}
	return check(credential{kind: "bearer", value: strings.TrimSpace(value)})
}

func check(c credential) (credential, error) {
	if c.value == "" {
		return credential{}, ErrNoCredentials
	}
	if len(c.value) > maxCredentialBytes {
		return credential{}, refuse("credential longer than the limit")
	}
	return c, nil
}

// looksLikeJWT reports a compact JWS: three base64url segments. Keys this
// gateway issues never contain a dot, so the two never mix up.
func looksLikeJWT(s string) bool { return strings.Count(s, ".") == 2 }

// Methods dispatches each request to the authenticator its credential
// belongs to: X-API-Key and dot-free bearer values to the API keys, JWTs
// to the JWT verifier. A nil member is a method the gateway does not accept.
type Methods struct {
	APIKeys *APIKeys
	JWT     *JWT
}

// Authenticate implements Authenticator.
func (m Methods) Authenticate(r *http.Request) (*caller.Identity, error) {
	c, err := presented(r)
	if err != nil {
		return nil, err
	}
	switch {
	case c.kind == "bearer" && looksLikeJWT(c.value) && m.JWT != nil:
		return m.JWT.verify(r.Context(), c.value)
	case m.APIKeys != nil && (c.kind == "apikey" || !looksLikeJWT(c.value)):
		return m.APIKeys.lookup(c.value)
	case c.kind == "apikey":
		return nil, &Refusal{Reason: "API key sent to a gateway that accepts none", Client: "this gateway does not accept API keys"}
	default:
		return nil, refuse("bearer value is not a JWT")
	}
}

// Refuser writes a refusal in the format of the route it happens on.
type Refuser func(w http.ResponseWriter, r *http.Request, status int, code apierr.Code, msg string)

// Middleware authenticates every request it wraps. Without credentials,
// or with refused ones, it answers 401 with WWW-Authenticate (RFC 6750)
// and UNAUTHENTICATED, and nothing behind it runs. The identity goes into
// the request context for resolvers, logs and metrics.
func Middleware(a Authenticator, log *slog.Logger, write Refuser) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id, err := a.Authenticate(r)
			if err == nil {
				reqinfo.From(r.Context()).SetCaller(id.Name, id.Tenant)
				next.ServeHTTP(w, r.WithContext(caller.With(r.Context(), id)))
				return
			}
			challenge := `Bearer realm="crm-gateway"`
			msg := "authentication required: send an API key (Authorization: Bearer <key> or X-API-Key: <key>) or a bearer JWT"
			var ref *Refusal
			if errors.As(err, &ref) {
				challenge += `, error="invalid_token"`
				msg = ref.Client
				log.LogAttrs(r.Context(), slog.LevelInfo, "caller refused",
					slog.String("reason", ref.Reason), slog.String("path", r.URL.Path))
			}
			w.Header().Set("WWW-Authenticate", challenge)
			write(w, r, http.StatusUnauthorized, apierr.Unauthenticated, msg)
		})
	}
}

// Anonymous serves every request as the anonymous caller (AUTH_MODE=none
// and the sandbox): every scope, the default tenant.
func Anonymous() Authenticator { return anonymous{} }

type anonymous struct{}

func (anonymous) Authenticate(*http.Request) (*caller.Identity, error) {
	return caller.AnonymousIdentity(), nil
}

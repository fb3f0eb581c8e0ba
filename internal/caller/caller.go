// Package caller owns who is calling the gateway: the authenticated
// identity, its scopes and tenant, carried in the request context. It is a
// leaf: every layer may read it, it imports nothing of the project.
package caller

import (
	"context"
	"slices"
	"strings"
)

// Scope grants one kind of access to one backend.
type Scope string

// The contract's scopes. Solos is read-only upstream, so it has no write scope.
const (
	SynergyRead  Scope = "synergy:read"
	SynergyWrite Scope = "synergy:write"
	SolosRead    Scope = "solos:read"
	RKeeperRead  Scope = "rkeeper:read"
	RKeeperWrite Scope = "rkeeper:write"
)

// Scopes lists every scope, in the contract's order.
var Scopes = []Scope{SynergyRead, SynergyWrite, SolosRead, RKeeperRead, RKeeperWrite}

// Known reports whether s is one of the contract's scopes.
func Known(s string) bool { return slices.Contains(Scopes, Scope(s)) }

// Method says how an identity was established.
type Method string

const (
	// APIKey: a key from AUTH_API_KEYS_FILE.
	APIKey Method = "apikey"
	// JWT: a bearer token verified against the JWKS.
	JWT Method = "jwt"
	// Anonymous: AUTH_MODE=none or the sandbox; every scope, no tenant.
	Anonymous Method = "none"
)

// Identity is an authenticated caller. Name is the API key's name or the
// token's subject, never a credential: it is safe in logs and metrics.
type Identity struct {
	Method Method
	Name   string
	Tenant string
	Scopes []Scope
}

// AnonymousIdentity is the caller of a gateway without authentication.
func AnonymousIdentity() *Identity {
	return &Identity{Method: Anonymous, Name: "anonymous", Scopes: Scopes}
}

// Has reports whether the identity holds s.
func (i *Identity) Has(s Scope) bool { return i != nil && slices.Contains(i.Scopes, s) }

// ScopeFor is the scope that reading (write false) or writing a backend's
// data needs; backend is "synergy", "solos" or "rkeeper".
func ScopeFor(backend string, write bool) Scope {
	if write {
		return Scope(backend + ":write")
	}
	return Scope(backend + ":read")
}

type ctxKey struct{}

// With returns ctx carrying id.
func With(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// From returns the request's identity, nil when none was established.
func From(ctx context.Context) *Identity {
	id, _ := ctx.Value(ctxKey{}).(*Identity)
	return id
}

// TenantOf returns the request's tenant, "" for the default one.
func TenantOf(ctx context.Context) string {
	if id := From(ctx); id != nil {
		return id.Tenant
	}
	return ""
}

// Key builds a key for anything shared between requests (caches, APQ,
// singleflight groups, rate-limit buckets): the parts prefixed by the
// request's tenant, so that two tenants' entries never meet. It is the
// one way such keys are made.
func Key(ctx context.Context, parts ...string) string {
	return KeyFor(TenantOf(ctx), parts...)
}

// KeyFor is Key for a tenant named outside a request ("" for the
// process's own CRM accounts), for state built at start-up per account.
func KeyFor(tenant string, parts ...string) string {
	var b strings.Builder
	b.WriteString("t:")
	b.WriteString(escape(tenant))
	for _, p := range parts {
		b.WriteByte('|')
		b.WriteString(escape(p))
	}
	return b.String()
}

// escape keeps the separator unambiguous: a tenant named "a|b" and a
// tenant "a" with a part "b" make different keys.
func escape(s string) string {
	if !strings.ContainsAny(s, `|\`) {
		return s
	}
	return strings.NewReplacer(`\`, `\\`, `|`, `\|`).Replace(s)
}

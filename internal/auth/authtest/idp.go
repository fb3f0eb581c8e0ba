// Package authtest is a test identity provider: a JWKS served over real
// HTTP whose keys can be rotated or made unavailable, and the signing of
// tokens with them, for the gateway's authentication tests.
package authtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

// Issuer and Audience are what the provider's tokens carry by default.
const (
	Issuer   = "https://idp.test/"
	Audience = "crm-gateway"
)

type key struct {
	kid  string
	alg  jwt.SigningMethod
	priv crypto.Signer
}

// IdP serves a JWKS at URL and signs tokens with its keys.
type IdP struct {
	*httptest.Server
	mu       sync.Mutex
	keys     []key // published
	retired  []key // no longer published, still able to sign (a rotated-out key)
	down     atomic.Bool
	requests atomic.Int64
	next     int
}

// New starts a provider publishing one RS256 and one ES256 key.
func New(t testing.TB) *IdP {
	t.Helper()
	p := &IdP{}
	p.keys = append(p.keys, p.newKey(t, jwt.SigningMethodRS256), p.newKey(t, jwt.SigningMethodES256))
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.Close)
	return p
}

// JWKSURL is where the key set is served.
func (p *IdP) JWKSURL() string { return p.URL + "/.well-known/jwks.json" }

// Requests counts key-set fetches.
func (p *IdP) Requests() int64 { return p.requests.Load() }

// SetDown makes the key set answer 503 (true) or serve again (false).
func (p *IdP) SetDown(v bool) { p.down.Store(v) }

// Rotate replaces the published RS256 key by a new one and returns the
// new key's kid; tokens signed with the old key can still be made.
func (p *IdP) Rotate(t testing.TB) string {
	t.Helper()
	k := p.newKey(t, jwt.SigningMethodRS256)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.retired = append(p.retired, p.keys[0])
	p.keys[0] = k
	return k.kid
}

// KID is the kid of the published key for alg ("RS256", "ES256").
func (p *IdP) KID(alg string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, k := range p.keys {
		if k.alg.Alg() == alg {
			return k.kid
		}
	}
	return ""
}

// Claims returns valid claims for sub: this provider's issuer, the
// gateway's audience, issued now, expiring in an hour.
func Claims(sub string, scopes ...string) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{"iss": Issuer, "aud": Audience, "sub": sub, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	if len(scopes) > 0 {
		s := ""
		for i, sc := range scopes {
			if i > 0 {
				s += " "
			}
			s += sc
		}
		c["scope"] = s
	}
	return c
}

// Sign signs claims with the key whose kid is given (published or
// retired), with that key's algorithm.
func (p *IdP) Sign(t testing.TB, kid string, claims jwt.MapClaims) string {
	t.Helper()
	p.mu.Lock()
	var found *key
	for _, k := range append(append([]key{}, p.keys...), p.retired...) {
		if k.kid == kid {
			found = &k
			break
		}
	}
	p.mu.Unlock()
	if found == nil {
		t.Fatalf("authtest: no key %q", kid)
	}
	tok := jwt.NewWithClaims(found.alg, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(found.priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// SignRS256 signs with the published RS256 key.
func (p *IdP) SignRS256(t testing.TB, claims jwt.MapClaims) string {
	return p.Sign(t, p.KID("RS256"), claims)
}

// PublicKeyPEM returns what an attacker would use as the HMAC secret in an
// algorithm-confusion attack: the published RSA key in PEM.
func (p *IdP) PublicKeyPEM() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	der, err := x509.MarshalPKIXPublicKey(p.keys[0].priv.Public())
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// SignWith signs claims with an arbitrary method and key material, for
// forged tokens (alg none, HMAC with the public key, unknown keys).
func SignWith(t testing.TB, m jwt.SigningMethod, keyMaterial any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(keyMaterial)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (p *IdP) newKey(t testing.TB, m jwt.SigningMethod) key {
	t.Helper()
	p.next++
	k := key{kid: fmt.Sprintf("key-%d", p.next), alg: m}
	var err error
	switch m {
	case jwt.SigningMethodRS256:
		k.priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case jwt.SigningMethodES256:
		k.priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		t.Fatalf("authtest: unsupported method %s", m.Alg())
	}
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (p *IdP) jwk(k key) jwkset.JWKMarshal {
	j, err := jwkset.NewJWKFromKey(k.priv.Public(), jwkset.JWKOptions{
		Metadata: jwkset.JWKMetadataOptions{KID: k.kid, ALG: jwkset.ALG(k.alg.Alg()), USE: jwkset.UseSig},
	})
	if err != nil {
		panic(err)
	}
	return j.Marshal()
}

func (p *IdP) serve(w http.ResponseWriter, _ *http.Request) {
	p.requests.Add(1)
	if p.down.Load() {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	p.mu.Lock()
	set := jwkset.JWKSMarshal{}
	for _, k := range p.keys {
		set.Keys = append(set.Keys, p.jwk(k))
	}
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(set)
}

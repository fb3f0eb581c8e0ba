package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"sync"
	"testing"
)

var (
	strangerOnce sync.Once
	stranger     *rsa.PrivateKey
)

// strangerKey is an RSA key no provider publishes.
func strangerKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	strangerOnce.Do(func() {
		var err error
		if stranger, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return stranger
}

// tamper changes the payload of a compact JWS and keeps its signature.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	p := []byte(parts[1])
	if p[0] == 'A' {
		p[0] = 'B'
	} else {
		p[0] = 'A'
	}
	return parts[0] + "." + string(p) + "." + parts[2]
}

func TestNewKey(t *testing.T) {
	key, e, err := NewKey("n", []string{"synergy:read"}, "t")
	if err != nil || !strings.HasPrefix(key, KeyPrefix) || looksLikeJWT(key) || len(e.SHA256) != 64 || strings.Contains(e.SHA256, key) {
		t.Fatalf("%q %+v %v", key, e, err)
	}
	if _, _, err := NewKey("n", []string{"admin"}, ""); err == nil {
		t.Fatal("unknown scope accepted")
	}
	if _, _, err := NewKey("", nil, ""); err == nil {
		t.Fatal("nameless key accepted")
	}
}

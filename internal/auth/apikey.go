package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/crmgateway/gateway/internal/caller"
)

// KeyEntry is one line of AUTH_API_KEYS_FILE. The key itself is never
// stored, only its SHA-256.
type KeyEntry struct {
	Name   string   `json:"name"`
	SHA256 string   `json:"sha256"`
	Scopes []string `json:"scopes"`
	Tenant string   `json:"tenant,omitempty"`
}

type keyRecord struct {
	hash [sha256.Size]byte
	id   *caller.Identity
}

type keySet struct {
	records []keyRecord
	digest  [sha256.Size]byte // of the file, to notice a change
}

// APIKeys authenticates API keys against AUTH_API_KEYS_FILE, which it
// re-reads when the file changes or on Reload (SIGHUP). A file that fails
// to load at start-up stops the start; one that fails later is logged and
// the keys loaded before stay in force.
type APIKeys struct {
	path   string
	tenant func(string) bool
	log    *slog.Logger
	set    atomic.Pointer[keySet]
}

// NewAPIKeys loads path. tenantKnown validates each key's tenant (nil: any).
func NewAPIKeys(path string, tenantKnown func(string) bool, log *slog.Logger) (*APIKeys, error) {
	k := &APIKeys{path: path, tenant: tenantKnown, log: log}
	set, err := k.load()
	if err != nil {
		return nil, err
	}
	k.set.Store(set)
	return k, nil
}

// Len reports how many keys are in force.
func (k *APIKeys) Len() int { return len(k.set.Load().records) }

// Reload re-reads the file. On error the previous keys stay in force.
func (k *APIKeys) Reload() error {
	set, err := k.load()
	if err != nil {
		k.log.Error("API keys file not reloaded; the previous keys stay in force",
			slog.String("file", k.path), slog.String("error", err.Error()))
		return err
	}
	if set.digest != k.set.Load().digest {
		k.set.Store(set)
		k.log.Info("API keys reloaded", slog.String("file", k.path), slog.Int("keys", len(set.records)))
	}
	return nil
}

// Watch reloads the file when its content changes (polled every interval,
// which also follows the symlink swaps of Kubernetes secret volumes) and
// whenever reload receives, until ctx ends.
func (k *APIKeys) Watch(ctx context.Context, interval time.Duration, reload <-chan os.Signal) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-reload:
			_ = k.Reload()
		case <-t.C:
			data, err := os.ReadFile(k.path)
			if err == nil && sha256.Sum256(data) == k.set.Load().digest {
				continue
			}
			_ = k.Reload()
		}
	}
}

func (k *APIKeys) load() (*keySet, error) {
	data, err := os.ReadFile(k.path)
	if err != nil {
		return nil, fmt.Errorf("AUTH_API_KEYS_FILE: %w", err)
	}
	var entries []KeyEntry
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&entries); err != nil {
		return nil, fmt.Errorf("AUTH_API_KEYS_FILE %s: not a JSON array of {name, sha256, scopes, tenant}: %w", k.path, err)
	}
	set := &keySet{digest: sha256.Sum256(data)}
	var errs []error
	names := map[string]bool{}
	hashes := map[[sha256.Size]byte]bool{}
	for i, e := range entries {
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("AUTH_API_KEYS_FILE entry %d (%q): %s", i, e.Name, fmt.Sprintf(format, args...)))
		}
		if e.Name == "" || names[e.Name] {
			bad("every key needs a unique name")
		}
		names[e.Name] = true
		raw, err := hex.DecodeString(strings.ToLower(e.SHA256))
		if err != nil || len(raw) != sha256.Size {
			bad("sha256 must be the 64-hex-digit SHA-256 of the key (never the key itself)")
			continue
		}
		var h [sha256.Size]byte
		copy(h[:], raw)
		if hashes[h] {
			bad("the same key hash appears twice")
		}
		hashes[h] = true
		id := &caller.Identity{Method: caller.APIKey, Name: e.Name, Tenant: e.Tenant}
		for _, s := range e.Scopes {
			if !caller.Known(s) {
				bad("unknown scope %q (known: %s)", s, scopeList())
				continue
			}
			id.Scopes = append(id.Scopes, caller.Scope(s))
		}
		if e.Tenant != "" && k.tenant != nil && !k.tenant(e.Tenant) {
			bad("tenant %q is not in TENANTS_FILE", e.Tenant)
		}
		set.records = append(set.records, keyRecord{hash: h, id: id})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return set, nil
}

// lookup finds the key's entry. Every entry is compared, in constant time,
// so how long a refusal takes says nothing about which hashes exist.
func (k *APIKeys) lookup(key string) (*caller.Identity, error) {
	h := sha256.Sum256([]byte(key))
	var found *caller.Identity
	for _, rec := range k.set.Load().records {
		if subtle.ConstantTimeCompare(h[:], rec.hash[:]) == 1 {
			found = rec.id
		}
	}
	if found == nil {
		return nil, refuse("unknown API key")
	}
	return found, nil
}

func scopeList() string {
	s := make([]string, len(caller.Scopes))
	for i, sc := range caller.Scopes {
		s[i] = string(sc)
	}
	return strings.Join(s, ", ")
}

// KeyPrefix starts every key the gateway issues, so a leaked key is easy
// to recognise (secret scanners, logs) and never looks like a JWT.
const KeyPrefix = "crmgw_"

// NewKey makes a new API key (32 random bytes) and its file entry.
func NewKey(name string, scopes []string, tenant string) (key string, entry KeyEntry, err error) {
	for _, s := range scopes {
		if !caller.Known(s) {
			return "", KeyEntry{}, fmt.Errorf("unknown scope %q (known: %s)", s, scopeList())
		}
	}
	if name == "" {
		return "", KeyEntry{}, errors.New("a key needs a name")
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", KeyEntry{}, err
	}
	key = KeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(key))
	return key, KeyEntry{Name: name, SHA256: hex.EncodeToString(sum[:]), Scopes: scopes, Tenant: tenant}, nil
}

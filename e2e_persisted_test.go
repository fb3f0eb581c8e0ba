package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/crmgateway/gateway/internal/config"
)

func sha(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

// TestTrustedDocuments: PERSISTED_DOCUMENTS_FILE's documents run by hash;
// with PERSISTED_ONLY nothing else runs (an ad-hoc document, an unknown
// hash, an APQ registration are PERSISTED_QUERY_NOT_FOUND), while the REST
// facade, whose documents the gateway makes itself, keeps working.
func TestTrustedDocuments(t *testing.T) {
	const contacts = `query Contacts { contacts(first: 2) { nodes { firstName } } }`
	const countries = `query Countries { countries { name } }`
	manifest := writeJSON(t, "persisted-documents.json", map[string]string{sha(contacts): contacts, sha(countries): countries})
	cfg := config.Defaults()
	cfg.PersistedDocumentsFile = manifest
	cfg.PersistedOnly = true
	g := startGateway(t, cfg)
	post := func(body map[string]any) authed {
		b, _ := json.Marshal(body)
		return send(t, "POST", g.URL+"/graphql", nil, string(b))
	}
	byHash := func(h string) map[string]any {
		return map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": h}}}
	}
	for _, doc := range []string{contacts, countries} {
		if r := post(byHash(sha(doc))); r.Status != 200 || len(r.codes(t)) != 0 || !strings.Contains(r.Body, `"name"`) && !strings.Contains(r.Body, `"firstName"`) {
			t.Fatalf("trusted by hash: %d %s", r.Status, r.Body)
		}
	}
	if r := post(map[string]any{"query": contacts}); len(r.codes(t)) != 0 {
		t.Fatalf("a trusted document sent whole: %s", r.Body)
	}
	adhoc := `{ contacts(first: 50) { nodes { firstName email } } }`
	for name, body := range map[string]map[string]any{
		"ad-hoc document":          {"query": adhoc},
		"unknown hash":             byHash(sha(adhoc)),
		"APQ registration":         {"query": adhoc, "extensions": byHash(sha(adhoc))["extensions"]},
		"trusted hash, other text": {"query": adhoc, "extensions": byHash(sha(contacts))["extensions"]},
	} {
		if r := post(body); fmt.Sprint(r.codes(t)) != "[PERSISTED_QUERY_NOT_FOUND]" || strings.Contains(r.Body, `"data"`) {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	if r := post(byHash(sha(adhoc))); fmt.Sprint(r.codes(t)) != "[PERSISTED_QUERY_NOT_FOUND]" {
		t.Fatalf("a refused registration was kept: %s", r.Body)
	}
	if r := send(t, "GET", g.URL+"/rest/v1/contacts?first=1", nil, ""); r.Status != 200 {
		t.Fatalf("REST under PERSISTED_ONLY: %d %s", r.Status, r.Body)
	}

	t.Run("without PERSISTED_ONLY other documents run too", func(t *testing.T) {
		cfg := config.Defaults()
		cfg.PersistedDocumentsFile = manifest
		g := startGateway(t, cfg)
		b, _ := json.Marshal(byHash(sha(countries)))
		if r := send(t, "POST", g.URL+"/graphql", nil, string(b)); len(r.codes(t)) != 0 {
			t.Fatalf("%s", r.Body)
		}
		b, _ = json.Marshal(map[string]any{"query": adhoc})
		if r := send(t, "POST", g.URL+"/graphql", nil, string(b)); len(r.codes(t)) != 0 {
			t.Fatalf("%s", r.Body)
		}
	})
	t.Run("a manifest whose hashes lie is refused", func(t *testing.T) {
		cfg := config.Defaults()
		cfg.PersistedDocumentsFile = writeJSON(t, "bad.json", map[string]string{sha(contacts): countries})
		if _, err := build(cfg, slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil || !strings.Contains(err.Error(), "not the SHA-256 of its document") {
			t.Fatalf("err = %v", err)
		}
	})
}

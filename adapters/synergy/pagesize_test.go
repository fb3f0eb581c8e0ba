package synergy

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crmgateway/gateway/adapters/synergy/emulator"
	"github.com/crmgateway/gateway/internal/config"
	spec "github.com/crmgateway/gateway/internal/synergyspec"
)

// capSafety is how many times the largest measured page the default
// response cap must hold: real records carry longer texts and more custom
// fields than the seed.
const capSafety = 8

// TestLargestPageFitsTheDefaultCap measures the largest answer the
// gateway asks SynergyCRM for: a page of 100 (the documented maximum) of
// each writable type, every record carrying all its attributes and custom
// fields, with every relationship included. The seed is filled up to 100
// by creating its records again through the emulator's API. The default
// SYNERGY_MAX_RESPONSE_BYTES must hold the largest capSafety times over
// (the figures are in README.md).
func TestLargestPageFitsTheDefaultCap(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	call := func(method, path string, body []byte) []byte {
		req, _ := http.NewRequest(method, srv.URL+emulator.BasePath+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+emu.Token())
		req.Header.Set("Content-Type", MediaType)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode/100 != 2 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		return b
	}
	largest, largestType := 0, ""
	for _, r := range spec.Resources {
		if r.List == "" || r.Opaque {
			continue
		}
		var inc []string
		for _, rel := range r.Rels {
			inc = append(inc, rel.Key)
		}
		path := "/" + r.Type + "?page[size]=100"
		if len(inc) > 0 {
			path += "&include=" + strings.Join(inc, ",")
		}
		if r.Writable {
			fill(t, call, r, path)
		}
		page := call(http.MethodGet, path, nil)
		if len(page) > largest {
			largest, largestType = len(page), r.Type
		}
	}
	t.Logf("largest SynergyCRM page: %s, %d bytes", largestType, largest)
	if largest*capSafety > config.DefaultSynergyMaxResponseBytes {
		t.Fatalf("the default cap %d holds the largest page (%d bytes) fewer than %d times",
			config.DefaultSynergyMaxResponseBytes, largest, capSafety)
	}
}

// fill creates records of r again until a page of 100 is full.
func fill(t *testing.T, call func(string, string, []byte) []byte, r spec.Resource, path string) {
	t.Helper()
	var doc struct {
		Data []struct {
			Attributes    map[string]json.RawMessage `json:"attributes"`
			Relationships map[string]struct {
				Data json.RawMessage `json:"data"`
			} `json:"relationships"`
		} `json:"data"`
	}
	if err := json.Unmarshal(call(http.MethodGet, path, nil), &doc); err != nil || len(doc.Data) == 0 {
		t.Fatalf("%s: %v", r.Type, err)
	}
	writable := map[string]bool{}
	for _, a := range r.Attrs {
		writable[a.Name] = a.Writable
	}
	for i := 0; len(doc.Data)+i < 100; i++ {
		d := doc.Data[i%len(doc.Data)]
		attrs := map[string]json.RawMessage{}
		for k, v := range d.Attributes {
			if writable[k] && string(v) != "null" {
				attrs[k] = v
			}
		}
		rels := map[string]any{}
		for k, rel := range d.Relationships {
			if len(rel.Data) > 0 && string(rel.Data) != "null" {
				rels[k] = map[string]json.RawMessage{"data": rel.Data}
			}
		}
		body, _ := json.Marshal(map[string]any{"data": map[string]any{"type": r.Type, "attributes": attrs, "relationships": rels}})
		call(http.MethodPost, "/"+r.Type, body)
	}
}

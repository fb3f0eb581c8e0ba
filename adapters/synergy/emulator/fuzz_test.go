package emulator_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/crmgateway/gateway/adapters/synergy/emulator"
)

// FuzzWriteBody feeds arbitrary bodies to the create and update decoders:
// every answer must be a documented status with a JSON body.
func FuzzWriteBody(f *testing.F) {
	seeds := []string{
		`{"data":{"type":"contacts","attributes":{"first-name":"Иван","last-name":"Иванов"}}}`,
		`{"data":{"type":"contacts","id":"1001","attributes":{"middle-name":null}}}`,
		`{"data":{"type":"contacts","attributes":{"first-name":"А","last-name":"Б","custom":{"custom-1":1}},"relationships":{"companies":{"data":[{"type":"companies","id":2001}]}}}}`,
		`{"data":{"type":"contacts","relationships":{"status":{"data":null}}}}`,
		`{"data":[]}`, `{}`, `null`, `[`, `{"data":{"type":"contacts","attributes":{"first-name":1e999}}}`,
		`{"data":{"type":"contacts","relationships":{"companies":{"data":[{"type":"companies","id":"99999999999999999999"}]}}}}`,
	}
	for _, s := range seeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	emu := emulator.New(emulator.Options{Token: "t"})
	allowed := []int{200, 201, 400, 403, 404, 409, 413, 422}
	f.Fuzz(func(t *testing.T, body string, patch bool) {
		method, path := http.MethodPost, "/api/v1/contacts"
		if patch {
			method, path = http.MethodPatch, "/api/v1/contacts/1001"
		}
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer t")
		req.Header.Set("Content-Type", emulator.MediaType)
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)
		if !slices.Contains(allowed, rec.Code) {
			t.Fatalf("status %d for %q", rec.Code, body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("invalid JSON answer %q", rec.Body.String())
		}
	})
}

// FuzzQuery feeds arbitrary query strings to the list endpoint: 200 or a 400
// naming a parameter, always a JSON body.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{
		"page[size]=7&page[number]=2", "include=companies.deals,status", "fields[contacts]=first-name",
		"filter[work_phone]=%2B79876543211", "filter[created-at-gte]=2022.02.22%2012:00", "filter[nope]=1",
		"include=companies..x", "page[size]=1000", "sort=id", "filter[any_phone]=",
	} {
		f.Add(s)
	}
	emu := emulator.New(emulator.Options{Token: "t"})
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		req := httptest.NewRequest(http.MethodGet, "/api/v1/contacts?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer t")
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)
		if rec.Code != 200 && rec.Code != 400 {
			t.Fatalf("status %d for %q", rec.Code, raw)
		}
		var doc map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatalf("invalid JSON for %q: %v", raw, err)
		}
		if rec.Code == 400 {
			errs, _ := doc["errors"].([]any)
			if len(errs) == 0 {
				t.Fatalf("400 without errors for %q", raw)
			}
			src, _ := errs[0].(map[string]any)["source"].(map[string]any)
			if p, _ := src["parameter"].(string); p == "" {
				t.Fatalf("400 without source.parameter for %q: %s", raw, rec.Body)
			}
		}
	})
}

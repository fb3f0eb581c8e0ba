package synergy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/crmgateway/gateway/adapters/synergy/emulator"
	spec "github.com/crmgateway/gateway/internal/synergyspec"
)

const dealsPagePath = "/deals?page[size]=100&include=company,contact,stage,status,source"

// sparsePagePath is the page S3 of the side-by-side benchmark reads: names
// only, through sparse fieldsets.
const sparsePagePath = "/deals?page[size]=100&include=company,contact,stage,status" +
	"&fields[deals]=name,company,contact,stage,status&fields[companies]=name&fields[contacts]=first-name" +
	"&fields[deal-stages]=name&fields[deal-statuses]=name"

var (
	dealsPageOnce sync.Once
	dealsPage     []byte
	sparsePage    []byte
	dealsPageErr  error
)

// dealsPageBody is a realistic JSON:API page as the emulator serves it: 100
// deals with all their attributes and customs, linkage for company,
// contact, stage, status and source, and the included resources. The seed
// has fewer deals, so the first ones are created again (writable
// attributes and linkage) through the API. It is built once per test binary.
func dealsPageBody(tb testing.TB) []byte {
	tb.Helper()
	dealsPageOnce.Do(func() { dealsPage, sparsePage, dealsPageErr = buildDealsPage() })
	if dealsPageErr != nil {
		tb.Fatal(dealsPageErr)
	}
	return dealsPage
}

func buildDealsPage() (full, sparse []byte, err error) {
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	call := func(method, path string, body []byte) ([]byte, error) {
		req, err := http.NewRequest(method, srv.URL+emulator.BasePath+path, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+emu.Token())
		req.Header.Set("Accept", MediaType)
		if body != nil {
			req.Header.Set("Content-Type", MediaType)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode/100 != 2 {
			err = fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		return b, err
	}
	page, err := call(http.MethodGet, dealsPagePath, nil)
	if err != nil {
		return nil, nil, err
	}
	var doc struct {
		Data []struct {
			Attributes    map[string]json.RawMessage `json:"attributes"`
			Relationships map[string]struct {
				Data json.RawMessage `json:"data"`
			} `json:"relationships"`
		} `json:"data"`
	}
	if err := json.Unmarshal(page, &doc); err != nil {
		return nil, nil, err
	}
	writable := map[string]bool{}
	for _, a := range spec.ByType("deals").Attrs {
		writable[a.Name] = a.Writable
	}
	for i := 0; len(doc.Data)+i < 100; i++ {
		d := doc.Data[i%len(doc.Data)]
		attrs := map[string]json.RawMessage{}
		for k, v := range d.Attributes {
			if writable[k] {
				attrs[k] = v
			}
		}
		rels := map[string]any{}
		for k, r := range d.Relationships {
			if len(r.Data) > 0 {
				rels[k] = map[string]json.RawMessage{"data": r.Data}
			}
		}
		body, err := json.Marshal(map[string]any{"data": map[string]any{"type": "deals", "attributes": attrs, "relationships": rels}})
		if err != nil {
			return nil, nil, err
		}
		if _, err := call(http.MethodPost, "/deals", body); err != nil {
			return nil, nil, err
		}
	}
	if full, err = call(http.MethodGet, dealsPagePath, nil); err != nil {
		return nil, nil, err
	}
	sparse, err = call(http.MethodGet, sparsePagePath, nil)
	return full, sparse, err
}

// TestDealsPageFixture keeps the benchmark honest: the page is what the
// benchmark claims it is.
func TestDealsPageFixture(t *testing.T) {
	body := dealsPageBody(t)
	doc, err := Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Data) != 100 {
		t.Fatalf("%d deals, want 100", len(doc.Data))
	}
	types := map[string]int{}
	for _, e := range doc.Included {
		types[e.Record().Type]++
	}
	if len(doc.Included) < 100 || len(types) != 5 {
		t.Fatalf("included = %v", types)
	}
	for _, e := range doc.Data {
		r := e.Record()
		for _, rel := range []string{"company", "contact", "stage", "status", "source"} {
			if _, ok := r.Links.Get(rel); !ok {
				t.Fatalf("deal %s has no linkage for %s", r.SourceID, rel)
			}
		}
		if len(r.Attributes) < 200 {
			t.Fatalf("deal %s has few attributes: %s", r.SourceID, r.Attributes)
		}
	}
	t.Logf("%d bytes, %d included: %v", len(body), len(doc.Included), types)
}

// BenchmarkDecodeDealsPage decodes one full page of deals with includes.
func BenchmarkDecodeDealsPage(b *testing.B) {
	body := dealsPageBody(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeSparsePage decodes the page the side-by-side benchmark's
// S3 reads (100 deals here): names only, which the attribute fast path
// serves.
func BenchmarkDecodeSparsePage(b *testing.B) {
	dealsPageBody(b)
	body := sparsePage
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(body); err != nil {
			b.Fatal(err)
		}
	}
}

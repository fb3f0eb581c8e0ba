package emulator_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/crmgateway/gateway/adapters/synergy/emulator"
)

func benchGet(b *testing.B, path string) {
	emu := emulator.New(emulator.Options{Token: "t"})
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer t")
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// BenchmarkListDeals measures a default page of deals, the gateway's most
// common upstream call.
func BenchmarkListDeals(b *testing.B) { benchGet(b, "/api/v1/deals") }

// BenchmarkListDealsInclude measures a page with nested includes, as the
// gateway asks for when a query selects related entities.
func BenchmarkListDealsInclude(b *testing.B) {
	benchGet(b, "/api/v1/deals?page[size]=100&include=company.status,contact,stage,stage-category,orders")
}

// BenchmarkFilterContacts measures a filtered contact search by phone.
func BenchmarkFilterContacts(b *testing.B) {
	benchGet(b, "/api/v1/contacts?filter[any_phone]=%2B79876543211")
}

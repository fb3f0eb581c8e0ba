package httpserver

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crmgateway/gateway/internal/problem"
)

// TestRecovererSpeaksTheRoutesLanguage: a handler's panic is a 500 with code
// INTERNAL, a GraphQL error document on /graphql and an RFC 9457 problem
// document on the REST routes, and the panic's value never reaches the
// caller.
func TestRecovererSpeaksTheRoutesLanguage(t *testing.T) {
	boom := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("secret detail") })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		name  string
		h     http.Handler
		media string
	}{
		{"graphql", recoverer(log)(boom), "application/json"},
		{"rest", problem.Mark(recoverer(log)(boom)), "application/problem+json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			tc.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/rest/v1/deals", nil))
			if rec.Code != http.StatusInternalServerError {
				t.Fatalf("status %d", rec.Code)
			}
			if got := rec.Header().Get("Content-Type"); got != tc.media {
				t.Fatalf("Content-Type %q, want %q", got, tc.media)
			}
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			code := ""
			if tc.name == "rest" {
				code, _ = body["code"].(string)
				if body["status"] != float64(500) {
					t.Fatalf("problem status: %s", rec.Body)
				}
			} else if errs, ok := body["errors"].([]any); ok && len(errs) == 1 {
				ext, _ := errs[0].(map[string]any)["extensions"].(map[string]any)
				code, _ = ext["code"].(string)
			}
			if code != "INTERNAL" {
				t.Fatalf("code %q in %s", code, rec.Body)
			}
			if strings.Contains(rec.Body.String(), "secret detail") {
				t.Fatalf("the panic's value reached the caller: %s", rec.Body)
			}
		})
	}
}

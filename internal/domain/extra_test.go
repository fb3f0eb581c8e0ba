package domain

import (
	"encoding/json"
	"testing"
)

func TestExtraOf(t *testing.T) {
	known := []string{"id", "name", "status"}
	for _, tc := range []struct {
		name, raw string
		keep      []string
		want      string // "" for nil (null)
	}{
		{"nothing unmapped", `{"id": "1", "name": "a"}`, nil, ""},
		{"empty object", `{}`, nil, ""},
		{"not an object", `[1, 2]`, nil, ""},
		{"no record", ``, nil, ""},
		{"unmapped members in the upstream's order, values as sent", `{"zeta": 1, "id": "1", "alpha": {"b": [1, 2]}, "name": "x"}`, nil,
			`{"zeta":1,"alpha":{"b": [1, 2]}}`},
		{"a known member kept on request", `{"id": "1", "status": "Blocked"}`, []string{"status"}, `{"status":"Blocked"}`},
		{"escaped keys", `{"a\"b": null}`, nil, `{"a\"b":null}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ExtraOf(json.RawMessage(tc.raw), known, tc.keep...)
			if tc.want == "" {
				if got != nil {
					t.Fatalf("extra = %s, want nil", got)
				}
				return
			}
			if string(got) != tc.want || !json.Valid(got) {
				t.Fatalf("extra = %s, want %s", got, tc.want)
			}
		})
	}
}

// The SynergyCRM record's extra is its attributes less those its type's
// fields map (aliases included), null when none is left.
func TestSynergyRecordExtra(t *testing.T) {
	rec := SynergyRecord{Type: "contacts", Attributes: []byte(`{"first-name": "Иван", "customs": {}, "custom": {}, "telegram-id": 5}`)}
	if got := string(rec.Extra()); got != `{"telegram-id":5}` {
		t.Errorf("extra = %s", got)
	}
	rec.Attributes = []byte(`{"first-name": "Иван"}`)
	if got := rec.Extra(); got != nil {
		t.Errorf("extra = %s, want nil", got)
	}
}

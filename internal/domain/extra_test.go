package domain

import (
	"bytes"
	"encoding/json"
	"slices"
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

// extraByDecoder is ExtraOf read member by member with encoding/json's
// Decoder, the reading ExtraOf answers as.
func extraByDecoder(raw json.RawMessage, known []string, keep ...string) []byte {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var out []byte
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil
		}
		key, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil
		}
		if slices.Contains(known, key) && !slices.Contains(keep, key) {
			continue
		}
		if out == nil {
			out = append(out, '{')
		} else {
			out = append(out, ',')
		}
		k, _ := json.Marshal(key)
		out = append(append(append(out, k...), ':'), v...)
	}
	if _, err := dec.Token(); err != nil || dec.More() || out == nil {
		return nil
	}
	return append(out, '}')
}

func FuzzExtraOf(f *testing.F) {
	for _, s := range []string{`{"id": "1", "zeta": [1, {"a": null}], "name": "x"}`, `{"a\"b": 1, "<&>": 2, "\u00e9": 3}`,
		`{"id": 1, "id": 2, "x": 3}`, "{\"\xff\": 1}", `{"status": "Blocked"}`, `[]`, `{}`, `{"a": 1} x`} {
		f.Add([]byte(s))
	}
	known := []string{"id", "name", "status"}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return // ExtraOf reads records the decoders have checked
		}
		for _, keep := range [][]string{nil, {"status"}} {
			got, want := ExtraOf(raw, known, keep...), extraByDecoder(raw, known, keep...)
			if string(got) != string(want) {
				t.Fatalf("ExtraOf(%q) = %q, want %q", raw, got, want)
			}
		}
	})
}

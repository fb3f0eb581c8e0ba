package domain

import (
	"bytes"
	"encoding/json"

	"github.com/crmgateway/gateway/internal/scalar"
)

// ExtraOf is the members of the JSON object raw that are not in known, as
// one object in the upstream's order; nil when there is none (or raw is no
// object). keep names a known member to keep anyway (an upstream value an
// enum of the API reads as OTHER). This is the one reading of `extra` for
// every backend: the upstream's members no field maps, null when none.
func ExtraOf(raw json.RawMessage, known []string, keep ...string) scalar.JSON {
	if len(raw) == 0 {
		return nil
	}
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
		if contains(known, key) && !contains(keep, key) {
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
	if out == nil {
		return nil
	}
	return scalar.JSON(append(out, '}'))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

package domain

import (
	"encoding/json"
	"slices"

	"github.com/crmgateway/gateway/internal/jsonscan"
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
	var members [32]jsonscan.Member
	ms, err := jsonscan.ScanObject(raw, members[:0])
	if err != nil {
		return nil
	}
	var out []byte
	for _, m := range ms {
		if key := jsonscan.KeyOf(raw, m); slices.Contains(known, key) && !slices.Contains(keep, key) {
			continue
		}
		if out == nil {
			out = append(out, '{')
		} else {
			out = append(out, ',')
		}
		out = append(jsonscan.AppendKey(out, raw, m), ':')
		out = append(out, raw[m.ValueStart:m.ValueEnd]...)
	}
	if out == nil {
		return nil
	}
	return scalar.JSON(append(out, '}'))
}

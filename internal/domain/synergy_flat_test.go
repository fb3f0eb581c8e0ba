package domain

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// decodeFull is DecodeSynergyAttributes without the flat fast path.
func decodeFull(e SynergyEntity, raw []byte) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, e); err != nil {
		return err
	}
	if a, ok := e.(interface{ applyAliases() }); ok {
		a.applyAliases()
	}
	return nil
}

// flatTypes are the JSON:API types the tests decode into: plain, with
// aliases, with non-string attributes, and opaque.
var flatTypes = []string{"deals", "contacts", "companies", "contracts", "deal-stages", "users"}

func checkFlat(t *testing.T, typ, raw string) {
	t.Helper()
	fast, full := NewSynergyEntity(typ), NewSynergyEntity(typ)
	errFast := DecodeSynergyAttributes(fast, []byte(raw))
	errFull := decodeFull(full, []byte(raw))
	if fmt.Sprint(errFast) != fmt.Sprint(errFull) {
		t.Fatalf("%s %s: error %v, encoding/json says %v", typ, raw, errFast, errFull)
	}
	if !reflect.DeepEqual(fast, full) {
		t.Fatalf("%s %s:\n fast %+v\n full %+v", typ, raw, fast, full)
	}
	// From a slab, with the strings cut from the object's text.
	var slab SynergySlab
	slab.Reserve(typ, 2)
	cut := slab.New(typ)
	if errCut := slab.DecodeAttributes(cut, []byte(raw), raw); fmt.Sprint(errCut) != fmt.Sprint(errFull) {
		t.Fatalf("%s %s: error from a slab %v, encoding/json says %v", typ, raw, errCut, errFull)
	}
	if !reflect.DeepEqual(cut, full) {
		t.Fatalf("%s %s:\n from a slab %+v\n full %+v", typ, raw, cut, full)
	}
}

var flatSeeds = []string{
	`{"name":"Поставка","first-name":"Иван","last-name":null}`,
	`{"name":"a","name":"b"}`,
	`{"name":"a","name":null}`,
	`{"Name":"x"}`,
	`{"NAME":"x","name":"y"}`,
	`{"name":"\u0041"}`,
	"{\"name\":\"\xff\"}",
	`{"ſtatus":"x","name":"K"}`,
	`{"amount":2200000.0,"name":"x"}`,
	`{"amount":null,"name":"x"}`,
	`{"custom_number":"7","custom-number":null}`,
	`{"custom-number":"8","custom_number":"7"}`,
	`{"customs":{"custom-1":"x"}}`,
	`{"unknown":"x","other":null}`,
	`{"unknown":1}`,
	` { "name" : "spaced" , "color" : null } `,
	`{}`,
	`[]`,
	`"name"`,
	`null`,
	`{"name":1}`,
	`{"first-name":"a\"b"}`,
	`{"na\u006de":"x"}`,
	// more string members than a first pass keeps: read twice
	`{"first-name":"a","last-name":"b","middle-name":null,"description":"d","general-phone":"1","mobile-phone":"2",` +
		`"work-phone":"3","work-phone-postfix":"4","other-phone":"5","other-phone-postfix":"6","fax":"7","email":"e",` +
		`"other-email":"o","website":"w","work-country":"c","work-region":"r","work-city":"k","work-street":"s","first-name":null}`,
}

// TestDecodeFlatMatchesEncodingJSON: the fast path decodes every seed as
// encoding/json does, or leaves it to encoding/json.
func TestDecodeFlatMatchesEncodingJSON(t *testing.T) {
	for _, typ := range flatTypes {
		for _, raw := range flatSeeds {
			if json.Valid([]byte(raw)) {
				checkFlat(t, typ, raw)
			}
		}
	}
	// the fast path is taken for what it is for
	if !NewSynergyEntity("deal-stages").(*DealStage).decodeFlat([]byte(`{"name":"Поставка","color":null}`), "", nil) {
		t.Fatal("a flat object of strings and nulls is not decoded by the fast path")
	}
	if !NewSynergyEntity("contacts").(*Contact).decodeFlat([]byte(flatSeeds[len(flatSeeds)-1]), "", nil) {
		t.Fatal("an object with more string members than a pass keeps is not decoded by the fast path")
	}
}

func FuzzDecodeFlat(f *testing.F) {
	for i, raw := range flatSeeds {
		f.Add(uint8(i), raw)
	}
	f.Fuzz(func(t *testing.T, typ uint8, raw string) {
		if !json.Valid([]byte(raw)) {
			return // the walker hands over only valid JSON
		}
		checkFlat(t, flatTypes[int(typ)%len(flatTypes)], raw)
	})
}

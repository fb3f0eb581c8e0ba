package synergy

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/domain"
)

// The single-pass Decode must answer exactly as the decoder it replaced
// (oldDecode, kept in olddecode_test.go): same entities, same errors.

// diffCases are documents at the edges of what encoding/json accepts and
// of the JSON:API shapes Decode reads.
var diffCases = []string{
	// Resource identifiers near the compact form plainIdentifier reads.
	`{"data":{"type":"deals","id":"1","relationships":{"company":{"data":{"type":"companies","id":"5"}}}}}`,
	`{"data":{"type":"deals","id":"1","relationships":{"company":{"data":{"id":"5","type":"companies"}}}}}`,
	`{"data":{"type":"deals","id":"1","relationships":{"company":{"data":{"id":5,"type":"companies"}}}}}`,
	`{"data":{"type":"deals","id":"1","relationships":{"company":{"data":{"id":"5","type":"compan\u0069es"}}}}}`,
	`{"data":{"type":"deals","id":"1","relationships":{"company":{"data":{"id":"\u0035","type":"companies"}}}}}`,
	`{"data":{"type":"deals","id":"1","relationships":{"company":{"data":{"ID":"5","TYPE":"companies"}}}}}`,
	`{"data":{"type":"deals","id":"1","relationships":{"company":{"data":{"id":"5","type":"companies","meta":{}}}}}}`,
	`{"data":{"type":"deals","id":"1","relationships":{"company":{"data":{"id":"5","id":"6","type":"companies"}}}}}`,
	`{"data":{"type":"deals","id":"1","relationships":{"company":{"data":{"id":"","type":"companies"}}}}}`,
	`{"data":{"type":"deals","id":"1","relationships":{"company":{"data":{"id":"5","type":""}}}}}`,
	`{"data":{"type":"deals","id":"1","relationships":{"company":{"data":{"id":"5","type":null}}}}}`,
	`{"data":{"type":"deals","id":"1","relationships":{"company":{"data":{"id":"5","type":"компании"}}}}}`,
	`{"data":{"type":"deals","id":"1","relationships":{"company":{"data":{ "id" : "5" , "type" : "companies" }}}}}`,
	`{"data":{"type":"deals","id":"1","relationships":{"company":{"data":{"id":"5","type":"companies"},"data":{"id":"6","type":"companies"}}}}}`,
	// Top level.
	``, ` `, `null`, " \t\r\n null \n", `[]`, `5`, `"x"`, `true`, `{}`, "\ufeff{}", "\t{ \"data\" : [ ] }\r\n",
	`{"data": null} x`, `{"data": null}}`, `{"data": [}`, `{"data": 01}`, `{"data": [1,]}`, `{"a" 1}`, `{"a": 1,}`,
	`{"a": "\u12"}`, `{"a": "\q"}`, "{\"a\": \"\x01\"}", `{"a": 1.}`, `{"a": -}`, `{"a": 1e}`, `{"a": 1e+}`, `{"a": tru}`,
	`{"a": nul}`, `{"a": [1 2]}`, `{"a": {"b" }}`, `{"a": "unterminated}`, `{"a": "\`, `{"a": -01}`, `{"a": 1.5E-3}`,
	// data.
	`{"data": [null]}`, `{"data": [5]}`, `{"data": "x"}`, `{"data": true}`, `{"data": 5}`, `{"DATA": {"type": "deals", "id": "1"}}`,
	`{"data": 5, "data": {"type": "deals", "id": "1"}}`, `{"data": {"type": 5}, "data": null}`, `{"data": [{"type": 5}], "data": []}`,
	`{"data": {"type": 5, "id": "1"}}`, `{"data": [{"type": "deals", "id": "1"}, "x"]}`,
	`{"data": {"type": "deals", "id": true}}`, `{"data": {"type": "deals", "id": {}}}`, `{"data": {"type": "deals", "id": []}}`,
	`{"data": {"type": "deals", "id": null}}`, `{"data": {"type": "deals", "id": 1.5e3}}`, `{"data": {"type": "deals", "id": -0}}`,
	`{"data": {"type": "deals", "id": ""}}`, `{"data": {"type": "", "id": "1"}}`, `{"data": {"id": "1"}}`,
	`{"data": {"type": "deals", "id": "1", "attributes": null}}`, `{"data": {"type": "deals", "id": "1", "attributes": 5}}`,
	`{"data": {"type": "deals", "id": "1", "attributes": "x"}}`, `{"data": {"type": "deals", "id": "1", "attributes": []}}`,
	`{"data": {"type": "deals", "id": "1", "attributes": {"customs": null}}}`,
	`{"data": {"type": "deals", "id": "1", "attributes": {"custom": {"a": 1}}}}`,
	`{"data": {"type": "deals", "id": "1", "attributes": {"custom": {"a": 1}, "customs": null}}}`,
	`{"data": {"type": "deals", "id": "1", "attributes": {"name": "a", "NAME": "b", "amount": 5, "amount": null}}}`,
	`{"data": {"TYPE": "deals", "Id": "1", "ATTRIBUTES": {"name": "x"}}}`,
	`{"data": {"\u0074ype": "deals", "id": "\u0031"}}`, `{"data": {"type": "de\u0061ls", "id": "1"}}`,
	`{"data": {"type": "deals", "id": "1\u00e9"}}`, `{"data": {"type": "deals", "id": "\ud800"}}`, `{"data": {"type": "deals", "id": "é"}}`,
	"{\"data\": {\"type\": \"deals\", \"id\": \"1\xff\"}}", "{\"data\": {\"type\": \"deal\xffs\", \"id\": \"1\"}}",
	"{\"data\": {\"ty\xffpe\": \"deals\", \"id\": \"1\"}}", "{\"data\xff\": {\"type\": \"deals\", \"id\": \"1\"}}",
	`{"data": {"type": "deals", "id": "1", "attributeſ": {"name": "x"}}}`,
	`{"data": {"type": "deals", "id": "1", "relationſhips": {"company": {"data": null}}}}`,
	`{"data": {"type": "deals", "type": null, "id": "1"}}`, `{"data": {"type": "deals", "id": "1", "id": null}}`,
	`{"data": {"type": "deals", "id": "1", "id": 2}}`, `{"data": {"type": "deals", "type": "orders", "id": "1"}}`,
	`{"data": {"type": "deals", "id": "1", "attributes": {"name": "a"}, "attributes": null}}`,
	`{"data": {"type": "mystery", "id": "1", "attributes": 5, "relationships": {"a": {"data": 7}}}}`,
	`{"data": {"type": "mystery", "id": "1", "relationships": 5}}`,
	`{"data": {"type": "mystery", "id": true}}`,
	// Relationships and linkage.
	`{"data": {"type": "deals", "id": "1", "relationships": 5}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": []}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": null}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"company": 5}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"company": null}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"company": {"data": {"type": "companies", "id": "1"}}, "company": null}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"company": {"data": 7}, "company": {"data": null}}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"company": {"data": null}, "company": {"links": {}}}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"company": {"data": null}, "company": {"data": 7}}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"company": {"data": null, "data": []}}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"company": {"data": null, "Data": {}}}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"company": {"data": null}}, "relationships": {"contact": {"data": null}}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"company": {"data": null}}, "relationships": null}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": null, "relationships": {"a": {"data": []}}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"company": {"data": null}}, "relationships": {"company": {"links": {}}}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"c\u006fmpany": {"data": null}, "company": {"links": {}}}}}`,
	"{\"data\": {\"type\": \"deals\", \"id\": \"1\", \"relationships\": {\"a\xff\": {\"data\": null}, \"a\xfe\": {\"links\": {}}}}}",
	`{"data": {"type": "deals", "id": "1", "relationships": {"a": {"data": [null]}}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"a": {"data": [5]}}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"a": {"data": "x"}}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"a": {"data": true}}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"a": {"data": {}}}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"a": {"data": {"type": 5}}}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"a": {"data": {"type": "x", "id": true}}}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"a": {"data": {"type": "x", "id": null}}}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"a": {"data": {"TYPE": "x", "ID": 5}}}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"a": {"data": {"type": "x", "type": null, "id": "1", "id": 2.5}}}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"a": {"data": [{"type": "a", "id": "1"}, {"type": "b", "id": 2}, {}]}}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"a": {"data": [{"type": "a", "id": "1"}, 5]}}}}`,
	`{"data": {"type": "deals", "id": "1", "relationships": {"a": {"data": []}, "b": {"data": null}, "c": {"links": {}}}}}`,
	`{"data": {"type": "deals", "id": "1", "attributes": {"amount": "x"}, "relationships": {"a": {"data": 5}}}}`,
	// included.
	`{"included": null}`, `{"included": 5}`, `{"included": {}}`, `{"included": [5]}`, `{"included": [null]}`, `{"included": []}`,
	`{"included": [{"type": 5}]}`, `{"included": [{"type": "deals", "id": true}]}`, `{"included": [{"type": "deals"}]}`,
	`{"included": [{"type": "companies", "id": "1", "relationships": {"a": 5}}]}`,
	`{"data": 5, "included": 5}`, `{"data": [5], "included": [{"type": 5}]}`,
	`{"data": {"type": "deals", "id": "1", "attributes": {"amount": "lots"}}, "included": [{"type": 5}]}`,
	`{"data": [{"type": "deals"}], "included": [{"type": "deals", "id": "1", "attributes": {"amount": "x"}}]}`,
	`{"data": [{"type": "deals", "id": "1", "attributes": {"amount": "x"}}], "included": [{"type": "deals"}]}`,
	`{"included": [{"type": "companies", "id": "1", "attributes": {"name": "a"}}, {"type": "companies", "id": "2"}], "included": [{"id": "3"}]}`,
	`{"included": [{"type": "companies", "id": "1", "attributes": {"name": "a"}}, {"type": "companies", "id": "2"}], "included": [{"id": "3"}], "included": [null, {"attributes": {"name": "z"}}]}`,
	`{"included": [{"type": "companies", "id": "1"}, {"type": "companies", "id": "2"}], "included": [], "included": [null]}`,
	`{"included": [{"type": "companies", "id": "1"}], "included": null, "included": [null]}`,
	`{"included": [{"type": "companies", "id": "1", "relationships": {"a": {"data": null}}}, {"type": "companies", "id": "2", "relationships": {"b": {"data": []}}}], "included": [{"relationships": {"c": {"data": {}}}}, {"relationships": {"b": {"links": {}}}}]}`,
	`{"included": [{"type": "companies", "id": "1", "relationships": {"a": {"data": null}}}], "included": [{"relationships": null}]}`,
	// meta.
	`{"meta": 5}`, `{"meta": null}`, `{"meta": []}`, `{"meta": {"record-count": "5"}}`, `{"meta": {"record-count": 1.5}}`,
	`{"meta": {"record-count": 1e2}}`, `{"meta": {"record-count": 99999999999999999999}}`, `{"meta": {"record-count": -9223372036854775808}}`,
	`{"meta": {"record-count": -3, "page-count": null}}`, `{"meta": {"record-count": 3}, "meta": {"page-count": 2}}`,
	`{"meta": {"record-count": 3}, "meta": null}`, `{"meta": {"record-count": 3, "record-count": null}}`,
	`{"meta": {"Record-Count": 3, "PAGE-COUNT": 1}}`, `{"meta": {"record-count": true}}`, `{"meta": {"record-count": {}}}`,
	`{"meta": {"record-count": "x"}, "data": 5}`,
}

// deepCases nest up to encoding/json's limit and one past it.
func deepCases() []string {
	var out []string
	for _, n := range []int{maxDepth - 1, maxDepth} {
		out = append(out,
			`{"x": `+strings.Repeat("[", n)+strings.Repeat("]", n)+`}`,
			`{"data": {"type": "deals", "id": "1", "attributes": {"customs": `+strings.Repeat(`{"a":`, n-3)+`1`+strings.Repeat("}", n-3)+`}}}`,
			`{"data": {"type": "deals", "id": "1", "relationships": {"a": {"data": [`+strings.Repeat("[", n-5)+strings.Repeat("]", n-5)+`]}}}}`,
		)
	}
	return out
}

func TestDecodeMatchesOld(t *testing.T) {
	cases := append(append(append([]string(nil), fuzzSeeds...), diffCases...), deepCases()...)
	cases = append(cases, string(dealsPageBody(t)))
	for i, c := range cases {
		name := c
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(fmt.Sprintf("%d/%s", i, name), func(t *testing.T) { matchOld(t, []byte(c)) })
	}
}

func FuzzDecodeMatchesOld(f *testing.F) {
	for _, s := range append(fuzzSeeds, diffCases...) {
		f.Add([]byte(s))
	}
	f.Fuzz(matchOld)
}

// matchOld fails unless Decode and oldDecode agree on body.
func matchOld(t *testing.T, body []byte) {
	want, wantErr := oldDecode(body)
	got, err := Decode(body)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("Decode error %v, old decoder error %v\nbody %q", err, wantErr, body)
	}
	// A read that asked for sparse fieldsets decodes the same, less the
	// raw records and attributes objects of the types it asked so.
	trimmed, trimErr := decode(body, trimAsked)
	if fmt.Sprint(trimErr) != fmt.Sprint(err) {
		t.Fatalf("decode with fieldsets: error %v, Decode's %v\nbody %q", trimErr, err, body)
	}
	if err != nil {
		g, ok1 := apierr.As(err)
		w, ok2 := apierr.As(wantErr)
		if !ok1 || !ok2 || g.Code != w.Code || g.Upstream != w.Upstream || linkageFree(g.Message) != linkageFree(w.Message) {
			t.Fatalf("Decode error\n  %v\nold decoder error\n  %v\nbody %q", err, wantErr, body)
		}
		return
	}
	// The raw resource object is the new decoder's own: each must be the
	// JSON object it was read from, and the rest must agree.
	for _, es := range [][]domain.SynergyEntity{got.Data, got.Included} {
		for _, e := range es {
			if raw := e.Record().Raw; !json.Valid(raw) || raw[0] != '{' {
				t.Fatalf("raw record %q is not a JSON object\nbody %q", raw, body)
			}
			e.Record().Raw = nil
		}
	}
	// Links are kept in wire order, the old decoder's in a map's.
	for _, d := range []*domain.SynergyDocument{got, want} {
		for _, e := range append(d.Data, d.Included...) {
			slices.SortStableFunc(e.Record().Links, func(a, b domain.SynergyLink) int { return strings.Compare(a.Key, b.Key) })
		}
	}
	// What the entities are cut from, which the old decoder has not, goes
	// back to the pool once the document is checked: the next bodies are
	// decoded into blocks that held these, which must then hold nothing
	// of them.
	defer got.Slab.Release()
	defer trimmed.Slab.Release()
	got.Slab, trimmed.Slab = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Decode\n  %s\nold decoder\n  %s\nbody %q", dumpDoc(got), dumpDoc(want), body)
	}
	for _, e := range append(trimmed.Data, trimmed.Included...) {
		r := e.Record()
		if _, asked := trimAsked[r.Type]; asked && (r.Raw != nil || r.Attributes != nil) {
			t.Fatalf("%s %s kept its raw record or attributes though its fieldset was asked\nbody %q", r.Type, r.SourceID, body)
		}
		r.Raw = nil
		slices.SortStableFunc(r.Links, func(a, b domain.SynergyLink) int { return strings.Compare(a.Key, b.Key) })
	}
	for _, e := range append(got.Data, got.Included...) {
		if _, asked := trimAsked[e.Record().Type]; asked {
			e.Record().Attributes = nil
		}
	}
	if !reflect.DeepEqual(trimmed, got) {
		t.Fatalf("decode with fieldsets\n  %s\nDecode\n  %s\nbody %q", dumpDoc(trimmed), dumpDoc(got), body)
	}
}

// trimAsked are the fieldsets matchOld's second decoding asks for.
var trimAsked = domain.SynergyFields{"deals": {"name"}, "companies": {}}

// linkageFree drops the relationship's name from a bad-linkage message:
// with several bad relationships the old decoder named whichever its map
// gave first.
func linkageFree(msg string) string {
	const rel, bad = ": relationship ", " has bad linkage"
	if i := strings.Index(msg, rel); i >= 0 && strings.HasSuffix(msg, bad) {
		return msg[:i] + rel + "…" + bad
	}
	return msg
}

func dumpDoc(d *domain.SynergyDocument) string {
	var b strings.Builder
	count := func(p *int) string {
		if p == nil {
			return "nil"
		}
		return fmt.Sprint(*p)
	}
	fmt.Fprintf(&b, "record-count %s page-count %s\n", count(d.RecordCount), count(d.PageCount))
	for _, part := range []struct {
		name string
		es   []domain.SynergyEntity
	}{{"data", d.Data}, {"included", d.Included}} {
		fmt.Fprintf(&b, "  %s (nil %v):\n", part.name, part.es == nil)
		for _, e := range part.es {
			r := e.Record()
			typed, _ := json.Marshal(e)
			links := slices.SortedFunc(slices.Values(r.Links), func(a, b domain.SynergyLink) int { return strings.Compare(a.Key, b.Key) })
			fmt.Fprintf(&b, "    %T %q %q %q attrs %q links %+v typed %s\n", e, r.Type, r.SourceID, r.ID(), r.Attributes, links, typed)
		}
	}
	return b.String()
}

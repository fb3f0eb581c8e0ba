package synergy

import (
	"testing"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/domain"
)

func TestDecodeTypesAndLinkage(t *testing.T) {
	body := []byte(`{
	  "data": [{
	    "type": "deals", "id": "7",
	    "attributes": {"name": "Сделка", "amount": 2200000.50, "number": 22, "planned-at": null,
	      "finished-at": "2022-02-22", "customs": {"custom-1": "Значение"},
	      "created-at": "2022-02-22T12:02:22.222+03:00", "updated-at": "2022-02-22T12:02:22.222+03:00"},
	    "relationships": {
	      "company": {"data": {"type": "companies", "id": 5}, "links": {"related": "/api/v1/deals/7/company"}},
	      "products": {"data": [{"type": "products", "id": "1"}, {"type": "products", "id": "2"}]},
	      "contact": {"data": null},
	      "stage": {"links": {"related": "/api/v1/deals/7/stage"}}
	    }
	  }],
	  "included": [{"type": "companies", "id": "5", "attributes": {"name": "ООО Ромашка"}},
	               {"type": "mystery-type", "id": "1", "attributes": {}}],
	  "meta": {"record-count": 81, "page-count": 2}
	}`)
	doc, err := Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	if *doc.RecordCount != 81 || len(doc.Data) != 1 || len(doc.Included) != 1 {
		t.Fatalf("doc = %+v", doc)
	}
	d := doc.Data[0].(*domain.Deal)
	if *d.Name != "Сделка" || string(*d.Amount) != "2200000.50" || *d.Number != 22 || d.PlannedAt != nil ||
		d.FinishedAt.String() != "2022-02-22" || string(d.Customs) != `{"custom-1": "Значение"}` ||
		d.CreatedAt.String() != "2022-02-22T12:02:22.222+03:00" {
		t.Fatalf("deal = %+v", d)
	}
	if l, _ := d.Links.Get("company"); len(l.Refs) != 1 || l.Refs[0] != (domain.SynergyRef{Type: "companies", ID: "5"}) {
		t.Fatalf("company linkage = %+v", l)
	}
	if l, ok := d.Links.Get("contact"); !ok || len(l.Refs) != 0 {
		t.Fatalf("null linkage must be known and empty: %+v %v", l, ok)
	}
	if _, ok := d.Links.Get("stage"); ok {
		t.Fatal("links-only relationship must be unknown")
	}
	if len(links(d, "products").Refs) != 2 || !links(d, "products").Many {
		t.Fatalf("products = %+v", links(d, "products"))
	}
}

func TestDecodeOrderAmountAsStringAndAliases(t *testing.T) {
	doc, err := Decode([]byte(`{"data": {"type": "orders", "id": "1", "attributes": {"amount": "2222.0", "archived-at": "2022-02-22"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	o := doc.Data[0].(*domain.Order)
	if string(*o.Amount) != "2222.0" || o.ArchivedAt.Format("2006-01-02") != "2022-02-22" {
		t.Fatalf("order = %+v", o)
	}
	doc, err = Decode([]byte(`{"data": {"type": "contracts", "id": "1", "attributes": {"custom": {"custom-1": "x"}, "custom_number": "abc-22"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	c := doc.Data[0].(*domain.Contract)
	if string(c.Customs) != `{"custom-1": "x"}` || *c.CustomNumber != "abc-22" {
		t.Fatalf("aliases not applied: %+v", c)
	}
}

func TestDecodeMalformed(t *testing.T) {
	for name, body := range map[string]string{
		"not json":       `{"data": [`,
		"scalar data":    `{"data": 5}`,
		"bad attribute":  `{"data": {"type": "deals", "id": "1", "attributes": {"amount": "lots"}}}`,
		"missing id":     `{"data": {"type": "deals", "attributes": {}}}`,
		"bad linkage":    `{"data": {"type": "deals", "id": "1", "relationships": {"company": {"data": 7}}}}`,
		"bad date":       `{"data": {"type": "deals", "id": "1", "attributes": {"planned-at": "soon"}}}`,
		"bool as string": `{"data": {"type": "deal-stages", "id": "1", "attributes": {"description": "yes"}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Decode([]byte(body))
			if apierr.CodeOf(err) != apierr.UpstreamError {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestField(t *testing.T) {
	for in, want := range map[[2]string]string{
		{"/data/attributes/first-name", ""}:       "input.firstName",
		{"/data/attributes/customs/x", ""}:        "input.customs",
		{"/data/attributes/custom", ""}:           "input.customs",
		{"/data/attributes/syn-token-123", ""}:    "input",
		{"/data/relationships/companies", ""}:     "input.companyIds",
		{"/data/relationships/syn-token-123", ""}: "input",
		{"", "filter[last-name]"}:                 "filter.lastName",
		{"", "filter[work_phone]"}:                "filter.workPhone",
		{"", "filter[syn-token-123]"}:             "filter",
		{"", "page[size]"}:                        "first",
		{"/data", ""}:                             "",
	} {
		if got := Field("contacts", in[0], in[1]); got != want {
			t.Errorf("Field(%q, %q) = %q, want %q", in[0], in[1], got, want)
		}
	}
}

// FuzzDecode: no input makes the decoder panic, and whatever it accepts has
// identities on every entity.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		doc, err := Decode(body)
		if err != nil {
			if apierr.CodeOf(err) != apierr.UpstreamError {
				t.Fatalf("decoder error with code %s: %v", apierr.CodeOf(err), err)
			}
			return
		}
		for _, e := range append(doc.Data, doc.Included...) {
			if r := e.Record(); r.ID() == "" || r.SourceID == "" || r.Type == "" {
				t.Fatalf("entity without identity: %+v", r)
			}
		}
	})
}

// fuzzSeeds start the decoder's fuzz targets.
var fuzzSeeds = []string{
	`{"data": []}`,
	`{"data": null}`,
	`{"data": {"type": "contacts", "id": "1", "attributes": {"first-name": "Иван"}}}`,
	`{"data": [{"type": "deals", "id": 2, "relationships": {"company": {"data": {"type": "companies", "id": "1"}}}}], "included": [{"type": "companies", "id": "1"}], "meta": {"record-count": 1}}`,
	`{"data": {"type": "orders", "id": "1", "attributes": {"amount": "1e3"}}}`,
	`{"errors": [{"status": "422"}]}`,
}

// links is the linkage of d's relationship key, the zero linkage when unknown.
func links(d interface{ Record() *domain.SynergyRecord }, key string) domain.SynergyLinkage {
	l, _ := d.Record().Links.Get(key)
	return l
}

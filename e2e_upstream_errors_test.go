package main

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	rkemulator "github.com/crmgateway/gateway/adapters/rkeeper/emulator"
	"github.com/crmgateway/gateway/adapters/synergy/emulator"
	"github.com/crmgateway/gateway/internal/config"
)

// fieldsOf lists extensions.field of every error, in order.
func fieldsOf(errs []any) []string {
	var out []string
	for _, e := range errs {
		ext, _ := e.(map[string]any)["extensions"].(map[string]any)
		f, _ := ext["field"].(string)
		out = append(out, f)
	}
	return out
}

// TestUpstreamRefusalNamesEveryField: an upstream validation answer with
// several error objects reports each offending field, one GraphQL error
// (and one REST error) per field, each BAD_USER_INPUT with its field.
func TestUpstreamRefusalNamesEveryField(t *testing.T) {
	t.Run("synergy 422", func(t *testing.T) {
		emu, g := startSynergy(t, nil)
		fault := func() {
			emu.Inject(emulator.Fault{Status: 422, Errors: []emulator.ErrorObject{
				{Status: "422", Code: "invalid", Detail: "is too long", Pointer: "/data/attributes/first-name"},
				{Status: "422", Code: "invalid", Detail: "is not an e-mail", Pointer: "/data/attributes/email"},
				{Status: "422", Code: "target_not_found", Detail: "no such company", Pointer: "/data/relationships/companies"},
			}})
		}
		want := []string{"input.firstName", "input.email", "input.companyIds"}
		fault()
		r := g.gql(t, `mutation { createContact(input: {firstName: "Анна", lastName: "Смирнова", email: "x"}) { contact { id } } }`, nil)
		var got []string
		for _, e := range r.Errors {
			if e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["outcome"] != "REJECTED" {
				t.Errorf("error %v", e)
			}
			got = append(got, e.Extensions["field"].(string))
		}
		slices.Sort(got)
		if w := slices.Sorted(slices.Values(want)); !slices.Equal(got, w) {
			t.Fatalf("fields = %v, want %v: %s", got, w, r.Raw)
		}
		fault()
		a := restCall(t, http.MethodPost, g.URL+"/rest/v1/contacts", `{"firstName": "Анна", "lastName": "Смирнова", "email": "x"}`)
		errs, _ := a.Body["errors"].([]any)
		if got := fieldsOf(errs); a.Status != http.StatusBadRequest || len(got) != 3 {
			t.Fatalf("REST: %d %s", a.Status, a.Raw)
		}
	})
	t.Run("rkeeper Err envelope", func(t *testing.T) {
		g := startRK(t, nil)
		fault := func() {
			g.emu.Inject(rkemulator.Fault{Method: http.MethodPost, Path: "Streets", Errors: []rkemulator.EnvelopeError{
				{Code: "DLW-0003", Text: "Наименование слишком длинное", Details: "Name"},
				{Code: "DLW-0003", Text: "Неверный индекс", Details: "PostCode"},
			}})
		}
		fault()
		r := g.gql(t, `mutation { createStreet(cityId: "`+rkMoscowID+`", input: {name: "Новая", postCode: "x"}) { street { id } } }`, nil)
		var got []string
		for _, e := range r.Errors {
			if e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["upstreamCode"] != "DLW-0003" {
				t.Errorf("error %v", e)
			}
			got = append(got, e.Extensions["field"].(string))
		}
		slices.Sort(got)
		if !slices.Equal(got, []string{"input.name", "input.postCode"}) {
			t.Fatalf("fields = %v: %s", got, r.Raw)
		}
		fault()
		a := restCall(t, http.MethodPost, g.URL+"/rest/v1/streets?cityId="+url.QueryEscape(rkMoscowID), `{"name": "Новая", "postCode": "x"}`)
		errs, _ := a.Body["errors"].([]any)
		if got := fieldsOf(errs); a.Status != http.StatusBadRequest || len(got) != 2 {
			t.Fatalf("REST: %d %s", a.Status, a.Raw)
		}
	})
}

// TestRKeeperNotFoundInEveryForm: r_keeper's "no such record" is
// NOT_FOUND whether it says so with the DLW-0004 code, an unlisted code
// under HTTP 404 or 410, an unlisted code whose text says the record is
// not found (Russian or English), or an Ok answer with no record.
func TestRKeeperNotFoundInEveryForm(t *testing.T) {
	g := startRK(t, nil)
	for name, f := range map[string]rkemulator.Fault{
		"DLW-0004":                  {Errors: []rkemulator.EnvelopeError{{Code: "DLW-0004", Text: "Клиент не найден", Details: "1"}}},
		"DLW-0004 under 404":        {Status: 404, Errors: []rkemulator.EnvelopeError{{Code: "DLW-0004", Text: "x"}}},
		"unlisted code under 404":   {Status: 404, Errors: []rkemulator.EnvelopeError{{Code: "DLW-0404", Text: "x"}}},
		"unlisted code under 410":   {Status: 410, Errors: []rkemulator.EnvelopeError{{Code: "DLW-0410", Text: "x"}}},
		"unlisted code, Russian":    {Errors: []rkemulator.EnvelopeError{{Code: "DLW-0031", Text: "Клиент с указанным идентификатором не найден"}}},
		"unlisted code, English":    {Errors: []rkemulator.EnvelopeError{{Code: "DLW-0031", Text: "Client not found"}}},
		"unlisted code, in details": {Errors: []rkemulator.EnvelopeError{{Code: "E1", Text: "Ошибка", Details: "Запись не существует"}}},
		"plain 404":                 {Status: 404},
		"Ok with null":              {Empty: "null"},
		"Ok with {}":                {Empty: "{}"},
	} {
		f.Path = "Clients"
		g.emu.Inject(f)
		r := g.gql(t, `{ client(id: "`+rkClientID+`") { id } }`, nil)
		if c := r.codes(); len(c) != 1 || c[0] != "NOT_FOUND" {
			t.Errorf("%s: %s", name, r.Raw)
		}
		g.emu.Inject(f)
		if a := restCall(t, http.MethodGet, g.URL+"/rest/v1/clients/"+url.PathEscape(rkClientID), ""); a.Status != http.StatusNotFound {
			t.Errorf("%s: REST %d %s", name, a.Status, a.Raw)
		}
	}
	// The emulator answers an unknown id of each kind with DLW-0004.
	for q, path := range map[string]string{
		`{ client(id: "` + rkID("clients", "424242") + `") { id } }`:                              "client",
		`{ cities(countryId: "` + rkID("countries", "424242") + `") { id } }`:                     "cities",
		`mutation { deleteCity(id: "` + rkID("cities", rkRussia+"/424242") + `") { deletedId } }`: "deleteCity",
	} {
		if r := g.gql(t, q, nil); len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "NOT_FOUND" {
			t.Errorf("%s: %s", path, r.Raw)
		}
	}
}

// TestResponseCapReachesTheClient: SYNERGY_MAX_RESPONSE_BYTES below a
// page's size makes that read a clean UPSTREAM_ERROR for its field, sent
// once, while a smaller read still succeeds.
func TestResponseCapReachesTheClient(t *testing.T) {
	emu, g := startSynergy(t, func(c *config.Config) { c.Synergy.Upstream.MaxResponseBytes = 4096 })
	r := g.gql(t, `{ contacts(first: 50) { nodes { id firstName lastName email } } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "UPSTREAM_ERROR" || !strings.Contains(r.Errors[0].Message, "too large") {
		t.Fatalf("%s", r.Raw)
	}
	if n := emu.Count(); n != 1 {
		t.Fatalf("the oversized read was sent %d times", n)
	}
	g.gql(t, `{ contacts(first: 1) { nodes { id } } }`, nil).mustData(t)
}

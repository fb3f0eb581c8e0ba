package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	solosemu "github.com/crmgateway/gateway/adapters/solos/emulator"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/globalid"
)

// forgedSources are upstream ids no CRM document allows: path dot
// segments, escapes, separators, signs, fractions, letters, overlong.
var forgedSources = []string{".", "..", "1/..", "../1", "%2F", "%252F", "1%2F2", "a", "1 2", "-1", "1.5", "0x1", "1?x=2", "1#", strings.Repeat("9", 21)}

// forgedCase is one operation with an ID argument (or input field) and the
// extensions.field that must name it.
type forgedCase struct {
	name  string
	query func(id string) string
	field string
	rest  func(id string) (method, path, body string) // nil: GraphQL only
}

func runForged(t *testing.T, g *testGateway, backend, typ string, count func() int, cases []forgedCase) {
	t.Helper()
	for _, c := range cases {
		for _, src := range forgedSources {
			id := globalid.Encode(backend, typ, src)
			if backend == globalid.RKeeper && strings.Contains(c.field, "cityId") {
				id = globalid.Encode(backend, domain.RKCities, src)
			}
			before := count()
			r := g.gql(t, c.query(id), nil)
			if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != c.field {
				t.Errorf("%s with source %q: want BAD_USER_INPUT naming %s, got %s", c.name, src, c.field, r.Raw)
			}
			if c.rest != nil {
				m, p, body := c.rest(id)
				a := restCall(t, m, g.URL+p, body)
				if a.Status != http.StatusBadRequest || a.ext("code") != "BAD_USER_INPUT" {
					t.Errorf("REST %s %s with source %q: %d %s", m, p, src, a.Status, a.Raw)
				}
			}
			if n := count() - before; n != 0 {
				t.Errorf("%s with source %q: %d upstream requests", c.name, src, n)
			}
		}
	}
}

// TestForgedIDsNeverReachUpstream: a global ID whose upstream id is not
// what the CRM's docs say an id is (digits) is BAD_USER_INPUT naming the
// argument or input field, and the emulator sees no request at all.
func TestForgedIDsNeverReachUpstream(t *testing.T) {
	t.Run("synergy", func(t *testing.T) {
		emu, g := startSynergy(t, nil)
		item := func(id string) (string, string, string) {
			return http.MethodGet, "/rest/v1/contacts/" + url.PathEscape(id), ""
		}
		runForged(t, g, globalid.Synergy, "contacts", emu.Count, []forgedCase{
			{"contact(id:)", func(id string) string { return `{ contact(id: "` + id + `") { id } }` }, "id", item},
			{"node(id:)", func(id string) string { return `{ node(id: "` + id + `") { id } }` }, "id", nil},
			{"updateContact(id:)", func(id string) string {
				return `mutation { updateContact(id: "` + id + `", input: {firstName: "x"}) { contact { id } } }`
			}, "id", func(id string) (string, string, string) {
				return http.MethodPatch, "/rest/v1/contacts/" + url.PathEscape(id), `{"firstName": "x"}`
			}},
			{"deleteContact(id:)", func(id string) string { return `mutation { deleteContact(id: "` + id + `") { deletedId } }` }, "id",
				func(id string) (string, string, string) {
					return http.MethodDelete, "/rest/v1/contacts/" + url.PathEscape(id), ""
				}},
		})
		runForged(t, g, globalid.Synergy, "companies", emu.Count, []forgedCase{
			{"createContact(input.companyIds)", func(id string) string {
				return `mutation { createContact(input: {firstName: "x", lastName: "y", companyIds: ["` + id + `"]}) { contact { id } } }`
			}, "input.companyIds", nil},
		})
	})
	t.Run("solos", func(t *testing.T) {
		g, em := startSolos(t, solosemu.Options{}, nil)
		count := func() int { return len(em.Requests()) }
		runForged(t, g, globalid.Solos, "projects", count, []forgedCase{
			{"project(id:)", func(id string) string { return `{ project(id: "` + id + `") { id } }` }, "id",
				func(id string) (string, string, string) {
					return http.MethodGet, "/rest/v1/projects/" + url.PathEscape(id), ""
				}},
			{"node(id:)", func(id string) string { return `{ node(id: "` + id + `") { id } }` }, "id", nil},
		})
	})
	t.Run("rkeeper", func(t *testing.T) {
		g := startRK(t, nil)
		count := func() int { return g.emu.Count("", "") }
		runForged(t, g.testGateway, globalid.RKeeper, domain.RKClients, count, []forgedCase{
			{"client(id:)", func(id string) string { return `{ client(id: "` + id + `") { id } }` }, "id",
				func(id string) (string, string, string) {
					return http.MethodGet, "/rest/v1/clients/" + url.PathEscape(id), ""
				}},
			{"node(id:)", func(id string) string { return `{ node(id: "` + id + `") { id } }` }, "id", nil},
			{"deleteClient(id:)", func(id string) string { return `mutation { deleteClient(id: "` + id + `") { deletedId } }` }, "id", nil},
		})
		runForged(t, g.testGateway, globalid.RKeeper, domain.RKCountries, count, []forgedCase{
			{"cities(countryId:)", func(id string) string { return `{ cities(countryId: "` + id + `") { id } }` }, "countryId",
				func(id string) (string, string, string) {
					return http.MethodGet, "/rest/v1/cities?countryId=" + url.QueryEscape(id), ""
				}},
			{"createCity(countryId:)", func(id string) string {
				return `mutation { createCity(countryId: "` + id + `", input: {name: "x"}) { city { id } } }`
			}, "countryId", nil},
		})
		runForged(t, g.testGateway, globalid.RKeeper, domain.RKAddressTypes, count, []forgedCase{
			{"addClientAddress(input.cityId)", func(id string) string {
				return `mutation { addClientAddress(clientId: "` + rkClientID + `", input: {typeId: "` + rkID(domain.RKAddressTypes, "1") +
					`", cityId: "` + id + `", streetId: "` + rkTextilsID + `", house: "1"}) { client { id } } }`
			}, "input.cityId", nil},
		})
	})
}

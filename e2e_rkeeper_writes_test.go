package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	rkemulator "github.com/crmgateway/gateway/adapters/rkeeper/emulator"
	"github.com/crmgateway/gateway/internal/config"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/globalid"
)

// lastBody returns the JSON body of the last recorded write to path.
func (g *rkGateway) lastWrite(t *testing.T, method, path string) rkemulator.Request {
	t.Helper()
	reqs := g.emu.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == method && reqs[i].Path == path {
			return reqs[i]
		}
	}
	t.Fatalf("no %s %s recorded", method, path)
	return rkemulator.Request{}
}

func rkBody(t *testing.T, r rkemulator.Request) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body %q: %v", r.Body, err)
	}
	return m
}

const rkPayloadFields = `client { id sourceId firstName lastName middleName birthday note
	contacts { id sourceId value type { name } } addresses { id sourceId region house zip city { name } street { name } type { name } country { name } } }`

type rkPayloadClient struct {
	ID, SourceID, FirstName, LastName, MiddleName, Note string
	Birthday                                            *string
	Contacts                                            []struct {
		ID, SourceID, Value string
		Type                rkNamed
	}
	Addresses []struct {
		ID, SourceID, Region, House, Zip string
		City, Street, Type, Country      rkNamed
	}
}

// rkNamed is a reference object of which a test reads the name.
type rkNamed struct{ Name string }

func TestRKeeperClientWrites(t *testing.T) {
	g := startRK(t, nil)
	var created rkPayloadClient
	t.Run("createClient", func(t *testing.T) {
		var d struct {
			CreateClient struct{ Client rkPayloadClient }
		}
		rkDecode(t, g.gql(t, `mutation($in: CreateClientInput!) { createClient(input: $in) { `+rkPayloadFields+` } }`,
			map[string]any{"in": map[string]any{
				"firstName": "Иван", "lastName": "Васильев", "middleName": "Петрович", "birthday": "1999-01-01",
				"note":     "новый клиент",
				"contacts": []any{map[string]any{"typeId": rkID("contact-types", "1"), "value": "987765"}, map[string]any{"typeId": rkID("contact-types", "4"), "value": "v4@com.com"}},
				"addresses": []any{map[string]any{"typeId": rkID("address-types", "1"), "cityId": rkMoscowID, "streetId": rkTverID,
					"house": "10", "building": "10", "entry": "5", "floor": "4", "apartments": "3", "entryCode": "2",
					"additionalInfo": "лифта нет", "zip": "125009", "region": "ЦАО"}},
			}}), &d)
		created = d.CreateClient.Client
		if created.FirstName != "Иван" || created.LastName != "Васильев" || created.Birthday == nil ||
			*created.Birthday != "1999-01-01T00:00:00" || len(created.Contacts) != 2 || len(created.Addresses) != 1 ||
			created.Addresses[0].Street.Name != "Тверская" || created.Addresses[0].Country.Name != "Россия" {
			t.Fatalf("created = %+v", created)
		}
		body := rkBody(t, g.lastWrite(t, http.MethodPost, "Clients"))
		if body["firstname"] != "Иван" || body["lastname"] != "Васильев" || body["middlename"] != "Петрович" ||
			body["birthday"] != "1999-01-01" || body["note"] != "новый клиент" {
			t.Errorf("body = %v", body)
		}
		addr := body["addresses"].([]any)[0].(map[string]any)
		if addr["cityId"] != rkMoscow || addr["countryId"] != rkRussia || addr["streetId"] != rkTverskaya ||
			addr["typeId"] != "1" || addr["dopInfo"] != "лифта нет" {
			t.Errorf("address body = %v", addr)
		}
		if got := rkReadClient(t, g, created.SourceID); got.FirstName != "Иван" || len(got.Addresses) != 1 {
			t.Errorf("read back = %+v", got)
		}
	})
	cid := rkID(domain.RKClients, created.SourceID)
	t.Run("updateClient sends all main fields, keeping those not given", func(t *testing.T) {
		var d struct {
			UpdateClient struct{ Client rkPayloadClient }
		}
		rkDecode(t, g.gql(t, `mutation($id: ID!) { updateClient(id: $id, input: {firstName: "Василий"}) { `+rkPayloadFields+` } }`,
			map[string]any{"id": cid}), &d)
		c := d.UpdateClient.Client
		if c.FirstName != "Василий" || c.LastName != "Васильев" || c.MiddleName != "Петрович" {
			t.Errorf("updated = %+v", c)
		}
		w := g.lastWrite(t, http.MethodPut, "Clients")
		body := rkBody(t, w)
		if w.Query.Get("clientId") != created.SourceID || len(body) != 3 || body["firstname"] != "Василий" || body["lastname"] != "Васильев" {
			t.Errorf("PUT Clients?%s %v", w.Query.Encode(), body)
		}
	})
	t.Run("contacts", func(t *testing.T) {
		var d struct {
			AddClientContact struct{ Client rkPayloadClient }
		}
		rkDecode(t, g.gql(t, `mutation($id: ID!, $t: ID!) { addClientContact(clientId: $id, input: {typeId: $t, value: "sample@com.com"}) { `+rkPayloadFields+` } }`,
			map[string]any{"id": cid, "t": rkID("contact-types", "4")}), &d)
		cs := d.AddClientContact.Client.Contacts
		if len(cs) != 3 || cs[2].Value != "sample@com.com" || cs[2].Type.Name != "E-Mail" {
			t.Fatalf("contacts = %+v", cs)
		}
		var u struct {
			UpdateClientContact struct{ Client rkPayloadClient }
		}
		rkDecode(t, g.gql(t, `mutation($id: ID!, $c: ID!) { updateClientContact(clientId: $id, contactId: $c, input: {value: "test@ru.ru"}) { `+rkPayloadFields+` } }`,
			map[string]any{"id": cid, "c": cs[2].ID}), &u)
		if v := u.UpdateClientContact.Client.Contacts[2].Value; v != "test@ru.ru" {
			t.Errorf("value = %q", v)
		}
		w := g.lastWrite(t, http.MethodPut, "Clients/Contacts")
		if w.Query.Get("clientId") != created.SourceID || w.Query.Get("contactId") != cs[2].SourceID || string(w.Body) != `{"value":"test@ru.ru"}` {
			t.Errorf("PUT Clients/Contacts?%s %s", w.Query.Encode(), w.Body)
		}
		var del struct {
			DeleteClientContact struct{ Client rkPayloadClient }
		}
		rkDecode(t, g.gql(t, `mutation($id: ID!, $c: ID!) { deleteClientContact(clientId: $id, contactId: $c) { `+rkPayloadFields+` } }`,
			map[string]any{"id": cid, "c": cs[2].ID}), &del)
		if n := len(del.DeleteClientContact.Client.Contacts); n != 2 {
			t.Errorf("%d contacts after delete", n)
		}
	})
	t.Run("addresses: partial update sends only what was set, in contactId", func(t *testing.T) {
		var d struct {
			AddClientAddress struct{ Client rkPayloadClient }
		}
		rkDecode(t, g.gql(t, `mutation($id: ID!, $t: ID!, $c: ID!, $s: ID!) { addClientAddress(clientId: $id,
			input: {typeId: $t, cityId: $c, streetId: $s, house: "11", zip: "777", region: "Приморье", additionalInfo: "долг 1000р."}) { `+rkPayloadFields+` } }`,
			map[string]any{"id": cid, "t": rkID("address-types", "2"), "c": rkMoscowID, "s": rkTextilsID}), &d)
		as := d.AddClientAddress.Client.Addresses
		if len(as) != 2 || as[1].Street.Name != "10-я Текстильщиков" || as[1].Type.Name != "Рабочий" || as[1].Region != "Приморье" {
			t.Fatalf("addresses = %+v", as)
		}
		var u struct {
			UpdateClientAddress struct{ Client rkPayloadClient }
		}
		rkDecode(t, g.gql(t, `mutation($id: ID!, $a: ID!) { updateClientAddress(clientId: $id, addressId: $a, input: {region: "Речной", house: "20"}) { `+rkPayloadFields+` } }`,
			map[string]any{"id": cid, "a": as[1].ID}), &u)
		got := u.UpdateClientAddress.Client.Addresses[1]
		if got.Region != "Речной" || got.House != "20" || got.Zip != "777" || got.Street.Name != "10-я Текстильщиков" {
			t.Errorf("updated address = %+v", got)
		}
		w := g.lastWrite(t, http.MethodPut, "Clients/Addresses")
		body := rkBody(t, w)
		if w.Query.Get("contactId") != as[1].SourceID || w.Query.Get("clientId") != created.SourceID ||
			len(body) != 2 || body["region"] != "Речной" || body["house"] != "20" {
			t.Errorf("PUT Clients/Addresses?%s %s", w.Query.Encode(), w.Body)
		}
		var del struct {
			DeleteClientAddress struct{ Client rkPayloadClient }
		}
		rkDecode(t, g.gql(t, `mutation($id: ID!, $a: ID!) { deleteClientAddress(clientId: $id, addressId: $a) { `+rkPayloadFields+` } }`,
			map[string]any{"id": cid, "a": as[1].ID}), &del)
		if n := len(del.DeleteClientAddress.Client.Addresses); n != 1 {
			t.Errorf("%d addresses after delete", n)
		}
		if w := g.lastWrite(t, http.MethodDelete, "Clients/Addresses"); w.Query.Get("contactId") != as[1].SourceID {
			t.Errorf("DELETE Clients/Addresses?%s", w.Query.Encode())
		}
	})
	t.Run("deleteClient where the CRM version does not support it", func(t *testing.T) {
		g.emu.SetClientDeleteUnsupported(true)
		before := g.emu.Count(http.MethodDelete, "Clients")
		r := g.gql(t, `mutation($id: ID!) { deleteClient(id: $id) { deletedId } }`, map[string]any{"id": cid})
		e := r.rkErr(t)
		if e["code"] != "UPSTREAM_ERROR" || e["upstreamCode"] != "DLW-0005" || e["outcome"] != "REJECTED" || e["requestId"] == nil ||
			!strings.Contains(r.Errors[0].Message, "Удаление клиентов не поддерживается") {
			t.Errorf("error = %s", r.Raw)
		}
		if n := g.emu.Count(http.MethodDelete, "Clients") - before; n != 1 {
			t.Errorf("%d DELETE requests, want 1", n)
		}
		g.emu.SetClientDeleteUnsupported(false)
	})
	t.Run("deleteClient", func(t *testing.T) {
		var d struct{ DeleteClient struct{ DeletedID string } }
		rkDecode(t, g.gql(t, `mutation($id: ID!) { deleteClient(id: $id) { deletedId } }`, map[string]any{"id": cid}), &d)
		if d.DeleteClient.DeletedID != cid {
			t.Errorf("deletedId = %s", d.DeleteClient.DeletedID)
		}
		if w := g.lastWrite(t, http.MethodDelete, "Clients"); w.Query.Get("clientId") != created.SourceID {
			t.Errorf("DELETE Clients?%s", w.Query.Encode())
		}
		r := g.gql(t, rkClientQuery, map[string]any{"id": cid})
		if c := r.codes(); len(c) != 1 || c[0] != "NOT_FOUND" {
			t.Errorf("read after delete: %s", r.Raw)
		}
	})
}

func TestRKeeperReferenceWrites(t *testing.T) {
	g := startRK(t, nil)
	var city struct{ ID, SourceID, Name string }
	t.Run("city", func(t *testing.T) {
		var d struct {
			CreateCity struct {
				City struct{ ID, SourceID, Name string }
			}
		}
		rkDecode(t, g.gql(t, `mutation($c: ID!) { createCity(countryId: $c, input: {name: "Таганрог"}) { city { id sourceId name } } }`,
			map[string]any{"c": rkRussiaID}), &d)
		city = d.CreateCity.City
		w := g.lastWrite(t, http.MethodPost, "Cities")
		if w.Query.Get("countryId") != rkRussia || string(w.Body) != `{"Name":"Таганрог"}` || city.ID != rkID(domain.RKCities, rkRussia+"/"+city.SourceID) {
			t.Errorf("POST Cities?%s %s → %+v", w.Query.Encode(), w.Body, city)
		}
		var u struct {
			UpdateCity struct{ City struct{ Name string } }
		}
		rkDecode(t, g.gql(t, `mutation($id: ID!) { updateCity(id: $id, input: {name: "Таганрог 2"}) { city { name } } }`,
			map[string]any{"id": city.ID}), &u)
		w = g.lastWrite(t, http.MethodPut, "Cities")
		if u.UpdateCity.City.Name != "Таганрог 2" || w.Query.Get("Id") != city.SourceID || string(w.Body) != `{"Name":"Таганрог 2"}` {
			t.Errorf("PUT Cities?%s %s → %+v", w.Query.Encode(), w.Body, u)
		}
	})
	t.Run("street", func(t *testing.T) {
		var d struct {
			CreateStreet struct {
				Street struct{ ID, SourceID, Name, PostCode string }
			}
		}
		rkDecode(t, g.gql(t, `mutation($c: ID!) { createStreet(cityId: $c, input: {name: "Комсомольцев", postCode: "ХХХ"}) { street { id sourceId name postCode } } }`,
			map[string]any{"c": city.ID}), &d)
		s := d.CreateStreet.Street
		w := g.lastWrite(t, http.MethodPost, "Streets")
		if s.PostCode != "ХХХ" || w.Query.Get("cityId") != city.SourceID || string(w.Body) != `{"Name":"Комсомольцев","PostCode":"ХХХ"}` {
			t.Errorf("POST Streets?%s %s → %+v", w.Query.Encode(), w.Body, s)
		}
		var u struct {
			UpdateStreet struct {
				Street struct{ Name, PostCode string }
			}
		}
		rkDecode(t, g.gql(t, `mutation($id: ID!) { updateStreet(id: $id, input: {name: "Ленина"}) { street { name postCode } } }`,
			map[string]any{"id": s.ID}), &u)
		w = g.lastWrite(t, http.MethodPut, "Streets")
		if u.UpdateStreet.Street.Name != "Ленина" || u.UpdateStreet.Street.PostCode != "ХХХ" ||
			w.Query.Get("Id") != s.SourceID || string(w.Body) != `{"Name":"Ленина","PostCode":"ХХХ"}` {
			t.Errorf("PUT Streets?%s %s → %+v", w.Query.Encode(), w.Body, u)
		}
		var del struct{ DeleteStreet struct{ DeletedID string } }
		rkDecode(t, g.gql(t, `mutation($id: ID!) { deleteStreet(id: $id) { deletedId } }`, map[string]any{"id": s.ID}), &del)
		if del.DeleteStreet.DeletedID != s.ID || g.lastWrite(t, http.MethodDelete, "Streets").Query.Get("Id") != s.SourceID {
			t.Errorf("deleteStreet = %+v", del)
		}
	})
	t.Run("delete city", func(t *testing.T) {
		var del struct{ DeleteCity struct{ DeletedID string } }
		rkDecode(t, g.gql(t, `mutation($id: ID!) { deleteCity(id: $id) { deletedId } }`, map[string]any{"id": city.ID}), &del)
		if del.DeleteCity.DeletedID != city.ID {
			t.Errorf("deletedId = %s", del.DeleteCity.DeletedID)
		}
		var d struct{ Cities []struct{ Name string } }
		rkDecode(t, g.gql(t, `query($c: ID!) { cities(countryId: $c) { name } }`, map[string]any{"c": rkRussiaID}), &d)
		for _, c := range d.Cities {
			if strings.HasPrefix(c.Name, "Таганрог") {
				t.Errorf("deleted city still listed")
			}
		}
	})
	t.Run("a city still used by addresses is refused as bad input", func(t *testing.T) {
		r := g.gql(t, `mutation($id: ID!) { deleteCity(id: $id) { deletedId } }`, map[string]any{"id": rkMoscowID})
		e := r.rkErr(t)
		if e["code"] != "BAD_USER_INPUT" || e["upstreamCode"] != "DLW-0006" || e["outcome"] != "REJECTED" {
			t.Errorf("error = %s", r.Raw)
		}
	})
}

func TestRKeeperWriteValidation(t *testing.T) {
	g := startRK(t, nil)
	synergyID := globalid.Encode(globalid.Synergy, "contacts", "42")
	otherClientContact := rkID(domain.RKClientContacts, "10000000009200/10000000008100")
	kazanStreet := rkID(domain.RKStreets, "10000000000003/10000000000080")
	addr := func(over map[string]any) map[string]any {
		m := map[string]any{"typeId": rkID("address-types", "1"), "cityId": rkMoscowID, "streetId": rkTverID, "house": "1"}
		for k, v := range over {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	for _, tc := range []struct {
		name, query string
		vars        map[string]any
		field       string
	}{
		{"Synergy id as cityId", `mutation($c: ID!) { streets: createStreet(cityId: $c, input: {name: "x"}) { street { id } } }`,
			map[string]any{"c": synergyID}, "cityId"},
		{"country id as cityId", `mutation($id: ID!, $in: ClientAddressInput!) { addClientAddress(clientId: $id, input: $in) { client { id } } }`,
			map[string]any{"id": rkClientID, "in": addr(map[string]any{"cityId": rkRussiaID})}, "input.cityId"},
		{"Synergy id as address cityId", `mutation($id: ID!, $in: ClientAddressInput!) { addClientAddress(clientId: $id, input: $in) { client { id } } }`,
			map[string]any{"id": rkClientID, "in": addr(map[string]any{"cityId": synergyID})}, "input.cityId"},
		{"street of another city", `mutation($id: ID!, $in: ClientAddressInput!) { addClientAddress(clientId: $id, input: $in) { client { id } } }`,
			map[string]any{"id": rkClientID, "in": addr(map[string]any{"streetId": kazanStreet})}, "input.streetId"},
		{"city in another country", `mutation($id: ID!, $in: ClientAddressInput!) { addClientAddress(clientId: $id, input: $in) { client { id } } }`,
			map[string]any{"id": rkClientID, "in": addr(map[string]any{"countryId": rkID("countries", "4")})}, "input.countryId"},
		{"blank house", `mutation($id: ID!, $in: ClientAddressInput!) { addClientAddress(clientId: $id, input: $in) { client { id } } }`,
			map[string]any{"id": rkClientID, "in": addr(map[string]any{"house": "  "})}, "input.house"},
		{"blank first name", `mutation { createClient(input: {firstName: " "}) { client { id } } }`, nil, "input.firstName"},
		{"bad contact type in a new client", `mutation($t: ID!) { createClient(input: {firstName: "Ян", contacts: [{typeId: $t, value: "1"}]}) { client { id } } }`,
			map[string]any{"t": rkID("address-types", "1")}, "input.contacts[0].typeId"},
		{"bad street in a new client's address", `mutation($in: ClientAddressInput!) { createClient(input: {firstName: "Ян", addresses: [$in]}) { client { id } } }`,
			map[string]any{"in": addr(map[string]any{"streetId": synergyID})}, "input.addresses[0].streetId"},
		{"long note", `mutation($n: String!) { createClient(input: {firstName: "Ян", note: $n}) { client { id } } }`,
			map[string]any{"n": strings.Repeat("я", 1001)}, "input.note"},
		{"empty client update", `mutation($id: ID!) { updateClient(id: $id, input: {}) { client { id } } }`,
			map[string]any{"id": rkClientID}, "input"},
		{"contact of another client", `mutation($id: ID!, $c: ID!) { deleteClientContact(clientId: $id, contactId: $c) { client { id } } }`,
			map[string]any{"id": rkClientID, "c": otherClientContact}, "contactId"},
		{"address id given as contact id", `mutation($id: ID!, $c: ID!) { deleteClientAddress(clientId: $id, addressId: $c) { client { id } } }`,
			map[string]any{"id": rkClientID, "c": rkID(domain.RKClientContacts, rkDocsClient+"/10000000008064")}, "addressId"},
		{"new city without street", `mutation($id: ID!, $a: ID!, $c: ID!) { updateClientAddress(clientId: $id, addressId: $a, input: {cityId: $c}) { client { id } } }`,
			map[string]any{"id": rkClientID, "a": rkID(domain.RKClientAddresses, rkDocsClient+"/10000000003276"), "c": rkSPbID}, "input.streetId"},
		{"empty address update", `mutation($id: ID!, $a: ID!) { updateClientAddress(clientId: $id, addressId: $a, input: {}) { client { id } } }`,
			map[string]any{"id": rkClientID, "a": rkID(domain.RKClientAddresses, rkDocsClient+"/10000000003276")}, "input"},
		{"blank city name", `mutation($c: ID!) { createCity(countryId: $c, input: {name: ""}) { city { id } } }`,
			map[string]any{"c": rkRussiaID}, "input.name"},
		{"city id as country id", `mutation($c: ID!) { createCity(countryId: $c, input: {name: "Тверь"}) { city { id } } }`,
			map[string]any{"c": rkMoscowID}, "countryId"},
		{"empty street update", `mutation($id: ID!) { updateStreet(id: $id, input: {}) { street { id } } }`,
			map[string]any{"id": rkTverID}, "input"},
		{"street id as city id", `mutation($id: ID!) { deleteCity(id: $id) { deletedId } }`,
			map[string]any{"id": rkTverID}, "id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := g.emu.Count("", "")
			r := g.gql(t, tc.query, tc.vars)
			e := r.rkErr(t)
			if e["code"] != "BAD_USER_INPUT" || e["field"] != tc.field {
				t.Errorf("extensions = %v, want BAD_USER_INPUT on %s (%s)", e, tc.field, r.Errors[0].Message)
			}
			if n := g.emu.Count("", "") - before; n != 0 {
				t.Errorf("refused input cost %d upstream requests", n)
			}
		})
	}
	t.Run("an upstream validation error names the field", func(t *testing.T) {
		r := g.gql(t, `mutation($id: ID!, $in: ClientAddressInput!) { addClientAddress(clientId: $id, input: $in) { client { id } } }`,
			map[string]any{"id": rkClientID, "in": addr(map[string]any{"typeId": rkID("address-types", "9")})})
		e := r.rkErr(t)
		if e["code"] != "BAD_USER_INPUT" || e["field"] != "input.typeId" || e["upstreamCode"] != "DLW-0003" || e["outcome"] != "REJECTED" {
			t.Errorf("extensions = %v", e)
		}
	})
}

func TestRKeeperWriteFaults(t *testing.T) {
	mutation := `mutation($c: ID!) { createCity(countryId: $c, input: {name: "Тверь"}) { city { id } } }`
	for _, tc := range []struct {
		name    string
		fault   rkemulator.Fault
		code    string
		outcome string
	}{
		{"timeout", rkemulator.Fault{Method: http.MethodPost, Stall: 5 * time.Second}, "UPSTREAM_TIMEOUT", "UNKNOWN"},
		{"reset", rkemulator.Fault{Method: http.MethodPost, Reset: true}, "UPSTREAM_ERROR", "UNKNOWN"},
		{"5xx", rkemulator.Fault{Method: http.MethodPost, Status: http.StatusInternalServerError}, "UPSTREAM_ERROR", "UNKNOWN"},
		{"503 Err envelope", rkemulator.Fault{Method: http.MethodPost, Status: http.StatusServiceUnavailable, Code: "DLW-0023"}, "UPSTREAM_UNAVAILABLE", "UNKNOWN"},
		{"malformed answer", rkemulator.Fault{Method: http.MethodPost, Malformed: true}, "UPSTREAM_ERROR", "UNKNOWN"},
		{"429", rkemulator.Fault{Method: http.MethodPost, Status: http.StatusTooManyRequests, RetryAfter: 1}, "RATE_LIMITED", "REJECTED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := startRK(t, func(c *config.Config) {
				c.RKeeper.Upstream.Timeout = 300 * time.Millisecond
				c.RKeeper.Upstream.MaxRetries = 3 // writes must still go once
			})
			g.emu.Inject(tc.fault)
			r := g.gql(t, mutation, map[string]any{"c": rkRussiaID})
			e := r.rkErr(t)
			if e["code"] != tc.code || e["outcome"] != tc.outcome || e["upstream"] != "rkeeper" {
				t.Errorf("extensions = %v (%s)", e, r.Errors[0].Message)
			}
			if tc.outcome == "UNKNOWN" && !strings.Contains(r.Errors[0].Message, "outcome unknown") {
				t.Errorf("message does not say the outcome is unknown: %s", r.Errors[0].Message)
			}
			if n := g.emu.Count(http.MethodPost, "Cities"); n != 1 {
				t.Errorf("the emulator saw %d POST Cities, want exactly 1", n)
			}
		})
	}
	t.Run("connection refused is NOT_SENT", func(t *testing.T) {
		g := startRK(t, func(c *config.Config) { c.RKeeper.BaseURL = rkClosedURL(t) })
		r := g.gql(t, mutation, map[string]any{"c": rkRussiaID})
		e := r.rkErr(t)
		if e["code"] != "UPSTREAM_UNAVAILABLE" || e["outcome"] != "NOT_SENT" {
			t.Errorf("extensions = %v", e)
		}
	})
	t.Run("a GET is retried where a write is not", func(t *testing.T) {
		g := startRK(t, func(c *config.Config) { c.RKeeper.Upstream.MaxRetries = 2 })
		g.emu.Inject(rkemulator.Fault{Method: http.MethodGet, Status: http.StatusBadGateway})
		g.gql(t, `{ countries { name } }`, nil).mustData(t)
		if n := g.emu.Count(http.MethodGet, "Countries"); n != 2 {
			t.Errorf("GET Countries = %d, want 2", n)
		}
	})
}

func TestRKeeperEnvelopeErrors(t *testing.T) {
	for _, status := range []bool{false, true} {
		name := "Err under HTTP 200"
		if status {
			name = "Err under an error status"
		}
		t.Run(name, func(t *testing.T) {
			for _, tc := range []struct {
				name, code, upstreamCode string
				tune                     func(*config.Config)
			}{
				{"unknown id", "NOT_FOUND", "DLW-0004", nil},
				{"bad sid", "UPSTREAM_UNAUTHENTICATED", "DLW-0001", func(c *config.Config) { c.RKeeper.SID = "wrong-sid-value" }},
				{"foreign object", "UPSTREAM_FORBIDDEN", "DLW-0002", func(c *config.Config) { c.RKeeper.ObjectID = "9999" }},
			} {
				t.Run(tc.name, func(t *testing.T) {
					g := startRK(t, tc.tune)
					g.emu.SetErrorHTTPStatus(status)
					r := g.gql(t, `query($id: ID!) { client(id: $id) { id } }`, map[string]any{"id": rkID(domain.RKClients, "1")})
					e := r.rkErr(t)
					reqs := g.emu.Requests()
					if len(reqs) != 1 {
						t.Fatalf("%d requests", len(reqs))
					}
					if e["code"] != tc.code || e["upstreamCode"] != tc.upstreamCode || e["requestId"] != reqs[0].RequestID || e["upstream"] != "rkeeper" {
						t.Errorf("extensions = %v, want %s/%s with requestId %s", e, tc.code, tc.upstreamCode, reqs[0].RequestID)
					}
				})
			}
		})
	}
	t.Run("an RK7 error under 503 keeps its request id", func(t *testing.T) {
		g := startRK(t, nil)
		g.emu.Inject(rkemulator.Fault{Status: http.StatusServiceUnavailable, Code: "DLW-0023"})
		r := g.gql(t, `{ countries { name } }`, nil)
		e := r.rkErr(t)
		if e["code"] != "UPSTREAM_UNAVAILABLE" || e["upstreamCode"] != "DLW-0023" || e["requestId"] == "" || e["requestId"] == nil ||
			!strings.Contains(r.Errors[0].Message, "Not answer from WS") {
			t.Errorf("error = %s", r.Raw)
		}
	})
	t.Run("one failing list does not blank the others", func(t *testing.T) {
		g := startRK(t, nil)
		g.emu.Inject(rkemulator.Fault{Path: "TypesAddresses", Malformed: true})
		r := g.gql(t, `{ addressTypes { name } countries { name } }`, nil)
		if c := r.codes(); len(c) != 1 || c[0] != "UPSTREAM_ERROR" || !strings.Contains(r.Raw, "Россия") {
			t.Errorf("response = %s", r.Raw)
		}
	})
}

func TestRKeeperNode(t *testing.T) {
	g := startRK(t, nil)
	for _, tc := range []struct{ id, typename, want string }{
		{rkClientID, "Client", "Безногов"},
		{rkID(domain.RKClientContacts, rkDocsClient+"/10000000008066"), "ClientContact", "+79998887766"},
		{rkID(domain.RKClientAddresses, rkDocsClient+"/10000000003276"), "ClientAddress", "10-я Текстильщиков"},
		{rkID(domain.RKClientAccounts, rkDocsClient+"/03.00011.00010593.0001"), "ClientAccount", "тестовый дебетовый"},
		{rkID(domain.RKClientCards, rkDocsClient+"/112232213"), "ClientCard", "основная"},
		{rkID(domain.RKContactTypes, "3"), "ClientContactType", "Телефон мобильный"},
		{rkID(domain.RKAddressTypes, "2"), "AddressType", "Рабочий"},
		{rkRussiaID, "Country", "Россия"},
		{rkMoscowID, "City", "Москва"},
		{rkTverID, "Street", "125009"},
		{rkID(domain.RKMetroStations, rkMoscow+"/3"), "MetroStation", "Академическая"},
	} {
		t.Run(tc.typename, func(t *testing.T) {
			r := g.gql(t, `query($id: ID!) { node(id: $id) { __typename id
				... on Client { lastName } ... on ClientContact { value } ... on ClientAddress { street { name } }
				... on ClientAccount { accountTypeName } ... on ClientCard { groupName }
				... on ClientContactType { name } ... on AddressType { name } ... on Country { name }
				... on City { name } ... on Street { postCode } ... on MetroStation { name } } }`, map[string]any{"id": tc.id})
			r.mustData(t)
			if !strings.Contains(string(r.Data), `"__typename":"`+tc.typename+`"`) || !strings.Contains(string(r.Data), tc.want) ||
				!strings.Contains(string(r.Data), tc.id) {
				t.Errorf("node = %s", r.Data)
			}
		})
	}
	t.Run("missing ones are NOT_FOUND", func(t *testing.T) {
		for _, id := range []string{rkID(domain.RKCities, rkRussia+"/1"), rkID(domain.RKClientCards, rkDocsClient+"/0"), rkID(domain.RKCountries, "77")} {
			if c := g.gql(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}).codes(); len(c) != 1 || c[0] != "NOT_FOUND" {
				t.Errorf("%s: codes %v", id, c)
			}
		}
	})
}

func TestRKeeperSIDNeverLeaks(t *testing.T) {
	g := startRK(t, func(c *config.Config) {
		c.RKeeper.Upstream.Timeout = 300 * time.Millisecond
		c.LogLevel = "debug"
	})
	sid := g.emu.SID
	var out strings.Builder
	for _, q := range []struct {
		query string
		vars  map[string]any
	}{
		{rkClientQuery, map[string]any{"id": rkClientID}},
		{rkClientQuery, map[string]any{"id": rkID(domain.RKClients, "1")}},
		{`{ countries { name } }`, nil},
		{`mutation($c: ID!) { createCity(countryId: $c, input: {name: "Тверь"}) { city { id } } }`, map[string]any{"c": rkRussiaID}},
	} {
		out.WriteString(g.gql(t, q.query, q.vars).Raw)
	}
	g.emu.Inject(rkemulator.Fault{Stall: 5 * time.Second})
	out.WriteString(g.gql(t, rkClientQuery, map[string]any{"id": rkClientID}).Raw)
	g.emu.Inject(rkemulator.Fault{Reset: true})
	out.WriteString(g.gql(t, `mutation($id: ID!) { deleteClient(id: $id) { deletedId } }`, map[string]any{"id": rkClientID}).Raw)
	out.WriteString(rkMetrics(t, g.testGateway))
	if strings.Contains(out.String(), sid) {
		t.Errorf("a response carries the sid")
	}
	if logs := g.Logs.String(); strings.Contains(logs, sid) || !strings.Contains(logs, "rkeeper") {
		t.Errorf("logs carry the sid, or nothing of rkeeper was logged:\n%s", logs)
	}
	if n := g.emu.Count("", ""); n < 5 {
		t.Errorf("only %d upstream requests", n)
	}
}

func TestRKeeperSandbox(t *testing.T) {
	g := startGateway(t, config.Defaults())
	var d struct {
		Client struct {
			LastName  string
			Addresses []struct{ City struct{ Name string } }
		}
	}
	rkDecode(t, g.gql(t, `query($id: ID!) { client(id: $id) { lastName addresses { city { name } } } }`, map[string]any{"id": rkClientID}), &d)
	if d.Client.LastName != "Безногов" || d.Client.Addresses[0].City.Name != "Москва" {
		t.Errorf("sandbox client = %+v", d.Client)
	}
	if strings.Contains(g.Logs.String(), rkemulator.DefaultSID) {
		t.Errorf("the sandbox sid reached the log")
	}
}

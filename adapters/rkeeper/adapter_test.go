package rkeeper_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/crmgateway/gateway/adapters/rkeeper"
	"github.com/crmgateway/gateway/adapters/rkeeper/emulator"
	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/globalid"
	"github.com/crmgateway/gateway/internal/upstream"
)

func newAdapter(t *testing.T) (*rkeeper.Adapter, *emulator.Emulator) {
	t.Helper()
	emu := emulator.New()
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	client, err := upstream.New(upstream.Options{Name: rkeeper.Upstream, BaseURL: srv.URL + emulator.BasePath + "/",
		Timeout: 5 * time.Second, Authorize: func(r *http.Request) { r.Header.Set("sid", emu.SID) }, Secrets: []string{emu.SID}})
	if err != nil {
		t.Fatal(err)
	}
	return rkeeper.New(client, rkeeper.Options{ObjectID: emu.ObjectID, CacheTTL: time.Minute}), emu
}

func ptr(s string) *string { return &s }

// TestWireCalls pins every call to the docs: method, path casing, id
// parameter names (Id / clientId / contactId — the address id too — /
// countryId / cityId), objectId on each, and the body's keys and casing.
func TestWireCalls(t *testing.T) {
	a, emu := newAdapter(t)
	ctx := context.Background()
	const (
		client  = "10000000009188"
		contact = "10000000008064"
		address = "10000000003276"
		moscow  = "10000000000002"
	)
	addr := domain.ClientAddressFields{TypeID: ptr("1"), CityID: ptr(moscow), StreetID: ptr("10000000000035"), House: ptr("5")}
	for _, tc := range []struct {
		name   string
		do     func() error
		method string
		path   string
		query  url.Values
		keys   []string // body keys; nil for no body
	}{
		{"contact types", func() error { _, err := a.ClientContactTypes(ctx); return err }, "GET", "TypesContacts", url.Values{}, nil},
		{"address types", func() error { _, err := a.AddressTypes(ctx); return err }, "GET", "TypesAddresses", url.Values{}, nil},
		{"countries", func() error { _, err := a.Countries(ctx); return err }, "GET", "Countries", url.Values{}, nil},
		{"cities", func() error { _, err := a.Cities(ctx, "2"); return err }, "GET", "Cities", url.Values{"countryId": {"2"}}, nil},
		{"metro", func() error { _, err := a.MetroStations(ctx, moscow); return err }, "GET", "MetroStations", url.Values{"cityId": {moscow}}, nil},
		{"streets", func() error { _, err := a.Streets(ctx, moscow); return err }, "GET", "Streets", url.Values{"cityId": {moscow}}, nil},
		{"client", func() error { _, err := a.Client(ctx, client); return err }, "GET", "Clients", url.Values{"Id": {client}}, nil},
		{"create city", func() error { _, err := a.CreateCity(ctx, "2", "Таганрог"); return err }, "POST", "Cities", url.Values{"countryId": {"2"}}, []string{"Name"}},
		{"update city", func() error { _, err := a.UpdateCity(ctx, "2", "10000000000024", "Хабаровск 2"); return err }, "PUT", "Cities", url.Values{"Id": {"10000000000024"}}, []string{"Name"}},
		{"create street", func() error {
			_, err := a.CreateStreet(ctx, moscow, domain.StreetFields{Name: ptr("Комсомольцев"), PostCode: ptr("ХХХ")})
			return err
		}, "POST", "Streets", url.Values{"cityId": {moscow}}, []string{"Name", "PostCode"}},
		{"update street", func() error {
			_, err := a.UpdateStreet(ctx, moscow, "10000000000036", domain.StreetFields{PostCode: ptr("ООО")})
			return err
		}, "PUT", "Streets", url.Values{"Id": {"10000000000036"}}, []string{"Name", "PostCode"}},
		{"delete street", func() error { return a.DeleteStreet(ctx, "10000000000003", "10000000000081") }, "DELETE", "Streets", url.Values{"Id": {"10000000000081"}}, nil},
		{"create client", func() error {
			_, err := a.CreateClient(ctx, domain.NewClient{FirstName: "Иван", Contacts: []domain.NewClientContact{{TypeID: "1", Value: "1"}},
				Addresses: []domain.ClientAddressFields{addr}})
			return err
		}, "POST", "Clients", url.Values{}, []string{"addresses", "contacts", "firstname", "lastname", "middlename"}},
		{"update client", func() error {
			_, err := a.UpdateClient(ctx, client, domain.ClientNames{LastName: ptr("Иванов")})
			return err
		},
			"PUT", "Clients", url.Values{"clientId": {client}}, []string{"firstname", "lastname", "middlename"}},
		{"add contact", func() error {
			_, err := a.AddClientContact(ctx, client, domain.NewClientContact{TypeID: "1", Value: "x"})
			return err
		},
			"POST", "Clients/Contacts", url.Values{"clientId": {client}}, []string{"typeId", "value"}},
		{"update contact", func() error { _, err := a.UpdateClientContact(ctx, client, contact, "y"); return err },
			"PUT", "Clients/Contacts", url.Values{"clientId": {client}, "contactId": {contact}}, []string{"value"}},
		{"delete contact", func() error { _, err := a.DeleteClientContact(ctx, client, contact); return err },
			"DELETE", "Clients/Contacts", url.Values{"clientId": {client}, "contactId": {contact}}, nil},
		{"add address", func() error { _, err := a.AddClientAddress(ctx, client, addr); return err },
			"POST", "Clients/Addresses", url.Values{"clientId": {client}}, []string{"cityId", "house", "streetId", "typeId"}},
		{"update address", func() error {
			_, err := a.UpdateClientAddress(ctx, client, address, domain.ClientAddressFields{Region: ptr("Речной"), House: ptr("20")})
			return err
		}, "PUT", "Clients/Addresses", url.Values{"clientId": {client}, "contactId": {address}}, []string{"house", "region"}},
		{"delete address", func() error { _, err := a.DeleteClientAddress(ctx, client, address); return err },
			"DELETE", "Clients/Addresses", url.Values{"clientId": {client}, "contactId": {address}}, nil},
		{"delete client", func() error { return a.DeleteClient(ctx, client) }, "DELETE", "Clients", url.Values{"clientId": {client}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu.ResetRequests()
			if err := tc.do(); err != nil {
				t.Fatal(err)
			}
			reqs := emu.Requests()
			r := reqs[len(reqs)-1]
			want := url.Values{"objectId": {emu.ObjectID}}
			for k, v := range tc.query {
				want[k] = v
			}
			if r.Method != tc.method || r.Path != tc.path || r.Query.Encode() != want.Encode() || r.Header.Get("sid") != emu.SID {
				t.Errorf("sent %s %s?%s, want %s %s?%s", r.Method, r.Path, r.Query.Encode(), tc.method, tc.path, want.Encode())
			}
			if tc.keys == nil {
				if len(r.Body) != 0 {
					t.Errorf("unexpected body %s", r.Body)
				}
				return
			}
			var m map[string]any
			if err := json.Unmarshal(r.Body, &m); err != nil {
				t.Fatalf("body %s: %v", r.Body, err)
			}
			var keys []string
			for k := range m {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if !slices.Equal(keys, tc.keys) || r.Header.Get("Content-Type") != "application/json" {
				t.Errorf("body keys %v, want %v (%s)", keys, tc.keys, r.Header.Get("Content-Type"))
			}
		})
	}
}

func TestNode(t *testing.T) {
	a, emu := newAdapter(t)
	ctx := context.Background()
	for _, tc := range []struct {
		typ, source string
		code        apierr.Code
	}{
		{domain.RKClients, "10000000009188", ""},
		{domain.RKClientAddresses, "10000000009188/10000000003276", ""},
		{domain.RKCities, "2/10000000000002", ""},
		{domain.RKCities, "10000000000002", apierr.BadUserInput},
		{domain.RKStreets, "10000000000002/10000000000031", ""},
		{domain.RKStreets, "10000000000002/1", apierr.NotFound},
		{"projects", "1", apierr.BadUserInput},
	} {
		n, err := a.Node(ctx, globalid.ID{Backend: globalid.RKeeper, Type: tc.typ, Source: tc.source})
		if tc.code == "" {
			if err != nil || n.GlobalID() != globalid.Encode(globalid.RKeeper, tc.typ, tc.source) {
				t.Errorf("%s %s: %v %v", tc.typ, tc.source, n, err)
			}
		} else if apierr.CodeOf(err) != tc.code {
			t.Errorf("%s %s: err %v, want %s", tc.typ, tc.source, err, tc.code)
		}
	}
	if n := emu.Count(http.MethodGet, "Streets"); n != 1 {
		t.Errorf("two street lookups in one city cost %d requests", n)
	}
}

// TestCityWithoutCountry: an address that names no country still finds its
// city, searching the countries' cached lists.
func TestCityWithoutCountry(t *testing.T) {
	a, _ := newAdapter(t)
	c, err := a.City(context.Background(), "", "10000000000016")
	if err != nil || c.Name != "Ташкент" || c.CountryID != "4" {
		t.Fatalf("%+v %v", c, err)
	}
	if _, err := a.City(context.Background(), "", "1"); apierr.CodeOf(err) != apierr.NotFound {
		t.Fatalf("err = %v", err)
	}
}

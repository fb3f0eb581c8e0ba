package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	rkemulator "github.com/crmgateway/gateway/adapters/rkeeper/emulator"
	"github.com/crmgateway/gateway/internal/config"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/globalid"
)

// rkGateway is a gateway whose only backend is an r_keeper emulator the
// test can inspect.
type rkGateway struct {
	*testGateway
	emu *rkemulator.Emulator
}

func startRK(t *testing.T, tune func(*config.Config)) *rkGateway {
	t.Helper()
	emu := rkemulator.New()
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	cfg := config.Defaults()
	cfg.RKeeper.BaseURL = srv.URL + rkemulator.BasePath + "/"
	cfg.RKeeper.SID = emu.SID
	cfg.RKeeper.ObjectID = emu.ObjectID
	cfg.RKeeper.Upstream.MaxRetries = 0
	if tune != nil {
		tune(&cfg)
	}
	return &rkGateway{testGateway: startGateway(t, cfg), emu: emu}
}

// rkID is the global ID of an r_keeper entity.
func rkID(typ, source string) string { return globalid.Encode(globalid.RKeeper, typ, source) }

const (
	rkDocsClient = "10000000009188" // the client of the docs' example
	rkRussia     = "2"
	rkMoscow     = "10000000000002"
	rkSPb        = "10000000000001"
	rkTextilsh   = "10000000000031" // 10-я Текстильщиков, Moscow
	rkTverskaya  = "10000000000035" // Тверская, Moscow
)

var (
	rkRussiaID  = rkID(domain.RKCountries, rkRussia)
	rkMoscowID  = rkID(domain.RKCities, rkRussia+"/"+rkMoscow)
	rkSPbID     = rkID(domain.RKCities, rkRussia+"/"+rkSPb)
	rkClientID  = rkID(domain.RKClients, rkDocsClient)
	rkTextilsID = rkID(domain.RKStreets, rkMoscow+"/"+rkTextilsh)
	rkTverID    = rkID(domain.RKStreets, rkMoscow+"/"+rkTverskaya)
)

// rkDecode unmarshals the response data into v.
func rkDecode(t *testing.T, r *gqlResponse, v any) {
	t.Helper()
	r.mustData(t)
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode %s: %v", r.Data, err)
	}
}

// ext returns the first error's extensions.
func (r *gqlResponse) rkErr(t *testing.T) map[string]any {
	t.Helper()
	if len(r.Errors) == 0 {
		t.Fatalf("expected an error, got %s", r.Raw)
	}
	return r.Errors[0].Extensions
}

func TestRKeeperReferenceData(t *testing.T) {
	g := startRK(t, nil)
	t.Run("contact types with flags", func(t *testing.T) {
		var d struct {
			ClientContactTypes []struct {
				ID, SourceID, Name                                  string
				IsPhone, IsEmail, IsSkype, IsSocialNetwork, Mailing bool
			}
		}
		rkDecode(t, g.gql(t, `{ clientContactTypes { id sourceId name isPhone isEmail isSkype isSocialNetwork mailing } }`, nil), &d)
		byName := map[string]int{}
		for i, c := range d.ClientContactTypes {
			byName[c.Name] = i
		}
		email := d.ClientContactTypes[byName["E-Mail"]]
		if email.SourceID != "4" || !email.IsEmail || email.IsPhone || email.ID != rkID("contact-types", "4") {
			t.Errorf("E-Mail = %+v", email)
		}
		home := d.ClientContactTypes[byName["Телефон домашний"]]
		if home.SourceID != "1" || !home.IsPhone || home.IsEmail {
			t.Errorf("home phone = %+v", home)
		}
		if vk := d.ClientContactTypes[byName["ВКонтакте"]]; !vk.IsSocialNetwork {
			t.Errorf("ВКонтакте = %+v", vk)
		}
	})
	t.Run("address types and countries", func(t *testing.T) {
		var d struct {
			AddressTypes []struct{ SourceID, Name string }
			Countries    []struct{ ID, SourceID, Name string }
		}
		rkDecode(t, g.gql(t, `{ addressTypes { sourceId name } countries { id sourceId name } }`, nil), &d)
		if len(d.AddressTypes) != 2 || d.AddressTypes[0].Name != "Домашний" || d.AddressTypes[1].SourceID != "2" {
			t.Errorf("address types = %+v", d.AddressTypes)
		}
		found := false
		for _, c := range d.Countries {
			found = found || (c.SourceID == rkRussia && c.Name == "Россия" && c.ID == rkRussiaID)
		}
		if !found {
			t.Errorf("countries = %+v", d.Countries)
		}
	})
	t.Run("cities, streets with post codes, metro stations", func(t *testing.T) {
		var d struct {
			Cities  []struct{ ID, SourceID, Name string }
			Streets []struct {
				ID, Name string
				PostCode *string
			}
			MetroStations []struct{ SourceID, Name string }
		}
		rkDecode(t, g.gql(t, `query($c: ID!, $m: ID!) { cities(countryId: $c) { id sourceId name }
			streets(cityId: $m) { id name postCode } metroStations(cityId: $m) { sourceId name } }`,
			map[string]any{"c": rkRussiaID, "m": rkMoscowID}), &d)
		var msk string
		for _, c := range d.Cities {
			if c.Name == "Москва" {
				msk = c.ID
			}
		}
		if msk != rkMoscowID {
			t.Errorf("Moscow's id = %q, want %q (cities %+v)", msk, rkMoscowID, d.Cities)
		}
		var street string
		for _, s := range d.Streets {
			if s.ID == rkTextilsID && s.PostCode != nil {
				street = s.Name + " " + *s.PostCode
			}
		}
		if street != "10-я Текстильщиков 109263" {
			t.Errorf("streets = %+v", d.Streets)
		}
		if len(d.MetroStations) < 30 || d.MetroStations[2].Name != "Академическая" || d.MetroStations[2].SourceID != "3" {
			t.Errorf("metro = %+v", d.MetroStations)
		}
	})
	t.Run("relationships", func(t *testing.T) {
		var d struct {
			Countries []struct {
				Name   string
				Cities []struct {
					Name    string
					Country struct{ Name string }
					Streets []struct{ Name string }
					Metro   []struct{ Name string } `json:"metroStations"`
				}
			}
		}
		rkDecode(t, g.gql(t, `{ countries { name cities { name country { name } streets { name } metroStations { name } } } }`, nil), &d)
		var ok bool
		for _, c := range d.Countries {
			for _, city := range c.Cities {
				if city.Name == "Москва" {
					ok = c.Name == "Россия" && city.Country.Name == "Россия" && len(city.Streets) >= 15 && len(city.Metro) >= 30
				}
			}
		}
		if !ok {
			t.Errorf("Moscow not found with its country, streets and metro: %+v", d)
		}
	})
	t.Run("every call carries sid and objectId", func(t *testing.T) {
		reqs := g.emu.Requests()
		if len(reqs) == 0 {
			t.Fatal("no upstream request recorded")
		}
		for _, r := range reqs {
			if r.Header.Get("sid") != g.emu.SID || r.Query.Get("objectId") != g.emu.ObjectID {
				t.Errorf("%s %s: sid %q objectId %q", r.Method, r.Path, r.Header.Get("sid"), r.Query.Get("objectId"))
			}
		}
	})
}

const rkClientQuery = `query($id: ID!) { client(id: $id) {
	id sourceId firstName lastName middleName birthday note
	contacts { id sourceId value type { sourceId name isPhone } }
	addresses { id sourceId type { name } country { id name } zip region
		city { id name country { name } } street { id name postCode }
		house building entry floor apartments entryCode additionalInfo lat lng
		metroStation { id sourceId name } readOnly }
	accounts { id sourceId accountNumber status accountTypeId accountTypeName accountDebitEnabled
		accountCreditEnabled createdAt balance accountCode }
	cards { id sourceId cardCode isVirtualCard isConfirmManager status createdAt expiresAt groupId groupName }
} }`

type rkGQLClient struct {
	ID, SourceID, FirstName, LastName, MiddleName, Note string
	Birthday                                            *string
	Contacts                                            []struct {
		ID, SourceID, Value string
		Type                *struct {
			SourceID, Name string
			IsPhone        bool
		}
	}
	Addresses []struct {
		ID, SourceID                                                      string
		Zip, Region, House, Building, Entry, Floor, Apartments, EntryCode *string
		AdditionalInfo                                                    *string
		Type                                                              *struct{ Name string }
		Country                                                           *struct{ ID, Name string }
		City                                                              *struct {
			ID, Name string
			Country  struct{ Name string }
		}
		Street *struct {
			ID, Name string
			PostCode *string
		}
		MetroStation *struct{ ID, SourceID, Name string }
		Lat, Lng     *float64
		ReadOnly     bool
	}
	Accounts []struct {
		ID, SourceID, AccountNumber, Status, AccountTypeName string
		AccountTypeID                                        *string `json:"accountTypeId"`
		AccountDebitEnabled, AccountCreditEnabled            bool
		CreatedAt                                            *string
		Balance                                              *string
		AccountCode                                          json.RawMessage
	}
	Cards []struct {
		ID, SourceID, CardCode, Status, GroupName string
		IsVirtualCard, IsConfirmManager           bool
		CreatedAt, ExpiresAt                      *string
		GroupID                                   *string `json:"groupId"`
	}
}

func rkReadClient(t *testing.T, g *rkGateway, source string) rkGQLClient {
	t.Helper()
	var d struct{ Client rkGQLClient }
	rkDecode(t, g.gql(t, rkClientQuery, map[string]any{"id": rkID(domain.RKClients, source)}), &d)
	return d.Client
}

func TestRKeeperClientRead(t *testing.T) {
	g := startRK(t, nil)
	c := rkReadClient(t, g, rkDocsClient)
	if c.ID != rkClientID || c.SourceID != rkDocsClient || c.FirstName != "Сергей" || c.LastName != "Безногов" ||
		c.MiddleName != "Витальевич" || c.Note != "лояльный клиент" || c.Birthday == nil || *c.Birthday != "1971-10-18T00:00:00" {
		t.Errorf("main fields = %+v", c)
	}
	if len(c.Contacts) != 2 || c.Contacts[0].Value != "333" || c.Contacts[0].Type == nil ||
		c.Contacts[0].Type.Name != "Телефон домашний" || !c.Contacts[0].Type.IsPhone ||
		c.Contacts[1].Value != "+79998887766" || c.Contacts[1].Type == nil || c.Contacts[1].Type.Name != "Телефон рабочий" {
		t.Errorf("contacts = %+v", c.Contacts)
	}
	if c.Contacts[0].ID != rkID(domain.RKClientContacts, rkDocsClient+"/10000000008064") {
		t.Errorf("contact id = %s", c.Contacts[0].ID)
	}
	if len(c.Addresses) != 1 {
		t.Fatalf("addresses = %+v", c.Addresses)
	}
	a := c.Addresses[0]
	str := func(p *string) string {
		if p == nil {
			return "<null>"
		}
		return *p
	}
	if a.SourceID != "10000000003276" || str(a.Zip) != "111111" || str(a.House) != "10" || str(a.Apartments) != "7" ||
		a.Region != nil || a.Building != nil || a.AdditionalInfo != nil || a.ReadOnly || a.Lat != nil || a.Lng != nil ||
		a.Street == nil || a.Street.Name != "10-я Текстильщиков" {
		t.Errorf("address = %+v", a)
	}
	if a.Type == nil || a.Type.Name != "Домашний" || a.Country == nil || a.Country.ID != rkRussiaID ||
		a.City == nil || a.City.ID != rkMoscowID || a.City.Country.Name != "Россия" ||
		a.Street == nil || a.Street.ID != rkTextilsID || a.Street.PostCode == nil || *a.Street.PostCode != "109263" ||
		a.MetroStation == nil || a.MetroStation.Name != "Академическая" ||
		a.MetroStation.ID != rkID(domain.RKMetroStations, rkMoscow+"/3") {
		t.Errorf("address references = %+v", a)
	}
	if len(c.Accounts) != 1 {
		t.Fatalf("accounts = %+v", c.Accounts)
	}
	acc := c.Accounts[0]
	if acc.AccountNumber != "03.00011.00010593.0001" || acc.SourceID != acc.AccountNumber || acc.Status != "ACTIVE" ||
		acc.AccountTypeID == nil || *acc.AccountTypeID != "11" || acc.AccountTypeName != "тестовый дебетовый" ||
		acc.Balance == nil || *acc.Balance != "0.00" || acc.CreatedAt == nil || *acc.CreatedAt != "2020-02-13T00:00:00" ||
		string(acc.AccountCode) != "null" {
		t.Errorf("account = %+v", acc)
	}
	if len(c.Cards) != 1 || c.Cards[0].CardCode != "112232213" || c.Cards[0].GroupID == nil || *c.Cards[0].GroupID != "3" ||
		c.Cards[0].GroupName != "основная" || c.Cards[0].Status != "ACTIVE" ||
		*c.Cards[0].CreatedAt != "2019-12-25T00:00:00" || *c.Cards[0].ExpiresAt != "2021-12-25T00:00:00" {
		t.Errorf("cards = %+v", c.Cards)
	}

	t.Run("balance keeps every digit and coordinates are floats", func(t *testing.T) {
		ids := g.emu.ClientIDs()
		var big, comma bool
		for _, id := range ids {
			c := rkReadClient(t, g, id)
			for _, acc := range c.Accounts {
				big = big || (acc.Balance != nil && *acc.Balance == "12345678901234567.89")
			}
			for _, a := range c.Addresses {
				if a.Lat != nil && *a.Lat == 55.7512 && a.Lng != nil && *a.Lng == 37.6184 {
					comma = true
				}
			}
		}
		if !big || !comma {
			t.Errorf("big balance found %v, decimal-comma coordinates found %v", big, comma)
		}
	})
	t.Run("unknown client is NOT_FOUND with the upstream's trace", func(t *testing.T) {
		r := g.gql(t, rkClientQuery, map[string]any{"id": rkID(domain.RKClients, "424242")})
		e := r.rkErr(t)
		if e["code"] != "NOT_FOUND" || e["upstream"] != "rkeeper" || e["upstreamCode"] != "DLW-0004" || e["requestId"] == nil {
			t.Errorf("extensions = %v", e)
		}
		if !strings.Contains(r.Raw, `"client":null`) {
			t.Errorf("client should be null: %s", r.Raw)
		}
	})
}

func TestRKeeperCache(t *testing.T) {
	t.Run("a second identical query within the TTL costs no request", func(t *testing.T) {
		g := startRK(t, nil)
		q := `query($c: ID!, $m: ID!) { clientContactTypes { name } addressTypes { name } countries { name }
			cities(countryId: $c) { name } streets(cityId: $m) { name } metroStations(cityId: $m) { name } }`
		vars := map[string]any{"c": rkRussiaID, "m": rkMoscowID}
		first := g.gql(t, q, vars)
		first.mustData(t)
		n := g.emu.Count("", "")
		if n != 6 {
			t.Errorf("first query cost %d requests, want 6 (one per list)", n)
		}
		second := g.gql(t, q, vars)
		second.mustData(t)
		if got := g.emu.Count("", ""); got != n {
			t.Errorf("second query cost %d requests, want 0", got-n)
		}
		if string(first.Data) != string(second.Data) {
			t.Errorf("cached answer differs")
		}
		m := rkMetrics(t, g.testGateway)
		for _, want := range []string{
			`crm_gateway_cache_requests_total{resource="cities",result="hit",upstream="rkeeper"} 1`,
			`crm_gateway_cache_requests_total{resource="cities",result="miss",upstream="rkeeper"} 1`,
		} {
			if !strings.Contains(m, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
	t.Run("twenty clients' address references cost one request per list", func(t *testing.T) {
		g := startRK(t, nil)
		ids := g.emu.ClientIDs()
		if len(ids) < 20 {
			t.Fatalf("seed has %d clients", len(ids))
		}
		var gids []string
		for _, id := range ids[:20] {
			gids = append(gids, rkID(domain.RKClients, id))
		}
		var d struct {
			Nodes []struct {
				Addresses []struct {
					City         struct{ Name string }
					Country      struct{ Name string }
					Street       struct{ Name string }
					MetroStation *struct{ Name string }
					Type         struct{ Name string }
				}
				Contacts []struct{ Type struct{ Name string } }
			}
		}
		rkDecode(t, g.gql(t, `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Client {
			addresses { city { name } country { name } street { name } metroStation { name } type { name } }
			contacts { type { name } } } } }`, map[string]any{"ids": gids}), &d)
		addresses := 0
		for _, n := range d.Nodes {
			for _, a := range n.Addresses {
				addresses++
				if a.City.Name == "" || a.Country.Name != "Россия" || a.Street.Name == "" || a.Type.Name == "" {
					t.Errorf("unresolved address reference: %+v", a)
				}
			}
		}
		if addresses < 20 {
			t.Fatalf("only %d addresses", addresses)
		}
		for path, want := range map[string]int{"Clients": 20, "Cities": 1, "Countries": 1, "TypesAddresses": 1,
			"TypesContacts": 1, "Streets": 2, "MetroStations": 2} {
			if got := g.emu.Count(http.MethodGet, path); got != want {
				t.Errorf("GET %s: %d requests, want %d", path, got, want)
			}
		}
	})
	t.Run("the gateway's writes invalidate at once", func(t *testing.T) {
		g := startRK(t, nil)
		cities := func() []string {
			var d struct{ Cities []struct{ Name string } }
			rkDecode(t, g.gql(t, `query($c: ID!) { cities(countryId: $c) { name } }`, map[string]any{"c": rkRussiaID}), &d)
			var out []string
			for _, c := range d.Cities {
				out = append(out, c.Name)
			}
			return out
		}
		cities()
		cities()
		if n := g.emu.Count(http.MethodGet, "Cities"); n != 1 {
			t.Fatalf("%d GET Cities before the write, want 1", n)
		}
		var d struct {
			CreateCity struct{ City struct{ ID, Name string } }
		}
		rkDecode(t, g.gql(t, `mutation($c: ID!) { createCity(countryId: $c, input: {name: "Таганрог"}) { city { id name } } }`,
			map[string]any{"c": rkRussiaID}), &d)
		after := cities()
		if n := g.emu.Count(http.MethodGet, "Cities"); n != 2 {
			t.Errorf("%d GET Cities after the write, want 2", n)
		}
		if !rkContains(after, "Таганрог") {
			t.Errorf("new city missing from %v", after)
		}
		newCity := d.CreateCity.City.ID
		streets := func() int {
			var d struct{ Streets []struct{ Name string } }
			rkDecode(t, g.gql(t, `query($c: ID!) { streets(cityId: $c) { name } }`, map[string]any{"c": newCity}), &d)
			return len(d.Streets)
		}
		if n := streets(); n != 0 {
			t.Errorf("new city has %d streets", n)
		}
		g.gql(t, `mutation($c: ID!) { createStreet(cityId: $c, input: {name: "Петровская", postCode: "347900"}) { street { id } } }`,
			map[string]any{"c": d.CreateCity.City.ID}).mustData(t)
		if n := streets(); n != 1 {
			t.Errorf("after createStreet the city has %d streets, want 1", n)
		}
	})
	t.Run("clients are never served stale", func(t *testing.T) {
		g := startRK(t, nil)
		rkReadClient(t, g, rkDocsClient)
		g.gql(t, `mutation($id: ID!) { updateClient(id: $id, input: {lastName: "Иванов"}) { client { lastName } } }`,
			map[string]any{"id": rkClientID}).mustData(t)
		if c := rkReadClient(t, g, rkDocsClient); c.LastName != "Иванов" {
			t.Errorf("lastName after update = %q", c.LastName)
		}
	})
	t.Run("concurrent identical misses share one call", func(t *testing.T) {
		g := startRK(t, nil)
		g.emu.Inject(rkemulator.Fault{Path: "Countries", Stall: 300 * time.Millisecond})
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				g.gql(t, `{ countries { name } }`, nil).mustData(t)
			}()
		}
		wg.Wait()
		if n := g.emu.Count(http.MethodGet, "Countries"); n != 1 {
			t.Errorf("8 concurrent queries cost %d requests, want 1", n)
		}
	})
	t.Run("TTL 0 turns the shared cache off but one query still reads a list once", func(t *testing.T) {
		g := startRK(t, func(c *config.Config) { c.RKeeper.CacheTTL = 0 })
		q := `{ countries { name cities { name } } }`
		g.gql(t, q, nil).mustData(t)
		g.gql(t, q, nil).mustData(t)
		if n := g.emu.Count(http.MethodGet, "Countries"); n != 2 {
			t.Errorf("GET Countries = %d, want 2", n)
		}
		var d struct{ Client rkGQLClient }
		g.emu.ResetRequests()
		rkDecode(t, g.gql(t, `query($a: ID!, $b: ID!) { a: client(id: $a) { addresses { city { name } } } b: client(id: $b) { addresses { city { name } } } }`,
			map[string]any{"a": rkClientID, "b": rkID(domain.RKClients, g.emu.ClientIDs()[1])}), &d)
		if n := g.emu.Count(http.MethodGet, "Cities"); n != 1 {
			t.Errorf("GET Cities = %d, want 1", n)
		}
	})
}

func rkContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func rkMetrics(t *testing.T, g *testGateway) string {
	t.Helper()
	resp, err := http.Get(g.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// rkClosedURL is an address where nothing listens.
func rkClosedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return fmt.Sprintf("http://%s%s/", addr, rkemulator.BasePath)
}

// TestRKeeperStaleReference: a street another operator added upstream is
// not in the cached list until the TTL ends; an address that names it gets
// a NOT_FOUND error on its street field, and the rest of the client is
// served.
func TestRKeeperStaleReference(t *testing.T) {
	g := startRK(t, nil)
	g.gql(t, `query($c: ID!) { streets(cityId: $c) { id } }`, map[string]any{"c": rkMoscowID}).mustData(t)

	req, _ := http.NewRequest(http.MethodPost, strings.TrimSuffix(g.App.Config.RKeeper.BaseURL, "/")+
		"/Streets?cityId="+rkMoscow+"&objectId="+g.emu.ObjectID, strings.NewReader(`{"Name": "Пятницкая", "PostCode": "115035"}`))
	req.Header.Set("sid", g.emu.SID)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var env struct{ Data struct{ ID string } }
	_ = json.NewDecoder(resp.Body).Decode(&env)
	resp.Body.Close()

	r := g.gql(t, `mutation($id: ID!, $t: ID!, $c: ID!, $s: ID!) { addClientAddress(clientId: $id,
		input: {typeId: $t, cityId: $c, streetId: $s, house: "3"}) { client { addresses { house street { name } city { name } } } } }`,
		map[string]any{"id": rkClientID, "t": rkID("address-types", "1"), "c": rkMoscowID, "s": rkID(domain.RKStreets, rkMoscow+"/"+env.Data.ID)})
	if c := r.codes(); len(c) != 1 || c[0] != "NOT_FOUND" {
		t.Fatalf("codes = %v: %s", c, r.Raw)
	}
	if !strings.Contains(r.Raw, `"house":"3","street":null,"city":{"name":"Москва"}`) ||
		fmt.Sprint(r.Errors[0].Path) != "[addClientAddress client addresses 1 street]" {
		t.Errorf("response = %s", r.Raw)
	}
}

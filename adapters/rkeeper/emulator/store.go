package emulator

import (
	"encoding/json"
	"slices"
	"strings"
)

// The emulator's own representation of r_keeper data, written from the
// docs (it deliberately shares nothing with the adapter's wire structs).

type contactType struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	IsPhone         bool   `json:"isPhone"`
	IsEmail         bool   `json:"isEmail"`
	IsSkype         bool   `json:"isSkype"`
	IsSocialNetwork bool   `json:"isSocialNetwork"`
	Mailing         bool   `json:"mailing"`
}

// ref is a {id, name} reference element; streets also have a post code.
type ref struct {
	ID       string
	Name     string
	PostCode string
}

func (r ref) plain() map[string]string { return map[string]string{"id": r.ID, "name": r.Name} }
func (r ref) street() map[string]string {
	return map[string]string{"id": r.ID, "name": r.Name, "postCode": r.PostCode}
}

type client struct {
	ID         string    `json:"id"`
	Lastname   string    `json:"lastname"`
	Firstname  string    `json:"firstname"`
	Middlename string    `json:"middlename"`
	Birthday   string    `json:"birthday"`
	Note       string    `json:"note"`
	Contacts   []contact `json:"contacts"`
	Addresses  []address `json:"addresses"`
	Accounts   []account `json:"accounts"`
	Cards      []card    `json:"cards"`
}

type contact struct {
	ID       string `json:"id"`
	TypeID   string `json:"typeId"`
	TypeName string `json:"typeName"`
	Value    string `json:"value"`
}

type address struct {
	ID             string `json:"id"`
	TypeID         string `json:"typeId"`
	TypeName       string `json:"typeName"`
	CountryID      string `json:"countryId"`
	Country        string `json:"country"`
	Zip            string `json:"zip"`
	Region         string `json:"region"`
	CityID         string `json:"cityId"`
	City           string `json:"city"`
	StreetID       string `json:"streetId"`
	Street         string `json:"street"`
	House          string `json:"house"`
	Building       string `json:"building"`
	Entry          string `json:"entry"`
	Floor          string `json:"floor"`
	Apartments     string `json:"apartments"`
	EntryCode      string `json:"entryCode"`
	DopInfo        string `json:"dopInfo"`
	Lat            string `json:"lat"`
	Lng            string `json:"lng"`
	MetroStationID string `json:"metroStationId"`
	MetroStation   string `json:"metroStation"`
	ReadOnly       bool   `json:"readOnly"`
}

type account struct {
	AccountNumber        string      `json:"accountNumber"`
	Status               string      `json:"status"`
	AccountTypeID        int         `json:"accountTypeID"`
	AccountTypeName      string      `json:"accountTypeName"`
	AccountDebitEnabled  bool        `json:"accountDebitEnabled"`
	AccountCreditEnabled bool        `json:"accountCreditEnabled"`
	DateCreate           string      `json:"dateCreate"`
	Balance              json.Number `json:"balance"`
	AccountCode          *string     `json:"accountCode"`
}

type card struct {
	CardCode         string `json:"cardCode"`
	IsVirtualCard    bool   `json:"isVirtualCard"`
	IsConfirmManager bool   `json:"isConfirmManager"`
	Status           string `json:"status"`
	DateOffered      string `json:"dateOffered"`
	DateExpired      string `json:"dateExpired"`
	GroupID          int    `json:"groupID"`
	GroupName        string `json:"groupName"`
}

// store is the emulator's in-memory CRM of one object.
type store struct {
	contactTypes []contactType
	addressTypes []ref
	countries    []ref
	cities       map[string][]ref // by country id
	streets      map[string][]ref // by city id
	metro        map[string][]ref // by city id
	clients      map[string]*client
	nextID       int64
}

func newStore() *store {
	s := &store{
		contactTypes: seedContactTypes(), addressTypes: seedAddressTypes(), countries: seedCountries(),
		cities: seedCities(), streets: seedStreets(), metro: seedMetro(),
		clients: map[string]*client{}, nextID: 10000000020000,
	}
	s.seedClients()
	return s
}

func (s *store) newID() string {
	s.nextID++
	return formatID(s.nextID)
}

func (s *store) putClient(c *client) {
	if c.Contacts == nil {
		c.Contacts = []contact{}
	}
	if c.Addresses == nil {
		c.Addresses = []address{}
	}
	if c.Accounts == nil {
		c.Accounts = []account{}
	}
	if c.Cards == nil {
		c.Cards = []card{}
	}
	s.clients[c.ID] = c
}

// byName orders a list as the docs' examples are ordered: by name.
func byName(refs []ref) []ref {
	out := slices.Clone(refs)
	slices.SortStableFunc(out, func(a, b ref) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func findRef(refs []ref, id string) (int, bool) {
	for i, r := range refs {
		if r.ID == id {
			return i, true
		}
	}
	return -1, false
}

// cityCountry finds the country of a city.
func (s *store) cityCountry(cityID string) (string, ref, bool) {
	for country, cities := range s.cities {
		if i, ok := findRef(cities, cityID); ok {
			return country, cities[i], true
		}
	}
	return "", ref{}, false
}

func (s *store) countryName(id string) string {
	if i, ok := findRef(s.countries, id); ok {
		return s.countries[i].Name
	}
	return ""
}

// cityInUse and streetInUse report whether a client address refers to it.
func (s *store) cityInUse(id string) bool {
	for _, c := range s.clients {
		for _, a := range c.Addresses {
			if a.CityID == id {
				return true
			}
		}
	}
	return false
}

func (s *store) streetInUse(id string) bool {
	for _, c := range s.clients {
		for _, a := range c.Addresses {
			if a.StreetID == id {
				return true
			}
		}
	}
	return false
}

// streetCity finds the city of a street.
func (s *store) streetCity(streetID string) (string, int, bool) {
	for city, streets := range s.streets {
		if i, ok := findRef(streets, streetID); ok {
			return city, i, true
		}
	}
	return "", -1, false
}

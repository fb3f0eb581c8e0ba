package rkeeper

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/scalar"
)

// flexID is an upstream id: documented as a string of digits, also
// accepted as a JSON number so a drift in the upstream does not break reads.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexID(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("id: %w", err)
		}
		*f = flexID(n.String())
	}
	return nil
}

// wireRef is one element of every reference list: {id, name} plus the
// contact-type flags and the street post code where the resource has them.
type wireRef struct {
	ID              flexID  `json:"id"`
	Name            string  `json:"name"`
	PostCode        *string `json:"postCode"`
	IsPhone         bool    `json:"isPhone"`
	IsEmail         bool    `json:"isEmail"`
	IsSkype         bool    `json:"isSkype"`
	IsSocialNetwork bool    `json:"isSocialNetwork"`
	Mailing         bool    `json:"mailing"`
	// Raw is the element as the upstream sent it and Fetch how the list
	// was obtained; both travel with the list through the caches (under
	// names no upstream element has).
	Raw   json.RawMessage `json:"gatewayRaw,omitempty"`
	Fetch *domain.Fetched `json:"gatewayFetch,omitempty"`
	// Extra is what extra answers for the element ("null": nothing),
	// worked out when the list was fetched; nil: not worked out.
	Extra json.RawMessage `json:"gatewayExtra,omitempty"`
}

type wireClient struct {
	ID         flexID        `json:"id"`
	Lastname   string        `json:"lastname"`
	Firstname  string        `json:"firstname"`
	Middlename string        `json:"middlename"`
	Birthday   string        `json:"birthday"`
	Note       string        `json:"note"`
	Contacts   []wireContact `json:"contacts"`
	Addresses  []wireAddress `json:"addresses"`
	Accounts   []wireAccount `json:"accounts"`
	Cards      []wireCard    `json:"cards"`
}

// wireClientRaw is the client object once more, each element as sent, for
// the members no field maps (extraOf).
type wireClientRaw struct {
	Contacts  []json.RawMessage `json:"contacts"`
	Addresses []json.RawMessage `json:"addresses"`
	Accounts  []json.RawMessage `json:"accounts"`
	Cards     []json.RawMessage `json:"cards"`
}

// The members of each r_keeper object that a field of the API maps; every
// other member goes to the object's extra.
var (
	clientKnown  = []string{"id", "lastname", "firstname", "middlename", "birthday", "note", "contacts", "addresses", "accounts", "cards"}
	contactKnown = []string{"id", "typeId", "typeName", "value"}
	addressKnown = []string{"id", "typeId", "typeName", "countryId", "country", "zip", "region", "cityId", "city",
		"streetId", "street", "house", "building", "entry", "floor", "apartments", "entryCode", "dopInfo",
		"lat", "lng", "metroStationId", "metroStation", "readOnly"}
	accountKnown = []string{"accountNumber", "status", "accountTypeID", "accountTypeName", "accountDebitEnabled",
		"accountCreditEnabled", "dateCreate", "balance", "accountCode"}
	cardKnown = []string{"cardCode", "isVirtualCard", "isConfirmManager", "status", "dateOffered", "dateExpired",
		"groupID", "groupName"}
	contactTypeKnown = []string{"id", "name", "isPhone", "isEmail", "isSkype", "isSocialNetwork", "mailing"}
	nameKnown        = []string{"id", "name"}
	streetKnown      = []string{"id", "name", "postCode"}
)

type wireContact struct {
	ID       flexID `json:"id"`
	TypeID   flexID `json:"typeId"`
	TypeName string `json:"typeName"`
	Value    string `json:"value"`
}

type wireAddress struct {
	ID             flexID `json:"id"`
	TypeID         flexID `json:"typeId"`
	TypeName       string `json:"typeName"`
	CountryID      flexID `json:"countryId"`
	Country        string `json:"country"`
	Zip            string `json:"zip"`
	Region         string `json:"region"`
	CityID         flexID `json:"cityId"`
	City           string `json:"city"`
	StreetID       flexID `json:"streetId"`
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
	MetroStationID flexID `json:"metroStationId"`
	MetroStation   string `json:"metroStation"`
	ReadOnly       bool   `json:"readOnly"`
}

type wireAccount struct {
	AccountNumber        string          `json:"accountNumber"`
	Status               string          `json:"status"`
	AccountTypeID        json.Number     `json:"accountTypeID"`
	AccountTypeName      string          `json:"accountTypeName"`
	AccountDebitEnabled  bool            `json:"accountDebitEnabled"`
	AccountCreditEnabled bool            `json:"accountCreditEnabled"`
	DateCreate           string          `json:"dateCreate"`
	Balance              json.RawMessage `json:"balance"`
	AccountCode          json.RawMessage `json:"accountCode"`
}

type wireCard struct {
	CardCode         string      `json:"cardCode"`
	IsVirtualCard    bool        `json:"isVirtualCard"`
	IsConfirmManager bool        `json:"isConfirmManager"`
	Status           string      `json:"status"`
	DateOffered      string      `json:"dateOffered"`
	DateExpired      string      `json:"dateExpired"`
	GroupID          json.Number `json:"groupID"`
	GroupName        string      `json:"groupName"`
}

// wireDeleted is the {id} answer of client, city and street deletes.
type wireDeleted struct {
	ID flexID `json:"id"`
}

// decodeRefs decodes a reference list's data.
func decodeRefs(data json.RawMessage) ([]wireRef, error) {
	if isNull(data) {
		return []wireRef{}, nil // an empty list may come as no data at all
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		return nil, fmt.Errorf("reference list: %w", err)
	}
	out := make([]wireRef, len(raws))
	for i, raw := range raws {
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			return nil, fmt.Errorf("reference list: %w", err)
		}
		if out[i].ID == "" {
			return nil, fmt.Errorf("reference list: element %d has no id", i)
		}
		out[i].Raw, out[i].Fetch = raw, nil
	}
	return out, nil
}

// decodeRef decodes the single {id, name[, postCode]} of a city or street write.
func decodeRef(data json.RawMessage) (wireRef, error) {
	var r wireRef
	if isNull(data) {
		return r, fmt.Errorf("no data in the answer")
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("reference: %w", err)
	}
	if r.ID == "" {
		return r, fmt.Errorf("reference: no id")
	}
	// A write's answer: the record as sent, fresh (writes are never stale).
	r.Raw, r.Fetch = data, domain.FetchedNow(0, nil)
	return r, nil
}

// decodeClient decodes a Client object into its domain form.
func decodeClient(data json.RawMessage) (*domain.Client, error) {
	if isNull(data) {
		return nil, fmt.Errorf("no client in the answer")
	}
	var w wireClient
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	// The records as sent: the client's and each element's (all copies,
	// as encoding/json makes them), for provenance and extra.
	var raw wireClientRaw
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	rawAt := func(list []json.RawMessage, i int) json.RawMessage {
		if i < len(list) {
			return list[i]
		}
		return nil
	}
	if w.ID == "" {
		return nil, fmt.Errorf("client: no id")
	}
	c := &domain.Client{
		Meta:       domain.Meta{Raw: scalar.JSON(data)},
		SourceID:   string(w.ID),
		FirstName:  domain.OptString(w.Firstname),
		LastName:   domain.OptString(w.Lastname),
		MiddleName: domain.OptString(w.Middlename),
		Note:       domain.OptString(w.Note),
		Extra:      domain.ExtraOf(data, clientKnown),
		Contacts:   make([]*domain.ClientContact, 0, len(w.Contacts)),
		Addresses:  make([]*domain.ClientAddress, 0, len(w.Addresses)),
		Accounts:   make([]*domain.ClientAccount, 0, len(w.Accounts)),
		Cards:      make([]*domain.ClientCard, 0, len(w.Cards)),
	}
	var err error
	if c.Birthday, err = localTime("birthday", w.Birthday); err != nil {
		return nil, err
	}
	for i, x := range w.Contacts {
		if x.ID == "" {
			return nil, fmt.Errorf("client: contact %d has no id", i)
		}
		c.Contacts = append(c.Contacts, &domain.ClientContact{
			Meta:     domain.Meta{Raw: scalar.JSON(rawAt(raw.Contacts, i))},
			SourceID: string(x.ID), ClientID: c.SourceID, TypeID: string(x.TypeID),
			TypeName: x.TypeName, Value: x.Value, Extra: domain.ExtraOf(rawAt(raw.Contacts, i), contactKnown),
		})
	}
	for i, x := range w.Addresses {
		if x.ID == "" {
			return nil, fmt.Errorf("client: address %d has no id", i)
		}
		c.Addresses = append(c.Addresses, &domain.ClientAddress{
			Meta:     domain.Meta{Raw: scalar.JSON(rawAt(raw.Addresses, i))},
			SourceID: string(x.ID), ClientID: c.SourceID,
			TypeID: string(x.TypeID), TypeName: x.TypeName,
			CountryID: string(x.CountryID), CountryName: x.Country,
			Zip: domain.OptString(x.Zip), Region: domain.OptString(x.Region),
			CityID: string(x.CityID), CityName: x.City,
			StreetID: string(x.StreetID), StreetName: x.Street,
			House: domain.OptString(x.House), Building: domain.OptString(x.Building),
			Entry: domain.OptString(x.Entry), Floor: domain.OptString(x.Floor),
			Apartments: domain.OptString(x.Apartments), EntryCode: domain.OptString(x.EntryCode),
			AdditionalInfo: domain.OptString(x.DopInfo),
			Lat:            coordinate(x.Lat), Lng: coordinate(x.Lng),
			MetroStationID: string(x.MetroStationID), MetroStationName: x.MetroStation,
			ReadOnly: x.ReadOnly, Extra: domain.ExtraOf(rawAt(raw.Addresses, i), addressKnown),
		})
	}
	for i, x := range w.Accounts {
		a := &domain.ClientAccount{
			Meta:     domain.Meta{Raw: scalar.JSON(rawAt(raw.Accounts, i))},
			ClientID: c.SourceID, AccountNumber: x.AccountNumber, Status: domain.AccountActive,
			AccountTypeName: domain.OptString(x.AccountTypeName), AccountDebitEnabled: x.AccountDebitEnabled,
			AccountCreditEnabled: x.AccountCreditEnabled, Extra: domain.ExtraOf(rawAt(raw.Accounts, i), accountKnown, keepStatus(x.Status)...),
		}
		if x.Status != domain.RKeeperActive {
			a.Status = domain.AccountOther
		}
		if a.AccountNumber == "" {
			return nil, fmt.Errorf("client: account %d has no number", i)
		}
		if a.AccountTypeID, err = optNumberID("accountTypeID", x.AccountTypeID); err != nil {
			return nil, err
		}
		if a.CreatedAt, err = localTime("dateCreate", x.DateCreate); err != nil {
			return nil, err
		}
		if a.Balance, err = decimal(x.Balance); err != nil {
			return nil, err
		}
		if !isNull(x.AccountCode) {
			a.AccountCode = scalar.JSON(x.AccountCode)
		}
		c.Accounts = append(c.Accounts, a)
	}
	for i, x := range w.Cards {
		k := &domain.ClientCard{
			Meta:     domain.Meta{Raw: scalar.JSON(rawAt(raw.Cards, i))},
			ClientID: c.SourceID, CardCode: x.CardCode, IsVirtualCard: x.IsVirtualCard,
			IsConfirmManager: x.IsConfirmManager, Status: domain.CardActive, GroupName: domain.OptString(x.GroupName),
			Extra: domain.ExtraOf(rawAt(raw.Cards, i), cardKnown, keepStatus(x.Status)...),
		}
		if x.Status != domain.RKeeperActive {
			k.Status = domain.CardOther
		}
		if k.CardCode == "" {
			return nil, fmt.Errorf("client: card %d has no code", i)
		}
		if k.GroupID, err = optNumberID("groupID", x.GroupID); err != nil {
			return nil, err
		}
		if k.CreatedAt, err = localTime("dateOffered", x.DateOffered); err != nil {
			return nil, err
		}
		if k.ExpiresAt, err = localTime("dateExpired", x.DateExpired); err != nil {
			return nil, err
		}
		c.Cards = append(c.Cards, k)
	}
	return c, nil
}

func isNull(b json.RawMessage) bool {
	b = bytes.TrimSpace(b)
	return len(b) == 0 || bytes.Equal(b, []byte("null"))
}

// isEmpty reports an answer that holds no record: no data, null, {} or
// []. A read by id answered so is NOT_FOUND (see README.md).
func isEmpty(b json.RawMessage) bool {
	b = bytes.Join(bytes.Fields(b), nil)
	return len(b) == 0 || bytes.Equal(b, []byte("null")) || bytes.Equal(b, []byte("{}")) || bytes.Equal(b, []byte("[]"))
}

func localTime(field, s string) (*scalar.LocalDateTime, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	t, err := scalar.ParseLocalDateTime(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	return &t, nil
}

func optNumberID(field string, n json.Number) (*string, error) {
	if n == "" {
		return nil, nil
	}
	v, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%s: %q is not an integer", field, n.String())
	}
	id := strconv.FormatInt(v, 10)
	return &id, nil
}

// decimal keeps the balance's JSON number text as it is, so no digit is
// lost to a float64.
func decimal(raw json.RawMessage) (*scalar.Decimal, error) {
	if isNull(raw) {
		return nil, nil
	}
	var d scalar.Decimal
	if err := d.UnmarshalJSON(raw); err != nil {
		return nil, fmt.Errorf("balance: %w", err)
	}
	return &d, nil
}

// coordinate reads the upstream's free-text lat/lng; empty or unreadable
// text is no coordinate (nil), and a decimal comma is accepted.
func coordinate(s string) *float64 {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", ".")
	if s == "" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

// Request bodies. Client bodies are camelCase with lower-case name fields
// (lastname, firstname, middlename); city and street bodies are PascalCase.

type wireNewClient struct {
	Lastname   string             `json:"lastname"`
	Firstname  string             `json:"firstname"`
	Middlename string             `json:"middlename"`
	Birthday   string             `json:"birthday,omitempty"`
	Note       string             `json:"note,omitempty"`
	Contacts   []wireNewContact   `json:"contacts,omitempty"`
	Addresses  []wireAddressInput `json:"addresses,omitempty"`
}

type wireClientNames struct {
	Lastname   string `json:"lastname"`
	Firstname  string `json:"firstname"`
	Middlename string `json:"middlename"`
}

type wireNewContact struct {
	TypeID string `json:"typeId"`
	Value  string `json:"value"`
}

type wireContactValue struct {
	Value string `json:"value"`
}

// wireAddressInput is AddressInput; nil fields are left out, which is what
// makes an address update partial.
type wireAddressInput struct {
	TypeID     *string `json:"typeId,omitempty"`
	CountryID  *string `json:"countryId,omitempty"`
	Zip        *string `json:"zip,omitempty"`
	Region     *string `json:"region,omitempty"`
	CityID     *string `json:"cityId,omitempty"`
	StreetID   *string `json:"streetId,omitempty"`
	House      *string `json:"house,omitempty"`
	Building   *string `json:"building,omitempty"`
	Entry      *string `json:"entry,omitempty"`
	Floor      *string `json:"floor,omitempty"`
	Apartments *string `json:"apartments,omitempty"`
	EntryCode  *string `json:"entryCode,omitempty"`
	DopInfo    *string `json:"dopInfo,omitempty"`
}

func addressBody(f domain.ClientAddressFields) wireAddressInput {
	return wireAddressInput{
		TypeID: f.TypeID, CountryID: f.CountryID, Zip: f.Zip, Region: f.Region,
		CityID: f.CityID, StreetID: f.StreetID, House: f.House, Building: f.Building,
		Entry: f.Entry, Floor: f.Floor, Apartments: f.Apartments, EntryCode: f.EntryCode,
		DopInfo: f.AdditionalInfo,
	}
}

type wireCityBody struct {
	Name string `json:"Name"`
}

type wireStreetBody struct {
	Name     string `json:"Name"`
	PostCode string `json:"PostCode"`
}

// Wire field → GraphQL input path, so an upstream validation error whose
// details name a wire field is reported against the client's field.
var (
	clientFields = map[string]string{
		"lastname": "input.lastName", "firstname": "input.firstName", "middlename": "input.middleName",
		"birthday": "input.birthday", "note": "input.note", "contacts": "input.contacts", "addresses": "input.addresses",
	}
	contactFields = map[string]string{"typeId": "input.typeId", "value": "input.value", "contactId": "contactId", "clientId": "clientId"}
	addressFields = map[string]string{
		"typeId": "input.typeId", "countryId": "input.countryId", "zip": "input.zip", "region": "input.region",
		"cityId": "input.cityId", "streetId": "input.streetId", "house": "input.house", "building": "input.building",
		"entry": "input.entry", "floor": "input.floor", "apartments": "input.apartments",
		"entryCode": "input.entryCode", "dopInfo": "input.dopInfo", "contactId": "addressId", "clientId": "clientId",
	}
	cityFields   = map[string]string{"Name": "input.name", "countryId": "countryId", "Id": "id"}
	streetFields = map[string]string{"Name": "input.name", "PostCode": "input.postCode", "cityId": "cityId", "Id": "id"}
)

// keepStatus is the known member an account's or card's extra keeps: its
// upstream status when the API reads it as OTHER.
func keepStatus(status string) []string {
	if status != domain.RKeeperActive {
		return []string{"status"}
	}
	return nil
}

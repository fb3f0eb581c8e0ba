package domain

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/crmgateway/gateway/internal/globalid"
	"github.com/crmgateway/gateway/internal/scalar"
)

// r_keeper global-ID types. Entities that the upstream can only list under
// a parent (cities under a country, streets and metro stations under a
// city, a client's contacts, addresses, accounts and cards under the
// client) carry the parent's id in their global ID's source part, joined
// with RKeeperIDSep, so node(id:) can find them again; sourceId stays the
// CRM's own id.
const (
	RKClients         = "clients"
	RKClientContacts  = "client-contacts"
	RKClientAddresses = "client-addresses"
	RKClientAccounts  = "client-accounts"
	RKClientCards     = "client-cards"
	RKContactTypes    = "contact-types"
	RKAddressTypes    = "address-types"
	RKCountries       = "countries"
	RKCities          = "cities"
	RKMetroStations   = "metro-stations"
	RKStreets         = "streets"
)

// RKeeperIDSep joins a parent's id and a child's id in a global ID's source
// part; r_keeper ids are digits, so it never occurs inside one.
const RKeeperIDSep = "/"

// RKeeperChildID is the source part of a child entity's global ID.
func RKeeperChildID(parent, id string) string { return parent + RKeeperIDSep + id }

// SplitRKeeperChildID splits a child's source part into parent and id.
func SplitRKeeperChildID(source string) (parent, id string, ok bool) {
	parent, id, ok = strings.Cut(source, RKeeperIDSep)
	return parent, id, ok && parent != "" && id != "" && !strings.Contains(id, RKeeperIDSep)
}

func rkID(typ, source string) string { return globalid.Encode(globalid.RKeeper, typ, source) }

// Client is an r_keeper WebDelivery delivery client with everything the
// upstream returns about it in one read.
//
// Text the upstream leaves empty ("") is nil here, as everywhere in the
// domain: an absent value is null in the API, whichever CRM it comes from.
type Client struct {
	Meta
	SourceID   string
	FirstName  *string
	LastName   *string
	MiddleName *string
	// Birthday is the upstream's zone-less date-time, nil when empty.
	Birthday *scalar.LocalDateTime
	Note     *string
	// Extra holds the members of the upstream's client object that no
	// field maps, nil when there is none.
	Extra     scalar.JSON
	Contacts  []*ClientContact
	Addresses []*ClientAddress
	Accounts  []*ClientAccount
	Cards     []*ClientCard
}

// SetFetched records how the client, and everything it carries, was fetched.
func (c *Client) SetFetched(f *Fetched) {
	c.Fetch = f
	for _, x := range c.Contacts {
		x.Fetch = f
	}
	for _, x := range c.Addresses {
		x.Fetch = f
	}
	for _, x := range c.Accounts {
		x.Fetch = f
	}
	for _, x := range c.Cards {
		x.Fetch = f
	}
}

func (c *Client) ID() string       { return rkID(RKClients, c.SourceID) }
func (c *Client) GlobalID() string { return c.ID() }

// ClientContact is one phone, e-mail or messenger handle of a client.
type ClientContact struct {
	Meta
	SourceID string
	ClientID string // the client's source id
	TypeID   string // the ClientContactType's source id
	TypeName string
	Value    string
	Extra    scalar.JSON
}

func (c *ClientContact) ID() string {
	return rkID(RKClientContacts, RKeeperChildID(c.ClientID, c.SourceID))
}
func (c *ClientContact) GlobalID() string { return c.ID() }

// ClientAddress is one delivery address of a client. The *ID fields are
// the referenced entities' source ids ("" when the upstream left them
// empty); the *Name fields are the names the upstream embeds.
type ClientAddress struct {
	Meta
	SourceID         string
	ClientID         string
	TypeID           string
	TypeName         string
	CountryID        string
	CountryName      string
	Zip              *string
	Region           *string
	CityID           string
	CityName         string
	StreetID         string
	StreetName       string
	House            *string
	Building         *string
	Entry            *string
	Floor            *string
	Apartments       *string
	EntryCode        *string
	AdditionalInfo   *string // the upstream's dopInfo
	Lat              *float64
	Lng              *float64
	MetroStationID   string
	MetroStationName string
	ReadOnly         bool
	Extra            scalar.JSON
}

func (a *ClientAddress) ID() string {
	return rkID(RKClientAddresses, RKeeperChildID(a.ClientID, a.SourceID))
}
func (a *ClientAddress) GlobalID() string { return a.ID() }

// ClientAccount is a client's loyalty or deposit account; the upstream
// gives it no id, its account number identifies it.
type ClientAccount struct {
	Meta
	ClientID             string
	AccountNumber        string
	Status               ClientAccountStatus
	AccountTypeID        *string
	AccountTypeName      *string
	AccountDebitEnabled  bool
	AccountCreditEnabled bool
	CreatedAt            *scalar.LocalDateTime // the upstream's dateCreate
	Balance              *scalar.Decimal
	AccountCode          scalar.JSON
	Extra                scalar.JSON
}

func (a *ClientAccount) SourceID() string { return a.AccountNumber }
func (a *ClientAccount) ID() string {
	return rkID(RKClientAccounts, RKeeperChildID(a.ClientID, a.AccountNumber))
}
func (a *ClientAccount) GlobalID() string { return a.ID() }

// ClientCard is a client's loyalty card; its card code identifies it.
type ClientCard struct {
	Meta
	ClientID         string
	CardCode         string
	IsVirtualCard    bool
	IsConfirmManager bool
	Status           ClientCardStatus
	CreatedAt        *scalar.LocalDateTime // the upstream's dateOffered
	ExpiresAt        *scalar.LocalDateTime // the upstream's dateExpired
	GroupID          *string
	GroupName        *string
	Extra            scalar.JSON
}

func (c *ClientCard) SourceID() string { return c.CardCode }
func (c *ClientCard) ID() string {
	return rkID(RKClientCards, RKeeperChildID(c.ClientID, c.CardCode))
}
func (c *ClientCard) GlobalID() string { return c.ID() }

// ClientContactType is a kind of client contact (home phone, e-mail, ...).
type ClientContactType struct {
	Meta
	SourceID        string
	Name            string
	IsPhone         bool
	IsEmail         bool
	IsSkype         bool
	IsSocialNetwork bool
	Mailing         bool
	Extra           scalar.JSON
}

func (t *ClientContactType) ID() string       { return rkID(RKContactTypes, t.SourceID) }
func (t *ClientContactType) GlobalID() string { return t.ID() }

// AddressType is a kind of client address (home, work).
type AddressType struct {
	Meta
	SourceID string
	Name     string
	Extra    scalar.JSON
}

func (t *AddressType) ID() string       { return rkID(RKAddressTypes, t.SourceID) }
func (t *AddressType) GlobalID() string { return t.ID() }

// Country is an r_keeper country.
type Country struct {
	Meta
	SourceID string
	Name     string
	Extra    scalar.JSON
}

func (c *Country) ID() string       { return rkID(RKCountries, c.SourceID) }
func (c *Country) GlobalID() string { return c.ID() }

// City is an r_keeper city; the upstream lists cities per country only, so
// its global ID carries the country.
type City struct {
	Meta
	SourceID  string
	CountryID string
	Name      string
	Extra     scalar.JSON
}

func (c *City) ID() string       { return rkID(RKCities, RKeeperChildID(c.CountryID, c.SourceID)) }
func (c *City) GlobalID() string { return c.ID() }

// MetroStation is a metro station of a city; its global ID carries the city.
type MetroStation struct {
	Meta
	SourceID string
	CityID   string
	Name     string
	Extra    scalar.JSON
}

func (m *MetroStation) ID() string {
	return rkID(RKMetroStations, RKeeperChildID(m.CityID, m.SourceID))
}
func (m *MetroStation) GlobalID() string { return m.ID() }

// Street is a street of a city with its postal code (free text upstream);
// its global ID carries the city.
type Street struct {
	Meta
	SourceID string
	CityID   string
	Name     string
	PostCode *string
	Extra    scalar.JSON
}

func (s *Street) ID() string       { return rkID(RKStreets, RKeeperChildID(s.CityID, s.SourceID)) }
func (s *Street) GlobalID() string { return s.ID() }

// NewClient is a validated client to create; ids are source ids.
type NewClient struct {
	FirstName  string
	LastName   string
	MiddleName string
	Birthday   *scalar.Date
	Note       string
	Contacts   []NewClientContact
	Addresses  []ClientAddressFields
}

// NewClientContact is a validated contact to add.
type NewClientContact struct {
	TypeID string
	Value  string
}

// ClientAddressFields are the writable parts of an address. On create every
// required field is set; on update nil means "leave unchanged" and only the
// set fields are sent (the upstream takes partial address bodies).
type ClientAddressFields struct {
	TypeID     *string
	CountryID  *string
	CityID     *string
	StreetID   *string
	Zip        *string
	Region     *string
	House      *string
	Building   *string
	Entry      *string
	Floor      *string
	Apartments *string
	EntryCode  *string
	// AdditionalInfo is the upstream's dopInfo.
	AdditionalInfo *string
}

// ClientNames are the client's main fields, the only ones the upstream's
// client update changes; nil means "leave unchanged".
type ClientNames struct {
	FirstName  *string
	LastName   *string
	MiddleName *string
}

// StreetFields are a street's writable fields; nil means "leave unchanged".
type StreetFields struct {
	Name     *string
	PostCode *string
}

// ClientCardStatus is a loyalty card's status. The r_keeper docs show one
// value, "Active"; any other value is OTHER in the API, and the upstream's
// word is kept in the card's Extra under "status".
type ClientCardStatus string

// ClientAccountStatus is a client account's status ("current level" in the
// r_keeper docs, whose example is "Active"); any other value is OTHER, the
// upstream's word kept in the account's Extra under "status".
type ClientAccountStatus string

// The values of ClientCardStatus and ClientAccountStatus.
const (
	CardActive    ClientCardStatus    = "ACTIVE"
	CardOther     ClientCardStatus    = "OTHER"
	AccountActive ClientAccountStatus = "ACTIVE"
	AccountOther  ClientAccountStatus = "OTHER"
)

// RKeeperActive is the status word the r_keeper docs show for an active
// card or account.
const RKeeperActive = "Active"

// IsValid reports whether s is a value of the GraphQL enum.
func (s ClientCardStatus) IsValid() bool { return s == CardActive || s == CardOther }

// MarshalGQL writes the enum value.
func (s ClientCardStatus) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(s))) }

// UnmarshalGQL reads the enum value.
func (s *ClientCardStatus) UnmarshalGQL(v any) error {
	str, _ := v.(string)
	*s = ClientCardStatus(str)
	if !s.IsValid() {
		return fmt.Errorf("%q is not a ClientCardStatus", str)
	}
	return nil
}

// IsValid reports whether s is a value of the GraphQL enum.
func (s ClientAccountStatus) IsValid() bool { return s == AccountActive || s == AccountOther }

// MarshalGQL writes the enum value.
func (s ClientAccountStatus) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(string(s)))
}

// UnmarshalGQL reads the enum value.
func (s *ClientAccountStatus) UnmarshalGQL(v any) error {
	str, _ := v.(string)
	*s = ClientAccountStatus(str)
	if !s.IsValid() {
		return fmt.Errorf("%q is not a ClientAccountStatus", str)
	}
	return nil
}

// OptString is the domain's reading of upstream text: "" (what r_keeper
// sends for a value it does not have) is absent, nil.
func OptString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// StringOf is OptString's inverse: the text, "" for nil.
func StringOf(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

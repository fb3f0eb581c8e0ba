package graph

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/crmgateway/gateway/graph/model"
	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/globalid"
)

// r_keeper writes. Every input is validated and every global ID decoded
// and checked before the adapter is called, so a refused input never
// reaches the upstream; the adapter sends each write exactly once.

// rkMaxText bounds every free-text input field.
const rkMaxText = 1000

// text checks an optional text field; required ones must not be blank.
func rkText(field string, v *string, required bool) error {
	if v == nil {
		if required {
			return apierr.Invalid(field, "%s is required", field)
		}
		return nil
	}
	if required && strings.TrimSpace(*v) == "" {
		return apierr.Invalid(field, "%s must not be blank", field)
	}
	if utf8.RuneCountInString(*v) > rkMaxText {
		return apierr.Invalid(field, "%s is longer than %d characters", field, rkMaxText)
	}
	if !utf8.ValidString(*v) {
		return apierr.Invalid(field, "%s is not valid UTF-8", field)
	}
	return nil
}

// ownedBy checks that a child ID (a contact or address) belongs to the
// client the mutation names.
func rkOwnedBy(field, raw, typ, clientID string) (string, error) {
	parent, id, err := rkChild(field, raw, typ)
	if err != nil {
		return "", err
	}
	if parent != clientID {
		return "", apierr.Invalid(field, "%s belongs to another client than clientId", field)
	}
	return id, nil
}

func (r *mutationResolver) CreateClient(ctx context.Context, input model.CreateClientInput) (*model.ClientPayload, error) {
	b, err := r.rk(ctx)
	if err != nil {
		return nil, err
	}
	in := domain.NewClient{FirstName: input.FirstName, LastName: domain.StringOf(input.LastName),
		MiddleName: domain.StringOf(input.MiddleName), Note: domain.StringOf(input.Note), Birthday: input.Birthday}
	for _, c := range []struct {
		field    string
		v        *string
		required bool
	}{{"input.firstName", &input.FirstName, true}, {"input.lastName", input.LastName, false},
		{"input.middleName", input.MiddleName, false}, {"input.note", input.Note, false}} {
		if err := rkText(c.field, c.v, c.required); err != nil {
			return nil, err
		}
	}
	for i, c := range input.Contacts {
		nc, err := rkContactInput(fmt.Sprintf("input.contacts[%d]", i), c)
		if err != nil {
			return nil, err
		}
		in.Contacts = append(in.Contacts, nc)
	}
	for i, a := range input.Addresses {
		f, err := rkAddressInput(fmt.Sprintf("input.addresses[%d]", i), a)
		if err != nil {
			return nil, err
		}
		in.Addresses = append(in.Addresses, f)
	}
	return rkClientPayload(b.CreateClient(ctx, in))
}

func rkContactInput(prefix string, c *model.ClientContactInput) (domain.NewClientContact, error) {
	typ, err := rkSource(prefix+".typeId", c.TypeID, domain.RKContactTypes)
	if err != nil {
		return domain.NewClientContact{}, err
	}
	if err := rkText(prefix+".value", &c.Value, true); err != nil {
		return domain.NewClientContact{}, err
	}
	return domain.NewClientContact{TypeID: typ, Value: c.Value}, nil
}

// addressInput validates a new address: type, city, street and house are
// required; the country comes from the city's ID (and must agree with
// countryId when that is given too).
func rkAddressInput(prefix string, a *model.ClientAddressInput) (domain.ClientAddressFields, error) {
	f := domain.ClientAddressFields{}
	typ, err := rkSource(prefix+".typeId", a.TypeID, domain.RKAddressTypes)
	if err != nil {
		return f, err
	}
	country, city, err := rkChild(prefix+".cityId", a.CityID, domain.RKCities)
	if err != nil {
		return f, err
	}
	if a.CountryID != nil {
		c, err := rkSource(prefix+".countryId", *a.CountryID, domain.RKCountries)
		if err != nil {
			return f, err
		}
		if c != country {
			return f, apierr.Invalid(prefix+".countryId", "%s.countryId: the city is in another country", prefix)
		}
	}
	streetCity, street, err := rkChild(prefix+".streetId", a.StreetID, domain.RKStreets)
	if err != nil {
		return f, err
	}
	if streetCity != city {
		return f, apierr.Invalid(prefix+".streetId", "%s.streetId: the street belongs to another city than cityId", prefix)
	}
	if err := rkText(prefix+".house", &a.House, true); err != nil {
		return f, err
	}
	f.TypeID, f.CountryID, f.CityID, f.StreetID, f.House = &typ, &country, &city, &street, &a.House
	return f, rkAddressText(prefix, &f, a.Zip, a.Region, a.Building, a.Entry, a.Floor, a.Apartments, a.EntryCode, a.AdditionalInfo)
}

// addressText checks and sets the optional text parts, in AddressInput order.
func rkAddressText(prefix string, f *domain.ClientAddressFields, zip, region, building, entry, floor, apartments, entryCode, additionalInfo *string) error {
	for _, p := range []struct {
		name string
		v    *string
		dst  **string
	}{{"zip", zip, &f.Zip}, {"region", region, &f.Region}, {"building", building, &f.Building},
		{"entry", entry, &f.Entry}, {"floor", floor, &f.Floor}, {"apartments", apartments, &f.Apartments},
		{"entryCode", entryCode, &f.EntryCode}, {"additionalInfo", additionalInfo, &f.AdditionalInfo}} {
		if err := rkText(prefix+"."+p.name, p.v, false); err != nil {
			return err
		}
		*p.dst = p.v
	}
	return nil
}

func (r *mutationResolver) UpdateClient(ctx context.Context, id string, input model.UpdateClientInput) (*model.ClientPayload, error) {
	b, err := r.rk(ctx)
	if err != nil {
		return nil, err
	}
	src, err := rkSource("id", id, domain.RKClients)
	if err != nil {
		return nil, err
	}
	if input.FirstName == nil && input.LastName == nil && input.MiddleName == nil {
		return nil, apierr.Invalid("input", "input: give at least one of firstName, lastName, middleName")
	}
	if input.FirstName != nil {
		if err := rkText("input.firstName", input.FirstName, true); err != nil {
			return nil, err
		}
	}
	if err := rkText("input.lastName", input.LastName, false); err != nil {
		return nil, err
	}
	if err := rkText("input.middleName", input.MiddleName, false); err != nil {
		return nil, err
	}
	return rkClientPayload(b.UpdateClient(ctx, src, domain.ClientNames{
		FirstName: input.FirstName, LastName: input.LastName, MiddleName: input.MiddleName}))
}

func (r *mutationResolver) DeleteClient(ctx context.Context, id string) (*domain.DeletePayload, error) {
	b, err := r.rk(ctx)
	if err != nil {
		return nil, err
	}
	src, err := rkSource("id", id, domain.RKClients)
	if err != nil {
		return nil, err
	}
	if err := b.DeleteClient(ctx, src); err != nil {
		return nil, err
	}
	return &domain.DeletePayload{DeletedID: globalid.Encode(globalid.RKeeper, domain.RKClients, src)}, nil
}

// rkForClient is the prelude of every client sub-resource mutation: the
// backend, and the client's own id from its global ID.
func (r *mutationResolver) rkForClient(ctx context.Context, clientID string) (RKeeperBackend, string, error) {
	b, err := r.rk(ctx)
	if err != nil {
		return nil, "", err
	}
	client, err := rkSource("clientId", clientID, domain.RKClients)
	return b, client, err
}

func (r *mutationResolver) AddClientContact(ctx context.Context, clientID string, input model.ClientContactInput) (*model.ClientPayload, error) {
	b, client, err := r.rkForClient(ctx, clientID)
	if err != nil {
		return nil, err
	}
	c, err := rkContactInput("input", &input)
	if err != nil {
		return nil, err
	}
	return rkClientPayload(b.AddClientContact(ctx, client, c))
}

func (r *mutationResolver) UpdateClientContact(ctx context.Context, clientID, contactID string, input model.UpdateClientContactInput) (*model.ClientPayload, error) {
	b, client, err := r.rkForClient(ctx, clientID)
	if err != nil {
		return nil, err
	}
	contact, err := rkOwnedBy("contactId", contactID, domain.RKClientContacts, client)
	if err != nil {
		return nil, err
	}
	if err := rkText("input.value", &input.Value, true); err != nil {
		return nil, err
	}
	return rkClientPayload(b.UpdateClientContact(ctx, client, contact, input.Value))
}

func (r *mutationResolver) DeleteClientContact(ctx context.Context, clientID, contactID string) (*model.ClientPayload, error) {
	b, client, err := r.rkForClient(ctx, clientID)
	if err != nil {
		return nil, err
	}
	contact, err := rkOwnedBy("contactId", contactID, domain.RKClientContacts, client)
	if err != nil {
		return nil, err
	}
	return rkClientPayload(b.DeleteClientContact(ctx, client, contact))
}

func (r *mutationResolver) AddClientAddress(ctx context.Context, clientID string, input model.ClientAddressInput) (*model.ClientPayload, error) {
	b, client, err := r.rkForClient(ctx, clientID)
	if err != nil {
		return nil, err
	}
	f, err := rkAddressInput("input", &input)
	if err != nil {
		return nil, err
	}
	return rkClientPayload(b.AddClientAddress(ctx, client, f))
}

// UpdateClientAddress sends only the fields given. A street belongs to one
// city, so a new cityId needs a streetId, and a new streetId is sent with
// its city (and, when cityId is given, the city's country).
func (r *mutationResolver) UpdateClientAddress(ctx context.Context, clientID, addressID string, input model.UpdateClientAddressInput) (*model.ClientPayload, error) {
	b, client, err := r.rkForClient(ctx, clientID)
	if err != nil {
		return nil, err
	}
	address, err := rkOwnedBy("addressId", addressID, domain.RKClientAddresses, client)
	if err != nil {
		return nil, err
	}
	f := domain.ClientAddressFields{}
	if input.TypeID != nil {
		typ, err := rkSource("input.typeId", *input.TypeID, domain.RKAddressTypes)
		if err != nil {
			return nil, err
		}
		f.TypeID = &typ
	}
	var country, city string
	if input.CityID != nil {
		if country, city, err = rkChild("input.cityId", *input.CityID, domain.RKCities); err != nil {
			return nil, err
		}
		if input.StreetID == nil {
			return nil, apierr.Invalid("input.streetId", "input.streetId is required when cityId changes: a street belongs to one city")
		}
		f.CountryID, f.CityID = &country, &city
	}
	if input.CountryID != nil {
		c, err := rkSource("input.countryId", *input.CountryID, domain.RKCountries)
		if err != nil {
			return nil, err
		}
		if input.CityID != nil && c != country {
			return nil, apierr.Invalid("input.countryId", "input.countryId: the city is in another country")
		}
		f.CountryID = &c
	}
	if input.StreetID != nil {
		streetCity, street, err := rkChild("input.streetId", *input.StreetID, domain.RKStreets)
		if err != nil {
			return nil, err
		}
		if input.CityID != nil && streetCity != city {
			return nil, apierr.Invalid("input.streetId", "input.streetId: the street belongs to another city than cityId")
		}
		f.StreetID, f.CityID = &street, &streetCity
	}
	if input.House != nil {
		if err := rkText("input.house", input.House, true); err != nil {
			return nil, err
		}
		f.House = input.House
	}
	if err := rkAddressText("input", &f, input.Zip, input.Region, input.Building, input.Entry, input.Floor,
		input.Apartments, input.EntryCode, input.AdditionalInfo); err != nil {
		return nil, err
	}
	if f == (domain.ClientAddressFields{}) {
		return nil, apierr.Invalid("input", "input: give at least one field to change")
	}
	return rkClientPayload(b.UpdateClientAddress(ctx, client, address, f))
}

func (r *mutationResolver) DeleteClientAddress(ctx context.Context, clientID, addressID string) (*model.ClientPayload, error) {
	b, client, err := r.rkForClient(ctx, clientID)
	if err != nil {
		return nil, err
	}
	address, err := rkOwnedBy("addressId", addressID, domain.RKClientAddresses, client)
	if err != nil {
		return nil, err
	}
	return rkClientPayload(b.DeleteClientAddress(ctx, client, address))
}

func (r *mutationResolver) CreateCity(ctx context.Context, countryID string, input model.CreateCityInput) (*model.CityPayload, error) {
	b, err := r.rk(ctx)
	if err != nil {
		return nil, err
	}
	country, err := rkSource("countryId", countryID, domain.RKCountries)
	if err != nil {
		return nil, err
	}
	if err := rkText("input.name", &input.Name, true); err != nil {
		return nil, err
	}
	c, err := b.CreateCity(ctx, country, input.Name)
	if err != nil {
		return nil, err
	}
	return &model.CityPayload{City: c}, nil
}

func (r *mutationResolver) UpdateCity(ctx context.Context, id string, input model.UpdateCityInput) (*model.CityPayload, error) {
	b, err := r.rk(ctx)
	if err != nil {
		return nil, err
	}
	country, city, err := rkChild("id", id, domain.RKCities)
	if err != nil {
		return nil, err
	}
	if err := rkText("input.name", &input.Name, true); err != nil {
		return nil, err
	}
	c, err := b.UpdateCity(ctx, country, city, input.Name)
	if err != nil {
		return nil, err
	}
	return &model.CityPayload{City: c}, nil
}

func (r *mutationResolver) DeleteCity(ctx context.Context, id string) (*domain.DeletePayload, error) {
	b, err := r.rk(ctx)
	if err != nil {
		return nil, err
	}
	country, city, err := rkChild("id", id, domain.RKCities)
	if err != nil {
		return nil, err
	}
	if err := b.DeleteCity(ctx, country, city); err != nil {
		return nil, err
	}
	return &domain.DeletePayload{DeletedID: (&domain.City{SourceID: city, CountryID: country}).ID()}, nil
}

func (r *mutationResolver) CreateStreet(ctx context.Context, cityID string, input model.CreateStreetInput) (*model.StreetPayload, error) {
	b, err := r.rk(ctx)
	if err != nil {
		return nil, err
	}
	_, city, err := rkChild("cityId", cityID, domain.RKCities)
	if err != nil {
		return nil, err
	}
	if err := rkText("input.name", &input.Name, true); err != nil {
		return nil, err
	}
	if err := rkText("input.postCode", input.PostCode, false); err != nil {
		return nil, err
	}
	s, err := b.CreateStreet(ctx, city, domain.StreetFields{Name: &input.Name, PostCode: input.PostCode})
	if err != nil {
		return nil, err
	}
	return &model.StreetPayload{Street: s}, nil
}

func (r *mutationResolver) UpdateStreet(ctx context.Context, id string, input model.UpdateStreetInput) (*model.StreetPayload, error) {
	b, err := r.rk(ctx)
	if err != nil {
		return nil, err
	}
	city, street, err := rkChild("id", id, domain.RKStreets)
	if err != nil {
		return nil, err
	}
	if input.Name == nil && input.PostCode == nil {
		return nil, apierr.Invalid("input", "input: give name, postCode or both")
	}
	if input.Name != nil {
		if err := rkText("input.name", input.Name, true); err != nil {
			return nil, err
		}
	}
	if err := rkText("input.postCode", input.PostCode, false); err != nil {
		return nil, err
	}
	s, err := b.UpdateStreet(ctx, city, street, domain.StreetFields{Name: input.Name, PostCode: input.PostCode})
	if err != nil {
		return nil, err
	}
	return &model.StreetPayload{Street: s}, nil
}

func (r *mutationResolver) DeleteStreet(ctx context.Context, id string) (*domain.DeletePayload, error) {
	b, err := r.rk(ctx)
	if err != nil {
		return nil, err
	}
	city, street, err := rkChild("id", id, domain.RKStreets)
	if err != nil {
		return nil, err
	}
	if err := b.DeleteStreet(ctx, city, street); err != nil {
		return nil, err
	}
	return &domain.DeletePayload{DeletedID: (&domain.Street{SourceID: street, CityID: city}).ID()}, nil
}

package graph

import (
	"context"

	"github.com/crmgateway/gateway/graph/generated"
	"github.com/crmgateway/gateway/graph/model"
	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/globalid"
)

// RKeeperBackend is what the resolvers need of the r_keeper WebDelivery
// adapter. Every id it takes is an upstream (source) id; the resolvers
// decode and check global IDs before calling it. Reference lookups by id
// (ContactType, City, ...) are served from the adapter's cached lists.
type RKeeperBackend interface {
	NodeSource

	ClientContactTypes(ctx context.Context) ([]*domain.ClientContactType, error)
	ContactType(ctx context.Context, id string) (*domain.ClientContactType, error)
	AddressTypes(ctx context.Context) ([]*domain.AddressType, error)
	AddressType(ctx context.Context, id string) (*domain.AddressType, error)
	Countries(ctx context.Context) ([]*domain.Country, error)
	Country(ctx context.Context, id string) (*domain.Country, error)
	Cities(ctx context.Context, countryID string) ([]*domain.City, error)
	// City finds a city in its country's list; countryID "" searches all.
	City(ctx context.Context, countryID, cityID string) (*domain.City, error)
	MetroStations(ctx context.Context, cityID string) ([]*domain.MetroStation, error)
	MetroStation(ctx context.Context, cityID, id string) (*domain.MetroStation, error)
	Streets(ctx context.Context, cityID string) ([]*domain.Street, error)
	Street(ctx context.Context, cityID, id string) (*domain.Street, error)

	Client(ctx context.Context, id string) (*domain.Client, error)
	CreateClient(ctx context.Context, in domain.NewClient) (*domain.Client, error)
	UpdateClient(ctx context.Context, id string, in domain.ClientNames) (*domain.Client, error)
	DeleteClient(ctx context.Context, id string) error
	AddClientContact(ctx context.Context, clientID string, in domain.NewClientContact) (*domain.Client, error)
	UpdateClientContact(ctx context.Context, clientID, contactID, value string) (*domain.Client, error)
	DeleteClientContact(ctx context.Context, clientID, contactID string) (*domain.Client, error)
	AddClientAddress(ctx context.Context, clientID string, in domain.ClientAddressFields) (*domain.Client, error)
	UpdateClientAddress(ctx context.Context, clientID, addressID string, in domain.ClientAddressFields) (*domain.Client, error)
	DeleteClientAddress(ctx context.Context, clientID, addressID string) (*domain.Client, error)

	CreateCity(ctx context.Context, countryID, name string) (*domain.City, error)
	UpdateCity(ctx context.Context, countryID, cityID, name string) (*domain.City, error)
	DeleteCity(ctx context.Context, countryID, cityID string) error
	CreateStreet(ctx context.Context, cityID string, in domain.StreetFields) (*domain.Street, error)
	UpdateStreet(ctx context.Context, cityID, streetID string, in domain.StreetFields) (*domain.Street, error)
	DeleteStreet(ctx context.Context, cityID, streetID string) error
}

func (r *Resolver) rk(ctx context.Context) (RKeeperBackend, error) {
	b := r.backends(ctx).RKeeper
	if b == nil {
		return nil, apierr.Disabled(globalid.RKeeper)
	}
	return b, nil
}

// rkSource decodes an r_keeper global ID of type typ given in field.
func rkSource(field, raw, typ string) (string, error) {
	id, err := globalid.DecodeAs(raw, globalid.RKeeper, typ)
	if err != nil {
		return "", invalidID(field, err)
	}
	return id.Source, nil
}

// rkChild decodes the global ID of an entity listed under a parent (a city
// under its country, a street under its city, a contact under its client).
func rkChild(field, raw, typ string) (parent, id string, err error) {
	src, err := rkSource(field, raw, typ)
	if err != nil {
		return "", "", err
	}
	parent, id, ok := domain.SplitRKeeperChildID(src)
	if !ok {
		return "", "", invalidID(field, globalid.ErrInvalid)
	}
	return parent, id, nil
}

// Query fields.

func (r *queryResolver) Client(ctx context.Context, id string) (*domain.Client, error) {
	b, err := r.rk(ctx)
	if err != nil {
		return nil, err
	}
	src, err := rkSource("id", id, domain.RKClients)
	if err != nil {
		return nil, err
	}
	return b.Client(ctx, src)
}

func (r *queryResolver) ClientContactTypes(ctx context.Context) ([]*domain.ClientContactType, error) {
	b, err := r.rk(ctx)
	if err != nil {
		return nil, err
	}
	return b.ClientContactTypes(ctx)
}

func (r *queryResolver) AddressTypes(ctx context.Context) ([]*domain.AddressType, error) {
	b, err := r.rk(ctx)
	if err != nil {
		return nil, err
	}
	return b.AddressTypes(ctx)
}

func (r *queryResolver) Countries(ctx context.Context) ([]*domain.Country, error) {
	b, err := r.rk(ctx)
	if err != nil {
		return nil, err
	}
	return b.Countries(ctx)
}

func (r *queryResolver) Cities(ctx context.Context, countryID string) ([]*domain.City, error) {
	b, err := r.rk(ctx)
	if err != nil {
		return nil, err
	}
	src, err := rkSource("countryId", countryID, domain.RKCountries)
	if err != nil {
		return nil, err
	}
	return b.Cities(ctx, src)
}

func (r *queryResolver) MetroStations(ctx context.Context, cityID string) ([]*domain.MetroStation, error) {
	b, err := r.rk(ctx)
	if err != nil {
		return nil, err
	}
	_, city, err := rkChild("cityId", cityID, domain.RKCities)
	if err != nil {
		return nil, err
	}
	return b.MetroStations(ctx, city)
}

func (r *queryResolver) Streets(ctx context.Context, cityID string) ([]*domain.Street, error) {
	b, err := r.rk(ctx)
	if err != nil {
		return nil, err
	}
	_, city, err := rkChild("cityId", cityID, domain.RKCities)
	if err != nil {
		return nil, err
	}
	return b.Streets(ctx, city)
}

// Relationships: each resolves through the adapter's cached reference
// lists, so N addresses in one city cost one list read, not N. An empty
// reference id is no reference (null); an id missing from the list is a
// NOT_FOUND error on that field.

// ClientContact returns the ClientContact type's resolver.
func (r *Resolver) ClientContact() generated.ClientContactResolver { return &rkContactResolver{r} }

// ClientAddress returns the ClientAddress type's resolver.
func (r *Resolver) ClientAddress() generated.ClientAddressResolver { return &rkAddressResolver{r} }

// Country returns the Country type's resolver.
func (r *Resolver) Country() generated.CountryResolver { return &rkCountryResolver{r} }

// City returns the City type's resolver.
func (r *Resolver) City() generated.CityResolver { return &rkCityResolver{r} }

type (
	rkContactResolver struct{ *Resolver }
	rkAddressResolver struct{ *Resolver }
	rkCountryResolver struct{ *Resolver }
	rkCityResolver    struct{ *Resolver }
)

// ref resolves one reference unless its id is empty.
func rkRef[T any](ctx context.Context, r *Resolver, id string, get func(RKeeperBackend) (*T, error)) (*T, error) {
	if id == "" {
		return nil, nil
	}
	b, err := r.rk(ctx)
	if err != nil {
		return nil, err
	}
	return get(b)
}

func (r *rkContactResolver) Type(ctx context.Context, obj *domain.ClientContact) (*domain.ClientContactType, error) {
	return rkRef(ctx, r.Resolver, obj.TypeID, func(b RKeeperBackend) (*domain.ClientContactType, error) {
		return b.ContactType(ctx, obj.TypeID)
	})
}

func (r *rkAddressResolver) Type(ctx context.Context, obj *domain.ClientAddress) (*domain.AddressType, error) {
	return rkRef(ctx, r.Resolver, obj.TypeID, func(b RKeeperBackend) (*domain.AddressType, error) {
		return b.AddressType(ctx, obj.TypeID)
	})
}

func (r *rkAddressResolver) Country(ctx context.Context, obj *domain.ClientAddress) (*domain.Country, error) {
	return rkRef(ctx, r.Resolver, obj.CountryID, func(b RKeeperBackend) (*domain.Country, error) {
		return b.Country(ctx, obj.CountryID)
	})
}

func (r *rkAddressResolver) City(ctx context.Context, obj *domain.ClientAddress) (*domain.City, error) {
	return rkRef(ctx, r.Resolver, obj.CityID, func(b RKeeperBackend) (*domain.City, error) {
		return b.City(ctx, obj.CountryID, obj.CityID)
	})
}

func (r *rkAddressResolver) Street(ctx context.Context, obj *domain.ClientAddress) (*domain.Street, error) {
	if obj.CityID == "" {
		return nil, nil
	}
	return rkRef(ctx, r.Resolver, obj.StreetID, func(b RKeeperBackend) (*domain.Street, error) {
		return b.Street(ctx, obj.CityID, obj.StreetID)
	})
}

func (r *rkAddressResolver) MetroStation(ctx context.Context, obj *domain.ClientAddress) (*domain.MetroStation, error) {
	if obj.CityID == "" {
		return nil, nil
	}
	return rkRef(ctx, r.Resolver, obj.MetroStationID, func(b RKeeperBackend) (*domain.MetroStation, error) {
		return b.MetroStation(ctx, obj.CityID, obj.MetroStationID)
	})
}

func (r *rkCountryResolver) Cities(ctx context.Context, obj *domain.Country) ([]*domain.City, error) {
	b, err := r.rk(ctx)
	if err != nil {
		return nil, err
	}
	return b.Cities(ctx, obj.SourceID)
}

func (r *rkCityResolver) Country(ctx context.Context, obj *domain.City) (*domain.Country, error) {
	return rkRef(ctx, r.Resolver, obj.CountryID, func(b RKeeperBackend) (*domain.Country, error) {
		return b.Country(ctx, obj.CountryID)
	})
}

func (r *rkCityResolver) Streets(ctx context.Context, obj *domain.City) ([]*domain.Street, error) {
	b, err := r.rk(ctx)
	if err != nil {
		return nil, err
	}
	return b.Streets(ctx, obj.SourceID)
}

func (r *rkCityResolver) MetroStations(ctx context.Context, obj *domain.City) ([]*domain.MetroStation, error) {
	b, err := r.rk(ctx)
	if err != nil {
		return nil, err
	}
	return b.MetroStations(ctx, obj.SourceID)
}

// clientPayload wraps a write's answer.
func rkClientPayload(c *domain.Client, err error) (*model.ClientPayload, error) {
	if err != nil {
		return nil, err
	}
	return &model.ClientPayload{Client: c}, nil
}

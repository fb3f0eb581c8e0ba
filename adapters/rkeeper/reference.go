package rkeeper

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/scalar"
)

// refResource describes one reference list once: its metric/cache name,
// the upstream path as the docs spell it, and the parent parameter the
// list is read under ("" for a top-level list). Reads, the cache, its
// invalidation and node(id:) are all driven by these descriptions.
type refResource struct {
	name   string // metric label and global-ID type
	path   string
	parent string   // query parameter naming the parent, e.g. countryId
	what   string   // for messages
	known  []string // the members of an element a field maps
}

var (
	resContactTypes  = refResource{name: domain.RKContactTypes, path: "TypesContacts", what: "contact type", known: contactTypeKnown}
	resAddressTypes  = refResource{name: domain.RKAddressTypes, path: "TypesAddresses", what: "address type", known: nameKnown}
	resCountries     = refResource{name: domain.RKCountries, path: "Countries", what: "country", known: nameKnown}
	resCities        = refResource{name: domain.RKCities, path: "Cities", parent: "countryId", what: "city", known: nameKnown}
	resMetroStations = refResource{name: domain.RKMetroStations, path: "MetroStations", parent: "cityId", what: "metro station", known: nameKnown}
	resStreets       = refResource{name: domain.RKStreets, path: "Streets", parent: "cityId", what: "street", known: streetKnown}
)

// key is the cache key of the list under parent: (objectId, path, parameters).
func (a *Adapter) key(r refResource, parent string) string {
	k := a.objectID + "\x00" + r.path
	if r.parent != "" {
		k += "\x00" + r.parent + "=" + parent
	}
	return k
}

// refs reads a reference list through the cache.
func (a *Adapter) refs(ctx context.Context, r refResource, parent string) ([]wireRef, error) {
	return a.cache.get(ctx, r.name, a.key(r, parent), func(ctx context.Context) ([]wireRef, error) {
		return a.fetchRefs(ctx, r, parent)
	})
}

// fetchRefs reads a reference list from the upstream, bypassing the cache.
func (a *Adapter) fetchRefs(ctx context.Context, r refResource, parent string) ([]wireRef, error) {
	c := call{method: http.MethodGet, path: r.path, reference: true}
	if r.parent != "" {
		c.query = q(r.parent, parent)
	}
	data, f, err := a.doFetched(ctx, c)
	if err != nil {
		return nil, err
	}
	refs, err := decodeRefs(data)
	if err != nil {
		return nil, badPayload(http.MethodGet, err)
	}
	// The lists are kept (and shared between replicas) redacted.
	kept := &domain.Fetched{At: f.At, Origin: f.Origin}
	// The members no field maps are worked out once per list, not per read.
	for i := range refs {
		refs[i].Fetch, refs[i].Raw = kept, a.http.RedactBytes(refs[i].Raw)
		refs[i].Extra = json.RawMessage(domain.ExtraOf(refs[i].Raw, r.known))
		if refs[i].Extra == nil {
			refs[i].Extra = json.RawMessage("null")
		}
	}
	return refs, nil
}

// find looks one element up in a cached list.
func (a *Adapter) find(ctx context.Context, r refResource, parent, id string) (wireRef, error) {
	refs, err := a.refs(ctx, r, parent)
	if err != nil {
		return wireRef{}, err
	}
	for _, x := range refs {
		if string(x.ID) == id {
			return x, nil
		}
	}
	return wireRef{}, notFound(r.what, id)
}

func (x wireRef) meta() domain.Meta { return domain.Meta{Fetch: x.Fetch, Raw: scalar.JSON(x.Raw)} }

// extra is the element's members no field maps: as the list kept them, or
// worked out now for an element a write answered with.
func (x wireRef) extra(known []string) scalar.JSON {
	switch {
	case x.Extra == nil:
		return domain.ExtraOf(x.Raw, known)
	case string(x.Extra) == "null":
		return nil
	}
	return scalar.JSON(x.Extra)
}

func contactType(x wireRef) *domain.ClientContactType {
	return &domain.ClientContactType{Meta: x.meta(), SourceID: string(x.ID), Name: x.Name, IsPhone: x.IsPhone,
		IsEmail: x.IsEmail, IsSkype: x.IsSkype, IsSocialNetwork: x.IsSocialNetwork, Mailing: x.Mailing,
		Extra: x.extra(contactTypeKnown)}
}
func addressType(x wireRef) *domain.AddressType {
	return &domain.AddressType{Meta: x.meta(), SourceID: string(x.ID), Name: x.Name, Extra: x.extra(nameKnown)}
}
func country(x wireRef) *domain.Country {
	return &domain.Country{Meta: x.meta(), SourceID: string(x.ID), Name: x.Name, Extra: x.extra(nameKnown)}
}
func city(countryID string, x wireRef) *domain.City {
	return &domain.City{Meta: x.meta(), SourceID: string(x.ID), CountryID: countryID, Name: x.Name, Extra: x.extra(nameKnown)}
}
func metroStation(cityID string, x wireRef) *domain.MetroStation {
	return &domain.MetroStation{Meta: x.meta(), SourceID: string(x.ID), CityID: cityID, Name: x.Name, Extra: x.extra(nameKnown)}
}
func street(cityID string, x wireRef) *domain.Street {
	s := &domain.Street{Meta: x.meta(), SourceID: string(x.ID), CityID: cityID, Name: x.Name, Extra: x.extra(streetKnown)}
	if x.PostCode != nil {
		pc := *x.PostCode
		s.PostCode = &pc
	}
	return s
}

func convert[T any](refs []wireRef, f func(wireRef) T) []T {
	out := make([]T, len(refs))
	for i, x := range refs {
		out[i] = f(x)
	}
	return out
}

// ClientContactTypes lists the contact types (cached).
func (a *Adapter) ClientContactTypes(ctx context.Context) ([]*domain.ClientContactType, error) {
	refs, err := a.refs(ctx, resContactTypes, "")
	if err != nil {
		return nil, err
	}
	return convert(refs, contactType), nil
}

// ContactType is one contact type, from the cached list.
func (a *Adapter) ContactType(ctx context.Context, id string) (*domain.ClientContactType, error) {
	x, err := a.find(ctx, resContactTypes, "", id)
	if err != nil {
		return nil, err
	}
	return contactType(x), nil
}

// AddressTypes lists the address types (cached).
func (a *Adapter) AddressTypes(ctx context.Context) ([]*domain.AddressType, error) {
	refs, err := a.refs(ctx, resAddressTypes, "")
	if err != nil {
		return nil, err
	}
	return convert(refs, addressType), nil
}

// AddressType is one address type, from the cached list.
func (a *Adapter) AddressType(ctx context.Context, id string) (*domain.AddressType, error) {
	x, err := a.find(ctx, resAddressTypes, "", id)
	if err != nil {
		return nil, err
	}
	return addressType(x), nil
}

// Countries lists the countries (cached).
func (a *Adapter) Countries(ctx context.Context) ([]*domain.Country, error) {
	refs, err := a.refs(ctx, resCountries, "")
	if err != nil {
		return nil, err
	}
	return convert(refs, country), nil
}

// Country is one country, from the cached list.
func (a *Adapter) Country(ctx context.Context, id string) (*domain.Country, error) {
	x, err := a.find(ctx, resCountries, "", id)
	if err != nil {
		return nil, err
	}
	return country(x), nil
}

// Cities lists a country's cities (cached).
func (a *Adapter) Cities(ctx context.Context, countryID string) ([]*domain.City, error) {
	refs, err := a.refs(ctx, resCities, countryID)
	if err != nil {
		return nil, err
	}
	return convert(refs, func(x wireRef) *domain.City { return city(countryID, x) }), nil
}

// City is one city from its country's cached list. With no country (an
// address that names none) every country's list is searched, each read
// through the cache.
func (a *Adapter) City(ctx context.Context, countryID, cityID string) (*domain.City, error) {
	if countryID != "" {
		x, err := a.find(ctx, resCities, countryID, cityID)
		if err != nil {
			return nil, err
		}
		return city(countryID, x), nil
	}
	countries, err := a.refs(ctx, resCountries, "")
	if err != nil {
		return nil, err
	}
	for _, c := range countries {
		x, err := a.find(ctx, resCities, string(c.ID), cityID)
		if err == nil {
			return city(string(c.ID), x), nil
		}
		if !isNotFound(err) {
			return nil, err
		}
	}
	return nil, notFound("city", cityID)
}

// MetroStations lists a city's metro stations (cached).
func (a *Adapter) MetroStations(ctx context.Context, cityID string) ([]*domain.MetroStation, error) {
	refs, err := a.refs(ctx, resMetroStations, cityID)
	if err != nil {
		return nil, err
	}
	return convert(refs, func(x wireRef) *domain.MetroStation { return metroStation(cityID, x) }), nil
}

// MetroStation is one metro station from its city's cached list.
func (a *Adapter) MetroStation(ctx context.Context, cityID, id string) (*domain.MetroStation, error) {
	x, err := a.find(ctx, resMetroStations, cityID, id)
	if err != nil {
		return nil, err
	}
	return metroStation(cityID, x), nil
}

// Streets lists a city's streets (cached).
func (a *Adapter) Streets(ctx context.Context, cityID string) ([]*domain.Street, error) {
	refs, err := a.refs(ctx, resStreets, cityID)
	if err != nil {
		return nil, err
	}
	return convert(refs, func(x wireRef) *domain.Street { return street(cityID, x) }), nil
}

// Street is one street from its city's cached list.
func (a *Adapter) Street(ctx context.Context, cityID, id string) (*domain.Street, error) {
	x, err := a.find(ctx, resStreets, cityID, id)
	if err != nil {
		return nil, err
	}
	return street(cityID, x), nil
}

// CreateCity adds a city to a country (POST Cities?countryId=, body {"Name"}).
func (a *Adapter) CreateCity(ctx context.Context, countryID, name string) (*domain.City, error) {
	defer a.cache.invalidate(ctx, a.key(resCities, countryID))
	data, err := a.do(ctx, call{method: http.MethodPost, path: "Cities", query: q("countryId", countryID),
		body: wireCityBody{Name: name}, fields: cityFields})
	if err != nil {
		return nil, err
	}
	x, err := decodeRef(data)
	x.Raw = a.http.RedactBytes(x.Raw)
	if err != nil {
		return nil, badPayload(http.MethodPost, err)
	}
	return city(countryID, x), nil
}

// UpdateCity renames a city (PUT Cities?Id=, body {"Name"}).
func (a *Adapter) UpdateCity(ctx context.Context, countryID, cityID, name string) (*domain.City, error) {
	defer a.cache.invalidate(ctx, a.key(resCities, countryID))
	data, err := a.do(ctx, call{method: http.MethodPut, path: "Cities", query: q("Id", cityID),
		body: wireCityBody{Name: name}, fields: cityFields})
	if err != nil {
		return nil, err
	}
	x, err := decodeRef(data)
	x.Raw = a.http.RedactBytes(x.Raw)
	if err != nil {
		return nil, badPayload(http.MethodPut, err)
	}
	return city(countryID, x), nil
}

// DeleteCity deletes a city (DELETE Cities?Id=); its country's cities and
// its own streets and metro stations are dropped from the cache.
func (a *Adapter) DeleteCity(ctx context.Context, countryID, cityID string) error {
	defer a.cache.invalidate(ctx, a.key(resCities, countryID), a.key(resStreets, cityID), a.key(resMetroStations, cityID))
	_, err := a.do(ctx, call{method: http.MethodDelete, path: "Cities", query: q("Id", cityID), fields: cityFields})
	return err
}

// CreateStreet adds a street to a city (POST Streets?cityId=, body {"Name", "PostCode"}).
func (a *Adapter) CreateStreet(ctx context.Context, cityID string, f domain.StreetFields) (*domain.Street, error) {
	defer a.cache.invalidate(ctx, a.key(resStreets, cityID))
	body := wireStreetBody{}
	if f.Name != nil {
		body.Name = *f.Name
	}
	if f.PostCode != nil {
		body.PostCode = *f.PostCode
	}
	data, err := a.do(ctx, call{method: http.MethodPost, path: "Streets", query: q("cityId", cityID),
		body: body, fields: streetFields})
	if err != nil {
		return nil, err
	}
	x, err := decodeRef(data)
	x.Raw = a.http.RedactBytes(x.Raw)
	if err != nil {
		return nil, badPayload(http.MethodPost, err)
	}
	return street(cityID, x), nil
}

// UpdateStreet changes a street (PUT Streets?Id=). The docs show the full
// body {"Name", "PostCode"} and do not say an absent field is kept, so a
// field left unchanged is first read from the city's current street list
// (fresh, not cached) and sent as it is.
func (a *Adapter) UpdateStreet(ctx context.Context, cityID, streetID string, f domain.StreetFields) (*domain.Street, error) {
	body := wireStreetBody{}
	if f.Name == nil || f.PostCode == nil {
		refs, err := a.fetchRefs(ctx, resStreets, cityID)
		if err != nil {
			return nil, err
		}
		var cur *wireRef
		for i := range refs {
			if string(refs[i].ID) == streetID {
				cur = &refs[i]
			}
		}
		if cur == nil {
			return nil, notFound("street", streetID)
		}
		body.Name = cur.Name
		if cur.PostCode != nil {
			body.PostCode = *cur.PostCode
		}
	}
	if f.Name != nil {
		body.Name = *f.Name
	}
	if f.PostCode != nil {
		body.PostCode = *f.PostCode
	}
	defer a.cache.invalidate(ctx, a.key(resStreets, cityID))
	data, err := a.do(ctx, call{method: http.MethodPut, path: "Streets", query: q("Id", streetID),
		body: body, fields: streetFields})
	if err != nil {
		return nil, err
	}
	x, err := decodeRef(data)
	x.Raw = a.http.RedactBytes(x.Raw)
	if err != nil {
		return nil, badPayload(http.MethodPut, err)
	}
	return street(cityID, x), nil
}

// DeleteStreet deletes a street (DELETE Streets?Id=).
func (a *Adapter) DeleteStreet(ctx context.Context, cityID, streetID string) error {
	defer a.cache.invalidate(ctx, a.key(resStreets, cityID))
	_, err := a.do(ctx, call{method: http.MethodDelete, path: "Streets", query: q("Id", streetID), fields: streetFields})
	return err
}

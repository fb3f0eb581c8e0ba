package rkeeper

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/globalid"
)

// Node reads any r_keeper entity by its decoded global ID. Clients are read
// directly; a client's contacts, addresses, accounts and cards through
// their client (whose id their global ID carries); reference data from the
// cached lists, cities under the country and streets and metro stations
// under the city their global IDs carry.
func (a *Adapter) Node(ctx context.Context, id globalid.ID) (domain.Node, error) {
	child := func() (string, string, error) {
		p, c, ok := domain.SplitRKeeperChildID(id.Source)
		if !ok {
			return "", "", apierr.Invalid("id", "the ID does not name an r_keeper %s", id.Type)
		}
		return p, c, nil
	}
	switch id.Type {
	case domain.RKClients:
		return a.Client(ctx, id.Source)
	case domain.RKContactTypes:
		return a.ContactType(ctx, id.Source)
	case domain.RKAddressTypes:
		return a.AddressType(ctx, id.Source)
	case domain.RKCountries:
		return a.Country(ctx, id.Source)
	case domain.RKCities:
		p, c, err := child()
		if err != nil {
			return nil, err
		}
		return a.City(ctx, p, c)
	case domain.RKStreets:
		p, c, err := child()
		if err != nil {
			return nil, err
		}
		return a.Street(ctx, p, c)
	case domain.RKMetroStations:
		p, c, err := child()
		if err != nil {
			return nil, err
		}
		return a.MetroStation(ctx, p, c)
	case domain.RKClientContacts, domain.RKClientAddresses, domain.RKClientAccounts, domain.RKClientCards:
		p, c, err := child()
		if err != nil {
			return nil, err
		}
		cl, err := a.Client(ctx, p)
		if err != nil {
			return nil, err
		}
		if n := clientPart(cl, id.Type, c); n != nil {
			return n, nil
		}
		return nil, notFound(partNames[id.Type]+" of client "+p, c)
	}
	return nil, apierr.Invalid("id", "the ID does not name an r_keeper entity type")
}

var partNames = map[string]string{
	domain.RKClientContacts: "contact", domain.RKClientAddresses: "address",
	domain.RKClientAccounts: "account", domain.RKClientCards: "card",
}

func clientPart(cl *domain.Client, typ, id string) domain.Node {
	switch typ {
	case domain.RKClientContacts:
		for _, x := range cl.Contacts {
			if x.SourceID == id {
				return x
			}
		}
	case domain.RKClientAddresses:
		for _, x := range cl.Addresses {
			if x.SourceID == id {
				return x
			}
		}
	case domain.RKClientAccounts:
		for _, x := range cl.Accounts {
			if x.AccountNumber == id {
				return x
			}
		}
	case domain.RKClientCards:
		for _, x := range cl.Cards {
			if x.CardCode == id {
				return x
			}
		}
	}
	return nil
}

func isNotFound(err error) bool { return apierr.CodeOf(err) == apierr.NotFound }

func decodeInto(data json.RawMessage, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return errors.Join(errors.New("decode"), err)
	}
	return nil
}

package rkeeper

import (
	"context"
	"net/http"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/domain"
)

// Clients are never cached: each read goes upstream, so nothing the
// gateway wrote is ever served stale. Every client write but delete
// answers with the whole client, which is what the mutations return.

// Client reads one client (GET Clients?Id=).
func (a *Adapter) Client(ctx context.Context, id string) (*domain.Client, error) {
	data, f, err := a.doFetched(ctx, call{method: http.MethodGet, path: "Clients", query: q("Id", id)})
	if err != nil {
		return nil, err
	}
	if isEmpty(data) {
		return nil, notFound("client", id)
	}
	c, err := decodeClient(data)
	if err != nil {
		return nil, badPayload(http.MethodGet, err)
	}
	c.SetFetched(f)
	return c, nil
}

// clientWrite sends a write that answers with the whole client.
func (a *Adapter) clientWrite(ctx context.Context, c call) (*domain.Client, error) {
	data, f, err := a.doFetched(ctx, c)
	if err != nil {
		return nil, err
	}
	cl, err := decodeClient(data)
	if err != nil {
		return nil, badPayload(c.method, err)
	}
	cl.SetFetched(f)
	return cl, nil
}

// CreateClient adds a client with its contacts and addresses (POST Clients).
func (a *Adapter) CreateClient(ctx context.Context, in domain.NewClient) (*domain.Client, error) {
	body := wireNewClient{Lastname: in.LastName, Firstname: in.FirstName, Middlename: in.MiddleName, Note: in.Note}
	if in.Birthday != nil {
		body.Birthday = in.Birthday.String()
	}
	for _, c := range in.Contacts {
		body.Contacts = append(body.Contacts, wireNewContact{TypeID: c.TypeID, Value: c.Value})
	}
	for _, f := range in.Addresses {
		body.Addresses = append(body.Addresses, addressBody(f))
	}
	return a.clientWrite(ctx, call{method: http.MethodPost, path: "Clients", body: body, fields: clientFields})
}

// UpdateClient changes the client's main fields (PUT Clients?clientId=).
// The docs show all three names in the body and do not say an absent one
// is kept, so names left unchanged are read first and sent as they are.
func (a *Adapter) UpdateClient(ctx context.Context, id string, n domain.ClientNames) (*domain.Client, error) {
	body := wireClientNames{}
	if n.FirstName == nil || n.LastName == nil || n.MiddleName == nil {
		cur, err := a.Client(ctx, id)
		if err != nil {
			return nil, err
		}
		body = wireClientNames{Lastname: domain.StringOf(cur.LastName), Firstname: domain.StringOf(cur.FirstName), Middlename: domain.StringOf(cur.MiddleName)}
	}
	if n.FirstName != nil {
		body.Firstname = *n.FirstName
	}
	if n.LastName != nil {
		body.Lastname = *n.LastName
	}
	if n.MiddleName != nil {
		body.Middlename = *n.MiddleName
	}
	return a.clientWrite(ctx, call{method: http.MethodPut, path: "Clients", query: q("clientId", id),
		body: body, fields: clientFields})
}

// DeleteClient deletes a client (DELETE Clients?clientId=). Some CRM
// versions do not support it; their refusal is returned as they state it.
func (a *Adapter) DeleteClient(ctx context.Context, id string) error {
	data, err := a.do(ctx, call{method: http.MethodDelete, path: "Clients", query: q("clientId", id)})
	if err != nil {
		return err
	}
	if !isNull(data) {
		var d wireDeleted
		if err := decodeInto(data, &d); err == nil && d.ID != "" && string(d.ID) != id {
			return &apierr.Error{Code: apierr.UpstreamError, Upstream: Upstream, Outcome: apierr.OutcomeUnknown,
				Message: "r_keeper confirmed the deletion of another client id; read the client back to check"}
		}
	}
	return nil
}

// AddClientContact adds a contact (POST Clients/Contacts?clientId=).
func (a *Adapter) AddClientContact(ctx context.Context, clientID string, in domain.NewClientContact) (*domain.Client, error) {
	return a.clientWrite(ctx, call{method: http.MethodPost, path: "Clients/Contacts", query: q("clientId", clientID),
		body: wireNewContact{TypeID: in.TypeID, Value: in.Value}, fields: contactFields})
}

// UpdateClientContact changes a contact's value (PUT Clients/Contacts?clientId=&contactId=).
func (a *Adapter) UpdateClientContact(ctx context.Context, clientID, contactID, value string) (*domain.Client, error) {
	return a.clientWrite(ctx, call{method: http.MethodPut, path: "Clients/Contacts",
		query: q("clientId", clientID, "contactId", contactID), body: wireContactValue{Value: value}, fields: contactFields})
}

// DeleteClientContact deletes a contact (DELETE Clients/Contacts?clientId=&contactId=).
func (a *Adapter) DeleteClientContact(ctx context.Context, clientID, contactID string) (*domain.Client, error) {
	return a.clientWrite(ctx, call{method: http.MethodDelete, path: "Clients/Contacts",
		query: q("clientId", clientID, "contactId", contactID), fields: contactFields})
}

// AddClientAddress adds an address (POST Clients/Addresses?clientId=).
func (a *Adapter) AddClientAddress(ctx context.Context, clientID string, f domain.ClientAddressFields) (*domain.Client, error) {
	return a.clientWrite(ctx, call{method: http.MethodPost, path: "Clients/Addresses", query: q("clientId", clientID),
		body: addressBody(f), fields: addressFields})
}

// UpdateClientAddress changes the set fields of an address, sending only
// them (PUT Clients/Addresses?clientId=&contactId=). The docs pass the
// address id in the parameter named contactId; so does the adapter.
func (a *Adapter) UpdateClientAddress(ctx context.Context, clientID, addressID string, f domain.ClientAddressFields) (*domain.Client, error) {
	return a.clientWrite(ctx, call{method: http.MethodPut, path: "Clients/Addresses",
		query: q("clientId", clientID, "contactId", addressID), body: addressBody(f), fields: addressFields})
}

// DeleteClientAddress deletes an address (DELETE Clients/Addresses?clientId=&contactId=
// with the address id in contactId, as the docs say).
func (a *Adapter) DeleteClientAddress(ctx context.Context, clientID, addressID string) (*domain.Client, error) {
	return a.clientWrite(ctx, call{method: http.MethodDelete, path: "Clients/Addresses",
		query: q("clientId", clientID, "contactId", addressID), fields: addressFields})
}

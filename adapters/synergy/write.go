package synergy

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/upstream"
)

// Create posts a new resource and returns the upstream's document of it.
func (c *Client) Create(ctx context.Context, w domain.SynergyWrite) (*domain.SynergyDocument, error) {
	return c.write(ctx, http.MethodPost, "/"+w.Type, w)
}

// Update patches only the members w sets.
func (c *Client) Update(ctx context.Context, w domain.SynergyWrite) (*domain.SynergyDocument, error) {
	return c.write(ctx, http.MethodPatch, "/"+w.Type+"/"+url.PathEscape(w.ID), w)
}

// Delete removes one resource.
func (c *Client) Delete(ctx context.Context, typ, id string) error {
	resp, err := c.up.Do(ctx, &upstream.Request{Method: http.MethodDelete, Path: "/" + typ + "/" + url.PathEscape(id), Accept: MediaType})
	if err != nil {
		return err
	}
	defer resp.Release()
	if resp.Status < 200 || resp.Status > 299 {
		return c.statusError(http.MethodDelete, typ, resp)
	}
	return nil
}

func (c *Client) write(ctx context.Context, method, path string, w domain.SynergyWrite) (*domain.SynergyDocument, error) {
	body, err := EncodeWrite(w)
	if err != nil {
		return nil, &apierr.Error{Code: apierr.Internal, Message: "could not encode the write", Outcome: apierr.OutcomeNotSent, Err: err}
	}
	resp, err := c.up.Do(ctx, &upstream.Request{Method: method, Path: path, Body: body, ContentType: MediaType, Accept: MediaType})
	if err != nil {
		return nil, err
	}
	defer resp.Release() // Decode copies what it keeps
	if resp.Status < 200 || resp.Status > 299 {
		return nil, c.statusError(method, w.Type, resp)
	}
	if resp.Status == http.StatusNoContent && method == http.MethodPatch {
		// JSON:API allows 204 when the server changed nothing else: the
		// resource is what we read now.
		return c.Get(ctx, w.Type, w.ID, nil, nil)
	}
	doc, err := Decode(resp.Body)
	if err != nil {
		// The write was applied; only its echo is unreadable.
		e, _ := apierr.As(err)
		e.Outcome = apierr.OutcomeUnknown
		e.Message = upstream.WriteMessage(e.Message, apierr.OutcomeUnknown)
		return nil, e
	}
	doc.SetFetched(domain.FetchedNow(0, c.up.RedactBytes))
	if len(doc.Data) != 1 {
		return nil, &apierr.Error{Code: apierr.UpstreamError, Upstream: Name, Outcome: apierr.OutcomeUnknown,
			Message: upstream.WriteMessage("SynergyCRM answered the write without the resource", apierr.OutcomeUnknown)}
	}
	return doc, nil
}

type writeDoc struct {
	Data writeResource `json:"data"`
}

type writeResource struct {
	Type          string                  `json:"type"`
	ID            string                  `json:"id,omitempty"`
	Attributes    map[string]any          `json:"attributes,omitempty"`
	Relationships map[string]linkageWrite `json:"relationships,omitempty"`
}

type linkageWrite struct {
	Data any `json:"data"`
}

type identifierWrite struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// EncodeWrite builds the JSON:API request document of a write.
func EncodeWrite(w domain.SynergyWrite) ([]byte, error) {
	res := writeResource{Type: w.Type, ID: w.ID, Attributes: w.Attributes}
	if len(w.Relationships) > 0 {
		res.Relationships = map[string]linkageWrite{}
		for k, l := range w.Relationships {
			switch {
			case l.Many:
				ids := make([]identifierWrite, 0, len(l.Refs))
				for _, r := range l.Refs {
					ids = append(ids, identifierWrite{r.Type, r.ID})
				}
				res.Relationships[k] = linkageWrite{Data: ids}
			case len(l.Refs) == 0:
				res.Relationships[k] = linkageWrite{Data: nil}
			default:
				res.Relationships[k] = linkageWrite{Data: identifierWrite{l.Refs[0].Type, l.Refs[0].ID}}
			}
		}
	}
	return json.Marshal(writeDoc{Data: res})
}

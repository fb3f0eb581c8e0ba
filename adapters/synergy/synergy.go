// Package synergy is the SynergyCRM adapter: it speaks JSON:API v1.0 to the
// upstream through the shared upstream client and turns documents into
// domain entities and errors into the contract's codes.
package synergy

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/upstream"
)

// MediaType is JSON:API's media type, sent on every request with a body.
const MediaType = "application/vnd.api+json"

// Name is the backend's name in errors and metrics.
const Name = "synergy"

// Client reads and writes SynergyCRM resources.
type Client struct {
	up *upstream.Client
}

// New returns an adapter over a configured upstream client whose base URL
// ends in /api/v1.
func New(up *upstream.Client) *Client { return &Client{up: up} }

// Authorize adds the Bearer token; pass it to upstream.Options.
func Authorize(token string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

// List reads one page of a collection.
func (c *Client) List(ctx context.Context, q domain.SynergyQuery) (*domain.SynergyDocument, error) {
	v := url.Values{}
	if q.PageNumber > 0 {
		v.Set("page[number]", strconv.Itoa(q.PageNumber))
	}
	if q.PageSize > 0 {
		v.Set("page[size]", strconv.Itoa(q.PageSize))
	}
	for k, val := range q.Filters {
		v.Set("filter["+k+"]", val)
	}
	if len(q.Include) > 0 {
		v.Set("include", strings.Join(q.Include, ","))
	}
	setFields(v, q.Fields)
	return c.get(ctx, "/"+q.Type, v)
}

func setFields(v url.Values, fields domain.SynergyFields) {
	for typ, names := range fields {
		v.Set("fields["+typ+"]", strings.Join(names, ","))
	}
}

// Get reads one resource, including the given relationship paths.
func (c *Client) Get(ctx context.Context, typ, id string, include []string, fields domain.SynergyFields) (*domain.SynergyDocument, error) {
	v := url.Values{}
	if len(include) > 0 {
		v.Set("include", strings.Join(include, ","))
	}
	setFields(v, fields)
	return c.get(ctx, "/"+typ+"/"+url.PathEscape(id), v)
}

// Related reads the resources one relationship points to.
func (c *Client) Related(ctx context.Context, typ, id, rel string, fields domain.SynergyFields) (*domain.SynergyDocument, error) {
	v := url.Values{}
	setFields(v, fields)
	return c.get(ctx, "/"+typ+"/"+url.PathEscape(id)+"/"+rel, v)
}

func (c *Client) get(ctx context.Context, path string, q url.Values) (*domain.SynergyDocument, error) {
	resp, err := c.up.Do(ctx, &upstream.Request{Method: http.MethodGet, Path: path, Query: q, Accept: MediaType})
	if err != nil {
		return nil, err
	}
	if resp.Status < 200 || resp.Status > 299 {
		return nil, c.statusError(http.MethodGet, strings.SplitN(strings.TrimPrefix(path, "/"), "/", 2)[0], resp)
	}
	return Decode(resp.Body)
}

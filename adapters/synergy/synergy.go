// Package synergy is the SynergyCRM adapter: it speaks JSON:API v1.0 to the
// upstream through the shared upstream client and turns documents into
// domain entities and errors into the contract's codes.
package synergy

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

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
	// The docs mention neither nested include paths nor sparse fieldsets.
	// A server that refuses one (JSON:API: 400 naming the parameter) is
	// remembered, and reads go on without it: unknown linkage and full
	// attributes are what the resolvers already handle.
	flatInclude atomic.Bool
	noFields    atomic.Bool
}

// New returns an adapter over a configured upstream client whose base URL
// ends in /api/v1.
func New(up *upstream.Client) *Client { return &Client{up: up} }

// Authorize adds the Bearer token; pass it to upstream.Options.
func Authorize(token string) func(*http.Request) {
	value := []string{"Bearer " + token} // built once; the header shares it
	return func(r *http.Request) { r.Header["Authorization"] = value }
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
	return c.read(ctx, "/"+q.Type, v, q.Include, q.Fields)
}

// Get reads one resource, including the given relationship paths.
func (c *Client) Get(ctx context.Context, typ, id string, include []string, fields domain.SynergyFields) (*domain.SynergyDocument, error) {
	return c.read(ctx, "/"+typ+"/"+url.PathEscape(id), url.Values{}, include, fields)
}

// Related reads the resources one relationship points to.
func (c *Client) Related(ctx context.Context, typ, id, rel string, fields domain.SynergyFields) (*domain.SynergyDocument, error) {
	return c.read(ctx, "/"+typ+"/"+url.PathEscape(id)+"/"+rel, url.Values{}, nil, fields)
}

// read sends a GET with include and fields as far as the upstream is known
// to take them. When it refuses a nested include path or a sparse fieldset
// with a 400 naming that parameter, the capability is dropped for good and
// the read is sent again without it; a read changes nothing, so resending
// is safe. Everything else comes back as it is.
func (c *Client) read(ctx context.Context, path string, base url.Values, include []string, fields domain.SynergyFields) (*domain.SynergyDocument, error) {
	for {
		v := url.Values{}
		for k, vals := range base {
			v[k] = vals
		}
		inc := include
		if c.flatInclude.Load() {
			inc = flatten(include)
		}
		if len(inc) > 0 {
			v.Set("include", strings.Join(inc, ","))
		}
		if !c.noFields.Load() {
			setFields(v, fields)
		}
		resp, err := c.up.Do(ctx, &upstream.Request{Method: http.MethodGet, Path: path, Query: v, Accept: MediaType})
		if err != nil {
			return nil, err
		}
		// The body's life ends with this iteration: Decode and
		// statusError copy what they keep.
		doc, retry, err := c.answer(resp, path, inc, fields)
		resp.Release()
		if !retry {
			return doc, err
		}
	}
}

// answer decodes one read's answer, or says to send it again without what
// the upstream refused (a nested include, sparse fieldsets).
func (c *Client) answer(resp *upstream.Response, path string, inc []string, fields domain.SynergyFields) (*domain.SynergyDocument, bool, error) {
	if resp.Status >= 200 && resp.Status <= 299 {
		var asked domain.SynergyFields
		if !c.noFields.Load() {
			asked = fields
		}
		doc, err := decode(resp.Body, asked)
		if err == nil {
			doc.SetFetched(domain.FetchedNow(resp.Stale, c.up.RedactBytes))
		}
		return doc, false, err
	}
	if resp.Status == http.StatusBadRequest {
		switch p := refusedParameter(resp.Body); {
		case p == "include" && !c.flatInclude.Load() && !slices.Equal(inc, flatten(inc)):
			c.flatInclude.Store(true)
			return nil, true, nil
		case strings.HasPrefix(p, "fields[") && !c.noFields.Load() && len(fields) > 0:
			c.noFields.Store(true)
			return nil, true, nil
		}
	}
	return nil, false, c.statusError(http.MethodGet, strings.SplitN(strings.TrimPrefix(path, "/"), "/", 2)[0], resp)
}

// flatten keeps the first segment of each include path, once.
func flatten(paths []string) []string {
	var out []string
	for _, p := range paths {
		top, _, _ := strings.Cut(p, ".")
		if !slices.Contains(out, top) {
			out = append(out, top)
		}
	}
	return out
}

// refusedParameter is the source.parameter of a JSON:API error document's
// first error, "" when there is none.
func refusedParameter(body []byte) string {
	var doc errorDocument
	if json.Unmarshal(body, &doc) != nil || len(doc.Errors) == 0 {
		return ""
	}
	return doc.Errors[0].Source.Parameter
}

func setFields(v url.Values, fields domain.SynergyFields) {
	for typ, names := range fields {
		v.Set("fields["+typ+"]", strings.Join(names, ","))
	}
}

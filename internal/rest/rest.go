// Package rest owns the REST facade under /rest/v1/ and its OpenAPI 3.1
// document. Both are derived at start-up from the executable GraphQL
// schema, never written per entity: a backend that adds types, list fields
// or mutations gets REST routes and their documentation with no change
// here (the rules are on Build). Every REST call runs as one GraphQL
// operation through the very handler that serves /graphql, so resolvers,
// per-request loaders, request limits and the error presenter are shared;
// the facade only translates parameters in and answers out, and GraphQL
// error codes become HTTP statuses through apierr.Code.HTTPStatus.
package rest

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/crmgateway/gateway/internal/redact"
)

// Options say what the schema alone does not: how long answers may be
// reused, how pages are bounded and how callers authenticate. The zero
// value is a gateway that caches nothing and asks every caller for
// credentials.
type Options struct {
	// ReferenceTypes are the types the gateway serves from its own cache
	// of reference data; a GET answering them may be reused by the caller
	// for ReferenceMaxAge (RKEEPER_CACHE_TTL), every other GET is
	// revalidated with its ETag.
	ReferenceTypes  []string
	ReferenceMaxAge time.Duration
	// FirstBounds are the smallest and largest `first` each backend's
	// paged lists take, documented as the parameter's minimum and maximum.
	FirstBounds map[string][2]int
	// DefaultFirst is the page size of a list asked without `first` or
	// `last`, documented as `first`'s default; 0 documents none.
	DefaultFirst int
	// Anonymous: callers need no credentials (the sandbox, AUTH_MODE=none),
	// which the document says with an empty security requirement.
	Anonymous bool
}

// API is the facade built from one schema: its route table and the
// OpenAPI document describing exactly those routes.
type API struct {
	schema    *ast.Schema
	opts      Options
	routes    []*Route
	openapi   []byte
	itemPaths map[string]string // type name → its item route's path
	// items maps an item path to its GET route, for the ETag of an
	// update's answer.
	items map[string]*Route
	// versioned maps "METHOD path" of a PATCH or DELETE to the GET of the
	// same entity, when its representation carries the upstream's version.
	versioned map[string]*Route
	reference map[string]bool // ReferenceTypes
	// shadow matches paths against the route table for 405 answers.
	shadow *chi.Mux
	// red redacts every error body and header the facade writes.
	red *redact.Redactor
}

// SetRedactor makes every error body and header the facade writes pass
// through r, the process-wide redactor of the gateway's credentials.
func (a *API) SetRedactor(r *redact.Redactor) { a.red = r }

// New derives the routes and the OpenAPI document from the schema, e.g.
// generated.NewExecutableSchema(cfg).Schema(), with zero Options.
func New(schema *ast.Schema) (*API, error) { return NewWithOptions(schema, Options{}) }

// VersionField is the field whose presence in a type says its upstream
// keeps a version of each entity: SynergyCRM's updated-at, which every
// write changes. Such entities honour If-Match.
const VersionField = "updatedAt"

// NewWithOptions derives the routes and the OpenAPI document from the
// schema. A schema whose routes would collide is refused, so the conflict
// surfaces at start-up and in tests.
func NewWithOptions(schema *ast.Schema, opts Options) (*API, error) {
	routes, err := Build(schema)
	if err != nil {
		return nil, err
	}
	a := &API{schema: schema, opts: opts, routes: routes, itemPaths: map[string]string{}, shadow: chi.NewMux(),
		items: map[string]*Route{}, versioned: map[string]*Route{}, reference: map[string]bool{}}
	for _, t := range opts.ReferenceTypes {
		a.reference[t] = true
	}
	noop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	for _, rt := range routes {
		if rt.Kind == KindItem {
			a.itemPaths[rt.Result.Type.Name] = rt.Path
			a.items[rt.Path] = rt
		}
		a.shadow.Method(rt.Method, rt.Path, noop)
		if rt.Method == http.MethodGet {
			a.shadow.Method(http.MethodHead, rt.Path, noop)
		}
	}
	for _, rt := range routes {
		if item := a.items[rt.Path]; item != nil && (rt.Kind == KindUpdate || rt.Kind == KindDelete) &&
			item.Result.Type.Fields.ForName(VersionField) != nil {
			a.versioned[rt.Method+" "+rt.Path] = item
		}
	}
	a.shadow.Get(Prefix+"/openapi.json", noop)
	a.shadow.Head(Prefix+"/openapi.json", noop)
	if a.openapi, err = a.buildOpenAPI(); err != nil {
		return nil, err
	}
	return a, nil
}

// Routes is the route table, in schema order.
func (a *API) Routes() []*Route { return a.routes }

// OpenAPI is the OpenAPI 3.1 document (JSON) served at /rest/v1/openapi.json.
func (a *API) OpenAPI() []byte { return a.openapi }

// Mount adds the facade to r; gql is the handler /graphql is served by.
// Its signature is httpserver.Deps.Mount's.
func (a *API) Mount(r chi.Router, gql http.Handler) {
	r.Route(Prefix, func(r chi.Router) {
		r.NotFound(a.notFound)
		r.MethodNotAllowed(a.methodNotAllowed)
		doc := func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-cache")
			if a.validated(w, r, a.openapi) {
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", strconv.Itoa(len(a.openapi)))
			_, _ = w.Write(a.openapi)
		}
		r.Get("/openapi.json", doc)
		r.Head("/openapi.json", doc)
		for _, rt := range a.routes {
			h := a.handler(rt, gql)
			r.Method(rt.Method, rt.Path[len(Prefix):], h)
			if rt.Method == http.MethodGet {
				// HEAD answers what GET would, without the body.
				r.Method(http.MethodHead, rt.Path[len(Prefix):], h)
			}
		}
	})
}

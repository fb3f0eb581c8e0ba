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

	"github.com/go-chi/chi/v5"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/crmgateway/gateway/internal/redact"
)

// API is the facade built from one schema: its route table and the
// OpenAPI document describing exactly those routes.
type API struct {
	schema    *ast.Schema
	routes    []*Route
	openapi   []byte
	itemPaths map[string]string // type name → its item route's path
	// shadow matches paths against the route table for 405 answers.
	shadow *chi.Mux
	// red redacts every error body and header the facade writes.
	red *redact.Redactor
}

// SetRedactor makes every error body and header the facade writes pass
// through r, the process-wide redactor of the gateway's credentials.
func (a *API) SetRedactor(r *redact.Redactor) { a.red = r }

// New derives the routes and the OpenAPI document from the schema, e.g.
// generated.NewExecutableSchema(cfg).Schema(). A schema whose routes would
// collide is refused, so the conflict surfaces at start-up and in tests.
func New(schema *ast.Schema) (*API, error) {
	routes, err := Build(schema)
	if err != nil {
		return nil, err
	}
	a := &API{schema: schema, routes: routes, itemPaths: map[string]string{}, shadow: chi.NewMux()}
	noop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	for _, rt := range routes {
		if rt.Kind == KindItem {
			a.itemPaths[rt.Result.Type.Name] = rt.Path
		}
		a.shadow.Method(rt.Method, rt.Path, noop)
	}
	a.shadow.Get(Prefix+"/openapi.json", noop)
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
		r.NotFound(notFound)
		r.MethodNotAllowed(a.methodNotAllowed)
		r.Get("/openapi.json", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(a.openapi)
		})
		for _, rt := range a.routes {
			r.Method(rt.Method, rt.Path[len(Prefix):], a.handler(rt, gql))
		}
	})
}

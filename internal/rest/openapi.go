package rest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/globalid"
	"github.com/crmgateway/gateway/internal/problem"
)

// scalarFormats maps the custom scalars to JSON Schema; a scalar not named
// here is a string. JSON takes any value.
var scalarFormats = map[string]map[string]any{
	"DateTime": {"type": "string", "format": "date-time"},
	"Date":     {"type": "string", "format": "date"},
	JSONScalar: {},
}

type schemaGen struct {
	s            *ast.Schema
	comps        map[string]any
	firstBounds  map[string][2]int
	defaultFirst int
}

func ref(name string) map[string]any {
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

// typeSchema is the JSON Schema of a GraphQL type; a nullable type also
// admits null (OpenAPI 3.1: a type array, or anyOf with null for $ref).
func (g *schemaGen) typeSchema(t *ast.Type) map[string]any {
	var sc map[string]any
	if t.Elem != nil {
		sc = map[string]any{"type": "array", "items": g.typeSchema(t.Elem)}
	} else {
		sc = g.named(t.NamedType)
	}
	if t.NonNull {
		return sc
	}
	switch typ := sc["type"].(type) {
	case string:
		sc["type"] = []any{typ, "null"}
		return sc
	case nil:
		if _, isRef := sc["$ref"]; !isRef {
			return sc // any value, null included
		}
	}
	return map[string]any{"anyOf": []any{sc, map[string]any{"type": "null"}}}
}

// named is the schema of a named type: built-in scalars inline, everything
// else a component built on first use.
func (g *schemaGen) named(name string) map[string]any {
	switch name {
	case "Int":
		return map[string]any{"type": "integer", "format": "int32"}
	case "Float":
		return map[string]any{"type": "number"}
	case "Boolean":
		return map[string]any{"type": "boolean"}
	case "String":
		return map[string]any{"type": "string"}
	case "ID":
		return map[string]any{"type": "string", "description": "A global ID."}
	}
	if _, done := g.comps[name]; !done {
		g.comps[name] = nil // placeholder: recursion ends here
		g.comps[name] = g.component(g.s.Types[name])
	}
	return ref(name)
}

func (g *schemaGen) component(def *ast.Definition) map[string]any {
	sc := map[string]any{}
	switch def.Kind {
	case ast.Scalar:
		for k, v := range scalarFormats[def.Name] {
			sc[k] = v
		}
		if len(scalarFormats[def.Name]) == 0 && def.Name != JSONScalar {
			sc["type"] = "string"
		}
	case ast.Enum:
		vals := make([]any, len(def.EnumValues))
		for i, v := range def.EnumValues {
			vals[i] = v.Name
		}
		sc["type"], sc["enum"] = "string", vals
	case ast.InputObject:
		props, required := map[string]any{}, []any{}
		for _, f := range def.Fields {
			p := g.typeSchema(f.Type)
			describe(p, f.Description)
			if f.DefaultValue != nil {
				if v, err := f.DefaultValue.Value(nil); err == nil {
					p["default"] = v
				}
			}
			props[f.Name] = p
			if f.Type.NonNull && f.DefaultValue == nil {
				required = append(required, f.Name)
			}
		}
		sc["type"], sc["properties"], sc["additionalProperties"] = "object", props, false
		if len(required) > 0 {
			sc["required"] = required
		}
	case ast.Object:
		props, required := map[string]any{}, []any{}
		for _, f := range flatFields(g.s, def) {
			p := g.typeSchema(f.Type)
			describe(p, f.Description)
			props[f.Name] = p
			required = append(required, f.Name)
		}
		sc["type"], sc["properties"] = "object", props
		if len(required) > 0 {
			sc["required"] = required
		}
	case ast.Union, ast.Interface:
		var alts []any
		for _, t := range g.s.GetPossibleTypes(def) {
			alts = append(alts, map[string]any{"allOf": []any{g.named(t.Name), map[string]any{
				"type": "object", "required": []any{"__typename"},
				"properties": map[string]any{"__typename": map[string]any{"const": t.Name}},
			}}})
		}
		sc["anyOf"] = alts
	}
	describe(sc, def.Description)
	return sc
}

func describe(sc map[string]any, d string) {
	if d = strings.TrimSpace(d); d != "" {
		if old, ok := sc["description"].(string); ok && old != "" {
			d = d + " " + old
		}
		sc["description"] = d
	}
}

// resultSchema is the schema of a route's success answer.
func (g *schemaGen) resultSchema(rt *Route) map[string]any {
	r := rt.Result
	switch r.Kind {
	case ResultList:
		elem := rt.Field.Type.Elem
		if rt.Sub != nil {
			elem = rt.Sub.Type.Elem
		}
		return map[string]any{"type": "object", "required": []any{"items"},
			"properties": map[string]any{"items": map[string]any{"type": "array", "items": g.typeSchema(elem)}}}
	case ResultConnection:
		props := map[string]any{"items": map[string]any{"type": "array", "items": g.named(r.Type.Name)},
			"pageInfo": g.named(r.Conn.Fields.ForName("pageInfo").Type.Name())}
		required := []any{"items", "pageInfo"}
		for _, f := range flatFields(g.s, r.Conn) {
			p := g.typeSchema(f.Type)
			describe(p, f.Description)
			props[f.Name] = p
			required = append(required, f.Name)
		}
		props["next"] = map[string]any{"type": []any{"string", "null"},
			"description": "The URL (path and query) of the next page, as the Link header's rel=\"next\"; null on the last page."}
		props["prev"] = map[string]any{"type": []any{"string", "null"},
			"description": "The URL (path and query) of the page before, as the Link header's rel=\"prev\"; null on the first page."}
		required = append(required, "next", "prev")
		return map[string]any{"type": "object", "required": required, "properties": props}
	case ResultValue:
		return g.typeSchema(rt.Field.Type)
	}
	return g.named(r.Type.Name)
}

// paramSchema documents one parameter; an input object is a deepObject
// (filter[lastName]=...).
func (g *schemaGen) param(p *Param, rt *Route) map[string]any {
	out := map[string]any{"name": p.Name, "in": p.In}
	desc := strings.TrimSpace(p.Arg.Description)
	if p.In == "path" {
		out["required"] = true
		out["schema"] = map[string]any{"type": "string"}
		if p.Name == "id" && rt.Kind != KindAction {
			desc = strings.TrimSpace("Global ID of the " + pathOwner(rt) + ". " + desc)
		} else {
			desc = strings.TrimSpace("Global ID (GraphQL argument `" + p.Arg.Name + "`). " + desc)
		}
	} else {
		out["required"] = p.Arg.Type.NonNull && p.Arg.DefaultValue == nil
		given := *p.Arg.Type // a query parameter is given or left out, never null
		given.NonNull = true
		sc := g.typeSchema(&given)
		if desc == "" && rt.Result.Kind == ResultConnection && p.Level == len(rt.Result.Path)-1 {
			desc = map[string]string{"first": "How many items to answer (the page size).",
				"after": "Answer the items after this cursor: pageInfo.endCursor of the previous page."}[p.Name]
		}
		if p.Arg.DefaultValue != nil {
			if v, err := p.Arg.DefaultValue.Value(nil); err == nil {
				sc["default"] = v
			}
		}
		if rt.Result.Kind == ResultConnection && p.Level == len(rt.Result.Path)-1 {
			b, ok := g.firstBounds[routeBackend(rt)]
			switch {
			case p.Arg.Name == "first" && ok:
				sc["minimum"], sc["maximum"] = b[0], b[1]
				if g.defaultFirst > 0 && sc["default"] == nil {
					sc["default"] = g.defaultFirst
				}
			case p.Arg.Name == "last" && ok:
				sc["minimum"], sc["maximum"] = 1, b[1]
			}
		}
		out["schema"] = sc
		def := g.s.Types[p.Arg.Type.Name()]
		switch {
		case def.Kind == ast.InputObject:
			out["style"], out["explode"] = "deepObject", true
			desc = strings.TrimSpace(desc + " Give its fields as `" + p.Name + "[field]=value` (`" + p.Name +
				"[a][b]` for a nested object, the key repeated for a list).")
		case p.Arg.Type.Elem != nil:
			out["style"], out["explode"] = "form", true
			desc = strings.TrimSpace(desc + " Repeat the parameter for each value.")
		case def.Name == JSONScalar:
			desc = strings.TrimSpace(desc + " A JSON text.")
		}
	}
	if desc != "" {
		out["description"] = desc
	}
	return out
}

func pathOwner(rt *Route) string {
	switch {
	case rt.ViaNode != "":
		return rt.ViaNode
	case rt.Operation == "query":
		return rt.Field.Type.Name()
	case rt.Result.Type != nil:
		return rt.Result.Type.Name
	}
	return "entity"
}

// errorStatuses groups the contract's codes by HTTP status.
func errorStatuses() (statuses []int, codes map[int][]string) {
	codes = map[int][]string{}
	for _, c := range apierr.Codes {
		s := c.HTTPStatus()
		if _, seen := codes[s]; !seen {
			statuses = append(statuses, s)
		}
		codes[s] = append(codes[s], string(c))
	}
	sort.Ints(statuses)
	return statuses, codes
}

func errorResponseName(status int) string { return "Error" + strconv.Itoa(status) }

// Names of the document's shared parts; the dots keep them apart from
// every GraphQL type name.
const (
	problemSchema     = "rest.Problem"
	problemItemSchema = "rest.ProblemItem"
	notModified       = "NotModified"
	preconditionFail  = "PreconditionFailed"
	securityAPIKey    = "apiKey"
	securityBearer    = "bearer"
	// License of the API description.
	licenseName       = "Proprietary"
	licenseIdentifier = "LicenseRef-Proprietary"
)

// backendTags name each CRM's tag; routes of no one backend are "Gateway".
var backendTags = map[string]string{
	globalid.Synergy: "SynergyCRM",
	globalid.Solos:   "Solos CRM",
	globalid.RKeeper: "r_keeper",
}

const gatewayTag = "Gateway"

var tagDescriptions = map[string]string{
	"SynergyCRM": "SynergyCRM (JSON:API): contacts, companies, deals, orders, contracts, bank details, statuses, " +
		"types, stages, funnels, loss reasons and diary events.",
	"Solos CRM": "Solos CRM, read-only: projects and their steps, actions, checklists, goods and payments.",
	"r_keeper": "r_keeper WebDelivery CRM: delivery clients with their contacts, addresses, accounts and cards, " +
		"and the address reference data (contact and address types, countries, cities, metro stations, streets).",
	gatewayTag: "The gateway itself.",
}

// routeBackend is the CRM a route belongs to: the schema file that
// declares its root field (graph/schema/<backend>.graphqls), or the type
// of an item read through node(id:); "" when none.
func routeBackend(rt *Route) string {
	if rt.ViaNode != "" {
		if def := rt.Result.Type; def != nil && def.Position != nil && def.Position.Src != nil && rt.Sub == nil {
			return globalid.SchemaBackend(def.Position.Src.Name)
		}
		if rt.Sub != nil && rt.Sub.Position != nil && rt.Sub.Position.Src != nil {
			return globalid.SchemaBackend(rt.Sub.Position.Src.Name)
		}
		return ""
	}
	if rt.Field.Position != nil && rt.Field.Position.Src != nil {
		return globalid.SchemaBackend(rt.Field.Position.Src.Name)
	}
	return ""
}

// security is an operation's requirement: an API key (X-API-Key) or a
// bearer credential (an API key or a JWT), with the scope the route
// needs as the required role (OpenAPI 3.1 allows roles on any scheme),
// or, for a gateway that serves everyone, nothing.
func (a *API) security(scope string) []any {
	roles := []any{}
	if scope != "" {
		roles = append(roles, scope)
	}
	out := []any{map[string]any{securityAPIKey: roles}, map[string]any{securityBearer: roles}}
	if a.opts.Anonymous {
		out = append(out, map[string]any{})
	}
	return out
}

// buildOpenAPI renders the route table as an OpenAPI 3.1 document.
func (a *API) buildOpenAPI() ([]byte, error) {
	g := &schemaGen{s: a.schema, comps: map[string]any{}, firstBounds: a.opts.FirstBounds, defaultFirst: a.opts.DefaultFirst}
	statuses, codes := errorStatuses()
	codeEnum := make([]any, 0, len(apierr.Codes)+1)
	for _, c := range apierr.Codes {
		codeEnum = append(codeEnum, string(c))
	}
	codeEnum = append(codeEnum, problem.PreconditionFailed)
	itemProps := func() map[string]any {
		return map[string]any{
			"type":   map[string]any{"type": "string", "description": "The problem type: a URI naming the code (`" + problem.TypePrefix + "not-found`)."},
			"title":  map[string]any{"type": "string", "description": "A summary of the problem type, the same for every occurrence."},
			"detail": map[string]any{"type": "string", "description": "What went wrong this time."},
			"code":   map[string]any{"type": "string", "enum": codeEnum, "description": "The error code, as GraphQL's extensions.code."},
			"upstream": map[string]any{"type": "string", "enum": []any{globalid.Synergy, globalid.Solos, globalid.RKeeper},
				"description": "The CRM that caused the error."},
			"field":             map[string]any{"type": "string", "description": "The REST parameter at fault: `first`, `filter[createdAtGte]`, `id`, `body.firstName`."},
			"outcome":           map[string]any{"type": "string", "enum": []any{"UNKNOWN", "NOT_SENT", "REJECTED"}, "description": "What became of a failed write."},
			"upstreamRequestId": map[string]any{"type": "string", "description": "The CRM's own id of the failed call."},
			"upstreamCode":      map[string]any{"type": "string", "description": "The CRM's own error code."},
			"retryAfterSeconds": map[string]any{"type": "integer", "description": "RATE_LIMITED: seconds until a retry may succeed."},
			"limit":             map[string]any{"type": "string", "description": "QUERY_TOO_COMPLEX: the request limit exceeded."},
			"max":               map[string]any{"type": "integer", "description": "QUERY_TOO_COMPLEX: that limit's value."},
			"reason":            map[string]any{"type": "string", "description": "The original code of an error the GraphQL layer raised."},
		}
	}
	g.comps[problemItemSchema] = map[string]any{
		"type": "object", "description": "One error of a problem with several.",
		"required": []any{"type", "title", "detail", "code"}, "properties": itemProps(),
	}
	props := itemProps()
	props["status"] = map[string]any{"type": "integer", "description": "The HTTP status of the answer."}
	props["instance"] = map[string]any{"type": "string", "description": "The path of the request that failed."}
	props["requestId"] = map[string]any{"type": "string", "description": "The request's X-Request-Id, as the answer's header echoes it."}
	props["errors"] = map[string]any{"type": "array", "minItems": 2, "items": ref(problemItemSchema),
		"description": "Every error, the first included, when there are several (each failed input field, say)."}
	g.comps[problemSchema] = map[string]any{
		"type": "object",
		"description": "An RFC 9457 problem document: the first error's type, title, detail and members, the HTTP " +
			"status being that of its code, and every error in `errors` when there are several.",
		"required":   []any{"type", "title", "status", "detail", "code"},
		"properties": props,
	}
	problemContent := map[string]any{problem.MediaType: map[string]any{"schema": ref(problemSchema)}}
	headers := map[string]any{
		"ETag": map[string]any{"description": "The strong entity tag of the answer's body; send it back in If-None-Match " +
			"(or, for an entity whose CRM keeps a version, If-Match).", "schema": map[string]any{"type": "string"}},
		"Cache-Control": map[string]any{"description": "`private, max-age=N` for reference data the gateway caches for N " +
			"seconds (RKEEPER_CACHE_TTL), `private, no-cache` for everything else (revalidate with the ETag).",
			"schema": map[string]any{"type": "string"}},
		"Link": map[string]any{"description": "`<URL>; rel=\"next\"` to the next page, on every page but the last, and " +
			"`<URL>; rel=\"prev\"` to the page before, on every page but the first.",
			"schema": map[string]any{"type": "string"}},
		"Location":    map[string]any{"description": "The created entity's item URL.", "schema": map[string]any{"type": "string"}},
		"Retry-After": map[string]any{"description": "Seconds to wait before retrying.", "schema": map[string]any{"type": "integer"}},
	}
	responses := map[string]any{}
	addErr := func(status int, desc string) {
		r := map[string]any{"description": desc, "content": problemContent}
		if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
			r["headers"] = map[string]any{"Retry-After": map[string]any{"$ref": "#/components/headers/Retry-After"}}
		}
		responses[errorResponseName(status)] = r
	}
	for _, s := range statuses {
		addErr(s, http.StatusText(s)+": "+strings.Join(codes[s], ", ")+".")
	}
	addErr(http.StatusRequestEntityTooLarge, "Request Entity Too Large: BAD_USER_INPUT (the body is over the limit).")
	addErr(http.StatusUnsupportedMediaType, "Unsupported Media Type: BAD_USER_INPUT (the body is not application/json).")
	addErr(http.StatusMethodNotAllowed, "Method Not Allowed: BAD_USER_INPUT (the Allow header lists the methods).")
	responses[notModified] = map[string]any{"description": "Not Modified: If-None-Match names the current ETag; no body.",
		"headers": map[string]any{"ETag": map[string]any{"$ref": "#/components/headers/ETag"},
			"Cache-Control": map[string]any{"$ref": "#/components/headers/Cache-Control"}}}
	responses[preconditionFail] = map[string]any{
		"description": "Precondition Failed: PRECONDITION_FAILED. If-Match does not name the entity's current " +
			"representation (its ETag is in the answer), or names one where the CRM keeps no version to compare.",
		"headers": map[string]any{"ETag": map[string]any{"$ref": "#/components/headers/ETag"}},
		"content": problemContent}
	parameters := map[string]any{
		"IfNoneMatch": map[string]any{"name": "If-None-Match", "in": "header", "required": false,
			"description": "ETags of representations the caller has: a match answers 304 Not Modified with no body.",
			"schema":      map[string]any{"type": "string"}},
		"IfMatch": map[string]any{"name": "If-Match", "in": "header", "required": false,
			"description": "Change only if the entity's current representation has this ETag (else 412). Honoured for " +
				"entities whose CRM keeps a version (SynergyCRM's updatedAt); elsewhere any If-Match is refused " +
				"with 412 and nothing changes.",
			"schema": map[string]any{"type": "string"}},
	}

	paths := map[string]map[string]any{}
	usedTags := map[string]bool{}
	for _, rt := range a.routes {
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		op := a.operation(g, rt, statuses)
		usedTags[op["tags"].([]any)[0].(string)] = true
		paths[rt.Path][strings.ToLower(rt.Method)] = op
	}
	usedTags[gatewayTag] = true
	paths[Prefix+"/openapi.json"] = map[string]any{"get": map[string]any{
		"operationId": OpenAPIOperationID, "summary": "This OpenAPI document.", "tags": []any{gatewayTag},
		"description": "The OpenAPI 3.1 description of every REST route, derived from the GraphQL schema at start-up.",
		"security":    a.security(""),
		"parameters":  []any{map[string]any{"$ref": "#/components/parameters/IfNoneMatch"}},
		"responses": map[string]any{
			"200": map[string]any{"description": "The OpenAPI 3.1 document of the facade.",
				"headers": map[string]any{"ETag": map[string]any{"$ref": "#/components/headers/ETag"}},
				"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}},
			"304": map[string]any{"$ref": "#/components/responses/" + notModified},
			"401": map[string]any{"$ref": "#/components/responses/" + errorResponseName(http.StatusUnauthorized)},
		},
	}}
	for name, c := range g.comps {
		if c == nil {
			return nil, fmt.Errorf("rest: OpenAPI component %s was never built", name)
		}
	}
	var tags []any
	for _, t := range []string{backendTags[globalid.Synergy], backendTags[globalid.Solos], backendTags[globalid.RKeeper], gatewayTag} {
		if usedTags[t] {
			tags = append(tags, map[string]any{"name": t, "description": tagDescriptions[t]})
		}
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "CRM Gateway REST facade",
			"version": "1",
			"license": map[string]any{"name": licenseName, "identifier": licenseIdentifier},
			"description": "Every entity of the gateway's CRMs as REST resources, derived from the GraphQL schema and " +
				"served by the same resolvers. Answers carry an entity's scalar fields; relationships are " +
				"sub-resources. Lists answer {items, pageInfo, totalCount, next, prev}; page forward with `first` and `after` " +
				"(pageInfo.endCursor), backward with `last` and `before` (pageInfo.startCursor), or follow `next` and " +
				"`prev` (also the Link header's rel=\"next\" and rel=\"prev\"). Errors are RFC 9457 " +
				"problem documents (application/problem+json) with the gateway's `code`, the HTTP status being that " +
				"code's. Every GET answers HEAD too, carries a strong ETag and answers 304 to a matching " +
				"If-None-Match; PATCH and DELETE honour If-Match where the CRM keeps a version. Answers of 1 KiB " +
				"and more are compressed (zstd or gzip) as Accept-Encoding asks.",
		},
		"servers": []any{map[string]any{
			"url":         "{scheme}://{host}",
			"description": "The gateway (`make run` serves the sandbox at http://localhost:8080).",
			"variables": map[string]any{
				"scheme": map[string]any{"default": "http", "enum": []any{"http", "https"}},
				"host":   map[string]any{"default": "localhost:8080", "description": "The gateway's host and port."},
			},
		}},
		"tags":  tags,
		"paths": paths,
		"components": map[string]any{
			"schemas": g.comps, "responses": responses, "headers": headers, "parameters": parameters,
			"securitySchemes": map[string]any{
				securityAPIKey: map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Key",
					"description": "An API key the gateway issued (`make apikey`)."},
				securityBearer: map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "API key or JWT",
					"description": "`Authorization: Bearer <API key or JWT>`; a JWT is verified against the gateway's " +
						"JWKS. The roles an operation lists are the scopes it needs (`synergy:read`, `rkeeper:write`, …)."},
			},
		},
	}
	pruneComponents(doc)
	return json.Marshal(doc)
}

// pruneComponents drops every component nothing refers to, transitively.
func pruneComponents(doc map[string]any) {
	comps := doc["components"].(map[string]any)
	used := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["$ref"].(string); ok && !used[r] {
				used[r] = true
				parts := strings.Split(strings.TrimPrefix(r, "#/components/"), "/")
				if len(parts) == 2 {
					if kind, ok := comps[parts[0]].(map[string]any); ok {
						walk(kind[parts[1]])
					}
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(doc["paths"])
	for kind, v := range comps {
		if kind == "securitySchemes" {
			continue
		}
		m := v.(map[string]any)
		for name := range m {
			if !used["#/components/"+kind+"/"+name] {
				delete(m, name)
			}
		}
	}
}

func (a *API) operation(g *schemaGen, rt *Route, statuses []int) map[string]any {
	backend := routeBackend(rt)
	tag := gatewayTag
	if t, ok := backendTags[backend]; ok {
		tag = t
	}
	op := map[string]any{"operationId": rt.OperationID, "tags": []any{tag}}
	scope := ""
	if backend != "" {
		scope = backend + ":read"
		if rt.Operation == "mutation" {
			scope = backend + ":write"
		}
	}
	op["security"] = a.security(scope)
	field := rt.Field
	if rt.Sub != nil {
		field = rt.Sub
	}
	summary := firstSentence(field.Description)
	if summary == "" || rt.ViaNode != "" && rt.Sub == nil {
		summary = defaultSummary(rt)
	}
	op["summary"] = summary
	gqlName := rt.Operation + " " + rt.Field.Name
	if rt.ViaNode != "" {
		gqlName += " ... on " + rt.ViaNode
	}
	if rt.Sub != nil {
		gqlName += " { " + rt.Sub.Name + " }"
	}
	op["description"] = strings.TrimSpace(strings.TrimSpace(field.Description) + "\n\nRuns the GraphQL `" + gqlName + "`.")
	var params []any
	for _, p := range rt.Params {
		params = append(params, g.param(p, rt))
	}
	switch rt.Method {
	case http.MethodGet:
		params = append(params, map[string]any{"$ref": "#/components/parameters/IfNoneMatch"})
	case http.MethodPatch, http.MethodDelete:
		params = append(params, map[string]any{"$ref": "#/components/parameters/IfMatch"})
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	if rt.Body != nil {
		var sc map[string]any
		if p := rt.Body.Param; p != nil {
			sc = g.named(p.Arg.Type.Name())
		} else {
			props, required := map[string]any{}, []any{}
			for _, p := range rt.Body.Args {
				ps := g.typeSchema(p.Arg.Type)
				describe(ps, p.Arg.Description)
				props[p.Name] = ps
				if p.Arg.Type.NonNull && p.Arg.DefaultValue == nil {
					required = append(required, p.Name)
				}
			}
			sc = map[string]any{"type": "object", "properties": props, "additionalProperties": false}
			if len(required) > 0 {
				sc["required"] = required
			}
		}
		op["requestBody"] = map[string]any{"required": rt.Kind == KindCreate,
			"content": map[string]any{"application/json": map[string]any{"schema": sc}}}
	}
	status, desc := "200", "The "+describeResult(rt)+"."
	ok := map[string]any{"description": desc,
		"content": map[string]any{"application/json": map[string]any{"schema": g.resultSchema(rt)}}}
	hdr := func(names ...string) map[string]any {
		out := map[string]any{}
		for _, n := range names {
			out[n] = map[string]any{"$ref": "#/components/headers/" + n}
		}
		return out
	}
	switch {
	case rt.Method == http.MethodGet && rt.Result.Kind == ResultConnection:
		ok["headers"] = hdr("ETag", "Cache-Control", "Link")
	case rt.Method == http.MethodGet:
		ok["headers"] = hdr("ETag", "Cache-Control")
	case rt.Kind == KindUpdate && a.items[rt.Path] != nil:
		ok["headers"] = hdr("ETag")
	case rt.Kind == KindCreate:
		status = "201"
		if rt.created != "" {
			ok["headers"] = hdr("Location")
		}
	}
	responses := map[string]any{status: ok}
	for _, s := range statuses {
		responses[strconv.Itoa(s)] = map[string]any{"$ref": "#/components/responses/" + errorResponseName(s)}
	}
	if rt.Body != nil {
		for _, s := range []int{http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType} {
			responses[strconv.Itoa(s)] = map[string]any{"$ref": "#/components/responses/" + errorResponseName(s)}
		}
	}
	switch rt.Method {
	case http.MethodGet:
		responses["304"] = map[string]any{"$ref": "#/components/responses/" + notModified}
	case http.MethodPatch, http.MethodDelete:
		responses["412"] = map[string]any{"$ref": "#/components/responses/" + preconditionFail}
	}
	op["responses"] = responses
	return op
}

func describeResult(rt *Route) string {
	switch rt.Result.Kind {
	case ResultList:
		return "list of " + rt.Result.Type.Name
	case ResultConnection:
		return "page of " + rt.Result.Type.Name + " (a " + rt.Result.Conn.Name + ")"
	case ResultValue:
		return "result"
	}
	return rt.Result.Type.Name
}

func defaultSummary(rt *Route) string {
	switch rt.Kind {
	case KindItem:
		return "One " + rt.Result.Type.Name + " by global ID."
	case KindSub:
		return "The " + rt.Sub.Name + " of one " + pathOwner(rt) + "."
	case KindList:
		return "The " + describeResult(rt) + "."
	}
	return "Runs " + rt.Field.Name + "."
}

func firstSentence(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

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
)

// scalarFormats maps the custom scalars to JSON Schema; a scalar not named
// here is a string. JSON takes any value.
var scalarFormats = map[string]map[string]any{
	"DateTime": {"type": "string", "format": "date-time"},
	"Date":     {"type": "string", "format": "date"},
	JSONScalar: {},
}

// errorsSchema names the error document's component; the dot keeps it
// apart from every GraphQL type name.
const errorsSchema = "rest.Errors"

type schemaGen struct {
	s     *ast.Schema
	comps map[string]any
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

// buildOpenAPI renders the route table as an OpenAPI 3.1 document.
func (a *API) buildOpenAPI() ([]byte, error) {
	g := &schemaGen{s: a.schema, comps: map[string]any{}}
	statuses, codes := errorStatuses()
	codeEnum := make([]any, len(apierr.Codes))
	for i, c := range apierr.Codes {
		codeEnum[i] = string(c)
	}
	g.comps[errorsSchema] = map[string]any{
		"type":        "object",
		"description": "The errors of a failed call, as GraphQL reports them; the HTTP status is that of the first error's code.",
		"required":    []any{"errors"},
		"properties": map[string]any{"errors": map[string]any{"type": "array", "minItems": 1, "items": map[string]any{
			"type": "object", "required": []any{"message", "extensions"},
			"properties": map[string]any{
				"message": map[string]any{"type": "string"},
				"path":    map[string]any{"type": "array", "items": map[string]any{"type": []any{"string", "integer"}}},
				"extensions": map[string]any{"type": "object", "required": []any{"code"}, "properties": map[string]any{
					"code":              map[string]any{"type": "string", "enum": codeEnum},
					"upstream":          map[string]any{"type": "string", "description": "The CRM that caused the error."},
					"parameter":         map[string]any{"type": "string", "description": "The REST parameter at fault: `first`, `filter[createdAtGte]`, `id`, `body.firstName`."},
					"field":             map[string]any{"type": "string", "description": "The GraphQL input path at fault."},
					"outcome":           map[string]any{"type": "string", "enum": []any{"UNKNOWN", "NOT_SENT", "REJECTED"}, "description": "What became of a failed write."},
					"requestId":         map[string]any{"type": "string"},
					"upstreamCode":      map[string]any{"type": "string"},
					"retryAfterSeconds": map[string]any{"type": "integer"},
				}},
			},
		}}},
	}
	responses := map[string]any{}
	addErr := func(status int, desc string) {
		responses[errorResponseName(status)] = map[string]any{"description": desc,
			"content": map[string]any{"application/json": map[string]any{"schema": ref(errorsSchema)}}}
	}
	for _, s := range statuses {
		addErr(s, http.StatusText(s)+": "+strings.Join(codes[s], ", ")+".")
	}
	addErr(http.StatusRequestEntityTooLarge, "Request Entity Too Large: BAD_USER_INPUT (the body is over the limit).")
	addErr(http.StatusUnsupportedMediaType, "Unsupported Media Type: BAD_USER_INPUT (the body is not application/json).")
	addErr(http.StatusMethodNotAllowed, "Method Not Allowed: BAD_USER_INPUT (the Allow header lists the methods).")

	paths := map[string]map[string]any{}
	for _, rt := range a.routes {
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.Method)] = a.operation(g, rt, statuses)
	}
	paths[Prefix+"/openapi.json"] = map[string]any{"get": map[string]any{
		"operationId": "openapi", "summary": "This OpenAPI document.", "tags": []any{"meta"},
		"responses": map[string]any{"200": map[string]any{"description": "The OpenAPI 3.1 document of the facade.",
			"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}}},
	}}
	for name, c := range g.comps {
		if c == nil {
			return nil, fmt.Errorf("rest: OpenAPI component %s was never built", name)
		}
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "CRM Gateway REST facade",
			"version": "1",
			"description": "Every entity of the gateway's CRMs as REST resources, derived from the GraphQL schema and " +
				"served by the same resolvers. Answers carry an entity's scalar fields; relationships are " +
				"sub-resources. Lists answer {items, pageInfo, totalCount}; page with `first` and `after` " +
				"(pageInfo.endCursor). Errors answer {errors: [...]} with extensions.code, the HTTP status " +
				"being that code's. Each operationId names the GraphQL field the route runs.",
		},
		"paths":      paths,
		"components": map[string]any{"schemas": g.comps, "responses": responses},
	}
	return json.Marshal(doc)
}

func (a *API) operation(g *schemaGen, rt *Route, statuses []int) map[string]any {
	op := map[string]any{"operationId": rt.OperationID, "tags": []any{rt.Collection}}
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
	if rt.Kind == KindCreate {
		status = "201"
		if rt.created != "" {
			ok["headers"] = map[string]any{"Location": map[string]any{
				"description": "The created entity's item URL.", "schema": map[string]any{"type": "string"}}}
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

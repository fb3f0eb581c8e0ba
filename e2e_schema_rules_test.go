package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	rkemulator "github.com/crmgateway/gateway/adapters/rkeeper/emulator"
	"github.com/crmgateway/gateway/internal/config"
	"github.com/crmgateway/gateway/internal/domain"
)

// The schema's consistency rules (README "One API: the schema's rules"),
// checked over what the gateway serves: the introspected schema, the
// playground's config and the OpenAPI document, through real HTTP against
// the sandbox emulators.

// introType is one type of an introspection answer, with what the rules
// read.
type introType struct {
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Fields      []struct {
		Name        string       `json:"name"`
		Description string       `json:"description"`
		Args        []introValue `json:"args"`
		Type        introRef     `json:"type"`
	} `json:"fields"`
	InputFields []introValue `json:"inputFields"`
	Interfaces  []introRef   `json:"interfaces"`
	EnumValues  []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"enumValues"`
}

type introValue struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Type        introRef `json:"type"`
}

type introRef struct {
	Kind   string    `json:"kind"`
	Name   string    `json:"name"`
	OfType *introRef `json:"ofType"`
}

// named is the named type under the wrappers; sig is the type as SDL
// writes it.
func (r introRef) named() string {
	for x := &r; x != nil; x = x.OfType {
		if x.Name != "" {
			return x.Name
		}
	}
	return ""
}

func (r introRef) sig() string {
	switch r.Kind {
	case "NON_NULL":
		return r.OfType.sig() + "!"
	case "LIST":
		return "[" + r.OfType.sig() + "]"
	}
	return r.Name
}

type introSchema struct {
	Types      []introType `json:"types"`
	Directives []struct {
		Name string `json:"name"`
	} `json:"directives"`
}

// introspect asks the gateway for its schema as graphql-codegen does.
func introspect(t *testing.T, g *testGateway) introSchema {
	t.Helper()
	r := g.gql(t, introspectionQueries()["graphql-codegen"], nil)
	r.mustData(t)
	var d struct {
		Schema introSchema `json:"__schema"`
	}
	if err := json.Unmarshal(r.Data, &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Schema.Types) < 100 {
		t.Fatalf("introspection answered %d types", len(d.Schema.Types))
	}
	return d.Schema
}

// ownTypes are the schema's types without the introspection types.
func (s introSchema) ownTypes() []introType {
	var out []introType
	for _, t := range s.Types {
		if !strings.HasPrefix(t.Name, "__") {
			out = append(out, t)
		}
	}
	return out
}

func TestSchemaDescriptionsEverywhere(t *testing.T) {
	g := startGateway(t, config.Defaults())
	s := introspect(t, g)
	var missing []string
	note := func(desc, where string) {
		if strings.TrimSpace(desc) == "" {
			missing = append(missing, where)
		}
	}
	for _, ty := range s.ownTypes() {
		note(ty.Description, ty.Name)
		for _, f := range ty.Fields {
			note(f.Description, ty.Name+"."+f.Name)
			for _, a := range f.Args {
				note(a.Description, ty.Name+"."+f.Name+"("+a.Name+":)")
			}
		}
		for _, f := range ty.InputFields {
			note(f.Description, ty.Name+"."+f.Name)
		}
		for _, v := range ty.EnumValues {
			note(v.Description, ty.Name+"."+v.Name)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d schema elements have no description:\n%s", len(missing), strings.Join(missing, "\n"))
	}
}

// Names that one meaning had on some backend before the schema settled on
// one (see CHANGELOG.md); none may come back.
var retiredNames = map[string]string{
	"attributes":       "extra",
	"otherFields":      "extra",
	"dynamicFields":    "extra",
	"created":          "createdAt",
	"dateCreate":       "createdAt",
	"dateOffered":      "createdAt",
	"dateExpired":      "expiresAt",
	"modified":         "updatedAt",
	"dopInfo":          "additionalInfo",
	"typeName":         "type { name }",
	"countryName":      "country { name }",
	"cityName":         "city { name }",
	"streetName":       "street { name }",
	"metroStationName": "metroStation { name }",
}

func TestSchemaNamingRules(t *testing.T) {
	g := startGateway(t, config.Defaults())
	s := introspect(t, g)
	byName := map[string]introType{}
	for _, ty := range s.ownTypes() {
		byName[ty.Name] = ty
	}
	var bad []string
	for _, ty := range s.ownTypes() {
		if ty.Kind != "OBJECT" && ty.Kind != "INTERFACE" {
			continue
		}
		fields := map[string]string{}
		for _, f := range ty.Fields {
			fields[f.Name] = f.Type.sig()
		}
		node := false
		for _, i := range ty.Interfaces {
			node = node || i.Name == "Node"
		}
		for _, f := range ty.Fields {
			where := ty.Name + "." + f.Name
			if to, ok := retiredNames[f.Name]; ok {
				// Solos' action type has a name of its own and no object to
				// read it from.
				if !(f.Name == "typeName" && fields["type"] == "") {
					bad = append(bad, where+": use "+to)
				}
			}
			// A reference the gateway cannot read is the CRM's own id, a
			// String (or a list of them) in a field ending in Id; a global
			// ID is only ever `id` (and DeletePayload.deletedId).
			if strings.HasSuffix(f.Name, "Id") || strings.HasSuffix(f.Name, "Ids") {
				if n := f.Type.named(); n != "String" && !(ty.Name == "DeletePayload" && f.Name == "deletedId") {
					bad = append(bad, where+": a raw id is a String, not "+f.Type.sig())
				}
			}
			if f.Type.named() == "ID" && f.Name != "id" && f.Name != "deletedId" {
				bad = append(bad, where+": an ID-typed output field other than id")
			}
			// A name embedded beside a readable object duplicates it.
			if base, ok := strings.CutSuffix(f.Name, "Name"); ok && base != "" {
				if sig, ok := fields[base]; ok && byName[strings.Trim(sig, "[]!")].Kind == "OBJECT" {
					bad = append(bad, where+": the name is "+base+" { name }")
				}
			}
			// Times: creation and change have one name each.
			switch f.Type.named() {
			case "DateTime", "LocalDateTime", "Date":
				lower := strings.ToLower(f.Name)
				if strings.Contains(lower, "creat") && f.Name != "createdAt" {
					bad = append(bad, where+": creation time is createdAt")
				}
				if (strings.Contains(lower, "updat") || strings.Contains(lower, "modif")) && f.Name != "updatedAt" {
					bad = append(bad, where+": modification time is updatedAt")
				}
			}
			// A status with fixed values is an enum or a relationship.
			if f.Name == "status" && f.Type.named() == "String" {
				bad = append(bad, where+": status is a String")
			}
		}
		if node && ty.Kind == "OBJECT" {
			if sig, ok := fields["extra"]; !ok || sig != "JSON" {
				bad = append(bad, ty.Name+": every node has extra: JSON (nullable), got "+sig)
			}
		}
	}
	// Input fields follow the same names, except <Type>Filter fields, which
	// are the upstream's filter keys by contract.
	for _, ty := range s.ownTypes() {
		if ty.Kind != "INPUT_OBJECT" || strings.HasSuffix(ty.Name, "Filter") {
			continue
		}
		for _, f := range ty.InputFields {
			if to, ok := retiredNames[f.Name]; ok {
				bad = append(bad, ty.Name+"."+f.Name+": use "+to)
			}
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("%d fields break the naming rules:\n%s", len(bad), strings.Join(bad, "\n"))
	}
}

// get fetches path from the gateway and returns the body.
func get(t *testing.T, g *testGateway, path string) string {
	t.Helper()
	resp, err := http.Get(g.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}

func TestServedSchemaHasNoInternalDirectives(t *testing.T) {
	g := startGateway(t, config.Defaults())
	s := introspect(t, g)
	var names []string
	for _, d := range s.Directives {
		names = append(names, d.Name)
	}
	sort.Strings(names)
	// What a client may use: the spec's directives, nothing of gqlgen's
	// and no @defer, which the gateway does not deliver incrementally.
	want := []string{"deprecated", "include", "oneOf", "skip", "specifiedBy"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("directives = %v, want %v", names, want)
	}
	for _, path := range []string{"/playground/config.json", "/rest/v1/openapi.json"} {
		body := get(t, g, path)
		for _, internal := range []string{"goField", "goModel", "goTag", "@defer"} {
			if strings.Contains(body, internal) {
				t.Errorf("%s mentions %s", path, internal)
			}
		}
	}
	// An operation that asks for @defer is refused, not answered as if the
	// directive were not there.
	r := g.gql(t, `{ countries { id ... @defer { name } } }`, nil)
	if r.Data != nil && string(r.Data) != "null" || len(r.Errors) != 1 ||
		!strings.Contains(r.Errors[0].Message, "defer") || r.codes()[0] != "BAD_USER_INPUT" {
		t.Errorf("@defer answer: %s", r.Raw)
	}
}

// An r_keeper client whose texts the upstream leaves empty ("") answers
// null for them, as SynergyCRM does for what it does not have.
func TestRKeeperEmptyTextIsNull(t *testing.T) {
	emu := rkemulator.New()
	upstream := httptest.NewServer(emu)
	t.Cleanup(upstream.Close)
	cfg := config.Defaults()
	cfg.RKeeper.BaseURL = upstream.URL + rkemulator.BasePath + "/"
	cfg.RKeeper.SID = emu.SID
	cfg.RKeeper.ObjectID = emu.ObjectID
	g := startGateway(t, cfg)
	r := g.gql(t, `mutation($in: CreateClientInput!) { createClient(input: $in) { client { id sourceId } } }`,
		map[string]any{"in": map[string]any{"firstName": "Анна", "addresses": []any{
			map[string]any{"typeId": rkID(domain.RKAddressTypes, "1"), "cityId": rkMoscowID, "streetId": rkTverID, "house": "7"},
		}}})
	var created struct {
		CreateClient struct{ Client struct{ ID, SourceID string } }
	}
	rkDecode(t, r, &created)
	id := created.CreateClient.Client.ID
	// What the upstream answers for it: the texts left out are "".
	req, _ := http.NewRequest(http.MethodGet, upstream.URL+rkemulator.BasePath+"/Clients?Id="+
		created.CreateClient.Client.SourceID+"&objectId="+emu.ObjectID, nil)
	req.Header.Set("sid", emu.SID)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, empty := range []string{`"lastname":""`, `"middlename":""`, `"note":""`, `"region":""`, `"dopInfo":""`} {
		if !strings.Contains(string(body), empty) {
			t.Fatalf("the upstream's client has no %s: %s", empty, body)
		}
	}
	r = g.gql(t, `query($id: ID!) { client(id: $id) {
		firstName lastName middleName note birthday
		addresses { zip region house building entry floor apartments entryCode additionalInfo lat extra }
		extra } }`, map[string]any{"id": id})
	var got struct {
		Client map[string]any
	}
	rkDecode(t, r, &got)
	c := got.Client
	if c["firstName"] != "Анна" {
		t.Errorf("firstName = %v", c["firstName"])
	}
	for _, k := range []string{"lastName", "middleName", "note", "birthday", "extra"} {
		if v, ok := c[k]; !ok || v != nil {
			t.Errorf("client.%s = %#v, want null", k, v)
		}
	}
	addrs, _ := c["addresses"].([]any)
	if len(addrs) != 1 {
		t.Fatalf("addresses = %v", c["addresses"])
	}
	a := addrs[0].(map[string]any)
	if a["house"] != "7" {
		t.Errorf("house = %v", a["house"])
	}
	for _, k := range []string{"zip", "region", "building", "entry", "floor", "apartments", "entryCode", "additionalInfo", "lat", "extra"} {
		if v, ok := a[k]; !ok || v != nil {
			t.Errorf("address.%s = %#v, want null", k, v)
		}
	}
}

// Every input error is BAD_USER_INPUT and names its input in
// extensions.field, whoever finds it: the validator (a literal argument),
// gqlgen's variable coercion, or a resolver; a missing required input has
// one wording, "<field> is required".
func TestInputErrorsNameTheirField(t *testing.T) {
	g := startGateway(t, config.Defaults())
	cursor := `"` + "bm90LWEtY3Vyc29y" + `"`
	for _, c := range []struct {
		name, query string
		vars        map[string]any
		field, msg  string
	}{
		{"missing required variable", `query($id: ID!) { client(id: $id) { id } }`, nil, "id", "id is required"},
		{"missing required field of a variable", `mutation($in: CreateClientInput!) { createClient(input: $in) { client { id } } }`,
			map[string]any{"in": map[string]any{}}, "in.firstName", "in.firstName is required"},
		{"variable of the wrong type", `query($n: Int) { contacts(first: $n) { totalCount } }`, map[string]any{"n": "x"}, "n",
			"n is not a valid value: cannot use string as Int"},
		{"unknown field of a variable", `query($o: ProjectOrderBy) { projects(orderBy: $o) { totalCount } }`,
			map[string]any{"o": map[string]any{"fieldd": "ID"}}, "o.fieldd", "o.fieldd is unknown"},
		{"missing required argument", `{ client { id } }`, nil, "id", "id is required"},
		{"missing required input field", `mutation { createClient(input: {}) { client { id } } }`, nil, "input.firstName", "input.firstName is required"},
		{"literal of the wrong type", `{ contacts(first: "x") { totalCount } }`, nil, "first",
			`first is not a valid value: Int cannot represent non-integer value: "x"`},
		{"literal of the wrong type inside an input", `mutation { createClient(input: {firstName: 5}) { client { id } } }`, nil, "input.firstName", ""},
		{"unknown enum value", `{ projects(orderBy: {field: NOPE}) { totalCount } }`, nil, "orderBy.field", ""},
		{"unknown argument", `{ contacts(firstt: 1) { totalCount } }`, nil, "firstt", `firstt is unknown. Did you mean "first"?`},
		{"unknown input field", `{ projects(orderBy: {field: ID, fieldd: ID}) { totalCount } }`, nil, "orderBy.fieldd", `orderBy.fieldd is unknown. Did you mean "field"?`},
		{"a scalar's refusal", `{ projects(filter: {created: {from: "2021-13-01", to: "2022-01-01"}}) { totalCount } }`, nil,
			"filter.created.from", `filter.created.from is not a valid value: "2021-13-01" is not a date such as 2022-02-22`},
		{"first out of range (SynergyCRM)", `{ contacts(first: 101) { totalCount } }`, nil, "first", "first must be between 0 and 100, got 101"},
		{"first out of range (Solos)", `{ projects(first: 101) { totalCount } }`, nil, "first", "first must be between 0 and 100, got 101"},
		{"last without before", `{ projects(last: 3) { totalCount } }`, nil, "last", "last needs before: this list pages backward from a cursor"},
		{"first with last", `{ contacts(first: 2, last: 3) { totalCount } }`, nil, "last", ""},
		{"not a cursor (SynergyCRM)", `{ deals(after: ` + cursor + `) { totalCount } }`, nil, "after", "after is not a cursor of this list"},
		{"not a cursor (Solos)", `{ projects(last: 2, before: ` + cursor + `) { totalCount } }`, nil, "before", "before is not a cursor of this list"},
		{"not a global ID", `{ contact(id: "abc") { id } }`, nil, "id", "id is not a valid global ID"},
		{"a global ID of another type", `query($id: ID!) { project(id: $id) { id } }`,
			map[string]any{"id": rkMoscowID}, "id", "id is a rkeeper cities ID, not a solos projects ID"},
		{"a child ID without its parent", `query($id: ID!) { streets(cityId: $id) { id } }`,
			map[string]any{"id": rkID(domain.RKCities, rkMoscow)}, "cityId", "cityId is not a valid global ID"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := g.gql(t, c.query, c.vars)
			if len(r.Errors) != 1 {
				t.Fatalf("errors: %s", r.Raw)
			}
			e := r.Errors[0]
			if e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["field"] != c.field {
				t.Errorf("extensions = %v, want field %q: %s", e.Extensions, c.field, r.Raw)
			}
			if c.msg != "" && e.Message != c.msg {
				t.Errorf("message = %q, want %q", e.Message, c.msg)
			}
		})
	}
}

// Backward pages are the pages forward gives, on every backend, and
// their pageInfo says what lies on either side.
func TestBackwardPaging(t *testing.T) {
	g := startGateway(t, config.Defaults())
	type page struct {
		Edges []struct {
			Cursor string
			Node   struct{ ID string }
		}
		PageInfo struct {
			HasNextPage, HasPreviousPage bool
			StartCursor, EndCursor       *string
		}
	}
	for _, list := range []string{"contacts", "deals", "projects"} {
		t.Run(list, func(t *testing.T) {
			read := func(args string) page {
				r := g.gql(t, `{ l: `+list+`(`+args+`) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, nil)
				var d struct{ L page }
				rkDecode(t, r, &d)
				return d.L
			}
			all := read("first: 7")
			if len(all.Edges) != 7 {
				t.Fatalf("%d records in the first page, the test needs 7", len(all.Edges))
			}
			back := read(`last: 3, before: "` + all.Edges[5].Cursor + `"`)
			if len(back.Edges) != 3 {
				t.Fatalf("backward page of %d", len(back.Edges))
			}
			for i, e := range back.Edges {
				if e.Node.ID != all.Edges[2+i].Node.ID || e.Cursor != all.Edges[2+i].Cursor {
					t.Errorf("edge %d = %+v, want %+v", i, e, all.Edges[2+i])
				}
			}
			if !back.PageInfo.HasNextPage || !back.PageInfo.HasPreviousPage ||
				*back.PageInfo.StartCursor != all.Edges[2].Cursor || *back.PageInfo.EndCursor != all.Edges[4].Cursor {
				t.Errorf("pageInfo = %+v", back.PageInfo)
			}
			// At the start the page is short and has nothing before it.
			head := read(`last: 5, before: "` + all.Edges[2].Cursor + `"`)
			if len(head.Edges) != 2 || head.Edges[0].Node.ID != all.Edges[0].Node.ID || head.PageInfo.HasPreviousPage {
				t.Errorf("first backward page = %+v", head)
			}
			// Before the first record, and a page of none, are empty pages that
			// still say what follows.
			for _, args := range []string{`last: 2, before: "` + all.Edges[0].Cursor + `"`, "first: 0"} {
				none := read(args)
				if len(none.Edges) != 0 || !none.PageInfo.HasNextPage || none.PageInfo.HasPreviousPage || none.PageInfo.StartCursor != nil {
					t.Errorf("%s: %+v", args, none)
				}
			}
			// Forward from the backward page's end continues where it stopped.
			next := read(`first: 2, after: "` + *back.PageInfo.EndCursor + `"`)
			if len(next.Edges) != 2 || next.Edges[0].Node.ID != all.Edges[5].Node.ID {
				t.Errorf("forward after the backward page = %+v", next)
			}
		})
	}
}

// extra is what no field maps, on every backend: null on a SynergyCRM deal
// whose attributes all have fields, everything on a type the docs do not
// describe (a deal's source), a Solos project's own dynamic fields without
// the two that have fields.
func TestExtraIsWhatNoFieldMaps(t *testing.T) {
	g := startGateway(t, config.Defaults())
	r := g.gql(t, `{ deals(first: 20) { nodes { extra source { sourceId extra } } }
		projects(first: 20) { nodes { clientId contractDate extra } } }`, nil)
	var d struct {
		Deals struct {
			Nodes []struct {
				Extra  json.RawMessage
				Source *struct {
					SourceID string
					Extra    map[string]any
				}
			}
		}
		Projects struct {
			Nodes []struct {
				ClientID     []string
				ContractDate *string
				Extra        map[string]any
			}
		}
	}
	rkDecode(t, r, &d)
	sources, dynamic := 0, 0
	for _, n := range d.Deals.Nodes {
		if string(n.Extra) != "null" {
			t.Errorf("a deal's extra = %s, want null (every documented attribute has a field)", n.Extra)
		}
		if n.Source != nil {
			sources++
			if len(n.Source.Extra) == 0 {
				t.Errorf("source %s: extra is empty, want its attributes", n.Source.SourceID)
			}
		}
	}
	for _, p := range d.Projects.Nodes {
		if p.Extra == nil {
			continue
		}
		dynamic++
		for _, typed := range []string{"client_id", "contract_date", "name", "created", "price"} {
			if _, ok := p.Extra[typed]; ok {
				t.Errorf("project extra holds %s, which has a field: %v", typed, p.Extra)
			}
		}
	}
	if sources == 0 || dynamic == 0 {
		t.Fatalf("the sandbox gave %d deal sources and %d projects with dynamic fields; the test needs some", sources, dynamic)
	}
}

package rest

import (
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/crmgateway/gateway/graph"
	"github.com/crmgateway/gateway/graph/generated"
)

func gatewaySchema() *ast.Schema {
	return generated.NewExecutableSchema((&graph.Resolver{}).Config()).Schema()
}

// shapesSDL exercises what the SynergyCRM schema does not: plain lists
// with required arguments, items without a list field, types read through
// node(id:), nested writes of sub-entities, edges-only connections, an
// enum, nested input objects, argument defaults, a scalar-returning
// mutation and a union sub-resource. It is shaped like the Solos and
// r_keeper schemas.
const shapesSDL = `
scalar DateTime
scalar JSON
interface Node { id: ID! }
type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }
type DeletePayload { deletedId: ID! }
type Query {
  node(id: ID!): Node
  nodes(ids: [ID!]!): [Node]!
  "Projects, paged."
  projects(first: Int = 20, after: String, filter: ProjectFilter, deleted: Boolean = false): ProjectConnection
  project(id: ID!): Project
  projectAction(id: ID!): ProjectAction
  client(id: ID!): Client
  countries: [Country!]
  cities(countryId: ID!): [City!]
}
type Mutation {
  createClient(input: CreateClientInput!): ClientPayload
  updateClient(id: ID!, input: UpdateClientInput!): ClientPayload
  deleteClient(id: ID!): DeletePayload
  addClientContact(clientId: ID!, input: ClientContactInput!): ClientPayload
  updateClientContact(clientId: ID!, contactId: ID!, input: ClientContactInput!): ClientPayload
  deleteClientContact(clientId: ID!, contactId: ID!): ClientPayload
  createCity(countryId: ID!, input: CityInput!): CityPayload
  recalculate(projectId: ID!, force: Boolean): Boolean
}
enum ProjectStage { NEW WON LOST }
union Owner = Client | Country
type Project implements Node {
  id: ID!
  name: String
  created: DateTime
  stage: ProjectStage!
  data: JSON!
  tags: [String!]!
  title(lang: String!): String
  payments(first: Int = 20, after: String, filter: PaymentFilter): PaymentConnection
  actions(first: Int): ActionConnection
  owner: Owner
}
type ProjectAction implements Node { id: ID! note: String }
type Payment implements Node { id: ID! amount: Float }
type PaymentEdge { cursor: String! node: Payment! }
type PaymentConnection { edges: [PaymentEdge!]! nodes: [Payment!]! pageInfo: PageInfo! totalCount: Int }
type ActionEdge { cursor: String! node: ProjectAction! }
type ActionConnection { edges: [ActionEdge!]! pageInfo: PageInfo! }
type ProjectEdge { cursor: String! node: Project! }
type ProjectConnection { edges: [ProjectEdge!]! nodes: [Project!]! pageInfo: PageInfo! totalCount: Int }
input ProjectFilter { stage: ProjectStage created: DateRange ids: [ID!] data: JSON }
input DateRange { from: DateTime! to: DateTime }
input PaymentFilter { minAmount: Float }
type Client implements Node { id: ID! firstName: String! contacts: [ClientContact!]! addresses: [ClientAddress!]! }
type ClientContact implements Node { id: ID! value: String! }
type ClientAddress implements Node { id: ID! city: City }
type Country implements Node { id: ID! name: String! cities: [City!] }
type City implements Node { id: ID! name: String! country: Country }
input CreateClientInput { firstName: String! }
input UpdateClientInput { firstName: String }
input ClientContactInput { value: String! }
input CityInput { name: String! }
type ClientPayload { client: Client }
type CityPayload { city: City }
`

func loadSDL(t testing.TB, sdl string) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "test.graphqls", Input: sdl})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func routeIndex(routes []*Route) map[string]*Route {
	out := map[string]*Route{}
	for _, rt := range routes {
		out[rt.Method+" "+rt.Path] = rt
	}
	return out
}

func paramNames(rt *Route) []string {
	var out []string
	for _, p := range rt.Params {
		out = append(out, p.In+":"+p.Name)
	}
	return out
}

// The contract's resources (DESIGN.md) and the rest of SynergyCRM's.
func TestGatewayRouteTable(t *testing.T) {
	routes, err := Build(gatewaySchema())
	if err != nil {
		t.Fatal(err)
	}
	idx := routeIndex(routes)
	want := map[string]string{
		"GET /rest/v1/contacts":                             "query.contacts",
		"GET /rest/v1/contacts/{id}":                        "query.contact",
		"GET /rest/v1/companies":                            "query.companies",
		"GET /rest/v1/companies/{id}/bank-details":          "query.company.bankDetails",
		"GET /rest/v1/deals":                                "query.deals",
		"GET /rest/v1/deals/{id}/company":                   "query.deal.company",
		"GET /rest/v1/deal-stage-categories":                "query.dealStageCategories",
		"GET /rest/v1/deal-stage-categories/{id}":           "query.dealStageCategory",
		"GET /rest/v1/deal-loss-reasons":                    "query.dealLossReasons",
		"GET /rest/v1/orders/{id}":                          "query.order",
		"GET /rest/v1/order-statuses":                       "query.orderStatuses",
		"GET /rest/v1/contracts/{id}/first-party":           "query.contract.firstParty",
		"GET /rest/v1/contact-statuses":                     "query.contactStatuses",
		"GET /rest/v1/company-types":                        "query.companyTypes",
		"GET /rest/v1/diary-events":                         "query.diaryEvents",
		"POST /rest/v1/contacts":                            "mutation.createContact",
		"PATCH /rest/v1/contacts/{id}":                      "mutation.updateContact",
		"DELETE /rest/v1/contacts/{id}":                     "mutation.deleteContact",
		"POST /rest/v1/deal-stage-categories":               "mutation.createDealStageCategory",
		"DELETE /rest/v1/company-bank-details/{id}":         "mutation.deleteCompanyBankDetail",
		"PATCH /rest/v1/order-loss-reasons/{id}":            "mutation.updateOrderLossReason",
		"GET /rest/v1/company-bank-details/{id}/company":    "query.companyBankDetail.company",
		"GET /rest/v1/deal-stages/{id}/deal-stage-category": "query.dealStage.dealStageCategory",
	}
	for key, op := range want {
		rt := idx[key]
		if rt == nil {
			t.Errorf("no route %s", key)
			continue
		}
		if rt.Runs != op {
			t.Errorf("%s runs %s, want %s", key, rt.Runs, op)
		}
	}
	// Every connection field is a collection with an item route; a type
	// with create/update/delete mutations has the three writes.
	schema := gatewaySchema()
	for _, f := range schema.Query.Fields {
		if !strings.HasSuffix(f.Type.Name(), "Connection") {
			continue
		}
		base := "/rest/v1/" + kebab(f.Name)
		typ := strings.TrimSuffix(f.Type.Name(), "Connection")
		keys := []string{"GET " + base, "GET " + base + "/{id}"}
		for verb, k := range map[string]string{"create": "POST " + base, "update": "PATCH " + base + "/{id}", "delete": "DELETE " + base + "/{id}"} {
			if schema.Mutation != nil && schema.Mutation.Fields.ForName(verb+typ) != nil {
				keys = append(keys, k)
			}
		}
		for _, k := range keys {
			if idx[k] == nil {
				t.Errorf("no route %s", k)
			}
		}
	}
	if got := paramNames(idx["GET /rest/v1/contacts"]); !slices.Equal(got, []string{"query:first", "query:after", "query:last", "query:before", "query:filter"}) {
		t.Errorf("contacts params = %v", got)
	}
	if idx["GET /rest/v1/nodes"] != nil || idx["GET /rest/v1/node/{id}"] != nil {
		t.Error("node and nodes return interfaces; they are GraphQL-only")
	}
}

func TestDerivationRules(t *testing.T) {
	routes, err := Build(loadSDL(t, shapesSDL))
	if err != nil {
		t.Fatal(err)
	}
	idx := routeIndex(routes)
	cases := []struct {
		route, op string
		kind      Kind
		params    []string
		body      string // the body's GraphQL argument, "*" for one member per argument
	}{
		{"GET /rest/v1/projects", "query.projects", KindList, []string{"query:first", "query:after", "query:filter", "query:deleted"}, ""},
		{"GET /rest/v1/countries", "query.countries", KindList, nil, ""},
		{"GET /rest/v1/cities", "query.cities", KindList, []string{"query:countryId"}, ""},
		{"GET /rest/v1/projects/{id}", "query.project", KindItem, []string{"path:id"}, ""},
		{"GET /rest/v1/project-actions/{id}", "query.projectAction", KindItem, []string{"path:id"}, ""},
		{"GET /rest/v1/clients/{id}", "query.client", KindItem, []string{"path:id"}, ""},
		{"GET /rest/v1/countries/{id}", "query.node.Country", KindItem, []string{"path:id"}, ""},
		{"GET /rest/v1/cities/{id}", "query.node.City", KindItem, []string{"path:id"}, ""},
		{"GET /rest/v1/projects/{id}/payments", "query.project.payments", KindSub, []string{"path:id", "query:first", "query:after", "query:filter"}, ""},
		{"GET /rest/v1/projects/{id}/actions", "query.project.actions", KindSub, []string{"path:id", "query:first"}, ""},
		{"GET /rest/v1/projects/{id}/owner", "query.project.owner", KindSub, []string{"path:id"}, ""},
		{"GET /rest/v1/clients/{id}/contacts", "query.client.contacts", KindSub, []string{"path:id"}, ""},
		{"GET /rest/v1/clients/{id}/addresses", "query.client.addresses", KindSub, []string{"path:id"}, ""},
		{"GET /rest/v1/countries/{id}/cities", "query.node.Country.cities", KindSub, []string{"path:id"}, ""},
		{"GET /rest/v1/cities/{id}/country", "query.node.City.country", KindSub, []string{"path:id"}, ""},
		{"POST /rest/v1/clients", "mutation.createClient", KindCreate, nil, "input"},
		{"PATCH /rest/v1/clients/{id}", "mutation.updateClient", KindUpdate, []string{"path:id"}, "input"},
		{"DELETE /rest/v1/clients/{id}", "mutation.deleteClient", KindDelete, []string{"path:id"}, ""},
		{"POST /rest/v1/clients/{id}/contacts", "mutation.addClientContact", KindCreate, []string{"path:id"}, "input"},
		{"PATCH /rest/v1/clients/{id}/contacts/{contactId}", "mutation.updateClientContact", KindUpdate, []string{"path:id", "path:contactId"}, "input"},
		{"DELETE /rest/v1/clients/{id}/contacts/{contactId}", "mutation.deleteClientContact", KindDelete, []string{"path:id", "path:contactId"}, ""},
		{"POST /rest/v1/cities", "mutation.createCity", KindCreate, []string{"query:countryId"}, "input"},
		{"POST /rest/v1/recalculate", "mutation.recalculate", KindAction, nil, "*"},
	}
	for _, c := range cases {
		t.Run(c.route, func(t *testing.T) {
			rt := idx[c.route]
			if rt == nil {
				t.Fatalf("no route")
			}
			if rt.Runs != c.op || rt.Kind != c.kind {
				t.Errorf("runs %s (%s), want %s (%s)", rt.Runs, rt.Kind, c.op, c.kind)
			}
			if got := paramNames(rt); !slices.Equal(got, c.params) {
				t.Errorf("params = %v, want %v", got, c.params)
			}
			body := ""
			if rt.Body != nil {
				body = "*"
				if rt.Body.Param != nil {
					body = rt.Body.Param.Arg.Name
				}
			}
			if body != c.body {
				t.Errorf("body = %q, want %q", body, c.body)
			}
		})
	}
	if len(routes) != len(cases) {
		var got []string
		for _, rt := range routes {
			got = append(got, rt.Method+" "+rt.Path)
		}
		t.Errorf("%d routes, want %d: %v", len(routes), len(cases), got)
	}
	// The nested path parameter {id} fills the parent's argument.
	if p := idx["PATCH /rest/v1/clients/{id}/contacts/{contactId}"].Params[0]; p.Arg.Name != "clientId" || p.Var != "clientId" {
		t.Errorf("{id} fills %s", p.Arg.Name)
	}
	if rt := idx["POST /rest/v1/clients"]; rt.created != "Client" {
		t.Errorf("createClient answers a Client with its Location; created = %q", rt.created)
	}
	if rt := idx["POST /rest/v1/clients/{id}/contacts"]; rt.created != "" {
		t.Errorf("addClientContact answers the client, not the created contact: no Location; created = %q", rt.created)
	}
}

// Every route's GraphQL operation is valid against its schema, selects
// scalars only and reaches the value where Result.Path says.
func TestDocumentsAreValidGraphQL(t *testing.T) {
	for name, s := range map[string]*ast.Schema{"gateway": gatewaySchema(), "shapes": loadSDL(t, shapesSDL)} {
		routes, err := Build(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, rt := range routes {
			doc, errs := gqlparser.LoadQueryWithRules(s, rt.Document, rules.NewDefaultRules())
			if len(errs) > 0 {
				t.Errorf("%s %s %s: %v\n%s", name, rt.Method, rt.Path, errs, rt.Document)
				continue
			}
			if len(doc.Operations) != 1 || len(doc.Operations[0].VariableDefinitions) != len(rt.allParams()) {
				t.Errorf("%s %s: every parameter is one variable\n%s", rt.Method, rt.Path, rt.Document)
			}
		}
	}
	idx := routeIndex(mustBuild(t, loadSDL(t, shapesSDL)))
	for route, want := range map[string]string{
		"GET /rest/v1/countries/{id}/cities":               `query($id: ID!) { node(id: $id) { __typename ... on Country { cities { id name } } } }`,
		"GET /rest/v1/projects/{id}/owner":                 `query($id: ID!) { project(id: $id) { owner { __typename ... on Client { id firstName } ... on Country { id name } } } }`,
		"GET /rest/v1/projects/{id}/actions":               `query($id: ID!, $sub_first: Int) { project(id: $id) { actions(first: $sub_first) { edges { node { id note } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`,
		"PATCH /rest/v1/clients/{id}/contacts/{contactId}": `mutation($clientId: ID!, $contactId: ID!, $input: ClientContactInput!) { updateClientContact(clientId: $clientId, contactId: $contactId, input: $input) { client { id firstName } } }`,
		"GET /rest/v1/projects/{id}":                       `query($id: ID!) { project(id: $id) { id name created stage data tags } }`,
		"POST /rest/v1/recalculate":                        `mutation($projectId: ID!, $force: Boolean) { recalculate(projectId: $projectId, force: $force) }`,
	} {
		if got := idx[route].Document; got != want {
			t.Errorf("%s:\n got %s\nwant %s", route, got, want)
		}
	}
}

func mustBuild(t testing.TB, s *ast.Schema) []*Route {
	t.Helper()
	routes, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	return routes
}

func TestConflictingRoutesAreRefused(t *testing.T) {
	s := loadSDL(t, `
type Query { fooBars: [Foo!] foo_bars: [Foo!] }
type Foo { id: ID! }`)
	_, err := Build(s)
	if err == nil || !strings.Contains(err.Error(), "GET /rest/v1/foo-bars: both query.fooBars and query.foo_bars") {
		t.Fatalf("err = %v", err)
	}
	if _, err := New(s); err == nil {
		t.Fatal("New must refuse it too")
	}
}

func TestNaming(t *testing.T) {
	for in, want := range map[string]string{
		"contacts": "contacts", "dealStageCategories": "deal-stage-categories", "addClientContact": "add-client-contact",
		"sourceURL": "source-url", "HTTPServer": "http-server", "metroStations": "metro-stations", "foo_bar": "foo-bar",
		"v2Items": "v2-items",
	} {
		if got := kebab(in); got != want {
			t.Errorf("kebab(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"client": "clients", "category": "categories", "day": "days", "address": "addresses", "status": "statuses",
		"box": "boxes", "match": "matches", "projectAction": "projectActions", "dealStageCategory": "dealStageCategories",
	} {
		if got := plural(in); got != want {
			t.Errorf("plural(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string][2]string{
		"createContact": {"create", "Contact"}, "addClientAddress": {"add", "ClientAddress"}, "recalculate": {"recalculate", ""},
	} {
		if v, r := splitVerb(in); v != want[0] || r != want[1] {
			t.Errorf("splitVerb(%q) = %q %q", in, v, r)
		}
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	solosemu "github.com/crmgateway/gateway/adapters/solos/emulator"
	synergyemu "github.com/crmgateway/gateway/adapters/synergy/emulator"
	"github.com/crmgateway/gateway/internal/caller"
	"github.com/crmgateway/gateway/internal/config"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/globalid"
	"github.com/vektah/gqlparser/v2/ast"
)

// startCommon is a gateway in front of the three emulators, open to all.
func startCommon(t testing.TB, tune func(*crmSet, *config.Config)) (*crmSet, *testGateway) {
	t.Helper()
	crms := startCRMs(t, "common")
	cfg := config.Defaults()
	if tune != nil {
		tune(crms, &cfg)
	}
	cfg.Synergy, cfg.Solos, cfg.RKeeper = crms.synergy, crms.sol, crms.rkeeper
	cfg.Auth.Mode = "none"
	cfg.MetricsAddr = "127.0.0.1:0"
	return crms, startGateway(t, cfg)
}

// decode unmarshals a response's data, failing on errors.
func decodeData(t testing.TB, r *gqlResponse, v any) {
	t.Helper()
	r.mustData(t)
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("data: %v: %s", err, r.Raw)
	}
}

func attrString(e *synergyemu.Emulator, typ, id, attr string) string {
	v, _ := e.Attr(typ, id, attr)
	s, _ := v.(string)
	return strings.TrimSpace(s)
}

type commonPhone struct {
	Number    string
	Kind      string
	Extension *string
}

type commonProvenance struct {
	Backend   string
	SourceID  string
	FetchedAt string
	Origin    string
	Raw       json.RawMessage
}

// TestCommonModelOverSynergy: a SynergyCRM contact, company, deal and
// order read as Person, Organization and Opportunity give the values of
// the upstream record (sparse fieldsets ask for what the common fields
// need), and each node's provenance carries the resource object as sent.
func TestCommonModelOverSynergy(t *testing.T) {
	crms, g := startCommon(t, nil)
	contacts := crms.syn.IDs("contacts")
	var phoneful string
	for _, id := range contacts {
		if attrString(crms.syn, "contacts", id, "work-phone") != "" && attrString(crms.syn, "contacts", id, "email") != "" {
			phoneful = id
			break
		}
	}
	if phoneful == "" {
		t.Fatal("the seed has no contact with a work phone and an e-mail")
	}
	before := crms.syn.Count()
	r := g.gql(t, `query($id: ID!) { contact(id: $id) { ... on Person { displayName phones { number kind extension } emails { address kind }
		provenance { backend sourceId origin fetchedAt raw } } } }`,
		map[string]any{"id": globalid.Encode(globalid.Synergy, "contacts", phoneful)})
	var d struct {
		Contact struct {
			DisplayName string
			Phones      []commonPhone
			Emails      []struct{ Address, Kind string }
			Provenance  commonProvenance
		}
	}
	decodeData(t, r, &d)
	if n := crms.syn.Count() - before; n != 1 {
		t.Fatalf("one contact with its common fields cost %d SynergyCRM requests, want 1", n)
	}
	c := d.Contact
	wantName := strings.Join(slices.DeleteFunc([]string{attrString(crms.syn, "contacts", phoneful, "first-name"),
		attrString(crms.syn, "contacts", phoneful, "middle-name"), attrString(crms.syn, "contacts", phoneful, "last-name")},
		func(s string) bool { return s == "" }), " ")
	if c.DisplayName != wantName {
		t.Errorf("displayName %q, want %q", c.DisplayName, wantName)
	}
	work := attrString(crms.syn, "contacts", phoneful, "work-phone")
	found := false
	for _, p := range c.Phones {
		if p.Kind == "WORK" && p.Number == work {
			found = true
			ext := attrString(crms.syn, "contacts", phoneful, "work-phone-postfix")
			if (ext == "") != (p.Extension == nil) || p.Extension != nil && *p.Extension != ext {
				t.Errorf("work phone extension %v, want %q", p.Extension, ext)
			}
		}
	}
	if !found {
		t.Errorf("phones %+v lack the WORK phone %q", c.Phones, work)
	}
	if len(c.Emails) == 0 || c.Emails[0].Kind != "MAIN" || c.Emails[0].Address != attrString(crms.syn, "contacts", phoneful, "email") {
		t.Errorf("emails %+v, want the main e-mail first", c.Emails)
	}
	p := c.Provenance
	if p.Backend != "SYNERGY" || p.SourceID != phoneful || p.Origin != "UPSTREAM" {
		t.Errorf("provenance %+v", p)
	}
	if at, err := time.Parse(time.RFC3339, p.FetchedAt); err != nil || time.Since(at) > time.Minute || time.Since(at) < 0 {
		t.Errorf("fetchedAt %q is not the time of this read", p.FetchedAt)
	}
	var raw struct {
		Type, ID   string
		Attributes map[string]any
	}
	if err := json.Unmarshal(p.Raw, &raw); err != nil || raw.Type != "contacts" || raw.ID != phoneful || raw.Attributes["work-phone"] != work {
		t.Errorf("raw record is not the resource object: %s", p.Raw)
	}
	if strings.Contains(string(p.Raw), crms.synergy.Token) {
		t.Error("the raw record carries the upstream token")
	}

	// Lists: phones through an interface fragment alone still get the
	// phone attributes (sparse fieldsets), and deals/orders are opportunities.
	r = g.gql(t, `{ contacts(first: 50) { nodes { sourceId ... on Person { phones { number kind } } } }
		deals(first: 5) { nodes { sourceId amount ... on Opportunity { title value { amount currency } } } }
		orders(first: 5) { nodes { sourceId name ... on Opportunity { title provenance { backend } } } }
		companies(first: 5) { nodes { sourceId ... on Organization { name phones { number kind } emails { address } } } } }`, nil)
	var l struct {
		Contacts struct {
			Nodes []struct {
				SourceID string
				Phones   []commonPhone
			}
		}
		Deals struct {
			Nodes []struct {
				SourceID string
				Amount   *string
				Title    *string
				Value    *struct {
					Amount   string
					Currency *string
				}
			}
		}
		Orders struct {
			Nodes []struct {
				SourceID   string
				Name       *string
				Title      *string
				Provenance struct{ Backend string }
			}
		}
		Companies struct {
			Nodes []struct {
				SourceID string
				Name     *string
				Phones   []commonPhone
			}
		}
	}
	decodeData(t, r, &l)
	for _, n := range l.Contacts.Nodes {
		want := 0
		for _, a := range []string{"general-phone", "mobile-phone", "work-phone", "other-phone", "fax"} {
			if attrString(crms.syn, "contacts", n.SourceID, a) != "" {
				want++
			}
		}
		if len(n.Phones) != want {
			t.Errorf("contact %s: %d phones, the record has %d", n.SourceID, len(n.Phones), want)
		}
	}
	for _, n := range l.Deals.Nodes {
		if (n.Amount == nil) != (n.Value == nil) || n.Value != nil && (n.Value.Amount != *n.Amount || n.Value.Currency != nil) {
			t.Errorf("deal %s: value %+v, amount %v", n.SourceID, n.Value, n.Amount)
		}
		if n.Title == nil || *n.Title != attrString(crms.syn, "deals", n.SourceID, "name") {
			t.Errorf("deal %s: title %v", n.SourceID, n.Title)
		}
	}
	for _, n := range l.Orders.Nodes {
		if deref(n.Title) != deref(n.Name) || n.Provenance.Backend != "SYNERGY" {
			t.Errorf("order %s: title %q, name %q, provenance %v", n.SourceID, deref(n.Title), deref(n.Name), n.Provenance)
		}
	}
	for _, n := range l.Companies.Nodes {
		if n.Name == nil || *n.Name != attrString(crms.syn, "companies", n.SourceID, "name") {
			t.Errorf("company %s: name %v", n.SourceID, n.Name)
		}
		if g := attrString(crms.syn, "companies", n.SourceID, "general-phone"); g != "" && (len(n.Phones) == 0 || n.Phones[0].Kind != "MAIN" || n.Phones[0].Number != g) {
			t.Errorf("company %s: phones %+v, main %q", n.SourceID, n.Phones, g)
		}
	}
}

// TestCommonModelOverRKeeperAndSolos: an r_keeper client is a Person
// whose phones and e-mails come from its contacts typed by the cached
// contact types; reference data says it came from the cache on a second
// read; a Solos project is an Opportunity.
func TestCommonModelOverRKeeperAndSolos(t *testing.T) {
	crms, g := startCommon(t, func(c *crmSet, _ *config.Config) { c.rkeeper.CacheTTL = time.Minute })
	client := globalid.Encode(globalid.RKeeper, domain.RKClients, "10000000009188")
	r := g.gql(t, `query($id: ID!) { node(id: $id) { ... on Person { displayName phones { number kind } emails { address }
		provenance { backend sourceId origin raw } } ... on Client { contacts { value provenance { raw } } } } }`, map[string]any{"id": client})
	var d struct {
		Node struct {
			DisplayName string
			Phones      []commonPhone
			Emails      []struct{ Address string }
			Provenance  commonProvenance
			Contacts    []struct {
				Value      string
				Provenance struct{ Raw map[string]any }
			}
		}
	}
	decodeData(t, r, &d)
	n := d.Node
	if n.DisplayName != "Сергей Витальевич Безногов" {
		t.Errorf("displayName %q", n.DisplayName)
	}
	// The docs' client: type 1 "Телефон домашний" 333, type 2 "Телефон рабочий".
	want := []commonPhone{{Number: "333", Kind: "HOME"}, {Number: "+79998887766", Kind: "WORK"}}
	if fmt.Sprint(n.Phones) != fmt.Sprint(want) || len(n.Emails) != 0 {
		t.Errorf("phones %+v emails %+v, want %+v and none", n.Phones, n.Emails, want)
	}
	var raw map[string]any
	if n.Provenance.Backend != "RKEEPER" || n.Provenance.SourceID != "10000000009188" || n.Provenance.Origin != "UPSTREAM" ||
		json.Unmarshal(n.Provenance.Raw, &raw) != nil || raw["lastname"] != "Безногов" {
		t.Errorf("provenance %+v", n.Provenance)
	}
	if strings.Contains(string(n.Provenance.Raw), crms.rkeeper.SID) {
		t.Error("the raw record carries the sid")
	}
	for _, c := range n.Contacts {
		if c.Provenance.Raw["value"] != c.Value {
			t.Errorf("contact %q: raw %v", c.Value, c.Provenance.Raw)
		}
	}

	origins := func() []string {
		r := g.gql(t, `{ countries { provenance { origin raw } } }`, nil)
		var d struct {
			Countries []struct {
				Provenance struct {
					Origin string
					Raw    map[string]any
				}
			}
		}
		decodeData(t, r, &d)
		var out []string
		for _, c := range d.Countries {
			if c.Provenance.Raw["id"] == nil {
				t.Errorf("a country's raw element lacks its id: %v", c.Provenance.Raw)
			}
			out = append(out, c.Provenance.Origin)
		}
		return slices.Compact(out)
	}
	calls := len(crms.rk.Requests())
	if o := origins(); fmt.Sprint(o) != "[UPSTREAM]" {
		t.Errorf("first read of countries: origins %v", o)
	}
	if o := origins(); fmt.Sprint(o) != "[CACHE]" {
		t.Errorf("second read of countries: origins %v, want CACHE", o)
	}
	if n := len(crms.rk.Requests()) - calls; n != 1 {
		t.Errorf("two reads of countries cost %d r_keeper requests, want 1", n)
	}

	// A write's answer is a fresh record too.
	r = g.gql(t, `mutation($c: ID!) { createCity(countryId: $c, input: {name: "Провенансово"}) { city { sourceId provenance { origin sourceId raw } } } }`,
		map[string]any{"c": rkRussiaID})
	var w struct {
		CreateCity struct {
			City struct {
				SourceID   string
				Provenance struct {
					Origin, SourceID string
					Raw              map[string]any
				}
			}
		}
	}
	decodeData(t, r, &w)
	if c := w.CreateCity.City; c.Provenance.Origin != "UPSTREAM" || c.Provenance.SourceID != c.SourceID || c.Provenance.Raw["name"] != "Провенансово" {
		t.Errorf("created city: %+v", c)
	}

	r = g.gql(t, `{ projects(first: 3) { nodes { sourceId name price ... on Opportunity { title value { amount currency } provenance { backend raw } } } } }`, nil)
	var p struct {
		Projects struct {
			Nodes []struct {
				SourceID    string
				Name, Price *string
				Title       *string
				Value       *struct {
					Amount   string
					Currency *string
				}
				Provenance struct {
					Backend string
					Raw     map[string]any
				}
			}
		}
	}
	decodeData(t, r, &p)
	if len(p.Projects.Nodes) == 0 {
		t.Fatal("no projects")
	}
	for _, x := range p.Projects.Nodes {
		if deref(x.Title) != deref(x.Name) || (x.Price == nil) != (x.Value == nil) ||
			x.Value != nil && x.Value.Amount != *x.Price || x.Provenance.Backend != "SOLOS" || fmt.Sprint(x.Provenance.Raw["id"]) != x.SourceID {
			t.Errorf("project %s: %+v", x.SourceID, x)
		}
	}
}

// TestProvenanceStale: a record served from the last good answer while
// its CRM is down says so, with the time the CRM sent it.
func TestProvenanceStale(t *testing.T) {
	for _, tc := range []struct {
		name, query, list string
		fail              func(*crmSet)
	}{
		{"synergy", `{ deals(first: 2) { nodes { provenance { origin fetchedAt } } } }`, "deals",
			func(c *crmSet) { c.syn.Inject(synergyemu.Fault{Status: 503, Times: 10}) }},
		{"solos", `{ projects(first: 2) { nodes { provenance { origin fetchedAt } } } }`, "projects",
			func(c *crmSet) { c.solos.Inject(solosemu.Fault{Status: 502, Times: 10}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			crms, g := startCommon(t, func(c *crmSet, _ *config.Config) {
				c.synergy.Upstream.StaleFor, c.sol.Upstream.StaleFor = time.Minute, time.Minute
				c.synergy.Upstream.MaxRetries, c.sol.Upstream.MaxRetries = 0, 0
			})
			read := func() []commonProvenance {
				r := g.gql(t, tc.query, nil)
				var d map[string]struct {
					Nodes []struct{ Provenance commonProvenance }
				}
				if err := json.Unmarshal(r.Data, &d); err != nil || len(d[tc.list].Nodes) == 0 {
					t.Fatalf("%s", r.Raw)
				}
				var out []commonProvenance
				for _, n := range d[tc.list].Nodes {
					out = append(out, n.Provenance)
				}
				return out
			}
			first := read()
			tc.fail(crms)
			time.Sleep(20 * time.Millisecond)
			second := read()
			for i, p := range second {
				if first[i].Origin != "UPSTREAM" || p.Origin != "STALE" {
					t.Errorf("record %d: origins %s then %s, want UPSTREAM then STALE", i, first[i].Origin, p.Origin)
				}
				a, _ := time.Parse(time.RFC3339, first[i].FetchedAt)
				b, _ := time.Parse(time.RFC3339, p.FetchedAt)
				if d := b.Sub(a); d < -50*time.Millisecond || d > 50*time.Millisecond {
					t.Errorf("a stale record's fetchedAt %v is not when it was fetched (%v)", b, a)
				}
			}
		})
	}
}

type crossReport struct {
	Backend, Source, Status    string
	Code, Message              *string
	Count                      int
	Pushed, Local, Unsupported []string
}

type crossConn struct {
	Edges []struct {
		Cursor string
		Node   struct {
			Typename   string `json:"__typename"`
			ID         string
			Provenance struct{ SourceID string }
		}
	}
	PageInfo struct {
		HasNextPage, HasPreviousPage bool
		StartCursor, EndCursor       *string
	}
	Backends []crossReport
}

const crossSelection = `{ edges { cursor node { __typename id provenance { sourceId } } }
	pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
	backends { backend source status code message count pushed local unsupported } }`

func opportunitiesPage(t *testing.T, g *testGateway, vars map[string]any) (crossConn, *gqlResponse) {
	t.Helper()
	r := g.gql(t, `query($first: Int, $after: String, $last: Int, $before: String, $filter: OpportunityFilter) {
		opportunities(first: $first, after: $after, last: $last, before: $before, filter: $filter) `+crossSelection+` }`, vars)
	var d struct{ Opportunities crossConn }
	decodeData(t, r, &d)
	return d.Opportunities, r
}

// listAll reads every record of one backend list through its own field.
func listAll(t *testing.T, g *testGateway, field string) []string {
	t.Helper()
	var out []string
	var after *string
	for {
		r := g.gql(t, `query($after: String) { `+field+`(first: 100, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }`,
			map[string]any{"after": after})
		var d map[string]struct {
			Nodes    []struct{ ID string }
			PageInfo struct {
				HasNextPage bool
				EndCursor   *string
			}
		}
		decodeData(t, r, &d)
		for _, n := range d[field].Nodes {
			out = append(out, n.ID)
		}
		if !d[field].PageInfo.HasNextPage {
			return out
		}
		after = d[field].PageInfo.EndCursor
	}
}

// TestOpportunitiesMergeAndPaging: opportunities merges deals, orders and
// projects in the documented order (the n-th of each source before the
// (n+1)-th of any); paging forward with any page size visits each record
// once, paging backward visits the same records in reverse, and each page
// costs each source at most one window (at most two SynergyCRM pages).
func TestOpportunitiesMergeAndPaging(t *testing.T) {
	crms, g := startCommon(t, nil)
	sources := [][]string{listAll(t, g, "deals"), listAll(t, g, "orders"), listAll(t, g, "projects")}
	var want []string
	for k := 0; ; k++ {
		added := false
		for _, s := range sources {
			if k < len(s) {
				want = append(want, s[k])
				added = true
			}
		}
		if !added {
			break
		}
	}
	if len(want) < 20 {
		t.Fatalf("only %d opportunities in the seed", len(want))
	}

	var got []string
	var after *string
	var last crossConn
	for page := 0; ; page++ {
		syn, sol := crms.syn.Count(), len(crms.solos.Requests())
		c, r := opportunitiesPage(t, g, map[string]any{"first": 7, "after": after})
		if n := crms.syn.Count() - syn; n > 4 {
			t.Errorf("page %d cost %d SynergyCRM requests, want at most 2 per list", page, n)
		}
		if n := len(crms.solos.Requests()) - sol; n != 1 {
			t.Errorf("page %d cost %d Solos requests, want 1", page, n)
		}
		if page > 0 != c.PageInfo.HasPreviousPage {
			t.Errorf("page %d: hasPreviousPage %v", page, c.PageInfo.HasPreviousPage)
		}
		total := 0
		for _, b := range c.Backends {
			if b.Status != "OK" {
				t.Errorf("page %d: %+v", page, b)
			}
			total += b.Count
		}
		if total != len(c.Edges) {
			t.Errorf("page %d: the backends count %d nodes, the page has %d", page, total, len(c.Edges))
		}
		if page == 0 && !strings.Contains(r.Raw, `"pushdown"`) {
			t.Errorf("no extensions.pushdown: %s", r.Raw)
		}
		for _, e := range c.Edges {
			got = append(got, e.Node.ID)
		}
		last = c
		if !c.PageInfo.HasNextPage {
			break
		}
		if page > len(want) {
			t.Fatal("paging does not end")
		}
		after = c.PageInfo.EndCursor
	}
	if !slices.Equal(got, want) {
		t.Fatalf("forward paging gave %d records\n%v\nwant %d\n%v", len(got), got, len(want), want)
	}

	// Backward from the last record: everything before it, in order.
	var back []string
	before := last.Edges[len(last.Edges)-1].Cursor
	for page := 0; ; page++ {
		c, _ := opportunitiesPage(t, g, map[string]any{"last": 5, "before": before})
		var ids []string
		for _, e := range c.Edges {
			ids = append(ids, e.Node.ID)
		}
		back = append(ids, back...)
		if !c.PageInfo.HasNextPage {
			t.Errorf("backward page %d: hasNextPage false", page)
		}
		if !c.PageInfo.HasPreviousPage {
			break
		}
		if page > len(want) {
			t.Fatal("backward paging does not end")
		}
		before = *c.PageInfo.StartCursor
	}
	if !slices.Equal(back, want[:len(want)-1]) {
		t.Fatalf("backward paging gave\n%v\nwant\n%v", back, want[:len(want)-1])
	}

	// Cursors belong to their read.
	r := g.gql(t, `query($a: String) { opportunities(first: 2, after: $a, filter: {createdFrom: "2020-01-01"}) { edges { cursor } } }`,
		map[string]any{"a": last.Edges[0].Cursor})
	if fmt.Sprint(r.codes()) != "[BAD_USER_INPUT]" {
		t.Errorf("a cursor of another filter: %s", r.Raw)
	}
	r = g.gql(t, `{ opportunities(last: 2) { edges { cursor } } }`, nil)
	if fmt.Sprint(r.codes()) != "[BAD_USER_INPUT]" {
		t.Errorf("last without before: %s", r.Raw)
	}
}

// TestOpportunitiesPushdown: the creation dates go upstream to every
// source (SynergyCRM filters, the Solos search body), the title is
// matched in the gateway, and a title alone is refused before anything
// is sent.
func TestOpportunitiesPushdown(t *testing.T) {
	crms, g := startCommon(t, nil)
	syn := len(crms.syn.Requests())
	sol := len(crms.solos.Requests())
	r := g.gql(t, `{ opportunities(first: 5, filter: {title: "CRM"}) { edges { cursor } } }`, nil)
	if fmt.Sprint(r.codes()) != "[BAD_USER_INPUT]" || !strings.Contains(r.Raw, "createdFrom") {
		t.Fatalf("a title alone: %s", r.Raw)
	}
	if len(crms.syn.Requests()) != syn || len(crms.solos.Requests()) != sol {
		t.Fatal("a refused read reached a CRM")
	}

	c, resp := opportunitiesPage(t, g, map[string]any{"first": 100, "filter": map[string]any{"createdFrom": "2021-01-01", "createdTo": "2030-12-31", "title": "crm"}})
	synReqs := crms.syn.Requests()[syn:]
	if len(synReqs) == 0 {
		t.Fatal("SynergyCRM was not asked")
	}
	for _, q := range synReqs {
		if q.Query.Get("filter[created-at-gte]") != "2021.01.01 00:00" || q.Query.Get("filter[created-at-lte]") != "2030.12.31 23:59" {
			t.Errorf("SynergyCRM %s was sent %v, want the creation range", q.Path, q.Query)
		}
	}
	solReqs := crms.solos.Requests()[sol:]
	if len(solReqs) != 1 || solReqs[0].Path != "/projects/filter" || !strings.Contains(string(solReqs[0].Body), `"created":"2021-01-01;2030-12-31"`) {
		t.Errorf("Solos was sent %+v, want one project search by creation range", solReqs)
	}
	for _, b := range c.Backends {
		if b.Status != "OK" || fmt.Sprint(b.Pushed) != "[createdFrom createdTo]" || fmt.Sprint(b.Local) != "[title]" {
			t.Errorf("report %+v", b)
		}
	}
	for _, e := range c.Edges {
		if !strings.Contains(strings.ToLower(titleOf(t, g, e.Node.ID)), "crm") {
			t.Errorf("%s does not match the title", e.Node.ID)
		}
	}
	var ext struct {
		Extensions struct {
			Pushdown []struct {
				Path            []string
				Backend, Source string
				Pushed          map[string]string
				Local           []string
			}
		}
	}
	_ = json.Unmarshal([]byte(resp.Raw), &ext)
	if len(ext.Extensions.Pushdown) != 3 || ext.Extensions.Pushdown[0].Pushed["createdFrom"] != "filter[created-at-gte]" ||
		ext.Extensions.Pushdown[2].Source != "projects" || ext.Extensions.Pushdown[2].Pushed["createdTo"] == "" {
		t.Errorf("extensions.pushdown: %s", resp.Raw)
	}
}

func titleOf(t *testing.T, g *testGateway, id string) string {
	r := g.gql(t, `query($id: ID!) { node(id: $id) { ... on Opportunity { title } } }`, map[string]any{"id": id})
	var d struct{ Node struct{ Title string } }
	decodeData(t, r, &d)
	return d.Node.Title
}

// TestPeoplePushdown: the phone and e-mail go to SynergyCRM as filters,
// the name is matched in the gateway (and refused alone), r_keeper says it
// cannot search and is never called.
func TestPeoplePushdown(t *testing.T) {
	crms, g := startCommon(t, nil)
	var id, phone string
	for _, c := range crms.syn.IDs("contacts") {
		if p := attrString(crms.syn, "contacts", c, "mobile-phone"); p != "" {
			id, phone = c, p
			break
		}
	}
	rk := len(crms.rk.Requests())
	syn := len(crms.syn.Requests())
	q := `query($f: PeopleFilter) { people(first: 10, filter: $f) ` + crossSelection + ` }`
	r := g.gql(t, q, map[string]any{"f": map[string]any{"phone": phone}})
	var d struct{ People crossConn }
	decodeData(t, r, &d)
	reqs := crms.syn.Requests()[syn:]
	if len(reqs) != 1 || reqs[0].Path != "/api/v1/contacts" || reqs[0].Query.Get("filter[any_phone]") != phone {
		t.Errorf("SynergyCRM was sent %+v, want one contacts read with filter[any_phone]", reqs)
	}
	if len(crms.rk.Requests()) != rk {
		t.Error("r_keeper was called though it cannot search")
	}
	found := false
	for _, e := range d.People.Edges {
		found = found || e.Node.Provenance.SourceID == id
	}
	if !found {
		t.Errorf("contact %s with phone %s not found: %s", id, phone, r.Raw)
	}
	if len(d.People.Backends) != 2 || d.People.Backends[0].Status != "OK" || fmt.Sprint(d.People.Backends[0].Pushed) != "[phone]" ||
		d.People.Backends[1].Backend != "RKEEPER" || d.People.Backends[1].Status != "UNSUPPORTED" ||
		fmt.Sprint(d.People.Backends[1].Unsupported) != "[phone]" || d.People.Backends[1].Message == nil {
		t.Errorf("backends %+v", d.People.Backends)
	}

	// A name alone would read every contact.
	syn = len(crms.syn.Requests())
	r = g.gql(t, q, map[string]any{"f": map[string]any{"name": "Иван"}})
	if fmt.Sprint(r.codes()) != "[BAD_USER_INPUT]" || len(crms.syn.Requests()) != syn {
		t.Errorf("a name alone: %s", r.Raw)
	}
	// With the phone it is matched here: the contact's own last name
	// finds it, another name does not.
	last := attrString(crms.syn, "contacts", id, "last-name")
	for name, want := range map[string]bool{strings.ToUpper(last): true, "Несуществующий": false} {
		r = g.gql(t, q, map[string]any{"f": map[string]any{"phone": phone, "name": name}})
		d.People = crossConn{}
		decodeData(t, r, &d)
		found := false
		for _, e := range d.People.Edges {
			found = found || e.Node.Provenance.SourceID == id
		}
		if found != want || fmt.Sprint(d.People.Backends[0].Local) != "[name]" {
			t.Errorf("name %q: found %v, want %v: %s", name, found, want, r.Raw)
		}
	}
}

// TestCrossReadsScopesAndTenants: a caller without a backend's read scope
// gets that backend reported as skipped and never called; a tenant's
// caller reaches only its tenant's CRMs.
func TestCrossReadsScopesAndTenants(t *testing.T) {
	a, b := startCRMs(t, "xa"), startCRMs(t, "xb")
	t.Setenv("XA_SYN", a.synergy.Token)
	t.Setenv("XB_SYN", b.synergy.Token)
	t.Setenv("XA_SOLOS_TOKEN", a.sol.Token)
	t.Setenv("XA_SOLOS_SECRET", a.sol.Secret)
	tenants := writeJSON(t, "tenants.json", map[string]any{
		"xa": map[string]any{
			"synergy": map[string]any{"baseUrl": a.synergy.BaseURL, "token": map[string]string{"env": "XA_SYN"}},
			"solos": map[string]any{"baseUrl": a.sol.BaseURL, "token": map[string]string{"env": "XA_SOLOS_TOKEN"},
				"secret": map[string]string{"env": "XA_SOLOS_SECRET"}},
		},
		"xb": map[string]any{"synergy": map[string]any{"baseUrl": b.synergy.BaseURL, "token": map[string]string{"env": "XB_SYN"}}},
	})
	solosOnly, e1 := newKey(t, "solos-only", "xa", caller.ScopeFor(globalid.Solos, false))
	tenantB, e2 := newKey(t, "tenant-b", "xb", caller.Scopes...)
	rkOnly, e3 := newKey(t, "rk-only", "xa", caller.ScopeFor(globalid.RKeeper, false))
	cfg := config.Defaults()
	cfg.TenantsFile = tenants
	cfg.Auth.Mode = "apikey"
	cfg.Auth.APIKeysFile = writeJSON(t, "keys.json", []any{e1, e2, e3})
	g := startGateway(t, cfg)
	q := gqlBody(`{ opportunities(first: 4) `+crossSelection+` }`, nil)

	before := map[string]int{"a": a.syn.Count(), "b": b.syn.Count(), "as": len(a.solos.Requests())}
	// No source the caller may read: the field fails as a one-backend
	// field would, and nothing is sent.
	res := send(t, "POST", g.URL+"/graphql", withKey(rkOnly), q)
	if fmt.Sprint(res.codes(t)) != "[FORBIDDEN]" || a.syn.Count() != before["a"] || len(a.solos.Requests()) != before["as"] {
		t.Errorf("a caller who may read no source of opportunities: %s", res.Body)
	}
	res = send(t, "POST", g.URL+"/graphql", withKey(solosOnly), q)
	var d struct {
		Data struct{ Opportunities crossConn }
	}
	if err := json.Unmarshal([]byte(res.Body), &d); err != nil || res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	rep := d.Data.Opportunities.Backends
	if len(rep) != 3 || rep[0].Status != "SKIPPED" || fmt.Sprint(rep[0].Code) == "<nil>" || *rep[0].Code != "FORBIDDEN" ||
		rep[1].Status != "SKIPPED" || rep[2].Status != "OK" || rep[2].Count != 4 {
		t.Errorf("a Solos-only caller: %s", res.Body)
	}
	if a.syn.Count() != before["a"] || b.syn.Count() != before["b"] {
		t.Error("SynergyCRM was called for a caller without synergy:read")
	}
	if len(a.solos.Requests()) != before["as"]+1 {
		t.Error("the tenant's Solos was not read once")
	}
	for _, e := range d.Data.Opportunities.Edges {
		if e.Node.Typename != "Project" {
			t.Errorf("a %s reached a Solos-only caller", e.Node.Typename)
		}
	}

	// Tenant xb has SynergyCRM only: its own account, Solos disabled.
	res = send(t, "POST", g.URL+"/graphql", withKey(tenantB), q)
	d.Data.Opportunities = crossConn{}
	if err := json.Unmarshal([]byte(res.Body), &d); err != nil {
		t.Fatal(res.Body)
	}
	rep = d.Data.Opportunities.Backends
	if len(rep) != 3 || rep[0].Status != "OK" || rep[2].Status != "SKIPPED" || rep[2].Code == nil || *rep[2].Code != "UPSTREAM_DISABLED" {
		t.Errorf("tenant xb: %s", res.Body)
	}
	if a.syn.Count() != before["a"] || b.syn.Count() == before["b"] {
		t.Error("tenant xb's read did not go to its own SynergyCRM only")
	}
}

// TestCrossReadsOneBackendFails: a failing source is reported with its
// code while the others are served.
func TestCrossReadsOneBackendFails(t *testing.T) {
	crms, g := startCommon(t, func(c *crmSet, _ *config.Config) { c.sol.Upstream.MaxRetries = 0 })
	crms.solos.Inject(solosemu.Fault{Status: 500, Times: 5})
	c, _ := opportunitiesPage(t, g, map[string]any{"first": 6})
	if len(c.Backends) != 3 || c.Backends[2].Status != "ERROR" || c.Backends[2].Code == nil || !strings.HasPrefix(*c.Backends[2].Code, "UPSTREAM_") ||
		c.Backends[0].Status != "OK" || len(c.Edges) != 6 {
		t.Errorf("with Solos failing: %+v", c)
	}
	for _, e := range c.Edges {
		if e.Node.Typename == "Project" {
			t.Error("a project from a failing Solos")
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

// TestProvenanceOnEveryNode reads every root list of the schema with each
// node's Node-typed fields one level down, and a client with everything
// it carries, and checks the provenance of every node in the answers: its
// backend, its sourceId (the node's own), an origin, and the raw record.
// Every type implementing Node must be met.
func TestProvenanceOnEveryNode(t *testing.T) {
	crms, g := startCommon(t, nil)
	s := g.App.Resolver.Schema().Schema()
	isNode := func(name string) bool {
		d := s.Types[name]
		return d != nil && (d.Kind == ast.Object || d.Kind == ast.Interface || d.Kind == ast.Union) && slices.ContainsFunc(s.GetPossibleTypes(d), func(x *ast.Definition) bool {
			return slices.ContainsFunc(s.GetImplements(x), func(i *ast.Definition) bool { return i.Name == "Node" })
		})
	}
	needsArgs := func(f *ast.FieldDefinition) bool {
		return slices.ContainsFunc(f.Arguments, func(a *ast.ArgumentDefinition) bool { return a.Type.NonNull && a.DefaultValue == nil })
	}
	const p = `__typename ... on Node { provenance { backend sourceId origin raw } } `
	// sel selects a node type with its Node-typed fields, depth levels down.
	var sel func(name string, depth int) string
	sel = func(name string, depth int) string {
		out := "{ " + p
		d := s.Types[name]
		for _, t := range s.GetPossibleTypes(d) {
			out += "... on " + t.Name + " { sourceId "
			if depth > 0 {
				for _, f := range t.Fields {
					if needsArgs(f) {
						continue
					}
					if nodes := s.Types[f.Type.Name()].Fields.ForName("nodes"); nodes != nil && isNode(nodes.Type.Name()) {
						out += f.Name + " { nodes " + sel(nodes.Type.Name(), depth-1) + " } "
					} else if isNode(f.Type.Name()) {
						out += f.Name + " " + sel(f.Type.Name(), depth-1) + " "
					}
				}
			}
			out += "} "
		}
		return out + "}"
	}
	var queries []string
	for _, f := range s.Query.Fields {
		if strings.HasPrefix(f.Name, "__") || needsArgs(f) || f.Name == "nodes" {
			continue
		}
		typ := s.Types[f.Type.Name()]
		if nodes := typ.Fields.ForName("nodes"); nodes != nil && isNode(nodes.Type.Name()) {
			queries = append(queries, "{ "+f.Name+"(first: 3) { nodes "+sel(nodes.Type.Name(), 1)+" } }")
		} else if isNode(typ.Name) {
			queries = append(queries, "{ "+f.Name+" "+sel(typ.Name, 1)+" }")
		}
	}
	client := globalid.Encode(globalid.RKeeper, domain.RKClients, "10000000009188")
	queries = append(queries,
		`{ client(id: "`+client+`") `+sel("Client", 2)+` }`,
		`{ projects(first: 3) { nodes { checklists { items `+sel("ProjectChecklistItem", 0)+` } } } }`,
		`{ cities(countryId: "`+rkRussiaID+`") `+sel("City", 1)+` }`)
	// Types no list reaches in the first records: by ID.
	for typ, name := range map[string]string{"competitors": "Competitor", "estate-properties": "EstateProperty"} {
		ids := crms.syn.IDs(typ)
		if len(ids) == 0 {
			t.Fatalf("the seed has no %s", typ)
		}
		queries = append(queries, `{ node(id: "`+globalid.Encode(globalid.Synergy, typ, ids[0])+`") `+sel(name, 0)+` }`)
	}

	seen := map[string]int{}
	var walk func(v any, backend string)
	walk = func(v any, backend string) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(e, backend)
			}
		case map[string]any:
			if pr, ok := x["provenance"].(map[string]any); ok {
				typ, _ := x["__typename"].(string)
				seen[typ]++
				raw, _ := pr["raw"].(map[string]any)
				if pr["sourceId"] != x["sourceId"] || len(raw) == 0 || !slices.Contains([]any{"UPSTREAM", "CACHE"}, pr["origin"]) ||
					backend != "" && pr["backend"] != backend {
					t.Errorf("%s %v: provenance %v", typ, x["sourceId"], pr)
				}
				backend, _ = pr["backend"].(string)
			}
			for k, e := range x {
				if k != "provenance" {
					walk(e, backend)
				}
			}
		}
	}
	for _, q := range queries {
		r := g.gql(t, q, nil)
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %s", q, r.Raw)
		}
		var v any
		_ = json.Unmarshal(r.Data, &v)
		walk(v, "")
	}
	for _, d := range s.GetPossibleTypes(s.Types["Node"]) {
		if d.Kind == ast.Object && seen[d.Name] == 0 {
			t.Errorf("no %s was read with its provenance", d.Name)
		}
	}
	t.Logf("%d node types, %d nodes checked", len(seen), func() (n int) {
		for _, c := range seen {
			n += c
		}
		return
	}())
}

// TestCrossReadsPlanRelationships: relationships selected on the members
// of a cross-CRM read are planned as on the backend's own lists: the
// deals and orders of a page with their companies, stages and contacts
// cost one SynergyCRM request each.
func TestCrossReadsPlanRelationships(t *testing.T) {
	crms, g := startCommon(t, nil)
	before := crms.syn.Count()
	r := g.gql(t, `{ opportunities(first: 12) { nodes { __typename ... on Deal { company { name } stage { name } contact { firstName } }
		... on Order { contact { firstName companies { name } } status { name } } } } }`, nil)
	var d struct {
		Opportunities struct {
			Nodes []struct {
				Typename string `json:"__typename"`
				Company  *struct{ Name *string }
				Stage    *struct{ Name *string }
			}
		}
	}
	decodeData(t, r, &d)
	if n := crms.syn.Count() - before; n != 2 {
		t.Errorf("12 opportunities with their relationships cost %d SynergyCRM requests, want 2 (deals, orders)", n)
	}
	withStage := 0
	for _, n := range d.Opportunities.Nodes {
		if n.Typename == "Deal" && n.Stage != nil && n.Stage.Name != nil {
			withStage++
		}
	}
	if withStage == 0 {
		t.Errorf("no deal came with its stage: %s", r.Raw)
	}
}

// TestProvenanceRawIsRedacted: a CRM record that holds one of the
// gateway's credentials (here a contact whose description a writer set to
// the SynergyCRM token) is served in provenance.raw with it masked.
func TestProvenanceRawIsRedacted(t *testing.T) {
	crms, g := startCommon(t, nil)
	r := g.gql(t, `mutation($d: String) { createContact(input: {firstName: "Эхо", lastName: "Эхов", description: $d}) { contact { id } } }`,
		map[string]any{"d": "token " + crms.synergy.Token})
	var c struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	decodeData(t, r, &c)
	for _, q := range []string{
		`query($id: ID!) { contact(id: $id) { provenance { raw } } }`,
		`query($id: ID!) { node(id: $id) { ... on Person { provenance { raw } } } }`,
	} {
		r = g.gql(t, q, map[string]any{"id": c.CreateContact.Contact.ID})
		r.mustData(t)
		if strings.Contains(r.Raw, crms.synergy.Token) || !strings.Contains(r.Raw, "[REDACTED]") {
			t.Errorf("raw record not redacted: %s", r.Raw)
		}
	}
}

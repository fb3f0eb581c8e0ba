package emulator_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/crmgateway/gateway/adapters/synergy/emulator"
	"github.com/crmgateway/gateway/internal/synergyspec"
)

func TestAuth(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, header string
		want         int
	}{
		{"missing", "", http.StatusUnauthorized},
		{"wrong token", "Bearer nope", http.StatusUnauthorized},
		{"wrong scheme", "Token test-token", http.StatusUnauthorized},
		{"bare token", "test-token", http.StatusUnauthorized},
		{"right", "Bearer test-token", http.StatusOK},
		{"scheme case", "bearer test-token", http.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do(http.MethodGet, "/api/v1/deals", "", "Authorization", c.header)
			r.expect(t, c.want)
			if got := r.header.Get("Content-Type"); got != emulator.MediaType {
				t.Errorf("Content-Type %q", got)
			}
			if c.want == http.StatusUnauthorized {
				er := r.firstError(t)
				if er["status"] != "401" || er["code"] != "unauthorized" {
					t.Errorf("error object %v", er)
				}
				if r.header.Get("WWW-Authenticate") == "" {
					t.Error("no WWW-Authenticate")
				}
			}
		})
	}
	t.Run("writes need auth too", func(t *testing.T) {
		before := len(e.emu.IDs("contacts"))
		r := e.do(http.MethodPost, "/api/v1/contacts", `{"data":{"type":"contacts","attributes":{"first-name":"А","last-name":"Б"}}}`,
			"Authorization", "")
		r.expect(t, http.StatusUnauthorized)
		if len(e.emu.IDs("contacts")) != before {
			t.Error("unauthorised create stored a contact")
		}
	})
	t.Run("default token", func(t *testing.T) {
		emu := emulator.New(emulator.Options{})
		if emu.Token() != emulator.DefaultToken {
			t.Fatalf("token %q", emu.Token())
		}
	})
}

// expectedAttrs lists the attribute names a type's resource objects carry.
func expectedAttrs(res *synergyspec.Resource, sample map[string]any) []string {
	if !res.Opaque {
		var out []string
		for _, a := range res.Attrs {
			out = append(out, a.Name)
		}
		return out
	}
	var out []string
	for k := range sample {
		out = append(out, k)
	}
	return out
}

func TestEveryTypeListAndByID(t *testing.T) {
	e := newEnv(t)
	for i := range synergyspec.Resources {
		res := &synergyspec.Resources[i]
		t.Run(res.Type, func(t *testing.T) {
			want := e.emu.IDs(res.Type)
			if len(want) == 0 {
				t.Fatal("no seeded records")
			}
			r := e.get("/api/v1/"+res.Type+"?page[size]=100").expect(t, http.StatusOK)
			records, pages := r.meta(t)
			if records != len(want) || pages != (len(want)+99)/100 {
				t.Errorf("meta %d/%d, want %d records", records, pages, len(want))
			}
			items := r.list()
			if !slices.Equal(ids(items), want[:min(100, len(want))]) {
				t.Errorf("ids %v, want %v", ids(items), want)
			}
			for _, it := range items {
				checkResource(t, res, it)
			}
			one := e.get("/api/v1/"+res.Type+"/"+want[len(want)-1]).expect(t, http.StatusOK).one()
			if one["type"] != res.Type || one["id"] != want[len(want)-1] {
				t.Errorf("by id: %v/%v", one["type"], one["id"])
			}
			checkResource(t, res, one)
			for _, a := range expectedAttrs(res, attrs(one)) {
				stored, ok := e.emu.Attr(res.Type, want[len(want)-1], a)
				if !ok {
					t.Fatalf("Attr %s not found", a)
				}
				if fmt.Sprint(stored) != fmt.Sprint(attrs(one)[a]) {
					t.Errorf("%s: wire %v, stored %v", a, attrs(one)[a], stored)
				}
			}
			e.get("/api/v1/"+res.Type+"/999999").expect(t, http.StatusNotFound)
		})
	}
}

// checkResource asserts the shape of a resource object without include:
// every attribute present, every relationship with both links and no data.
func checkResource(t *testing.T, res *synergyspec.Resource, it map[string]any) {
	t.Helper()
	id := it["id"].(string)
	if it["type"] != res.Type {
		t.Errorf("type %v", it["type"])
	}
	a := attrs(it)
	for _, name := range expectedAttrs(res, a) {
		if _, ok := a[name]; !ok {
			t.Errorf("%s %s: attribute %s missing", res.Type, id, name)
		}
	}
	if _, ok := a["name"]; res.Opaque && !ok {
		t.Errorf("%s %s: opaque resource without a name: %v", res.Type, id, a)
	}
	if !res.Opaque && len(a) != len(res.Attrs) {
		t.Errorf("%s %s: %d attributes, spec has %d", res.Type, id, len(a), len(res.Attrs))
	}
	self := "/api/v1/" + res.Type + "/" + id
	if l, _ := it["links"].(map[string]any); l["self"] != self {
		t.Errorf("links.self %v", it["links"])
	}
	if len(rels(it)) != len(res.Rels) {
		t.Errorf("%s %s: %d relationships, spec has %d", res.Type, id, len(rels(it)), len(res.Rels))
	}
	for _, rel := range res.Rels {
		r, ok := rels(it)[rel.Key].(map[string]any)
		if !ok {
			t.Errorf("relationship %s missing", rel.Key)
			continue
		}
		links, _ := r["links"].(map[string]any)
		if links["self"] != self+"/relationships/"+rel.Key || links["related"] != self+"/"+rel.Key {
			t.Errorf("%s links %v", rel.Key, links)
		}
		if _, ok := r["data"]; ok {
			t.Errorf("%s has data without include", rel.Key)
		}
	}
}

func TestPagingWalk(t *testing.T) {
	e := newEnv(t)
	for _, typ := range []string{"deals", "contacts", "companies", "orders", "contracts", "deal-stages"} {
		t.Run(typ, func(t *testing.T) {
			want := e.emu.IDs(typ)
			var got []string
			pages := -1
			for n := 1; ; n++ {
				r := e.get(fmt.Sprintf("/api/v1/%s?page[size]=7&page[number]=%d", typ, n)).expect(t, http.StatusOK)
				records, pc := r.meta(t)
				if records != len(want) || pc != (len(want)+6)/7 {
					t.Fatalf("page %d meta %d/%d, want %d/%d", n, records, pc, len(want), (len(want)+6)/7)
				}
				pages = pc
				items := r.list()
				if n > pc {
					if len(items) != 0 {
						t.Errorf("page past the end has %d items", len(items))
					}
					links := r.doc["links"].(map[string]any)
					if links["next"] != nil {
						t.Errorf("next link past the end: %v", links["next"])
					}
					break
				}
				if n < pc && len(items) != 7 {
					t.Errorf("page %d has %d items", n, len(items))
				}
				links := r.doc["links"].(map[string]any)
				if (n == 1) != (links["prev"] == nil) || (n == pc) != (links["next"] == nil) {
					t.Errorf("page %d links %v", n, links)
				}
				if n < pc {
					next := links["next"].(string)
					u, err := url.Parse(next)
					if err != nil || u.Query().Get("page[number]") != fmt.Sprint(n+1) || u.Query().Get("page[size]") != "7" {
						t.Errorf("next %q", next)
					}
				}
				got = append(got, ids(items)...)
			}
			if !slices.Equal(got, want) {
				t.Errorf("walk over %d pages got %v\nwant %v", pages, got, want)
			}
		})
	}
}

func TestDefaultPageAndNumericOrder(t *testing.T) {
	e := newEnv(t)
	r := e.get("/api/v1/deals").expect(t, http.StatusOK)
	items := r.list()
	if len(items) != synergyspec.DefaultPageSize {
		t.Fatalf("default page has %d deals", len(items))
	}
	all := e.emu.IDs("deals")
	records, pages := r.meta(t)
	if records != len(all) || pages != (len(all)+49)/50 {
		t.Errorf("meta %d/%d", records, pages)
	}
	if !slices.Contains(all, "9999") || !slices.Contains(all, "10000") {
		t.Fatalf("seed deals should cross 9999→10000: %v", all)
	}
	if i, j := slices.Index(all, "9999"), slices.Index(all, "10000"); i > j {
		t.Errorf("9999 listed after 10000: %v", all)
	}
	if got := ids(e.get("/api/v1/deals?page[size]=100").list()); !slices.Equal(got, all) {
		t.Errorf("order %v", got)
	}
}

func TestPageParamErrors(t *testing.T) {
	e := newEnv(t)
	cases := []struct{ query, param string }{
		{"page[size]=101", "page[size]"},
		{"page[size]=0", "page[size]"},
		{"page[size]=-5", "page[size]"},
		{"page[size]=abc", "page[size]"},
		{"page[size]=", "page[size]"},
		{"page[number]=0", "page[number]"},
		{"page[number]=x", "page[number]"},
		{"page[offset]=3", "page[offset]"},
		{"page[size]=5&page[size]=6", "page[size]"},
		{"sort=-id", "sort"},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			r := e.get("/api/v1/deals?"+c.query).expect(t, http.StatusBadRequest)
			if got := r.errorSources(t, "parameter"); !slices.Equal(got, []string{c.param}) {
				t.Errorf("source.parameter %v, want %s", got, c.param)
			}
			if er := r.firstError(t); er["status"] != "400" {
				t.Errorf("error %v", er)
			}
		})
	}
	e.get("/api/v1/deals?page[size]=100").expect(t, http.StatusOK)
	e.get("/api/v1/deals?page[size]=1").expect(t, http.StatusOK)
}

func TestIncludeNested(t *testing.T) {
	e := newEnv(t)
	r := e.get("/api/v1/deals?page[size]=10&include=company.status,stage").expect(t, http.StatusOK)
	deals := r.list()
	inc := r.included()
	byKey := map[string]map[string]any{}
	for _, x := range inc {
		k := x["type"].(string) + ":" + x["id"].(string)
		if byKey[k] != nil {
			t.Errorf("%s included twice", k)
		}
		byKey[k] = x
	}
	wantIncluded := map[string]bool{}
	for _, d := range deals {
		id := d["id"].(string)
		for _, rel := range []string{"company", "stage"} {
			data, ok := linkageOf(d, rel)
			if !ok {
				t.Fatalf("deal %s: no %s linkage though included", id, rel)
			}
			link := e.emu.Linkage("deals", id, rel)
			if len(link) == 0 {
				if data != nil {
					t.Errorf("deal %s %s: data %v, want null", id, rel, data)
				}
				continue
			}
			m := data.(map[string]any)
			if m["type"] != link[0].Type || m["id"] != link[0].ID {
				t.Errorf("deal %s %s linkage %v, stored %v", id, rel, m, link)
			}
			wantIncluded[link[0].Type+":"+link[0].ID] = true
			if link[0].Type == "companies" {
				for _, st := range e.emu.Linkage("companies", link[0].ID, "status") {
					wantIncluded[st.Type+":"+st.ID] = true
				}
			}
		}
		for _, rel := range []string{"contact", "status", "source", "products"} {
			if _, ok := linkageOf(d, rel); ok {
				t.Errorf("deal %s: %s has data but is not included", id, rel)
			}
		}
	}
	if len(byKey) != len(wantIncluded) {
		t.Errorf("included %d resources, want %d", len(byKey), len(wantIncluded))
	}
	for k := range wantIncluded {
		x := byKey[k]
		if x == nil {
			t.Errorf("%s not included", k)
			continue
		}
		if x["type"] == "companies" {
			if _, ok := linkageOf(x, "status"); !ok {
				t.Errorf("included %s lacks status linkage (on include path)", k)
			}
			if _, ok := linkageOf(x, "contacts"); ok {
				t.Errorf("included %s has contacts linkage (not on include path)", k)
			}
		}
		if x["type"] == "deal-stages" {
			if _, ok := linkageOf(x, "deal-stage-category"); ok {
				t.Errorf("included stage %s has linkage off the include path", k)
			}
		}
	}

	t.Run("primary not repeated in included", func(t *testing.T) {
		r := e.get("/api/v1/deals?page[size]=100&include=deals").expect(t, http.StatusOK)
		primary := map[string]bool{}
		for _, id := range ids(r.list()) {
			primary[id] = true
		}
		for _, x := range r.included() {
			if x["type"] == "deals" && primary[x["id"].(string)] {
				t.Errorf("deal %s both primary and included", x["id"])
			}
		}
	})
	t.Run("by id", func(t *testing.T) {
		id := e.emu.IDs("companies")[0]
		r := e.get("/api/v1/companies/"+id+"?include=bank-details,contacts.companies").expect(t, http.StatusOK)
		want := e.emu.Linkage("companies", id, "bank-details")
		data, ok := linkageOf(r.one(), "bank-details")
		if !ok || len(data.([]any)) != len(want) || len(want) == 0 {
			t.Fatalf("bank-details linkage %v, stored %v", data, want)
		}
		types := map[string]int{}
		for _, x := range r.included() {
			types[x["type"].(string)]++
			if x["type"] == "contacts" {
				if _, ok := linkageOf(x, "companies"); !ok {
					t.Errorf("included contact %s lacks companies linkage", x["id"])
				}
			}
		}
		if types["company-bank-details"] != len(want) || types["contacts"] != len(e.emu.Linkage("companies", id, "contacts")) {
			t.Errorf("included %v", types)
		}
	})
	t.Run("polymorphic", func(t *testing.T) {
		r := e.get("/api/v1/contracts?page[size]=100&include=first-party.status,second-party").expect(t, http.StatusOK)
		seen := map[string]bool{}
		for _, x := range r.included() {
			seen[x["type"].(string)] = true
		}
		for _, typ := range []string{"companies", "contacts", "company-statuses", "contact-statuses"} {
			if !seen[typ] {
				t.Errorf("no %s included: %v", typ, seen)
			}
		}
	})
	t.Run("empty include", func(t *testing.T) {
		r := e.get("/api/v1/deals?page[size]=1&include=").expect(t, http.StatusOK)
		if inc, ok := r.doc["included"].([]any); !ok || len(inc) != 0 {
			t.Errorf("included %v", r.doc["included"])
		}
	})
	t.Run("no include, no included member", func(t *testing.T) {
		r := e.get("/api/v1/deals?page[size]=1").expect(t, http.StatusOK)
		if _, ok := r.doc["included"]; ok {
			t.Error("included without include")
		}
	})
}

func TestIncludeErrors(t *testing.T) {
	e := newEnv(t)
	for _, inc := range []string{"nope", "company.nope", "company..status", "company,", "stage.deals", "responsible.status"} {
		t.Run(inc, func(t *testing.T) {
			r := e.get("/api/v1/deals?include="+url.QueryEscape(inc)).expect(t, http.StatusBadRequest)
			if got := r.errorSources(t, "parameter"); !slices.Equal(got, []string{"include"}) {
				t.Errorf("source %v", got)
			}
		})
	}
	id := e.emu.IDs("deals")[0]
	e.get("/api/v1/deals/"+id+"?include=nope").expect(t, http.StatusBadRequest)
	e.get("/api/v1/deals/"+id+"/company?include=deals.nope").expect(t, http.StatusBadRequest)
}

func TestSparseFieldsets(t *testing.T) {
	e := newEnv(t)
	r := e.get("/api/v1/contacts?page[size]=5&fields[contacts]=first-name,last-name,companies&include=companies&fields[companies]=inn").
		expect(t, http.StatusOK)
	for _, c := range r.list() {
		a := attrs(c)
		if len(a) != 2 || a["first-name"] == nil || a["last-name"] == nil {
			t.Errorf("contact attributes %v", a)
		}
		if len(rels(c)) != 1 {
			t.Errorf("contact relationships %v", rels(c))
		}
		if _, ok := linkageOf(c, "companies"); !ok {
			t.Error("companies linkage missing")
		}
		if first := strAttr(t, e.emu, "contacts", c["id"].(string), "first-name"); a["first-name"] != first {
			t.Errorf("first-name %v, stored %v", a["first-name"], first)
		}
	}
	for _, co := range r.included() {
		if a := attrs(co); len(a) != 1 || a["inn"] == nil {
			t.Errorf("company attributes %v", a)
		}
		if _, ok := co["relationships"]; ok {
			t.Errorf("company relationships emitted: %v", co["relationships"])
		}
	}
	t.Run("alias", func(t *testing.T) {
		r := e.get("/api/v1/deals?page[size]=1&fields[deals]=custom").expect(t, http.StatusOK)
		if a := attrs(r.list()[0]); len(a) != 1 {
			t.Errorf("attributes %v", a)
		} else if _, ok := a["customs"]; !ok {
			t.Errorf("attributes %v", a)
		}
	})
	t.Run("empty", func(t *testing.T) {
		r := e.get("/api/v1/deals?page[size]=1&fields[deals]=").expect(t, http.StatusOK)
		d := r.list()[0]
		if _, ok := d["attributes"]; ok {
			t.Errorf("attributes %v", d["attributes"])
		}
	})
	for _, q := range []string{"fields[deals]=nope", "fields[nope]=name", "fields[deals]=name&fields[deals]=amount"} {
		t.Run(q, func(t *testing.T) {
			key := q[:strings.Index(q, "=")]
			r := e.get("/api/v1/deals?"+q).expect(t, http.StatusBadRequest)
			if got := r.errorSources(t, "parameter"); !slices.Equal(got, []string{key}) {
				t.Errorf("source %v", got)
			}
		})
	}
}

func TestRelatedEndpoints(t *testing.T) {
	e := newEnv(t)
	dealIDs := e.emu.IDs("deals")
	var withCompany, withoutLoss string
	for _, id := range dealIDs {
		if withCompany == "" && len(e.emu.Linkage("deals", id, "company")) == 1 {
			withCompany = id
		}
		if withoutLoss == "" && len(e.emu.Linkage("deals", id, "loss-reason")) == 0 {
			withoutLoss = id
		}
	}
	t.Run("to-one", func(t *testing.T) {
		co := e.emu.Linkage("deals", withCompany, "company")[0]
		r := e.get("/api/v1/deals/"+withCompany+"/company?include=status").expect(t, http.StatusOK)
		d := r.one()
		if d["type"] != "companies" || d["id"] != co.ID {
			t.Fatalf("data %v", d)
		}
		checkResourceAttrs(t, e, d)
		if _, ok := linkageOf(d, "status"); !ok || len(r.included()) != 1 {
			t.Errorf("include on related: %s", r.raw)
		}
	})
	t.Run("to-one null", func(t *testing.T) {
		r := e.get("/api/v1/deals/"+withoutLoss+"/loss-reason").expect(t, http.StatusOK)
		if d, ok := r.doc["data"]; !ok || d != nil {
			t.Errorf("data %v", r.doc["data"])
		}
	})
	t.Run("to-many paged", func(t *testing.T) {
		var co string
		for _, id := range e.emu.IDs("companies") {
			if len(e.emu.Linkage("companies", id, "deals")) >= 3 {
				co = id
				break
			}
		}
		want := e.emu.Linkage("companies", co, "deals")
		var got []string
		for n := 1; n <= len(want); n++ {
			r := e.get(fmt.Sprintf("/api/v1/companies/%s/deals?page[size]=1&page[number]=%d", co, n)).expect(t, http.StatusOK)
			if records, pages := r.meta(t); records != len(want) || pages != len(want) {
				t.Errorf("meta %d/%d, want %d", records, pages, len(want))
			}
			got = append(got, ids(r.list())...)
		}
		var wantIDs []string
		for _, w := range want {
			wantIDs = append(wantIDs, w.ID)
		}
		if !slices.Equal(got, wantIDs) {
			t.Errorf("deals %v, want %v", got, wantIDs)
		}
		e.get("/api/v1/companies/"+co+"/deals?page[size]=500").expect(t, http.StatusBadRequest)
	})
	t.Run("linkage", func(t *testing.T) {
		co := e.emu.IDs("companies")[0]
		want := e.emu.Linkage("companies", co, "bank-details")
		r := e.get("/api/v1/companies/"+co+"/relationships/bank-details").expect(t, http.StatusOK)
		data := r.doc["data"].([]any)
		if len(data) != len(want) || len(want) == 0 {
			t.Fatalf("data %v, want %v", data, want)
		}
		for i, x := range data {
			m := x.(map[string]any)
			if m["type"] != want[i].Type || m["id"] != want[i].ID || len(m) != 2 {
				t.Errorf("identifier %v, want %v", m, want[i])
			}
		}
		links := r.doc["links"].(map[string]any)
		if links["self"] != "/api/v1/companies/"+co+"/relationships/bank-details" {
			t.Errorf("links %v", links)
		}
		r = e.get("/api/v1/deals/"+withCompany+"/relationships/company").expect(t, http.StatusOK)
		if m := r.doc["data"].(map[string]any); m["type"] != "companies" {
			t.Errorf("to-one linkage %v", m)
		}
	})
	t.Run("polymorphic party", func(t *testing.T) {
		for _, id := range e.emu.IDs("contracts") {
			p := e.emu.Linkage("contracts", id, "first-party")[0]
			d := e.get("/api/v1/contracts/"+id+"/first-party").expect(t, http.StatusOK).one()
			if d["type"] != p.Type || d["id"] != p.ID {
				t.Errorf("contract %s first-party %v/%v, stored %v", id, d["type"], d["id"], p)
			}
		}
	})
	t.Run("errors", func(t *testing.T) {
		e.get("/api/v1/deals/"+withCompany+"/nope").expect(t, http.StatusNotFound)
		e.get("/api/v1/deals/"+withCompany+"/relationships/nope").expect(t, http.StatusNotFound)
		e.get("/api/v1/deals/1/company").expect(t, http.StatusNotFound)
		e.get("/api/v1/deals/"+withCompany+"/relationships").expect(t, http.StatusNotFound)
		e.do(http.MethodPost, "/api/v1/deals/"+withCompany+"/relationships/products", `{"data":[]}`).expect(t, http.StatusMethodNotAllowed)
		e.do(http.MethodPatch, "/api/v1/deals/"+withCompany+"/company", `{"data":null}`).expect(t, http.StatusMethodNotAllowed)
	})
}

func checkResourceAttrs(t *testing.T, e *env, d map[string]any) {
	t.Helper()
	typ, id := d["type"].(string), d["id"].(string)
	for k, v := range attrs(d) {
		stored, ok := e.emu.Attr(typ, id, k)
		if !ok || fmt.Sprint(stored) != fmt.Sprint(v) {
			t.Errorf("%s %s %s: wire %v stored %v", typ, id, k, v, stored)
		}
	}
}

func TestRouting(t *testing.T) {
	e := newEnv(t)
	id := e.emu.IDs("contacts")[0]
	cases := []struct {
		path string
		want int
	}{
		{"/api/v1/contacts/" + id, http.StatusOK},
		{"/synergy/api/v1/contacts/" + id, http.StatusOK},
		{"/contacts/" + id, http.StatusOK},
		{"/api/v1/contacts/", http.StatusOK},
		{"/api/v1/nope", http.StatusNotFound},
		{"/api/v1", http.StatusNotFound},
		{"/api/v1/contacts/abc", http.StatusNotFound},
		{"/api/v1/contacts/-1", http.StatusNotFound},
		{"/api/v1/contacts/" + id + "/companies/extra", http.StatusNotFound},
		{"/api/v1/contacts/" + id + "/relationships/companies/extra", http.StatusNotFound},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			r := e.get(c.path).expect(t, c.want)
			if c.want == http.StatusNotFound {
				if er := r.firstError(t); er["status"] != "404" || er["code"] != "not_found" {
					t.Errorf("error %v", er)
				}
			}
		})
	}
	r := e.do(http.MethodPut, "/api/v1/contacts/"+id, `{}`).expect(t, http.StatusMethodNotAllowed)
	if r.header.Get("Allow") != "GET, PATCH, DELETE" {
		t.Errorf("Allow %q", r.header.Get("Allow"))
	}
}

func TestSeed(t *testing.T) {
	e := newEnv(t)
	counts := map[string]int{
		"contacts": 60, "companies": 40, "deals": 80, "orders": 40, "contracts": 30, "diary-events": 30,
		"contact-statuses": 5, "contact-types": 4, "company-statuses": 5, "company-types": 4,
		"deal-stage-categories": 3, "deal-statuses": 5, "deal-loss-reasons": 5, "order-stages": 5,
		"order-statuses": 4, "order-loss-reasons": 4, "users": 8, "sources": 6, "products": 12,
	}
	for typ, n := range counts {
		if got := len(e.emu.IDs(typ)); got != n {
			t.Errorf("%s: %d records, want %d", typ, got, n)
		}
	}
	for _, co := range e.emu.IDs("companies") {
		n := len(e.emu.Linkage("companies", co, "bank-details"))
		if n < 1 || n > 2 {
			t.Errorf("company %s has %d bank details", co, n)
		}
		inn := strAttr(t, e.emu, "companies", co, "inn")
		kpp := strAttr(t, e.emu, "companies", co, "kpp")
		ogrn := strAttr(t, e.emu, "companies", co, "ogrn")
		if len(inn) != 10 || len(kpp) != 9 || len(ogrn) != 13 || digitsOnly(inn+kpp+ogrn) != inn+kpp+ogrn {
			t.Errorf("company %s: inn %q kpp %q ogrn %q", co, inn, kpp, ogrn)
		}
	}
	for _, id := range e.emu.IDs("deal-stage-categories") {
		var stages int
		for _, s := range e.emu.IDs("deal-stages") {
			if l := e.emu.Linkage("deal-stages", s, "deal-stage-category"); len(l) == 1 && l[0].ID == id {
				stages++
			}
		}
		if stages < 4 || stages > 6 {
			t.Errorf("funnel %s has %d stages", id, stages)
		}
	}
	for _, d := range e.emu.IDs("deals") {
		st := e.emu.Linkage("deals", d, "stage")
		cat := e.emu.Linkage("deals", d, "stage-category")
		if len(st) != 1 || len(cat) != 1 || !slices.Equal(e.emu.Linkage("deal-stages", st[0].ID, "deal-stage-category"), cat) {
			t.Errorf("deal %s stage %v is not in funnel %v", d, st, cat)
		}
		if v, _ := e.emu.Attr("deals", d, "amount"); !isNumber(v) {
			t.Errorf("deal %s amount %T", d, v)
		}
	}
	for _, o := range e.emu.IDs("orders") {
		if v, _ := e.emu.Attr("orders", o, "amount"); !isString(v) {
			t.Errorf("order %s amount %T", o, v)
		}
	}
	// The exact decimal text survives to the wire.
	r := e.get("/api/v1/deals/" + e.emu.IDs("deals")[0])
	if !strings.Contains(string(r.raw), `"amount":2200000.50,`) {
		t.Errorf("deal amount text lost: %s", r.raw)
	}
	r = e.get("/api/v1/orders/" + e.emu.IDs("orders")[0])
	if !strings.Contains(string(r.raw), `"amount":"2222.0"`) {
		t.Errorf("order amount not a string: %s", r.raw)
	}
	archived := 0
	for _, id := range e.emu.IDs("contacts") {
		if v, _ := e.emu.Attr("contacts", id, "archived-at"); v != nil {
			archived++
		}
	}
	if archived == 0 {
		t.Error("no archived contacts")
	}
	ev := e.emu.IDs("diary-events")[0]
	if st := strAttr(t, e.emu, "diary-events", ev, "start-time"); len(st) != len("2022-02-22 12:00 +0300") || !strings.HasSuffix(st, "+0300") {
		t.Errorf("start-time %q", st)
	}
	if got := e.emu.IDs("nope"); got != nil {
		t.Errorf("IDs of unknown type %v", got)
	}
	if _, ok := e.emu.Attr("contacts", "1", "first-name"); ok {
		t.Error("Attr of a missing id")
	}
}

// TestSeedSymmetry checks every pair the emulator keeps symmetric in the
// seed: A links B through rel exactly when B links A through the inverse.
func TestSeedSymmetry(t *testing.T) {
	e := newEnv(t)
	pairs := [][4]string{
		{"contacts", "companies", "companies", "contacts"},
		{"contacts", "deals", "deals", "contact"},
		{"contacts", "orders", "orders", "contact"},
		{"companies", "deals", "deals", "company"},
		{"companies", "bank-details", "company-bank-details", "company"},
		{"companies", "events", "diary-events", "company"},
		{"deals", "orders", "orders", "deals"},
		{"deals", "deals", "deals", "deals"},
	}
	for _, p := range pairs {
		t.Run(p[0]+"."+p[1], func(t *testing.T) {
			forward := 0
			for _, a := range e.emu.IDs(p[0]) {
				for _, b := range e.emu.Linkage(p[0], a, p[1]) {
					forward++
					if !slices.Contains(e.emu.Linkage(p[2], b.ID, p[3]), emulator.Ref{Type: p[0], ID: a}) {
						t.Errorf("%s %s → %s %s, but not back", p[0], a, p[2], b.ID)
					}
				}
			}
			for _, b := range e.emu.IDs(p[2]) {
				for _, a := range e.emu.Linkage(p[2], b, p[3]) {
					if !slices.Contains(e.emu.Linkage(p[0], a.ID, p[1]), emulator.Ref{Type: p[2], ID: b}) {
						t.Errorf("%s %s → %s %s, but not back", p[2], b, p[0], a.ID)
					}
				}
			}
			if forward == 0 {
				t.Error("no seeded links")
			}
		})
	}
}

func digitsOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func isNumber(v any) bool { _, ok := v.(json.Number); return ok }
func isString(v any) bool { _, ok := v.(string); return ok }

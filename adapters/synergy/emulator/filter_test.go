package emulator_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmgateway/gateway/internal/synergyspec"
)

// filtered lists every id of typ matching the filter parameters, checking
// that meta.record-count counts the filtered records.
func (e *env) filtered(t *testing.T, typ string, params url.Values) []string {
	t.Helper()
	params.Set("page[size]", "100")
	r := e.get("/api/v1/"+typ+"?"+params.Encode()).expect(t, http.StatusOK)
	got := ids(r.list())
	if records, _ := r.meta(t); records != len(got) {
		t.Errorf("record-count %d, %d listed", records, len(got))
	}
	return got
}

// where selects the ids of typ whose stored record satisfies keep.
func (e *env) where(typ string, keep func(id string) bool) []string {
	var out []string
	for _, id := range e.emu.IDs(typ) {
		if keep(id) {
			out = append(out, id)
		}
	}
	return out
}

func storedTime(t *testing.T, e *env, typ, id, attr string) (time.Time, bool) {
	v, _ := e.emu.Attr(typ, id, attr)
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("%s %s %s: %v", typ, id, attr, err)
	}
	return at, true
}

func TestFilters(t *testing.T) {
	e := newEnv(t)
	contacts := e.emu.IDs("contacts")
	companies := e.emu.IDs("companies")
	eqFold := func(typ, attr, val string) []string {
		return e.where(typ, func(id string) bool { return strings.EqualFold(strAttr(t, e.emu, typ, id, attr), val) })
	}
	samePhone := func(typ string, attrs []string, val string) []string {
		return e.where(typ, func(id string) bool {
			for _, a := range attrs {
				if digitsOnly(strAttr(t, e.emu, typ, id, a)) == digitsOnly(val) {
					return true
				}
			}
			return false
		})
	}
	lastName := strAttr(t, e.emu, "contacts", contacts[6], "last-name")
	mobile := strAttr(t, e.emu, "contacts", contacts[9], "mobile-phone")
	var otherPhone string
	for _, id := range contacts {
		if otherPhone = strAttr(t, e.emu, "contacts", id, "other-phone"); otherPhone != "" {
			break
		}
	}
	generalPhone := strAttr(t, e.emu, "companies", companies[3], "general-phone")
	inn := strAttr(t, e.emu, "companies", companies[4], "inn")
	all := []string{"general-phone", "mobile-phone", "work-phone", "other-phone"}

	cases := []struct {
		name, typ string
		params    url.Values
		want      []string
	}{
		{"last-name case-insensitive", "contacts", url.Values{"filter[last-name]": {strings.ToUpper(lastName)}}, eqFold("contacts", "last-name", lastName)},
		{"first-name", "contacts", url.Values{"filter[first-name]": {"иван"}}, eqFold("contacts", "first-name", "Иван")},
		{"middle-name", "contacts", url.Values{"filter[middle-name]": {"ИВАНОВИЧ"}}, eqFold("contacts", "middle-name", "Иванович")},
		{"email", "contacts", url.Values{"filter[email]": {"HELP@syncrm.ru"}}, []string{contacts[0]}},
		{"other-email", "contacts", url.Values{"filter[other-email]": {"i.ivanov@syncrm.ru"}}, eqFold("contacts", "other-email", "i.ivanov@syncrm.ru")},
		{"work_phone with plus", "contacts", url.Values{"filter[work_phone]": {"+79876543211"}}, []string{contacts[0]}},
		{"work_phone without plus", "contacts", url.Values{"filter[work_phone]": {"79876543211"}}, []string{contacts[0]}},
		{"work-phone hyphen spelling", "contacts", url.Values{"filter[work-phone]": {"+7 (987) 654-32-11"}}, []string{contacts[0]}},
		{"mobile_phone", "contacts", url.Values{"filter[mobile_phone]": {mobile}}, samePhone("contacts", []string{"mobile-phone"}, mobile)},
		{"other_phone", "contacts", url.Values{"filter[other_phone]": {strings.TrimPrefix(otherPhone, "+")}}, samePhone("contacts", []string{"other-phone"}, otherPhone)},
		{"any_phone finds a mobile", "contacts", url.Values{"filter[any_phone]": {mobile}}, samePhone("contacts", all, mobile)},
		{"any-phone finds a work phone", "contacts", url.Values{"filter[any-phone]": {"79876543211"}}, []string{contacts[0]}},
		{"phone matches nothing", "contacts", url.Values{"filter[work_phone]": {"+70000000000"}}, nil},
		{"company general_phone given with plus, stored without", "companies", url.Values{"filter[general_phone]": {"+" + generalPhone}}, samePhone("companies", []string{"general-phone"}, generalPhone)},
		{"company any_phone", "companies", url.Values{"filter[any_phone]": {generalPhone}}, samePhone("companies", all, generalPhone)},
		{"inn", "companies", url.Values{"filter[inn]": {inn}}, []string{companies[4]}},
		{"kpp", "companies", url.Values{"filter[kpp]": {inn[:4] + "01001"}}, eqFold("companies", "kpp", inn[:4]+"01001")},
		{"contract number", "contracts", url.Values{"filter[number]": {"22"}}, e.where("contracts", func(id string) bool {
			v, _ := e.emu.Attr("contracts", id, "number")
			return isNumber(v) && v.(interface{ String() string }).String() == "22"
		})},
		{"q on name", "contracts", url.Values{"filter[q]": {"АРЕНД"}}, e.where("contracts", func(id string) bool {
			return strings.Contains(strings.ToLower(strAttr(t, e.emu, "contracts", id, "name")), "аренд")
		})},
		{"q on custom-number", "contracts", url.Values{"filter[q]": {"abc-22"}}, e.where("contracts", func(id string) bool {
			return strAttr(t, e.emu, "contracts", id, "custom-number") == "abc-22"
		})},
		{"archived=2", "contracts", url.Values{"filter[archived]": {"2"}}, e.where("contracts", func(id string) bool {
			v, _ := e.emu.Attr("contracts", id, "archived-at")
			return v != nil
		})},
		{"archived=1", "contracts", url.Values{"filter[archived]": {"1"}}, e.where("contracts", func(id string) bool {
			v, _ := e.emu.Attr("contracts", id, "archived-at")
			return v == nil
		})},
		{"archived=0", "contracts", url.Values{"filter[archived]": {"0"}}, e.emu.IDs("contracts")},
		{"table-state 3 is the archive", "contracts", url.Values{"filter[table-state-id]": {"3"}}, e.where("contracts", func(id string) bool {
			v, _ := e.emu.Attr("contracts", id, "archived-at")
			return v != nil
		})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if len(c.want) == 0 && c.name != "phone matches nothing" {
				t.Fatal("the case selects nothing in the seed; it could not fail")
			}
			if got := e.filtered(t, c.typ, c.params); !slices.Equal(got, c.want) {
				t.Errorf("got %v\nwant %v", got, c.want)
			}
		})
	}

	t.Run("discarded, actual and discarded-at", func(t *testing.T) {
		discarded := e.filtered(t, "contracts", url.Values{"filter[discarded]": {"2"}})
		archived := e.filtered(t, "contracts", url.Values{"filter[archived]": {"2"}})
		actual := e.filtered(t, "contracts", url.Values{"filter[actual]": {"2"}})
		if len(discarded) == 0 || len(archived) == 0 || len(actual) == 0 {
			t.Fatalf("discarded %v archived %v actual %v", discarded, archived, actual)
		}
		for _, id := range e.emu.IDs("contracts") {
			in := slices.Contains(actual, id)
			out := slices.Contains(discarded, id) || slices.Contains(archived, id)
			if in == out {
				t.Errorf("contract %s: actual %v, discarded/archived %v", id, in, out)
			}
		}
		if got := e.filtered(t, "contracts", url.Values{"filter[discarded-at-gte]": {"2000.01.01 00:00"}}); !slices.Equal(got, discarded) {
			t.Errorf("discarded-at-gte %v, want %v", got, discarded)
		}
		if got := e.filtered(t, "contracts", url.Values{"filter[discarded-at-lte]": {"2000.01.01 00:00"}}); len(got) != 0 {
			t.Errorf("discarded-at-lte 2000: %v", got)
		}
		if got := e.filtered(t, "contracts", url.Values{"filter[table-state-id]": {"4"}}); !slices.Equal(got, discarded) {
			t.Errorf("table-state 4 %v, want %v", got, discarded)
		}
		if got := e.filtered(t, "contracts", url.Values{"filter[discarded]": {"1"}}); len(got)+len(discarded) != len(e.emu.IDs("contracts")) {
			t.Errorf("discarded=1: %v", got)
		}
	})

	for _, typ := range []string{"contacts", "deals", "orders", "deal-stages"} {
		for _, attr := range []string{"created-at", "updated-at"} {
			t.Run(typ+" "+attr+" gte/lte", func(t *testing.T) {
				list := e.emu.IDs(typ)
				pivot, ok := storedTime(t, e, typ, list[len(list)/2], attr)
				if !ok {
					t.Fatal("no pivot time")
				}
				bound := pivot.In(synergyspec.FilterZone).Truncate(time.Minute)
				param := bound.Format(synergyspec.FilterTimeLayout)
				gte := e.filtered(t, typ, url.Values{"filter[" + attr + "-gte]": {param}})
				lte := e.filtered(t, typ, url.Values{"filter[" + attr + "-lte]": {param}})
				both := e.filtered(t, typ, url.Values{"filter[" + attr + "-gte]": {param}, "filter[" + attr + "-lte]": {param}})
				wantGte := e.where(typ, func(id string) bool { at, ok := storedTime(t, e, typ, id, attr); return ok && !at.Before(bound) })
				wantLte := e.where(typ, func(id string) bool {
					at, ok := storedTime(t, e, typ, id, attr)
					return ok && at.Before(bound.Add(time.Minute))
				})
				if !slices.Equal(gte, wantGte) || !slices.Equal(lte, wantLte) {
					t.Errorf("gte %v\nwant %v\nlte %v\nwant %v", gte, wantGte, lte, wantLte)
				}
				if !slices.Contains(both, list[len(list)/2]) || len(gte) == 0 || len(lte) == 0 || len(gte) == len(list) && len(lte) == len(list) {
					t.Errorf("bounds %s: gte %d, lte %d, both %v", param, len(gte), len(lte), both)
				}
			})
		}
	}

	t.Run("filters combine with AND", func(t *testing.T) {
		var name string
		var first []string
		for _, id := range e.emu.IDs("contacts") {
			n := strAttr(t, e.emu, "contacts", id, "first-name")
			if same := e.where("contacts", func(x string) bool { return strAttr(t, e.emu, "contacts", x, "first-name") == n }); len(same) > len(first) {
				name, first = n, same
			}
		}
		if len(first) < 3 {
			t.Fatalf("need a first name shared by three contacts, have %v", first)
		}
		pivot, _ := storedTime(t, e, "contacts", first[1], "created-at")
		param := pivot.In(synergyspec.FilterZone).Format(synergyspec.FilterTimeLayout)
		got := e.filtered(t, "contacts", url.Values{"filter[first-name]": {name}, "filter[created-at-gte]": {param}})
		if !slices.Equal(got, first[1:]) {
			t.Errorf("got %v, want %v", got, first[1:])
		}
	})
	t.Run("filter with paging and include", func(t *testing.T) {
		r := e.get("/api/v1/contacts?filter[created-at-gte]=2000.01.01%2000:00&page[size]=7&page[number]=2&include=companies").expect(t, http.StatusOK)
		if records, pages := r.meta(t); records != len(e.emu.IDs("contacts")) || pages != (records+6)/7 {
			t.Errorf("meta %d/%d", records, pages)
		}
		if got := ids(r.list()); !slices.Equal(got, e.emu.IDs("contacts")[7:14]) {
			t.Errorf("page 2: %v", got)
		}
	})
}

func TestFilterErrors(t *testing.T) {
	e := newEnv(t)
	cases := []struct{ path, param string }{
		{"/api/v1/contacts?filter[nope]=1", "filter[nope]"},
		{"/api/v1/contacts?filter[general_phone]=1", "filter[general_phone]"}, // not documented for contacts
		{"/api/v1/companies?filter[mobile_phone]=1", "filter[mobile_phone]"},  // not documented for companies
		{"/api/v1/deals?filter[last-name]=Иванов", "filter[last-name]"},
		{"/api/v1/deals?filter[number]=1", "filter[number]"},
		{"/api/v1/users?filter[name]=Анна", "filter[name]"},
		{"/api/v1/contacts?filter[created-at-gte]=2022-02-22", "filter[created-at-gte]"},
		{"/api/v1/contacts?filter[created-at-lte]=2022.02.22", "filter[created-at-lte]"},
		{"/api/v1/contacts?filter[work_phone]=abc", "filter[work_phone]"},
		{"/api/v1/contracts?filter[number]=abc", "filter[number]"},
		{"/api/v1/contracts?filter[archived]=5", "filter[archived]"},
		{"/api/v1/contracts?filter[actual]=yes", "filter[actual]"},
		{"/api/v1/contracts?filter[table-state-id]=99", "filter[table-state-id]"},
		{"/api/v1/contacts?filter[email]=a&filter[email]=b", "filter[email]"},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			r := e.get(c.path).expect(t, http.StatusBadRequest)
			if got := r.errorSources(t, "parameter"); !slices.Equal(got, []string{c.param}) {
				t.Errorf("source.parameter %v, want %s", got, c.param)
			}
		})
	}
}

package emulator_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/crmgateway/gateway/adapters/synergy/emulator"
)

func nextID(t *testing.T, e *env, typ string) string {
	t.Helper()
	list := e.emu.IDs(typ)
	n, _ := strconv.Atoi(list[len(list)-1])
	return strconv.Itoa(n + 1)
}

func TestCreate(t *testing.T) {
	e := newEnv(t)
	company := e.emu.IDs("companies")[2]
	source := e.emu.IDs("sources")[1]
	user := e.emu.IDs("users")[1]

	t.Run("contact as in the docs", func(t *testing.T) {
		want := nextID(t, e, "contacts")
		body := fmt.Sprintf(`{"data":{"type":"contacts","attributes":{"first-name":"Пётр","last-name":"Сидоров",
			"work-phone":"+79990001122","custom":{"custom-1":"Значение"}},
			"relationships":{"source":{"data":{"type":"sources","id":"%s"}},"responsible":{"data":{"type":"users","id":%s}},
			"companies":{"data":[{"type":"companies","id":%s}]}}}}`, source, user, company)
		r := e.do(http.MethodPost, "/api/v1/contacts", body).expect(t, http.StatusCreated)
		d := r.one()
		if d["id"] != want || d["type"] != "contacts" {
			t.Fatalf("created %v %v, want id %s", d["type"], d["id"], want)
		}
		if r.header.Get("Location") != "/api/v1/contacts/"+want || r.header.Get("Content-Type") != emulator.MediaType {
			t.Errorf("headers %v", r.header)
		}
		a := attrs(d)
		if a["first-name"] != "Пётр" || a["created-at"] != fixedNowWire || a["updated-at"] != fixedNowWire || a["email"] != nil {
			t.Errorf("attributes %v", a)
		}
		if c, _ := a["customs"].(map[string]any); c["custom-1"] != "Значение" {
			t.Errorf("customs %v", a["customs"])
		}
		for _, rel := range []string{"source", "responsible", "companies", "deals"} {
			if _, ok := linkageOf(d, rel); ok {
				t.Errorf("%s linkage without include", rel)
			}
		}
		if got := e.emu.Linkage("contacts", want, "responsible"); !slices.Equal(got, []emulator.Ref{{Type: "users", ID: user}}) {
			t.Errorf("responsible %v", got)
		}
		if !slices.Contains(e.emu.Linkage("companies", company, "contacts"), emulator.Ref{Type: "contacts", ID: want}) {
			t.Error("company does not list the new contact")
		}
		got := e.get("/api/v1/contacts/"+want).expect(t, http.StatusOK)
		if attrs(got.one())["work-phone"] != "+79990001122" {
			t.Errorf("read back %s", got.raw)
		}
		if n := e.filtered(t, "contacts", map[string][]string{"filter[work_phone]": {"79990001122"}}); !slices.Equal(n, []string{want}) {
			t.Errorf("filter finds %v", n)
		}
	})

	t.Run("deal: funnel follows the stage, profit, next number, numeric ids", func(t *testing.T) {
		stage := e.emu.IDs("deal-stages")[7]
		funnel := e.emu.Linkage("deal-stages", stage, "deal-stage-category")
		order := e.emu.IDs("orders")[1]
		prod := e.emu.IDs("products")
		body := fmt.Sprintf(`{"data":{"type":"deals","attributes":{"name":"Сделка по API","planned-at":"2022-02-22",
			"amount":1500000.75,"cost":"1000000.5"},
			"relationships":{"stage":{"data":{"type":"deal-stages","id":%s}},"company":{"data":{"type":"companies","id":"%s"}},
			"orders":{"data":[{"type":"orders","id":%s}]},"products":{"data":[{"type":"products","id":%s},{"type":"products","id":%s}]}}}}`,
			stage, company, order, prod[3], prod[1])
		r := e.do(http.MethodPost, "/api/v1/deals?include=stage-category,products", body).expect(t, http.StatusCreated)
		d := r.one()
		id := d["id"].(string)
		a := attrs(d)
		if a["amount"] != json.Number("1500000.75") || a["cost"] != json.Number("1000000.5") || a["profit"] != json.Number("500000.25") {
			t.Errorf("amount %v cost %v profit %v", a["amount"], a["cost"], a["profit"])
		}
		if !strings.Contains(string(r.raw), `"amount":1500000.75,"cost":1000000.5,"profit":500000.25,"number":81,`) {
			t.Errorf("decimals not exact or number not next: %s", r.raw)
		}
		if got := e.emu.Linkage("deals", id, "stage-category"); !slices.Equal(got, funnel) {
			t.Errorf("stage-category %v, want %v", got, funnel)
		}
		if data, ok := linkageOf(d, "products"); !ok || len(data.([]any)) != 2 {
			t.Errorf("products linkage %v", data)
		} else if first := data.([]any)[0].(map[string]any); first["id"] != prod[1] {
			t.Errorf("to-many linkage not ordered by id: %v", data)
		}
		if len(r.included()) != 3 {
			t.Errorf("included %d", len(r.included()))
		}
		if !slices.Contains(e.emu.Linkage("orders", order, "deals"), emulator.Ref{Type: "deals", ID: id}) {
			t.Error("order does not list the new deal")
		}
		if !slices.Contains(e.emu.Linkage("companies", company, "deals"), emulator.Ref{Type: "deals", ID: id}) {
			t.Error("company does not list the new deal")
		}
	})

	t.Run("order amount stays a string", func(t *testing.T) {
		r := e.do(http.MethodPost, "/api/v1/orders", `{"data":{"type":"orders","attributes":{"name":"Заявка по API","amount":2222.5,"archived-at":"2022-02-22"},
			"relationships":{"source":{"data":{"type":"sources","id":"`+source+`"}}}}}`).expect(t, http.StatusCreated)
		if a := attrs(r.one()); a["amount"] != "2222.5" || a["archived-at"] != "2022-02-22" {
			t.Errorf("attributes %v", a)
		}
		if !strings.Contains(string(r.raw), `"amount":"2222.5"`) {
			t.Errorf("amount not a JSON string: %s", r.raw)
		}
	})

	t.Run("contract with aliases and polymorphic parties", func(t *testing.T) {
		contact := e.emu.IDs("contacts")[1]
		r := e.do(http.MethodPost, "/api/v1/contracts?include=first-party,second-party", fmt.Sprintf(`{"data":{"type":"contracts",
			"attributes":{"name":"Трудовой договор","date":"2022-02-22","custom_number":"abc-99","custom":{"custom-1":"x"}},
			"relationships":{"first-party":{"data":{"type":"contacts","id":"%s"}},"second-party":{"data":{"type":"companies","id":"%s"}}}}}`,
			contact, company)).expect(t, http.StatusCreated)
		d := r.one()
		a := attrs(d)
		if a["custom-number"] != "abc-99" || a["cached-at"] != fixedNowWire || a["date"] != "2022-02-22" {
			t.Errorf("attributes %v", a)
		}
		if p, _ := linkageOf(d, "first-party"); p.(map[string]any)["type"] != "contacts" {
			t.Errorf("first-party %v", p)
		}
		if p, _ := linkageOf(d, "second-party"); p.(map[string]any)["type"] != "companies" {
			t.Errorf("second-party %v", p)
		}
		if v, _ := e.emu.Attr("contracts", d["id"].(string), "custom_number"); v != "abc-99" {
			t.Errorf("Attr by alias %v", v)
		}
	})

	t.Run("bank details, funnel, stage, event, named types", func(t *testing.T) {
		bodies := map[string]string{
			"company-bank-details":  `{"data":{"type":"company-bank-details","attributes":{"name":"МОЕ НАЗВАНИЕ БАНКОВСКИХ РЕКВИЗИТОВ","is-default":false},"relationships":{"company":{"data":{"type":"companies","id":` + company + `}}}}}`,
			"deal-stage-categories": `{"data":{"type":"deal-stage-categories","attributes":{"name":"Воронка сделок из API","amount-calc-method":"invoices","cost-calc-method":"payments"}}}`,
			"deal-stages":           `{"data":{"type":"deal-stages","attributes":{"name":"Этап в API","description":true,"duration":20000},"relationships":{"deal-stage-category":{"data":{"type":"deal-stage-categories","id":641}}}}}`,
			"diary-events":          `{"data":{"type":"diary-events","attributes":{"name":"Задача по API","description":"Данная задача было создана при помощи API","start-time":"2022-02-22 12:00 +0300"},"relationships":{"responsible":{"data":{"type":"users","id":"` + user + `"}},"company":{"data":{"type":"companies","id":"` + company + `"}}}}}`,
			"company-statuses":      `{"data":{"type":"company-statuses","attributes":{"name":"Статус компании из API","color":"#000000"}}}`,
			"order-stages":          `{"data":{"type":"order-stages","attributes":{"name":"Этап в API"}}}`,
		}
		for typ, body := range bodies {
			want := nextID(t, e, typ)
			r := e.do(http.MethodPost, "/api/v1/"+typ, body).expect(t, http.StatusCreated)
			if r.one()["id"] != want {
				t.Errorf("%s id %v, want %s", typ, r.one()["id"], want)
			}
		}
		bd := e.emu.IDs("company-bank-details")
		if !slices.Contains(e.emu.Linkage("companies", company, "bank-details"), emulator.Ref{Type: "company-bank-details", ID: bd[len(bd)-1]}) {
			t.Error("company does not list the new bank details")
		}
		ev := e.emu.IDs("diary-events")
		if !slices.Contains(e.emu.Linkage("companies", company, "events"), emulator.Ref{Type: "diary-events", ID: ev[len(ev)-1]}) {
			t.Error("company does not list the new event")
		}
	})
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t)
	type c struct {
		name, typ, attrs, rels string
		pointers               []string
		code                   string
	}
	cases := []c{
		{"missing required", "contacts", `{"last-name":"Петров"}`, "", []string{"/data/attributes/first-name"}, "required"},
		{"missing both required", "contacts", `{}`, "", []string{"/data/attributes/first-name", "/data/attributes/last-name"}, "required"},
		{"no attributes member", "contacts", "", "", []string{"/data/attributes/first-name", "/data/attributes/last-name"}, "required"},
		{"null required", "contacts", `{"first-name":null,"last-name":"Петров"}`, "", []string{"/data/attributes/first-name"}, "required"},
		{"blank required", "contacts", `{"first-name":"  ","last-name":"Петров"}`, "", []string{"/data/attributes/first-name"}, "required"},
		{"read-only updated-at", "contacts", `{"first-name":"А","last-name":"Б","updated-at":"2022-02-22T12:02:22.222+03:00"}`, "", []string{"/data/attributes/updated-at"}, "read_only"},
		{"read-only profit", "deals", `{"name":"x","profit":1.0}`, "", []string{"/data/attributes/profit"}, "read_only"},
		{"read-only previous-responsible-id", "contracts", `{"previous-responsible-id":12}`, "", []string{"/data/attributes/previous-responsible-id"}, "read_only"},
		{"read-only cached-at", "contracts", `{"cached-at":"2022-02-22T12:02:22.222+03:00"}`, "", []string{"/data/attributes/cached-at"}, "read_only"},
		{"read-only calculation-method", "deal-stage-categories", `{"name":"x","amount-calc-method":"manually","cost-calc-method":"manually","calculation-method":"by_billings"}`, "", []string{"/data/attributes/calculation-method"}, "read_only"},
		{"unknown attribute", "contacts", `{"first-name":"А","last-name":"Б","nickname":"x"}`, "", []string{"/data/attributes/nickname"}, "unknown_attribute"},
		{"string given a number", "contacts", `{"first-name":5,"last-name":"Б"}`, "", []string{"/data/attributes/first-name"}, "invalid_type"},
		{"integer given a string", "deals", `{"number":"5"}`, "", []string{"/data/attributes/number"}, "invalid_type"},
		{"integer given a fraction", "deals", `{"number":5.5}`, "", []string{"/data/attributes/number"}, "invalid_type"},
		{"decimal not a number", "deals", `{"amount":"много"}`, "", []string{"/data/attributes/amount"}, "invalid_type"},
		{"decimal in exponent form", "deals", `{"amount":1e3}`, "", []string{"/data/attributes/amount"}, "invalid_type"},
		{"boolean given a string", "company-bank-details", `{"name":"x","is-default":"yes"}`, "", []string{"/data/attributes/is-default"}, "invalid_type"},
		{"date in another form", "deals", `{"planned-at":"22.02.2022"}`, "", []string{"/data/attributes/planned-at"}, "invalid_type"},
		{"datetime garbage", "deals", `{"created-at":"вчера"}`, "", []string{"/data/attributes/created-at"}, "invalid_type"},
		{"customs not an object", "deals", `{"customs":["a"]}`, "", []string{"/data/attributes/customs"}, "invalid_type"},
		{"alias and name together", "deals", `{"custom":{},"customs":{}}`, "", []string{"/data/attributes/customs"}, "duplicate"},
		{"enum value not allowed", "deal-stage-categories", `{"name":"x","amount-calc-method":"manually","cost-calc-method":"invoices"}`, "", []string{"/data/attributes/cost-calc-method"}, "inclusion"},
		{"enum missing", "deal-stage-categories", `{"name":"x"}`, "", []string{"/data/attributes/amount-calc-method", "/data/attributes/cost-calc-method"}, "required"},
		{"target does not exist", "deals", `{"name":"x"}`, `{"company":{"data":{"type":"companies","id":"999999"}}}`, []string{"/data/relationships/company"}, "target_not_found"},
		{"to-many target does not exist", "deals", `{"name":"x"}`, `{"products":{"data":[{"type":"products","id":101},{"type":"products","id":99999}]}}`, []string{"/data/relationships/products"}, "target_not_found"},
		{"id of another type", "deals", `{"name":"x"}`, `{"company":{"data":{"type":"companies","id":"1001"}}}`, []string{"/data/relationships/company"}, "target_not_found"},
		{"linkage of the wrong type", "deals", `{"name":"x"}`, `{"company":{"data":{"type":"contacts","id":"1001"}}}`, []string{"/data/relationships/company"}, "invalid_linkage"},
		{"to-many given an object", "deals", `{"name":"x"}`, `{"products":{"data":{"type":"products","id":"101"}}}`, []string{"/data/relationships/products"}, "invalid_linkage"},
		{"linkage without data", "deals", `{"name":"x"}`, `{"company":{"type":"companies","id":"2001"}}`, []string{"/data/relationships/company"}, "invalid_linkage"},
		{"linkage id not numeric", "deals", `{"name":"x"}`, `{"company":{"data":{"type":"companies","id":"abc"}}}`, []string{"/data/relationships/company"}, "invalid_linkage"},
		{"unknown relationship", "deals", `{"name":"x"}`, `{"owner":{"data":null}}`, []string{"/data/relationships/owner"}, "unknown_relationship"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.emu.IDs(tc.typ)
			data := `"type":"` + tc.typ + `"`
			if tc.attrs != "" {
				data += `,"attributes":` + tc.attrs
			}
			if tc.rels != "" {
				data += `,"relationships":` + tc.rels
			}
			r := e.do(http.MethodPost, "/api/v1/"+tc.typ, `{"data":{`+data+`}}`).expect(t, http.StatusUnprocessableEntity)
			got := r.errorSources(t, "pointer")
			slices.Sort(got)
			if !slices.Equal(got, tc.pointers) {
				t.Errorf("pointers %v, want %v", got, tc.pointers)
			}
			er := r.firstError(t)
			if er["status"] != "422" || er["code"] != tc.code || er["title"] == "" || er["detail"] == "" {
				t.Errorf("error %v, want code %s", er, tc.code)
			}
			if after := e.emu.IDs(tc.typ); !slices.Equal(before, after) {
				t.Error("a rejected create stored a record")
			}
		})
	}
	t.Run("several errors at once", func(t *testing.T) {
		r := e.do(http.MethodPost, "/api/v1/contacts", `{"data":{"type":"contacts","attributes":{"first-name":1,"updated-at":"x","nope":1},
			"relationships":{"status":{"data":{"type":"contact-statuses","id":"1"}}}}}`).expect(t, http.StatusUnprocessableEntity)
		got := r.errorSources(t, "pointer")
		want := []string{"/data/attributes/first-name", "/data/attributes/nope", "/data/attributes/updated-at",
			"/data/attributes/last-name", "/data/relationships/status"}
		if !slices.Equal(got, want) {
			t.Errorf("pointers %v, want %v", got, want)
		}
	})
}

func TestUpdate(t *testing.T) {
	e := newEnv(t)
	contact := e.emu.IDs("contacts")[4]
	patch := func(typ, id, members string) result {
		return e.do(http.MethodPatch, "/api/v1/"+typ+"/"+id, `{"data":{"type":"`+typ+`","id":"`+id+`",`+members+`}}`)
	}

	t.Run("company status as in the docs", func(t *testing.T) {
		co := e.emu.IDs("companies")[5]
		status := e.emu.IDs("company-statuses")[3]
		before := map[string]any{}
		for _, a := range []string{"name", "inn", "created-at", "customs"} {
			before[a], _ = e.emu.Attr("companies", co, a)
		}
		r := patch("companies", co, `"relationships":{"status":{"data":{"type":"company-statuses","id":"`+status+`"}}}`).expect(t, http.StatusOK)
		if r.one()["id"] != co || attrs(r.one())["updated-at"] != fixedNowWire {
			t.Errorf("response %s", r.raw)
		}
		if got := e.emu.Linkage("companies", co, "status"); !slices.Equal(got, []emulator.Ref{{Type: "company-statuses", ID: status}}) {
			t.Errorf("status %v", got)
		}
		for a, v := range before {
			if now, _ := e.emu.Attr("companies", co, a); fmt.Sprint(now) != fmt.Sprint(v) {
				t.Errorf("%s changed: %v → %v", a, v, now)
			}
		}
	})

	t.Run("partial attributes and null clears", func(t *testing.T) {
		last := strAttr(t, e.emu, "contacts", contact, "last-name")
		email := strAttr(t, e.emu, "contacts", contact, "email")
		patch("contacts", contact, `"attributes":{"first-name":"Пётр","middle-name":null,"custom":{"custom-7":"новое"}}`).expect(t, http.StatusOK)
		if strAttr(t, e.emu, "contacts", contact, "first-name") != "Пётр" || strAttr(t, e.emu, "contacts", contact, "last-name") != last ||
			strAttr(t, e.emu, "contacts", contact, "email") != email {
			t.Error("unsent attributes changed or sent ones did not")
		}
		if v, _ := e.emu.Attr("contacts", contact, "middle-name"); v != nil {
			t.Errorf("middle-name %v, want null", v)
		}
		if v, _ := e.emu.Attr("contacts", contact, "customs"); fmt.Sprint(v) != "map[custom-7:новое]" {
			t.Errorf("customs %v (replaced as a whole)", v)
		}
	})

	t.Run("to-many linkage replaces, inverse follows", func(t *testing.T) {
		old := e.emu.Linkage("contacts", contact, "companies")
		co := e.emu.IDs("companies")[30]
		patch("contacts", contact, `"relationships":{"companies":{"data":[{"type":"companies","id":`+co+`}]}}`).expect(t, http.StatusOK)
		if got := e.emu.Linkage("contacts", contact, "companies"); !slices.Equal(got, []emulator.Ref{{Type: "companies", ID: co}}) {
			t.Errorf("companies %v", got)
		}
		me := emulator.Ref{Type: "contacts", ID: contact}
		for _, o := range old {
			if o.ID != co && slices.Contains(e.emu.Linkage("companies", o.ID, "contacts"), me) {
				t.Errorf("old company %s still lists the contact", o.ID)
			}
		}
		if !slices.Contains(e.emu.Linkage("companies", co, "contacts"), me) {
			t.Error("new company does not list the contact")
		}
		patch("contacts", contact, `"relationships":{"companies":{"data":[]}}`).expect(t, http.StatusOK)
		if got := e.emu.Linkage("contacts", contact, "companies"); len(got) != 0 {
			t.Errorf("companies after [] %v", got)
		}
	})

	t.Run("moving a deal between companies", func(t *testing.T) {
		var deal string
		for _, id := range e.emu.IDs("deals") {
			if len(e.emu.Linkage("deals", id, "company")) == 1 {
				deal = id
				break
			}
		}
		from := e.emu.Linkage("deals", deal, "company")[0].ID
		to := e.emu.IDs("companies")[33]
		me := emulator.Ref{Type: "deals", ID: deal}
		patch("deals", deal, `"relationships":{"company":{"data":{"type":"companies","id":`+to+`}}}`).expect(t, http.StatusOK)
		if slices.Contains(e.emu.Linkage("companies", from, "deals"), me) || !slices.Contains(e.emu.Linkage("companies", to, "deals"), me) {
			t.Error("company deals not kept in step")
		}
		// the other side: a company claims a deal, which leaves its old company
		back := e.emu.Linkage("companies", from, "deals")
		patch("companies", from, fmt.Sprintf(`"relationships":{"deals":{"data":%s}}`, refsJSON(append(back, me)))).expect(t, http.StatusOK)
		if got := e.emu.Linkage("deals", deal, "company"); !slices.Equal(got, []emulator.Ref{{Type: "companies", ID: from}}) {
			t.Errorf("deal company %v", got)
		}
		if slices.Contains(e.emu.Linkage("companies", to, "deals"), me) {
			t.Error("previous company still lists the deal")
		}
		patch("deals", deal, `"relationships":{"company":{"data":null}}`).expect(t, http.StatusOK)
		if slices.Contains(e.emu.Linkage("companies", from, "deals"), me) || len(e.emu.Linkage("deals", deal, "company")) != 0 {
			t.Error("null to-one did not clear both sides")
		}
	})

	t.Run("stage moves the funnel, amount moves profit", func(t *testing.T) {
		deal := e.emu.IDs("deals")[10]
		stages := e.emu.IDs("deal-stages")
		stage := stages[len(stages)-1]
		r := patch("deals", deal, `"attributes":{"amount":"100.10","cost":40},"relationships":{"stage":{"data":{"type":"deal-stages","id":"`+stage+`"}}}`).
			expect(t, http.StatusOK)
		if a := attrs(r.one()); a["profit"] != json.Number("60.10") || a["amount"] != json.Number("100.10") {
			t.Errorf("attributes %v", a)
		}
		if got, want := e.emu.Linkage("deals", deal, "stage-category"), e.emu.Linkage("deal-stages", stage, "deal-stage-category"); !slices.Equal(got, want) {
			t.Errorf("funnel %v, want %v", got, want)
		}
	})

	t.Run("numeric id in body", func(t *testing.T) {
		e.do(http.MethodPatch, "/api/v1/contacts/"+contact, `{"data":{"type":"contacts","id":`+contact+`,"attributes":{"last-name":"Числов"}}}`).
			expect(t, http.StatusOK)
		if strAttr(t, e.emu, "contacts", contact, "last-name") != "Числов" {
			t.Error("not updated")
		}
	})

	t.Run("validation", func(t *testing.T) {
		cases := []struct{ members, pointer string }{
			{`"attributes":{"first-name":null}`, "/data/attributes/first-name"},
			{`"attributes":{"last-name":""}`, "/data/attributes/last-name"},
			{`"attributes":{"updated-at":"2022-02-22T12:02:22.222+03:00"}`, "/data/attributes/updated-at"},
			{`"attributes":{"unknown":1}`, "/data/attributes/unknown"},
			{`"attributes":{"email":["a"]}`, "/data/attributes/email"},
			{`"relationships":{"status":{"data":{"type":"contact-statuses","id":"999"}}}`, "/data/relationships/status"},
		}
		for _, c := range cases {
			r := patch("contacts", contact, c.members).expect(t, http.StatusUnprocessableEntity)
			if got := r.errorSources(t, "pointer"); !slices.Equal(got, []string{c.pointer}) {
				t.Errorf("%s: pointers %v", c.members, got)
			}
		}
		if strAttr(t, e.emu, "contacts", contact, "last-name") != "Числов" {
			t.Error("a rejected update changed data")
		}
	})
}

func refsJSON(refs []emulator.Ref) string {
	var parts []string
	for _, r := range refs {
		parts = append(parts, fmt.Sprintf(`{"type":%q,"id":%q}`, r.Type, r.ID))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func TestDelete(t *testing.T) {
	e := newEnv(t)
	var deal, company string
	for _, id := range e.emu.IDs("deals") {
		if len(e.emu.Linkage("deals", id, "company")) == 1 && len(e.emu.Linkage("deals", id, "orders")) == 1 {
			deal, company = id, e.emu.Linkage("deals", id, "company")[0].ID
			break
		}
	}
	if deal == "" {
		t.Fatal("no deal with a company and an order in the seed")
	}
	order := e.emu.Linkage("deals", deal, "orders")[0].ID
	r := e.do(http.MethodDelete, "/api/v1/deals/"+deal, "").expect(t, http.StatusNoContent)
	if len(r.raw) != 0 || r.header.Get("Content-Type") != "" {
		t.Errorf("204 with body %q / %q", r.raw, r.header.Get("Content-Type"))
	}
	e.get("/api/v1/deals/"+deal).expect(t, http.StatusNotFound)
	e.do(http.MethodDelete, "/api/v1/deals/"+deal, "").expect(t, http.StatusNotFound)
	if slices.Contains(e.emu.IDs("deals"), deal) {
		t.Error("IDs still lists the deal")
	}
	me := emulator.Ref{Type: "deals", ID: deal}
	if slices.Contains(e.emu.Linkage("companies", company, "deals"), me) || slices.Contains(e.emu.Linkage("orders", order, "deals"), me) {
		t.Error("linkage to the deleted deal remains")
	}
	records, _ := e.get("/api/v1/deals").meta(t)
	if records != 79 {
		t.Errorf("record-count %d after delete", records)
	}
	// ids are not reused
	want := nextID(t, e, "deals")
	r = e.do(http.MethodPost, "/api/v1/deals", `{"data":{"type":"deals","attributes":{"name":"Новая"}}}`).expect(t, http.StatusCreated)
	if r.one()["id"] != want {
		t.Errorf("id %v, want %s", r.one()["id"], want)
	}
	// deleting a company leaves its bank details without a company
	bd := e.emu.Linkage("companies", company, "bank-details")
	e.do(http.MethodDelete, "/api/v1/companies/"+company, "").expect(t, http.StatusNoContent)
	for _, b := range bd {
		if got := e.emu.Linkage("company-bank-details", b.ID, "company"); len(got) != 0 {
			t.Errorf("bank details %s still point at %v", b.ID, got)
		}
	}
}

func TestWriteStatusCodes(t *testing.T) {
	e := newEnv(t)
	contact := e.emu.IDs("contacts")[0]
	valid := `{"data":{"type":"contacts","attributes":{"first-name":"А","last-name":"Б"}}}`
	cases := []struct {
		name, method, path, body string
		hdr                      []string
		want                     int
		pointer                  string
	}{
		{"no content type", http.MethodPost, "/api/v1/contacts", valid, []string{"Content-Type", ""}, 415, ""},
		{"plain json", http.MethodPost, "/api/v1/contacts", valid, []string{"Content-Type", "application/json"}, 415, ""},
		{"media type parameter", http.MethodPost, "/api/v1/contacts", valid, []string{"Content-Type", emulator.MediaType + "; charset=utf-8"}, 415, ""},
		{"patch without content type", http.MethodPatch, "/api/v1/contacts/" + contact, `{"data":{"type":"contacts","id":"` + contact + `"}}`, []string{"Content-Type", ""}, 415, ""},
		{"wrong type on create", http.MethodPost, "/api/v1/contacts", `{"data":{"type":"companies","attributes":{"name":"x"}}}`, nil, 409, "/data/type"},
		{"wrong type on update", http.MethodPatch, "/api/v1/contacts/" + contact, `{"data":{"type":"companies","id":"` + contact + `"}}`, nil, 409, "/data/type"},
		{"id mismatch", http.MethodPatch, "/api/v1/contacts/" + contact, `{"data":{"type":"contacts","id":"1002"}}`, nil, 409, "/data/id"},
		{"client id on create", http.MethodPost, "/api/v1/contacts", `{"data":{"type":"contacts","id":"5","attributes":{"first-name":"А","last-name":"Б"}}}`, nil, 403, "/data/id"},
		{"not json", http.MethodPost, "/api/v1/contacts", `{"data":`, nil, 400, ""},
		{"trailing data", http.MethodPost, "/api/v1/contacts", valid + `{}`, nil, 400, ""},
		{"no data", http.MethodPost, "/api/v1/contacts", `{"meta":{}}`, nil, 400, "/data"},
		{"data is an array", http.MethodPost, "/api/v1/contacts", `{"data":[]}`, nil, 400, "/data"},
		{"no type", http.MethodPost, "/api/v1/contacts", `{"data":{"attributes":{}}}`, nil, 400, "/data/type"},
		{"unknown data member", http.MethodPost, "/api/v1/contacts", `{"data":{"type":"contacts","attrs":{}}}`, nil, 400, "/data/attrs"},
		{"attributes not an object", http.MethodPost, "/api/v1/contacts", `{"data":{"type":"contacts","attributes":[]}}`, nil, 400, "/data/attributes"},
		{"patch without id", http.MethodPatch, "/api/v1/contacts/" + contact, `{"data":{"type":"contacts"}}`, nil, 400, "/data/id"},
		{"patch unknown id", http.MethodPatch, "/api/v1/contacts/999999", `{"data":{"type":"contacts","id":"999999"}}`, nil, 404, ""},
		{"delete unknown id", http.MethodDelete, "/api/v1/contacts/999999", "", nil, 404, ""},
		{"post unknown type", http.MethodPost, "/api/v1/leads", valid, nil, 404, ""},
		{"post to an id", http.MethodPost, "/api/v1/contacts/" + contact, valid, nil, 405, ""},
		{"opaque create", http.MethodPost, "/api/v1/users", `{"data":{"type":"users","attributes":{"name":"x"}}}`, nil, 405, ""},
		{"opaque update", http.MethodPatch, "/api/v1/sources/21", `{"data":{"type":"sources","id":"21"}}`, nil, 405, ""},
		{"opaque delete", http.MethodDelete, "/api/v1/products/101", "", nil, 405, ""},
		{"body too large", http.MethodPost, "/api/v1/contacts", `{"data":{"type":"contacts","attributes":{"description":"` + strings.Repeat("я", 1<<19) + `"}}}`, nil, 413, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			contacts := e.emu.IDs("contacts")
			last, _ := e.emu.Attr("contacts", contact, "last-name")
			r := e.do(c.method, c.path, c.body, c.hdr...).expect(t, c.want)
			er := r.firstError(t)
			if er["status"] != strconv.Itoa(c.want) || er["title"] != http.StatusText(c.want) {
				t.Errorf("error %v", er)
			}
			if c.pointer != "" {
				if got := r.errorSources(t, "pointer"); !slices.Equal(got, []string{c.pointer}) {
					t.Errorf("pointer %v, want %s", got, c.pointer)
				}
			}
			if c.want == 405 && r.header.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
			now, _ := e.emu.Attr("contacts", contact, "last-name")
			if !slices.Equal(e.emu.IDs("contacts"), contacts) || now != last {
				t.Error("a rejected write changed data")
			}
		})
	}
	if got := e.do(http.MethodDelete, "/api/v1/products/101", "").header.Get("Allow"); got != "GET" {
		t.Errorf("opaque Allow %q", got)
	}
}

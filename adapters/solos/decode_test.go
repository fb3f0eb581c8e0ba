package solos

import (
	"encoding/json"
	"strings"
	"testing"
)

func ids(t *testing.T, raws []json.RawMessage) []string {
	t.Helper()
	var out []string
	for _, r := range raws {
		p, err := projects.decode(r)
		if err != nil {
			t.Fatalf("decode %s: %v", r, err)
		}
		out = append(out, p.SourceID)
	}
	return out
}

func TestDecodeListVariants(t *testing.T) {
	tests := []struct {
		name, body string
		ids        string // comma-joined
		total      int    // -1: none
	}{
		{"bare array", `[{"id":1},{"id":2}]`, "1,2", -1},
		{"data and total", `{"data":[{"id":1},{"id":2}],"total":40}`, "1,2", 40},
		{"result and count as string", `{"status":"ok","result":[{"id":"1"}],"count":"7"}`, "1", 7},
		{"items", `{"items":[{"id":3}],"total":"1"}`, "3", 1},
		{"payload", `{"payload":[{"id":4}]}`, "4", -1},
		{"nested envelopes", `{"result":{"data":[{"id":5}],"total":9}}`, "5", 9},
		{"outer total wins", `{"total":3,"result":{"data":[{"id":5}],"count":1}}`, "5", 3},
		{"object keyed by id", `{"data":{"12":{"id":12},"7":{"id":7}},"total":2}`, "12,7", 2},
		{"bare object keyed by id", `{"12":{"id":"12"},"7":{"id":"7"}}`, "12,7", -1},
		{"one record for a list", `{"data":{"id":8,"name":"x"}}`, "8", -1},
		{"empty array", `[]`, "", -1},
		{"empty data", `{"data":[],"total":0}`, "", 0},
		{"null data", `{"data":null}`, "", -1},
		{"null", `null`, "", -1},
		{"false", `false`, "", -1},
		{"empty object", `{}`, "", -1},
		{"whitespace around", " \n[{\"id\":1}]\n ", "1", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raws, total, err := decodeList([]byte(tt.body))
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if got := strings.Join(ids(t, raws), ","); got != tt.ids {
				t.Errorf("ids = %q, want %q", got, tt.ids)
			}
			switch {
			case tt.total < 0 && total != nil:
				t.Errorf("total = %d, want none", *total)
			case tt.total >= 0 && (total == nil || *total != tt.total):
				t.Errorf("total = %v, want %d", total, tt.total)
			}
		})
	}
}

func TestDecodeListRejects(t *testing.T) {
	for name, body := range map[string]string{
		"empty body":          ``,
		"truncated":           `{"data": [{"id": 1}`,
		"string":              `"projects"`,
		"number":              `42`,
		"scalar members":      `{"a": 1, "b": 2}`,
		"bad total":           `{"data": [], "total": "many"}`,
		"negative total":      `{"data": [], "total": -1}`,
		"error with 200":      `{"status": "error", "error": "Неверный запрос"}`,
		"error and null data": `{"data": null, "error": "boom"}`,
		"trailing garbage":    `{"data": []} xyz`,
	} {
		t.Run(name, func(t *testing.T) {
			if raws, _, err := decodeList([]byte(body)); err == nil {
				t.Fatalf("accepted %q as %d records", body, len(raws))
			}
		})
	}
}

func TestDecodeOneVariants(t *testing.T) {
	tests := []struct {
		name, body string
		id         string // "" = not found
	}{
		{"bare object", `{"id": 1, "name": "x"}`, "1"},
		{"data", `{"data": {"id": "2"}}`, "2"},
		{"result", `{"status": "ok", "result": {"id": 3}}`, "3"},
		{"list of one", `[{"id": 4}]`, "4"},
		{"data list of one", `{"data": [{"id": 5}]}`, "5"},
		{"object with a data dynamic field", `{"id": 6, "data": {"x": 1}}`, "6"},
		{"null", `null`, ""},
		{"false", `false`, ""},
		{"empty list", `[]`, ""},
		{"empty object", `{}`, ""},
		{"empty data", `{"data": []}`, ""},
		{"null result", `{"result": null}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, found, err := decodeOne([]byte(tt.body))
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if found != (tt.id != "") {
				t.Fatalf("found = %v", found)
			}
			if !found {
				return
			}
			p, err := projects.decode(raw)
			if err != nil || p.SourceID != tt.id {
				t.Fatalf("decoded %+v, %v; want id %s", p, err, tt.id)
			}
		})
	}
	for _, body := range []string{`[{"id":1},{"id":2}]`, `{"name": "no id"}`, `{"error": "forbidden"}`, `"x"`} {
		if _, _, err := decodeOne([]byte(body)); err == nil {
			t.Errorf("accepted %s", body)
		}
	}
}

func TestDecodeProjectKeepsEverything(t *testing.T) {
	numbers := `{"id": 7, "name": "Поставка", "created": "2021-05-21 14:03:00", "deleted": 0,
		"sales_funnel_id": 1, "step_id": 3, "user_id": 0, "group_id": null, "price": 150000.50,
		"currency_id": 1, "participants_user_id": [1, 2], "participants_group_id": "1_3",
		"client_id": [1, 3], "contract_date": "2020-01-01", "address": "г. Москва", "rating": {"a": [1]}}`
	strs := `{"id": "7", "name": "Поставка", "created": "2021-05-21T14:03:00", "deleted": "0",
		"sales_funnel_id": "1", "step_id": "3", "user_id": "", "group_id": "0", "price": "150000.50",
		"currency_id": "1", "participants_user_id": ["1", "2"], "participants_group_id": "1,3",
		"client_id": "1,3", "contract_date": "2020-01-01 00:00:00", "address": "г. Москва", "rating": {"a": [1]}}`
	for name, body := range map[string]string{"numbers": numbers, "numeric strings": strs} {
		t.Run(name, func(t *testing.T) {
			p, err := projects.decode(json.RawMessage(body))
			if err != nil {
				t.Fatal(err)
			}
			if p.SourceID != "7" || *p.Name != "Поставка" || p.CreatedAt.String() != "2021-05-21T14:03:00" || p.Deleted {
				t.Errorf("built-ins: %+v", p)
			}
			if *p.SalesFunnelID != "1" || *p.StepID != "3" || p.UserID != nil || p.GroupID != nil || *p.CurrencyID != "1" {
				t.Errorf("references: %+v", p)
			}
			if string(*p.Price) != "150000.50" {
				t.Errorf("price = %s", *p.Price)
			}
			if strings.Join(p.ParticipantsUserID, ",") != "1,2" || strings.Join(p.ParticipantsGroupID, ",") != "1,3" {
				t.Errorf("participants: %v %v", p.ParticipantsUserID, p.ParticipantsGroupID)
			}
			if strings.Join(p.ClientID, ",") != "1,3" || p.ContractDate.String() != "2020-01-01" {
				t.Errorf("typed dynamic fields: %v %v", p.ClientID, p.ContractDate)
			}
			var dyn map[string]json.RawMessage
			if err := json.Unmarshal(p.Extra, &dyn); err != nil {
				t.Fatalf("extra %s: %v", p.Extra, err)
			}
			for _, k := range []string{"address", "rating"} {
				if _, ok := dyn[k]; !ok {
					t.Errorf("extra lacks %s: %s", k, p.Extra)
				}
			}
			if _, ok := dyn["name"]; ok || len(dyn) != 2 {
				t.Errorf("extra holds attributes with a field (built-ins or typed dynamic fields): %s", p.Extra)
			}
		})
	}
}

func TestDecodeScalars(t *testing.T) {
	t.Run("flags", func(t *testing.T) {
		for raw, want := range map[string]bool{`"1"`: true, `1`: true, `true`: true, `"true"`: true,
			`"0"`: false, `0`: false, `false`: false, `null`: false, `""`: false} {
			got, err := asBool(json.RawMessage(raw))
			if err != nil || got != want {
				t.Errorf("asBool(%s) = %v, %v", raw, got, err)
			}
		}
		if _, err := asBool(json.RawMessage(`"maybe"`)); err == nil {
			t.Error("asBool accepted maybe")
		}
	})
	t.Run("dates", func(t *testing.T) {
		for raw, want := range map[string]string{
			`"2021-05-21 14:03:00"`:       "2021-05-21T14:03:00",
			`"2021-05-21"`:                "2021-05-21T00:00:00",
			`"2021-05-21T14:03:00+03:00"`: "2021-05-21T14:03:00",
			`1621605780`:                  "2021-05-21T14:03:00",
		} {
			got, err := optLocalTime(json.RawMessage(raw))
			if err != nil || got == nil || got.String() != want {
				t.Errorf("optLocalTime(%s) = %v, %v; want %s", raw, got, err, want)
			}
		}
		for _, raw := range []string{`null`, `""`, `"0000-00-00 00:00:00"`, `"0000-00-00"`, `false`} {
			if got, err := optLocalTime(json.RawMessage(raw)); err != nil || got != nil {
				t.Errorf("optLocalTime(%s) = %v, %v; want absent", raw, got, err)
			}
		}
		if _, err := optLocalTime(json.RawMessage(`"вчера"`)); err == nil {
			t.Error("accepted a word as a date")
		}
	})
	t.Run("ids", func(t *testing.T) {
		for raw, want := range map[string]string{`[1, "2"]`: "1,2", `"3_4"`: "3,4", `5`: "5", `null`: "", `""`: "", `[]`: ""} {
			got, err := asIDs(json.RawMessage(raw))
			if err != nil || strings.Join(got, ",") != want {
				t.Errorf("asIDs(%s) = %v, %v", raw, got, err)
			}
		}
		for _, raw := range []string{`1.5`, `-1`, `[{"id":1}]`, `{"a":1}`} {
			if got, err := asIDs(json.RawMessage(raw)); err == nil {
				t.Errorf("asIDs(%s) = %v", raw, got)
			}
		}
	})
	t.Run("decimals", func(t *testing.T) {
		for raw, want := range map[string]string{`100`: "100", `"2500.50"`: "2500.50", `"2500,50"`: "2500.50", `1e3`: "1e3"} {
			got, err := optDecimal(json.RawMessage(raw))
			if err != nil || got == nil || string(*got) != want {
				t.Errorf("optDecimal(%s) = %v, %v", raw, got, err)
			}
		}
		if _, err := optDecimal(json.RawMessage(`"дорого"`)); err == nil {
			t.Error("accepted a word as a decimal")
		}
	})
}

func TestDecodeSubResources(t *testing.T) {
	c, err := checklists.decode(json.RawMessage(`{"id": "3", "name": "Запуск", "deadline": "2021-05-01 18:00:00",
		"done": "0", "items": [{"id": 1, "name": "Смета", "done": "1"}, {"id": "2", "name": "Договор", "done": 0}], "color": "red"}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.SourceID != "3" || c.Done || len(c.Items) != 2 || !c.Items[0].Done || c.Items[1].Done || string(c.Extra) != `{"color": "red"}` && string(c.Extra) != `{"color":"red"}` {
		t.Errorf("checklist = %+v items %+v other %s", c, c.Items, c.Extra)
	}
	p, err := payments.decode(json.RawMessage(`{"id": 9, "type": "1", "sum": "1500.00", "date": "2021-05-21"}`))
	if err != nil || p.Income == nil || !*p.Income || string(*p.Sum) != "1500.00" || p.Date.String() != "2021-05-21" {
		t.Errorf("payment = %+v, %v", p, err)
	}
	p, err = payments.decode(json.RawMessage(`{"id": 10}`))
	if err != nil || p.Income != nil {
		t.Errorf("payment without type = %+v, %v", p, err)
	}
	g, err := goods.decode(json.RawMessage(`{"good_id": 11, "name": "Внедрение", "quantity": "2.5"}`))
	if err != nil || g.SourceID != "11" || *g.GoodID != "11" || string(*g.Quantity) != "2.5" {
		t.Errorf("good without own id = %+v, %v", g, err)
	}
	if _, err := actions.decode(json.RawMessage(`{"type_id": 1}`)); err == nil {
		t.Error("an action without id was accepted")
	}
}

// fuzzSeeds are the shapes of the tests above plus broken ones.
var fuzzSeeds = []string{
	`[{"id":1,"name":"a"}]`, `{"data":[{"id":"1"}],"total":"1"}`, `{"result":{"data":{"5":{"id":5}}}}`,
	`{"data":{"id":8}}`, `null`, `false`, `{}`, `[]`, `{"error":"x"}`, `{"data":[{"id":1}`, `"x"`, `1e999`,
	`{"id":1,"price":"1,5","created":"0000-00-00","participants_user_id":"1_2","client_id":[1,"2"],"deleted":"1"}`,
	`[{"id":1,"items":[{"id":2,"done":"1"}]}]`, `{"data":[[1,2]]}`, `{"id":{"a":1}}`,
}

// FuzzDecodeList checks that no body makes the list decoder or the record
// decoders panic, and that whatever decodes keeps a valid JSON map.
func FuzzDecodeList(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		raws, total, err := decodeList(body)
		if err != nil {
			return
		}
		if total != nil && *total < 0 {
			t.Fatalf("negative total %d", *total)
		}
		for _, raw := range raws {
			if p, err := projects.decode(raw); err == nil {
				if p.SourceID == "" || !extraValid(p.Extra) {
					t.Fatalf("project %+v from %s", p, raw)
				}
			}
			if c, err := checklists.decode(raw); err == nil && !extraValid(c.Extra) {
				t.Fatalf("checklist extra %s", c.Extra)
			}
			_, _ = payments.decode(raw)
			_, _ = goods.decode(raw)
			_, _ = steps.decode(raw)
			_, _ = actions.decode(raw)
		}
	})
}

// FuzzDecodeOne checks the single-record decoder the same way.
func FuzzDecodeOne(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		raw, found, err := decodeOne(body)
		if err != nil || !found {
			return
		}
		if a, err := actions.decode(raw); err == nil && (a.SourceID == "" || !extraValid(a.Extra)) {
			t.Fatalf("action %+v from %s", a, raw)
		}
	})
}

// extraValid holds for what extra may be: absent (null) or a non-empty JSON
// object.
func extraValid(x []byte) bool {
	if x == nil {
		return true
	}
	var m map[string]json.RawMessage
	return json.Unmarshal(x, &m) == nil && len(m) > 0
}

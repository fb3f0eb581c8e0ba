package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// defaultCount is the page size when a request names none.
const defaultCount = 100

type badRequest string

func (b badRequest) Error() string { return string(b) }

func bad(format string, args ...any) error { return badRequest(fmt.Sprintf(format, args...)) }

// uintParam reads an unsigned integer query parameter.
func uintParam(q url.Values, name string, def int, required bool) (int, error) {
	v, ok := q[name]
	if !ok || v[0] == "" {
		if required {
			return 0, bad("параметр %s обязателен", name)
		}
		return def, nil
	}
	n, err := strconv.ParseUint(v[0], 10, 31)
	if err != nil {
		return 0, bad("параметр %s должен быть целым неотрицательным числом", name)
	}
	return int(n), nil
}

func flagParam(q url.Values, name string) (bool, error) {
	switch q.Get(name) {
	case "", "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, bad("параметр %s должен быть \"0\" или \"1\"", name)
}

func dateParam(q url.Values, name string) (*time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return nil, bad("параметр %s должен быть датой ГГГГ-ММ-ДД", name)
	}
	return &t, nil
}

// idsParam reads an underscore-separated id list ("1_2_3").
func idsParam(q url.Values, name string) ([]int, error) {
	v := q.Get(name)
	if v == "" {
		return nil, nil
	}
	var out []int
	for _, part := range strings.Split(v, "_") {
		n, err := strconv.ParseUint(part, 10, 31)
		if err != nil {
			return nil, bad("параметр %s: ID разделяются символом «_»", name)
		}
		out = append(out, int(n))
	}
	return out, nil
}

func sameDay(a, b time.Time) bool { return date(a) == date(b) }

// answer turns a handler error into a 400 answer.
func answer(err error) (int, any) {
	return http.StatusBadRequest, errorBody(err.Error())
}

func notFound(what string) (int, any) {
	return http.StatusNotFound, errorBody(what + " не найден")
}

// page cuts a window out of a list.
func page[T any](all []T, offset, count int) []T {
	if offset >= len(all) {
		return nil
	}
	return all[offset:min(len(all), offset+count)]
}

var orderFields = map[string]func(a, b *project) int{
	"id":      func(a, b *project) int { return a.ID - b.ID },
	"name":    func(a, b *project) int { return strings.Compare(a.Name, b.Name) },
	"created": func(a, b *project) int { return a.Created.Compare(b.Created) },
	"price": func(a, b *project) int {
		x, _ := strconv.ParseFloat(a.Price, 64)
		y, _ := strconv.ParseFloat(b.Price, 64)
		return cmpFloat(x, y)
	},
}

func cmpFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// listing are the paging and sorting members shared by both project lists.
type listing struct {
	count, offset int
	orderBy       string
	reverse       bool
	deleted       bool
}

func (e *Emulator) projectsAnswer(l listing, match func(*project) bool) (int, any) {
	less, ok := orderFields[l.orderBy]
	if !ok {
		return answer(bad("поле сортировки %q не поддерживается", l.orderBy))
	}
	var sel []*project
	for _, p := range e.data.projects {
		if p.Deleted == l.deleted && match(p) {
			sel = append(sel, p)
		}
	}
	slices.SortStableFunc(sel, func(a, b *project) int {
		c := less(a, b)
		if c == 0 {
			c = a.ID - b.ID
		}
		if l.reverse {
			c = -c
		}
		return c
	})
	var out []obj
	for _, p := range page(sel, l.offset, l.count) {
		out = append(out, e.r.project(p))
	}
	return http.StatusOK, e.r.list(out, len(sel))
}

// listProjects is GET /projects?count&offset&order_by&reverse&deleted.
func (e *Emulator) listProjects(q url.Values, _ []byte) (int, any) {
	var l listing
	var err error
	if l.count, err = uintParam(q, "count", defaultCount, false); err != nil {
		return answer(err)
	}
	if l.offset, err = uintParam(q, "offset", 0, false); err != nil {
		return answer(err)
	}
	if l.reverse, err = flagParam(q, "reverse"); err != nil {
		return answer(err)
	}
	if l.deleted, err = flagParam(q, "deleted"); err != nil {
		return answer(err)
	}
	l.orderBy = q.Get("order_by")
	if l.orderBy == "" {
		l.orderBy = "id"
	}
	return e.projectsAnswer(l, func(*project) bool { return true })
}

func (e *Emulator) project(id int) *project {
	for _, p := range e.data.projects {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// projectParam reads the project "id" parameter of the sub-resources.
func (e *Emulator) projectParam(q url.Values) (*project, error) {
	id, err := uintParam(q, "id", 0, true)
	if err != nil {
		return nil, err
	}
	return e.project(id), nil
}

// projectInfo is GET /projects/info?id.
func (e *Emulator) projectInfo(q url.Values, _ []byte) (int, any) {
	p, err := e.projectParam(q)
	if err != nil {
		return answer(err)
	}
	if p == nil {
		return notFound("Проект")
	}
	return http.StatusOK, e.r.one(e.r.project(p))
}

// projectSteps is GET /projects/steps?id&filter_date&filter_steps.
// filter_date matches the day the project entered the step.
func (e *Emulator) projectSteps(q url.Values, _ []byte) (int, any) {
	p, err := e.projectParam(q)
	if err != nil {
		return answer(err)
	}
	if p == nil {
		return notFound("Проект")
	}
	day, err := dateParam(q, "filter_date")
	if err != nil {
		return answer(err)
	}
	ids, err := idsParam(q, "filter_steps")
	if err != nil {
		return answer(err)
	}
	var out []obj
	for _, s := range e.data.steps {
		if s.ProjectID != p.ID || (day != nil && !sameDay(s.Date, *day)) || (ids != nil && !slices.Contains(ids, s.StepID)) {
			continue
		}
		out = append(out, e.r.step(s))
	}
	return http.StatusOK, e.r.list(out, len(out))
}

// projectActions is GET /projects/actions?id&count&offset&filter_id&filter_date&filter_actions.
func (e *Emulator) projectActions(q url.Values, _ []byte) (int, any) {
	p, err := e.projectParam(q)
	if err != nil {
		return answer(err)
	}
	if p == nil {
		return notFound("Проект")
	}
	count, err := uintParam(q, "count", defaultCount, false)
	if err != nil {
		return answer(err)
	}
	offset, err := uintParam(q, "offset", 0, false)
	if err != nil {
		return answer(err)
	}
	fid, err := uintParam(q, "filter_id", 0, false)
	if err != nil {
		return answer(err)
	}
	day, err := dateParam(q, "filter_date")
	if err != nil {
		return answer(err)
	}
	types, err := idsParam(q, "filter_actions")
	if err != nil {
		return answer(err)
	}
	var sel []*action
	for _, a := range e.data.actions {
		if a.ProjectID != p.ID || (fid != 0 && a.ID != fid) || (day != nil && !sameDay(a.Date, *day)) ||
			(types != nil && !slices.Contains(types, a.TypeID)) {
			continue
		}
		sel = append(sel, a)
	}
	var out []obj
	for _, a := range page(sel, offset, count) {
		out = append(out, e.r.action(a))
	}
	return http.StatusOK, e.r.list(out, len(sel))
}

// actionInfo is GET /projects/actions/info?id (the action's id).
func (e *Emulator) actionInfo(q url.Values, _ []byte) (int, any) {
	id, err := uintParam(q, "id", 0, true)
	if err != nil {
		return answer(err)
	}
	for _, a := range e.data.actions {
		if a.ID == id {
			return http.StatusOK, e.r.one(e.r.action(a))
		}
	}
	return notFound("Событие")
}

// projectChecklists is GET /projects/checklists?id.
func (e *Emulator) projectChecklists(q url.Values, _ []byte) (int, any) {
	p, err := e.projectParam(q)
	if err != nil {
		return answer(err)
	}
	if p == nil {
		return notFound("Проект")
	}
	var out []obj
	for _, c := range e.data.checklists {
		if c.ProjectID == p.ID {
			out = append(out, e.r.checklist(c))
		}
	}
	return http.StatusOK, e.r.list(out, len(out))
}

// projectGoods is GET /projects/goods?id.
func (e *Emulator) projectGoods(q url.Values, _ []byte) (int, any) {
	p, err := e.projectParam(q)
	if err != nil {
		return answer(err)
	}
	if p == nil {
		return notFound("Проект")
	}
	var out []obj
	for _, g := range e.data.goods {
		if g.ProjectID == p.ID {
			out = append(out, e.r.good(g))
		}
	}
	return http.StatusOK, e.r.list(out, len(out))
}

// projectPayments is GET /projects/payments?id&count&offset&filter_id&filter_date&filter_type.
func (e *Emulator) projectPayments(q url.Values, _ []byte) (int, any) {
	p, err := e.projectParam(q)
	if err != nil {
		return answer(err)
	}
	if p == nil {
		return notFound("Проект")
	}
	count, err := uintParam(q, "count", defaultCount, false)
	if err != nil {
		return answer(err)
	}
	offset, err := uintParam(q, "offset", 0, false)
	if err != nil {
		return answer(err)
	}
	fid, err := uintParam(q, "filter_id", 0, false)
	if err != nil {
		return answer(err)
	}
	day, err := dateParam(q, "filter_date")
	if err != nil {
		return answer(err)
	}
	var typ *bool
	if _, ok := q["filter_type"]; ok {
		t, err := flagParam(q, "filter_type")
		if err != nil {
			return answer(err)
		}
		typ = &t
	}
	var sel []*payment
	for _, pm := range e.data.payments {
		if pm.ProjectID != p.ID || (fid != 0 && pm.ID != fid) || (day != nil && !sameDay(pm.Date, *day)) ||
			(typ != nil && pm.Income != *typ) {
			continue
		}
		sel = append(sel, pm)
	}
	var out []obj
	for _, pm := range page(sel, offset, count) {
		out = append(out, e.r.payment(pm))
	}
	return http.StatusOK, e.r.list(out, len(sel))
}

// filterProjects is POST /projects/filter. Semantics where the docs are
// silent (shared with the adapter's README): condition combines every
// buildin_data and data entry; having always applies on top; created is an
// inclusive range of days; price matches exactly; an array means "any of".
func (e *Emulator) filterProjects(_ url.Values, body []byte) (int, any) {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || m == nil {
		return answer(bad("тело запроса должно быть объектом JSON"))
	}
	var l listing
	var err error
	if l.count, err = jsonUint(m, "count", defaultCount); err != nil {
		return answer(err)
	}
	if l.offset, err = jsonUint(m, "offset", 0); err != nil {
		return answer(err)
	}
	if l.reverse, err = jsonFlag(m, "reverse"); err != nil {
		return answer(err)
	}
	if l.deleted, err = jsonFlag(m, "deleted"); err != nil {
		return answer(err)
	}
	if l.orderBy, err = jsonString(m, "order_by"); err != nil {
		return answer(err)
	}
	if l.orderBy == "" {
		l.orderBy = "id"
	}
	condition, err := jsonString(m, "condition")
	if err != nil {
		return answer(err)
	}
	or := false
	switch condition {
	case "", "and":
	case "or":
		or = true
	default:
		return answer(bad("condition: ожидается \"and\" или \"or\""))
	}
	having, err := jsonString(m, "having")
	if err != nil {
		return answer(err)
	}
	hav, ok := e.havings()[having]
	if !ok {
		return answer(bad("having: неизвестное условие %q", having))
	}
	conds, err := e.buildinConditions(m["buildin_data"])
	if err != nil {
		return answer(err)
	}
	dyn, err := dynamicConditions(m["data"])
	if err != nil {
		return answer(err)
	}
	conds = append(conds, dyn...)
	return e.projectsAnswer(l, func(p *project) bool {
		if !hav(p) {
			return false
		}
		if len(conds) == 0 {
			return true
		}
		for _, c := range conds {
			if c(p) == or {
				return or
			}
		}
		return !or
	})
}

func jsonUint(m map[string]json.RawMessage, key string, def int) (int, error) {
	raw, ok := m[key]
	if !ok || string(raw) == "null" {
		return def, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		s = string(raw)
	}
	n, err := strconv.ParseUint(s, 10, 31)
	if err != nil {
		return 0, bad("%s должен быть целым неотрицательным числом", key)
	}
	return int(n), nil
}

func jsonString(m map[string]json.RawMessage, key string) (string, error) {
	raw, ok := m[key]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", bad("%s должен быть строкой", key)
	}
	return s, nil
}

func jsonFlag(m map[string]json.RawMessage, key string) (bool, error) {
	raw, ok := m[key]
	if !ok {
		return false, nil
	}
	switch strings.Trim(string(raw), `"`) {
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, bad("%s должен быть \"0\" или \"1\"", key)
}

// havings are the documented "having" conditions, "" for none.
func (e *Emulator) havings() map[string]func(*project) bool {
	hasAction := func(p *project) bool {
		return slices.ContainsFunc(e.data.actions, func(a *action) bool { return a.ProjectID == p.ID })
	}
	hasPayment := func(p *project) bool {
		return slices.ContainsFunc(e.data.payments, func(x *payment) bool { return x.ProjectID == p.ID })
	}
	hasGood := func(p *project) bool {
		return slices.ContainsFunc(e.data.goods, func(g *good) bool { return g.ProjectID == p.ID })
	}
	hasTask := func(p *project) bool { return p.Tasks > 0 }
	not := func(f func(*project) bool) func(*project) bool { return func(p *project) bool { return !f(p) } }
	return map[string]func(*project) bool{
		"":            func(*project) bool { return true },
		"actions":     hasAction,
		"payments":    hasPayment,
		"tasks":       hasTask,
		"goods":       hasGood,
		"no_actions":  not(hasAction),
		"no_payments": not(hasPayment),
		"no_tasks":    not(hasTask),
		"no_goods":    not(hasGood),
		"checklists_expired": func(p *project) bool {
			return slices.ContainsFunc(e.data.checklists, func(c *checklist) bool {
				return c.ProjectID == p.ID && !c.Done && c.Deadline.Before(e.opts.Today)
			})
		},
	}
}

// ids reads a JSON array of integer ids (numbers or numeric strings).
func ids(key string, raw json.RawMessage) ([]int, error) {
	var vs []json.Number
	if err := json.Unmarshal(raw, &vs); err != nil {
		var strs []string
		if err2 := json.Unmarshal(raw, &strs); err2 != nil {
			return nil, bad("buildin_data.%s: ожидается массив ID", key)
		}
		for _, s := range strs {
			vs = append(vs, json.Number(s))
		}
	}
	out := make([]int, 0, len(vs))
	for _, v := range vs {
		n, err := strconv.ParseUint(string(v), 10, 31)
		if err != nil {
			return nil, bad("buildin_data.%s: %q не является ID", key, v)
		}
		out = append(out, int(n))
	}
	return out, nil
}

func anyOf(want, have []int) bool {
	for _, h := range have {
		if slices.Contains(want, h) {
			return true
		}
	}
	return false
}

// buildinConditions reads buildin_data; an unknown key is refused.
func (e *Emulator) buildinConditions(raw json.RawMessage) ([]func(*project) bool, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, bad("buildin_data должен быть объектом")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []func(*project) bool
	for _, k := range keys {
		v := m[k]
		switch k {
		case "created":
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, bad("buildin_data.created: ожидается строка ГГГГ-ММ-ДД;ГГГГ-ММ-ДД")
			}
			from, to, ok := strings.Cut(s, ";")
			a, err1 := time.Parse("2006-01-02", from)
			b, err2 := time.Parse("2006-01-02", to)
			if !ok || err1 != nil || err2 != nil {
				return nil, bad("buildin_data.created: ожидается строка ГГГГ-ММ-ДД;ГГГГ-ММ-ДД")
			}
			out = append(out, func(p *project) bool {
				d := date(p.Created)
				return d >= date(a) && d <= date(b)
			})
		case "price":
			var n json.Number
			if err := json.Unmarshal(v, &n); err != nil {
				var s string
				if json.Unmarshal(v, &s) != nil {
					return nil, bad("buildin_data.price: ожидается число")
				}
				n = json.Number(s)
			}
			want, err := strconv.ParseFloat(string(n), 64)
			if err != nil {
				return nil, bad("buildin_data.price: ожидается число")
			}
			out = append(out, func(p *project) bool {
				have, _ := strconv.ParseFloat(p.Price, 64)
				return have == want
			})
		case "sales_funnel_id", "step_id", "user_id", "group_id", "currency_id",
			"participants_user_id", "participants_group_id", "actions_type_id", "good_id":
			want, err := ids(k, v)
			if err != nil {
				return nil, err
			}
			out = append(out, e.idCondition(k, want))
		default:
			return nil, bad("buildin_data: неизвестное поле %q", k)
		}
	}
	return out, nil
}

func (e *Emulator) idCondition(key string, want []int) func(*project) bool {
	one := func(get func(*project) int) func(*project) bool {
		return func(p *project) bool { return slices.Contains(want, get(p)) }
	}
	switch key {
	case "sales_funnel_id":
		return one(func(p *project) int { return p.SalesFunnelID })
	case "step_id":
		return one(func(p *project) int { return p.StepID })
	case "user_id":
		return one(func(p *project) int { return p.UserID })
	case "group_id":
		return one(func(p *project) int { return p.GroupID })
	case "currency_id":
		return one(func(p *project) int { return p.CurrencyID })
	case "participants_user_id":
		return func(p *project) bool { return anyOf(want, p.ParticipantsUserID) }
	case "participants_group_id":
		return func(p *project) bool { return anyOf(want, p.ParticipantsGroupID) }
	case "actions_type_id":
		return func(p *project) bool {
			return slices.ContainsFunc(e.data.actions, func(a *action) bool {
				return a.ProjectID == p.ID && slices.Contains(want, a.TypeID)
			})
		}
	default: // good_id
		return func(p *project) bool {
			return slices.ContainsFunc(e.data.goods, func(g *good) bool {
				return g.ProjectID == p.ID && slices.Contains(want, g.GoodID)
			})
		}
	}
}

// dynamicConditions reads data: field name → value (an array means any of).
// A field the installation does not have is refused.
func dynamicConditions(raw json.RawMessage) ([]func(*project) bool, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, bad("data должен быть объектом")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []func(*project) bool
	for _, k := range keys {
		get, ok := dynamicGetters[k]
		if !ok {
			return nil, bad("data: неизвестное динамическое поле %q", k)
		}
		var want []string
		switch v := m[k].(type) {
		case []any:
			for _, x := range v {
				want = append(want, fmt.Sprint(x))
			}
		case map[string]any, nil:
			return nil, bad("data.%s: ожидается значение или массив значений", k)
		default:
			want = []string{fmt.Sprint(v)}
		}
		out = append(out, func(p *project) bool {
			for _, have := range get(p) {
				if slices.Contains(want, have) {
					return true
				}
			}
			return false
		})
	}
	return out, nil
}

// dynamicGetters read the installation's dynamic fields as text values.
var dynamicGetters = map[string]func(*project) []string{
	"client_id": func(p *project) []string {
		out := make([]string, len(p.ClientID))
		for i, id := range p.ClientID {
			out[i] = strconv.Itoa(id)
		}
		return out
	},
	"contract_date": func(p *project) []string { return []string{p.ContractDate} },
	"address":       func(p *project) []string { return []string{p.Address} },
	"source":        func(p *project) []string { return []string{p.Source} },
}

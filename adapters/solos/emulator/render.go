package emulator

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// Style is the shape of the emulator's answers. The Solos docs show no
// response body; StyleData is the shape the gateway documents as its
// assumption, the others are variants a PHP CRM commonly produces, so the
// adapter's decoder can be exercised against each end to end.
type Style int

const (
	// StyleData: {"data": [...], "total": N} and {"data": {...}}; numbers
	// as JSON numbers, flags as "0"/"1" strings, dates "YYYY-MM-DD HH:MM:SS".
	StyleData Style = iota
	// StylePHP: {"result": [...], "count": "N"} and {"result": {...}};
	// every number and id as a numeric string.
	StylePHP
	// StyleBare: a bare array (no total) and a bare object; flags as 0/1.
	StyleBare
)

// kv is one member of an ordered JSON object.
type kv struct {
	K string
	V any
}

// obj is a JSON object that keeps its member order.
type obj []kv

func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.K)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(m.V)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// renderer writes values in one Style.
type renderer struct{ style Style }

func (r renderer) num(n int) any {
	if r.style == StylePHP {
		return strconv.Itoa(n)
	}
	return n
}

func (r renderer) nums(ns []int) any {
	out := make([]any, len(ns))
	for i, n := range ns {
		out[i] = r.num(n)
	}
	return out
}

// decimal renders a price or sum.
func (r renderer) decimal(s string) any {
	if r.style == StylePHP {
		return s
	}
	return json.Number(s)
}

func (r renderer) flag(b bool) any {
	v := 0
	if b {
		v = 1
	}
	if r.style == StyleBare {
		return v
	}
	return strconv.Itoa(v)
}

func dateTime(t time.Time) string { return t.Format("2006-01-02 15:04:05") }

func date(t time.Time) string { return t.Format("2006-01-02") }

func (r renderer) project(p *project) obj {
	o := obj{
		{"id", r.num(p.ID)},
		{"name", p.Name},
		{"created", dateTime(p.Created)},
		{"deleted", r.flag(p.Deleted)},
		{"sales_funnel_id", r.num(p.SalesFunnelID)},
		{"step_id", r.num(p.StepID)},
		{"user_id", r.num(p.UserID)},
		{"group_id", r.num(p.GroupID)},
		{"price", r.decimal(p.Price)},
		{"currency_id", r.num(p.CurrencyID)},
		{"participants_user_id", r.nums(p.ParticipantsUserID)},
		{"participants_group_id", r.nums(p.ParticipantsGroupID)},
	}
	return append(o, r.dynamic(p)...)
}

// dynamic renders the installation's dynamic fields of a project.
func (r renderer) dynamic(p *project) obj {
	var contract any
	if p.ContractDate != "" {
		contract = p.ContractDate
	}
	return obj{
		{"client_id", r.nums(p.ClientID)},
		{"contract_date", contract},
		{"address", p.Address},
		{"source", p.Source},
	}
}

func (r renderer) step(s *step) obj {
	return obj{
		{"id", r.num(s.ID)}, {"project_id", r.num(s.ProjectID)}, {"step_id", r.num(s.StepID)},
		{"name", s.Name}, {"sales_funnel_id", r.num(s.SalesFunnelID)},
		{"date", dateTime(s.Date)}, {"user_id", r.num(s.UserID)},
	}
}

func (r renderer) action(a *action) obj {
	return obj{
		{"id", r.num(a.ID)}, {"project_id", r.num(a.ProjectID)}, {"type_id", r.num(a.TypeID)},
		{"type_name", ActionTypes[a.TypeID]}, {"date", dateTime(a.Date)},
		{"user_id", r.num(a.UserID)}, {"user_name", Users[a.UserID]}, {"text", a.Text},
	}
}

func (r renderer) checklist(c *checklist) obj {
	items := make([]obj, len(c.Items))
	for i, it := range c.Items {
		items[i] = obj{{"id", r.num(it.ID)}, {"name", it.Name}, {"done", r.flag(it.Done)}}
	}
	return obj{
		{"id", r.num(c.ID)}, {"project_id", r.num(c.ProjectID)}, {"name", c.Name},
		{"deadline", dateTime(c.Deadline)}, {"done", r.flag(c.Done)}, {"items", items},
	}
}

func (r renderer) good(g *good) obj {
	c := catalogue[g.GoodID]
	return obj{
		{"id", r.num(g.ID)}, {"project_id", r.num(g.ProjectID)}, {"good_id", r.num(g.GoodID)},
		{"name", c.Name}, {"quantity", r.num(g.Quantity)}, {"unit", c.Unit},
		{"price", r.decimal(strconv.Itoa(c.Price) + ".00")},
		{"sum", r.decimal(strconv.Itoa(c.Price*g.Quantity) + ".00")},
		{"currency_id", r.num(g.CurrencyID)},
	}
}

func (r renderer) payment(p *payment) obj {
	return obj{
		{"id", r.num(p.ID)}, {"project_id", r.num(p.ProjectID)}, {"type", r.flag(p.Income)},
		{"sum", r.decimal(p.Sum)}, {"currency_id", r.num(p.CurrencyID)},
		{"date", date(p.Date)}, {"name", p.Name}, {"user_id", r.num(p.UserID)},
	}
}

// list wraps a window of records with the total before paging.
func (r renderer) list(items []obj, total int) any {
	if items == nil {
		items = []obj{}
	}
	switch r.style {
	case StylePHP:
		return obj{{"status", "ok"}, {"result", items}, {"count", strconv.Itoa(total)}}
	case StyleBare:
		return items
	}
	return obj{{"data", items}, {"total", total}}
}

// one wraps a single record.
func (r renderer) one(item obj) any {
	switch r.style {
	case StylePHP:
		return obj{{"status", "ok"}, {"result", item}}
	case StyleBare:
		return item
	}
	return obj{{"data", item}}
}

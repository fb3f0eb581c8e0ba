package solos

// One declarative description per Solos record type: which attribute goes
// to which typed field. Attributes not listed here are kept in the
// record's JSON map (Extra).

import (
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/globalid"
	"github.com/crmgateway/gateway/internal/scalar"
)

// Global ID types of the Solos records.
const (
	TypeProject       = domain.SolosProjects
	TypeStep          = domain.SolosSteps
	TypeAction        = domain.SolosActions
	TypeChecklist     = domain.SolosChecklists
	TypeChecklistItem = domain.SolosChecklistItems
	TypeGood          = domain.SolosGoods
	TypePayment       = domain.SolosPayments
)

func encodeID(typ, source string) string { return globalid.Encode(globalid.Solos, typ, source) }

// Field builders: each reads one attribute into the field get points at.

func textField[T any](get func(*T) **string) field[T] {
	return field[T]{set: func(x *T, raw string, a *arena) error {
		s, ok, err := textOf(raw)
		*get(x) = nil
		if ok {
			*get(x) = a.str(s)
		}
		return err
	}}
}

func refField[T any](get func(*T) **string) field[T] {
	return field[T]{set: func(x *T, raw string, a *arena) error {
		s, ok, err := refOf(raw)
		*get(x) = nil
		if ok {
			*get(x) = a.str(s)
		}
		return err
	}}
}

func refsField[T any](get func(*T) *[]string) field[T] {
	return field[T]{set: func(x *T, raw string, a *arena) (err error) { *get(x), err = idsOf(raw, a); return }}
}

func decimalField[T any](get func(*T) **scalar.Decimal) field[T] {
	return field[T]{set: func(x *T, raw string, a *arena) error {
		d, ok, err := decimalOf(raw)
		*get(x) = nil
		if ok {
			*get(x) = a.decimal(d)
		}
		return err
	}}
}

func timeField[T any](get func(*T) **scalar.LocalDateTime) field[T] {
	return field[T]{set: func(x *T, raw string, a *arena) error {
		t, ok, err := localTimeOf(raw)
		*get(x) = nil
		if ok {
			*get(x) = a.time(t)
		}
		return err
	}}
}

func dateField[T any](get func(*T) **scalar.Date) field[T] {
	return field[T]{set: func(x *T, raw string, a *arena) error {
		d, ok, err := dateOf(raw)
		*get(x) = nil
		if ok {
			*get(x) = a.date(d)
		}
		return err
	}}
}

func flagField[T any](get func(*T) *bool) field[T] {
	return field[T]{set: func(x *T, raw string, _ *arena) (err error) { *get(x), err = asBool(raw); return }}
}

// projects: GET /projects, POST /projects/filter, GET /projects/info.
// Every attribute that is not a documented built-in is a dynamic field.
var projects = &resource[domain.Project]{
	name: "project",
	typ:  TypeProject,
	fields: map[string]field[domain.Project]{
		"name":                  textField(func(p *domain.Project) **string { return &p.Name }),
		"created":               timeField(func(p *domain.Project) **scalar.LocalDateTime { return &p.CreatedAt }),
		"deleted":               flagField(func(p *domain.Project) *bool { return &p.Deleted }),
		"sales_funnel_id":       refField(func(p *domain.Project) **string { return &p.SalesFunnelID }),
		"step_id":               refField(func(p *domain.Project) **string { return &p.StepID }),
		"user_id":               refField(func(p *domain.Project) **string { return &p.UserID }),
		"group_id":              refField(func(p *domain.Project) **string { return &p.GroupID }),
		"price":                 decimalField(func(p *domain.Project) **scalar.Decimal { return &p.Price }),
		"currency_id":           refField(func(p *domain.Project) **string { return &p.CurrencyID }),
		"participants_user_id":  refsField(func(p *domain.Project) *[]string { return &p.ParticipantsUserID }),
		"participants_group_id": refsField(func(p *domain.Project) *[]string { return &p.ParticipantsGroupID }),
		// The dynamic fields the Solos docs name (in the filter example).
		"client_id":     refsField(func(p *domain.Project) *[]string { return &p.ClientID }),
		"contract_date": dateField(func(p *domain.Project) **scalar.Date { return &p.ContractDate }),
	},
	finish: func(p *domain.Project, gid, sid string, rest scalar.JSON) {
		p.ID, p.SourceID, p.Extra = gid, sid, rest
		if p.ParticipantsUserID == nil {
			p.ParticipantsUserID = []string{}
		}
		if p.ParticipantsGroupID == nil {
			p.ParticipantsGroupID = []string{}
		}
		if p.ClientID == nil {
			p.ClientID = []string{}
		}
	},
}

// steps: GET /projects/steps. A record without its own id is named by its step.
var steps = &resource[domain.ProjectStep]{
	name:       "step",
	typ:        TypeStep,
	fallbackID: []string{"step_id"},
	fields: map[string]field[domain.ProjectStep]{
		"step_id":         refField(func(s *domain.ProjectStep) **string { return &s.StepID }),
		"name":            textField(func(s *domain.ProjectStep) **string { return &s.Name }),
		"sales_funnel_id": refField(func(s *domain.ProjectStep) **string { return &s.SalesFunnelID }),
		"date":            timeField(func(s *domain.ProjectStep) **scalar.LocalDateTime { return &s.Date }),
		"user_id":         refField(func(s *domain.ProjectStep) **string { return &s.UserID }),
	},
	finish: func(s *domain.ProjectStep, gid, sid string, rest scalar.JSON) {
		s.ID, s.SourceID, s.Extra = gid, sid, rest
	},
}

// actions: GET /projects/actions and GET /projects/actions/info.
var actions = &resource[domain.ProjectAction]{
	name: "action",
	typ:  TypeAction,
	fields: map[string]field[domain.ProjectAction]{
		"project_id": {set: func(x *domain.ProjectAction, raw string, _ *arena) error {
			id, ok, err := refOf(raw)
			if ok {
				x.ProjectSourceID = id
			}
			return err
		}},
		"type_id":   refField(func(a *domain.ProjectAction) **string { return &a.TypeID }),
		"type_name": textField(func(a *domain.ProjectAction) **string { return &a.TypeName }),
		"date":      timeField(func(a *domain.ProjectAction) **scalar.LocalDateTime { return &a.Date }),
		"user_id":   refField(func(a *domain.ProjectAction) **string { return &a.UserID }),
		"text":      textField(func(a *domain.ProjectAction) **string { return &a.Text }),
	},
	finish: func(a *domain.ProjectAction, gid, sid string, rest scalar.JSON) {
		a.ID, a.SourceID, a.Extra = gid, sid, rest
	},
}

// checklistItems are the "items" of a checklist.
var checklistItems = &resource[domain.ProjectChecklistItem]{
	name: "checklist item",
	typ:  TypeChecklistItem,
	fields: map[string]field[domain.ProjectChecklistItem]{
		"name": textField(func(i *domain.ProjectChecklistItem) **string { return &i.Name }),
		"done": flagField(func(i *domain.ProjectChecklistItem) *bool { return &i.Done }),
	},
	finish: func(i *domain.ProjectChecklistItem, gid, sid string, rest scalar.JSON) {
		i.ID, i.SourceID, i.Extra = gid, sid, rest
	},
}

// checklists: GET /projects/checklists.
var checklists = &resource[domain.ProjectChecklist]{
	name: "checklist",
	typ:  TypeChecklist,
	fields: map[string]field[domain.ProjectChecklist]{
		"name":     textField(func(c *domain.ProjectChecklist) **string { return &c.Name }),
		"deadline": timeField(func(c *domain.ProjectChecklist) **scalar.LocalDateTime { return &c.Deadline }),
		"done":     flagField(func(c *domain.ProjectChecklist) *bool { return &c.Done }),
		"items": {set: func(c *domain.ProjectChecklist, raw string, _ *arena) error {
			raws, _, err := decodeList([]byte(raw))
			if err != nil {
				return err
			}
			c.Items, err = checklistItems.decodeAll(raws)
			return err
		}},
	},
	finish: func(c *domain.ProjectChecklist, gid, sid string, rest scalar.JSON) {
		c.ID, c.SourceID, c.Extra = gid, sid, rest
		if c.Items == nil {
			c.Items = []*domain.ProjectChecklistItem{}
		}
	},
}

// goods: GET /projects/goods. A line without its own id is named by its good.
var goods = &resource[domain.ProjectGood]{
	name:       "good",
	typ:        TypeGood,
	fallbackID: []string{"good_id"},
	fields: map[string]field[domain.ProjectGood]{
		"good_id":     refField(func(g *domain.ProjectGood) **string { return &g.GoodID }),
		"name":        textField(func(g *domain.ProjectGood) **string { return &g.Name }),
		"quantity":    decimalField(func(g *domain.ProjectGood) **scalar.Decimal { return &g.Quantity }),
		"unit":        textField(func(g *domain.ProjectGood) **string { return &g.Unit }),
		"price":       decimalField(func(g *domain.ProjectGood) **scalar.Decimal { return &g.Price }),
		"sum":         decimalField(func(g *domain.ProjectGood) **scalar.Decimal { return &g.Sum }),
		"currency_id": refField(func(g *domain.ProjectGood) **string { return &g.CurrencyID }),
	},
	finish: func(g *domain.ProjectGood, gid, sid string, rest scalar.JSON) {
		g.ID, g.SourceID, g.Extra = gid, sid, rest
	},
}

// payments: GET /projects/payments.
var payments = &resource[domain.ProjectPayment]{
	name: "payment",
	typ:  TypePayment,
	fields: map[string]field[domain.ProjectPayment]{
		"type": {set: func(p *domain.ProjectPayment, raw string, a *arena) error {
			b, ok, err := optFlagOf(raw)
			p.Income = nil
			if ok {
				p.Income = a.bool(b)
			}
			return err
		}},
		"sum":         decimalField(func(p *domain.ProjectPayment) **scalar.Decimal { return &p.Sum }),
		"currency_id": refField(func(p *domain.ProjectPayment) **string { return &p.CurrencyID }),
		"date":        dateField(func(p *domain.ProjectPayment) **scalar.Date { return &p.Date }),
		"name":        textField(func(p *domain.ProjectPayment) **string { return &p.Name }),
		"user_id":     refField(func(p *domain.ProjectPayment) **string { return &p.UserID }),
	},
	finish: func(p *domain.ProjectPayment, gid, sid string, rest scalar.JSON) {
		p.ID, p.SourceID, p.Extra = gid, sid, rest
	},
}

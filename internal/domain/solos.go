package domain

import (
	"time"

	"github.com/crmgateway/gateway/internal/scalar"
)

// Solos CRM entities. Solos documents no response bodies, so the typed
// fields below are the adapter's documented assumption (see
// adapters/solos/README.md); every attribute without a typed field is kept
// byte for byte in Extra, so nothing the upstream returns is lost.

// Global ID types of the Solos records (globalid.Encode("solos", type, id)).
const (
	SolosProjects       = "projects"
	SolosSteps          = "steps"
	SolosActions        = "actions"
	SolosChecklists     = "checklists"
	SolosChecklistItems = "checklist-items"
	SolosGoods          = "goods"
	SolosPayments       = "payments"
)

// Project is a Solos project with its built-in and dynamic fields.
type Project struct {
	Meta
	ID       string // global ID
	SourceID string
	Name     *string
	// CreatedAt is the upstream's `created`.
	CreatedAt *scalar.LocalDateTime
	Deleted   bool
	// References to entities the Solos API cannot read (funnels, steps,
	// users, groups, currencies): the CRM's own ids.
	SalesFunnelID       *string
	StepID              *string
	UserID              *string
	GroupID             *string
	Price               *scalar.Decimal
	CurrencyID          *string
	ParticipantsUserID  []string
	ParticipantsGroupID []string
	// ClientID and ContractDate are the dynamic fields the Solos docs name.
	ClientID     []string
	ContractDate *scalar.Date
	// Extra holds every other attribute (the dynamic, user-defined fields
	// among them) as a JSON object in the upstream's order, nil when there
	// is none.
	Extra scalar.JSON
}

// GlobalID implements Node.
func (p *Project) GlobalID() string { return p.ID }

// ProjectStep is one step (stage) a project went through.
type ProjectStep struct {
	Meta
	ID            string
	SourceID      string
	StepID        *string
	Name          *string
	SalesFunnelID *string
	Date          *scalar.LocalDateTime
	UserID        *string
	Extra         scalar.JSON
}

// GlobalID implements Node.
func (s *ProjectStep) GlobalID() string { return s.ID }

// ProjectAction is an action (event) of a project: a call, a meeting, a
// letter. Solos can read one alone, so it is reachable through node(id:).
type ProjectAction struct {
	Meta
	ID              string
	SourceID        string
	ProjectSourceID string // empty when the upstream did not say
	TypeID          *string
	TypeName        *string
	Date            *scalar.LocalDateTime
	UserID          *string
	Text            *string
	Extra           scalar.JSON
}

// GlobalID implements Node.
func (a *ProjectAction) GlobalID() string { return a.ID }

// ProjectChecklist is a checklist of a project with its items.
type ProjectChecklist struct {
	Meta
	ID       string
	SourceID string
	Name     *string
	Deadline *scalar.LocalDateTime
	Done     bool
	Items    []*ProjectChecklistItem
	Extra    scalar.JSON
}

// GlobalID implements Node.
func (c *ProjectChecklist) GlobalID() string { return c.ID }

// ProjectChecklistItem is one line of a checklist.
type ProjectChecklistItem struct {
	Meta
	ID       string
	SourceID string
	Name     *string
	Done     bool
	Extra    scalar.JSON
}

// GlobalID implements Node.
func (i *ProjectChecklistItem) GlobalID() string { return i.ID }

// ProjectGood is a product line of a project.
type ProjectGood struct {
	Meta
	ID         string
	SourceID   string
	GoodID     *string
	Name       *string
	Quantity   *scalar.Decimal
	Unit       *string
	Price      *scalar.Decimal
	Sum        *scalar.Decimal
	CurrencyID *string
	Extra      scalar.JSON
}

// GlobalID implements Node.
func (g *ProjectGood) GlobalID() string { return g.ID }

// ProjectPayment is money received for (income) or spent on (expense) a project.
type ProjectPayment struct {
	Meta
	ID       string
	SourceID string
	// Income is true for Solos type "1" (a receipt), false for "0" (a
	// write-off), nil when the upstream did not say.
	Income     *bool
	Sum        *scalar.Decimal
	CurrencyID *string
	Date       *scalar.Date
	Name       *string
	UserID     *string
	Extra      scalar.JSON
}

// GlobalID implements Node.
func (p *ProjectPayment) GlobalID() string { return p.ID }

// ProjectListQuery asks for one window of projects. Search nil lists
// (GET /projects); a Search makes it a search (POST /projects/filter).
type ProjectListQuery struct {
	Offset  int
	Count   int
	OrderBy string // upstream sort field, e.g. "id"
	Reverse bool
	Deleted bool
	Search  *ProjectSearch
}

// ProjectSearch holds the conditions of a project search. ID lists hold
// the CRM's own (unsigned integer) ids.
type ProjectSearch struct {
	Or          bool   // condition "or"; false is "and"
	Having      string // upstream value (e.g. "checklists_expired"), "" for none
	CreatedFrom *time.Time
	CreatedTo   *time.Time

	SalesFunnelID       []uint64
	StepID              []uint64
	UserID              []uint64
	GroupID             []uint64
	Price               *scalar.Decimal
	CurrencyID          []uint64
	ParticipantsUserID  []uint64
	ParticipantsGroupID []uint64
	ActionsTypeID       []uint64
	GoodID              []uint64

	// Data are conditions on dynamic fields: a JSON object, field name → value.
	Data scalar.JSON
}

// ProjectStepQuery filters a project's steps.
type ProjectStepQuery struct {
	Date    *time.Time
	StepIDs []uint64
}

// ProjectActionQuery asks for one window of a project's actions.
type ProjectActionQuery struct {
	Offset, Count int
	ID            string // the action's own id, "" for any
	Date          *time.Time
	TypeIDs       []uint64
}

// ProjectPaymentQuery asks for one window of a project's payments.
type ProjectPaymentQuery struct {
	Offset, Count int
	ID            string // the payment's own id, "" for any
	Date          *time.Time
	Income        *bool // nil for both types
}

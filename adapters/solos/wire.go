package solos

import (
	"encoding/json"

	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/scalar"
)

// filterBody is the JSON body of POST /projects/filter, member for member
// as the Solos docs show it: count/offset are numbers, the flags are the
// strings "0"/"1", ID lists are arrays of numbers.
type filterBody struct {
	Count       int             `json:"count"`
	Offset      int             `json:"offset"`
	OrderBy     string          `json:"order_by"`
	Reverse     string          `json:"reverse"`
	Deleted     string          `json:"deleted"`
	Condition   string          `json:"condition"`
	Having      string          `json:"having,omitempty"`
	BuildinData buildinData     `json:"buildin_data"`
	Data        json.RawMessage `json:"data,omitempty"`
}

// buildinData are the conditions on built-in fields ("buildin", sic).
type buildinData struct {
	Created             string          `json:"created,omitempty"` // "YYYY-MM-DD;YYYY-MM-DD"
	SalesFunnelID       []uint64        `json:"sales_funnel_id,omitempty"`
	StepID              []uint64        `json:"step_id,omitempty"`
	UserID              []uint64        `json:"user_id,omitempty"`
	GroupID             []uint64        `json:"group_id,omitempty"`
	Price               *scalar.Decimal `json:"price,omitempty"`
	CurrencyID          []uint64        `json:"currency_id,omitempty"`
	ParticipantsUserID  []uint64        `json:"participants_user_id,omitempty"`
	ParticipantsGroupID []uint64        `json:"participants_group_id,omitempty"`
	ActionsTypeID       []uint64        `json:"actions_type_id,omitempty"`
	GoodID              []uint64        `json:"good_id,omitempty"`
}

func newFilterBody(q domain.ProjectListQuery) filterBody {
	s := q.Search
	b := filterBody{
		Count: q.Count, Offset: q.Offset, OrderBy: q.OrderBy,
		Reverse: flag(q.Reverse), Deleted: flag(q.Deleted),
		Condition: "and", Having: s.Having,
		BuildinData: buildinData{
			SalesFunnelID:       s.SalesFunnelID,
			StepID:              s.StepID,
			UserID:              s.UserID,
			GroupID:             s.GroupID,
			Price:               s.Price,
			CurrencyID:          s.CurrencyID,
			ParticipantsUserID:  s.ParticipantsUserID,
			ParticipantsGroupID: s.ParticipantsGroupID,
			ActionsTypeID:       s.ActionsTypeID,
			GoodID:              s.GoodID,
		},
	}
	if s.Or {
		b.Condition = "or"
	}
	if s.CreatedFrom != nil && s.CreatedTo != nil {
		b.BuildinData.Created = sqlDate(*s.CreatedFrom) + ";" + sqlDate(*s.CreatedTo)
	}
	if len(s.Data) > 0 {
		b.Data = json.RawMessage(s.Data)
	}
	return b
}

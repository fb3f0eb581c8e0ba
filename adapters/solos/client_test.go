package solos

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/crmgateway/gateway/adapters/solos/emulator"
	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/scalar"
	"github.com/crmgateway/gateway/internal/upstream"
)

type testOpts struct {
	emu     emulator.Options
	retries int
	timeout time.Duration
	secret  string // overrides the secret the adapter sends
}

// newTestAdapter runs the adapter against its emulator over real HTTP.
func newTestAdapter(t *testing.T, o testOpts) (*Adapter, *emulator.Emulator) {
	t.Helper()
	em := emulator.New(o.emu)
	srv := httptest.NewServer(em)
	t.Cleanup(srv.Close)
	if o.timeout == 0 {
		o.timeout = 5 * time.Second
	}
	secret := emulator.SandboxSecret
	if o.secret != "" {
		secret = o.secret
	}
	c, err := upstream.New(upstream.Options{
		Name: Name, BaseURL: srv.URL + emulator.BasePath, Timeout: o.timeout, MaxRetries: o.retries,
		Authorize: Authorize(emulator.SandboxToken, secret), Secrets: []string{emulator.SandboxToken, secret},
	})
	if err != nil {
		t.Fatal(err)
	}
	return New(c), em
}

var styles = map[string]emulator.Style{"data": emulator.StyleData, "php": emulator.StylePHP, "bare": emulator.StyleBare}

func TestAdapterReadsEveryEndpoint(t *testing.T) {
	ctx := context.Background()
	for name, style := range styles {
		t.Run(name, func(t *testing.T) {
			a, em := newTestAdapter(t, testOpts{emu: emulator.Options{Style: style}})

			page, err := a.Projects(ctx, domain.ProjectListQuery{Count: 5})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) != 5 || page.Items[0].SourceID != "1" || !page.HasMore {
				t.Fatalf("projects page = %d items, first %+v, more %v", len(page.Items), page.Items[0], page.HasMore)
			}
			if style == emulator.StyleBare {
				if page.Total != nil {
					t.Errorf("bare answers carry no total, got %d", *page.Total)
				}
			} else if page.Total == nil || *page.Total != 36 {
				t.Errorf("total = %v, want 36 active projects", page.Total)
			}

			p, err := a.Project(ctx, "1")
			if err != nil {
				t.Fatal(err)
			}
			if *p.Name != "Внедрение CRM для ООО «Ромашка»" || p.ContractDate.String() != "2020-01-01" ||
				p.Deleted || *p.CurrencyID != "1" || len(p.ClientID) != 1 {
				t.Errorf("project 1 = %+v", p)
			}
			if !strings.Contains(string(p.Extra), `"address":"г. Санкт-Петербург`) {
				t.Errorf("dynamic fields = %s", p.Extra)
			}
			deleted, err := a.Project(ctx, "9")
			if err != nil || !deleted.Deleted {
				t.Errorf("project 9 = %+v, %v; want deleted", deleted, err)
			}

			st, err := a.ProjectSteps(ctx, "2", domain.ProjectStepQuery{})
			if err != nil || len(st) != 3 || *st[0].Name != "Старт проекта" || *st[2].StepID != "8" {
				t.Errorf("steps = %v, %v", st, err)
			}

			acts, err := a.ProjectActions(ctx, "1", domain.ProjectActionQuery{Count: 10, Offset: 20})
			if err != nil || len(acts.Items) != 3 || acts.HasMore || acts.Items[0].SourceID != "21" {
				t.Fatalf("actions = %+v, %v", acts, err)
			}
			if acts.Items[0].ProjectSourceID != "1" || !strings.Contains(string(acts.Items[0].Extra), "user_name") {
				t.Errorf("action = %+v other %s", acts.Items[0], acts.Items[0].Extra)
			}
			act, err := a.ProjectAction(ctx, "24")
			if err != nil || act.ProjectSourceID != "2" || *act.TypeName == "" {
				t.Errorf("action 24 = %+v, %v", act, err)
			}

			cls, err := a.ProjectChecklists(ctx, "2")
			if err != nil || len(cls) != 2 || len(cls[1].Items) != 3 || *cls[0].Name != "Подготовка договора" {
				t.Errorf("checklists = %+v, %v", cls, err)
			}
			gs, err := a.ProjectGoods(ctx, "1")
			if err != nil || len(gs) != 3 || *gs[0].Name != "Внедрение CRM" || string(*gs[0].Sum) != "28000.00" {
				t.Errorf("goods = %+v, %v", gs, err)
			}
			none, err := a.ProjectGoods(ctx, "6")
			if err != nil || len(none) != 0 {
				t.Errorf("goods of project 6 = %+v, %v; want none", none, err)
			}

			pays, err := a.ProjectPayments(ctx, "1", domain.ProjectPaymentQuery{Count: 100})
			if err != nil || len(pays.Items) != 17 || pays.HasMore {
				t.Fatalf("payments = %d, %v", len(pays.Items), err)
			}
			if p := pays.Items[2]; p.Income == nil || *p.Income || *p.CurrencyID != "1" {
				t.Errorf("third payment of project 1 should be an expense in RUB: %+v", p)
			}
			if em.Count("") != 10 {
				t.Errorf("emulator served %d requests, want one per call (10)", em.Count(""))
			}
		})
	}
}

func TestAdapterPagingWalksOnce(t *testing.T) {
	ctx := context.Background()
	for name, style := range styles {
		t.Run(name, func(t *testing.T) {
			a, em := newTestAdapter(t, testOpts{emu: emulator.Options{Style: style}})
			seen := map[string]int{}
			var order []string
			for offset := 0; ; offset += 7 {
				page, err := a.Projects(ctx, domain.ProjectListQuery{Offset: offset, Count: 7})
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range page.Items {
					seen[p.SourceID]++
					order = append(order, p.SourceID)
				}
				if !page.HasMore {
					break
				}
				if offset > 100 {
					t.Fatal("paging does not end")
				}
			}
			if len(seen) != 36 || len(order) != 36 {
				t.Fatalf("walked %d projects (%d distinct), want 36 once each", len(order), len(seen))
			}
			if order[0] != "1" || order[35] != "40" {
				t.Errorf("order = %v", order)
			}
			// Bare answers carry no total: a full last page costs one more call.
			want := 6
			if em.Count("/projects") != want {
				t.Errorf("calls = %d, want %d", em.Count("/projects"), want)
			}
		})
	}
}

func TestAdapterSendsDocumentedParameters(t *testing.T) {
	ctx := context.Background()
	a, em := newTestAdapter(t, testOpts{})
	day := time.Date(2020, 1, 18, 0, 0, 0, 0, time.UTC)
	income := true
	calls := []struct {
		path string
		call func() error
		want map[string]string
	}{
		{"/projects", func() error {
			_, err := a.Projects(ctx, domain.ProjectListQuery{Offset: 14, Count: 7, OrderBy: "price", Reverse: true, Deleted: true})
			return err
		}, map[string]string{"count": "7", "offset": "14", "order_by": "price", "reverse": "1", "deleted": "1"}},
		{"/projects/info", func() error { _, err := a.Project(ctx, "3"); return err }, map[string]string{"id": "3"}},
		{"/projects/steps", func() error {
			_, err := a.ProjectSteps(ctx, "1", domain.ProjectStepQuery{Date: &day, StepIDs: []uint64{1, 2}})
			return err
		}, map[string]string{"id": "1", "filter_date": "2020-01-18", "filter_steps": "1_2"}},
		{"/projects/actions", func() error {
			_, err := a.ProjectActions(ctx, "1", domain.ProjectActionQuery{Offset: 3, Count: 5, ID: "4", Date: &day, TypeIDs: []uint64{1, 4}})
			return err
		}, map[string]string{"id": "1", "count": "5", "offset": "3", "filter_id": "4", "filter_date": "2020-01-18", "filter_actions": "1_4"}},
		{"/projects/actions/info", func() error { _, err := a.ProjectAction(ctx, "5"); return err }, map[string]string{"id": "5"}},
		{"/projects/checklists", func() error { _, err := a.ProjectChecklists(ctx, "2"); return err }, map[string]string{"id": "2"}},
		{"/projects/goods", func() error { _, err := a.ProjectGoods(ctx, "2"); return err }, map[string]string{"id": "2"}},
		{"/projects/payments", func() error {
			_, err := a.ProjectPayments(ctx, "1", domain.ProjectPaymentQuery{Count: 5, Offset: 5, ID: "2", Date: &day, Income: &income})
			return err
		}, map[string]string{"id": "1", "count": "5", "offset": "5", "filter_id": "2", "filter_date": "2020-01-18", "filter_type": "1"}},
	}
	for _, c := range calls {
		t.Run(c.path, func(t *testing.T) {
			em.Forget()
			if err := c.call(); err != nil {
				t.Fatal(err)
			}
			reqs := em.Requests()
			if len(reqs) != 1 || reqs[0].Path != c.path || reqs[0].Method != "GET" {
				t.Fatalf("requests = %+v", reqs)
			}
			got := map[string]string{}
			for k, v := range reqs[0].Query {
				got[k] = strings.Join(v, "|")
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("query = %v, want %v", got, c.want)
			}
			if reqs[0].Header.Get(TokenHeader) != emulator.SandboxToken || reqs[0].Header.Get(SecretHeader) != emulator.SandboxSecret {
				t.Errorf("credential headers missing: %v", reqs[0].Header)
			}
		})
	}
}

func TestAdapterFilterBody(t *testing.T) {
	ctx := context.Background()
	a, em := newTestAdapter(t, testOpts{})
	from := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2020, 12, 31, 0, 0, 0, 0, time.UTC)
	price := scalar.Decimal("100")
	q := domain.ProjectListQuery{Count: 100, Offset: 0, OrderBy: "id", Search: &domain.ProjectSearch{
		Having: "checklists_expired", CreatedFrom: &from, CreatedTo: &to,
		SalesFunnelID: []uint64{1, 2}, StepID: []uint64{1, 2, 3, 4, 5}, UserID: []uint64{2, 4, 6, 8},
		GroupID: []uint64{1, 2, 3}, Price: &price, CurrencyID: []uint64{1, 2, 3},
		ParticipantsUserID: []uint64{1, 2, 4, 5, 7, 8}, ParticipantsGroupID: []uint64{1, 2, 4, 5, 7, 8},
		ActionsTypeID: []uint64{1, 2, 3}, GoodID: []uint64{10, 11, 12},
		Data: scalar.JSON(`{"client_id": [1, 3], "contract_date": "2020-01-01"}`),
	}}
	if _, err := a.Projects(ctx, q); err != nil {
		t.Fatal(err)
	}
	reqs := em.RequestsTo("/projects/filter")
	if len(reqs) != 1 || reqs[0].Method != "POST" || !strings.HasPrefix(reqs[0].Header.Get("Content-Type"), "application/json") {
		t.Fatalf("requests = %+v", em.Requests())
	}
	// The body of the Solos docs' example, member for member.
	want := `{"count": 100, "offset": 0, "order_by": "id", "reverse": "0", "deleted": "0",
		"condition": "and", "having": "checklists_expired",
		"buildin_data": {"created": "2020-01-01;2020-12-31", "sales_funnel_id": [1, 2], "step_id": [1, 2, 3, 4, 5],
			"user_id": [2, 4, 6, 8], "group_id": [1, 2, 3], "price": 100, "currency_id": [1, 2, 3],
			"participants_user_id": [1, 2, 4, 5, 7, 8], "participants_group_id": [1, 2, 4, 5, 7, 8],
			"actions_type_id": [1, 2, 3], "good_id": [10, 11, 12]},
		"data": {"client_id": [1, 3], "contract_date": "2020-01-01"}}`
	var got, exp any
	if err := json.Unmarshal(reqs[0].Body, &got); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(want), &exp)
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("body = %s\nwant %s", reqs[0].Body, want)
	}
}

func TestAdapterSearchSemantics(t *testing.T) {
	ctx := context.Background()
	a, _ := newTestAdapter(t, testOpts{})
	search := func(s domain.ProjectSearch) []string {
		t.Helper()
		page, err := a.Projects(ctx, domain.ProjectListQuery{Count: 100, Search: &s})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, p := range page.Items {
			ids = append(ids, p.SourceID)
		}
		return ids
	}
	from := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2020, 1, 31, 0, 0, 0, 0, time.UTC)
	if got := search(domain.ProjectSearch{CreatedFrom: &from, CreatedTo: &to}); strings.Join(got, ",") != "1,2" {
		t.Errorf("created in January 2020 = %v, want 1,2", got)
	}
	if got := search(domain.ProjectSearch{Having: "no_actions"}); len(got) == 0 || got[0] != "7" {
		t.Errorf("no_actions = %v, want project 7 first", got)
	}
	and := search(domain.ProjectSearch{SalesFunnelID: []uint64{1}, Data: scalar.JSON(`{"client_id": [2]}`)})
	or := search(domain.ProjectSearch{Or: true, SalesFunnelID: []uint64{1}, Data: scalar.JSON(`{"client_id": [2]}`)})
	funnel := search(domain.ProjectSearch{SalesFunnelID: []uint64{1}})
	if len(and) == 0 || len(and) >= len(funnel) || len(or) <= len(funnel) {
		t.Errorf("and %d, funnel %d, or %d projects: and must narrow, or must widen", len(and), len(funnel), len(or))
	}
}

func TestAdapterErrors(t *testing.T) {
	ctx := context.Background()
	list := func(a *Adapter) error {
		_, err := a.ProjectPayments(ctx, "1", domain.ProjectPaymentQuery{Count: 5})
		return err
	}
	search := func(a *Adapter) error {
		_, err := a.Projects(ctx, domain.ProjectListQuery{Count: 5, Search: &domain.ProjectSearch{}})
		return err
	}
	tests := []struct {
		name  string
		opts  testOpts
		fault *emulator.Fault
		call  func(*Adapter) error
		code  apierr.Code
	}{
		{"wrong secret", testOpts{secret: "not-the-secret"}, nil, list, apierr.UpstreamUnauthenticated},
		{"403", testOpts{}, &emulator.Fault{Status: 403}, list, apierr.UpstreamForbidden},
		{"unknown project", testOpts{}, nil, func(a *Adapter) error { _, err := a.Project(ctx, "999"); return err }, apierr.NotFound},
		{"unknown action", testOpts{}, nil, func(a *Adapter) error { _, err := a.ProjectAction(ctx, "99999"); return err }, apierr.NotFound},
		{"429 with Retry-After", testOpts{}, &emulator.Fault{Status: 429, RetryAfter: "7"}, list, apierr.RateLimited},
		{"500 past the retries", testOpts{retries: 1}, &emulator.Fault{Status: 500, Times: 2}, list, apierr.UpstreamError},
		{"503 on the search", testOpts{}, &emulator.Fault{Status: 503}, search, apierr.UpstreamError},
		{"stall past the deadline", testOpts{timeout: 150 * time.Millisecond}, &emulator.Fault{Stall: 10 * time.Second}, list, apierr.UpstreamTimeout},
		{"stalled search", testOpts{timeout: 150 * time.Millisecond}, &emulator.Fault{Stall: 10 * time.Second}, search, apierr.UpstreamTimeout},
		{"connection reset", testOpts{}, &emulator.Fault{Reset: true}, list, apierr.UpstreamError},
		{"malformed JSON", testOpts{}, &emulator.Fault{Malformed: true}, list, apierr.UpstreamError},
		{"malformed search answer", testOpts{}, &emulator.Fault{Malformed: true}, search, apierr.UpstreamError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, em := newTestAdapter(t, tt.opts)
			if tt.fault != nil {
				em.Inject(*tt.fault)
			}
			err := tt.call(a)
			e, ok := apierr.As(err)
			if !ok {
				t.Fatalf("err = %v, want an apierr", err)
			}
			if e.Code != tt.code || e.Upstream != "solos" {
				t.Fatalf("err = %v (upstream %q), want %s from solos", err, e.Upstream, tt.code)
			}
			if e.Outcome != "" || strings.Contains(e.Message, "write") {
				t.Errorf("a read carries a write outcome: %+v", e)
			}
			if tt.code == apierr.RateLimited && e.RetryAfterSeconds != 7 {
				t.Errorf("retryAfterSeconds = %d, want 7", e.RetryAfterSeconds)
			}
			if strings.Contains(e.Error(), emulator.SandboxSecret) || strings.Contains(e.Error(), emulator.SandboxToken) {
				t.Errorf("credential in error: %v", e)
			}
		})
	}
}

func TestAdapterRetriesReadsThroughTransientFaults(t *testing.T) {
	a, em := newTestAdapter(t, testOpts{retries: 2})
	em.Inject(emulator.Fault{Status: 502, Times: 2})
	if _, err := a.ProjectGoods(context.Background(), "1"); err != nil {
		t.Fatalf("err = %v", err)
	}
	if em.Count("/projects/goods") != 3 {
		t.Errorf("goods calls = %d, want 3 (two failures, one success)", em.Count("/projects/goods"))
	}
	// The search is a POST: the shared client never re-sends it.
	em.Inject(emulator.Fault{Status: 502, Path: "/projects/filter"})
	_, err := a.Projects(context.Background(), domain.ProjectListQuery{Count: 1, Search: &domain.ProjectSearch{}})
	if apierr.CodeOf(err) != apierr.UpstreamError || em.Count("/projects/filter") != 1 {
		t.Errorf("search: err %v, calls %d", err, em.Count("/projects/filter"))
	}
}

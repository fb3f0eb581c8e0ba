package rest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/config"
)

func TestListRunsTheResolverWithPagingAndFilters(t *testing.T) {
	syn := newFakeSynergy()
	s := newServer(t, syn, config.Defaults())

	a := s.get(t, "/rest/v1/contacts?first=1&filter[lastName]="+url.QueryEscape("Иванов")+
		"&filter[createdAtGte]="+url.QueryEscape("2024-03-01T00:00:00+03:00"))
	if a.Status != http.StatusOK {
		t.Fatalf("status %d: %s", a.Status, a.Raw)
	}
	items := a.items()
	if len(items) != 1 || items[0]["firstName"] != "Иван" || items[0]["lastName"] != "Иванов" ||
		items[0]["id"] != gid("contacts", "1") || items[0]["sourceId"] != "1" {
		t.Fatalf("items = %v", items)
	}
	if _, nested := items[0]["companies"]; nested {
		t.Errorf("relationships must be sub-resources, not nested: %v", items[0])
	}
	if a.Body["totalCount"] != float64(2) {
		t.Errorf("totalCount = %v", a.Body["totalCount"])
	}
	pi, _ := a.Body["pageInfo"].(map[string]any)
	if pi["hasNextPage"] != true || pi["hasPreviousPage"] != false || pi["endCursor"] == nil {
		t.Errorf("pageInfo = %v", pi)
	}
	if len(syn.lists) != 1 {
		t.Fatalf("upstream lists = %d, want 1", len(syn.lists))
	}
	q := syn.lists[0]
	if q.Type != "contacts" || q.PageSize != 1 || q.PageNumber != 1 || q.Filters["last-name"] != "Иванов" ||
		q.Filters["created-at-gte"] != "2024.03.01 00:00" || len(q.Include) != 0 {
		t.Errorf("upstream query = %+v", q)
	}
	if !strings.Contains(string(a.Raw), `{"id":`) {
		t.Errorf("items should list fields in schema order, id first: %s", a.Raw[:min(len(a.Raw), 120)])
	}

	// The next page, with the cursor the first answered.
	a = s.get(t, "/rest/v1/contacts?first=1&after="+url.QueryEscape(pi["endCursor"].(string)))
	if a.Status != http.StatusOK || len(a.items()) != 1 || a.items()[0]["firstName"] != "Пётр" {
		t.Fatalf("page 2: %d %s", a.Status, a.Raw)
	}
}

func TestItemsAndSubResources(t *testing.T) {
	syn := newFakeSynergy()
	s := newServer(t, syn, config.Defaults())
	cases := []struct {
		name, path string
		status     int
		check      func(t *testing.T, a *answer)
		gets       []string // upstream reads, in order
	}{
		{"item", "/rest/v1/contacts/" + gid("contacts", "1"), 200, func(t *testing.T, a *answer) {
			if a.Body["firstName"] != "Иван" || a.Body["id"] != gid("contacts", "1") {
				t.Errorf("body = %s", a.Raw)
			}
		}, []string{"contacts/1 include="}},
		{"list sub-resource through include", "/rest/v1/contacts/" + gid("contacts", "1") + "/companies", 200, func(t *testing.T, a *answer) {
			if it := a.items(); len(it) != 1 || it[0]["name"] != "ООО «Ромашка»" || it[0]["city"] != "Казань" {
				t.Errorf("items = %v", it)
			}
		}, []string{"contacts/1 include=companies"}},
		{"to-one sub-resource", "/rest/v1/deals/" + gid("deals", "7") + "/contact", 200, func(t *testing.T, a *answer) {
			if a.Body["lastName"] != "Иванов" {
				t.Errorf("body = %s", a.Raw)
			}
		}, []string{"deals/7 include=contact"}},
		{"union sub-resource", "/rest/v1/contracts/" + gid("contracts", "9") + "/first-party", 200, func(t *testing.T, a *answer) {
			if a.Body["__typename"] != "Company" || a.Body["name"] != "ООО «Ромашка»" {
				t.Errorf("body = %s", a.Raw)
			}
		}, []string{"contracts/9 include=first-party"}},
		{"unset to-one is NOT_FOUND", "/rest/v1/deals/" + gid("deals", "7") + "/company", 404, func(t *testing.T, a *answer) {
			if a.code() != "NOT_FOUND" || !strings.Contains(string(a.Raw), "has no company") {
				t.Errorf("body = %s", a.Raw)
			}
		}, []string{"deals/7 include=company"}},
		{"upstream NOT_FOUND", "/rest/v1/contacts/" + gid("contacts", "404"), 404, func(t *testing.T, a *answer) {
			if a.code() != "NOT_FOUND" || a.ext("upstream") != "synergy" {
				t.Errorf("body = %s", a.Raw)
			}
		}, []string{"contacts/404 include="}},
		{"malformed id", "/rest/v1/contacts/not-an-id", 400, func(t *testing.T, a *answer) {
			if a.code() != "BAD_USER_INPUT" || a.ext("field") != "id" {
				t.Errorf("body = %s", a.Raw)
			}
		}, nil},
		{"id of another type", "/rest/v1/contacts/" + gid("companies", "5"), 400, func(t *testing.T, a *answer) {
			if a.code() != "BAD_USER_INPUT" || a.ext("field") != "id" {
				t.Errorf("body = %s", a.Raw)
			}
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			syn.mu.Lock()
			syn.gets = nil
			syn.mu.Unlock()
			a := s.get(t, c.path)
			if a.Status != c.status {
				t.Fatalf("status %d, want %d: %s", a.Status, c.status, a.Raw)
			}
			want := map[bool]string{true: "application/json", false: "application/problem+json"}[c.status < 400]
			if ct := a.Header.Get("Content-Type"); ct != want {
				t.Errorf("Content-Type = %q, want %q", ct, want)
			}
			c.check(t, a)
			syn.mu.Lock()
			defer syn.mu.Unlock()
			if !slices.Equal(syn.gets, c.gets) {
				t.Errorf("upstream reads = %q, want %q", syn.gets, c.gets)
			}
		})
	}
}

func TestQueryParameterCoercion(t *testing.T) {
	syn := newFakeSynergy()
	s := newServer(t, syn, config.Defaults())
	cases := []struct {
		query, param, msg string
	}{
		{"first=abc", "first", "32-bit integer"},
		{"first=99999999999", "first", "32-bit integer"},
		{"first=1&first=2", "first", "given 2 times"},
		{"after=bogus", "after", "cursor"}, // the resolver's own check
		{"filter[nope]=1", "filter[nope]", "no field"},
		{"filter=1", "filter", "is an object"},
		{"filter[lastName][x]=1", "filter[lastName]", "not an object"},
		{"filter[createdAtGte]=yesterday", "filter[createdAtGte]", "RFC 3339"}, // the scalar's check
		{"page=2", "page", "unknown query parameter"},
		{"filter]=1", "filter]", "not a parameter name"},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			before := syn.calls()
			a := s.get(t, "/rest/v1/contacts?"+c.query)
			if a.Status != http.StatusBadRequest || a.code() != "BAD_USER_INPUT" {
				t.Fatalf("status %d: %s", a.Status, a.Raw)
			}
			if a.ext("field") != c.param || !strings.Contains(string(a.Raw), c.msg) {
				t.Errorf("parameter = %v, want %q (message should say %q): %s", a.ext("field"), c.param, c.msg, a.Raw)
			}
			if syn.calls() != before {
				t.Errorf("bad input reached the upstream")
			}
		})
	}
	t.Run("the resolver's own range check names the parameter", func(t *testing.T) {
		a := s.get(t, "/rest/v1/contact-types?first=101")
		if a.Status != 400 || a.ext("field") != "first" || !strings.Contains(string(a.Raw), "between 0 and 100") {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
	})
	t.Run("long input is not echoed whole", func(t *testing.T) {
		long := strings.Repeat("я", 5000)
		for _, q := range []string{"first=" + long, long + "=1", "filter[" + long + "]=1"} {
			a := s.get(t, "/rest/v1/contacts?"+url.PathEscape(q))
			if a.Status != 400 || len(a.Raw) > 1000 {
				t.Errorf("status %d, %d bytes", a.Status, len(a.Raw))
			}
		}
	})
	t.Run("contract filter ints and booleans", func(t *testing.T) {
		a := s.get(t, "/rest/v1/contracts?filter[number]=12&filter[archived]=2")
		if a.Status != http.StatusOK {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
		q := syn.lists[len(syn.lists)-1]
		if q.Filters["number"] != "12" || q.Filters["archived"] != "2" {
			t.Errorf("filters = %v", q.Filters)
		}
		a = s.get(t, "/rest/v1/contracts?filter[number]=twelve")
		if a.Status != 400 || a.ext("field") != "filter[number]" {
			t.Errorf("status %d: %s", a.Status, a.Raw)
		}
	})
}

func TestWrites(t *testing.T) {
	syn := newFakeSynergy()
	s := newServer(t, syn, config.Defaults())

	t.Run("create", func(t *testing.T) {
		a := s.do(t, "POST", "/rest/v1/contacts", "application/json", `{"firstName":"Анна","lastName":"Смирнова"}`)
		if a.Status != http.StatusCreated || a.Body["firstName"] != "Анна" || a.Body["id"] != gid("contacts", "100") {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
		if loc := a.Header.Get("Location"); loc != "/rest/v1/contacts/"+gid("contacts", "100") {
			t.Errorf("Location = %q", loc)
		}
		w := syn.writes[len(syn.writes)-1]
		if w.Type != "contacts" || *str(w.Attributes["first-name"]) != "Анна" || *str(w.Attributes["last-name"]) != "Смирнова" {
			t.Errorf("upstream write = %+v", w)
		}
	})
	t.Run("create refuses a missing required field before any call", func(t *testing.T) {
		before := syn.calls()
		a := s.do(t, "POST", "/rest/v1/contacts", "application/json", `{"firstName":"Анна"}`)
		if a.Status != 400 || a.code() != "BAD_USER_INPUT" || a.ext("field") != "body.lastName" {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
		if syn.calls() != before {
			t.Error("bad input reached the upstream")
		}
	})
	t.Run("create refuses an unknown field", func(t *testing.T) {
		a := s.do(t, "POST", "/rest/v1/contacts", "application/json", `{"firstName":"А","lastName":"Б","shoeSize":44}`)
		if a.Status != 400 || a.ext("field") != "body.shoeSize" {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
	})
	t.Run("body must be a JSON object sent as JSON", func(t *testing.T) {
		for _, c := range []struct {
			ct, body string
			status   int
		}{
			{"text/plain", `{"firstName":"А","lastName":"Б"}`, http.StatusUnsupportedMediaType},
			{"", `{"firstName":"А","lastName":"Б"}`, http.StatusUnsupportedMediaType},
			{"application/json", `["firstName"]`, http.StatusBadRequest},
			{"application/json", `{"firstName":`, http.StatusBadRequest},
			{"application/x-www-form-urlencoded", ``, http.StatusUnsupportedMediaType},
		} {
			a := s.do(t, "POST", "/rest/v1/contacts", c.ct, c.body)
			if a.Status != c.status || a.code() != "BAD_USER_INPUT" || a.ext("field") != "body" {
				t.Errorf("%q %q: status %d: %s", c.ct, c.body, a.Status, a.Raw)
			}
		}
	})
	t.Run("update sends only what is set; null clears", func(t *testing.T) {
		a := s.do(t, "PATCH", "/rest/v1/contacts/"+gid("contacts", "2"), "application/json; charset=utf-8", `{"firstName":"Петя","middleName":null}`)
		if a.Status != http.StatusOK || a.Body["firstName"] != "Петя" || a.Body["lastName"] != "Петров" {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
		w := syn.writes[len(syn.writes)-1]
		v, set := w.Attributes["middle-name"]
		if w.ID != "2" || !set || str(v) != nil || *str(w.Attributes["first-name"]) != "Петя" || len(w.Attributes) != 2 {
			t.Errorf("upstream write = %+v", w)
		}
	})
	t.Run("update of a malformed id", func(t *testing.T) {
		a := s.do(t, "PATCH", "/rest/v1/contacts/x", "application/json", `{"firstName":"Б"}`)
		if a.Status != 400 || a.ext("field") != "id" {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
	})
	t.Run("delete", func(t *testing.T) {
		id := gid("contacts", "2")
		a := s.do(t, "DELETE", "/rest/v1/contacts/"+id, "", "")
		if a.Status != http.StatusOK || a.Body["deletedId"] != id {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
		if syn.deletes[len(syn.deletes)-1] != "contacts/2" {
			t.Errorf("deletes = %v", syn.deletes)
		}
	})
	t.Run("a write whose outcome is unknown says so", func(t *testing.T) {
		syn.fail(&apierr.Error{Code: apierr.UpstreamTimeout, Upstream: "synergy", Message: "SynergyCRM did not answer in time", Outcome: apierr.OutcomeUnknown})
		defer syn.fail(nil)
		a := s.do(t, "POST", "/rest/v1/contacts", "application/json", `{"firstName":"Анна","lastName":"Смирнова"}`)
		if a.Status != http.StatusGatewayTimeout || a.code() != "UPSTREAM_TIMEOUT" || a.ext("outcome") != "UNKNOWN" {
			t.Fatalf("status %d: %s", a.Status, a.Raw)
		}
	})
}

// Every code a resolver can return comes back with its HTTP status and its
// extensions.
func TestErrorCodesMapToHTTPStatuses(t *testing.T) {
	syn := newFakeSynergy()
	s := newServer(t, syn, config.Defaults())
	for _, code := range apierr.Codes {
		t.Run(string(code), func(t *testing.T) {
			syn.fail(&apierr.Error{Code: code, Upstream: "synergy", Message: "failed: " + string(code), RetryAfterSeconds: 7})
			defer syn.fail(nil)
			a := s.get(t, "/rest/v1/deal-stage-categories")
			if a.Status != code.HTTPStatus() || a.code() != string(code) || a.ext("upstream") != "synergy" {
				t.Fatalf("status %d, want %d: %s", a.Status, code.HTTPStatus(), a.Raw)
			}
			// A problem document, with nothing of GraphQL's error shape.
			for _, k := range []string{"locations", "path", "extensions", "message", "errors"} {
				if _, has := a.Body[k]; has {
					t.Errorf("%s should not be in the problem: %s", k, a.Raw)
				}
			}
			if a.Body["type"] != "tag:crm-gateway,2025:problem/"+strings.ReplaceAll(strings.ToLower(string(code)), "_", "-") ||
				a.Body["status"] != float64(code.HTTPStatus()) || !strings.HasSuffix(a.Body["detail"].(string), "failed: "+string(code)) ||
				a.Body["title"] == "" || a.Body["instance"] != "/rest/v1/deal-stage-categories" || a.Body["requestId"] != a.Header.Get("X-Request-Id") {
				t.Errorf("problem members: %s (X-Request-Id %s)", a.Raw, a.Header.Get("X-Request-Id"))
			}
			if got, want := a.Header.Get("Retry-After"), map[bool]string{true: "7"}[code == apierr.RateLimited]; got != want {
				t.Errorf("Retry-After = %q, want %q", got, want)
			}
		})
	}
}

func TestDisabledBackendIs503(t *testing.T) {
	s := newServer(t, nil, config.Defaults())
	for _, p := range []string{"/rest/v1/contacts", "/rest/v1/deals/" + gid("deals", "1"), "/rest/v1/deals/" + gid("deals", "1") + "/company"} {
		a := s.get(t, p)
		if a.Status != http.StatusServiceUnavailable || a.code() != "UPSTREAM_DISABLED" || a.ext("upstream") != "synergy" {
			t.Errorf("%s: status %d: %s", p, a.Status, a.Raw)
		}
	}
}

// The REST call is a GraphQL operation: the gateway's request limits apply.
func TestRequestLimitsApply(t *testing.T) {
	cfg := config.Defaults()
	cfg.Limits.MaxFields = 30
	syn := newFakeSynergy()
	s := newServer(t, syn, cfg)
	a := s.get(t, "/rest/v1/contacts")
	if a.Status != http.StatusUnprocessableEntity || a.code() != "QUERY_TOO_COMPLEX" {
		t.Fatalf("status %d: %s", a.Status, a.Raw)
	}
	if a := s.get(t, "/rest/v1/contact-types"); a.Status != http.StatusOK {
		t.Fatalf("a small type fits: status %d: %s", a.Status, a.Raw)
	}
	if syn.calls() != 1 {
		t.Errorf("upstream calls = %d, want 1 (the refused query makes none)", syn.calls())
	}
}

func TestRouterAnswers(t *testing.T) {
	s := newServer(t, newFakeSynergy(), config.Defaults())
	a := s.do(t, "PUT", "/rest/v1/contacts/"+gid("contacts", "1"), "application/json", "{}")
	if a.Status != http.StatusMethodNotAllowed || a.Header.Get("Allow") != "GET, HEAD, PATCH, DELETE" || a.code() != "BAD_USER_INPUT" {
		t.Errorf("PUT: status %d Allow %q: %s", a.Status, a.Header.Get("Allow"), a.Raw)
	}
	a = s.get(t, "/rest/v1/no-such-things")
	if a.Status != http.StatusNotFound || a.code() != "NOT_FOUND" || !strings.Contains(string(a.Raw), "openapi.json") {
		t.Errorf("unknown path: status %d: %s", a.Status, a.Raw)
	}
	a = s.get(t, "/rest/v1/openapi.json")
	if a.Status != http.StatusOK || a.Body["openapi"] != "3.1.0" {
		t.Errorf("openapi.json: status %d", a.Status)
	}
}

package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type client struct {
	t   *testing.T
	url string
}

func start(t *testing.T, o Options) (*Emulator, *client) {
	em := New(o)
	srv := httptest.NewServer(em)
	t.Cleanup(srv.Close)
	return em, &client{t, srv.URL + BasePath}
}

// call sends a request with both credential headers unless told otherwise.
func (c *client) call(method, path, body string, headers map[string]string) (int, map[string]any) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.url+path, strings.NewReader(body))
	req.Header.Set("X-Crypto-Token", SandboxToken)
	req.Header.Set("X-Crypto-Secret", SandboxSecret)
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func idsOf(out map[string]any) []int {
	var ids []int
	for _, x := range out["data"].([]any) {
		ids = append(ids, int(x.(map[string]any)["id"].(float64)))
	}
	return ids
}

func TestEmulatorRequiresBothHeaders(t *testing.T) {
	em, c := start(t, Options{})
	for name, h := range map[string]map[string]string{
		"no token":     {"X-Crypto-Token": ""},
		"no secret":    {"X-Crypto-Secret": ""},
		"wrong secret": {"X-Crypto-Secret": "guess"},
		"wrong token":  {"X-Crypto-Token": "guess"},
	} {
		t.Run(name, func(t *testing.T) {
			if status, _ := c.call("GET", "/projects", "", h); status != http.StatusUnauthorized {
				t.Fatalf("status = %d", status)
			}
		})
	}
	if status, _ := c.call("GET", "/projects", "", nil); status != http.StatusOK {
		t.Fatalf("with both headers: %d", status)
	}
	if em.Count("/projects") != 5 {
		t.Errorf("recorded %d requests, want 5", em.Count("/projects"))
	}
}

func TestEmulatorEndpoints(t *testing.T) {
	_, c := start(t, Options{})
	tests := []struct {
		name, method, path, body string
		status                   int
		ids                      []int
		total                    int
	}{
		{"first page", "GET", "/projects?count=3&offset=0&order_by=id&reverse=0&deleted=0", "", 200, []int{1, 2, 3}, 36},
		{"reverse", "GET", "/projects?count=2&reverse=1", "", 200, []int{40, 39}, 36},
		{"deleted", "GET", "/projects?deleted=1", "", 200, []int{9, 18, 27, 36}, 4},
		{"past the end", "GET", "/projects?offset=50", "", 200, nil, 36},
		{"bad count", "GET", "/projects?count=-1", "", 400, nil, 0},
		{"bad order", "GET", "/projects?order_by=colour", "", 400, nil, 0},
		{"steps by step", "GET", "/projects/steps?id=2&filter_steps=6_8", "", 200, []int{2, 4}, 2},
		{"steps by day", "GET", "/projects/steps?id=2&filter_date=2020-02-07", "", 200, []int{3}, 1},
		{"steps of nobody", "GET", "/projects/steps?id=404", "", 404, nil, 0},
		{"steps without id", "GET", "/projects/steps", "", 400, nil, 0},
		{"actions window", "GET", "/projects/actions?id=1&count=2&offset=21", "", 200, []int{22, 23}, 23},
		{"actions by type", "GET", "/projects/actions?id=1&filter_actions=4&count=100", "", 200, []int{4, 8, 12, 16, 20}, 5},
		{"action by id", "GET", "/projects/actions?id=1&filter_id=5", "", 200, []int{5}, 1},
		{"bad type list", "GET", "/projects/actions?id=1&filter_actions=1,2", "", 400, nil, 0},
		{"income", "GET", "/projects/payments?id=1&filter_type=1&count=3", "", 200, []int{1, 2, 4}, 12},
		{"expense", "GET", "/projects/payments?id=1&filter_type=0&count=2", "", 200, []int{3, 6}, 5},
		{"payment by day", "GET", "/projects/payments?id=1&filter_date=2020-01-21", "", 200, []int{1}, 1},
		{"bad type", "GET", "/projects/payments?id=1&filter_type=2", "", 400, nil, 0},
		{"unknown route", "GET", "/projects/tasks?id=1", "", 404, nil, 0},
		{"search body not JSON", "POST", "/projects/filter", "count=1", 400, nil, 0},
		{"search unknown having", "POST", "/projects/filter", `{"having": "everything"}`, 400, nil, 0},
		{"search unknown field", "POST", "/projects/filter", `{"buildin_data": {"colour": [1]}}`, 400, nil, 0},
		{"search unknown dynamic field", "POST", "/projects/filter", `{"data": {"colour": [1]}}`, 400, nil, 0},
		{"search bad range", "POST", "/projects/filter", `{"buildin_data": {"created": "2020-01-01"}}`, 400, nil, 0},
		{"search created", "POST", "/projects/filter", `{"buildin_data": {"created": "2020-01-18;2020-02-05"}}`, 200, []int{1, 2, 3}, 3},
		{"search price", "POST", "/projects/filter", `{"buildin_data": {"price": 832000}}`, 200, []int{1}, 1},
		{"search and", "POST", "/projects/filter", `{"condition": "and", "buildin_data": {"created": "2020-01-01;2020-02-28"}, "data": {"client_id": [3]}}`, 200, []int{2}, 1},
		{"search or", "POST", "/projects/filter", `{"condition": "or", "count": 4, "buildin_data": {"created": "2020-01-01;2020-01-20"}, "data": {"client_id": ["3"]}}`, 200, []int{1, 2, 14, 26}, 5},
		{"search having with deleted", "POST", "/projects/filter", `{"deleted": "1", "having": "no_goods"}`, 200, []int{18, 36}, 2},
		{"search dynamic date", "POST", "/projects/filter", `{"data": {"contract_date": "2020-01-01"}}`, 200, []int{1}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := c.call(tt.method, tt.path, tt.body, nil)
			if status != tt.status {
				t.Fatalf("status = %d (%v), want %d", status, out, tt.status)
			}
			if status != 200 {
				if out["error"] == "" {
					t.Errorf("error body = %v", out)
				}
				return
			}
			if got := idsOf(out); !equal(got, tt.ids) || int(out["total"].(float64)) != tt.total {
				t.Errorf("ids = %v total %v, want %v total %d", got, out["total"], tt.ids, tt.total)
			}
		})
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestEmulatorHavingMatchesTheData(t *testing.T) {
	em, c := start(t, Options{})
	for _, h := range []string{"actions", "payments", "tasks", "goods", "checklists_expired"} {
		_, yes := c.call("POST", "/projects/filter", `{"having": "`+h+`"}`, nil)
		_, no := c.call("POST", "/projects/filter", `{"having": "no_`+h+`"}`, nil)
		y := int(yes["total"].(float64))
		if h == "checklists_expired" {
			if y == 0 || y == 36 {
				t.Errorf("%s: %d projects", h, y)
			}
			continue
		}
		n := int(no["total"].(float64))
		if y == 0 || n == 0 || y+n != 36 {
			t.Errorf("%s: %d with, %d without; want both and 36 in all", h, y, n)
		}
	}
	// Project 4's checklists are due a month after "today": never overdue.
	for _, cl := range em.data.checklists {
		if cl.ProjectID == 4 && !cl.Deadline.After(em.opts.Today) {
			t.Errorf("checklist %d of project 4 is due %v", cl.ID, cl.Deadline)
		}
	}
}

func TestEmulatorFaults(t *testing.T) {
	em, c := start(t, Options{})
	em.Inject(Fault{Status: 429, RetryAfter: "3", Times: 2, Path: "/projects/goods"})
	for i := 0; i < 2; i++ {
		if status, _ := c.call("GET", "/projects/goods?id=1", "", nil); status != 429 {
			t.Fatalf("call %d: %d", i, status)
		}
	}
	if status, _ := c.call("GET", "/projects?count=1", "", nil); status != 200 {
		t.Fatalf("another path took the fault: %d", status)
	}
	if status, _ := c.call("GET", "/projects/goods?id=1", "", nil); status != 200 {
		t.Fatalf("the fault outlived its count: %d", status)
	}
	em.Inject(Fault{Malformed: true})
	if status, out := c.call("GET", "/projects", "", nil); status != 200 || out != nil {
		t.Errorf("malformed: %d %v", status, out)
	}
	em.Inject(Fault{Stall: 20 * time.Millisecond, Status: 503})
	if status, _ := c.call("GET", "/projects", "", nil); status != 503 {
		t.Errorf("stall then 503: %d", status)
	}
	em.Inject(Fault{Reset: true})
	// A fresh connection: Go re-sends a GET whose reused connection broke.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := fresh.Get(c.url + "/projects"); err == nil {
		resp.Body.Close()
		t.Errorf("reset answered %d", resp.StatusCode)
	}
	if n := em.Count(""); n != 7 {
		t.Errorf("recorded %d requests, want 7", n)
	}
}

func TestEmulatorStyles(t *testing.T) {
	for style, check := range map[Style]func(string) bool{
		StylePHP: func(b string) bool {
			return strings.Contains(b, `"result":[{"id":"1"`) && strings.Contains(b, `"count":"36"`)
		},
		StyleBare: func(b string) bool { return strings.HasPrefix(b, `[{"id":1,`) && strings.Contains(b, `"deleted":0`) },
		StyleData: func(b string) bool {
			return strings.HasPrefix(b, `{"data":[{"id":1,`) && strings.Contains(b, `"deleted":"0"`)
		},
	} {
		em := New(Options{Style: style})
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/backend/public/projects?count=1", nil)
		req.Header.Set("X-Crypto-Token", SandboxToken)
		req.Header.Set("X-Crypto-Secret", SandboxSecret)
		em.ServeHTTP(rec, req)
		if !check(rec.Body.String()) {
			t.Errorf("style %d: %s", style, rec.Body.String())
		}
	}
}

package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type answer struct {
	Status    int
	Env       map[string]json.RawMessage
	Header    http.Header
	RequestID string
	ErrCode   string
	Details   string
}

func call(t *testing.T, srv *httptest.Server, sid, method, path, body string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+BasePath+"/"+path, strings.NewReader(body))
	if sid != "" {
		req.Header.Set("sid", sid)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{Status: resp.StatusCode, Header: resp.Header}
	if err := json.Unmarshal(b, &a.Env); err != nil {
		t.Fatalf("%s %s: %s", method, path, b)
	}
	_ = json.Unmarshal(a.Env["requestId"], &a.RequestID)
	var errs []map[string]string
	_ = json.Unmarshal(a.Env["errors"], &errs)
	if len(errs) > 0 {
		a.ErrCode, a.Details = errs[0]["code"], errs[0]["details"]
	}
	return a
}

func TestEnvelopeAndChecks(t *testing.T) {
	e := New()
	srv := httptest.NewServer(e)
	defer srv.Close()
	for _, tc := range []struct {
		name, sid, method, path, body string
		code, details                 string
		errStatus                     int
	}{
		{"ok", DefaultSID, "GET", "Countries?objectId=1001", "", "", "", 0},
		{"no sid", "", "GET", "Countries?objectId=1001", "", CodeBadSID, "sid", 401},
		{"no objectId", DefaultSID, "GET", "Countries", "", CodeBadRequest, "objectId", 400},
		{"other object", DefaultSID, "GET", "Countries?objectId=7", "", CodeBadObject, "objectId", 403},
		{"unknown client", DefaultSID, "GET", "Clients?Id=1&objectId=1001", "", CodeNotFound, "1", 404},
		{"id casing matters", DefaultSID, "GET", "Clients?id=10000000009188&objectId=1001", "", CodeBadRequest, "Id", 400},
		{"path casing matters", DefaultSID, "GET", "typescontacts?objectId=1001", "", CodeBadRequest, "GET typescontacts", 400},
		{"camelCase city body refused", DefaultSID, "POST", "Cities?countryId=2&objectId=1001", `{"name": "Тверь"}`, CodeBadRequest, "name", 400},
		{"street of an unknown city", DefaultSID, "POST", "Streets?cityId=5&objectId=1001", `{"Name": "Ленина"}`, CodeNotFound, "5", 404},
		{"city in use", DefaultSID, "DELETE", "Cities?Id=10000000000002&objectId=1001", "", CodeInUse, "Id", 409},
	} {
		for _, withStatus := range []bool{false, true} {
			e.SetErrorHTTPStatus(withStatus)
			a := call(t, srv, tc.sid, tc.method, tc.path, tc.body)
			wantStatus := 200
			if withStatus && tc.errStatus != 0 {
				wantStatus = tc.errStatus
			}
			var status string
			_ = json.Unmarshal(a.Env["status"], &status)
			wantEnv := "Ok"
			if tc.code != "" {
				wantEnv = "Err"
			}
			if a.Status != wantStatus || status != wantEnv || a.ErrCode != tc.code || a.Details != tc.details || len(a.RequestID) != 32 {
				t.Errorf("%s (status mode %v): HTTP %d %s %s %q requestId %q", tc.name, withStatus, a.Status, status, a.ErrCode, a.Details, a.RequestID)
			}
			if wantEnv == "Err" && a.Env["data"] != nil {
				t.Errorf("%s: Err with data", tc.name)
			}
		}
	}
	reqs := e.Requests()
	if len(reqs) != 20 || reqs[0].Path != "Countries" || reqs[0].Header.Get("sid") != DefaultSID || reqs[7].Query.Get("name") != "" {
		t.Errorf("recorded %d requests: %+v", len(reqs), reqs[0])
	}
}

func TestClientShapesFollowTheDocs(t *testing.T) {
	e := New()
	srv := httptest.NewServer(e)
	defer srv.Close()
	a := call(t, srv, DefaultSID, "GET", "Clients?Id=10000000009188&objectId=1001", "")
	data := string(a.Env["data"])
	for _, want := range []string{`"lastname":"Безногов"`, `"accountTypeID":11`, `"balance":0.00`, `"groupID":3`,
		`"accountCode":null`, `"metroStation":"Академическая"`, `"readOnly":false`, `"lat":""`} {
		if !strings.Contains(data, want) {
			t.Errorf("client lacks %s: %s", want, data)
		}
	}
	if n := len(e.ClientIDs()); n < 20 {
		t.Errorf("%d seeded clients", n)
	}
	e.SetClientDeleteUnsupported(true)
	if a := call(t, srv, DefaultSID, "DELETE", "Clients?clientId=10000000009188&objectId=1001", ""); a.ErrCode != CodeUnsupported {
		t.Errorf("unsupported delete: %+v", a)
	}
	e.SetClientDeleteUnsupported(false)
	if a := call(t, srv, DefaultSID, "DELETE", "Clients?clientId=10000000009188&objectId=1001", ""); string(a.Env["data"]) != `{"id":"10000000009188"}` {
		t.Errorf("delete: %s", a.Env["data"])
	}
}

func TestFaults(t *testing.T) {
	e := New()
	srv := httptest.NewServer(e)
	defer srv.Close()
	e.Inject(Fault{Path: "Countries", Status: 429, RetryAfter: 3, Times: 2})
	for i := 0; i < 2; i++ {
		req, _ := http.NewRequest("GET", srv.URL+BasePath+"/Countries?objectId=1001", nil)
		req.Header.Set("sid", DefaultSID)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "3" {
			t.Errorf("answer %d: %d %q", i, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	if a := call(t, srv, DefaultSID, "GET", "Countries?objectId=1001", ""); a.Status != 200 {
		t.Errorf("fault outlived its count: %d", a.Status)
	}
	e.Inject(Fault{Reset: true})
	req, _ := http.NewRequest("GET", srv.URL+BasePath+"/Countries?objectId=1001", nil)
	// A fresh connection: net/http silently retries a GET whose reused
	// connection was reset, which would hide the fault.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := fresh.Do(req); err == nil {
		resp.Body.Close()
		t.Error("reset fault answered")
	}
	if n := e.Count("GET", "Countries"); n != 4 {
		t.Errorf("counted %d", n)
	}
}

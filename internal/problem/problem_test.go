package problem

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// A problem document starts with RFC 9457's members, keeps the gateway's
// after them, never lets an extension override a named member, and lists
// every error only when there are several.
func TestDocument(t *testing.T) {
	w := httptest.NewRecorder()
	Write(w, Problem{Status: 400, Instance: "/rest/v1/deals", RequestID: "r1", Items: []Item{
		{Code: "BAD_USER_INPUT", Detail: "first is wrong", Field: "first", Extra: map[string]any{"code": "OOPS", "reason": "X"}},
	}})
	want := `{"type":"tag:crm-gateway,2025:problem/bad-user-input","title":"The request is not valid","status":400,` +
		`"detail":"first is wrong","instance":"/rest/v1/deals","code":"BAD_USER_INPUT","field":"first","requestId":"r1","reason":"X"}` + "\n"
	if w.Code != 400 || w.Body.String() != want || w.Header().Get("Content-Type") != MediaType || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("%d %v\n%s\nwant\n%s", w.Code, w.Header(), w.Body, want)
	}

	w = httptest.NewRecorder()
	Write(w, Problem{Status: 400, Items: []Item{{Code: "BAD_USER_INPUT", Detail: "a", Field: "body.a"}, {Code: "BAD_USER_INPUT", Detail: "b", Field: "body.b", Upstream: "synergy"}}})
	want = `{"type":"tag:crm-gateway,2025:problem/bad-user-input","title":"The request is not valid","status":400,"detail":"a","code":"BAD_USER_INPUT","field":"body.a",` +
		`"errors":[{"type":"tag:crm-gateway,2025:problem/bad-user-input","title":"The request is not valid","detail":"a","code":"BAD_USER_INPUT","field":"body.a"},` +
		`{"type":"tag:crm-gateway,2025:problem/bad-user-input","title":"The request is not valid","detail":"b","code":"BAD_USER_INPUT","upstream":"synergy","field":"body.b"}]}` + "\n"
	if w.Body.String() != want {
		t.Errorf("several errors:\n%s\nwant\n%s", w.Body, want)
	}
}

func TestMark(t *testing.T) {
	var wanted bool
	h := Mark(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { wanted = Wanted(r.Context()) }))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/rest/v1/x", nil))
	if !wanted || Wanted(httptest.NewRequest("GET", "/graphql", nil).Context()) {
		t.Error("Mark marks the requests it wraps, and only those")
	}
}

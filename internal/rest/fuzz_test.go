package rest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func shapesRoute(t testing.TB, key string) (*API, *Route) {
	api, err := New(loadSDL(t, shapesSDL))
	if err != nil {
		t.Fatal(err)
	}
	rt := routeIndex(api.Routes())[key]
	if rt == nil {
		t.Fatalf("no route %s", key)
	}
	return api, rt
}

// FuzzQueryString: any query string is either refused with a parameter
// named or turned into variables the route declares, which encode as JSON.
func FuzzQueryString(f *testing.F) {
	for _, seed := range []string{
		"first=10&after=abc&deleted=true",
		"filter[stage]=won&filter[created][from]=2024-01-01T00:00:00Z&filter[ids]=a&filter[ids]=b",
		`filter[data]={"client_id":[1,3]}`,
		"filter[created]=x", "filter[[x]]=1", "filter[a]b=1", "first=1&first=2", "%zz", "filter[created][from][x]=1",
		"first=-2147483649", "deleted=TRUE", "filter[stage]=", "=", "&&", "filter[]=1",
	} {
		f.Add(seed)
	}
	api, rt := shapesRoute(f, "GET /rest/v1/projects")
	f.Fuzz(func(t *testing.T, raw string) {
		vars := map[string]any{}
		if err := api.queryVariables(rt, raw, vars); err != nil {
			if err.Code != "BAD_USER_INPUT" || err.Status != http.StatusBadRequest || err.Message == "" {
				t.Fatalf("refusal %+v", err)
			}
			return
		}
		for v := range vars {
			if rt.paramOfArg(0, v) == nil {
				t.Fatalf("variable %q is not a parameter", v)
			}
		}
		if _, err := json.Marshal(vars); err != nil {
			t.Fatalf("variables do not encode: %v", err)
		}
	})
}

// FuzzBody: any body is either refused or passed on as one JSON object.
func FuzzBody(f *testing.F) {
	for _, seed := range []string{`{"firstName":"Анна"}`, `[]`, `{`, ``, `  {"a":1}  `, `{"a":1}{"b":2}`, "\x00", `null`} {
		f.Add(seed, "application/json")
	}
	f.Add(`{"projectId":"x","force":true}`, "application/json")
	f.Add(`{"projectId":"x"}`, "text/plain")
	api, create := shapesRoute(f, "POST /rest/v1/clients")
	action := routeIndex(api.Routes())["POST /rest/v1/recalculate"]
	f.Fuzz(func(t *testing.T, body, ct string) {
		for _, rt := range []*Route{create, action} {
			r := httptest.NewRequest(http.MethodPost, rt.Path, strings.NewReader(body))
			r.Header.Set("Content-Type", ct)
			vars := map[string]any{}
			if err := bodyVariables(rt, r, vars); err != nil {
				if err.Code != "BAD_USER_INPUT" || !strings.HasPrefix(err.Param, "body") {
					t.Fatalf("refusal %+v", err)
				}
				continue
			}
			raw, err := json.Marshal(vars)
			if err != nil || !json.Valid(raw) {
				t.Fatalf("variables do not encode: %v", err)
			}
		}
	})
}

// FuzzMembers: the ordered object decoder agrees with encoding/json.
func FuzzMembers(f *testing.F) {
	for _, seed := range []string{`{"b":1,"a":[1,{"c":null}]}`, `{}`, `[]`, `{"a":}`, `{"a":1,"a":2}`, `{"\u00e9":"x"}`, ` {"x" : "y"} `} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		obj, ok := members(raw)
		var want map[string]json.RawMessage
		if json.Unmarshal(raw, &want) != nil || want == nil {
			return // not an object: members may refuse it or read a prefix
		}
		if !ok {
			t.Fatalf("refused a valid object %q", raw)
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(obj.encode(), &got); err != nil {
			t.Fatalf("re-encoded object is not JSON: %v", err)
		}
		if len(got) != len(want) {
			t.Fatalf("got %d members, want %d", len(got), len(want))
		}
		for k, v := range want {
			if !bytes.Equal(compact(got[k]), compact(v)) {
				t.Fatalf("%q: %s != %s", k, got[k], v)
			}
		}
	})
}

func compact(b []byte) []byte {
	var out bytes.Buffer
	_ = json.Compact(&out, b)
	return out.Bytes()
}

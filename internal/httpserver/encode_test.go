package httpserver

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestEncodeResponseMatchesMarshal: the response encoder writes what
// json.Marshal writes, escapes included.
func TestEncodeResponseMatchesMarshal(t *testing.T) {
	yes := true
	cases := []*graphql.Response{
		{Data: json.RawMessage(`{"a":"x"}`)},
		{},
		{Data: json.RawMessage(`{"deals":{"nodes":[{"name":"<b>Tom & Jerry</b>","x":"\u2028\u2029 e2 80 a8"}]}}`)},
		{Data: json.RawMessage("{\"s\":\"\xe2\x80\xa8\xe2\x80\xa9\xe2\x80\xaa\xe2\x82\xac<>&\"}")},
		{Data: json.RawMessage(`null`), Errors: gqlerror.List{{Message: "a <b>", Path: ast.Path{ast.PathName("deals")},
			Extensions: map[string]any{"code": "UPSTREAM_ERROR"}}}},
		{Data: json.RawMessage(`{"x":1}`), Extensions: map[string]any{"cost": map[string]any{"n": 3, "s": "<&>"}}},
		{Data: json.RawMessage(`{"x":1}`), Label: "l", HasNext: &yes},
		{Errors: gqlerror.List{{Message: "no data"}}},
		{Data: json.RawMessage(`{"long":"abcdefghijklmnopqrstuvwxyz<abcdefgh>abcdefgh&abcdefg` + "\xe2\x80\xa8abcdefghijkl\xe2\x80\xa9" + `"}`)},
	}
	for i, resp := range cases {
		want, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := encodeResponse(&got, resp); err != nil {
			t.Fatal(err)
		}
		if got.String() != string(want) {
			t.Errorf("case %d:\n got %s\nwant %s", i, got.String(), want)
		}
	}
}

func FuzzEncodeResponse(f *testing.F) {
	f.Add(`{"a":"<x> & \u2028"}`)
	f.Add("{\"a\":\"\xe2\x80\xa8\"}")
	f.Fuzz(func(t *testing.T, data string) {
		if !json.Valid([]byte(data)) {
			return
		}
		var c bytes.Buffer
		if json.Compact(&c, []byte(data)) != nil {
			return
		}
		resp := &graphql.Response{Data: c.Bytes()}
		want, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := encodeResponse(&got, resp); err != nil {
			t.Fatal(err)
		}
		if got.String() != string(want) {
			t.Fatalf("\n got %q\nwant %q", got.String(), want)
		}
	})
}

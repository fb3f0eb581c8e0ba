package emulator_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crmgateway/gateway/adapters/synergy/emulator"
)

// fixedNow is the clock tests give the emulator, so write timestamps are known.
var fixedNow = time.Date(2025, 3, 14, 9, 26, 53, 589e6, time.UTC)

const fixedNowWire = "2025-03-14T12:26:53.589+03:00"

type env struct {
	t   *testing.T
	emu *emulator.Emulator
	srv *httptest.Server
}

func newEnv(t *testing.T) *env {
	t.Helper()
	emu := emulator.New(emulator.Options{Token: "test-token", Now: func() time.Time { return fixedNow }})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return &env{t: t, emu: emu, srv: srv}
}

// result is one HTTP exchange with the body decoded (numbers kept as text).
type result struct {
	status int
	header http.Header
	raw    []byte
	doc    map[string]any
}

// do sends an authorised request; a non-empty body goes with the JSON:API
// Content-Type unless hdr overrides it.
func (e *env) do(method, path, body string, hdr ...string) result {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer test-token")
	if body != "" {
		req.Header.Set("Content-Type", emulator.MediaType)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := result{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&r.doc); err != nil {
			e.t.Fatalf("%s %s: body is not JSON: %v\n%s", method, path, err, raw)
		}
	}
	return r
}

func (e *env) get(path string) result {
	e.t.Helper()
	return e.do(http.MethodGet, path, "")
}

// ok fails unless the status is want.
func (r result) expect(t *testing.T, want int) result {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body %s", r.status, want, r.raw)
	}
	return r
}

func (r result) list() []map[string]any {
	var out []map[string]any
	for _, x := range r.doc["data"].([]any) {
		out = append(out, x.(map[string]any))
	}
	return out
}

func (r result) one() map[string]any {
	m, _ := r.doc["data"].(map[string]any)
	return m
}

func (r result) included() []map[string]any {
	var out []map[string]any
	for _, x := range r.doc["included"].([]any) {
		out = append(out, x.(map[string]any))
	}
	return out
}

func (r result) meta(t *testing.T) (records, pages int) {
	t.Helper()
	m, ok := r.doc["meta"].(map[string]any)
	if !ok {
		t.Fatalf("no meta in %s", r.raw)
	}
	return atoi(t, m["record-count"]), atoi(t, m["page-count"])
}

// firstError returns the first JSON:API error object.
func (r result) firstError(t *testing.T) map[string]any {
	t.Helper()
	errs, ok := r.doc["errors"].([]any)
	if !ok || len(errs) == 0 {
		t.Fatalf("no errors in %s", r.raw)
	}
	return errs[0].(map[string]any)
}

func (r result) errorSources(t *testing.T, key string) []string {
	t.Helper()
	var out []string
	errs, _ := r.doc["errors"].([]any)
	for _, x := range errs {
		src, _ := x.(map[string]any)["source"].(map[string]any)
		s, _ := src[key].(string)
		out = append(out, s)
	}
	return out
}

func atoi(t *testing.T, v any) int {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v is not a number", v)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return int(i)
}

func ids(items []map[string]any) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it["id"].(string)
	}
	return out
}

func attrs(res map[string]any) map[string]any {
	m, _ := res["attributes"].(map[string]any)
	return m
}

func rels(res map[string]any) map[string]any {
	m, _ := res["relationships"].(map[string]any)
	return m
}

// linkageOf returns a relationship's data member and whether it is present.
func linkageOf(res map[string]any, rel string) (any, bool) {
	r, _ := rels(res)[rel].(map[string]any)
	d, ok := r["data"]
	return d, ok
}

func strAttr(t *testing.T, emu *emulator.Emulator, typ, id, attr string) string {
	t.Helper()
	v, ok := emu.Attr(typ, id, attr)
	if !ok {
		t.Fatalf("no %s.%s on %s", typ, attr, id)
	}
	s, _ := v.(string)
	return s
}

package solos

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/crmgateway/gateway/internal/domain"
	"reflect"
	"strings"
	"testing"
)

// diffSeeds add to fuzzSeeds the corners where a hand-written decoder could
// part from encoding/json: keys it re-encodes, escapes, odd numbers and
// literals, Unicode white space, deep nesting, and each date form.
var diffSeeds = []string{
	`{"id":1,"a<b":1,"x&y":"<>","\u0041":2,"na\u006de":"n","caf\u00e9":3,"кл":"з","k\u2028":1,"s":"\u2028"}`,
	"{\"id\":1,\"bad\xff\":\"\xfe\",\"name\":\"a\xffb\",\"text\":\"\\ud800\"}",
	`{"id":1,"name":"a\"b\\c\/d\n","text":"\t","type_name":"x"}`,
	"{\"id\":1,\"name\":\"tab\tinside\"}",
	`{"id":-1}`, `{"id":01}`, `{"id":1.}`, `{"id":1e}`, `{"id":1E+2}`, `{"id":-0.5e-3}`, `{"id":tru}`, `{"id":nul}`,
	`{"id":1,}`, `{"id" 1}`, `{"id":1 "a":2}`, `{,}`, `[1,]`, `[,1]`, `{"data":[{"id":1}]}}`, `{"data":[{"id":1}]} {}`,
	"\u00a0{\"data\":[{\"id\":1}]}\u2003", "\x0b[{\"id\":1}]\x0c", "[{\"id\":1}]\u0085",
	`{"id":"  "}`, `{"id":""}`, `{"id":" 7 "}`, `{"id":18446744073709551616}`, `{"id":true}`,
	`{"id":1,"id":2}`, `{"id":1,"name":"a","name":null}`, `{"id":1,"deleted":"Yes"}`, `{"id":1,"deleted":"ДА"}`,
	`{"id":1,"created":"2021-02-29 00:00:00"}`, `{"id":1,"created":"2020-02-29 23:59:59"}`, `{"id":1,"created":"2021-05-21 24:00:00"}`,
	`{"id":1,"created":"2021-05-21T14:03:00.5"}`, `{"id":1,"created":"2021-05-21 4:03:00"}`, `{"id":1,"created":"0001-01-01"}`,
	`{"id":1,"created":"2021-05-21T14:03:00Z"}`, `{"id":1,"created":" 2021-05-21 "}`, `{"id":1,"created":1621605780.5}`,
	`{"id":1,"contract_date":"2021-13-01"}`, `{"id":1,"contract_date":"2021-00-10"}`, `{"id":1,"contract_date":"+021-01-01"}`,
	`{"id":1,"price":"1,5,0"}`, `{"id":1,"price":"-1e+5"}`, `{"id":1,"price":[1]}`, `{"id":1,"price":""}`,
	`{"id":1,"client_id":" 1 ; 2,,_3 "}`, `{"id":1,"client_id":[]}`, `{"id":1,"client_id":["1",2,"x"]}`, `{"id":1,"client_id":0}`,
	`{"id":1,"client_id":"\u00a0"}`, `{"id":1,"participants_user_id":[" 1 "]}`, `{"id":1,"participants_user_id":{"a":1}}`,
	`{"data":{"12":{"id":12},"7":[1]}}`, `{"data":{"12":{"id":12},"7":null}}`, `{"result":{"data":{"items":{"payload":[{"id":1}]}}}}`,
	`{"total":"-3","data":[]}`, `{"total":null,"count":2,"data":[]}`, `{"data":null,"errors":[]}`, `{"data":false,"error":{"a":1}}`,
	`{"data":"","error":0}`, `{"error":"","data":[{"id":1}]}`, `{"errors":["x"]}`, `{"data":[],"error":"boom"}`,
	`{"id":1,"items":[{"id":2,"done":"1","x":1},{"id":"3","name":null}],"done":"0"}`, `{"id":1,"items":{"error":"x"}}`,
	`{"id":1,"items":{"error":"x"},"name":tru}`, `{"id":1,"items":null}`, `{"id":1,"items":[{"name":"no id"}]}`,
	`{"good_id":"5","quantity":"2,5"}`, `{"step_id":0}`, `{"step_id":"x","id":null}`, `{"id":9,"type":"0","sum":"10"}`,
	`{"id":9,"type":null,"date":"2021-05-21 10:00:00"}`, `{"id":9,"project_id":"0"}`, `{"id":9,"project_id":12}`,
	`[null]`, `[{"id":1},2]`, `[[{"id":1}]]`, `[{"id":1},{"id":2}]`, `{"data":[{"id":1}],"data":null}`,
	// Nesting at and past encoding/json's bound, counted from the top array,
	// from an envelope member and from a record's attribute. (A bare deep
	// array is left out: decodeOne unwraps it level by level, in quadratic
	// time, old and new alike.)
	`[{"id":1},` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `]`,
	`[{"id":1},` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `]`,
	`{"id":1,"data":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`,
	`{"id":1,"data":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`,
	`[{"id":1,"x":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}]`,
	`[{"id":1,"x":` + strings.Repeat("[", 9998) + strings.Repeat("]", 9998) + `}]`,
	`{"id":1,"x":` + strings.Repeat("{\"a\":", 10000) + "1" + strings.Repeat("}", 10000) + `}`,
	`{"id":1,"x":` + strings.Repeat("{\"a\":", 10001) + "1" + strings.Repeat("}", 10001) + `}`,
}

// outcome is what a decoder made of a body: records of every type, or
// the failure as a client would see it (reported by Solos or unreadable).
type outcome struct {
	Err      string // "" | "reported" | "malformed"
	Total    *int
	Raws     []string
	Projects []any
	Other    []any
}

func errKind(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, errUpstreamReported):
		return "reported"
	}
	return "malformed"
}

func decodeEach[T any](raw json.RawMessage, dec func(json.RawMessage) (*T, error)) any {
	x, err := dec(raw)
	if err != nil {
		return errKind(err)
	}
	return x
}

func listAll[T any](raws []json.RawMessage, dec func([]json.RawMessage) ([]*T, error)) any {
	xs, err := dec(raws)
	if err != nil {
		return errKind(err)
	}
	return xs
}

func newOutcome(raws []json.RawMessage, total *int, err error) outcome {
	o := outcome{Err: errKind(err), Total: total}
	for _, r := range raws {
		o.Raws = append(o.Raws, string(r))
	}
	return o
}

func decodeNew(body []byte) outcome {
	raws, total, err := decodeList(body)
	o := newOutcome(raws, total, err)
	if err != nil {
		return o
	}
	o.Projects = []any{listAll(raws, projects.decodeAll)}
	o.Other = []any{listAll(raws, steps.decodeAll), listAll(raws, actions.decodeAll), listAll(raws, checklists.decodeAll),
		listAll(raws, goods.decodeAll), listAll(raws, payments.decodeAll)}
	for _, r := range raws {
		o.Projects = append(o.Projects, decodeEach(r, projects.decode))
		o.Other = append(o.Other, decodeEach(r, checklists.decode), decodeEach(r, payments.decode))
	}
	return o
}

func decodeLegacy(body []byte) outcome {
	raws, total, err := decodeListOld(body)
	o := newOutcome(raws, total, err)
	if err != nil {
		return o
	}
	o.Projects = []any{listAll(raws, projectsOld.decodeAllOld)}
	o.Other = []any{listAll(raws, stepsOld.decodeAllOld), listAll(raws, actionsOld.decodeAllOld), listAll(raws, checklistsOld.decodeAllOld),
		listAll(raws, goodsOld.decodeAllOld), listAll(raws, paymentsOld.decodeAllOld)}
	for _, r := range raws {
		o.Projects = append(o.Projects, decodeEach(r, projectsOld.decodeOld))
		o.Other = append(o.Other, decodeEach(r, checklistsOld.decodeOld), decodeEach(r, paymentsOld.decodeOld))
	}
	return o
}

func decodeOneNew(body []byte) outcome {
	raw, found, err := decodeOne(body)
	o := outcome{Err: errKind(err)}
	if err != nil || !found {
		return o
	}
	o.Raws = []string{string(raw)}
	o.Other = []any{decodeEach(raw, actions.decode), decodeEach(raw, projects.decode), decodeEach(raw, goods.decode)}
	return o
}

func decodeOneLegacy(body []byte) outcome {
	raw, found, err := decodeOneOld(body)
	o := outcome{Err: errKind(err)}
	if err != nil || !found {
		return o
	}
	o.Raws = []string{string(raw)}
	o.Other = []any{decodeEach(raw, actionsOld.decodeOld), decodeEach(raw, projectsOld.decodeOld), decodeEach(raw, goodsOld.decodeOld)}
	return o
}

func sameOutcome(t *testing.T, what string, body []byte, got, want outcome) {
	t.Helper()
	withoutMeta(t, reflect.ValueOf(&got))
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Fatalf("%s of %q:\n new %s\n old %s", what, truncate(string(body), 300), truncate(string(g), 2000), truncate(string(w), 2000))
	}
}

// sameRecords decodes the body as one record of each type, also when no
// envelope reading would hand it to a record decoder.
func sameRecords(t *testing.T, body []byte) {
	t.Helper()
	raw := json.RawMessage(bytes.TrimSpace(body))
	for _, pair := range [][2]any{
		{decodeEach(raw, projects.decode), decodeEach(raw, projectsOld.decodeOld)},
		{decodeEach(raw, checklists.decode), decodeEach(raw, checklistsOld.decodeOld)},
		{decodeEach(raw, steps.decode), decodeEach(raw, stepsOld.decodeOld)},
		{decodeEach(raw, payments.decode), decodeEach(raw, paymentsOld.decodeOld)},
		{decodeEach(raw, actions.decode), decodeEach(raw, actionsOld.decodeOld)},
		{decodeEach(raw, goods.decode), decodeEach(raw, goodsOld.decodeOld)},
	} {
		withoutMeta(t, reflect.ValueOf(&pair[0]))
		if !reflect.DeepEqual(pair[0], pair[1]) {
			g, _ := json.Marshal(pair[0])
			w, _ := json.Marshal(pair[1])
			t.Fatalf("record %q:\n new %s\n old %s", truncate(string(body), 300), g, w)
		}
	}
}

// benchBody is the benchmark's page, with records for every resource mixed in.
func benchBody() []byte {
	var recs []string
	for i := 1; i <= 100; i++ {
		recs = append(recs, fmt.Sprintf(`{"id":"%d","name":"Внедрение CRM — ООО «Ромашка»","created":"2021-05-21 14:03:00",
			"deleted":"0","sales_funnel_id":"1","step_id":"3","user_id":"2","group_id":"1","price":"150000.00",
			"currency_id":"1","participants_user_id":["1","2"],"participants_group_id":["1"],
			"client_id":["%d"],"contract_date":"2021-06-01","address":"г. Москва, ул. Тверская, д. 12","source":"Сайт"}`, i, i%12))
	}
	return []byte(`{"status":"ok","result":[` + strings.Join(recs, ",") + `],"count":"400"}`)
}

func diffCorpus() [][]byte {
	var out [][]byte
	for _, s := range append(append([]string{}, fuzzSeeds...), diffSeeds...) {
		out = append(out, []byte(s))
	}
	return append(out, benchBody())
}

// TestDecodeMatchesOld holds the decoder to the previous one on every seed
// of the fuzz targets: the same records, values, kept attributes (byte for
// byte, in order), totals, and failures of the same kind.
func TestDecodeMatchesOld(t *testing.T) {
	for i, body := range diffCorpus() {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			sameOutcome(t, "decodeList", body, decodeNew(body), decodeLegacy(body))
			sameOutcome(t, "decodeOne", body, decodeOneNew(body), decodeOneLegacy(body))
			sameRecords(t, body)
		})
	}
}

// FuzzDecodeMatchesOld is TestDecodeMatchesOld on any body.
func FuzzDecodeMatchesOld(f *testing.F) {
	for _, body := range diffCorpus() {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		sameOutcome(t, "decodeList", body, decodeNew(body), decodeLegacy(body))
		sameOutcome(t, "decodeOne", body, decodeOneNew(body), decodeOneLegacy(body))
		sameRecords(t, body)
	})
}

// withoutMeta checks that every record's raw record is an object, then
// zeroes its Meta (raw record and fetch), which the old decoder did not
// keep, so the rest can be compared.
func withoutMeta(t *testing.T, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			withoutMeta(t, v.Elem())
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		for i := range v.Len() {
			withoutMeta(t, v.Index(i))
		}
	case reflect.Struct:
		if !v.CanAddr() {
			return
		}
		if m, ok := v.Addr().Interface().(*domain.Meta); ok {
			if m.Raw != nil && (len(m.Raw) < 2 || m.Raw[0] != '{' || m.Raw[len(m.Raw)-1] != '}') {
				t.Fatalf("raw record %.200q is not the record's object", m.Raw)
			}
			*m = domain.Meta{}
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				withoutMeta(t, v.Field(i))
			}
		}
	}
}

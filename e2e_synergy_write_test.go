package main

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/crmgateway/gateway/adapters/synergy/emulator"
	"github.com/crmgateway/gateway/internal/config"
	"github.com/crmgateway/gateway/internal/globalid"
	spec "github.com/crmgateway/gateway/internal/synergyspec"
)

// createInput fills every required attribute of r and returns the input
// and the string attribute the round trip checks.
func createInput(r spec.Resource, label string) (map[string]any, string) {
	in := map[string]any{}
	check := ""
	for _, a := range r.Attrs {
		if !a.Writable {
			continue
		}
		switch {
		case a.Required && a.Kind == spec.Enum:
			in[spec.Camel(a.Name)] = strings.ToUpper(a.Enum[0])
		case a.Kind == spec.String && (a.Required || check == ""):
			in[spec.Camel(a.Name)] = label
		}
		if a.Kind == spec.String && check == "" {
			check = spec.Camel(a.Name)
		}
	}
	return in, check
}

// TestSynergyWriteRoundTripEveryType: create → read back → update → read
// back → delete → NOT_FOUND, for every writable type.
func TestSynergyWriteRoundTripEveryType(t *testing.T) {
	emu, g := startSynergy(t, nil)
	for _, r := range spec.Resources {
		if !r.Writable || r.Opaque {
			continue
		}
		t.Run(r.Type, func(t *testing.T) {
			payload := strings.ToLower(r.Name[:1]) + r.Name[1:]
			in, field := createInput(r, "Создано через API")
			q := fmt.Sprintf(`mutation($in: Create%sInput!) { create%s(input: $in) { %s { id sourceId %s } } }`, r.Name, r.Name, payload, field)
			resp := g.gql(t, q, map[string]any{"in": in})
			resp.mustData(t)
			created := decodeField[map[string]map[string]any](t, resp, "create"+r.Name)[payload]
			id := created["id"].(string)
			if created[field] != "Создано через API" {
				t.Fatalf("created %s = %v", field, created[field])
			}
			read := func() map[string]any {
				resp := g.gql(t, fmt.Sprintf(`query($id: ID!) { %s(id: $id) { sourceId %s } }`, r.One, field), map[string]any{"id": id})
				resp.mustData(t)
				return decodeField[map[string]any](t, resp, r.One)
			}
			if got := read(); got[field] != "Создано через API" || got["sourceId"] != created["sourceId"] {
				t.Fatalf("read back %v", got)
			}
			emu.Reset()
			q = fmt.Sprintf(`mutation($id: ID!, $v: String) { update%s(id: $id, input: {%s: $v}) { %s { %s } } }`, r.Name, field, payload, field)
			g.gql(t, q, map[string]any{"id": id, "v": "Изменено"}).mustData(t)
			reqs := emu.Requests()
			if len(reqs) != 1 || reqs[0].Method != "PATCH" {
				t.Fatalf("update sent %v", reqs)
			}
			sent := string(reqs[0].Body)
			if !strings.Contains(sent, `"attributes":{"`+kebab(field)+`":"Изменено"}`) || strings.Contains(sent, "relationships") {
				t.Fatalf("PATCH must send only the changed field: %s", sent)
			}
			if got := read(); got[field] != "Изменено" {
				t.Fatalf("after update %s = %v", field, got[field])
			}
			resp = g.gql(t, fmt.Sprintf(`mutation($id: ID!) { delete%s(id: $id) { deletedId } }`, r.Name), map[string]any{"id": id})
			resp.mustData(t)
			if !strings.Contains(resp.Raw, id) {
				t.Fatalf("deletedId: %s", resp.Raw)
			}
			resp = g.gql(t, fmt.Sprintf(`query($id: ID!) { %s(id: $id) { sourceId } }`, r.One), map[string]any{"id": id})
			if c := resp.codes(); len(c) != 1 || c[0] != "NOT_FOUND" {
				t.Fatalf("after delete: %s", resp.Raw)
			}
		})
	}
}

func kebab(camel string) string {
	var b strings.Builder
	for _, c := range camel {
		if c >= 'A' && c <= 'Z' {
			b.WriteByte('-')
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}

func TestSynergyWriteRelationships(t *testing.T) {
	emu, g := startSynergy(t, nil)
	ref := func(typ string, i int) string { return globalid.Encode("synergy", typ, emu.IDs(typ)[i]) }
	in := map[string]any{
		"name": "Сделка по API", "amount": "2200000.50", "plannedAt": "2022-02-22",
		"companyId": ref("companies", 1), "contactId": ref("contacts", 2), "stageId": ref("deal-stages", 0),
		"sourceId": ref("sources", 1), "responsibleId": ref("users", 1),
		"productIds": []string{ref("products", 0), ref("products", 1)}, "orderIds": []string{ref("orders", 0)},
	}
	emu.Reset()
	resp := g.gql(t, `mutation($in: CreateDealInput!) { createDeal(input: $in) { deal { sourceId amount plannedAt company { sourceId } contact { sourceId } products { sourceId } } } }`, map[string]any{"in": in})
	resp.mustData(t)
	body := string(emu.Requests()[0].Body)
	for _, want := range []string{`"type":"deals"`, `"company":{"data":{"type":"companies","id":"` + emu.IDs("companies")[1] + `"}}`,
		`"products":{"data":[{"type":"products","id":"`, `"amount":2200000.50`, `"planned-at":"2022-02-22"`} {
		if !strings.Contains(body, want) {
			t.Fatalf("request body lacks %s: %s", want, body)
		}
	}
	if ct := emu.Requests()[0].Header.Get("Content-Type"); ct != "application/vnd.api+json" {
		t.Fatalf("Content-Type = %q", ct)
	}
	for _, want := range []string{`"amount":"2200000.50"`, `"company":{"sourceId":"` + emu.IDs("companies")[1] + `"}`, `"plannedAt":"2022-02-22"`} {
		if !strings.Contains(resp.Raw, want) {
			t.Fatalf("response lacks %s: %s", want, resp.Raw)
		}
	}
	// null clears a to-one relationship; leaving a field out keeps it.
	dealID := decodeField[map[string]map[string]any](t, resp, "createDeal")["deal"]["sourceId"].(string)
	gid := globalid.Encode("synergy", "deals", dealID)
	resp = g.gql(t, `mutation($id: ID!) { updateDeal(id: $id, input: {contactId: null}) { deal { contact { sourceId } company { sourceId } } } }`, map[string]any{"id": gid})
	resp.mustData(t)
	if !strings.Contains(resp.Raw, `"contact":null`) || !strings.Contains(resp.Raw, `"company":{"sourceId"`) {
		t.Fatalf("after clearing contact: %s", resp.Raw)
	}
}

func TestSynergyWriteValidationBeforeAnyCall(t *testing.T) {
	emu, g := startSynergy(t, nil)
	for name, tc := range map[string]struct {
		q     string
		vars  map[string]any
		field string
	}{
		"solos id as a deal's company": {`mutation($c: ID) { createDeal(input: {name: "x", companyId: $c}) { deal { id } } }`,
			map[string]any{"c": globalid.Encode("solos", "projects", "1")}, "input.companyId"},
		"contact id as a deal's company": {`mutation($c: ID) { createDeal(input: {name: "x", companyId: $c}) { deal { id } } }`,
			map[string]any{"c": globalid.Encode("synergy", "contacts", "1")}, "input.companyId"},
		"garbage in a to-many": {`mutation { createDeal(input: {name: "x", productIds: ["nope"]}) { deal { id } } }`, nil, "input.productIds"},
		"required set to null": {`mutation($id: ID!) { updateContact(id: $id, input: {firstName: null}) { contact { id } } }`,
			map[string]any{"id": globalid.Encode("synergy", "contacts", "1")}, "input.firstName"},
		"wrong id type for update": {`mutation($id: ID!) { updateContact(id: $id, input: {firstName: "x"}) { contact { id } } }`,
			map[string]any{"id": globalid.Encode("synergy", "deals", "1")}, "id"},
	} {
		t.Run(name, func(t *testing.T) {
			emu.Reset()
			resp := g.gql(t, tc.q, tc.vars)
			if c := resp.codes(); len(c) == 0 || c[0] != "BAD_USER_INPUT" || resp.Errors[0].Extensions["field"] != tc.field {
				t.Fatalf("%s", resp.Raw)
			}
			if n := emu.Count(); n != 0 {
				t.Fatalf("%d upstream calls for invalid input", n)
			}
		})
	}
	// Missing required fields and bad enum values are refused by GraphQL itself.
	emu.Reset()
	resp := g.gql(t, `mutation { createDealStageCategory(input: {name: "x", amountCalcMethod: BOGUS, costCalcMethod: MANUALLY}) { dealStageCategory { id } } }`, nil)
	if c := resp.codes(); len(c) != 1 || c[0] != "BAD_USER_INPUT" || emu.Count() != 0 {
		t.Fatalf("%s", resp.Raw)
	}
}

func TestSynergyUpstream422NamesTheInputField(t *testing.T) {
	_, g := startSynergy(t, nil)
	resp := g.gql(t, `mutation($c: [ID!]) { createContact(input: {firstName: "Иван", lastName: "Иванов", companyIds: $c}) { contact { id } } }`,
		map[string]any{"c": []string{globalid.Encode("synergy", "companies", "987654")}})
	if c := resp.codes(); len(c) != 1 || c[0] != "BAD_USER_INPUT" || resp.Errors[0].Extensions["field"] != "input.companyIds" ||
		resp.Errors[0].Extensions["outcome"] != "REJECTED" {
		t.Fatalf("%s", resp.Raw)
	}
}

// TestSynergyWritesAreNeverRetried: each fault after the request may have
// reached the upstream is reported as outcome UNKNOWN, and the emulator saw
// exactly one request.
func TestSynergyWritesAreNeverRetried(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault emulator.Fault
		code  string
	}{
		{"timeout", emulator.Fault{Stall: time.Second}, "UPSTREAM_TIMEOUT"},
		{"reset", emulator.Fault{Reset: true}, "UPSTREAM_ERROR"},
		{"500", emulator.Fault{Status: 500}, "UPSTREAM_ERROR"},
		{"503", emulator.Fault{Status: 503}, "UPSTREAM_ERROR"},
		{"429", emulator.Fault{Status: 429, RetryAfter: "0"}, "RATE_LIMITED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu, g := startSynergy(t, func(c *config.Config) { c.Synergy.Upstream.Timeout = 300 * time.Millisecond })
			emu.Inject(tc.fault)
			resp := g.gql(t, `mutation { createContactStatus(input: {name: "Новый"}) { contactStatus { id } } }`, nil)
			if c := resp.codes(); len(c) != 1 || c[0] != tc.code {
				t.Fatalf("%s", resp.Raw)
			}
			want := "UNKNOWN"
			if tc.code == "RATE_LIMITED" {
				want = "REJECTED"
			}
			if o := resp.Errors[0].Extensions["outcome"]; o != want {
				t.Fatalf("outcome = %v: %s", o, resp.Raw)
			}
			if n := emu.Count(); n != 1 {
				t.Fatalf("the emulator saw %d requests, want exactly 1", n)
			}
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		ln.Close()
		cfg := config.Defaults()
		cfg.Synergy.BaseURL, cfg.Synergy.Token = "http://"+addr+"/api/v1", synergyTestToken
		g := startGateway(t, cfg)
		resp := g.gql(t, `mutation { createContactStatus(input: {name: "Новый"}) { contactStatus { id } } }`, nil)
		if c := resp.codes(); len(c) != 1 || c[0] != "UPSTREAM_UNAVAILABLE" || resp.Errors[0].Extensions["outcome"] != "NOT_SENT" {
			t.Fatalf("%s", resp.Raw)
		}
		if !strings.Contains(resp.Errors[0].Message, "not sent") {
			t.Fatalf("the message must say the write was not sent: %s", resp.Errors[0].Message)
		}
	})
}

// TestSynergyNothingStaleAfterWrite: later reads in the same operation and
// in later requests see the written values.
func TestSynergyNothingStaleAfterWrite(t *testing.T) {
	emu, g := startSynergy(t, nil)
	id := globalid.Encode("synergy", "contacts", emu.IDs("contacts")[0])
	g.gql(t, `query($id: ID!) { contact(id: $id) { firstName } }`, map[string]any{"id": id}).mustData(t)
	resp := g.gql(t, `mutation($id: ID!) {
	  a: updateContact(id: $id, input: {firstName: "Первый"}) { contact { firstName } }
	  b: updateContact(id: $id, input: {firstName: "Второй"}) { contact { firstName } }
	}`, map[string]any{"id": id})
	resp.mustData(t)
	if !strings.Contains(resp.Raw, `"a":{"contact":{"firstName":"Первый"}},"b":{"contact":{"firstName":"Второй"}}`) {
		t.Fatalf("%s", resp.Raw)
	}
	resp = g.gql(t, `query($id: ID!) { contact(id: $id) { firstName } contacts(first: 1) { nodes { firstName } } }`, map[string]any{"id": id})
	resp.mustData(t)
	if strings.Count(resp.Raw, "Второй") != 2 {
		t.Fatalf("stale read after write: %s", resp.Raw)
	}
}

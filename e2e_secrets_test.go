package main

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	rkemulator "github.com/crmgateway/gateway/adapters/rkeeper/emulator"
	solosemu "github.com/crmgateway/gateway/adapters/solos/emulator"
	"github.com/crmgateway/gateway/adapters/synergy/emulator"
	"github.com/crmgateway/gateway/internal/config"
)

// Credentials with characters that change under case folding, URL
// escaping and base64, so each form of an echo differs from the others.
const (
	leakSynergyToken = "Syn+Tok/7f3A9c=Qx"
	leakSolosToken   = "SolTok+8e1B/z"
	leakSolosSecret  = "SolSec/42F0aa+17"
	leakSID          = "5F2b8c6E1d0a4f3B9e7c2a1d8b6f4e3c0a9d7b5e3c1f2a4b6d8e0c2a4f6b8d0e"
)

// echoForms are the ways an upstream may echo a credential back.
func echoForms(s string) map[string]string {
	return map[string]string{
		"exact":        s,
		"upper":        strings.ToUpper(s),
		"lower":        strings.ToLower(s),
		"query-escape": url.QueryEscape(s),
		"path-escape":  url.PathEscape(s),
		"base64":       base64.StdEncoding.EncodeToString([]byte(s)),
		"base64url":    base64.RawURLEncoding.EncodeToString([]byte(s)),
	}
}

// assertNoSecret fails when any form of any secret shows in text.
func assertNoSecret(t *testing.T, where, text string, secrets ...string) {
	t.Helper()
	low := strings.ToLower(text)
	for _, s := range secrets {
		for name, f := range echoForms(s) {
			if strings.Contains(low, strings.ToLower(f)) {
				t.Errorf("%s holds the credential (%s form):\n%s", where, name, text)
			}
		}
	}
}

// leakCase injects one fault whose answer echoes a credential (in the
// form given) in one field the upstream's errors own.
type leakCase struct {
	name   string
	write  bool // the GraphQL/REST call is a write
	inject func(echo string)
}

// leakCall is the same operation through GraphQL and REST.
type leakCall struct {
	query               string
	restMethod, restURL string
	restBody            string
}

// runLeakCases drives every case in every echo form through GraphQL and
// REST, each call answered by the injected fault (retries are off), and
// checks responses, headers and the log.
func runLeakCases(t *testing.T, g *testGateway, secret string, secrets []string, count func() int,
	read, write leakCall, cases []leakCase) {
	t.Helper()
	for _, c := range cases {
		for form, echo := range echoForms(secret) {
			call := read
			if c.write {
				call = write
			}
			before := count()
			c.inject(echo)
			r := g.gql(t, call.query, nil)
			if len(r.Errors) == 0 || count() == before {
				t.Fatalf("%s/%s: the fault did not fire: %s", c.name, form, r.Raw)
			}
			assertNoSecret(t, c.name+"/"+form+": GraphQL response", r.Raw, secrets...)

			before = count()
			c.inject(echo)
			a := restCall(t, call.restMethod, g.URL+call.restURL, call.restBody)
			if a.Status < 400 || count() == before {
				t.Fatalf("%s/%s: the REST fault did not fire: %d %s", c.name, form, a.Status, a.Raw)
			}
			var head strings.Builder
			_ = a.Header.Write(&head)
			assertNoSecret(t, c.name+"/"+form+": REST response", string(a.Raw), secrets...)
			assertNoSecret(t, c.name+"/"+form+": REST headers", head.String(), secrets...)
			// A healthy call keeps the circuit breaker closed for the next.
			g.gql(t, read.query, nil).mustData(t)
		}
	}
	assertNoSecret(t, "the log", g.Logs.String(), secrets...)
	if !strings.Contains(g.Logs.String(), "upstream call") {
		t.Fatal("nothing was logged: the log check proves nothing")
	}
}

// TestSecretsNeverLeakFromUpstreamErrors: a CRM that echoes the gateway's
// credentials, exactly, in another case, URL-escaped or base64-encoded, in
// any field of its error answers or in a header, never gets them into a
// GraphQL or REST response, a response header or the log.
func TestSecretsNeverLeakFromUpstreamErrors(t *testing.T) {
	t.Run("synergy", func(t *testing.T) {
		emu := emulator.New(emulator.Options{Token: leakSynergyToken})
		srv := httptest.NewServer(emu)
		t.Cleanup(srv.Close)
		cfg := config.Defaults()
		cfg.Synergy.BaseURL, cfg.Synergy.Token = srv.URL+"/api/v1", leakSynergyToken
		cfg.Synergy.Upstream.MaxRetries = 0
		cfg.LogLevel = "debug"
		g := startGateway(t, cfg)
		one := func(status int, o emulator.ErrorObject) func(string) {
			return func(string) { emu.Inject(emulator.Fault{Status: status, Errors: []emulator.ErrorObject{o}}) }
		}
		var cases []leakCase
		for _, status := range []int{http.StatusUnprocessableEntity, http.StatusBadRequest, http.StatusInternalServerError} {
			write := status == http.StatusUnprocessableEntity
			for field, obj := range map[string]func(string) emulator.ErrorObject{
				"title":            func(e string) emulator.ErrorObject { return emulator.ErrorObject{Title: "bad token " + e} },
				"detail":           func(e string) emulator.ErrorObject { return emulator.ErrorObject{Detail: "Bearer " + e} },
				"code":             func(e string) emulator.ErrorObject { return emulator.ErrorObject{Code: e, Detail: "x"} },
				"status":           func(e string) emulator.ErrorObject { return emulator.ErrorObject{Status: e, Detail: "x"} },
				"source.pointer":   func(e string) emulator.ErrorObject { return emulator.ErrorObject{Pointer: "/data/attributes/" + e} },
				"source.parameter": func(e string) emulator.ErrorObject { return emulator.ErrorObject{Parameter: "filter[" + e + "]"} },
				"meta":             func(e string) emulator.ErrorObject { return emulator.ErrorObject{Meta: map[string]any{"token": e}} },
			} {
				cases = append(cases, leakCase{name: http.StatusText(status) + "/" + field, write: write, inject: func(e string) {
					emu.Inject(emulator.Fault{Status: status, Errors: []emulator.ErrorObject{obj(e), obj(e)}})
				}})
			}
		}
		cases = append(cases,
			leakCase{name: "401/WWW-Authenticate", inject: func(e string) {
				emu.Inject(emulator.Fault{Status: 401, Header: http.Header{"Www-Authenticate": {`Bearer error="invalid_token" token="` + e + `"`}}})
			}},
			leakCase{name: "429/Retry-After", inject: func(e string) { emu.Inject(emulator.Fault{Status: 429, RetryAfter: e}) }},
			leakCase{name: "403/detail", write: true, inject: one(403, emulator.ErrorObject{Detail: "token refused: " + leakSynergyToken})},
		)
		runLeakCases(t, g, leakSynergyToken, []string{leakSynergyToken}, emu.Count,
			leakCall{`{ contacts(first: 2) { nodes { id } } }`, http.MethodGet, "/rest/v1/contacts?first=2", ""},
			leakCall{`mutation { createContact(input: {firstName: "Анна", lastName: "Смирнова"}) { contact { id } } }`,
				http.MethodPost, "/rest/v1/contacts", `{"firstName": "Анна", "lastName": "Смирнова"}`},
			cases)
	})

	t.Run("rkeeper", func(t *testing.T) {
		// No stale answers: every fault must reach the caller.
		g := startRK(t, func(c *config.Config) {
			c.RKeeper.SID, c.RKeeper.CacheTTL, c.RKeeper.ReferenceStaleFor, c.LogLevel = leakSID, 0, 0, "debug"
		})
		g.emu.SID = leakSID
		count := func() int { return g.emu.Count("", "") }
		el := func(status int, mk func(e string) rkemulator.Fault) func(string) {
			return func(e string) { f := mk(e); f.Status = status; g.emu.Inject(f) }
		}
		var cases []leakCase
		for _, status := range []int{0, http.StatusBadRequest, http.StatusNotFound, http.StatusInternalServerError} {
			for field, mk := range map[string]func(e string) rkemulator.Fault{
				"errors.code": func(e string) rkemulator.Fault {
					return rkemulator.Fault{Errors: []rkemulator.EnvelopeError{{Code: e, Text: "x"}}}
				},
				"errors.text": func(e string) rkemulator.Fault {
					return rkemulator.Fault{Errors: []rkemulator.EnvelopeError{{Code: "DLW-0001", Text: "Неверный sid " + e}}}
				},
				"errors.details": func(e string) rkemulator.Fault {
					return rkemulator.Fault{Errors: []rkemulator.EnvelopeError{{Code: "DLW-0003", Text: "x", Details: e}, {Code: "DLW-0099", Details: "sid=" + e}}}
				},
				"requestId": func(e string) rkemulator.Fault {
					return rkemulator.Fault{RequestID: e, Errors: []rkemulator.EnvelopeError{{Code: "DLW-0004", Text: "x"}}}
				},
			} {
				cases = append(cases, leakCase{name: http.StatusText(status) + "/" + field, write: status == http.StatusBadRequest, inject: el(status, mk)})
			}
		}
		cases = append(cases,
			leakCase{name: "401/WWW-Authenticate", inject: el(401, func(e string) rkemulator.Fault {
				return rkemulator.Fault{Header: http.Header{"Www-Authenticate": {"sid " + e}}}
			})},
			leakCase{name: "429/Retry-After", inject: el(429, func(e string) rkemulator.Fault {
				return rkemulator.Fault{Header: http.Header{"Retry-After": {e}}}
			})},
		)
		runLeakCases(t, g.testGateway, leakSID, []string{leakSID}, count,
			leakCall{`{ countries { name } }`, http.MethodGet, "/rest/v1/countries", ""},
			leakCall{`mutation { createCity(countryId: "` + rkRussiaID + `", input: {name: "Тверь"}) { city { id } } }`,
				http.MethodPost, "/rest/v1/cities?countryId=" + url.QueryEscape(rkRussiaID), `{"name": "Тверь"}`},
			cases)
	})

	t.Run("solos", func(t *testing.T) {
		g, em := startSolos(t, solosemu.Options{Token: leakSolosToken, Secret: leakSolosSecret}, func(c *config.Config) {
			c.Solos.Token, c.Solos.Secret = leakSolosToken, leakSolosSecret
			c.Solos.Upstream.MaxRetries = 0
			c.LogLevel = "debug"
		})
		count := func() int { return len(em.Requests()) }
		var cases []leakCase
		for _, status := range []int{http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized, http.StatusUnprocessableEntity, http.StatusInternalServerError} {
			for field, body := range map[string]func(e string) map[string]any{
				"error":   func(e string) map[string]any { return map[string]any{"status": "error", "error": "token " + e} },
				"message": func(e string) map[string]any { return map[string]any{"status": "error", "message": e} },
				"errors":  func(e string) map[string]any { return map[string]any{"errors": []any{e, map[string]any{"secret": e}}} },
				"status":  func(e string) map[string]any { return map[string]any{"status": e, "error": true} },
			} {
				cases = append(cases, leakCase{name: http.StatusText(status) + "/" + field, inject: func(e string) {
					em.Inject(solosemu.Fault{Status: status, Body: body(e)})
				}})
			}
		}
		cases = append(cases,
			leakCase{name: "401/WWW-Authenticate", inject: func(e string) {
				em.Inject(solosemu.Fault{Status: 401, Header: http.Header{"Www-Authenticate": {"X-Crypto-Token " + e}}})
			}},
			leakCase{name: "429/Retry-After", inject: func(e string) { em.Inject(solosemu.Fault{Status: 429, RetryAfter: e}) }},
		)
		read := leakCall{`{ projects(first: 2) { nodes { id } } }`, http.MethodGet, "/rest/v1/projects?first=2", ""}
		for _, secret := range []string{leakSolosToken, leakSolosSecret} {
			runLeakCases(t, g, secret, []string{leakSolosToken, leakSolosSecret}, count, read, read, cases)
		}
	})
}

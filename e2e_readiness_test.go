package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crmgateway/gateway/internal/realserver"
)

type readyz struct {
	Status   string `json:"status"`
	Backends []struct {
		Backend, Account string
		Reachable        bool
		Breaker          string
		LastSuccess      *time.Time
		LastError        *struct{ Code string }
	} `json:"backends"`
}

func readReady(t *testing.T, url string) (int, readyz) {
	t.Helper()
	r := send(t, "GET", url+"/readyz", nil, "")
	var out readyz
	if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
		t.Fatalf("/readyz is not JSON: %s", r.Body)
	}
	return r.Status, out
}

// TestReadiness: /readyz reports every backend account; one CRM refusing
// the gateway keeps the replica ready (its fields fail alone), every CRM
// refusing it makes it unavailable, and draining is 503 whatever the
// backends. The start-up probe finds refused credentials before any
// caller does.
func TestReadiness(t *testing.T) {
	t.Run("one backend refused", func(t *testing.T) {
		crms := startCRMs(t, "ready1")
		cfg := productionConfig(t, crms)
		cfg.Auth.Mode = "none"
		cfg.ProbeBackends = true
		cfg.Synergy.Token = "not-the-token"
		g := startGateway(t, cfg)
		var st readyz
		var code int
		realserver.WaitContext(t, 10*time.Second, func() bool {
			code, st = readReady(t, g.URL)
			n := 0
			for _, b := range st.Backends {
				if b.LastSuccess != nil || b.LastError != nil {
					n++
				}
			}
			return n == 3
		})
		if code != 200 || st.Status != "ready" || len(st.Backends) != 3 {
			t.Fatalf("%d %+v", code, st)
		}
		for _, b := range st.Backends {
			want := b.Backend != "synergy"
			if b.Reachable != want || b.Account != "default" || b.Breaker != "closed" {
				t.Errorf("%+v", b)
			}
			if b.Backend == "synergy" && (b.LastError == nil || b.LastError.Code != "UPSTREAM_UNAUTHENTICATED") {
				t.Errorf("synergy: %+v", b)
			}
		}
		logs := g.Logs.String()
		if !strings.Contains(logs, `"msg":"start-up probe failed","backend":"synergy"`) ||
			!strings.Contains(logs, `"msg":"start-up probe succeeded","backend":"rkeeper"`) {
			t.Fatalf("probes not logged:\n%s", logs)
		}
		if strings.Contains(logs, "not-the-token") {
			t.Fatal("the refused credential reached the log")
		}
		g.App.Server.Drain()
		if code, st := readReady(t, g.URL); code != http.StatusServiceUnavailable || st.Status != "draining" {
			t.Fatalf("draining: %d %+v", code, st)
		}
	})
	t.Run("every backend refused", func(t *testing.T) {
		crms := startCRMs(t, "ready2")
		cfg := productionConfig(t, crms)
		cfg.Auth.Mode = "none"
		cfg.ProbeBackends = true
		cfg.Synergy.Token, cfg.Solos.Secret, cfg.RKeeper.SID = "wrong-1", "wrong-2", "wrong-3"
		g := startGateway(t, cfg)
		realserver.WaitContext(t, 10*time.Second, func() bool {
			code, st := readReady(t, g.URL)
			return code == http.StatusServiceUnavailable && st.Status == "unavailable"
		})
		// The CRMs come back (a credential rotated upstream, say): the
		// next successful call makes the replica ready again.
		r := send(t, "POST", g.URL+"/graphql", nil, gqlBody(`{ __typename }`, nil))
		if r.Status != 200 {
			t.Fatalf("an unready replica still answers what needs no CRM: %d", r.Status)
		}
	})
}

package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/crmgateway/gateway/internal/realserver"
)

// replica is one gateway process.
type replica struct {
	base, metrics string
	logs          *logBuffer
}

func startReplica(t *testing.T, env ...string) *replica {
	t.Helper()
	p := launch(t, append([]string{"METRICS_ADDR=127.0.0.1:0", "AUTH_MODE=none"}, env...)...)
	r := &replica{base: p.base(), metrics: "http://" + p.metricsAddr + "/metrics", logs: p.logs}
	realserver.WaitContext(t, 20*time.Second, func() bool { return status(t, r.base+"/healthz") == 200 })
	return r
}

func (r *replica) gql(t *testing.T, query string, vars map[string]any) authed {
	t.Helper()
	return send(t, "POST", r.base+"/graphql", nil, gqlBody(query, vars))
}

// TestReplicasShareState: two gateway processes on one real redis-server.
// A city created through replica A is in replica B's cached reference
// list at once; a persisted query registered on A runs by hash on B; with
// Redis killed neither replica fails a request, and both use Redis again
// once it is back.
func TestReplicasShareState(t *testing.T) {
	redis := realserver.StartRedis(t)
	crms := startCRMs(t, "replicas")
	env := []string{
		"SYNERGY_BASE_URL=" + crms.synergy.BaseURL, "SYNERGY_TOKEN=" + crms.synergy.Token,
		"RKEEPER_BASE_URL=" + crms.rkeeper.BaseURL, "RKEEPER_SID=" + crms.rkeeper.SID,
		"RKEEPER_OBJECT_ID=" + crms.rkeeper.ObjectID, "RKEEPER_CACHE_TTL=1m", "REDIS_URL=" + redis.URL(),
	}
	a, b := startReplica(t, env...), startReplica(t, env...)

	r := a.gql(t, `{ countries { id name } }`, nil)
	var d struct {
		Data struct{ Countries []struct{ ID, Name string } }
	}
	_ = json.Unmarshal([]byte(r.Body), &d)
	if len(d.Data.Countries) == 0 {
		t.Fatalf("countries: %s", r.Body)
	}
	country := d.Data.Countries[0].ID
	const cities = `query($c: ID!) { cities(countryId: $c) { name } }`
	before := b.gql(t, cities, map[string]any{"c": country}) // B caches the list
	if strings.Contains(before.Body, "Новоград") || len(before.codes(t)) != 0 {
		t.Fatalf("%s", before.Body)
	}
	calls := len(crms.rk.Requests())
	if again := b.gql(t, cities, map[string]any{"c": country}); again.Body != before.Body || len(crms.rk.Requests()) != calls {
		t.Fatal("B did not serve the list from its cache")
	}
	w := a.gql(t, `mutation($c: ID!) { createCity(countryId: $c, input: {name: "Новоград"}) { city { id } } }`, map[string]any{"c": country})
	if len(w.codes(t)) != 0 {
		t.Fatalf("createCity: %s", w.Body)
	}
	if after := b.gql(t, cities, map[string]any{"c": country}); !strings.Contains(after.Body, "Новоград") {
		t.Fatalf("replica B serves a stale list after A's write: %s", after.Body)
	}

	apq := `query SharedAPQ { countries { name } }`
	ext := apqExt(apq)
	reg, _ := json.Marshal(map[string]any{"query": apq, "extensions": ext})
	send(t, "POST", a.base+"/graphql", nil, string(reg))
	hashOnly, _ := json.Marshal(map[string]any{"extensions": ext})
	if r := send(t, "POST", b.base+"/graphql", nil, string(hashOnly)); r.Status != 200 || len(r.codes(t)) != 0 {
		t.Fatalf("a query registered on A is unknown to B: %s", r.Body)
	}

	redis.Kill()
	for i := 0; i < 6; i++ {
		for _, rep := range []*replica{a, b} {
			r := rep.gql(t, `query($c: ID!) { countries { name } cities(countryId: $c) { name } contacts(first: 1) { nodes { id } } }`,
				map[string]any{"c": country})
			if r.Status != 200 || len(r.codes(t)) != 0 {
				t.Fatalf("with Redis down: %d %s", r.Status, r.Body)
			}
		}
	}
	m := send(t, "GET", a.metrics, nil, "").Body
	if !strings.Contains(m, `crm_gateway_redis_errors_total{use="rkeeper"}`) {
		t.Fatalf("Redis failures are not counted:\n%s", grepLines(m, "redis"))
	}
	if !strings.Contains(a.logs.String(), "shared cache: Redis unavailable") {
		t.Fatal("the outage is not logged")
	}
	if n := strings.Count(a.logs.String(), "shared cache: Redis unavailable"); n != 1 {
		t.Fatalf("the outage is logged %d times", n)
	}
	redis.Restart()
	realserver.WaitContext(t, 10*time.Second, func() bool {
		a.gql(t, `{ countries { name } }`, nil)
		return strings.Contains(a.logs.String(), "shared cache: Redis answers again")
	})
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return fmt.Sprint(out)
}

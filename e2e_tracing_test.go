package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/crmgateway/gateway/internal/realserver"
)

// jaegerTrace is the part of Jaeger's /api/traces/{id} answer the test reads.
type jaegerTrace struct {
	Data []struct {
		Spans []struct {
			SpanID        string `json:"spanID"`
			OperationName string `json:"operationName"`
			References    []struct {
				RefType string `json:"refType"`
				SpanID  string `json:"spanID"`
			} `json:"references"`
			Tags []struct {
				Key   string `json:"key"`
				Value any    `json:"value"`
			} `json:"tags"`
		} `json:"spans"`
	} `json:"data"`
}

// TestTracingToJaeger: with only the standard OTEL_* variables set, a
// query over the three CRMs leaves one trace in a real Jaeger: the
// caller's traceparent is honoured, the server span holds the GraphQL
// operation span (named by its type and name, with the semantic
// conventions' attributes), which holds parse, validate and execute, and
// execute holds one client span per upstream call; each emulator received
// the trace id.
func TestTracingToJaeger(t *testing.T) {
	wd, _ := os.Getwd()
	jaeger := realserver.StartJaeger(t, wd)
	otel := map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + jaeger.OTLPHTTP,
		"OTEL_SERVICE_NAME":           "crm-gateway-test",
		"OTEL_BSP_SCHEDULE_DELAY":     "100",
	}
	for k, v := range otel {
		t.Setenv(k, v)
	}
	crms := startCRMs(t, "trace")
	cfg := productionConfig(t, crms)
	cfg.Auth.Mode = "none"
	cfg.OTel = otel
	g := startGateway(t, cfg)

	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	const parentID = "00f067aa0ba902b7"
	r := send(t, "POST", g.URL+"/graphql", map[string]string{"traceparent": "00-" + traceID + "-" + parentID + "-01"},
		gqlBody(`query ThreeCRMs { contacts(first: 1) { nodes { id } } projects(first: 1) { nodes { id } } countries { name } }`, nil))
	if r.Status != 200 || len(r.codes(t)) != 0 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}

	var tr jaegerTrace
	realserver.WaitContext(t, 20*time.Second, func() bool {
		resp, err := http.Get(jaeger.Query + "/api/traces/" + traceID)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		tr = jaegerTrace{}
		if json.NewDecoder(resp.Body).Decode(&tr) != nil || len(tr.Data) == 0 {
			return false
		}
		n, server := 0, false
		for _, s := range tr.Data[0].Spans {
			if strings.HasPrefix(s.OperationName, "GET ") {
				n++
			}
			server = server || s.OperationName == "POST /graphql"
		}
		return n >= 3 && server
	})
	spans := tr.Data[0].Spans
	byName := map[string]string{} // operation → span id
	parent := map[string]string{} // span id → parent span id
	tags := map[string]map[string]any{}
	for _, s := range spans {
		byName[s.OperationName] = s.SpanID
		tags[s.SpanID] = map[string]any{}
		for _, tg := range s.Tags {
			tags[s.SpanID][tg.Key] = tg.Value
		}
		for _, ref := range s.References {
			if ref.RefType == "CHILD_OF" {
				parent[s.SpanID] = ref.SpanID
			}
		}
	}
	must := func(name string) string {
		id, ok := byName[name]
		if !ok {
			var names []string
			for n := range byName {
				names = append(names, n)
			}
			t.Fatalf("no span %q among %v", name, names)
		}
		return id
	}
	server := must("POST /graphql")
	op := must("query ThreeCRMs")
	exec := must("graphql.execute")
	if parent[server] != parentID {
		t.Fatalf("the server span's parent is %q, not the caller's span", parent[server])
	}
	if parent[op] != server || parent[must("graphql.parse")] != op || parent[must("graphql.validate")] != op || parent[exec] != op {
		t.Fatalf("span tree: %v", parent)
	}
	if tags[op]["graphql.operation.type"] != "query" || tags[op]["graphql.operation.name"] != "ThreeCRMs" {
		t.Fatalf("operation span attributes: %v", tags[op])
	}
	for _, backend := range []string{"synergy", "solos", "rkeeper"} {
		id := must("GET " + backend)
		if !descends(parent, id, exec) {
			t.Errorf("the %s call is not below graphql.execute", backend)
		}
		if tags[id]["http.response.status_code"] != float64(200) || tags[id]["peer.service"] != backend ||
			!strings.HasPrefix(fmt.Sprint(tags[id]["url.full"]), "http://127.0.0.1:") {
			t.Errorf("%s client span attributes: %v", backend, tags[id])
		}
	}

	seen := map[string]string{}
	for _, q := range crms.syn.Requests() {
		seen["synergy"] = q.Header.Get("traceparent")
	}
	for _, q := range crms.solos.Requests() {
		seen["solos"] = q.Header.Get("traceparent")
	}
	for _, q := range crms.rk.Requests() {
		seen["rkeeper"] = q.Header.Get("traceparent")
	}
	for b, tp := range seen {
		if !strings.HasPrefix(tp, "00-"+traceID+"-") {
			t.Errorf("%s received traceparent %q", b, tp)
		}
	}
	if len(seen) != 3 {
		t.Fatalf("emulators called: %v", seen)
	}
}

// descends reports whether span id has ancestor among its parents.
func descends(parent map[string]string, id, ancestor string) bool {
	for i := 0; i < 20 && id != ""; i++ {
		id = parent[id]
		if id == ancestor {
			return true
		}
	}
	return false
}

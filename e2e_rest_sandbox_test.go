package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/crmgateway/gateway/internal/config"
)

func restGet(t *testing.T, g *testGateway, path string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(g.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, raw)
	}
	return resp.StatusCode, body
}

func firstItem(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	items, _ := body["items"].([]any)
	if len(items) == 0 {
		t.Fatalf("no items: %v", body)
	}
	return items[0].(map[string]any)
}

// TestRESTOverSandboxData walks the resources DESIGN.md names through the
// REST facade against the three sandbox emulators.
func TestRESTOverSandboxData(t *testing.T) {
	g := startGateway(t, config.Defaults())

	status, body := restGet(t, g, "/rest/v1/contacts?first=100")
	if total, _ := body["totalCount"].(float64); status != 200 || total < 50 || len(body["items"].([]any)) != min(100, int(total)) {
		t.Fatalf("contacts?first=100: %d %d items %v", status, len(body["items"].([]any)), toJSON(body)[:300])
	}

	_, deals := restGet(t, g, "/rest/v1/deals?first=5")
	deal := firstItem(t, deals)
	status, company := restGet(t, g, "/rest/v1/deals/"+deal["id"].(string)+"/company")
	if status != 200 || company["name"] == nil {
		t.Fatalf("deal's company: %d %v", status, company)
	}

	_, projects := restGet(t, g, "/rest/v1/projects?first=3")
	project := firstItem(t, projects)
	status, payments := restGet(t, g, "/rest/v1/projects/"+project["id"].(string)+"/payments?first=5")
	if status != 200 || payments["items"] == nil {
		t.Fatalf("project payments: %d %v", status, payments)
	}

	_, countries := restGet(t, g, "/rest/v1/countries")
	var russia string
	for _, c := range countries["items"].([]any) {
		if m := c.(map[string]any); m["name"] == "Россия" {
			russia = m["id"].(string)
		}
	}
	status, cities := restGet(t, g, "/rest/v1/countries/"+russia+"/cities")
	if status != 200 || len(cities["items"].([]any)) == 0 {
		t.Fatalf("Russia's cities: %d %v", status, cities)
	}

	status, stages := restGet(t, g, "/rest/v1/deal-stage-categories")
	if status != 200 || len(stages["items"].([]any)) == 0 {
		t.Fatalf("deal-stage-categories: %d %v", status, stages)
	}

	status, missing := restGet(t, g, "/rest/v1/contacts/not-an-id")
	if status != 400 || !strings.Contains(toJSON(missing), "BAD_USER_INPUT") {
		t.Fatalf("bad id: %d %v", status, missing)
	}
}

func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

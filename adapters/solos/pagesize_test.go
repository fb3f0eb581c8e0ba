package solos

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/crmgateway/gateway/adapters/solos/emulator"
	"github.com/crmgateway/gateway/internal/config"
)

// capSafety is how many times the largest measured page the default
// response cap must hold.
const capSafety = 8

// TestLargestPageFitsTheDefaultCap measures the largest answer the
// gateway asks Solos for: a page of 100 projects (the gateway's largest
// `first`) with all their dynamic fields. The seed holds fewer, so the
// page is the seed's largest project's size times 100. The default
// SOLOS_MAX_RESPONSE_BYTES must hold it capSafety times over (the figures
// are in README.md).
func TestLargestPageFitsTheDefaultCap(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+emulator.BasePath+"/projects?count=100&offset=0", nil)
	req.Header.Set("X-Crypto-Token", emulator.SandboxToken)
	req.Header.Set("X-Crypto-Secret", emulator.SandboxSecret)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var doc struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || len(doc.Data) == 0 {
		t.Fatalf("%v: %.200s", err, body)
	}
	largest := 0
	for _, p := range doc.Data {
		largest = max(largest, len(p)+1)
	}
	page := 100 * largest
	t.Logf("Solos: %d projects in %d bytes; largest project %d bytes; a page of 100 such: %d bytes", len(doc.Data), len(body), largest, page)
	if page*capSafety > config.DefaultSolosMaxResponseBytes {
		t.Fatalf("the default cap %d holds the largest page (%d bytes) fewer than %d times", config.DefaultSolosMaxResponseBytes, page, capSafety)
	}
}

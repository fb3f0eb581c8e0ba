package rkeeper

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/crmgateway/gateway/adapters/rkeeper/emulator"
	"github.com/crmgateway/gateway/internal/config"
)

// Sizing r_keeper's largest answer: its lists have no paging, and the
// largest is the streets of the largest city. Moscow's street register
// holds about 5,000 names; largestList allows twice that.
const (
	largestList = 10000
	capSafety   = 8
)

// TestLargestListFitsTheDefaultCap measures the emulator's longest street
// element in its envelope, times largestList streets, and requires the
// default RKEEPER_MAX_RESPONSE_BYTES to hold that capSafety times over
// (the figures are in README.md).
func TestLargestListFitsTheDefaultCap(t *testing.T) {
	emu := emulator.New()
	srv := httptest.NewServer(emu)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+emulator.BasePath+"/Streets?cityId=10000000000002&objectId="+emu.ObjectID, nil)
	req.Header.Set("sid", emu.SID)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var env struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil || len(env.Data) == 0 {
		t.Fatalf("%v: %.200s", err, body)
	}
	longest := 0
	for _, s := range env.Data {
		longest = max(longest, len(s)+1)
	}
	list := largestList * longest
	t.Logf("r_keeper: longest street element %d bytes; %d streets: %d bytes", longest, largestList, list)
	if list*capSafety > config.DefaultRKeeperMaxResponseBytes {
		t.Fatalf("the default cap %d holds the largest list (%d bytes) fewer than %d times", config.DefaultRKeeperMaxResponseBytes, list, capSafety)
	}
}

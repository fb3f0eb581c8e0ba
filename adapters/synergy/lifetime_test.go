package synergy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/crmgateway/gateway/internal/domain"
)

// snapshot prints everything decoded: each entity's typed attributes, its
// raw attributes object, identity and linkage.
func snapshot(t *testing.T, doc *domain.SynergyDocument) []byte {
	t.Helper()
	var out bytes.Buffer
	for _, e := range append(append([]domain.SynergyEntity{}, doc.Data...), doc.Included...) {
		typed, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		rec := e.Record()
		fmt.Fprintf(&out, "%s %s %s %s %v\n", rec.ID(), rec.SourceID, typed, rec.Attributes, rec.Links)
	}
	return out.Bytes()
}

// TestDecodedValuesOutliveTheBody: the upstream client reuses an answer's
// buffer once the adapter releases it, so nothing Decode returns may
// alias the body. Overwriting the body after decoding changes nothing.
func TestDecodedValuesOutliveTheBody(t *testing.T) {
	body := bytes.Clone(dealsPageBody(t))
	doc, err := Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, doc)
	for i := range body {
		body[i] = 'x'
	}
	if after := snapshot(t, doc); !bytes.Equal(before, after) {
		t.Fatal("decoded values changed with the body: they alias it")
	}
	if !bytes.Contains(before, []byte(`"customs"`)) {
		t.Fatal("the page carries no attributes kept whole: the test proves nothing")
	}
}

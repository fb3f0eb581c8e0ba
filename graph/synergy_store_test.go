package graph

import (
	"context"
	"testing"

	"github.com/crmgateway/gateway/adapters/synergy"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/loaders"
)

// TestSynergyStoreReleasesWhatItRead: when the request is over, the
// store hands its documents' blocks back cleared and keeps nothing, and a
// document that arrives after is not kept.
func TestSynergyStoreReleasesWhatItRead(t *testing.T) {
	body := []byte(`{"data":[{"type":"deals","id":"7","attributes":{"name":"Поставка"},
		"relationships":{"company":{"data":{"type":"companies","id":"3"}}}}],
		"included":[{"type":"companies","id":"3","attributes":{"name":"Ромашка"}}]}`)
	read := func() *domain.SynergyDocument {
		doc, err := synergy.Decode(body)
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	st := synergyStoreFor(loaders.With(context.Background()))
	st.putDoc(read())
	dealRef := domain.SynergyRef{Type: "deals", ID: "7"}
	deal, _ := st.get(dealRef).(*domain.Deal)
	if deal == nil || deal.Name == nil || *deal.Name != "Поставка" || len(deal.Links) != 1 {
		t.Fatalf("deal before the release: %+v", deal)
	}
	if st.get(domain.SynergyRef{Type: "companies", ID: "3"}) == nil {
		t.Fatal("the included company is not held")
	}
	st.Release()
	if deal.Name != nil || deal.SourceID != "" || deal.Links != nil {
		t.Fatalf("a released deal keeps what it held: %+v", deal)
	}
	if st.get(dealRef) != nil {
		t.Fatal("the store holds a deal after the release")
	}
	st.putDoc(read())
	if st.get(dealRef) != nil || len(st.docs) != 0 {
		t.Fatal("the store kept a document read after the release")
	}
}

package solos

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestDecodedValuesOutliveTheBody: nothing the decoders return aliases the
// answer's body, which the upstream client reuses once released.
func TestDecodedValuesOutliveTheBody(t *testing.T) {
	body := []byte(`{"data":[{"id":"1","name":"Внедрение CRM","created":"2021-05-21 14:03:00","price":"150000.00",
		"participants_user_id":["1","2"],"client_id":["7"],"contract_date":"2021-06-01","source":"Сайт"},
		{"id":2,"name":"Поставка","step_id":"3","address":"г. Москва"}],"total":2}`)
	raws, _, err := decodeList(body)
	if err != nil {
		t.Fatal(err)
	}
	items, err := projects.decodeAll(raws)
	if err != nil || len(items) != 2 || len(items[0].Extra) == 0 {
		t.Fatalf("%v %d", err, len(items))
	}
	oneBody := []byte(`{"data":{"id":"3","name":"Проект","client_id":["9"],"note":"x"}}`)
	one, _, err := decodeOne(oneBody)
	if err != nil {
		t.Fatal(err)
	}
	single, err := projects.decode(one)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := json.Marshal([]any{items, single})
	for _, b := range [][]byte{body, oneBody} {
		for i := range b {
			b[i] = ' '
		}
	}
	if after, _ := json.Marshal([]any{items, single}); !bytes.Equal(before, after) {
		t.Fatalf("decoded projects changed with the body: they alias it\n%s\n%s", before, after)
	}
}

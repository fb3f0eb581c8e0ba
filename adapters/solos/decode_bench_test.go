package solos

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkDecodeProjectPage decodes a full page of 100 projects with
// dynamic fields, as GET /projects?count=100 answers it.
func BenchmarkDecodeProjectPage(b *testing.B) {
	var recs []string
	for i := 1; i <= 100; i++ {
		recs = append(recs, fmt.Sprintf(`{"id":"%d","name":"Внедрение CRM — ООО «Ромашка»","created":"2021-05-21 14:03:00",
			"deleted":"0","sales_funnel_id":"1","step_id":"3","user_id":"2","group_id":"1","price":"150000.00",
			"currency_id":"1","participants_user_id":["1","2"],"participants_group_id":["1"],
			"client_id":["%d"],"contract_date":"2021-06-01","address":"г. Москва, ул. Тверская, д. 12","source":"Сайт"}`, i, i%12))
	}
	body := []byte(`{"status":"ok","result":[` + strings.Join(recs, ",") + `],"count":"400"}`)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		raws, _, err := decodeList(body)
		if err != nil {
			b.Fatal(err)
		}
		ps, err := projects.decodeAll(raws)
		if err != nil || len(ps) != 100 || !json.Valid(ps[99].Extra) {
			b.Fatal(err)
		}
	}
}

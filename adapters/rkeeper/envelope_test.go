package rkeeper

import (
	"encoding/json"
	"github.com/crmgateway/gateway/internal/domain"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/crmgateway/gateway/internal/apierr"
)

// docsClient is the seed's GET Clients example (with the comma the seed
// forgot after "note").
const docsClient = `{
    "data": {
        "id": "10000000009188", "lastname": "Безногов", "firstname": "Сергей", "middlename": "Витальевич",
        "birthday": "1971-10-18T00:00:00", "note": "лояльный клиент",
        "contacts": [
            {"id": "10000000008064", "typeId": "1", "typeName": "Телефон домашний", "value": "333"},
            {"id": "10000000008066", "typeId": "2", "typeName": "Телефон рабочий", "value": "+79998887766"}
        ],
        "addresses": [{
            "id": "10000000003276", "typeId": "1", "typeName": "Домашний", "countryId": "2", "country": "Россия",
            "zip": "111111", "region": "", "cityId": "10000000000002", "city": "Москва",
            "streetId": "10000000000031", "street": "10-я Текстильщиков", "house": "10", "building": "",
            "entry": "", "floor": "", "apartments": "7", "entryCode": "", "dopInfo": "", "lat": "", "lng": "",
            "metroStationId": "3", "metroStation": "Академическая", "readOnly": false
        }],
        "accounts": [{
            "accountNumber": "03.00011.00010593.0001", "status": "Active", "accountTypeID": 11,
            "accountTypeName": "тестовый дебетовый", "accountDebitEnabled": false, "accountCreditEnabled": false,
            "dateCreate": "2020-02-13T00:00:00", "balance": 0.00, "accountCode": null
        }],
        "cards": [{
            "cardCode": "112232213", "isVirtualCard": false, "isConfirmManager": false, "status": "Active",
            "dateOffered": "2019-12-25T00:00:00", "dateExpired": "2021-12-25T00:00:00", "groupID": 3, "groupName": "основная"
        }]
    },
    "ver": "1.3.0.32", "timestamp": "2020-02-13T12:04:25", "status": "Ok", "requestId": "38aaaa7be8da4e9695bce0e7aaed8d2e"
}`

const docsErr = `{"ver": "1.1.15.15", "timestamp": "2020-02-12T13:15:34", "status": "Err",
	"errors": [{"code": "DLW-0023", "text": "RK7 error", "details": "Not answer from WS"}],
	"requestId": "c98e26da9b9046d3bbb862e02d27bc25"}`

func TestDecodeEnvelope(t *testing.T) {
	notFound := `{"status":"Err","errors":[{"code":"DLW-0004","text":"Клиент не найден","details":"1"}],"requestId":"abc"}`
	badField := `{"status":"Err","errors":[{"code":"DLW-0003","text":"Неверное поле","details":"Name"}],"requestId":"r1"}`
	unknown := `{"status":"Err","errors":[{"code":"XYZ-1","text":"странно"}],"requestId":"r2"}`
	unknownNotFound := `{"status":"Err","errors":[{"code":"DLW-0099","text":"Улица не найдена","details":"Id"}],"requestId":"r3"}`
	englishNotFound := `{"status":"Err","errors":[{"code":"E42","text":"Record does not exist"}],"requestId":"r4"}`
	for _, tc := range []struct {
		name, method, body  string
		status              int
		code                apierr.Code
		upstreamCode, reqID string
		outcome             apierr.Outcome
		field               string
		messageHas          string
	}{
		{name: "Ok", method: http.MethodGet, body: docsClient, status: 200},
		{name: "Err under 200 (public docs example)", method: http.MethodGet, body: docsErr, status: 200,
			code: apierr.UpstreamUnavailable, upstreamCode: "DLW-0023", reqID: "c98e26da9b9046d3bbb862e02d27bc25", messageHas: "Not answer from WS"},
		{name: "not found under 200", method: http.MethodGet, body: notFound, status: 200, code: apierr.NotFound, upstreamCode: "DLW-0004", reqID: "abc"},
		{name: "not found under 404", method: http.MethodGet, body: notFound, status: 404, code: apierr.NotFound, upstreamCode: "DLW-0004", reqID: "abc"},
		{name: "write refused under 200", method: http.MethodPost, body: badField, status: 200, code: apierr.BadUserInput,
			upstreamCode: "DLW-0003", reqID: "r1", outcome: apierr.OutcomeRejected, field: "input.name"},
		{name: "write Err under 500 is unknown", method: http.MethodPut, body: docsErr, status: 500, code: apierr.UpstreamUnavailable,
			upstreamCode: "DLW-0023", reqID: "c98e26da9b9046d3bbb862e02d27bc25", outcome: apierr.OutcomeUnknown, messageHas: "outcome unknown"},
		{name: "unknown code under 200", method: http.MethodGet, body: unknown, status: 200, code: apierr.UpstreamError, upstreamCode: "XYZ-1", reqID: "r2"},
		{name: "unlisted code worded not found", method: http.MethodGet, body: unknownNotFound, status: 200, code: apierr.NotFound, upstreamCode: "DLW-0099", reqID: "r3"},
		{name: "unlisted code worded not found in English", method: http.MethodGet, body: englishNotFound, status: 200, code: apierr.NotFound, upstreamCode: "E42", reqID: "r4"},
		{name: "unlisted code under 404", method: http.MethodGet, body: unknown, status: 404, code: apierr.NotFound, upstreamCode: "XYZ-1", reqID: "r2"},
		{name: "unlisted code under 410", method: http.MethodGet, body: unknown, status: 410, code: apierr.NotFound, upstreamCode: "XYZ-1", reqID: "r2"},
		{name: "lower-case listed code", method: http.MethodGet, body: strings.Replace(notFound, "DLW-0004", "dlw-0004", 1), status: 200, code: apierr.NotFound, upstreamCode: "dlw-0004", reqID: "abc"},
		{name: "unknown code under 401", method: http.MethodGet, body: unknown, status: 401, code: apierr.UpstreamUnauthenticated, upstreamCode: "XYZ-1", reqID: "r2"},
		{name: "Ok under an error status", method: http.MethodGet, body: `{"status":"Ok","data":[],"requestId":"q"}`, status: 502, code: apierr.UpstreamError, reqID: "q"},
		{name: "HTML error page", method: http.MethodGet, body: "<html>Bad Gateway</html>", status: 502, code: apierr.UpstreamError},
		{name: "HTML 404", method: http.MethodDelete, body: "<html>nope</html>", status: 404, code: apierr.NotFound, outcome: apierr.OutcomeRejected},
		{name: "truncated JSON under 200", method: http.MethodGet, body: `{"data": [`, status: 200, code: apierr.UpstreamError},
		{name: "truncated JSON under 200 on a write", method: http.MethodPost, body: `{"data": [`, status: 200, code: apierr.UpstreamError, outcome: apierr.OutcomeUnknown},
		{name: "no status", method: http.MethodGet, body: `{"data": []}`, status: 200, code: apierr.UpstreamError},
		{name: "odd status", method: http.MethodGet, body: `{"status": "Maybe", "requestId": "z"}`, status: 200, code: apierr.UpstreamError, reqID: "z"},
		{name: "Err without errors", method: http.MethodGet, body: `{"status": "Err", "requestId": "z"}`, status: 200, code: apierr.UpstreamError, reqID: "z", messageHas: "without details"},
		{name: "seed's invalid client example", method: http.MethodGet, body: `{"data": {"note": "x" "contacts": []}, "status": "Ok"}`, status: 200, code: apierr.UpstreamError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := decodeEnvelope(tc.method, tc.status, []byte(tc.body), streetFields, nil)
			if tc.code == "" {
				if err != nil || len(d.Data) == 0 {
					t.Fatalf("err = %v, data %q", err, d.Data)
				}
				return
			}
			e, ok := apierr.As(err)
			if !ok {
				t.Fatalf("err = %v", err)
			}
			if e.Code != tc.code || e.UpstreamCode != tc.upstreamCode || e.RequestID != tc.reqID || e.Outcome != tc.outcome ||
				e.Field != tc.field || e.Upstream != Upstream || !strings.Contains(e.Message, tc.messageHas) {
				t.Errorf("got %+v", e)
			}
		})
	}
}

func TestDecodeClientDocsExample(t *testing.T) {
	d, err := decodeEnvelope(http.MethodGet, 200, []byte(docsClient), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := decodeClient(d.Data)
	if err != nil {
		t.Fatal(err)
	}
	if c.SourceID != "10000000009188" || *c.FirstName != "Сергей" || *c.LastName != "Безногов" || *c.MiddleName != "Витальевич" ||
		c.Birthday.String() != "1971-10-18T00:00:00" || *c.Note != "лояльный клиент" || c.Extra != nil {
		t.Errorf("client = %+v", c)
	}
	a := c.Addresses[0]
	if a.ClientID != c.SourceID || a.CityID != "10000000000002" || a.MetroStationID != "3" || a.Lat != nil || *a.Apartments != "7" ||
		a.Region != nil || a.Building != nil || a.AdditionalInfo != nil || a.Extra != nil {
		t.Errorf("address = %+v", a)
	}
	acc := c.Accounts[0]
	if *acc.Balance != "0.00" || *acc.AccountTypeID != "11" || acc.AccountCode != nil || acc.Status != domain.AccountActive || acc.CreatedAt.String() != "2020-02-13T00:00:00" {
		t.Errorf("account = %+v", acc)
	}
	if k := c.Cards[0]; *k.GroupID != "3" || k.Status != domain.CardActive || k.Extra != nil || k.ExpiresAt.String() != "2021-12-25T00:00:00" || k.CardCode != "112232213" {
		t.Errorf("card = %+v", k)
	}
}

// An attribute no field maps goes to extra; a status other than the
// documented "Active" is OTHER with the upstream's word kept in extra.
func TestDecodeClientExtra(t *testing.T) {
	data := `{"id": "5", "lastname": "", "vip": true, "cards": [{"cardCode": "9", "status": "Blocked", "level": 2}],
		"accounts": [{"accountNumber": "1", "status": "Active"}], "addresses": [{"id": "7", "floor": "", "intercom": "12"}]}`
	c, err := decodeClient(json.RawMessage(data))
	if err != nil {
		t.Fatal(err)
	}
	if c.LastName != nil || string(c.Extra) != `{"vip":true}` {
		t.Errorf("client lastName %v extra %s", c.LastName, c.Extra)
	}
	if k := c.Cards[0]; k.Status != domain.CardOther || string(k.Extra) != `{"status":"Blocked","level":2}` {
		t.Errorf("card status %s extra %s", k.Status, k.Extra)
	}
	if a := c.Accounts[0]; a.Status != domain.AccountActive || a.Extra != nil {
		t.Errorf("account status %s extra %s", a.Status, a.Extra)
	}
	if a := c.Addresses[0]; a.Floor != nil || string(a.Extra) != `{"intercom":"12"}` {
		t.Errorf("address floor %v extra %s", a.Floor, a.Extra)
	}
}

func TestDecodeClientExactBalanceAndCoordinates(t *testing.T) {
	data := `{"id": 42, "accounts": [{"accountNumber": "1", "balance": 123456789012345678901234.5678, "accountCode": "X1"}],
		"addresses": [{"id": "7", "lat": " 55,7512 ", "lng": "37.6184"}, {"id": "8", "lat": "north", "lng": "NaN"}]}`
	c, err := decodeClient(json.RawMessage(data))
	if err != nil {
		t.Fatal(err)
	}
	if c.SourceID != "42" || *c.Accounts[0].Balance != "123456789012345678901234.5678" || string(c.Accounts[0].AccountCode) != `"X1"` {
		t.Errorf("client = %+v, account %+v", c, c.Accounts[0])
	}
	if *c.Addresses[0].Lat != 55.7512 || *c.Addresses[0].Lng != 37.6184 || c.Addresses[1].Lat != nil || c.Addresses[1].Lng != nil {
		t.Errorf("coordinates = %+v %+v", c.Addresses[0], c.Addresses[1])
	}
	for _, bad := range []string{`{"id": "1", "birthday": "вчера"}`, `{"id": "1", "accounts": [{"accountNumber": "1", "balance": "много"}]}`,
		`{"id": "1", "contacts": [{"value": "x"}]}`, `{"firstname": "без id"}`, `[]`} {
		if _, err := decodeClient(json.RawMessage(bad)); err == nil {
			t.Errorf("%s decoded", bad)
		}
	}
}

var envelopeSeeds = []string{
	docsClient, docsErr,
	`{"data": [{"id": "4", "name": "E-Mail", "isPhone": false, "isEmail": true}], "status": "Ok", "requestId": "x"}`,
	`{"data": {"id": "10000000016643", "name": "Комсомольцев", "postCode": "ХХХ"}, "status": "Ok"}`,
	`{"data": {id": "10000000009263"}, "status": "Ok"}`,
	`{"status": "Err", "errors": []}`, `null`, ``, `[1,2]`, `{"status": 5}`,
}

// FuzzDecodeEnvelope: any body under any status is either data or a
// contract error; never a panic, never a code outside the closed set, and
// a failed write always states its outcome.
func FuzzDecodeEnvelope(f *testing.F) {
	for _, s := range envelopeSeeds {
		for _, status := range []int{200, 404, 503} {
			f.Add([]byte(s), status, false)
			f.Add([]byte(s), status, true)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, status int, write bool) {
		method := http.MethodGet
		if write {
			method = http.MethodPost
		}
		_, err := decodeEnvelope(method, status, body, cityFields, nil)
		if err == nil {
			if status >= 400 {
				t.Fatalf("status %d decoded as success", status)
			}
			return
		}
		e, ok := apierr.As(err)
		if !ok {
			t.Fatalf("not an apierr: %v", err)
		}
		if !slices.Contains(apierr.Codes, e.Code) || e.Message == "" || e.Upstream != Upstream {
			t.Fatalf("bad error %+v", e)
		}
		if write && e.Outcome == "" {
			t.Fatalf("write error without outcome: %+v", e)
		}
	})
}

// FuzzDecodeClient: a client payload decodes or errs, never panics, and a
// decoded client's parts all carry their ids.
func FuzzDecodeClient(f *testing.F) {
	d, _ := decodeEnvelope(http.MethodGet, 200, []byte(docsClient), nil, nil)
	f.Add([]byte(d.Data))
	f.Add([]byte(`{"id": 1, "accounts": [{"accountNumber": "1", "balance": 1e400}]}`))
	f.Add([]byte(`{"id": "1", "addresses": [{"id": "2", "lat": "1,5"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := decodeClient(data)
		if err != nil {
			return
		}
		if c.SourceID == "" {
			t.Fatal("client without id")
		}
		for _, x := range c.Contacts {
			if x.SourceID == "" || x.ClientID != c.SourceID {
				t.Fatalf("contact %+v", x)
			}
		}
		for _, x := range c.Addresses {
			if x.SourceID == "" || x.ClientID != c.SourceID {
				t.Fatalf("address %+v", x)
			}
		}
		for _, x := range c.Accounts {
			if x.Balance != nil {
				if _, err := x.Balance.MarshalJSON(); err != nil {
					t.Fatalf("balance %q", *x.Balance)
				}
			}
		}
	})
}

// FuzzDecodeRefs: reference lists decode or err, and decoded elements all
// have ids.
func FuzzDecodeRefs(f *testing.F) {
	f.Add([]byte(`[{"id": "1", "name": "Домашний"}, {"id": 2, "name": "Рабочий", "postCode": "000"}]`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[{"name": "без id"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		refs, err := decodeRefs(data)
		if err != nil {
			return
		}
		for _, r := range refs {
			if r.ID == "" {
				t.Fatalf("element without id: %+v", r)
			}
		}
	})
}

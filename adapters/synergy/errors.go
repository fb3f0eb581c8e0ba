package synergy

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/crmgateway/gateway/internal/upstream"
)

// statusError maps a non-2xx answer, reading the JSON:API error document
// when there is one: 422's source.pointer names the offending input field.
// The upstream's texts are redacted: a CRM may echo the token it refuses.
func (c *Client) statusError(method, typ string, resp *upstream.Response) error {
	var doc errorDocument
	_ = json.Unmarshal(resp.Body, &doc)
	msg := ""
	field := ""
	code := ""
	if len(doc.Errors) > 0 {
		e := doc.Errors[0]
		msg = strings.TrimSpace(e.Detail)
		if msg == "" {
			msg = strings.TrimSpace(e.Title)
		}
		msg = c.up.Redact(msg)
		field = Field(typ, e.Source.Pointer, e.Source.Parameter)
		code = c.up.Redact(e.Code)
	}
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	if msg == "" {
		msg = http.StatusText(resp.Status)
	}
	out := upstream.StatusError(Name, method, resp.Status, "SynergyCRM: "+msg)
	out.Field = field
	out.UpstreamCode = code
	if resp.Status == http.StatusTooManyRequests {
		if d, ok := upstream.RetryAfter(resp.Header, time.Now()); ok {
			out.RetryAfterSeconds = int(d.Round(time.Second) / time.Second)
		}
	}
	return out
}

package synergy

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/crmgateway/gateway/internal/upstream"
)

// maxErrorObjects bounds how many of an error document's objects become
// errors: enough for every field of the largest input, few enough that a
// hostile answer cannot flood the response.
const maxErrorObjects = 50

// statusError maps a non-2xx answer, reading the JSON:API error document
// when there is one. Each error object becomes one error (joined with
// errors.Join), so a 422 refusing several fields names every one of them:
// source.pointer (or source.parameter) names the offending input field.
// The upstream's texts are redacted: a CRM may echo the token it refuses.
func (c *Client) statusError(method, typ string, resp *upstream.Response) error {
	var doc errorDocument
	_ = json.Unmarshal(resp.Body, &doc)
	objs := doc.Errors
	if len(objs) > maxErrorObjects {
		objs = objs[:maxErrorObjects]
	}
	if len(objs) == 0 {
		return c.oneStatusError(method, resp, "", "", "")
	}
	errs := make([]error, 0, len(objs))
	seen := map[string]bool{}
	for _, e := range objs {
		msg := strings.TrimSpace(e.Detail)
		if msg == "" {
			msg = strings.TrimSpace(e.Title)
		}
		field := Field(typ, e.Source.Pointer, e.Source.Parameter)
		key := field + "\x00" + msg
		if seen[key] {
			continue
		}
		seen[key] = true
		errs = append(errs, c.oneStatusError(method, resp, msg, field, e.Code))
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// oneStatusError is the error of one error object (or of an answer
// without any).
func (c *Client) oneStatusError(method string, resp *upstream.Response, msg, field, code string) error {
	msg = c.up.Redact(msg)
	if r := []rune(msg); len(r) > 300 {
		msg = string(r[:300]) + "…"
	}
	if msg == "" {
		msg = http.StatusText(resp.Status)
	}
	out := upstream.StatusError(Name, method, resp.Status, "SynergyCRM: "+msg)
	out.Field = c.up.Redact(field)
	out.UpstreamCode = c.up.Redact(truncate(code, 64))
	if resp.Status == http.StatusTooManyRequests {
		if d, ok := upstream.RetryAfter(resp.Header, time.Now()); ok {
			out.RetryAfterSeconds = int(d.Round(time.Second) / time.Second)
		}
	}
	return out
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

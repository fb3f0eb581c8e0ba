package rkeeper

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/upstream"
)

// Upstream is the backend's name in errors, metrics and global IDs.
const Upstream = "rkeeper"

// envelope is the wrapper of every r_keeper answer:
// {data, ver, timestamp, status: "Ok"|"Err", errors, requestId}.
type envelope struct {
	Data      json.RawMessage `json:"data"`
	Ver       string          `json:"ver"`
	Timestamp string          `json:"timestamp"`
	Status    string          `json:"status"`
	Errors    []envelopeError `json:"errors"`
	RequestID string          `json:"requestId"`
}

type envelopeError struct {
	Code    string `json:"code"`
	Text    string `json:"text"`
	Details string `json:"details"`
}

// upstreamCodes maps r_keeper error codes to the contract's codes. The
// docs catalogue no codes (only DLW-0023 appears, in the vendor's public
// example); the others are this project's assumption, shared with the
// emulator and listed in README.md. A code not listed here is classified
// by notFound, then falls back to the HTTP status, then to
// UPSTREAM_ERROR. Keep every mapping here.
var upstreamCodes = map[string]apierr.Code{
	"DLW-0001": apierr.UpstreamUnauthenticated, // sid missing or invalid
	"DLW-0002": apierr.UpstreamForbidden,       // objectId unknown or not this dealer's
	"DLW-0003": apierr.BadUserInput,            // invalid parameter or body field (details names it)
	"DLW-0004": apierr.NotFound,                // no record with that id
	"DLW-0005": apierr.UpstreamError,           // operation not supported by this CRM version
	"DLW-0006": apierr.BadUserInput,            // record still in use (a city or street with addresses)
	"DLW-0023": apierr.UpstreamUnavailable,     // "RK7 error: Not answer from WS" (public docs)
}

// notFoundWords are how r_keeper (and the services behind it) word a
// missing record when the code is not one of upstreamCodes: the Russian
// "не найден(а)" / "не существует" of its messages, and the English forms.
var notFoundWords = []string{"не найден", "не существует", "отсутствует", "not found", "does not exist", "no such"}

// notFound reports whether an Err element with an unlisted code says the
// record does not exist: HTTP 404 or 410, or its text or details say so.
func notFoundSignal(status int, e envelopeError) bool {
	if status == http.StatusNotFound || status == http.StatusGone {
		return true
	}
	text := strings.ToLower(e.Text + " " + e.Details)
	for _, w := range notFoundWords {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// classify is the contract code of one Err element under an HTTP status.
func classify(status int, e envelopeError) apierr.Code {
	if code, ok := upstreamCodes[strings.ToUpper(strings.TrimSpace(e.Code))]; ok {
		return code
	}
	switch {
	case notFoundSignal(status, e):
		return apierr.NotFound
	case status >= http.StatusBadRequest:
		return upstream.CodeForStatus(status)
	}
	return apierr.UpstreamError
}

// maxEnvelopeErrors bounds how many elements of errors[] become errors.
const maxEnvelopeErrors = 50

// decoded is a successful answer's payload and the upstream's request id.
type decoded struct {
	Data      json.RawMessage
	RequestID string
}

// decodeEnvelope turns one HTTP answer into its payload or a contract
// error. status "Err" is an error whatever the HTTP status; an error HTTP
// status is an error whatever the body. fields maps wire field names to
// GraphQL input paths, so an upstream validation error names the field.
// red (nil: none) redacts every text the answer supplies before it is
// cut to length, so no part of an echoed credential survives.
func decodeEnvelope(method string, status int, body []byte, fields map[string]string, red func(string) string) (decoded, error) {
	if red == nil {
		red = func(s string) string { return s }
	}
	var env envelope
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&env); err != nil || env.Status == "" {
		if status >= http.StatusBadRequest {
			return decoded{}, upstream.StatusError(Upstream, method, status, "")
		}
		return decoded{}, malformed(method, "the r_keeper answer is not a response envelope", err)
	}
	reqID := truncate(red(env.RequestID), 64)
	switch {
	case strings.EqualFold(env.Status, "Ok") && status < http.StatusBadRequest:
		return decoded{Data: env.Data, RequestID: reqID}, nil
	case strings.EqualFold(env.Status, "Ok"):
		e := upstream.StatusError(Upstream, method, status, "")
		e.RequestID = reqID
		return decoded{}, e
	case strings.EqualFold(env.Status, "Err"):
		return decoded{}, envelopeErr(method, status, env, reqID, fields, red)
	default:
		e := malformed(method, fmt.Sprintf("the r_keeper answer has an unknown status %q", truncate(red(env.Status), 20)), nil)
		e.RequestID = reqID
		return decoded{}, e
	}
}

// envelopeErr maps a status "Err" answer: each element of errors[]
// becomes one error (joined with errors.Join when there are several), so
// a refusal of several fields names each. The upstream's code, text and
// request id are kept so support can trace the call; a write refused with
// an answer below 500 was not applied (REJECTED), one answered 5xx may
// have been partly applied (UNKNOWN).
func envelopeErr(method string, status int, env envelope, reqID string, fields map[string]string, red func(string) string) error {
	elems := env.Errors
	if len(elems) == 0 {
		elems = []envelopeError{{}}
	}
	if len(elems) > maxEnvelopeErrors {
		elems = elems[:maxEnvelopeErrors]
	}
	var errs []error
	seen := map[string]bool{}
	for _, el := range elems {
		e := &apierr.Error{Upstream: Upstream, RequestID: reqID, Code: classify(status, el),
			UpstreamCode: truncate(red(el.Code), 40)}
		var parts []string
		for _, s := range []string{el.Text, el.Details} {
			if s = strings.TrimSpace(red(s)); s != "" {
				parts = append(parts, truncate(s, 300))
			}
		}
		if len(parts) == 0 {
			parts = append(parts, "the call failed without details")
		}
		e.Message = "r_keeper: " + strings.Join(parts, ": ")
		if e.Code == apierr.BadUserInput {
			if f, ok := fields[strings.TrimSpace(el.Details)]; ok {
				e.Field = f
			}
		}
		if upstream.IsWrite(method) {
			e.Outcome = apierr.OutcomeRejected
			if status >= http.StatusInternalServerError {
				e.Outcome = apierr.OutcomeUnknown
			}
			e.Message = upstream.WriteMessage(e.Message, e.Outcome)
		}
		key := string(e.Code) + "\x00" + e.Field + "\x00" + e.Message
		if seen[key] {
			continue
		}
		seen[key] = true
		errs = append(errs, e)
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// malformed is an answer the gateway cannot read. A write that got one
// reached the upstream, so its outcome is unknown.
func malformed(method, msg string, cause error) *apierr.Error {
	e := &apierr.Error{Code: apierr.UpstreamError, Upstream: Upstream, Message: msg, Err: cause}
	if upstream.IsWrite(method) {
		e.Outcome = apierr.OutcomeUnknown
		e.Message = upstream.WriteMessage(msg, e.Outcome)
	}
	return e
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

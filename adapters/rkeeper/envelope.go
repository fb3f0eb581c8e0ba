package rkeeper

import (
	"bytes"
	"encoding/json"
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
// emulator and listed in README.md. A code not listed here falls back to
// the HTTP status, then to UPSTREAM_ERROR. Keep every mapping here.
var upstreamCodes = map[string]apierr.Code{
	"DLW-0001": apierr.UpstreamUnauthenticated, // sid missing or invalid
	"DLW-0002": apierr.UpstreamForbidden,       // objectId unknown or not this dealer's
	"DLW-0003": apierr.BadUserInput,            // invalid parameter or body field (details names it)
	"DLW-0004": apierr.NotFound,                // no record with that id
	"DLW-0005": apierr.UpstreamError,           // operation not supported by this CRM version
	"DLW-0006": apierr.BadUserInput,            // record still in use (a city or street with addresses)
	"DLW-0023": apierr.UpstreamUnavailable,     // "RK7 error: Not answer from WS" (public docs)
}

// decoded is a successful answer's payload and the upstream's request id.
type decoded struct {
	Data      json.RawMessage
	RequestID string
}

// decodeEnvelope turns one HTTP answer into its payload or a contract
// error. status "Err" is an error whatever the HTTP status; an error HTTP
// status is an error whatever the body. fields maps wire field names to
// GraphQL input paths, so an upstream validation error names the field.
func decodeEnvelope(method string, status int, body []byte, fields map[string]string) (decoded, error) {
	var env envelope
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&env); err != nil || env.Status == "" {
		if status >= http.StatusBadRequest {
			return decoded{}, upstream.StatusError(Upstream, method, status, "")
		}
		return decoded{}, malformed(method, "the r_keeper answer is not a response envelope", err)
	}
	switch {
	case strings.EqualFold(env.Status, "Ok") && status < http.StatusBadRequest:
		return decoded{Data: env.Data, RequestID: env.RequestID}, nil
	case strings.EqualFold(env.Status, "Ok"):
		e := upstream.StatusError(Upstream, method, status, "")
		e.RequestID = env.RequestID
		return decoded{}, e
	case strings.EqualFold(env.Status, "Err"):
		return decoded{}, envelopeErr(method, status, env, fields)
	default:
		e := malformed(method, fmt.Sprintf("the r_keeper answer has an unknown status %q", truncate(env.Status, 20)), nil)
		e.RequestID = env.RequestID
		return decoded{}, e
	}
}

// envelopeErr maps a status "Err" answer. The upstream's code, text and
// request id are kept so support can trace the call; a write refused with
// an answer below 500 was not applied (REJECTED), one answered 5xx may
// have been partly applied (UNKNOWN).
func envelopeErr(method string, status int, env envelope, fields map[string]string) *apierr.Error {
	e := &apierr.Error{Upstream: Upstream, RequestID: env.RequestID}
	var first envelopeError
	if len(env.Errors) > 0 {
		first = env.Errors[0]
	}
	e.UpstreamCode = truncate(first.Code, 40)
	code, known := upstreamCodes[first.Code]
	switch {
	case known:
		e.Code = code
	case status >= http.StatusBadRequest:
		e.Code = upstream.CodeForStatus(status)
	default:
		e.Code = apierr.UpstreamError
	}
	var parts []string
	for _, s := range []string{first.Text, first.Details} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, truncate(s, 300))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "the call failed without details")
	}
	e.Message = "r_keeper: " + strings.Join(parts, ": ")
	if e.Code == apierr.BadUserInput {
		if f, ok := fields[strings.TrimSpace(first.Details)]; ok {
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
	return e
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

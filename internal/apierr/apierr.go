// Package apierr owns the closed set of error codes the gateway shows its
// clients, the HTTP status of each, and the error type that carries them.
package apierr

import (
	"errors"
	"fmt"
	"net/http"
)

// Code is one of the contract's error codes; clients switch on it.
type Code string

// The contract's codes. The set is closed: nothing else reaches a client.
const (
	BadUserInput    Code = "BAD_USER_INPUT"
	NotFound        Code = "NOT_FOUND"
	Unauthenticated Code = "UNAUTHENTICATED"
	Forbidden       Code = "FORBIDDEN"
	// UpstreamUnauthenticated and UpstreamForbidden: a CRM refused the
	// credentials the gateway sent (its 401 and 403), never the caller's.
	UpstreamUnauthenticated Code = "UPSTREAM_UNAUTHENTICATED"
	UpstreamForbidden       Code = "UPSTREAM_FORBIDDEN"
	UpstreamError           Code = "UPSTREAM_ERROR"
	UpstreamTimeout         Code = "UPSTREAM_TIMEOUT"
	UpstreamUnavailable     Code = "UPSTREAM_UNAVAILABLE"
	UpstreamDisabled        Code = "UPSTREAM_DISABLED"
	RateLimited             Code = "RATE_LIMITED"
	QueryTooComplex         Code = "QUERY_TOO_COMPLEX"
	// PersistedQueryNotFound: the document's hash is neither a trusted
	// document nor a registered automatic persisted query.
	PersistedQueryNotFound Code = "PERSISTED_QUERY_NOT_FOUND"
	Internal               Code = "INTERNAL"
)

// Codes lists every code, in the contract's order.
var Codes = []Code{
	BadUserInput, NotFound, Unauthenticated, Forbidden, UpstreamUnauthenticated,
	UpstreamForbidden, UpstreamError, UpstreamTimeout, UpstreamUnavailable,
	UpstreamDisabled, RateLimited, QueryTooComplex, PersistedQueryNotFound, Internal,
}

// HTTPStatus is the status the REST facade answers with for the code.
func (c Code) HTTPStatus() int {
	switch c {
	case BadUserInput, PersistedQueryNotFound:
		return http.StatusBadRequest
	case NotFound:
		return http.StatusNotFound
	case Unauthenticated:
		return http.StatusUnauthorized
	case Forbidden:
		return http.StatusForbidden
	case UpstreamError, UpstreamUnauthenticated, UpstreamForbidden:
		return http.StatusBadGateway
	case UpstreamTimeout:
		return http.StatusGatewayTimeout
	case UpstreamUnavailable, UpstreamDisabled:
		return http.StatusServiceUnavailable
	case RateLimited:
		return http.StatusTooManyRequests
	case QueryTooComplex:
		return http.StatusUnprocessableEntity
	default:
		return http.StatusInternalServerError
	}
}

// Outcome tells a caller what became of a write that failed.
type Outcome string

const (
	// OutcomeUnknown: the write may have reached the upstream; it may or may
	// not have been applied. The gateway never guesses.
	OutcomeUnknown Outcome = "UNKNOWN"
	// OutcomeNotSent: the write provably never left the gateway.
	OutcomeNotSent Outcome = "NOT_SENT"
	// OutcomeRejected: the upstream answered and refused the write.
	OutcomeRejected Outcome = "REJECTED"
)

// Error is the one error type that carries a contract code. Message is what
// the client sees; Err is the internal cause and never leaves the process.
type Error struct {
	Code     Code
	Message  string
	Upstream string // synergy | solos | rkeeper, when an upstream is the cause
	// Field names the offending input field (a GraphQL input path such as
	// "input.firstName"), for BAD_USER_INPUT.
	Field string
	// RequestID is the upstream's own id of the failed call, when it has one.
	RequestID string
	// UpstreamCode is the upstream's own error code (e.g. "DLW-0023").
	UpstreamCode string
	// Outcome is set on failed writes.
	Outcome Outcome
	// RetryAfterSeconds is set for RATE_LIMITED when the upstream said.
	RetryAfterSeconds int
	Err               error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a code and a client-facing message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid is a BAD_USER_INPUT error naming the offending input field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: BadUserInput, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Disabled is the error of every field of a backend that is not configured.
func Disabled(upstream string) *Error {
	return &Error{Code: UpstreamDisabled, Upstream: upstream,
		Message: upstream + " is not configured on this gateway"}
}

// ClientMessage is the message a client sees. A CRM's refusal of the
// gateway's own credentials says so first, so that a caller never mistakes
// it for a problem with the credentials it sent.
func (e *Error) ClientMessage() string {
	switch e.Code {
	case UpstreamUnauthenticated:
		return "the credentials this gateway is configured with for " + e.Upstream +
			" were refused by it (not the caller's): " + e.Message
	case UpstreamForbidden:
		return "the credentials this gateway is configured with for " + e.Upstream +
			" do not allow this operation (not the caller's): " + e.Message
	}
	return e.Message
}

// As finds the *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// CodeOf returns the code of err, INTERNAL when err carries none.
func CodeOf(err error) Code {
	if e, ok := As(err); ok {
		return e.Code
	}
	return Internal
}

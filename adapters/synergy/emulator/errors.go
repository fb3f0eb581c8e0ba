package emulator

import (
	"net/http"
	"strconv"
)

// Error codes the emulator puts in a JSON:API error object's `code`. The
// SynergyCRM docs show no error body at all; these are the emulator's
// documented choice (see README.md) and the adapter maps on status first.
const (
	codeUnauthorized      = "unauthorized"
	codeForbidden         = "forbidden"
	codeNotFound          = "not_found"
	codeMethodNotAllowed  = "method_not_allowed"
	codeUnsupportedMedia  = "unsupported_media_type"
	codeBodyTooLarge      = "request_too_large"
	codeInvalidParameter  = "invalid_parameter"
	codeInvalidJSON       = "invalid_json"
	codeInvalidDocument   = "invalid_document"
	codeConflict          = "conflict"
	codeClientID          = "client_generated_id"
	codeRequired          = "required"
	codeReadOnly          = "read_only"
	codeUnknownAttribute  = "unknown_attribute"
	codeUnknownRel        = "unknown_relationship"
	codeInvalidType       = "invalid_type"
	codeInclusion         = "inclusion"
	codeDuplicate         = "duplicate"
	codeInvalidLinkage    = "invalid_linkage"
	codeTargetNotFound    = "target_not_found"
	codeRateLimited       = "rate_limited"
	codeInternal          = "internal_error"
	codeUnavailable       = "service_unavailable"
	codeUnprocessable     = "unprocessable_entity"
	codeGenericFaultError = "error"
)

// apiError is one JSON:API error object.
type apiError struct {
	Status    int
	Code      string
	Detail    string
	Pointer   string // source.pointer (request document)
	Parameter string // source.parameter (query parameter)
}

func (e apiError) object() obj {
	o := obj{
		{"status", strconv.Itoa(e.Status)},
		{"code", e.Code},
		{"title", http.StatusText(e.Status)},
		{"detail", e.Detail},
	}
	switch {
	case e.Pointer != "":
		o = append(o, field{"source", obj{{"pointer", e.Pointer}}})
	case e.Parameter != "":
		o = append(o, field{"source", obj{{"parameter", e.Parameter}}})
	}
	return o
}

// reply is what a handler answers: a status, an optional body and the
// headers it needs besides Content-Type.
type reply struct {
	status int
	body   []byte
	header http.Header
}

func (r *reply) setHeader(k, v string) *reply {
	if r.header == nil {
		r.header = http.Header{}
	}
	r.header.Set(k, v)
	return r
}

// errorsReply builds a JSON:API error document; its HTTP status is the
// status of the first error.
func errorsReply(errs ...apiError) *reply {
	list := make(arr, len(errs))
	for i, e := range errs {
		list[i] = e.object()
	}
	return &reply{status: errs[0].Status, body: encode(obj{{"errors", list}})}
}

func errReply(status int, code, detail string) *reply {
	return errorsReply(apiError{Status: status, Code: code, Detail: detail})
}

func paramError(param, detail string) *reply {
	return errorsReply(apiError{Status: http.StatusBadRequest, Code: codeInvalidParameter, Detail: detail, Parameter: param})
}

func pointerError(status int, code, pointer, detail string) *reply {
	return errorsReply(apiError{Status: status, Code: code, Detail: detail, Pointer: pointer})
}

func notFound(detail string) *reply {
	return errReply(http.StatusNotFound, codeNotFound, detail)
}

func methodNotAllowed(method string, allow string) *reply {
	return errReply(http.StatusMethodNotAllowed, codeMethodNotAllowed,
		method+" is not allowed here; allowed: "+allow).setHeader("Allow", allow)
}

// faultCode names the error code of an injected status.
func faultCode(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return codeUnauthorized
	case http.StatusForbidden:
		return codeForbidden
	case http.StatusNotFound:
		return codeNotFound
	case http.StatusUnprocessableEntity:
		return codeUnprocessable
	case http.StatusTooManyRequests:
		return codeRateLimited
	case http.StatusServiceUnavailable:
		return codeUnavailable
	case http.StatusInternalServerError:
		return codeInternal
	}
	return codeGenericFaultError
}
